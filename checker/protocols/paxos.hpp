// `lockstep check paxos` and `lockstep check paxos-tla`: build the model, explore, report.
#pragma once

#include <string>

#include "checker/report.hpp"
#include "model/paxos/paxos.hpp"
#include "model/paxos/tla.hpp"

namespace lockstep {

struct PaxosCheckOptions {
  int nodes = 3;
  int values = 2;
  int round_max = 2;
  int crashes = 1;
  int drops = 1;
  int duplicates = 1;
  // Messages in flight beyond which a state is not expanded (0 = only the network capacity).
  int messages_max = 0;
  // Clients: value i is proposed by client i, which talks to node i (mod nodes). Nodes are
  // interchangeable, so every assignment of distinct nodes to clients is this one up to renaming.
  // With any_node, each client may talk to any node (a larger space: it adds the behaviours
  // where one node is asked to propose several values).
  bool any_node = false;
  bool refine = false;  // --refine: held to Voting (spec/paxos/refinement.cpp)
  bool keep_obsolete = false;  // --keep-obsolete: obsolete messages stay in flight
  paxos::Bug bug = paxos::Bug::none;
  ExploreOptions explore;
};

// An error message for options out of range, or "" when they are fine.
std::string validate(const PaxosCheckOptions& options);
CheckReport check_paxos(const PaxosCheckOptions& options);
CheckReport simulate_paxos(const PaxosCheckOptions& options, const SimulateOptions& simulation);

struct PaxosTlaCheckOptions {
  int acceptors = 3;
  int ballots = 2;
  int values = 2;
  bool refine = false;  // --refine: held to Voting (spec/paxos/tla_refinement.hpp)
  ExploreOptions explore;
};

std::string validate(const PaxosTlaCheckOptions& options);
CheckReport check_paxos_tla(const PaxosTlaCheckOptions& options);
CheckReport simulate_paxos_tla(const PaxosTlaCheckOptions& options, const SimulateOptions& simulation);

}  // namespace lockstep
