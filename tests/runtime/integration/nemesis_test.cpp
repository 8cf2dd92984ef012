// Integration test of `lockstep nemesis`: a short run (8 s) per protocol, under injected faults,
// whose checks must all pass (exit 0, and every verdict true in --json), with faults actually
// injected and operations actually completed. Also its usage errors (exit 2, one line).
#include <gtest/gtest.h>

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

class NemesisTest : public ::testing::TestWithParam<std::string> {};

INSTANTIATE_TEST_SUITE_P(Protocols, NemesisTest, ::testing::Values("raft", "multipaxos"),
                         [](const auto& info) { return info.param; });

TEST_P(NemesisTest, ShortRunUnderFaultsPassesEveryCheck) {
  TestDir dir;
  const NemesisRun run = nemesis(dir,
                                 {"--protocol", GetParam(), "--time", "8s", "--seed", "7", "--json", "--dir",
                                  (dir / "run").string(), "--history-out", (dir / "history.json").string()},
                                 90s);
  ASSERT_TRUE(run.code.has_value()) << "the nemesis did not finish within 90 s";
  Json report;
  try {
    report = Json::parse(run.out);
  } catch (const std::exception& e) {
    FAIL() << "not JSON: " << run.out << run.err;
  }
  EXPECT_EQ(*run.code, 0) << report.dump(2) << run.err;
  EXPECT_TRUE(report["ok"].get<bool>()) << report.dump(2);
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

TEST(NemesisUsage, BadFlagsExitTwoWithOneLine) {
  TestDir dir;
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"--protocol", "zab"}, {"--time", "soon"}, {"--nodes", "0"}, {"--clients", "x"}}) {
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
