// The registry of protocols for the trace tools (checker/any_model.hpp).
#include "checker/any_model.hpp"
#include "checker/paxos_tla_model.hpp"
#include "checker/world.hpp"
#include "model/raft/register.hpp"
#include "spec/paxos/invariants.hpp"
#include "spec/raft/invariants_impl.hpp"

namespace lockstep {

namespace {
template <class M>
std::unique_ptr<AnyModel> make(const Json& model_json) {
  return std::make_unique<AnyModelFor<M>>(M::from_model_json(model_json));
}
}  // namespace

std::vector<std::string> known_protocols() { return {"paxos", "paxos-tla", "raft"}; }

std::unique_ptr<AnyModel> model_from_trace_meta(const Json& meta) {
  if (!meta.is_object()) throw JsonError("#meta: expected an object");
  if (!meta.contains("protocol") || !meta["protocol"].is_string()) throw JsonError("#meta.protocol: missing");
  if (!meta.contains("model") || !meta["model"].is_object()) throw JsonError("#meta.model: missing");
  const std::string protocol = meta["protocol"].get<std::string>();
  const Json& model = meta["model"];
  try {
    if (protocol == "paxos") return make<World<paxos::Paxos>>(model);
    if (protocol == "paxos-tla") return make<PaxosTlaModel>(model);
    if (protocol == "raft") return make<World<raft::Raft<raft::Register>>>(model);
  } catch (const nlohmann::json::exception& e) {
    throw JsonError("#meta.model: " + std::string(e.what()));
  } catch (const JsonError& e) {
    throw JsonError("#meta.model." + std::string(e.what()));
  }
  throw JsonError("#meta.protocol: unknown protocol \"" + protocol + "\"");
}

}  // namespace lockstep
