// The Multi-Paxos step function, rule by rule, at both sizes: the model the checker explores
// (8-bit slots and rounds, inline vote lists, seeded bugs and bounds) and the runtime a node runs
// (64-bit, heap vectors, neither), from the same step code. Tests of the seeded bugs are the
// model size's alone.
#include <gtest/gtest.h>

#include <variant>
#include <vector>

#include "model/core/print.hpp"
#include "model/multipaxos/multipaxos.hpp"
#include "model/sm/register.hpp"
#include "tests/support/both_sizes.hpp"

namespace lockstep::multipaxos {
namespace {
using sm::Register;
using testing::effects_of;
using testing::persists_first_and_exactly;
using testing::sent;

constexpr NodeId n1{1}, n2{2}, n3{3};

template <class S>
struct Kit {
  using M = MultiPaxos<Register, S>;
  using Step = lockstep::Step<M>;
  using Index = typename M::Index;
  using Ballot = typename M::Ballot;
  using Entry = typename M::Entry;
  using Vote = typename M::Vote;
  using Node = typename M::Node;
  using Config = typename M::Config;

  static Config config(Index snapshot_every = 0) {
    if constexpr (S::checked) {
      return model_config<Register>(3, 9, 8, Bug::none, snapshot_every, {}, true);  // check-quorum, as a node
    } else {
      return Config{3, default_timing, NoChecks{}, snapshot_every, {}};
    }
  }
  static Entry entry(std::uint8_t value) { return Entry{ClientId{value}, 1, Register::Command{value}, false}; }
  static Entry noop() { return Entry{ClientId{}, {}, {}, true}; }
  static typename M::Votes votes(std::vector<Vote> list) {
    typename M::Votes out{};
    for (const auto& v : list) out.push_back(v);
    return out;
  }
  static typename M::Entries entries(std::vector<Entry> list) {
    typename M::Entries out{};
    for (const auto& e : list) out.push_back(e);
    return out;
  }
  static Step receive(const Config& c, NodeId self, const Node& node, NodeId from, typename M::Message message) {
    return M::step(c, self, node, typename M::MessageReceived{from, std::move(message)});
  }
  // `self` preparing: its election timer fired (it probed a ballot above every one it has seen)
  // and `granted` said they would promise it (with itself, a majority).
  static Node candidate(const Config& c, Node node, NodeId self = n1, std::vector<NodeId> granted = {n2}) {
    node = M::step(c, self, node, typename M::TimerFired{Timer::election}).node;
    for (const NodeId from : granted) {
      node = receive(c, self, node, from, typename M::ProbeGranted{node.volatile_state.ballot}).node;
    }
    return node;
  }
  // n1 leading ballot (1, n1) with promises from itself and n2 (reporting `reported` votes), over
  // `node` (applied state and all).
  static Node leader(const Config& c, Node node, typename M::Votes reported = {}) {
    node = candidate(c, node);
    return receive(c, n1, node, n2, typename M::Promise{node.volatile_state.ballot, {}, reported, {}, {}}).node;
  }
};

template <class S>
class MultiPaxosStep : public ::testing::Test {};
TYPED_TEST_SUITE(MultiPaxosStep, testing::BothSizes, testing::SizeName);

#define LOCKSTEP_MULTIPAXOS_TYPES                                        \
  using K [[maybe_unused]] = Kit<TypeParam>;                             \
  using M [[maybe_unused]] = typename K::M;                              \
  using Step [[maybe_unused]] = typename K::Step;                        \
  using Ballot [[maybe_unused]] = typename K::Ballot;                    \
  using Vote [[maybe_unused]] = typename K::Vote;                        \
  using Node [[maybe_unused]] = typename K::Node;                        \
  using Prepare [[maybe_unused]] = typename M::Prepare;                  \
  using Promise [[maybe_unused]] = typename M::Promise;                  \
  using Accept [[maybe_unused]] = typename M::Accept;                    \
  using Accepted [[maybe_unused]] = typename M::Accepted;                \
  using Decided [[maybe_unused]] = typename M::Decided;                  \
  using InstallSnapshot [[maybe_unused]] = typename M::InstallSnapshot;  \
  using Learned [[maybe_unused]] = typename M::Learned;                  \
  using Snapshot [[maybe_unused]] = typename M::Snapshot;                \
  using AppliedT [[maybe_unused]] = Applied<typename M::AppliedSlot>;    \
  using ReplyT [[maybe_unused]] = Reply<typename M::Sequence, typename M::Committed>; \
  [[maybe_unused]] const auto config = K::config()

// Pre-vote: the election timer probes a ballot, promising nothing; with a majority of grants the
// node prepares it.
TYPED_TEST(MultiPaxosStep, election_timer_probes_then_prepares_every_slot_from_the_first_unapplied_one_durably) {
  LOCKSTEP_MULTIPAXOS_TYPES;
  Node idle{};
  idle.volatile_state.applied = 2;
  idle.durable.promised_ballot = Ballot{3, n2};
  const Step probe = M::step(config, n1, idle, typename M::TimerFired{Timer::election});
  EXPECT_EQ(probe.node.volatile_state.phase, Phase::probing);
  EXPECT_EQ(probe.node.volatile_state.ballot, (Ballot{4, n1}));
  EXPECT_EQ(probe.node.durable, idle.durable);  // nothing promised
  EXPECT_TRUE(effects_of<PersistOf<M>>(probe).empty());
  EXPECT_EQ(sent<typename M::Probe>(probe).size(), 2u);
  EXPECT_TRUE(sent<Prepare>(probe).empty());
  const Node before = probe.node;
  // A grant for another ballot, or a second grant from one node, is not counted.
  EXPECT_TRUE(K::receive(config, n1, before, n2, typename M::ProbeGranted{Ballot{3, n1}}).is_noop(before));
  const Step step = K::receive(config, n1, before, n2, typename M::ProbeGranted{Ballot{4, n1}});
  EXPECT_EQ(step.node.volatile_state.phase, Phase::preparing);
  EXPECT_EQ(step.node.volatile_state.ballot, (Ballot{4, n1}));  // above every ballot seen
  EXPECT_EQ(step.node.durable.promised_ballot, (Ballot{4, n1}));  // its own acceptor promised
  EXPECT_TRUE(persists_first_and_exactly(before, step));
  const auto prepares = sent<Prepare>(step);
  ASSERT_EQ(prepares.size(), 2u);
  EXPECT_EQ(prepares[0].second, (Prepare{Ballot{4, n1}, 3}));
}

TYPED_TEST(MultiPaxosStep, an_acceptor_promises_a_higher_ballot_reporting_its_votes_from_the_first_slot) {
  LOCKSTEP_MULTIPAXOS_TYPES;
  Node acceptor{};
  acceptor.durable.promised_ballot = Ballot{1, n3};
  acceptor.durable.votes = K::votes({Vote{1, Ballot{1, n3}, K::entry(1)}, Vote{2, Ballot{1, n3}, K::entry(2)}});
  const Step step = K::receive(config, n2, acceptor, n1, Prepare{Ballot{2, n1}, 2});
  EXPECT_TRUE(persists_first_and_exactly(acceptor, step));
  const auto promises = sent<Promise>(step);
  ASSERT_EQ(promises.size(), 1u);
  EXPECT_EQ(promises[0].first, n1);
  EXPECT_EQ(promises[0].second.votes, K::votes({Vote{2, Ballot{1, n3}, K::entry(2)}}));
  EXPECT_EQ(promises[0].second.snapshot.slot, 0u);
  // A ballot not above the promise is ignored.
  EXPECT_TRUE(K::receive(config, n2, step.node, n3, Prepare{Ballot{2, n1}, 1}).is_noop(step.node));
  EXPECT_TRUE(K::receive(config, n2, step.node, n3, Prepare{Ballot{1, n3}, 1}).is_noop(step.node));
}

TYPED_TEST(MultiPaxosStep, a_new_leader_recovers_the_highest_vote_per_slot_and_fills_gaps_with_noops) {
  LOCKSTEP_MULTIPAXOS_TYPES;
  Node other{};
  other.durable.promised_ballot = Ballot{1, n3};
  other = K::candidate(config, other);
  const Ballot ballot = other.volatile_state.ballot;
  ASSERT_EQ(ballot, (Ballot{2, n1}));
  // n2 voted e1 in slot 1 and e3 in slot 3, nothing in slot 2: with n1, a majority.
  const Step step = K::receive(config, n1, other, n2,
                               Promise{ballot, {}, K::votes({Vote{1, Ballot{1, n2}, K::entry(1)},
                                                             Vote{3, Ballot{1, n3}, K::entry(3)}}),
                                       {},
                                       {}});
  EXPECT_EQ(step.node.volatile_state.phase, Phase::leading);
  EXPECT_EQ(step.node.volatile_state.next_slot, 4u);
  std::vector<Accept> to_n3;
  for (const auto& [to, accept] : sent<Accept>(step)) {
    if (to == n3) to_n3.push_back(accept);
  }
  ASSERT_EQ(to_n3.size(), 3u);
  EXPECT_EQ(to_n3[0], (Accept{ballot, 1, K::entry(1)}));
  EXPECT_EQ(to_n3[1], (Accept{ballot, 2, K::noop()}));
  EXPECT_EQ(to_n3[2], (Accept{ballot, 3, K::entry(3)}));
  // Its own acceptor voted for each, durably, in the same step.
  EXPECT_TRUE(persists_first_and_exactly(other, step));
  EXPECT_EQ(step.node.durable.votes.size(), 3u);
}

TYPED_TEST(MultiPaxosStep, the_highest_ballot_vote_wins_whatever_the_order_of_the_promises) {
  LOCKSTEP_MULTIPAXOS_TYPES;
  const typename M::Config five{5, default_timing, config.checks, 0, {}};
  Node node{};
  node.durable.promised_ballot = Ballot{2, n3};
  node = K::candidate(five, node, n1, {n2, n3});
  const Ballot ballot = node.volatile_state.ballot;
  node = K::receive(five, n1, node, n2, Promise{ballot, {}, K::votes({Vote{1, Ballot{2, n3}, K::entry(2)}}), {}, {}}).node;
  const Step step = K::receive(five, n1, node, n3, Promise{ballot, {}, K::votes({Vote{1, Ballot{1, n3}, K::entry(1)}}), {}, {}});
  EXPECT_EQ(step.node.volatile_state.phase, Phase::leading);
  EXPECT_EQ(sent<Accept>(step)[0].second, (Accept{ballot, 1, K::entry(2)}));
}

TYPED_TEST(MultiPaxosStep, an_acceptor_votes_durably_at_or_above_its_promise_and_tells_the_leader) {
  LOCKSTEP_MULTIPAXOS_TYPES;
  Node acceptor{};
  acceptor.durable.promised_ballot = Ballot{2, n1};
  EXPECT_TRUE(K::receive(config, n2, acceptor, n3, Accept{Ballot{1, n3}, 1, K::entry(1)}).is_noop(acceptor));
  const Step step = K::receive(config, n2, acceptor, n3, Accept{Ballot{2, n3}, 1, K::entry(1)});
  EXPECT_TRUE(persists_first_and_exactly(acceptor, step));
  EXPECT_EQ(step.node.durable.promised_ballot, (Ballot{2, n3}));
  EXPECT_EQ(step.node.durable.votes, K::votes({Vote{1, Ballot{2, n3}, K::entry(1)}}));
  const auto accepted = sent<Accepted>(step);
  ASSERT_EQ(accepted.size(), 1u);
  EXPECT_EQ(accepted[0], std::make_pair(n3, Accepted{Ballot{2, n3}, 1}));
}

TYPED_TEST(MultiPaxosStep, a_majority_of_accepted_chooses_the_slot_and_the_leader_applies_and_answers) {
  LOCKSTEP_MULTIPAXOS_TYPES;
  Node leader = K::leader(config, Node{});
  ASSERT_EQ(leader.volatile_state.phase, Phase::leading);
  const typename M::ClientRequest request{ClientId{7}, 3, Register::Command{7}};
  leader = M::step(config, n1, leader, request).node;
  EXPECT_EQ(leader.volatile_state.applied, 0u);  // only its own vote so far
  const Step step = K::receive(config, n1, leader, n2, Accepted{leader.volatile_state.ballot, 1});
  EXPECT_EQ(step.node.volatile_state.applied, 1u);
  EXPECT_EQ(step.node.volatile_state.machine.value, 7);
  EXPECT_EQ(effects_of<ReplyT>(step), (std::vector<ReplyT>{{ClientId{7}, 3, {1, {7}}}}));
  EXPECT_EQ(effects_of<AppliedT>(step),
            (std::vector<AppliedT>{{{1, ClientId{7}, 3, Register::Command{7}, true, false}}}));
  // A non-leader redirects the client instead.
  const auto redirect = M::step(config, n2, Node{}, request);
  EXPECT_EQ(effects_of<Redirect<typename M::Sequence>>(redirect).size(), 1u);
}

// A lost Accept or Accepted must not keep a slot open for ever: the heartbeat resends the Accept
// of every open slot to each replica that has not voted for it, and an acceptor that voted for
// it already answers again (without writing anything).
TYPED_TEST(MultiPaxosStep, the_heartbeat_resends_open_slots_and_a_voter_answers_again) {
  LOCKSTEP_MULTIPAXOS_TYPES;
  Node leader = K::leader(config, Node{});
  const Ballot ballot = leader.volatile_state.ballot;
  leader = M::step(config, n1, leader, typename M::ClientRequest{ClientId{7}, 1, Register::Command{7}}).node;
  leader = M::step(config, n1, leader, typename M::ClientRequest{ClientId{8}, 1, Register::Command{8}}).node;
  leader = K::receive(config, n1, leader, n3, Accepted{ballot, 2}).node;  // n3 voted for slot 2 only
  ASSERT_EQ(leader.volatile_state.applied, 0u);
  const Step beat = M::step(config, n1, leader, typename M::TimerFired{Timer::heartbeat});
  EXPECT_EQ(sent<Accept>(beat), (std::vector<std::pair<NodeId, Accept>>{{n2, Accept{ballot, 1, K::entry(7)}},
                                                                       {n2, Accept{ballot, 2, K::entry(8)}},
                                                                       {n3, Accept{ballot, 1, K::entry(7)}}}));
  EXPECT_EQ(sent<Decided>(beat).size(), 2u);

  Node acceptor = K::receive(config, n2, Node{}, n1, Accept{ballot, 1, K::entry(1)}).node;
  const Step again = K::receive(config, n2, acceptor, n1, Accept{ballot, 1, K::entry(1)});
  EXPECT_EQ(again.node, acceptor);
  EXPECT_TRUE(effects_of<PersistOf<M>>(again).empty());
  EXPECT_EQ(sent<Accepted>(again), (std::vector<std::pair<NodeId, Accepted>>{{n1, Accepted{ballot, 1}}}));
}

TYPED_TEST(MultiPaxosStep, replicas_learn_chosen_slots_in_order_and_acknowledge) {
  LOCKSTEP_MULTIPAXOS_TYPES;
  const Ballot ballot{1, n1};
  Step step = K::receive(config, n2, Node{}, n1, Decided{ballot, 1, K::entries({K::entry(4), K::noop()})});
  EXPECT_EQ(step.node.volatile_state.applied, 2u);
  EXPECT_EQ(step.node.volatile_state.machine.value, 4);
  EXPECT_EQ(effects_of<AppliedT>(step).size(), 2u);
  EXPECT_TRUE(effects_of<ReplyT>(step).empty());  // only the leader answers clients
  EXPECT_EQ(sent<Learned>(step), (std::vector<std::pair<NodeId, Learned>>{{n1, Learned{ballot, 2}}}));
  // A gap: it says where it is, so the leader resends from there.
  step = K::receive(config, n3, Node{}, n1, Decided{ballot, 2, K::entries({K::noop()})});
  EXPECT_EQ(step.node.volatile_state.applied, 0u);
  EXPECT_EQ(sent<Learned>(step), (std::vector<std::pair<NodeId, Learned>>{{n1, Learned{ballot, 0}}}));
}

// Check-quorum: every replica answers each heartbeat of its leader (Learned, even with nothing
// new), and the leader's election timer is its check period: unless a majority (itself counted)
// answered since the last check, it steps down, and probes again later as any replica.
TYPED_TEST(MultiPaxosStep, every_heartbeat_is_answered_and_a_leader_unanswered_by_a_majority_steps_down) {
  LOCKSTEP_MULTIPAXOS_TYPES;
  using TimerSet = SetTimer<Timer>;
  const Node leader = K::leader(config, Node{});
  const Ballot ballot = leader.volatile_state.ballot;
  const Step heartbeat = K::receive(config, n2, Node{}, n1, Decided{ballot, 1, {}});
  EXPECT_EQ(sent<Learned>(heartbeat), (std::vector<std::pair<NodeId, Learned>>{{n1, Learned{ballot, 0}}}));

  const Step unanswered = M::step(config, n1, leader, typename M::TimerFired{Timer::election});
  EXPECT_EQ(unanswered.node.volatile_state.phase, Phase::idle);
  EXPECT_TRUE(unanswered.node.volatile_state.leader_hint.get().is_none());
  EXPECT_EQ(effects_of<TimerSet>(unanswered),
            (std::vector<TimerSet>{{Timer::election,
                                    Delay::randomized(config.timing.election_min_ms, config.timing.election_max_ms)}}));
  EXPECT_EQ(unanswered.node.durable, leader.durable);
  EXPECT_FALSE(unanswered.persists());

  const Node answered = K::receive(config, n1, leader, n2, Learned{ballot, 0}).node;
  EXPECT_TRUE(answered.volatile_state.answered.contains(n2));
  const Step checked = M::step(config, n1, answered, typename M::TimerFired{Timer::election});
  EXPECT_EQ(checked.node.volatile_state.phase, Phase::leading);
  EXPECT_TRUE(checked.node.volatile_state.answered.empty());
  EXPECT_EQ(effects_of<TimerSet>(checked),
            (std::vector<TimerSet>{{Timer::election, Delay::fixed(config.timing.election_max_ms)}}));
  EXPECT_EQ(M::step(config, n1, checked.node, typename M::TimerFired{Timer::election}).node.volatile_state.phase,
            Phase::idle);
  // An answer to another ballot's leader is no answer to this one.
  const Node stale = K::receive(config, n1, leader, n2, Learned{Ballot{ballot.round, n3}, 0}).node;
  EXPECT_TRUE(stale.volatile_state.answered.empty());
  // A vote in its ballot answers it too (a leader recovering many slots hears those first), even
  // one it counted already; its own acceptor's vote does not.
  const Node proposed = M::step(config, n1, leader, typename M::ClientRequest{ClientId{7}, 1, Register::Command{7}}).node;
  EXPECT_TRUE(proposed.volatile_state.answered.empty());
  EXPECT_FALSE(M::obsolete(config, proposed, n3, Accepted{ballot, 1}));
  const Node voted = K::receive(config, n1, proposed, n3, Accepted{ballot, 1}).node;
  EXPECT_TRUE(voted.volatile_state.answered.contains(n3));
  EXPECT_EQ(voted.volatile_state.answered.size(), 1);
  EXPECT_TRUE(M::obsolete(config, voted, n3, Accepted{ballot, 1}));
  EXPECT_EQ(M::step(config, n1, voted, typename M::TimerFired{Timer::election}).node.volatile_state.phase, Phase::leading);
}

TYPED_TEST(MultiPaxosStep, a_leader_preempted_by_a_higher_ballot_steps_down) {
  LOCKSTEP_MULTIPAXOS_TYPES;
  const Node leader = K::leader(config, Node{});
  // While it leads it promises no other node's ballot (the lease)...
  EXPECT_TRUE(K::receive(config, n1, leader, n3, Prepare{Ballot{5, n3}, 1}).is_noop(leader));
  // ...but a higher ballot that a majority promised without it preempts it.
  const Step step = K::receive(config, n1, leader, n3, Accept{Ballot{5, n3}, 1, K::entry(2)});
  EXPECT_EQ(step.node.volatile_state.phase, Phase::idle);
  EXPECT_TRUE(step.node.volatile_state.proposals.empty());
  EXPECT_EQ(sent<Accepted>(step).size(), 1u);
  // So does a higher ballot's leader.
  const Step heard = K::receive(config, n1, leader, n3, Decided{Ballot{5, n3}, 1, {}});
  EXPECT_EQ(heard.node.volatile_state.phase, Phase::idle);
  EXPECT_EQ(heard.node.volatile_state.lease, (Ballot{5, n3}));
}

TYPED_TEST(MultiPaxosStep, a_replica_whose_lease_runs_promises_only_its_leaders_ballots) {
  LOCKSTEP_MULTIPAXOS_TYPES;
  const Ballot ballot{1, n1};
  const Step heard = K::receive(config, n2, Node{}, n1, Decided{ballot, 1, {}});
  const Node follower = heard.node;
  EXPECT_EQ(follower.volatile_state.lease, ballot);
  EXPECT_EQ(effects_of<SetTimer<Timer>>(heard).size(), 2u);  // the lease and the election timer
  EXPECT_TRUE(K::receive(config, n2, follower, n3, Prepare{Ballot{5, n3}, 1}).is_noop(follower));
  // Its own leader's Prepare (after a Preempted) is promised; it renews nothing (a former leader
  // that kept preparing would keep its followers' leases alive for ever).
  const Step again = K::receive(config, n2, follower, n1, Prepare{Ballot{2, n1}, 1});
  EXPECT_EQ(sent<Promise>(again).size(), 1u);
  EXPECT_TRUE(effects_of<SetTimer<Timer>>(again).empty());
  // Pre-vote: it grants no probe while the lease runs, and any ballot above its promise after.
  using Probe = typename M::Probe;
  using ProbeGranted = typename M::ProbeGranted;
  EXPECT_TRUE(K::receive(config, n2, follower, n3, Probe{Ballot{5, n3}}).is_noop(follower));
  // Once the lease runs out (or the election timer fires) any higher ballot is promised.
  const Step expired = M::step(config, n2, follower, typename M::TimerFired{Timer::lease});
  EXPECT_EQ(expired.node.volatile_state.lease, Ballot{});
  EXPECT_EQ(sent<Promise>(K::receive(config, n2, expired.node, n3, Prepare{Ballot{5, n3}, 1})).size(), 1u);
  const Step granted = K::receive(config, n2, expired.node, n3, Probe{Ballot{5, n3}});
  EXPECT_EQ(sent<ProbeGranted>(granted), (std::vector<std::pair<NodeId, ProbeGranted>>{{n3, {Ballot{5, n3}}}}));
  EXPECT_EQ(granted.node, expired.node);  // a grant promises nothing
  // Nor, lease or not, a ballot not above its promise.
  const Node promised = M::step(config, n2, again.node, typename M::TimerFired{Timer::lease}).node;
  ASSERT_EQ(promised.durable.promised_ballot, (Ballot{2, n1}));
  EXPECT_TRUE(K::receive(config, n2, promised, n3, Probe{Ballot{1, n3}}).is_noop(promised));
  // While it runs, a leader of a lower ballot (a stale one, healed) is ignored.
  const Step newer = K::receive(config, n2, follower, n3, Decided{Ballot{3, n3}, 1, {}});
  EXPECT_EQ(newer.node.volatile_state.lease, (Ballot{3, n3}));
  EXPECT_TRUE(K::receive(config, n2, newer.node, n1, Decided{ballot, 1, {}}).is_noop(newer.node));
}

TYPED_TEST(MultiPaxosStep, a_node_that_lost_touch_follows_the_leader_it_hears_and_reports_its_higher_promise) {
  LOCKSTEP_MULTIPAXOS_TYPES;
  const Ballot ballot{1, n1};
  Node cut{};
  cut.durable.promised_ballot = Ballot{4, n2};
  cut = K::candidate(config, cut, n3, {n2});  // prepares (5, n3)
  ASSERT_EQ(cut.volatile_state.phase, Phase::preparing);
  const Step step = K::receive(config, n3, cut, n1, Decided{ballot, 1, K::entries({K::entry(4)})});
  EXPECT_EQ(step.node.volatile_state.phase, Phase::idle);
  EXPECT_EQ(step.node.volatile_state.applied, 1u);
  EXPECT_EQ(step.node.volatile_state.lease, ballot);
  EXPECT_EQ(sent<typename M::Preempted>(step),
            (std::vector<std::pair<NodeId, typename M::Preempted>>{{n1, {ballot, Ballot{5, n3}}}}));
  // A replica whose promise is not above the leader's ballot says nothing of it.
  EXPECT_TRUE(sent<typename M::Preempted>(K::receive(config, n2, Node{}, n1, Decided{ballot, 1, {}})).empty());
}

// A leader told of a higher promise adopts it and steps down, preparing nothing: preparing again
// at once duels with a live leader of that ballot. Its next probe goes above the promise.
TYPED_TEST(MultiPaxosStep, a_leader_told_of_a_higher_promise_adopts_it_and_steps_down) {
  LOCKSTEP_MULTIPAXOS_TYPES;
  using TimerSet = SetTimer<Timer>;
  const Node leader = K::leader(config, Node{});
  const Ballot ballot = leader.volatile_state.ballot;
  using Preempted = typename M::Preempted;
  EXPECT_TRUE(K::receive(config, n1, leader, n3, Preempted{Ballot{0, n1}, Ballot{5, n3}}).is_noop(leader));
  EXPECT_TRUE(K::receive(config, n1, leader, n3, Preempted{ballot, ballot}).is_noop(leader));
  const Step step = K::receive(config, n1, leader, n3, Preempted{ballot, Ballot{5, n3}});
  EXPECT_EQ(step.node.volatile_state.phase, Phase::idle);
  EXPECT_TRUE(step.node.volatile_state.leader_hint.get().is_none());
  EXPECT_EQ(step.node.durable.promised_ballot, (Ballot{5, n3}));
  EXPECT_TRUE(persists_first_and_exactly(leader, step));
  EXPECT_TRUE(sent<Prepare>(step).empty());
  EXPECT_EQ(effects_of<TimerSet>(step),
            (std::vector<TimerSet>{{Timer::election,
                                    Delay::randomized(config.timing.election_min_ms, config.timing.election_max_ms)}}));
  EXPECT_TRUE(M::obsolete(config, step.node, n3, Preempted{ballot, Ballot{5, n3}}));
  EXPECT_FALSE(M::obsolete(config, leader, n3, Preempted{ballot, Ballot{5, n3}}));
  // Its election timer probes above the promise it adopted.
  const Step probe = M::step(config, n1, step.node, typename M::TimerFired{Timer::election});
  EXPECT_EQ(probe.node.volatile_state.ballot, (Ballot{6, n1}));
  EXPECT_EQ(sent<typename M::Probe>(probe).size(), 2u);
}

// "Paxos Made Simple" 3: a new leader recovers only the slots it does not know chosen. An
// acceptor's promise reports what its replica applied from the prepared slot on; the candidate
// applies those and re-proposes only the votes after them.
TYPED_TEST(MultiPaxosStep, a_promise_reports_the_slots_applied_from_the_first_one_asked) {
  LOCKSTEP_MULTIPAXOS_TYPES;
  Node replica = K::receive(config, n2, Node{}, n3, Decided{Ballot{1, n3}, 1, K::entries({K::entry(1), K::entry(2), K::entry(3)})}).node;
  ASSERT_EQ(replica.volatile_state.applied, 3u);
  const auto promises = sent<Promise>(K::receive(config, n2, replica, n3, Prepare{Ballot{2, n3}, 2}));
  ASSERT_EQ(promises.size(), 1u);
  EXPECT_EQ(promises[0].second.chosen_from, 2u);
  EXPECT_EQ(promises[0].second.chosen, K::entries({K::entry(2), K::entry(3)}));
  // Nothing applied from the first slot asked: nothing reported, and no first slot named.
  const auto none = sent<Promise>(K::receive(config, n2, replica, n3, Prepare{Ballot{2, n3}, 4}));
  ASSERT_EQ(none.size(), 1u);
  EXPECT_EQ(none[0].second.chosen_from, 0u);
  EXPECT_TRUE(none[0].second.chosen.empty());
}

TYPED_TEST(MultiPaxosStep, a_candidate_applies_the_slots_a_promise_reports_chosen_and_recovers_only_the_rest) {
  LOCKSTEP_MULTIPAXOS_TYPES;
  Node candidate = K::candidate(config, Node{});
  const Ballot ballot = candidate.volatile_state.ballot;
  // n2 applied slots 1 and 2, and voted in slot 2 (chosen) and slot 3 (not known chosen).
  const Step step = K::receive(config, n1, candidate, n2,
                               Promise{ballot, {}, K::votes({Vote{2, Ballot{1, n2}, K::entry(2)}, Vote{3, Ballot{1, n2}, K::entry(3)}}),
                                       1, K::entries({K::entry(1), K::entry(2)})});
  EXPECT_EQ(step.node.volatile_state.phase, Phase::leading);
  EXPECT_EQ(step.node.volatile_state.applied, 2u);
  EXPECT_EQ(step.node.volatile_state.machine.value, 2);
  EXPECT_EQ(effects_of<AppliedT>(step).size(), 2u);
  EXPECT_TRUE(effects_of<ReplyT>(step).empty());  // not its clients' answers to give
  std::vector<Accept> to_n3;
  for (const auto& [to, accept] : sent<Accept>(step)) {
    if (to == n3) to_n3.push_back(accept);
  }
  EXPECT_EQ(to_n3, (std::vector<Accept>{Accept{ballot, 3, K::entry(3)}}));
  EXPECT_EQ(step.node.volatile_state.next_slot, 4u);
  // Chosen slots after a gap are of no use to it (it applies in order).
  const Step gap = K::receive(config, n1, candidate, n2, Promise{ballot, {}, {}, 2, K::entries({K::entry(2)})});
  EXPECT_EQ(gap.node.volatile_state.applied, 0u);
}

TYPED_TEST(MultiPaxosStep, snapshots_every_n_slots_drop_the_votes_they_cover_durably) {
  LOCKSTEP_MULTIPAXOS_TYPES;
  const auto every = K::config(2);
  Node replica{};
  replica.durable.votes = K::votes({Vote{1, Ballot{1, n1}, K::entry(1)}, Vote{3, Ballot{1, n1}, K::entry(3)}});
  const Step step = K::receive(every, n2, replica, n1, Decided{Ballot{1, n1}, 1, K::entries({K::entry(1), K::entry(2)})});
  EXPECT_EQ(step.node.durable.snapshot, (Snapshot{2, {2, 2}}));
  EXPECT_EQ(step.node.durable.votes, K::votes({Vote{3, Ballot{1, n1}, K::entry(3)}}));
  EXPECT_TRUE(step.node.volatile_state.learned.empty());
  EXPECT_TRUE(persists_first_and_exactly(replica, step));
  // A restart rebuilds the machine from the snapshot.
  const Step restarted = M::step(every, n2, step.node, typename M::Restarted{});
  EXPECT_EQ(restarted.node.volatile_state.applied, 2u);
  EXPECT_EQ(restarted.node.volatile_state.machine, (typename M::Machine{2, 2}));
}

TYPED_TEST(MultiPaxosStep, a_replica_installs_a_newer_snapshot_only) {
  LOCKSTEP_MULTIPAXOS_TYPES;
  Node replica{};
  replica.volatile_state.applied = 1;
  replica.volatile_state.learned = K::entries({K::entry(1)});
  replica.durable.votes = K::votes({Vote{1, Ballot{1, n1}, K::entry(1)}, Vote{6, Ballot{1, n1}, K::entry(6)}});
  const Snapshot snapshot{5, {9, 5}};
  const Step step = K::receive(config, n2, replica, n1, InstallSnapshot{Ballot{1, n1}, snapshot});
  EXPECT_EQ(step.node.volatile_state.applied, 5u);
  EXPECT_EQ(step.node.volatile_state.machine, snapshot.machine);
  EXPECT_EQ(step.node.durable.snapshot, snapshot);
  EXPECT_EQ(step.node.durable.votes, K::votes({Vote{6, Ballot{1, n1}, K::entry(6)}}));
  EXPECT_TRUE(persists_first_and_exactly(replica, step));
  EXPECT_EQ(sent<Learned>(step).at(0).second, (Learned{Ballot{1, n1}, 5}));
  // An older one changes nothing it has applied.
  const Step older = K::receive(config, n2, step.node, n1, InstallSnapshot{Ballot{1, n1}, Snapshot{3, {1, 3}}});
  EXPECT_EQ(older.node.volatile_state.applied, 5u);
  EXPECT_EQ(older.node.durable, step.node.durable);
}

// Without check-quorum (the checker's smaller world) a replica answers only progress and gaps, and
// a leader lets its election timer lapse.
TEST(MultiPaxosModel, without_check_quorum_heartbeats_go_unanswered_and_leaders_ignore_the_election_timer) {
  using K = Kit<ModelSizes>;
  using M = K::M;
  const auto plain = model_config<Register>(3, 9, 8);
  const M::Node leader = K::leader(plain, M::Node{});
  EXPECT_TRUE(sent<M::Learned>(K::receive(plain, n2, M::Node{}, n1, M::Decided{leader.volatile_state.ballot, 1, {}}))
                  .empty());
  EXPECT_EQ(M::step(plain, n1, leader, M::TimerFired{Timer::election}).node, leader);
}

// With many slots open (a new leader's expiries, all at once), each heartbeat resends each
// replica the Accepts of the oldest open slots it has not voted for, accepts_resent_max of them.
TEST(MultiPaxosRuntime, the_heartbeat_resends_at_most_the_oldest_open_slots) {
  using K = Kit<RuntimeSizes>;
  using M = K::M;
  const auto config = K::config();
  M::Node leader = K::leader(config, M::Node{});
  const M::Ballot ballot = leader.volatile_state.ballot;
  for (std::uint8_t c = 1; c <= 40; ++c) {
    leader = M::step(config, n1, leader, M::ClientRequest{ClientId{c}, 1, Register::Command{c}}).node;
  }
  leader = K::receive(config, n1, leader, n3, M::Accepted{ballot, 1}).node;  // n3 voted in slot 1: chosen
  ASSERT_EQ(leader.volatile_state.applied, 1u);
  const auto beat = sent<M::Accept>(M::step(config, n1, leader, M::TimerFired{Timer::heartbeat}));
  std::vector<std::uint64_t> to_n2, to_n3;
  for (const auto& [to, accept] : beat) (to == n2 ? to_n2 : to_n3).push_back(accept.slot);
  ASSERT_EQ(to_n2.size(), accepts_resent_max);
  ASSERT_EQ(to_n3.size(), accepts_resent_max);
  for (std::size_t k = 0; k < accepts_resent_max; ++k) {
    EXPECT_EQ(to_n2[k], k + 2);
    EXPECT_EQ(to_n3[k], k + 2);
  }
}

TEST(MultiPaxosRuntime, a_leader_proposes_and_applies_slots_past_255) {
  using M = MultiPaxos<Register, RuntimeSizes>;
  using K = Kit<RuntimeSizes>;
  const auto config = K::config(100);
  M::Node node{};
  node.durable.snapshot = M::Snapshot{300, {3, 200}};
  node.durable.promised_ballot = {1, n3};
  node = M::step(config, n1, node, M::Restarted{}).node;
  ASSERT_EQ(node.volatile_state.applied, 300u);
  node = K::candidate(config, node);
  EXPECT_EQ(sent<M::Probe>(M::step(config, n3, M::Node{}, M::TimerFired{Timer::election})).size(), 2u);
  node = K::receive(config, n1, node, n2, M::Promise{node.volatile_state.ballot, {}, K::votes({M::Vote{301, {1, n3}, K::entry(1)}}), {}, {}})
             .node;
  ASSERT_EQ(node.volatile_state.phase, Phase::leading);
  EXPECT_EQ(node.volatile_state.next_slot, 302u);
  node = M::step(config, n1, node, M::ClientRequest{ClientId{9}, (1ull << 40) + 1, Register::Command{9}}).node;
  EXPECT_EQ(node.volatile_state.proposals.back().slot, 302u);
  node = K::receive(config, n1, node, n2, M::Accepted{node.volatile_state.ballot, 301}).node;
  const auto step = K::receive(config, n1, node, n2, M::Accepted{node.volatile_state.ballot, 302});
  EXPECT_EQ(step.node.volatile_state.applied, 302u);
  using ReplyT = Reply<M::Sequence, M::Committed>;
  const auto replies = effects_of<ReplyT>(step);
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].sequence, (1ull << 40) + 1);
  EXPECT_EQ(replies[0].payload.index, 302u);
  // Its heartbeat sends a replica that knows nothing the snapshot, then the slots after it.
  const auto heartbeat = M::step(config, n1, step.node, M::TimerFired{Timer::heartbeat});
  const auto snapshots = sent<M::InstallSnapshot>(heartbeat);
  ASSERT_EQ(snapshots.size(), 2u);
  EXPECT_EQ(snapshots[0].second.snapshot.slot, 300u);
  const auto decided = sent<M::Decided>(heartbeat);
  ASSERT_EQ(decided.size(), 2u);
  EXPECT_EQ(decided[0].second.first_slot, 301u);
  EXPECT_EQ(decided[0].second.entries.size(), 2u);
}

// --- The seeded bugs (model size only). ---

TEST(MultiPaxosBugs, skip_recovery_proposes_nothing_for_the_voted_slots) {
  using K = Kit<ModelSizes>;
  using M = K::M;
  const auto config = model_config<Register>(3, 9, 8, Bug::skip_recovery);
  M::Node node{};
  node.durable.promised_ballot = {1, n2};
  const M::Node leader = K::leader(config, node, K::votes({M::Vote{1, {1, n2}, K::entry(1)}}));
  EXPECT_EQ(leader.volatile_state.phase, Phase::leading);
  EXPECT_EQ(leader.volatile_state.next_slot, 1u);  // slot 1 is free for a new command: wrong
  EXPECT_TRUE(leader.volatile_state.proposals.empty());
}

TEST(MultiPaxosBugs, votes_not_durable_votes_without_a_persist) {
  using K = Kit<ModelSizes>;
  using M = K::M;
  const auto config = model_config<Register>(3, 9, 8, Bug::votes_not_durable);
  const auto step = K::receive(config, n2, M::Node{}, n1, M::Accept{{1, n1}, 1, K::entry(1)});
  EXPECT_EQ(step.node.durable.votes.size(), 1u);
  EXPECT_FALSE(step.persists());
}

TEST(MultiPaxosBugs, snapshot_over_newer_rolls_a_replica_back) {
  using K = Kit<ModelSizes>;
  using M = K::M;
  const auto config = model_config<Register>(3, 9, 8, Bug::snapshot_over_newer);
  M::Node replica{};
  replica.volatile_state.applied = 4;
  const auto step = K::receive(config, n2, replica, n1, M::InstallSnapshot{{1, n1}, M::Snapshot{2, {1, 2}}});
  EXPECT_EQ(step.node.volatile_state.applied, 2u);
}

}  // namespace
}  // namespace lockstep::multipaxos
