// What a hostile audit of the command line found (issue 14), each reproduction kept as a test:
// outputs that are written, never replaced; output that cannot be written is an error; traces
// that do not depend on the workers; figures in one vocabulary; every shaping option reported;
// the command-line conveniences a user expects.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "model/core/json.hpp"
#include "tests/support/run_command.hpp"

namespace {

using lockstep::Json;
using lockstep::testing::CommandResult;
using lockstep::testing::lockstep;
using lockstep::testing::read_file;
namespace fs = std::filesystem;

// A fresh folder for one test's files.
std::string fresh_dir(const std::string& name) {
  const fs::path dir = fs::path(::testing::TempDir()) / ("lockstep_audit_" + name + "_" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir.string();
}

// A small counterexample trace, written by check.
std::string small_trace(const std::string& dir) {
  const std::string trace = dir + "/t.itf.json";
  const CommandResult r = lockstep("check paxos --bug accept-below-promise --quiet --trace-out " + trace);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  return trace;
}

std::size_t leftovers(const std::string& dir) {
  std::size_t n = 0;
  for (const auto& entry : fs::directory_iterator(dir)) n += entry.path().filename().string().front() == '.' ? 1 : 0;
  return n;
}

TEST(AuditOutputs, a_device_is_written_through_never_replaced) {
  const std::string dir = fresh_dir("device");
  const std::string trace = small_trace(dir);
  const CommandResult full = lockstep("show " + trace + " --html /dev/full");
  EXPECT_EQ(full.exit_code, 2);
  EXPECT_NE(full.err.find("/dev/full"), std::string::npos) << full.err;
  struct stat st {};
  ASSERT_EQ(stat("/dev/full", &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode)) << "/dev/full was replaced by a regular file";
  EXPECT_EQ(lockstep("show " + trace + " --html /dev/null").exit_code, 0);
  ASSERT_EQ(stat("/dev/null", &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
}

TEST(AuditOutputs, a_symlink_is_followed_and_kept) {
  const std::string dir = fresh_dir("symlink");
  const std::string trace = small_trace(dir);
  fs::create_symlink("target.html", dir + "/link.html");
  ASSERT_EQ(lockstep("show " + trace + " --html " + dir + "/link.html").exit_code, 0);
  EXPECT_TRUE(fs::is_symlink(dir + "/link.html"));
  EXPECT_NE(read_file(dir + "/target.html").find("<!DOCTYPE html>"), std::string::npos);
}

TEST(AuditOutputs, a_fifo_is_written_through) {
  const std::string dir = fresh_dir("fifo");
  const std::string trace = small_trace(dir);
  const std::string fifo = dir + "/pipe";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  // The reader (cat) and the writer meet at the FIFO; the page flows through it.
  const CommandResult r = lockstep::testing::run_command("(cat " + fifo + " > " + dir + "/through.html &) ; " +
                                                         LOCKSTEP_BINARY + " show " + trace + " --html " + fifo +
                                                         " && wait");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  struct stat st {};
  ASSERT_EQ(stat(fifo.c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode)) << "the FIFO was replaced";
}

TEST(AuditOutputs, the_input_is_never_overwritten) {
  const std::string dir = fresh_dir("input");
  const std::string trace = small_trace(dir);
  const std::string before = read_file(trace);
  const CommandResult show = lockstep("show " + trace + " --html " + trace);
  EXPECT_EQ(show.exit_code, 2);
  EXPECT_NE(show.err.find("is the input"), std::string::npos) << show.err;
  const CommandResult shrink = lockstep("shrink " + trace + " -o " + trace);
  EXPECT_EQ(shrink.exit_code, 2);
  fs::create_symlink("t.itf.json", dir + "/alias.json");
  EXPECT_EQ(lockstep("show " + trace + " --html " + dir + "/alias.json").exit_code, 2);
  EXPECT_EQ(read_file(trace), before);
}

TEST(AuditOutputs, a_failed_write_leaves_no_temporary_file_and_keeps_the_old_content) {
  const std::string dir = fresh_dir("failed");
  const std::string trace = small_trace(dir);
  const std::string out = dir + "/readonly";
  fs::create_directories(out);
  { std::ofstream(out + "/page.html") << "old"; }
  fs::permissions(out, fs::perms::owner_read | fs::perms::owner_exec);
  const CommandResult r = lockstep("show " + trace + " --html " + out + "/page.html");
  fs::permissions(out, fs::perms::owner_all);
  if (geteuid() != 0) {  // root writes into a read-only folder anyway
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(read_file(out + "/page.html"), "old");
  }
  EXPECT_EQ(leftovers(out), 0u);
  EXPECT_EQ(leftovers(dir), 0u);
}

TEST(AuditOutputs, two_writers_of_one_path_never_mix_their_temporary_files) {
  const std::string dir = fresh_dir("race");
  const std::string trace = small_trace(dir);
  const std::string out = dir + "/same.html";
  // Both write the same path at once; each must succeed, and the file must be one whole page.
  const CommandResult r = lockstep::testing::run_command(
      std::string(LOCKSTEP_BINARY) + " show " + trace + " --html " + out + " & " + LOCKSTEP_BINARY + " show " + trace +
      " --html " + out + " & wait %1 && wait %2");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const std::string page = read_file(out);
  EXPECT_EQ(page.find("<!DOCTYPE html>"), 0u);
  EXPECT_EQ(page.rfind("</html>\n"), page.size() - 8);
  EXPECT_EQ(leftovers(dir), 0u);
}

TEST(AuditOutputs, html_dash_writes_the_page_to_standard_output) {
  const std::string dir = fresh_dir("dash");
  const std::string trace = small_trace(dir);
  const CommandResult r = lockstep("show " + trace + " --html -");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.find("<!DOCTYPE html>"), 0u);
  EXPECT_FALSE(fs::exists("-"));
}

TEST(AuditStdout, output_that_cannot_be_written_is_an_error) {
  const std::string dir = fresh_dir("stdout");
  const std::string trace = small_trace(dir);
  for (const std::string& args : {std::string("check paxos --max-round 1 --crashes 0 --json --quiet"),
                                  "replay " + trace, "replay --json " + trace, "show " + trace,
                                  std::string("protocols"), std::string("--version")}) {
    const CommandResult r = lockstep::testing::run_command(std::string(LOCKSTEP_BINARY) + " " + args + " > /dev/full");
    EXPECT_EQ(r.exit_code, 2) << args;
    EXPECT_NE(r.err.find("cannot write standard output"), std::string::npos) << args << ": " << r.err;
  }
}

// And, built from a git checkout, the commit its sources are at: taken at build time, not when
// CMake configured the build (a checkpoint records it, and only the same build resumes it).
TEST(AuditCli, version_names_the_release_and_the_commit_built) {
  const CommandResult r = lockstep("--version");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out.rfind("lockstep ", 0), 0u) << r.out;
  const CommandResult head = lockstep::testing::run_command(std::string("git -C ") + LOCKSTEP_SOURCE_DIR +
                                                            " rev-parse --short=12 HEAD 2>/dev/null");
  if (head.exit_code != 0 || head.out.empty()) GTEST_SKIP() << "not a git checkout";
  const std::string commit = head.out.substr(0, head.out.find('\n'));
  EXPECT_NE(r.out.find("(commit " + commit), std::string::npos) << r.out << " is not of " << commit;
}

TEST(AuditCli, a_misspelt_option_gets_a_suggestion) {
  const CommandResult r = lockstep("check raft --nodez 3");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("did you mean --nodes"), std::string::npos) << r.err;
  const CommandResult far = lockstep("check raft --zzzzzzzz 3");
  EXPECT_EQ(far.exit_code, 2);
  EXPECT_EQ(far.err.find("did you mean"), std::string::npos) << far.err;
}

// A value that does not read as its option's type is said plainly, and the option it was given
// to is not "suggested" back as though it were misspelt.
TEST(AuditCli, a_value_that_is_not_a_number_is_named_with_its_option) {
  const CommandResult nodes = lockstep("check raft --nodes x");
  EXPECT_EQ(nodes.exit_code, 2);
  EXPECT_NE(nodes.err.find("--nodes: 'x' is not a whole number"), std::string::npos) << nodes.err;
  EXPECT_EQ(nodes.err.find("did you mean"), std::string::npos) << nodes.err;
  const CommandResult runs = lockstep("simulate raft --runs abc");
  EXPECT_EQ(runs.exit_code, 2);
  EXPECT_NE(runs.err.find("--runs: 'abc' is not a number (expected 1 to "), std::string::npos) << runs.err;
  const CommandResult workers = lockstep("check raft --workers -1");  // a number, out of range: CLI11's words
  EXPECT_EQ(workers.exit_code, 2);
  EXPECT_NE(workers.err.find("--workers: Value -1 not in range"), std::string::npos) << workers.err;
  const CommandResult token = lockstep("lock release a --token abc --cluster 1=127.0.0.1:1");
  EXPECT_EQ(token.exit_code, 2);
  EXPECT_NE(token.err.find("--token: 'abc' is not a whole number"), std::string::npos) << token.err;
  const CommandResult name = lockstep("lock acquire '' --cluster 1=127.0.0.1:1");
  EXPECT_EQ(name.exit_code, 2);
  EXPECT_NE(name.err.find("a lock's name must not be empty"), std::string::npos) << name.err;
}

// Item 4: the trace is the same whatever the number of workers and their timing.
TEST(AuditDeterminism, traces_do_not_depend_on_the_workers) {
  const std::string dir = fresh_dir("workers");
  const std::string bounds = "check raft --bug commit-previous-term --max-term 4 --max-log 1 --crashes 0 --quiet";
  const CommandResult one = lockstep(bounds + " --workers 1 --trace-out " + dir + "/w1.itf.json");
  ASSERT_EQ(one.exit_code, 1) << one.err;
  const std::string reference = read_file(dir + "/w1.itf.json");
  for (int run = 0; run < 2; ++run) {
    const std::string path = dir + "/w2_" + std::to_string(run) + ".itf.json";
    const CommandResult two = lockstep(bounds + " --workers 2 --trace-out " + path);
    ASSERT_EQ(two.exit_code, 1) << two.err;
    EXPECT_EQ(read_file(path), reference) << "run " << run << " with 2 workers printed another trace";
    EXPECT_EQ(two.out.substr(two.out.find("      0  Init")), one.out.substr(one.out.find("      0  Init")));
  }
}

}  // namespace

namespace {

Json json_of(const CommandResult& r) {
  try {
    return Json::parse(r.out);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not JSON: " << r.out << r.err;
    return Json::object();
  }
}

// Item 5: steps are actions, everywhere; depth is the steps of the longest shortest path.
TEST(AuditVocabulary, steps_count_actions_in_every_output) {
  const std::string dir = fresh_dir("steps");
  const std::string trace = dir + "/t.itf.json";
  const CommandResult check = lockstep("check paxos --bug accept-below-promise --quiet --json --trace-out " + trace);
  ASSERT_EQ(check.exit_code, 1) << check.err;
  const Json report = json_of(check);
  const std::size_t states = Json::parse(read_file(trace))["states"].size();
  EXPECT_EQ(report["trace_length"], states - 1);
  EXPECT_EQ(report["depth"], states - 1);
  const Json replay = json_of(lockstep("replay --json " + trace));
  EXPECT_EQ(replay["steps"], states - 1);
  EXPECT_EQ(replay["steps_reproduced"], states - 1);
  const CommandResult text = lockstep("check paxos --bug accept-below-promise --quiet --trace-out " + trace);
  EXPECT_NE(text.out.find("trace      " + std::to_string(states - 1) + " steps"), std::string::npos) << text.out;
  // --max-depth D: states at most D steps away, so the depth reached is D.
  const Json bounded = json_of(lockstep("check paxos --max-depth 3 --quiet --json"));
  EXPECT_EQ(bounded["depth"], 3);
  EXPECT_TRUE(bounded["depth_bounded"].get<bool>());
}

// Item 6: every option that shapes a run is reported; out of range is an error, not a clamp.
TEST(AuditBounds, shaping_options_are_reported_in_text_json_and_trace) {
  const std::string dir = fresh_dir("bounds");
  const Json plain = json_of(lockstep("check paxos --max-round 1 --crashes 0 --quiet --json"));
  const Json any = json_of(lockstep("check paxos --max-round 1 --crashes 0 --quiet --json --any-node --workers 1"));
  EXPECT_EQ(plain["bounds"]["any_node"], false);
  EXPECT_EQ(any["bounds"]["any_node"], true);
  EXPECT_NE(plain["distinct_states"], any["distinct_states"]);
  for (const char* key : {"strategy", "workers", "por", "symmetry", "memory_bytes", "max_depth", "spill_dir"}) {
    EXPECT_TRUE(any["search"].contains(key)) << key;
  }
  EXPECT_EQ(any["search"]["workers"], 1);
  const std::string trace = dir + "/any.itf.json";
  const CommandResult text =
      lockstep("check paxos --bug accept-below-promise --any-node --memory 64M --quiet --trace-out " + trace);
  EXPECT_NE(text.out.find("any_node=true"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("memory at most 64.0 MiB"), std::string::npos) << text.out;
  const Json meta = Json::parse(read_file(trace))["#meta"];
  EXPECT_EQ(meta["bounds"]["any_node"], true);
  EXPECT_EQ(meta["search"]["memory_bytes"], 64 << 20);
  EXPECT_FALSE(meta["search"].contains("workers"));  // the trace does not depend on them
  const CommandResult clamp = lockstep("check raft --max-messages 100000");
  EXPECT_EQ(clamp.exit_code, 2);
  EXPECT_NE(clamp.err.find("--max-messages must be between 0 and"), std::string::npos) << clamp.err;
}

// Item 7: memory figures named; sizes and seeds that would overflow are refused; the spill honours
// TMPDIR and --spill-dir, and --spill-max bounds it.
TEST(AuditMemory, figures_are_named_and_bad_sizes_refused) {
  const Json report = json_of(lockstep("check paxos --max-round 1 --crashes 0 --quiet --json"));
  for (const char* key : {"table_bytes", "frontier_bytes_peak", "frontier_spilled_bytes", "peak_resident_bytes"}) {
    EXPECT_TRUE(report.contains(key)) << key;
  }
  EXPECT_GT(report["peak_resident_bytes"].get<double>(), report["table_bytes"].get<double>());
  for (const std::string& bad : {std::string("check paxos --memory 17179869184G"), std::string("check paxos --memory -5M"),
                                 std::string("check paxos --spill-max 1K"), std::string("simulate paxos --seed -1"),
                                 std::string("simulate paxos --seed 123456789012345678901"),
                                 std::string("check paxos --spill-dir /nonexistent-folder")}) {
    const CommandResult r = lockstep(bad);
    EXPECT_EQ(r.exit_code, 2) << bad;
    EXPECT_EQ(lockstep::testing::line_count(r.err), 1) << bad << ": " << r.err;
  }
  EXPECT_EQ(lockstep("simulate paxos --seed 18446744073709551615 --runs 2 --quiet").exit_code, 0);
}

// --expect-states sizes the table up front (as SPIN's -w does): the same search, a larger table
// from the start (no growth on the way), within --memory; a bad count is refused.
TEST(AuditMemory, expect_states_sizes_the_table_and_changes_no_result) {
  const std::string bounds = "check paxos-tla --ballots 3 --quiet --json";
  const Json plain = json_of(lockstep(bounds));
  const Json sized = json_of(lockstep(bounds + " --expect-states 2000000"));
  EXPECT_EQ(sized["distinct_states"], plain["distinct_states"]);
  EXPECT_EQ(sized["states_generated"], plain["states_generated"]);
  EXPECT_EQ(sized["depth"], plain["depth"]);
  // 2M states at most three quarters full: at least 2.6M slots of 12 bytes.
  EXPECT_GE(sized["table_bytes"].get<double>(), 2000000.0 / 0.75 * 12);
  EXPECT_GT(sized["table_bytes"].get<double>(), plain["table_bytes"].get<double>());
  const Json bounded = json_of(lockstep(bounds + " --expect-states 100000000 --memory 64M"));
  EXPECT_EQ(bounded["distinct_states"], plain["distinct_states"]);
  EXPECT_LE(bounded["table_bytes"].get<double>(), 64.0 * 1048576);
  for (const std::string& bad : {bounds + " --expect-states -1", bounds + " --expect-states lots",
                                 bounds + " --expect-states 5000000000"}) {
    const CommandResult r = lockstep(bad);
    EXPECT_EQ(r.exit_code, 2) << bad;
    EXPECT_NE(r.err.find("--expect-states"), std::string::npos) << r.err;
  }
}

TEST(AuditMemory, the_spill_goes_where_asked_and_is_bounded) {
  const std::string dir = fresh_dir("spill");
  // 8M of memory leaves the frontier 1M: Paxos at its defaults spills.
  const std::string bounds = "check paxos --memory 8M --workers 1 --quiet --json";
  // TMPDIR names a folder that does not exist: the spill fails there (so TMPDIR is honoured), and
  // under a hard --memory the run stops incomplete, with its figures, saying where.
  const CommandResult in_tmpdir = lockstep::testing::run_command("TMPDIR=" + dir + "/absent " + LOCKSTEP_BINARY + " " + bounds);
  EXPECT_EQ(in_tmpdir.exit_code, 3) << in_tmpdir.out << in_tmpdir.err;
  const Json failed = json_of(in_tmpdir);
  EXPECT_NE(failed.value("stop_reason", std::string()).find(dir + "/absent"), std::string::npos) << in_tmpdir.out;
  EXPECT_GT(failed.value("distinct_states", 0), 0);
  // --spill-dir is used (the spill succeeds there) and --spill-max bounds it.
  const CommandResult bounded = lockstep(bounds + " --spill-dir " + dir + " --spill-max 1M");
  EXPECT_EQ(bounded.exit_code, 3) << bounded.out << bounded.err;
  const Json report = json_of(bounded);
  EXPECT_NE(report.value("stop_reason", std::string()).find("--spill-max"), std::string::npos) << bounded.out;
  EXPECT_GT(report.value("frontier_spilled_bytes", 0), 0);
  EXPECT_LE(report.value("frontier_spilled_bytes", 0), 1 << 20);
  EXPECT_EQ(report["search"]["spill_dir"], dir);
}

// The frontier keeps a thirty-second of the machine's memory before it spills (16 MiB under
// --memory): Paxos.tla's widest level at ballots 0..3 (about 60 MB) stays in memory by default,
// and goes to disk under --memory, with the same result.
TEST(AuditMemory, the_frontier_is_held_in_memory_by_default_and_spills_under_a_memory_bound) {
  std::ifstream meminfo("/proc/meminfo");
  std::string key;
  double total_kib = 0;
  while (meminfo >> key && key != "MemTotal:") meminfo.ignore(1 << 10, '\n');
  meminfo >> total_kib;
  if (total_kib < 4.0 * 1048576) GTEST_SKIP() << "less than 4 GiB of memory: the default budget is too small to hold the level";
  const std::string bounds = "check paxos-tla --ballots 4 --workers 2 --quiet --json";
  const Json plain = json_of(lockstep(bounds));
  EXPECT_EQ(plain["distinct_states"], 8220065);
  EXPECT_EQ(plain["frontier_spilled_bytes"], 0);
  EXPECT_GT(plain["frontier_bytes_peak"].get<double>(), 16.0 * 1048576);
  const CommandResult bounded_run = lockstep(bounds + " --memory 2G");
  EXPECT_EQ(bounded_run.exit_code, 0) << bounded_run.out << bounded_run.err;
  const Json bounded = json_of(bounded_run);
  EXPECT_EQ(bounded["distinct_states"], plain["distinct_states"]);
  EXPECT_EQ(bounded["depth"], plain["depth"]);
  EXPECT_GT(bounded["frontier_spilled_bytes"].get<double>(), 0);
  EXPECT_LE(bounded["frontier_bytes_peak"].get<double>(), 17.0 * 1048576);  // 16 MiB, and the block being filled
}

// Item 8: a vacuous result says which bound cut the states; --coverage counts each kind of action.
TEST(AuditVacuous, the_bound_that_cut_the_states_is_named) {
  const CommandResult r = lockstep("check raft --nodes 5 --max-term 2 --max-log 1 --requests 1 --crashes 0 --quiet");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("VACUOUS"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("states not expanded: more than 3 messages in flight"), std::string::npos) << r.out;
  const Json coverage = json_of(lockstep("check paxos --max-round 1 --crashes 0 --quiet --json --coverage"))["coverage"];
  EXPECT_GT(coverage.value("Deliver Prepare", 0), 0) << coverage.dump();
  EXPECT_GT(coverage.value("Request", 0), 0) << coverage.dump();
}

// Item 10: simulate's summary states the depth bound its walks had, and the seeds it used.
TEST(AuditSimulate, summary_states_the_walk_bound_and_seeds) {
  const CommandResult r = lockstep("simulate paxos --runs 10 --depth 40 --seed 7 --quiet");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("max_depth=40"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("seeds 7 to 16"), std::string::npos) << r.out;
}

}  // namespace

namespace {

// Item 12: the properties a model checks can be listed and a subset chosen.
TEST(AuditCli, properties_are_listed_and_a_subset_checked) {
  const CommandResult list = lockstep("check raft --list-properties --json");
  ASSERT_EQ(list.exit_code, 0) << list.err;
  const Json properties = Json::parse(list.out);
  bool election_safety = false;
  for (const Json& p : properties) election_safety |= p["name"] == "RAFT-ElectionSafety" && p["kind"] == "always";
  EXPECT_TRUE(election_safety) << list.out;
  // Agreement is what ignore-accepted-value breaks; checking Validity alone, at small bounds, finds nothing.
  const Json agreement = Json::parse(
      lockstep("check paxos --bug ignore-accepted-value --property PAXOS-Agreement --quiet --json").out);
  EXPECT_EQ(agreement["invariant"], "PAXOS-Agreement");
  const CommandResult validity =
      lockstep("check paxos --bug ignore-accepted-value --property PAXOS-Validity --max-round 1 --crashes 0 --quiet --json");
  EXPECT_EQ(validity.exit_code, 0) << validity.out << validity.err;
  const CommandResult unknown = lockstep("check paxos --property Nope");
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("has no property 'Nope'"), std::string::npos) << unknown.err;
  EXPECT_NE(lockstep("check paxos-tla --bug list").out.find("no seeded bugs"), std::string::npos);
}

}  // namespace
