// Breadth-first search of a model (checker/model.hpp), to exhaustion or to the first violation,
// on every worker at once.
//
// The search keeps a fingerprint and a parent link per distinct state (FingerprintTable) and the
// frontier as encoded bytes, never whole states. Every property is checked on every new state
// (transition properties on every step). Levels are explored in order, each by all the workers
// at once; a level is finished before its violations are looked at, so the trace is a shortest
// one, and the violation reported is chosen by (property, fingerprint), so the property and the
// final state do not depend on the number of workers. Nor does the path: a state's parent link
// goes to its predecessor of least fingerprint in the level before (every predecessor offers
// itself; table.offer_parent keeps the least), so the trace is the same whichever worker reached a
// state first.
//
// Checkpoints (options.checkpoint; checker/engine/checkpoint.hpp): at the start of a level every
// so often, and after an interrupted level, the table, the next level's bits, the work items not yet
// expanded, the next level found so far and the counters go to disk; a resume makes them the
// search's state again and expands what is left. Interrupted, the workers finish the block they
// hold and claim no other, so the items before the cursor are exactly the expanded ones.
//
// Distributed (options.partition, `mpirun ... --distributed`): every rank runs this search over
// the states it owns (Partition::owner of their fingerprint). A successor owned elsewhere is
// shipped to its owner: each level is expanded in rounds of a few blocks per rank, and after each
// round the ranks exchange what they shipped (one collective), insert what they received, and
// agree whether any rank has work left. A parent link is then the parent's fingerprint (it may
// live on another rank), and a trace is rebuilt by asking each link's owner for the next one.
// Levels end together, violations are chosen among every rank's by the same rule, and the counts
// are summed: the same figures and trace as one process.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>
#include <map>
#include <memory>
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
#include "model/core/json.hpp"

namespace lockstep::detail {

template <Model M>
class BreadthFirst {
 public:
  using State = typename M::State;
  using Action = typename M::Action;

  BreadthFirst(const M& model, const ExploreOptions& options)
      : model_(model),
        options_(options),
        partition_(options.partition),
        checked_(checked_properties(model, options.properties)),
        table_(table_bytes_max(options), partition_ == nullptr ? FingerprintTable::SlotValue::parent : FingerprintTable::SlotValue::depth,
               // --expect-states: a rank owns its share of them
               FingerprintTable::buckets_for(
                   options.expected_states / static_cast<std::uint64_t>(partition_ == nullptr ? 1 : std::max(1, partition_->ranks())),
                   table_bytes_max(options))),
        progress_(options.progress) {
    const std::size_t count = std::max(1u, options.workers);
    const std::size_t budget = std::max<std::size_t>(options.frontier_memory / (2 * count), Frontier::block_bytes);
    // Under the user's --memory the frontier's budget is hard: a disk that refuses it stops the run.
    const bool hard = options.memory_bytes_max != 0;
    spill_.dir = options.spill_dir;
    spill_.bytes_max = options.spill_bytes_max;
    for (std::size_t i = 0; i < count; ++i) workers_.emplace_back(budget, &resident_, hard, &spill_);
    for (Worker& w : workers_) {
      w.sometimes_seen.assign(model.properties().size(), 0);
      checked_.mark_unchecked(w.sometimes_seen);
    }
    if (distributed()) {
      for (Worker& w : workers_) w.outbox.resize(static_cast<std::size_t>(partition_->ranks()));
      parents_ = unset_parents(table_.capacity());
    } else {
      next_bits_.assign(bit_words(), 0);
    }
  }

  ExploreResult<M> run() {
    std::uint32_t depth = 1;
    if (checkpointing()) result_.checkpoint.dir = options_.checkpoint.dir;
    if (checkpointing() && options_.checkpoint.resume) {
      depth = restore();
    } else {
      Worker& w = workers_.front();
      for (State& state : model_.initial_states()) add(w, state);
      collect_next_level();
      resolve_violations();
    }
    double last_checkpoint = progress_.seconds();
    while (!stopped() && (global_level_size_ > 0 || level_partly_expanded_)) {
      // `depth` levels are known; expanding the last one finds states `depth` steps away.
      if (options_.depth_max != 0 && depth > options_.depth_max) {
        if (checks_at_expansion()) {  // the level not expanded is still checked
          checks_only_ = true;
          expand_level(depth);
          resolve_violations();
          if (stopped()) break;
        }
        result_.depth_bounded = true;
        result_.states_at_depth_bound = global_level_size_;
        break;
      }
      if (checkpointing() && progress_.seconds() - last_checkpoint >= options_.checkpoint.every_seconds) {
        write_checkpoint(depth, 0);
        last_checkpoint = progress_.seconds();
      }
      try {
        expand_level(depth);
        // Interrupted, the workers stop between blocks: the blocks before the cursor are expanded,
        // the others not, and a checkpoint can say so.
        if (checkpointing() && interrupted(options_.interrupt) && !abort_.load()) {
          write_checkpoint(depth, std::min(cursor_.load(), work_.size()));
        }
        collect_next_level();
      } catch (const SpillBoundReached& e) {  // the figures so far stand; the run is incomplete
        memory_exhausted_ = true;
        result_.stop_reason = e.what();
        break;
      }
      resolve_violations();
      if (interrupted(options_.interrupt) && !distributed()) {  // the figures so far stand
        memory_exhausted_ = true;
        result_.stop_reason = interrupted_reason;
        break;
      }
      if (global_level_size_ > 0 && !memory_exhausted_) ++depth;
    }
    // The last states found, all beyond the bounds, are checked as a level of their own.
    if (checks_at_expansion() && !stopped() && global_level_size_ == 0 && !level_partly_expanded_) {
      check_beyond();
      resolve_violations();
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
    std::uint64_t source_fingerprint;  // for a transition property, the state before
    std::optional<TraceStep<State, Action>> transition;
  };

  // A successor waiting to be inserted: where its encoding is in its batch's bytes, its
  // fingerprint, and (where checks wait for the expansion) whether it is within the bounds.
  struct Pending {
    std::size_t begin;
    std::size_t end;
    std::uint64_t fingerprint;
    bool within = true;
  };

  // The successors of one expanded state: their encodings end to end, where each is, and their
  // states where kept (keeps_successors), with the expanded state's slot and fingerprint.
  struct Batch {
    Bytes bytes;
    std::vector<Pending> items;
    std::vector<State> states;
    std::uint32_t source = 0;
    std::uint64_t source_fingerprint = 0;
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
    Worker(std::size_t budget, std::atomic<std::size_t>* resident, bool hard, SpillPolicy* spill)
        : next(budget, resident, hard, spill), budget(budget), hard(hard), resident(resident), spill(spill) {}
    Frontier next;
    std::size_t budget;
    bool hard;
    std::atomic<std::size_t>* resident;
    SpillPolicy* spill;
    Bytes read_buffer;
    Bytes encoded;
    // The successors of one state, generated; and those of the state before, waiting for their
    // insertion (their buckets were prefetched while this state's successors were generated).
    Batch batch;
    Batch waiting;
    State decoded;                     // else a new successor's, decoded from its bytes
    // checks_at_expansion: the new states beyond the bounds found in this level (encodings end to
    // end), and those of the level before, checked when it is expanded.
    Batch beyond_next;
    Batch beyond;
    State current;                     // and the state expanded (M::decode_new_successors)
    std::vector<Found> found;
    std::vector<char> sometimes_seen;
    std::vector<Bytes> outbox;  // distributed: successors for each rank, as ship() writes them
    std::uint64_t states_sent = 0;
    std::uint64_t bytes_sent = 0;
    std::uint64_t beyond_bounds = 0;  // new states not expanded: beyond the model's bounds
    std::map<std::string, std::uint64_t> coverage;
    std::uint64_t generated = 0;
    std::uint64_t distinct = 0;
    std::uint64_t reported_generated = 0;
    std::uint64_t reported_distinct = 0;
  };

  bool stopped() const { return memory_exhausted_ || (have_violation_ && !options_.keep_going); }

  // The table's share of --memory (0 = none): distributed, a slot also keeps an 8-byte parent
  // fingerprint; in one process, a bit (next_bits_).
  static std::size_t table_bytes_max(const ExploreOptions& options) {
    return options.partition == nullptr ? options.memory_bytes_max / 97 * 96 : options.memory_bytes_max / 20 * 12;
  }

  // Expands every state of the current level on all workers.
  void expand_level(std::uint32_t depth) {
    cursor_.store(0);
    expanded_.store(0);
    level_violated_.store(false);
    if (checks_at_expansion()) check_beyond();
    distinct_at_level_start_ = distinct_.load();
    depth_ = depth - 1;  // in steps: the states being expanded are this many steps away
    if (!distributed()) {
      expand_items(work_.size());
      return;
    }
    // In rounds: a few blocks per worker, then the exchange, until no rank has blocks left.
    const std::size_t per_round = 4 * workers_.size();
    std::size_t end = 0;
    LevelFigures level{depth, 0, 0, 0, 0};  // the states found are `depth` steps away
    insert_level_ = depth;  // the level of the states it finds (the initial states' is 0)
    const std::uint64_t sent_before = bytes_sent(), states_sent_before = states_sent();
    // Summed over the ranks after each round: whether any has blocks left, or stopped; the
    // counters (progress); and this level's new states and shipments so far.
    std::array<std::uint64_t, 8> agreed{};
    for (;;) {
      cursor_.store(end);
      end = std::min(work_.size(), end + per_round);
      expand_items(end);
      exchange_and_insert();
      ++level.rounds;
      agreed = {end < work_.size() ? 1u : 0u, abort_.load() ? 1u : 0u, generated_.load(), distinct_.load(),
                expanded_.load(), distinct_.load() - distinct_at_level_start_, bytes_sent() - sent_before,
                states_sent() - states_sent_before};
      partition_->sum(agreed);
      ExploreStats stats{agreed[2], agreed[3], depth - 1, global_level_size_ - std::min(global_level_size_, agreed[4])};
      progress_.tick_now(stats);
      if (agreed[1] != 0) {
        stop_for_memory();
        break;
      }
      if (agreed[0] == 0) break;
    }
    level.distinct_states = agreed[5];
    level.bytes_sent = agreed[6];
    level.states_sent = agreed[7];
    result_.levels.push_back(level);
  }

  // The workers expand the level's blocks from cursor_ up to `end`.
  void expand_items(std::size_t end) {
    items_end_ = end;
    on_workers([this](Worker& w, std::size_t index) { work(w, index); });
  }

  // Runs body(worker, index) on every worker at once (worker 0 on this thread). The first
  // exception stops the others and is rethrown here.
  template <class Body>
  void on_workers(Body&& body) {
    active_ = static_cast<int>(workers_.size());
    std::vector<std::exception_ptr> errors(workers_.size());
    const auto run = [&](std::size_t index) {
      Worker& w = workers_[index];
      try {
        body(w, index);
      } catch (...) {
        errors[index] = std::current_exception();
        abort_.store(true);
      }
      publish(w);
      leave();
    };
    std::vector<std::thread> threads;
    for (std::size_t i = 1; i < workers_.size(); ++i) threads.emplace_back(run, i);
    run(0);
    for (auto& thread : threads) thread.join();
    for (const auto& error : errors) {
      if (error) std::rethrow_exception(error);
    }
  }

  void work(Worker& w, std::size_t index) {
    while (!abort_.load(std::memory_order_relaxed)) {
      pause_for_growth();
      // Interrupted, a worker finishes its block and takes no other (so a checkpoint knows which
      // blocks are expanded: every one claimed).
      if (interrupted(options_.interrupt) && !distributed()) break;
      const std::size_t item = cursor_.fetch_add(1);
      if (item >= items_end_) break;
      const auto [segment, block] = work_[item];
      // The frontier's states are looked up in the table (for their slot, the successors'
      // parent link) a few states ahead of their expansion, their buckets prefetched.
      std::size_t ahead = 0;
      const auto expand_oldest = [&] {
        const Ahead& a = w.ahead[w.ahead_first];
        w.ahead_first = (w.ahead_first + 1) % lookahead;
        --ahead;
        expand(w, a.data, a.size, a.fingerprint);
        if (index == 0 && !distributed()) report_progress();
        if (table_.needs_grow()) {
          insert_waiting(w);  // its source slot would move
          pause_for_growth();
        }
      };
      level_[segment].for_each_in_block(block, w.read_buffer, [&](const char* data, std::size_t size) {
        if (abort_.load(std::memory_order_relaxed)) return;
        const std::uint64_t fp = fingerprint_bytes(data, size);
        table_.prefetch(fp, false);  // find() reads its bucket only
        w.ahead[(w.ahead_first + ahead) % lookahead] = Ahead{data, size, fp};
        if (++ahead == lookahead) expand_oldest();
      });
      while (ahead > 0 && !abort_.load(std::memory_order_relaxed)) expand_oldest();
      insert_waiting(w);
      w.ahead_first = 0;
    }
  }

  void expand(Worker& w, const char* data, std::size_t size, std::uint64_t state_fp) {
    if constexpr (M::decode_new_successors) {
      decode_over(w.current, data, size);
      expand(w, w.current, state_fp);
    } else {
      const State state = decode_from<State>(data, size);
      expand(w, state, state_fp);
    }
  }
  // Generates the successors of `state` (their encodings fingerprinted, their buckets
  // prefetched), then inserts those of the state expanded before, whose buckets have had the
  // time of this generation to arrive: the table is much larger than the caches. With the
  // partial-order reduction, a state's successors are inserted at once (the sleep sets of a
  // state depend on its siblings').
  void expand(Worker& w, const State& state, std::uint64_t state_fp) {
    const auto found = table_.find(state_fp);  // (distributed, the slot serves transition violations only)
    if (!found) throw std::logic_error("a frontier state is missing from the fingerprint table");
    if (checks_at_expansion()) {
      if (check(w, state, *found, state_fp)) level_violated_.store(true, std::memory_order_relaxed);
      if (checks_only_ || (!options_.keep_going && level_violated_.load(std::memory_order_relaxed))) return;
    }
    Batch& batch = w.batch;
    batch.source = *found;
    batch.source_fingerprint = state_fp;
    batch.items.clear();
    batch.bytes.clear();
    const auto sleeping = por() ? sleep_.current(state_fp) : std::nullopt;
    w.batch_actions.clear();
    w.sleep_live.clear();
    const auto take = [&](const Action& action, State&& next) {
      if (sleeping && sleeping->contains(action)) {
        ++w.pruned;  // reached from a sibling already, in the other order
        if (model_.within_bounds(next)) w.sleep_live.push_back(action);
        return;
      }
      ++w.generated;
      if (options_.coverage) ++w.coverage[action_kind_label(action)];
      // (the guard first: the arguments alone cost about 1% of raft-tla's instructions)
      if (const auto p = model_.transition_properties().empty()
                             ? std::nullopt
                             : first_violated_transition(model_.transition_properties(), state, next, checked_.transition_or_all())) {
        w.found.push_back({model_.properties().size() + *p, fingerprint(next),
                           std::string(model_.transition_properties()[*p].name), batch.source, state_fp,
                           TraceStep<State, Action>{action, next}});
        return;
      }
      to_representative(model_, options_, next);
      const std::size_t begin = batch.bytes.size();
      encode_to(batch.bytes, next);
      const std::uint64_t fp = fingerprint_bytes(batch.bytes.data() + begin, batch.bytes.size() - begin);
      if (distributed() && !partition_->owns(fp)) {
        ship(w, fp, state_fp, begin);
        return;
      }
      table_.prefetch(fp);
      if (!distributed()) __builtin_prefetch(&next_bits_[table_.home_slot(fp) / 64]);
      const bool within = !checks_at_expansion() || model_.within_bounds(next);
      if (keeps_successors()) {
        if (batch.items.size() == batch.states.size()) batch.states.emplace_back();
        batch.states[batch.items.size()] = std::move(next);
      }
      batch.items.push_back({begin, batch.bytes.size(), fp, within});
      if (por()) w.batch_actions.push_back(action);
    };
    // A step that changes nothing, reported without its state (checker/model.hpp): its successor
    // is `state`, in the table already, so it is counted as generated and not looked up. The
    // sleep sets and a distributed search take it the long way, as a copy.
    const auto stutter = [&](const Action& action) {
      if (por() || distributed()) {
        take(action, State(state));
        return;
      }
      ++w.generated;
      if (options_.coverage) ++w.coverage[action_kind_label(action)];
      if (const auto p = first_violated_transition(model_.transition_properties(), state, state, checked_.transition_or_all())) {
        w.found.push_back({model_.properties().size() + *p, state_fp, std::string(model_.transition_properties()[*p].name),
                           batch.source, state_fp, TraceStep<State, Action>{action, state}});
      }
    };
    model_.for_each_successor(state, WithStutters{take, stutter});
    if (por()) {
      insert_batch(w, batch);
    } else {
      insert_waiting(w);
      std::swap(w.batch, w.waiting);
    }
    if (++w.unpublished == publish_every) publish(w);
  }

  // Inserts the successors waiting, if any.
  void insert_waiting(Worker& w) { insert_batch(w, w.waiting); }

  // Inserts a batch's successors and empties it.
  void insert_batch(Worker& w, Batch& batch) {
    const std::uint32_t source = batch.source;
    w.explored.clear();
    for (std::size_t k = 0; k < batch.items.size(); ++k) {
      const Pending& p = batch.items[k];
      bool this_level = false;
      const auto inserted =
          por()           ? insert_with_sleep(w, p.fingerprint, source, k, this_level)
          : distributed() ? table_.insert_uncounted(p.fingerprint, insert_level_)
                          : table_.insert_uncounted(p.fingerprint, source, next_bits_.data());
      if (distributed()) {
        offer_parent(inserted, batch.source_fingerprint);
      } else if (!inserted.is_new) {
        offer_parent_slot(inserted.slot, source, batch.source_fingerprint);
      }
      if (por() && this_level && model_.within_bounds(batch.states[k])) w.explored.push_back(w.batch_actions[k]);
      if (!inserted.is_new) continue;
      ++w.distinct;
      if (++w.uncounted == 32) {  // the table's size, for its growth, lags by a few states only
        table_.count_inserted(w.uncounted);
        w.uncounted = 0;
      }
      bool within = p.within;
      if (!checks_at_expansion()) {  // else checked when it is expanded, or with its level's
        if (!keeps_successors()) decode_over(w.decoded, batch.bytes.data() + p.begin, p.end - p.begin);
        const State& next = keeps_successors() ? batch.states[k] : w.decoded;
        check(w, next, inserted.slot, p.fingerprint);
        within = model_.within_bounds(next);
      }
      push_new(w, batch.bytes.data() + p.begin, p.end - p.begin, p.fingerprint, within);
    }
    batch.items.clear();
  }

  // Whether expand keeps each successor's state until it is inserted (for its properties and
  // bounds, if new). Most successors are not new: a model whose state is much larger than its
  // encoding and quick to decode (M::decode_new_successors, checker/model.hpp) has only the new
  // ones decoded back from their bytes instead. The sleep sets look at every successor's bounds.
  bool keeps_successors() const { return por() || !M::decode_new_successors; }
  // Such a model's new states are not decoded when found either: their properties are checked
  // when they are expanded, decoded once for both (those beyond the bounds, which are not
  // expanded, at the same time). A violation is then met one level later than when found; the
  // rest of that level is only checked, not expanded (unless the run keeps going), so the same
  // violations are met together and the same one is reported; a depth bound checks the level it
  // does not expand. In one process without checkpoints (a checkpoint's frontier is checked; a
  // distributed search checks what it receives).
  bool checks_at_expansion() const { return !keeps_successors() && !distributed() && !checkpointing(); }

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
      return sleep_.insert(table_, fp, source, sleep, this_level, next_bits_.data());
    } else {
      return table_.insert_uncounted(fp, source, next_bits_.data());
    }
  }

  std::uint64_t stored_fingerprint(const State& state) const {
    if (!options_.symmetry) return fingerprint(state);
    State canonical = state;
    to_representative(model_, options_, canonical);
    return fingerprint(canonical);
  }

  // Records an initial state (distributed: on the rank that owns it); checks it if new.
  void add(Worker& w, State state) {
    to_representative(model_, options_, state);
    w.encoded.clear();
    encode_to(w.encoded, state);
    const std::uint64_t fp = fingerprint_bytes(w.encoded.data(), w.encoded.size());
    if (distributed() && !partition_->owns(fp)) return;
    ++w.generated;
    const auto inserted = distributed() ? table_.insert(fp, 0) : table_.insert(fp, FingerprintTable::no_parent, next_bits_.data());
    if (!inserted.is_new) return;
    if (distributed()) parents_[inserted.slot] = no_parent_fingerprint;
    ++w.distinct;
    if (!checks_at_expansion()) check(w, state, inserted.slot, fp);
    push_new(w, w.encoded.data(), w.encoded.size(), fp, model_.within_bounds(state));
  }

  // A new state, checked already unless checks_at_expansion: into the next level if within the
  // bounds, else counted (and with checks_at_expansion, kept to be checked with that level).
  void push_new(Worker& w, const char* data, std::size_t size, std::uint64_t fp, bool within) {
    if (within) {
      w.next.push(data, size);
      return;
    }
    ++w.beyond_bounds;
    if (checks_at_expansion()) {
      Batch& b = w.beyond_next;
      const std::size_t begin = b.bytes.size();
      b.bytes.append(data, size);
      b.items.push_back({begin, b.bytes.size(), fp});
    }
  }
  // checks_at_expansion: checks the states beyond the bounds found with the level about to be
  // expanded.
  void check_beyond() {
    for (Worker& w : workers_) {
      for (const Pending& p : w.beyond.items) {
        decode_over(w.decoded, w.beyond.bytes.data() + p.begin, p.end - p.begin);
        const auto slot = table_.find(p.fingerprint);
        if (!slot) throw std::logic_error("a state beyond the bounds is missing from the fingerprint table");
        if (check(w, w.decoded, *slot, p.fingerprint)) level_violated_.store(true, std::memory_order_relaxed);
      }
      w.beyond.items.clear();
      w.beyond.bytes.clear();
    }
  }

  bool check(Worker& w, const State& state, std::uint32_t slot, std::uint64_t fp) {
    if (const auto p = first_violated(model_.properties(), state, w.sometimes_seen, checked_.always_or_all())) {
      w.found.push_back({*p, fp, std::string(model_.properties()[*p].name), slot, 0, std::nullopt});
      return true;
    }
    return false;
  }

  // The workers' new states become the next level, split into blocks of work.
  void collect_next_level() {
    level_.clear();
    work_.clear();
    level_size_ = 0;
    publish(workers_.front());  // what insertions outside the workers (initial states, received ones) found
    for (Worker& w : workers_) {
      std::swap(w.beyond, w.beyond_next);
      w.next.seal();
      if (!w.next.spill_error().empty() && result_.warning.empty()) {
        result_.warning = w.next.spill_error() + ": the frontier beyond its budget stays in memory";
      }
      if (w.next.size() == 0) continue;
      level_size_ += w.next.size();
      spilled_ += w.next.spilled_bytes();
      for (std::size_t b = 0; b < w.next.blocks(); ++b) work_.emplace_back(level_.size(), b);
      level_.push_back(std::move(w.next));
      w.next = Frontier(w.budget, w.resident, w.hard, w.spill);
    }
    frontier_peak_ = std::max(frontier_peak_, resident_.load());
    if (por()) sleep_.next_level();
    if (!distributed()) next_bits_.assign(bit_words(), 0);
    level_partly_expanded_ = false;
    global_level_size_ = distributed() ? partition_->sum(level_size_) : level_size_;
  }

  void resolve_violations() {
    std::vector<Found> level_found;
    for (Worker& w : workers_) {
      for (Found& f : w.found) level_found.push_back(std::move(f));
      w.found.clear();
    }
    count_by_property(level_found);
    if (distributed()) return resolve_distributed(level_found);
    if (level_found.empty()) return;
    result_.violations += level_found.size();
    if (have_violation_) return;  // keep going: the first (shortest) one stays the one reported
    const auto first = std::min_element(level_found.begin(), level_found.end(), [](const Found& a, const Found& b) {
      return std::tie(a.property_index, a.fingerprint, a.source_fingerprint) <
             std::tie(b.property_index, b.fingerprint, b.source_fingerprint);
    });
    violation_ = std::move(*first);
    have_violation_ = true;
  }

  // Each violating state (or transition) under the property it breaks first, in the order the
  // properties are listed; a distributed run sums the ranks' own at the end.
  std::size_t property_count() const { return model_.properties().size() + model_.transition_properties().size(); }
  void count_by_property(const std::vector<Found>& level_found) {
    if (violation_counts_.empty()) violation_counts_.assign(property_count(), 0);
    for (const Found& f : level_found) ++violation_counts_[f.property_index];
  }
  void report_counts_by_property() {
    if (violation_counts_.empty()) violation_counts_.assign(property_count(), 0);
    if (distributed()) partition_->sum(violation_counts_);
    const std::size_t invariants = model_.properties().size();
    for (std::size_t p = 0; p < violation_counts_.size(); ++p) {
      if (violation_counts_[p] == 0) continue;
      const std::string name = p < invariants ? std::string(model_.properties()[p].name)
                                              : std::string(model_.transition_properties()[p - invariants].name);
      result_.violations_by_property[name] = violation_counts_[p];
    }
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
      if (distributed()) {
        auto parents = unset_parents(table_.capacity());
        for (std::size_t slot = 0; slot < moved.size(); ++slot) {
          if (moved[slot] != FingerprintTable::no_parent) parents[moved[slot]] = parents_[slot];
        }
        parents_ = std::move(parents);
      } else {
        next_bits_ = remapped(next_bits_, moved);
      }
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
    if (distributed()) return rebuild_distributed_trace();
    std::vector<std::uint32_t> path;
    for (std::uint32_t slot = violation_.slot; slot != FingerprintTable::no_parent; slot = table_.parent(slot)) {
      path.push_back(slot);
    }
    std::reverse(path.begin(), path.end());
    re_execute(path.size(), [&](std::size_t i, const State& s) { return table_.find(stored_fingerprint(s)) == path[i]; });
    if (violation_.transition) {
      result_.trace.push_back(std::move(*violation_.transition));
    } else {
      append_violating_transition();  // (a violation read back from a checkpoint keeps no step)
    }
  }

  // For a transition property's violation known by fingerprints only, the step from the trace's
  // last state that violates it.
  void append_violating_transition() {
    if (violation_.property_index < model_.properties().size() || result_.trace.empty()) return;
    const std::size_t p = violation_.property_index - model_.properties().size();
    const State& before = result_.trace.back().state;
    auto found = first_successor(model_, before, [&](const Action&, const State& next) {
      return fingerprint(next) == violation_.fingerprint &&
             first_violated_transition(model_.transition_properties(), before, next, checked_.transition_or_all()) == p;
    });
    if (found) result_.trace.push_back({std::move(found->first), std::move(found->second)});
  }

  // The trace of a path of `length` states: the initial state, then each step's first successor,
  // for which on_path(i, state) holds.
  template <class OnPath>
  void re_execute(std::size_t length, OnPath&& on_path) {
    for (State& state : model_.initial_states()) {
      if (result_.trace.empty() && on_path(0, state)) result_.trace.push_back({std::nullopt, std::move(state)});
    }
    for (std::size_t i = 1; i < length && !result_.trace.empty(); ++i) {
      auto found = first_successor(model_, result_.trace.back().state,
                                   [&](const Action&, const State& next) { return on_path(i, next); });
      if (!found) break;  // cannot happen for a deterministic model
      result_.trace.push_back({std::move(found->first), std::move(found->second)});
    }
  }

  // An action's kind for --coverage: its name, and for a message its type ("Deliver RequestVote").
  static std::string action_kind_label(const Action& action) {
    const Json json = to_json_value(action);
    if (!json.is_object() || !json.contains("tag")) return json.dump();
    std::string label = json["tag"].get<std::string>();
    const Json& value = json.contains("value") ? json["value"] : json;
    if (value.is_object()) {
      for (const char* field : {"envelope", "timer", "request"}) {
        if (!value.contains(field)) continue;
        const Json& inner = value[field];
        const Json& message = inner.is_object() && inner.contains("message") ? inner["message"] : inner;
        if (message.is_object() && message.contains("tag") && message["tag"].is_string()) {
          label += " " + message["tag"].get<std::string>();
        } else if (message.is_string()) {
          label += " " + message.get<std::string>();
        }
      }
    }
    return label;
  }

  // ---- one process: the next level's bits, which decide parents ----

  // A state's parent is its predecessor of least fingerprint in the level before it. Every
  // predecessor of the level offers itself; the table keeps the least. So the trace's path
  // depends on the state space alone. An existing successor belongs to the next level when it
  // was new in this expansion (next_bits_): its bit is set before its value is stored, so once
  // the value is read (written_value waits for another worker's store) the bit is there too.
  void offer_parent_slot(std::uint32_t slot, std::uint32_t source, std::uint64_t source_fp) {
    // Another worker may be inserting the slot: its level bit is set before its value is stored,
    // so once the value is there the bit is too. One worker's inserts are complete already.
    if (workers_.size() > 1) table_.written_value(slot);
    if (marked(next_bits_, slot)) table_.offer_parent(slot, source, source_fp);
  }
  std::size_t bit_words() const { return table_.capacity() / 64 + 1; }
  static bool marked(const std::vector<std::uint64_t>& bits, std::uint32_t slot) {
    return (bits[slot / 64] >> (slot % 64)) & 1;
  }
  std::vector<std::uint64_t> remapped(const std::vector<std::uint64_t>& bits, const std::vector<std::uint32_t>& moved) {
    std::vector<std::uint64_t> out(bit_words(), 0);
    for (std::size_t slot = 0; slot < moved.size(); ++slot) {
      if (marked(bits, static_cast<std::uint32_t>(slot))) FingerprintTable::mark(out.data(), moved[slot]);
    }
    return out;
  }

  // ---- checkpoints (one process; checker/engine/checkpoint.hpp) ----

  bool checkpointing() const { return !options_.checkpoint.dir.empty() && !distributed(); }

  // What a resume must share with the run that wrote the checkpoint: what the caller says shapes
  // the state space, and the fingerprints of the initial states (so a build that encodes or
  // fingerprints states otherwise is refused).
  Json checkpoint_identity() const {
    Json identity = options_.checkpoint.identity.is_object() ? options_.checkpoint.identity : Json::object();
    Json initial = Json::array();
    for (State state : model_.initial_states()) initial.push_back(stored_fingerprint(state));
    identity["initial_state_fingerprints"] = std::move(initial);
    return identity;
  }

  static Json found_json(const Found& f) {
    return Json::array({f.property_index, f.fingerprint, f.slot, f.source_fingerprint});
  }
  Found found_from_json(const Json& j) const {
    const std::uint64_t index = j.at(0).get<std::uint64_t>();
    const std::size_t invariants = model_.properties().size();
    if (index >= invariants + model_.transition_properties().size() || j.at(2).get<std::uint64_t>() >= table_.capacity()) {
      throw CheckpointError("--resume: the checkpoint names a violation this model cannot have");
    }
    Found f{index, j.at(1).get<std::uint64_t>(), "", j.at(2).get<std::uint32_t>(), j.at(3).get<std::uint64_t>(), std::nullopt};
    f.property = index < invariants ? std::string(model_.properties()[index].name)
                                    : std::string(model_.transition_properties()[index - invariants].name);
    return f;
  }

  // Writes everything the search needs to go on: the level `depth` being expanded, of which the
  // work items before `first_item` are expanded already (their successors are in the table and
  // the workers' next frontiers). Called between levels, or after an interrupted level, with
  // every worker stopped. A failure is reported, not fatal: the run goes on without it.
  void write_checkpoint(std::uint32_t depth, std::size_t first_item) {
    const double started = progress_.seconds();
    CheckpointFigures& figures = result_.checkpoint;
    const std::string& dir = options_.checkpoint.dir;
    const std::string prefix = "lockstep-" + std::to_string(++checkpoint_generation_) + "-";
    const auto write_records = [](CheckpointFileWriter& out, const Frontier& frontier, Bytes& buffer, std::size_t block,
                                  std::uint64_t& count) {
      frontier.for_each_in_block(block, buffer, [&](const char* data, std::size_t size) {
        const auto length = static_cast<std::uint16_t>(size);
        out.write_value(length);
        out.write(data, size);
        ++count;
      });
    };
    try {
      prepare_checkpoint_dir(dir);
      Json files = Json::object();
      {
        CheckpointFileWriter out(dir, prefix + "table.bin");
        table_.save([&](const void* data, std::size_t size) { out.write(data, size); });
        files["table"] = out.finish();
      }
      {
        CheckpointFileWriter out(dir, prefix + "next-bits.bin");
        out.write(next_bits_.data(), next_bits_.size() * sizeof(std::uint64_t));
        files["next_bits"] = out.finish();
      }
      Bytes buffer;
      std::uint64_t to_expand = 0, found_next = 0;
      {
        CheckpointFileWriter out(dir, prefix + "frontier.bin");
        for (std::size_t item = first_item; item < work_.size(); ++item) {
          write_records(out, level_[work_[item].first], buffer, work_[item].second, to_expand);
        }
        files["frontier"] = out.finish();
      }
      {
        CheckpointFileWriter out(dir, prefix + "next.bin");
        for (Worker& w : workers_) {
          w.next.seal();
          for (std::size_t b = 0; b < w.next.blocks(); ++b) write_records(out, w.next, buffer, b, found_next);
        }
        files["next"] = out.finish();
      }
      std::uint64_t generated = 0, distinct = 0, beyond = 0;
      std::vector<char> seen(model_.properties().size(), 0);
      std::map<std::string, std::uint64_t> coverage;
      Json found = Json::array();
      for (const Worker& w : workers_) {
        generated += w.generated;
        distinct += w.distinct;
        beyond += w.beyond_bounds;
        for (std::size_t p = 0; p < seen.size(); ++p) seen[p] |= w.sometimes_seen[p];
        for (const auto& [kind, n] : w.coverage) coverage[kind] += n;
        for (const Found& f : w.found) found.push_back(found_json(f));
      }
      const bool mid_level = first_item > 0 || level_partly_expanded_;
      Json search{{"depth", depth},
                  {"mid_level", mid_level},
                  {"states_generated", generated},
                  {"distinct_states", distinct},
                  {"states_beyond_bounds", beyond},
                  {"violations", result_.violations},
                  {"violations_by_property", violation_counts_},
                  {"violation", have_violation_ ? found_json(violation_) : Json(nullptr)},
                  {"found", std::move(found)},
                  {"sometimes_reached", seen},
                  {"coverage", coverage},
                  {"frontier_bytes_peak", std::max(frontier_peak_, resident_.load())},
                  {"frontier_spilled_bytes", spilled_},
                  {"seconds", progress_.seconds()},
                  {"table_buckets", table_.bucket_count()},
                  {"table_size", table_.size()},
                  {"next_bits_words", next_bits_.size()},
                  {"frontier_states", to_expand},
                  {"next_states", found_next},
                  {"generation", checkpoint_generation_}};
      std::size_t bytes = 0;
      for (const auto& [role, entry] : files.items()) bytes += entry["bytes"].template get<std::size_t>();
      commit_checkpoint(dir, Json{{"kind", "lockstep checkpoint"},
                                  {"format", checkpoint_format},
                                  {"identity", checkpoint_identity()},
                                  {"search", std::move(search)},
                                  {"files", std::move(files)}});
      ++figures.written;
      figures.last_depth = depth - 1;
      figures.last_mid_level = mid_level;
      figures.last_bytes = bytes;
      figures.error.clear();
    } catch (const std::exception& e) {
      figures.error = e.what();
      if (result_.warning.empty()) result_.warning = std::string("a checkpoint could not be written: ") + e.what();
    }
    figures.dir = dir;
    figures.seconds_writing += progress_.seconds() - started;
  }

  // Reads the checkpoint back (options_.checkpoint.dir) and makes it the search's state: the level
  // it was expanding and what is left of it, the next level found so far, the counters. Returns
  // the level's number (`depth` in run()). Throws CheckpointError for anything amiss.
  std::uint32_t restore() {
    const std::string& dir = options_.checkpoint.dir;
    const Json manifest = read_checkpoint_manifest(dir);
    check_checkpoint_identity(manifest["identity"], checkpoint_identity(), dir);
    const Json& s = manifest["search"];
    const Json& files = manifest["files"];
    Worker& w = workers_.front();
    std::uint32_t depth = 0;
    try {
      depth = s.at("depth").get<std::uint32_t>();
      const std::size_t buckets = s.at("table_buckets").get<std::size_t>();
      if (buckets == 0 || buckets * FingerprintTable::bucket_slots >= FingerprintTable::no_parent || depth == 0) {
        throw CheckpointError("--resume: the checkpoint in " + dir + " describes an impossible table or level");
      }
      if (!table_.fits(buckets)) {
        throw CheckpointError("--resume: the checkpoint's fingerprint table takes " +
                              std::to_string(buckets * FingerprintTable::bucket_slots * FingerprintTable::bytes_per_slot >> 20) +
                              " MiB, more than --memory allows");
      }
      {
        CheckpointFileReader in(dir, files.at("table"));
        table_.restore(buckets, s.at("table_size").get<std::size_t>(), [&](void* data, std::size_t size) { in.read(data, size); });
        in.finish();
      }
      {
        CheckpointFileReader in(dir, files.at("next_bits"));
        next_bits_.assign(bit_words(), 0);
        in.read(next_bits_.data(), next_bits_.size() * sizeof(std::uint64_t));
        in.finish();
      }
      const auto read_records = [&](const char* role, Frontier& into) {
        CheckpointFileReader in(dir, files.at(role));
        Bytes state;
        while (in.remaining() > 0) {
          const auto length = in.read_value<std::uint16_t>();
          state.resize(length);
          in.read(state.data(), length);
          into.push(state.data(), length);
        }
        in.finish();
      };
      Frontier level(w.budget, w.resident, w.hard, w.spill);
      read_records("frontier", level);
      level.seal();
      read_records("next", w.next);
      level_.clear();
      work_.clear();
      level_size_ = level.size();
      spilled_ = s.at("frontier_spilled_bytes").get<std::size_t>() + level.spilled_bytes();
      for (std::size_t b = 0; b < level.blocks(); ++b) work_.emplace_back(0, b);
      level_.push_back(std::move(level));
      global_level_size_ = level_size_;
      level_partly_expanded_ = s.at("mid_level").get<bool>();
      w.generated = w.reported_generated = s.at("states_generated").get<std::uint64_t>();
      w.distinct = w.reported_distinct = s.at("distinct_states").get<std::uint64_t>();
      generated_.store(w.generated);
      distinct_.store(w.distinct);
      w.beyond_bounds = s.at("states_beyond_bounds").get<std::uint64_t>();
      const auto seen = s.at("sometimes_reached").get<std::vector<int>>();
      if (seen.size() != w.sometimes_seen.size()) throw CheckpointError("--resume: the checkpoint's properties are not this model's");
      for (std::size_t p = 0; p < seen.size(); ++p) w.sometimes_seen[p] = static_cast<char>(w.sometimes_seen[p] | (seen[p] != 0));
      w.coverage = s.at("coverage").get<std::map<std::string, std::uint64_t>>();
      for (const Json& f : s.at("found")) w.found.push_back(found_from_json(f));
      result_.violations = s.at("violations").get<std::uint64_t>();
      if (s.contains("violations_by_property")) {
        violation_counts_ = s.at("violations_by_property").get<std::vector<std::uint64_t>>();
        if (!violation_counts_.empty() && violation_counts_.size() != property_count()) {
          throw CheckpointError("--resume: the checkpoint's properties are not this model's");
        }
      }
      if (!s.at("violation").is_null()) {
        violation_ = found_from_json(s.at("violation"));
        have_violation_ = true;
      }
      frontier_peak_ = s.at("frontier_bytes_peak").get<std::size_t>();
      checkpoint_generation_ = s.at("generation").get<std::uint64_t>();
      progress_.add_elapsed(s.at("seconds").get<double>());
    } catch (const Json::exception& e) {
      throw CheckpointError("--resume: the checkpoint in " + dir + " is malformed: " + e.what());
    }
    CheckpointFigures& figures = result_.checkpoint;
    figures.dir = dir;
    figures.resumed = true;
    figures.resumed_depth = depth - 1;
    figures.resumed_distinct = w.distinct;
    return depth;
  }

  // ---- distributed (partition_ != nullptr) ----

  bool distributed() const { return partition_ != nullptr; }
  static constexpr std::uint64_t no_parent_fingerprint = 0;
  static constexpr std::uint64_t unset_parent = UINT64_MAX;

  static std::unique_ptr<std::uint64_t[]> unset_parents(std::size_t count) {
    auto parents = std::make_unique_for_overwrite<std::uint64_t[]>(count);
    std::fill_n(parents.get(), count, unset_parent);
    return parents;
  }

  // A state's parent is the least fingerprint among its predecessors of the level before it
  // (the table's value is the level a state was found at). So a trace's path depends on nothing
  // but the state space: not on the ranks, the workers, nor which reached a state first.
  void offer_parent(FingerprintTable::Inserted inserted, std::uint64_t parent_fp) {
    if (!inserted.is_new && table_.written_value(inserted.slot) != insert_level_) return;
    std::atomic_ref<std::uint64_t> parent(parents_[inserted.slot]);
    std::uint64_t current = parent.load(std::memory_order_relaxed);
    while (parent_fp < current && !parent.compare_exchange_weak(current, parent_fp, std::memory_order_relaxed)) {
    }
  }

  // A successor owned by another rank: [fingerprint u64][parent fingerprint u64][length u16]
  // [its encoding], appended to that rank's outbox; its encoding leaves the batch.
  void ship(Worker& w, std::uint64_t fp, std::uint64_t parent_fp, std::size_t begin) {
    const std::size_t size = w.batch.bytes.size() - begin;
    Bytes& out = w.outbox[static_cast<std::size_t>(partition_->owner(fp))];
    const std::size_t at = out.size();
    const auto length = static_cast<std::uint16_t>(size);
    out.resize(at + 18 + size);
    std::memcpy(out.data() + at, &fp, 8);
    std::memcpy(out.data() + at + 8, &parent_fp, 8);
    std::memcpy(out.data() + at + 16, &length, 2);
    std::memcpy(out.data() + at + 18, w.batch.bytes.data() + begin, size);
    w.batch.bytes.resize(begin);
    ++w.states_sent;
    w.bytes_sent += 18 + size;
  }

  std::uint64_t bytes_sent() const {
    std::uint64_t n = 0;
    for (const Worker& w : workers_) n += w.bytes_sent;
    return n;
  }
  std::uint64_t states_sent() const {
    std::uint64_t n = 0;
    for (const Worker& w : workers_) n += w.states_sent;
    return n;
  }

  // After a round: every rank gets what the others shipped to it, and inserts it (on this
  // thread: the workers are between rounds).
  void exchange_and_insert() {
    std::vector<Bytes> out(workers_.front().outbox.size());
    for (Worker& w : workers_) {
      for (std::size_t r = 0; r < out.size(); ++r) {
        out[r].append(w.outbox[r].data(), w.outbox[r].size());
        w.outbox[r].clear();
      }
    }
    const std::vector<Bytes> in = partition_->exchange(out);
    // What arrived, cut at record boundaries into pieces that the workers insert side by side.
    constexpr std::size_t piece_bytes = 64 * 1024;
    std::vector<std::pair<const char*, const char*>> pieces;
    for (const Bytes& from : in) {
      const char* p = from.data();
      const char* const end = p + from.size();
      const char* piece = p;
      while (p < end) {
        std::uint16_t size;
        std::memcpy(&size, p + 16, 2);
        p += 18 + size;
        if (p - piece >= static_cast<std::ptrdiff_t>(piece_bytes) || p == end) {
          pieces.emplace_back(piece, p);
          piece = p;
        }
      }
    }
    std::atomic<std::size_t> next_piece = 0;
    on_workers([&](Worker& w, std::size_t) {
      while (!abort_.load(std::memory_order_relaxed)) {
        const std::size_t item = next_piece.fetch_add(1);
        if (item >= pieces.size()) break;
        for (const char* p = pieces[item].first; p < pieces[item].second && !abort_.load(std::memory_order_relaxed);) {
          pause_for_growth();
          std::uint64_t fp, parent_fp;
          std::uint16_t size;
          std::memcpy(&fp, p, 8);
          std::memcpy(&parent_fp, p + 8, 8);
          std::memcpy(&size, p + 16, 2);
          receive(w, fp, parent_fp, p + 18, size);
          p += 18 + size;
        }
      }
    });
  }

  // A state shipped here by its parent's rank: inserted, and if new checked and queued.
  void receive(Worker& w, std::uint64_t fp, std::uint64_t parent_fp, const char* data, std::size_t size) {
    const auto inserted = table_.insert_uncounted(fp, insert_level_);
    offer_parent(inserted, parent_fp);
    if (!inserted.is_new) return;
    ++w.distinct;
    if (++w.uncounted == 32) {
      table_.count_inserted(w.uncounted);
      w.uncounted = 0;
    }
    const State state = decode_from<State>(data, size);
    check(w, state, inserted.slot, fp);
    if (model_.within_bounds(state)) {
      w.next.push(data, size);
    } else {
      ++w.beyond_bounds;
    }
  }

  // Some rank's table could not grow: every rank stops, incomplete.
  void stop_for_memory() {
    memory_exhausted_ = true;
    abort_.store(true);
    result_.stop_reason = memory_bound_reached;
  }

  // The level's first violation over all ranks, by the rule of one process: the least
  // (property, fingerprint). Every rank learns which one it is.
  void resolve_distributed(std::vector<Found>& level_found) {
    const auto first = std::min_element(level_found.begin(), level_found.end(), [](const Found& a, const Found& b) {
      return std::tie(a.property_index, a.fingerprint) < std::tie(b.property_index, b.fingerprint);
    });
    const bool has = first != level_found.end();
    const std::array<std::uint64_t, 5> mine{has ? 1u : 0u, has ? first->property_index : 0, has ? first->fingerprint : 0,
                                            has ? first->source_fingerprint : 0, level_found.size()};
    const std::vector<std::uint64_t> all = partition_->gather_all(mine);
    std::optional<std::array<std::uint64_t, 5>> best;
    std::uint64_t count = 0;
    for (std::size_t r = 0; r < all.size(); r += 5) {
      count += all[r + 4];
      if (all[r] == 0) continue;
      const std::array<std::uint64_t, 5> theirs{all[r], all[r + 1], all[r + 2], all[r + 3], all[r + 4]};
      if (!best || std::tie(theirs[1], theirs[2]) < std::tie((*best)[1], (*best)[2])) best = theirs;
    }
    if (!best) return;
    result_.violations += count;
    if (have_violation_) return;
    const std::size_t invariants = model_.properties().size();
    violation_ = Found{(*best)[1], (*best)[2], "", 0, (*best)[3], std::nullopt};
    violation_.property = (*best)[1] < invariants
                              ? std::string(model_.properties()[(*best)[1]].name)
                              : std::string(model_.transition_properties()[(*best)[1] - invariants].name);
    have_violation_ = true;
  }

  // The path of fingerprints from an initial state to the violation (to the state before it, for
  // a transition property), each parent link asked of the rank that owns it; then rank 0
  // re-executes it.
  void rebuild_distributed_trace() {
    const bool transition = violation_.property_index >= model_.properties().size();
    std::uint64_t fp = transition ? violation_.source_fingerprint : violation_.fingerprint;
    std::vector<std::uint64_t> path{fp};
    for (;;) {
      const int owner = partition_->owner(fp);
      std::uint64_t parent = no_parent_fingerprint;
      if (owner == partition_->rank()) {
        const auto slot = table_.find(fp);
        if (!slot) throw std::logic_error("a state on the counterexample's path is missing from its rank's table");
        parent = parents_[*slot];
      }
      parent = partition_->broadcast(parent, owner);
      if (parent == no_parent_fingerprint) break;
      path.push_back(fp = parent);
    }
    if (partition_->rank() != 0) return;
    std::reverse(path.begin(), path.end());
    re_execute(path.size(), [&](std::size_t i, const State& s) { return stored_fingerprint(s) == path[i]; });
    if (transition) append_violating_transition();
  }

  // The figures of every rank, summed (and each rank's kept, in rank order).
  void sum_over_ranks(ExploreStats& stats, std::vector<char>& reached) {
    const std::size_t table_bytes = table_.bytes() + table_.capacity() * sizeof(std::uint64_t);
    const std::array<std::uint64_t, 7> mine{stats.distinct_states, stats.states_generated, table_bytes, frontier_peak_,
                                            spilled_, states_sent(), bytes_sent()};
    const std::vector<std::uint64_t> all = partition_->gather_all(mine);
    result_.ranks.clear();
    for (std::size_t r = 0; r < all.size(); r += mine.size()) {
      result_.ranks.push_back({all[r], all[r + 1], all[r + 2], all[r + 3], all[r + 4], all[r + 5], all[r + 6]});
    }
    std::array<std::uint64_t, 7> sums{stats.states_generated, stats.distinct_states, result_.transitions_pruned,
                                      table_bytes, frontier_peak_, spilled_, result_.states_beyond_bounds};
    partition_->sum(sums);
    stats.states_generated = sums[0];
    stats.distinct_states = sums[1];
    result_.transitions_pruned = sums[2];
    result_.table_bytes = sums[3];
    result_.frontier_bytes_peak = sums[4];
    result_.frontier_spilled_bytes = sums[5];
    result_.states_beyond_bounds = sums[6];
    std::vector<std::uint64_t> seen(reached.begin(), reached.end());
    partition_->max(seen);
    for (std::size_t p = 0; p < reached.size(); ++p) reached[p] = static_cast<char>(seen[p]);
  }

  ExploreResult<M> finish(std::uint32_t depth) {
    ExploreStats stats;
    for (const Worker& w : workers_) {
      stats.states_generated += w.generated;
      stats.distinct_states += w.distinct;
      result_.transitions_pruned += w.pruned;
      result_.states_beyond_bounds += w.beyond_bounds;
      for (const auto& [kind, n] : w.coverage) result_.coverage[kind] += n;
    }
    stats.depth = depth - 1;  // steps: `depth` levels, the first the initial states
    stats.queue = global_level_size_;
    result_.table_bytes = table_.bytes() + next_bits_.size() * sizeof(std::uint64_t);
    result_.frontier_bytes_peak = frontier_peak_;
    result_.frontier_spilled_bytes = spilled_;
    std::vector<char> reached(model_.properties().size(), 0);
    for (const Worker& w : workers_) {
      for (std::size_t p = 0; p < reached.size(); ++p) reached[p] |= w.sometimes_seen[p];
    }
    if (distributed()) sum_over_ranks(stats, reached);
    report_counts_by_property();
    progress_.finish(stats);
    result_.stats = stats;
    result_.seconds = progress_.seconds();
    result_.sometimes_unreached = sometimes_unreached(model_.properties(), reached);
    if (have_violation_) {
      result_.property = violation_.property;
      rebuild_trace();
      // The violating state lies one level below the level being expanded when it was met.
      if (!result_.trace.empty()) {  // (a distributed run's trace is rebuilt on rank 0 only)
        result_.stats.depth = std::max<std::uint32_t>(depth - 1, static_cast<std::uint32_t>(result_.trace.size() - 1));
      }
    }
    result_.outcome = outcome_of(have_violation_, memory_exhausted_, result_);
    return std::move(result_);
  }

  const M& model_;
  ExploreOptions options_;
  Partition* partition_;
  CheckedProperties checked_;
  FingerprintTable table_;
  std::unique_ptr<std::uint64_t[]> parents_;  // distributed: per slot, the parent's fingerprint
  std::vector<std::uint64_t> next_bits_;  // one process: per slot, whether found during this expansion (the next level)
  Progress progress_;
  std::vector<Worker> workers_;

  std::vector<Frontier> level_;  // the states of the level being expanded
  std::vector<std::pair<std::size_t, std::size_t>> work_;  // (frontier, block) still to expand
  std::size_t level_size_ = 0;         // states of the level on this rank
  std::uint64_t global_level_size_ = 0;  // on every rank
  std::size_t items_end_ = 0;          // the workers expand blocks below this
  std::uint32_t insert_level_ = 0;     // distributed: the level of the states being found
  std::atomic<std::size_t> resident_ = 0;  // frontier bytes in memory
  SpillPolicy spill_;
  std::size_t frontier_peak_ = 0;
  std::size_t spilled_ = 0;
  std::uint64_t distinct_at_level_start_ = 0;
  std::atomic<std::uint64_t> expanded_ = 0;  // states of the current level expanded so far
  std::uint32_t depth_ = 0;
  std::atomic<std::size_t> cursor_ = 0;
  std::atomic<bool> abort_ = false;
  std::atomic<std::uint64_t> generated_ = 0;
  std::atomic<std::uint64_t> distinct_ = 0;
  bool level_partly_expanded_ = false;  // resumed inside a level: expand what is left of it
  std::uint64_t checkpoint_generation_ = 0;

  std::mutex growth_mutex_;
  std::condition_variable growth_done_;
  int active_ = 0;
  int paused_ = 0;
  std::uint64_t growth_generation_ = 0;
  bool memory_exhausted_ = false;

  bool have_violation_ = false;
  std::atomic<bool> level_violated_{false};  // checks_at_expansion: a violation met in this level
  bool checks_only_ = false;                 // checks_at_expansion: check the level, expand nothing
  Found violation_{};
  SleepSets<Action> sleep_;
  ExploreResult<M> result_;
  std::vector<std::uint64_t> violation_counts_;  // by property index (invariants, then transition properties)
};

}  // namespace lockstep::detail
