// Breadth-first search of a model (checker/model.hpp), to exhaustion or to the first violation,
// on every worker at once.
//
// The search keeps a fingerprint and a parent link per distinct state (FingerprintTable) and the
// frontier as encoded bytes, never whole states. Every property is checked on every new state
// (transition properties on every step). Levels are explored in order, each by all the workers
// at once; a level is finished before its violations are looked at, so the trace is a shortest
// one, and the violation reported is chosen by (property, fingerprint), so the property and the
// final state do not depend on the number of workers. (With several workers, which of several
// equally short paths leads there may vary: parent links go to whichever worker reached a state
// first.)
#pragma once

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "checker/engine/search.hpp"
#include "checker/engine/sleep_sets.hpp"
#include "checker/engine/fingerprint_table.hpp"
#include "checker/engine/frontier.hpp"
#include "checker/engine/progress.hpp"
#include "spec/property.hpp"
#include "model/core/codec.hpp"
#include "model/core/fingerprint.hpp"

namespace lockstep::detail {

template <Model M>
class BreadthFirst {
 public:
  using State = typename M::State;
  using Action = typename M::Action;

  BreadthFirst(const M& model, const ExploreOptions& options)
      : model_(model),
        options_(options),
        table_(options.memory_bytes_max),
        progress_(options.progress) {
    const std::size_t count = std::max(1u, options.workers);
    const std::size_t budget = std::max<std::size_t>(options.frontier_memory / (2 * count), Frontier::block_bytes);
    // Under the user's --memory the frontier's budget is hard: a disk that refuses it stops the run.
    const bool hard = options.memory_bytes_max != 0;
    for (std::size_t i = 0; i < count; ++i) workers_.emplace_back(budget, &resident_, hard);
    for (Worker& w : workers_) w.sometimes_seen.assign(model.properties().size(), 0);
  }

  ExploreResult<M> run() {
    {
      Worker& w = workers_.front();
      for (State& state : model_.initial_states()) {
        ++w.generated;
        add(w, state, FingerprintTable::no_parent);
      }
    }
    std::uint32_t depth = 1;
    collect_next_level();
    resolve_violations();
    while (!stopped() && level_size_ > 0) {
      if (options_.depth_max != 0 && depth >= options_.depth_max) {
        result_.depth_bounded = true;
        break;
      }
      expand_level(depth);
      collect_next_level();
      resolve_violations();
      if (level_size_ > 0 && !memory_exhausted_) ++depth;
    }
    return finish(depth);
  }

 private:
  // A property violation met while exploring. Of those met in the first level that has any,
  // the one reported is the first by (property, fingerprint of the violating state): the same
  // whatever the number of workers and their timing.
  struct Found {
    std::uint64_t property_index;  // compared first, then the fingerprint
    std::uint64_t fingerprint;
    std::string property;
    std::uint32_t slot;  // the violating state, or for a transition property the state before
    std::optional<TraceStep<State, Action>> transition;
  };

  // A successor waiting to be inserted: its encoding in batch_bytes, its fingerprint.
  struct Pending {
    std::size_t begin;
    std::size_t end;
    std::uint64_t fingerprint;
  };

  static constexpr std::size_t lookahead = 8;
  struct Ahead {
    const char* data;
    std::size_t size;
    std::uint64_t fingerprint;
  };

  struct alignas(64) Worker {  // own cache lines: workers update their counters on every state
    std::array<Ahead, lookahead> ahead{};
    std::uint32_t unpublished = 0;  // expansions not yet added to the shared counters
    std::size_t uncounted = 0;      // insertions not yet added to the table's size
    std::size_t ahead_first = 0;
    std::vector<Action> batch_actions;  // for partial-order reduction
    std::vector<Action> explored;
    std::vector<Action> sleep_live;     // sleeping actions whose successor is within bounds
    std::vector<Action> sleep_scratch;
    std::uint64_t pruned = 0;
    Worker(std::size_t budget, std::atomic<std::size_t>* resident, bool hard)
        : next(budget, resident, hard), budget(budget), resident(resident), hard(hard) {}
    Frontier next;
    std::size_t budget;
    bool hard;
    std::atomic<std::size_t>* resident;
    Bytes read_buffer;
    Bytes encoded;
    Bytes batch_bytes;
    std::vector<Pending> batch;
    std::vector<State> batch_states;
    std::vector<Found> found;
    std::vector<char> sometimes_seen;
    std::uint64_t generated = 0;
    std::uint64_t distinct = 0;
    std::uint64_t reported_generated = 0;
    std::uint64_t reported_distinct = 0;
  };

  bool stopped() const { return memory_exhausted_ || (have_violation_ && !options_.keep_going); }

  // Expands every state of the current level on all workers.
  void expand_level(std::uint32_t depth) {
    cursor_.store(0);
    expanded_.store(0);
    distinct_at_level_start_ = distinct_.load();
    active_ = static_cast<int>(workers_.size());
    depth_ = depth;
    std::vector<std::thread> threads;
    std::vector<std::exception_ptr> errors(workers_.size());
    for (std::size_t i = 1; i < workers_.size(); ++i) {
      threads.emplace_back([this, i, &errors] { work(i, errors[i]); });
    }
    work(0, errors[0]);
    for (auto& thread : threads) thread.join();
    for (const auto& error : errors) {
      if (error) std::rethrow_exception(error);
    }
  }

  void work(std::size_t index, std::exception_ptr& error) {
    Worker& w = workers_[index];
    try {
      while (!abort_.load(std::memory_order_relaxed)) {
        pause_for_growth();
        const std::size_t item = cursor_.fetch_add(1);
        if (item >= work_.size()) break;
        const auto [segment, block] = work_[item];
        // The frontier's states are looked up in the table (for their slot, the successors'
        // parent link) a few states ahead of their expansion, their buckets prefetched.
        std::size_t ahead = 0;
        const auto expand_oldest = [&] {
          const Ahead& a = w.ahead[w.ahead_first];
          w.ahead_first = (w.ahead_first + 1) % lookahead;
          --ahead;
          expand(w, a.data, a.size, a.fingerprint);
          if (index == 0) report_progress();
          pause_for_growth();
        };
        level_[segment].for_each_in_block(block, w.read_buffer, [&](const char* data, std::size_t size) {
          if (abort_.load(std::memory_order_relaxed)) return;
          const std::uint64_t fp = fingerprint_bytes(data, size);
          table_.prefetch(fp);
          w.ahead[(w.ahead_first + ahead) % lookahead] = Ahead{data, size, fp};
          if (++ahead == lookahead) expand_oldest();
        });
        while (ahead > 0 && !abort_.load(std::memory_order_relaxed)) expand_oldest();
        w.ahead_first = 0;
      }
    } catch (...) {
      error = std::current_exception();
      abort_.store(true);
    }
    publish(w);
    leave();
  }

  void expand(Worker& w, const char* data, std::size_t size, std::uint64_t state_fp) {
    const State state = decode_from<State>(data, size);
    const auto found = table_.find(state_fp);
    if (!found) throw std::logic_error("a frontier state is missing from the fingerprint table");
    const std::uint32_t source = *found;
    const auto sleeping = por() ? sleep_.current(state_fp) : std::nullopt;
    // Successors are encoded, fingerprinted and their slots prefetched first, then inserted:
    // the table is much larger than the caches, and this hides most of its misses.
    w.batch.clear();
    w.batch_bytes.clear();
    w.batch_actions.clear();
    w.sleep_live.clear();
    model_.for_each_successor(state, [&](const Action& action, State&& next) {
      if (sleeping && sleeping->contains(action)) {
        ++w.pruned;  // reached from a sibling already, in the other order
        if (model_.within_bounds(next)) w.sleep_live.push_back(action);
        return;
      }
      ++w.generated;
      if (const auto p = first_violated_transition(model_.transition_properties(), state, next)) {
        w.found.push_back({model_.properties().size() + *p, fingerprint(next),
                           std::string(model_.transition_properties()[*p].name), source,
                           TraceStep<State, Action>{action, next}});
        return;
      }
      to_representative(model_, options_, next);
      const std::size_t begin = w.batch_bytes.size();
      encode_to(w.batch_bytes, next);
      const std::uint64_t fp = fingerprint_bytes(w.batch_bytes.data() + begin, w.batch_bytes.size() - begin);
      table_.prefetch(fp);
      if (w.batch.size() == w.batch_states.size()) w.batch_states.emplace_back();
      w.batch_states[w.batch.size()] = std::move(next);
      w.batch.push_back({begin, w.batch_bytes.size(), fp});
      if (por()) w.batch_actions.push_back(action);
    });
    w.explored.clear();
    for (std::size_t k = 0; k < w.batch.size(); ++k) {
      const Pending& p = w.batch[k];
      bool this_level = false;
      const auto inserted =
          por() ? insert_with_sleep(w, p.fingerprint, source, k, this_level) : table_.insert_uncounted(p.fingerprint, source);
      const bool expands = model_.within_bounds(w.batch_states[k]);
      if (por() && this_level && expands) w.explored.push_back(w.batch_actions[k]);
      if (!inserted.is_new) continue;
      ++w.distinct;
      if (++w.uncounted == 32) {  // the table's size, for its growth, lags by a few states only
        table_.count_inserted(w.uncounted);
        w.uncounted = 0;
      }
      check(w, w.batch_states[k], inserted.slot, p.fingerprint);
      if (expands) w.next.push(w.batch_bytes.data() + p.begin, p.end - p.begin);
    }
    if (++w.unpublished == publish_every) publish(w);
  }

  // Partial-order reduction with sleep sets (Godefroid): the successor by action a inherits
  // the actions independent of a that were already taken from here (or inherited), since the
  // other order reaches the same states; they are not taken again from the successor. Only
  // successors of the next level that will be expanded count as taken (a state of an earlier
  // level was expanded with a sleep set of its own), and a state reached by several paths of one
  // level keeps the intersection of their sleep sets.
  // Bounds cut the diamond: a state beyond them is not expanded, so what would have been taken
  // from it is not. An action t is therefore let sleep only where t's successor is within
  // bounds (explored: the successor is expanded; inherited: t's successor from here is), else
  // the states beyond an out-of-bounds corner of the diamond would be lost.
  bool por() const {
    if constexpr (M::has_independence) {
      return options_.por;
    } else {
      return false;
    }
  }

  FingerprintTable::Inserted insert_with_sleep(Worker& w, std::uint64_t fp, std::uint32_t source, std::size_t k,
                                              bool& this_level) {
    if constexpr (M::has_independence) {
      const Action& action = w.batch_actions[k];
      std::vector<Action>& sleep = w.sleep_scratch;
      sleep.clear();
      for (const Action& t : w.sleep_live) {
        if (M::independent(t, action)) sleep.push_back(t);
      }
      for (const Action& t : w.explored) {
        if (M::independent(t, action)) sleep.push_back(t);
      }
      return sleep_.insert(table_, fp, source, sleep, this_level);
    } else {
      return table_.insert_uncounted(fp, source);
    }
  }

  std::uint64_t stored_fingerprint(const State& state) const {
    if (!options_.symmetry) return fingerprint(state);
    State canonical = state;
    to_representative(model_, options_, canonical);
    return fingerprint(canonical);
  }

  // Records a state reached from `parent`; checks it if new.
  void add(Worker& w, State state, std::uint32_t parent) {
    to_representative(model_, options_, state);
    w.encoded.clear();
    encode_to(w.encoded, state);
    const std::uint64_t fp = fingerprint_bytes(w.encoded.data(), w.encoded.size());
    const auto inserted = table_.insert(fp, parent);
    if (!inserted.is_new) return;
    ++w.distinct;
    check(w, state, inserted.slot, fp);
    if (model_.within_bounds(state)) w.next.push(w.encoded.data(), w.encoded.size());
  }

  void check(Worker& w, const State& state, std::uint32_t slot, std::uint64_t fp) {
    if (const auto p = first_violated(model_.properties(), state, w.sometimes_seen)) {
      w.found.push_back({*p, fp, std::string(model_.properties()[*p].name), slot, std::nullopt});
    }
  }

  // The workers' new states become the next level, split into blocks of work.
  void collect_next_level() {
    level_.clear();
    work_.clear();
    level_size_ = 0;
    for (Worker& w : workers_) {
      w.next.seal();
      if (!w.next.spill_error().empty() && result_.warning.empty()) {
        result_.warning = w.next.spill_error() + ": the frontier beyond its budget stays in memory";
      }
      if (w.next.size() == 0) continue;
      level_size_ += w.next.size();
      spilled_ += w.next.spilled_bytes();
      for (std::size_t b = 0; b < w.next.blocks(); ++b) work_.emplace_back(level_.size(), b);
      level_.push_back(std::move(w.next));
      w.next = Frontier(w.budget, w.resident, w.hard);
    }
    frontier_peak_ = std::max(frontier_peak_, resident_.load());
    if (por()) sleep_.next_level();
  }

  void resolve_violations() {
    std::vector<Found> level_found;
    for (Worker& w : workers_) {
      for (Found& f : w.found) level_found.push_back(std::move(f));
      w.found.clear();
    }
    if (level_found.empty()) return;
    result_.violations += level_found.size();
    if (have_violation_) return;  // keep going: the first (shortest) one stays the one reported
    const auto first = std::min_element(level_found.begin(), level_found.end(), [](const Found& a, const Found& b) {
      return std::tie(a.property_index, a.fingerprint) < std::tie(b.property_index, b.fingerprint);
    });
    violation_ = std::move(*first);
    have_violation_ = true;
  }

  // Growth of the fingerprint table happens with every worker paused between two states.
  void pause_for_growth() {
    if (!table_.needs_grow()) return;
    std::unique_lock lock(growth_mutex_);
    if (!table_.needs_grow() || memory_exhausted_) return;
    ++paused_;
    if (paused_ == active_) {
      grow();
    } else {
      const std::uint64_t generation = growth_generation_;
      growth_done_.wait(lock, [&] { return growth_generation_ != generation; });
    }
  }

  void leave() {
    std::unique_lock lock(growth_mutex_);
    --active_;
    if (paused_ > 0 && paused_ == active_) grow();
  }

  // Called with the growth mutex held and every active worker paused.
  void grow() {
    if (table_.can_grow()) {
      frontier_peak_ = std::max(frontier_peak_, resident_.load());
      const std::vector<std::uint32_t> moved = table_.grow(static_cast<unsigned>(workers_.size()));
      for (Worker& w : workers_) {
        for (Found& f : w.found) f.slot = moved[f.slot];
      }
      if (have_violation_) violation_.slot = moved[violation_.slot];
    } else {
      memory_exhausted_ = true;
      abort_.store(true);
      result_.stop_reason = memory_bound_reached;
    }
    paused_ = 0;
    ++growth_generation_;
    growth_done_.notify_all();
  }

  // Counters shared by the workers are updated every publish_every expansions (and when a
  // worker leaves a level): touching them on every state makes their cache line bounce between
  // the cores.
  static constexpr std::uint32_t publish_every = 64;
  void publish(Worker& w) {
    table_.count_inserted(w.uncounted);
    w.uncounted = 0;
    expanded_.fetch_add(w.unpublished, std::memory_order_relaxed);
    w.unpublished = 0;
    generated_.fetch_add(w.generated - w.reported_generated, std::memory_order_relaxed);
    distinct_.fetch_add(w.distinct - w.reported_distinct, std::memory_order_relaxed);
    w.reported_generated = w.generated;
    w.reported_distinct = w.distinct;
  }

  void report_progress() {
    ExploreStats stats;
    stats.states_generated = generated_.load(std::memory_order_relaxed);
    stats.distinct_states = distinct_.load(std::memory_order_relaxed);
    stats.depth = depth_;
    const std::uint64_t expanded = expanded_.load(std::memory_order_relaxed);
    stats.queue = level_size_ - std::min<std::uint64_t>(level_size_, expanded) + stats.distinct_states -
                  std::min(stats.distinct_states, distinct_at_level_start_);
    progress_.tick(stats);
  }

  // The shortest trace to the reported violation: walk parents to the root, then re-execute.
  void rebuild_trace() {
    std::vector<std::uint32_t> path;
    for (std::uint32_t slot = violation_.slot; slot != FingerprintTable::no_parent; slot = table_.parent(slot)) {
      path.push_back(slot);
    }
    std::reverse(path.begin(), path.end());
    auto slot_of = [&](const State& s) { return table_.find(stored_fingerprint(s)); };
    for (State& state : model_.initial_states()) {
      if (result_.trace.empty() && slot_of(state) == path.front()) {
        result_.trace.push_back({std::nullopt, std::move(state)});
      }
    }
    for (std::size_t i = 1; i < path.size() && !result_.trace.empty(); ++i) {
      auto found = first_successor(model_, result_.trace.back().state,
                                   [&](const Action&, const State& next) { return slot_of(next) == path[i]; });
      if (!found) break;  // cannot happen for a deterministic model
      result_.trace.push_back({std::move(found->first), std::move(found->second)});
    }
    if (violation_.transition) result_.trace.push_back(std::move(*violation_.transition));
  }

  ExploreResult<M> finish(std::uint32_t depth) {
    ExploreStats stats;
    for (const Worker& w : workers_) {
      stats.states_generated += w.generated;
      stats.distinct_states += w.distinct;
      result_.transitions_pruned += w.pruned;
    }
    stats.depth = depth;
    stats.queue = level_size_;
    progress_.finish(stats);
    result_.stats = stats;
    result_.seconds = progress_.seconds();
    result_.table_bytes = table_.bytes();
    result_.frontier_bytes_peak = frontier_peak_;
    result_.frontier_spilled_bytes = spilled_;
    std::vector<char> reached(model_.properties().size(), 0);
    for (const Worker& w : workers_) {
      for (std::size_t p = 0; p < reached.size(); ++p) reached[p] |= w.sometimes_seen[p];
    }
    result_.sometimes_unreached = sometimes_unreached(model_.properties(), reached);
    if (have_violation_) {
      result_.property = violation_.property;
      rebuild_trace();
      // The violating state lies one level below the level being expanded when it was met.
      result_.stats.depth = std::max<std::uint32_t>(depth, static_cast<std::uint32_t>(result_.trace.size()));
    }
    result_.outcome = outcome_of(have_violation_, memory_exhausted_, result_);
    return std::move(result_);
  }

  const M& model_;
  ExploreOptions options_;
  FingerprintTable table_;
  Progress progress_;
  std::vector<Worker> workers_;

  std::vector<Frontier> level_;  // the states of the level being expanded
  std::vector<std::pair<std::size_t, std::size_t>> work_;  // (frontier, block) still to expand
  std::size_t level_size_ = 0;
  std::atomic<std::size_t> resident_ = 0;  // frontier bytes in memory
  std::size_t frontier_peak_ = 0;
  std::size_t spilled_ = 0;
  std::uint64_t distinct_at_level_start_ = 0;
  std::atomic<std::uint64_t> expanded_ = 0;  // states of the current level expanded so far
  std::uint32_t depth_ = 0;
  std::atomic<std::size_t> cursor_ = 0;
  std::atomic<bool> abort_ = false;
  std::atomic<std::uint64_t> generated_ = 0;
  std::atomic<std::uint64_t> distinct_ = 0;

  std::mutex growth_mutex_;
  std::condition_variable growth_done_;
  int active_ = 0;
  int paused_ = 0;
  std::uint64_t growth_generation_ = 0;
  bool memory_exhausted_ = false;

  bool have_violation_ = false;
  Found violation_{};
  SleepSets<Action> sleep_;
  ExploreResult<M> result_;
};

}  // namespace lockstep::detail
