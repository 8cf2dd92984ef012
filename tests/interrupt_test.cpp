// Ctrl-C and SIGTERM on a long `check` or `simulate` (issue 14, item 11): the run ends with the
// figures so far, result "incomplete", stop reason "interrupted", exit 3. Real processes; every wait
// bounded; the signal is sent once the process is seen (in /proc) to catch it.
#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <sstream>
#include <string>

#include "model/core/json.hpp"
#include "tests/support/processes.hpp"

namespace lockstep::testing {
namespace {

// Whether process `pid` has a handler installed for `signal` (the SigCgt mask of /proc/PID/status).
bool catches(pid_t pid, int signal) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("SigCgt:", 0) != 0) continue;
    const unsigned long long mask = std::stoull(line.substr(7), nullptr, 16);
    return (mask >> (signal - 1)) & 1;
  }
  return false;
}

Json run_interrupted(const TestDir& dir, const std::vector<std::string>& args, int signal, int& exit_code) {
  static int runs = 0;
  const std::string name = "run" + std::to_string(++runs);
  std::vector<std::string> argv{lockstep_binary()};
  argv.insert(argv.end(), args.begin(), args.end());
  Process process = Process::spawn(argv, dir / (name + ".out"), dir / (name + ".err"));
  EXPECT_TRUE(wait_until([&] { return catches(process.pid(), signal); }, Milliseconds{20000}))
      << "the run never installed its handler";
  process.signal(signal);
  const std::optional<int> code = process.wait_exit(Milliseconds{60000});
  EXPECT_TRUE(code.has_value()) << "the run did not stop";
  exit_code = code.value_or(-1);
  const std::string out = read_text(dir / (name + ".out"));
  try {
    return Json::parse(out);
  } catch (const std::exception&) {
    ADD_FAILURE() << "not JSON: " << out << read_text(dir / (name + ".err"));
    return Json::object();
  }
}

TEST(Interrupt, a_check_stops_with_the_figures_so_far) {
  TestDir dir;
  for (const int signal : {SIGINT, SIGTERM}) {
    int code = 0;
    // Raft at its defaults takes minutes: the signal always lands mid-run.
    const Json report = run_interrupted(dir, {"check", "raft", "--workers", "2", "--json"}, signal, code);
    EXPECT_EQ(code, 3) << report.dump();
    EXPECT_EQ(report.value("result", std::string()), "incomplete");
    EXPECT_EQ(report.value("stop_reason", std::string()), "interrupted");
    EXPECT_GT(report.value("distinct_states", 0), 0);
    EXPECT_LT(report.value("distinct_states", 0), 38698000);  // Raft's full count: it did stop early
  }
}

TEST(Interrupt, a_depth_first_check_and_a_simulation_stop_too) {
  TestDir dir;
  int code = 0;
  const Json dfs = run_interrupted(dir, {"check", "raft", "--strategy", "dfs", "--max-depth", "200", "--json"}, SIGINT, code);
  EXPECT_EQ(code, 3) << dfs.dump();
  EXPECT_EQ(dfs.value("stop_reason", std::string()), "interrupted");
  const Json sim = run_interrupted(dir, {"simulate", "raft", "--runs", "1000000000000", "--json"}, SIGINT, code);
  EXPECT_EQ(code, 3) << sim.dump();
  EXPECT_EQ(sim.value("result", std::string()), "incomplete");
  EXPECT_LT(sim["simulation"].value("runs", 0.0), 1e12);
}

}  // namespace
}  // namespace lockstep::testing
