// The two lock nodes lockstep runs: Raft and Multi-Paxos at runtime size, replicating the lock
// state machine. Each is instantiated in its own source file (node_raft.cpp,
// node_multipaxos.cpp), so the two compile side by side.
#pragma once

#include <istream>
#include <string>

#include "impl/runtime/node.hpp"
#include "model/core/json.hpp"

namespace lockstep::runtime {

struct ReplayStats;

int run_raft_node(const NodeOptions& options);
int run_multipaxos_node(const NodeOptions& options);
void replay_raft_segment(const Json& start, std::istream& in, ReplayStats& stats, std::string& next);
void replay_multipaxos_segment(const Json& start, std::istream& in, ReplayStats& stats, std::string& next);

}  // namespace lockstep::runtime
