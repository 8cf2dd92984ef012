// Single-decree Paxos (Lamport, "Paxos Made Simple") as one pure step function, generic over the
// size policy (model/core/sizes.hpp): paxos::Paxos is what the checker explores,
// PaxosOf<RuntimeSizes> what a node would run, from the same step code (model/paxos/step.hpp).
//
// Every node is a proposer, an acceptor and a learner. A client asks a node to propose a value;
// the node runs phase 1 (Prepare/Promise) and phase 2 (Accept/Accepted) with a ballot that is
// unique to it (round, node id); every acceptor sends Accepted to every learner, and a learner
// that counts a majority of Accepted for one ballot has learned the chosen value. A retry timer
// (randomized delay) starts a higher round. Durable: the acceptor's promise and vote (the hard
// state; there is no log). Volatile: proposer and learner progress, lost on a crash.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "model/core/ids.hpp"
#include "model/core/names.hpp"
#include "model/core/node_view.hpp"
#include "model/core/print.hpp"
#include "model/core/reflect.hpp"
#include "model/core/sizes.hpp"
#include "model/core/step.hpp"
#include "model/paxos/acceptor.hpp"

namespace lockstep::paxos {

// Seeded bugs: small deviations inside the step function that the checker must find. They exist
// only at model size (ModelChecks); the runtime instantiation cannot name one.
LOCKSTEP_ENUM(Bug, none, promise_not_durable, ignore_accepted_value, accept_below_promise)

LOCKSTEP_ENUM(Phase, idle, preparing, accepting)
LOCKSTEP_ENUM(Timer, retry)

// Timer delays (the runtime's; the checker fires any timer at any time).
struct Timing {
  LOCKSTEP_STRUCT(Timing, (std::uint32_t, retry_min_ms), (std::uint32_t, retry_max_ms));
};
inline constexpr Timing default_timing{100, 200};

// The checker's knobs, at model size only: the bound on ballot rounds per proposer, and the
// seeded bug.
struct ModelChecks {
  LOCKSTEP_STRUCT(ModelChecks, (std::uint8_t, round_max), (Bug, bug));
};

// A proposed value; 0 is "no value" (None in Paxos.tla).
template <class Int>
struct BasicValue {
  static constexpr bool lockstep_scalar = true;
  static constexpr bool lockstep_symmetric_value = true;  // values are only compared for equality
  Int value = 0;
  constexpr bool is_none() const { return value == 0; }
  friend bool operator==(const BasicValue&, const BasicValue&) = default;
  friend auto operator<=>(const BasicValue&, const BasicValue&) = default;
  friend void lockstep_print(std::string& out, const BasicValue& v) {
    if (v.is_none()) {
      out += "none";
    } else {
      out += 'v';
      out += std::to_string(v.value);
    }
  }
};

template <class S>
struct PaxosOf {
  using Sizes = S;
  using Round = typename Sizes::Round;
  using Sequence = typename Sizes::Sequence;
  using Value = BasicValue<std::conditional_t<Sizes::checked, std::uint8_t, std::uint64_t>>;
  using Ballot = BasicBallot<Round>;
  using Checks = std::conditional_t<Sizes::checked, ModelChecks, NoChecks>;

  struct Config {
    LOCKSTEP_STRUCT(Config, (std::uint8_t, node_count), (Timing, timing), (Checks, checks));
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
  // A Persist writes the whole durable state (it is small); there is no log.
  using HardState = Durable;
  using LogEdit = NoLogEdit;

  struct Volatile {
    LOCKSTEP_STRUCT(Volatile,
                    // proposer: the client's value (and who asked, to answer it), our current
                    // ballot and its progress
                    (Value, proposal), (ClientId, client), (Sequence, client_sequence), (Ballot, ballot),
                    (Phase, phase), (NodeSet, promises),
                    // the highest vote reported by the promises for `ballot`
                    (Ballot, highest_accepted_ballot), (Value, highest_accepted_value),
                    // learner: Accepted counted for the highest ballot heard of, and the outcome
                    (Ballot, learning_ballot), (NodeSet, accepted_by), (Value, learned));
  };

  struct Node {
    LOCKSTEP_STRUCT(Node, (Durable, durable), (Volatile, volatile_state));
  };

  struct MessageReceived {
    LOCKSTEP_STRUCT(MessageReceived, (NodeId, from), (Message, message));
  };
  struct TimerFired {
    LOCKSTEP_STRUCT(TimerFired, (paxos::Timer, timer));
  };
  struct ClientRequest {
    LOCKSTEP_STRUCT(ClientRequest, (ClientId, client), (Sequence, sequence), (Value, value));
  };
  struct Restarted {
    LOCKSTEP_EMPTY_STRUCT(Restarted);
  };
  using Event = std::variant<MessageReceived, TimerFired, ClientRequest, Restarted>;

  // What a node tells its client and its observers once it has learned the chosen value.
  struct Chosen {
    LOCKSTEP_STRUCT(Chosen, (Value, value));
  };

  static constexpr std::string_view name = "paxos";
  // Messages the checker's network holds at most (model/core/small_vec.hpp).
  static constexpr std::size_t network_capacity = 64;
  // Ballots order proposers by node id, so renaming nodes changes behaviour: no symmetry.
  static constexpr bool node_symmetric = false;
  static constexpr bool has_obsolete = true;
  using Timer = paxos::Timer;
  using Bug = paxos::Bug;
  using ReplyPayload = Chosen;
  using AppliedCommand = Chosen;

  static Node init(const Config& config, NodeId self);
  // A message that can never matter to its receiver again (promises only grow, durably, and a
  // proposer never reuses a ballot): a Prepare or Accept below the promise, an Accept already
  // voted, a Promise for a ballot the proposer is no longer preparing. Accepted is never
  // obsolete: a learner that restarts counts again. The checker drops obsolete messages once
  // their receiver ignores them.
  static bool obsolete(const Config& config, const Node& receiver, NodeId from, const Message& message);
  static lockstep::Step<PaxosOf> step(const Config& config, NodeId self, const Node& node, const Event& event);
  // The durable state after a Persist (the checker's disk model, a write-ahead log's replay).
  static void apply_persist(Durable& durable, const PersistOf<PaxosOf>& persist) { durable = persist.hard_state; }
  static std::string_view bug_description(Bug bug);
};

// A node as the trace viewers draw it (model/core/node_view.hpp). Single-decree Paxos has a
// ballot where Raft has a term (the acceptor's promise), and no log: what it has instead is its
// vote (the value it accepted, at which ballot) and what it learned, said in its notes. Its role:
// proposer while it runs a ballot (preparing or accepting), else acceptor.
template <class S>
NodeView lockstep_node_view(const PaxosOf<S>&, const typename PaxosOf<S>::Node& node) {
  const auto& durable = node.durable;
  const auto& volatile_state = node.volatile_state;
  NodeView view;
  view.role = volatile_state.phase == Phase::idle ? "acceptor" : "proposer";
  view.term_name = "ballot";
  view.term = to_string(durable.promised_ballot);
  view.has_log = false;
  if (volatile_state.phase != Phase::idle) {
    view.notes.push_back(std::string(enum_name(volatile_state.phase)) + " ballot " + to_string(volatile_state.ballot) +
                         " for " + to_string(volatile_state.proposal));
  }
  if (!durable.accepted_ballot.is_none()) {
    view.notes.push_back("accepted " + to_string(durable.accepted_value) + " at " + to_string(durable.accepted_ballot));
  }
  if (!volatile_state.learned.is_none()) view.notes.push_back("learned " + to_string(volatile_state.learned));
  return view;
}

// The model size, which the checker, the spec and the tests speak of.
using Paxos = PaxosOf<ModelSizes>;
using Value = Paxos::Value;
using Ballot = Paxos::Ballot;
using Config = Paxos::Config;
using Prepare = Paxos::Prepare;
using Promise = Paxos::Promise;
using Accept = Paxos::Accept;
using Accepted = Paxos::Accepted;
using Message = Paxos::Message;
using Durable = Paxos::Durable;
using Volatile = Paxos::Volatile;
using Node = Paxos::Node;
using MessageReceived = Paxos::MessageReceived;
using TimerFired = Paxos::TimerFired;
using ClientRequest = Paxos::ClientRequest;
using Restarted = Paxos::Restarted;
using Event = Paxos::Event;
using Chosen = Paxos::Chosen;
using Step = lockstep::Step<Paxos>;

// A model-size configuration for the checker and the tests.
inline Config model_config(std::size_t nodes, std::uint8_t round_max, Bug bug = Bug::none) {
  return Config{static_cast<std::uint8_t>(nodes), default_timing, ModelChecks{round_max, bug}};
}
// The request of client `value` (clients are numbered by the value they propose), its first.
inline ClientRequest request_for(std::uint8_t value) {
  return ClientRequest{ClientId{value}, 1, Value{value}};
}

}  // namespace lockstep::paxos
