#include "traces/replay.hpp"

#include <algorithm>
#include <cassert>
#include <optional>

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

// The model's variables must be the trace's. A variable the model leaves out when it has no value
// (World's `failed`) may be in the trace, with None (make_itf writes it so).
void check_vars(const ItfTrace& itf, const Json& recorded_initial, const Json& canonical_initial, const std::string& protocol) {
  std::vector<std::string> expected;
  for (const auto& [name, value] : canonical_initial.items()) expected.push_back(name);
  for (const std::string& name : itf.vars) {
    const auto recorded = recorded_initial.find(name);
    if (recorded != recorded_initial.end() && *recorded == json_none()) continue;
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
  } catch (const std::exception& e) {  // nlohmann's errors, a container's CapacityError, ...
    throw TraceError(std::string("#meta.model: ") + e.what());
  }
}

}  // namespace

TraceLoader::TraceLoader(const ItfHeader& header) {
  trace_.itf.meta = header.meta;
  trace_.itf.vars = header.vars;
  const Json& meta = trace_.itf.meta;
  trace_.model = model_of(meta);
  if (meta.contains("invariant") && !meta["invariant"].is_null()) {  // null or "": records none
    if (!meta["invariant"].is_string()) {
      throw TraceError("#meta.invariant: expected a property name, found " + json_kind(meta["invariant"]));
    }
    trace_.invariant = meta["invariant"].get<std::string>();
    const auto names = trace_.model->property_names();
    if (!trace_.invariant.empty() && std::find(names.begin(), names.end(), trace_.invariant) == names.end()) {
      throw TraceError("#meta.invariant: \"" + trace_.invariant + "\" is not a property of " +
                       trace_.model->protocol() + " (its properties: " + joined(names) + ")");
    }
  }
}

ItfStep TraceLoader::load(ItfStep step, std::size_t index) const {
  Json recorded = index == 0 ? step.state : Json();
  try {  // decoding fails with JsonError, or a container's CapacityError, or nlohmann's errors
    step.state = trace_.model->canonical_state(step.state);
  } catch (const std::exception& e) {
    fail_at(index, e.what());
  }
  if (index == 0) {
    check_vars(trace_.itf, recorded, step.state, trace_.model->protocol());
    return step;
  }
  try {
    step.action = trace_.model->canonical_action(step.action);
  } catch (const std::exception& e) {
    fail_at(index, std::string("#meta.") + e.what());
  }
  return step;
}

LoadedTrace load_trace(ItfTrace itf) {
  TraceLoader loader({std::move(itf.meta), std::move(itf.vars)});
  for (std::size_t i = 0; i < itf.steps.size(); ++i) itf.steps[i] = loader.load(std::move(itf.steps[i]), i);
  LoadedTrace trace = loader.take();
  trace.itf.steps = std::move(itf.steps);
  return trace;
}

LoadedTrace stream_trace_file(const std::string& path, const std::function<void(const LoadedTrace&)>& head,
                              const std::function<void(std::size_t, ItfStep)>& step, ReadProgress* progress) {
  std::optional<TraceLoader> loader;
  std::size_t index = 0;
  const ItfVisitor visitor{[&](const ItfHeader& header) {
                             loader.emplace(header);
                             if (head) head(loader->trace());
                           },
                           [&](ItfStep read) {
                             step(index, loader->load(std::move(read), index));
                             ++index;
                           }};
  read_itf_file(path, visitor, progress);
  return loader->take();
}

LoadedTrace load_trace_file(const std::string& path, ReadProgress* progress) {
  std::vector<ItfStep> steps;
  LoadedTrace trace = stream_trace_file(
      path, nullptr, [&](std::size_t, ItfStep step) { steps.push_back(std::move(step)); }, progress);
  trace.itf.steps = std::move(steps);
  return trace;
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

void Replayer::add(ItfStep step) {
  const std::size_t i = added_++;
  if (result_.divergence) return;
  result_.divergence = i == 0 ? check_initial(model_, step.state) : check_step(model_, *previous_, step, i);
  if (result_.divergence) return;
  result_.steps_reproduced = i + 1;
  assert(step.state.is_object());  // loaded: every state in canonical form
  for (const std::string& name : violations_at(model_, i == 0 ? nullptr : &previous_->state, step.state)) {
    const bool seen = std::any_of(result_.violations.begin(), result_.violations.end(),
                                  [&](const Violation& v) { return v.property == name; });
    if (!seen) result_.violations.push_back({name, i});
  }
  previous_ = std::move(step);
}

ReplayResult replay(const LoadedTrace& trace) {
  Replayer replayer(*trace.model);
  for (const ItfStep& step : trace.itf.steps) {
    replayer.add(step);
    if (replayer.result().divergence) break;
  }
  return replayer.result();
}

}  // namespace lockstep
