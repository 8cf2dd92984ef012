// Integration test of `lockstep nemesis`: a short run (8 s) per protocol, under injected faults,
// whose checks must all pass (exit 0, and every verdict true in --json), with faults actually
// injected and operations actually completed; the network's faults (partitions, bridges, rings)
// on five nodes, each node told to cut the links its fault says. Also its usage errors (exit 2,
// one line).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cctype>
#include <fstream>
#include <map>
#include <optional>
#include <set>

#include "tests/support/processes.hpp"
#include "tests/support/run_command.hpp"

namespace lockstep::testing {
namespace {

using namespace std::chrono_literals;

struct NemesisRun {
  std::optional<int> code;
  std::string out;
  std::string err;
};

NemesisRun nemesis(const TestDir& dir, const std::vector<std::string>& args, std::chrono::milliseconds timeout) {
  std::vector<std::string> argv = {lockstep_binary(), "nemesis"};
  argv.insert(argv.end(), args.begin(), args.end());
  Process p = Process::spawn(argv, dir / "nemesis.out", dir / "nemesis.err");
  NemesisRun run{p.wait_exit(timeout), {}, {}};
  run.out = read_text(dir / "nemesis.out");
  run.err = read_text(dir / "nemesis.err");
  return run;
}

// Runs the nemesis (its arguments include --json) and expects it to pass: exit 0 and "ok". The
// report; nothing (a failure added) when it did not finish in time or did not print JSON.
std::optional<Json> passing_report(const TestDir& dir, const std::vector<std::string>& args,
                                   std::chrono::seconds timeout) {
  const NemesisRun run = nemesis(dir, args, timeout);
  if (!run.code) {
    ADD_FAILURE() << "the nemesis did not finish within " << timeout.count() << " s";
    return std::nullopt;
  }
  Json report;
  try {
    report = Json::parse(run.out);
  } catch (const std::exception&) {
    ADD_FAILURE() << "not JSON: " << run.out << run.err;
    return std::nullopt;
  }
  EXPECT_EQ(*run.code, 0) << report.dump(2) << run.err;
  EXPECT_TRUE(report["ok"].get<bool>()) << report.dump(2);
  return report;
}

class NemesisTest : public ::testing::TestWithParam<std::string> {};

INSTANTIATE_TEST_SUITE_P(Protocols, NemesisTest, ::testing::Values("raft", "multipaxos"),
                         [](const auto& info) { return info.param; });

TEST_P(NemesisTest, ShortRunUnderFaultsPassesEveryCheck) {
  TestDir dir;
  const std::optional<Json> passed =
      passing_report(dir,
                     {"--protocol", GetParam(), "--time", "8s", "--seed", "7", "--json", "--dir", (dir / "run").string(),
                      "--history-out", (dir / "history.json").string()},
                     90s);
  ASSERT_TRUE(passed);
  const Json& report = *passed;
  EXPECT_TRUE(report["checks"]["linearizable"]["ok"].get<bool>()) << report["checks"]["linearizable"].dump(2);
  EXPECT_TRUE(report["checks"]["fencing"]["ok"].get<bool>()) << report["checks"]["fencing"].dump(2);
  EXPECT_TRUE(report["checks"]["final_state"]["ok"].get<bool>()) << report["checks"]["final_state"].dump(2);
  EXPECT_TRUE(report["checks"]["nodes"]["ok"].get<bool>()) << report["checks"]["nodes"].dump(2);
  EXPECT_GE(report["faults"]["total"].get<int>(), 1) << report["faults"].dump(2);
  EXPECT_GE(report["operations"]["acquired"].get<int>(), 10) << report["operations"].dump(2);
  EXPECT_GE(report["operations"]["sessions_closed"].get<int>(), 10) << report["operations"].dump(2);
  EXPECT_TRUE(fs::exists(dir / "history.json"));
  // The clients' closes are in the history (recorded by the client's hook, of no key: every lock
  // of the session), and the history it wrote is one `lockstep linearizable` accepts too.
  int closes = 0;
  const Json written = Json::parse(read_text(dir / "history.json"));
  for (const Json& e : written["history"]) {
    if (e.value("f", "") == "close" && e.value("type", "") == "ok") {
      ++closes;
      EXPECT_FALSE(e.contains("key")) << e.dump();
    }
  }
  EXPECT_EQ(closes, report["operations"]["sessions_closed"].get<int>());
  Process check = Process::spawn({lockstep_binary(), "linearizable", (dir / "history.json").string()}, dir / "lin.out",
                                 dir / "lin.err");
  EXPECT_EQ(check.wait_exit(60s), 0) << read_text(dir / "lin.out") << read_text(dir / "lin.err");
}

// --record: each node records what it fed its step function, one segment per life (a node
// killed and restarted appends a second, on a line of its own even when the kill tore the last
// line of the first), every line timed (at_us, never going back within a life); each record
// replays exactly through the step function.
TEST_P(NemesisTest, RecordedNodesReplayEveryState) {
  TestDir dir;
  const std::optional<Json> passed = passing_report(
      dir, {"--protocol", GetParam(), "--faults", "kill", "--fault-hold", "500ms", "--time", "5s", "--seed", "3", "--json",
            "--record", "--dir", (dir / "run").string()},
      90s);
  ASSERT_TRUE(passed);
  std::map<int, std::size_t> restarts;
  for (const Json& f : (*passed)["faults"]["list"]) {
    if (f["kind"] == "kill") ++restarts[f["node"].get<int>()];
  }
  for (int id = 1; id <= 3; ++id) {
    const fs::path record = dir / "run" / ("node-" + std::to_string(id) + ".events.ndjson");
    std::ifstream in(record);
    ASSERT_TRUE(in) << record;
    std::size_t starts = 0, events = 0, torn = 0;
    std::int64_t last = 0;
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    for (std::size_t k = 0; k < lines.size(); ++k) {
      const std::string& line = lines[k];
      const Json j = Json::parse(line, nullptr, false);
      if (j.is_discarded()) {
        // Only the last line of a life may be torn (by the kill, while it was written).
        EXPECT_TRUE(k + 1 == lines.size() || lines[k + 1].rfind("{\"start\":", 0) == 0) << "node " << id << ", line " << k + 1;
        ++torn;
        continue;
      }
      ASSERT_TRUE(j.contains("at_us")) << line;
      const auto at = j["at_us"].get<std::int64_t>();
      if (j.contains("start")) {
        ++starts;
      } else {
        ++events;
        EXPECT_GE(at, last) << "node " << id << ": " << line;
      }
      last = at;
    }
    EXPECT_EQ(starts, 1 + restarts[id]) << "node " << id;
    EXPECT_LE(torn, restarts[id]) << "node " << id;
    EXPECT_GT(events, 10u) << "node " << id;
    const auto replay = run_command(fmt::format("{} replay --node-log {}", lockstep_binary(), record.string()));
    EXPECT_EQ(replay.exit_code, 0) << "node " << id << ": " << replay.out << replay.err;
    EXPECT_NE(replay.out.find("every state reproduced"), std::string::npos) << replay.out;
  }
  EXPECT_GE(restarts.size(), 1u) << "no node was killed: the test no longer sees a second segment";

  // A line torn at the end of a life is skipped and said; one torn in the middle of a life is an
  // error naming its line (exit 2).
  const fs::path whole = dir / "run" / "node-1.events.ndjson";
  std::vector<std::string> lines;
  {
    std::ifstream in(whole);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
  }
  ASSERT_GT(lines.size(), 20u);
  const auto write_lines = [](const fs::path& path, const std::vector<std::string>& list) {
    std::ofstream out(path, std::ios::binary);
    for (const std::string& line : list) out << line << "\n";
  };
  std::vector<std::string> end_torn(lines.begin(), lines.begin() + 20);
  end_torn.back().resize(end_torn.back().size() / 2);
  write_lines(dir / "end-torn.ndjson", end_torn);
  const auto skipped = run_command(fmt::format("{} replay --node-log {}", lockstep_binary(), (dir / "end-torn.ndjson").string()));
  EXPECT_EQ(skipped.exit_code, 0) << skipped.out << skipped.err;
  EXPECT_NE(skipped.out.find("1 segment ended in a line torn by a kill, skipped"), std::string::npos) << skipped.out;
  std::vector<std::string> middle_torn(lines.begin(), lines.begin() + 20);
  middle_torn[10].resize(middle_torn[10].size() / 2);
  write_lines(dir / "middle-torn.ndjson", middle_torn);
  const auto refused = run_command(fmt::format("{} replay --node-log {}", lockstep_binary(), (dir / "middle-torn.ndjson").string()));
  EXPECT_EQ(refused.exit_code, 2) << refused.out << refused.err;
  EXPECT_NE(refused.err.find("line 11: not JSON"), std::string::npos) << refused.err;
}

// The peers (bit j-1 for node j) each node must have been told not to send to and not to take
// frames from, from a network fault's description: "{1,4} | {2,3,5}" (partition), "{1,4} | 3 |
// {2,5}" (bridge), "2-5-1-3-4, each linked to its neighbours within 1" (ring), "3 -> {1,2}" or
// "{1,2} -> 3" (oneway: the frames from the left to the right are lost).
using Masks = std::pair<std::uint32_t, std::uint32_t>;  // (no_send, no_receive)
std::map<int, Masks> expected_masks(const std::string& kind, const std::string& sides, int nodes) {
  std::map<int, Masks> masks;
  const auto numbers = [](const std::string& text) {
    std::vector<int> out;
    for (std::size_t i = 0; i < text.size();) {
      if (std::isdigit(static_cast<unsigned char>(text[i]))) {
        std::size_t end = i;
        while (end < text.size() && std::isdigit(static_cast<unsigned char>(text[end]))) ++end;
        out.push_back(std::stoi(text.substr(i, end - i)));
        i = end;
      } else {
        ++i;
      }
    }
    return out;
  };
  const auto one_way = [&](int from, int to) {
    masks[from].first |= 1u << (to - 1);
    masks[to].second |= 1u << (from - 1);
  };
  const auto cut = [&](int a, int b) {
    one_way(a, b);
    one_way(b, a);
  };
  if (kind == "oneway") {
    const std::size_t arrow = sides.find("->");
    EXPECT_NE(arrow, std::string::npos) << sides;
    if (arrow == std::string::npos) return masks;
    const std::vector<int> from = numbers(sides.substr(0, arrow));
    const std::vector<int> to = numbers(sides.substr(arrow + 2));
    EXPECT_TRUE(from.size() == 1 || to.size() == 1) << sides << ": not one node on one side";
    EXPECT_LT(from.size() + to.size(), static_cast<std::size_t>(nodes + 1)) << sides;
    for (int a : from) {
      for (int b : to) one_way(a, b);
    }
    return masks;
  }
  if (kind == "ring") {
    const std::vector<int> all = numbers(sides);  // the ring, then the distance
    const std::vector<int> ring(all.begin(), all.end() - 1);
    const int d = all.back();
    EXPECT_EQ(static_cast<int>(ring.size()), nodes) << sides;
    const int n = static_cast<int>(ring.size());
    EXPECT_GE(2 * d + 1, n / 2 + 1) << sides << ": a node's view is not a majority";
    EXPECT_LT(2 * d + 1, n) << sides << ": nothing is cut";
    for (int i = 0; i < n; ++i) {
      for (int j = i + 1; j < n; ++j) {
        if (std::min(j - i, n - (j - i)) > d) cut(ring[i], ring[j]);
      }
    }
    return masks;
  }
  std::vector<std::vector<int>> groups;
  std::size_t start = 0;
  while (true) {
    const std::size_t bar = sides.find('|', start);
    groups.push_back(numbers(sides.substr(start, bar == std::string::npos ? std::string::npos : bar - start)));
    if (bar == std::string::npos) break;
    start = bar + 1;
  }
  std::set<int> everyone;
  for (const auto& g : groups) everyone.insert(g.begin(), g.end());
  EXPECT_EQ(static_cast<int>(everyone.size()), nodes) << sides;
  const std::vector<int>& left = groups.front();
  const std::vector<int>& right = groups.back();
  if (kind == "partition") {
    EXPECT_EQ(groups.size(), 2u) << sides;
    EXPECT_LT(left.size() * 2, static_cast<std::size_t>(nodes)) << sides << ": the first side is not a minority";
  } else {
    EXPECT_EQ(groups.size(), 3u) << sides;
    EXPECT_EQ(groups[1].size(), 1u) << sides << ": not one bridge node";
  }
  for (int a : left) {
    for (int b : right) cut(a, b);
  }
  return masks;
}

// Partitions, bridges, majority rings and one-way losses on five nodes: the checks pass, each
// fault is healed, and each node was told to drop exactly the frames its fault's description
// says (its log).
TEST(NemesisNetwork, PartitionsBridgesRingsAndOneWayLossesOnFiveNodes) {
  TestDir dir;
  const std::optional<Json> passed =
      passing_report(dir,
                     {"--protocol", "raft", "--nodes", "5", "--faults", "partition,bridge,ring,oneway", "--time", "12s",
                      "--seed", "10", "--fault-hold", "1s..2500ms", "--json", "--dir", (dir / "run").string()},
                     120s);
  ASSERT_TRUE(passed);
  const Json& report = *passed;
  EXPECT_EQ(report["fault_kinds"], Json({"partition", "bridge", "ring", "oneway"}));
  EXPECT_EQ(report["fault_hold_ms"], Json({1000, 2500}));
  const Json& faults = report["faults"];
  EXPECT_GE(faults["total"].get<int>(), 2) << faults.dump(2);
  EXPECT_GE(faults["oneway"].get<int>(), 1) << faults.dump(2);  // this seed draws two in 12 s
  EXPECT_EQ(faults["kill"].get<int>() + faults["pause"].get<int>() + faults["cut"].get<int>() + faults["client"].get<int>(),
            0)
      << faults.dump(2);
  EXPECT_GE(report["operations"]["acquired"].get<int>(), 10) << report["operations"].dump(2);
  // Each node's log: the masks it was told, in order (a heal is (0, 0)).
  std::map<int, std::vector<Masks>> told;
  for (int id = 1; id <= 5; ++id) {
    const std::string log = read_text(dir / "run" / ("node-" + std::to_string(id) + ".log"));
    const std::string marker = "frames to mask ";
    const std::string second = " and from mask ";
    for (std::size_t at = log.find(marker); at != std::string::npos; at = log.find(marker, at + 1)) {
      std::size_t used = 0;
      const auto no_send = static_cast<std::uint32_t>(std::stoul(log.substr(at + marker.size()), &used, 16));
      const std::size_t next = at + marker.size() + used;
      ASSERT_EQ(log.compare(next, second.size(), second), 0) << log.substr(at, 80);
      const auto no_receive = static_cast<std::uint32_t>(std::stoul(log.substr(next + second.size()), nullptr, 16));
      told[id].emplace_back(no_send, no_receive);
    }
  }
  std::map<int, std::size_t> seen;  // how far into each node's list the faults so far account for
  for (const Json& f : faults["list"]) {
    const std::string kind = f["kind"].get<std::string>();
    ASSERT_TRUE(kind == "partition" || kind == "bridge" || kind == "ring" || kind == "oneway") << f.dump();
    EXPECT_EQ(f["node"].get<int>(), 0) << f.dump();
    // Held for --fault-hold (healing takes a moment of its own), unless the run's end (12 s)
    // healed it first.
    if (f["at_s"].get<double>() < 10.9) {
      EXPECT_GE(f["healed_s"].get<double>() - f["at_s"].get<double>(), 1.0) << f.dump();
    }
    EXPECT_LT(f["healed_s"].get<double>() - f["at_s"].get<double>(), 4.0) << f.dump();
    const std::map<int, Masks> masks = expected_masks(kind, f["sides"].get<std::string>(), 5);
    EXPECT_FALSE(masks.empty()) << f.dump();
    for (const auto& [node, mask] : masks) {
      const std::vector<Masks>& list = told[node];
      ASSERT_GE(list.size(), seen[node] + 2) << "node " << node << " was not told to cut and heal: " << f.dump();
      EXPECT_EQ(list[seen[node]], mask) << "node " << node << ", " << f.dump();
      EXPECT_EQ(list[seen[node] + 1], Masks(0, 0)) << "node " << node << " not healed after " << f.dump();
      seen[node] += 2;
    }
  }
  for (const auto& [node, list] : told) EXPECT_EQ(list.size(), seen[node]) << "node " << node << ": masks no fault accounts for";
}

// Faults aimed at the leader (--target leader): each node and network fault names the node that
// led when it was injected, hits it where its kind puts the victim (the cut node, the minority,
// the one-way loss's lone node), and that node's own log says it led then: the last role it
// logged before the Fault frame of that fault was the leader's.
TEST_P(NemesisTest, FaultsAimedAtTheLeaderHitTheNodeThatLeads) {
  TestDir dir;
  const std::optional<Json> passed =
      passing_report(dir,
                     {"--protocol", GetParam(), "--faults", "cut,partition,oneway", "--target", "leader", "--time", "10s",
                      "--seed", "5", "--json", "--dir", (dir / "run").string()},
                     120s);
  ASSERT_TRUE(passed);
  const Json& report = *passed;
  EXPECT_EQ(report["target"], "leader");
  const Json& faults = report["faults"];
  ASSERT_GE(faults["total"].get<int>(), 2) << faults.dump(2);
  // Each node's log: the offsets of the Fault frames that cut something (a heal cuts nothing).
  std::map<int, std::string> logs;
  std::map<int, std::vector<std::size_t>> cuts;
  for (int id = 1; id <= 3; ++id) {
    logs[id] = read_text(dir / "run" / ("node-" + std::to_string(id) + ".log"));
    const std::string marker = "fault injection: frames to mask ";
    for (std::size_t at = logs[id].find(marker); at != std::string::npos; at = logs[id].find(marker, at + 1)) {
      if (logs[id].compare(at + marker.size(), 26, "0x0 and from mask 0x0 drop") != 0) cuts[id].push_back(at);
    }
  }
  const std::string leads = GetParam() == "raft" ? " leader in term " : " leading in round ";
  std::map<int, std::size_t> seen;
  for (const Json& f : faults["list"]) {
    const std::string kind = f["kind"].get<std::string>();
    ASSERT_TRUE(f.contains("leader")) << f.dump();
    const int l = f["leader"].get<int>();
    // Who was told to drop frames, the leader among them where its kind puts it.
    std::vector<int> touched;
    if (kind == "cut") {
      EXPECT_EQ(f["node"].get<int>(), l) << f.dump();
      touched = {l};
    } else {
      const std::string sides = f["sides"].get<std::string>();
      if (kind == "partition") {
        EXPECT_EQ(sides.rfind("{" + std::to_string(l) + "} |", 0), 0u) << "the leader is not the minority: " << f.dump();
      } else {
        const bool lone = sides.rfind(std::to_string(l) + " ->", 0) == 0 ||
                          (sides.size() > 3 && sides.compare(sides.size() - 3, 3, "> " + std::to_string(l)) == 0);
        EXPECT_TRUE(lone) << "the leader is not the lone node: " << f.dump();
      }
      for (const auto& [node, mask] : expected_masks(kind, sides, 3)) touched.push_back(node);
    }
    std::size_t at = std::string::npos;
    for (int node : touched) {
      ASSERT_LT(seen[node], cuts[node].size()) << "node " << node << " was not told of " << f.dump();
      if (node == l) at = cuts[node][seen[node]];
      ++seen[node];
    }
    ASSERT_NE(at, std::string::npos) << "the leader was not told of " << f.dump();
    const std::string& log = logs[l];
    std::size_t role = std::string::npos;
    for (std::size_t line = log.rfind('\n', at); line != std::string::npos && line > 0; line = log.rfind('\n', line - 1)) {
      const std::string text = log.substr(line + 1, log.find('\n', line + 1) - line - 1);
      if (text.find(" in term ") != std::string::npos || text.find(" in round ") != std::string::npos) {
        role = line;
        EXPECT_NE(text.find(leads), std::string::npos) << "node " << l << " did not lead when hit by " << f.dump() << ": " << text;
        break;
      }
    }
    EXPECT_NE(role, std::string::npos) << "node " << l << " logged no role before " << f.dump();
  }
}

TEST(NemesisUsage, BadFlagsExitTwoWithOneLine) {
  TestDir dir;
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"--protocol", "zab"},
           {"--time", "soon"},
           {"--nodes", "0"},
           {"--clients", "x"},
           {"--faults", "quake"},
           {"--faults", "kill,kill"},
           {"--faults", "none,kill"},
           {"--faults", "ring", "--nodes", "3"},
           {"--faults", "partition", "--nodes", "2"},
           {"--fault-hold", "3s..1s"},
           {"--fault-hold", "1s..later"},
           {"--fault-hold", "0ms"},
           {"--target", "primary"},
           {"--target", "leader", "--faults", "client"}}) {
    const NemesisRun run = nemesis(dir, args, 10s);
    ASSERT_TRUE(run.code.has_value());
    EXPECT_EQ(*run.code, 2) << args[0] << ": " << run.out << run.err;
    EXPECT_EQ(count_of(run.err, "\n"), 1u) << args[0] << ": " << run.err;
    fs::remove(dir / "nemesis.err");
    fs::remove(dir / "nemesis.out");
  }
}

}  // namespace
}  // namespace lockstep::testing
