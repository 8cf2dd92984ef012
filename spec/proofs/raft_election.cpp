#include "spec/proofs/raft_election.hpp"

namespace lockstep::proofs {

Protocol raft_election_protocol() {
  Protocol p;
  p.name = "raft-election";
  p.description = "Raft's elections: one vote per node and term, a leader needs a quorum of votes in its term";
  Vocabulary& v = p.vocabulary;
  const int node = v.sort("node"), term = v.sort("term", true), quorum = v.sort("quorum");
  const int member = v.relation("member", {node, quorum}, true);
  const int voted = v.relation("voted", {node, term, node});
  const int leader = v.relation("leader", {term, node});
  {
    const Var q1 = v.var("Q1", quorum), q2 = v.var("Q2", quorum), n = v.var("n", node);
    p.axioms.push_back({"QuorumIntersection", forall({q1, q2}, exists({n}, v(member, {n, q1}) && v(member, {n, q2}))),
                        "any two quorums share a member"});
  }
  {
    const Var n = v.var("n", node), t = v.var("t", term), c = v.var("c", node);
    p.init = forall({n, t, c}, !v(voted, {n, t, c})) && forall({t, c}, !v(leader, {t, c}));
  }
  {
    const Var n = v.var("n", node), t = v.var("t", term), c = v.var("c", node), d = v.var("d", node);
    const F guard = forall({d}, !v(voted, {n, t, d}));
    const F votes = v.define_after(voted, [&](const std::vector<Var>& x) {
      return v(voted, x) || (eq(x[0], n) && eq(x[1], t) && eq(x[2], c));
    });
    p.actions.push_back({"Vote", {n, t, c}, guard && votes && v.unchanged(leader)});
  }
  {
    const Var t = v.var("t", term), c = v.var("c", node), q = v.var("Q", quorum), x = v.var("x", node);
    const F guard = exists({q}, forall({x}, implies(v(member, {x, q}), v(voted, {x, t, c}))));
    const F leaders = v.define_after(leader, [&](const std::vector<Var>& y) {
      return v(leader, y) || (eq(y[0], t) && eq(y[1], c));
    });
    p.actions.push_back({"BecomeLeader", {t, c}, guard && leaders && v.unchanged(voted)});
  }
  {
    const Var n = v.var("n", node), t = v.var("t", term), c1 = v.var("c1", node), c2 = v.var("c2", node);
    p.invariant.push_back({"OneVotePerTerm", forall({n, t, c1, c2}, implies(v(voted, {n, t, c1}) && v(voted, {n, t, c2}), eq(c1, c2))),
                           "a node votes for at most one candidate per term"});
  }
  {
    const Var t = v.var("t", term), c = v.var("c", node), q = v.var("Q", quorum), x = v.var("x", node);
    p.invariant.push_back({"LeaderHasQuorum",
                           forall({t, c}, implies(v(leader, {t, c}), exists({q}, forall({x}, implies(v(member, {x, q}), v(voted, {x, t, c})))))),
                           "a leader of term t had the votes of a quorum in t"});
  }
  {
    const Var t = v.var("t", term), c1 = v.var("c1", node), c2 = v.var("c2", node);
    p.safety.push_back({"ElectionSafety", forall({t, c1, c2}, implies(v(leader, {t, c1}) && v(leader, {t, c2}), eq(c1, c2))),
                        "at most one leader per term (RAFT-ElectionSafety)"});
  }
  return p;
}

}  // namespace lockstep::proofs
