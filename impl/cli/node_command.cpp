// `lockstep node`: one lock-service node (impl/runtime/node.hpp), and the node-log replay behind
// `lockstep replay --node-log FILE`.
//
//   lockstep node --id I --cluster 1=127.0.0.1:7001,2=...,3=... --data DIR [--protocol raft|multipaxos]
//                 [--election-timeout 150ms-300ms] [--heartbeat 50ms] [--expiry-period 1s]
//                 [--snapshot-every N] [--checkpoint-bytes N] [--record FILE] [--quiet]
//
// Exit codes: 0 stopped by SIGINT/SIGTERM; 1 a fatal runtime error (a failed fsync, a broken
// effect contract) or a write-ahead log that cannot be trusted (corrupt in the middle); 2 bad
// usage or configuration (bad flags, a data directory of another node or in use).
#include <fmt/core.h>

#include <iostream>

#include "impl/cli/commands.hpp"
#include "impl/runtime/node.hpp"

namespace lockstep::cli {

namespace {
std::uint32_t duration_flag(const std::string& flag, const std::string& text) {
  try {
    const std::uint64_t ms = runtime::parse_duration_ms(text);
    if (ms == 0 || ms > 3'600'000) throw std::invalid_argument("must be between 1ms and 1h");
    return static_cast<std::uint32_t>(ms);
  } catch (const std::invalid_argument& e) {
    throw UsageError(flag + ": " + e.what());
  }
}
}  // namespace

int replay_node_log_command(const std::string& file, bool json) {
  try {
    return runtime::replay_node_log(file, json, false);
  } catch (const runtime::NodeError& e) {
    fmt::print(stderr, "lockstep: replay: {}\n", e.what());
    return exit_usage;
  }
}

Command add_node_command(CLI::App& root) {
  CLI::App* app = root.add_subcommand("node", "Run one node of the lock service (Raft or Multi-Paxos)");
  app->footer(
      "Exit codes: 0 stopped by SIGINT/SIGTERM; 1 a fatal error at run time, or a write-ahead log corrupt in the "
      "middle; 2 bad usage or configuration.");
  auto id = std::make_shared<unsigned>(0);
  auto cluster = std::make_shared<std::string>();
  auto data = std::make_shared<std::string>();
  auto protocol = std::make_shared<std::string>("raft");
  auto election = std::make_shared<std::string>("150ms-300ms");
  auto heartbeat = std::make_shared<std::string>("50ms");
  auto expiry = std::make_shared<std::string>("1s");
  auto snapshot_every = std::make_shared<std::uint64_t>(1024);
  auto checkpoint_bytes = std::make_shared<std::uint64_t>(8u << 20);
  auto record = std::make_shared<std::string>();
  auto quiet = std::make_shared<bool>(false);
  auto allow_faults = std::make_shared<bool>(false);
  app->add_option("--id", *id, "This node's id in --cluster")->required();
  app->add_option("--cluster", *cluster, "Every member: 1=HOST:PORT,2=HOST:PORT,... (ids 1..n)")->required();
  app->add_option("--data", *data, "This node's data directory (write-ahead log, checkpoints)")->required();
  app->add_option("--protocol", *protocol, "raft or multipaxos")->check(CLI::IsMember({"raft", "multipaxos"}));
  app->add_option("--election-timeout", *election, "The randomized election timeout's range MIN-MAX")->capture_default_str();
  app->add_option("--heartbeat", *heartbeat, "The leader's heartbeat period")->capture_default_str();
  app->add_option("--expiry-period", *expiry,
                  "How often the leader checks sessions for expiry (a session's TTL is rounded up to whole periods)")
      ->capture_default_str();
  app->add_option("--snapshot-every", *snapshot_every, "Applied entries between snapshots (log compaction)")
      ->capture_default_str()
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 30));
  app->add_option("--checkpoint-bytes", *checkpoint_bytes, "WAL size that triggers a checkpoint")->capture_default_str()
      ->check(CLI::Range(std::uint64_t{4096}, std::uint64_t{1} << 40));
  app->add_option("--record", *record,
                  "Append every event fed to the step function to FILE (NDJSON), for lockstep replay --node-log");
  app->add_flag("--quiet", *quiet, "Log only warnings and errors");
  app->add_flag("--allow-faults", *allow_faults, "Accept test-only fault-injection frames (link cuts)");
  return {app, [=] {
            runtime::NodeOptions o;
            try {
              o.cluster = runtime::Cluster::parse(*cluster);
            } catch (const runtime::ClusterError& e) {
              throw UsageError(e.what());
            }
            if (*id < 1 || !o.cluster.has(static_cast<std::uint8_t>(*id))) {
              throw UsageError(fmt::format("--id {} is not a member of --cluster {}", *id, o.cluster.spec()));
            }
            o.id = static_cast<std::uint8_t>(*id);
            o.data = *data;
            o.protocol = *protocol == "raft" ? runtime::WireProtocol::raft : runtime::WireProtocol::multipaxos;
            const auto dash = election->find('-');
            if (dash == std::string::npos) throw UsageError("--election-timeout: expected MIN-MAX, e.g. 150ms-300ms");
            o.election_min_ms = duration_flag("--election-timeout", election->substr(0, dash));
            o.election_max_ms = duration_flag("--election-timeout", election->substr(dash + 1));
            o.heartbeat_ms = duration_flag("--heartbeat", *heartbeat);
            o.expiry_period_ms = duration_flag("--expiry-period", *expiry);
            if (o.election_max_ms < o.election_min_ms) throw UsageError("--election-timeout: MIN is above MAX");
            if (o.heartbeat_ms >= o.election_min_ms) {
              throw UsageError("--heartbeat must be shorter than the election timeout's minimum");
            }
            o.snapshot_every = *snapshot_every;
            o.checkpoint_bytes = *checkpoint_bytes;
            if (!record->empty()) o.record = *record;
            o.quiet = *quiet;
            o.allow_faults = *allow_faults;
            try {
              return runtime::run_node(o);
            } catch (const runtime::NodeError& e) {
              fmt::print(stderr, "lockstep: node {}: {}\n", o.id, e.what());
              return e.exit_code;
            }
          }};
}

}  // namespace lockstep::cli
