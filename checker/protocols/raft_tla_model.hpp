// Ongaro's raft.tla (model/raft/tla.hpp) as a model for the explorer and the trace tools.
#pragma once

#include <vector>

#include "checker/model.hpp"
#include "model/core/codec.hpp"
#include "model/core/json.hpp"
#include "model/raft/tla.hpp"
#include "spec/property.hpp"
#include "spec/raft/tla_invariants.hpp"

namespace lockstep {

class RaftTlaModel {
 public:
  using State = raft_tla::State;
  using Action = raft_tla::Action;

  explicit RaftTlaModel(const raft_tla::Config& config) : config_(config) {
    const auto c = config_;
    properties_ = {
        {"RAFT-OneLeaderPerTerm", PropertyKind::always, "no two servers are leaders of the same term at once",
         [c](const State& s) { return raft_tla::one_leader_per_term(c, s); }},
        {"RAFT-ElectionSafety", PropertyKind::always, "no two elections of one term have different leaders (history variable elections)",
         [](const State& s) { return raft_tla::election_safety(s); }},
        {"RAFT-LogMatching", PropertyKind::always,
         "logs with an entry of the same term at the same index agree up to it (every log now and in allLogs)",
         [c](const State& s) { return raft_tla::log_matching(c, s); }},
        {"RAFT-StateMachineSafety", PropertyKind::always, "committed prefixes agree",
         [c](const State& s) { return raft_tla::state_machine_safety(c, s); }},
        {"leader-elected", PropertyKind::sometimes, "a server becomes leader",
         [c](const State& s) { return raft_tla::leader_elected(c, s); }},
    };
  }

  // What raft.tla gives beyond a model's basics (checker/model.hpp): its variables only, no
  // World of nodes and network.
  static constexpr bool has_symmetry = false;
  static constexpr bool has_independence = false;
  static constexpr bool has_network_view = false;
  static constexpr bool decode_new_successors = true;  // 3 KB of fixed arrays (the history variables), tens of bytes encoded

  static constexpr std::string_view protocol = "raft-tla";
  const raft_tla::Config& config() const { return config_; }

  std::vector<State> initial_states() const { return {raft_tla::initial_state(config_)}; }

  // The bounds are TLC's state constraint, applied in for_each_successor: a state outside them is
  // never emitted, so every emitted state is expanded.
  bool within_bounds(const State&) const { return true; }
  const std::vector<Property<State>>& properties() const { return properties_; }
  const std::vector<TransitionProperty<State>>& transition_properties() const { return transition_properties_; }

  Json state_json(const State& s) const { return raft_tla::state_to_json(config_, s); }
  State state_from_json(const Json& json) const {
    State s = raft_tla::state_from_json(config_, json);
    if (!raft_tla::within_constraint(config_, s)) {
      throw JsonError("state: outside the bounds (--max-term, --max-log, --max-dup, --max-msgs) of the trace's model");
    }
    return s;
  }
  Json model_json() const { return Json{{"config", to_json_value(config_)}}; }
  static RaftTlaModel from_model_json(const Json& json) {
    const auto config = from_json<raft_tla::Config>(json.at("config"), "config");
    if (const std::string error = raft_tla::validate(config); !error.empty()) throw JsonError("config: " + error);
    return RaftTlaModel(config);
  }

  // Stutters go to emit.unchanged(action) where the callback takes them (checker/model.hpp).
  template <class F>
  void for_each_successor(const State& state, F&& emit) const {
    using Callback = std::remove_reference_t<F>;
    raft_tla::Unchanged unchanged = nullptr;
    if constexpr (TakesStutters<Callback, Action>) {
      unchanged = [](void* context, const Action& action) { static_cast<Callback*>(context)->unchanged(action); };
    }
    raft_tla::for_each_successor(
        config_, state, &emit,
        [](void* context, const Action& action, State&& next) { (*static_cast<Callback*>(context))(action, std::move(next)); },
        unchanged);
  }

 private:
  raft_tla::Config config_;
  std::vector<Property<State>> properties_;
  std::vector<TransitionProperty<State>> transition_properties_;
};

static_assert(Model<RaftTlaModel>);

}  // namespace lockstep
