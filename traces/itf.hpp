// Writing traces in the Informal Trace Format (ITF, Apalache ADR-015): a JSON object with
// "#meta" (who wrote it, the protocol, its configuration and bounds, the violated property),
// "vars" (the names of the state variables) and "states" (one object per step, every variable
// given in full). Each state's "#meta" records its index and the action that led to it
// ({"tag": name, "value": parameters}; the initial state's action is "Init").
#pragma once

#include <string>
#include <vector>

#include "model/core/json.hpp"

namespace lockstep {

struct ItfStep {
  Json action;  // {"tag": ..., "value": {...}}
  Json state;   // an object holding every variable
};

Json make_itf(Json meta, const std::vector<ItfStep>& steps);

// Writes `json` to `path`, atomically (a temporary file renamed into place). Throws
// std::runtime_error with the path and the reason when it cannot.
void write_json_file(const std::string& path, const Json& json);

}  // namespace lockstep
