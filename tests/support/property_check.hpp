// Running a property over many generated cases with RapidCheck's engine (generation and
// shrinking), under the test's control rather than RC_GTEST_PROP's, so that a test can also
// expect a failure (the seeded bugs) and get hold of the shrunk case:
//   - the seed is fixed by default, so CI runs the same cases every time; LOCKSTEP_PROPERTY_SEED
//     picks others, and every run prints the seed it used;
//   - LOCKSTEP_PROPERTY_CASES=<factor> multiplies every property's case count (default 1, what
//     CI runs), to run longer outside CI;
//   - a failing schedule, shrunk, is printed with its seed and written as an ITF trace (the
//     "#meta" shape of `lockstep check`, checker/report.hpp) that `lockstep replay` accepts, in
//     LOCKSTEP_PROPERTY_TRACE_DIR (default: gtest's temporary directory).
#pragma once

#include <gtest/gtest.h>
#include <rapidcheck.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "checker/report.hpp"
#include "tests/support/schedule.hpp"
#include "traces/itf.hpp"
#include "traces/replay.hpp"

namespace lockstep::testing {

inline constexpr std::uint64_t property_seed_default = 20240607;

inline std::uint64_t environment_number(const char* name, std::uint64_t otherwise) {
  const char* text = std::getenv(name);
  if (text == nullptr || *text == '\0') return otherwise;
  char* end = nullptr;
  const std::uint64_t value = std::strtoull(text, &end, 0);
  if (*end != '\0') {
    ADD_FAILURE() << name << "=" << text << ": expected a number";
    return otherwise;
  }
  return value;
}

inline int property_case_factor() {
  return static_cast<int>(std::max<std::uint64_t>(1, environment_number("LOCKSTEP_PROPERTY_CASES", 1)));
}
// The number of cases to run for a property that CI runs `ci_cases` times.
inline int property_cases(int ci_cases) { return ci_cases * property_case_factor(); }
inline std::uint64_t property_seed() { return environment_number("LOCKSTEP_PROPERTY_SEED", property_seed_default); }
inline std::string property_trace_dir() {
  const char* dir = std::getenv("LOCKSTEP_PROPERTY_TRACE_DIR");
  return dir && *dir ? std::string(dir) + "/" : ::testing::TempDir();
}

// Where report_failure writes the failing run of property `name`.
inline std::string property_trace_path(const std::string& name) { return property_trace_dir() + name + ".itf.json"; }

struct PropertyResult {
  bool failed = false;
  int cases = 0;         // cases asked for
  int cases_passed = 0;  // cases that passed (before the failing one, if any)
  std::uint64_t seed = 0;
  std::string message;   // RapidCheck's description of the failure
  double seconds = 0;    // shrinking included
};

// Runs `testable` (a callable that draws with `*gen` and fails with RC_FAIL) for `cases` cases
// from property_seed(), shrinking the first failing case. Prints one line with the seed.
template <class Testable>
PropertyResult check_property(const std::string& name, int cases, Testable&& testable) {
  rc::detail::TestParams params;
  params.seed = property_seed();
  params.maxSuccess = cases;
  params.maxSize = 100;
  rc::detail::TestMetadata metadata;
  metadata.id = name;
  metadata.description = name;
  const auto start = std::chrono::steady_clock::now();
  // Our own (silent) listener instead of RapidCheck's global one, which would print at exit that
  // "some properties had failures" after the seeded bugs' expected failures: this function
  // reports every run itself.
  struct Silent : rc::detail::TestListener {
    void onTestCaseFinished(const rc::detail::CaseDescription&) override {}
    void onShrinkTried(const rc::detail::CaseDescription&, bool) override {}
    void onTestFinished(const rc::detail::TestMetadata&, const rc::detail::TestResult&) override {}
  } listener;
  const auto result = rc::detail::checkProperty(rc::detail::toProperty(std::forward<Testable>(testable)), metadata,
                                                params, listener);
  PropertyResult out;
  out.cases = cases;
  out.seed = params.seed;
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  rc::detail::SuccessResult success;
  rc::detail::FailureResult failure;
  if (result.match(success)) {
    out.cases_passed = success.numSuccess;
  } else if (result.match(failure)) {
    out.failed = true;
    out.cases_passed = failure.numSuccess;
    out.message = failure.description;
  } else {
    out.failed = true;
    std::ostringstream text;
    rc::detail::printResultMessage(result, text);
    out.message = text.str();
  }
  std::cout << "[property] " << name << ": "
            << (out.failed ? "fails at case " + std::to_string(out.cases_passed + 1)
                           : "holds in " + std::to_string(out.cases_passed) + " cases")
            << " (seed " << out.seed << ", " << out.seconds << " s; reproduce with LOCKSTEP_PROPERTY_SEED=" << out.seed
            << ")" << std::endl;
  return out;
}

// A failing case after shrinking: the schedule, the mix it was drawn with and the run it led to.
template <class M>
struct ScheduleFailure {
  ScheduleWeights weights;
  Schedule schedule;
  std::string property;  // the violated property; "" when no property is violated (liveness)
  std::string reason;    // what failed, in words
  std::vector<TraceStep<typename M::State, typename M::Action>> trace;
};

// The failing run as ITF, with the "#meta" that `lockstep check` writes (so that replay, show
// and shrink accept it), plus the schedule and the seed.
template <class M>
CheckReport failure_report(const M& world, const ScheduleFailure<M>& failure, const std::string& name,
                           std::uint64_t seed) {
  CheckReport report;
  report.protocol = std::string(M::protocol);
  report.property = failure.property;
  report.bounds = to_json_value(world.bounds());
  add_trace(world, failure.trace, report, "property test " + name);
  report.trace["#meta"]["seed"] = seed;
  report.trace["#meta"]["schedule"] = to_string(failure.schedule);
  report.trace["#meta"]["weights"] = to_string(failure.weights);
  report.trace["#meta"]["reason"] = failure.reason;
  return report;
}

// Prints the failure (seed, shrunk schedule, the run step by step) and writes its trace to
// property_trace_dir()/<name>.itf.json; returns the report (report.trace is the ITF).
template <class M>
CheckReport report_failure(const M& world, const ScheduleFailure<M>& failure, const std::string& name,
                           std::uint64_t seed) {
  CheckReport report = failure_report(world, failure, name, seed);
  const std::string path = property_trace_path(name);
  // Written aside and renamed into place, so that another run of the suite writing the same
  // file at the same time (it would write the same trace) never shows a reader half a file.
  const std::string partial = path + ".partial-" + std::to_string(::getpid());
  write_json_file(partial, report.trace);
  if (std::rename(partial.c_str(), path.c_str()) != 0) ADD_FAILURE() << "cannot write " << path;
  std::cout << "  " << failure.reason << "\n  seed " << seed << " (LOCKSTEP_PROPERTY_SEED=" << seed << ")"
            << "\n  shrunk schedule, " << failure.schedule.size() << " choices: " << to_string(failure.schedule)
            << "\n  mix: " << to_string(failure.weights) << "\n  run, " << failure.trace.size() - 1
            << " actions, written to " << path << " (lockstep replay " << path << "):\n";
  for (std::size_t i = 1; i < report.trace_lines.size(); ++i) {
    std::cout << "    " << i << "  " << world.action_view(*failure.trace[i].action).sentence << "\n";
  }
  std::cout << std::flush;
  return report;
}

// Replays an ITF trace through the step functions (traces/replay.hpp), as `lockstep replay` does.
inline ReplayResult replay_itf(const Json& itf) { return replay(load_trace(parse_itf(itf))); }

}  // namespace lockstep::testing
