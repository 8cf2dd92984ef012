// A concurrent history, as Jepsen and Knossos record it: a sequence of events, each an invocation
// or a completion (ok / fail / info) by one process. Reading pairs every completion with its
// process's outstanding invocation into a RawCall, in the history's own words (f, key, values as
// JSON); a sequential specification then turns each RawCall into its own Operation
// (spec/linearizability/linearizability.hpp).
//
//   ok       the operation took effect, at one instant between its invocation and its completion;
//   fail     it certainly did not take effect (the call is dropped);
//   info     indeterminate (a timeout): it may take effect at any instant after its invocation,
//            or never, and its output is unknown;
//   pending  an invocation that never completed: the same as info.
//
// Every error names the index of the event at fault (HistoryError).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "model/core/json.hpp"

namespace lockstep::linearizability {

struct HistoryError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The position of an event in the history (0-based, as the input lists them).
using EventIndex = std::uint32_t;
// A process, interned: the index of its name in History::process_names.
using ProcessId = std::uint32_t;

enum class Outcome : std::uint8_t { ok, fail, info, pending };

std::string_view outcome_name(Outcome outcome);

// One operation: an invocation and what became of it.
struct RawCall {
  ProcessId process = 0;
  std::string f;
  std::optional<std::string> key;  // absent: the spec decides (e.g. every partition)
  Json input;                      // the invocation's value (null when absent)
  Outcome outcome = Outcome::pending;
  Json output;                     // the completion's value (null when absent or unknown)
  EventIndex invoke_index = 0;
  std::optional<EventIndex> complete_index;  // none when pending
};

struct History {
  std::optional<std::string> model;  // the file's "model" field, if any
  std::vector<std::string> process_names;
  std::map<std::string, ProcessId> process_ids;  // name -> its index in process_names
  std::vector<RawCall> calls;        // in the order of their invocations
  std::size_t event_count = 0;

  // Interns a process given as a JSON integer or string (an expire's victim is one too).
  ProcessId intern_process(const Json& process, EventIndex index);
};

// Parses a history file: a top-level array of events, or {"model": ..., "history": [...]}.
// Throws HistoryError (one line, naming the event index) on anything malformed.
History parse_history(std::string_view text);
History read_history(const Json& document);

// Renders a process, a key or a value for humans.
std::string describe_json(const Json& value);

}  // namespace lockstep::linearizability
