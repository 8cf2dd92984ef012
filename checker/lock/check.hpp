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
  int try_clients = 0;   // --try-clients: the last N clients try-acquire, the others wait
  bool close = false;    // --close: clients close their session instead of releasing the lock
  int give_ups = 0;      // --give-ups: times a waiting client may give up (and close, with --close)
  int lost_answers = 0;  // --lost-answers: times a waiting client's answers are lost until it re-sends
  int rounds = 1;        // --rounds: times each client acquires, writes and releases on its session
  int stale_tokens = 0;  // --stale-tokens: times a release carries the token of the client's earlier grant
  int stale_requests = 0;  // --stale-requests: times a late copy of a granted acquire (or a first open) arrives
  int reopens = 0;       // --reopens: times a client whose session ended under it opens a new one
  int token_releases = 0;  // --token-releases: times a release carries the token alone, no session
  int keep_alives = 0;   // --keep-alives: times a client holding its lock sends its session a keep-alive
  int term_max = 1;      // Raft: highest term; Multi-Paxos: highest ballot round
  // Log entries (Raft) / slots (Multi-Paxos); 0: the consensus's default, 6 for Raft (its
  // leaders' no-ops take entries too) and 5 for Multi-Paxos (log_max_of).
  int log_max = 0;
  int snapshot_every = 0;
  int leader_noop = 1;   // Raft: 1, a new leader appends a no-op (section 8), as a node always does
  int check_quorum = 0;  // 1: check-quorum, as a node always runs it (many more states)
  int pre_vote = 0;      // Raft: 1, pre-vote (thesis 9.6), as a node always runs it
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
// The longest log (or highest slot) the options stand for: log_max, or the consensus's default.
int log_max_of(const LockCheckOptions& options);
struct ProtocolArgs;
LockCheckOptions lock_options(const ProtocolArgs& args);

}  // namespace lockstep
