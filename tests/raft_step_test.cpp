// The Raft step function, rule by rule (Figure 2 of the extended paper; sections cited), at both
// sizes: the model the checker explores (8-bit terms and indexes, an inline log, seeded bugs and
// bounds) and the runtime a node runs (64-bit, a heap log after a base index, neither), from the
// same step code. Tests of the seeded bugs and of the bounds are the model size's alone.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "tests/support/both_sizes.hpp"
#include "model/core/print.hpp"
#include "model/raft/raft.hpp"
#include "model/sm/register.hpp"

namespace lockstep::raft {
namespace {
using sm::Register;

constexpr NodeId n1{1}, n2{2}, n3{3};

// What a test needs of Raft<Register, S>: its configuration (3 nodes; at model size terms up to
// 9, logs up to 4 entries and no bug), entries, and nodes in a given role.
template <class S>
struct Kit {
  using R = Raft<Register, S>;
  using Step = lockstep::Step<R>;
  using Term = typename R::Term;
  using Index = typename R::Index;
  using Entry = typename R::Entry;
  using Node = typename R::Node;
  using Config = typename R::Config;

  static Config config() {
    if constexpr (S::checked) {
      return model_config<Register>(3, 9, 4, Bug::none, {}, 0, true, true, true);  // no-op, check-quorum, pre-vote: as a node
    } else {
      return Config{3, default_timing, NoChecks{}, {}, 0};
    }
  }
  // A sequence number at the top of S's range (64 bits at runtime: nothing narrows it).
  static constexpr typename R::Sequence sequence = S::checked ? 200 : static_cast<typename R::Sequence>(1ull << 40) + 7;

  // An entry of `term` writing `value`, from client `value`'s first request.
  static Entry entry(Term term, std::uint8_t value) { return Entry{term, ClientId{value}, 1, Register::Command{value}, false}; }
  static typename R::ClientRequest request(std::uint32_t client, std::uint8_t value) {
    return typename R::ClientRequest{ClientId{client}, sequence, Register::Command{value}};
  }
  static typename R::Entries entries(std::vector<Entry> list) {
    typename R::Entries out{};
    for (const auto& e : list) out.push_back(e);
    return out;
  }
  // A Persist's log part that edits the entries only (no snapshot).
  static typename R::LogEdit edit(Index keep_through, std::vector<Entry> appended) {
    return typename R::LogEdit{std::nullopt, lockstep::LogEdit<typename R::Entries, Index>{keep_through, entries(std::move(appended))}};
  }

  static Step receive(const Config& c, NodeId self, const Node& node, NodeId from, typename R::Message message) {
    return R::step(c, self, node, typename R::MessageReceived{from, std::move(message)});
  }
  static Step receive(NodeId self, const Node& node, NodeId from, typename R::Message message) {
    return receive(config(), self, node, from, std::move(message));
  }

  static Node follower(Term term, std::vector<Entry> log = {}) {
    Node node{};
    node.durable.current_term = term;
    for (const auto& e : log) node.durable.log.append(e);
    return node;
  }
  static bool pre_votes(const Config& c) {
    if constexpr (S::checked) return c.checks.pre_vote;
    return true;
  }
  // The step in which `self` becomes a candidate: its election timer fires and, with pre-vote
  // (thesis 9.6), a peer grants its pre-vote for the next term (a majority of 3 with itself).
  static Step campaign(const Config& c, NodeId self, const Node& node) {
    const Step fired = R::step(c, self, node, typename R::TimerFired{Timer::election});
    if (!pre_votes(c) || fired.node.volatile_state.role != Role::pre_candidate) return fired;
    const NodeId peer = self == n2 ? n1 : n2;
    return receive(c, self, fired.node, peer,
                   typename R::PreVoteResponse{static_cast<Term>(node.durable.current_term + 1), true});
  }
  static Step campaign(NodeId self, const Node& node) { return campaign(config(), self, node); }
  // A leader of `term` over `node`'s log, elected by n1 (itself) and n2.
  static Node elect(const Config& c, Node node) {
    node = campaign(c, n1, node).node;
    return receive(c, n1, node, n2, typename R::RequestVoteResponse{node.durable.current_term, true}).node;
  }
  static Node leader(Term term, std::vector<Entry> log = {}) {
    return elect(config(), follower(static_cast<Term>(term - 1), std::move(log)));
  }
};

using testing::sent;

template <class P>
bool persists_before_sending(const lockstep::Step<P>& step) {
  return step.persists() && step.persist_precedes_sends();
}

using testing::effects_of;
using testing::persists_first_and_exactly;

template <class P>
const PersistOf<P>& the_persist(const lockstep::Step<P>& step) {
  const auto* persist = step.persist_effect();
  if (persist == nullptr) throw std::logic_error("the step has no Persist");
  return *persist;
}

template <class S>
class RaftStep : public ::testing::Test {};
TYPED_TEST_SUITE(RaftStep, testing::BothSizes, testing::SizeName);

// The types of Raft<Register, TypeParam>, inside a typed test.
#define LOCKSTEP_RAFT_TYPES                                                                   \
  using K [[maybe_unused]] = Kit<TypeParam>;                                                  \
  using R [[maybe_unused]] = typename K::R;                                                   \
  using Step [[maybe_unused]] = typename K::Step;                                             \
  using Term [[maybe_unused]] = typename R::Term;                                             \
  using Index [[maybe_unused]] = typename R::Index;                                           \
  using Entry [[maybe_unused]] = typename R::Entry;                                           \
  using Node [[maybe_unused]] = typename R::Node;                                             \
  using Volatile [[maybe_unused]] = typename R::Volatile;                                     \
  using Durable [[maybe_unused]] = typename R::Durable;                                       \
  using HardState [[maybe_unused]] = typename R::HardState;                                   \
  using RequestVote [[maybe_unused]] = typename R::RequestVote;                               \
  using RequestVoteResponse [[maybe_unused]] = typename R::RequestVoteResponse;               \
  using AppendEntries [[maybe_unused]] = typename R::AppendEntries;                           \
  using PreVote [[maybe_unused]] = typename R::PreVote;                                       \
  using PreVoteResponse [[maybe_unused]] = typename R::PreVoteResponse;                       \
  using AppendEntriesResponse [[maybe_unused]] = typename R::AppendEntriesResponse;           \
  using TimerFired [[maybe_unused]] = typename R::TimerFired;                                 \
  using Restarted [[maybe_unused]] = typename R::Restarted;                                   \
  using ReplyT [[maybe_unused]] = Reply<typename R::Sequence, typename R::Committed>;         \
  using RedirectT [[maybe_unused]] = Redirect<typename R::Sequence>;                          \
  using TimerSet [[maybe_unused]] = SetTimer<Timer>;                                          \
  [[maybe_unused]] const auto config = K::config()

TYPED_TEST(RaftStep, election_timer_starts_an_election_durably_voting_for_itself) {  // 5.2
  LOCKSTEP_RAFT_TYPES;
  const Node before = K::follower(2, {K::entry(1, 7)});
  const Step step = K::campaign(n1, before);
  EXPECT_EQ(step.node.durable.current_term, Term{3});
  EXPECT_EQ(step.node.durable.voted_for, n1);
  EXPECT_EQ(step.node.volatile_state.role, Role::candidate);
  EXPECT_TRUE(persists_before_sending(step));
  EXPECT_TRUE(persists_first_and_exactly(before, step));
  EXPECT_EQ(the_persist(step).hard_state, (HardState{3, n1}));
  EXPECT_EQ(the_persist(step).log, typename R::LogEdit{});  // the log did not change
  const auto requests = sent<RequestVote>(step);
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].second, (RequestVote{3, 1, 1}));
}

TYPED_TEST(RaftStep, election_timeouts_are_randomized_within_the_timing_and_heartbeats_fixed) {  // 5.2, 5.6
  LOCKSTEP_RAFT_TYPES;
  const Step election = R::step(config, n1, K::follower(2), TimerFired{Timer::election});
  auto timers = effects_of<TimerSet>(election);
  ASSERT_EQ(timers.size(), 1u);
  EXPECT_EQ(timers[0], (TimerSet{Timer::election, Delay{config.timing.election_min_ms, config.timing.election_max_ms}}));
  EXPECT_LT(timers[0].delay.min_ms, timers[0].delay.max_ms);

  // A vote granted re-arms the election timer, randomized too.
  timers = effects_of<TimerSet>(K::receive(n2, K::follower(1), n1, RequestVote{2, 0, 0}));
  ASSERT_EQ(timers.size(), 1u);
  EXPECT_EQ(timers[0].delay, Delay::randomized(config.timing.election_min_ms, config.timing.election_max_ms));

  const Node l = K::leader(2);
  const Step heartbeat = R::step(config, n1, l, TimerFired{Timer::heartbeat});
  timers = effects_of<TimerSet>(heartbeat);
  ASSERT_EQ(timers.size(), 1u);
  EXPECT_EQ(timers[0], (TimerSet{Timer::heartbeat, Delay::fixed(config.timing.heartbeat_ms)}));
  EXPECT_EQ(timers[0].delay.min_ms, timers[0].delay.max_ms);
}

// Check-quorum (thesis 6.2): a leader's election timer is its check period. A leader that no
// follower answered since its last check (itself alone is no majority of 3) steps down in its
// term and campaigns again when its timer fires, as a follower would; nothing durable changes.
TYPED_TEST(RaftStep, a_leader_unanswered_by_a_majority_steps_down_when_its_election_timer_fires) {
  LOCKSTEP_RAFT_TYPES;
  const Node l = K::leader(2);
  const Step step = R::step(config, n1, l, TimerFired{Timer::election});
  EXPECT_EQ(step.node.volatile_state.role, Role::follower);
  EXPECT_EQ(step.node.durable, l.durable);
  EXPECT_FALSE(step.persists());
  EXPECT_TRUE(step.node.volatile_state.next_index.items.empty());
  EXPECT_TRUE(step.node.volatile_state.leader_hint.get().is_none());
  EXPECT_EQ(effects_of<TimerSet>(step),
            (std::vector<TimerSet>{{Timer::election,
                                    Delay::randomized(config.timing.election_min_ms, config.timing.election_max_ms)}}));
  // It campaigns in the next term, as any follower.
  const Step campaign = K::campaign(n1, step.node);
  EXPECT_EQ(campaign.node.volatile_state.role, Role::candidate);
  EXPECT_EQ(campaign.node.durable.current_term, Term{3});
}

// An AppendEntries response of its term from a follower (a success or a refusal) counts; with
// one, the leader and n2 are a majority of 3, so it keeps leading, checks again an election
// timeout later, and must be answered again in that period.
TYPED_TEST(RaftStep, a_leader_answered_by_a_majority_in_each_period_keeps_leading) {
  LOCKSTEP_RAFT_TYPES;
  for (const AppendEntriesResponse answer : {AppendEntriesResponse{2, true, 1}, AppendEntriesResponse{2, false, 0}}) {
    const Node l = K::receive(n1, K::leader(2), n2, answer).node;
    EXPECT_TRUE(l.volatile_state.answered.contains(n2)) << to_string(answer);
    const Step checked = R::step(config, n1, l, TimerFired{Timer::election});
    EXPECT_EQ(checked.node.volatile_state.role, Role::leader) << to_string(answer);
    EXPECT_TRUE(checked.node.volatile_state.answered.empty());
    EXPECT_EQ(effects_of<TimerSet>(checked),
              (std::vector<TimerSet>{{Timer::election, Delay::fixed(config.timing.election_max_ms)}}));
    EXPECT_EQ(R::step(config, n1, checked.node, TimerFired{Timer::election}).node.volatile_state.role, Role::follower);
  }
  // A response of an earlier term (from a previous leadership) is no answer to this one.
  const Node stale = K::receive(n1, K::leader(3), n2, AppendEntriesResponse{2, true, 0}).node;
  EXPECT_TRUE(stale.volatile_state.answered.empty());
  EXPECT_EQ(R::step(config, n1, stale, TimerFired{Timer::election}).node.volatile_state.role, Role::follower);
}

// Section 4.2.3: a node that heard from its term's leader within the minimum election timeout
// (until its leader_silence timer fires), or that leads, disregards a RequestVote of a higher
// term: it neither adopts the term nor answers. Afterwards the same request is taken as usual.
TYPED_TEST(RaftStep, a_node_that_heard_its_leader_recently_disregards_a_higher_term_vote) {
  LOCKSTEP_RAFT_TYPES;
  const Step heard = K::receive(n2, K::follower(2), n1, AppendEntries{2, 0, 0, {}, 0});
  EXPECT_TRUE(heard.node.volatile_state.leader_recent);
  const auto timers = effects_of<TimerSet>(heard);
  EXPECT_NE(std::find(timers.begin(), timers.end(),
                      TimerSet{Timer::leader_silence, Delay::fixed(config.timing.election_min_ms)}),
            timers.end());
  const Step disregarded = K::receive(n2, heard.node, n3, RequestVote{3, 5, 2});
  EXPECT_TRUE(disregarded.is_noop(heard.node));
  EXPECT_TRUE(disregarded.effects.empty());
  // The leader disregards it too.
  const Node l = K::leader(2);
  EXPECT_TRUE(K::receive(n1, l, n3, RequestVote{3, 5, 2}).effects.empty());
  // A vote of its own term is answered as usual (here granted: n2 voted for nobody in term 2).
  EXPECT_EQ(sent<RequestVoteResponse>(K::receive(n2, heard.node, n3, RequestVote{2, 5, 2}))[0].second,
            (RequestVoteResponse{2, true}));

  const Step silent = R::step(config, n2, heard.node, TimerFired{Timer::leader_silence});
  EXPECT_FALSE(silent.node.volatile_state.leader_recent);
  const Step voted = K::receive(n2, silent.node, n3, RequestVote{3, 5, 2});
  EXPECT_EQ(voted.node.durable.current_term, Term{3});
  EXPECT_EQ(sent<RequestVoteResponse>(voted)[0].second, (RequestVoteResponse{3, true}));
  // Adopting a higher term forgets the leader heard from (it was of an earlier term).
  const Step adopted = K::receive(n2, heard.node, n1, AppendEntriesResponse{4, false, 0});
  EXPECT_FALSE(adopted.node.volatile_state.leader_recent);
  // So does campaigning (its election timer fired first): a vote of a still higher term is taken.
  const Step campaigned = K::campaign(n2, heard.node);
  ASSERT_EQ(campaigned.node.volatile_state.role, Role::candidate);
  EXPECT_FALSE(campaigned.node.volatile_state.leader_recent);
  EXPECT_EQ(K::receive(n2, campaigned.node, n3, RequestVote{4, 5, 2}).node.durable.current_term, Term{4});
}

// Pre-vote (thesis 9.6): a node whose election timer fires asks the others whether they would
// vote for it in the next term, changing neither its term nor its vote (no Persist); once a
// majority (itself counted) would, it campaigns (section 5.2). A refusal, a grant for another
// term, or the same grant twice is no majority; a refusal of a higher term is adopted as any
// higher term.
TYPED_TEST(RaftStep, election_timer_starts_a_pre_vote_that_changes_no_term) {
  LOCKSTEP_RAFT_TYPES;
  const Node before = K::follower(2, {K::entry(1, 7)});
  const Step fired = R::step(config, n1, before, TimerFired{Timer::election});
  EXPECT_EQ(fired.node.volatile_state.role, Role::pre_candidate);
  EXPECT_EQ(fired.node.durable, before.durable);
  EXPECT_FALSE(fired.persists());
  const auto asked = sent<PreVote>(fired);
  ASSERT_EQ(asked.size(), 2u);
  EXPECT_EQ(asked[0], (std::pair{n2, PreVote{3, 1, 1}}));
  EXPECT_EQ(asked[1], (std::pair{n3, PreVote{3, 1, 1}}));
  EXPECT_TRUE(sent<RequestVote>(fired).empty());
  EXPECT_EQ(effects_of<TimerSet>(fired),
            (std::vector<TimerSet>{{Timer::election,
                                    Delay::randomized(config.timing.election_min_ms, config.timing.election_max_ms)}}));

  EXPECT_EQ(K::receive(n1, fired.node, n2, PreVoteResponse{2, false}).node, fired.node);
  EXPECT_EQ(K::receive(n1, fired.node, n2, PreVoteResponse{2, true}).node, fired.node);
  const Step adopted = K::receive(n1, fired.node, n2, PreVoteResponse{5, false});
  EXPECT_EQ(adopted.node.volatile_state.role, Role::follower);
  EXPECT_EQ(adopted.node.durable.current_term, Term{5});

  const Step granted = K::receive(n1, fired.node, n3, PreVoteResponse{3, true});
  EXPECT_EQ(granted.node.volatile_state.role, Role::candidate);
  EXPECT_EQ(granted.node.durable.current_term, Term{3});
  EXPECT_EQ(granted.node.durable.voted_for, n1);
  EXPECT_TRUE(persists_first_and_exactly(fired.node, granted));
  EXPECT_EQ(sent<RequestVote>(granted).size(), 2u);

  // Its timer firing again before a majority answered: it asks again, for the same term.
  const Step again = R::step(config, n1, fired.node, TimerFired{Timer::election});
  EXPECT_EQ(again.node.volatile_state.role, Role::pre_candidate);
  EXPECT_EQ(sent<PreVote>(again)[0].second, (PreVote{3, 1, 1}));
  // Hearing its term's leader, it follows.
  EXPECT_EQ(K::receive(n1, fired.node, n3, AppendEntries{2, 1, 1, {}, 0}).node.volatile_state.role, Role::follower);
  // A cluster of one campaigns at once.
  auto single = config;
  single.node_count = 1;
  EXPECT_EQ(R::step(single, n1, before, TimerFired{Timer::election}).node.volatile_state.role, Role::leader);
}

// A node grants a pre-vote for a term above its own to a candidate whose log is up to date
// (5.4.1), changing nothing (not its term, its vote or its election timer); else it refuses with
// its own term. With check-quorum, a node that heard its leader lately, or leads, disregards it.
TYPED_TEST(RaftStep, a_pre_vote_is_granted_without_changing_the_voter) {
  LOCKSTEP_RAFT_TYPES;
  const Node f = K::follower(2, {K::entry(2, 7)});
  const Step granted = K::receive(n2, f, n1, PreVote{3, 1, 2});
  EXPECT_EQ(granted.node, f);
  ASSERT_EQ(granted.effects.size(), 1u);
  EXPECT_EQ(sent<PreVoteResponse>(granted)[0], (std::pair{n1, PreVoteResponse{3, true}}));
  EXPECT_EQ(sent<PreVoteResponse>(K::receive(n2, f, n1, PreVote{3, 1, 1}))[0].second, (PreVoteResponse{2, false}));
  EXPECT_EQ(sent<PreVoteResponse>(K::receive(n2, f, n1, PreVote{2, 1, 2}))[0].second, (PreVoteResponse{2, false}));
  // Having voted in its term, it still grants a pre-vote for the next.
  const Node voted = K::receive(n2, K::follower(2), n3, RequestVote{2, 0, 0}).node;
  ASSERT_EQ(voted.durable.voted_for, n3);
  EXPECT_EQ(sent<PreVoteResponse>(K::receive(n2, voted, n1, PreVote{3, 0, 0}))[0].second, (PreVoteResponse{3, true}));
  // Heard its leader lately (check-quorum): disregarded, as the leader disregards it.
  const Node heard = K::receive(n2, f, n3, AppendEntries{2, 1, 2, {}, 0}).node;
  ASSERT_TRUE(heard.volatile_state.leader_recent);
  EXPECT_TRUE(K::receive(n2, heard, n1, PreVote{3, 1, 2}).effects.empty());
  EXPECT_TRUE(K::receive(n1, K::leader(2), n3, PreVote{3, 1, 2}).effects.empty());
}

// A pre-vote's answer matters while its term is above its receiver's: a refusal only by that
// term, a grant only to a pre-candidate of the term below. Terms only grow.
TYPED_TEST(RaftStep, a_pre_vote_answer_is_obsolete_once_its_term_is_reached) {
  LOCKSTEP_RAFT_TYPES;
  const Node f = K::follower(3);
  EXPECT_TRUE(R::obsolete(config, f, n2, PreVoteResponse{3, true}));
  EXPECT_TRUE(R::obsolete(config, f, n2, PreVoteResponse{2, false}));
  EXPECT_FALSE(R::obsolete(config, f, n2, PreVoteResponse{4, true}));
  EXPECT_FALSE(R::obsolete(config, f, n2, PreVoteResponse{4, false}));
}

// A leader has no election timer running (it lets it lapse, or it is its check period): one that
// steps down on a higher term arms one, or it would never campaign again (the node tests found a
// deposed leader that stayed a follower for good once its successor failed).
TYPED_TEST(RaftStep, a_leader_deposed_by_a_higher_term_arms_its_election_timer) {
  LOCKSTEP_RAFT_TYPES;
  const Step deposed = K::receive(n1, K::leader(2), n2, AppendEntriesResponse{4, false, 0});
  EXPECT_EQ(deposed.node.volatile_state.role, Role::follower);
  EXPECT_EQ(deposed.node.durable.current_term, Term{4});
  EXPECT_EQ(effects_of<TimerSet>(deposed),
            (std::vector<TimerSet>{{Timer::election,
                                    Delay::randomized(config.timing.election_min_ms, config.timing.election_max_ms)}}));
}

// A cluster of one is its own majority: its leader never steps down.
TYPED_TEST(RaftStep, the_leader_of_a_cluster_of_one_keeps_leading) {
  LOCKSTEP_RAFT_TYPES;
  auto single = config;
  single.node_count = 1;
  const Node l = R::step(single, n1, K::follower(1), TimerFired{Timer::election}).node;
  ASSERT_EQ(l.volatile_state.role, Role::leader);
  EXPECT_EQ(R::step(single, n1, l, TimerFired{Timer::election}).node.volatile_state.role, Role::leader);
}

TYPED_TEST(RaftStep, votes_once_per_term_durably) {  // 5.2, Figure 2 RequestVote 2
  LOCKSTEP_RAFT_TYPES;
  const Node before = K::follower(1);
  Step step = K::receive(n2, before, n1, RequestVote{2, 0, 0});
  EXPECT_EQ(step.node.durable.voted_for, n1);
  EXPECT_TRUE(persists_before_sending(step));
  EXPECT_TRUE(persists_first_and_exactly(before, step));
  EXPECT_EQ(sent<RequestVoteResponse>(step)[0].second, (RequestVoteResponse{2, true}));
  step = K::receive(n2, step.node, n3, RequestVote{2, 0, 0});
  EXPECT_EQ(sent<RequestVoteResponse>(step)[0].second, (RequestVoteResponse{2, false}));
  EXPECT_FALSE(step.persists());
  step = K::receive(n2, step.node, n1, RequestVote{2, 0, 0});  // a retransmission: same answer
  EXPECT_EQ(sent<RequestVoteResponse>(step)[0].second, (RequestVoteResponse{2, true}));
  EXPECT_FALSE(step.persists());  // nothing durable changed
}

TYPED_TEST(RaftStep, refuses_a_vote_to_a_candidate_with_a_less_up_to_date_log) {  // 5.4.1
  LOCKSTEP_RAFT_TYPES;
  const Node voter = K::follower(2, {K::entry(1, 1), K::entry(2, 2)});
  for (const RequestVote request : {RequestVote{3, 2, 1}, RequestVote{3, 1, 2}}) {
    const Step step = K::receive(n2, voter, n1, request);
    EXPECT_FALSE(sent<RequestVoteResponse>(step)[0].second.vote_granted) << to_string(request);
  }
  const Step step = K::receive(n2, voter, n1, RequestVote{3, 1, 3});  // higher last term wins
  EXPECT_TRUE(sent<RequestVoteResponse>(step)[0].second.vote_granted);
}

TYPED_TEST(RaftStep, a_higher_term_in_any_message_makes_any_role_a_follower) {  // 5.1
  LOCKSTEP_RAFT_TYPES;
  const Node l = K::leader(2);
  const Step step = K::receive(n1, l, n3, AppendEntriesResponse{5, false, 0});
  EXPECT_EQ(step.node.durable.current_term, Term{5});
  EXPECT_TRUE(step.node.durable.voted_for.is_none());
  EXPECT_EQ(step.node.volatile_state.role, Role::follower);
  EXPECT_TRUE(step.persists());
  EXPECT_TRUE(persists_first_and_exactly(l, step));
  EXPECT_TRUE(step.node.volatile_state.leader_hint.get().is_none());  // it knows no leader of term 5
}

TYPED_TEST(RaftStep, a_majority_of_votes_makes_a_leader_that_heartbeats_the_entries_followers_lack) {  // 5.2, 5.3
  LOCKSTEP_RAFT_TYPES;
  Node l = K::leader(2, {K::entry(1, 1)});
  EXPECT_EQ(l.volatile_state.role, Role::leader);
  EXPECT_EQ(l.volatile_state.next_index[n2], Index{2});  // after the log it was elected with
  EXPECT_EQ(l.durable.log.last_index(), Index{2});       // and its no-op (section 8)
  l.volatile_state.next_index[n3] = 1;
  Step step = R::step(config, n1, l, TimerFired{Timer::heartbeat});
  auto appends = sent<AppendEntries>(step);
  ASSERT_EQ(appends.size(), 2u);
  EXPECT_EQ(appends[0].second.entries.size(), 1u);  // n2 lacks the no-op
  EXPECT_EQ(appends[1].second.entries.size(), 2u);  // n3 gets entry 1 too
  EXPECT_EQ(appends[1].second.prev_log_index, Index{0});
  EXPECT_FALSE(step.persists());
  // Once n2 has it, n2's heartbeat carries no entry.
  l = K::receive(n1, l, n2, AppendEntriesResponse{2, true, 2}).node;
  step = R::step(config, n1, l, TimerFired{Timer::heartbeat});
  appends = sent<AppendEntries>(step);
  ASSERT_EQ(appends.size(), 2u);
  EXPECT_TRUE(appends[0].second.entries.empty());
  EXPECT_EQ(appends[0].second.prev_log_index, Index{2});
}

// Section 8: a new leader appends a no-op of its term at once, durably before it sends anything,
// and replicates it without waiting a heartbeat period; once a majority holds it, it commits
// every entry of earlier terms before it (5.4.2 alone would wait for a client's entry). The
// machine never sees it, and no client is answered for it.
TYPED_TEST(RaftStep, a_new_leader_appends_a_no_op_that_commits_its_predecessors_entries) {  // 8, 5.4.2
  LOCKSTEP_RAFT_TYPES;
  Node candidate = K::campaign(n1, K::follower(1, {K::entry(1, 4)})).node;
  const Step elected = K::receive(n1, candidate, n2, RequestVoteResponse{2, true});
  ASSERT_EQ(elected.node.volatile_state.role, Role::leader);
  const Entry noop{2, ClientId{}, {}, {}, true};
  ASSERT_EQ(elected.node.durable.log.last_index(), Index{2});
  EXPECT_EQ(elected.node.durable.log.at(2), noop);
  EXPECT_TRUE(persists_first_and_exactly(candidate, elected));
  EXPECT_EQ(the_persist(elected).log, K::edit(1, {noop}));
  EXPECT_EQ(elected.node.volatile_state.match_index[n1], Index{2});
  EXPECT_EQ(elected.node.volatile_state.commit_index, Index{0});  // a majority does not hold it yet
  bool replicates_now = false;
  for (const auto& t : effects_of<TimerSet>(elected)) replicates_now |= t == TimerSet{Timer::heartbeat, Delay::fixed(0)};
  EXPECT_TRUE(replicates_now);

  const Step acked = K::receive(n1, elected.node, n2, AppendEntriesResponse{2, true, 2});
  EXPECT_EQ(acked.node.volatile_state.commit_index, Index{2});
  const auto applied = effects_of<Applied<typename R::AppliedEntry>>(acked);
  ASSERT_EQ(applied.size(), 2u);
  EXPECT_EQ(applied[0].command.index, Index{1});
  EXPECT_TRUE(applied[0].command.took_effect);
  EXPECT_FALSE(applied[0].command.noop);
  EXPECT_EQ(applied[1].command.index, Index{2});
  EXPECT_TRUE(applied[1].command.noop);
  EXPECT_FALSE(applied[1].command.took_effect);
  EXPECT_EQ(acked.node.volatile_state.machine, (typename R::Machine{4, 1}));  // one write: the no-op none
  const auto replies = effects_of<ReplyT>(acked);
  ASSERT_EQ(replies.size(), 1u);  // entry 1's client only
  EXPECT_EQ(replies[0].client, ClientId{4});

  // A follower applies it the same way: nothing for the machine.
  const Node f = K::follower(2, {K::entry(1, 4)});
  const Step followed = K::receive(n2, f, n1, AppendEntries{2, 1, 1, K::entries({noop}), 2});
  EXPECT_EQ(followed.node.volatile_state.last_applied, Index{2});
  EXPECT_EQ(followed.node.volatile_state.machine, (typename R::Machine{4, 1}));

  // A cluster of one commits it on the spot.
  typename R::Config alone = config;
  alone.node_count = 1;
  const Step single = R::step(alone, n1, K::follower(0), TimerFired{Timer::election});
  EXPECT_EQ(single.node.volatile_state.role, Role::leader);
  EXPECT_EQ(single.node.volatile_state.commit_index, Index{1});
  EXPECT_TRUE(single.node.durable.log.at(1).noop);
}

TYPED_TEST(RaftStep, append_entries_rejects_a_stale_term_and_a_log_gap) {  // Figure 2 AppendEntries 1, 2
  LOCKSTEP_RAFT_TYPES;
  const Node f = K::follower(3, {K::entry(1, 1)});
  Step step = K::receive(n2, f, n1, AppendEntries{2, 0, 0, {}, 0});
  EXPECT_EQ(sent<AppendEntriesResponse>(step)[0].second, (AppendEntriesResponse{3, false, 0}));
  step = K::receive(n2, f, n1, AppendEntries{3, 2, 1, {}, 0});  // no entry at index 2
  EXPECT_FALSE(sent<AppendEntriesResponse>(step)[0].second.success);
  step = K::receive(n2, f, n1, AppendEntries{3, 1, 2, {}, 0});  // term mismatch at index 1
  EXPECT_FALSE(sent<AppendEntriesResponse>(step)[0].second.success);
  EXPECT_EQ(step.node.durable, f.durable);
}

TYPED_TEST(RaftStep, append_entries_deletes_a_conflicting_suffix_then_appends) {  // Figure 2 AppendEntries 3, 4
  LOCKSTEP_RAFT_TYPES;
  const Node f = K::follower(3, {K::entry(1, 1), K::entry(2, 2), K::entry(2, 3)});
  const Step step = K::receive(n2, f, n1, AppendEntries{3, 1, 1, K::entries({K::entry(3, 9)}), 0});
  ASSERT_EQ(step.node.durable.log.last_index(), Index{2});
  EXPECT_EQ(step.node.durable.log.at(2), K::entry(3, 9));
  EXPECT_TRUE(persists_before_sending(step));
  EXPECT_EQ(sent<AppendEntriesResponse>(step)[0].second, (AppendEntriesResponse{3, true, 2}));
  // The edit: keep through the index before the conflict (1), append the new suffix.
  EXPECT_EQ(the_persist(step).log, K::edit(1, {K::entry(3, 9)}));
  EXPECT_EQ(the_persist(step).hard_state, (HardState{3, NodeId{}}));
  EXPECT_TRUE(persists_first_and_exactly(f, step));
}

TYPED_TEST(RaftStep, append_entries_appends_after_a_matching_prefix_and_persists_only_what_is_new) {  // Figure 2 AE 3, 4
  LOCKSTEP_RAFT_TYPES;
  const Node f = K::follower(2, {K::entry(1, 1)});
  Step step = K::receive(n2, f, n1, AppendEntries{2, 1, 1, K::entries({K::entry(2, 2), K::entry(2, 3)}), 0});
  EXPECT_EQ(step.node.durable.log.last_index(), Index{3});
  // An append alone keeps through the old last index and carries the new entries.
  EXPECT_EQ(the_persist(step).log, K::edit(1, {K::entry(2, 2), K::entry(2, 3)}));
  EXPECT_TRUE(persists_first_and_exactly(f, step));

  // Entries it already holds are skipped (receiver rule 3 deletes only on a conflict): only the
  // one past its log is edited in.
  const Node g = K::follower(2, {K::entry(1, 1), K::entry(2, 2)});
  step = K::receive(n2, g, n1, AppendEntries{2, 0, 0, K::entries({K::entry(1, 1), K::entry(2, 2), K::entry(2, 3)}), 0});
  EXPECT_EQ(the_persist(step).log, K::edit(2, {K::entry(2, 3)}));
  EXPECT_TRUE(persists_first_and_exactly(g, step));

  // Entries it holds already, all of them: nothing durable changes, nothing is persisted.
  step = K::receive(n2, g, n1, AppendEntries{2, 0, 0, K::entries({K::entry(1, 1), K::entry(2, 2)}), 0});
  EXPECT_EQ(step.node.durable, g.durable);
  EXPECT_FALSE(step.persists());
  EXPECT_EQ(sent<AppendEntriesResponse>(step)[0].second, (AppendEntriesResponse{2, true, 2}));
}

TYPED_TEST(RaftStep, follower_commits_up_to_the_leader_commit_and_its_last_new_entry) {  // Figure 2 AppendEntries 5
  LOCKSTEP_RAFT_TYPES;
  const Node f = K::follower(1, {K::entry(1, 4), K::entry(1, 5)});
  const Step step = K::receive(n2, f, n1, AppendEntries{1, 1, 1, {}, 2});
  EXPECT_EQ(step.node.volatile_state.commit_index, Index{1});  // min(leader_commit 2, last new entry 1)
  EXPECT_EQ(step.node.volatile_state.machine.value, 4);
  EXPECT_TRUE(effects_of<ReplyT>(step).empty());  // a follower answers no client
}

TYPED_TEST(RaftStep, leader_commits_only_entries_of_its_term_by_counting_replicas) {  // 5.4.2, Figure 8
  LOCKSTEP_RAFT_TYPES;
  const Node l = K::leader(3, {K::entry(1, 1)});  // entry 2: its no-op, of term 3
  Step step = K::receive(n1, l, n2, AppendEntriesResponse{3, true, 1});
  EXPECT_EQ(step.node.volatile_state.commit_index, Index{0});  // entry 1 is of term 1: not by counting
  step = K::receive(n1, step.node, n2, AppendEntriesResponse{3, true, 2});
  EXPECT_EQ(step.node.volatile_state.commit_index, Index{2});  // term 3's no-op commits both
  EXPECT_EQ(step.node.volatile_state.last_applied, Index{2});
  EXPECT_EQ(step.node.volatile_state.machine.value, 1);  // the no-op changed nothing
  auto replies = effects_of<ReplyT>(step);
  ASSERT_EQ(replies.size(), 1u);  // entry 1's client (the no-op has none)
  EXPECT_EQ(replies[0], (ReplyT{ClientId{1}, 1, typename R::Committed{1, Register::Output{1}}}));
  const Node before_request = step.node;
  step = R::step(config, n1, step.node, K::request(2, 2));
  EXPECT_TRUE(persists_first_and_exactly(before_request, step));
  step = K::receive(n1, step.node, n2, AppendEntriesResponse{3, true, 3});
  EXPECT_EQ(step.node.volatile_state.commit_index, Index{3});
  // Each applied entry is answered to its client, naming the request's client id and sequence.
  replies = effects_of<ReplyT>(step);
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0], (ReplyT{ClientId{2}, K::sequence, typename R::Committed{3, Register::Output{2}}}));
}

TYPED_TEST(RaftStep, a_leader_appends_a_client_command_durably_as_an_edit) {  // 5.3
  LOCKSTEP_RAFT_TYPES;
  const Node l = K::leader(2, {K::entry(1, 1)});
  const Step step = R::step(config, n1, l, K::request(4, 6));
  const Entry appended{2, ClientId{4}, K::sequence, Register::Command{6}, false};
  ASSERT_EQ(step.node.durable.log.last_index(), Index{3});  // after its no-op
  EXPECT_EQ(step.node.durable.log.at(3), appended);
  EXPECT_EQ(the_persist(step).log, K::edit(2, {appended}));  // keep through the old last index
  EXPECT_EQ(the_persist(step).hard_state, (HardState{2, n1}));
  EXPECT_TRUE(persists_first_and_exactly(l, step));
  EXPECT_EQ(step.node.volatile_state.match_index[n1], Index{3});
  EXPECT_TRUE(effects_of<ReplyT>(step).empty());  // not committed yet
}

TYPED_TEST(RaftStep, only_a_leader_appends_client_commands) {  // 8
  LOCKSTEP_RAFT_TYPES;
  const Node f = K::follower(1);
  const Step step = R::step(config, n2, f, K::request(3, 1));
  EXPECT_EQ(step.node.durable.log.last_index(), Index{0});
  EXPECT_TRUE(step.is_noop(f));  // nothing changes; the client is only redirected
  const auto redirects = effects_of<RedirectT>(step);
  ASSERT_EQ(redirects.size(), 1u);
  EXPECT_EQ(redirects[0], (RedirectT{ClientId{3}, K::sequence, NodeId{}}));  // it knows no leader
}

TYPED_TEST(RaftStep, a_follower_redirects_a_client_to_the_leader_it_heard_from_at_runtime_size) {  // 8
  LOCKSTEP_RAFT_TYPES;
  const Node f = K::receive(n2, K::follower(1), n1, AppendEntries{1, 0, 0, {}, 0}).node;
  const Step step = R::step(config, n2, f, K::request(5, 3));
  ASSERT_EQ(step.effects.size(), 1u);
  // The runtime keeps the hint (KeptHint) and names n1; the model keeps none (NoHint).
  const NodeId named = TypeParam::checked ? NodeId{} : n1;
  static_assert(std::is_same_v<typename R::LeaderHint,
                               std::conditional_t<TypeParam::checked, NoHint<NodeId>, KeptHint<NodeId>>>);
  EXPECT_EQ(std::get<RedirectT>(step.effects[0]), (RedirectT{ClientId{5}, K::sequence, named}));
  EXPECT_TRUE(step.is_noop(f));
  EXPECT_EQ(f.volatile_state.leader_hint.get(), named);

  // A candidate of a later term knows no leader of it: it names none at both sizes.
  const Node candidate = K::campaign(n2, f).node;
  const Step asked = R::step(config, n2, candidate, K::request(5, 3));
  EXPECT_EQ(std::get<RedirectT>(asked.effects[0]), (RedirectT{ClientId{5}, K::sequence, NodeId{}}));
  EXPECT_TRUE(asked.is_noop(candidate));
}

TYPED_TEST(RaftStep, restarted_keeps_durable_and_resets_volatile) {
  LOCKSTEP_RAFT_TYPES;
  const Node l = K::leader(2, {K::entry(1, 1)});
  const Step step = R::step(config, n1, l, Restarted{});
  EXPECT_EQ(step.node.durable, l.durable);
  EXPECT_EQ(step.node.volatile_state, Volatile{});
  EXPECT_FALSE(step.persists());
  const auto timers = effects_of<TimerSet>(step);
  ASSERT_EQ(timers.size(), 1u);
  EXPECT_EQ(timers[0].timer, Timer::election);
}

// To a leader no AppendEntries response of its term is obsolete: a refusal reordered after a
// later success (a stale one) still takes next_index back (a follower whose disk lost an
// acknowledged tail is repaired so), and the success, delivered again, raises it again.
TYPED_TEST(RaftStep, a_counted_success_is_not_obsolete_to_the_leader) {
  LOCKSTEP_RAFT_TYPES;
  Node l = K::leader(2, {K::entry(1, 4), K::entry(1, 5), K::entry(1, 6)});
  l = K::receive(n1, l, n2, AppendEntriesResponse{2, true, 2}).node;
  EXPECT_EQ(l.volatile_state.next_index[n2], Index{3});
  EXPECT_TRUE(K::receive(n1, l, n2, AppendEntriesResponse{2, true, 2}).is_noop(l));  // a no-op now...
  const Node refused = K::receive(n1, l, n2, AppendEntriesResponse{2, false, 0}).node;
  EXPECT_EQ(refused.volatile_state.next_index[n2], Index{1});
  EXPECT_EQ(refused.volatile_state.match_index[n2], Index{2});
  // ...but not after the refusal: so not obsolete.
  EXPECT_EQ(K::receive(n1, refused, n2, AppendEntriesResponse{2, true, 2}).node.volatile_state.next_index[n2], Index{3});
  EXPECT_FALSE(R::obsolete(config, l, n2, AppendEntriesResponse{2, true, 2}));
  EXPECT_TRUE(R::obsolete(config, K::follower(3), n2, AppendEntriesResponse{2, true, 2}));  // an earlier term
}

// A candidate may still win its term's election: a response of that term is not obsolete to it.
TYPED_TEST(RaftStep, a_candidate_keeps_the_append_responses_of_its_term) {
  LOCKSTEP_RAFT_TYPES;
  const Node c = K::campaign(n1, K::follower(2)).node;
  ASSERT_EQ(c.volatile_state.role, Role::candidate);
  EXPECT_FALSE(R::obsolete(config, c, n2, AppendEntriesResponse{3, false, 0}));
  EXPECT_TRUE(R::obsolete(config, c, n2, AppendEntriesResponse{2, false, 0}));  // an earlier term
  EXPECT_TRUE(R::obsolete(config, K::follower(3), n2, AppendEntriesResponse{3, false, 0}));
}

TYPED_TEST(RaftStep, obsolete_responses_are_those_no_later_state_can_use) {
  LOCKSTEP_RAFT_TYPES;
  const Node l = K::leader(2);
  EXPECT_TRUE(R::obsolete(config, l, n2, RequestVoteResponse{2, true}));       // already leader
  EXPECT_TRUE(R::obsolete(config, l, n2, AppendEntriesResponse{1, true, 1}));  // older term
  EXPECT_FALSE(R::obsolete(config, l, n2, AppendEntriesResponse{2, true, 1}));  // news for the leader
  EXPECT_FALSE(R::obsolete(config, l, n2, AppendEntriesResponse{3, false, 0}));  // a higher term
  EXPECT_FALSE(R::obsolete(config, l, n2, AppendEntries{1, 0, 0, {}, 0}));  // still answered
}

// --- Snapshots (section 7, Figure 13). ---

// The configuration with snapshots every `every` applied entries.
#define LOCKSTEP_RAFT_SNAPSHOTS(every)                                                \
  LOCKSTEP_RAFT_TYPES;                                                                \
  using InstallSnapshot [[maybe_unused]] = typename R::InstallSnapshot;               \
  using Snapshot [[maybe_unused]] = typename R::Snapshot;                             \
  using LogEdit [[maybe_unused]] = typename R::LogEdit;                               \
  const auto snapshots = [&] {                                                        \
    auto c = config;                                                                  \
    c.snapshot_every = every;                                                         \
    return c;                                                                         \
  }()

TYPED_TEST(RaftStep, a_node_snapshots_when_its_applied_entries_reach_the_threshold_and_compacts_its_log) {
  LOCKSTEP_RAFT_SNAPSHOTS(2);
  const Node f = K::follower(1, {K::entry(1, 4), K::entry(1, 5), K::entry(1, 6)});
  // One entry applied: below the threshold, nothing durable changes.
  Step step = K::receive(snapshots, n2, f, n1, AppendEntries{1, 3, 1, {}, 1});
  EXPECT_EQ(step.node.volatile_state.last_applied, Index{1});
  EXPECT_FALSE(step.persists());
  // The second: a snapshot at last_applied, the log compacted through it.
  const Node one = step.node;
  step = K::receive(snapshots, n2, one, n1, AppendEntries{1, 3, 1, {}, 2});
  EXPECT_EQ(step.node.durable.snapshot, (Snapshot{2, 1, {5, 2}}));
  EXPECT_EQ(step.node.durable.log.base_index(), Index{2});
  EXPECT_EQ(step.node.durable.log.term_at(2), Term{1});
  EXPECT_EQ(step.node.durable.log.last_index(), Index{3});
  EXPECT_EQ(step.node.durable.log.at(3), K::entry(1, 6));
  EXPECT_EQ(the_persist(step).log, (LogEdit{Snapshot{2, 1, {5, 2}}, std::nullopt}));
  EXPECT_TRUE(persists_first_and_exactly(one, step));
  // Both at once from nothing applied (one snapshot, at the end of the step); and never with 0.
  step = K::receive(snapshots, n2, f, n1, AppendEntries{1, 3, 1, {}, 3});
  EXPECT_EQ(step.node.durable.snapshot, (Snapshot{3, 1, {6, 3}}));
  EXPECT_EQ(step.node.durable.log.last_index(), Index{3});
  EXPECT_TRUE(persists_first_and_exactly(f, step));
  EXPECT_FALSE(K::receive(config, n2, f, n1, AppendEntries{1, 3, 1, {}, 3}).persists());
}

TYPED_TEST(RaftStep, entries_appended_and_snapshotted_in_one_step_persist_as_a_snapshot_and_an_edit) {
  LOCKSTEP_RAFT_SNAPSHOTS(1);
  const Node f = K::follower(2, {K::entry(1, 1), K::entry(1, 2)});
  // Entry 2 is replaced, entry 3 appended, 2 committed: the snapshot at 2 has the new entry's term.
  const Step step = K::receive(snapshots, n2, f, n1, AppendEntries{2, 1, 1, K::entries({K::entry(2, 8), K::entry(2, 9)}), 2});
  EXPECT_EQ(step.node.durable.snapshot, (Snapshot{2, 2, {8, 2}}));
  EXPECT_EQ(step.node.durable.log.last_index(), Index{3});
  EXPECT_EQ(the_persist(step).log, (LogEdit{Snapshot{2, 2, {8, 2}}, K::edit(2, {K::entry(2, 9)}).entries}));
  EXPECT_TRUE(persists_first_and_exactly(f, step));
}

TYPED_TEST(RaftStep, a_leader_sends_its_snapshot_to_a_follower_whose_next_entry_it_compacted) {  // 7
  LOCKSTEP_RAFT_SNAPSHOTS(2);
  Node l = K::elect(snapshots, K::follower(1, {K::entry(1, 1), K::entry(1, 2)}));
  ASSERT_EQ(l.volatile_state.role, Role::leader);
  l = R::step(snapshots, n1, l, K::request(3, 3)).node;  // entry 4, of term 2, after its no-op
  // n2 acknowledges everything: entries 1-4 commit and apply, and the leader snapshots at 4.
  Step step = K::receive(snapshots, n1, l, n2, AppendEntriesResponse{2, true, 4});
  EXPECT_EQ(step.node.durable.snapshot, (Snapshot{4, 2, {3, 3}}));  // three writes, the no-op none
  EXPECT_EQ(step.node.durable.log.base_index(), Index{4});
  EXPECT_EQ(step.node.durable.log.last_index(), Index{4});
  EXPECT_TRUE(persists_first_and_exactly(l, step));
  l = step.node;
  // n3 still needs entry 3 (next_index 3, below the base): it gets the snapshot; n2 a heartbeat.
  step = R::step(snapshots, n1, l, TimerFired{Timer::heartbeat});
  const auto installs = sent<InstallSnapshot>(step);
  ASSERT_EQ(installs.size(), 1u);
  EXPECT_EQ(installs[0].first, n3);
  EXPECT_EQ(installs[0].second, (InstallSnapshot{2, 4, 2, {3, 3}}));
  const auto appends = sent<AppendEntries>(step);
  ASSERT_EQ(appends.size(), 1u);
  EXPECT_EQ(appends[0].first, n2);
  EXPECT_EQ(appends[0].second.prev_log_index, Index{4});
  EXPECT_EQ(appends[0].second.prev_log_term, Term{2});
  // Its answer moves next_index past the snapshot.
  l = K::receive(snapshots, n1, l, n3, AppendEntriesResponse{2, true, 4}).node;
  EXPECT_EQ(l.volatile_state.match_index[n3], Index{4});
  EXPECT_EQ(l.volatile_state.next_index[n3], Index{5});
  // A follower that rejects entries walks next_index back to the base, then gets the snapshot.
  l = K::receive(snapshots, n1, l, n3, AppendEntriesResponse{2, false, 0}).node;
  EXPECT_EQ(l.volatile_state.next_index[n3], Index{4});
  l = K::receive(snapshots, n1, l, n3, AppendEntriesResponse{2, false, 0}).node;
  EXPECT_EQ(l.volatile_state.next_index[n3], Index{4});  // never below the base
  EXPECT_EQ(sent<InstallSnapshot>(R::step(snapshots, n1, l, TimerFired{Timer::heartbeat})).size(), 1u);
}

TYPED_TEST(RaftStep, a_lagging_follower_installs_a_newer_snapshot_discarding_a_log_without_its_entry) {  // Figure 13
  LOCKSTEP_RAFT_SNAPSHOTS(0);
  const Node f = K::follower(2, {K::entry(1, 1)});
  const Step step = K::receive(snapshots, n2, f, n1, InstallSnapshot{2, 3, 2, {7, 3}});
  EXPECT_EQ(step.node.durable.snapshot, (Snapshot{3, 2, {7, 3}}));
  EXPECT_EQ(step.node.durable.log.base_index(), Index{3});
  EXPECT_EQ(step.node.durable.log.last_index(), Index{3});
  EXPECT_EQ(step.node.durable.log.term_at(3), Term{2});
  EXPECT_EQ(step.node.volatile_state.machine, (typename R::Machine{7, 3}));
  EXPECT_EQ(step.node.volatile_state.commit_index, Index{3});
  EXPECT_EQ(step.node.volatile_state.last_applied, Index{3});
  EXPECT_TRUE(effects_of<Applied<typename R::AppliedEntry>>(step).empty());  // nothing re-applied
  EXPECT_EQ(the_persist(step).log, (LogEdit{Snapshot{3, 2, {7, 3}}, std::nullopt}));
  EXPECT_TRUE(persists_first_and_exactly(f, step));
  EXPECT_EQ(sent<AppendEntriesResponse>(step)[0].second, (AppendEntriesResponse{2, true, 3}));
  // The same with a log holding the snapshot's last entry: the entries after it stay.
  const Node g = K::follower(2, {K::entry(1, 1), K::entry(2, 2), K::entry(2, 3), K::entry(2, 4)});
  const Step kept = K::receive(snapshots, n2, g, n1, InstallSnapshot{2, 3, 2, {3, 3}});
  EXPECT_EQ(kept.node.durable.log.base_index(), Index{3});
  EXPECT_EQ(kept.node.durable.log.last_index(), Index{4});
  EXPECT_EQ(kept.node.durable.log.at(4), K::entry(2, 4));
  EXPECT_EQ(kept.node.volatile_state.commit_index, Index{3});
  EXPECT_TRUE(persists_first_and_exactly(g, kept));
  // A candidate of the term steps down; a stale term is refused and changes nothing.
  Node candidate = K::campaign(snapshots, n2, K::follower(1)).node;
  EXPECT_EQ(K::receive(snapshots, n2, candidate, n1, InstallSnapshot{2, 3, 2, {7, 3}}).node.volatile_state.role,
            Role::follower);
  const Step stale = K::receive(snapshots, n2, f, n1, InstallSnapshot{1, 3, 1, {7, 3}});
  EXPECT_EQ(stale.node, f);
  EXPECT_EQ(sent<AppendEntriesResponse>(stale)[0].second, (AppendEntriesResponse{2, false, 0}));
}

TYPED_TEST(RaftStep, a_follower_refuses_a_snapshot_not_newer_than_what_it_committed) {  // Figure 13
  LOCKSTEP_RAFT_SNAPSHOTS(0);
  const Node f = K::receive(snapshots, n2, K::follower(2, {K::entry(1, 1), K::entry(2, 2), K::entry(2, 3)}), n1,
                            AppendEntries{2, 3, 2, {}, 2})
                     .node;
  ASSERT_EQ(f.volatile_state.last_applied, Index{2});
  for (const Index index : {Index{1}, Index{2}}) {
    const Step step = K::receive(snapshots, n2, f, n1, InstallSnapshot{2, index, 1, {9, 1}});
    EXPECT_EQ(step.node, f) << index;
    EXPECT_FALSE(step.persists()) << index;
    // It holds the leader's entries through its commit_index: the leader resumes after them.
    EXPECT_EQ(sent<AppendEntriesResponse>(step)[0].second, (AppendEntriesResponse{2, true, 2})) << index;
  }
}

TYPED_TEST(RaftStep, a_node_restarts_from_its_snapshot) {
  LOCKSTEP_RAFT_SNAPSHOTS(2);
  const Node f = K::receive(snapshots, n2, K::follower(1, {K::entry(1, 4), K::entry(1, 5), K::entry(1, 6)}), n1,
                            AppendEntries{1, 3, 1, {}, 2})
                     .node;
  ASSERT_EQ(f.durable.snapshot.index, Index{2});
  Node restarted = R::step(snapshots, n2, f, Restarted{}).node;
  EXPECT_EQ(restarted.durable, f.durable);
  EXPECT_EQ(restarted.volatile_state.machine, (typename R::Machine{5, 2}));
  EXPECT_EQ(restarted.volatile_state.commit_index, Index{2});
  EXPECT_EQ(restarted.volatile_state.last_applied, Index{2});
  // Later commits apply only what follows the snapshot.
  const Step step = K::receive(snapshots, n2, restarted, n1, AppendEntries{1, 3, 1, {}, 3});
  const auto applied = effects_of<Applied<typename R::AppliedEntry>>(step);
  ASSERT_EQ(applied.size(), 1u);
  EXPECT_EQ(applied[0].command.index, Index{3});
  EXPECT_EQ(step.node.volatile_state.machine, (typename R::Machine{6, 3}));
}

// Model size only: the checker may leave the no-op out (a smaller world), and a full log has no
// room for it (the bound counts every entry).
TEST(RaftStepModel, the_leaders_no_op_can_be_left_out_and_respects_the_log_bound) {
  using K = Kit<ModelSizes>;
  using R = K::R;
  const auto elect_with = [](const R::Config& c) {
    return K::elect(c, K::follower(1, {K::entry(1, 4)}));
  };
  EXPECT_EQ(elect_with(model_config<Register>(3, 9, 4)).durable.log.last_index(), Index{1});  // off
  EXPECT_EQ(elect_with(model_config<Register>(3, 9, 4, Bug::none, {}, 0, true)).durable.log.last_index(), Index{2});
  const R::Node full = elect_with(model_config<Register>(3, 9, 1, Bug::none, {}, 0, true));
  EXPECT_EQ(full.volatile_state.role, Role::leader);
  EXPECT_EQ(full.durable.log.last_index(), Index{1});  // log_max 1: no room
}

// Model size only: the checker's bounds and seeded bugs.
using M = Kit<ModelSizes>;
using R = M::R;
using Step = M::Step;

TEST(RaftStepModel, election_timer_respects_the_term_bound_and_leaders_ignore_it_without_check_quorum) {
  const R::Config bounded = model_config<Register>(3, 2, 4);
  EXPECT_TRUE(R::step(bounded, n1, M::follower(2), R::TimerFired{Timer::election}).effects.empty());
  // Without check-quorum (the checker's smaller world) a leader lets its election timer lapse,
  // and nothing is disregarded: a higher-term vote deposes a leader that hears its followers.
  const R::Config plain = model_config<Register>(3, 9, 4, Bug::none, {}, 0, true, false);
  const R::Node l = M::elect(plain, M::follower(1));
  EXPECT_EQ(R::step(plain, n1, l, R::TimerFired{Timer::election}).node, l);
  const R::Node f = M::receive(plain, n2, M::follower(2), n1, R::AppendEntries{2, 0, 0, {}, 0}).node;
  EXPECT_FALSE(f.volatile_state.leader_recent);
  EXPECT_EQ(M::receive(plain, n2, f, n3, R::RequestVote{3, 5, 2}).node.durable.current_term, Term{3});
  EXPECT_EQ(M::receive(plain, n1, l, n3, R::RequestVote{3, 5, 2}).node.volatile_state.role, Role::follower);
  // Without pre-vote, a node whose election timer fires campaigns at once.
  EXPECT_EQ(R::step(plain, n1, M::follower(1), R::TimerFired{Timer::election}).node.volatile_state.role, Role::candidate);
}

TEST(RaftStepModel, only_a_leader_appends_client_commands_and_within_the_log_bound) {
  const R::Node f = M::follower(1);
  EXPECT_TRUE(R::step(M::config(), n2, f, request_for<Register>(1)).is_noop(f));
  const R::Config short_log = model_config<Register>(3, 9, 1);
  R::Node l = M::leader(2);
  l = R::step(short_log, n1, l, request_for<Register>(1)).node;
  EXPECT_EQ(l.durable.log.last_index(), 1);
  EXPECT_EQ(R::step(short_log, n1, l, request_for<Register>(2)).node, l);
}

TEST(RaftStepModel, seeded_bug_vote_not_durable_forgets_the_vote_on_restart) {
  const R::Config buggy = model_config<Register>(3, 9, 4, Bug::vote_not_durable);
  const R::Node voted = M::receive(buggy, n2, M::follower(1), n1, R::RequestVote{2, 0, 0}).node;
  EXPECT_TRUE(R::step(buggy, n2, voted, R::Restarted{}).node.durable.voted_for.is_none());
}

TEST(RaftStepModel, seeded_bug_ignore_higher_term_keeps_the_role) {
  const R::Config buggy = model_config<Register>(3, 9, 4, Bug::ignore_higher_term);
  R::Node l = M::leader(2);
  const Step step = M::receive(buggy, n1, l, n3, R::RequestVote{3, 0, 0});
  EXPECT_EQ(step.node.durable.current_term, 3);
  EXPECT_EQ(step.node.volatile_state.role, Role::leader);
}

TEST(RaftStepModel, seeded_bug_commit_previous_term_commits_by_counting_an_old_entry) {  // Figure 8
  const R::Config buggy = model_config<Register>(3, 9, 4, Bug::commit_previous_term);
  const R::Node l = M::elect(buggy, M::follower(2, {M::entry(1, 1)}));
  const Step step = M::receive(buggy, n1, l, n2, R::AppendEntriesResponse{3, true, 1});
  EXPECT_EQ(step.node.volatile_state.commit_index, 1);
}

TEST(RaftStepModel, seeded_bug_vote_without_log_check_grants_a_stale_candidate) {
  const R::Config buggy = model_config<Register>(3, 9, 4, Bug::vote_without_log_check);
  const R::Node voter = M::follower(2, {M::entry(1, 1), M::entry(2, 2)});
  const Step step = M::receive(buggy, n2, voter, n1, R::RequestVote{3, 0, 0});
  EXPECT_TRUE(sent<R::RequestVoteResponse>(step)[0].second.vote_granted);
}

TEST(RaftStepModel, seeded_bug_append_without_truncate_keeps_the_conflicting_entry) {
  const R::Config buggy = model_config<Register>(3, 9, 4, Bug::append_without_truncate);
  const R::Node f = M::follower(3, {M::entry(1, 1), M::entry(2, 2)});
  const Step step = M::receive(buggy, n2, f, n1, R::AppendEntries{3, 1, 1, M::entries({M::entry(3, 9)}), 0});
  EXPECT_EQ(step.node.durable.log, f.durable.log);
}

TEST(RaftStepModel, seeded_bug_snapshot_over_newer_rolls_the_machine_and_last_applied_back) {
  R::Config buggy = model_config<Register>(3, 9, 4, Bug::snapshot_over_newer);
  const R::Node f = M::receive(buggy, n2, M::follower(2, {M::entry(1, 1), M::entry(2, 2), M::entry(2, 3)}), n1,
                               R::AppendEntries{2, 3, 2, {}, 3})
                        .node;
  ASSERT_EQ(f.volatile_state.last_applied, 3);
  const Step step = M::receive(buggy, n2, f, n1, R::InstallSnapshot{2, 1, 1, {1, 1}});
  EXPECT_EQ(step.node.volatile_state.last_applied, 1);
  EXPECT_EQ(step.node.volatile_state.machine, (Register::State{1, 1}));
  EXPECT_EQ(step.node.volatile_state.commit_index, 3);  // the log still holds it
  EXPECT_TRUE(persists_first_and_exactly(f, step));
}

// Runtime size: no seeded bug can be named, no bound stops it, and its numbers are 64-bit.
using RT = Kit<RuntimeSizes>;
using RR = RT::R;

TEST(RaftStepRuntime, has_no_seeded_bug_and_no_bound) {
  static_assert(std::is_same_v<RR::Checks, NoChecks>);
  static_assert(std::is_empty_v<RR::Checks>);
  static_assert(std::is_same_v<R::Checks, ModelChecks>);
  static_assert(std::is_same_v<RR::Term, std::uint64_t> && std::is_same_v<RR::Index, std::uint64_t>);
  static_assert(std::is_same_v<RR::Log, BasedLog<RR::Entry, std::uint64_t, std::uint64_t>>);
  const RR::Config config{3, default_timing, NoChecks{}, {}, 0};

  // Elections far beyond 8-bit terms: a candidate campaigns 300 times (its pre-vote granted each time).
  RR::Node node = RT::follower(0);
  for (int election = 1; election <= 300; ++election) {
    const auto step = RT::campaign(config, n1, node);
    ASSERT_TRUE(persists_first_and_exactly(node, step)) << election;
    node = step.node;
  }
  EXPECT_EQ(node.durable.current_term, 300u);
  EXPECT_EQ(node.volatile_state.role, Role::candidate);

  // A leader keeps appending client commands far past any model log bound (and 8 bits); each
  // step's Persist carries exactly the one entry it appended.
  RR::Node l = RT::elect(config, node);
  ASSERT_EQ(l.volatile_state.role, Role::leader);
  ASSERT_EQ(l.durable.current_term, 301u);
  ASSERT_EQ(l.durable.log.last_index(), 1u);  // its no-op
  for (std::uint64_t i = 1; i <= 1000; ++i) {
    const auto step = RR::step(config, n1, l, RR::ClientRequest{ClientId{1}, i, Register::Command{7}});
    ASSERT_TRUE(persists_first_and_exactly(l, step)) << i;
    ASSERT_EQ(the_persist(step).log, RT::edit(i, {RR::Entry{301, ClientId{1}, i, Register::Command{7}, false}})) << i;
    l = step.node;
  }
  EXPECT_EQ(l.durable.log.last_index(), 1001u);

  // What would be seeded bugs at model size is the correct protocol here: a higher term makes
  // the leader step down, and a restart keeps the vote.
  const auto stepped_down = RT::receive(config, n1, l, n3, RR::AppendEntriesResponse{1000, false, 0});
  EXPECT_EQ(stepped_down.node.volatile_state.role, Role::follower);
  EXPECT_EQ(stepped_down.node.durable.current_term, 1000u);
  const RR::Node voted = RT::receive(config, n2, RT::follower(1), n1, RR::RequestVote{2, 0, 0}).node;
  EXPECT_EQ(RR::step(config, n2, voted, RR::Restarted{}).node.durable.voted_for, n1);
}

// At runtime size the log starts after a base index (a snapshot's last index and term): a node
// whose log is entries 1001 (term 3) and 1002 (term 4) after base 1000 (term 3), with everything
// up to the base applied (as its snapshot restored it).
RR::Node based_follower() {
  RR::Node node{};
  node.durable.current_term = 4;
  node.durable.snapshot = RR::Snapshot{1000, 3, {}};
  node.durable.log.base = 1000;
  node.durable.log.base_term = 3;
  node.durable.log.append(RR::Entry{3, ClientId{1}, 1, Register::Command{1}, false});
  node.durable.log.append(RR::Entry{4, ClientId{2}, 1, Register::Command{2}, false});
  node.volatile_state.commit_index = 1000;
  node.volatile_state.last_applied = 1000;
  return node;
}

TEST(RaftStepRuntime, a_log_with_a_base_index_matches_at_the_base_and_beyond_and_rejects_below_it) {  // Figure 2 AE 2-5
  const RR::Config config = RT::config();
  const RR::Node f = based_follower();
  ASSERT_EQ(f.durable.log.base_index(), 1000u);
  ASSERT_EQ(f.durable.log.last_index(), 1002u);
  ASSERT_EQ(f.durable.log.term_at(1000), 3u);
  const RR::Entry e1001 = f.durable.log.at(1001);
  const RR::Entry e1002 = f.durable.log.at(1002);
  const RR::Entry e1003{4, ClientId{3}, 9, Register::Command{3}, false};

  // Matching at the base: entries it holds are skipped, the new one appended after them.
  auto step = RT::receive(config, n2, f, n1, RR::AppendEntries{4, 1000, 3, RT::entries({e1001, e1002, e1003}), 0});
  EXPECT_EQ(sent<RR::AppendEntriesResponse>(step)[0].second, (RR::AppendEntriesResponse{4, true, 1003}));
  EXPECT_EQ(step.node.durable.log.last_index(), 1003u);
  EXPECT_EQ(step.node.durable.log.base_index(), 1000u);
  EXPECT_EQ(the_persist(step).log, RT::edit(1002, {e1003}));
  EXPECT_TRUE(persists_first_and_exactly(f, step));

  // Matching beyond the base, and committing: entries 1001 and 1002 are applied.
  step = RT::receive(config, n2, f, n1, RR::AppendEntries{4, 1002, 4, {}, 1002});
  EXPECT_EQ(sent<RR::AppendEntriesResponse>(step)[0].second, (RR::AppendEntriesResponse{4, true, 1002}));
  EXPECT_EQ(step.node.volatile_state.commit_index, 1002u);
  EXPECT_EQ(step.node.volatile_state.last_applied, 1002u);
  EXPECT_EQ(step.node.volatile_state.machine.value, 2);
  EXPECT_EQ(step.node.volatile_state.machine.writes, 2);
  EXPECT_FALSE(step.persists());

  // A conflict right after the base: keep through the base, append the new suffix.
  const RR::Entry other1001{4, ClientId{4}, 1, Register::Command{4}, false};
  step = RT::receive(config, n2, f, n1, RR::AppendEntries{4, 1000, 3, RT::entries({other1001}), 0});
  EXPECT_EQ(step.node.durable.log.last_index(), 1001u);
  EXPECT_EQ(step.node.durable.log.at(1001), other1001);
  EXPECT_EQ(the_persist(step).log, RT::edit(1000, {other1001}));
  EXPECT_TRUE(persists_first_and_exactly(f, step));

  // Below the base, another term at the base, or past the log: rejected, nothing changes durably.
  for (const RR::AppendEntries& request :
       {RR::AppendEntries{4, 999, 3, RT::entries({e1001}), 0}, RR::AppendEntries{4, 0, 0, {}, 0},
        RR::AppendEntries{4, 1000, 2, {}, 0}, RR::AppendEntries{4, 1003, 4, {}, 0}}) {
    step = RT::receive(config, n2, f, n1, request);
    // The refusal names the end of the follower's log (the leader backs off to it at once).
    EXPECT_EQ(sent<RR::AppendEntriesResponse>(step)[0].second,
              (RR::AppendEntriesResponse{4, false, f.durable.log.last_index()}))
        << to_string(request);
    EXPECT_EQ(step.node.durable, f.durable) << to_string(request);
    EXPECT_FALSE(step.persists()) << to_string(request);
  }

  // The up-to-date check reads the last entry's term (5.4.1) above the base too.
  step = RT::receive(config, n2, f, n3, RR::RequestVote{5, 1002, 4});
  EXPECT_TRUE(sent<RR::RequestVoteResponse>(step)[0].second.vote_granted);
  step = RT::receive(config, n2, f, n3, RR::RequestVote{5, 1001, 4});
  EXPECT_FALSE(sent<RR::RequestVoteResponse>(step)[0].second.vote_granted);
}

TEST(RaftStepRuntime, a_leader_over_a_based_log_appends_after_it_and_sends_its_snapshot_below_it) {  // 5.3, 7
  const RR::Config config = RT::config();
  RR::Node l = RT::elect(config, based_follower());
  ASSERT_EQ(l.volatile_state.role, Role::leader);
  ASSERT_EQ(l.durable.current_term, 5u);
  EXPECT_EQ(l.volatile_state.next_index[n2], 1003u);

  EXPECT_TRUE(l.durable.log.at(1003).noop);  // its no-op, after the base's entries
  auto step = RR::step(config, n1, l, RR::ClientRequest{ClientId{8}, 1, Register::Command{8}});
  EXPECT_EQ(the_persist(step).log, RT::edit(1003, {RR::Entry{5, ClientId{8}, 1, Register::Command{8}, false}}));
  EXPECT_TRUE(persists_first_and_exactly(l, step));
  l = step.node;
  step = RR::step(config, n1, l, RR::TimerFired{Timer::heartbeat});
  auto appends = sent<RR::AppendEntries>(step);
  ASSERT_EQ(appends.size(), 2u);
  EXPECT_EQ(appends[0].second.prev_log_index, 1002u);
  EXPECT_EQ(appends[0].second.prev_log_term, 4u);
  EXPECT_EQ(appends[0].second.entries.size(), 2u);

  // A follower that keeps rejecting walks next_index back to just after the base, where it gets
  // every entry the leader holds, then to the base and no further: the leader has no entry (or
  // term) below its base to send, and sends its snapshot instead.
  // (Its refusals name a log end past next_index, so each backs off one entry.)
  for (int rejection = 0; rejection < 2; ++rejection) {
    l = RT::receive(config, n1, l, n2, RR::AppendEntriesResponse{5, false, 2000}).node;
  }
  ASSERT_EQ(l.volatile_state.next_index[n2], 1001u);
  step = RR::step(config, n1, l, RR::TimerFired{Timer::heartbeat});
  appends = sent<RR::AppendEntries>(step);
  ASSERT_EQ(appends.size(), 2u);
  EXPECT_EQ(appends[0].first, n2);
  EXPECT_EQ(appends[0].second.prev_log_index, 1000u);
  EXPECT_EQ(appends[0].second.prev_log_term, 3u);
  EXPECT_EQ(appends[0].second.entries.size(), 4u);
  for (int rejection = 0; rejection < 3; ++rejection) {
    l = RT::receive(config, n1, l, n2, RR::AppendEntriesResponse{5, false, 0}).node;
  }
  ASSERT_EQ(l.volatile_state.next_index[n2], 1000u);
  step = RR::step(config, n1, l, RR::TimerFired{Timer::heartbeat});
  EXPECT_EQ(sent<RR::AppendEntries>(step).size(), 1u);
  const auto installs = sent<RR::InstallSnapshot>(step);
  ASSERT_EQ(installs.size(), 1u);
  EXPECT_EQ(installs[0].first, n2);
  EXPECT_EQ(installs[0].second, (RR::InstallSnapshot{5, 1000, 3, {}}));
}

// A long log at runtime size: a leader appends 1,000 entries, each committed as it goes, and
// snapshots every 300 applied (at indexes far past 8 bits), so its log keeps what follows the last;
// a follower that has nothing gets the snapshot, installs it, and then takes the rest as entries.
TEST(RaftStepRuntime, a_long_log_is_compacted_by_snapshots_past_any_model_index) {
  RR::Config config = RT::config();
  config.snapshot_every = 300;
  RR::Node l = RT::elect(config, RT::follower(0));
  ASSERT_EQ(l.volatile_state.role, Role::leader);
  const RR::Term term = l.durable.current_term;
  // Its no-op, entry 1, committed first; then entry i writes i.
  l = RT::receive(config, n1, l, n2, RR::AppendEntriesResponse{term, true, 1}).node;
  ASSERT_EQ(l.volatile_state.commit_index, 1u);
  for (std::uint64_t i = 2; i <= 1000; ++i) {
    auto step = RR::step(config, n1, l, RR::ClientRequest{ClientId{1}, i, Register::Command{static_cast<std::uint8_t>(i)}});
    ASSERT_TRUE(persists_first_and_exactly(l, step)) << i;
    l = step.node;
    step = RT::receive(config, n1, l, n2, RR::AppendEntriesResponse{term, true, i});
    ASSERT_EQ(step.node.volatile_state.commit_index, i);
    ASSERT_EQ(step.persists(), i % 300 == 0) << i;
    if (step.persists()) {
      ASSERT_TRUE(persists_first_and_exactly(l, step)) << i;
      ASSERT_EQ(the_persist(step).log, (RR::LogEdit{RR::Snapshot{i, term, step.node.volatile_state.machine}, std::nullopt}));
    }
    l = step.node;
  }
  EXPECT_EQ(l.durable.snapshot.index, 900u);
  EXPECT_EQ(l.durable.snapshot.machine.value, static_cast<std::uint8_t>(900));
  EXPECT_EQ(l.durable.log.base_index(), 900u);
  EXPECT_EQ(l.durable.log.last_index(), 1000u);
  EXPECT_EQ(l.durable.log.entries.size(), 100u);

  // n3 never answered: its next_index (1) is below the base, so the heartbeat sends the snapshot.
  const auto installs = sent<RR::InstallSnapshot>(RR::step(config, n1, l, RR::TimerFired{Timer::heartbeat}));
  ASSERT_EQ(installs.size(), 1u);
  EXPECT_EQ(installs[0].first, n3);
  const RR::InstallSnapshot install = installs[0].second;
  EXPECT_EQ(install.last_included_index, 900u);
  const RR::Node f = RT::follower(term);
  auto step = RT::receive(config, n3, f, n1, install);
  EXPECT_TRUE(persists_first_and_exactly(f, step));
  EXPECT_EQ(step.node.volatile_state.last_applied, 900u);
  EXPECT_EQ(step.node.volatile_state.machine, l.durable.snapshot.machine);
  EXPECT_EQ(sent<RR::AppendEntriesResponse>(step)[0].second, (RR::AppendEntriesResponse{term, true, 900}));
  l = RT::receive(config, n1, l, n3, RR::AppendEntriesResponse{term, true, 900}).node;
  EXPECT_EQ(l.volatile_state.next_index[n3], 901u);
  const auto appends = sent<RR::AppendEntries>(RR::step(config, n1, l, RR::TimerFired{Timer::heartbeat}));
  ASSERT_EQ(appends.size(), 2u);
  EXPECT_EQ(appends[1].first, n3);
  EXPECT_EQ(appends[1].second.entries.size(), 100u);
  const RR::Node caught_up = RT::receive(config, n3, step.node, n1, appends[1].second).node;
  EXPECT_EQ(caught_up.volatile_state.last_applied, 1000u);
  EXPECT_EQ(caught_up.volatile_state.machine, l.volatile_state.machine);
  // Restarted, it comes back from its snapshot: 900 applied, the rest re-applied as committed.
  const RR::Node restarted = RR::step(config, n3, caught_up, RR::Restarted{}).node;
  EXPECT_EQ(restarted.volatile_state.last_applied, 900u);
  EXPECT_EQ(restarted.volatile_state.machine, l.durable.snapshot.machine);
}

}  // namespace
}  // namespace lockstep::raft
