// What single-decree Paxos (model/paxos/) and Multi-Paxos (model/multipaxos/) share, written once:
// the ballot and its order, the acceptor's two rules (promise only a higher ballot; vote only at
// a ballot no lower than the promise), the proposer's next ballot, counting a quorum of distinct
// acceptors, and picking the highest-ballot vote among promises ("Paxos Made Simple", 2.2).
// Multi-Paxos applies the acceptor's rules per slot under one promise for all slots.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <utility>

#include "model/core/ids.hpp"
#include "model/core/reflect.hpp"

namespace lockstep::paxos {

// A ballot: a round and the node that owns it, ordered by round then node, so that ballots are
// unique per proposer. Round 0 is "no ballot" (-1 in Paxos.tla). Ties are broken by node id, so
// renaming nodes changes behaviour: protocols built on ballots are not node-symmetric.
template <class Round>
struct BasicBallot {
  LOCKSTEP_STRUCT(BasicBallot, (Round, round), (NodeId, node));
  constexpr bool is_none() const { return round == 0; }
  friend void lockstep_print(std::string& out, const BasicBallot& ballot) {
    if (ballot.is_none()) {
      out += "none";
    } else {
      out += std::to_string(ballot.round);
      out += '.';
      out += std::to_string(ballot.node.value);
    }
  }
};

// Phase 1b: an acceptor promises only a ballot above every ballot it has promised.
template <class Ballot>
constexpr bool may_promise(const Ballot& promised, const Ballot& ballot) {
  return ballot > promised;
}

// Phase 2b: an acceptor votes only at a ballot no lower than its promise.
template <class Ballot>
constexpr bool may_accept(const Ballot& promised, const Ballot& ballot) {
  return !(ballot < promised);
}

// Phase 1a: the proposer's next ballot, above the highest round it has seen (its own ballots
// and its acceptor's promise).
template <class Round>
constexpr BasicBallot<Round> next_ballot(Round highest_round, NodeId self) {
  return BasicBallot<Round>{static_cast<Round>(highest_round + 1), self};
}

// Counts `from` once among the acceptors that answered; returns whether it was new.
constexpr bool count_once(NodeSet& answered, NodeId from) {
  if (answered.contains(from)) return false;
  answered.insert(from);
  return true;
}

// Whether the acceptors that answered are a majority of `node_count`.
constexpr bool is_quorum(const NodeSet& answered, std::size_t node_count) {
  return answered.size() >= majority(node_count);
}

// Keeps, of the votes reported by promises, the one at the highest ballot: the value a proposer
// must propose (any value when no promise reports a vote).
template <class Ballot, class Value>
constexpr void keep_highest_vote(Ballot& highest_ballot, Value& highest_value, const Ballot& ballot,
                                 const Value& value) {
  if (!(ballot > highest_ballot)) return;
  highest_ballot = ballot;
  highest_value = value;
}

// A proposer's message to its own acceptor (or back) is a function call within the node's step,
// not a trip over the network: it is queued in `inbox`, which the step drains before it ends.
template <class Out, class Inbox, class Message>
void send_or_queue(NodeId self, Out& out, Inbox& inbox, NodeId to, Message message) {
  if (to == self) {
    inbox.push_back(std::move(message));
  } else {
    out.send(to, std::move(message));
  }
}

}  // namespace lockstep::paxos
