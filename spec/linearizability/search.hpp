// The WGL search (Wing & Gong, with Lowe's memoization, as Porcupine and Knossos implement it):
// is there an order of a set of calls, consistent with real time, in which every call's output
// is the one the sequential specification gives?
//
// The calls are a doubly linked list of entries (an invocation, and a return for every call
// that completed ok), sorted by time. The search repeatedly linearizes a call whose invocation
// comes before the first return still in the list (lifting both of its entries out), and
// backtracks when it reaches a return whose call it could not linearize. A configuration is the
// set of linearized calls (a bitset) with the specification's state after them; one already
// visited is never explored again, which makes the search polynomial for most histories.
//
// Optional calls (info, pending) have no return entry: they may be linearized at any point after
// their invocation, or never; the search succeeds once every required (ok) call is linearized.
// An optional call with a return entry (relaxed) is taken with no effect when its return is
// reached: taking no effect, and deciding so late, constrains nothing else.
#pragma once

#include <algorithm>
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

  explicit WglSearch(const std::vector<TimedCall<Op>>& calls)
      : calls_(calls), words_((calls.size() + 63) / 64), linearized_(words_, 0),
        cache_(64, SlotHash{this}, SlotEqual{this}) {
    build_entries();
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
        if (calls_[call].required == optional_pass) {
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

  void flip(std::uint32_t call) { linearized_[call / 64] ^= std::uint64_t{1} << (call % 64); }

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

  // Records the configuration (the current bitset, `state`); false if it was visited before.
  bool remember(std::uint64_t linearized_hash, const State& state) {
    const auto slot = static_cast<std::uint32_t>(states_.size());
    slot_hashes_.push_back(splitmix64(linearized_hash ^ S::hash(state)));
    bits_.insert(bits_.end(), linearized_.begin(), linearized_.end());
    states_.push_back(state);
    if (cache_.insert(slot).second) return true;
    slot_hashes_.pop_back();
    bits_.resize(bits_.size() - words_);
    states_.pop_back();
    return false;
  }

  bool same_slot(std::uint32_t a, std::uint32_t b) const {
    if (slot_hashes_[a] != slot_hashes_[b]) return false;
    for (std::size_t w = 0; w < words_; ++w) {
      if (bits_[a * words_ + w] != bits_[b * words_ + w]) return false;
    }
    return states_[a] == states_[b];
  }

  // What the cache of configurations takes, about: the arrays as allocated (a bitset of a bit per
  // call per slot: those of a long history dominate), and the hash set's nodes and buckets.
  std::uint64_t cache_bytes() const {
    return sizeof(std::uint64_t) * (slot_hashes_.capacity() + bits_.capacity()) + sizeof(State) * states_.capacity() +
           cache_.size() * 4 * sizeof(void*) + cache_.bucket_count() * sizeof(void*);
  }

  Result finish(Result result, SearchFigures& figures) const {
    figures.configurations += states_.size();
    return result;
  }

  const std::vector<TimedCall<Op>>& calls_;
  std::size_t words_;
  std::size_t required_count_ = 0;
  std::vector<std::uint32_t> next_, prev_, call_of_;
  std::vector<std::uint32_t> match_;           // an invocation's return entry (none if it has none)
  std::vector<std::uint32_t> prev_of_return_;  // a return's invocation entry
  std::vector<bool> is_call_;
  std::vector<std::uint64_t> linearized_;   // the calls taken, as a bitset
  std::uint64_t linearized_hash_ = 0;       // its Zobrist hash
  std::vector<std::pair<std::uint32_t, State>> taken_;  // (invocation entry, state before it)
  // The cache of visited configurations, one slot each: hash, bitset words, state.
  std::vector<std::uint64_t> slot_hashes_;
  std::vector<std::uint64_t> bits_;
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
