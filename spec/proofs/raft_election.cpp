#include "spec/proofs/raft_election.hpp"

#include "spec/proofs/raft_terms.hpp"

namespace lockstep::proofs {

namespace {

class Builder : raft_terms::RaftBuilderBase {
 public:
  explicit Builder(Protocol& p) : RaftBuilderBase(p) {
    voted_ = v_.relation("voted", {node_, term_, node_});
    asked_ = v_.relation("asked", {node_, term_, index_, term_});
    last_ = v_.relation("last", {node_, index_, term_});
  }

  void build() {
    {
      const Var n = var("n", node_), t = var("t", term_), c = var("c", node_);
      p_.init = forall({n, t, c}, !voted(n, t, c)) && forall({t, c}, !v_(leader_, {t, c})) && forall({n, t}, !left(n, t));
    }
    actions();
    invariants();
    p_.safety.push_back({"ElectionSafety", raft_terms::one_leader_per_term(v_, leader_, node_, term_),
                         "at most one leader per term (RAFT-ElectionSafety)"});
  }

 private:
  F voted(const Var& n, const Var& t, const Var& c) { return v_(voted_, {n, t, c}); }
  // n has no vote in t on record
  F no_vote_in(const Var& n, const Var& t) {
    const Var d = var("d", node_);
    return forall({d}, !voted(n, t, d));
  }
  // n's term becomes t: left'(x, u) <-> (x = n ? u < t : left(x, u))
  F term_becomes(const Var& n, const Var& t) { return raft_terms::term_becomes(v_, left_, n, t); }
  // The records of votes after the step: those before and the new one (`added`, false for none),
  // less any of a term its voter has left by the step's end.
  F votes_after(const std::function<F(const Var&, const Var&, const Var&)>& added) {
    const Var x = var("x", node_), u = var("u", term_), e = var("e", node_);
    const F kept = voted(x, u, e) || added(x, u, e);
    return forall({x, u, e}, implies(v_.primed(voted_, {x, u, e}), kept) &&
                                 implies(kept && !v_.primed(left_, {x, u}), v_.primed(voted_, {x, u, e})));
  }
  F no_vote_added() {
    return votes_after([](const Var&, const Var&, const Var&) { return falsity(); });
  }
  F vote_added(const Var& n, const Var& t, const Var& c) {
    return votes_after([&](const Var& x, const Var& u, const Var& e) { return eq(x, n) && eq(u, t) && eq(e, c); });
  }
  // Some quorum's members all satisfy `each`.
  F some_quorum(const std::function<F(const Var&)>& each) { return raft_terms::some_quorum(v_, member_, node_, quorum_, each); }
  F leaders_after(const Var& t, const Var& c, const F& elected) {
    return v_.define_after(leader_, [&](const std::vector<Var>& y) {
      return v_(leader_, y) || (eq(y[0], t) && eq(y[1], c) && elected);
    });
  }

  void actions() {
    {
      const Var n = var("n", node_), t = var("t", term_);
      p_.actions.push_back({"UpdateTerm", {n, t}, !left(n, t) && term_becomes(n, t) && no_vote_added() && v_.unchanged(leader_)});
    }
    {
      const Var c = var("c", node_), t = var("t", term_);
      const F alone = some_quorum([&](const Var& x) { return eq(x, c); });
      p_.actions.push_back({"Campaign", {c, t},
                            !left(c, t) && no_vote_in(c, t) && term_becomes(c, t) && vote_added(c, t, c) && leaders_after(t, c, alone)});
    }
    {
      const Var n = var("n", node_), t = var("t", term_), c = var("c", node_);
      const Var i = var("i", index_), u = var("u", term_), j = var("j", index_), w = var("w", term_);
      // Section 5.4.1: the request's last entry is of a later term than n's, or of the same term
      // and at least as far.
      const F up_to_date = exists({i, u}, v_(asked_, {c, t, i, u}) &&
                                              forall({j, w}, implies(v_(last_, {n, j, w}), lt(w, u) || (eq(w, u) && le(j, i)))));
      p_.actions.push_back({"Vote", {n, t, c},
                            !left(n, t) && no_vote_in(n, t) && up_to_date && term_becomes(n, t) && vote_added(n, t, c) &&
                                v_.unchanged(leader_)});
    }
    {
      const Var t = var("t", term_), c = var("c", node_);
      const F quorum_voted = some_quorum([&](const Var& x) { return voted(x, t, c); });
      p_.actions.push_back({"BecomeLeader", {t, c},
                            !left(c, t) && quorum_voted && leaders_after(t, c, truth()) && v_.unchanged(left_) && no_vote_added()});
    }
  }

  void invariants() {
    {
      const Var n = var("n", node_), t = var("t", term_), c1 = var("c1", node_), c2 = var("c2", node_);
      p_.invariant.push_back({"OneVotePerTerm", forall({n, t, c1, c2}, implies(voted(n, t, c1) && voted(n, t, c2), eq(c1, c2))),
                              "a node votes for at most one candidate per term"});
    }
    p_.invariant.push_back({"LeftDownwardClosed", raft_terms::left_downward_closed(v_, left_, node_, term_),
                            "a node that left term t left every term before t"});
    {
      const Var t = var("t", term_), c = var("c", node_), d = var("d", node_);
      const F stays = some_quorum([&](const Var& x) {
        return (voted(x, t, c) || left(x, t)) && forall({d}, implies(voted(x, t, d), eq(d, c)));
      });
      p_.invariant.push_back({"LeaderQuorumStays", forall({t, c}, implies(v_(leader_, {t, c}), stays)),
                              "a quorum of the leader's voters keeps its vote for it on record or has left the term, "
                              "and has no other vote in it on record"});
    }
    p_.invariant.push_back({"OneLeaderPerTerm", raft_terms::one_leader_per_term(v_, leader_, node_, term_), "at most one leader per term"});
  }

  int voted_ = -1, asked_ = -1, last_ = -1;
};

}  // namespace

Protocol raft_election_protocol() {
  Protocol p;
  p.name = "raft-election";
  p.description = "Raft's elections: one vote per node and term, on record until the voter leaves the term; a leader needs "
                  "a quorum of votes in its term; a vote needs a log at least as up to date";
  Builder(p).build();
  return p;
}

}  // namespace lockstep::proofs
