// The multipaxos lock node: NodeServer and the node log's replay instantiated for
// multipaxos::MultiPaxos<sm::RuntimeLock, RuntimeSizes> (its step function is instantiated in model/multipaxos/lock.cpp).
#include "impl/runtime/node_impl.hpp"
#include "impl/runtime/node_protocols.hpp"
#include "model/multipaxos/multipaxos.hpp"
#include "model/sm/lock.hpp"

namespace lockstep::runtime {

using MultipaxosLockNode = multipaxos::MultiPaxos<sm::RuntimeLock, RuntimeSizes>;

int run_multipaxos_node(const NodeOptions& options) {
  NodeServer<MultipaxosLockNode> server(options);
  return server.run();
}

void replay_multipaxos_segment(const Json& start, std::istream& in, ReplayStats& stats, std::string& next) {
  replay_segment<MultipaxosLockNode>(start, in, stats, next);
}

}  // namespace lockstep::runtime
