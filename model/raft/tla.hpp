// Diego Ongaro's raft.tla (github.com/ongardie/raft.tla, commit 6ecbdbcf), action for action, as
// the reference model of `lockstep check raft-tla`. Its reachable states are exactly TLC's for the
// same constants and state constraint, so the distinct-state count can be compared with TLC's.
// spec/raft/raft-tla.md says in plain words what each action does and how it is written here.
//
// Variables, as the spec has them: messages (a bag: each distinct message with its count),
// elections and allLogs (history variables), and per server currentTerm, state, votedFor, log,
// commitIndex, votesResponded, votesGranted, voterLog (history), nextIndex, matchIndex. Messages
// keep the spec's history field mlog. The bounds are TLC's state constraint: a successor with a
// term above MaxTerm, a log longer than MaxLogLen, a message more than MaxDup times in the bag or
// more than MaxMsgs distinct messages is neither stored nor explored.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "model/core/codec.hpp"
#include "model/core/json.hpp"
#include "model/core/reflect.hpp"
#include "model/core/small_vec.hpp"

namespace lockstep::raft_tla {

inline constexpr std::size_t servers_max = 5;
inline constexpr int values_max = 15;     // an entry packs its value in 4 bits
inline constexpr int term_max = 15;       // ... and its term in 4 bits
inline constexpr int log_max = 7;         // MaxLogLen; a log holds one more, for the step beyond it
inline constexpr int messages_max = 12;   // MaxMsgs; the bag holds one more, for the step beyond it
inline constexpr int dup_max = 254;  // MaxDup; a count of 255 is the step beyond it
inline constexpr std::size_t elections_capacity = 24;
inline constexpr std::size_t all_logs_capacity = 128;

struct Config {
  LOCKSTEP_STRUCT(Config, (std::uint8_t, servers), (std::uint8_t, values), (std::uint8_t, max_term),
                  (std::uint8_t, max_log), (std::uint8_t, max_dup), (std::uint8_t, max_msgs));
};

// A server s1, s2, ... (1-based; 0 is Nil where a server or Nil is meant).
struct Server {
  static constexpr bool lockstep_scalar = true;
  std::uint8_t value = 0;
  friend bool operator==(const Server&, const Server&) = default;
  friend auto operator<=>(const Server&, const Server&) = default;
};
void lockstep_print(std::string& out, const Server& s);
Json lockstep_to_json(const Server& s);
void lockstep_from_json(const Json& json, Server& s, const std::string& path);

// A value v1, v2, ... (1-based).
struct Value {
  static constexpr bool lockstep_scalar = true;
  std::uint8_t value = 0;
  friend bool operator==(const Value&, const Value&) = default;
  friend auto operator<=>(const Value&, const Value&) = default;
};
void lockstep_print(std::string& out, const Value& v);
Json lockstep_to_json(const Value& v);
void lockstep_from_json(const Json& json, Value& v, const std::string& path);

// A log entry [term |-> t, value |-> v], packed as t << 4 | v (never 0: values start at 1).
inline int entry_term(std::uint8_t e) { return e >> 4; }
inline int entry_value(std::uint8_t e) { return e & 15; }
inline std::uint8_t make_entry(int term, int value) { return static_cast<std::uint8_t>(term << 4 | value); }

// A sequence of entries (1-based in the spec: entry n is e[n - 1]); entries past len are 0.
struct Log {
  std::uint8_t len = 0;
  std::array<std::uint8_t, log_max + 1> e{};
  int last_term() const { return len == 0 ? 0 : entry_term(e[len - 1u]); }
  int term_at(int n) const { return entry_term(e[static_cast<std::size_t>(n - 1)]); }
  friend bool operator==(const Log&, const Log&) = default;
  friend auto operator<=>(const Log&, const Log&) = default;
};
void lockstep_print(std::string& out, const Log& log);
Json lockstep_to_json(const Log& log);
void lockstep_from_json(const Json& json, Log& log, const std::string& path);
void lockstep_encode(ByteWriter& w, const Log& log);
void lockstep_decode(ByteReader& r, Log& log);

LOCKSTEP_ENUM(MType, RequestVoteRequest, RequestVoteResponse, AppendEntriesRequest, AppendEntriesResponse)

// A message record. The fields each type has (the rest are 0):
//   RequestVoteRequest     a = mlastLogTerm, b = mlastLogIndex
//   RequestVoteResponse    a = mvoteGranted (0/1), mlog
//   AppendEntriesRequest   a = mprevLogIndex, b = mprevLogTerm, c = mentries (0: << >>, else its
//                          one entry), d = mcommitIndex, mlog
//   AppendEntriesResponse  a = msuccess (0/1), b = mmatchIndex
struct Message {
  MType mtype{};
  std::uint8_t mterm = 0;
  std::uint8_t msource = 0;  // 0-based server index
  std::uint8_t mdest = 0;
  std::uint8_t a = 0, b = 0, c = 0, d = 0;
  Log mlog;
  friend bool operator==(const Message&, const Message&) = default;
  friend auto operator<=>(const Message&, const Message&) = default;
};
void lockstep_print(std::string& out, const Message& m);
Json lockstep_to_json(const Message& m);
void lockstep_from_json(const Json& json, Message& m, const std::string& path);
void lockstep_encode(ByteWriter& w, const Message& m);
void lockstep_decode(ByteReader& r, Message& m);

// One element of the bag: a message and how many copies of it are in flight (>= 1).
struct BagItem {
  Message m;
  std::uint8_t count = 0;
  friend bool operator==(const BagItem&, const BagItem&) = default;
  friend auto operator<=>(const BagItem&, const BagItem&) = default;
};

// A record of `elections`: [eterm, eleader, elog, evotes, evoterLog]; evoterLog's domain is
// evotes (the voters whose granted responses the leader counted), its other entries empty.
struct Election {
  std::uint8_t eterm = 0;
  std::uint8_t eleader = 0;  // 0-based
  std::uint8_t evotes = 0;   // bit mask of servers
  Log elog;
  std::array<Log, servers_max> evoter_log{};
  friend bool operator==(const Election&, const Election&) = default;
  friend auto operator<=>(const Election&, const Election&) = default;
};

LOCKSTEP_ENUM(Role, Follower, Candidate, Leader)

// The per-server variables. voterLog[i]'s domain is always votesGranted[i] (both grow together
// in HandleRequestVoteResponse and are emptied together), so only the logs are kept.
struct ServerVars {
  std::uint8_t current_term = 0;
  Role state{};
  std::uint8_t voted_for = 0;  // 0 = Nil, else server index + 1
  std::uint8_t commit_index = 0;
  std::uint8_t votes_responded = 0;  // bit masks of servers
  std::uint8_t votes_granted = 0;
  Log log;
  std::array<Log, servers_max> voter_log{};
  std::array<std::uint8_t, servers_max> next_index{};
  std::array<std::uint8_t, servers_max> match_index{};
  friend bool operator==(const ServerVars&, const ServerVars&) = default;
  friend auto operator<=>(const ServerVars&, const ServerVars&) = default;
};

// The variables. Unused servers' entries are zero; the bag and the two sets are kept sorted, so
// that equal states are equal byte for byte.
struct State {
  std::array<ServerVars, servers_max> servers{};
  SmallVec<BagItem, messages_max + 1> messages;
  SmallSet<Election, elections_capacity> elections;
  SmallSet<Log, all_logs_capacity> all_logs;
  friend bool operator==(const State&, const State&) = default;
};
void lockstep_encode(ByteWriter& w, const State& s);
void lockstep_decode(ByteReader& r, State& s);

// Which message handler Receive(m) took (the spec's Receive is one action; which of its
// disjuncts holds is decided by the state and m, so the name is a label, not a choice).
LOCKSTEP_ENUM(Handler, UpdateTerm, HandleRequestVoteRequest, HandleRequestVoteResponse, HandleAppendEntriesRequest,
              HandleAppendEntriesResponse, DropStaleResponse)

struct Restart {
  LOCKSTEP_STRUCT(Restart, (Server, i));
};
struct Timeout {
  LOCKSTEP_STRUCT(Timeout, (Server, i));
};
struct RequestVote {
  LOCKSTEP_STRUCT(RequestVote, (Server, i), (Server, j));
};
struct BecomeLeader {
  LOCKSTEP_STRUCT(BecomeLeader, (Server, i));
};
struct ClientRequest {
  LOCKSTEP_STRUCT(ClientRequest, (Server, i), (Value, v));
};
struct AdvanceCommitIndex {
  LOCKSTEP_STRUCT(AdvanceCommitIndex, (Server, i));
};
struct AppendEntries {
  LOCKSTEP_STRUCT(AppendEntries, (Server, i), (Server, j));
};
struct Receive {
  LOCKSTEP_STRUCT(Receive, (Handler, handler), (Message, m));
};
struct DuplicateMessage {
  LOCKSTEP_STRUCT(DuplicateMessage, (Message, m));
};
struct DropMessage {
  LOCKSTEP_STRUCT(DropMessage, (Message, m));
};
using Action = std::variant<Restart, Timeout, RequestVote, BecomeLeader, ClientRequest, AdvanceCommitIndex,
                            AppendEntries, Receive, DuplicateMessage, DropMessage>;

// Checks the constants: a non-empty error message when they are out of range.
std::string validate(const Config& config);
State initial_state(const Config& config);

struct Successor {
  Action action;
  State state;
};
// Every Next step from `s` whose successor satisfies the state constraint, in the order of Next's
// disjuncts: emit(context, action, next) for each. Steps back to `s` itself are included (the
// search drops them as already seen). A callback, not a vector, so that a successor is built once
// and handed over without copies: `next` is the generator's working state, valid during the call.
// The callee may read it or move from it (a move copies: State's parts are trivially copyable),
// but not change it in place.
// A step whose successor equals `s` (a stutter, e.g. Restart of a fresh Follower once allLogs
// holds every log) goes to unchanged(context, action) instead, without its state, if given.
using Emit = void (*)(void* context, const Action& action, State&& next);
using Unchanged = void (*)(void* context, const Action& action);
void for_each_successor(const Config& config, const State& s, void* context, Emit emit, Unchanged unchanged = nullptr);
// The same, collected.
void successors(const Config& config, const State& s, std::vector<Successor>& out);
// Whether a state satisfies the state constraint (MaxTerm, MaxLogLen, MaxDup, MaxMsgs).
bool within_constraint(const Config& config, const State& s);

// The state as TLC and Apalache would show it: every variable by its name in the spec, functions
// of servers as {"#map": [["s1", ...], ...]}, sets as {"#set": [...]}, the bag as a map from
// message records to counts, sequences as arrays, Nil and the server states as strings.
Json state_to_json(const Config& config, const State& s);
// Reads a state back; throws JsonError naming the bad field.
State state_from_json(const Config& config, const Json& json);

}  // namespace lockstep::raft_tla
