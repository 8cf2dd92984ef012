// A finite interpretation of an abstract protocol's vocabulary: a universe per sort, and each
// relation's value before and after a step. It is what a concrete model state maps to (the
// checker's --refine: spec/proofs/refinement.hpp), and what Z3's counterexamples to induction are
// read back into (spec/proofs/z3_backend.cpp), so both print alike.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "spec/proofs/logic.hpp"

namespace lockstep::proofs {

class Structure {
 public:
  Structure() = default;
  // Universes of the given sizes (an ordered sort's elements are ordered by index), every
  // relation false before and after.
  Structure(const Vocabulary& vocabulary, std::vector<int> sizes);

  int size(int sort) const { return sizes_[static_cast<std::size_t>(sort)]; }
  // Element names for printing (default: the sort's initial and a number from 1: "n1", "b2").
  void name(int sort, int element, std::string name);
  std::string element_name(int sort, int element) const;

  void set(int relation, const std::vector<int>& tuple, bool value, bool after = false);
  bool get(int relation, const std::vector<int>& tuple, bool after = false) const;
  // Makes the state after equal the state before (for a single state).
  void copy_before_to_after();
  // The state after, as the "before" of a new structure (for chaining steps).
  Structure after_as_before() const;
  // The relations the step changes (their indexes, in order).
  std::vector<int> changed_relations() const;
  // The step split in two at the state `middle`: the relations in `first` take their values
  // after, the others keep theirs before. part(false): before -> middle; part(true): middle -> after.
  Structure split(const std::vector<int>& first, bool second_part) const;

  // Whether `f` holds, with `env` giving the free variables' elements (indexed by Var::id; it
  // grows as needed).
  bool holds(const F& f, std::vector<int>& env) const;
  bool holds(const F& f) const {
    std::vector<int> env;
    return holds(f, env);
  }
  // Whether some assignment of `params` makes `f` true; the first such one in `env`.
  bool satisfiable(const std::vector<Var>& params, const F& f, std::vector<int>& env) const;

  // Every relation's tuples before (and with `step`, the changes after), one line each:
  //   voted: (n1, b1, v1), (n2, b1, v1)
  std::string describe(bool step) const;
  // Nothing changed: every relation after as before.
  bool stutters() const { return before_ == after_; }
  // A stable byte string of the relations' values (before, and after when `step`), for caches.
  std::string key(bool step) const;

  const Vocabulary& vocabulary() const { return *vocabulary_; }

 private:
  std::size_t index(int relation, const std::vector<int>& tuple) const;
  std::size_t tuple_count(int relation) const;
  std::string tuple_text(int relation, std::size_t index) const;
  bool eval(const Node& n, std::vector<int>& env) const;
  bool quantify(const Node& n, std::size_t i, std::vector<int>& env) const;

  const Vocabulary* vocabulary_ = nullptr;
  std::vector<int> sizes_;
  std::vector<std::vector<std::string>> names_;
  std::vector<std::vector<char>> before_;
  std::vector<std::vector<char>> after_;
};

}  // namespace lockstep::proofs
