// The other strategies: depth-first search reaches exactly the states breadth-first search
// does; random simulation finds seeded bugs, reproducibly from a seed, and shrinks them.
#include <gtest/gtest.h>

#include "checker/protocols/paxos.hpp"
#include "checker/protocols/raft.hpp"
#include "tests/support/raft_bugs.hpp"

namespace lockstep {
namespace {

RaftCheckOptions small_raft() {
  RaftCheckOptions o;
  o.term_max = 2;
  o.log_max = 1;
  o.requests = 1;
  o.crashes = 1;
  o.messages_max = 3;
  return o;
}

TEST(DepthFirst, visits_exactly_the_states_breadth_first_does) {
  RaftCheckOptions o = small_raft();
  const CheckReport bfs = check_raft(o);
  o.explore.strategy = Strategy::dfs;
  o.explore.depth_max = 200;
  const CheckReport dfs = check_raft(o);
  EXPECT_EQ(dfs.outcome, Outcome::ok);
  EXPECT_EQ(dfs.stats.distinct_states, bfs.stats.distinct_states);
  EXPECT_FALSE(dfs.depth_bounded);

  PaxosTlaCheckOptions t;
  t.ballots = 3;
  t.explore.strategy = Strategy::dfs;
  t.explore.depth_max = 100;
  EXPECT_EQ(check_paxos_tla(t).stats.distinct_states, 185369u);
}

TEST(DepthFirst, a_depth_bound_cuts_the_search_and_says_so) {
  RaftCheckOptions o = small_raft();
  o.explore.strategy = Strategy::dfs;
  o.explore.depth_max = 10;
  const CheckReport report = check_raft(o);
  EXPECT_TRUE(report.depth_bounded);
  EXPECT_LT(report.stats.distinct_states, 298847u);
  EXPECT_LE(report.stats.depth, 10u);
}

TEST(DepthFirst, finds_every_seeded_bug_with_a_real_trace) {
  // (The others take DFS much longer at these bounds: e.g. append-without-truncate, a minute.)
  for (const raft::Bug bug : {raft::Bug::vote_not_durable, raft::Bug::vote_without_log_check, raft::Bug::ignore_higher_term}) {
    RaftCheckOptions o;
    o.bug = bug;
    o.explore.strategy = Strategy::dfs;
    o.explore.depth_max = 60;
    const CheckReport report = check_raft(o);
    EXPECT_EQ(report.outcome, Outcome::violation) << enum_name(bug);
    EXPECT_GE(report.trace_lines.size(), 2u);
  }
  PaxosCheckOptions p;
  p.bug = paxos::Bug::accept_below_promise;
  p.round_max = 1;
  p.explore.strategy = Strategy::dfs;
  p.explore.depth_max = 40;
  EXPECT_EQ(check_paxos(p).property, "PAXOS-VotesSafe");  // the first unsafe vote, before two values are chosen
}

TEST(Simulate, finds_a_bug_reproducibly_from_its_seed_and_shrinks_it) {
  PaxosCheckOptions o;
  o.bug = paxos::Bug::ignore_accepted_value;
  SimulateOptions s;
  s.runs = 2000;
  s.seed = 7;
  const CheckReport first = simulate_paxos(o, s);
  ASSERT_EQ(first.outcome, Outcome::violation);
  EXPECT_EQ(first.property, "PAXOS-VotesSafe");
  const auto seed = first.simulation.failing_seed;
  EXPECT_LE(first.simulation.length, first.simulation.original_length);
  EXPECT_LE(first.trace_lines.size() - 1, 8u);  // the breadth-first shortest is 6

  s.workers = 2;  // the lowest failing run is reported whatever the workers
  EXPECT_EQ(simulate_paxos(o, s).simulation.failing_seed, seed);
  s.workers = 1;
  s.seed = seed;  // the failing run alone reproduces it
  s.runs = 1;
  const CheckReport again = simulate_paxos(o, s);
  EXPECT_EQ(again.outcome, Outcome::violation);
  EXPECT_EQ(again.trace_lines, first.trace_lines);
}

// Shrinking cuts detours that straddle ddmin's chunks (a leader's heartbeats and a replicated
// write before the step that matters): simulated Raft failures shrink to within a few steps of
// the breadth-first shortest traces.
TEST(Simulate, raft_failures_shrink_to_within_a_few_steps_of_the_shortest) {
  for (const testing::RaftBugCase& c : testing::raft_bug_cases()) {
    // Random walks at these tight bounds rarely reach Figure 8, or the three leaders that
    // append_without_prev_term_check needs (22 steps); simulate's own wider defaults find both
    // (tests/defaults_test.cpp).
    if (c.bug == raft::Bug::commit_previous_term || c.bug == raft::Bug::append_without_prev_term_check) continue;
    const RaftCheckOptions o = c.options();
    for (const std::uint64_t seed : {1u, 1000u, 9000u}) {
      SimulateOptions s;
      s.seed = seed;
      const CheckReport report = simulate_raft(o, s);
      ASSERT_EQ(report.outcome, Outcome::violation) << enum_name(c.bug) << " seed " << seed;
      EXPECT_LE(report.trace_lines.size() - 1, c.trace_steps + 7) << enum_name(c.bug) << " seed " << seed;
    }
  }
}

TEST(Simulate, swarm_runs_of_the_correct_protocols_find_nothing) {
  SimulateOptions s;
  s.runs = 300;
  s.depth = 80;
  s.swarm = true;
  EXPECT_NE(simulate_paxos(PaxosCheckOptions{}, s).outcome, Outcome::violation);
  RaftCheckOptions r;
  r.messages_max = 0;
  EXPECT_NE(simulate_raft(r, s).outcome, Outcome::violation);
}

}  // namespace
}  // namespace lockstep
