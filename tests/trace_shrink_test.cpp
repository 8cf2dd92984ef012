// Shrinking: ddmin finds a 1- and 2-minimal failing subsequence, and random walks that violate a
// Paxos invariant shrink to within a few steps of the checker's shortest counterexample.
#include <gtest/gtest.h>

#include <algorithm>

#include "checker/shrink.hpp"
#include "tests/support/random_walk.hpp"
#include "tests/support/trace_support.hpp"
#include "traces/shrink_itf.hpp"

namespace lockstep {
namespace {

// Fails once the candidate holds all of `needed` (in any order): at that index, plus one.
ShrinkTest fails_with_all_of(std::vector<std::size_t> needed) {
  return [needed](const std::vector<std::size_t>& candidate) -> std::optional<std::size_t> {
    std::size_t seen = 0;
    for (std::size_t i = 0; i < candidate.size(); ++i) {
      if (std::count(needed.begin(), needed.end(), candidate[i]) > 0 && ++seen == needed.size()) return i + 1;
    }
    return std::nullopt;
  };
}

TEST(Ddmin, finds_the_actions_that_matter_and_cuts_after_the_failure) {
  ShrinkStats stats;
  EXPECT_EQ(ddmin(20, fails_with_all_of({3, 7, 12}), {}, stats), (std::vector<std::size_t>{3, 7, 12}));
  EXPECT_GT(stats.tests, 0u);
  EXPECT_FALSE(stats.tests_exhausted);
  ShrinkStats single;
  EXPECT_EQ(ddmin(9, fails_with_all_of({8}), {}, single), (std::vector<std::size_t>{8}));
}

TEST(Ddmin, removes_pairs_that_are_only_needed_together) {
  // 0 = crash, 1 = x, 2 = restart, 3 = y: a restart needs a crash before it, y needs the node up
  // and fails after x. 1-minimal: [crash, x, restart, y]; 2-minimal: [x, y].
  const ShrinkTest fails = [](const std::vector<std::size_t>& candidate) -> std::optional<std::size_t> {
    bool up = true, x = false;
    for (std::size_t i = 0; i < candidate.size(); ++i) {
      switch (candidate[i]) {
        case 0: if (!up) return std::nullopt; up = false; break;
        case 1: x = true; break;
        case 2: if (up) return std::nullopt; up = true; break;
        case 3: if (!up) return std::nullopt; if (x) return i + 1; break;
      }
    }
    return std::nullopt;
  };
  ShrinkStats stats;
  EXPECT_EQ(ddmin(4, fails, {}, stats), (std::vector<std::size_t>{1, 3}));
}

TEST(Ddmin, stops_at_its_test_budget_with_a_failing_candidate) {
  ShrinkStats stats;
  const auto kept = ddmin(64, fails_with_all_of({5, 40}), ShrinkOptions{4}, stats);
  EXPECT_TRUE(stats.tests_exhausted);
  EXPECT_EQ(stats.tests, 4u);
  EXPECT_TRUE(fails_with_all_of({5, 40})(kept));
}

struct WalkedBug {
  paxos::Bug bug;
  const char* property;
  std::size_t shortest;  // steps of `lockstep check paxos --bug`'s counterexample (BFS)
};

class ShrinkRandomWalks : public ::testing::TestWithParam<WalkedBug> {};

// Replays actions with the shrinker's own rules; whether they end in a violation of `property`.
bool violates_after(const testing::PaxosWorld& world, const std::vector<testing::PaxosWorld::Action>& actions,
                    const std::string& property) {
  auto state = world.initial_states().front();
  for (const auto& action : actions) {
    auto step = replay_step(world, state, action);
    if (!step) return false;
    const bool violated = violates(world, state, step->second, property);
    state = std::move(step->second);
    if (violated) return true;
  }
  return false;
}

TEST_P(ShrinkRandomWalks, shrink_to_within_a_few_steps_of_the_shortest) {
  const auto [bug, property, shortest] = GetParam();
  const testing::PaxosWorld world = testing::paxos_world(bug);
  std::size_t walks = 0, original_steps = 0, shrunk_steps = 0;
  for (std::uint64_t seed = 1; walks < 20 && seed < 20000; ++seed) {
    const auto walk = testing::random_walk(world, property, seed, 200);
    if (!walk) continue;
    ++walks;
    const auto shrunk = shrink_trace(world, *walk, property);
    ASSERT_TRUE(shrunk) << "seed " << seed;
    const auto& trace = shrunk->trace;
    std::vector<testing::PaxosWorld::Action> actions;
    for (std::size_t i = 1; i < trace.size(); ++i) actions.push_back(*trace[i].action);
    EXPECT_TRUE(violates(world, trace[trace.size() - 2].state, trace.back().state, property)) << "seed " << seed;
    EXPECT_LE(actions.size(), walk->size() - 1) << "seed " << seed;
    EXPECT_GE(actions.size(), shortest) << "seed " << seed;
    EXPECT_LE(actions.size(), shortest + 3) << "seed " << seed;
    for (std::size_t i = 0; i < actions.size(); ++i) {  // 1-minimal
      auto fewer = actions;
      fewer.erase(fewer.begin() + static_cast<std::ptrdiff_t>(i));
      EXPECT_FALSE(violates_after(world, fewer, property)) << "seed " << seed << ": action " << i << " is not needed";
    }
    original_steps += walk->size() - 1;
    shrunk_steps += actions.size();
  }
  ASSERT_EQ(walks, 20u);
  std::printf("[ figures  ] %s: 20 random walks, %.1f steps on average, shrunk to %.2f (shortest %zu)\n",
              std::string(enum_name(bug)).c_str(), double(original_steps) / 20, double(shrunk_steps) / 20, shortest);
}

INSTANTIATE_TEST_SUITE_P(Bugs, ShrinkRandomWalks,
                         ::testing::Values(WalkedBug{paxos::Bug::promise_not_durable, "PAXOS-PromiseMonotone", 2},
                                           WalkedBug{paxos::Bug::ignore_accepted_value, "PAXOS-Agreement", 8},
                                           WalkedBug{paxos::Bug::accept_below_promise, "PAXOS-Agreement", 8}),
                         [](const auto& info) { return std::string(enum_name(info.param.bug)); });

TEST(ShrinkItf, a_trace_file_shrinks_to_a_trace_that_replays_and_keeps_its_violation) {
  const testing::PaxosWorld world = testing::paxos_world(paxos::Bug::accept_below_promise);
  std::uint64_t seed = 0;
  const auto walk = testing::find_violating_walk(world, "PAXOS-Agreement", 1, 200, 5000, &seed);
  ASSERT_TRUE(walk);
  const LoadedTrace trace = load_trace(parse_itf(testing::itf_of(world, *walk, "PAXOS-Agreement")));
  const ShrinkItfResult result = shrink_itf(trace);
  ASSERT_EQ(result.status, ShrinkStatus::shrunk);
  EXPECT_EQ(result.property, "PAXOS-Agreement");
  EXPECT_EQ(result.steps_before, walk->size() - 1);
  EXPECT_LT(result.steps_after, result.steps_before) << "seed " << seed;
  const LoadedTrace shrunk = load_trace(parse_itf(result.itf));
  EXPECT_EQ(shrunk.itf.steps.size(), result.steps_after + 1);
  EXPECT_EQ(shrunk.itf.meta["shrunk_from"], result.steps_before);
  EXPECT_EQ(shrunk.itf.meta["source"], "lockstep shrink of test");
  EXPECT_TRUE(replay(shrunk).reproduces_record("PAXOS-Agreement"));
}

TEST(ShrinkItf, a_trace_that_violates_nothing_has_nothing_to_shrink) {
  const testing::PaxosWorld world = testing::paxos_world();
  auto walk = testing::start(world);
  testing::take(world, walk, "a client sends n1 ClientRequest{client=c1, sequence=1, value=v1}");
  const ShrinkItfResult result = shrink_itf(load_trace(parse_itf(testing::itf_of(world, walk, ""))));
  EXPECT_EQ(result.status, ShrinkStatus::violates_nothing);
}

}  // namespace
}  // namespace lockstep
