// One random walk through a model (checker/model.hpp): the loop that random simulation
// (checker/simulate.hpp) and the tests' seeded walks (tests/support/random_walk.hpp) share. What
// differs between them is given: which steps the walk may take at the bounds, how it chooses
// among them (its random numbers, weights), and when a step ends it (a violation).
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

#include "checker/engine/search.hpp"
#include "checker/model.hpp"

namespace lockstep {

// Where a walk meets the model's bounds (states beyond them the explorer checks, not expands).
enum class WalkBounds {
  successors,  // it only takes steps to states within the bounds, and so goes on as long as any
  states,      // it takes any step, but none from a state beyond the bounds: it ends there
};

// Extends `trace` (which holds at least its first state) by at most `steps_max` steps. At each, the
// enabled successors allowed by `bounds` are listed; none ends the walk. pick(successors) returns
// the index of the one taken, and ends(before, after) whether the walk ends with that step (asked
// before the step is appended). Returns whether a step ended the walk.
template <Model M, class Pick, class Ends>
bool walk(const M& model, std::vector<TraceStep<typename M::State, typename M::Action>>& trace, std::size_t steps_max,
          WalkBounds bounds, Pick&& pick, Ends&& ends) {
  std::vector<Successor<M>> choices;
  for (std::size_t step = 0; step < steps_max; ++step) {
    const typename M::State& state = trace.back().state;
    choices.clear();
    if (bounds == WalkBounds::successors) {
      successors_within_bounds(model, state, choices);
    } else if (model.within_bounds(state)) {
      successors(model, state, choices);
    }
    if (choices.empty()) return false;
    auto& [action, next] = choices[pick(std::as_const(choices))];
    const bool ended = ends(state, std::as_const(next));
    trace.push_back({std::move(action), std::move(next)});
    if (ended) return true;
  }
  return false;
}

}  // namespace lockstep
