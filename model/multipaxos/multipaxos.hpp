// Multi-Paxos (Lamport, "Paxos Made Simple" section 3; van Renesse & Altinbuken, "Paxos Made
// Moderately Complex") as one pure step function, generic over the replicated state machine SM
// (model/sm/machine.hpp) and the size policy: MultiPaxos<SM> is what the checker explores,
// MultiPaxos<SM, RuntimeSizes> what a node runs, from the same step code (model/multipaxos/step.hpp).
//
// Every node is a proposer, an acceptor and a replica (learner). A node whose election timer
// fires runs phase 1 once for every slot from its first unchosen one (Prepare/Promise) with a
// ballot above any it has seen; the promises carry the acceptors' votes for those slots. With a
// majority of promises the node leads: it applies the slots the promises report chosen, then
// RECOVERS every other slot up to the highest voted one, re-proposing the highest-ballot vote
// reported (a no-op where none is), then proposes client
// commands in the slots after. Phase 2 runs per slot (Accept/Accepted); a majority of Accepted
// in the leader's ballot chooses the slot. The leader applies chosen slots in order and answers
// clients; its heartbeat tells the other replicas the chosen slots they lack (Decided), or its
// snapshot when it has compacted them (InstallSnapshot); they acknowledge what they applied
// (Learned). The ballot, the acceptor's rules, quorums and the highest vote are single-decree
// Paxos's own (model/paxos/acceptor.hpp).
//
// A live leader is not preempted by a node that merely lost touch with it (Chubby's master lease,
// Burrows 2006 section 2.9; the Raft thesis, Ongaro 2014 section 4.2.3): a replica that heard from
// the leader within the minimum election timeout (its lease, a timer) promises no other node's
// ballot, and the leader promises none while it leads. A node whose election timer fires first
// probes its ballot (the Raft thesis's pre-vote, section 9.6, for ballots): it promises nothing,
// each node says whether it would promise (no while its lease runs), and it prepares only once a
// majority said yes; so a node cut off from a live leader does not raise the others' promises.
// A node that prepared anyway (its probe granted just before a leader was heard) follows the
// leader it hears. Its acceptor may have promised its own higher ballot: it answers the leader's
// heartbeat with Preempted (as "Paxos Made Moderately Complex" does), and the leader's acceptor
// promises that ballot too, which steps the leader down (as a Raft leader that sees a higher
// term); the next node whose election timer fires probes above it. Only fewer promises: safety is
// single-decree Paxos's, whatever the timing.
//
// Durable: the promise (the hard state), the votes per slot and the snapshot (the slot it covers
// and the machine's state there; votes at or below it are dropped). Volatile: the rest — the
// proposer's ballot and progress, the chosen entries applied since the snapshot and the
// machine's state, rebuilt after a restart from the snapshot and the current leader.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string_view>
#include <type_traits>
#include <variant>

#include "model/core/ids.hpp"
#include "model/core/names.hpp"
#include "model/core/node_view.hpp"
#include "model/core/print.hpp"
#include "model/core/reflect.hpp"
#include "model/core/sizes.hpp"
#include "model/core/small_vec.hpp"
#include "model/core/step.hpp"
#include "model/paxos/acceptor.hpp"

namespace lockstep::multipaxos {

using Slot = ModelSizes::Index;  // the model size's slots, 1-based; 0 is "none"
using Round = ModelSizes::Round;

inline constexpr std::size_t slot_capacity = ModelSizes::log_capacity;
// The leader's heartbeat resends each replica at most this many Accepts it has not answered (the
// oldest); above slot_capacity, so the bound never applies at model size.
inline constexpr std::size_t accepts_resent_max = 16;
static_assert(accepts_resent_max > slot_capacity);

// Seeded bugs: small deviations inside the step function that the checker must find. They exist
// only at model size (ModelChecks); the runtime instantiation cannot name one.
LOCKSTEP_ENUM(Bug, none, skip_recovery, votes_not_durable, snapshot_over_newer, restart_empty_machine)

// idle: a replica following whoever leads; probing: the pre-vote for `ballot` is running (nothing
// promised yet); preparing: phase 1 of `ballot` is running; leading: phase 1 of `ballot`
// succeeded, so this node proposes in every slot from its first unchosen one.
LOCKSTEP_ENUM(Phase, idle, probing, preparing, leading)

// housekeeping: the leader's period for the state machine's own proposals (model/sm/machine.hpp);
// armed only for machines that have it. lease: a replica's promise not to help another node
// preempt the leader it heard from, for the minimum election timeout.
LOCKSTEP_ENUM(Timer, election, heartbeat, housekeeping, lease)

// Timer delays (the runtime's; the checker fires any timer at any time).
struct Timing {
  LOCKSTEP_STRUCT(Timing, (std::uint32_t, election_min_ms), (std::uint32_t, election_max_ms),
                  (std::uint32_t, heartbeat_ms));
};
inline constexpr Timing default_timing{150, 300, 50};

// The checker's knobs, at model size only: no ballot beyond round_max, no client command proposed
// beyond slot_max, the seeded bug, and whether nodes run check-quorum (a node always does; off is
// the world without it): every replica answers each heartbeat of its leader (Learned), and a
// leader that no majority (itself counted) answered since its last check steps down when its
// election timer fires (as Raft's, the thesis's section 6.2), so that a leader that cannot hear
// its replicas makes way instead of holding their lease while it commits nothing.
struct ModelChecks {
  LOCKSTEP_STRUCT(ModelChecks, (Round, round_max), (Slot, slot_max), (Bug, bug), (bool, check_quorum));
  // Traces written before it read as without it (model/core/json.hpp).
  static constexpr std::string_view lockstep_added_fields[] = {"check_quorum"};
};

template <class SM, class S = ModelSizes>
struct MultiPaxos {
  using Sizes = S;
  using Index = typename Sizes::Index;  // a slot
  using Round = typename Sizes::Round;
  using Sequence = typename Sizes::Sequence;
  using Ballot = paxos::BasicBallot<Round>;
  using Command = typename SM::Command;
  using StateMachine = SM;
  using Machine = typename SM::State;
  using Watch = typename SM::Watch;
  using Output = typename SM::Output;
  using Checks = std::conditional_t<Sizes::checked, ModelChecks, NoChecks>;

  // snapshot_every: a replica snapshots its machine every this many applied slots (0: never).
  struct Config {
    LOCKSTEP_STRUCT(Config, (std::uint8_t, node_count), (Timing, timing), (Checks, checks), (Index, snapshot_every),
                    (typename SM::Config, machine));
  };

  // What a slot holds: a client's command (client none: the leader's housekeeping), or a no-op
  // (a recovered slot that no promise reported a vote for).
  struct Entry {
    LOCKSTEP_STRUCT(Entry, (ClientId, client), (Sequence, sequence), (Command, command), (bool, noop));
  };
  // An acceptor's vote in one slot.
  struct Vote {
    LOCKSTEP_STRUCT(Vote, (Index, slot), (Ballot, ballot), (Entry, entry));
  };
  // The machine's state after applying every slot through `slot` (slot 0: no snapshot).
  struct Snapshot {
    LOCKSTEP_STRUCT(Snapshot, (Index, slot), (Machine, machine));
  };
  using Votes = typename Sizes::template Seq<Vote, slot_capacity>;  // sorted by slot, one per slot
  using Entries = typename Sizes::template Seq<Entry, slot_capacity>;

  // Phase 1a for every slot from first_slot on.
  struct Prepare {
    LOCKSTEP_STRUCT(Prepare, (Ballot, ballot), (Index, first_slot));
  };
  // Phase 1b: the acceptor promised `ballot`; its votes from the prepared first slot on, its
  // snapshot when that covers the first slot (the votes it compacted are chosen slots), and the
  // entries its replica knows chosen (applied) from slot chosen_from on: the new leader learns
  // them ("Paxos Made Simple" 3: it recovers only the slots it does not know chosen) instead of
  // proposing each again.
  struct Promise {
    LOCKSTEP_STRUCT(Promise, (Ballot, ballot), (Snapshot, snapshot), (Votes, votes), (Index, chosen_from),
                    (Entries, chosen));
    // Traces written before them read as a promise that reports nothing chosen.
    static constexpr std::string_view lockstep_added_fields[] = {"chosen_from", "chosen"};
  };
  // Phase 2a in one slot.
  struct Accept {
    LOCKSTEP_STRUCT(Accept, (Ballot, ballot), (Index, slot), (Entry, entry));
  };
  // Phase 2b: the acceptor voted for the ballot's proposal in `slot`; sent to the ballot's leader.
  struct Accepted {
    LOCKSTEP_STRUCT(Accepted, (Ballot, ballot), (Index, slot));
  };
  // The leader's heartbeat: the chosen entries of the slots from first_slot on.
  struct Decided {
    LOCKSTEP_STRUCT(Decided, (Ballot, ballot), (Index, first_slot), (Entries, entries));
  };
  // The leader's snapshot, for a replica that lacks slots the leader has compacted.
  struct InstallSnapshot {
    LOCKSTEP_STRUCT(InstallSnapshot, (Ballot, ballot), (Snapshot, snapshot));
  };
  // A replica's answer to the leader of `ballot`: it has applied every slot through `applied`.
  struct Learned {
    LOCKSTEP_STRUCT(Learned, (Ballot, ballot), (Index, applied));
  };
  // An acceptor's answer to the heartbeat of a leader whose ballot is below its promise: the
  // leader's Accepts are lost on it until the leader prepares above `promised`.
  struct Preempted {
    LOCKSTEP_STRUCT(Preempted, (Ballot, ballot), (Ballot, promised));
  };
  // Pre-vote (the Raft thesis 9.6, for ballots): would the receiver promise `ballot`? Nothing is
  // promised; a replica says yes only when its lease has run out and the ballot is above its
  // promise. A node prepares only once a majority said yes.
  struct Probe {
    LOCKSTEP_STRUCT(Probe, (Ballot, ballot));
  };
  struct ProbeGranted {
    LOCKSTEP_STRUCT(ProbeGranted, (Ballot, ballot));
  };
  using Message = std::variant<Prepare, Promise, Accept, Accepted, Decided, InstallSnapshot, Learned, Preempted, Probe,
                               ProbeGranted>;

  struct Durable {
    LOCKSTEP_STRUCT(Durable, (Ballot, promised_ballot), (Snapshot, snapshot), (Votes, votes));
  };
  // What a Persist writes whole: the promise. The votes and the snapshot go as edits (VoteEdit).
  struct HardState {
    LOCKSTEP_STRUCT(HardState, (Ballot, promised_ballot));
  };
  // A step's edit of the votes and snapshot: the new snapshot if it changed, then drop every vote
  // at or below the snapshot's slot, then write `written` (each replacing the vote in its slot).
  struct VoteEdit {
    using NewSnapshot = std::optional<Snapshot>;
    LOCKSTEP_STRUCT(VoteEdit, (NewSnapshot, snapshot), (Votes, written));
  };
  using LogEdit = VoteEdit;

  // A slot this leader proposed in its ballot, and the acceptors that voted for it.
  struct Proposal {
    LOCKSTEP_STRUCT(Proposal, (Index, slot), (Entry, entry), (NodeSet, accepted_by));
  };
  using Proposals = typename Sizes::template Seq<Proposal, slot_capacity>;
  using Indexes = PerNode<Index>;
  using LeaderHint = typename Sizes::template Hint<NodeId>;

  struct Volatile {
    // Proposer: the phase of `ballot`, the grants (probing) or promises (preparing) counted in
    // `promises`, and the highest vote per slot the promises reported (`recovered`); while
    // leading, the open proposals, the next slot for a new command, and what each replica said
    // it applied. Replica: `applied`, the chosen entries applied after
    // the snapshot (`learned`, what the leader serves to replicas behind it), the machine; the
    // leader it follows, and `lease`: while its lease on a leader runs, that leader's ballot (else
    // none, round 0: a leader's ballot has a round of at least 1). Check-quorum's `answered`: the
    // replicas whose Learned of its ballot reached the leader since its last check.
    LOCKSTEP_STRUCT(Volatile, (Phase, phase), (Ballot, ballot), (NodeSet, promises), (Votes, recovered),
                    (Proposals, proposals), (Index, next_slot), (Indexes, learned_through), (Index, applied),
                    (Entries, learned), (Machine, machine), (LeaderHint, leader_hint), (Ballot, lease), (Watch, watch),
                    (NodeSet, answered));
    static constexpr std::string_view lockstep_added_fields[] = {"answered"};
  };
  struct Node {
    LOCKSTEP_STRUCT(Node, (Durable, durable), (Volatile, volatile_state));
  };

  struct MessageReceived {
    LOCKSTEP_STRUCT(MessageReceived, (NodeId, from), (Message, message));
  };
  struct TimerFired {
    LOCKSTEP_STRUCT(TimerFired, (multipaxos::Timer, timer));
  };
  struct ClientRequest {
    LOCKSTEP_STRUCT(ClientRequest, (ClientId, client), (Sequence, sequence), (Command, command));
  };
  struct Restarted {
    LOCKSTEP_EMPTY_STRUCT(Restarted);
  };
  using Event = std::variant<MessageReceived, TimerFired, ClientRequest, Restarted>;

  // The answer to a client once its command is applied on the leader (as Raft's).
  struct Committed {
    LOCKSTEP_STRUCT(Committed, (Index, index), (Output, output));
  };
  // What every replica reports for each slot it applies, in slot order (as Raft's AppliedEntry;
  // noop: a recovered empty slot, which the machine never sees).
  struct AppliedSlot {
    LOCKSTEP_STRUCT(AppliedSlot, (Index, index), (ClientId, client), (Sequence, sequence), (Command, command),
                    (bool, took_effect), (bool, noop));
  };

  static constexpr std::string_view name = "multipaxos";
  static constexpr std::size_t network_capacity = 48;
  // Ballots order proposers by node id (as single-decree Paxos's): no symmetry over node ids.
  static constexpr bool node_symmetric = false;
  static constexpr bool has_obsolete = true;
  using Timer = multipaxos::Timer;
  using Bug = multipaxos::Bug;
  using ReplyPayload = Committed;
  using AppliedCommand = AppliedSlot;

  static Node init(const Config& config, NodeId self);
  // A message that can never matter to its receiver again: a Prepare not above the promise, an
  // Accept below it (or already voted, or in a compacted slot), a phase-1 or phase-2 answer, a
  // Learned or a Preempted for a ballot the receiver no longer runs (it never prepares a ballot
  // twice), a Probe not above the promise, a ProbeGranted not above it (a probe promises nothing:
  // after a crash the same ballot may be probed again). Decided and InstallSnapshot are never
  // obsolete: a replica that restarts needs them again.
  static bool obsolete(const Config& config, const Node& receiver, NodeId from, const Message& message);
  static lockstep::Step<MultiPaxos> step(const Config& config, NodeId self, const Node& node, const Event& event);
  static void apply_persist(Durable& durable, const PersistOf<MultiPaxos>& persist);
  static std::string_view bug_description(Bug bug);
};

// A replica as the trace viewers draw it (model/core/node_view.hpp). Multi-Paxos has ballots
// where Raft has terms, and no single log: per slot, the entry the replica learned was chosen
// (committed: through `applied`), else the vote it cast (with the vote's ballot), else nothing.
// Its role: leader while leading its ballot, candidate while preparing it, else replica.
template <class SM, class S>
NodeView lockstep_node_view(const MultiPaxos<SM, S>&, const typename MultiPaxos<SM, S>::Node& node) {
  const auto& volatile_state = node.volatile_state;
  NodeView view;
  view.role = volatile_state.phase == Phase::leading     ? "leader"
              : volatile_state.phase == Phase::preparing ? "candidate"
                                                         : "replica";
  view.term_name = "ballot";
  view.term = to_string(node.durable.promised_ballot);
  const auto& votes = node.durable.votes;
  const std::uint64_t applied = volatile_state.applied;
  const std::uint64_t first_learned = applied - volatile_state.learned.size();  // learned: the slots after it
  view.log_base = std::min<std::uint64_t>(node.durable.snapshot.slot, first_learned);
  std::uint64_t last = applied;
  for (const auto& vote : votes) last = std::max<std::uint64_t>(last, vote.slot);
  for (std::uint64_t slot = view.log_base + 1; slot <= last; ++slot) {
    const auto vote = std::find_if(votes.begin(), votes.end(), [&](const auto& v) { return v.slot == slot; });
    LogEntryView entry{slot, vote == votes.end() ? "" : to_string(vote->ballot), ""};
    if (slot > first_learned && slot <= applied) {
      entry.text = entry_text(volatile_state.learned[static_cast<std::size_t>(slot - first_learned - 1)]);
    } else if (vote != votes.end()) {
      entry.text = entry_text(vote->entry);
    }
    view.log.push_back(std::move(entry));
  }
  view.committed = applied;
  if (volatile_state.phase != Phase::idle) view.notes.push_back("runs ballot " + to_string(volatile_state.ballot));
  return view;
}

// A model-size configuration for the checker and the tests.
template <class SM>
typename MultiPaxos<SM>::Config model_config(std::size_t nodes, Round round_max, Slot slot_max, Bug bug = Bug::none,
                                             Slot snapshot_every = 0, typename SM::Config machine = {},
                                             bool check_quorum = false) {
  return {static_cast<std::uint8_t>(nodes), default_timing, ModelChecks{round_max, slot_max, bug, check_quorum},
          snapshot_every, machine};
}

// The model's client request of client `r`, its first: the command built from r.
template <class SM>
typename MultiPaxos<SM>::ClientRequest request_for(std::uint8_t r) {
  return {ClientId{r}, 1, typename SM::Command{r}};
}

}  // namespace lockstep::multipaxos
