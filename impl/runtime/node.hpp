// `lockstep node`: one process hosting one node of the lock service, Raft or Multi-Paxos at
// runtime size replicating the lock state machine (model/sm/lock.hpp). The node is a Host
// (impl/runtime/host.hpp) wired to TCP (impl/runtime/connection.hpp), a write-ahead log
// (impl/runtime/storage.hpp) and timers; see impl/runtime/node_impl.hpp for what it does.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>

#include "impl/runtime/cluster.hpp"
#include "impl/runtime/wire.hpp"

namespace lockstep::runtime {

struct NodeOptions {
  std::uint8_t id = 0;
  Cluster cluster;
  std::filesystem::path data;
  WireProtocol protocol = WireProtocol::raft;
  // Timers: the election timeout is drawn from [election_min_ms, election_max_ms]; the leader's
  // heartbeat period; the leader's session-expiry check period (a session's TTL is rounded up to
  // whole periods).
  std::uint32_t election_min_ms = 150;
  std::uint32_t election_max_ms = 300;
  std::uint32_t heartbeat_ms = 50;
  std::uint32_t expiry_period_ms = 1000;
  std::uint64_t snapshot_every = 1024;       // applied entries between snapshots
  std::uint64_t checkpoint_bytes = 8u << 20;  // WAL size that triggers a checkpoint
  std::uint32_t frame_limit = frame_limit_default;
  std::uint32_t suspect_after_ms = 0;         // 0: 4 heartbeats, at least 200 ms
  std::optional<std::filesystem::path> record;  // --record: NDJSON of every event fed to step
  bool allow_faults = false;                  // accept test-only Fault frames
  bool fsync = true;
  bool quiet = false;                         // log only warnings and errors
};

// Configuration or start-up failure (bad flags, a data directory of another node, a corrupt
// write-ahead log): the message says what and where.
// exit_code: 2 for configuration (the default), 1 for a write-ahead log that cannot be trusted.
struct NodeError : std::runtime_error {
  explicit NodeError(const std::string& message, int exit_code = 2) : std::runtime_error(message), exit_code(exit_code) {}
  int exit_code;
};

// Runs the node until SIGINT/SIGTERM (exit 0) or a fatal error (throws NodeError, or returns 1
// after logging it: a failed fsync, a broken effect contract).
int run_node(const NodeOptions& options);

// `lockstep replay --node-log FILE`: re-executes a node's recorded events through its step
// function and checks the state after each against the recorded fingerprint. Prints a summary
// (or JSON); returns 0 when every state reproduces, 1 at the first that does not (naming the
// event), and throws NodeError on an unreadable log.
int replay_node_log(const std::filesystem::path& file, bool json, bool verbose);

}  // namespace lockstep::runtime
