// Checkpoints and resume (`check --checkpoint DIR`, `--resume DIR`; issue 14, item 11): a run
// interrupted (Ctrl-C, SIGTERM) or killed (SIGKILL) and resumed reaches the same figures and the
// same counterexample, byte for byte, as a run never stopped; a bad or mismatched checkpoint is
// refused with one clear line (exit 2). Real processes; every wait bounded; the signal is sent once
// the checkpoint shows the run deep enough (the manifest is replaced atomically, so reading it
// while the run writes is safe).
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "model/core/json.hpp"
#include "tests/support/processes.hpp"
#include "tests/support/run_command.hpp"

namespace lockstep::testing {
namespace {

// The "search" object of DIR/checkpoint.json, when there is one.
std::optional<Json> checkpoint_search(const fs::path& dir) {
  std::ifstream in(dir / "checkpoint.json");
  if (!in) return std::nullopt;
  try {
    Json manifest = Json::parse(in);
    return manifest.at("search");
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

struct Stopped {
  int exit_code = -1;
  Json report;
};

// Runs `lockstep args...` (with --json), and once its checkpoint is at level `min_level` or deeper,
// sends `signal`; returns how it ended.
Stopped stop_when_deep(const TestDir& dir, const std::vector<std::string>& args, const fs::path& checkpoint,
                       std::uint32_t min_level, int signal) {
  static int runs = 0;
  const std::string name = "stopped" + std::to_string(++runs);
  std::vector<std::string> argv{lockstep_binary()};
  argv.insert(argv.end(), args.begin(), args.end());
  Process process = Process::spawn(argv, dir / (name + ".out"), dir / (name + ".err"));
  const bool deep = wait_until(
      [&] {
        const auto search = checkpoint_search(checkpoint);
        return search && search->value("depth", 0u) >= min_level;
      },
      Milliseconds{120000}, Milliseconds{5});
  EXPECT_TRUE(deep) << "no checkpoint at level " << min_level << ": " << read_text(dir / (name + ".err"));
  Stopped out;
  if (signal == SIGKILL) {
    out.exit_code = process.kill9();
    return out;
  }
  process.signal(signal);
  out.exit_code = process.wait_exit(Milliseconds{120000}).value_or(-1);
  try {
    out.report = Json::parse(read_text(dir / (name + ".out")));
  } catch (const std::exception&) {
    ADD_FAILURE() << "not JSON: " << read_text(dir / (name + ".out")) << read_text(dir / (name + ".err"));
  }
  return out;
}

Json run_json(const std::string& args, int expected_exit) {
  const CommandResult result = lockstep(args + " --json --quiet");
  EXPECT_EQ(result.exit_code, expected_exit) << args << "\n" << result.out << result.err;
  try {
    return Json::parse(result.out);
  } catch (const std::exception&) {
    ADD_FAILURE() << "not JSON: " << result.out << result.err;
    return Json::object();
  }
}

void expect_same_figures(const Json& resumed, const Json& whole) {
  for (const char* key : {"result", "invariant", "states_generated", "distinct_states", "depth", "violations",
                          "violations_by_property", "states_beyond_bounds", "trace_length", "sometimes_unreached"}) {
    EXPECT_EQ(resumed.value(key, Json()), whole.value(key, Json())) << key;
  }
}

std::vector<std::string> words(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

std::vector<std::string> concat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

TEST(Checkpoint, a_run_interrupted_twice_and_resumed_reaches_the_same_count) {
  TestDir dir;
  const std::string check = "check paxos";  // 4.65M states, 28 levels: seconds
  const Json whole = run_json(check, 0);
  const fs::path ck = dir / "ck";
  const std::vector<std::string> base = words(check + " --json --quiet --checkpoint-every 0");

  const Stopped first = stop_when_deep(dir, concat(base, {"--checkpoint", ck.string(), "--workers", "2"}), ck, 12, SIGINT);
  EXPECT_EQ(first.exit_code, 3) << first.report.dump();
  EXPECT_EQ(first.report.value("stop_reason", ""), "interrupted");
  EXPECT_GE(first.report.at("checkpoint").value("written", 0), 12);
  EXPECT_LT(first.report.value("distinct_states", 0), whole.value("distinct_states", 0));

  const Stopped second = stop_when_deep(dir, concat(base, {"--resume", ck.string(), "--workers", "1"}), ck, 20, SIGTERM);
  EXPECT_EQ(second.exit_code, 3) << second.report.dump();
  EXPECT_TRUE(second.report.at("checkpoint").value("resumed", false));
  EXPECT_GE(second.report.at("checkpoint").value("resumed_depth", 0), 11);

  const Json resumed = run_json(check + " --resume " + ck.string() + " --workers 2", 0);
  expect_same_figures(resumed, whole);
  EXPECT_TRUE(resumed.at("checkpoint").value("resumed", false));
  EXPECT_GE(resumed.at("checkpoint").value("resumed_distinct_states", 0), first.report.value("distinct_states", 0));
}

TEST(Checkpoint, a_killed_run_resumes_from_its_last_checkpoint) {
  TestDir dir;
  const std::string check = "check paxos";
  const Json whole = run_json(check, 0);
  const fs::path ck = dir / "ck";
  const Stopped killed = stop_when_deep(dir, concat(words(check), {"--quiet", "--checkpoint", ck.string(), "--checkpoint-every", "0"}),
                                        ck, 14, SIGKILL);
  EXPECT_EQ(killed.exit_code, 128 + SIGKILL);
  const Json resumed = run_json(check + " --resume " + ck.string(), 0);
  expect_same_figures(resumed, whole);
}

// The trace is rebuilt from the parent links the checkpoint kept: the same file as a run never
// stopped. With --continue, a violation found before the interruption is kept too (for a
// transition property, the violating step is found again from its fingerprints).
TEST(Checkpoint, the_counterexample_after_a_resume_is_the_same_file) {
  TestDir dir;
  struct Case {
    std::string check;
    std::uint32_t level;  // where to interrupt
  };
  const std::vector<Case> cases{
      // found after the interruption (its trace is 23 steps)
      {"check raft --bug commit-previous-term --max-term 4 --max-log 1 --requests 2 --crashes 0 --max-messages 3 --continue", 18},
      // a transition property, violated at 15 steps, before the interruption (43 levels; on two
      // nodes, where the search takes seconds rather than the three nodes' minute)
      {"check multipaxos --bug snapshot-over-newer --nodes 2 --max-round 2 --max-slot 2 --requests 2 --snapshot-every 1 "
       "--crashes 0 --max-messages 5 --continue",
       25},
  };
  int n = 0;
  for (const Case& c : cases) {
    const std::string tag = std::to_string(++n);
    const fs::path ck = dir / ("ck" + tag), whole_trace = dir / ("whole" + tag + ".itf.json"),
                   resumed_trace = dir / ("resumed" + tag + ".itf.json");
    const Json whole = run_json(c.check + " --trace-out " + whole_trace.string(), 1);
    const Stopped stopped = stop_when_deep(
        dir, concat(words(c.check), {"--json", "--quiet", "--checkpoint", ck.string(), "--checkpoint-every", "0", "--trace-out",
                                     (dir / ("partial" + tag + ".itf.json")).string()}),
        ck, c.level, SIGINT);
    EXPECT_EQ(stopped.report.value("stop_reason", ""), "interrupted") << c.check;
    const Json resumed = run_json(c.check + " --resume " + ck.string() + " --trace-out " + resumed_trace.string(), 1);
    expect_same_figures(resumed, whole);
    EXPECT_EQ(read_file(resumed_trace.string()), read_file(whole_trace.string())) << c.check;
    EXPECT_FALSE(read_file(whole_trace.string()).empty());
  }
}

TEST(Checkpoint, every_level_is_checkpointed_with_every_0_and_none_by_default_on_a_short_run) {
  TestDir dir;
  const std::string check = "check paxos --max-round 1";
  const Json each = run_json(check + " --checkpoint " + (dir / "each").string() + " --checkpoint-every 0", 0);
  // One at the start of every level expanded (the last level, whose states have no new
  // successor, included).
  EXPECT_EQ(each.at("checkpoint").value("written", 0), each.value("depth", 0) + 1) << each.dump();
  const Json none = run_json(check + " --checkpoint " + (dir / "none").string(), 0);
  EXPECT_EQ(none.at("checkpoint").value("written", -1), 0);
  // A checkpoint taken at the start of the last level still resumes, to the same figures.
  const Json resumed = run_json(check + " --resume " + (dir / "each").string(), 0);
  expect_same_figures(resumed, each);
  EXPECT_EQ(resumed.at("checkpoint").value("resumed_depth", 0), each.value("depth", 0));
  // The text says where it went and how to go on.
  const CommandResult text = lockstep(check + " --quiet --checkpoint " + (dir / "text").string() + " --checkpoint-every 0");
  EXPECT_NE(text.out.find("checkpoint "), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("written to " + (dir / "text").string()), std::string::npos) << text.out;
}

TEST(Checkpoint, bad_checkpoints_and_options_are_refused_with_one_line) {
  TestDir dir;
  const std::string check = "check paxos --max-round 1";
  const fs::path good = dir / "good";
  run_json(check + " --checkpoint " + good.string() + " --checkpoint-every 0", 0);
  const Json manifest = Json::parse(read_file((good / "checkpoint.json").string()));
  const auto file_of = [&](const char* role) { return good / manifest["files"][role]["file"].get<std::string>(); };
  // A copy of the good checkpoint, spoilt by `spoil`.
  int copies = 0;
  const auto spoilt = [&](const std::function<void(const fs::path&, const Json&)>& spoil) {
    const fs::path copy = dir / ("copy" + std::to_string(++copies));
    fs::copy(good, copy);
    spoil(copy, manifest);
    return copy.string();
  };
  const auto file_in = [&](const fs::path& copy, const char* role) { return copy / file_of(role).filename(); };
  fs::create_directory(dir / "empty");
  std::ofstream(dir / "plain-file") << "x";

  struct Case {
    std::string args;
    std::string says;
  };
  const std::vector<Case> cases{
      {check + " --resume " + (dir / "empty").string(), "no checkpoint in"},
      {check + " --resume " + (dir / "missing").string(), "is not a folder"},
      {check + " --resume " + (dir / "plain-file").string(), "is not a folder"},
      {"check paxos --max-round 2 --resume " + good.string(), "is of another run (options was"},
      {check + " --continue --resume " + good.string(), "continue was false, now true"},
      {check + " --bug accept-below-promise --resume " + good.string(), "bug was \"\", now \"accept-below-promise\""},
      {"check raft --resume " + good.string(), "protocol was \"paxos\", now \"raft\""},
      {check + " --resume " + spoilt([&](const fs::path& c, const Json&) {
         std::fstream f(file_in(c, "table"), std::ios::in | std::ios::out | std::ios::binary);
         f.seekp(100);
         f.put('\x5a');
       }),
       "is corrupt"},
      {check + " --resume " + spoilt([&](const fs::path& c, const Json&) {
         fs::resize_file(file_in(c, "next"), fs::file_size(file_in(c, "next")) + 1);
       }),
       "truncated or replaced"},
      {check + " --resume " + spoilt([&](const fs::path& c, const Json&) { fs::remove(file_in(c, "frontier")); }),
       "cannot open"},
      {check + " --resume " + spoilt([&](const fs::path& c, const Json&) { std::ofstream(c / "checkpoint.json") << "{\"kind\":"; }),
       "is not valid JSON"},
      {check + " --resume " + spoilt([&](const fs::path& c, const Json& m) {
         Json bad = m;
         bad["search"]["table_buckets"] = 3;
         std::ofstream(c / "checkpoint.json") << bad.dump();
       }),
       "does not describe"},
      {check + " --resume " + spoilt([&](const fs::path& c, const Json& m) {
         Json bad = m;
         bad["format"] = 99;
         std::ofstream(c / "checkpoint.json") << bad.dump();
       }),
       "has format 99"},
      {check + " --resume " + spoilt([&](const fs::path& c, const Json& m) {
         Json bad = m;
         bad["search"].erase("depth");
         std::ofstream(c / "checkpoint.json") << bad.dump();
       }),
       "is malformed"},
      {check + " --checkpoint " + good.string(), "holds a checkpoint already"},
      {check + " --checkpoint " + (dir / "plain-file").string(), "is not a folder"},
      {check + " --checkpoint " + (dir / "x").string() + " --por", "--checkpoint and --por cannot be combined"},
      {check + " --resume " + good.string() + " --strategy dfs", "--resume works with --strategy bfs"},
      {check + " --checkpoint " + (dir / "x").string() + " --checkpoint-every 5x", "unknown unit 'x'"},
      {check + " --checkpoint " + (dir / "x").string() + " --checkpoint-every=-1", "must be from 0"},
      {check + " --checkpoint-every 1m", "needs --checkpoint"},
      {check + " --resume " + good.string() + " --checkpoint " + (dir / "other").string(), "its own folder"},
  };
  for (const Case& c : cases) {
    const CommandResult result = lockstep(c.args + " --quiet");
    EXPECT_EQ(result.exit_code, 2) << c.args << "\n" << result.out << result.err;
    EXPECT_NE(result.err.find(c.says), std::string::npos) << c.args << "\nsaid: " << result.err;
    EXPECT_EQ(line_count(result.err), 1) << c.args << "\nsaid: " << result.err;
  }
  // Nothing above touched the good checkpoint: it still resumes.
  run_json(check + " --resume " + good.string(), 0);
}

}  // namespace
}  // namespace lockstep::testing
