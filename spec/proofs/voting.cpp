#include "spec/proofs/voting.hpp"

#include <optional>

namespace lockstep::proofs {

namespace {

// Builds Voting (or its per-slot form) into `p`.
class Builder {
 public:
  Builder(Protocol& p, bool per_slot) : p_(p), v_(p.vocabulary), per_slot_(per_slot) {
    node_ = v_.sort("node");
    ballot_ = v_.sort("ballot", true);
    value_ = v_.sort("value");
    quorum_ = v_.sort("quorum");
    if (per_slot) slot_ = v_.sort("slot");
    member_ = v_.relation("member", {node_, quorum_}, true);
    voted_ = per_slot ? v_.relation("voted", {node_, *slot_, ballot_, value_}) : v_.relation("voted", {node_, ballot_, value_});
    left_ = v_.relation("left", {node_, ballot_});
  }

  void build() {
    const Var q1 = var("Q1", quorum_), q2 = var("Q2", quorum_), n = var("n", node_);
    p_.axioms.push_back({"QuorumIntersection", forall({q1, q2}, exists({n}, member(n, q1) && member(n, q2))),
                         "any two quorums share a member"});
    {
      const Var a = var("a", node_), b = var("b", ballot_), w = var("w", value_);
      const auto s = slot_var();
      p_.init = forall(with_slot({a, b, w}, s), !voted(a, s, b, w)) && forall({a, b}, !v_(left_, {a, b}));
    }
    increase_max_bal();
    vote_for();
    invariants();
    agreement();
  }

 private:
  Var var(const std::string& name, int sort) { return v_.var(name, sort); }
  std::optional<Var> slot_var(const std::string& name = "s") {
    if (!per_slot_) return std::nullopt;
    return v_.var(name, *slot_);
  }
  static std::vector<Var> with_slot(std::vector<Var> vars, const std::optional<Var>& s) {
    if (s) vars.insert(vars.begin(), *s);
    return vars;
  }
  F member(const Var& n, const Var& q) { return v_(member_, {n, q}); }
  F voted(const Var& n, const std::optional<Var>& s, const Var& b, const Var& w, bool after = false) {
    std::vector<Var> args{n, b, w};
    if (s) args.insert(args.begin() + 1, *s);
    return after ? v_.primed(voted_, args) : v_(voted_, args);
  }
  F left(const Var& n, const Var& b) { return v_(left_, {n, b}); }
  // n has not voted at b (in slot s)
  F did_not_vote_at(const Var& n, const std::optional<Var>& s, const Var& b) {
    const Var w = var("w", value_);
    return forall({w}, !voted(n, s, b, w));
  }

  // a's promise (maxBal) becomes b: left'(x, c) <-> (x = a ? c < b : left(x, c))
  F promise_becomes(const Var& a, const Var& b) {
    return v_.define_after(left_, [&](const std::vector<Var>& x) {
      return (eq(x[0], a) && lt(x[1], b)) || (neq(x[0], a) && left(x[0], x[1]));
    });
  }

  void increase_max_bal() {
    const Var a = var("a", node_), b = var("b", ballot_);
    p_.actions.push_back({"IncreaseMaxBal", {a, b}, !left(a, b) && promise_becomes(a, b) && v_.unchanged(voted_)});
  }

  // Some quorum shows v safe at b (in slot s): Voting.tla's ShowsSafeAt.
  F shows_safe_at(const Var& q, const std::optional<Var>& s, const Var& b, const Var& v) {
    const Var x = var("x", node_), c = var("c", ballot_), d = var("d", ballot_), y = var("y", node_), e = var("e", ballot_);
    const F promised_b = forall({x, e}, implies(member(x, q) && lt(e, b), left(x, e)));
    const F voted_v_at_c_none_between = exists(
        {c}, lt(c, b) && exists({y}, member(y, q) && voted(y, s, c, v)) &&
                 forall({x, d}, implies(member(x, q) && lt(c, d) && lt(d, b), did_not_vote_at(x, s, d))));
    const F none_voted_below = forall({x, d}, implies(member(x, q) && lt(d, b), did_not_vote_at(x, s, d)));
    return promised_b && (voted_v_at_c_none_between || none_voted_below);
  }

  void vote_for() {
    if (per_slot_) return vote_for_slots();
    const Var a = var("a", node_), b = var("b", ballot_), v = var("v", value_), q = var("Q", quorum_);
    const std::optional<Var> s;
    const Var c = var("c", node_), w = var("w", value_);
    const F guard = !left(a, b) && did_not_vote_at(a, s, b) &&
                    forall({c, w}, implies(voted(c, s, b, w), eq(w, v))) && exists({q}, shows_safe_at(q, s, b, v));
    const F votes_after = v_.define_after(voted_, [&](const std::vector<Var>& x) {
      return v_(voted_, x) || (eq(x[0], a) && eq(x[1], b) && eq(x[2], v));
    });
    p_.actions.push_back({"VoteFor", {a, b, v}, guard && votes_after && promise_becomes(a, b)});
  }

  // Multi-Paxos's phase 2b: acceptor a votes at ballot b in any number of slots at once (a new
  // leader's Accept for every slot it recovered arrives as one message; its own acceptor takes
  // them in one step). Each new vote (s, w) is one Voting would allow in slot s, and a votes at
  // most one value per slot.
  void vote_for_slots() {
    const Var a = var("a", node_), b = var("b", ballot_);
    const Var s = var("s", *slot_), w = var("w", value_), w2 = var("w2", value_), q = var("Q", quorum_), c = var("c", node_),
              u = var("u", value_);
    const Var x = var("x", node_), t = var("t", *slot_), d = var("d", ballot_), y = var("y", value_);
    const auto new_vote = [&](const Var& slot, const Var& value) { return voted(a, slot, b, value, true) && !voted(a, slot, b, value); };
    const F each_new_vote_allowed = forall(
        {s, w}, implies(new_vote(s, w), did_not_vote_at(a, s, b) && forall({c, u}, implies(voted(c, s, b, u), eq(u, w))) &&
                                            exists({q}, shows_safe_at(q, s, b, w))));
    const F one_value_per_slot = forall({s, w, w2}, implies(new_vote(s, w) && new_vote(s, w2), eq(w, w2)));
    // Votes are only added, and only a's at b.
    const F only_added = forall({x, t, d, y}, implies(voted(x, t, d, y), voted(x, t, d, y, true)) &&
                                                  implies(voted(x, t, d, y, true) && !voted(x, t, d, y), eq(x, a) && eq(d, b)));
    p_.actions.push_back({"VoteFor", {a, b},
                          !left(a, b) && each_new_vote_allowed && one_value_per_slot && only_added && promise_becomes(a, b)});
  }

  void invariants() {
    {
      const Var a1 = var("a1", node_), a2 = var("a2", node_), b = var("b", ballot_), v1 = var("v1", value_), v2 = var("v2", value_);
      const auto s = slot_var();
      p_.invariant.push_back({"OneValuePerBallot",
                              forall(with_slot({a1, a2, b, v1, v2}, s), implies(voted(a1, s, b, v1) && voted(a2, s, b, v2), eq(v1, v2))),
                              "no two acceptors vote for different values at one ballot"});
    }
    {
      const Var a = var("a", node_), b = var("b", ballot_), v = var("v", value_), c = var("c", ballot_), q = var("Q", quorum_),
                x = var("x", node_);
      const auto s = slot_var();
      // SafeAt(b, v): at every c < b, some quorum either voted v at c or can no longer vote at c
      const F none_other_choosable_at_c =
          exists({q}, forall({x}, implies(member(x, q), voted(x, s, c, v) || (left(x, c) && did_not_vote_at(x, s, c)))));
      p_.invariant.push_back({"VotesSafe",
                              forall(with_slot({a, b, v, c}, s), implies(voted(a, s, b, v) && lt(c, b), none_other_choosable_at_c)),
                              "a vote for v at b means no other value is or can be chosen at a lower ballot"});
    }
    {
      const Var a = var("a", node_), c = var("c", ballot_), d = var("d", ballot_);
      p_.invariant.push_back({"LeftDownwardClosed", forall({a, c, d}, implies(left(a, d) && lt(c, d), left(a, c))),
                              "a promise above d is above every ballot below d"});
    }
    {
      const Var a = var("a", node_), b = var("b", ballot_), v = var("v", value_), c = var("c", ballot_);
      const auto s = slot_var();
      p_.invariant.push_back({"PromiseCoversVotes",
                              forall(with_slot({a, b, v, c}, s), implies(voted(a, s, b, v) && lt(c, b), left(a, c))),
                              "the durable promise is never below the accepted ballot"});
    }
  }

  void agreement() {
    const Var b1 = var("b1", ballot_), b2 = var("b2", ballot_), v1 = var("v1", value_), v2 = var("v2", value_),
              q1 = var("Q1", quorum_), q2 = var("Q2", quorum_), x = var("x", node_), y = var("y", node_);
    const auto s = slot_var();
    const F chosen1 = exists({b1, q1}, forall({x}, implies(member(x, q1), voted(x, s, b1, v1))));
    const F chosen2 = exists({b2, q2}, forall({y}, implies(member(y, q2), voted(y, s, b2, v2))));
    p_.safety.push_back({per_slot_ ? "AgreementPerSlot" : "Agreement",
                         forall(with_slot({v1, v2}, s), implies(chosen1 && chosen2, eq(v1, v2))),
                         per_slot_ ? "at most one value is chosen in each slot" : "at most one value is chosen"});
  }

  Protocol& p_;
  Vocabulary& v_;
  bool per_slot_;
  int node_ = -1, ballot_ = -1, value_ = -1, quorum_ = -1;
  std::optional<int> slot_;
  int member_ = -1, voted_ = -1, left_ = -1;
};

}  // namespace

Protocol voting_protocol(bool per_slot) {
  Protocol p;
  p.name = per_slot ? "multipaxos-voting" : "paxos-voting";
  p.description = per_slot ? "Voting per slot under one promise per acceptor: what Multi-Paxos refines"
                           : "Lamport's Voting: what single-decree Paxos refines";
  Builder(p, per_slot).build();
  return p;
}

VotingVocabulary voting_vocabulary(const Protocol& protocol) {
  const Vocabulary& v = protocol.vocabulary;
  const auto sort = [&](const char* name) { return v.find_sort(name); };
  return {sort("node"), sort("ballot"), sort("value"), sort("quorum"),
          v.find_relation("member"), v.find_relation("voted"), v.find_relation("left")};
}

Structure voting_structure(const Protocol& protocol, const VotingVocabulary& v, std::vector<int> sizes, int nodes, int ballots,
                           const std::vector<std::vector<int>>& quorums) {
  sizes[static_cast<std::size_t>(v.node)] = nodes;
  sizes[static_cast<std::size_t>(v.ballot)] = ballots;
  sizes[static_cast<std::size_t>(v.quorum)] = static_cast<int>(quorums.size());
  Structure out(protocol.vocabulary, std::move(sizes));
  for (std::size_t q = 0; q < quorums.size(); ++q) {
    for (int n : quorums[q]) out.set(v.member, {n, static_cast<int>(q)}, true);
  }
  return out;
}

}  // namespace lockstep::proofs
