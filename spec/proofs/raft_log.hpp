// Raft's log replication, abstractly (Figure 2's AppendEntries and commit rules; section 7's
// InstallSnapshot as a message that carries the leader's prefix), in a form the model's own
// states map to (`check raft --refine`, spec/raft/refinement.hpp):
//
//   sorts      node, term (totally ordered), index (totally ordered; its least element, 0,
//              holds no entry), quorum
//   log(n, i, u)            n's log holds an entry of term u at index i (what a snapshot covers,
//                           at the terms the entries were committed with)
//   sent(t, p, k, j, u)     an AppendEntries of term t carrying the entries after index p
//                           through index k is in flight, and holds (or, at j = p, names as its
//                           previous entry) an entry of term u at index j
//   leader(t, c)            c became leader in term t (raft-election proves one per term)
//   left(n, t)              n's current term is above t
//   committed(i, u)         a leader committed the entry of term u at index i
//   applied(n, i, u)        n's commit index covers its entry of term u at index i (a follower
//                           learns it from an AppendEntries, a leader from its own commit)
//
//   UpdateTerm(n, t)        n's term rises to t
//   Elect(c, t)             c, the only leader of t there is, leads t (raft-election decides who)
//   Append(L, t, i)         L, leading in its term t, appends an entry of term t at its log's end
//                           i (and commits through it when its own vote is a quorum)
//   Send(L, t)              L, leading in its term t, sends entries of its log
//   Replicate(n, t, p, k)   n, not the leader of t (no node sends to itself), accepts the
//                           AppendEntries (t, p, k): it holds the previous entry, its log through p stays, p+1..k become the message's entries, and
//                           what follows k stays unless an entry conflicted (receiver rule 3)
//   Commit(L, t, k)         L, leading in its term t, commits through its entry at k, of term t,
//                           when a quorum stores that entry (section 5.4.2)
//   Messages vanish whole in any step (delivered, dropped). In any step a node may learn of
//   commits (applied grows, only by committed entries) or forget them (a restart).
//
// Invariant: logs and messages hold one term per index and no gaps, every two of them that share
// an entry agree before it, every entry's term had a leader, a leader still in its term holds
// every entry of its term, a leader has left every earlier term, and what a node applies was
// committed. Safety: LogMatching
// (Figure 3).
#pragma once

#include "spec/proofs/logic.hpp"

namespace lockstep::proofs {

struct RaftLogVocabulary {
  int node, term, index, quorum;
  int member, log, sent, leader, left, committed, applied;
};

Protocol raft_log_protocol();
RaftLogVocabulary raft_log_vocabulary(const Protocol& protocol);

}  // namespace lockstep::proofs
