#include "traces/replay.hpp"

#include <algorithm>
#include <cassert>

namespace lockstep {

namespace {

[[noreturn]] void fail_at(std::size_t step, const std::string& message) {
  throw TraceError("step " + std::to_string(step) + ": " + message);
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "" : ", ") + name;
  return out;
}

// The model's variables must be the trace's.
void check_vars(const ItfTrace& itf, const Json& canonical_initial, const std::string& protocol) {
  std::vector<std::string> expected;
  for (const auto& [name, value] : canonical_initial.items()) expected.push_back(name);
  for (const std::string& name : itf.vars) {
    if (std::find(expected.begin(), expected.end(), name) == expected.end()) {
      throw TraceError("vars: \"" + name + "\" is not a variable of " + protocol + " (its variables: " +
                       joined(expected) + ")");
    }
  }
  for (const std::string& name : expected) {
    if (std::find(itf.vars.begin(), itf.vars.end(), name) == itf.vars.end()) {
      throw TraceError("vars: " + protocol + "'s variable \"" + name + "\" is missing");
    }
  }
}

std::unique_ptr<AnyModel> model_of(const Json& meta) {
  try {
    return model_from_trace_meta(meta);
  } catch (const JsonError& e) {
    throw TraceError(e.what());
  } catch (const nlohmann::json::exception& e) {
    throw TraceError(std::string("#meta.model: ") + e.what());
  }
}

}  // namespace

LoadedTrace load_trace(ItfTrace itf) {
  LoadedTrace trace;
  trace.model = model_of(itf.meta);
  if (itf.meta.contains("invariant") && !itf.meta["invariant"].is_null()) {  // null or "": records none
    if (!itf.meta["invariant"].is_string()) throw TraceError("#meta.invariant: expected a property name");
    trace.invariant = itf.meta["invariant"].get<std::string>();
    const auto names = trace.model->property_names();
    if (!trace.invariant.empty() && std::find(names.begin(), names.end(), trace.invariant) == names.end()) {
      throw TraceError("#meta.invariant: \"" + trace.invariant + "\" is not a property of " +
                       trace.model->protocol() + " (its properties: " + joined(names) + ")");
    }
  }
  for (std::size_t i = 0; i < itf.steps.size(); ++i) {
    ItfStep& step = itf.steps[i];
    try {  // decoding fails with JsonError, or a container's CapacityError, or nlohmann's errors
      step.state = trace.model->canonical_state(step.state);
    } catch (const std::exception& e) {
      fail_at(i, e.what());
    }
    if (i == 0) continue;
    try {
      step.action = trace.model->canonical_action(step.action);
    } catch (const std::exception& e) {
      fail_at(i, std::string("#meta.") + e.what());
    }
  }
  check_vars(itf, itf.steps.front().state, trace.model->protocol());
  trace.itf = std::move(itf);
  return trace;
}

LoadedTrace load_trace_file(const std::string& path) {
  ItfTrace itf = read_itf_file(path);
  try {
    return load_trace(std::move(itf));
  } catch (const TraceError& e) {
    throw TraceError(path + ": " + e.what());
  }
}

std::vector<std::string> violations_at(const AnyModel& model, const Json* before, const Json& state) {
  std::vector<std::string> out = model.violated(state);
  if (before != nullptr) {
    for (std::string& name : model.violated_transition(*before, state)) out.push_back(std::move(name));
  }
  return out;
}

bool ReplayResult::reproduces_record(const std::string& invariant) const {
  if (divergence) return false;
  if (invariant.empty()) return violations.empty();
  return std::any_of(violations.begin(), violations.end(), [&](const Violation& v) { return v.property == invariant; });
}

namespace {

std::optional<Divergence> check_initial(const AnyModel& model, const Json& recorded) {
  const auto initial = model.initial_states();
  if (std::find(initial.begin(), initial.end(), recorded) != initial.end()) return std::nullopt;
  return Divergence{0, "Init", "the recorded initial state is not the model's",
                    initial.empty() ? std::vector<FieldChange>{} : model.diff(recorded, initial.front())};
}

std::optional<Divergence> check_step(const AnyModel& model, const ItfStep& previous, const ItfStep& step,
                                     std::size_t index) {
  const std::optional<Json> next = model.successor(previous.state, step.action);
  if (!next) return Divergence{index, model.describe(step.action), "the action is not enabled in the previous state", {}};
  if (*next == step.state) return std::nullopt;
  return Divergence{index, model.describe(step.action), "the state the action leads to differs from the recorded one",
                    model.diff(step.state, *next)};
}

}  // namespace

ReplayResult replay(const LoadedTrace& trace) {
  const AnyModel& model = *trace.model;
  const auto& steps = trace.itf.steps;
  ReplayResult result;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    result.divergence = i == 0 ? check_initial(model, steps[i].state) : check_step(model, steps[i - 1], steps[i], i);
    if (result.divergence) break;
    result.steps_reproduced = i + 1;
    assert(steps[i].state.is_object());  // load_trace gave every state in canonical form
    for (const std::string& name : violations_at(model, i == 0 ? nullptr : &steps[i - 1].state, steps[i].state)) {
      const bool seen = std::any_of(result.violations.begin(), result.violations.end(),
                                    [&](const Violation& v) { return v.property == name; });
      if (!seen) result.violations.push_back({name, i});
    }
  }
  return result;
}

}  // namespace lockstep
