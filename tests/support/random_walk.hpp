// Test support: seeded random walks through a model until a property is violated, the way a
// random simulation finds failures (long, wandering runs), for the shrinker to shorten.
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "checker/explore.hpp"
#include "checker/shrink.hpp"
#include "checker/walk.hpp"

namespace lockstep::testing {

// One walk (checker/walk.hpp) of at most `steps_max` actions from the model's first initial
// state, choosing among the enabled actions uniformly; it ends at the first violation of
// `property`. Empty when the walk does not violate it (or reaches a state beyond the model's
// bounds first: the explorer stops there too).
template <class M>
std::optional<std::vector<TraceStep<typename M::State, typename M::Action>>> random_walk(
    const M& model, const std::string& property, std::uint64_t seed, std::size_t steps_max) {
  using State = typename M::State;
  std::mt19937_64 random(seed);
  std::vector<TraceStep<State, typename M::Action>> trace{{std::nullopt, model.initial_states().front()}};
  const bool violated = walk(
      model, trace, steps_max, WalkBounds::states,
      [&](const std::vector<Successor<M>>& choices) {
        return std::uniform_int_distribution<std::size_t>(0, choices.size() - 1)(random);
      },
      [&](const State& before, const State& after) { return violates(model, before, after, property); });
  if (!violated) return std::nullopt;
  return trace;
}

// The first violating walk over seeds first_seed, first_seed + 1, ... (at most `walks_max`).
template <class M>
std::optional<std::vector<TraceStep<typename M::State, typename M::Action>>> find_violating_walk(
    const M& model, const std::string& property, std::uint64_t first_seed, std::size_t steps_max,
    std::size_t walks_max, std::uint64_t* seed_found = nullptr) {
  for (std::uint64_t seed = first_seed; seed < first_seed + walks_max; ++seed) {
    if (auto trace = random_walk(model, property, seed, steps_max)) {
      if (seed_found) *seed_found = seed;
      return trace;
    }
  }
  return std::nullopt;
}

}  // namespace lockstep::testing
