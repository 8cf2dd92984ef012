#include "spec/proofs/logic.hpp"

#include <stdexcept>

namespace lockstep::proofs {

namespace {

F make(Node node) { return F(std::make_shared<const Node>(std::move(node))); }

F binary(Node::Kind kind, const F& a, const F& b) {
  Node node;
  node.kind = kind;
  node.children = {a, b};
  return make(std::move(node));
}

F quantified(Node::Kind kind, const std::vector<Var>& vars, const F& body) {
  if (vars.empty()) return body;
  Node node;
  node.kind = kind;
  node.args = vars;
  node.children = {body};
  return make(std::move(node));
}

}  // namespace

static F constant(Node::Kind kind) {
  Node node;
  node.kind = kind;
  return make(std::move(node));
}

F truth() { return constant(Node::truth); }
F falsity() { return constant(Node::falsity); }

// a = b or a < b: two variables of one sort.
static F comparison(Node::Kind kind, const char* what, const Var& a, const Var& b) {
  if (a.sort != b.sort) throw std::logic_error(std::string(what) + ": " + a.name + " and " + b.name + " are of different sorts");
  Node node;
  node.kind = kind;
  node.args = {a, b};
  return make(std::move(node));
}

F eq(const Var& a, const Var& b) { return comparison(Node::eq, "eq", a, b); }
F neq(const Var& a, const Var& b) { return !eq(a, b); }
F lt(const Var& a, const Var& b) { return comparison(Node::lt, "lt", a, b); }

F le(const Var& a, const Var& b) { return lt(a, b) || eq(a, b); }

F operator!(const F& f) {
  Node node;
  node.kind = Node::negation;
  node.children = {f};
  return make(std::move(node));
}

F operator&&(const F& a, const F& b) { return binary(Node::conjunction, a, b); }
F operator||(const F& a, const F& b) { return binary(Node::disjunction, a, b); }
F implies(const F& a, const F& b) { return binary(Node::implication, a, b); }
F iff(const F& a, const F& b) { return binary(Node::equivalence, a, b); }

F all_of(const std::vector<F>& fs) {
  if (fs.empty()) return truth();
  F out = fs.front();
  for (std::size_t i = 1; i < fs.size(); ++i) out = out && fs[i];
  return out;
}

F any_of(const std::vector<F>& fs) {
  if (fs.empty()) return falsity();
  F out = fs.front();
  for (std::size_t i = 1; i < fs.size(); ++i) out = out || fs[i];
  return out;
}

F forall(const std::vector<Var>& vars, const F& body) { return quantified(Node::forall, vars, body); }
F exists(const std::vector<Var>& vars, const F& body) { return quantified(Node::exists, vars, body); }

int Vocabulary::sort(std::string name, bool ordered) {
  sorts_.push_back({std::move(name), ordered});
  return static_cast<int>(sorts_.size()) - 1;
}

int Vocabulary::relation(std::string name, std::vector<int> sorts, bool fixed) {
  for (int s : sorts) {
    if (s < 0 || s >= static_cast<int>(sorts_.size())) throw std::logic_error("relation " + name + ": unknown sort");
  }
  relations_.push_back({std::move(name), std::move(sorts), fixed});
  return static_cast<int>(relations_.size()) - 1;
}

Var Vocabulary::var(const std::string& name, int sort) { return Var{next_var_++, sort, name}; }

int Vocabulary::find_sort(const std::string& name) const {
  for (std::size_t s = 0; s < sorts_.size(); ++s) {
    if (sorts_[s].name == name) return static_cast<int>(s);
  }
  return -1;
}

int Vocabulary::find_relation(const std::string& name) const {
  for (std::size_t r = 0; r < relations_.size(); ++r) {
    if (relations_[r].name == name) return static_cast<int>(r);
  }
  return -1;
}

namespace {
F relation_atom(const Vocabulary& v, int relation, const std::vector<Var>& args, bool primed) {
  const Relation& r = v.relations().at(static_cast<std::size_t>(relation));
  if (args.size() != r.sorts.size()) throw std::logic_error(r.name + ": wrong number of arguments");
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i].sort != r.sorts[i]) throw std::logic_error(r.name + ": argument " + args[i].name + " of the wrong sort");
  }
  Node node;
  node.kind = Node::rel;
  node.relation = relation;
  node.primed = primed && !r.fixed;
  node.args = args;
  return make(std::move(node));
}
}  // namespace

F Vocabulary::operator()(int relation, const std::vector<Var>& args) const { return relation_atom(*this, relation, args, false); }
F Vocabulary::primed(int relation, const std::vector<Var>& args) const { return relation_atom(*this, relation, args, true); }

F Vocabulary::define_after(int relation, const std::function<F(const std::vector<Var>&)>& rule) {
  std::vector<Var> xs;
  for (int s : relations_.at(static_cast<std::size_t>(relation)).sorts) xs.push_back(var("x" + std::to_string(xs.size() + 1), s));
  return forall(xs, iff(primed(relation, xs), rule(xs)));
}

F Vocabulary::unchanged(int relation) {
  return define_after(relation, [&](const std::vector<Var>& xs) { return (*this)(relation, xs); });
}

F primed(const Vocabulary& vocabulary, const F& f) {
  const Node& n = *f;
  if (n.kind == Node::rel) return relation_atom(vocabulary, n.relation, n.args, true);
  if (n.children.empty()) return f;
  Node copy = n;
  for (F& child : copy.children) child = primed(vocabulary, child);
  return make(std::move(copy));
}

std::string to_string(const Vocabulary& vocabulary, const F& f) {
  const Node& n = *f;
  const auto sub = [&](std::size_t i) {
    const Node& c = *n.children[i];
    const bool atomic = c.kind == Node::rel || c.kind == Node::eq || c.kind == Node::lt || c.kind == Node::truth ||
                        c.kind == Node::falsity || c.kind == Node::negation;
    return atomic ? to_string(vocabulary, n.children[i]) : "(" + to_string(vocabulary, n.children[i]) + ")";
  };
  switch (n.kind) {
    case Node::truth: return "true";
    case Node::falsity: return "false";
    case Node::rel: {
      std::string out = vocabulary.relations()[static_cast<std::size_t>(n.relation)].name + (n.primed ? "'" : "") + "(";
      for (std::size_t i = 0; i < n.args.size(); ++i) out += (i ? ", " : "") + n.args[i].name;
      return out + ")";
    }
    case Node::eq: return n.args[0].name + " = " + n.args[1].name;
    case Node::lt: return n.args[0].name + " < " + n.args[1].name;
    case Node::negation:
      if (n.children[0]->kind == Node::eq) return n.children[0]->args[0].name + " != " + n.children[0]->args[1].name;
      return "~" + sub(0);
    case Node::conjunction: return sub(0) + " & " + sub(1);
    case Node::disjunction: return sub(0) + " | " + sub(1);
    case Node::implication: return sub(0) + " -> " + sub(1);
    case Node::equivalence: return sub(0) + " <-> " + sub(1);
    case Node::forall:
    case Node::exists: {
      std::string out = n.kind == Node::forall ? "forall " : "exists ";
      for (std::size_t i = 0; i < n.args.size(); ++i) {
        out += (i ? ", " : "") + n.args[i].name + ":" + vocabulary.sorts()[static_cast<std::size_t>(n.args[i].sort)].name;
      }
      return out + ". " + to_string(vocabulary, n.children[0]);
    }
  }
  return "?";
}

}  // namespace lockstep::proofs
