// The checker on Multi-Paxos: the correct protocol passes at its default bounds and with
// snapshots, every "sometimes" property reached, with pinned state counts; every seeded bug is
// found with the invariant it breaks and a shortest trace of pinned length.
#include <gtest/gtest.h>

#include "checker/protocols/multipaxos.hpp"

namespace lockstep {
namespace {

TEST(MultiPaxosCheck, correct_protocol_passes_at_the_defaults_with_a_pinned_state_count) {
  MultiPaxosCheckOptions o;  // 3 nodes, rounds 2, 1 slot, 1 request, 1 crash, 3 messages
  o.explore.workers = 2;
  const CheckReport report = check_multipaxos(o);
  EXPECT_EQ(report.outcome, Outcome::ok);
  EXPECT_EQ(report.stats.distinct_states, 927677u);
  EXPECT_EQ(report.stats.depth, 38u);
  EXPECT_TRUE(report.sometimes_unreached.empty());
}

TEST(MultiPaxosCheck, correct_protocol_passes_with_snapshots_after_every_slot) {
  MultiPaxosCheckOptions o;
  o.round_max = 1;
  o.slot_max = 2;
  o.requests = 2;
  o.snapshot_every = 1;
  o.messages_max = 4;  // the leader's heartbeat reaches both replicas: room for a third message
  o.explore.workers = 2;
  const CheckReport report = check_multipaxos(o);
  EXPECT_EQ(report.outcome, Outcome::ok);
  EXPECT_EQ(report.stats.distinct_states, 743255u);
  EXPECT_EQ(report.stats.depth, 37u);
  EXPECT_TRUE(report.sometimes_unreached.empty());
}

struct BugCase {
  multipaxos::Bug bug;
  int slot_max;
  int requests;
  int snapshot_every;
  int crashes;
  int max_messages;
  const char* invariant;
  std::size_t trace_steps;
};

class MultiPaxosSeededBug : public ::testing::TestWithParam<BugCase> {};

TEST_P(MultiPaxosSeededBug, is_found_with_a_shortest_trace) {
  const BugCase& b = GetParam();
  MultiPaxosCheckOptions o;
  o.round_max = 1;
  o.slot_max = b.slot_max;
  o.requests = b.requests;
  o.snapshot_every = b.snapshot_every;
  o.crashes = b.crashes;
  o.messages_max = b.max_messages;
  o.bug = b.bug;
  o.explore.workers = 2;
  const CheckReport report = check_multipaxos(o);
  ASSERT_EQ(report.outcome, Outcome::violation);
  EXPECT_EQ(report.property, b.invariant);
  EXPECT_EQ(report.trace_lines.size(), b.trace_steps + 1);
  EXPECT_EQ(report.trace["#meta"]["protocol"], "multipaxos");
}

INSTANTIATE_TEST_SUITE_P(
    Bugs, MultiPaxosSeededBug,
    ::testing::Values(BugCase{multipaxos::Bug::skip_recovery, 1, 2, 0, 0, 3, "MULTIPAXOS-Agreement", 10},
                      BugCase{multipaxos::Bug::votes_not_durable, 1, 2, 0, 1, 3, "MULTIPAXOS-Agreement", 12},
                      BugCase{multipaxos::Bug::snapshot_over_newer, 2, 2, 1, 0, 5, "MULTIPAXOS-AppliedMonotone", 17}),
    [](const auto& info) { return std::string(enum_name(info.param.bug)); });

TEST(MultiPaxosCheck, votes_that_survive_a_crash_keep_agreement_where_the_bug_breaks_it) {
  MultiPaxosCheckOptions o;
  o.round_max = 1;
  o.requests = 2;
  o.explore.workers = 2;
  EXPECT_EQ(check_multipaxos(o).outcome, Outcome::ok);
}

TEST(MultiPaxosCheck, rejects_bounds_out_of_range) {
  MultiPaxosCheckOptions o;
  o.nodes = 0;
  EXPECT_FALSE(validate(o).empty());
  o.nodes = 3;
  o.slot_max = 99;
  EXPECT_FALSE(validate(o).empty());
  o.slot_max = 1;
  EXPECT_TRUE(validate(o).empty());
}

}  // namespace
}  // namespace lockstep
