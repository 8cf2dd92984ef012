// What must hold of Multi-Paxos, as named, pure predicates over a World<MultiPaxos<SM>> state, or
// over a lock world's, which keeps this spec's ghost as ghost.protocol:
//   MULTIPAXOS-Agreement          per slot, at most one command is ever chosen (chosen = voted
//                                 for by a majority of acceptors at one ballot, as PAXOS-Agreement
//                                 for one decree).
//   MULTIPAXOS-StateMachineSafety no two replicas apply different commands at one slot.
//   MULTIPAXOS-AppliedIsChosen    a replica applies only a command chosen in its slot (Paxos's
//                                 LearnedIsChosen, per slot): a leader that counts an Accepted it
//                                 should not (of another ballot, say) applies a command no
//                                 majority voted for at one ballot, which breaks it at once.
//   MULTIPAXOS-MachineAgreement   replicas that applied through the same slot hold the same
//                                 machine, as does any replica's snapshot of that slot (of our
//                                 own: a machine restored or installed wrong breaks no slot
//                                 property).
//   MULTIPAXOS-AppliedMonotone    (transition) a replica's applied slot never decreases within
//                                 its life (between restarts).
// And per slot, what Paxos.tla (Voting.tla) states of one decree, as PAXOS-* does for Paxos:
//   MULTIPAXOS-OneValuePerBallot  the votes ever cast at a (slot, ballot), and the Accept (2a)
//                                 messages in flight for it, carry one command.
//   MULTIPAXOS-VotesSafe          every vote is safe (Voting.tla's SafeAt, per slot): at each lower
//                                 ballot c, a majority either voted the same command at c in that
//                                 slot, or durably promised above c without voting at c there. A
//                                 promise counts only as a crash would recover it (`disk`).
//   MULTIPAXOS-MaxBalAboveVote    an acceptor never holds a vote above its promise, in memory or
//                                 on disk.
//   MULTIPAXOS-PromiseMonotone    (transition) an acceptor's promise never decreases, across
//                                 crashes too.
// These break at the unsafe vote itself, before a second command is chosen (a bug that loses a
// vote or a promise is caught in fewer steps, and within tighter bounds, than by Agreement).
// Sometimes: leader-elected, slot-chosen, recovery-reproposes-vote (a new leader re-proposes a
// vote it recovered from the promises).
//
// The ghost variables record history the nodes do not keep: every vote ever cast (a crash or a
// snapshot may erase it from the acceptor), the (slot, command) pairs chosen and applied.
#pragma once

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
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
    // The votes cast in the step: new in the durable state, or written by its Persist (a vote the
    // step's own snapshot covers at once is written, not kept: one node, whose vote alone is a
    // majority, votes, applies and snapshots in one step).
    const auto& old_votes = before.durable.votes;
    const auto cast = [&](const typename M::Vote& vote) {
      if (std::find(old_votes.begin(), old_votes.end(), vote) != old_votes.end()) return;
      ghost.votes.insert(CastVote{vote.slot, vote.ballot, vote.entry, node});
      const auto voters = std::count_if(ghost.votes.begin(), ghost.votes.end(), [&](const CastVote& v) {
        return v.slot == vote.slot && v.ballot == vote.ballot && v.entry == vote.entry;
      });
      if (voters >= majority(config.node_count)) ghost.chosen.insert(SlotEntry{vote.slot, vote.entry});
    };
    for (const auto& vote : step.node.durable.votes) cast(vote);
    if (const auto* persist = step.persist_effect()) {
      // Those above the snapshot are in the durable state, counted just above.
      for (const auto& vote : persist->log.written) {
        if (vote.slot <= step.node.durable.snapshot.slot) cast(vote);
      }
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
  // The predicates hold of a World<MultiPaxos<SM>> state, or of a service's world state whose
  // ghost keeps this one's (St: ghost_of, spec/world_state.hpp).
  template <class St>
  static bool agreement(const St& state) {
    return one_entry_per_slot(ghost_of<Ghost>(state).chosen);
  }
  template <class St>
  static bool state_machine_safety(const St& state) {
    return one_entry_per_slot(ghost_of<Ghost>(state).applied);
  }
  // The first (slot, command) applied that was never chosen, if any.
  template <class St>
  static const SlotEntry* applied_not_chosen(const St& state) {
    const Ghost& ghost = ghost_of<Ghost>(state);
    for (const SlotEntry& a : ghost.applied) {
      if (!ghost.chosen.contains(a)) return &a;
    }
    return nullptr;
  }
  // ghost.votes is sorted by (slot, ballot, entry, acceptor): the votes of one (slot, ballot) are
  // a run. The entry of the first vote at (slot, ballot), or Accept in flight for it, other than
  // `entry`, if any.
  template <class St>
  static const Entry* other_entry_at(const St& state, Slot slot, const Ballot& ballot, const Entry& entry) {
    for (const CastVote& vote : ghost_of<Ghost>(state).votes) {
      if (vote.slot == slot && vote.ballot == ballot && !(vote.entry == entry)) return &vote.entry;
    }
    for (const auto& envelope : state.network) {
      const auto* accept = std::get_if<typename M::Accept>(&envelope.message);
      if (accept != nullptr && accept->slot == slot && accept->ballot == ballot && !(accept->entry == entry)) {
        return &accept->entry;
      }
    }
    return nullptr;
  }
  template <class St>
  static bool one_value_per_ballot(const St& state) {
    const auto& votes = ghost_of<Ghost>(state).votes;
    for (const CastVote* v = votes.begin(); v != votes.end(); ++v) {
      const CastVote* next = v + 1;
      if (next != votes.end() && next->slot == v->slot && next->ballot == v->ballot && !(next->entry == v->entry)) {
        return false;
      }
    }
    for (const auto& envelope : state.network) {
      const auto* accept = std::get_if<typename M::Accept>(&envelope.message);
      if (accept != nullptr && other_entry_at(state, accept->slot, accept->ballot, accept->entry)) return false;
    }
    return true;
  }

  static bool voted_at(const typename Ghost::Votes& votes, Slot slot, const Ballot& ballot, NodeId acceptor) {
    for (const CastVote& vote : votes) {
      if (vote.slot == slot && vote.ballot == ballot && vote.acceptor == acceptor) return true;
    }
    return false;
  }
  // The first ballot c below `vote`'s at which its command is not safe in its slot (no majority
  // each voted it at c, or did not vote at c and durably promised above c), if any. Ballots c are
  // every round.node below the vote's, as the bounds allow them.
  template <class St>
  static std::optional<Ballot> unsafe_below(const Config& config, const St& state, const CastVote& vote) {
    const auto& votes = ghost_of<Ghost>(state).votes;
    const std::size_t n = state.nodes.size();
    for (int round = 1; round <= static_cast<int>(vote.ballot.round); ++round) {
      for (std::size_t k = 0; k < n; ++k) {
        const Ballot c{static_cast<typename M::Round>(round), NodeId::at(k)};
        if (!(c < vote.ballot)) return std::nullopt;
        int blocking = 0;
        for (std::size_t q = 0; q < n; ++q) {
          const NodeId acceptor = NodeId::at(q);
          const bool voted_same = votes.contains(CastVote{vote.slot, c, vote.entry, acceptor});
          const bool cannot_vote =
              state.nodes.items[q].persisted().promised_ballot > c && !voted_at(votes, vote.slot, c, acceptor);
          if (voted_same || cannot_vote) ++blocking;
        }
        if (blocking < majority(config.node_count)) return c;
      }
    }
    return std::nullopt;
  }
  // The first unsafe vote, if any (each (slot, ballot, command) is looked at once).
  template <class St>
  static const CastVote* first_unsafe_vote(const Config& config, const St& state) {
    const auto& votes = ghost_of<Ghost>(state).votes;
    for (const CastVote* v = votes.begin(); v != votes.end(); ++v) {
      if (v != votes.begin()) {
        const CastVote* prev = v - 1;
        if (prev->slot == v->slot && prev->ballot == v->ballot && prev->entry == v->entry) continue;
      }
      if (!v->ballot.is_none() && unsafe_below(config, state, *v)) return v;
    }
    return nullptr;
  }
  template <class St>
  static bool votes_safe(const Config& config, const St& state) {
    return first_unsafe_vote(config, state) == nullptr;
  }

  // A vote above the promise of `durable`, if any.
  static const typename M::Vote* vote_above_promise(const typename M::Durable& durable) {
    for (const auto& vote : durable.votes) {
      if (durable.promised_ballot < vote.ballot) return &vote;
    }
    return nullptr;
  }
  template <class St>
  static bool max_bal_above_vote(const St& state) {
    for (const auto& slot : state.nodes.items) {
      if (vote_above_promise(slot.node.durable)) return false;
      if (slot.disk && vote_above_promise(*slot.disk)) return false;
    }
    return true;
  }
  template <class St>
  static bool promise_monotone(const St& before, const St& after) {
    return durable_never_down(before, after, [](const typename M::Durable& d) { return d.promised_ballot; });
  }

  template <class St>
  static std::optional<MachineDisagreement> machine_disagreement_of(const St& state) {
    return machine_disagreement(
        state, [](const auto& v) { return v.applied; }, [](const auto& snapshot) { return snapshot.slot; });
  }
  template <class St>
  static bool applied_monotone(const St& before, const St& after) {
    for (std::size_t i = 0; i < before.nodes.size(); ++i) {
      const auto& b = before.nodes.items[i];
      const auto& a = after.nodes.items[i];
      if (b.up && a.up && a.node.volatile_state.applied < b.node.volatile_state.applied) return false;
    }
    return true;
  }

  // For the trace viewers: the slots chosen, and why a state violates a property (naming fields).
  static std::vector<std::string> decided(const Config&, const State& state) {
    std::vector<std::string> out;
    for (const SlotEntry& chosen : state.ghost.chosen) {
      out.push_back("slot " + std::to_string(chosen.slot) + " (" + entry_text(chosen.entry) + ") is chosen");
    }
    return out;
  }
  template <class St = State>
  static std::vector<std::string> explain(const Config& config, std::string_view property,
                                          const std::type_identity_t<St>* before, const St& after) {
    if constexpr (std::is_same_v<St, State>) {  // --refine's are checked in Multi-Paxos's own world only
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
    }
    const Ghost& ghost = ghost_of<Ghost>(after);
    const auto field = [](const char* name) { return ghost_field<Ghost, St>(name); };
    std::vector<std::string> out;
    const auto twice = [&](const typename Ghost::Slots& slots, const char* what, const std::string& path) {
      const auto at = std::adjacent_find(slots.begin(), slots.end(),
                                         [](const SlotEntry& a, const SlotEntry& b) { return a.slot == b.slot; });
      if (at == slots.end()) return;
      out.push_back("slot " + std::to_string(at->slot) + " was " + what + " as " + entry_text(at->entry) + " and as " +
                    entry_text((at + 1)->entry) + " (" + path + ")");
    };
    if (property == "MULTIPAXOS-Agreement") twice(ghost.chosen, "chosen", field("chosen"));
    if (property == "MULTIPAXOS-StateMachineSafety") twice(ghost.applied, "applied", field("applied"));
    if (property == "MULTIPAXOS-AppliedIsChosen") {
      if (const SlotEntry* a = applied_not_chosen(after)) {
        out.push_back("slot " + std::to_string(a->slot) + " was applied as " + entry_text(a->entry) + " (" +
                      field("applied") + "), but " + entry_text(a->entry) + " was never chosen there: no majority voted " +
                      "for it at one ballot (" + field("votes") + ", " + field("chosen") + ")");
      }
    }
    if (property == "MULTIPAXOS-MachineAgreement") {
      if (const auto found = machine_disagreement_of(after)) {
        out = explain_machine_disagreement(after, *found, "applied", "slot");
      }
    }
    if (property == "MULTIPAXOS-AppliedMonotone" && before != nullptr) {
      out = volatile_went_down(*before, after, "applied", [](const auto& v) { return v.applied; });
    }
    if (property == "MULTIPAXOS-OneValuePerBallot") {
      for (const CastVote& vote : ghost.votes) {
        if (const Entry* other = other_entry_at(after, vote.slot, vote.ballot, vote.entry)) {
          out.push_back("in slot " + std::to_string(vote.slot) + " at ballot " + to_string(vote.ballot) + ", " +
                        to_string(vote.acceptor) + " voted " + entry_text(vote.entry) + " (" + field("votes") + ") and " +
                        entry_text(*other) + " is voted for or proposed too (" + field("votes") + ", network)");
          break;
        }
      }
      if (out.empty()) {
        for (const auto& envelope : after.network) {
          const auto* accept = std::get_if<typename M::Accept>(&envelope.message);
          if (accept == nullptr) continue;
          if (const Entry* other = other_entry_at(after, accept->slot, accept->ballot, accept->entry)) {
            out.push_back("in slot " + std::to_string(accept->slot) + " at ballot " + to_string(accept->ballot) + ", " +
                          entry_text(accept->entry) + " and " + entry_text(*other) + " are both proposed (network)");
            break;
          }
        }
      }
    }
    if (property == "MULTIPAXOS-VotesSafe") {
      if (const CastVote* vote = first_unsafe_vote(config, after)) {
        const Ballot c = *unsafe_below(config, after, *vote);
        out.push_back(to_string(vote->acceptor) + " voted " + entry_text(vote->entry) + " in slot " +
                      std::to_string(vote->slot) + " at ballot " + to_string(vote->ballot) + " (" + field("votes") +
                      "), but at the lower ballot " + to_string(c) + " no majority either voted " +
                      entry_text(vote->entry) + " there or durably promised above " + to_string(c) +
                      " without voting there (nodes.*.disk, nodes.*.node.durable.promised_ballot): another command "
                      "could be chosen in slot " + std::to_string(vote->slot) + " at " + to_string(c));
      }
    }
    if (property == "MULTIPAXOS-MaxBalAboveVote") {
      for (std::size_t i = 0; i < after.nodes.size(); ++i) {
        const auto& slot = after.nodes.items[i];
        for (const bool disk : {false, true}) {
          if (disk && !slot.disk) continue;
          const auto& d = disk ? *slot.disk : slot.node.durable;
          if (const auto* vote = vote_above_promise(d)) {
            out.push_back(to_string(NodeId::at(i)) + " promised " + to_string(d.promised_ballot) + " but voted in slot " +
                          std::to_string(vote->slot) + " at " + to_string(vote->ballot) + " (" +
                          (disk ? "nodes.n" + std::to_string(i + 1) + ".disk" : node_field(i, "durable")) + ")");
          }
        }
      }
    }
    if (property == "MULTIPAXOS-PromiseMonotone" && before != nullptr) {
      out = durable_went_down(*before, after, "promise", "durable.promised_ballot",
                              [](const typename M::Durable& d) { return d.promised_ballot; });
    }
    return out;
  }

  template <class St = State>
  static std::vector<Property<St>> properties(const Config& config) {
    return {
        {"MULTIPAXOS-Agreement", PropertyKind::always, "per slot, at most one command is chosen", agreement<St>},
        {"MULTIPAXOS-StateMachineSafety", PropertyKind::always, "no two replicas apply different commands at one slot",
         state_machine_safety<St>},
        {"MULTIPAXOS-AppliedIsChosen", PropertyKind::always, "a replica applies only a command chosen in its slot",
         [](const St& s) { return applied_not_chosen(s) == nullptr; }},
        {"MULTIPAXOS-MachineAgreement", PropertyKind::always,
         "replicas that applied through the same slot hold the same machine, as does a snapshot of that slot",
         [](const St& s) { return !machine_disagreement_of(s); }},
        {"MULTIPAXOS-OneValuePerBallot", PropertyKind::always,
         "per slot, at most one command is voted for or proposed at each ballot", one_value_per_ballot<St>},
        {"MULTIPAXOS-VotesSafe", PropertyKind::always,
         "every vote is safe: at each lower ballot a majority voted the same command in its slot or durably promised "
         "past it",
         [config](const St& s) { return votes_safe(config, s); }},
        {"MULTIPAXOS-MaxBalAboveVote", PropertyKind::always, "an acceptor never holds a vote above its promise",
         max_bal_above_vote<St>},
        {"leader-elected", PropertyKind::sometimes, "a leader is elected",
         [](const St& s) { return ghost_of<Ghost>(s).leader_elected; }},
        {"slot-chosen", PropertyKind::sometimes, "a slot is chosen",
         [](const St& s) { return !ghost_of<Ghost>(s).chosen.empty(); }},
        {"recovery-reproposes-vote", PropertyKind::sometimes, "a new leader re-proposes a vote it recovered",
         [](const St& s) { return ghost_of<Ghost>(s).vote_recovered; }},
    };
  }
  template <class St = State>
  static std::vector<TransitionProperty<St>> transition_properties(const Config&) {
    return {{"MULTIPAXOS-AppliedMonotone", "a replica's applied slot never decreases within its life", applied_monotone<St>},
            {"MULTIPAXOS-PromiseMonotone", "an acceptor's promise never decreases, across crashes too",
             promise_monotone<St>}};
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
struct ProtocolSpecFor<multipaxos::MultiPaxos<SM>> {
  using type = multipaxos::MultiPaxosSpec<SM>;
};
template <class SM>
  requires(!service_spec<SM>)
struct SpecFor<multipaxos::MultiPaxos<SM>> {
  using type = multipaxos::MultiPaxosSpec<SM>;
};
}  // namespace lockstep
