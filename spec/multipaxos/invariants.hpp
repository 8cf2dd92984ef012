// What must hold of Multi-Paxos, as named, pure predicates over a World<MultiPaxos<SM>> state:
//   MULTIPAXOS-Agreement          per slot, at most one command is ever chosen (chosen = voted
//                                 for by a majority of acceptors at one ballot, as PAXOS-Agreement
//                                 for one decree).
//   MULTIPAXOS-StateMachineSafety no two replicas apply different commands at one slot.
//   MULTIPAXOS-AppliedMonotone    (transition) a replica's applied slot never decreases within
//                                 its life (between restarts).
// Sometimes: leader-elected, slot-chosen, recovery-reproposes-vote (a new leader re-proposes a
// vote it recovered from the promises).
//
// The ghost variables record history the nodes do not keep: every vote ever cast (a crash or a
// snapshot may erase it from the acceptor), the (slot, command) pairs chosen and applied.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "model/multipaxos/multipaxos.hpp"
#include "spec/multipaxos/refinement.hpp"
#include "spec/property.hpp"
#include "spec/world_state.hpp"

namespace lockstep::multipaxos {

template <class SM>
struct MultiPaxosSpec {
  using M = MultiPaxos<SM>;
  using Config = typename M::Config;
  using Node = typename M::Node;
  using Ballot = typename M::Ballot;
  using Entry = typename M::Entry;

  struct CastVote {
    LOCKSTEP_STRUCT(CastVote, (Slot, slot), (Ballot, ballot), (Entry, entry), (NodeId, acceptor));
  };
  struct SlotEntry {
    LOCKSTEP_STRUCT(SlotEntry, (Slot, slot), (Entry, entry));
  };
  struct Ghost {
    using Votes = SmallSet<CastVote, 64>;
    using Slots = SmallSet<SlotEntry, 16>;
    // `chosen` is derived from `votes`, kept so that the invariants need not recount them.
    LOCKSTEP_STRUCT(Ghost, (Votes, votes), (Slots, chosen), (Slots, applied), (bool, leader_elected),
                    (bool, vote_recovered));
  };
  using State = WorldState<M, MultiPaxosSpec>;

  static constexpr bool observes_crashes = false;
  static Ghost initial_ghost(const Config&) { return Ghost{}; }

  static void observe(const Config& config, Ghost& ghost, NodeId node, const typename M::Event&, const Node& before,
                      const lockstep::Step<M>& step) {
    const auto& old_votes = before.durable.votes;
    for (const auto& vote : step.node.durable.votes) {
      if (std::find(old_votes.begin(), old_votes.end(), vote) != old_votes.end()) continue;
      ghost.votes.insert(CastVote{vote.slot, vote.ballot, vote.entry, node});
      const auto voters = std::count_if(ghost.votes.begin(), ghost.votes.end(), [&](const CastVote& v) {
        return v.slot == vote.slot && v.ballot == vote.ballot && v.entry == vote.entry;
      });
      if (voters >= majority(config.node_count)) ghost.chosen.insert(SlotEntry{vote.slot, vote.entry});
    }
    for (const auto& effect : step.effects) {
      if (const auto* applied = std::get_if<Applied<typename M::AppliedSlot>>(&effect)) {
        const auto& a = applied->command;
        ghost.applied.insert(SlotEntry{a.index, Entry{a.client, a.sequence, a.command, a.noop}});
      }
    }
    const bool elected =
        before.volatile_state.phase != Phase::leading && step.node.volatile_state.phase == Phase::leading;
    if (!elected) return;
    ghost.leader_elected = true;
    for (const auto& effect : step.effects) {
      const auto* send = std::get_if<Send<typename M::Message>>(&effect);
      const auto* accept = send ? std::get_if<typename M::Accept>(&send->message) : nullptr;
      if (accept != nullptr && !accept->entry.noop) ghost.vote_recovered = true;  // only recovery proposes here
    }
  }

  // Sorted by slot first: two different entries at one slot are neighbours.
  static bool one_entry_per_slot(const typename Ghost::Slots& slots) {
    return std::adjacent_find(slots.begin(), slots.end(),
                              [](const SlotEntry& a, const SlotEntry& b) { return a.slot == b.slot; }) == slots.end();
  }
  static bool agreement(const State& state) { return one_entry_per_slot(state.ghost.chosen); }
  static bool state_machine_safety(const State& state) { return one_entry_per_slot(state.ghost.applied); }
  static bool applied_monotone(const State& before, const State& after) {
    for (std::size_t i = 0; i < before.nodes.size(); ++i) {
      const auto& b = before.nodes.items[i];
      const auto& a = after.nodes.items[i];
      if (b.up && a.up && a.node.volatile_state.applied < b.node.volatile_state.applied) return false;
    }
    return true;
  }

  // For the trace viewers: the slots chosen, and why a state violates a property (naming fields).
  static std::string entry_text(const Entry& entry) { return entry.noop ? "no-op" : to_string(entry.command); }
  static std::vector<std::string> decided(const Config&, const State& state) {
    std::vector<std::string> out;
    for (const SlotEntry& chosen : state.ghost.chosen) {
      out.push_back("slot " + std::to_string(chosen.slot) + " (" + entry_text(chosen.entry) + ") is chosen");
    }
    return out;
  }
  static std::vector<std::string> explain(const Config& config, std::string_view property, const State* before,
                                          const State& after) {
    // --refine's properties: the abstract change no action allows, or the conjuncts broken.
    const auto abstractly = [&](const auto& alpha, bool step) {
      return proofs::explain_through(*alpha.protocol(), alpha, step, before, after);
    };
    if (property == "MULTIPAXOS-RefinesVoting" || property == "MULTIPAXOS-VotingInvariant") {
      return abstractly(PerSlotVotingAbstraction<MultiPaxosSpec>(config), property == "MULTIPAXOS-RefinesVoting");
    }
    if (property == "MULTIPAXOS-RefinesApply" || property == "MULTIPAXOS-ApplyInvariant") {
      return abstractly(ReplicaApplyAbstraction<MultiPaxosSpec>(config), property == "MULTIPAXOS-RefinesApply");
    }
    std::vector<std::string> out;
    const auto twice = [&](const typename Ghost::Slots& slots, const char* what, const char* field) {
      const auto at = std::adjacent_find(slots.begin(), slots.end(),
                                         [](const SlotEntry& a, const SlotEntry& b) { return a.slot == b.slot; });
      if (at == slots.end()) return;
      out.push_back("slot " + std::to_string(at->slot) + " was " + what + " as " + entry_text(at->entry) + " and as " +
                    entry_text((at + 1)->entry) + " (" + field + ")");
    };
    if (property == "MULTIPAXOS-Agreement") twice(after.ghost.chosen, "chosen", "ghost.chosen");
    if (property == "MULTIPAXOS-StateMachineSafety") twice(after.ghost.applied, "applied", "ghost.applied");
    if (property == "MULTIPAXOS-AppliedMonotone" && before != nullptr) {
      out = volatile_went_down(*before, after, "applied", [](const auto& v) { return v.applied; });
    }
    return out;
  }

  static std::vector<Property<State>> properties(const Config&) {
    return {
        {"MULTIPAXOS-Agreement", PropertyKind::always, "per slot, at most one command is chosen", agreement},
        {"MULTIPAXOS-StateMachineSafety", PropertyKind::always, "no two replicas apply different commands at one slot",
         state_machine_safety},
        {"leader-elected", PropertyKind::sometimes, "a leader is elected",
         [](const State& s) { return s.ghost.leader_elected; }},
        {"slot-chosen", PropertyKind::sometimes, "a slot is chosen", [](const State& s) { return !s.ghost.chosen.empty(); }},
        {"recovery-reproposes-vote", PropertyKind::sometimes, "a new leader re-proposes a vote it recovered",
         [](const State& s) { return s.ghost.vote_recovered; }},
    };
  }
  static std::vector<TransitionProperty<State>> transition_properties(const Config&) {
    return {{"MULTIPAXOS-AppliedMonotone", "a replica's applied slot never decreases within its life", applied_monotone}};
  }

  // `check --refine` (spec/multipaxos/refinement.hpp): held to per-slot Voting, which `lockstep
  // prove` proves.
  static std::vector<Property<State>> refinement_properties(const Config& config) {
    auto r = per_slot_voting_refinement<MultiPaxosSpec>(config);
    auto a = replica_apply_refinement<MultiPaxosSpec>(config);
    return {{"MULTIPAXOS-VotingInvariant", PropertyKind::always,
             "the state maps to a per-slot Voting state satisfying the inductive invariant `lockstep prove` proves",
             [r](const State& s) { return r->invariant_holds(s); }},
            {"MULTIPAXOS-ApplyInvariant", PropertyKind::always,
             "the state maps to a replica-apply state satisfying the inductive invariant `lockstep prove` proves",
             [a](const State& s) { return a->invariant_holds(s); }}};
  }
  static std::vector<TransitionProperty<State>> refinement_transition_properties(const Config& config) {
    auto r = per_slot_voting_refinement<MultiPaxosSpec>(config);
    auto a = replica_apply_refinement<MultiPaxosSpec>(config);
    return {{"MULTIPAXOS-RefinesVoting",
             "every step maps to a step of per-slot Voting (IncreaseMaxBal, VoteFor) or changes nothing of it",
             [r](const State& before, const State& after) { return r->step_refines(before, after); }},
            {"MULTIPAXOS-RefinesApply",
             "every step maps to a step of replica-apply (Step, Crash, Recover) or changes nothing of it",
             [a](const State& before, const State& after) { return a->step_refines(before, after); }}};
  }
};

}  // namespace lockstep::multipaxos

namespace lockstep {
template <class SM>
struct SpecFor<multipaxos::MultiPaxos<SM>> {
  using type = multipaxos::MultiPaxosSpec<SM>;
};
}  // namespace lockstep
