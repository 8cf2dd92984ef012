// Raft (Ongaro & Ousterhout, "In Search of an Understandable Consensus Algorithm", extended
// version) as one pure step function, generic over the replicated state machine SM and over the
// size policy (model/core/sizes.hpp): Raft<SM> is what the checker explores, Raft<SM,
// RuntimeSizes> what a node runs, from the same step code (model/raft/step.hpp).
//
// Roles follower, candidate, leader (and pre-candidate: pre-vote, section 9.6 of the Raft thesis,
// with check-quorum, 6.2); RequestVote, PreVote and AppendEntries with their responses; an
// election timer (randomized delay) and a heartbeat timer (fixed period) as events (the
// runtime's active failure detector is exactly these); client commands, with the client's id
// and sequence number, appended by the leader and sent with the next heartbeat, a non-leader
// redirecting the client to the leader it knows (section 8); commit by the current-term
// majority rule (section 5.4.2); committed entries applied to SM.
// Snapshots (section 7, Figure 13): with config.snapshot_every = k > 0, a node whose applied
// entries since its snapshot reach k snapshots its machine at last_applied and compacts its log
// through that index; a leader that no longer holds the entries a follower lacks sends it
// InstallSnapshot (one message, no chunking).
// Durable: current_term, voted_for (the hard state), the snapshot (index, term, machine; index 0
// without one), the log after it (its base is the snapshot's index and term). Volatile: role,
// commit_index, last_applied, the leader's next_index/match_index, the votes of a candidate, SM's
// state (after a restart, the snapshot's machine, then rebuilt by re-applying committed entries),
// and, at runtime size, the leader known in the current term.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <type_traits>
#include <variant>

#include "model/core/ids.hpp"
#include "model/core/log.hpp"
#include "model/core/names.hpp"
#include "model/core/node_view.hpp"
#include "model/core/print.hpp"
#include "model/core/reflect.hpp"
#include "model/core/sizes.hpp"
#include "model/core/small_vec.hpp"
#include "model/core/step.hpp"

namespace lockstep::raft {

// The model size's terms and indexes (the spec and the tests speak of these).
using Term = ModelSizes::Term;
using Index = ModelSizes::Index;  // log positions are 1-based; 0 is "none"

inline constexpr std::size_t log_capacity = ModelSizes::log_capacity;

LOCKSTEP_ENUM(Role, follower, candidate, leader, pre_candidate)

// Seeded bugs: small deviations inside the step function that the checker must find. They exist
// only at model size (Checks below); the runtime instantiation cannot name one.
LOCKSTEP_ENUM(Bug, none, vote_not_durable, commit_previous_term, vote_without_log_check, append_without_truncate,
              ignore_higher_term, snapshot_over_newer, count_stale_votes, append_without_prev_term_check,
              accept_stale_append, next_index_without_floor, restart_empty_machine)

// housekeeping: the leader's period for the state machine's own proposals (e.g. expiring a
// session whose time-to-live ran out; model/sm/machine.hpp); armed only for machines that have it.
// leader_silence: with check-quorum, a node that heard from its term's leader disregards
// RequestVote of a higher term until this timer (the minimum election timeout, re-armed by every
// request of the leader) fires (thesis section 4.2.3).
LOCKSTEP_ENUM(Timer, election, heartbeat, housekeeping, leader_silence)

// Timer delays (the runtime's; the checker fires any timer at any time).
struct Timing {
  LOCKSTEP_STRUCT(Timing, (std::uint32_t, election_min_ms), (std::uint32_t, election_max_ms),
                  (std::uint32_t, heartbeat_ms));
};
inline constexpr Timing default_timing{150, 300, 50};

// The checker's knobs, at model size only: the bounds of the explored world (no election beyond
// term_max, no entry appended beyond log_max entries, a leader's no-op included), the seeded bug,
// whether a new leader appends its no-op (section 8; a node always does: leader_noop off is a
// smaller world, where a leader commits its predecessors' entries only with a client's entry),
// and whether nodes run check-quorum (a node always does; off is the world without it):
//   - a leader that has not heard an AppendEntries response of its term from a majority (itself
//     counted) since its last check steps down when its election timer fires (the Raft thesis,
//     section 6.2), so a leader that cannot hear its followers makes way instead of leading a
//     cluster that commits nothing;
//   - a leader, or a node that heard from its term's leader more recently than the minimum
//     election timeout, disregards RequestVote of a higher term (section 4.2.3), so a node that
//     cannot hear the leader (the deposed deaf one, or one cut off on its own) does not depose
//     it with higher terms again and again;
// and whether nodes run pre-vote (a node always does; off is the world without it): a node whose
// election timer fires first asks the others whether they would vote for it in the next term
// (PreVote, the Raft thesis, section 9.6), without changing its term or its vote, and campaigns
// only when a majority (itself counted) would; a node grants a pre-vote to a candidate whose log
// is up to date (5.4.1) for a term above its own, and changes nothing in doing so. With
// check-quorum, a node that hears its leader disregards a PreVote as it does a RequestVote. So a
// node that was cut off, or whose log is behind, does not raise the cluster's term.
struct ModelChecks {
  LOCKSTEP_STRUCT(ModelChecks, (Term, term_max), (Index, log_max), (Bug, bug), (bool, leader_noop),
                  (bool, check_quorum), (bool, pre_vote));
  // Traces written before these read as without them (model/core/json.hpp).
  static constexpr std::string_view lockstep_added_fields[] = {"leader_noop", "check_quorum", "pre_vote"};
};

template <class SM, class S = ModelSizes>
struct Raft {
  using Sizes = S;
  using Term = typename Sizes::Term;
  using Index = typename Sizes::Index;
  using Sequence = typename Sizes::Sequence;
  using StateMachine = SM;
  using Command = typename SM::Command;
  using Checks = std::conditional_t<Sizes::checked, ModelChecks, NoChecks>;

  // snapshot_every: applied entries between snapshots (0: never snapshot).
  struct Config {
    LOCKSTEP_STRUCT(Config, (std::uint8_t, node_count), (Timing, timing), (Checks, checks),
                    (typename SM::Config, machine), (Index, snapshot_every));
  };

  // An entry: a client's command (client none: the machine's housekeeping), or the no-op a new
  // leader appends (section 8), which the machine never sees.
  struct Entry {
    LOCKSTEP_STRUCT(Entry, (Term, term), (ClientId, client), (Sequence, sequence), (Command, command), (bool, noop));
    static constexpr std::string_view lockstep_added_fields[] = {"noop"};
  };
  using Log = typename Sizes::template Log<Entry, Index, Term>;
  using Entries = typename Sizes::template Seq<Entry, log_capacity>;
  using Machine = typename SM::State;

  // The machine's state after applying every entry through `index` (of term `term`).
  struct Snapshot {
    LOCKSTEP_STRUCT(Snapshot, (Index, index), (Term, term), (Machine, machine));
  };

  struct RequestVote {
    LOCKSTEP_STRUCT(RequestVote, (Term, term), (Index, last_log_index), (Term, last_log_term));
  };
  struct RequestVoteResponse {
    LOCKSTEP_STRUCT(RequestVoteResponse, (Term, term), (bool, vote_granted));
  };
  struct AppendEntries {
    LOCKSTEP_STRUCT(AppendEntries, (Term, term), (Index, prev_log_index), (Term, prev_log_term), (Entries, entries),
                    (Index, leader_commit));
  };
  struct AppendEntriesResponse {
    LOCKSTEP_STRUCT(AppendEntriesResponse, (Term, term), (bool, success), (Index, match_index));
  };
  // Figure 13, whole (no offset, no chunks). The follower answers with an AppendEntriesResponse
  // that succeeds through last_included_index (Figure 13's response has only the term; the index
  // lets the leader advance match_index and next_index as for entries).
  struct InstallSnapshot {
    LOCKSTEP_STRUCT(InstallSnapshot, (Term, term), (Index, last_included_index), (Term, last_included_term),
                    (Machine, machine));
  };
  // Pre-vote (the thesis, section 9.6): the term the sender would campaign for (its own + 1) and
  // its log's end; the answer carries that term when granted, the refuser's own when not. Neither
  // changes a term, except a refusal of a higher term (as any message of a higher term).
  struct PreVote {
    LOCKSTEP_STRUCT(PreVote, (Term, term), (Index, last_log_index), (Term, last_log_term));
  };
  struct PreVoteResponse {
    LOCKSTEP_STRUCT(PreVoteResponse, (Term, term), (bool, granted));
  };
  using Message = std::variant<RequestVote, RequestVoteResponse, AppendEntries, AppendEntriesResponse, InstallSnapshot,
                               PreVote, PreVoteResponse>;

  // The log's base is the snapshot's index and term.
  struct Durable {
    LOCKSTEP_STRUCT(Durable, (Term, current_term), (NodeId, voted_for), (Snapshot, snapshot), (Log, log));
  };
  // What a Persist writes whole (the log goes as edits).
  struct HardState {
    LOCKSTEP_STRUCT(HardState, (Term, current_term), (NodeId, voted_for));
  };
  using EntriesEdit = std::optional<lockstep::LogEdit<Entries, Index>>;
  // What a Persist writes of the snapshot and the log, applied in this order (as etcd's Ready
  // carries a Snapshot and Entries): a new snapshot when the step took or installed one, written
  // whole, which compacts the log through its index (Log::compact_through: the entries after it
  // stay when the log holds it, else the log is discarded); then the entries' edit (keep through
  // an index at or above the base, append).
  struct LogEdit {
    LOCKSTEP_STRUCT(LogEdit, (std::optional<Snapshot>, snapshot), (EntriesEdit, entries));
  };

  using Indexes = PerNode<Index>;
  using Watch = typename SM::Watch;
  using LeaderHint = typename Sizes::template Hint<NodeId>;
  struct Volatile {
    // next_index and match_index are the leader's; empty on other roles. leader_hint: the leader
    // of current_term this node knows of, named in redirects (kept at runtime size only: no
    // decision reads it, see Hint in model/core/sizes.hpp). watch: what the machine's
    // housekeeping keeps in memory (model/sm/machine.hpp). Check-quorum's: answered, the
    // followers whose AppendEntries response of the leader's term arrived since its last check
    // (the leader's; empty on other roles); leader_recent, heard from the term's leader within
    // the minimum election timeout (until leader_silence fires).
    LOCKSTEP_STRUCT(Volatile, (Role, role), (Index, commit_index), (Index, last_applied), (NodeSet, votes_granted),
                    (Indexes, next_index), (Indexes, match_index), (Machine, machine), (LeaderHint, leader_hint),
                    (Watch, watch), (NodeSet, answered), (bool, leader_recent));
    static constexpr std::string_view lockstep_added_fields[] = {"answered", "leader_recent"};
  };
  struct Node {
    LOCKSTEP_STRUCT(Node, (Durable, durable), (Volatile, volatile_state));
  };

  struct MessageReceived {
    LOCKSTEP_STRUCT(MessageReceived, (NodeId, from), (Message, message));
  };
  struct TimerFired {
    LOCKSTEP_STRUCT(TimerFired, (raft::Timer, timer));
  };
  struct ClientRequest {
    LOCKSTEP_STRUCT(ClientRequest, (ClientId, client), (Sequence, sequence), (Command, command));
  };
  struct Restarted {
    LOCKSTEP_EMPTY_STRUCT(Restarted);
  };
  using Event = std::variant<MessageReceived, TimerFired, ClientRequest, Restarted>;

  // The answer to a client once its command is applied on the leader.
  using Output = typename SM::Output;
  struct Committed {
    LOCKSTEP_STRUCT(Committed, (Index, index), (Output, output));
  };
  // What every node reports for each entry it applies, in log order: the entry, and whether the
  // command took effect (false: a retried request answered from the machine's deduplication, or
  // a no-op).
  struct AppliedEntry {
    LOCKSTEP_STRUCT(AppliedEntry, (Index, index), (Term, term), (ClientId, client), (Sequence, sequence),
                    (Command, command), (bool, took_effect), (bool, noop));
    static constexpr std::string_view lockstep_added_fields[] = {"noop"};
  };

  static constexpr std::string_view name = "raft";
  static constexpr std::size_t network_capacity = 48;
  // Node ids are only names: no behaviour depends on their order (symmetry reduction applies).
  static constexpr bool node_symmetric = true;
  static constexpr bool has_obsolete = true;
  using Timer = raft::Timer;
  using Bug = raft::Bug;
  using ReplyPayload = Committed;
  using AppliedCommand = AppliedEntry;

  static Node init(const Config& config, NodeId self);
  // A response that can never matter to its receiver again: of an older term, or of the
  // current term to a node that no longer holds the role it answers (a role it can only take
  // again in a later term). The checker drops such messages once their receiver ignores them.
  static bool obsolete(const Config& config, const Node& receiver, NodeId from, const Message& message);
  static lockstep::Step<Raft> step(const Config& config, NodeId self, const Node& node, const Event& event);
  // The durable state after a Persist: what the checker's disk model and the runtime's
  // write-ahead log replay both do.
  static void apply_persist(Durable& durable, const PersistOf<Raft>& persist);
  static std::string_view bug_description(Bug bug);
};

// A node as the trace viewers draw it (model/core/node_view.hpp): its role, its term, its log
// (each entry's term and command) and its commit index.
template <class SM, class S>
NodeView lockstep_node_view(const Raft<SM, S>&, const typename Raft<SM, S>::Node& node) {
  NodeView view;
  view.role = std::string(enum_name(node.volatile_state.role));
  view.term_name = "term";
  view.term = std::to_string(node.durable.current_term);
  const auto& log = node.durable.log;
  view.log_base = log.base_index();
  std::uint64_t index = log.base_index();
  if (log.last_index() > log.base_index()) {
    log.for_each_from(log.base_index() + 1, [&](const auto& entry) {
      view.log.push_back({++index, std::to_string(entry.term), entry_text(entry)});
    });
  }
  view.committed = node.volatile_state.commit_index;
  if (!node.durable.voted_for.is_none()) {
    view.notes.push_back("voted for " + to_string(node.durable.voted_for) + " in term " + view.term);
  }
  return view;
}

// A model-size configuration for the checker and the tests.
template <class SM>
typename Raft<SM>::Config model_config(std::size_t nodes, Term term_max, Index log_max, Bug bug = Bug::none,
                                       typename SM::Config machine = {}, Index snapshot_every = 0,
                                       bool leader_noop = false, bool check_quorum = false, bool pre_vote = false) {
  return {static_cast<std::uint8_t>(nodes), default_timing,
          ModelChecks{term_max, log_max, bug, leader_noop, check_quorum, pre_vote}, machine,
          snapshot_every};
}

// The model's client request of client `r`, its first: the command built from r (for the
// register, write(r)).
template <class SM>
typename Raft<SM>::ClientRequest request_for(std::uint8_t r) {
  return {ClientId{r}, 1, typename SM::Command{r}};
}

}  // namespace lockstep::raft
