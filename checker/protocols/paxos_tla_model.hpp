// Lamport's Paxos.tla (model/paxos/tla.hpp) as a model for the explorer and the trace tools.
#pragma once

#include <vector>

#include "checker/model.hpp"
#include "spec/property.hpp"
#include "checker/symmetry.hpp"
#include "model/core/codec.hpp"
#include "model/core/json.hpp"
#include "model/paxos/tla.hpp"
#include "spec/paxos/tla_invariants.hpp"
#include "spec/paxos/tla_refinement.hpp"

namespace lockstep {

// Paxos.tla as a model for the explorer.
class PaxosTlaModel {
 public:
  using State = paxos_tla::State;
  using Action = paxos_tla::Action;

  explicit PaxosTlaModel(const paxos_tla::Config& config) : config_(config), universe_(config) {
    const auto c = config_;
    const auto u = universe_;
    properties_ = {
        {"PAXOS-Agreement", PropertyKind::always, "at most one value is chosen",
         [c, u](const State& s) { return paxos_tla::agreement(c, u, s); }},
        {"PAXOS-OneValuePerBallot", PropertyKind::always, "at most one 2a message per ballot",
         [c, u](const State& s) { return paxos_tla::one_value_per_ballot(c, u, s); }},
        {"PAXOS-VotesSafe", PropertyKind::always, "every vote is safe at its ballot",
         [c, u](const State& s) { return paxos_tla::votes_safe(c, u, s); }},
        {"PAXOS-MaxBalAboveVote", PropertyKind::always, "maxBal[a] >= maxVBal[a]",
         [c](const State& s) { return paxos_tla::max_bal_above_vote(c, s); }},
        {"value-chosen", PropertyKind::sometimes, "a value is chosen",
         [c, u](const State& s) { return paxos_tla::chosen_count(c, u, s) > 0; }},
    };
  }

  // What Paxos.tla gives beyond a model's basics (checker/model.hpp): no nodes or messages of a
  // World, only its variables.
  static constexpr bool has_symmetry = true;      // acceptors and values renamed
  static constexpr bool has_independence = true;  // Phase1b/Phase2b of different acceptors
  static constexpr bool has_network_view = false;
  static constexpr bool decode_new_successors = false;  // its state is a few dozen bytes

  static constexpr std::string_view protocol = "paxos-tla";
  const paxos_tla::Config& config() const { return config_; }

  std::vector<State> initial_states() const { return {paxos_tla::initial_state(config_)}; }

  // Symmetry reduction over acceptors and values: the canonical state of an orbit is the
  // renaming with the smallest encoding (checker/symmetry.hpp).
  std::string enable_symmetry() {
    renamings_ = paxos_tla::all_renamings(config_);
    return "";
  }
  bool symmetric() const { return renamings_.size() > 1; }
  void canonicalize(State& state) const {
    keep_smallest_renaming(state, renamings_, [this](const State& s, const paxos_tla::Renaming& renaming) {
      return paxos_tla::rename(config_, renaming, s);
    });
  }
  // `check --refine`: every step held to Voting, every state to its inductive invariant
  // (spec/paxos/tla_refinement.hpp).
  std::string enable_refinement() {
    if (refines_) return "";
    auto r = paxos_tla::voting_refinement(config_);
    properties_.push_back({"PAXOS-VotingInvariant", PropertyKind::always,
                           "the state maps to a Voting state satisfying the inductive invariant that `lockstep prove` proves",
                           [r](const State& s) { return r->invariant_holds(s); }});
    transition_properties_.push_back({"PAXOS-RefinesVoting",
                                      "every step maps to a step of Voting (IncreaseMaxBal, VoteFor) or changes nothing of it",
                                      [r](const State& before, const State& after) { return r->step_refines(before, after); }});
    refines_ = true;
    return "";
  }
  bool refines() const { return refines_; }
  std::vector<std::string> explain(const std::string& property, const State* before, const State& after) const {
    return paxos_tla::explain_refinement(config_, property, before, after);
  }

  bool within_bounds(const State&) const { return true; }
  const std::vector<Property<State>>& properties() const { return properties_; }
  const std::vector<TransitionProperty<State>>& transition_properties() const { return transition_properties_; }

  // Trace variables and actions as JSON (the shapes TLC and Apalache use).
  Json state_json(const State& s) const { return paxos_tla::state_to_json(config_, s); }
  State state_from_json(const Json& json) const { return paxos_tla::state_from_json(config_, json); }
  Json model_json() const {
    Json model{{"config", to_json_value(config_)}};
    if (refines_) model["refine"] = true;
    return model;
  }
  static PaxosTlaModel from_model_json(const Json& json) {
    const auto config = from_json<paxos_tla::Config>(json.at("config"), "config");
    if (const std::string error = paxos_tla::validate(config); !error.empty()) throw JsonError("config: " + error);
    PaxosTlaModel model(config);
    if (json.contains("refine")) {
      if (!json["refine"].is_boolean()) throw JsonError("refine: expected true or false");
      if (json["refine"].get<bool>()) model.enable_refinement();
    }
    return model;
  }

  // For partial-order reduction: Phase1b and Phase2b of different acceptors commute (each
  // changes its own acceptor's variables and adds to msgs) and neither disables the other.
  static bool independent(const Action& a, const Action& b) {
    const auto acceptor = [](const Action& action) -> int {
      if (const auto* p = std::get_if<paxos_tla::Phase1b>(&action)) return p->a.value;
      if (const auto* p = std::get_if<paxos_tla::Phase2b>(&action)) return p->a.value;
      return 0;
    };
    const int x = acceptor(a);
    const int y = acceptor(b);
    return x != 0 && y != 0 && x != y;
  }

  template <class F>
  void for_each_successor(const State& state, F&& emit) const {
    using Callback = std::remove_reference_t<F>;
    paxos_tla::for_each_successor(config_, universe_, state, &emit, [](void* context, const paxos_tla::Action& action, State&& next) {
      (*static_cast<Callback*>(context))(action, std::move(next));
    });
  }

 private:
  paxos_tla::Config config_;
  paxos_tla::Universe universe_;
  std::vector<Property<State>> properties_;
  std::vector<TransitionProperty<State>> transition_properties_;
  std::vector<paxos_tla::Renaming> renamings_;
  bool refines_ = false;
};

static_assert(Model<PaxosTlaModel>);
static_assert(SymmetryModel<PaxosTlaModel>);
static_assert(IndependenceModel<PaxosTlaModel>);

}  // namespace lockstep
