// Shrinking a failing run: the fewest actions, found by delta debugging (Zeller and Hildebrandt's
// ddmin), that still lead from the initial state to a violation of the same property.
//
// Each candidate (a subsequence of the actions, in their order) is re-checked by replaying it
// through the model's step functions from the initial state: a candidate whose action is not
// enabled where it comes (e.g. the delivery of a message that was never sent) is not a failure.
// Where the recorded action is not enabled but one of the same shape is (the same kind of
// message between the same nodes, with other contents: cutting a retry changes the ballot of
// every later message), replay takes that one, so the shrunk run is a real run of the model
// though not always a subsequence of the original. A run within the model's bounds shrinks to a
// run within them (no step from a state the explorer would not expand), so it is never shorter
// than the explorer's shortest counterexample.
// A candidate that fails is cut right after its first violating step, so the result ends at the
// violation. The result is 1-minimal, and 2-minimal too: removing any one or any two of its
// actions loses the violation (pairs catch actions that are only needed together, such as a
// crash and the restart after it), and so does removing any contiguous stretch of them. It need not be a shortest run (the explorer's breadth-first
// traces are): shrinking starts from the run it is given and only cuts actions out of it.
//
// shrink_trace works on a model's own types (for random simulation, which shrinks its failures
// by default); AnyModel::shrink (checker/any_model.hpp) on a trace's JSON (`lockstep shrink`).
#pragma once

#include <cassert>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "checker/action_view.hpp"
#include "checker/engine/search.hpp"
#include "checker/model.hpp"
#include "model/core/print.hpp"

namespace lockstep {

struct ShrinkOptions {
  std::size_t tests_max = 200000;  // candidates replayed at most; then the best found so far
};

struct ShrinkStats {
  std::size_t tests = 0;         // candidates replayed
  bool tests_exhausted = false;  // tests_max stopped the search (the result may not be 1-minimal)
};

// ddmin over the indices 0..count-1. `fails(candidate)` replays a candidate (indices in order)
// and returns how many of them lead to the first violation, or nothing when it does not fail.
// `fails` of every index must fail; returns the shrunk indices (ending at the violation).
using ShrinkTest = std::function<std::optional<std::size_t>(const std::vector<std::size_t>& candidate)>;
std::vector<std::size_t> ddmin(std::size_t count, const ShrinkTest& fails, const ShrinkOptions& options,
                               ShrinkStats& stats);

// Whether the step from `before` to `after` violates `property` (an "always" property of
// `after`, or a transition property of the step).
template <Model M>
bool violates(const M& model, const typename M::State& before, const typename M::State& after,
              std::string_view property) {
  for (const auto& p : model.properties()) {
    if (p.name == property && p.kind == PropertyKind::always) return !p.holds(after);
  }
  for (const auto& p : model.transition_properties()) {
    if (p.name == property) return !p.holds(before, after);
  }
  return false;
}

// What an action is, without its payload: "deliver n3 n1>n3 Prepare" (for a model with a network
// view, as World has; checker/action_view.hpp). Empty when the model cannot say.
template <Model M>
std::string action_shape(const M& model, const typename M::Action& action) {
  if constexpr (M::has_network_view) {
    const ActionView view = model.action_view(action);
    std::string shape(action_kind_name(view.kind));
    shape += ' ';
    print_to(shape, view.node);
    if (view.message) {
      const std::string& text = view.message->message;  // printed: Name{fields...}
      shape += ' ';
      print_to(shape, view.message->from);
      shape += '>';
      print_to(shape, view.message->to);
      shape += ' ';
      shape.append(text, 0, text.find('{'));
    }
    return shape;
  } else {
    return "";
  }
}

// The step that replaying `action` takes from `state`: the action itself when it is enabled, else
// the first enabled action of the same shape (the same kind of message between the same nodes,
// e.g. a Prepare whose ballot differs because an earlier retry was cut out), else nothing.
template <Model M>
std::optional<Successor<M>> replay_step(const M& model, const typename M::State& state,
                                        const typename M::Action& action) {
  using Action = typename M::Action;
  using State = typename M::State;
  if (auto next = successor_by_action(model, state, action)) return Successor<M>{action, std::move(*next)};
  const std::string shape = action_shape(model, action);
  if (shape.empty()) return std::nullopt;
  return first_successor(model, state, [&](const Action& a, const State&) { return action_shape(model, a) == shape; });
}

template <class M>
struct Shrunk {
  std::vector<TraceStep<typename M::State, typename M::Action>> trace;  // trace[0]: the initial state
  ShrinkStats stats;
};

// Shrinks the run of `actions` from `initial` that violates `property`. Empty when that run does
// not replay or does not violate it.
template <Model M>
std::optional<Shrunk<M>> shrink_actions(const M& model, const typename M::State& initial,
                                        const std::vector<typename M::Action>& actions, std::string_view property,
                                        const ShrinkOptions& options = {}) {
  using Step = TraceStep<typename M::State, typename M::Action>;
  bool bounded = true;  // no step from a state the explorer would not expand (model.within_bounds)
  // Replays a candidate; on a violation, `into` (when given) receives the run up to it.
  const auto replay = [&](const std::vector<std::size_t>& candidate, std::vector<Step>* into) -> std::optional<std::size_t> {
    typename M::State state = initial;
    if (into) into->push_back(Step{std::nullopt, initial});
    for (std::size_t i = 0; i < candidate.size(); ++i) {
      if (bounded && !model.within_bounds(state)) return std::nullopt;
      auto step = replay_step(model, state, actions[candidate[i]]);
      if (!step) return std::nullopt;
      const bool violated = violates(model, state, step->second, property);
      state = std::move(step->second);
      if (into) into->push_back(Step{std::move(step->first), state});
      if (violated) return i + 1;
    }
    return std::nullopt;
  };
  std::vector<std::size_t> all(actions.size());
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
  Shrunk<M> result;
  if (!replay(all, nullptr)) {
    bounded = false;  // a run that leaves the bounds itself shrinks to any run of the model
    if (!replay(all, nullptr)) return std::nullopt;
  }
  const std::vector<std::size_t> kept =
      ddmin(actions.size(), [&](const std::vector<std::size_t>& c) { return replay(c, nullptr); }, options, result.stats);
  const auto length = replay(kept, &result.trace);
  assert(length);  // ddmin returns a failing candidate
  assert(result.trace.size() == *length + 1);
  return result;
}

// The same for a trace (trace[0] is the initial state, every later step has its action).
template <Model M>
std::optional<Shrunk<M>> shrink_trace(const M& model, const std::vector<TraceStep<typename M::State, typename M::Action>>& trace,
                                      std::string_view property, const ShrinkOptions& options = {}) {
  if (trace.empty()) return std::nullopt;
  std::vector<typename M::Action> actions;
  for (std::size_t i = 1; i < trace.size(); ++i) {
    if (!trace[i].action) return std::nullopt;
    actions.push_back(*trace[i].action);
  }
  return shrink_actions(model, trace.front().state, actions, property, options);
}

}  // namespace lockstep
