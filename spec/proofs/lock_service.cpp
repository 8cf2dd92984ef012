#include "spec/proofs/lock_service.hpp"

namespace lockstep::proofs {

Protocol lock_service_protocol() {
  Protocol p;
  p.name = "lock-service";
  p.description = "the lock's state machine on an agreed log: one holder at a time, fencing tokens that only grow";
  Vocabulary& v = p.vocabulary;
  const int client = v.sort("client"), token = v.sort("token", true);
  const int holder = v.relation("holder", {client});
  const int granted = v.relation("granted", {client, token});
  {
    const Var c = v.var("c", client), k = v.var("k", token);
    p.init = forall({c}, !v(holder, {c})) && forall({c, k}, !v(granted, {c, k}));
  }
  {
    const Var c = v.var("c", client), k = v.var("k", token), d = v.var("d", client), j = v.var("j", token);
    const F guard = forall({d}, !v(holder, {d})) && forall({d, j}, implies(v(granted, {d, j}), lt(j, k)));
    const F holders = v.define_after(holder, [&](const std::vector<Var>& x) { return eq(x[0], c); });
    const F grants = v.define_after(granted, [&](const std::vector<Var>& x) {
      return v(granted, x) || (eq(x[0], c) && eq(x[1], k));
    });
    p.actions.push_back({"Acquire", {c, k}, guard && holders && grants});
  }
  {
    const Var c = v.var("c", client);
    const F holders = v.define_after(holder, [&](const std::vector<Var>& x) { return v(holder, x) && neq(x[0], c); });
    p.actions.push_back({"Release", {c}, v(holder, {c}) && holders && v.unchanged(granted)});
  }
  {
    const Var c1 = v.var("c1", client), c2 = v.var("c2", client);
    p.invariant.push_back({"AtMostOneHolder", forall({c1, c2}, implies(v(holder, {c1}) && v(holder, {c2}), eq(c1, c2))),
                           "at most one client holds the lock"});
  }
  {
    const Var c1 = v.var("c1", client), c2 = v.var("c2", client), k = v.var("k", token);
    p.invariant.push_back({"TokensUnique", forall({c1, c2, k}, implies(v(granted, {c1, k}) && v(granted, {c2, k}), eq(c1, c2))),
                           "a token is granted once"});
  }
  {
    const Var c = v.var("c", client), k = v.var("k", token), d = v.var("d", client), j = v.var("j", token);
    p.invariant.push_back(
        {"HolderHasNewestToken",
         forall({c}, implies(v(holder, {c}), exists({k}, v(granted, {c, k}) && forall({d, j}, implies(v(granted, {d, j}), le(j, k)))))),
         "the holder's token is the greatest granted"});
  }
  {
    const Var c1 = v.var("c1", client), c2 = v.var("c2", client);
    p.safety.push_back({"MutualExclusion", forall({c1, c2}, implies(v(holder, {c1}) && v(holder, {c2}), eq(c1, c2))),
                        "at most one holder (LOCK-MutualExclusion)"});
  }
  {
    const Var c = v.var("c", client), d = v.var("d", client), k = v.var("k", token), j = v.var("j", token);
    p.safety.push_back({"FencingMonotone",
                        forall({c, d, j}, implies(v(holder, {c}) && v(granted, {d, j}) && neq(d, c),
                                                  exists({k}, v(granted, {c, k}) && lt(j, k)))),
                        "the holder's token is above every other client's (LOCK-FencingMonotone)"});
  }
  return p;
}

}  // namespace lockstep::proofs
