// `lockstep check multipaxos`: Multi-Paxos replicating a register, in a World with faults.
#pragma once

#include <string>

#include "checker/report.hpp"
#include "model/multipaxos/multipaxos.hpp"

namespace lockstep {

struct MultiPaxosCheckOptions {
  int nodes = 3;
  int round_max = 2;
  // Two slots: a gap (a vote in the second slot and none in the first), a replica applying past
  // one, recovery over two slots. With one, a bug in how slots follow each other cannot show (one
  // written by hand, a replica applying entries after a gap from its own applied slot, passed one
  // slot and is found in 1 s with two). About 8M states, 20 s on 2 workers.
  int slot_max = 2;
  // Client commands write(1), write(2), ... each sent once, to any node. Two by default: two
  // commands competing for one slot are the case consensus is for (with one, a leader that ignores
  // a promise or recovers the wrong vote can break nothing).
  int requests = 2;
  int snapshot_every = 0;  // a replica snapshots every this many applied slots (0 = never)
  int check_quorum = 0;  // 1: check-quorum, as a node always runs it; 0 (check's default): without it
  int crashes = 1;
  int drops = 0;
  int duplicates = 0;
  int messages_max = 3;  // states with more messages in flight are not expanded (0 = capacity)
  multipaxos::Bug bug = multipaxos::Bug::none;
  bool refine = false;  // --refine: held to per-slot Voting (spec/multipaxos/refinement.hpp)
  bool keep_obsolete = false;  // --keep-obsolete: obsolete messages stay in flight
  ExploreOptions explore;
};

// An error message for options out of range (the registry's ranges), or "" when they are fine.
std::string validate(const MultiPaxosCheckOptions& options);
CheckReport check_multipaxos(const MultiPaxosCheckOptions& options);
CheckReport simulate_multipaxos(const MultiPaxosCheckOptions& options, const SimulateOptions& simulation);
// The typed options that registry args stand for (e.g. a bug's bounds, for the tests).
struct ProtocolArgs;
MultiPaxosCheckOptions multipaxos_options(const ProtocolArgs& args);

}  // namespace lockstep
