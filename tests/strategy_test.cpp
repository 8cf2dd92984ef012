// The other strategies: depth-first search reaches exactly the states breadth-first search
// does; random simulation finds seeded bugs, reproducibly from a seed, and shrinks them.
#include <gtest/gtest.h>

#include "checker/explore.hpp"
#include "checker/protocols/paxos.hpp"
#include "checker/protocols/raft.hpp"
#include "checker/world/world.hpp"
#include "model/sm/register.hpp"
#include "spec/paxos/invariants.hpp"
#include "spec/raft/invariants_impl.hpp"
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
  EXPECT_LT(report.stats.distinct_states, 214706u);  // the whole space at these bounds
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
    // Random walks at these tight bounds rarely reach Figure 8, the three leaders that
    // append_without_prev_term_check needs (20 steps), next_index_without_floor's two
    // refusals of one re-elected leader under 3 messages in flight (19 steps), or
    // restart_empty_machine's crash after a snapshot (a uniform walk spends its one crash within
    // the first few steps: none of 1,000 walks on each of these seeds finds it); simulate's own
    // wider defaults find all four (tests/defaults_test.cpp).
    if (c.bug == raft::Bug::commit_previous_term || c.bug == raft::Bug::append_without_prev_term_check ||
        c.bug == raft::Bug::next_index_without_floor || c.bug == raft::Bug::restart_empty_machine) {
      continue;
    }
    const RaftCheckOptions o = c.options();
    for (const std::uint64_t seed : {1u, 1000u, 9000u}) {
      SimulateOptions s;
      s.seed = seed;
      const CheckReport report = simulate_raft(o, s);
      ASSERT_EQ(report.outcome, Outcome::violation) << enum_name(c.bug) << " seed " << seed;
      // (+8: a walk may break a later invariant first, e.g. append_without_truncate's
      // StateMachineSafety in 18 steps where breadth-first search finds LogMatching in 10.)
      EXPECT_LE(report.trace_lines.size() - 1, c.trace_steps + 8) << enum_name(c.bug) << " seed " << seed;
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

// The same model, declared to have its new states decoded back from their bytes (as raft-tla
// does): the breadth-first search then checks a state when it expands it, not when it finds it.
template <class M>
struct DecodedWhenNew : M {
  explicit DecodedWhenNew(M model) : M(std::move(model)) {}
  static constexpr bool decode_new_successors = true;
  static DecodedWhenNew from_model_json(const Json& json) { return DecodedWhenNew(M::from_model_json(json)); }
};

// Runs both ways and expects the same verdict, the same figures and the same trace.
template <class M>
void expect_same_search(const M& model, ExploreOptions o, const std::string& what) {
  static_assert(!M::decode_new_successors);
  const DecodedWhenNew<M> decoded(model);
  for (const std::size_t workers : {1u, 2u}) {
    o.workers = workers;
    const auto a = explore(model, o);
    const auto b = explore(decoded, o);
    const std::string where = what + ", " + std::to_string(workers) + " worker(s)";
    EXPECT_EQ(b.outcome, a.outcome) << where;
    EXPECT_EQ(b.property, a.property) << where;
    EXPECT_EQ(b.violations_by_property, a.violations_by_property) << where;
    EXPECT_EQ(b.sometimes_unreached, a.sometimes_unreached) << where;
    EXPECT_EQ(b.depth_bounded, a.depth_bounded) << where;
    EXPECT_EQ(b.states_at_depth_bound, a.states_at_depth_bound) << where;
    ASSERT_EQ(b.trace.size(), a.trace.size()) << where;
    for (std::size_t i = 0; i < a.trace.size(); ++i) {
      EXPECT_TRUE(b.trace[i].state == a.trace[i].state) << where << ", trace state " << i;
      if (i > 0) {
        EXPECT_TRUE(b.trace[i].action == a.trace[i].action) << where << ", trace step " << i;
      }
    }
    if (a.outcome != Outcome::violation || o.keep_going) {  // else the search stops at another point
      EXPECT_EQ(b.stats.distinct_states, a.stats.distinct_states) << where;
      EXPECT_EQ(b.stats.states_generated, a.stats.states_generated) << where;
      EXPECT_EQ(b.stats.depth, a.stats.depth) << where;
      EXPECT_EQ(b.states_beyond_bounds, a.states_beyond_bounds) << where;
      EXPECT_EQ(b.violations, a.violations) << where;
    }
  }
}

TEST(BreadthFirst, checking_states_when_expanded_finds_what_checking_when_found_does) {
  using R = raft::Raft<sm::Register>;
  std::vector<PendingRequest<R>> writes{{NodeId{}, raft::request_for<sm::Register>(1)}};
  // The correct protocol, with a bound on messages in flight that leaves states unexpanded.
  const World<R> raft_world(raft::model_config<sm::Register>(3, 2, 1), WorldBounds{1, 0, 0, 2}, writes);
  expect_same_search(raft_world, {}, "raft");
  for (const auto& [bug, messages] : {std::pair{raft::Bug::vote_not_durable, 3u}, std::pair{raft::Bug::ignore_higher_term, 2u}}) {
    const World<R> world(raft::model_config<sm::Register>(3, 2, 1, bug), WorldBounds{1, 0, 0, messages}, writes);
    ExploreOptions o;
    expect_same_search(world, o, std::string(enum_name(bug)));
    const auto found = explore(world, o);
    ASSERT_EQ(found.outcome, Outcome::violation) << enum_name(bug);
    o.keep_going = true;  // every violation counted, by property
    expect_same_search(world, o, std::string(enum_name(bug)) + " --continue");
    o.keep_going = false;
    o.depth_max = static_cast<std::uint32_t>(found.trace.size() - 1);  // the violating level is not expanded
    expect_same_search(world, o, std::string(enum_name(bug)) + " at its depth bound");
  }
  std::vector<PendingRequest<paxos::Paxos>> values;
  for (std::uint8_t v = 1; v <= 2; ++v) values.push_back({NodeId{}, paxos::request_for(v)});
  const World<paxos::Paxos> paxos_world(paxos::model_config(3, 1, paxos::Bug::promise_not_durable),
                                        WorldBounds{1, 0, 0, 0}, values);
  expect_same_search(paxos_world, {}, "paxos promise_not_durable");
}

}  // namespace
}  // namespace lockstep
