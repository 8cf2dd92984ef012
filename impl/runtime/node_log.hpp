// A node's record of what it fed its step function (`lockstep node --record FILE`), and its
// replay (`lockstep replay --node-log FILE`). NDJSON, appended to (a restarted node adds a new
// segment; an existing file is never replaced):
//   {"start": {"protocol": "raft", "node": 1, "nodes": 3, "election_min_ms": 150,
//              "election_max_ms": 300, "heartbeat_ms": 50, "expiry_period_ms": 1000,
//              "snapshot_every": 1024, "durable": <the recovered durable state, ITF JSON>},
//    "at_us": <when, wall clock, microseconds since the Unix epoch>}
//   {"event": <the event, ITF JSON>, "fp": "<the node's fingerprint after the step, hex>",
//    "at_us": <when it was fed>}
// (at_us lines up the records of a cluster's nodes; replay does not read it.)
// A step is deterministic in (config, node, event): timers' random delays are the host's and do
// not enter it, so replaying the events from each start reproduces every state, which the
// fingerprints check.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>

#include <fmt/format.h>

#include "impl/runtime/node.hpp"
#include "model/core/fingerprint.hpp"
#include "model/core/json.hpp"

namespace lockstep::runtime {

// The runtime configuration of P's step function from a node's options.
template <class P>
typename P::Config node_config(const NodeOptions& o) {
  typename P::Config config{};
  config.node_count = static_cast<std::uint8_t>(o.cluster.size());
  config.timing = {o.election_min_ms, o.election_max_ms, o.heartbeat_ms};
  config.machine.lock_count = lock_slots;
  config.machine.ttl_ms = o.expiry_period_ms;
  config.snapshot_every = o.snapshot_every;
  return config;
}

template <class P>
class NodeRecorder {
 public:
  NodeRecorder(const std::filesystem::path& path, const NodeOptions& o, const typename P::Durable& durable) {
    // A node killed while writing a line left it torn: the new segment starts on a line of its own.
    bool torn = false;
    if (std::FILE* before = std::fopen(path.c_str(), "rb")) {
      torn = std::fseek(before, -1, SEEK_END) == 0 && std::fgetc(before) != '\n';
      std::fclose(before);
    }
    file_ = std::fopen(path.c_str(), "a");
    if (!file_) throw NodeError("--record " + path.string() + ": cannot open it for appending");
    if (torn) std::fputc('\n', file_);
    const Json start = {{"start",
                         {{"protocol", std::string(enum_name(o.protocol))},
                          {"node", o.id},
                          {"nodes", o.cluster.size()},
                          {"election_min_ms", o.election_min_ms},
                          {"election_max_ms", o.election_max_ms},
                          {"heartbeat_ms", o.heartbeat_ms},
                          {"expiry_period_ms", o.expiry_period_ms},
                          {"snapshot_every", o.snapshot_every},
                          {"durable", to_json_value(durable)}}},
                        {"at_us", now_us()}};
    write(start.dump());
  }
  ~NodeRecorder() {
    if (file_) std::fclose(file_);
  }
  NodeRecorder(const NodeRecorder&) = delete;
  NodeRecorder& operator=(const NodeRecorder&) = delete;

  void event(const typename P::Event& event, const typename P::Node& after) {
    const Json line = {
        {"event", to_json_value(event)}, {"fp", fmt::format("{:016x}", fingerprint(after))}, {"at_us", now_us()}};
    write(line.dump());
  }

 private:
  static std::int64_t now_us() {
    return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  void write(const std::string& line) {
    std::fputs(line.c_str(), file_);
    std::fputc('\n', file_);
    std::fflush(file_);  // a node killed with -9 keeps every line it wrote
  }
  std::FILE* file_ = nullptr;
};

}  // namespace lockstep::runtime

#include <istream>

#include "impl/runtime/cluster.hpp"

namespace lockstep::runtime {

struct ReplayStats {
  std::uint64_t segments = 0;
  std::uint64_t events = 0;
  std::uint64_t line = 0;       // the line being read (1-based)
  std::uint64_t torn = 0;       // segments whose last line a kill tore (skipped)
  std::string failure;          // empty: every state reproduced so far
  std::string last_state;       // the final node's role etc., for the summary
};

// Replays one segment: `start` is its start record; reads event lines from `in` until the end
// or the next start line (left in `next`). Stops at the first state that differs.
template <class P>
void replay_segment(const Json& start, std::istream& in, ReplayStats& stats, std::string& next) {
  NodeOptions o;
  const auto number = [&](const char* key) {
    if (!start.contains(key) || !start[key].is_number_unsigned()) {
      throw NodeError(fmt::format("line {}: the start record has no \"{}\"", stats.line, key));
    }
    return start[key].get<std::uint64_t>();
  };
  o.id = static_cast<std::uint8_t>(number("node"));
  const std::uint64_t nodes = number("nodes");
  if (nodes < 1 || nodes > node_count_max || o.id < 1 || o.id > nodes) {
    throw NodeError(fmt::format("line {}: node {} of {} is not a node of a cluster lockstep runs", stats.line, o.id, nodes));
  }
  for (std::uint64_t i = 1; i <= nodes; ++i) o.cluster.members.push_back(Member{static_cast<std::uint8_t>(i), "127.0.0.1", 1});
  o.election_min_ms = static_cast<std::uint32_t>(number("election_min_ms"));
  o.election_max_ms = static_cast<std::uint32_t>(number("election_max_ms"));
  o.heartbeat_ms = static_cast<std::uint32_t>(number("heartbeat_ms"));
  o.expiry_period_ms = static_cast<std::uint32_t>(number("expiry_period_ms"));
  o.snapshot_every = number("snapshot_every");
  const auto config = node_config<P>(o);
  auto node = P::init(config, NodeId{o.id});
  try {
    node.durable = from_json<typename P::Durable>(start.at("durable"), "durable");
  } catch (const std::exception& e) {
    throw NodeError(fmt::format("line {}: {}", stats.line, e.what()));
  }
  ++stats.segments;
  std::string text;
  while (std::getline(in, text)) {
    ++stats.line;
    if (text.empty()) continue;
    Json line;
    try {
      line = Json::parse(text);
    } catch (const std::exception& e) {
      // The last line of a life, torn by a kill while it was written: the next life starts from
      // its own recovered state, so the segment ends here. Anywhere else, the record is damaged.
      const std::uint64_t torn_at = stats.line;
      std::string after;
      while (std::getline(in, after)) {
        ++stats.line;
        if (!after.empty()) break;
      }
      if (after.empty() || Json::parse(after, nullptr, false).contains("start")) {
        ++stats.torn;
        next = after;
        return;
      }
      throw NodeError(fmt::format("line {}: not JSON ({})", torn_at, e.what()));
    }
    if (line.contains("start")) {
      next = text;
      return;
    }
    if (!line.contains("event") || !line.contains("fp") || !line["fp"].is_string()) {
      throw NodeError(fmt::format("line {}: expected {{\"event\": ..., \"fp\": ...}}", stats.line));
    }
    typename P::Event event;
    try {
      event = from_json<typename P::Event>(line["event"], "event");
    } catch (const std::exception& e) {
      throw NodeError(fmt::format("line {}: {}", stats.line, e.what()));
    }
    auto step = P::step(config, NodeId{o.id}, node, event);
    node = std::move(step.node);
    ++stats.events;
    const std::string fp = fmt::format("{:016x}", fingerprint(node));
    if (fp != line["fp"].get<std::string>()) {
      stats.failure = fmt::format("line {}: the state after event {} of segment {} differs from the recorded one "
                                  "(fingerprint {} recorded, {} replayed)",
                                  stats.line, stats.events, stats.segments, line["fp"].get<std::string>(), fp);
      return;
    }
  }
  next.clear();
}

}  // namespace lockstep::runtime
