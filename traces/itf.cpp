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
  Json vars = Json::array();
  if (!steps.empty()) {
    for (const auto& [name, value] : steps.front().state.items()) vars.push_back(name);
  }
  Json states = Json::array();
  for (std::size_t i = 0; i < steps.size(); ++i) {
    Json state = steps[i].state;
    state["#meta"] = Json{{"index", i}, {"action", steps[i].action}};
    states.push_back(std::move(state));
  }
  return Json{{"#meta", std::move(meta)}, {"vars", std::move(vars)}, {"states", std::move(states)}};
}

namespace {

[[noreturn]] void fail(const std::string& where, const std::string& message) { throw TraceError(where + ": " + message); }

std::vector<std::string> parse_vars(const Json& json) {
  if (!json.contains("vars") || !json["vars"].is_array()) fail("vars", "expected a list of variable names");
  std::vector<std::string> vars;
  for (std::size_t i = 0; i < json["vars"].size(); ++i) {
    const Json& name = json["vars"][i];
    const std::string where = "vars[" + std::to_string(i) + "]";
    if (!name.is_string() || name.get<std::string>().empty()) fail(where, "expected a variable name");
    if (name.get<std::string>()[0] == '#') fail(where, "a variable name cannot start with '#'");
    if (std::find(vars.begin(), vars.end(), name.get<std::string>()) != vars.end()) fail(where, "duplicate variable");
    vars.push_back(name.get<std::string>());
  }
  return vars;
}

// The action recorded in a state's "#meta", checked against the state's index.
Json parse_action(const Json& state, std::size_t index, const std::string& where) {
  if (!state.contains("#meta") || !state["#meta"].is_object()) fail(where, "#meta: missing (it records the action)");
  const Json& meta = state["#meta"];
  if (!meta.contains("index") || !meta["index"].is_number_unsigned() || meta["index"].get<std::size_t>() != index) {
    fail(where, "#meta.index: expected " + std::to_string(index));
  }
  if (!meta.contains("action") || !meta["action"].is_object()) fail(where, "#meta.action: missing");
  const Json& action = meta["action"];
  if (!action.contains("tag") || !action["tag"].is_string()) fail(where, "#meta.action.tag: expected an action name");
  const bool init = action["tag"] == "Init";
  if (index == 0 && !init) fail(where, "#meta.action.tag: the first state's action must be \"Init\"");
  if (index > 0 && init) fail(where, "#meta.action.tag: \"Init\" is only the first state's action");
  if (action.contains("value") && !action["value"].is_object()) fail(where, "#meta.action.value: expected an object");
  return Json{{"tag", action["tag"]}, {"value", action.contains("value") ? action["value"] : Json::object()}};
}

ItfStep parse_state(const Json& state, std::size_t index, const std::vector<std::string>& vars) {
  const std::string where = "step " + std::to_string(index);
  if (!state.is_object()) fail(where, "expected an object of variables");
  ItfStep step{parse_action(state, index, where), Json::object()};
  for (const std::string& name : vars) {
    if (!state.contains(name)) fail(where, "variable \"" + name + "\" is missing");
    step.state[name] = state[name];
  }
  for (const auto& [key, value] : state.items()) {
    if (key != "#meta" && !step.state.contains(key)) fail(where, "\"" + key + "\" is not one of the trace's vars");
  }
  return step;
}

}  // namespace

ItfTrace parse_itf(const Json& json) {
  if (!json.is_object()) fail("trace", "expected a JSON object with \"vars\" and \"states\"");
  ItfTrace trace;
  trace.meta = json.contains("#meta") ? json["#meta"] : Json::object();
  if (!trace.meta.is_object()) fail("#meta", "expected an object");
  trace.vars = parse_vars(json);
  if (!json.contains("states") || !json["states"].is_array()) fail("states", "expected a list of states");
  const Json& states = json["states"];
  if (states.empty()) fail("states", "a trace has at least its initial state");
  for (std::size_t i = 0; i < states.size(); ++i) trace.steps.push_back(parse_state(states[i], i, trace.vars));
  return trace;
}

ItfTrace read_itf_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw TraceError("cannot read " + path + ": " + std::strerror(errno));
  Json json;
  try {
    json = Json::parse(in);
  } catch (const nlohmann::json::parse_error& e) {
    std::string reason = e.what();  // "[json.exception.parse_error.101] parse error at line 1, ..."
    if (const auto end = reason.find("] "); end != std::string::npos) reason = reason.substr(end + 2);
    throw TraceError(path + ": not JSON (" + reason + ")");
  }
  try {
    return parse_itf(json);
  } catch (const TraceError& e) {
    throw TraceError(path + ": " + e.what());
  }
}

}  // namespace lockstep
