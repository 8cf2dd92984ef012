// Breadth-first exploration of any model M, to exhaustion or to the first violation.
//
// A model provides:
//   using State, Action;                      both reflected, so they encode, hash and print;
//   std::vector<State> initial_states() const;
//   void for_each_successor(const State&, F emit) const;   emit(const Action&, State&&);
//   bool within_bounds(const State&) const;   states outside are checked but not expanded;
//   properties(), transition_properties()     the named properties (checker/property.hpp).
//
// The explorer keeps a fingerprint and a parent link per distinct state (FingerprintTable) and
// the frontier as encoded bytes, never whole states. Every property is checked on every new
// state (transition properties on every step). Levels are explored in order, so the first
// violation found is at minimal depth and its rebuilt trace is a shortest one.
#pragma once

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "checker/fingerprint_table.hpp"
#include "checker/progress.hpp"
#include "checker/property.hpp"
#include "model/core/codec.hpp"
#include "model/core/fingerprint.hpp"

namespace lockstep {

template <class State, class Action>
struct TraceStep {
  std::optional<Action> action;  // empty for the initial state
  State state;
};

enum class Outcome { ok, violation, vacuous, incomplete };
std::string_view outcome_name(Outcome outcome);

struct ExploreOptions {
  bool keep_going = false;          // do not stop at the first violation (count them all)
  std::uint32_t depth_max = 0;      // 0 = no bound
  std::size_t memory_bytes_max = 0; // bound on the fingerprint table; 0 = none
  Progress::Mode progress = Progress::Mode::quiet;
};

template <class M>
struct ExploreResult {
  Outcome outcome = Outcome::ok;
  std::string property;                      // the violated property
  std::string stop_reason;                   // why an incomplete run stopped
  std::vector<std::string> sometimes_unreached;
  std::vector<TraceStep<typename M::State, typename M::Action>> trace;
  ExploreStats stats;
  double seconds = 0;
  std::size_t table_bytes = 0;
  std::uint64_t violations = 0;
  bool depth_bounded = false;                // states beyond depth_max were not explored
};

namespace detail {

// States waiting to be expanded: their encodings back to back, and their slots.
struct Frontier {
  Bytes bytes;
  std::vector<std::size_t> ends;
  std::vector<std::uint32_t> slots;
  std::size_t size() const { return slots.size(); }
  void clear() {
    bytes.clear();
    ends.clear();
    slots.clear();
  }
  void push(const Bytes& encoded, std::uint32_t slot) {
    bytes.append(encoded.data(), encoded.size());
    ends.push_back(bytes.size());
    slots.push_back(slot);
  }
  std::pair<const char*, std::size_t> at(std::size_t i) const {
    const std::size_t begin = i == 0 ? 0 : ends[i - 1];
    return {bytes.data() + begin, ends[i] - begin};
  }
};

template <class M>
class Explorer {
 public:
  using State = typename M::State;
  using Action = typename M::Action;

  Explorer(const M& model, const ExploreOptions& options)
      : model_(model),
        options_(options),
        table_(options.memory_bytes_max),
        progress_(options.progress),
        sometimes_seen_(model.properties().size(), false) {}

  ExploreResult<M> run() {
    for (State& state : model_.initial_states()) {
      ++stats_.states_generated;
      if (!add(state, FingerprintTable::no_parent) || stopped_) break;
    }
    stats_.depth = 1;
    while (!stopped_ && current_.size() > 0) {
      if (options_.depth_max != 0 && stats_.depth >= options_.depth_max) {
        result_.depth_bounded = true;
        break;
      }
      expand_level();
      if (next_.size() > 0 && !stopped_) ++stats_.depth;
      std::swap(current_, next_);
      next_.clear();
    }
    return finish();
  }

 private:
  void expand_level() {
    for (std::size_t i = 0; i < current_.size() && !stopped_; ++i) {
      const auto [data, size] = current_.at(i);
      const State state = decode_from<State>(data, size);
      source_ = current_.slots[i];
      model_.for_each_successor(state, [&](const Action& action, State&& next) {
        if (!stopped_) on_successor(state, action, next);
      });
      stats_.queue = current_.size() - i - 1 + next_.size();
      progress_.tick(stats_);
    }
  }

  void on_successor(const State& state, const Action& action, const State& next) {
    ++stats_.states_generated;
    for (const auto& property : model_.transition_properties()) {
      if (property.holds(state, next)) continue;
      violated(std::string(property.name));
      if (!violating_slot_) {
        violating_slot_ = source_;
        transition_violation_ = TraceStep<State, Action>{action, next};
      }
      return;
    }
    add(next, source_);
  }

  // Records a state reached from `parent`; checks it if new. False when the run must stop.
  bool add(const State& state, std::uint32_t parent) {
    encoded_.clear();
    encode_to(encoded_, state);
    if (table_.needs_grow()) {
      if (!table_.can_grow()) {
        stopped_ = true;
        result_.stop_reason = "the memory bound was reached";
        return false;
      }
      remap(table_.grow());
      if (parent != FingerprintTable::no_parent) parent = source_;
    }
    const auto inserted = table_.insert(fingerprint_bytes(encoded_.data(), encoded_.size()), parent);
    if (!inserted.is_new) return true;
    ++stats_.distinct_states;
    check(state, inserted.slot);
    if (model_.within_bounds(state)) next_or_current().push(encoded_, inserted.slot);
    return !stopped_;
  }

  detail::Frontier& next_or_current() { return stats_.depth == 0 ? current_ : next_; }

  void check(const State& state, std::uint32_t slot) {
    const auto& properties = model_.properties();
    for (std::size_t p = 0; p < properties.size(); ++p) {
      const auto& property = properties[p];
      if (property.kind == PropertyKind::sometimes) {
        if (!sometimes_seen_[p] && property.holds(state)) sometimes_seen_[p] = true;
      } else if (!property.holds(state)) {
        violated(std::string(property.name));
        if (!violating_slot_) violating_slot_ = slot;
        return;
      }
    }
  }

  void violated(std::string property) {
    ++result_.violations;
    if (result_.property.empty()) result_.property = std::move(property);
    if (!options_.keep_going) stopped_ = true;
  }

  void remap(const std::vector<std::uint32_t>& moved) {
    for (auto& slot : current_.slots) slot = moved[slot];
    for (auto& slot : next_.slots) slot = moved[slot];
    if (source_ != FingerprintTable::no_parent) source_ = moved[source_];
    if (violating_slot_) violating_slot_ = moved[*violating_slot_];
  }

  // The shortest trace to the first violation: walk parents to the root, then re-execute.
  void rebuild_trace() {
    std::vector<std::uint32_t> path;
    for (std::uint32_t slot = *violating_slot_; slot != FingerprintTable::no_parent; slot = table_.parent(slot)) {
      path.push_back(slot);
    }
    std::reverse(path.begin(), path.end());
    auto slot_of = [&](const State& s) { return table_.find(fingerprint(s)); };
    for (State& state : model_.initial_states()) {
      if (slot_of(state) == path.front()) result_.trace.push_back({std::nullopt, std::move(state)});
    }
    for (std::size_t i = 1; i < path.size() && !result_.trace.empty(); ++i) {
      std::optional<TraceStep<State, Action>> found;
      model_.for_each_successor(result_.trace.back().state, [&](const Action& action, State&& next) {
        if (!found && slot_of(next) == path[i]) found = TraceStep<State, Action>{action, std::move(next)};
      });
      if (!found) break;  // cannot happen for a deterministic model
      result_.trace.push_back(std::move(*found));
    }
    if (transition_violation_) result_.trace.push_back(std::move(*transition_violation_));
  }

  ExploreResult<M> finish() {
    stats_.queue = current_.size() + next_.size();
    progress_.finish(stats_);
    result_.stats = stats_;
    result_.seconds = progress_.seconds();
    result_.table_bytes = table_.bytes();
    const auto& properties = model_.properties();
    for (std::size_t p = 0; p < properties.size(); ++p) {
      if (properties[p].kind == PropertyKind::sometimes && !sometimes_seen_[p]) {
        result_.sometimes_unreached.emplace_back(properties[p].name);
      }
    }
    if (violating_slot_) {
      result_.outcome = Outcome::violation;
      rebuild_trace();
      // The violating state was found while expanding the level above it.
      result_.stats.depth = std::max<std::uint32_t>(result_.stats.depth, static_cast<std::uint32_t>(result_.trace.size()));
    } else if (!result_.stop_reason.empty()) {
      result_.outcome = Outcome::incomplete;
    } else if (!result_.sometimes_unreached.empty()) {
      result_.outcome = Outcome::vacuous;
    }
    return std::move(result_);
  }

  const M& model_;
  ExploreOptions options_;
  FingerprintTable table_;
  Progress progress_;
  ExploreStats stats_;
  Frontier current_;
  Frontier next_;
  Bytes encoded_;
  std::uint32_t source_ = FingerprintTable::no_parent;
  std::vector<bool> sometimes_seen_;
  std::optional<std::uint32_t> violating_slot_;
  std::optional<TraceStep<State, Action>> transition_violation_;
  bool stopped_ = false;
  ExploreResult<M> result_;
};

}  // namespace detail

template <class M>
ExploreResult<M> explore(const M& model, const ExploreOptions& options = {}) {
  return detail::Explorer<M>(model, options).run();
}

}  // namespace lockstep
