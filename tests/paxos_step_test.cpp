// The Paxos step function, handler by handler ("Paxos Made Simple", section 2).
#include <gtest/gtest.h>

#include "model/core/print.hpp"
#include "model/paxos/paxos.hpp"

namespace lockstep::paxos {
namespace {

const Config config{3, 5, Bug::none};
constexpr NodeId n1{1}, n2{2}, n3{3};
constexpr Value v1{1}, v2{2};

Ballot ballot(int round, NodeId node) { return Ballot{static_cast<std::uint8_t>(round), node}; }

template <class M>
std::vector<std::pair<NodeId, M>> sent(const Step& step) {
  std::vector<std::pair<NodeId, M>> out;
  for (const auto& effect : step.effects) {
    if (const auto* send = std::get_if<Send<Message>>(&effect)) {
      if (const auto* m = std::get_if<M>(&send->message)) out.emplace_back(send->to, *m);
    }
  }
  return out;
}

Step receive(const Config& c, NodeId self, const Node& node, NodeId from, Message message) {
  return Paxos::step(c, self, node, MessageReceived{from, std::move(message)});
}

TEST(PaxosStep, client_request_starts_phase_1_with_a_ballot_owned_by_the_proposer) {
  const Step step = Paxos::step(config, n2, Paxos::init(config, n2), ClientRequest{v1});
  EXPECT_EQ(step.node.volatile_state.ballot, ballot(1, n2));
  EXPECT_EQ(step.node.volatile_state.phase, Phase::preparing);
  // Its own acceptor promises at once (a local call), durably, before anything is sent.
  EXPECT_EQ(step.node.durable.promised_ballot, ballot(1, n2));
  EXPECT_TRUE(std::holds_alternative<Persist>(step.effects[0]));
  EXPECT_TRUE(step.node.volatile_state.promises.contains(n2));
  const auto prepares = sent<Prepare>(step);
  ASSERT_EQ(prepares.size(), 2u);
  EXPECT_EQ(prepares[0].first, n1);
  EXPECT_EQ(prepares[1].first, n3);
  EXPECT_EQ(prepares[0].second.ballot, ballot(1, n2));
}

TEST(PaxosStep, on_prepare_promises_a_higher_ballot_durably_and_reports_the_latest_vote) {
  Node node{};
  node.durable = Durable{ballot(1, n1), ballot(1, n1), v1};
  const Step step = receive(config, n3, node, n2, Prepare{ballot(2, n2)});
  EXPECT_EQ(step.node.durable.promised_ballot, ballot(2, n2));
  ASSERT_EQ(step.effects.size(), 2u);
  EXPECT_TRUE(std::holds_alternative<Persist>(step.effects[0]));
  EXPECT_TRUE(step.persist_precedes_sends());
  const auto promises = sent<Promise>(step);
  ASSERT_EQ(promises.size(), 1u);
  EXPECT_EQ(promises[0].first, n2);
  EXPECT_EQ(promises[0].second, (Promise{ballot(2, n2), ballot(1, n1), v1}));
}

TEST(PaxosStep, on_prepare_ignores_a_ballot_not_above_the_promise) {
  Node node{};
  node.durable.promised_ballot = ballot(2, n3);
  for (const Ballot b : {ballot(2, n3), ballot(2, n1), ballot(1, n3)}) {
    const Step step = receive(config, n1, node, n2, Prepare{b});
    EXPECT_EQ(step.node, node) << to_string(b);
    EXPECT_TRUE(step.effects.empty()) << to_string(b);
  }
}

TEST(PaxosStep, on_promise_with_a_majority_proposes_the_value_of_the_highest_reported_vote) {
  Step step = Paxos::step(config, n1, Paxos::init(config, n1), ClientRequest{v1});
  step = receive(config, n1, step.node, n2, Promise{ballot(1, n1), ballot(0, NodeId{}), Value{}});
  // n1 and n2 promised: a majority of 3, and no vote reported: n1 proposes its client's value.
  auto accepts = sent<Accept>(step);
  ASSERT_EQ(accepts.size(), 2u);
  EXPECT_EQ(accepts[0].second, (Accept{ballot(1, n1), v1}));

  Node proposer = Paxos::step(config, n1, Paxos::init(config, n1), ClientRequest{v1}).node;
  proposer.volatile_state.ballot = ballot(3, n1);
  step = receive(config, n1, proposer, n3, Promise{ballot(3, n1), ballot(2, n2), v2});
  accepts = sent<Accept>(step);
  ASSERT_EQ(accepts.size(), 2u);
  EXPECT_EQ(accepts[0].second.value, v2);  // not the client's v1
}

TEST(PaxosStep, on_promise_ignores_other_ballots_and_repeats) {
  const Node proposer = Paxos::step(config, n1, Paxos::init(config, n1), ClientRequest{v1}).node;
  Step step = receive(config, n1, proposer, n2, Promise{ballot(2, n1), Ballot{}, Value{}});
  EXPECT_EQ(step.node, proposer);
  step = receive(config, n1, proposer, n1, Promise{ballot(1, n1), Ballot{}, Value{}});
  EXPECT_EQ(step.node, proposer);  // n1's own promise is already counted
}

TEST(PaxosStep, on_accept_votes_durably_and_tells_the_ballot_owner) {
  const Step step = receive(config, n3, Node{}, n2, Accept{ballot(1, n2), v2});
  EXPECT_EQ(step.node.durable, (Durable{ballot(1, n2), ballot(1, n2), v2}));
  EXPECT_TRUE(std::holds_alternative<Persist>(step.effects[0]));
  const auto accepted = sent<Accepted>(step);
  ASSERT_EQ(accepted.size(), 1u);
  EXPECT_EQ(accepted[0].first, n2);
}

TEST(PaxosStep, on_accept_rejects_a_ballot_below_the_promise) {
  Node node{};
  node.durable.promised_ballot = ballot(2, n1);
  const Step step = receive(config, n3, node, n2, Accept{ballot(1, n2), v2});
  EXPECT_EQ(step.node, node);
  EXPECT_TRUE(step.effects.empty());
}

TEST(PaxosStep, learner_learns_from_a_majority_of_accepted_at_one_ballot) {
  Node proposer = Paxos::step(config, n1, Paxos::init(config, n1), ClientRequest{v1}).node;
  Step step = receive(config, n1, proposer, n2, Accepted{ballot(1, n1), v1});
  EXPECT_TRUE(step.node.volatile_state.learned.is_none());
  step = receive(config, n1, step.node, n2, Accepted{ballot(1, n1), v1});  // a duplicate counts once
  EXPECT_TRUE(step.node.volatile_state.learned.is_none());
  step = receive(config, n1, step.node, n3, Accepted{ballot(1, n1), v1});
  EXPECT_EQ(step.node.volatile_state.learned, v1);
  bool replied = false;
  for (const auto& effect : step.effects) replied = replied || std::holds_alternative<Reply<Chosen>>(effect);
  EXPECT_TRUE(replied);
}

TEST(PaxosStep, retry_timer_starts_a_higher_round_until_the_bound) {
  const Config two_rounds{3, 2, Bug::none};
  Node node = Paxos::step(two_rounds, n1, Paxos::init(two_rounds, n1), ClientRequest{v1}).node;
  Step step = Paxos::step(two_rounds, n1, node, TimerFired{Timer::retry});
  EXPECT_EQ(step.node.volatile_state.ballot, ballot(2, n1));
  step = Paxos::step(two_rounds, n1, step.node, TimerFired{Timer::retry});
  EXPECT_EQ(step.node.volatile_state.ballot, ballot(2, n1));  // the round bound
  EXPECT_TRUE(step.effects.empty());
}

TEST(PaxosStep, restarted_keeps_durable_and_resets_volatile) {
  Node node = Paxos::step(config, n1, Paxos::init(config, n1), ClientRequest{v1}).node;
  const Step step = Paxos::step(config, n1, node, Restarted{});
  EXPECT_EQ(step.node.durable, node.durable);
  EXPECT_EQ(step.node.volatile_state, Volatile{});
}

TEST(PaxosStep, seeded_bug_promise_not_durable_omits_the_persist) {
  const Config buggy{3, 5, Bug::promise_not_durable};
  const Step step = receive(buggy, n3, Node{}, n2, Prepare{ballot(1, n2)});
  EXPECT_EQ(step.node.durable.promised_ballot, ballot(1, n2));
  EXPECT_FALSE(step.persists());
}

TEST(PaxosStep, seeded_bug_accept_below_promise_votes_anyway) {
  const Config buggy{3, 5, Bug::accept_below_promise};
  Node node{};
  node.durable.promised_ballot = ballot(2, n1);
  const Step step = receive(buggy, n3, node, n2, Accept{ballot(1, n2), v2});
  EXPECT_EQ(step.node.durable.accepted_ballot, ballot(1, n2));
}

}  // namespace
}  // namespace lockstep::paxos
