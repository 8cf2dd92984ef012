// What Raft's two abstract protocols (raft_election.cpp, raft_log.cpp) say alike of terms and
// quorums: left(n, t) holds when n's current term is above t.
#pragma once

#include <functional>
#include <string>

#include "spec/proofs/logic.hpp"

namespace lockstep::proofs::raft_terms {

// n's term becomes t: left'(x, u) <-> (x = n ? u < t : left(x, u)).
inline F term_becomes(Vocabulary& v, int left, const Var& n, const Var& t) {
  return v.define_after(left, [&](const std::vector<Var>& x) {
    return (eq(x[0], n) && lt(x[1], t)) || (neq(x[0], n) && v(left, {x[0], x[1]}));
  });
}

// n's current term is t: n left every term below t and not t.
inline F at_term(Vocabulary& v, int left, int term_sort, const Var& n, const Var& t) {
  const Var u = v.var("u", term_sort);
  return !v(left, {n, t}) && forall({u}, implies(lt(u, t), v(left, {n, u})));
}

inline F left_downward_closed(Vocabulary& v, int left, int node_sort, int term_sort) {
  const Var n = v.var("n", node_sort), t = v.var("t", term_sort), u = v.var("u", term_sort);
  return forall({n, t, u}, implies(v(left, {n, t}) && lt(u, t), v(left, {n, u})));
}

inline F quorum_intersection(Vocabulary& v, int member, int node_sort, int quorum_sort) {
  const Var q1 = v.var("Q1", quorum_sort), q2 = v.var("Q2", quorum_sort), n = v.var("n", node_sort);
  return forall({q1, q2}, exists({n}, v(member, {n, q1}) && v(member, {n, q2})));
}

// Some quorum whose members all satisfy `each`.
inline F some_quorum(Vocabulary& v, int member, int node_sort, int quorum_sort, const std::function<F(const Var&)>& each) {
  const Var q = v.var("Q", quorum_sort), x = v.var("x", node_sort);
  return exists({q}, forall({x}, implies(v(member, {x, q}), each(x))));
}

// What both Raft builders declare first: the sorts, member(node, quorum) (any two quorums
// intersect, an axiom), leader(term, node) and left(node, term).
class RaftBuilderBase {
 protected:
  explicit RaftBuilderBase(Protocol& p) : p_(p), v_(p.vocabulary) {
    node_ = v_.sort("node");
    term_ = v_.sort("term", true);
    index_ = v_.sort("index", true);
    quorum_ = v_.sort("quorum");
    member_ = v_.relation("member", {node_, quorum_}, true);
    leader_ = v_.relation("leader", {term_, node_});
    left_ = v_.relation("left", {node_, term_});
    p_.axioms.push_back({"QuorumIntersection", quorum_intersection(v_, member_, node_, quorum_), "any two quorums share a member"});
  }
  Var var(const std::string& name, int sort) { return v_.var(name, sort); }
  F leader(const Var& t, const Var& c) { return v_(leader_, {t, c}); }
  F left(const Var& n, const Var& t) { return v_(left_, {n, t}); }

  Protocol& p_;
  Vocabulary& v_;
  int node_ = -1, term_ = -1, index_ = -1, quorum_ = -1;
  int member_ = -1, leader_ = -1, left_ = -1;
};

// At most one leader per term.
inline F one_leader_per_term(Vocabulary& v, int leader, int node_sort, int term_sort) {
  const Var t = v.var("t", term_sort), c1 = v.var("c1", node_sort), c2 = v.var("c2", node_sort);
  return forall({t, c1, c2}, implies(v(leader, {t, c1}) && v(leader, {t, c2}), eq(c1, c2)));
}

}  // namespace lockstep::proofs::raft_terms
