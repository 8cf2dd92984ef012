// check_history for one specification S (spec/linearizability/check.hpp says what it does).
// A template over the specification; check.cpp instantiates it for each model.
#pragma once

#include <fmt/core.h>

#include <algorithm>
#include <chrono>

#include "spec/linearizability/check.hpp"

namespace lockstep::linearizability {

// The explanation of a failure (prefix, window) is bounded too, even without --timeout-s.
inline constexpr double explanation_seconds_max = 20;

template <SequentialSpec S>
class SpecChecker {
 public:
  using Op = typename S::Operation;
  using State = typename S::State;

  SpecChecker(History& history, const CheckOptions& options)
      : history_(history),
        deadline_(Deadline::after_seconds(options.timeout_seconds)),
        memory_bytes_(options.memory_bytes) {
    prepare_calls();
    partition_calls();
  }

  Verdict run() {
    const auto start = std::chrono::steady_clock::now();
    Verdict verdict;
    verdict.model = std::string(S::name);
    verdict.operations = calls_.size();
    verdict.partitions = partitions_.size();
    verdict.left_out = left_out_;
    for (const auto& [key, members] : partitions_) {
      const Result result = search(members, std::nullopt, nullptr, deadline_);
      if (result == Result::unknown) {
        verdict.result = Result::unknown;
        if (deadline_.passed()) break;
      }
      if (result != Result::not_linearizable) continue;
      verdict.result = Result::not_linearizable;
      verdict.key = key;
      explain(members, verdict);
      break;
    }
    verdict.configurations = figures_.configurations;
    verdict.memory_bound = verdict.result == Result::unknown && figures_.memory_bound_hit;
    verdict.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return verdict;
  }

 private:
  struct Call {
    Op op;              // with its output, when it completed ok
    Op input_only;      // the same call, its output unknown (cut off by a prefix)
    std::size_t raw;    // index into History::calls
    EventIndex invoke_index;
    std::optional<EventIndex> return_index;  // ok calls only: the others are optional
  };
  using Members = std::vector<std::size_t>;  // indices into calls_, by invocation

  [[noreturn]] static void fail_at(EventIndex index, const HistoryError& e) {
    throw HistoryError(fmt::format("event {}: {}", index, e.what()));
  }

  void prepare_calls() {
    for (std::size_t i = 0; i < history_.calls.size(); ++i) {
      const RawCall& raw = history_.calls[i];
      Op input_only;
      try {
        input_only = S::parse_input(raw, history_);
      } catch (const HistoryError& e) {
        fail_at(raw.invoke_index, e);
      }
      Op op = input_only;
      if (raw.outcome == Outcome::ok) {
        try {
          S::parse_output(op, raw);
        } catch (const HistoryError& e) {
          fail_at(*raw.complete_index, e);
        }
      }
      if (raw.outcome == Outcome::fail) continue;  // it certainly took no effect
      const auto return_index = raw.outcome == Outcome::ok ? raw.complete_index : std::nullopt;
      calls_.push_back(Call{std::move(op), std::move(input_only), i, raw.invoke_index, return_index});
    }
  }

  // Keyed calls go to their key's partition, the others to every partition.
  void partition_calls() {
    Members everywhere;
    for (std::size_t i = 0; i < calls_.size(); ++i) {
      if (auto key = S::partition(calls_[i].op)) partitions_[*key].push_back(i);
      else everywhere.push_back(i);
    }
    if (partitions_.empty() && !everywhere.empty()) partitions_[""];
    for (auto& [key, members] : partitions_) {
      members.insert(members.end(), everywhere.begin(), everywhere.end());
      std::sort(members.begin(), members.end());
      if constexpr (RedundancySpec<S>) leave_out_redundant(members);
    }
  }

  // Leaves out the calls the specification says cannot change the key's verdict (spec.hpp).
  void leave_out_redundant(Members& members) {
    std::vector<KeyCall<Op>> view;
    view.reserve(members.size());
    for (const std::size_t m : members) view.push_back(KeyCall<Op>{&calls_[m].op, calls_[m].invoke_index, calls_[m].return_index});
    const std::vector<bool> redundant = S::redundant(view);
    Members kept;
    kept.reserve(members.size());
    for (std::size_t i = 0; i < members.size(); ++i) {
      if (!redundant[i]) kept.push_back(members[i]);
    }
    left_out_ += members.size() - kept.size();
    members = std::move(kept);
  }

  // Searches the members' sub-history, or its prefix of the events before `cut`. With `strong`
  // (a sorted subset of members), the other members are relaxed: each may not have taken effect.
  Result search(const Members& members, std::optional<EventIndex> cut, std::optional<State>* final_state,
                const Deadline& deadline, const Members* strong = nullptr) {
    std::vector<TimedCall<Op>> timed;
    timed.reserve(members.size());
    for (const std::size_t m : members) {
      const Call& call = calls_[m];
      if (cut && call.invoke_index >= *cut) continue;
      const bool returned = call.return_index && (!cut || *call.return_index < *cut);
      const bool relaxed = strong && !std::binary_search(strong->begin(), strong->end(), m);
      timed.push_back(TimedCall<Op>{returned ? &call.op : &call.input_only, call.invoke_index,
                                    returned ? call.return_index : std::nullopt, returned && !relaxed});
    }
    if constexpr (SessionSpec<S>) bind_to_sessions(timed);
    return search_linearization<S>(timed, deadline, figures_, final_state, memory_bytes_);
  }

  // Each call of a session is ended by every end of that session that had not returned when the
  // call was invoked (spec.hpp, SessionSpec). A relaxed end (taken with no effect when its
  // return is reached, in an explanation) ends nothing: that only adds linearizations.
  static void bind_to_sessions(std::vector<TimedCall<Op>>& timed) {
    std::map<ProcessId, std::vector<std::uint32_t>> ends;  // process -> its ends, by invocation
    for (std::uint32_t i = 0; i < timed.size(); ++i) {
      const bool relaxed = timed[i].return_time && !timed[i].required;
      if (relaxed) continue;
      if (const std::optional<ProcessId> process = S::ends_session_of(*timed[i].op)) ends[*process].push_back(i);
    }
    if (ends.empty()) return;
    for (TimedCall<Op>& call : timed) {
      const std::optional<ProcessId> process = S::session_of(*call.op);
      if (!process) continue;
      const auto found = ends.find(*process);
      if (found == ends.end()) continue;
      // An end invoked after another one listed returned follows it in every linearization:
      // listing the first suffices. A required call is linearized before its return anyway.
      std::uint32_t horizon = call.required ? *call.return_time : UINT32_MAX;
      for (const std::uint32_t end : found->second) {
        if (timed[end].invoke_time > horizon) break;
        const std::optional<std::uint32_t> returned = timed[end].return_time;
        if (returned && *returned < call.invoke_time) continue;  // an earlier session's end
        call.ended_by.push_back(end);
        if (returned) horizon = std::min(horizon, *returned);
      }
    }
  }

  void explain(const Members& members, Verdict& verdict) {
    const Deadline deadline = earlier(deadline_, Deadline::after_seconds(explanation_seconds_max));
    // The longest linearizable prefix: events [0, low) are linearizable, [0, high) are not.
    EventIndex low = 0;
    auto high = static_cast<EventIndex>(history_.event_count);
    std::optional<State> state_at_low = S::init();
    while (high - low > 1) {
      const EventIndex middle = low + (high - low) / 2;
      std::optional<State> state;
      const Result result = search(members, middle, &state, deadline);
      if (result == Result::linearizable) {
        low = middle;
        state_at_low = std::move(state);
      } else {
        high = middle;
      }
    }
    // The calls invoked before `high` make a non-linearizable history (prefix-closure); the
    // window is its ok calls, the others (info, pending) are context that may take effect.
    Members context;
    for (const std::size_t m : members) {
      if (calls_[m].invoke_index < high) context.push_back(m);
    }
    Members window;
    for (const std::size_t m : context) {
      if (calls_[m].return_index) window.push_back(m);
    }
    if (search(context, std::nullopt, nullptr, deadline, &window) == Result::not_linearizable) {
      verdict.prefix_events = high - 1;
      if (state_at_low) verdict.state_after_prefix = S::describe(*state_at_low, history_);
      verdict.window_minimal = shrink(context, window, deadline);
    } else {
      window = members;  // the bisection ran out of time: report the whole partition
    }
    for (const std::size_t m : window) {
      verdict.window.push_back(calls_[m].raw);
      verdict.window_descriptions.push_back(S::describe(calls_[m].op, history_));
    }
  }

  // Delta debugging (Zeller's ddmin) over the ok calls of a non-linearizable window. A call left
  // out of the window is relaxed rather than deleted: it stays in the history, but may not have
  // taken effect. (Deleting it could itself break the history: without the write of 1, a read
  // of 1 is impossible.) Relaxing only adds linearizations, so every window found is
  // non-linearizable in the history as recorded. True if it finished (the window is 1-minimal:
  // relaxing any one more call makes it linearizable), false if the deadline cut it short.
  bool shrink(const Members& context, Members& window, const Deadline& deadline) {
    const auto fails = [&](const Members& candidate) {
      return search(context, std::nullopt, nullptr, deadline, &candidate) == Result::not_linearizable;
    };
    std::size_t granularity = 2;
    while (window.size() >= 2) {
      if (deadline.passed()) return false;
      const std::size_t chunk = (window.size() + granularity - 1) / granularity;
      bool reduced = false;
      for (std::size_t begin = 0; begin < window.size() && !reduced; begin += chunk) {
        const std::size_t end = std::min(window.size(), begin + chunk);
        Members complement(window.begin(), window.begin() + begin);
        complement.insert(complement.end(), window.begin() + end, window.end());
        if (!fails(complement)) continue;
        window = std::move(complement);
        granularity = std::max<std::size_t>(granularity - 1, 2);
        reduced = true;
      }
      if (reduced) continue;
      if (granularity >= window.size()) break;
      granularity = std::min(window.size(), granularity * 2);
    }
    return !deadline.passed();
  }

  static Deadline earlier(const Deadline& a, const Deadline& b) {
    if (!a.at) return b;
    if (!b.at) return a;
    return Deadline{std::min(*a.at, *b.at)};
  }

  History& history_;
  Deadline deadline_;
  std::uint64_t memory_bytes_;
  SearchFigures figures_;
  std::vector<Call> calls_;
  std::map<std::string, Members> partitions_;
  std::size_t left_out_ = 0;  // calls left out of a key's search (counted once per key)
};

template <SequentialSpec S>
Verdict check_with(History& history, const CheckOptions& options) {
  SpecChecker<S> checker(history, options);
  return checker.run();
}

}  // namespace lockstep::linearizability
