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
// state (transition properties on every step). Levels are explored in order, each by all the
// workers at once; a level is finished before its violations are looked at, so the trace is a
// shortest one, and the violation reported is chosen by (property, fingerprint), so the
// property and the final state do not depend on the number of workers. (With several workers,
// which of several equally short paths leads there may vary: parent links go to whichever
// worker reached a state first.)
#pragma once

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <tuple>
#include <unordered_map>
#include <optional>
#include <string>
#include <vector>

#include "checker/fingerprint_table.hpp"
#include "checker/frontier.hpp"
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

enum class Strategy { bfs, dfs };

struct ExploreOptions {
  Strategy strategy = Strategy::bfs;
  bool keep_going = false;          // do not stop at the first violation (count them all)
  std::uint32_t depth_max = 0;      // 0 = no bound
  std::size_t memory_bytes_max = 0; // bound on the fingerprint table; 0 = none
  std::size_t frontier_memory = std::size_t{16} << 20;  // frontier bytes kept in memory; the rest spills to disk
  Progress::Mode progress = Progress::Mode::quiet;
  unsigned workers = 1;             // threads exploring each level
  bool symmetry = false;            // store one state per orbit (the model's canonicalize)
  // Partial-order reduction with sleep sets (the model's independent). Sound for invariants (every
  // state is reached) and for transition properties that judge each node's own change (as all of
  // spec/'s do): a transition skipped from one state is taken from another with the same change
  // at its node.
  bool por = false;
};

template <class M>
struct ExploreResult {
  Outcome outcome = Outcome::ok;
  std::string property;                      // the violated property
  std::string stop_reason;                   // why an incomplete run stopped
  std::string warning;                       // something the user should know (e.g. a full disk)
  std::vector<std::string> sometimes_unreached;
  std::vector<TraceStep<typename M::State, typename M::Action>> trace;
  ExploreStats stats;
  double seconds = 0;
  std::size_t table_bytes = 0;
  std::size_t frontier_bytes_peak = 0;       // frontier bytes held in memory at the widest point
  std::size_t frontier_spilled_bytes = 0;    // frontier bytes written to disk, all levels together
  std::uint64_t violations = 0;
  std::uint64_t transitions_pruned = 0;      // by partial-order reduction
  bool depth_bounded = false;                // states beyond depth_max were not explored
};

namespace detail {

// A search's verdict: a violation first, then a search the memory bound cut short, then a
// "sometimes" property never reached (vacuous), else ok.
template <class M>
Outcome outcome_of(bool violated, bool memory_exhausted, const ExploreResult<M>& result) {
  if (violated) return Outcome::violation;
  if (memory_exhausted) return Outcome::incomplete;
  if (!result.sometimes_unreached.empty()) return Outcome::vacuous;
  return Outcome::ok;
}

// The sleep sets of two levels: the one being expanded (read only) and the next (written by
// every worker, sharded under locks together with the fingerprint insert, so that a state's
// first arrival and later ones of the same level are ordered). Each shard is a flat
// open-addressing map from fingerprint to a range of one arena of actions: no allocation per
// state, and a level's sets are dropped by clearing two vectors.
template <class Action>
class SleepSets {
 public:
  struct Range {
    const Action* begin;
    const Action* end;
    bool contains(const Action& a) const { return std::find(begin, end, a) != end; }
  };
  std::optional<Range> current(std::uint64_t fp) const {
    const Map& map = current_[shard_of(fp)];
    const Entry* e = map.find(fp);
    if (e == nullptr) return std::nullopt;
    return Range{map.arena.data() + e->offset, map.arena.data() + e->offset + e->size};
  }
  // Inserts a successor with its sleep set. `this_level` tells whether the state belongs to the
  // next level (new now, or first reached earlier in this level), so that it will be expanded
  // after every arrival of this level has narrowed its sleep set.
  FingerprintTable::Inserted insert(FingerprintTable& table, std::uint64_t fp, std::uint32_t parent,
                                    const std::vector<Action>& sleep, bool& this_level) {
    Shard& shard = next_[shard_of(fp)];
    std::lock_guard lock(shard.mutex);
    const auto inserted = table.insert_uncounted(fp, parent);
    this_level = inserted.is_new;
    if (inserted.is_new) {
      shard.map.add(fp, sleep);
    } else if (Entry* e = shard.map.find(fp)) {
      this_level = true;  // reached again in this level: keep what both arrivals let sleep
      Action* kept = shard.map.arena.data() + e->offset;
      std::uint32_t n = 0;
      for (std::uint32_t i = 0; i < e->size; ++i) {
        if (std::find(sleep.begin(), sleep.end(), kept[i]) != sleep.end()) kept[n++] = kept[i];
      }
      e->size = n;
    }
    return inserted;
  }
  void next_level() {
    for (std::size_t i = 0; i < shards; ++i) {
      std::swap(current_[i], next_[i].map);
      next_[i].map.clear();
    }
  }

 private:
  static constexpr std::size_t shards = 64;
  static std::size_t shard_of(std::uint64_t fp) { return static_cast<std::size_t>(fp >> 58); }
  struct Entry {
    std::uint64_t fp = 0;  // 0: empty (a fingerprint of 0 is stored as 1)
    std::uint32_t offset = 0;
    std::uint32_t size = 0;
  };
  struct Map {
    std::vector<Entry> slots;
    std::vector<Action> arena;
    std::size_t used = 0;
    static std::uint64_t key(std::uint64_t fp) { return fp == 0 ? 1 : fp; }
    const Entry* find(std::uint64_t fp) const { return const_cast<Map*>(this)->find(fp); }
    Entry* find(std::uint64_t fp) {
      if (slots.empty()) return nullptr;
      const std::uint64_t k = key(fp);
      for (std::size_t i = k & (slots.size() - 1);; i = (i + 1) & (slots.size() - 1)) {
        if (slots[i].fp == k) return &slots[i];
        if (slots[i].fp == 0) return nullptr;
      }
    }
    void add(std::uint64_t fp, const std::vector<Action>& sleep) {
      if ((used + 1) * 2 > slots.size()) grow();
      const std::uint64_t k = key(fp);
      std::size_t i = k & (slots.size() - 1);
      while (slots[i].fp != 0) i = (i + 1) & (slots.size() - 1);
      slots[i] = Entry{k, static_cast<std::uint32_t>(arena.size()), static_cast<std::uint32_t>(sleep.size())};
      arena.insert(arena.end(), sleep.begin(), sleep.end());
      ++used;
    }
    void grow() {
      std::vector<Entry> old = std::move(slots);
      slots.assign(std::max<std::size_t>(64, old.size() * 2), Entry{});
      for (const Entry& e : old) {
        if (e.fp == 0) continue;
        std::size_t i = e.fp & (slots.size() - 1);
        while (slots[i].fp != 0) i = (i + 1) & (slots.size() - 1);
        slots[i] = e;
      }
    }
    void clear() {
      std::fill(slots.begin(), slots.end(), Entry{});
      arena.clear();
      used = 0;
    }
  };
  struct Shard {
    std::mutex mutex;
    Map map;
  };
  std::array<Map, shards> current_;
  std::array<Shard, shards> next_;
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
      const auto& transitions = model_.transition_properties();
      for (std::size_t p = 0; p < transitions.size(); ++p) {
        if (transitions[p].holds(state, next)) continue;
        w.found.push_back({model_.properties().size() + p, fingerprint(next), std::string(transitions[p].name), source,
                           TraceStep<State, Action>{action, next}});
        return;
      }
      canonicalize(next);
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
    if constexpr (requires(const Action& a) { M::independent(a, a); }) {
      return options_.por;
    } else {
      return false;
    }
  }

  FingerprintTable::Inserted insert_with_sleep(Worker& w, std::uint64_t fp, std::uint32_t source, std::size_t k,
                                              bool& this_level) {
    if constexpr (requires(const Action& a) { M::independent(a, a); }) {
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

  // With symmetry reduction, replaces a state by the representative of its orbit.
  void canonicalize(State& state) const {
    if constexpr (requires(State& s) { model_.canonicalize(s); }) {
      if (options_.symmetry) model_.canonicalize(state);
    }
  }

  std::uint64_t stored_fingerprint(const State& state) const {
    if (!options_.symmetry) return fingerprint(state);
    State canonical = state;
    canonicalize(canonical);
    return fingerprint(canonical);
  }

  // Records a state reached from `parent`; checks it if new.
  void add(Worker& w, State state, std::uint32_t parent) {
    canonicalize(state);
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
    const auto& properties = model_.properties();
    for (std::size_t p = 0; p < properties.size(); ++p) {
      const auto& property = properties[p];
      if (property.kind == PropertyKind::sometimes) {
        if (!w.sometimes_seen[p] && property.holds(state)) w.sometimes_seen[p] = 1;
      } else if (!property.holds(state)) {
        w.found.push_back({p, fp, std::string(property.name), slot, std::nullopt});
        return;
      }
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
      result_.stop_reason = "the memory bound was reached";
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
      std::optional<TraceStep<State, Action>> found;
      model_.for_each_successor(result_.trace.back().state, [&](const Action& action, State&& next) {
        if (!found && slot_of(next) == path[i]) found = TraceStep<State, Action>{action, std::move(next)};
      });
      if (!found) break;  // cannot happen for a deterministic model
      result_.trace.push_back(std::move(*found));
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
    const auto& properties = model_.properties();
    for (std::size_t p = 0; p < properties.size(); ++p) {
      bool seen = false;
      for (const Worker& w : workers_) seen = seen || w.sometimes_seen[p];
      if (properties[p].kind == PropertyKind::sometimes && !seen) result_.sometimes_unreached.emplace_back(properties[p].name);
    }
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

}  // namespace detail

namespace detail {

// Depth-first search to a depth bound, on one thread: for deep runs with little memory for a
// frontier. The table keeps, for each state, the depth at which it was seen; a state seen again
// at a smaller depth is explored again (its subtree may have been cut by the bound before). The
// trace of a violation is the search's current path: a real run, not always a shortest one.
template <class M>
class DepthFirst {
 public:
  using State = typename M::State;
  using Action = typename M::Action;

  DepthFirst(const M& model, const ExploreOptions& options)
      : model_(model), options_(options), table_(options.memory_bytes_max), progress_(options.progress),
        sometimes_seen_(model.properties().size(), false) {}

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
    std::vector<std::pair<Action, State>> successors;
    std::size_t next = 0;
  };

  bool stopped() const { return memory_exhausted_ || (!result_.trace.empty() && !options_.keep_going); }

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
    if constexpr (requires(State& s) { model_.canonicalize(s); }) {
      if (options_.symmetry) model_.canonicalize(key);
    }
    if (table_.needs_grow()) {
      if (!table_.can_grow()) {
        memory_exhausted_ = true;
        result_.stop_reason = "the memory bound was reached";
        return false;
      }
      table_.grow(1);
    }
    const auto inserted = table_.insert(fingerprint(key), depth);
    if (!inserted.is_new) {
      if (table_.parent(inserted.slot) <= depth) return false;
      table_.set_parent(inserted.slot, depth);  // seen again nearer the root: explore again
    } else {
      ++stats_.distinct_states;
      if (check(action, state)) return false;
    }
    stats_.depth = std::max(stats_.depth, depth + 1);
    if (!model_.within_bounds(state)) return false;
    Frame frame{std::move(action), std::move(state), depth, {}, 0};
    if (options_.depth_max != 0 && depth + 1 >= options_.depth_max) {
      bool more = false;
      model_.for_each_successor(frame.state, [&](const Action&, State&&) { more = true; });
      result_.depth_bounded = result_.depth_bounded || more;
      return false;
    }
    model_.for_each_successor(frame.state, [&](const Action& a, State&& next) { frame.successors.emplace_back(a, std::move(next)); });
    stack_.push_back(std::move(frame));
    return true;
  }

  // Checks a new state; on a violation records the path to it and returns true.
  bool check(const std::optional<Action>& action, const State& state) {
    const auto& properties = model_.properties();
    for (std::size_t p = 0; p < properties.size(); ++p) {
      if (properties[p].kind == PropertyKind::sometimes) {
        if (!sometimes_seen_[p] && properties[p].holds(state)) sometimes_seen_[p] = true;
      } else if (!properties[p].holds(state)) {
        violation(std::string(properties[p].name), action, state);
        return true;
      }
    }
    return false;
  }

  bool violates_transition(const State& before, const Action& action, const State& after) {
    for (const auto& property : model_.transition_properties()) {
      if (property.holds(before, after)) continue;
      violation(std::string(property.name), action, after);
      return true;
    }
    return false;
  }

  void violation(std::string property, const std::optional<Action>& action, const State& state) {
    ++result_.violations;
    if (!result_.trace.empty()) return;
    result_.property = std::move(property);
    for (const Frame& frame : stack_) result_.trace.push_back({frame.action, frame.state});
    result_.trace.push_back({action, state});
  }

  ExploreStats stats() const { return ExploreStats{stats_.states_generated, stats_.distinct_states, stats_.depth, stack_.size()}; }

  ExploreResult<M> finish() {
    progress_.finish(stats());
    result_.stats = stats();
    result_.seconds = progress_.seconds();
    result_.table_bytes = table_.bytes();
    const auto& properties = model_.properties();
    for (std::size_t p = 0; p < properties.size(); ++p) {
      if (properties[p].kind == PropertyKind::sometimes && !sometimes_seen_[p]) {
        result_.sometimes_unreached.emplace_back(properties[p].name);
      }
    }
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
  bool memory_exhausted_ = false;
  ExploreResult<M> result_;
};

}  // namespace detail

template <class M>
ExploreResult<M> explore(const M& model, const ExploreOptions& options = {}) {
  if (options.strategy == Strategy::dfs) return detail::DepthFirst<M>(model, options).run();
  return detail::Explorer<M>(model, options).run();
}

}  // namespace lockstep
