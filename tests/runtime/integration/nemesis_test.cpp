// Integration test of `lockstep nemesis`: a short run (8 s) per protocol, under injected faults,
// whose checks must all pass (exit 0, and every verdict true in --json), with faults actually
// injected and operations actually completed; the network's faults (partitions, bridges, rings)
// on five nodes, each node told to cut the links its fault says. Also its usage errors (exit 2,
// one line).
#include <gtest/gtest.h>

#include <cctype>
#include <map>
#include <optional>
#include <set>

#include "tests/support/processes.hpp"

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
  EXPECT_TRUE(fs::exists(dir / "history.json"));
  // The history it wrote is one `lockstep linearizable` accepts too.
  Process check = Process::spawn({lockstep_binary(), "linearizable", (dir / "history.json").string()}, dir / "lin.out",
                                 dir / "lin.err");
  EXPECT_EQ(check.wait_exit(60s), 0) << read_text(dir / "lin.out") << read_text(dir / "lin.err");
}

// The mask of peers (bit j-1 for node j) each node must have been told to cut, from a network
// fault's description: "{1,4} | {2,3,5}" (partition), "{1,4} | 3 | {2,5}" (bridge), "2-5-1-3-4,
// each linked to its neighbours within 1" (ring).
std::map<int, std::uint32_t> expected_masks(const std::string& kind, const std::string& sides, int nodes) {
  std::map<int, std::uint32_t> masks;
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
  const auto cut = [&](int a, int b) {
    masks[a] |= 1u << (b - 1);
    masks[b] |= 1u << (a - 1);
  };
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

// Partitions, bridges and majority rings on five nodes: the checks pass, each fault is healed,
// and each node was told to cut exactly the links its fault's description says (its log).
TEST(NemesisNetwork, PartitionsBridgesAndRingsOnFiveNodes) {
  TestDir dir;
  const std::optional<Json> passed =
      passing_report(dir,
                     {"--protocol", "raft", "--nodes", "5", "--faults", "partition,bridge,ring", "--time", "10s", "--seed",
                      "5", "--json", "--dir", (dir / "run").string()},
                     120s);
  ASSERT_TRUE(passed);
  const Json& report = *passed;
  EXPECT_EQ(report["fault_kinds"], Json({"partition", "bridge", "ring"}));
  const Json& faults = report["faults"];
  EXPECT_GE(faults["total"].get<int>(), 2) << faults.dump(2);
  EXPECT_EQ(faults["kill"].get<int>() + faults["pause"].get<int>() + faults["cut"].get<int>() + faults["client"].get<int>(),
            0)
      << faults.dump(2);
  EXPECT_GE(report["operations"]["acquired"].get<int>(), 10) << report["operations"].dump(2);
  // Each node's log: the masks it was told, in order (a heal is mask 0).
  std::map<int, std::vector<std::uint32_t>> told;
  for (int id = 1; id <= 5; ++id) {
    const std::string log = read_text(dir / "run" / ("node-" + std::to_string(id) + ".log"));
    const std::string marker = "links to and from mask ";
    for (std::size_t at = log.find(marker); at != std::string::npos; at = log.find(marker, at + 1)) {
      told[id].push_back(static_cast<std::uint32_t>(std::stoul(log.substr(at + marker.size()), nullptr, 16)));
    }
  }
  std::map<int, std::size_t> seen;  // how far into each node's list the faults so far account for
  for (const Json& f : faults["list"]) {
    const std::string kind = f["kind"].get<std::string>();
    ASSERT_TRUE(kind == "partition" || kind == "bridge" || kind == "ring") << f.dump();
    EXPECT_EQ(f["node"].get<int>(), 0) << f.dump();
    EXPECT_GT(f["healed_s"].get<double>(), f["at_s"].get<double>()) << f.dump();
    const std::map<int, std::uint32_t> masks = expected_masks(kind, f["sides"].get<std::string>(), 5);
    EXPECT_FALSE(masks.empty()) << f.dump();
    for (const auto& [node, mask] : masks) {
      const std::vector<std::uint32_t>& list = told[node];
      ASSERT_GE(list.size(), seen[node] + 2) << "node " << node << " was not told to cut and heal: " << f.dump();
      EXPECT_EQ(list[seen[node]], mask) << "node " << node << ", " << f.dump();
      EXPECT_EQ(list[seen[node] + 1], 0u) << "node " << node << " not healed after " << f.dump();
      seen[node] += 2;
    }
  }
  for (const auto& [node, list] : told) EXPECT_EQ(list.size(), seen[node]) << "node " << node << ": masks no fault accounts for";
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
           {"--faults", "partition", "--nodes", "2"}}) {
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
