// Quorum intersection, decided by Z3 (pseudo-Boolean constraints over "is a member of the first
// quorum" and "of the second" per node): for a given quorum system, any quorum of the first kind
// and any of the second share a member, or here are two that do not.
//
// A quorum system is described by rules: a set of nodes is a quorum when, for every part of its
// rule, it holds at least `at_least` members of that part's member set. So
//   majorities of n:            one part, all n members, at least n/2 + 1;
//   flexible quorums (q1, q2):  phase-1 quorums hold q1 of the n, phase-2 quorums q2 (Howard et
//                               al.'s Flexible Paxos: they intersect when q1 + q2 > n);
//   joint consensus (old, new): a quorum holds a majority of old and a majority of new (Raft's
//                               C_old,new), which must intersect every quorum of old, of new, and
//                               of the joint configuration.
// The runtime's cluster loader (impl/runtime/cluster.cpp) runs the same check on the
// configuration it is given.
#pragma once

#include <string>
#include <vector>

namespace lockstep::proofs {

struct QuorumPart {
  std::vector<int> members;  // node ids
  int at_least = 0;
};

struct QuorumRule {
  std::string name;               // "majority of {1,2,3}"
  std::vector<QuorumPart> parts;  // every part must be met
};

QuorumRule majority_of(const std::vector<int>& members);
QuorumRule at_least_of(const std::vector<int>& members, int count);
QuorumRule joint_majority(const std::vector<int>& old_members, const std::vector<int>& new_members);
std::vector<int> nodes_up_to(int n);  // 1..n

struct QuorumCheck {
  bool intersect = false;
  bool unknown = false;          // Z3 could not decide (it should always decide)
  std::vector<int> first, second;  // two disjoint quorums, when they do not intersect
  double seconds = 0;
  std::string text() const;      // "intersect", or "{n1, n2} and {n3} share no member"
};

// Do every quorum of `a` and every quorum of `b` share a member?
QuorumCheck check_intersection(const QuorumRule& a, const QuorumRule& b);

// The arithmetic fact behind every size-based rule, for every n at once (integers, Z3's linear
// arithmetic): two sets of sizes q1 and q2 in a universe of n with q1 + q2 > n share a member
// (inclusion-exclusion: |A u B| = |A| + |B| - |A n B| <= n). Returns "" when proved, else why not.
std::string prove_sizes_intersect_symbolically(bool majorities);

}  // namespace lockstep::proofs
