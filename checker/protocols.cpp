// The trace tools' view of the registry (checker/any_model.hpp): a trace's #meta names its
// protocol, whose registry entry rebuilds the model.
#include "checker/any_model.hpp"
#include "checker/registry.hpp"

namespace lockstep {

std::vector<std::string> known_protocols() { return protocol_names(); }

std::unique_ptr<AnyModel> model_from_trace_meta(const Json& meta) {
  if (!meta.is_object()) throw JsonError("#meta: expected an object");
  if (!meta.contains("protocol") || !meta["protocol"].is_string()) throw JsonError("#meta.protocol: missing");
  if (!meta.contains("model") || !meta["model"].is_object()) throw JsonError("#meta.model: missing");
  const std::string protocol = meta["protocol"].get<std::string>();
  const ProtocolEntry* entry = find_protocol(protocol);
  if (entry == nullptr) throw JsonError("#meta.protocol: unknown protocol \"" + protocol + "\"");
  try {
    return entry->model_from_json(meta["model"]);
  } catch (const nlohmann::json::exception& e) {
    throw JsonError("#meta.model: " + std::string(e.what()));
  } catch (const JsonError& e) {
    throw JsonError("#meta.model." + std::string(e.what()));
  }
}

}  // namespace lockstep
