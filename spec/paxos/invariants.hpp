// What must hold of single-decree Paxos, as named, pure predicates over a World<Paxos> state.
//
//   PAXOS-Agreement        at most one value is chosen (chosen = voted for by a majority of
//                          acceptors at one ballot).
//   PAXOS-Validity         a chosen value was proposed by a client.
//   PAXOS-LearnedIsChosen  a value a learner has learned is chosen.
//   PAXOS-OneValuePerBallot  (Paxos.tla's) at most one value per ballot: among the votes ever cast
//                          at a ballot and the phase-2a messages (Accept) in flight for it.
//   PAXOS-VotesSafe        (Paxos.tla's, from Voting.tla) every vote (b, v) ever cast is safe at
//                          b: at every lower ballot c some majority each voted v at c, or did not
//                          vote at c and has promised (durably: as a crash would recover it) above c.
//   PAXOS-MaxBalAboveVote  (Paxos.tla's maxBal >= maxVBal) an acceptor's promise is never below
//                          the ballot it accepted at, in memory and on disk.
//   PAXOS-PromiseMonotone  (transition) an acceptor's promise never decreases, across crashes too.
//   value-chosen           (sometimes) some run chooses a value; if none can, the check is vacuous.
//
// The ghost variables record history the nodes do not keep: every vote ever cast (as msgs holds
// every 2b message in Paxos.tla) and every value a client proposed.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "spec/property.hpp"
#include "spec/world_state.hpp"
#include "model/paxos/paxos.hpp"

namespace lockstep::paxos {

struct Vote {
  LOCKSTEP_STRUCT(Vote, (Ballot, ballot), (NodeId, acceptor), (Value, value));
};

inline constexpr std::size_t votes_max = 64;

struct Ghost {
  using Votes = SmallSet<Vote, votes_max>;
  using Values = SmallSet<Value, 16>;
  // `chosen` is derived from `votes`, kept so that the invariants checked on every state need
  // not recount them.
  LOCKSTEP_STRUCT(Ghost, (Votes, votes), (Values, proposed), (Values, chosen));
};

struct PaxosSpec {
  using Ghost = paxos::Ghost;
  using State = WorldState<Paxos, PaxosSpec>;

  static constexpr bool observes_crashes = false;  // no observe_crash
  static Ghost initial_ghost(const Config&) { return Ghost{}; }
  static void observe(const Config& config, Ghost& ghost, NodeId node, const Event& event, const Node& before,
                      const Step& step);
  static std::vector<Property<State>> properties(const Config& config);
  static std::vector<TransitionProperty<State>> transition_properties(const Config& config);
  // `check --refine` (spec/paxos/refinement.cpp): held to Voting, which `lockstep prove` proves.
  static std::vector<Property<State>> refinement_properties(const Config& config);
  static std::vector<TransitionProperty<State>> refinement_transition_properties(const Config& config);
  // For the trace viewers: the values chosen, and why a state violates a property (naming fields).
  static std::vector<std::string> decided(const Config& config, const State& state);
  static std::vector<std::string> explain(const Config& config, std::string_view property, const State* before,
                                          const State& after);
};

// The values voted for by a majority at one ballot, as a bit set (bit v for value v),
// counted from the votes.
std::uint32_t chosen_values(const Config& config, const Ghost& ghost);

bool agreement(const Config& config, const PaxosSpec::State& state);
// Why a step is no step of Voting, or a state breaks its invariant (spec/paxos/refinement.cpp).
std::vector<std::string> explain_refinement(const Config& config, std::string_view property, const PaxosSpec::State* before,
                                            const PaxosSpec::State& after);
bool validity(const Config& config, const PaxosSpec::State& state);
bool learned_is_chosen(const Config& config, const PaxosSpec::State& state);
bool promise_monotone(const PaxosSpec::State& before, const PaxosSpec::State& after);
bool one_value_per_ballot(const Config& config, const PaxosSpec::State& state);
bool votes_safe(const Config& config, const PaxosSpec::State& state);
bool max_bal_above_vote(const Config& config, const PaxosSpec::State& state);

}  // namespace lockstep::paxos

namespace lockstep {
template <>
struct SpecFor<paxos::Paxos> {
  using type = paxos::PaxosSpec;
};
}  // namespace lockstep
