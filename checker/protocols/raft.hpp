// `lockstep check raft`: Raft replicating a register, in a World with faults.
#pragma once

#include <string>

#include "checker/report.hpp"
#include "model/raft/raft.hpp"

namespace lockstep {

struct RaftCheckOptions {
  int nodes = 3;
  int term_max = 3;
  int log_max = 2;
  int requests = 2;  // client commands write(1), write(2), ... each sent once, to any node
  int snapshot_every = 0;  // applied entries between a node's snapshots (0: no snapshots)
  int leader_noop = 1;  // 1: a new leader appends a no-op (section 8), as a node always does
  // 1: check-quorum (thesis 6.2 and 4.2.3), as a node always runs it; 0 (check's default): the
  // world without it, where a leader never steps down in its term (about 20x fewer states).
  int check_quorum = 0;
  // 1: pre-vote (thesis 9.6), as a node always runs it; 0 (check's default): the world without it,
  // where a node whose election timer fires campaigns at once.
  int pre_vote = 0;
  int crashes = 1;
  int drops = 0;
  int duplicates = 0;
  int messages_max = 3;  // states with more messages in flight are not expanded (0 = capacity)
  raft::Bug bug = raft::Bug::none;
  bool refine = false;  // --refine: held to raft-election and raft-log (spec/raft/refinement.hpp)
  bool keep_obsolete = false;  // --keep-obsolete: obsolete messages stay in flight
  ExploreOptions explore;
};

// An error message for options out of range (the registry's ranges), or "" when they are fine.
std::string validate(const RaftCheckOptions& options);
CheckReport check_raft(const RaftCheckOptions& options);
// Random walks with the same model and bounds (`lockstep simulate raft`).
CheckReport simulate_raft(const RaftCheckOptions& options, const SimulateOptions& simulation);
// The typed options that registry args stand for (e.g. a bug's bounds, for the tests).
struct ProtocolArgs;
RaftCheckOptions raft_options(const ProtocolArgs& args);

// `lockstep check raft-tla`: raft.tla's constants and TLC's state constraint (model/raft/tla.hpp).
// The defaults are the reference bounds: TLC finds 705,532 distinct states.
struct RaftTlaCheckOptions {
  int servers = 3;
  int values = 1;
  int max_term = 2;
  int max_log = 0;
  int max_dup = 1;
  int max_msgs = 1;
  ExploreOptions explore;
};

std::string validate(const RaftTlaCheckOptions& options);
CheckReport check_raft_tla(const RaftTlaCheckOptions& options);
CheckReport simulate_raft_tla(const RaftTlaCheckOptions& options, const SimulateOptions& simulation);

}  // namespace lockstep
