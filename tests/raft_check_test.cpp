// The checker on Raft: every seeded bug is found with the invariant it breaks and a shortest
// trace of pinned length; the correct protocol's state counts are pinned at two bound settings.
#include <gtest/gtest.h>

#include "checker/protocols/raft.hpp"
#include "checker/world/world.hpp"
#include "model/sm/register.hpp"
#include "spec/raft/invariants_impl.hpp"
#include "tests/support/named_property.hpp"
#include "tests/support/raft_bugs.hpp"

namespace lockstep {
namespace {

using testing::RaftBugCase;

class RaftSeededBug : public ::testing::TestWithParam<RaftBugCase> {};

TEST_P(RaftSeededBug, is_found_with_a_shortest_trace) {
  const RaftBugCase& b = GetParam();
  const CheckReport report = check_raft(b.options());
  ASSERT_EQ(report.outcome, Outcome::violation);
  EXPECT_EQ(report.property, b.invariant);
  EXPECT_EQ(report.trace_lines.size(), b.trace_steps + 1);
  EXPECT_EQ(report.trace["states"].size(), b.trace_steps + 1);
  EXPECT_EQ(report.trace["#meta"]["protocol"], "raft");
}

// With check-quorum (as nodes run it; off in the registry's bounds) every bug is still found at
// the same bounds, breaking an invariant (leaders step down and disregard votes, so the shortest
// trace may differ by a few steps, and the invariant too).
TEST_P(RaftSeededBug, is_found_with_check_quorum_too) {
  RaftCheckOptions o = GetParam().options();
  o.check_quorum = 1;
  const CheckReport report = check_raft(o);
  ASSERT_EQ(report.outcome, Outcome::violation);
  EXPECT_EQ(report.trace["#meta"]["model"]["config"]["checks"]["check_quorum"], true);
  EXPECT_LE(report.trace_lines.size(), GetParam().trace_steps + 4);
}

// With pre-vote (as nodes run it, with check-quorum; off in the registry's bounds) every bug is
// still found at the same bounds. Each election takes a pre-vote's round trip first, and a node
// grants a pre-vote only for a term above its own, so the schedules that reach a bug are longer
// (vote-not-durable: 27 steps, not 8; its second candidate must be granted its pre-vote before
// the voter moved on to the first's term).
TEST_P(RaftSeededBug, is_found_with_pre_vote_too) {
  RaftCheckOptions o = GetParam().options();
  o.pre_vote = 1;
  const CheckReport report = check_raft(o);
  ASSERT_EQ(report.outcome, Outcome::violation);
  EXPECT_EQ(report.trace["#meta"]["model"]["config"]["checks"]["pre_vote"], true);
  EXPECT_GE(report.trace_lines.size(), GetParam().trace_steps + 1);
}

INSTANTIATE_TEST_SUITE_P(
    Bugs, RaftSeededBug, ::testing::ValuesIn(testing::raft_bug_cases()),
    [](const auto& info) { return std::string(enum_name(info.param.bug)); });

// The small bounds the counts are pinned at: 3 nodes, terms up to 2, one crash, 2 workers (and
// each leader's no-op: a log of 2 leaves the first leader room for a client's entry).
RaftCheckOptions small_bounds(int log_max, int requests, int messages_max, int snapshot_every = 0) {
  RaftCheckOptions o;
  o.term_max = 2;
  o.log_max = log_max;
  o.requests = requests;
  o.crashes = 1;
  o.messages_max = messages_max;
  o.snapshot_every = snapshot_every;
  o.explore.workers = 2;
  return o;
}

// Checks the correct protocol exhaustively: no violation, the pinned distinct states and depth.
CheckReport expect_passes(const RaftCheckOptions& o, std::size_t distinct_states, std::size_t depth) {
  CheckReport report = check_raft(o);
  EXPECT_EQ(report.outcome, Outcome::ok);
  EXPECT_EQ(report.stats.distinct_states, distinct_states);
  EXPECT_EQ(report.stats.depth, depth);
  return report;
}

TEST(RaftCheck, correct_protocol_state_counts_are_pinned) {
  expect_passes(small_bounds(2, 1, 2), 23246u, 30u);
  EXPECT_TRUE(expect_passes(small_bounds(2, 1, 3), 1030808u, 42u).sometimes_unreached.empty());
}

// Check-quorum (leaders step down at a check no majority answered; nodes that heard their leader
// disregard higher-term votes) multiplies the world; every property holds in it.
TEST(RaftCheck, correct_protocol_with_check_quorum_passes_exhaustively) {
  RaftCheckOptions o = small_bounds(2, 1, 2);
  o.check_quorum = 1;
  EXPECT_TRUE(expect_passes(o, 393110u, 37u).sometimes_unreached.empty());
}

// Pre-vote (a node asks before it campaigns; thesis 9.6), alone and with check-quorum as nodes
// run both: every property holds, and every sometimes property is reached.
TEST(RaftCheck, correct_protocol_with_pre_vote_passes_exhaustively) {
  RaftCheckOptions o = small_bounds(2, 1, 2);
  o.pre_vote = 1;
  EXPECT_TRUE(expect_passes(o, 29225u, 36u).sometimes_unreached.empty());
  o.check_quorum = 1;
  EXPECT_TRUE(expect_passes(o, 405395u, 43u).sometimes_unreached.empty());
}

// With snapshots (every applied entry, or every second), nodes snapshot and compact, leaders send
// InstallSnapshot to lagging followers, and a crashed node restarts from its snapshot; every
// property holds on every state (with snapshots off, the counts above are unchanged).
TEST(RaftCheck, correct_protocol_with_snapshots_passes_exhaustively) {
  EXPECT_TRUE(expect_passes(small_bounds(2, 1, 3, 1), 1325216u, 48u).sometimes_unreached.empty());
  expect_passes(small_bounds(3, 2, 2, 1), 109157u, 31u);
  expect_passes(small_bounds(3, 2, 2, 2), 119663u, 33u);
}

TEST(RaftCheck, without_a_crash_no_leader_is_replaced_and_the_run_is_vacuous) {
  RaftCheckOptions o;
  o.term_max = 2;
  o.log_max = 1;
  o.requests = 1;
  o.crashes = 0;
  o.messages_max = 2;
  const CheckReport report = check_raft(o);
  EXPECT_EQ(report.outcome, Outcome::vacuous);
  EXPECT_EQ(report.sometimes_unreached, std::vector<std::string>{"leader-replaced-after-crash"});
}

// MatchIndexBacked: a leader's match_index for a node of its term must be backed by that node's
// log. Made to break: n1 leads term 1 with two entries and counts n2 as holding both, but n2 holds
// one, or another term's entry. A node of a later term (repaired by a later leader) is not held
// to it, and a node holding both entries satisfies it.
TEST(RaftInvariants, a_match_index_the_nodes_log_does_not_back_breaks_match_index_backed) {
  using R = raft::Raft<sm::Register>;
  const World<R> world(raft::model_config<sm::Register>(3, 2, 2), WorldBounds{1, 0, 0, 3},
                       std::vector<PendingRequest<R>>{});
  const auto entry = [](raft::Term term, std::uint8_t value) {
    return R::Entry{term, ClientId{value}, 1, sm::Register::Command{value}, false};
  };
  auto state = world.initial_states().front();
  const char* name = "RAFT-MatchIndexBacked";
  EXPECT_TRUE(testing::property_holds(world, state, name));
  for (auto& slot : state.nodes.items) slot.node.durable.current_term = 1;
  auto& leader = state.nodes.items[0].node;
  leader.volatile_state.role = raft::Role::leader;
  leader.volatile_state.match_index = R::Indexes(3, raft::Index{0});
  leader.volatile_state.match_index.items[1] = 2;
  leader.durable.log.append(entry(1, 1));
  leader.durable.log.append(entry(1, 2));
  state.nodes.items[1].node.durable.log.append(entry(1, 1));
  EXPECT_FALSE(testing::property_holds(world, state, name));
  const auto why = raft::RaftSpec<sm::Register>::explain(world.config(), name, nullptr, state);
  ASSERT_EQ(why.size(), 2u);
  EXPECT_NE(why[0].find("n1, leader of term 1, counts n2 (of the same term) as holding its entries through index 2"),
            std::string::npos)
      << why[0];
  EXPECT_NE(why[1].find("at index 2 n2 has nothing"), std::string::npos) << why[1];
  auto backed = state;
  backed.nodes.items[1].node.durable.log.append(entry(1, 2));
  EXPECT_TRUE(testing::property_holds(world, backed, name));
  auto other_term = state;
  other_term.nodes.items[1].node.durable.log.append(entry(0, 3));
  EXPECT_FALSE(testing::property_holds(world, other_term, name));
  auto later = state;
  later.nodes.items[1].node.durable.current_term = 2;
  EXPECT_TRUE(testing::property_holds(world, later, name));
}

TEST(RaftCheck, rejects_bounds_out_of_range) {
  RaftCheckOptions o;
  o.nodes = 0;
  EXPECT_FALSE(validate(o).empty());
  o.nodes = 3;
  o.log_max = 99;
  EXPECT_FALSE(validate(o).empty());
}

}  // namespace
}  // namespace lockstep

namespace lockstep {
namespace {

TEST(RaftCheck, symmetry_reduction_divides_the_states_by_the_renamings_and_keeps_every_bug) {
  RaftCheckOptions o;
  o.term_max = 2;
  o.log_max = 2;
  o.requests = 1;
  o.crashes = 1;
  o.messages_max = 3;
  const CheckReport full = check_raft(o);
  o.explore.symmetry = true;
  const CheckReport reduced = check_raft(o);
  EXPECT_EQ(reduced.outcome, Outcome::ok);
  EXPECT_EQ(full.stats.distinct_states, 1030808u);
  EXPECT_EQ(reduced.stats.distinct_states, 172064u);  // about 3! = 6 times fewer
  EXPECT_EQ(reduced.stats.depth, full.stats.depth);

  for (const raft::Bug bug : {raft::Bug::vote_not_durable, raft::Bug::vote_without_log_check,
                              raft::Bug::append_without_truncate, raft::Bug::ignore_higher_term}) {
    RaftCheckOptions b;
    b.bug = bug;
    b.explore.symmetry = true;
    const CheckReport without = check_raft([&] { auto c = b; c.explore.symmetry = false; return c; }());
    const CheckReport with = check_raft(b);
    EXPECT_EQ(with.outcome, Outcome::violation) << enum_name(bug);
    EXPECT_EQ(with.property, without.property) << enum_name(bug);
    EXPECT_EQ(with.trace_lines.size(), without.trace_lines.size()) << enum_name(bug);  // still shortest
  }
}

}  // namespace
}  // namespace lockstep
