// Raft (Ongaro & Ousterhout, "In Search of an Understandable Consensus Algorithm", extended
// version) as one pure step function, generic over the replicated state machine SM.
//
// Roles follower, candidate, leader; RequestVote and AppendEntries with their responses; an
// election timer and a heartbeat timer as events (the runtime's active failure detector is
// exactly these); client commands appended by the leader and sent with the next heartbeat;
// commit by the current-term majority rule (section 5.4.2); committed entries applied to SM.
// Durable: current_term, voted_for, log. Volatile: role, commit_index, last_applied, the
// leader's next_index/match_index, the votes of a candidate, and SM's state (rebuilt by
// re-applying committed entries after a restart).
#pragma once

#include <cstdint>
#include <string_view>
#include <variant>

#include "model/core/ids.hpp"
#include "model/core/names.hpp"
#include "model/core/reflect.hpp"
#include "model/core/small_vec.hpp"
#include "model/core/step.hpp"

namespace lockstep::raft {

using Term = std::uint8_t;
using Index = std::uint8_t;  // log positions are 1-based; 0 is "none"

inline constexpr std::size_t log_capacity = 8;

LOCKSTEP_ENUM(Role, follower, candidate, leader)

// Seeded bugs: small deviations inside the step function that the checker must find.
LOCKSTEP_ENUM(Bug, none, vote_not_durable, commit_previous_term, vote_without_log_check, append_without_truncate,
              ignore_higher_term)

LOCKSTEP_ENUM(Timer, election, heartbeat)

struct Config {
  // term_max and log_max bound the model: no election beyond term_max, no client command
  // appended beyond log_max entries (the runtime sets them to their type's maximum).
  LOCKSTEP_STRUCT(Config, (std::uint8_t, node_count), (Term, term_max), (Index, log_max), (Bug, bug));
};

template <class SM>
struct Raft {
  using Command = typename SM::Command;

  struct Entry {
    LOCKSTEP_STRUCT(Entry, (Term, term), (Command, command));
  };
  using Log = SmallVec<Entry, log_capacity>;

  struct RequestVote {
    LOCKSTEP_STRUCT(RequestVote, (Term, term), (Index, last_log_index), (Term, last_log_term));
  };
  struct RequestVoteResponse {
    LOCKSTEP_STRUCT(RequestVoteResponse, (Term, term), (bool, vote_granted));
  };
  struct AppendEntries {
    LOCKSTEP_STRUCT(AppendEntries, (Term, term), (Index, prev_log_index), (Term, prev_log_term), (Log, entries),
                    (Index, leader_commit));
  };
  struct AppendEntriesResponse {
    LOCKSTEP_STRUCT(AppendEntriesResponse, (Term, term), (bool, success), (Index, match_index));
  };
  using Message = std::variant<RequestVote, RequestVoteResponse, AppendEntries, AppendEntriesResponse>;

  struct Durable {
    LOCKSTEP_STRUCT(Durable, (Term, current_term), (NodeId, voted_for), (Log, log));
  };
  using Indexes = PerNode<Index>;
  using Machine = typename SM::State;
  struct Volatile {
    // next_index and match_index are the leader's; empty on other roles.
    LOCKSTEP_STRUCT(Volatile, (Role, role), (Index, commit_index), (Index, last_applied), (NodeSet, votes_granted),
                    (Indexes, next_index), (Indexes, match_index), (Machine, machine));
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
    LOCKSTEP_STRUCT(ClientRequest, (Command, command));
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
  // What every node reports for each entry it applies, in log order.
  struct AppliedEntry {
    LOCKSTEP_STRUCT(AppliedEntry, (Index, index), (Term, term), (Command, command));
  };

  static constexpr std::string_view name = "raft";
  static constexpr std::size_t network_capacity = 48;
  // Node ids are only names: no behaviour depends on their order (symmetry reduction applies).
  static constexpr bool node_symmetric = true;
  using Timer = raft::Timer;
  using Bug = raft::Bug;
  using Config = raft::Config;
  using ReplyPayload = Committed;
  using AppliedCommand = AppliedEntry;

  static Node init(const Config& config, NodeId self);
  // A response that can never matter to its receiver again: of an older term, or of the
  // current term to a node that no longer holds the role it answers (a role it can only take
  // again in a later term). The checker drops such messages once their receiver ignores them.
  static bool obsolete(const Config& config, const Node& receiver, NodeId from, const Message& message);
  static lockstep::Step<Raft> step(const Config& config, NodeId self, const Node& node, const Event& event);
  static std::string_view bug_description(Bug bug);
};

}  // namespace lockstep::raft
