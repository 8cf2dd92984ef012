// Raft's election, abstractly (Ongaro's thesis, 3.6.3 and raft.tla's votedFor and elections):
//
//   sorts      node, term (totally ordered), quorum
//   member(n, Q)        fixed: n belongs to quorum Q (any two intersect)
//   voted(n, t, c)      n granted its vote in term t to candidate c (every vote ever granted)
//   leader(t, c)        c became leader in term t (raft.tla's `elections` history)
//
//   Vote(n, t, c)         n, not having voted in t, votes for c in t
//   BecomeLeader(t, c)    c becomes leader of t with the votes of a quorum in t
//
// Invariant: OneVotePerTerm, LeaderHasQuorum. Safety: ElectionSafety (at most one leader per
// term).
#pragma once

#include "spec/proofs/logic.hpp"

namespace lockstep::proofs {

Protocol raft_election_protocol();

}  // namespace lockstep::proofs
