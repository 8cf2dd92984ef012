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

#include "spec/proofs/logic.hpp"

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

}  // namespace lockstep::proofs
