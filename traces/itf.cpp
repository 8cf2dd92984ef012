#include "traces/itf.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <stdexcept>

namespace lockstep {

Json make_itf(Json meta, const std::vector<ItfStep>& steps) {
  meta["format"] = "ITF";
  meta["format-description"] = "https://apalache-mc.org/docs/adr/015adr-trace.html";
  // Every state holds every variable (ITF). A model may leave out a variable without a value (an
  // optional one: World's `failed`, set only where a step failed); the states without it get
  // None, as the JSON of an empty optional reads.
  Json vars = Json::array();
  for (const ItfStep& step : steps) {
    for (const auto& [name, value] : step.state.items()) {
      if (std::find(vars.begin(), vars.end(), name) == vars.end()) vars.push_back(name);
    }
  }
  Json states = Json::array();
  for (std::size_t i = 0; i < steps.size(); ++i) {
    Json state = steps[i].state;
    for (const auto& name : vars) {
      if (!state.contains(name.get<std::string>())) state[name.get<std::string>()] = json_none();
    }
    state["#meta"] = Json{{"index", i}, {"action", steps[i].action}};
    states.push_back(std::move(state));
  }
  return Json{{"#meta", std::move(meta)}, {"vars", std::move(vars)}, {"states", std::move(states)}};
}

namespace {

[[noreturn]] void fail(const std::string& where, const std::string& message) { throw TraceError(where + ": " + message); }

[[noreturn]] void fail_found(const std::string& where, const std::string& expected, const Json& found) {
  fail(where, "expected " + expected + ", found " + json_kind(found));
}

// object[key] (an object), else TraceError naming `where`.`key` and what the object holds.
const Json& member(const Json& object, const char* key, const std::string& where) {
  const auto found = object.find(key);
  if (found == object.end()) fail(where + key, "missing (found " + json_kind(object) + ")");
  return *found;
}

// The action recorded in a state's "#meta", checked against the state's index.
Json parse_action(const Json& state, std::size_t index, const std::string& where) {
  const Json& meta = member(state, "#meta", where + ": ");
  if (!meta.is_object()) fail_found(where + ": #meta", "an object recording the action", meta);
  const Json& index_recorded = member(meta, "index", where + ": #meta.");
  if (!index_recorded.is_number_unsigned() || index_recorded.get<std::size_t>() != index) {
    fail_found(where + ": #meta.index", std::to_string(index), index_recorded);
  }
  const Json& action = member(meta, "action", where + ": #meta.");
  if (!action.is_object()) fail_found(where + ": #meta.action", "an object {\"tag\": name, \"value\": {...}}", action);
  const Json& tag = member(action, "tag", where + ": #meta.action.");
  if (!tag.is_string()) fail_found(where + ": #meta.action.tag", "an action name", tag);
  const bool init = tag == "Init";
  if (index == 0 && !init) fail(where, "#meta.action.tag: the first state's action must be \"Init\"");
  if (index > 0 && init) fail(where, "#meta.action.tag: \"Init\" is only the first state's action");
  if (action.contains("value") && !action["value"].is_object()) {
    fail_found(where + ": #meta.action.value", "an object", action["value"]);
  }
  return Json{{"tag", tag}, {"value", action.contains("value") ? action["value"] : Json::object()}};
}

}  // namespace

Json parse_itf_meta(const Json* meta) {
  if (meta == nullptr) return Json::object();
  if (!meta->is_object()) fail_found("#meta", "an object", *meta);
  return *meta;
}

std::vector<std::string> parse_itf_vars(const Json* json) {
  if (json == nullptr) fail("vars", "missing (expected a list of variable names)");
  if (!json->is_array()) fail_found("vars", "a list of variable names", *json);
  std::vector<std::string> vars;
  for (std::size_t i = 0; i < json->size(); ++i) {
    const Json& name = (*json)[i];
    const std::string where = "vars[" + std::to_string(i) + "]";
    if (!name.is_string() || name.get<std::string>().empty()) fail_found(where, "a variable name", name);
    if (name.get<std::string>()[0] == '#') fail(where, "a variable name cannot start with '#'");
    if (std::find(vars.begin(), vars.end(), name.get<std::string>()) != vars.end()) fail(where, "duplicate variable");
    vars.push_back(name.get<std::string>());
  }
  return vars;
}

ItfStep parse_itf_state(Json state, std::size_t index, const std::vector<std::string>& vars) {
  const std::string where = "step " + std::to_string(index);
  if (!state.is_object()) fail_found(where, "an object of variables", state);
  ItfStep step{parse_action(state, index, where), Json::object()};
  for (const std::string& name : vars) {
    const auto found = state.find(name);
    if (found == state.end()) fail(where, "variable \"" + name + "\" is missing (found " + json_kind(state) + ")");
    step.state[name] = std::move(*found);
  }
  for (const auto& [key, value] : state.items()) {
    if (key != "#meta" && !step.state.contains(key)) fail(where, "\"" + key + "\" is not one of the trace's vars");
  }
  return step;
}

ItfTrace parse_itf(const Json& json) {
  if (!json.is_object()) fail_found("trace", "a JSON object with \"vars\" and \"states\"", json);
  const auto given = [&](const char* key) { return json.contains(key) ? &json[key] : nullptr; };
  ItfTrace trace;
  trace.meta = parse_itf_meta(given("#meta"));
  trace.vars = parse_itf_vars(given("vars"));
  if (!json.contains("states")) fail("states", "missing (expected a list of states)");
  const Json& states = json["states"];
  if (!states.is_array()) fail_found("states", "a list of states", states);
  if (states.empty()) fail("states", "a trace has at least its initial state");
  for (std::size_t i = 0; i < states.size(); ++i) trace.steps.push_back(parse_itf_state(states[i], i, trace.vars));
  return trace;
}

}  // namespace lockstep
