#include "spec/proofs/replica_apply.hpp"

namespace lockstep::proofs {

Protocol replica_apply_protocol() {
  Protocol p;
  p.name = "replica-apply";
  p.description = "replicas apply the chosen slots in order, from the first, and never roll back while they live";
  Vocabulary& v = p.vocabulary;
  const int node = v.sort("node"), slot = v.sort("slot", true), entry = v.sort("entry");
  const int chosen = v.relation("chosen", {slot, entry});
  const int applied = v.relation("applied", {node, slot});
  const int down = v.relation("down", {node});
  const auto P = [&](int relation, const std::vector<Var>& args) { return v.primed(relation, args); };
  {
    const Var n = v.var("n", node), s = v.var("s", slot), e = v.var("e", entry);
    p.init = forall({s, e}, !v(chosen, {s, e})) && forall({n, s}, !v(applied, {n, s})) && forall({n}, !v(down, {n}));
  }
  // Node n's applied prefix after the step, every other node's as before: each slot chosen, each
  // with every slot before it; with `grows`, everything n applied before is still applied.
  const auto applies = [&](const Var& n, bool grows) {
    const Var m = v.var("m", node), s = v.var("s", slot), t = v.var("t", slot), e = v.var("e", entry);
    F f = forall({s}, implies(P(applied, {n, s}), exists({e}, P(chosen, {s, e})) && forall({t}, implies(le(t, s), P(applied, {n, t}))))) &&
          forall({m, s}, implies(neq(m, n), iff(P(applied, {m, s}), v(applied, {m, s}))));
    if (grows) f = f && forall({s}, implies(v(applied, {n, s}), P(applied, {n, s})));
    return f;
  };
  {
    const Var n = v.var("n", node), s = v.var("s", slot), e = v.var("e", entry), d = v.var("d", entry);
    const F newly = P(chosen, {s, e}) && !v(chosen, {s, e});
    const F chosen_grows = forall({s, e}, implies(v(chosen, {s, e}), P(chosen, {s, e}))) &&
                           forall({s, e, d}, implies(newly, !v(chosen, {s, d}))) &&
                           forall({s, e, d}, implies(newly && P(chosen, {s, d}), eq(e, d)));
    p.actions.push_back({"Step", {n}, !v(down, {n}) && v.unchanged(down) && chosen_grows && applies(n, true)});
  }
  {
    const Var n = v.var("n", node);
    const F downs = v.define_after(down, [&](const std::vector<Var>& x) { return v(down, x) || eq(x[0], n); });
    const F forgets = v.define_after(applied, [&](const std::vector<Var>& x) { return v(applied, x) && neq(x[0], n); });
    p.actions.push_back({"Crash", {n}, !v(down, {n}) && downs && forgets && v.unchanged(chosen)});
  }
  {
    const Var n = v.var("n", node);
    const F ups = v.define_after(down, [&](const std::vector<Var>& x) { return v(down, x) && neq(x[0], n); });
    p.actions.push_back({"Recover", {n}, v(down, {n}) && ups && v.unchanged(chosen) && applies(n, false)});
  }
  {
    const Var s = v.var("s", slot), e = v.var("e", entry), d = v.var("d", entry);
    p.invariant.push_back({"ChosenOnce", forall({s, e, d}, implies(v(chosen, {s, e}) && v(chosen, {s, d}), eq(e, d))),
                           "one entry is chosen per slot"});
  }
  {
    const Var n = v.var("n", node), s = v.var("s", slot), t = v.var("t", slot), e = v.var("e", entry);
    p.invariant.push_back({"AppliedChosen", forall({n, s}, implies(v(applied, {n, s}), exists({e}, v(chosen, {s, e})))),
                           "a replica applied only chosen slots"});
    p.invariant.push_back({"AppliedPrefix", forall({n, s, t}, implies(v(applied, {n, s}) && le(t, s), v(applied, {n, t}))),
                           "a replica applied every slot before one it applied"});
    p.invariant.push_back({"DownForgets", forall({n, s}, implies(v(down, {n}), !v(applied, {n, s}))),
                           "a crashed replica has applied nothing"});
  }
  {
    const Var n = v.var("n", node), s = v.var("s", slot), t = v.var("t", slot), e = v.var("e", entry), d = v.var("d", entry);
    p.safety.push_back({"AppliedIsAgreed",
                        forall({n, s, t}, implies(v(applied, {n, s}) && le(t, s), exists({e}, v(chosen, {t, e})))) &&
                            forall({t, e, d}, implies(v(chosen, {t, e}) && v(chosen, {t, d}), eq(e, d))),
                        "a replica's applied prefix is a prefix of the agreed log, one entry per slot"});
  }
  return p;
}

}  // namespace lockstep::proofs
