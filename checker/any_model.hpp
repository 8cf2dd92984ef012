// Any checkable model behind one interface of JSON values, for the tools that work on traces of
// every protocol alike (replay, show, shrink). A trace's "#meta" names its protocol and holds the
// model's parameters ("model"), from which model_from_trace_meta rebuilds the model.
//
// Any Model (checker/model.hpp: World<P>, PaxosTlaModel, ...) has what this needs; what the viewers
// draw of nodes and messages comes from a model that declares has_network_view.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "checker/action_view.hpp"
#include "checker/model.hpp"
#include "spec/property.hpp"
#include "checker/shrink.hpp"
#include "model/core/diff.hpp"
#include "model/core/json.hpp"
#include "model/core/node_view.hpp"
#include "model/core/print.hpp"
#include "model/core/tree.hpp"

namespace lockstep {

// An enabled action from a state, with the state it leads to (as JSON), and whether that state is
// within the model's bounds (a state beyond them is checked, not expanded, by `check`).
struct EnabledStep {
  Json action;
  Json next;
  bool within_bounds;
};

// A shrunk run (checker/shrink.hpp) as JSON: [action, state] per step; the first step is the
// initial state, its action null.
struct ShrunkTrace {
  std::vector<std::pair<Json, Json>> steps;
  ShrinkStats stats;
};

// JSON values kept compactly (CBOR, in one buffer): a long trace's actions, for shrinking (an
// action as Json takes ten times its CBOR's bytes).
class PackedJsonList {
 public:
  void push_back(const Json& value) {
    offsets_.push_back(bytes_.size());
    Json::to_cbor(value, bytes_);
  }
  std::size_t size() const { return offsets_.size(); }
  Json operator[](std::size_t i) const {
    const auto end = i + 1 < offsets_.size() ? bytes_.begin() + static_cast<std::ptrdiff_t>(offsets_[i + 1]) : bytes_.end();
    return Json::from_cbor(bytes_.begin() + static_cast<std::ptrdiff_t>(offsets_[i]), end);
  }

 private:
  std::vector<std::uint8_t> bytes_;
  std::vector<std::size_t> offsets_;
};

class AnyModel {
 public:
  virtual ~AnyModel() = default;
  virtual std::string protocol() const = 0;
  virtual Json model_json() const = 0;
  virtual std::vector<Json> initial_states() const = 0;
  // The state that `action` leads to from `state`, if it is enabled there. Throws JsonError for a
  // state or an action that does not decode.
  virtual std::optional<Json> successor(const Json& state, const Json& action) const = 0;
  // Every enabled action from `state`, in the model's order, with the state each leads to (the
  // explorer's list of next steps). Throws JsonError for a state that does not decode.
  virtual std::vector<EnabledStep> enabled(const Json& state) const = 0;
  // Whether `check` expands `state` (it is within the model's bounds).
  virtual bool within_bounds(const Json& state) const = 0;
  // Decodes and re-encodes: checks that a state or an action is well-formed (JsonError if not).
  virtual Json canonical_state(const Json& state) const = 0;
  virtual Json canonical_action(const Json& action) const = 0;
  // The names of the "always" properties `state` violates, and of the transition properties the
  // step from `before` to `after` violates.
  virtual std::vector<std::string> violated(const Json& state) const = 0;
  virtual std::vector<std::string> violated_transition(const Json& before, const Json& after) const = 0;
  // The "sometimes" properties `state` satisfies.
  virtual std::vector<std::string> sometimes_reached(const Json& state) const = 0;
  // Every property's name, in the order the explorer checks them.
  virtual std::vector<std::string> property_names() const = 0;
  // Every property: {"name", "kind": "always" | "sometimes" | "transition", "description"}.
  virtual Json property_list() const = 0;
  // One readable line for an action.
  virtual std::string describe(const Json& action) const = 0;

  // For the trace tools (traces/): who acts and what travels, what changed, shrinking.
  // The nodes that actions name (0 for a model without nodes, such as Paxos.tla).
  virtual std::size_t node_count() const = 0;
  // An action as the viewers show it (checker/action_view.hpp); its sentence is describe's.
  virtual ActionView action_view(const Json& action) const = 0;
  // The messages in flight in `state` (none for a model without a network).
  virtual std::vector<MessageView> in_flight(const Json& state) const = 0;
  // What differs from `before` to `after`, field by field (model/core/diff.hpp).
  virtual std::vector<FieldChange> diff(const Json& before, const Json& after) const = 0;
  // A few lines saying what the state means, where the model says it (e.g. the lock service:
  // who holds which lock with which token at each replica, who is paused, what the resource
  // accepted); empty otherwise.
  virtual std::vector<std::string> summary(const Json& state) const = 0;
  // Each node as its protocol draws it (model/core/node_view.hpp: role, term or ballot, log,
  // commit); empty for a model without nodes or a protocol that gives no view.
  virtual std::vector<NodeView> node_views(const Json& state) const = 0;
  // What is decided in `state`, one sentence per decision ("v1 is chosen", "entry 1 (write(1),
  // term 2) is committed"); the viewers mark the step where each first appears.
  virtual std::vector<std::string> decided(const Json& state) const = 0;
  // A property's description (its list's); "" for a name that is not one.
  virtual std::string property_description(const std::string& property) const = 0;
  // Why `state` (or the step into it from `before`, for a transition property) violates
  // `property`, naming the fields; empty where the model's spec says nothing more.
  virtual std::vector<std::string> explain(const std::string& property, const Json* before,
                                           const Json& state) const = 0;
  // The state as a tree printed as the text view prints values (model/core/tree.hpp).
  virtual Json state_tree(const Json& state) const = 0;
  // Shrinks the run of `actions` from `initial` that violates `property` (checker/shrink.hpp);
  // empty when that run does not replay or does not violate it.
  virtual std::optional<ShrunkTrace> shrink(const Json& initial, const PackedJsonList& actions,
                                            const std::string& property, const ShrinkOptions& options) const = 0;
};

template <Model M>
class AnyModelFor final : public AnyModel {
 public:
  using State = typename M::State;
  using Action = typename M::Action;
  explicit AnyModelFor(M model) : model_(std::move(model)) {}

  const M& model() const { return model_; }
  std::string protocol() const override { return std::string(M::protocol); }
  Json model_json() const override { return model_.model_json(); }
  std::vector<Json> initial_states() const override {
    std::vector<Json> out;
    for (const State& s : model_.initial_states()) out.push_back(model_.state_json(s));
    return out;
  }
  std::optional<Json> successor(const Json& state, const Json& action) const override {
    const auto next =
        successor_by_action(model_, model_.state_from_json(state), from_json<Action>(action, "action"));
    if (!next) return std::nullopt;
    return model_.state_json(*next);
  }
  std::vector<EnabledStep> enabled(const Json& state) const override {
    std::vector<EnabledStep> out;
    model_.for_each_successor(model_.state_from_json(state), [&](const Action& action, State&& next) {
      out.push_back({to_json_value(action), model_.state_json(next), model_.within_bounds(next)});
    });
    return out;
  }
  bool within_bounds(const Json& state) const override { return model_.within_bounds(model_.state_from_json(state)); }
  Json canonical_state(const Json& state) const override { return model_.state_json(model_.state_from_json(state)); }
  Json canonical_action(const Json& action) const override {
    return to_json_value(from_json<Action>(action, "action"));
  }
  std::vector<std::string> violated(const Json& state) const override {
    return violated_always(model_.properties(), model_.state_from_json(state));
  }
  std::vector<std::string> violated_transition(const Json& before, const Json& after) const override {
    return violated_transitions(model_.transition_properties(), model_.state_from_json(before),
                                model_.state_from_json(after));
  }
  std::vector<std::string> sometimes_reached(const Json& state) const override {
    return sometimes_holding(model_.properties(), model_.state_from_json(state));
  }
  std::vector<std::string> property_names() const override {
    std::vector<std::string> out;
    for (const auto& property : model_.properties()) out.emplace_back(property.name);
    for (const auto& property : model_.transition_properties()) out.emplace_back(property.name);
    return out;
  }
  Json property_list() const override {
    Json out = Json::array();
    for (const auto& property : model_.properties()) {
      out.push_back({{"name", std::string(property.name)},
                     {"kind", property.kind == PropertyKind::always ? "always" : "sometimes"},
                     {"description", std::string(property.description)}});
    }
    for (const auto& property : model_.transition_properties()) {
      out.push_back({{"name", std::string(property.name)}, {"kind", "transition"}, {"description", std::string(property.description)}});
    }
    return out;
  }
  std::string describe(const Json& action) const override { return action_view(action).sentence; }

  // For the trace tools: what a model with a network view gives, else what JSON allows.
  std::size_t node_count() const override {
    if constexpr (M::has_network_view) {
      return model_.node_count();
    } else {
      return 0;
    }
  }
  ActionView action_view(const Json& action) const override {
    const Action a = from_json<Action>(action, "action");
    if constexpr (M::has_network_view) {
      return model_.action_view(a);
    } else {
      return ActionView{ActionKind::other, NodeId{}, std::nullopt, to_string(a)};
    }
  }
  std::vector<MessageView> in_flight(const Json& state) const override {
    if constexpr (M::has_network_view) {
      return model_.in_flight(model_.state_from_json(state));
    } else {
      return {};
    }
  }
  std::vector<std::string> summary(const Json& state) const override {
    if constexpr (requires(const State& s) { model_.summary(s); }) {
      return model_.summary(model_.state_from_json(state));
    } else {
      return {};
    }
  }
  std::vector<NodeView> node_views(const Json& state) const override {
    if constexpr (requires(const State& s) { model_.node_views(s); }) {
      return model_.node_views(model_.state_from_json(state));
    } else {
      return {};
    }
  }
  std::vector<std::string> decided(const Json& state) const override {
    if constexpr (requires(const State& s) { model_.decided(s); }) {
      return model_.decided(model_.state_from_json(state));
    } else {
      return {};
    }
  }
  std::string property_description(const std::string& property) const override {
    for (const auto& p : model_.properties()) {
      if (p.name == property) return std::string(p.description);
    }
    for (const auto& p : model_.transition_properties()) {
      if (p.name == property) return std::string(p.description);
    }
    return "";
  }
  std::vector<std::string> explain(const std::string& property, const Json* before, const Json& state) const override {
    if constexpr (requires(const State& s) { model_.explain(property, &s, s); }) {
      const std::optional<State> earlier =
          before == nullptr ? std::nullopt : std::optional<State>(model_.state_from_json(*before));
      return model_.explain(property, earlier ? &*earlier : nullptr, model_.state_from_json(state));
    } else {
      return {};
    }
  }
  Json state_tree(const Json& state) const override {
    if constexpr (Reflected<State>) {
      return print_tree(model_.state_from_json(state));
    } else {
      return json_tree(state);
    }
  }
  std::vector<FieldChange> diff(const Json& before, const Json& after) const override {
    if constexpr (Reflected<State>) return diff_values(model_.state_from_json(before), model_.state_from_json(after));
    return diff_json(before, after);
  }
  std::optional<ShrunkTrace> shrink(const Json& initial, const PackedJsonList& actions, const std::string& property,
                                    const ShrinkOptions& options) const override {
    std::vector<Action> typed;
    for (std::size_t i = 0; i < actions.size(); ++i) {
      typed.push_back(from_json<Action>(actions[i], "actions[" + std::to_string(i) + "]"));
    }
    const auto shrunk = shrink_actions(model_, model_.state_from_json(initial), typed, property, options);
    if (!shrunk) return std::nullopt;
    ShrunkTrace out{{}, shrunk->stats};
    for (const auto& step : shrunk->trace) {
      out.steps.emplace_back(step.action ? to_json_value(*step.action) : Json(), model_.state_json(step.state));
    }
    return out;
  }

 private:
  M model_;
};

// The protocols the trace tools know.
std::vector<std::string> known_protocols();
// Rebuilds the model that wrote a trace, from the trace's "#meta". Throws JsonError with a clear
// message for an unknown protocol or parameters that do not decode.
std::unique_ptr<AnyModel> model_from_trace_meta(const Json& meta);

}  // namespace lockstep
