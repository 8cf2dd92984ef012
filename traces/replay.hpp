// Loading a trace with the model that wrote it, and replaying it through the same step functions.
//
// load_trace rebuilds the model from the trace's "#meta" (model_from_trace_meta: every protocol
// alike) and decodes every state and action, so that what follows works on well-formed data.
// replay starts from the recorded initial state (which must be one of the model's), and for
// each later step takes the recorded action from the previous state and compares the state it
// leads to with the recorded one. It stops at the first difference; it checks every property on
// every state it reproduced (transition properties on every step).
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "checker/any_model.hpp"
#include "model/core/diff.hpp"
#include "traces/itf.hpp"
#include "traces/itf_reader.hpp"

namespace lockstep {

struct LoadedTrace {
  ItfTrace itf;  // states and actions in canonical form (decoded and encoded again)
  std::unique_ptr<AnyModel> model;
  std::string invariant;  // the property the trace records as violated ("#meta.invariant"), or ""
};

// Throws TraceError naming the step and the field: an unknown protocol, parameters, a state or an
// action that do not decode, variables that are not the model's.
LoadedTrace load_trace(ItfTrace itf);
// The whole file in memory (as show --html needs it); see stream_trace_file for a step at a time.
LoadedTrace load_trace_file(const std::string& path, ReadProgress* progress = nullptr);

// What load_trace does, a step at a time: the model rebuilt from the trace's "#meta" and its
// recorded invariant checked; then each step decoded and encoded again.
class TraceLoader {
 public:
  explicit TraceLoader(const ItfHeader& header);
  // The model, the invariant, "#meta" and "vars"; no steps.
  const LoadedTrace& trace() const { return trace_; }
  LoadedTrace take() { return std::move(trace_); }
  // `step` (the trace's `index`th) in canonical form; the first also has its variables checked.
  ItfStep load(ItfStep step, std::size_t index) const;

 private:
  LoadedTrace trace_;
};

// Reads a trace file a step at a time (traces/itf_reader.hpp), as load_trace would load it:
// `head` (if given) gets the loaded trace without its steps, then `step` each step in canonical
// form. Memory: a state or two. Returns the loaded trace without its steps. Throws TraceError
// naming the file.
LoadedTrace stream_trace_file(const std::string& path, const std::function<void(const LoadedTrace&)>& head,
                              const std::function<void(std::size_t, ItfStep)>& step, ReadProgress* progress = nullptr);

struct Divergence {
  std::size_t step;                  // the first step the model does not reproduce
  std::string action;                // its recorded action, described
  std::string reason;                // why: the action is not enabled, or the state differs
  std::vector<FieldChange> changes;  // recorded (before) -> replayed (after), when the state differs
};

struct Violation {
  std::string property;
  std::size_t step;  // the first step whose state (or transition into it) violates it
};

struct ReplayResult {
  std::optional<Divergence> divergence;
  std::size_t steps_reproduced = 0;   // states equal to the model's (all of them when no divergence)
  std::vector<Violation> violations;  // over the reproduced states, in the order of first violation
  bool reproduces_record(const std::string& invariant) const;
};

ReplayResult replay(const LoadedTrace& trace);

// replay, a step at a time: keeps only the step before. Once a step diverges, the later ones
// are taken and ignored.
class Replayer {
 public:
  explicit Replayer(const AnyModel& model) : model_(model) {}
  void add(ItfStep step);
  const ReplayResult& result() const { return result_; }
  std::size_t steps_added() const { return added_; }

 private:
  const AnyModel& model_;
  std::optional<ItfStep> previous_;
  std::size_t added_ = 0;
  ReplayResult result_;
};

// The properties a state violates, and those its transition from `before` violates.
std::vector<std::string> violations_at(const AnyModel& model, const Json* before, const Json& state);

}  // namespace lockstep
