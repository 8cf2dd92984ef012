// Paxos under generated schedules (tests/support/schedule.hpp): client requests, deliveries in
// any order, delays, drops, duplicates, crashes and restarts, partitions and heals. Every named
// property holds after every step, on 3 and on 5 nodes; and after the faults stop and the
// network heals, a fair scheduler gets a value chosen and learned and a client request answered.
#include <gtest/gtest.h>

#include "checker/world/world.hpp"
#include "spec/paxos/invariants.hpp"
#include "tests/support/schedule_properties.hpp"

namespace lockstep {
namespace {

using testing::ChoiceKind;
using PaxosWorld = World<paxos::Paxos>;

// Clients propose values 1..values, each to any node. Ghost votes are bounded (votes_max = 64):
// a run that would cast more ends there, unjudged (ScheduleRunner::at_capacity).
PaxosWorld paxos_world(int nodes, int round_max, int values) {
  std::vector<PendingRequest<paxos::Paxos>> requests;
  for (int v = 1; v <= values; ++v) {
    requests.push_back({NodeId{}, paxos::request_for(static_cast<std::uint8_t>(v))});
  }
  return PaxosWorld(paxos::model_config(nodes, static_cast<std::uint8_t>(round_max), paxos::Bug::none),
                    WorldBounds{4, 8, 8, 0}, requests);
}

void expect_every_fault_injected(const testing::ScheduleStats& stats) {
  for (std::size_t k = 0; k < testing::choice_kinds; ++k) {
    if (static_cast<ChoiceKind>(k) == ChoiceKind::client) continue;  // no clients of its own
    EXPECT_GT(stats.taken[k], 0u) << testing::choice_kind_name(static_cast<ChoiceKind>(k)) << " never took effect";
  }
  EXPECT_GT(stats.withheld_by_partition, 0u) << "no partition ever kept a delivery back";
  EXPECT_GT(stats.withheld_by_delay, 0u) << "no delay ever kept a delivery back";
}

// A run that reaches a capacity of the model ends there, unjudged; few may.
void expect_few_capacity_stops(const testing::ScheduleStats& stats, int cases) {
  EXPECT_LE(stats.capacity_stops * 20, static_cast<std::uint64_t>(cases)) << "over 5% of the runs hit a capacity";
}

TEST(PaxosSchedules, every_property_holds_on_three_nodes) {
  const PaxosWorld world = paxos_world(3, 8, 3);
  const int cases = testing::property_cases(10000);
  const auto check = testing::check_safety("paxos-safety-3", world, {}, cases);
  ASSERT_FALSE(check.result.failed) << check.result.message;
  expect_every_fault_injected(check.stats);
  expect_few_capacity_stops(check.stats, cases);
  EXPECT_TRUE(testing::sometimes_unreached(world, check).empty()) << "no schedule chose a value";
}

TEST(PaxosSchedules, every_property_holds_on_five_nodes) {
  const PaxosWorld world = paxos_world(5, 5, 3);
  const int cases = testing::property_cases(8000);
  const auto check = testing::check_safety("paxos-safety-5", world, {}, cases);
  ASSERT_FALSE(check.result.failed) << check.result.message;
  expect_every_fault_injected(check.stats);
  expect_few_capacity_stops(check.stats, cases);
  EXPECT_TRUE(testing::sometimes_unreached(world, check).empty()) << "no schedule chose a value";
}

// Progress: the client's value 3 is kept back while the faults last. A proposer needs a round
// above every promise the faults left behind, so round_max exceeds the rounds a schedule can
// start (one per timer or request choice, at most length_max).
testing::FairRules<PaxosWorld> paxos_fair_rules() {
  return {
      [](paxos::Timer) { return 0; },
      [](const PaxosWorld::State&) { return true; },
      // the node asked has learned the chosen value: it answers its client
      [](const PaxosWorld::State& state, NodeId served) {
        const auto& slot = state.nodes[served];
        return slot.up && !slot.node.volatile_state.learned.is_none() && !state.ghost.chosen.empty();
      },
  };
}

struct ProgressCase {
  int nodes;
  std::size_t steps_max;  // fair steps allowed after the heal
  int cases;
};

class PaxosProgress : public ::testing::TestWithParam<ProgressCase> {};

TEST_P(PaxosProgress, a_value_is_chosen_and_a_request_answered_after_healing) {
  const ProgressCase& c = GetParam();
  testing::ScheduleProfile profile;
  profile.length_max = 30;
  const PaxosWorld world = paxos_world(c.nodes, static_cast<int>(profile.length_max) + 2, 3);
  const paxos::ClientRequest kept_back = paxos::request_for(3);
  const auto check = testing::check_progress("paxos-progress-" + std::to_string(c.nodes), world, profile,
                                             paxos_fair_rules(), kept_back, c.steps_max, testing::property_cases(c.cases));
  ASSERT_FALSE(check.result.failed) << check.result.message;
  std::cout << "  fair steps needed at most: " << check.fair_steps_max << " (allowed " << c.steps_max << ")\n";
  expect_every_fault_injected(check.stats);
}

INSTANTIATE_TEST_SUITE_P(Nodes, PaxosProgress, ::testing::Values(ProgressCase{3, 100, 10000}, ProgressCase{5, 150, 5000}),
                         [](const auto& info) { return std::to_string(info.param.nodes) + "_nodes"; });

}  // namespace
}  // namespace lockstep
