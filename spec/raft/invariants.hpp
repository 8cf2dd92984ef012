// What must hold of Raft, as named, pure predicates over a World<Raft<SM>> state, or over a lock
// world's, which keeps this spec's ghost as ghost.protocol (Figure 3 of the paper, plus two of
// our own):
//   RAFT-ElectionSafety        at most one leader per term (over every leader ever elected).
//   RAFT-LeaderAppendOnly      (transition) a leader never overwrites or deletes log entries.
//   RAFT-LogMatching           two logs with an entry of the same index and term are identical
//                              up to that index.
//   RAFT-LeaderCompleteness    an entry committed in term T is in the log of every leader of a
//                              later term.
//   RAFT-StateMachineSafety    no two nodes apply different entries at one index.
//   RAFT-MachineAgreement      nodes that applied through the same index hold the same machine,
//                              as does any node's snapshot of that index (of our own: a machine
//                              restored, installed or snapshotted wrong breaks no log property).
//   RAFT-MatchIndexBacked      a leader's match_index for a node of its term is backed by that
//                              node's log: it holds the leader's entries through that index (the
//                              leader counts it toward commits; of our own, as a lemma of the
//                              safety proof: a node's log that loses an entry it acknowledged to
//                              its term's leader, e.g. an installed snapshot that drops the
//                              entries after it, breaks it at once).
//   RAFT-CommitIndexMonotone   (transition) commit_index never decreases within a node's life.
//   RAFT-AppliedMonotone       (transition) last_applied never decreases within a node's life
//                              (a snapshot is never installed over newer applied state).
// Logs may start after a snapshot's base: the log properties compare only entries both logs
// hold (a snapshot covers only committed entries, which the ghost records check).
// Sometimes: leader-elected, entry-committed, leader-replaced-after-crash.
//
// Ghost variables record history the nodes do not keep: every election, every entry a leader
// committed (with the term of the leader that committed it), every entry any node applied, and
// the terms in which a leader crashed.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "spec/property.hpp"
#include "spec/world_state.hpp"
#include "model/raft/raft.hpp"

namespace lockstep::raft {

template <class SM>
struct RaftSpec {
  using R = Raft<SM>;
  using Config = typename R::Config;
  using Command = typename SM::Command;
  using Node = typename R::Node;

  struct Elected {
    LOCKSTEP_STRUCT(Elected, (Term, term), (NodeId, leader));
  };
  struct CommittedEntry {
    LOCKSTEP_STRUCT(CommittedEntry, (Index, index), (Term, term), (Command, command), (bool, noop), (Term, commit_term));
    static constexpr std::string_view lockstep_added_fields[] = {"noop"};  // model/core/json.hpp
  };
  struct AppliedEntry {
    LOCKSTEP_STRUCT(AppliedEntry, (Index, index), (Term, term), (Command, command), (bool, noop));
    static constexpr std::string_view lockstep_added_fields[] = {"noop"};  // model/core/json.hpp
  };
  struct Ghost {
    using Leaders = SmallSet<Elected, 32>;
    using Committed = SmallSet<CommittedEntry, 32>;
    using Applied = SmallSet<AppliedEntry, 32>;
    LOCKSTEP_STRUCT(Ghost, (Leaders, leaders), (Committed, committed), (Applied, applied),
                    (std::uint32_t, leader_crash_terms));
  };
  using State = WorldState<R, RaftSpec>;

  static constexpr bool observes_crashes = true;  // observe_crash below
  static Ghost initial_ghost(const Config&) { return Ghost{}; }
  static void observe(const Config& config, Ghost& ghost, NodeId node, const typename R::Event& event,
                      const Node& before, const lockstep::Step<R>& step);
  static void observe_crash(const Config& config, Ghost& ghost, NodeId node, const Node& crashed);
  // Over a World<Raft<SM>> state by default, or over the state of a service's world whose ghost
  // keeps this one's (St: spec/world_state.hpp's ghost_of), as the predicates below.
  template <class St = State>
  static std::vector<Property<St>> properties(const Config& config);
  template <class St = State>
  static std::vector<TransitionProperty<St>> transition_properties(const Config& config);
  // `check --refine` (spec/raft/refinement.hpp): held to raft-election, which `lockstep prove`
  // proves; and, for the trace views, what a step or state does that the abstract protocol does not.
  static std::vector<Property<State>> refinement_properties(const Config& config);
  static std::vector<TransitionProperty<State>> refinement_transition_properties(const Config& config);
  static std::vector<std::string> explain_refinement(const Config& config, std::string_view property, const State* before,
                                                     const State& after);

  // For the trace viewers: the entries committed (from the ghost), and why a state violates a
  // property, naming the fields.
  static std::vector<std::string> decided(const Config& config, const State& state);
  template <class St = State>
  static std::vector<std::string> explain(const Config& config, std::string_view property,
                                          const std::type_identity_t<St>* before, const St& after);

  template <class St>
  static bool election_safety(const St& state);
  template <class St>
  static bool log_matching(const St& state);
  // The first place two logs break RAFT-LogMatching: nodes i < j agree on the term at index k
  // but differ at index m <= k.
  struct LogMismatch {
    std::size_t i, j;
    Index k, m;
  };
  template <class St>
  static std::optional<LogMismatch> log_mismatch(const St& state);
  template <class St>
  static bool leader_completeness(const St& state);
  // The first place a leader's match_index is not backed: leader l, node n of its term, index k
  // (n's log ends before k, or differs there).
  struct UnbackedMatch {
    std::size_t leader, node;
    Index match, k;
  };
  template <class St>
  static std::optional<UnbackedMatch> unbacked_match(const St& state);
  template <class St>
  static bool state_machine_safety(const St& state);
  template <class St>
  static std::optional<MachineDisagreement> machine_disagreement_of(const St& state) {
    return machine_disagreement(
        state, [](const auto& v) { return v.last_applied; }, [](const auto& snapshot) { return snapshot.index; });
  }
  template <class St>
  static bool leader_append_only(const St& before, const St& after);
  template <class St>
  static bool commit_index_monotone(const St& before, const St& after);
  template <class St>
  static bool applied_monotone(const St& before, const St& after);
  template <class St, class Field>
  static bool monotone_within_a_life(const St& before, const St& after, Field field);
  template <class St>
  static bool leader_replaced_after_crash(const St& state);
};

}  // namespace lockstep::raft

namespace lockstep {
template <class SM>
struct ProtocolSpecFor<raft::Raft<SM>> {
  using type = raft::RaftSpec<SM>;
};
template <class SM>
  requires(!service_spec<SM>)
struct SpecFor<raft::Raft<SM>> {
  using type = raft::RaftSpec<SM>;
};
}  // namespace lockstep
