// Single-decree Paxos (Lamport, "Paxos Made Simple") as one pure step function.
//
// Every node is a proposer, an acceptor and a learner. A client asks a node to propose a value;
// the node runs phase 1 (Prepare/Promise) and phase 2 (Accept/Accepted) with a ballot that is
// unique to it (round, node id); every acceptor sends Accepted to every learner, and a learner
// that counts a majority of Accepted for one ballot has learned the chosen value. A retry timer
// starts a higher round. Durable: the acceptor's promise and vote. Volatile: proposer and learner
// progress, lost on a crash.
#pragma once

#include <string_view>
#include <variant>
#include <vector>

#include "model/core/ids.hpp"
#include "model/core/names.hpp"
#include "model/core/reflect.hpp"
#include "model/core/step.hpp"

namespace lockstep::paxos {

// A proposed value; 0 is "no value" (None in Paxos.tla).
struct Value {
  static constexpr bool lockstep_scalar = true;
  static constexpr bool lockstep_symmetric_value = true;  // values are only compared for equality
  std::uint8_t value = 0;
  constexpr bool is_none() const { return value == 0; }
  friend bool operator==(const Value&, const Value&) = default;
  friend auto operator<=>(const Value&, const Value&) = default;
};
void lockstep_print(std::string& out, const Value& value);

// A ballot: a round and the node that owns it, ordered by round then node, so that ballots are
// unique per proposer. Round 0 is "no ballot" (-1 in Paxos.tla).
struct Ballot {
  LOCKSTEP_STRUCT(Ballot, (std::uint8_t, round), (NodeId, node));
  constexpr bool is_none() const { return round == 0; }
};
void lockstep_print(std::string& out, const Ballot& ballot);

// Seeded bugs: small deviations inside the step function that the checker must find.
LOCKSTEP_ENUM(Bug, none, promise_not_durable, ignore_accepted_value, accept_below_promise)

struct Config {
  LOCKSTEP_STRUCT(Config, (std::uint8_t, node_count), (std::uint8_t, round_max), (Bug, bug));
};

// Phase 1a: a proposer asks acceptors not to accept ballots below `ballot`.
struct Prepare {
  LOCKSTEP_STRUCT(Prepare, (Ballot, ballot));
};
// Phase 1b: the acceptor promised `ballot` and reports its latest vote.
struct Promise {
  LOCKSTEP_STRUCT(Promise, (Ballot, ballot), (Ballot, accepted_ballot), (Value, accepted_value));
};
// Phase 2a: the proposer asks acceptors to accept `value` at `ballot`.
struct Accept {
  LOCKSTEP_STRUCT(Accept, (Ballot, ballot), (Value, value));
};
// Phase 2b: the acceptor voted for `value` at `ballot`; sent to every learner.
struct Accepted {
  LOCKSTEP_STRUCT(Accepted, (Ballot, ballot), (Value, value));
};
using Message = std::variant<Prepare, Promise, Accept, Accepted>;

struct Durable {
  LOCKSTEP_STRUCT(Durable, (Ballot, promised_ballot), (Ballot, accepted_ballot), (Value, accepted_value));
};

LOCKSTEP_ENUM(Phase, idle, preparing, accepting)

struct Volatile {
  LOCKSTEP_STRUCT(Volatile,
                  // proposer: the client's value, our current ballot and its progress
                  (Value, proposal), (Ballot, ballot), (Phase, phase), (NodeSet, promises),
                  // the highest vote reported by the promises for `ballot`
                  (Ballot, highest_accepted_ballot), (Value, highest_accepted_value),
                  // learner: Accepted counted for the highest ballot heard of, and the outcome
                  (Ballot, learning_ballot), (NodeSet, accepted_by), (Value, learned));
};

struct Node {
  LOCKSTEP_STRUCT(Node, (Durable, durable), (Volatile, volatile_state));
};

LOCKSTEP_ENUM(Timer, retry)

struct MessageReceived {
  LOCKSTEP_STRUCT(MessageReceived, (NodeId, from), (Message, message));
};
struct TimerFired {
  LOCKSTEP_STRUCT(TimerFired, (Timer, timer));
};
struct ClientRequest {
  LOCKSTEP_STRUCT(ClientRequest, (Value, value));
};
struct Restarted {
  LOCKSTEP_EMPTY_STRUCT(Restarted);
};
using Event = std::variant<MessageReceived, TimerFired, ClientRequest, Restarted>;

// What a node tells its client and its observers once it has learned the chosen value.
struct Chosen {
  LOCKSTEP_STRUCT(Chosen, (Value, value));
};

struct Paxos {
  static constexpr std::string_view name = "paxos";
  // Messages the checker's network holds at most (model/core/small_vec.hpp).
  static constexpr std::size_t network_capacity = 64;
  // Ballots order proposers by node id, so renaming nodes changes behaviour: no symmetry.
  static constexpr bool node_symmetric = false;
  using Config = paxos::Config;
  using Durable = paxos::Durable;
  using Volatile = paxos::Volatile;
  using Node = paxos::Node;
  using Message = paxos::Message;
  using Event = paxos::Event;
  using Timer = paxos::Timer;
  using ClientRequest = paxos::ClientRequest;
  using MessageReceived = paxos::MessageReceived;
  using TimerFired = paxos::TimerFired;
  using Restarted = paxos::Restarted;
  using ReplyPayload = Chosen;
  using AppliedCommand = Chosen;
  using Bug = paxos::Bug;

  static Node init(const Config& config, NodeId self);
  // A message that can never matter to its receiver again (promises only grow, durably, and a
  // proposer never reuses a ballot): a Prepare or Accept below the promise, an Accept already
  // voted, a Promise for a ballot the proposer is no longer preparing. Accepted is never
  // obsolete: a learner that restarts counts again. The checker drops obsolete messages once
  // their receiver ignores them.
  static bool obsolete(const Config& config, const Node& receiver, NodeId from, const Message& message);
  static lockstep::Step<Paxos> step(const Config& config, NodeId self, const Node& node, const Event& event);
  static std::string_view bug_description(Bug bug);
};

using Step = lockstep::Step<Paxos>;

}  // namespace lockstep::paxos
