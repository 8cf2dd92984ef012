// Raft's election, abstractly (Ongaro's thesis, 3.6.3; raft.tla's votedFor and `elections`), in a
// form the model's own states map to (`check raft --refine`, spec/raft/refinement.hpp):
//
//   sorts      node, term (totally ordered), index (totally ordered), quorum
//   member(n, Q)        fixed: n belongs to quorum Q (any two intersect)
//   voted(n, t, c)      a vote of n for c in term t is on record somewhere: n's durable votedFor
//                       while its term is t, c's tally, a granted response in flight. A record
//                       may vanish once n's term is above t (n can never vote in t again).
//   leader(t, c)        c became leader in term t (raft.tla's `elections` history)
//   left(n, t)          n's current term is above t
//   asked(c, t, i, u)   a RequestVote of c in term t, its log ending at index i of term u, is in
//                       flight (what voters compare their logs with)
//   last(n, i, u)       n's log ends at index i, an entry of term u (0, 0: empty)
//
//   UpdateTerm(n, t)      n's term rises to t (records of terms n left may vanish)
//   Campaign(c, t)        c, not having voted in t, moves to t and votes for itself (and leads,
//                         when it alone is a quorum)
//   Vote(n, t, c)         n, not having voted in t, moves to t and votes for c, whose request
//                         shows a log at least as up to date as n's (section 5.4.1)
//   BecomeLeader(t, c)    c, in term t, becomes leader with the votes of a quorum in t
//
// Invariant: OneVotePerTerm, LeftDownwardClosed, LeaderQuorumStays (a quorum of the leader's
// voters each either still has its vote for it on record or has left the term, and has no other
// vote in it on record), OneLeaderPerTerm. Safety: ElectionSafety (at most one leader per term).
#pragma once

#include "spec/proofs/logic.hpp"

namespace lockstep::proofs {

Protocol raft_election_protocol();

}  // namespace lockstep::proofs
