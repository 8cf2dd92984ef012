// Shrinking a failing run: the fewest actions, found by delta debugging (Zeller and Hildebrandt's
// ddmin), that still lead from the initial state to a violation of the same property.
//
// Each candidate (a subsequence of the actions, in their order) is re-checked by replaying it
// through the model's step functions from the initial state: a candidate whose action is not
// enabled where it comes (e.g. the delivery of a message that was never sent) is not a failure.
// A candidate that fails is cut right after its first violating step, so the result ends at the
// violation. The result is 1-minimal: removing any one of its actions loses the violation.
//
// shrink_trace works on a model's own types (for random simulation, which shrinks its failures
// by default); AnyModel::shrink (checker/any_model.hpp) on a trace's JSON (`lockstep shrink`).
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "checker/explore.hpp"

namespace lockstep {

struct ShrinkOptions {
  std::size_t tests_max = 200000;  // candidates replayed at most; then the best found so far
};

struct ShrinkStats {
  std::size_t tests = 0;         // candidates replayed
  bool tests_exhausted = false;  // tests_max stopped the search (the result may not be 1-minimal)
};

// ddmin over the indices 0..count-1. `fails(candidate)` replays a candidate (indices in order)
// and returns how many of them lead to the first violation, or nothing when it does not fail.
// `fails` of every index must fail; returns the shrunk indices (ending at the violation).
using ShrinkTest = std::function<std::optional<std::size_t>(const std::vector<std::size_t>& candidate)>;
std::vector<std::size_t> ddmin(std::size_t count, const ShrinkTest& fails, const ShrinkOptions& options,
                               ShrinkStats& stats);

// Whether the step from `before` to `after` violates `property` (an "always" property of
// `after`, or a transition property of the step).
template <class M>
bool violates(const M& model, const typename M::State& before, const typename M::State& after,
              std::string_view property) {
  for (const auto& p : model.properties()) {
    if (p.name == property && p.kind == PropertyKind::always) return !p.holds(after);
  }
  for (const auto& p : model.transition_properties()) {
    if (p.name == property) return !p.holds(before, after);
  }
  return false;
}

template <class M>
struct Shrunk {
  std::vector<TraceStep<typename M::State, typename M::Action>> trace;  // trace[0]: the initial state
  ShrinkStats stats;
};

// Shrinks the run of `actions` from `initial` that violates `property`. Empty when that run does
// not replay or does not violate it.
template <class M>
std::optional<Shrunk<M>> shrink_actions(const M& model, const typename M::State& initial,
                                        const std::vector<typename M::Action>& actions, std::string_view property,
                                        const ShrinkOptions& options = {}) {
  using Step = TraceStep<typename M::State, typename M::Action>;
  // Replays a candidate; on a violation, `into` (when given) receives the run up to it.
  const auto replay = [&](const std::vector<std::size_t>& candidate, std::vector<Step>* into) -> std::optional<std::size_t> {
    typename M::State state = initial;
    if (into) into->push_back(Step{std::nullopt, initial});
    for (std::size_t i = 0; i < candidate.size(); ++i) {
      const auto& action = actions[candidate[i]];
      std::optional<typename M::State> next;
      model.for_each_successor(state, [&](const typename M::Action& a, typename M::State&& s) {
        if (!next && a == action) next = std::move(s);
      });
      if (!next) return std::nullopt;
      const bool violated = violates(model, state, *next, property);
      state = std::move(*next);
      if (into) into->push_back(Step{action, state});
      if (violated) return i + 1;
    }
    return std::nullopt;
  };
  std::vector<std::size_t> all(actions.size());
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
  Shrunk<M> result;
  if (!replay(all, nullptr)) return std::nullopt;
  const std::vector<std::size_t> kept =
      ddmin(actions.size(), [&](const std::vector<std::size_t>& c) { return replay(c, nullptr); }, options, result.stats);
  replay(kept, &result.trace);
  return result;
}

// The same for a trace (trace[0] is the initial state, every later step has its action).
template <class M>
std::optional<Shrunk<M>> shrink_trace(const M& model, const std::vector<TraceStep<typename M::State, typename M::Action>>& trace,
                                      std::string_view property, const ShrinkOptions& options = {}) {
  if (trace.empty()) return std::nullopt;
  std::vector<typename M::Action> actions;
  for (std::size_t i = 1; i < trace.size(); ++i) {
    if (!trace[i].action) return std::nullopt;
    actions.push_back(*trace[i].action);
  }
  return shrink_actions(model, trace.front().state, actions, property, options);
}

}  // namespace lockstep
