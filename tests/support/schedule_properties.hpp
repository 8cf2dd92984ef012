// The two properties every protocol's World is held to under generated schedules, generic over
// the protocol:
//   safety:   every named property of the spec holds after every step of any schedule (transition
//             properties on every step);
//   progress: after any schedule (with one client request kept back), the network heals, and a
//             fair scheduler (tests/support/fair_scheduler.hpp) gets that request issued and
//             completed within a bounded number of steps, every property holding on the way.
// Each returns what a test asserts on: the result, the shrunk failing case if any, and figures.
#pragma once

#include <algorithm>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/fair_scheduler.hpp"
#include "tests/support/property_check.hpp"
#include "tests/support/schedule_runner.hpp"

namespace lockstep::testing {

template <class M>
struct ScheduleCheck {
  PropertyResult result;
  std::optional<ScheduleFailure<M>> failure;  // the last failing case run: the shrunk one
  ScheduleStats stats;                        // over every case run, shrinking included
  std::vector<bool> sometimes_reached;        // over every case run (indexed as world.properties())
  std::size_t actions_max = 0;                // the longest run of a passing case, in World actions
  std::size_t fair_steps_max = 0;             // progress: the most fair steps a passing case needed
  std::string trace_path;                     // where the shrunk failing run was written, as ITF
  Json trace;                                 // that ITF trace
};

namespace detail {
template <class M>
void add_run(ScheduleCheck<M>& check, const ScheduleRunner<M>& runner) {
  check.stats.add(runner.stats());
  const auto& reached = runner.sometimes_reached();
  if (check.sometimes_reached.empty()) check.sometimes_reached.assign(reached.size(), false);
  for (std::size_t p = 0; p < reached.size(); ++p) check.sometimes_reached[p] = check.sometimes_reached[p] || reached[p];
}

template <class M>
void report(const M& world, ScheduleCheck<M>& check, const std::string& name) {
  std::cout << "  " << name << ": " << to_string(check.stats) << "; longest passing run " << check.actions_max
            << " actions" << std::endl;
  if (!check.failure) return;
  check.trace = report_failure(world, *check.failure, name, check.result.seed).trace;
  check.trace_path = property_trace_path(name);
}
}  // namespace detail

template <class M>
ScheduleCheck<M> check_safety(const std::string& name, const M& world, const ScheduleProfile& profile, int cases) {
  ScheduleCheck<M> check;
  check.result = check_property(name, cases, [&] {
    const ScheduleWeights weights = *gen_weights(profile);
    const Schedule schedule = *gen_schedule(weights, profile);
    const ScheduleRunner<M> runner = run_schedule(world, schedule);
    detail::add_run(check, runner);
    if (const auto& property = runner.violation()) {
      const std::string reason = "violates " + *property + " after " + std::to_string(runner.trace().size() - 1) +
                                 " actions";
      check.failure = ScheduleFailure<M>{weights, schedule, *property, reason, runner.trace()};
      RC_FAIL(reason);
    }
    check.actions_max = std::max(check.actions_max, runner.trace().size() - 1);
  });
  detail::report(world, check, name);
  return check;
}

// Why a progress case failed, or "" when it did not.
template <class M>
std::string progress_failure(const ScheduleRunner<M>& runner, const FairOutcome& fair, std::size_t steps_max) {
  if (const auto& property = runner.violation()) {
    return "violates " + *property + " after " + std::to_string(runner.trace().size() - 1) + " actions";
  }
  if (fair.completed || runner.at_capacity()) return "";  // a run ended at a capacity is not judged
  std::string why = "no progress after healing: ";
  if (!fair.served) {
    why += "the client request was never issued";
  } else {
    why += "the client request issued to " + to_string(*fair.served) + " at fair step " +
           std::to_string(*fair.issued_at) + " did not complete";
  }
  return why + (fair.stuck ? " (nothing enabled after " + std::to_string(fair.steps) + " fair steps)"
                           : " within " + std::to_string(steps_max) + " fair steps");
}

template <class M>
ScheduleCheck<M> check_progress(const std::string& name, const M& world, const ScheduleProfile& profile,
                                const FairRules<M>& rules, const typename M::Protocol::ClientRequest& request,
                                std::size_t steps_max, int cases) {
  ScheduleCheck<M> check;
  check.result = check_property(name, cases, [&] {
    const ScheduleWeights weights = *gen_weights(profile);
    const Schedule schedule = *gen_schedule(weights, profile);
    ScheduleRunner<M> runner = run_schedule(world, schedule, {request});
    const std::size_t fault_actions = runner.trace().size() - 1;
    FairOutcome fair;
    if (runner.running()) fair = run_fair(runner, rules, request, steps_max);
    detail::add_run(check, runner);
    if (const std::string reason = progress_failure(runner, fair, steps_max); !reason.empty()) {
      check.failure = ScheduleFailure<M>{weights, schedule, runner.violation().value_or(""), reason, runner.trace()};
      RC_FAIL(reason);
    }
    check.actions_max = std::max(check.actions_max, fault_actions);
    check.fair_steps_max = std::max(check.fair_steps_max, fair.steps);
  });
  detail::report(world, check, name);
  return check;
}

// The names of the "sometimes" properties no case reached (a vacuous generator reaches none).
template <class M>
std::vector<std::string> sometimes_unreached(const M& world, const ScheduleCheck<M>& check) {
  return lockstep::sometimes_unreached(world.properties(), check.sometimes_reached);
}

}  // namespace lockstep::testing
