// Z3 (its C++ API, z3++.h) on the formulas of spec/proofs/logic.hpp: is `hypotheses => goal`
// valid over every interpretation of the sorts (finite or not) that satisfies the axioms? A
// failure comes back as a finite model, read into a Structure and printed in the protocol's
// vocabulary: a counterexample to induction.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "spec/proofs/logic.hpp"
#include "spec/proofs/structure.hpp"

namespace lockstep::proofs {

struct Verdict {
  enum class Result { proved, refuted, unknown };
  Result result = Result::unknown;
  double seconds = 0;
  std::string counterexample;  // refuted: readable; unknown: Z3's reason
};

std::string result_name(Verdict::Result result);

// Names a counterexample's elements (Structure::name) and returns what to print before the
// generic part (the universes, the action's parameters, every relation's tuples before and after).
using CounterexamplePrinter = std::function<std::string(Structure&, const std::vector<int>& free)>;

struct ValidityQuery {
  const Vocabulary* vocabulary = nullptr;
  std::vector<F> hypotheses;   // assumed (axioms, the invariant, an action)
  F goal;                      // to follow from them
  bool step = false;           // the formulas speak of a state before and after
  std::vector<Var> shown;      // free variables to name in a counterexample (an action's parameters)
  CounterexamplePrinter print; // optional: else the generic printing
  unsigned timeout_ms = 120000;
};

Verdict check_validity(const ValidityQuery& query);

}  // namespace lockstep::proofs
