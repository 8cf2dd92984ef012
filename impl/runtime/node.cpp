#include "impl/runtime/node.hpp"

#include <fmt/format.h>

#include <fstream>
#include <iostream>

#include "impl/runtime/node_log.hpp"
#include "impl/runtime/node_protocols.hpp"

namespace lockstep::runtime {

int run_node(const NodeOptions& options) {
  if (!options.cluster.has(options.id)) {
    throw NodeError(fmt::format("--id {} is not a member of --cluster {}", options.id, options.cluster.spec()));
  }
  if (options.election_min_ms == 0 || options.election_max_ms < options.election_min_ms) {
    throw NodeError("the election timeout range must be positive, with min <= max");
  }
  if (options.heartbeat_ms == 0 || options.heartbeat_ms >= options.election_min_ms) {
    throw NodeError("the heartbeat period must be positive and shorter than the election timeout");
  }
  if (options.expiry_period_ms == 0) throw NodeError("the session expiry period must be positive");
  return options.protocol == WireProtocol::raft ? run_raft_node(options) : run_multipaxos_node(options);
}

int replay_node_log(const std::filesystem::path& file, bool json, bool verbose) {
  std::ifstream in(file);
  if (!in) throw NodeError("--node-log " + file.string() + ": cannot open it");
  ReplayStats stats;
  std::string next;
  std::string text;
  while (std::getline(in, text)) {
    ++stats.line;
    if (!text.empty()) break;
  }
  if (text.empty()) throw NodeError("--node-log " + file.string() + ": empty");
  next = text;
  std::string protocol;
  while (!next.empty() && stats.failure.empty()) {
    Json start;
    try {
      start = Json::parse(next);
    } catch (const std::exception& e) {
      throw NodeError(fmt::format("{}: line {}: not JSON ({})", file.string(), stats.line, e.what()));
    }
    if (!start.contains("start") || !start["start"].contains("protocol")) {
      throw NodeError(fmt::format("{}: line {}: expected a start record ({{\"start\": ...}})", file.string(), stats.line));
    }
    const Json& s = start["start"];
    protocol = s["protocol"].is_string() ? s["protocol"].get<std::string>() : "";
    try {
      if (protocol == "raft") {
        replay_raft_segment(s, in, stats, next);
      } else if (protocol == "multipaxos") {
        replay_multipaxos_segment(s, in, stats, next);
      } else {
        throw NodeError(fmt::format("line {}: unknown protocol {}", stats.line, s["protocol"].dump()));
      }
    } catch (const NodeError& e) {
      throw NodeError(file.string() + ": " + e.what());
    }
    if (verbose && stats.failure.empty()) {
      std::cerr << fmt::format("segment {}: reproduced through line {}\n", stats.segments, stats.line);
    }
  }
  const bool ok = stats.failure.empty();
  if (json) {
    std::cout << Json{{"ok", ok},
                      {"protocol", protocol},
                      {"segments", stats.segments},
                      {"events", stats.events},
                      {"torn_lines", stats.torn},
                      {"failure", ok ? Json() : Json(stats.failure)}}
                     .dump()
              << "\n";
  } else if (ok) {
    std::cout << fmt::format("{}: every state reproduced: {} events in {} segment{} ({}){}\n", file.string(), stats.events,
                             stats.segments, stats.segments == 1 ? "" : "s", protocol,
                             stats.torn == 0 ? std::string()
                                             : fmt::format("; {} segment{} ended in a line torn by a kill, skipped", stats.torn,
                                                           stats.torn == 1 ? "" : "s"));
  } else {
    std::cout << fmt::format("{}: {}\n", file.string(), stats.failure);
  }
  return ok ? 0 : 1;
}

}  // namespace lockstep::runtime
