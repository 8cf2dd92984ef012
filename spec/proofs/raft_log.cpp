#include "spec/proofs/raft_log.hpp"

#include "spec/proofs/raft_terms.hpp"

namespace lockstep::proofs {

namespace {

class Builder : raft_terms::RaftBuilderBase {
 public:
  explicit Builder(Protocol& p) : RaftBuilderBase(p) {
    log_ = v_.relation("log", {node_, index_, term_});
    sent_ = v_.relation("sent", {term_, index_, index_, index_, term_});
    committed_ = v_.relation("committed", {index_, term_});
    applied_ = v_.relation("applied", {node_, index_, term_});
  }

  void build() {
    {
      const Var n = var("n", node_), i = var("i", index_), u = var("u", term_), t = var("t", term_), p = var("p", index_),
                k = var("k", index_), c = var("c", node_);
      p_.init = forall({n, i, u}, !log(n, i, u)) && forall({t, p, k, i, u}, !sent(t, p, k, i, u)) &&
                forall({t, c}, !v_(leader_, {t, c})) && forall({n, t}, !v_(left_, {n, t})) && forall({i, u}, !v_(committed_, {i, u})) &&
                forall({n, i, u}, !v_(applied_, {n, i, u}));
    }
    actions();
    for (Action& action : p_.actions) action.formula = action.formula && learns_only_committed();
    invariants();
    p_.safety.push_back({"LogMatching", logs_match(), "two logs with an entry of the same index and term agree before it (RAFT-LogMatching)"});
  }

 private:
  F log(const Var& n, const Var& i, const Var& u) { return v_(log_, {n, i, u}); }
  F sent(const Var& t, const Var& p, const Var& k, const Var& j, const Var& u, bool after = false) {
    return after ? v_.primed(sent_, {t, p, k, j, u}) : v_(sent_, {t, p, k, j, u});
  }
  // i is index 0, which holds no entry.
  F zero(const Var& i) {
    const Var j = var("j", index_);
    return forall({j}, !lt(j, i));
  }
  F at_term(const Var& n, const Var& t) { return raft_terms::at_term(v_, left_, term_, n, t); }
  F leading(const Var& l, const Var& t) { return leader(t, l) && at_term(l, t); }

  // Messages in flight are kept whole or vanish whole; `is_new(t, p, k)` names those the step
  // may add (their content is constrained by the action).
  F messages_kept_or_dropped(const std::function<F(const Var&, const Var&, const Var&)>& is_new) {
    const Var t = var("t", term_), p = var("p", index_), k = var("k", index_), j = var("j", index_), u = var("u", term_),
              j2 = var("j", index_), u2 = var("u", term_);
    const F same = forall({j, u}, iff(sent(t, p, k, j, u, true), sent(t, p, k, j, u)));
    const F gone = forall({j2, u2}, !sent(t, p, k, j2, u2, true));
    return forall({t, p, k}, same || gone || is_new(t, p, k));
  }
  F no_message_added() {
    return messages_kept_or_dropped([](const Var&, const Var&, const Var&) { return falsity(); });
  }
  F logs_unchanged_but(const Var& n, const std::function<F(const Var&, const Var&)>& rule) {
    return v_.define_after(log_, [&](const std::vector<Var>& x) {
      return (neq(x[0], n) && log(x[0], x[1], x[2])) || (eq(x[0], n) && rule(x[1], x[2]));
    });
  }
  F commits_through(const Var& l, const Var& k) {
    return v_.define_after(committed_, [&](const std::vector<Var>& x) {
      return v_(committed_, x) || (le(x[0], k) && v_.primed(log_, {l, x[0], x[1]}));
    });
  }
  // Nodes learn of commits (their commit index rises) only over committed entries, and may forget
  // (a restart): applied'(n, i, u) -> applied(n, i, u) | committed'(i, u). build() adds it to
  // every action, since a follower learns the leader's commit index with an AppendEntries, a
  // leader with its own commit, and a restart forgets in a step that changes nothing else.
  F learns_only_committed() {
    const Var n = var("n", node_), i = var("i", index_), u = var("u", term_);
    return forall({n, i, u}, implies(v_.primed(applied_, {n, i, u}), v_(applied_, {n, i, u}) || v_.primed(committed_, {i, u})));
  }
  F quorum_stores(const Var& k, const Var& t, bool after) {
    return raft_terms::some_quorum(v_, member_, node_, quorum_,
                                   [&](const Var& x) { return after ? v_.primed(log_, {x, k, t}) : log(x, k, t); });
  }

  void actions() {
    {
      const Var n = var("n", node_), t = var("t", term_);
      p_.actions.push_back({"UpdateTerm", {n, t},
                            !left(n, t) && raft_terms::term_becomes(v_, left_, n, t) && v_.unchanged(log_) &&
                                v_.unchanged(leader_) && v_.unchanged(committed_) && no_message_added()});
    }
    {
      const Var c = var("c", node_), t = var("t", term_), d = var("d", node_);
      const F leaders = v_.define_after(leader_, [&](const std::vector<Var>& y) { return leader(y[0], y[1]) || (eq(y[0], t) && eq(y[1], c)); });
      p_.actions.push_back({"Elect", {c, t},
                            !left(c, t) && forall({d}, implies(leader(t, d), eq(d, c))) && raft_terms::term_becomes(v_, left_, c, t) &&
                                leaders && v_.unchanged(log_) && v_.unchanged(committed_) && no_message_added()});
    }
    {
      const Var l = var("L", node_), t = var("t", term_), i = var("i", index_), j = var("j", index_), u = var("u", term_),
                w = var("w", term_);
      const F at_end = !zero(i) && forall({j, u}, implies(log(l, j, u), lt(j, i))) &&
                       forall({j}, implies(lt(j, i) && !zero(j), exists({w}, log(l, j, w))));
      const F appended = logs_unchanged_but(l, [&](const Var& x, const Var& y) { return log(l, x, y) || (eq(x, i) && eq(y, t)); });
      const F commits = v_.unchanged(committed_) || (quorum_stores(i, t, true) && commits_through(l, i));
      p_.actions.push_back({"Append", {l, t, i},
                            leading(l, t) && at_end && appended && commits && v_.unchanged(left_) && v_.unchanged(leader_) &&
                                no_message_added()});
    }
    {
      const Var l = var("L", node_), t = var("t", term_);
      // A new message of term t carries entries of L's log, every index from p to k (but 0).
      const auto is_new = [&](const Var& t2, const Var& p, const Var& k) {
        const Var j = var("j", index_), u = var("u", term_), w = var("w", term_);
        const F from_l = forall({j, u}, implies(sent(t2, p, k, j, u, true), le(p, j) && le(j, k) && !zero(j) && log(l, j, u)));
        const F whole = forall({j}, implies(le(p, j) && le(j, k) && !zero(j), exists({w}, sent(t2, p, k, j, w, true))));
        return eq(t2, t) && from_l && whole;
      };
      p_.actions.push_back({"Send", {l, t},
                            leading(l, t) && messages_kept_or_dropped(is_new) && v_.unchanged(log_) && v_.unchanged(left_) &&
                                v_.unchanged(leader_) && v_.unchanged(committed_)});
    }
    {
      const Var n = var("n", node_), t = var("t", term_), p = var("p", index_), k = var("k", index_), u = var("u", term_),
                pt = var("pt", term_), j = var("j", index_), w = var("w", term_);
      const F delivered = exists({u}, sent(t, p, k, k, u));
      const F consistent = zero(p) || exists({pt}, sent(t, p, k, p, pt) && log(n, p, pt));
      const F conflict = exists({j, w}, lt(p, j) && le(j, k) && log(n, j, w) && !sent(t, p, k, j, w));
      const F merged = logs_unchanged_but(n, [&](const Var& x, const Var& y) {
        return (le(x, p) && log(n, x, y)) || (lt(p, x) && le(x, k) && sent(t, p, k, x, y)) || (lt(k, x) && log(n, x, y) && !conflict);
      });
      p_.actions.push_back({"Replicate", {n, t, p, k},
                            !left(n, t) && !leader(t, n) && delivered && consistent && raft_terms::term_becomes(v_, left_, n, t) && merged &&
                                v_.unchanged(leader_) && v_.unchanged(committed_) && no_message_added()});
    }
    {
      const Var l = var("L", node_), t = var("t", term_), k = var("k", index_);
      p_.actions.push_back({"Commit", {l, t, k},
                            leading(l, t) && log(l, k, t) && quorum_stores(k, t, false) && commits_through(l, k) &&
                                v_.unchanged(log_) && v_.unchanged(left_) && v_.unchanged(leader_) && no_message_added()});
    }
  }

  // Two logs with an entry of the same index and term agree before it.
  F logs_match() {
    const Var n = var("n", node_), m = var("m", node_), i = var("i", index_), u = var("u", term_), j = var("j", index_),
              w = var("w", term_);
    return forall({n, m, i, u}, implies(log(n, i, u) && log(m, i, u),
                                        forall({j, w}, implies(lt(j, i), iff(log(n, j, w), log(m, j, w))))));
  }

  void invariants() {
    const auto add = [&](const char* name, F f, const char* description) { p_.invariant.push_back({name, std::move(f), description}); };
    {
      const Var n = var("n", node_), i = var("i", index_), u = var("u", term_), w = var("w", term_);
      add("LogFunctional", forall({n, i, u, w}, implies(log(n, i, u) && log(n, i, w), eq(u, w)) && implies(log(n, i, u), !zero(i))),
          "a log holds one entry per index, none at 0");
    }
    {
      const Var t = var("t", term_), p = var("p", index_), k = var("k", index_), i = var("i", index_), u = var("u", term_),
                w = var("w", term_);
      add("SentFunctional",
          forall({t, p, k, i, u}, implies(sent(t, p, k, i, u), le(p, i) && le(i, k) && !zero(i) &&
                                                                  forall({w}, implies(sent(t, p, k, i, w), eq(u, w))))),
          "a message holds one entry per index, from its previous entry through its last");
    }
    {
      const Var n = var("n", node_), i = var("i", index_), u = var("u", term_), j = var("j", index_), w = var("w", term_);
      add("LogContiguous", forall({n, i, u}, implies(log(n, i, u), forall({j}, implies(lt(j, i) && !zero(j), exists({w}, log(n, j, w)))))),
          "a log has no gaps");
    }
    {
      const Var t = var("t", term_), p = var("p", index_), k = var("k", index_), i = var("i", index_), u = var("u", term_),
                j = var("j", index_), w = var("w", term_);
      add("SentContiguous",
          forall({t, p, k, i, u}, implies(sent(t, p, k, i, u),
                                          forall({j}, implies(le(p, j) && le(j, k) && !zero(j), exists({w}, sent(t, p, k, j, w)))))),
          "a message holds every entry from its previous one through its last");
    }
    add("LogsMatch", logs_match(), "two logs sharing an entry agree before it");
    {
      const Var t = var("t", term_), p = var("p", index_), k = var("k", index_), i = var("i", index_), u = var("u", term_),
                n = var("n", node_), j = var("j", index_), w = var("w", term_);
      add("SentMatchesLog",
          forall({t, p, k, i, u, n}, implies(sent(t, p, k, i, u) && log(n, i, u),
                                             forall({j, w}, implies(lt(j, i) && sent(t, p, k, j, w), log(n, j, w))))),
          "a message and a log sharing an entry agree before it");
    }
    {
      const Var t = var("t", term_), p = var("p", index_), k = var("k", index_), t2 = var("t2", term_), p2 = var("p2", index_),
                k2 = var("k2", index_), i = var("i", index_), u = var("u", term_), j = var("j", index_), w = var("w", term_),
                w2 = var("w2", term_);
      add("SentMatchesSent",
          forall({t, p, k, i, u, t2, p2, k2},
                 implies(sent(t, p, k, i, u) && sent(t2, p2, k2, i, u),
                         forall({j, w, w2}, implies(lt(j, i) && sent(t, p, k, j, w) && sent(t2, p2, k2, j, w2), eq(w, w2))))),
          "two messages sharing an entry agree before it");
    }
    {
      const Var n = var("n", node_), i = var("i", index_), u = var("u", term_), c = var("c", node_), t = var("t", term_),
                p = var("p", index_), k = var("k", index_), d = var("d", node_);
      add("EntriesHaveLeaders",
          forall({n, i, u}, implies(log(n, i, u), exists({c}, leader(u, c)))) &&
              forall({t, p, k, i, u}, implies(sent(t, p, k, i, u), exists({c}, leader(u, c)) && exists({d}, leader(t, d)))),
          "every entry's term, and every message's, had a leader");
    }
    {
      const Var l = var("L", node_), u = var("u", term_), n = var("n", node_), i = var("i", index_), t = var("t", term_),
                p = var("p", index_), k = var("k", index_);
      add("LeaderHasItsEntries",
          forall({l, u}, implies(leader(u, l) && !left(l, u),
                                 forall({n, i}, implies(log(n, i, u), log(l, i, u))) &&
                                     forall({t, p, k, i}, implies(sent(t, p, k, i, u), log(l, i, u))))),
          "a leader still in its term holds every entry of its term, in any log or message");
    }
    add("LeftDownwardClosed", raft_terms::left_downward_closed(v_, left_, node_, term_), "a node that left term t left every term before t");
    {
      const Var l = var("L", node_), t = var("t", term_), u = var("u", term_);
      add("LeadersReachedTheirTerms", forall({l, t, u}, implies(leader(t, l) && lt(u, t), left(l, u))),
          "the leader of t has left every term before t");
    }
    add("OneLeaderPerTerm", raft_terms::one_leader_per_term(v_, leader_, node_, term_), "at most one leader per term");
    {
      const Var n = var("n", node_), i = var("i", index_), u = var("u", term_);
      add("AppliedCommitted", forall({n, i, u}, implies(v_(applied_, {n, i, u}), v_(committed_, {i, u}))),
          "a node's commit index covers only entries a leader committed");
    }
  }

  int log_ = -1, sent_ = -1, committed_ = -1, applied_ = -1;
};

}  // namespace

Protocol raft_log_protocol() {
  Protocol p;
  p.name = "raft-log";
  p.description = "Raft's log replication: entries created by their term's leader, copied by AppendEntries with the previous-entry "
                  "check and conflict truncation, committed when a quorum stores an entry of the leader's term";
  Builder(p).build();
  return p;
}

RaftLogVocabulary raft_log_vocabulary(const Protocol& protocol) {
  const Vocabulary& v = protocol.vocabulary;
  return {v.find_sort("node"),       v.find_sort("term"),      v.find_sort("index"),     v.find_sort("quorum"),
          v.find_relation("member"), v.find_relation("log"),   v.find_relation("sent"),  v.find_relation("leader"),
          v.find_relation("left"),   v.find_relation("committed"), v.find_relation("applied")};
}

}  // namespace lockstep::proofs
