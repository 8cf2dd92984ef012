// Writing and reading traces in the Informal Trace Format (ITF, Apalache ADR-015): a JSON object with
// "#meta" (who wrote it, the protocol, its configuration and bounds, the violated property),
// "vars" (the names of the state variables) and "states" (one object per step, every variable
// given in full). Each state's "#meta" records its index and the action that led to it
// ({"tag": name, "value": parameters}; the initial state's action is "Init"). Values use ITF's
// encoding (model/core/json.hpp): {"#bigint"}, {"#set"}, {"#map"}, {"#tup"}.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "model/core/json.hpp"
#include "traces/output.hpp"  // write_json_file, write_text_file

namespace lockstep {

struct ItfStep {
  Json action;  // {"tag": ..., "value": {...}}
  Json state;   // an object holding every variable
};

Json make_itf(Json meta, const std::vector<ItfStep>& steps);

// A trace read back: its "#meta" (an object, possibly empty), its variables, and per state the
// action that led to it and its variables (the state's own "#meta" taken out).
struct ItfTrace {
  Json meta;
  std::vector<std::string> vars;
  std::vector<ItfStep> steps;  // steps[0] is the initial state; its action's tag is "Init"
};

// A trace file that is not a trace: the message names the step and the field.
struct TraceError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Checks the ITF shape: an object with "vars" (names) and "states" (a non-empty list of objects
// that give exactly those variables), each state's "#meta" with its "index" and its action
// {"tag": name, "value": {...}}; the first action is "Init". Throws TraceError, saying what it
// found where it expected something else. (A trace file is read a state at a time instead:
// traces/itf_reader.hpp.)
ItfTrace parse_itf(const Json& json);
// parse_itf's parts, for a reader that takes a trace apart: the trace's "#meta" (null: absent,
// giving {}), its "vars" (null: absent) and one state, `index` in "states".
Json parse_itf_meta(const Json* meta);
std::vector<std::string> parse_itf_vars(const Json* vars);
ItfStep parse_itf_state(Json state, std::size_t index, const std::vector<std::string>& vars);

}  // namespace lockstep
