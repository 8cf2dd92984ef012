#include "spec/proofs/lock_clients.hpp"

namespace lockstep::proofs {

namespace {

struct LockClientsVocabulary {
  int client, token, node, request, position;
  int holder, granted, took, has, believes, highest, below, down, held, last;
};

// Every tuple of `relation` over `sorts` is as before (the relation is unchanged) except those
// whose first element is `n` (for the replicas' relations), which `rule` gives.
F unchanged_except(Vocabulary& v, int relation, const Var& n, const std::function<F(const std::vector<Var>&)>& rule) {
  return v.define_after(relation, [&](const std::vector<Var>& x) { return (eq(x[0], n) && rule(x)) || (neq(x[0], n) && v(relation, x)); });
}

}  // namespace

Protocol lock_clients_protocol() {
  Protocol p;
  p.name = "lock-clients";
  p.description =
      "the lock with its clients, replicas and fenced resource over an agreed log: beliefs only of real grants, "
      "replica tables of granted tokens only moving forward, writes fenced, each request taking effect once";
  Vocabulary& v = p.vocabulary;
  LockClientsVocabulary s{};
  s.client = v.sort("client");
  s.token = v.sort("token", true);
  s.node = v.sort("node");
  s.request = v.sort("request");
  s.position = v.sort("position", true);
  s.holder = v.relation("holder", {s.client});
  s.granted = v.relation("granted", {s.client, s.token});
  s.took = v.relation("took", {s.request, s.position});
  s.has = v.relation("has", {s.client, s.token});
  s.believes = v.relation("believes", {s.client, s.token});
  s.highest = v.relation("highest", {s.token});
  s.below = v.relation("below", {s.token});
  s.down = v.relation("down", {s.node});
  s.held = v.relation("held", {s.node, s.client});
  s.last = v.relation("last", {s.node, s.token});

  const auto c_ = [&](const char* name) { return v.var(name, s.client); };
  const auto k_ = [&](const char* name) { return v.var(name, s.token); };
  const auto n_ = [&](const char* name) { return v.var(name, s.node); };
  const auto r_ = [&](const char* name) { return v.var(name, s.request); };
  const auto p_ = [&](const char* name) { return v.var(name, s.position); };
  const auto P = [&](int relation, const std::vector<Var>& args) { return v.primed(relation, args); };

  {
    const Var c = c_("c"), k = k_("k"), n = n_("n"), r = r_("r"), q = p_("q");
    p.init = forall({c}, !v(s.holder, {c})) && forall({c, k}, !v(s.granted, {c, k}) && !v(s.has, {c, k}) && !v(s.believes, {c, k})) &&
             forall({r, q}, !v(s.took, {r, q})) && forall({k}, !v(s.highest, {k}) && !v(s.below, {k})) &&
             forall({n}, !v(s.down, {n})) && forall({n, c}, !v(s.held, {n, c})) && forall({n, k}, !v(s.last, {n, k}));
  }

  // The agreed table advances by some run of Acquire and Release (lock-service's actions): grants
  // only added, each new token above every earlier one and used once; the holder after is the
  // client of the newest grant, and one granted before only if it held the lock throughout.
  // Requests take effect at new positions (after every earlier one), each at most once.
  const F agreed_advances = [&] {
    const Var c = c_("c"), d = c_("d"), k = k_("k"), j = k_("j");
    const Var r = r_("r"), t = r_("t"), a = p_("a"), b = p_("b");
    const F new_grant = P(s.granted, {c, k}) && !v(s.granted, {c, k});
    const F new_effect = P(s.took, {r, a}) && !v(s.took, {r, a});
    return forall({c, k}, implies(v(s.granted, {c, k}), P(s.granted, {c, k}))) &&
           forall({c, k, d, j}, implies(new_grant && v(s.granted, {d, j}), lt(j, k))) &&
           forall({c, k, d}, implies(new_grant && P(s.granted, {d, k}), eq(c, d))) &&
           forall({c}, implies(P(s.holder, {c}), exists({k}, P(s.granted, {c, k}) &&
                                                                  forall({d, j}, implies(P(s.granted, {d, j}), le(j, k))) &&
                                                                  implies(v(s.granted, {c, k}), v(s.holder, {c}))))) &&
           forall({c, d}, implies(P(s.holder, {c}) && P(s.holder, {d}), eq(c, d))) &&
           forall({r, a}, implies(v(s.took, {r, a}), P(s.took, {r, a}))) &&
           forall({r, a, b}, implies(new_effect, !v(s.took, {r, b}))) &&
           forall({r, a, b}, implies(new_effect && P(s.took, {r, b}) && !v(s.took, {r, b}), eq(a, b))) &&
           forall({r, a, t, b}, implies(new_effect && v(s.took, {t, b}), lt(b, a)));
  }();
  const F agreed_unchanged = v.unchanged(s.holder) && v.unchanged(s.granted) && v.unchanged(s.took);

  // What clients learn from a node's step: a new token comes with a belief, of a grant the agreed
  // table holds for the client, and replaces none; a belief ends exactly when the agreed table
  // releases its client (its session expired), a token only then (a paused client keeps it).
  const F clients_learn = [&] {
    const Var c = c_("c"), k = k_("k"), j = k_("j");
    return forall({c, k}, implies(P(s.has, {c, k}) && !v(s.has, {c, k}),
                                  P(s.believes, {c, k}) && P(s.holder, {c}) && P(s.granted, {c, k}))) &&
           forall({c, k, j}, implies(P(s.has, {c, k}) && !v(s.has, {c, k}) && P(s.has, {c, j}), eq(j, k))) &&
           forall({c, k}, implies(P(s.believes, {c, k}) && !v(s.believes, {c, k}), P(s.has, {c, k}) && P(s.holder, {c}))) &&
           forall({c, k}, implies(v(s.believes, {c, k}), iff(P(s.believes, {c, k}), P(s.holder, {c})))) &&
           forall({c, k}, implies(v(s.has, {c, k}) && P(s.holder, {c}), P(s.has, {c, k})));
  }();
  const F clients_unchanged = v.unchanged(s.has) && v.unchanged(s.believes);
  const F resource_unchanged = v.unchanged(s.highest) && v.unchanged(s.below);

  // Node n's own table after the step: of a grant the agreed table made, at most one holder and
  // one last token; with `forward`, its last token not below the one before.
  const auto table_of = [&](const Var& n, bool forward) {
    const Var c = c_("c"), d = c_("d"), k = k_("k"), j = k_("j");
    F f = forall({c, k}, implies(P(s.held, {n, c}) && P(s.last, {n, k}), P(s.granted, {c, k}))) &&
          forall({c}, implies(P(s.held, {n, c}), exists({k}, P(s.last, {n, k})))) &&
          forall({c, d}, implies(P(s.held, {n, c}) && P(s.held, {n, d}), eq(c, d))) &&
          forall({k, j}, implies(P(s.last, {n, k}) && P(s.last, {n, j}), eq(k, j)));
    if (forward) f = f && forall({k}, implies(v(s.last, {n, k}), exists({j}, P(s.last, {n, j}) && le(k, j))));
    const Var m = n_("m"), e = c_("e"), i = k_("i");
    return f && forall({m, e}, implies(neq(m, n), iff(P(s.held, {m, e}), v(s.held, {m, e})))) &&
           forall({m, i}, implies(neq(m, n), iff(P(s.last, {m, i}), v(s.last, {m, i}))));
  };

  {
    const Var n = n_("n");
    p.actions.push_back({"Apply", {n},
                         !v(s.down, {n}) && v.unchanged(s.down) && agreed_advances && table_of(n, true) && clients_learn &&
                             resource_unchanged});
  }
  {
    const Var n = n_("n");
    const F downs = v.define_after(s.down, [&](const std::vector<Var>& x) { return v(s.down, x) || eq(x[0], n); });
    const F forgets = unchanged_except(v, s.held, n, [](const std::vector<Var>&) { return falsity(); }) &&
                      unchanged_except(v, s.last, n, [](const std::vector<Var>&) { return falsity(); });
    p.actions.push_back({"Crash", {n}, !v(s.down, {n}) && downs && forgets && agreed_unchanged && clients_unchanged && resource_unchanged});
  }
  {
    const Var n = n_("n");
    const F ups = v.define_after(s.down, [&](const std::vector<Var>& x) { return v(s.down, x) && neq(x[0], n); });
    p.actions.push_back({"Recover", {n},
                         v(s.down, {n}) && ups && agreed_unchanged && table_of(n, false) && clients_unchanged && resource_unchanged});
  }
  const auto leaves = [&](const Var& c) {
    return v.define_after(s.has, [&](const std::vector<Var>& x) { return v(s.has, x) && neq(x[0], c); }) &&
           v.define_after(s.believes, [&](const std::vector<Var>& x) { return v(s.believes, x) && neq(x[0], c); });
  };
  const F replicas_unchanged = v.unchanged(s.down) && v.unchanged(s.held) && v.unchanged(s.last);
  {
    const Var c = c_("c"), k = k_("k"), j = k_("j");
    const F fenced = forall({j}, implies(v(s.highest, {j}), le(j, k)));
    const F raises = v.define_after(s.highest, [&](const std::vector<Var>& x) { return eq(x[0], k); });
    p.actions.push_back({"WriteAccepted", {c, k},
                         v(s.has, {c, k}) && fenced && raises && v.unchanged(s.below) && leaves(c) && agreed_unchanged &&
                             replicas_unchanged});
  }
  {
    const Var c = c_("c"), k = k_("k"), j = k_("j");
    p.actions.push_back({"WriteRejected", {c, k},
                         v(s.has, {c, k}) && exists({j}, v(s.highest, {j}) && lt(k, j)) && resource_unchanged && leaves(c) &&
                             agreed_unchanged && replicas_unchanged});
  }

  const auto conjunct = [&](std::string name, F f, std::string description) {
    p.invariant.push_back({std::move(name), std::move(f), std::move(description)});
  };
  {
    const Var c1 = c_("c1"), c2 = c_("c2"), k = k_("k"), d = c_("d"), j = k_("j"), c = c_("c");
    conjunct("AtMostOneHolder", forall({c1, c2}, implies(v(s.holder, {c1}) && v(s.holder, {c2}), eq(c1, c2))),
             "at most one client holds the lock in the agreed table");
    conjunct("TokensUnique", forall({c1, c2, k}, implies(v(s.granted, {c1, k}) && v(s.granted, {c2, k}), eq(c1, c2))),
             "a token is granted once");
    conjunct("HolderHasNewestToken",
             forall({c}, implies(v(s.holder, {c}), exists({k}, v(s.granted, {c, k}) &&
                                                                    forall({d, j}, implies(v(s.granted, {d, j}), le(j, k)))))),
             "the holder's token is the greatest granted");
  }
  {
    const Var c = c_("c"), k = k_("k"), j = k_("j");
    conjunct("BelieverHolds", forall({c, k}, implies(v(s.believes, {c, k}), v(s.holder, {c}) && v(s.has, {c, k}))),
             "a client with a valid lease holds the lock in the agreed table");
    conjunct("TokensWereGranted", forall({c, k}, implies(v(s.has, {c, k}), v(s.granted, {c, k}))),
             "a client's token was granted to it");
    conjunct("OneTokenPerClient", forall({c, k, j}, implies(v(s.has, {c, k}) && v(s.has, {c, j}), eq(k, j))),
             "a client in its critical section has one token");
  }
  {
    const Var n = n_("n"), c = c_("c"), d = c_("d"), k = k_("k"), j = k_("j");
    conjunct("ReplicaTablesGranted", forall({n, c, k}, implies(v(s.held, {n, c}) && v(s.last, {n, k}), v(s.granted, {c, k}))),
             "a replica's holder has a token the agreed table granted it");
    conjunct("ReplicaHolderHasToken", forall({n, c}, implies(v(s.held, {n, c}), exists({k}, v(s.last, {n, k})))),
             "a replica's holder has a token");
    conjunct("ReplicaTableFunctional",
             forall({n, c, d}, implies(v(s.held, {n, c}) && v(s.held, {n, d}), eq(c, d))) &&
                 forall({n, k, j}, implies(v(s.last, {n, k}) && v(s.last, {n, j}), eq(k, j))),
             "a replica's table has one holder and one last token");
    conjunct("DownNodeForgets", forall({n, c, k}, implies(v(s.down, {n}), !v(s.held, {n, c}) && !v(s.last, {n, k}))),
             "a crashed replica has no table");
  }
  {
    const Var k = k_("k"), j = k_("j"), r = r_("r"), a = p_("a"), b = p_("b");
    conjunct("HighestIsOne", forall({k, j}, implies(v(s.highest, {k}) && v(s.highest, {j}), eq(k, j))),
             "the resource remembers one highest token");
    conjunct("NoWriteBelow", forall({k}, !v(s.below, {k})), "the resource accepted no write below a token it had accepted");
    conjunct("EffectOnce", forall({r, a, b}, implies(v(s.took, {r, a}) && v(s.took, {r, b}), eq(a, b))),
             "a request took effect at one position");
  }
  {
    const Var c1 = c_("c1"), c2 = c_("c2"), k1 = k_("k1"), k2 = k_("k2");
    p.safety.push_back({"MutualExclusion",
                        forall({c1, c2, k1, k2}, implies(v(s.believes, {c1, k1}) && v(s.believes, {c2, k2}), eq(c1, c2))),
                        "no two clients with valid leases hold the lock (LOCK-MutualExclusion)"});
  }
  {
    const Var c = c_("c"), d = c_("d"), k = k_("k"), j = k_("j");
    p.safety.push_back({"FencingMonotone",
                        forall({c, d, j}, implies(v(s.holder, {c}) && v(s.granted, {d, j}) && neq(d, c),
                                                  exists({k}, v(s.granted, {c, k}) && lt(j, k)))),
                        "the holder's token is above every other client's (LOCK-FencingMonotone)"});
  }
  {
    const Var k = k_("k");
    p.safety.push_back({"ResourceSafety", forall({k}, !v(s.below, {k})),
                        "the resource never accepted a write below a token it had accepted (LOCK-ResourceSafety)"});
  }
  {
    const Var r = r_("r"), a = p_("a"), b = p_("b");
    p.safety.push_back({"ExactlyOnce", forall({r, a, b}, implies(v(s.took, {r, a}) && v(s.took, {r, b}), eq(a, b))),
                        "a request takes effect at one log position (LOCK-ExactlyOnce)"});
  }
  return p;
}

}  // namespace lockstep::proofs
