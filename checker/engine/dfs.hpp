// Depth-first search of a model (checker/model.hpp) to a depth bound, on one thread: for deep runs
// with little memory for a frontier.
//
// The fingerprint table keeps, for each state, the smallest depth at which the search has reached
// it (FingerprintTable::SlotValue::depth); a state reached again at a smaller depth is explored
// again, since the depth bound may have cut its subtree before. The trace of a violation is the
// search's current path: a real run, not always a shortest one.
#pragma once

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "checker/engine/search.hpp"
#include "checker/engine/fingerprint_table.hpp"
#include "checker/engine/progress.hpp"
#include "spec/property.hpp"
#include "model/core/fingerprint.hpp"

namespace lockstep::detail {

template <Model M>
class DepthFirst {
 public:
  using State = typename M::State;
  using Action = typename M::Action;

  DepthFirst(const M& model, const ExploreOptions& options)
      : model_(model),
        options_(options),
        table_(options.memory_bytes_max, FingerprintTable::SlotValue::depth,
               FingerprintTable::buckets_for(options.expected_states, options.memory_bytes_max)),
        progress_(options.progress),
        sometimes_seen_(model.properties().size(), false),
        checked_(checked_properties(model, options.properties)) {
    checked_.mark_unchecked(sometimes_seen_);
  }

  ExploreResult<M> run() {
    for (State& initial : model_.initial_states()) {
      ++stats_.states_generated;
      if (visit(std::nullopt, std::move(initial), 0)) search();
      if (stopped()) break;
    }
    return finish();
  }

 private:
  struct Frame {
    std::optional<Action> action;
    State state;
    std::uint32_t depth;
    std::vector<Successor<M>> successors;
    std::size_t next = 0;
  };

  bool stopped() const {
    return memory_exhausted_ || (!result_.trace.empty() && !options_.keep_going) || interrupted(options_.interrupt);
  }

  void search() {
    while (!stack_.empty() && !stopped()) {
      Frame& top = stack_.back();
      if (top.next == top.successors.size()) {
        stack_.pop_back();
        continue;
      }
      auto& [action, next] = top.successors[top.next++];
      ++stats_.states_generated;
      progress_.tick(stats());
      if (violates_transition(top.state, action, next)) continue;
      visit(action, std::move(next), top.depth + 1);
    }
  }

  // Records a state; pushes it when it needs exploring. Returns whether it was pushed.
  bool visit(std::optional<Action> action, State state, std::uint32_t depth) {
    State key = state;
    to_representative(model_, options_, key);
    if (!make_room()) return false;
    const auto inserted = table_.insert(fingerprint(key), depth);
    if (!inserted.is_new) {
      if (table_.depth(inserted.slot) <= depth) return false;
      table_.set_depth(inserted.slot, depth);  // reached again nearer the root: explore again
    } else {
      ++stats_.distinct_states;
      if (check(action, state)) return false;
    }
    stats_.depth = std::max(stats_.depth, depth);
    if (!model_.within_bounds(state)) return false;
    Frame frame{std::move(action), std::move(state), depth, {}, 0};
    if (options_.depth_max != 0 && depth >= options_.depth_max) {
      bool more = false;
      model_.for_each_successor(frame.state, [&](const Action&, State&&) { more = true; });
      result_.depth_bounded = result_.depth_bounded || more;
      return false;
    }
    successors(model_, frame.state, frame.successors);
    stack_.push_back(std::move(frame));
    return true;
  }

  // Grows the table when it is full enough; false when the memory bound forbids it.
  bool make_room() {
    if (!table_.needs_grow()) return true;
    if (!table_.can_grow()) {
      memory_exhausted_ = true;
      result_.stop_reason = memory_bound_reached;
      return false;
    }
    table_.grow(1);
    return true;
  }

  // Checks a new state; on a violation records the path to it and returns true.
  bool check(const std::optional<Action>& action, const State& state) {
    const auto p = first_violated(model_.properties(), state, sometimes_seen_, checked_.always_or_all());
    if (!p) return false;
    violation(std::string(model_.properties()[*p].name), action, state);
    return true;
  }

  bool violates_transition(const State& before, const Action& action, const State& after) {
    const auto p = first_violated_transition(model_.transition_properties(), before, after, checked_.transition_or_all());
    if (!p) return false;
    violation(std::string(model_.transition_properties()[*p].name), action, after);
    return true;
  }

  void violation(std::string property, const std::optional<Action>& action, const State& state) {
    ++result_.violations;
    ++result_.violations_by_property[property];
    if (!result_.trace.empty()) return;
    result_.property = std::move(property);
    for (const Frame& frame : stack_) result_.trace.push_back({frame.action, frame.state});
    result_.trace.push_back({action, state});
  }

  ExploreStats stats() const { return ExploreStats{stats_.states_generated, stats_.distinct_states, stats_.depth, stack_.size()}; }

  ExploreResult<M> finish() {
    if (interrupted(options_.interrupt) && !stack_.empty() && !memory_exhausted_) {  // the figures so far stand
      memory_exhausted_ = true;
      result_.stop_reason = interrupted_reason;
    }
    progress_.finish(stats());
    result_.stats = stats();
    result_.seconds = progress_.seconds();
    result_.table_bytes = table_.bytes();
    result_.sometimes_unreached = sometimes_unreached(model_.properties(), sometimes_seen_);
    result_.outcome = outcome_of(!result_.trace.empty(), memory_exhausted_, result_);
    return std::move(result_);
  }

  const M& model_;
  ExploreOptions options_;
  FingerprintTable table_;
  Progress progress_;
  ExploreStats stats_;
  std::vector<Frame> stack_;
  std::vector<bool> sometimes_seen_;
  CheckedProperties checked_;
  bool memory_exhausted_ = false;
  ExploreResult<M> result_;
};

}  // namespace lockstep::detail
