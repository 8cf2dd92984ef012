// `lockstep nemesis`: a Jepsen-style test of the lock service on this machine. It starts a local
// cluster of `lockstep node`s (--allow-faults), runs client threads that loop
//     open a session -> acquire a lock -> write to a fenced resource with the token -> release
// recording a history through the client library's ClientEvent hook, while a seeded nemesis
// injects a fault every 1-3 s, of a kind drawn from NemesisOptions::faults:
//   kill       kill -9 of a node, restarted later (from its write-ahead log)
//   pause      SIGSTOP of a node, SIGCONT later
//   cut        every link of a node cut by Fault frames, healed later
//   (never more than a minority of the nodes faulty at once by these three)
//   partition  the nodes split into a minority and a majority that cannot reach each other
//   bridge     two halves that cannot reach each other and one node linked to both (Jepsen's
//              bridge: with 3 or 5 nodes, each half with the bridge is a majority)
//   ring       the nodes in a ring, each linked only to its neighbours up to the distance that
//              makes its view a majority (Jepsen's majorities ring: every node sees a majority,
//              no two the same one; 4 nodes or more)
//   oneway     one node's frames to some of the others are lost while theirs still arrive
//              (it speaks and is not heard), or the reverse (it hears nothing from them)
//   (these four are the network's faults: injected only when no other fault is active, and
//   none is injected while one is; every link is cut at both of its ends)
//   client     a client told to pause while it holds its next lock, before its fenced write, for
//              twice its session's ttl: a stalled process whose token goes stale.
// Aimed at the leader (NemesisOptions::at_leader, `--target leader`, as Jepsen's primaries
// target): kill, pause and cut hit the node that leads when the fault is drawn, a partition puts
// it in the minority, a bridge in one half, a one-way loss makes it the node that is not heard or
// does not hear; with no leader known then (an election under way) the fault is skipped.
// Then it heals everything, lets the cluster settle, reads the final lock table and checks:
//   fencing      the fenced resource never accepted a write whose token was below one it had
//                accepted for that lock, every accepted write's token was granted to its writer
//                (an ok acquire in the history), and no write was rejected for a holder whose
//                release then succeeded (it held the lock all along: two holders at once);
//   final state  for each lock, the final table's token is >= every token acknowledged for it;
//                no two acknowledged grants share a token; the live replicas' tables agree;
//   nodes        no node died on its own, the cluster settled (one leader, every node applied
//                through its commit), every node stopped cleanly on SIGTERM at the end, and no
//                client thread stopped on an unexpected exception.
// The history's linearizability (against spec/linearizability/lock_spec.hpp) is checked by the
// caller (impl/cli/nemesis_command.cpp): the runtime does not link the checker.
//
// The history: one process per session ("c<client>.<n>"); acquire / release events from the
// hook (a timeout is info). A session that is abandoned with a lock possibly held (a release or
// an acquire that timed out, a release answered "session expired") gets an expire event under a
// pseudo-process of its own, invoked when the session was last known alive (the invocation of
// its last answered call) and completed ok when the client learnt of the expiry, else left
// pending (it may happen at any time after, or never).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "impl/runtime/wire.hpp"
#include "model/core/json.hpp"

namespace lockstep::runtime {

// Every kind of fault, in the order the reports list them: kill, pause, cut, partition, bridge,
// ring, oneway, client.
const std::vector<std::string>& nemesis_fault_kinds();

// Whether a kind of fault can be injected into a cluster of this many nodes: the node faults need
// a minority of at least one (3 nodes or more), as do partition, bridge and oneway; ring needs 4.
bool nemesis_fault_applies(const std::string& kind, int nodes);

struct NemesisOptions {
  WireProtocol protocol = WireProtocol::raft;
  int nodes = 3;
  int clients = 4;
  int locks = 2;
  std::chrono::milliseconds time{30000};
  std::filesystem::path dir;  // data, logs, history (created; must not hold a cluster already)
  std::uint64_t seed = 1;
  std::string exe;            // the lockstep binary that runs the nodes
  std::chrono::milliseconds ttl{1500};             // each session's time-to-live
  std::chrono::milliseconds expiry_period{250};    // the nodes' --expiry-period
  std::chrono::milliseconds gap_threshold{1000};   // an unavailability window is a longer gap
  // How long a node's or the network's fault lasts: drawn uniformly from [min, max].
  std::chrono::milliseconds hold_min{500}, hold_max{3000};
  std::vector<std::string> faults = nemesis_fault_kinds();  // the kinds to draw from (empty: none)
  bool at_leader = false;  // aim the node and network faults at the leader (see above)
  bool record = false;     // each node records its step events in DIR/node-N.events.ndjson
  std::function<void(const std::string&)> progress;  // a line per fault and phase (may be empty)
};

struct NemesisFault {
  double at_s = 0;       // since the start of the run
  double healed_s = 0;   // 0: never healed (it should not happen)
  std::string kind;      // kill | pause | cut (a node's), partition | bridge | ring (the
                         // network's), client (a client paused while holding)
  int node = 0;          // the node, or the client for "client"; 0 for the network's
  std::string sides;     // the network's: who could reach whom, e.g. "{1,4} | {2,3,5}"
  int leader = 0;        // aimed at the leader: the node that led when it was injected
};

struct NemesisWindow {
  double start_s = 0;
  double length_s = 0;
};

struct NemesisReport {
  Json history = Json::array();  // the events, sorted by time
  double seconds = 0;            // the client phase's length
  // Operations (acquire and release calls, as the history records them).
  std::uint64_t ok = 0, failed = 0, indeterminate = 0;
  std::uint64_t sessions = 0, sessions_failed = 0;  // opens: answered / not
  std::uint64_t closed = 0;                          // closes answered (closed, or found gone)
  std::uint64_t acquired = 0, released = 0;
  std::vector<NemesisFault> faults;
  // Gaps with no successful operation longer than the threshold, longest first.
  std::vector<NemesisWindow> windows;
  double longest_gap_s = 0;
  // Checks (other than linearizability): ok, and one line per violation.
  bool fencing_ok = true;
  std::uint64_t writes_accepted = 0, writes_rejected = 0;
  std::vector<std::string> fencing_violations;
  bool final_ok = true;
  std::vector<std::string> final_violations;
  Json final_table = Json::object();  // lock name -> {holder, token} on the final leader
  bool nodes_ok = true;
  std::vector<std::string> node_problems;
  std::string settle_note;  // how the cluster settled (leader, applied), or why not
};

struct NemesisError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Runs the whole test; throws NemesisError when the cluster cannot be set up (no leader in time,
// a node that cannot start). Never leaves a node running.
NemesisReport run_nemesis(const NemesisOptions& options);

}  // namespace lockstep::runtime
