// `lockstep check lock`: the lock service (model/sm/lock.hpp) replicated by a consensus protocol,
// with its clients (spec/lock/clients.hpp) and the spec of spec/lock/.
#pragma once

#include <string>

#include "checker/report.hpp"

namespace lockstep {

struct LockCheckOptions {
  std::string consensus = "raft";
  int nodes = 3;
  int clients = 2;
  int locks = 1;
  int pauses = 1;
  int retries = 0;
  bool try_acquire = false;
  int term_max = 1;      // Raft: highest term; Multi-Paxos: highest ballot round
  int log_max = 5;       // log entries (Raft) / slots (Multi-Paxos)
  int snapshot_every = 0;
  int crashes = 1;
  int drops = 0;
  int duplicates = 0;
  int messages_max = 2;
  std::string bug;       // "" or a bug's flag name
  bool refine = false;   // --refine: each lock held to lock-clients (spec/lock/refinement.hpp)
  bool keep_obsolete = false;  // --keep-obsolete: obsolete messages stay in flight
  ExploreOptions explore;
};

CheckReport check_lock(const LockCheckOptions& options);
struct ProtocolArgs;
LockCheckOptions lock_options(const ProtocolArgs& args);

}  // namespace lockstep
