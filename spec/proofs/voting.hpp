// The abstract protocol single-decree Paxos refines: Lamport's Voting (the Voting.tla of "The
// Paxos algorithm or how to win a Turing award", and the Consensus -> Voting -> Paxos chain of
// his TLA+ proofs), in the logic of spec/proofs/logic.hpp.
//
//   sorts      node (acceptors), ballot (totally ordered), value, quorum
//   member(n, Q)     fixed: n belongs to quorum Q; any two quorums intersect (axiom)
//   voted(n, b, v)   n has voted for v at ballot b (every vote ever cast)
//   left(n, b)       n's promise (maxBal) is above b: n will never vote at b again
//
//   IncreaseMaxBal(a, b)  a promises b, no lower than its promise: left'(a, c) <-> c < b
//   VoteFor(a, b, v)      a, having promised at most b and not voted at b, votes v at b when
//                         no other acceptor voted another value at b and some quorum Q shows v
//                         safe at b: every member promised b, and either none of them voted
//                         below b, or some voted v at c < b and none voted between c and b;
//                         then a's promise becomes b.
//
// The inductive invariant: OneValuePerBallot, VotesSafe (a vote for v at b means that at every
// c < b some quorum either voted v at c or can no longer vote at c), LeftDownwardClosed,
// PromiseCoversVotes (a vote at b means the promise is at least b: the durable promise is never
// below the accepted ballot). Agreement follows: at most one value is chosen (voted by a quorum at
// one ballot).
#pragma once

#include <vector>

#include "model/core/ids.hpp"
#include "spec/proofs/logic.hpp"
#include "spec/proofs/structure.hpp"

namespace lockstep::proofs {

struct VotingVocabulary {
  int node, ballot, value, quorum;
  int member, voted, left;
};

// `per_slot`: Multi-Paxos's version, every vote and choice per slot (a slot sort; voted(n, s, b, v))
// under one promise per acceptor for all slots; VoteFor(a, b) then votes at b in any number of
// slots at once, each vote one that Voting allows in its slot.
Protocol voting_protocol(bool per_slot = false);
// The vocabulary's indices in a protocol built by voting_protocol.
VotingVocabulary voting_vocabulary(const Protocol& protocol);

// What the Paxos and Multi-Paxos abstractions share (spec/paxos/refinement.cpp,
// spec/multipaxos/refinement.hpp). A structure over these universes (`sizes` by sort; nodes,
// ballots and quorums set here) with member(n, q) for each quorum:
Structure voting_structure(const Protocol& protocol, const VotingVocabulary& v, std::vector<int> sizes, int nodes, int ballots,
                           const std::vector<std::vector<int>>& quorums);
// A ballot (round r >= 1, node k) as its element: (r - 1) * nodes + (k - 1), the model's order.
template <class Ballot>
int ballot_index(const Ballot& b, int nodes) {
  return (static_cast<int>(b.round) - 1) * nodes + (b.node.value - 1);
}
// left(n, b) for every ballot below each node's durable promise, in the state before or after.
template <class State>
void set_promises(Structure& out, const VotingVocabulary& v, const State& s, int nodes, bool after) {
  for (int n = 0; n < nodes; ++n) {
    const auto& promised = s.nodes[NodeId::at(static_cast<std::size_t>(n))].node.durable.promised_ballot;
    if (promised.is_none()) continue;
    for (int b = 0; b < ballot_index(promised, nodes); ++b) out.set(v.left, {n, b}, true, after);
  }
}

}  // namespace lockstep::proofs
