// traces/regressions/: the counterexample of every seeded bug, stored. Each still replays and
// still violates the invariant it records, and shrinking leaves it as it is; and there is one for
// every seeded bug of every protocol whose traces replay (as regenerate.sh --list says).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

#include "tests/support/run_command.hpp"
#include "traces/replay.hpp"
#include "traces/show.hpp"
#include "traces/shrink_itf.hpp"

namespace lockstep {
namespace {

const std::filesystem::path directory = std::filesystem::path(LOCKSTEP_SOURCE_DIR) / "traces" / "regressions";
const char* const regenerate = "traces/regressions/regenerate.sh";

std::set<std::string> stored_traces() {
  std::set<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(directory)) {
    const std::string name = entry.path().filename().string();
    if (name.size() > 9 && name.substr(name.size() - 9) == ".itf.json") names.insert(name);
  }
  return names;
}

// A stored trace, or nothing (and a failure that says what to do) when it no longer loads: a
// model whose state changed shape on purpose needs its traces re-recorded.
std::optional<LoadedTrace> load_stored(const std::string& name) {
  try {
    return load_trace_file((directory / name).string());
  } catch (const TraceError& e) {
    ADD_FAILURE() << e.what() << ". If the model changed on purpose, run " << regenerate;
  }
  return std::nullopt;
}

TEST(RegressionTraces, each_replays_and_still_violates_its_invariant) {
  const auto names = stored_traces();
  ASSERT_FALSE(names.empty());
  for (const std::string& name : names) {
    const auto loaded = load_stored(name);
    if (!loaded) continue;
    const LoadedTrace& trace = *loaded;
    ASSERT_FALSE(trace.invariant.empty()) << name << " records no invariant";
    const ReplayResult result = replay(trace);
    if (result.divergence) {
      ADD_FAILURE() << name << " does not replay: step " << result.divergence->step << " ("
                    << result.divergence->action << "): " << result.divergence->reason
                    << ". If the model changed on purpose, run " << regenerate;
      continue;
    }
    EXPECT_TRUE(result.reproduces_record(trace.invariant))
        << name << " no longer violates " << trace.invariant << " (a seeded bug that does not fail?)";
  }
}

TEST(RegressionTraces, each_shows_one_block_per_step_ending_in_its_violation) {
  for (const std::string& name : stored_traces()) {
    const auto trace = load_stored(name);
    if (!trace) continue;
    const auto steps = view_steps(*trace);
    const std::string text = show_text(*trace, steps, false);
    for (std::size_t i = 1; i < steps.size(); ++i) {
      EXPECT_NE(text.find("\nstep " + std::to_string(i) + " "), std::string::npos) << name << " step " << i;
      EXPECT_FALSE(steps[i].changes.empty()) << name << " step " << i << " changes nothing";
    }
    EXPECT_NE(std::find(steps.back().violations.begin(), steps.back().violations.end(), trace->invariant),
              steps.back().violations.end())
        << name;
  }
}

// The checker's counterexamples are shortest, and shrinking stays within the model's bounds: so
// shrinking cannot shorten them (a check of both).
TEST(RegressionTraces, shrinking_cannot_shorten_the_checkers_shortest_counterexamples) {
  for (const std::string& name : stored_traces()) {
    const auto trace = load_stored(name);
    if (!trace) continue;
    const ShrinkItfResult result = shrink_itf(*trace);
    ASSERT_EQ(result.status, ShrinkStatus::shrunk) << name;
    EXPECT_EQ(result.steps_after, result.steps_before) << name;
  }
}

// Traces written by earlier versions, before the models gained fields declared added later
// (model/core/json.hpp lockstep_added_fields: Raft's no-op, check-quorum and pre-vote flags, an
// entry's noop, Multi-Paxos's check-quorum): each loads, replays step for step under today's
// models (the fields read as off) and still violates the invariant it records. Taken unchanged
// from the history of traces/regressions/ (Raft and a Raft lock before the no-op or check-quorum,
// Multi-Paxos and its lock before check-quorum).
TEST(RegressionTraces, traces_written_before_later_fields_still_replay) {
  const std::filesystem::path old = std::filesystem::path(LOCKSTEP_SOURCE_DIR) / "tests" / "data" / "old-traces";
  std::size_t count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(old)) {
    const std::string name = entry.path().filename().string();
    ++count;
    LoadedTrace trace;
    try {
      trace = load_trace_file(entry.path().string());
    } catch (const TraceError& e) {
      ADD_FAILURE() << name << ": " << e.what();
      continue;
    }
    const ReplayResult result = replay(trace);
    EXPECT_FALSE(result.divergence.has_value()) << name << " diverges at step "
                                                << (result.divergence ? result.divergence->step : 0);
    EXPECT_TRUE(result.reproduces_record(trace.invariant)) << name << " no longer violates " << trace.invariant;
  }
  EXPECT_EQ(count, 4u);
  // A field not declared added later is still required.
  std::ifstream file(old / "raft-commit-previous-term.itf.json");
  Json json = Json::parse(file);
  json["#meta"]["model"]["config"]["checks"].erase("term_max");
  try {
    static_cast<void>(load_trace(parse_itf(json)));
    ADD_FAILURE() << "a trace without term_max loaded";
  } catch (const TraceError& e) {
    EXPECT_NE(std::string(e.what()).find("missing \"term_max\""), std::string::npos) << e.what();
  }
}

TEST(RegressionTraces, there_is_one_for_every_seeded_bug) {
  const auto listed = testing::run_command("LOCKSTEP=" + std::string(LOCKSTEP_BINARY) + " " + LOCKSTEP_SOURCE_DIR +
                                           "/" + regenerate + " --list");
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  std::set<std::string> expected;
  std::istringstream lines(listed.out);
  for (std::string line; std::getline(lines, line);) expected.insert(line);
  EXPECT_GE(expected.size(), 9u);  // paxos has three seeded bugs, raft six
  EXPECT_EQ(stored_traces(), expected) << "run " << regenerate;
}

}  // namespace
}  // namespace lockstep
