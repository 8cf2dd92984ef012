// A small many-sorted first-order logic for abstract protocols, written once and read twice:
// Z3 proves its obligations over unbounded sorts (spec/proofs/z3_backend.cpp), and the checker's
// --refine evaluates the same formulas on the finite abstract states its concrete states map to
// (spec/proofs/evaluate.cpp). So the protocol that is proved is the one the code is held to.
//
// Sorts are uninterpreted; an ordered sort (ballots, terms) comes with a strict total order `<`.
// Relations are the state: a mutable relation has a value before a step and one after it
// (primed); a fixed one (quorum membership) is the same in both. Terms are variables only, as in
// EPR: existentials in an action's precondition and universals in invariants are what the
// protocols need, and with no function symbols the obligations stay decidable where the
// quantifier alternations are stratified.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace lockstep::proofs {

struct Sort {
  std::string name;
  bool ordered = false;  // a strict total order `<` on it
};

struct Relation {
  std::string name;
  std::vector<int> sorts;  // argument sorts, by index in Vocabulary::sorts
  bool fixed = false;      // the same before and after every step (no primed copy)
};

struct Var {
  int id = -1;
  int sort = -1;
  std::string name;
};

struct Node;

// A formula (shared, immutable).
class F {
 public:
  F() = default;
  explicit F(std::shared_ptr<const Node> node) : node_(std::move(node)) {}
  const Node& operator*() const { return *node_; }
  const Node* operator->() const { return node_.get(); }
  explicit operator bool() const { return node_ != nullptr; }

 private:
  std::shared_ptr<const Node> node_;
};

struct Node {
  enum Kind { truth, falsity, rel, eq, lt, negation, conjunction, disjunction, implication, equivalence, forall, exists };
  Kind kind = truth;
  int relation = -1;     // rel
  bool primed = false;   // rel: the value after the step
  std::vector<Var> args; // rel: its arguments; eq, lt: two; forall/exists: the bound variables
  std::vector<F> children;
};

F truth();
F falsity();
F eq(const Var& a, const Var& b);
F neq(const Var& a, const Var& b);
F lt(const Var& a, const Var& b);  // on an ordered sort
F le(const Var& a, const Var& b);
F operator!(const F& f);
F operator&&(const F& a, const F& b);
F operator||(const F& a, const F& b);
F implies(const F& a, const F& b);
F iff(const F& a, const F& b);
F all_of(const std::vector<F>& fs);
F any_of(const std::vector<F>& fs);
F forall(const std::vector<Var>& vars, const F& body);
F exists(const std::vector<Var>& vars, const F& body);

// The sorts and relations of one abstract protocol, and the variables its formulas use.
class Vocabulary {
 public:
  int sort(std::string name, bool ordered = false);
  int relation(std::string name, std::vector<int> sorts, bool fixed = false);
  // A fresh variable of `sort` (its name is for printing: "a", "b", "q").
  Var var(const std::string& name, int sort);
  // R(args) before the step, and R'(args) after it.
  F operator()(int relation, const std::vector<Var>& args) const;
  F primed(int relation, const std::vector<Var>& args) const;
  // forall x... . R'(x...) <-> rule(x...): the relation after the step, defined from the one before.
  F define_after(int relation, const std::function<F(const std::vector<Var>&)>& rule);
  // forall x... . R'(x...) <-> R(x...): unchanged by the step.
  F unchanged(int relation);

  const std::vector<Sort>& sorts() const { return sorts_; }
  const std::vector<Relation>& relations() const { return relations_; }
  int variable_count() const { return next_var_; }
  int find_sort(const std::string& name) const;      // -1 when none
  int find_relation(const std::string& name) const;  // -1 when none

 private:
  std::vector<Sort> sorts_;
  std::vector<Relation> relations_;
  int next_var_ = 0;
};

struct NamedFormula {
  std::string name;
  F formula;
  std::string description;
};

struct Action {
  std::string name;
  std::vector<Var> params;  // chosen by the step (existential)
  F formula;                // over the state before (unprimed) and after (primed)
};

// An abstract protocol: its vocabulary, the axioms every state satisfies, the initial states,
// the actions, the conjuncts of its inductive invariant, and the safety properties that follow
// from the invariant.
struct Protocol {
  std::string name;         // "paxos-voting"
  std::string description;
  Vocabulary vocabulary;
  std::vector<NamedFormula> axioms;      // quorum intersection, ...: assumed of every state
  F init;
  std::vector<Action> actions;
  std::vector<NamedFormula> invariant;   // the inductive invariant, conjunct by conjunct
  std::vector<NamedFormula> safety;      // implied by the invariant (with the axioms)
};

// The formula with every mutable relation read after the step (R becomes R').
F primed(const Vocabulary& vocabulary, const F& f);

// A formula as text, for messages ("forall a:node, b:ballot. voted(a, b, v) -> ...").
std::string to_string(const Vocabulary& vocabulary, const F& f);

}  // namespace lockstep::proofs
