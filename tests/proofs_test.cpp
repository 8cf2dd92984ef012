// The proofs (issue 13): Z3 decides every obligation as expected (proved, or refuted when broken on
// purpose), a counterexample to induction is readable and really breaks the obligation (checked
// again by the finite evaluator), the quorum checks answer with two quorums that really are
// disjoint, and the evaluator that --refine uses agrees with Z3 on the same formulas.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "spec/proofs/logic.hpp"
#include "spec/proofs/obligations.hpp"
#include "spec/proofs/quorums.hpp"
#include "spec/proofs/refinement.hpp"
#include "spec/proofs/raft_log.hpp"
#include "spec/proofs/registry.hpp"
#include "spec/proofs/structure.hpp"
#include "spec/proofs/voting.hpp"

namespace lockstep::proofs {
namespace {

TEST(Proofs, every_obligation_is_decided_as_expected) {
  std::size_t proved = 0, refuted = 0;
  for (const Obligation& o : all_obligations()) {
    const Verdict v = o.run();
    if (o.expect_refuted) {
      EXPECT_EQ(v.result, Verdict::Result::refuted) << o.name;
      EXPECT_FALSE(v.counterexample.empty()) << o.name;
      ++refuted;
    } else {
      EXPECT_EQ(v.result, Verdict::Result::proved) << o.name << "\n" << v.counterexample;
      ++proved;
    }
  }
  EXPECT_GE(proved, 60u);
  EXPECT_GE(refuted, 8u);
}

TEST(Proofs, removing_a_strengthening_conjunct_gives_a_counterexample_to_induction) {
  const Protocol voting = voting_protocol(false);
  for (const std::string conjunct : {"OneValuePerBallot", "LeftDownwardClosed"}) {
    auto broken = std::make_shared<const Protocol>(without_conjunct(voting, conjunct));
    bool refuted = false;
    for (const Obligation& o : protocol_obligations(broken, broken->name)) {
      const Verdict v = o.run();
      if (v.result != Verdict::Result::refuted) continue;
      EXPECT_NE(v.counterexample.find("node: n1"), std::string::npos) << v.counterexample;
      EXPECT_NE(v.counterexample.find("voted: "), std::string::npos) << v.counterexample;
      const bool induction = o.name.find("/VoteFor/") != std::string::npos || o.name.find("/IncreaseMaxBal/") != std::string::npos;
      if (!induction) continue;  // (the safety property may fail too; the induction must)
      refuted = true;
      // Readable: the sorts' elements, the action's parameters, the relations before and after.
      EXPECT_NE(v.counterexample.find("ballot: b1 < b2"), std::string::npos) << v.counterexample;
      EXPECT_NE(v.counterexample.find("with a="), std::string::npos) << v.counterexample;
      EXPECT_NE(v.counterexample.find("after the step"), std::string::npos) << v.counterexample;
    }
    EXPECT_TRUE(refuted) << "without " << conjunct << " the invariant should not be inductive";
  }
  // With every conjunct, the same obligations are all proved.
  for (const Obligation& o : protocol_obligations(std::make_shared<const Protocol>(voting), "voting")) {
    EXPECT_EQ(o.run().result, Verdict::Result::proved) << o.name;
  }
}

// The two quorums of a refutation satisfy their rules and share no member.
void expect_disjoint_quorums(const QuorumRule& a, const QuorumRule& b) {
  const QuorumCheck check = check_intersection(a, b);
  ASSERT_FALSE(check.intersect) << a.name << " / " << b.name;
  const auto meets = [](const QuorumRule& rule, const std::vector<int>& set) {
    for (const QuorumPart& part : rule.parts) {
      const auto n = std::count_if(part.members.begin(), part.members.end(),
                                   [&](int id) { return std::find(set.begin(), set.end(), id) != set.end(); });
      if (n < part.at_least) return false;
    }
    return true;
  };
  EXPECT_TRUE(meets(a, check.first));
  EXPECT_TRUE(meets(b, check.second));
  for (int id : check.first) EXPECT_EQ(std::count(check.second.begin(), check.second.end(), id), 0);
  EXPECT_NE(check.text().find("share no member"), std::string::npos);
}

TEST(Proofs, quorum_checks_prove_intersection_or_show_two_disjoint_quorums) {
  for (int n = 1; n <= 9; ++n) EXPECT_TRUE(check_intersection(majority_of(nodes_up_to(n)), majority_of(nodes_up_to(n))).intersect) << n;
  for (int n = 2; n <= 7; ++n) {
    for (int q1 = 1; q1 <= n; ++q1) {
      for (int q2 = 1; q2 <= n; ++q2) {
        const QuorumRule a = at_least_of(nodes_up_to(n), q1), b = at_least_of(nodes_up_to(n), q2);
        if (q1 + q2 > n) {
          EXPECT_TRUE(check_intersection(a, b).intersect) << n << " " << q1 << " " << q2;
        } else {
          expect_disjoint_quorums(a, b);
        }
      }
    }
  }
  // Raft's joint consensus: C_old,new quorums meet each other and both single configurations'.
  const std::vector<int> old_members{1, 2, 3}, new_members{3, 4, 5};
  EXPECT_TRUE(check_intersection(joint_majority(old_members, new_members), majority_of(new_members)).intersect);
  EXPECT_TRUE(check_intersection(joint_majority(old_members, new_members), majority_of(old_members)).intersect);
  expect_disjoint_quorums(majority_of(old_members), majority_of(new_members));
  EXPECT_EQ(prove_sizes_intersect_symbolically(true), "");
  EXPECT_EQ(prove_sizes_intersect_symbolically(false), "");
}

// The evaluator (what --refine runs) and Z3 agree: on every structure of a small universe that
// Z3 says satisfies Voting's invariant conjunct by conjunct, so does the evaluator, and a Z3
// counterexample to induction, read back, really breaks its obligation in the evaluator.
TEST(Proofs, the_evaluator_agrees_with_z3_on_counterexamples) {
  auto broken = std::make_shared<const Protocol>(without_conjunct(voting_protocol(false), "OneValuePerBallot"));
  const Action* vote_for = nullptr;
  for (const Action& a : broken->actions) {
    if (a.name == "VoteFor") vote_for = &a;
  }
  ASSERT_NE(vote_for, nullptr);
  Structure cti;
  std::vector<int> params;
  ValidityQuery q;
  q.vocabulary = &broken->vocabulary;
  for (const NamedFormula& axiom : broken->axioms) q.hypotheses.push_back(axiom.formula);
  for (const NamedFormula& c : broken->invariant) q.hypotheses.push_back(c.formula);
  q.hypotheses.push_back(vote_for->formula);
  const NamedFormula* votes_safe = nullptr;
  for (const NamedFormula& c : broken->invariant) {
    if (c.name == "VotesSafe") votes_safe = &c;
  }
  ASSERT_NE(votes_safe, nullptr);
  q.goal = primed(broken->vocabulary, votes_safe->formula);
  q.step = true;
  q.shown = vote_for->params;
  q.print = [&](Structure& s, const std::vector<int>& free) {
    cti = s;
    params = free;
    return std::string();
  };
  ASSERT_EQ(check_validity(q).result, Verdict::Result::refuted);
  // In the evaluator: the state before satisfies the (weakened) invariant, the step is VoteFor
  // with Z3's parameters, and VotesSafe fails after it.
  for (const NamedFormula& c : broken->invariant) EXPECT_TRUE(cti.holds(c.formula)) << c.name;
  std::vector<int> env = params;
  EXPECT_TRUE(cti.holds(vote_for->formula, env));
  EXPECT_FALSE(cti.holds(q.goal));
  EXPECT_TRUE(is_abstract_step(*broken, cti));
}

TEST(Proofs, the_evaluator_decides_voting_steps) {
  const auto protocol = find_abstract_protocol("paxos-voting");
  ASSERT_NE(protocol, nullptr);
  const VotingVocabulary v = voting_vocabulary(*protocol);
  // 3 nodes, 2 ballots, 1 value, the 3 majorities of 2.
  std::vector<int> sizes(protocol->vocabulary.sorts().size(), 1);
  sizes[static_cast<std::size_t>(v.node)] = 3;
  sizes[static_cast<std::size_t>(v.ballot)] = 2;
  sizes[static_cast<std::size_t>(v.quorum)] = 3;
  Structure s(protocol->vocabulary, sizes);
  const auto quorums = subsets_of_size(3, 2);
  for (std::size_t q = 0; q < quorums.size(); ++q) {
    for (int n : quorums[q]) s.set(v.member, {n, static_cast<int>(q)}, true);
  }
  s.copy_before_to_after();
  EXPECT_TRUE(s.stutters());
  EXPECT_TRUE(satisfies_invariant(*protocol, s));
  // n1 votes v1 at b1 (the lowest ballot: always safe) and promises b1: VoteFor.
  s.set(v.voted, {0, 0, 0}, true, true);
  EXPECT_EQ(abstract_step_name(*protocol, s), "VoteFor");
  // A vote at b2 with no quorum having promised b2: no action allows it.
  Structure t(protocol->vocabulary, sizes);
  for (std::size_t q = 0; q < quorums.size(); ++q) {
    for (int n : quorums[q]) t.set(v.member, {n, static_cast<int>(q)}, true);
  }
  t.copy_before_to_after();
  t.set(v.voted, {0, 1, 0}, true, true);
  t.set(v.left, {0, 0}, true, true);
  EXPECT_EQ(abstract_step_name(*protocol, t), "none");
  // A promise that goes down is not a step either.
  Structure u = t.after_as_before();
  u.copy_before_to_after();
  u.set(v.left, {0, 0}, false, true);
  EXPECT_EQ(abstract_step_name(*protocol, u), "none");
}


// A tuple of a relation that the step leaves as it is: in the state before and after.
void set_before_and_after(Structure& s, int relation, const std::vector<int>& tuple) {
  s.set(relation, tuple, true, false);
  s.set(relation, tuple, true, true);
}

// raft-log over 2 nodes, terms 0..2, indexes 0..indexes-1, and the one majority {n1, n2}.
Structure two_node_raft_log(const Protocol& protocol, const RaftLogVocabulary& v, int indexes) {
  std::vector<int> sizes(protocol.vocabulary.sorts().size(), 1);
  sizes[static_cast<std::size_t>(v.node)] = 2;
  sizes[static_cast<std::size_t>(v.term)] = 3;
  sizes[static_cast<std::size_t>(v.index)] = indexes;
  Structure s(protocol.vocabulary, sizes);
  set_before_and_after(s, v.member, {0, 0});
  set_before_and_after(s, v.member, {1, 0});
  return s;
}

// raft-log's Replicate, in the evaluator: a follower whose entry at 2 conflicts with the
// message's takes the message's entries and drops its own; keeping its conflicting entry while
// appending after it (the append-without-truncate bug) is no step of raft-log.
TEST(Proofs, the_evaluator_decides_raft_log_replication) {
  const auto protocol = find_abstract_protocol("raft-log");
  ASSERT_NE(protocol, nullptr);
  const RaftLogVocabulary v = raft_log_vocabulary(*protocol);
  Structure before = two_node_raft_log(*protocol, v, 4);
  const auto both = [&](int relation, const std::vector<int>& tuple) { set_before_and_after(before, relation, tuple); };
  both(v.leader, {1, 0});  // n1 led term 1, n2 leads term 2; both are in term 2
  both(v.leader, {2, 1});
  for (int n : {0, 1}) {
    both(v.left, {n, 0});
    both(v.left, {n, 1});
  }
  both(v.log, {1, 1, 1});
  both(v.log, {1, 2, 2});
  both(v.log, {1, 3, 2});
  before.set(v.log, {0, 1, 1}, true, false);
  before.set(v.log, {0, 2, 1}, true, false);
  // n2's AppendEntries after index 1 through 3, in flight before the step only
  for (const auto& [j, u] : std::vector<std::pair<int, int>>{{1, 1}, {2, 2}, {3, 2}}) before.set(v.sent, {2, 1, 3, j, u}, true, false);
  ASSERT_TRUE(satisfies_invariant(*protocol, before));

  Structure truncated = before;
  for (const auto& [i, u] : std::vector<std::pair<int, int>>{{1, 1}, {2, 2}, {3, 2}}) truncated.set(v.log, {0, i, u}, true, true);
  EXPECT_EQ(abstract_step_name(*protocol, truncated), "Replicate");

  Structure kept = before;
  for (const auto& [i, u] : std::vector<std::pair<int, int>>{{1, 1}, {2, 1}, {3, 2}}) kept.set(v.log, {0, i, u}, true, true);
  EXPECT_EQ(abstract_step_name(*protocol, kept), "none");
  EXPECT_FALSE(explain_step(*protocol, kept).empty());
}

// A step may be two actions one after the other when each changes relations of its own: a Raft
// leader elected and appending its no-op in one step is raft-log's Elect, then its Append. An
// entry of another term in that step is neither.
TEST(Proofs, a_step_of_two_actions_on_relations_of_their_own_refines) {
  const auto protocol = find_abstract_protocol("raft-log");
  ASSERT_NE(protocol, nullptr);
  const RaftLogVocabulary v = raft_log_vocabulary(*protocol);
  Structure before = two_node_raft_log(*protocol, v, 3);
  for (int n : {0, 1}) set_before_and_after(before, v.left, {n, 0});  // both in term 1, which nobody leads yet
  ASSERT_TRUE(satisfies_invariant(*protocol, before));

  Structure elected = before;
  elected.set(v.leader, {1, 0}, true, true);
  EXPECT_EQ(abstract_step_name(*protocol, elected), "Elect");
  Structure with_noop = elected;
  with_noop.set(v.log, {0, 1, 1}, true, true);
  EXPECT_EQ(abstract_step_name(*protocol, with_noop), "Elect, then Append");
  Structure other_term = elected;
  other_term.set(v.log, {0, 1, 2}, true, true);
  EXPECT_EQ(abstract_step_name(*protocol, other_term), "none");
}

}  // namespace
}  // namespace lockstep::proofs
