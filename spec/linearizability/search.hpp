// The WGL search (Wing & Gong, with Lowe's memoization, as Porcupine and Knossos implement it):
// is there an order of a set of calls, consistent with real time, in which every call's output
// is the one the sequential specification gives?
//
// The calls are a doubly linked list of entries (an invocation, and a return for every call
// that completed ok), sorted by time. The search repeatedly linearizes a call whose invocation
// comes before the first return still in the list (lifting both of its entries out), and
// backtracks when it reaches a return whose call it could not linearize. A configuration is the
// set of linearized calls with the specification's state after them; one already visited is
// never explored again, which makes the search polynomial for most histories.
//
// The cache stores a configuration's set of calls compactly, not as a bit per call of the
// history (which made a long history's cache quadratic in its length): every call with a return
// before the first call with a return still open is linearized (or, relaxed, taken with no
// effect), and any other call linearized was invoked before that open call's return. So the set
// is that first open call, the last call linearized (invoked before its return), the calls
// between them not linearized, and the optional calls with no return linearized before it: a few
// indices, about as many as calls overlap.
//
// Optional calls (info, pending) have no return entry: they may be linearized at any point after
// their invocation, or never; the search succeeds once every required (ok) call is linearized.
// An optional call with a return entry (relaxed) is taken with no effect when its return is
// reached: taking no effect, and deciding so late, constrains nothing else.
//
// A call may name calls that end its session (TimedCall::ended_by): once one of them is
// linearized, it is no longer a candidate, so it takes effect before that end or (if optional)
// never. Whether it still may is a function of the set linearized, so the cache stays exact.
#pragma once

#include <algorithm>
#include <bit>
#include <cassert>
#include <chrono>
#include <cstdint>
#include <optional>
#include <unordered_set>
#include <utility>
#include <vector>

#include "model/core/mix.hpp"
#include "spec/linearizability/spec.hpp"

namespace lockstep::linearizability {

enum class Result : std::uint8_t { linearizable, not_linearizable, unknown };

// When to give up (Result::unknown): a wall-clock instant, if any.
struct Deadline {
  std::optional<std::chrono::steady_clock::time_point> at;
  bool passed() const { return at && std::chrono::steady_clock::now() >= *at; }
  static Deadline after_seconds(double seconds);
};

inline Deadline Deadline::after_seconds(double seconds) {
  if (seconds <= 0) return Deadline{};
  return Deadline{std::chrono::steady_clock::now() +
                  std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(seconds))};
}

// One call as the search sees it: its operation, when it was invoked and, if it completed, when
// it returned. Times are event indices: distinct, so never tied. A required call took effect
// between the two; an optional one may not have taken effect at all, and if it has a return
// time, it took effect before it or never (a relaxed ok call, in the explanation of a failure).
template <class Op>
struct TimedCall {
  const Op* op;
  std::uint32_t invoke_time;
  std::optional<std::uint32_t> return_time;
  bool required;
  // Calls (indices into the same vector) that, once linearized, leave this one no later point to
  // take effect: the ends of its caller's session (SessionSpec). None is relaxed.
  std::vector<std::uint32_t> ended_by = {};
};

struct SearchFigures {
  std::uint64_t configurations = 0;  // distinct configurations visited (the cache's size)
  bool memory_bound_hit = false;     // a search gave up because its cache passed the bound
};

template <SequentialSpec S>
class WglSearch {
 public:
  using Op = typename S::Operation;
  using State = typename S::State;

  // `calls` are sorted by invocation time.
  explicit WglSearch(const std::vector<TimedCall<Op>>& calls)
      : calls_(calls), words_((calls.size() + 63) / 64), compact_(words_ > compact_above_words),
        linearized_(words_, 0), closed_(words_, 0),
        cache_(64, SlotHash{this}, SlotEqual{this}) {
    build_entries();
    if (compact_) build_windows();
  }

  // The candidates (invocations before the first return in the list) are scanned in two
  // passes: required calls first, then optional ones, so that a history whose info and pending
  // calls need not take effect is linearized without trying them at every point.
  // memory_bytes bounds the cache of configurations (0: no bound); past it the search gives up.
  Result run(const Deadline& deadline, SearchFigures& figures, std::uint64_t memory_bytes = 0) {
    State state = S::init();
    std::size_t required_left = required_count_;
    std::uint32_t entry = next_[head];
    bool optional_pass = false;
    std::uint64_t iterations = 0;
    while (required_left > 0) {
      if ((++iterations & 0xfff) == 0) {
        if (deadline.passed()) return finish(Result::unknown, figures);
        if (memory_bytes != 0 && cache_bytes() > memory_bytes) {
          figures.memory_bound_hit = true;
          return finish(Result::unknown, figures);
        }
      }
      assert(entry != none);  // a required call's return is still in the list
      const std::uint32_t call = call_of_[entry];
      if (is_call_[entry]) {
        if (calls_[call].required == optional_pass || ended(call)) {
          entry = next_[entry];
          continue;
        }
        std::optional<State> after = S::step(state, *calls_[call].op);
        if (after && take(entry, state, std::move(*after))) {
          if (calls_[call].required) --required_left;
          entry = next_[head];
          optional_pass = false;
        } else {
          entry = next_[entry];
        }
        continue;
      }
      if (!optional_pass) {
        optional_pass = true;
        entry = next_[head];
        continue;
      }
      // The return of a call not yet linearized: an optional call may not have taken effect at
      // all (it is taken with no effect); otherwise undo the last call taken and try the next.
      const std::uint32_t invocation = prev_of_return_[entry];
      if (!calls_[call].required && take(invocation, state, State(state))) {
        entry = next_[head];
        optional_pass = false;
        continue;
      }
      if (taken_.empty()) return finish(Result::not_linearizable, figures);
      auto& [undone, before] = taken_.back();
      state = std::move(before);
      flip(call_of_[undone]);
      linearized_hash_ ^= zobrist(call_of_[undone]);
      unlift(undone);
      optional_pass = !calls_[call_of_[undone]].required;
      if (!optional_pass) ++required_left;
      entry = next_[undone];
      taken_.pop_back();
    }
    final_state_ = std::move(state);
    return finish(Result::linearizable, figures);
  }

  // After a linearizable run: the state at the end of the linearization found.
  const std::optional<State>& final_state() const { return final_state_; }

 private:
  static constexpr std::uint32_t none = UINT32_MAX;
  // Up to this many words (2,048 calls), a configuration's bitset is as small as its compact
  // form and faster to make: about 1.3x on the benchmark's histories of hundreds of calls a key.
  static constexpr std::size_t compact_above_words = 32;
  static constexpr std::uint32_t head = 0;

  struct SlotHash {
    const WglSearch* search;
    std::size_t operator()(std::uint32_t slot) const { return search->slot_hashes_[slot]; }
  };
  struct SlotEqual {
    const WglSearch* search;
    bool operator()(std::uint32_t a, std::uint32_t b) const { return search->same_slot(a, b); }
  };

  static std::uint64_t zobrist(std::uint32_t call) { return splitmix64(call + 1); }

  // Has a call that ends `call`'s session been linearized? (Then `call` may no longer be.)
  bool ended(std::uint32_t call) const {
    for (const std::uint32_t end : calls_[call].ended_by) {
      if (linearized_[end / 64] >> (end % 64) & 1) return true;
    }
    return false;
  }

  // Takes the call whose invocation is `entry` (moving `state` to `after`), unless the
  // configuration it leads to was visited before.
  bool take(std::uint32_t entry, State& state, State after) {
    const std::uint32_t call = call_of_[entry];
    const std::uint64_t hash = linearized_hash_ ^ zobrist(call);
    flip(call);
    if (!remember(hash, after)) {
      flip(call);
      return false;
    }
    taken_.emplace_back(entry, std::move(state));
    state = std::move(after);
    linearized_hash_ = hash;
    lift(entry);
    return true;
  }

  // The last set bit of `bits` in (from, to), or `from` if there is none.
  static std::uint32_t last_set_bit(const std::vector<std::uint64_t>& bits, std::uint32_t from, std::uint32_t to) {
    for (std::uint32_t i = to; i > from + 1;) {
      const std::uint32_t w = (i - 1) / 64;
      std::uint64_t word = bits[w];
      if (i % 64 != 0) word &= ~(~std::uint64_t{0} << (i % 64));  // bits below i
      const std::uint32_t base = w * 64;
      if (base <= from) word &= ~std::uint64_t{0} << (from - base) << 1;  // bits above from
      if (word != 0) return base + 63 - static_cast<std::uint32_t>(std::countl_zero(word));
      i = base;
    }
    return from;
  }

  // Calls f(i) for each bit i of `bits` in [from, to) that is set (Set) or clear, in order.
  template <bool Set, class F>
  static void for_each_bit(const std::vector<std::uint64_t>& bits, std::uint32_t from, std::uint32_t to, F&& f) {
    if (from >= to) return;
    for (std::uint32_t w = from / 64; w <= (to - 1) / 64; ++w) {
      std::uint64_t word = Set ? bits[w] : ~bits[w];
      if (w == from / 64) word &= ~std::uint64_t{0} << (from % 64);
      if (w == (to - 1) / 64 && to % 64 != 0) word &= ~(~std::uint64_t{0} << (to % 64));
      while (word != 0) {
        f(static_cast<std::uint32_t>(w * 64 + static_cast<std::uint32_t>(std::countr_zero(word))));
        word &= word - 1;
      }
    }
  }

  // Linearizes `call`, or undoes it, keeping first_open_ (the first call with a return not yet
  // linearized: calls before it are all closed, linearized or with no return).
  void flip(std::uint32_t call) {
    const std::uint64_t mask = std::uint64_t{1} << (call % 64);
    linearized_[call / 64] ^= mask;
    if (!compact_) return;  // the rest serves the compact keys only
    if (!calls_[call].return_time) {  // optional with no return: never counts as open
      const std::uint32_t ordinal = no_return_ordinal_[call];
      taken_no_return_[ordinal / 64] ^= std::uint64_t{1} << (ordinal % 64);
      return;
    }
    closed_[call / 64] ^= mask;
    if (!(closed_[call / 64] & mask)) {
      first_open_ = std::min(first_open_, call);
    } else if (call == first_open_) {
      first_open_ = next_open(call + 1);
    }
  }

  // The first index from `from` whose closed_ bit is clear, or the number of calls.
  std::uint32_t next_open(std::uint32_t from) const {
    const auto n = static_cast<std::uint32_t>(calls_.size());
    std::size_t w = from / 64;
    if (w >= words_) return n;
    std::uint64_t open = ~closed_[w] & (~std::uint64_t{0} << (from % 64));
    while (open == 0) {
      if (++w == words_) return n;
      open = ~closed_[w];
    }
    return std::min(n, static_cast<std::uint32_t>(w * 64 + static_cast<std::size_t>(std::countr_zero(open))));
  }

  // For the compact keys: for each call with a return, the end of its window (the first call
  // invoked after that return); the calls with no return, by index; first_open_ to start with.
  void build_windows() {
    window_end_.assign(calls_.size(), 0);
    no_return_ordinal_.assign(calls_.size(), 0);
    for (std::uint32_t i = 0; i < calls_.size(); ++i) {
      assert(i == 0 || calls_[i - 1].invoke_time < calls_[i].invoke_time);
      if (!calls_[i].return_time) {
        no_return_ordinal_[i] = static_cast<std::uint32_t>(no_return_.size());
        no_return_.push_back(i);
        closed_[i / 64] |= std::uint64_t{1} << (i % 64);
        continue;
      }
      const auto end = std::partition_point(calls_.begin() + i, calls_.end(), [&](const TimedCall<Op>& c) {
        return c.invoke_time < *calls_[i].return_time;
      });
      window_end_[i] = static_cast<std::uint32_t>(end - calls_.begin());
    }
    first_open_ = next_open(0);
    taken_no_return_.assign((no_return_.size() + 63) / 64, 0);
  }

  // Entries: 0 is the head; an invocation per call and a return per required call, by time.
  void build_entries() {
    struct Timed {
      std::uint32_t time;
      std::uint32_t call;
      bool is_call;
    };
    std::vector<Timed> timed;
    for (std::uint32_t i = 0; i < calls_.size(); ++i) {
      timed.push_back({calls_[i].invoke_time, i, true});
      if (calls_[i].return_time) {
        assert(*calls_[i].return_time > calls_[i].invoke_time);
        timed.push_back({*calls_[i].return_time, i, false});
      }
      assert(!calls_[i].required || calls_[i].return_time);
      if (calls_[i].required) ++required_count_;
    }
    std::sort(timed.begin(), timed.end(), [](const Timed& a, const Timed& b) { return a.time < b.time; });
    const std::size_t count = timed.size() + 1;
    next_.assign(count, none);
    prev_.assign(count, none);
    call_of_.assign(count, none);
    is_call_.assign(count, false);
    match_.assign(count, none);
    prev_of_return_.assign(count, none);
    std::vector<std::uint32_t> invoke_entry(calls_.size(), none);
    for (std::uint32_t i = 0; i < timed.size(); ++i) {
      const std::uint32_t entry = i + 1;
      prev_[entry] = entry - 1;
      next_[entry - 1] = entry;
      call_of_[entry] = timed[i].call;
      is_call_[entry] = timed[i].is_call;
      if (timed[i].is_call) invoke_entry[timed[i].call] = entry;
      else {
        match_[invoke_entry[timed[i].call]] = entry;
        prev_of_return_[entry] = invoke_entry[timed[i].call];
      }
    }
  }

  void unlink(std::uint32_t entry) {
    next_[prev_[entry]] = next_[entry];
    if (next_[entry] != none) prev_[next_[entry]] = prev_[entry];
  }
  void relink(std::uint32_t entry) {
    next_[prev_[entry]] = entry;
    if (next_[entry] != none) prev_[next_[entry]] = entry;
  }
  void lift(std::uint32_t entry) {
    unlink(entry);
    if (match_[entry] != none) unlink(match_[entry]);
  }
  void unlift(std::uint32_t entry) {
    if (match_[entry] != none) relink(match_[entry]);
    relink(entry);
  }

  // Records the configuration (the calls linearized, `state`); false if it was visited before.
  // Its calls are kept as first_open_, the optional calls with no return linearized before it,
  // the last call linearized after it, and the calls between those two that are not linearized.
  bool remember(std::uint64_t linearized_hash, const State& state) {
    const auto slot = static_cast<std::uint32_t>(states_.size());
    const std::size_t begin = members_.size();
    if (!compact_) {  // a short history: the bitset itself, word by word
      for (const std::uint64_t word : linearized_) {
        members_.push_back(static_cast<std::uint32_t>(word));
        members_.push_back(static_cast<std::uint32_t>(word >> 32));
      }
      return remember_slot(slot, begin, linearized_hash, state, 0, 0);
    }
    // The optional calls with no return before first_open_ that are linearized (by ordinal).
    const auto before = static_cast<std::uint32_t>(
        std::lower_bound(no_return_.begin(), no_return_.end(), first_open_) - no_return_.begin());
    for_each_bit<true>(taken_no_return_, 0, before, [&](std::uint32_t ordinal) { members_.push_back(no_return_[ordinal]); });
    // After first_open_: the last call linearized (every one lies in first_open_'s window), and
    // the calls before it that are not (as many as are open at once, and untaken optional ones).
    std::uint32_t last = first_open_;
    if (first_open_ < calls_.size()) {
      last = last_set_bit(linearized_, first_open_, window_end_[first_open_]);
      for_each_bit<false>(linearized_, first_open_ + 1, last, [&](std::uint32_t call) { members_.push_back(call); });
    }
    return remember_slot(slot, begin, linearized_hash, state, first_open_, last);
  }

  bool remember_slot(std::uint32_t slot, std::size_t begin, std::uint64_t linearized_hash, const State& state,
                     std::uint32_t open, std::uint32_t last) {
    slot_hashes_.push_back(splitmix64(linearized_hash ^ S::hash(state)));
    slot_open_.push_back(open);
    slot_last_.push_back(last);
    slot_end_.push_back(members_.size());
    states_.push_back(state);
    if (cache_.insert(slot).second) return true;
    slot_hashes_.pop_back();
    slot_open_.pop_back();
    slot_last_.pop_back();
    slot_end_.pop_back();
    members_.resize(begin);
    states_.pop_back();
    return false;
  }

  bool same_slot(std::uint32_t a, std::uint32_t b) const {
    if (slot_hashes_[a] != slot_hashes_[b] || slot_open_[a] != slot_open_[b] || slot_last_[a] != slot_last_[b]) {
      return false;
    }
    const std::size_t a_begin = a == 0 ? 0 : slot_end_[a - 1];
    const std::size_t b_begin = b == 0 ? 0 : slot_end_[b - 1];
    if (slot_end_[a] - a_begin != slot_end_[b] - b_begin) return false;
    if (!std::equal(members_.begin() + static_cast<std::ptrdiff_t>(a_begin),
                    members_.begin() + static_cast<std::ptrdiff_t>(slot_end_[a]),
                    members_.begin() + static_cast<std::ptrdiff_t>(b_begin))) {
      return false;
    }
    return states_[a] == states_[b];
  }

  // What the cache of configurations takes, about: the arrays as allocated, and the hash set's
  // nodes and buckets.
  std::uint64_t cache_bytes() const {
    return sizeof(std::uint64_t) * (slot_hashes_.capacity() + slot_end_.capacity()) +
           sizeof(std::uint32_t) * (slot_open_.capacity() + slot_last_.capacity() + members_.capacity()) + sizeof(State) * states_.capacity() +
           cache_.size() * 4 * sizeof(void*) + cache_.bucket_count() * sizeof(void*);
  }

  Result finish(Result result, SearchFigures& figures) const {
    figures.configurations += states_.size();
    return result;
  }

  const std::vector<TimedCall<Op>>& calls_;
  std::size_t words_;
  bool compact_;  // configurations kept compactly (see the top of this file), else as bitsets
  std::size_t required_count_ = 0;
  std::vector<std::uint32_t> next_, prev_, call_of_;
  std::vector<std::uint32_t> match_;           // an invocation's return entry (none if it has none)
  std::vector<std::uint32_t> prev_of_return_;  // a return's invocation entry
  std::vector<bool> is_call_;
  std::vector<std::uint64_t> linearized_;   // the calls taken, as a bitset
  std::vector<std::uint64_t> closed_;       // linearized, or optional with no return
  std::uint32_t first_open_ = 0;            // the first call whose closed_ bit is clear
  std::vector<std::uint32_t> window_end_;   // see build_windows
  std::vector<std::uint32_t> no_return_;          // the optional calls with no return, by index
  std::vector<std::uint32_t> no_return_ordinal_;  // a call's position in no_return_
  std::vector<std::uint64_t> taken_no_return_;    // which of them are linearized (by position)
  std::uint64_t linearized_hash_ = 0;       // its Zobrist hash
  std::vector<std::pair<std::uint32_t, State>> taken_;  // (invocation entry, state before it)
  // The cache of visited configurations, one slot each: hash, first open call, the end of its
  // calls in members_ (they begin where the previous slot's end), state.
  std::vector<std::uint64_t> slot_hashes_;
  std::vector<std::uint32_t> slot_open_;
  std::vector<std::uint32_t> slot_last_;
  std::vector<std::uint64_t> slot_end_;
  std::vector<std::uint32_t> members_;
  std::vector<State> states_;
  std::unordered_set<std::uint32_t, SlotHash, SlotEqual> cache_;
  std::optional<State> final_state_;
};

template <SequentialSpec S>
Result search_linearization(const std::vector<TimedCall<typename S::Operation>>& calls, const Deadline& deadline,
                            SearchFigures& figures, std::optional<typename S::State>* final_state = nullptr,
                            std::uint64_t memory_bytes = 0) {
  WglSearch<S> search(calls);
  const Result result = search.run(deadline, figures, memory_bytes);
  if (final_state) *final_state = search.final_state();
  return result;
}

}  // namespace lockstep::linearizability
