// The Paxos step function, handler by handler ("Paxos Made Simple", section 2), at both sizes:
// the model the checker explores (8-bit rounds, seeded bugs and a round bound) and the runtime a
// node runs (64-bit rounds, neither), from the same step code. Tests of the seeded bugs and the
// round bound are the model size's alone.
#include <gtest/gtest.h>

#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "tests/support/both_sizes.hpp"
#include "model/core/print.hpp"
#include "model/paxos/paxos.hpp"

namespace lockstep::paxos {
namespace {

constexpr NodeId n1{1}, n2{2}, n3{3};

// What a test needs of PaxosOf<S>: its configuration (3 nodes; at model size 5 rounds and no
// bug) and a client request whose sequence number uses the width of S's Sequence.
template <class S>
struct Kit {
  using P = PaxosOf<S>;
  using Step = lockstep::Step<P>;

  static typename P::Config config() {
    if constexpr (S::checked) {
      return model_config(3, 5);
    } else {
      return typename P::Config{3, default_timing, NoChecks{}};
    }
  }
  static typename P::Ballot ballot(int round, NodeId node) {
    return typename P::Ballot{static_cast<typename P::Round>(round), node};
  }
  // A sequence number at the top of S's range (64 bits at runtime: nothing narrows it).
  static constexpr typename P::Sequence sequence = S::checked ? 200 : static_cast<typename P::Sequence>(1ull << 40) + 7;
  static typename P::ClientRequest request(std::uint32_t client, typename P::Value value) {
    return typename P::ClientRequest{ClientId{client}, sequence, value};
  }
  static Step receive(const typename P::Config& c, NodeId self, const typename P::Node& node, NodeId from,
                      typename P::Message message) {
    return P::step(c, self, node, typename P::MessageReceived{from, std::move(message)});
  }
};

using testing::sent;

using testing::effects_of;
using testing::persists_first_and_exactly;

template <class S>
class PaxosStep : public ::testing::Test {};
TYPED_TEST_SUITE(PaxosStep, testing::BothSizes, testing::SizeName);

// The types of PaxosOf<TypeParam>, inside a typed test.
#define LOCKSTEP_PAXOS_TYPES                                           \
  using K [[maybe_unused]] = Kit<TypeParam>;                           \
  using P [[maybe_unused]] = typename K::P;                            \
  using Step [[maybe_unused]] = typename K::Step;                      \
  using Node [[maybe_unused]] = typename P::Node;                      \
  using Durable [[maybe_unused]] = typename P::Durable;                \
  using Volatile [[maybe_unused]] = typename P::Volatile;              \
  using Value [[maybe_unused]] = typename P::Value;                    \
  using Ballot [[maybe_unused]] = typename P::Ballot;                  \
  using Prepare [[maybe_unused]] = typename P::Prepare;                \
  using Promise [[maybe_unused]] = typename P::Promise;                \
  using Accept [[maybe_unused]] = typename P::Accept;                  \
  using Accepted [[maybe_unused]] = typename P::Accepted;              \
  using Chosen [[maybe_unused]] = typename P::Chosen;                  \
  using TimerFired [[maybe_unused]] = typename P::TimerFired;          \
  using Restarted [[maybe_unused]] = typename P::Restarted;            \
  using ReplyT [[maybe_unused]] = Reply<typename P::Sequence, Chosen>; \
  [[maybe_unused]] const auto config = K::config();                    \
  [[maybe_unused]] const Value v1{1}, v2{2}

TYPED_TEST(PaxosStep, client_request_starts_phase_1_with_a_ballot_owned_by_the_proposer) {
  LOCKSTEP_PAXOS_TYPES;
  const Node before = P::init(config, n2);
  const Step step = P::step(config, n2, before, K::request(1, v1));
  EXPECT_EQ(step.node.volatile_state.ballot, K::ballot(1, n2));
  EXPECT_EQ(step.node.volatile_state.phase, Phase::preparing);
  // Its own acceptor promises at once (a local call), durably, before anything is sent.
  EXPECT_EQ(step.node.durable.promised_ballot, K::ballot(1, n2));
  EXPECT_TRUE(std::holds_alternative<PersistOf<P>>(step.effects[0]));
  EXPECT_TRUE(persists_first_and_exactly(before, step));
  EXPECT_TRUE(step.node.volatile_state.promises.contains(n2));
  const auto prepares = sent<Prepare>(step);
  ASSERT_EQ(prepares.size(), 2u);
  EXPECT_EQ(prepares[0].first, n1);
  EXPECT_EQ(prepares[1].first, n3);
  EXPECT_EQ(prepares[0].second.ballot, K::ballot(1, n2));
  // The proposer remembers whom to answer.
  EXPECT_EQ(step.node.volatile_state.client, ClientId{1});
  EXPECT_EQ(step.node.volatile_state.client_sequence, K::sequence);
}

TYPED_TEST(PaxosStep, the_retry_timer_is_armed_with_a_randomized_delay_within_the_timing) {
  LOCKSTEP_PAXOS_TYPES;
  const Step step = P::step(config, n2, P::init(config, n2), K::request(1, v1));
  const auto timers = effects_of<SetTimer<Timer>>(step);
  ASSERT_EQ(timers.size(), 1u);
  EXPECT_EQ(timers[0].timer, Timer::retry);
  EXPECT_EQ(timers[0].delay, Delay::randomized(config.timing.retry_min_ms, config.timing.retry_max_ms));
  EXPECT_LT(timers[0].delay.min_ms, timers[0].delay.max_ms);
}

TYPED_TEST(PaxosStep, on_prepare_promises_a_higher_ballot_durably_and_reports_the_latest_vote) {
  LOCKSTEP_PAXOS_TYPES;
  Node node{};
  node.durable = Durable{K::ballot(1, n1), K::ballot(1, n1), v1};
  const Step step = K::receive(config, n3, node, n2, Prepare{K::ballot(2, n2)});
  EXPECT_EQ(step.node.durable.promised_ballot, K::ballot(2, n2));
  ASSERT_EQ(step.effects.size(), 2u);
  EXPECT_TRUE(std::holds_alternative<PersistOf<P>>(step.effects[0]));
  EXPECT_TRUE(step.persist_precedes_sends());
  EXPECT_TRUE(persists_first_and_exactly(node, step));
  const auto promises = sent<Promise>(step);
  ASSERT_EQ(promises.size(), 1u);
  EXPECT_EQ(promises[0].first, n2);
  EXPECT_EQ(promises[0].second, (Promise{K::ballot(2, n2), K::ballot(1, n1), v1}));
}

TYPED_TEST(PaxosStep, on_prepare_ignores_a_ballot_not_above_the_promise) {
  LOCKSTEP_PAXOS_TYPES;
  Node node{};
  node.durable.promised_ballot = K::ballot(2, n3);
  for (const Ballot b : {K::ballot(2, n3), K::ballot(2, n1), K::ballot(1, n3)}) {
    const Step step = K::receive(config, n1, node, n2, Prepare{b});
    EXPECT_EQ(step.node, node) << to_string(b);
    EXPECT_TRUE(step.effects.empty()) << to_string(b);
    EXPECT_TRUE(step.is_noop(node)) << to_string(b);
  }
}

TYPED_TEST(PaxosStep, on_promise_with_a_majority_proposes_the_value_of_the_highest_reported_vote) {
  LOCKSTEP_PAXOS_TYPES;
  Step step = P::step(config, n1, P::init(config, n1), K::request(1, v1));
  step = K::receive(config, n1, step.node, n2, Promise{K::ballot(1, n1), K::ballot(0, NodeId{}), Value{}});
  // n1 and n2 promised: a majority of 3, and no vote reported: n1 proposes its client's value.
  auto accepts = sent<Accept>(step);
  ASSERT_EQ(accepts.size(), 2u);
  EXPECT_EQ(accepts[0].second, (Accept{K::ballot(1, n1), v1}));

  Node proposer = P::step(config, n1, P::init(config, n1), K::request(1, v1)).node;
  proposer.volatile_state.ballot = K::ballot(3, n1);
  step = K::receive(config, n1, proposer, n3, Promise{K::ballot(3, n1), K::ballot(2, n2), v2});
  accepts = sent<Accept>(step);
  ASSERT_EQ(accepts.size(), 2u);
  EXPECT_EQ(accepts[0].second.value, v2);  // not the client's v1
}

TYPED_TEST(PaxosStep, on_promise_ignores_other_ballots_and_repeats) {
  LOCKSTEP_PAXOS_TYPES;
  const Node proposer = P::step(config, n1, P::init(config, n1), K::request(1, v1)).node;
  Step step = K::receive(config, n1, proposer, n2, Promise{K::ballot(2, n1), Ballot{}, Value{}});
  EXPECT_EQ(step.node, proposer);
  step = K::receive(config, n1, proposer, n1, Promise{K::ballot(1, n1), Ballot{}, Value{}});
  EXPECT_EQ(step.node, proposer);  // n1's own promise is already counted
  EXPECT_TRUE(step.is_noop(proposer));
}

TYPED_TEST(PaxosStep, on_accept_votes_durably_and_tells_the_ballot_owner) {
  LOCKSTEP_PAXOS_TYPES;
  const Step step = K::receive(config, n3, Node{}, n2, Accept{K::ballot(1, n2), v2});
  EXPECT_EQ(step.node.durable, (Durable{K::ballot(1, n2), K::ballot(1, n2), v2}));
  EXPECT_TRUE(std::holds_alternative<PersistOf<P>>(step.effects[0]));
  EXPECT_TRUE(persists_first_and_exactly(Node{}, step));
  const auto accepted = sent<Accepted>(step);
  ASSERT_EQ(accepted.size(), 1u);
  EXPECT_EQ(accepted[0].first, n2);
}

TYPED_TEST(PaxosStep, on_accept_rejects_a_ballot_below_the_promise) {
  LOCKSTEP_PAXOS_TYPES;
  Node node{};
  node.durable.promised_ballot = K::ballot(2, n1);
  const Step step = K::receive(config, n3, node, n2, Accept{K::ballot(1, n2), v2});
  EXPECT_EQ(step.node, node);
  EXPECT_TRUE(step.effects.empty());
}

TYPED_TEST(PaxosStep, learner_learns_from_a_majority_of_accepted_at_one_ballot) {
  LOCKSTEP_PAXOS_TYPES;
  Node proposer = P::step(config, n1, P::init(config, n1), K::request(1, v1)).node;
  Step step = K::receive(config, n1, proposer, n2, Accepted{K::ballot(1, n1), v1});
  EXPECT_TRUE(step.node.volatile_state.learned.is_none());
  step = K::receive(config, n1, step.node, n2, Accepted{K::ballot(1, n1), v1});  // a duplicate counts once
  EXPECT_TRUE(step.node.volatile_state.learned.is_none());
  step = K::receive(config, n1, step.node, n3, Accepted{K::ballot(1, n1), v1});
  EXPECT_EQ(step.node.volatile_state.learned, v1);
  // The reply names the client whose value this node proposed, and that request's sequence.
  const auto replies = effects_of<ReplyT>(step);
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0], (ReplyT{ClientId{1}, K::sequence, Chosen{v1}}));
  EXPECT_FALSE(step.persists());  // learning is volatile
}

TYPED_TEST(PaxosStep, a_node_that_has_learned_answers_any_client_with_the_chosen_value) {
  LOCKSTEP_PAXOS_TYPES;
  Node learner{};
  learner.volatile_state.learned = v2;
  const auto request = typename P::ClientRequest{ClientId{9}, K::sequence, v1};
  const Step step = P::step(config, n3, learner, request);
  ASSERT_EQ(step.effects.size(), 1u);
  EXPECT_EQ(std::get<ReplyT>(step.effects[0]), (ReplyT{ClientId{9}, K::sequence, Chosen{v2}}));
  EXPECT_EQ(step.node, learner);
}

TYPED_TEST(PaxosStep, retry_timer_starts_a_higher_round) {
  LOCKSTEP_PAXOS_TYPES;
  const Node node = P::step(config, n1, P::init(config, n1), K::request(1, v1)).node;
  const Step step = P::step(config, n1, node, TimerFired{Timer::retry});
  EXPECT_EQ(step.node.volatile_state.ballot, K::ballot(2, n1));
  EXPECT_TRUE(persists_first_and_exactly(node, step));  // its own acceptor promises round 2
  EXPECT_EQ(sent<Prepare>(step).size(), 2u);
  // Without a proposal, the timer means nothing.
  const Node idle = P::init(config, n1);
  EXPECT_TRUE(P::step(config, n1, idle, TimerFired{Timer::retry}).is_noop(idle));
}

TYPED_TEST(PaxosStep, restarted_keeps_durable_and_resets_volatile) {
  LOCKSTEP_PAXOS_TYPES;
  Node node = P::step(config, n1, P::init(config, n1), K::request(1, v1)).node;
  const Step step = P::step(config, n1, node, Restarted{});
  EXPECT_EQ(step.node.durable, node.durable);
  EXPECT_EQ(step.node.volatile_state, Volatile{});
  EXPECT_FALSE(step.persists());
}

// Model size only: the checker's round bound and seeded bugs.
using ModelKit = Kit<ModelSizes>;

TEST(PaxosStepModel, retry_timer_starts_a_higher_round_until_the_bound) {
  const Config two_rounds = model_config(3, 2);
  Node node = Paxos::step(two_rounds, n1, Paxos::init(two_rounds, n1), request_for(1)).node;
  Step step = Paxos::step(two_rounds, n1, node, TimerFired{Timer::retry});
  EXPECT_EQ(step.node.volatile_state.ballot, ModelKit::ballot(2, n1));
  step = Paxos::step(two_rounds, n1, step.node, TimerFired{Timer::retry});
  EXPECT_EQ(step.node.volatile_state.ballot, ModelKit::ballot(2, n1));  // the round bound
  EXPECT_TRUE(step.effects.empty());
}

TEST(PaxosStepModel, seeded_bug_promise_not_durable_omits_the_persist) {
  const Config buggy = model_config(3, 5, Bug::promise_not_durable);
  const Step step = ModelKit::receive(buggy, n3, Node{}, n2, Prepare{ModelKit::ballot(1, n2)});
  EXPECT_EQ(step.node.durable.promised_ballot, ModelKit::ballot(1, n2));
  EXPECT_FALSE(step.persists());
}

TEST(PaxosStepModel, seeded_bug_accept_below_promise_votes_anyway) {
  const Config buggy = model_config(3, 5, Bug::accept_below_promise);
  Node node{};
  node.durable.promised_ballot = ModelKit::ballot(2, n1);
  const Step step = ModelKit::receive(buggy, n3, node, n2, Accept{ModelKit::ballot(1, n2), Value{2}});
  EXPECT_EQ(step.node.durable.accepted_ballot, ModelKit::ballot(1, n2));
}

TEST(PaxosStepModel, seeded_bug_ignore_accepted_value_proposes_the_clients_value) {
  const Config buggy = model_config(3, 5, Bug::ignore_accepted_value);
  Node proposer = Paxos::step(buggy, n1, Paxos::init(buggy, n1), request_for(1)).node;
  const Step step = ModelKit::receive(buggy, n1, proposer, n3, Promise{ModelKit::ballot(1, n1), ModelKit::ballot(1, n2), Value{2}});
  const auto accepts = sent<Accept>(step);
  ASSERT_EQ(accepts.size(), 2u);
  EXPECT_EQ(accepts[0].second.value, Value{1});  // the reported vote for v2 is ignored
}

// Runtime size: no seeded bug can be named, no bound stops it, and its numbers are 64-bit.
TEST(PaxosStepRuntime, has_no_seeded_bug_no_round_bound_and_64_bit_rounds) {
  using P = PaxosOf<RuntimeSizes>;
  static_assert(std::is_same_v<P::Checks, NoChecks>);
  static_assert(std::is_empty_v<P::Checks>);
  static_assert(std::is_same_v<P::Round, std::uint64_t> && std::is_same_v<P::Sequence, std::uint64_t>);
  static_assert(std::is_same_v<Paxos::Checks, ModelChecks>);
  const P::Config config{3, default_timing, NoChecks{}};

  // Retrying far beyond any model bound (and beyond 8 bits): every retry starts a higher round.
  P::Node node = P::step(config, n1, P::init(config, n1), P::ClientRequest{ClientId{1}, 1, P::Value{1}}).node;
  for (int retry = 0; retry < 300; ++retry) {
    const auto step = P::step(config, n1, node, P::TimerFired{Timer::retry});
    ASSERT_TRUE(step.persist_precedes_sends());
    ASSERT_EQ(step.node.volatile_state.ballot.round, node.volatile_state.ballot.round + 1) << retry;
    node = step.node;
  }
  EXPECT_EQ(node.volatile_state.ballot, (P::Ballot{301, n1}));
  EXPECT_EQ(node.durable.promised_ballot, (P::Ballot{301, n1}));

  // A promise far above 8 bits is honoured, and the next round goes above it.
  const std::uint64_t high = (1ull << 40) + 3;
  const auto promised = P::step(config, n1, node, P::MessageReceived{n2, P::Prepare{P::Ballot{high, n2}}});
  EXPECT_EQ(promised.node.durable.promised_ballot, (P::Ballot{high, n2}));
  const auto retried = P::step(config, n1, promised.node, P::TimerFired{Timer::retry});
  EXPECT_EQ(retried.node.volatile_state.ballot, (P::Ballot{high + 1, n1}));

  // What would be a seeded bug at model size is the correct protocol here: an Accept below the
  // promise is refused, and a promise is always persisted.
  P::Node acceptor{};
  acceptor.durable.promised_ballot = P::Ballot{2, n1};
  EXPECT_TRUE(P::step(config, n3, acceptor, P::MessageReceived{n2, P::Accept{P::Ballot{1, n2}, P::Value{2}}}).is_noop(acceptor));
  EXPECT_TRUE(P::step(config, n3, P::Node{}, P::MessageReceived{n2, P::Prepare{P::Ballot{1, n2}}}).persists());
}

}  // namespace
}  // namespace lockstep::paxos
