// The Raft step function, rule by rule (Figure 2 of the extended paper; sections cited).
#include <gtest/gtest.h>

#include "model/core/print.hpp"
#include "model/raft/raft.hpp"
#include "model/raft/register.hpp"

namespace lockstep::raft {
namespace {

using R = Raft<Register>;
using Step = lockstep::Step<R>;
const Config config{3, 9, 4, Bug::none};
constexpr NodeId n1{1}, n2{2}, n3{3};

R::Entry entry(Term term, std::uint8_t value) { return R::Entry{term, Register::Command{value}}; }

template <class M>
std::vector<std::pair<NodeId, M>> sent(const Step& step) {
  std::vector<std::pair<NodeId, M>> out;
  for (const auto& effect : step.effects) {
    if (const auto* send = std::get_if<Send<R::Message>>(&effect)) {
      if (const auto* m = std::get_if<M>(&send->message)) out.emplace_back(send->to, *m);
    }
  }
  return out;
}

bool persists_before_sending(const Step& step) { return step.persists() && step.persist_precedes_sends(); }

Step receive(const Config& c, NodeId self, const R::Node& node, NodeId from, R::Message message) {
  return R::step(c, self, node, R::MessageReceived{from, std::move(message)});
}

R::Node follower(Term term, std::vector<R::Entry> log = {}) {
  R::Node node{};
  node.durable.current_term = term;
  for (const auto& e : log) node.durable.log.push_back(e);
  return node;
}

// A leader of `term` over `log`, elected by n1 and n2.
R::Node leader(Term term, std::vector<R::Entry> log = {}) {
  R::Node node = follower(static_cast<Term>(term - 1), log);
  node = R::step(config, n1, node, R::TimerFired{Timer::election}).node;
  return receive(config, n1, node, n2, R::RequestVoteResponse{term, true}).node;
}

TEST(RaftStep, election_timer_starts_an_election_durably_voting_for_itself) {  // 5.2
  const Step step = R::step(config, n1, follower(2, {entry(1, 7)}), R::TimerFired{Timer::election});
  EXPECT_EQ(step.node.durable.current_term, 3);
  EXPECT_EQ(step.node.durable.voted_for, n1);
  EXPECT_EQ(step.node.volatile_state.role, Role::candidate);
  EXPECT_TRUE(persists_before_sending(step));
  const auto requests = sent<R::RequestVote>(step);
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].second, (R::RequestVote{3, 1, 1}));
}

TEST(RaftStep, election_timer_respects_the_term_bound_and_leaders_ignore_it) {
  const Config bounded{3, 2, 4, Bug::none};
  EXPECT_TRUE(R::step(bounded, n1, follower(2), R::TimerFired{Timer::election}).effects.empty());
  const R::Node l = leader(2);
  EXPECT_EQ(R::step(config, n1, l, R::TimerFired{Timer::election}).node, l);
}

TEST(RaftStep, votes_once_per_term_durably) {  // 5.2, Figure 2 RequestVote 2
  Step step = receive(config, n2, follower(1), n1, R::RequestVote{2, 0, 0});
  EXPECT_EQ(step.node.durable.voted_for, n1);
  EXPECT_TRUE(persists_before_sending(step));
  EXPECT_EQ(sent<R::RequestVoteResponse>(step)[0].second, (R::RequestVoteResponse{2, true}));
  step = receive(config, n2, step.node, n3, R::RequestVote{2, 0, 0});
  EXPECT_EQ(sent<R::RequestVoteResponse>(step)[0].second, (R::RequestVoteResponse{2, false}));
  step = receive(config, n2, step.node, n1, R::RequestVote{2, 0, 0});  // a retransmission: same answer
  EXPECT_EQ(sent<R::RequestVoteResponse>(step)[0].second, (R::RequestVoteResponse{2, true}));
}

TEST(RaftStep, refuses_a_vote_to_a_candidate_with_a_less_up_to_date_log) {  // 5.4.1
  const R::Node voter = follower(2, {entry(1, 1), entry(2, 2)});
  for (const R::RequestVote request : {R::RequestVote{3, 2, 1}, R::RequestVote{3, 1, 2}}) {
    const Step step = receive(config, n2, voter, n1, request);
    EXPECT_FALSE(sent<R::RequestVoteResponse>(step)[0].second.vote_granted) << to_string(request);
  }
  const Step step = receive(config, n2, voter, n1, R::RequestVote{3, 1, 3});  // higher last term wins
  EXPECT_TRUE(sent<R::RequestVoteResponse>(step)[0].second.vote_granted);
}

TEST(RaftStep, a_higher_term_in_any_message_makes_any_role_a_follower) {  // 5.1
  const R::Node l = leader(2);
  const Step step = receive(config, n1, l, n3, R::AppendEntriesResponse{5, false, 0});
  EXPECT_EQ(step.node.durable.current_term, 5);
  EXPECT_TRUE(step.node.durable.voted_for.is_none());
  EXPECT_EQ(step.node.volatile_state.role, Role::follower);
  EXPECT_TRUE(step.persists());
}

TEST(RaftStep, a_majority_of_votes_makes_a_leader_that_heartbeats_the_entries_followers_lack) {  // 5.2, 5.3
  R::Node l = leader(2, {entry(1, 1)});
  EXPECT_EQ(l.volatile_state.role, Role::leader);
  EXPECT_EQ(l.volatile_state.next_index[n2], 2);
  l.volatile_state.next_index[n3] = 1;
  const Step step = R::step(config, n1, l, R::TimerFired{Timer::heartbeat});
  const auto appends = sent<R::AppendEntries>(step);
  ASSERT_EQ(appends.size(), 2u);
  EXPECT_TRUE(appends[0].second.entries.empty());          // n2 is up to date
  EXPECT_EQ(appends[1].second.entries.size(), 1u);         // n3 gets entry 1
  EXPECT_EQ(appends[1].second.prev_log_index, 0);
}

TEST(RaftStep, append_entries_rejects_a_stale_term_and_a_log_gap) {  // Figure 2 AppendEntries 1, 2
  const R::Node f = follower(3, {entry(1, 1)});
  Step step = receive(config, n2, f, n1, R::AppendEntries{2, 0, 0, {}, 0});
  EXPECT_EQ(sent<R::AppendEntriesResponse>(step)[0].second, (R::AppendEntriesResponse{3, false, 0}));
  step = receive(config, n2, f, n1, R::AppendEntries{3, 2, 1, {}, 0});  // no entry at index 2
  EXPECT_FALSE(sent<R::AppendEntriesResponse>(step)[0].second.success);
  step = receive(config, n2, f, n1, R::AppendEntries{3, 1, 2, {}, 0});  // term mismatch at index 1
  EXPECT_FALSE(sent<R::AppendEntriesResponse>(step)[0].second.success);
}

TEST(RaftStep, append_entries_deletes_a_conflicting_suffix_then_appends) {  // Figure 2 AppendEntries 3, 4
  const R::Node f = follower(3, {entry(1, 1), entry(2, 2), entry(2, 3)});
  R::Log entries;
  entries.push_back(entry(3, 9));
  const Step step = receive(config, n2, f, n1, R::AppendEntries{3, 1, 1, entries, 0});
  ASSERT_EQ(step.node.durable.log.size(), 2u);
  EXPECT_EQ(step.node.durable.log[1], entry(3, 9));
  EXPECT_TRUE(persists_before_sending(step));
  EXPECT_EQ(sent<R::AppendEntriesResponse>(step)[0].second, (R::AppendEntriesResponse{3, true, 2}));
}

TEST(RaftStep, follower_commits_up_to_the_leader_commit_and_its_last_new_entry) {  // Figure 2 AppendEntries 5
  const R::Node f = follower(1, {entry(1, 4), entry(1, 5)});
  const Step step = receive(config, n2, f, n1, R::AppendEntries{1, 1, 1, {}, 2});
  EXPECT_EQ(step.node.volatile_state.commit_index, 1);  // min(leader_commit 2, last new entry 1)
  EXPECT_EQ(step.node.volatile_state.machine.value, 4);
}

TEST(RaftStep, leader_commits_only_entries_of_its_term_by_counting_replicas) {  // 5.4.2, Figure 8
  R::Node l = leader(3, {entry(1, 1)});
  Step step = receive(config, n1, l, n2, R::AppendEntriesResponse{3, true, 1});
  EXPECT_EQ(step.node.volatile_state.commit_index, 0);  // entry 1 is of term 1: not by counting
  step = R::step(config, n1, step.node, R::ClientRequest{Register::Command{2}});
  step = receive(config, n1, step.node, n2, R::AppendEntriesResponse{3, true, 2});
  EXPECT_EQ(step.node.volatile_state.commit_index, 2);  // term 3's entry commits both
  EXPECT_EQ(step.node.volatile_state.last_applied, 2);
}

TEST(RaftStep, only_a_leader_appends_client_commands_and_within_the_log_bound) {
  const R::Node f = follower(1);
  EXPECT_TRUE(R::step(config, n2, f, R::ClientRequest{Register::Command{1}}).effects.empty());
  const Config short_log{3, 9, 1, Bug::none};
  R::Node l = leader(2);
  l = R::step(short_log, n1, l, R::ClientRequest{Register::Command{1}}).node;
  EXPECT_EQ(l.durable.log.size(), 1u);
  EXPECT_EQ(R::step(short_log, n1, l, R::ClientRequest{Register::Command{2}}).node, l);
}

TEST(RaftStep, restarted_keeps_durable_and_resets_volatile) {
  R::Node l = leader(2, {entry(1, 1)});
  const Step step = R::step(config, n1, l, R::Restarted{});
  EXPECT_EQ(step.node.durable, l.durable);
  EXPECT_EQ(step.node.volatile_state, R::Volatile{});
}

TEST(RaftStep, obsolete_responses_are_those_no_later_state_can_use) {
  const R::Node l = leader(2);
  EXPECT_TRUE(R::obsolete(config, l, n2, R::RequestVoteResponse{2, true}));    // already leader
  EXPECT_TRUE(R::obsolete(config, l, n2, R::AppendEntriesResponse{1, true, 1}));  // older term
  EXPECT_FALSE(R::obsolete(config, l, n2, R::AppendEntriesResponse{2, true, 1}));  // news for the leader
  EXPECT_FALSE(R::obsolete(config, l, n2, R::AppendEntriesResponse{3, false, 0}));  // a higher term
  EXPECT_FALSE(R::obsolete(config, l, n2, R::AppendEntries{1, 0, 0, {}, 0}));  // still answered
}

TEST(RaftStep, seeded_bug_vote_not_durable_forgets_the_vote_on_restart) {
  const Config buggy{3, 9, 4, Bug::vote_not_durable};
  const R::Node voted = receive(buggy, n2, follower(1), n1, R::RequestVote{2, 0, 0}).node;
  EXPECT_TRUE(R::step(buggy, n2, voted, R::Restarted{}).node.durable.voted_for.is_none());
}

TEST(RaftStep, seeded_bug_ignore_higher_term_keeps_the_role) {
  const Config buggy{3, 9, 4, Bug::ignore_higher_term};
  R::Node l = leader(2);
  const Step step = receive(buggy, n1, l, n3, R::RequestVote{3, 0, 0});
  EXPECT_EQ(step.node.durable.current_term, 3);
  EXPECT_EQ(step.node.volatile_state.role, Role::leader);
}

}  // namespace
}  // namespace lockstep::raft
