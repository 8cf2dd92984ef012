// Kill tests: the schedule properties (tests/support/schedule_properties.hpp) run against every
// seeded bug, and each bug must be caught: a generated schedule violates a named invariant, it
// shrinks, it is printed with its seed, and it is written as an ITF trace that replays (through
// traces/replay, the code of `lockstep replay`) to the same violation at its last step.
//
// Each bug gets a budget of cases (x LOCKSTEP_PROPERTY_CASES); RapidCheck stops at the first
// failing case. The budget is about four times (or more) the most any of the seeds 20240607 (the
// default), 1, 2 and 3 needed. The test asserts the budget and the class of invariants the bug
// breaks (`Kill::invariants`); the case and the invariant below are what was measured first, not
// assertions. Measured with those seeds:
//
//   bug                      world                       invariant caught         budget  case caught (seeds   shrunk run, actions
//                                                                                          20240607/1/2/3)
//   Paxos: 3 nodes, 4 rounds, values 1..3; schedules of up to 120 choices, swarm mixes
//   promise_not_durable      crashes 3, drops 6, dups 6  PAXOS-PromiseMonotone      500    2 / 18 / 4 / 2       2 (a promise, a crash)
//   ignore_accepted_value    "                           PAXOS-Agreement            500    9 / 1 / 4 / 6        8..12
//   accept_below_promise     "                           PAXOS-Agreement            500    8 / 1 / 10 / 19      8..9
//   (measured before PAXOS-VotesSafe was checked; since, with seed 20240607, the first two are
//   caught as an unsafe vote, at case 2 after 4 actions (a vote counted on a promise not yet on
//   disk) and at case 9 after 8 actions, accept_below_promise at case 8 after 7)
//   Raft: 3 nodes replicating the register; up to 120 choices, swarm mixes (commit_previous_term:
//   up to 200 choices, the default mix)
//   vote_not_durable         terms 6, log 4, writes 4    RAFT-ElectionSafety      10000    1251 / 567 / 311 / 345  8..10
//   commit_previous_term     terms 4, log 1, writes 2,   RAFT-LeaderCompleteness  40000    6387 / 188 / 3452 / 9479  24..27
//                            3 messages in flight              (the BFS shortest trace, checker_tests, is 23 steps)
//   vote_without_log_check   terms 6, log 4, writes 4    RAFT-LeaderCompleteness   2000    101 / 132 / 15 / 112  11..12
//   append_without_truncate  "                           RAFT-LogMatching          5000    681 / 23 / 122 / 120  11..30
//   ignore_higher_term       "                           RAFT-ElectionSafety        500    3 / 1 / 4 / 3        6..9
//   count_stale_votes        "                           RAFT-ElectionSafety       1000    178 / 14 / 164 / 69  7..8
//   append_without_prev_     "                           RAFT-LogMatching          8000    1826 / 391 / 445 / 120  15..27
//     term_check
//   accept_stale_append      "                           RAFT-LeaderAppendOnly     3000    662 / 1 / 172 / 136  10..13
//   next_index_without_      "                           WORLD-StepsComplete       1000    52 / 79 / 200 / 173  12..25
//     floor                                                 (a step's own expectation fails: no property of Raft breaks)
//   (measured before RAFT-MatchIndexBacked was checked; since, the two append bugs may be caught
//   first as a follower that acknowledged entries it does not hold)
//
// Paxos's promise_not_durable breaks the promise's durability itself, which PAXOS-PromiseMonotone
// states: a crash right after a promise is the shortest way to it. Raft's append_without_truncate
// leaves two logs that agree on an entry's term and differ before it (RAFT-LogMatching) before any
// node applies a wrong entry (the checker, on smaller bounds, reports StateMachineSafety).
// commit_previous_term is Figure 8 of the Raft paper: two leaders of different terms each append an
// entry while the network keeps them apart, and the later one commits the earlier term's entry by
// counting replicas. It needs a slow network: with at most 3 messages in flight (as the checker's
// default bound) a heartbeat cannot always go out, which holds entries back the way the figure needs;
// without that bound 100,000 cases did not find it.
#include <gtest/gtest.h>

#include <algorithm>

#include "checker/world/world.hpp"
#include "model/sm/register.hpp"
#include "spec/paxos/invariants.hpp"
#include "spec/raft/invariants_impl.hpp"
#include "tests/support/schedule_properties.hpp"
#include "traces/replay.hpp"

namespace lockstep {
namespace {

using PaxosWorld = World<paxos::Paxos>;
using RaftRegister = raft::Raft<sm::Register>;
using RaftWorld = World<RaftRegister>;

PaxosWorld paxos_world(paxos::Bug bug) {
  std::vector<PendingRequest<paxos::Paxos>> requests;
  for (std::uint8_t v = 1; v <= 3; ++v) requests.push_back({NodeId{}, paxos::request_for(v)});
  return PaxosWorld(paxos::model_config(3, 4, bug), WorldBounds{3, 6, 6, 0}, requests);
}

RaftWorld raft_world(raft::Bug bug, int term_max, int log_max, int requests, int messages_max) {
  std::vector<PendingRequest<RaftRegister>> pending;
  for (int r = 1; r <= requests; ++r) {
    pending.push_back({NodeId{}, raft::request_for<sm::Register>(static_cast<std::uint8_t>(r))});
  }
  return RaftWorld(raft::model_config<sm::Register>(3, static_cast<raft::Term>(term_max), static_cast<raft::Index>(log_max), bug),
                   WorldBounds{3, 6, 6, static_cast<std::uint32_t>(messages_max)}, pending);
}

// A bug must be caught within its budget of cases, breaking one of the properties its class of
// bug breaks. Neither the case that fails first nor which of those properties it breaks first is
// pinned: an unrelated change to the generators or the model may move both.
struct Kill {
  std::string name;                     // of the property run, and of its trace file
  std::vector<std::string> invariants;  // the shrunk run violates one of these
  int cases;                            // the budget of cases, before LOCKSTEP_PROPERTY_CASES
  std::size_t shrunk_actions_max;       // the shrunk run is at most this long
  std::size_t length_max = 120;    // choices per schedule
  bool swarm = true;               // each case draws its own mix of kinds (else the default mix)
};

// Runs the safety property on `world` (a seeded bug) and checks that it is caught, shrunk and
// written as a trace that replays to the same violation.
template <class M>
void expect_caught(const M& world, const Kill& kill) {
  testing::ScheduleProfile profile;
  profile.length_max = kill.length_max;
  profile.swarm = kill.swarm;
  const auto check = testing::check_safety(kill.name, world, profile, testing::property_cases(kill.cases));
  ASSERT_TRUE(check.result.failed) << kill.name << ": not caught in " << check.result.cases << " cases";
  ASSERT_TRUE(check.failure);
  const auto& failure = *check.failure;
  std::cout << "  caught at case " << check.result.cases_passed + 1 << " of " << check.result.cases
            << "; shrunk to " << failure.schedule.size() << " choices, " << failure.trace.size() - 1 << " actions\n";
  EXPECT_NE(std::find(kill.invariants.begin(), kill.invariants.end(), failure.property), kill.invariants.end())
      << kill.name << " broke " << failure.property;
  EXPECT_LE(failure.trace.size() - 1, kill.shrunk_actions_max);

  // The shrunk schedule alone reproduces the run.
  const auto rerun = testing::run_schedule(world, failure.schedule);
  EXPECT_EQ(rerun.violation(), std::optional<std::string>(failure.property));
  EXPECT_EQ(rerun.trace().size(), failure.trace.size());

  // Shrunk: no choice can be removed and still violate an invariant (RapidCheck tried each).
  for (std::size_t i = 0; i < failure.schedule.size(); ++i) {
    testing::Schedule shorter = failure.schedule;
    shorter.erase(shorter.begin() + static_cast<std::ptrdiff_t>(i));
    EXPECT_FALSE(testing::run_schedule(world, shorter).violation())
        << "choice " << i << " (" << testing::to_string(failure.schedule[i]) << ") could go";
  }

  // The trace file, as `lockstep replay FILE` reads and replays it.
  ASSERT_FALSE(check.trace_path.empty());
  const LoadedTrace loaded = load_trace_file(check.trace_path);
  EXPECT_EQ(loaded.invariant, failure.property);
  const ReplayResult replayed = replay(loaded);
  EXPECT_FALSE(replayed.divergence) << replayed.divergence->reason;
  EXPECT_EQ(replayed.steps_reproduced, failure.trace.size());
  ASSERT_FALSE(replayed.violations.empty());
  EXPECT_EQ(replayed.violations.front().property, failure.property);
  EXPECT_EQ(replayed.violations.front().step, failure.trace.size() - 1);  // violated at the last step only
  EXPECT_TRUE(replayed.reproduces_record(loaded.invariant));
  EXPECT_EQ(check.trace["#meta"]["seed"], check.result.seed);
  EXPECT_EQ(check.trace["#meta"]["schedule"], testing::to_string(failure.schedule));
}

struct PaxosKill {
  paxos::Bug bug;
  Kill kill;
};
class PaxosKillTest : public ::testing::TestWithParam<PaxosKill> {};

TEST_P(PaxosKillTest, the_seeded_bug_is_caught_shrunk_and_replayable) {
  expect_caught(paxos_world(GetParam().bug), GetParam().kill);
}

INSTANTIATE_TEST_SUITE_P(
    Bugs, PaxosKillTest,
    ::testing::Values(PaxosKill{paxos::Bug::promise_not_durable, {"kill-paxos-promise_not_durable", {"PAXOS-PromiseMonotone", "PAXOS-VotesSafe", "PAXOS-Agreement", "PAXOS-LearnedIsChosen"}, 500, 40}},
                      PaxosKill{paxos::Bug::ignore_accepted_value, {"kill-paxos-ignore_accepted_value", {"PAXOS-VotesSafe", "PAXOS-Agreement", "PAXOS-LearnedIsChosen"}, 500, 40}},
                      PaxosKill{paxos::Bug::accept_below_promise, {"kill-paxos-accept_below_promise", {"PAXOS-VotesSafe", "PAXOS-Agreement", "PAXOS-LearnedIsChosen", "PAXOS-PromiseMonotone"}, 500, 40}}),
    [](const auto& info) { return std::string(enum_name(info.param.bug)); });

struct RaftKill {
  raft::Bug bug;
  int term_max;
  int log_max;
  int requests;
  int messages_max;  // 0: the network's capacity
  Kill kill;
};
class RaftKillTest : public ::testing::TestWithParam<RaftKill> {};

TEST_P(RaftKillTest, the_seeded_bug_is_caught_shrunk_and_replayable) {
  const RaftKill& k = GetParam();
  expect_caught(raft_world(k.bug, k.term_max, k.log_max, k.requests, k.messages_max), k.kill);
}

INSTANTIATE_TEST_SUITE_P(
    Bugs, RaftKillTest,
    ::testing::Values(RaftKill{raft::Bug::vote_not_durable, 6, 4, 4, 0, {"kill-raft-vote_not_durable", {"RAFT-ElectionSafety", "RAFT-LogMatching", "RAFT-LeaderCompleteness", "RAFT-StateMachineSafety"}, 10000, 60}},
                      RaftKill{raft::Bug::commit_previous_term, 4, 1, 2, 3, {"kill-raft-commit_previous_term", {"RAFT-LeaderCompleteness", "RAFT-StateMachineSafety"}, 40000, 30, 200, false}},
                      RaftKill{raft::Bug::vote_without_log_check, 6, 4, 4, 0, {"kill-raft-vote_without_log_check", {"RAFT-LeaderCompleteness", "RAFT-StateMachineSafety"}, 2000, 60}},
                      RaftKill{raft::Bug::append_without_truncate, 6, 4, 4, 0, {"kill-raft-append_without_truncate", {"RAFT-LogMatching", "RAFT-LeaderCompleteness", "RAFT-StateMachineSafety", "RAFT-MatchIndexBacked"}, 5000, 60}},
                      RaftKill{raft::Bug::ignore_higher_term, 6, 4, 4, 0, {"kill-raft-ignore_higher_term", {"RAFT-ElectionSafety", "RAFT-LogMatching", "RAFT-LeaderCompleteness", "RAFT-StateMachineSafety"}, 500, 60}},
                      RaftKill{raft::Bug::count_stale_votes, 6, 4, 4, 0, {"kill-raft-count_stale_votes", {"RAFT-ElectionSafety", "RAFT-LogMatching", "RAFT-LeaderCompleteness", "RAFT-StateMachineSafety", "RAFT-LeaderAppendOnly"}, 1000, 60}},
                      RaftKill{raft::Bug::append_without_prev_term_check, 6, 4, 4, 0, {"kill-raft-append_without_prev_term_check", {"RAFT-LogMatching", "RAFT-LeaderCompleteness", "RAFT-StateMachineSafety", "RAFT-MatchIndexBacked"}, 8000, 60}},
                      RaftKill{raft::Bug::accept_stale_append, 6, 4, 4, 0, {"kill-raft-accept_stale_append", {"RAFT-LogMatching", "RAFT-LeaderCompleteness", "RAFT-StateMachineSafety", "RAFT-LeaderAppendOnly"}, 3000, 60}},
                      RaftKill{raft::Bug::next_index_without_floor, 6, 4, 4, 0, {"kill-raft-next_index_without_floor", {"WORLD-StepsComplete"}, 1000, 60}}),
    [](const auto& info) { return std::string(enum_name(info.param.bug)); });

}  // namespace
}  // namespace lockstep
