// `mpirun -n N lockstep check ... --distributed` as a user runs it, on this one machine: the
// same counts, verdicts, trace lengths and final states as one process (the pinned counts, every
// seeded bug, the bounds that shape a run), the trace replays, --memory bounds each rank, bad
// usage is said once, and a rank killed mid-run stops the others with a clear error.
//
// LOCKSTEP_BINARY and LOCKSTEP_MPIEXEC (Open MPI's mpirun) are compile definitions; the whole
// binary is built only when CMake found MPI (otherwise ctest shows it skipped, with the reason).
#include <gtest/gtest.h>

#include <signal.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "model/core/json.hpp"
#include "tests/support/processes.hpp"

namespace lockstep::testing {
namespace {

// Open MPI refuses root without these (CI runs as root), and a container may forbid the
// cross-memory attach its shared-memory transport would use.
struct MpiEnvironment : ::testing::Environment {
  void SetUp() override {
    setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 1);
    setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 1);
    setenv("OMPI_MCA_btl_vader_single_copy_mechanism", "none", 0);
  }
};
const auto* const mpi_environment = ::testing::AddGlobalTestEnvironment(new MpiEnvironment);

std::vector<std::string> split(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> words;
  for (std::string word; in >> word;) words.push_back(word);
  return words;
}

struct CheckRun {
  int exit_code = -1;
  Json json;         // the --json line (null when there was none)
  std::string err;
  Json trace;        // the ITF trace written (null when none)
  fs::path trace_path;
};

// `mpirun -n ranks`, as the tests start it. Under the sanitizers the ranks run without
// LeakSanitizer: Open MPI's plugins (dlopen'd, then closed before exit) keep memory that LSan
// reports from "<unknown module>", which no suppression can name. The same code's leaks are still
// checked in every single-process run.
std::vector<std::string> mpirun(int ranks) {
  std::vector<std::string> argv = {LOCKSTEP_MPIEXEC, "-n", std::to_string(ranks)};
  if (ranks > 2) argv.push_back("--oversubscribe");
#ifdef LOCKSTEP_SANITIZED
  for (const char* word : {"-x", "LSAN_OPTIONS=detect_leaks=0"}) argv.push_back(word);
#endif
  return argv;
}

// `lockstep check ARGS --json` alone (ranks == 0) or under `mpirun -n ranks ... --distributed`.
CheckRun check(const TestDir& dir, const std::string& args, int ranks, const std::string& tag, int workers = 1) {
  static int runs = 0;  // every run its own files (a Process appends to its output files)
  const std::string name = tag + "-" + std::to_string(++runs);
  std::vector<std::string> argv;
  if (ranks > 0) {
    argv = mpirun(ranks);
    // A run that finds a violation ends every rank with exit code 1, which mpirun takes for a
    // failed job: it signals the ranks (already ending) and waits out its SIGTERM-to-SIGKILL grace
    // (1 s by default) before it exits. These runs end on their own; the tests do not wait for it.
    for (const char* word : {"--mca", "odls_base_sigkill_timeout", "0"}) argv.push_back(word);
  }
  argv.push_back(LOCKSTEP_BINARY);
  argv.push_back("check");
  for (std::string& word : split(args)) argv.push_back(std::move(word));
  CheckRun run;
  run.trace_path = dir / (name + ".itf.json");
  for (const char* word : {"--json", "--quiet", "--trace-out"}) argv.push_back(word);
  argv.push_back(run.trace_path.string());
  if (ranks > 0) {
    argv.push_back("--distributed");
    argv.push_back("--workers");
    argv.push_back(std::to_string(workers));
  } else {
    argv.push_back("--workers");
    argv.push_back("2");
  }
  Process process = Process::spawn(argv, dir / (name + ".out"), dir / (name + ".err"));
  const std::optional<int> code = process.wait_exit(Milliseconds{600'000});
  EXPECT_TRUE(code.has_value()) << name << " did not finish";
  run.exit_code = code.value_or(-1);
  run.err = read_text(dir / (name + ".err"));
  const std::string out = read_text(dir / (name + ".out"));
  if (!out.empty() && out.front() == '{') run.json = Json::parse(out.substr(0, out.find('\n')));
  if (fs::exists(run.trace_path)) run.trace = Json::parse(read_text(run.trace_path));
  return run;
}

// The figures a distributed run must share with one process.
void expect_same_result(const CheckRun& one, const CheckRun& many, const std::string& what) {
  ASSERT_FALSE(one.json.is_null()) << what << ": " << one.err;
  ASSERT_FALSE(many.json.is_null()) << what << ": " << many.err;
  EXPECT_EQ(many.exit_code, one.exit_code) << what << ": " << many.err;
  for (const char* key : {"result", "invariant", "distinct_states", "states_generated", "depth", "trace_length",
                          "violations", "violations_by_property", "sometimes_unreached", "depth_bounded", "bounds"}) {
    EXPECT_EQ(many.json[key], one.json[key]) << what << ": " << key;
  }
  if (one.trace.is_null()) {
    EXPECT_TRUE(many.trace.is_null()) << what;
    return;
  }
  ASSERT_FALSE(many.trace.is_null()) << what;
  // The violation is chosen by the same rule, so the counterexample ends in the same state (the
  // step into it, in the state's #meta, may differ where several lead there).
  EXPECT_EQ(many.trace["states"].size(), one.trace["states"].size()) << what;
  Json last_one = one.trace["states"].back(), last_many = many.trace["states"].back();
  last_one.erase("#meta");
  last_many.erase("#meta");
  EXPECT_EQ(last_many, last_one) << what;
}

void expect_ranks(const CheckRun& run, int ranks) {
  const Json& d = run.json["distributed"];
  ASSERT_TRUE(d.is_object()) << run.json.dump();
  EXPECT_EQ(d["ranks"], ranks);
  ASSERT_EQ(d["per_rank"].size(), static_cast<std::size_t>(ranks));
  std::uint64_t owned = 0;
  for (const Json& rank : d["per_rank"]) {
    owned += rank["distinct_states"].get<std::uint64_t>();
    // The states spread over the ranks: none owns nothing of a space this size.
    EXPECT_GT(rank["distinct_states"].get<std::uint64_t>(), 0u);
  }
  EXPECT_EQ(owned, run.json["distinct_states"].get<std::uint64_t>());
}

TEST(Distributed, pinned_counts_equal_one_process) {
  TestDir dir;
  struct Case {
    std::string args;
    std::uint64_t distinct;
    std::vector<int> ranks;
  };
  const std::vector<Case> cases = {
      {"paxos-tla", 3921, {2, 3}},
      {"raft --max-term 2 --max-log 1 --requests 1 --crashes 1 --max-messages 3", 214706, {2, 3}},
      {"paxos", 4653103, {2}},
  };
  for (const Case& c : cases) {
    const CheckRun one = check(dir, c.args, 0, "one");
    ASSERT_EQ(one.exit_code, 0) << c.args << ": " << one.err;
    EXPECT_EQ(one.json["distinct_states"], c.distinct) << c.args;
    for (int ranks : c.ranks) {
      const CheckRun many = check(dir, c.args, ranks, "many");
      expect_same_result(one, many, c.args + " -n " + std::to_string(ranks));
      expect_ranks(many, ranks);
    }
  }
}

// Every seeded bug the registry lists, with the bounds that reach it: found by 2 ranks (and by 3
// for every third) with a shortest trace of the same length, ending in the same state, that
// replays through the step functions.
TEST(Distributed, every_seeded_bug_is_found_with_a_shortest_trace_of_the_same_length) {
  TestDir dir;
  Process list = Process::spawn(std::vector<std::string>{LOCKSTEP_BINARY, "protocols", "--bugs"}, dir / "bugs.txt", dir / "bugs.err");
  ASSERT_EQ(list.wait_exit(Milliseconds{30'000}), 0);
  std::istringstream lines(read_text(dir / "bugs.txt"));
  int count = 0;
  for (std::string line; std::getline(lines, line);) {
    std::vector<std::string> words = split(line);
    ASSERT_GE(words.size(), 2u) << line;
    std::string args = words[0] + " --bug " + words[1];
    for (std::size_t i = 2; i < words.size(); ++i) args += " " + words[i];
    const CheckRun one = check(dir, args, 0, "one");
    ASSERT_EQ(one.exit_code, 1) << args << ": " << one.err;
    const int ranks = count % 3 == 2 ? 3 : 2;
    const CheckRun many = check(dir, args, ranks, "many");
    expect_same_result(one, many, args);
    Process replay = Process::spawn(std::vector<std::string>{LOCKSTEP_BINARY, "replay", many.trace_path.string()}, dir / "replay.out",
                                    dir / "replay.err");
    EXPECT_EQ(replay.wait_exit(Milliseconds{60'000}), 0) << args << ": " << read_text(dir / "replay.out");
    ++count;
  }
  EXPECT_GE(count, 20);
}

// The options that shape a run shape it the same way on every rank.
TEST(Distributed, options_that_shape_a_run_give_the_same_result) {
  TestDir dir;
  for (const std::string args : {"paxos --bug ignore-accepted-value --crashes 0 --continue",
                                 "paxos --max-depth 7",
                                 "raft --max-term 2 --max-log 1 --requests 1 --crashes 1 --max-messages 3 --symmetry",
                                 "lock --nodes 2 --crashes 0 --clients 1"}) {
    const CheckRun one = check(dir, args, 0, "one");
    const CheckRun many = check(dir, args, 2, "many");
    expect_same_result(one, many, args);
  }
}

// Ranks with several threads each: successors received from the other ranks are inserted by
// every thread at once (and the table grows under them). And a distributed trace's path does not
// depend on the ranks or threads (each state's parent is its least predecessor of the level
// before): the same file from 2 ranks, 3 ranks, and 2 ranks of 2 threads.
TEST(Distributed, ranks_with_several_threads_give_the_same_result_and_the_same_trace) {
  TestDir dir;
  for (const std::string args : {"raft --max-term 2 --max-log 1 --requests 1 --crashes 1 --max-messages 3",
                                 "raft --bug commit-previous-term --max-term 4 --max-log 1 --requests 2 --crashes 0 --max-messages 3",
                                 "lock --bug paxos-snapshot-over-newer --consensus multipaxos --nodes 2 --crashes 0 --max-messages 3 --snapshot-every 1"}) {
    const CheckRun one = check(dir, args, 0, "one");
    const CheckRun threaded = check(dir, args, 2, "threaded", 2);
    expect_same_result(one, threaded, args + " (2 threads per rank)");
    const CheckRun two = check(dir, args, 2, "two");
    const CheckRun three = check(dir, args, 3, "three");
    if (one.trace.is_null()) continue;
    EXPECT_EQ(read_text(two.trace_path), read_text(threaded.trace_path)) << args;
    EXPECT_EQ(read_text(two.trace_path), read_text(three.trace_path)) << args;
  }
}

TEST(Distributed, memory_bound_holds_on_each_rank) {
  TestDir dir;
  const CheckRun run = check(dir, "paxos --memory 24M", 2, "bounded");
  EXPECT_EQ(run.exit_code, 3) << run.err;
  ASSERT_FALSE(run.json.is_null()) << run.err;
  EXPECT_EQ(run.json["result"], "incomplete");
  EXPECT_LT(run.json["distinct_states"].get<std::uint64_t>(), 4653103u);
  for (const Json& rank : run.json["distributed"]["per_rank"]) {
    EXPECT_LE(rank["table_bytes"].get<std::uint64_t>(), 24u << 20);
  }
}

TEST(Distributed, bad_usage_is_said_once) {
  TestDir dir;
  const CheckRun run = check(dir, "paxos --strategy dfs", 2, "dfs");
  EXPECT_NE(run.exit_code, 0);
  EXPECT_EQ(count_of(run.err, "--distributed works with --strategy bfs"), 1u) << run.err;
}

// The rank (1) of a process, from the environment mpirun gives it; -1 when it is no rank.
int rank_of(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/environ");
  std::string entry;
  while (std::getline(in, entry, '\0')) {
    if (entry.rfind("OMPI_COMM_WORLD_RANK=", 0) == 0) return std::atoi(entry.c_str() + 21);
  }
  return -1;
}

// The lockstep processes that are ranks of this test's mpirun (its children).
std::vector<pid_t> ranks_of(pid_t parent_pid) {
  std::vector<pid_t> pids;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string line;
    if (!std::getline(stat, line)) continue;
    const auto close = line.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(line.substr(close + 2));
    char state;
    pid_t parent;
    rest >> state >> parent;
    if (parent == parent_pid && line.find("(lockstep)") != std::string::npos) pids.push_back(std::stoi(name));
  }
  return pids;
}

// Whether a process exists and has not exited (a zombie has).
bool alive(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  const auto close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] != 'Z';
}

// CPU seconds a process has spent (user + system).
double cpu_seconds(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(stat, line);
  std::istringstream rest(line.substr(line.rfind(')') + 2));
  std::string field;
  unsigned long long user = 0, system = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) user = std::stoull(field);
    if (i == 15) system = std::stoull(field);
  }
  return static_cast<double>(user + system) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

TEST(Distributed, a_rank_killed_mid_run_stops_the_others_with_a_clear_error) {
  TestDir dir;
  // Raft at its default bounds: minutes of work, so the kill lands mid-run.
  std::vector<std::string> argv = mpirun(2);
  for (const char* word : {LOCKSTEP_BINARY, "check", "raft", "--distributed", "--workers", "1", "--quiet"}) argv.push_back(word);
  Process run = Process::spawn(argv, dir / "run.out", dir / "run.err");
  pid_t victim = -1;
  ASSERT_TRUE(wait_until(
      [&] {
        for (pid_t pid : ranks_of(run.pid())) {
          if (rank_of(pid) == 1 && cpu_seconds(pid) >= 1.0) victim = pid;
        }
        return victim > 0;
      },
      Milliseconds{60'000}, Milliseconds{50}))
      << "rank 1 never got to work";
  std::vector<pid_t> others;
  for (pid_t pid : ranks_of(run.pid())) {
    if (pid != victim) others.push_back(pid);
  }
  ASSERT_EQ(::kill(victim, SIGKILL), 0);
  const std::optional<int> code = run.wait_exit(Milliseconds{60'000});
  ASSERT_TRUE(code.has_value()) << "the other rank hangs";
  EXPECT_NE(*code, 0);
  const std::string said = read_text(dir / "run.err") + read_text(dir / "run.out");
  EXPECT_NE(said.find("rank 1"), std::string::npos) << said;
  for (pid_t pid : others) EXPECT_FALSE(alive(pid)) << "rank process " << pid << " still runs";
}

}  // namespace
}  // namespace lockstep::testing
