// The contract of a sequential specification, for the linearizability checker: what a history's
// operations mean when they happen one at a time.
//
//   State              the object's state; equality and hash() make up the search's memo key.
//   Operation          one call: its input, and its output when it is known (an ok completion).
//   init()             the state before any operation.
//   step(state, op)    the state after op, or nullopt when op's output is impossible from state.
//                      An op with an unknown output (info, pending) may have any output: step
//                      returns the state after the one output that changes the state, if any,
//                      else nullopt (taking no effect is always an option for such a call).
//   partition(op)      the key op belongs to (the search runs per key: P-compositionality), or
//                      nullopt for an operation that belongs to every key (a session expiry).
//   parse_input(raw, history)   the Operation of a call from its f, key and input value; throws
//                               HistoryError("...") for an unknown f or a malformed value;
//   parse_output(op, raw)       records the output of an ok completion into op; throws likewise.
//   describe(state, history), describe(op, history)   for humans (process names from history).
//
// Optional (SessionSpec): for objects whose callers hold sessions (the lock), session_of(op)
// names the process in whose session op runs, and ends_session_of(op) the process whose session
// op ends (an expiry, a close), each nullopt when there is none. A call of process p then takes
// effect before every end of p's session that had not returned when it was invoked, or never
// (a service answers a call of an ended session with an error, which the history records as
// fail). A process may start a new session after an end has returned: calls invoked after that
// are not bound by it.
//
// Optional (RedundancySpec): redundant(calls), given one key's calls (by invocation), marks
// those that may be left out of its search without changing whether the key's history, or any
// prefix of it, is linearizable: calls whose effect, when they take one, only ever narrows what
// the others may answer (each marked call must be optional, or a no-op on every state).
#pragma once

#include <concepts>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "spec/linearizability/history.hpp"

namespace lockstep::linearizability {

template <class S>
concept SequentialSpec = requires(const typename S::State& state, const typename S::Operation& op,
                                  typename S::Operation& parsed, const RawCall& raw, History& history) {
  { S::name } -> std::convertible_to<std::string_view>;
  { S::init() } -> std::same_as<typename S::State>;
  { S::step(state, op) } -> std::same_as<std::optional<typename S::State>>;
  { S::hash(state) } -> std::same_as<std::uint64_t>;
  requires std::equality_comparable<typename S::State>;
  requires std::copyable<typename S::State>;
  { S::partition(op) } -> std::same_as<std::optional<std::string>>;
  { S::parse_input(raw, history) } -> std::same_as<typename S::Operation>;
  { S::parse_output(parsed, raw) } -> std::same_as<void>;
  { S::describe(state, std::as_const(history)) } -> std::same_as<std::string>;
  { S::describe(op, std::as_const(history)) } -> std::same_as<std::string>;
};

// One call of a key's history, for RedundancySpec::redundant.
template <class Op>
struct KeyCall {
  const Op* op;                            // with its output when it returned ok
  EventIndex invoke_index;
  std::optional<EventIndex> return_index;  // ok calls only (info and pending calls have none)
};

template <class S>
concept RedundancySpec = SequentialSpec<S> && requires(std::span<const KeyCall<typename S::Operation>> calls) {
  { S::redundant(calls) } -> std::same_as<std::vector<bool>>;
};

template <class S>
concept SessionSpec = SequentialSpec<S> && requires(const typename S::Operation& op) {
  { S::session_of(op) } -> std::same_as<std::optional<ProcessId>>;
  { S::ends_session_of(op) } -> std::same_as<std::optional<ProcessId>>;
};

// Reads an integer (int64) value, or throws HistoryError naming `what`.
std::int64_t json_int64(const Json& value, std::string_view what);

}  // namespace lockstep::linearizability
