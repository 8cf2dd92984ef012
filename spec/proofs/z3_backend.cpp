#include "spec/proofs/z3_backend.hpp"

#include <z3++.h>

#include <algorithm>
#include <chrono>
#include <map>

namespace lockstep::proofs {

std::string result_name(Verdict::Result result) {
  switch (result) {
    case Verdict::Result::proved: return "proved";
    case Verdict::Result::refuted: return "refuted";
    case Verdict::Result::unknown: return "unknown";
  }
  return "unknown";
}

namespace {

class Translator {
 public:
  Translator(z3::context& ctx, const Vocabulary& vocabulary) : ctx_(ctx), vocabulary_(vocabulary) {
    for (const Sort& s : vocabulary.sorts()) sorts_.push_back(ctx.uninterpreted_sort(s.name.c_str()));
    for (std::size_t s = 0; s < sorts_.size(); ++s) {
      lt_.push_back(ctx.function(("lt_" + vocabulary.sorts()[s].name).c_str(), sorts_[s], sorts_[s], ctx.bool_sort()));
    }
    for (const Relation& r : vocabulary.relations()) {
      z3::sort_vector domain(ctx);
      for (int s : r.sorts) domain.push_back(sorts_[static_cast<std::size_t>(s)]);
      before_.push_back(ctx.function(r.name.c_str(), domain, ctx.bool_sort()));
      after_.push_back(r.fixed ? before_.back() : ctx.function((r.name + "'").c_str(), domain, ctx.bool_sort()));
    }
  }

  // A strict total order on every ordered sort.
  std::vector<z3::expr> order_axioms() {
    std::vector<z3::expr> out;
    for (std::size_t s = 0; s < sorts_.size(); ++s) {
      if (!vocabulary_.sorts()[s].ordered) continue;
      const z3::expr x = ctx_.constant("ox", sorts_[s]), y = ctx_.constant("oy", sorts_[s]), z = ctx_.constant("oz", sorts_[s]);
      const z3::func_decl& lt = lt_[s];
      out.push_back(z3::forall(x, !lt(x, x)));
      out.push_back(z3::forall(x, y, z, z3::implies(lt(x, y) && lt(y, z), lt(x, z))));
      out.push_back(z3::forall(x, y, lt(x, y) || x == y || lt(y, x)));
    }
    return out;
  }

  z3::expr translate(const F& f) { return tr(*f); }

  // The constant standing for a free variable (created on first use).
  z3::expr free(const Var& v) {
    auto it = free_.find(v.id);
    if (it == free_.end()) {
      it = free_.emplace(v.id, ctx_.constant((v.name + "!" + std::to_string(v.id)).c_str(), sorts_[static_cast<std::size_t>(v.sort)])).first;
    }
    return it->second;
  }
  const std::map<int, z3::expr>& free_variables() const { return free_; }
  const z3::sort& sort(int s) const { return sorts_[static_cast<std::size_t>(s)]; }
  const z3::func_decl& lt(int s) const { return lt_[static_cast<std::size_t>(s)]; }
  const z3::func_decl& relation(int r, bool after) const { return (after ? after_ : before_)[static_cast<std::size_t>(r)]; }

 private:
  z3::expr var(const Var& v) {
    const auto it = bound_.find(v.id);
    if (it != bound_.end() && !it->second.empty()) return it->second.back();
    return free(v);
  }

  z3::expr tr(const Node& n) {
    switch (n.kind) {
      case Node::truth: return ctx_.bool_val(true);
      case Node::falsity: return ctx_.bool_val(false);
      case Node::rel: {
        z3::expr_vector args(ctx_);
        for (const Var& v : n.args) args.push_back(var(v));
        return relation(n.relation, n.primed)(args);
      }
      case Node::eq: return var(n.args[0]) == var(n.args[1]);
      case Node::lt: return lt(n.args[0].sort)(var(n.args[0]), var(n.args[1]));
      case Node::negation: return !tr(*n.children[0]);
      case Node::conjunction: return tr(*n.children[0]) && tr(*n.children[1]);
      case Node::disjunction: return tr(*n.children[0]) || tr(*n.children[1]);
      case Node::implication: return z3::implies(tr(*n.children[0]), tr(*n.children[1]));
      case Node::equivalence: return tr(*n.children[0]) == tr(*n.children[1]);
      case Node::forall:
      case Node::exists: {
        z3::expr_vector vars(ctx_);
        for (const Var& v : n.args) {
          const z3::expr c = ctx_.constant((v.name + "_" + std::to_string(++fresh_)).c_str(), sorts_[static_cast<std::size_t>(v.sort)]);
          bound_[v.id].push_back(c);
          vars.push_back(c);
        }
        const z3::expr body = tr(*n.children[0]);
        for (const Var& v : n.args) bound_[v.id].pop_back();
        return n.kind == Node::forall ? z3::forall(vars, body) : z3::exists(vars, body);
      }
    }
    return ctx_.bool_val(false);
  }

  z3::context& ctx_;
  const Vocabulary& vocabulary_;
  std::vector<z3::sort> sorts_;
  std::vector<z3::func_decl> lt_;
  std::vector<z3::func_decl> before_;
  std::vector<z3::func_decl> after_;
  std::map<int, std::vector<z3::expr>> bound_;
  std::map<int, z3::expr> free_;
  int fresh_ = 0;
};

// The elements of `sort` in the model (its universe), in the sort's order when it has one.
std::vector<z3::expr> universe(z3::context& ctx, const z3::model& model, Translator& t, int sort, bool ordered) {
  std::vector<z3::expr> out;
  const unsigned sorts = Z3_model_get_num_sorts(ctx, model);
  for (unsigned i = 0; i < sorts; ++i) {
    if (z3::sort(ctx, Z3_model_get_sort(ctx, model, i)).id() != t.sort(sort).id()) continue;
    const z3::expr_vector elements(ctx, Z3_model_get_sort_universe(ctx, model, t.sort(sort)));
    for (unsigned e = 0; e < elements.size(); ++e) out.push_back(elements[e]);
  }
  if (out.empty()) out.push_back(ctx.constant("any", t.sort(sort)));  // a sort the formulas never needed
  if (ordered) {
    std::stable_sort(out.begin(), out.end(), [&](const z3::expr& a, const z3::expr& b) {
      return model.eval(t.lt(sort)(a, b), true).is_true();
    });
  }
  return out;
}

// Reads Z3's model into a Structure (relations before and after), and the free variables' elements.
Structure read_model(z3::context& ctx, const z3::model& model, Translator& t, const Vocabulary& vocabulary,
                     std::vector<int>& free) {
  std::vector<std::vector<z3::expr>> elements;
  std::vector<int> sizes;
  for (std::size_t s = 0; s < vocabulary.sorts().size(); ++s) {
    elements.push_back(universe(ctx, model, t, static_cast<int>(s), vocabulary.sorts()[s].ordered));
    sizes.push_back(static_cast<int>(elements.back().size()));
  }
  Structure out(vocabulary, sizes);
  const auto element_of = [&](int sort, const z3::expr& value) {
    const auto& list = elements[static_cast<std::size_t>(sort)];
    for (std::size_t e = 0; e < list.size(); ++e) {
      if (z3::eq(list[e], value)) return static_cast<int>(e);
    }
    return 0;
  };
  for (std::size_t r = 0; r < vocabulary.relations().size(); ++r) {
    const Relation& relation = vocabulary.relations()[r];
    std::vector<int> tuple(relation.sorts.size(), 0);
    for (bool done = false; !done;) {
      z3::expr_vector args(ctx);
      for (std::size_t k = 0; k < tuple.size(); ++k) args.push_back(elements[static_cast<std::size_t>(relation.sorts[k])][static_cast<std::size_t>(tuple[k])]);
      for (const bool after : {false, true}) {
        if (after && relation.fixed) continue;
        const bool value = model.eval(t.relation(static_cast<int>(r), after)(args), true).is_true();
        out.set(static_cast<int>(r), tuple, value, after);
      }
      // the next tuple (an odometer), or done
      for (std::size_t k = tuple.size();;) {
        if (k == 0) {
          done = true;
          break;
        }
        --k;
        if (++tuple[k] < sizes[static_cast<std::size_t>(relation.sorts[k])]) break;
        tuple[k] = 0;
      }
    }
  }
  free.assign(static_cast<std::size_t>(vocabulary.variable_count()), 0);
  for (const auto& [id, constant] : t.free_variables()) {
    const z3::expr value = model.eval(constant, true);
    int sort = -1;
    for (std::size_t s = 0; s < vocabulary.sorts().size(); ++s) {
      if (constant.get_sort().id() == t.sort(static_cast<int>(s)).id()) sort = static_cast<int>(s);
    }
    if (sort >= 0) free[static_cast<std::size_t>(id)] = element_of(sort, value);
  }
  return out;
}

// A counterexample as small as Z3 can make it: every sort limited to k elements, for k = 1, 2, ...
// (up to 8), the first k that still has a model; else the model Z3 first found.
z3::model smallest_model(z3::context& ctx, z3::solver& solver, Translator& t, const Vocabulary& vocabulary) {
  const z3::model found = solver.get_model();
  for (int k = 1; k <= 8; ++k) {
    solver.push();
    for (std::size_t s = 0; s < vocabulary.sorts().size(); ++s) {
      z3::expr_vector elements(ctx);
      for (int e = 0; e < k; ++e) {
        elements.push_back(ctx.constant(("elem_" + vocabulary.sorts()[s].name + std::to_string(e)).c_str(), t.sort(static_cast<int>(s))));
      }
      const z3::expr x = ctx.constant(("all_" + vocabulary.sorts()[s].name).c_str(), t.sort(static_cast<int>(s)));
      z3::expr any = ctx.bool_val(false);
      for (unsigned e = 0; e < elements.size(); ++e) any = any || x == elements[e];
      solver.add(z3::forall(x, any));
    }
    if (solver.check() == z3::sat) {
      const z3::model small = solver.get_model();
      solver.pop();
      return small;
    }
    solver.pop();
  }
  return found;
}

std::string generic_print(const ValidityQuery& query, Structure& structure, const std::vector<int>& free) {
  std::string out;
  const Vocabulary& v = *query.vocabulary;
  for (std::size_t s = 0; s < v.sorts().size(); ++s) {
    out += "  " + v.sorts()[s].name + ": ";
    for (int e = 0; e < structure.size(static_cast<int>(s)); ++e) {
      out += (e ? (v.sorts()[s].ordered ? " < " : ", ") : "") + structure.element_name(static_cast<int>(s), e);
    }
    out += "\n";
  }
  if (!query.shown.empty()) {
    out += "  with";
    for (const Var& p : query.shown) {
      out += " " + p.name + "=" + structure.element_name(p.sort, free[static_cast<std::size_t>(p.id)]);
    }
    out += "\n";
  }
  return out + structure.describe(query.step);
}

}  // namespace

Verdict check_validity(const ValidityQuery& query) {
  const auto start = std::chrono::steady_clock::now();
  Verdict verdict;
  z3::context ctx;
  Translator t(ctx, *query.vocabulary);
  z3::solver solver(ctx);
  z3::params params(ctx);
  params.set("timeout", query.timeout_ms);
  solver.set(params);
  for (const z3::expr& axiom : t.order_axioms()) solver.add(axiom);
  for (const F& h : query.hypotheses) solver.add(t.translate(h));
  solver.add(!t.translate(query.goal));
  for (const Var& p : query.shown) t.free(p);  // named in the model even if no formula needed it
  switch (solver.check()) {
    case z3::unsat:
      verdict.result = Verdict::Result::proved;
      break;
    case z3::sat: {
      verdict.result = Verdict::Result::refuted;
      std::vector<int> free;
      Structure structure = read_model(ctx, smallest_model(ctx, solver, t, *query.vocabulary), t, *query.vocabulary, free);
      // (a protocol's printer names the elements as its model does and adds what it knows to say)
      const std::string header = query.print ? query.print(structure, free) : "";
      verdict.counterexample = header + generic_print(query, structure, free);
      break;
    }
    case z3::unknown:
      verdict.result = Verdict::Result::unknown;
      verdict.counterexample = "  Z3 answered unknown: " + solver.reason_unknown() + "\n";
      break;
  }
  verdict.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return verdict;
}

}  // namespace lockstep::proofs
