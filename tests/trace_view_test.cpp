// What `lockstep show` shows: World actions as sentences, per step only what changed, colour only
// when asked, and the message flights the HTML diagram draws as arrows.
#include <gtest/gtest.h>

#include <algorithm>
#include <tuple>

#include "tests/support/trace_support.hpp"
#include "traces/show.hpp"

namespace lockstep {
namespace {

using testing::PaxosWorld;
using Actions = PaxosWorld::Actions;
using Envelope = PaxosWorld::Env;

const paxos::Ballot ballot_2_1{2, NodeId::at(0)};

TEST(ActionView, every_world_action_reads_as_a_sentence) {
  const PaxosWorld world = testing::paxos_world();
  const Envelope promise{NodeId::at(2), NodeId::at(1), paxos::Promise{ballot_2_1, {}, {}}};
  const auto sentence = [&](PaxosWorld::Action action) { return world.action_view(action).sentence; };
  EXPECT_EQ(sentence(Actions::Deliver{promise}),
            "n2 receives Promise{ballot=2.1, accepted_ballot=none, accepted_value=none} from n3");
  EXPECT_EQ(sentence(Actions::Drop{promise}),
            "the network loses Promise{ballot=2.1, accepted_ballot=none, accepted_value=none} from n3 to n2");
  EXPECT_EQ(sentence(Actions::Duplicate{promise}),
            "the network duplicates Promise{ballot=2.1, accepted_ballot=none, accepted_value=none} from n3 to n2");
  EXPECT_EQ(sentence(Actions::Timer{NodeId::at(0), paxos::Timer::retry}), "n1's retry timer fires");
  EXPECT_EQ(sentence(Actions::Request{NodeId::at(1), paxos::request_for(2)}),
            "a client sends n2 ClientRequest{client=c2, sequence=1, value=v2}");
  EXPECT_EQ(sentence(Actions::Crash{NodeId::at(2)}), "n3 crashes");
  EXPECT_EQ(sentence(Actions::Recover{NodeId::at(2)}), "n3 restarts from its durable state");
}

TEST(ActionView, says_who_acts_and_which_message) {
  const PaxosWorld world = testing::paxos_world();
  const Envelope prepare{NodeId::at(0), NodeId::at(1), paxos::Prepare{ballot_2_1}};
  const ActionView deliver = world.action_view(Actions::Deliver{prepare});
  EXPECT_EQ(deliver.kind, ActionKind::deliver);
  EXPECT_EQ(deliver.node, NodeId::at(1));
  EXPECT_EQ(deliver.message, (MessageView{NodeId::at(0), NodeId::at(1), "Prepare{ballot=2.1}"}));
  const ActionView drop = world.action_view(Actions::Drop{prepare});
  EXPECT_EQ(drop.kind, ActionKind::drop);
  EXPECT_TRUE(drop.node.is_none());
  EXPECT_EQ(world.action_view(Actions::Crash{NodeId::at(2)}).kind, ActionKind::crash);
  EXPECT_FALSE(world.action_view(Actions::Crash{NodeId::at(2)}).message);
}

LoadedTrace faults_trace() { return load_trace(parse_itf(testing::paxos_faults_trace())); }

TEST(MessageFlights, one_per_delivered_or_lost_message_from_the_step_that_sent_it) {
  const LoadedTrace trace = faults_trace();
  ASSERT_EQ(trace.itf.steps.size(), 9u);
  const auto flights = message_flights(trace, view_steps(trace));
  const MessageView to_n2{NodeId::at(0), NodeId::at(1), "Prepare{ballot=1.1}"};
  const MessageView to_n3{NodeId::at(0), NodeId::at(2), "Prepare{ballot=1.1}"};
  const MessageView promise{NodeId::at(2), NodeId::at(0), "Promise{ballot=1.1, accepted_ballot=none, accepted_value=none}"};
  const auto flight = [](std::size_t sent, std::size_t end, const MessageView& message, bool delivered) {
    return std::tuple(sent, end, message, delivered);
  };
  std::vector<std::tuple<std::size_t, std::size_t, MessageView, bool>> found;
  for (const auto& f : flights) found.push_back(flight(f.sent_step, f.end_step, f.message, f.delivered));
  // Copies are matched oldest first: the loss takes the client step's copy, the delivery the
  // duplicate; n2's Prepare waits out its crash; n3's Promise flies from step 4 to 8.
  EXPECT_EQ(found, (decltype(found){flight(1, 3, to_n3, false), flight(2, 4, to_n3, true), flight(1, 7, to_n2, true),
                                    flight(4, 8, promise, true)}));
}

TEST(StepViews, each_step_shows_its_sentence_only_what_changed_and_its_violations) {
  const LoadedTrace trace = load_trace(parse_itf(testing::paxos_counterexample(paxos::Bug::promise_not_durable)));
  const auto steps = view_steps(trace);
  ASSERT_EQ(steps.size(), 3u);
  EXPECT_EQ(steps[0].action.sentence, "initial state");
  EXPECT_TRUE(steps[0].changes.empty());
  EXPECT_EQ(steps[2].action.sentence, trace.model->describe(trace.itf.steps[2].action));
  EXPECT_EQ(steps[2].action.kind, ActionKind::crash);
  const auto& changes = steps[2].changes;
  EXPECT_NE(std::find(changes.begin(), changes.end(), FieldChange{"budgets.crashes", "1", "0"}), changes.end());
  for (const auto& change : changes) EXPECT_NE(change.before, change.after) << change.path;
  EXPECT_TRUE(steps[1].violations.empty());
  EXPECT_EQ(steps[2].violations, std::vector<std::string>{"PAXOS-PromiseMonotone"});
}

TEST(ShowText, one_block_per_step_and_colour_only_when_asked) {
  const LoadedTrace trace = faults_trace();
  const auto steps = view_steps(trace);
  const std::string plain = show_text(trace, steps, false);
  EXPECT_EQ(plain.find('\x1b'), std::string::npos);
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const std::string header = "\nstep " + std::to_string(i) + "   " + steps[i].action.sentence + "\n";
    EXPECT_NE(plain.find(header), std::string::npos) << header;
  }
  EXPECT_NE(plain.find("        budgets.duplicates  1 -> 0\n"), std::string::npos) << plain;
  EXPECT_NE(plain.find("        network        - Envelope{from=n1, to=n3, message=Prepare{ballot=1.1}}\n"),
            std::string::npos) << plain;
  EXPECT_EQ(plain.find("violates"), std::string::npos) << plain;
  const std::string coloured = show_text(trace, steps, true);
  EXPECT_NE(coloured.find("\x1b[32m"), std::string::npos);
  EXPECT_NE(coloured.find("\x1b[31m"), std::string::npos);
}

}  // namespace
}  // namespace lockstep
