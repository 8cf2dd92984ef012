#include "traces/itf.hpp"

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

void write_json_file(const std::string& path, const Json& json) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    if (!out) throw std::runtime_error("cannot write " + path + ": " + std::strerror(errno));
    out << json.dump(1) << '\n';
    out.flush();
    if (!out) throw std::runtime_error("cannot write " + path + ": " + std::strerror(errno));
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    const std::string reason = std::strerror(errno);
    std::remove(temporary.c_str());
    throw std::runtime_error("cannot write " + path + ": " + reason);
  }
}

}  // namespace lockstep
