// Replay: a trace re-executed through the step functions reproduces every recorded state, and at
// the first step that differs it says which step, which action and which fields.
#include <gtest/gtest.h>

#include "tests/support/trace_support.hpp"
#include "traces/replay.hpp"

namespace lockstep {
namespace {

const Json& counterexample() {  // 8 steps; PAXOS-Agreement at the last
  static const Json trace = testing::paxos_counterexample(paxos::Bug::ignore_accepted_value, "PAXOS-Agreement");
  return trace;
}

// The checker's own (6 steps): the first unsafe vote, PAXOS-VotesSafe at the last step and no
// property broken before it.
const Json& first_violation() {
  static const Json trace = testing::paxos_counterexample(paxos::Bug::ignore_accepted_value);
  return trace;
}

ReplayResult replay_json(const Json& json) { return replay(load_trace(parse_itf(json))); }

class ReplaySeededBug : public ::testing::TestWithParam<paxos::Bug> {};

TEST_P(ReplaySeededBug, the_checkers_counterexample_reproduces_its_violation) {
  const Json json = testing::paxos_counterexample(GetParam());
  const LoadedTrace trace = load_trace(parse_itf(json));
  const ReplayResult result = replay(trace);
  EXPECT_FALSE(result.divergence);
  EXPECT_EQ(result.steps_reproduced, json["states"].size());
  ASSERT_FALSE(result.violations.empty());
  EXPECT_EQ(result.violations.front().property, json["#meta"]["invariant"]);
  EXPECT_EQ(result.violations.front().step, json["states"].size() - 1);  // shortest: violated at the end only
  EXPECT_TRUE(result.reproduces_record(trace.invariant));
}

INSTANTIATE_TEST_SUITE_P(Bugs, ReplaySeededBug,
                         ::testing::Values(paxos::Bug::promise_not_durable, paxos::Bug::ignore_accepted_value,
                                           paxos::Bug::accept_below_promise),
                         [](const auto& info) { return std::string(enum_name(info.param)); });

TEST(Replay, a_recorded_state_that_differs_is_diffed_field_by_field) {
  Json json = counterexample();
  json["states"][5]["budgets"]["duplicates"] = 0;  // the trace uses no duplicate: the model keeps 1
  json["states"][5]["ghost"]["proposed"]["#set"].push_back(7);
  const LoadedTrace trace = load_trace(parse_itf(json));
  const ReplayResult result = replay(trace);
  ASSERT_TRUE(result.divergence);
  EXPECT_EQ(result.divergence->step, 5u);
  EXPECT_EQ(result.steps_reproduced, 5u);  // states 0..4
  EXPECT_EQ(result.divergence->action, trace.model->describe(json["states"][5]["#meta"]["action"]));
  EXPECT_EQ(result.divergence->reason, "the state the action leads to differs from the recorded one");
  // recorded -> replayed
  EXPECT_EQ(result.divergence->changes, (std::vector<FieldChange>{{"budgets.duplicates", "0", "1"},
                                                                   {"ghost.proposed", "v7", ""}}));
  EXPECT_FALSE(result.reproduces_record("PAXOS-Agreement"));
}

TEST(Replay, an_action_that_is_not_enabled_stops_the_replay) {
  Json json = counterexample();
  json["states"][2]["#meta"]["action"] = json["states"][8]["#meta"]["action"];  // the last delivery, too early
  const LoadedTrace trace = load_trace(parse_itf(json));
  const ReplayResult result = replay(trace);
  ASSERT_TRUE(result.divergence);
  EXPECT_EQ(result.divergence->step, 2u);
  EXPECT_EQ(result.divergence->action, trace.model->describe(json["states"][2]["#meta"]["action"]));
  EXPECT_EQ(result.divergence->reason, "the action is not enabled in the previous state");
  EXPECT_TRUE(result.divergence->changes.empty());
}

TEST(Replay, an_initial_state_that_is_not_the_models_is_step_0) {
  Json json = counterexample();
  json["states"][0]["budgets"]["drops"] = 0;
  const ReplayResult result = replay_json(json);
  ASSERT_TRUE(result.divergence);
  EXPECT_EQ(result.divergence->step, 0u);
  ASSERT_EQ(result.divergence->changes.size(), 1u);
  EXPECT_EQ(result.divergence->changes[0], (FieldChange{"budgets.drops", "0", "1"}));
}

TEST(Replay, a_trace_cut_before_its_violation_no_longer_reproduces_its_record) {
  Json json = first_violation();
  json["states"].erase(json["states"].size() - 1);
  const LoadedTrace trace = load_trace(parse_itf(json));
  const ReplayResult result = replay(trace);
  EXPECT_FALSE(result.divergence);
  EXPECT_TRUE(result.violations.empty());
  EXPECT_FALSE(result.reproduces_record(trace.invariant));
  EXPECT_TRUE(result.reproduces_record(""));  // a trace that records no violation and has none
}

TEST(Replay, a_violation_the_trace_does_not_record_is_not_a_reproduction) {
  Json json = first_violation();
  json["#meta"].erase("invariant");
  const LoadedTrace trace = load_trace(parse_itf(json));
  EXPECT_EQ(trace.invariant, "");
  const ReplayResult result = replay(trace);
  ASSERT_EQ(result.violations.size(), 1u);
  EXPECT_FALSE(result.reproduces_record(trace.invariant));
}

// Paxos.tla's states have their own JSON: replay and the JSON diff work on them all the same.
TEST(Replay, works_for_a_model_without_nodes_or_reflected_states) {
  Json json = testing::paxos_tla_trace(4);
  ASSERT_EQ(json["states"].size(), 5u);
  const LoadedTrace loaded = load_trace(parse_itf(json));
  EXPECT_EQ(loaded.model->node_count(), 0u);
  const ReplayResult result = replay(loaded);
  EXPECT_FALSE(result.divergence);
  EXPECT_TRUE(result.reproduces_record(""));

  json["states"][3]["maxBal"]["#map"][0][1] = 1;
  const ReplayResult differs = replay_json(json);
  ASSERT_TRUE(differs.divergence);
  EXPECT_EQ(differs.divergence->step, 3u);
  ASSERT_FALSE(differs.divergence->changes.empty());
  EXPECT_EQ(differs.divergence->changes[0].path, "maxBal[a1]");
}

}  // namespace
}  // namespace lockstep
