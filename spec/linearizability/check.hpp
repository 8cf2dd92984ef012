// Checking a whole history against a sequential specification: its calls are partitioned by key
// (P-compositionality: a history is linearizable iff each key's sub-history is, for a
// specification whose keys are independent; calls with no key belong to every partition), each
// partition is searched (spec/linearizability/search.hpp), and in the first partition that is
// not linearizable the failure is narrowed down:
//   1. the longest linearizable prefix of the partition's events, by bisection (linearizability
//      is prefix-closed: a call not yet completed at the cut may take effect or not);
//   2. the calls invoked up to the first event beyond it are a non-linearizable history; delta
//      debugging (ddmin) shrinks its ok calls to a window such that relaxing any one more of
//      them (letting it not take effect) makes the history linearizable (1-minimal). Calls left
//      out of the window (and info or pending calls) stay as context that may take effect.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "spec/linearizability/search.hpp"

namespace lockstep::linearizability {

struct CheckOptions {
  double timeout_seconds = 0;  // 0: no bound
  // Bounds the memory of one key's search (its cache of configurations); past it the check gives
  // up (unknown) rather than be killed for lack of memory. 0: no bound (the commands pass
  // linearizability_memory_bound(), impl/cli/commands.hpp).
  std::uint64_t memory_bytes = 0;
};

struct Verdict {
  Result result = Result::linearizable;
  std::string model;
  std::size_t operations = 0;  // calls checked (failed ones are dropped)
  std::size_t partitions = 0;
  std::size_t left_out = 0;    // (call, key) pairs left out of a key's search: they cannot change its verdict
  std::uint64_t configurations = 0;
  double seconds = 0;
  bool memory_bound = false;  // unknown because a key's search passed CheckOptions::memory_bytes
  // When not linearizable:
  std::optional<std::string> key;                  // the failing partition
  std::vector<std::size_t> window;                 // indices into History::calls, by invocation
  bool window_minimal = false;                     // 1-minimal (no timeout cut shrinking short)
  std::optional<std::size_t> prefix_events;        // the partition is linearizable up to event k
  std::optional<std::string> state_after_prefix;   // one state consistent with that prefix
  std::vector<std::string> window_descriptions;    // the spec's words for each window call
};

// The models this build knows ("lock", "register").
std::vector<std::string> model_names();

// Checks `history` against the named model (interning the processes that operations name); throws HistoryError on a call the model cannot read
// (naming its event) and std::invalid_argument on an unknown model.
Verdict check_history(History& history, const std::string& model, const CheckOptions& options);

// The verdict as text (for a terminal) and as one JSON object.
std::string verdict_text(const History& history, const Verdict& verdict);
Json verdict_json(const History& history, const Verdict& verdict);

}  // namespace lockstep::linearizability
