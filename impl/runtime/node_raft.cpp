// The raft lock node: NodeServer and the node log's replay instantiated for
// raft::Raft<sm::RuntimeLock, RuntimeSizes> (its step function is instantiated in model/raft/lock.cpp).
#include "impl/runtime/node_impl.hpp"
#include "impl/runtime/node_protocols.hpp"
#include "model/raft/raft.hpp"
#include "model/sm/lock.hpp"

namespace lockstep::runtime {

using RaftLockNode = raft::Raft<sm::RuntimeLock, RuntimeSizes>;

int run_raft_node(const NodeOptions& options) {
  NodeServer<RaftLockNode> server(options);
  return server.run();
}

void replay_raft_segment(const Json& start, std::istream& in, ReplayStats& stats, std::string& next) {
  replay_segment<RaftLockNode>(start, in, stats, next);
}

}  // namespace lockstep::runtime
