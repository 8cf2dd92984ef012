// The checker on Paxos: every seeded bug is found with the invariant it breaks and a shortest
// trace of pinned length; the correct protocol's state counts are pinned at two bound settings;
// the Paxos.tla reference mode finds exactly TLC's states.
#include <gtest/gtest.h>

#include <bit>

#include "checker/protocols/paxos.hpp"
#include "spec/paxos/invariants.hpp"
#include "spec/paxos/tla_invariants.hpp"
#include "tests/support/named_property.hpp"
#include "tests/support/trace_support.hpp"

namespace lockstep {
namespace {

PaxosCheckOptions small_bounds() {
  PaxosCheckOptions o;
  o.nodes = 3;
  o.values = 2;
  o.round_max = 1;
  o.crashes = 0;
  o.drops = 0;
  o.duplicates = 0;
  o.messages_max = 0;  // only the network's capacity
  return o;
}

struct SeededBug {
  paxos::Bug bug;
  const char* invariant;
  std::size_t trace_steps;  // actions in the shortest counterexample
};

class PaxosSeededBug : public ::testing::TestWithParam<SeededBug> {};

TEST_P(PaxosSeededBug, is_found_with_a_shortest_itf_trace_at_default_bounds) {
  PaxosCheckOptions options;  // the command line's defaults
  options.bug = GetParam().bug;
  const CheckReport report = check_paxos(options);
  ASSERT_EQ(report.outcome, Outcome::violation);
  EXPECT_EQ(report.property, GetParam().invariant);
  EXPECT_EQ(report.trace_lines.size(), GetParam().trace_steps + 1);  // + the initial state
  ASSERT_TRUE(report.trace.is_object());
  EXPECT_EQ(report.trace["states"].size(), GetParam().trace_steps + 1);
  EXPECT_EQ(report.trace["#meta"]["invariant"], GetParam().invariant);
  EXPECT_EQ(report.trace["vars"], Json::parse(R"(["nodes", "network", "budgets", "requests_pending", "ghost"])"));
  EXPECT_EQ(report.stats.depth, GetParam().trace_steps);
}

INSTANTIATE_TEST_SUITE_P(
    Bugs, PaxosSeededBug,
    ::testing::Values(SeededBug{paxos::Bug::promise_not_durable, "PAXOS-PromiseMonotone", 2},
                      SeededBug{paxos::Bug::ignore_accepted_value, "PAXOS-VotesSafe", 6},
                      SeededBug{paxos::Bug::accept_below_promise, "PAXOS-VotesSafe", 6}),
    [](const auto& info) { return std::string(enum_name(info.param.bug)); });

TEST(PaxosCheck, correct_protocol_state_counts_are_pinned) {
  PaxosCheckOptions o = small_bounds();
  CheckReport report = check_paxos(o);
  EXPECT_EQ(report.outcome, Outcome::ok);
  EXPECT_EQ(report.stats.distinct_states, 288u);
  EXPECT_EQ(report.stats.depth, 12u);

  o.round_max = 2;
  o.crashes = 1;
  report = check_paxos(o);
  EXPECT_EQ(report.outcome, Outcome::ok);
  EXPECT_EQ(report.stats.distinct_states, 190620u);
  EXPECT_EQ(report.stats.depth, 27u);
  EXPECT_TRUE(report.sometimes_unreached.empty());
}

TEST(PaxosCheck, results_do_not_depend_on_the_number_of_workers) {
  PaxosCheckOptions o = small_bounds();
  o.round_max = 2;
  o.crashes = 1;
  o.messages_max = 6;
  o.explore.workers = 1;
  const CheckReport one = check_paxos(o);
  o.explore.workers = 2;
  const CheckReport two = check_paxos(o);
  EXPECT_EQ(one.stats.distinct_states, two.stats.distinct_states);
  EXPECT_EQ(one.stats.states_generated, two.stats.states_generated);
  EXPECT_EQ(one.stats.depth, two.stats.depth);

  o.bug = paxos::Bug::ignore_accepted_value;
  o.explore.workers = 1;
  const CheckReport bug_one = check_paxos(o);
  o.explore.workers = 2;
  const CheckReport bug_two = check_paxos(o);
  EXPECT_EQ(bug_one.property, bug_two.property);
  EXPECT_EQ(bug_one.trace_lines.size(), bug_two.trace_lines.size());
  Json last_one = bug_one.trace["states"].back();
  Json last_two = bug_two.trace["states"].back();
  last_one.erase("#meta");
  last_two.erase("#meta");
  EXPECT_EQ(last_one, last_two) << "the same violating state";
}

TEST(PaxosCheck, a_model_that_cannot_choose_is_reported_vacuous) {
  PaxosCheckOptions o = small_bounds();
  o.values = 0;  // no client ever proposes
  const CheckReport report = check_paxos(o);
  EXPECT_EQ(report.outcome, Outcome::vacuous);
  EXPECT_EQ(report.sometimes_unreached, std::vector<std::string>{"value-chosen"});
}

TEST(PaxosCheck, bounds_are_reported_with_the_result) {
  const CheckReport report = check_paxos(small_bounds());
  EXPECT_EQ(report.bounds["nodes"], 3);
  EXPECT_EQ(report.bounds["max_round"], 1);
  EXPECT_EQ(report.bounds["crashes"], 0);
}

TEST(PaxosCheck, keep_going_counts_violations_and_keeps_the_shortest_trace) {
  PaxosCheckOptions o = small_bounds();
  o.bug = paxos::Bug::accept_below_promise;
  o.explore.keep_going = true;
  const CheckReport report = check_paxos(o);
  ASSERT_EQ(report.outcome, Outcome::violation);
  EXPECT_GT(report.violations, 1u);
  EXPECT_EQ(report.trace_lines.size(), 7u);  // the first unsafe vote, 6 steps
  EXPECT_EQ(report.property, "PAXOS-VotesSafe");
}

// Paxos.tla's invariants on the implementation's state, each on states made to break it (no
// seeded bug breaks OneValuePerBallot or MaxBalAboveVote: the correct protocol keeps them, and
// these show that they would be caught), with the explanation naming the fields.
TEST(PaxosInvariants, paxos_tla_invariants_catch_states_that_break_them) {
  using paxos::Ballot;
  using paxos::Value;
  using paxos::Vote;
  const testing::PaxosWorld world = testing::paxos_world();
  const auto& config = world.config();
  const auto initial = world.initial_states().front();
  const auto holds = [&](const auto& state, const std::string& name) { return testing::property_holds(world, state, name); };
  const auto explained = [&](const auto& state, const std::string& name) {
    return testing::first_explanation<paxos::PaxosSpec>(config, name, state);
  };
  const Ballot b11{1, NodeId::at(0)}, b12{1, NodeId::at(1)}, b21{2, NodeId::at(0)};
  const Value v1{1}, v2{2};
  for (const char* name : {"PAXOS-OneValuePerBallot", "PAXOS-VotesSafe", "PAXOS-MaxBalAboveVote"}) EXPECT_TRUE(holds(initial, name));

  // Two values voted at one ballot; then one vote and an Accept in flight for another value.
  auto two_votes = initial;
  two_votes.ghost.votes.insert(Vote{b11, NodeId::at(0), v1});
  two_votes.ghost.votes.insert(Vote{b11, NodeId::at(1), v2});
  EXPECT_FALSE(holds(two_votes, "PAXOS-OneValuePerBallot"));
  EXPECT_NE(explained(two_votes, "PAXOS-OneValuePerBallot").find("at ballot 1.1"), std::string::npos);
  auto vote_and_accept = initial;
  vote_and_accept.ghost.votes.insert(Vote{b11, NodeId::at(0), v1});
  EXPECT_TRUE(holds(vote_and_accept, "PAXOS-OneValuePerBallot"));
  vote_and_accept.network.push_back(Envelope<paxos::Message>{NodeId::at(0), NodeId::at(2), paxos::Accept{b11, v2}});
  EXPECT_FALSE(holds(vote_and_accept, "PAXOS-OneValuePerBallot"));

  // A promise below the accepted ballot, in memory, then on disk only.
  auto below = initial;
  below.nodes.items[1].node.durable.accepted_ballot = b12;
  below.nodes.items[1].node.durable.promised_ballot = b11;
  EXPECT_FALSE(holds(below, "PAXOS-MaxBalAboveVote"));
  EXPECT_NE(explained(below, "PAXOS-MaxBalAboveVote").find("n2 promised 1.1 but accepted at 1.2"), std::string::npos);
  auto on_disk = initial;
  paxos::Durable disk{};
  disk.promised_ballot = b11;
  disk.accepted_ballot = b21;
  on_disk.nodes.items[2].disk = disk;
  EXPECT_FALSE(holds(on_disk, "PAXOS-MaxBalAboveVote"));
  EXPECT_NE(explained(on_disk, "PAXOS-MaxBalAboveVote").find("nodes.n3.disk"), std::string::npos);

  // VotesSafe: v2 voted at 1.2 while v1 can still be chosen at 1.1 (n1 voted v1 there; of n2 and
  // n3, only n2 promised above 1.1). Safe once n3 durably promised past 1.1 without voting there;
  // unsafe again when that promise is in memory only (a crash would lose it).
  auto unsafe = initial;
  unsafe.ghost.votes.insert(Vote{b11, NodeId::at(0), v1});
  unsafe.ghost.votes.insert(Vote{b12, NodeId::at(1), v2});
  unsafe.nodes.items[0].node.durable.promised_ballot = b11;
  unsafe.nodes.items[1].node.durable.promised_ballot = b12;
  unsafe.nodes.items[2].node.durable.promised_ballot = b11;
  EXPECT_FALSE(holds(unsafe, "PAXOS-VotesSafe"));
  EXPECT_NE(explained(unsafe, "PAXOS-VotesSafe").find("n2 voted v2 at ballot 1.2"), std::string::npos)
      << explained(unsafe, "PAXOS-VotesSafe");
  auto safe = unsafe;
  safe.nodes.items[2].node.durable.promised_ballot = b12;
  EXPECT_TRUE(holds(safe, "PAXOS-VotesSafe"));
  auto not_durable = safe;
  paxos::Durable older = not_durable.nodes.items[2].node.durable;
  older.promised_ballot = b11;
  not_durable.nodes.items[2].disk = older;
  EXPECT_FALSE(holds(not_durable, "PAXOS-VotesSafe"));
}

// Paxos.tla's VotesSafe and the chosen values (computed over acceptor bit masks, read from msgs'
// 2b range a group of bits at a time) against their definitions read literally
// (for every 2b vote, SafeAt at every lower ballot, acceptor by acceptor), on random states: votes
// and maxBal drawn at random, so that both outcomes come up often.
// vote_at (the invariants' way from a 2b bit back to its acceptor, ballot and value, by
// reciprocals) inverts of_2b for every constant the mode accepts.
TEST(PaxosTlaInvariants, vote_at_inverts_of_2b_for_every_valid_config) {
  using namespace paxos_tla;
  std::size_t configs = 0;
  for (int acceptors = 1; acceptors <= static_cast<int>(acceptors_max); ++acceptors) {
    for (int ballots = 1; ballots <= static_cast<int>(ballots_max); ++ballots) {
      for (int values = 1; values <= static_cast<int>(values_max); ++values) {
        const Config config{static_cast<std::uint8_t>(acceptors), static_cast<std::uint8_t>(ballots),
                            static_cast<std::uint8_t>(values)};
        if (!validate(config).empty()) continue;
        ++configs;
        const Universe u(config);
        for (int a = 0; a < acceptors; ++a) {
          for (int b = 0; b < ballots; ++b) {
            for (int v = 1; v <= values; ++v) {
              const Universe::Vote vote = u.vote_at(u.of_2b(a, b, v));
              ASSERT_EQ(vote.a, a);
              ASSERT_EQ(vote.b, b);
              ASSERT_EQ(vote.v, v);
            }
          }
        }
      }
    }
  }
  EXPECT_GT(configs, 100u);
}

TEST(PaxosTlaInvariants, votes_safe_and_chosen_agree_with_their_definitions_on_random_states) {
  using namespace paxos_tla;
  std::uint64_t seed = 20261203;
  const auto next = [&seed](std::uint64_t bound) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<int>((seed >> 33) % bound);
  };
  std::size_t safe = 0, unsafe = 0;
  for (const Config config : {Config{3, 3, 2}, Config{3, 4, 2}, Config{5, 3, 3}, Config{1, 2, 1}, Config{5, 5, 3},
                              Config{1, 16, 1}, Config{7, 2, 7}}) {
    const Universe u(config);
    const int quorum = config.acceptors / 2 + 1;
    for (int round = 0; round < 5000; ++round) {
      State s;
      const int votes = next(5);
      for (int i = 0; i < votes; ++i) add(s, u.of_2b(next(config.acceptors), next(config.ballots), 1 + next(config.values)));
      for (int a = 0; a < config.acceptors; ++a) s.max_bal[a] = static_cast<std::int8_t>(next(config.ballots + 1) - 1);
      bool expected = true;
      for (int a = 0; a < config.acceptors; ++a) {
        for (int b = 0; b < config.ballots; ++b) {
          for (int v = 1; v <= config.values; ++v) {
            if (!has(s, u.of_2b(a, b, v))) continue;
            for (int c = 0; c < b; ++c) {
              int blocking = 0;
              for (int q = 0; q < config.acceptors; ++q) {
                bool voted_at_c = false;
                for (int w = 1; w <= config.values; ++w) voted_at_c = voted_at_c || has(s, u.of_2b(q, c, w));
                if (has(s, u.of_2b(q, c, v)) || (s.max_bal[q] > c && !voted_at_c)) ++blocking;
              }
              if (blocking < quorum) expected = false;
            }
          }
        }
      }
      ASSERT_EQ(votes_safe(config, u, s), expected) << "round " << round;
      std::uint32_t chosen = 0;  // values voted by a majority at one ballot
      for (int b = 0; b < config.ballots; ++b) {
        for (int v = 1; v <= config.values; ++v) {
          int voters = 0;
          for (int a = 0; a < config.acceptors; ++a) voters += has(s, u.of_2b(a, b, v)) ? 1 : 0;
          if (voters >= quorum) chosen |= 1u << v;
        }
      }
      ASSERT_EQ(chosen_count(config, u, s), std::popcount(chosen)) << "round " << round;
      (expected ? safe : unsafe) += 1;
    }
  }
  EXPECT_GT(safe, 2000u);
  EXPECT_GT(unsafe, 2000u);
}

TEST(PaxosTlaCheck, matches_tlc_distinct_states_for_mcpaxos_constants) {
  // TLC on Paxos.tla, Acceptor = {a1, a2, a3}, Value = {v1, v2}, ballots {0, 1}, majority
  // quorums, no symmetry: 3,921 distinct states, depth 17.
  PaxosTlaCheckOptions o;
  o.acceptors = 3;
  o.ballots = 2;
  o.values = 2;
  const CheckReport report = check_paxos_tla(o);
  EXPECT_EQ(report.outcome, Outcome::ok);
  EXPECT_EQ(report.stats.distinct_states, 3921u);
  EXPECT_EQ(report.stats.depth, 16u);
}

TEST(PaxosTlaCheck, three_ballots_count_is_pinned) {
  PaxosTlaCheckOptions o;
  o.ballots = 3;
  const CheckReport report = check_paxos_tla(o);
  EXPECT_EQ(report.outcome, Outcome::ok);
  EXPECT_EQ(report.stats.distinct_states, 185369u);
  EXPECT_EQ(report.stats.depth, 24u);
}

TEST(PaxosTlaCheck, rejects_constants_out_of_range) {
  PaxosTlaCheckOptions o;
  o.acceptors = 0;
  EXPECT_FALSE(validate(o).empty());
  o.acceptors = 3;
  o.ballots = 40;
  EXPECT_FALSE(validate(o).empty());
}

}  // namespace
}  // namespace lockstep

namespace lockstep {
namespace {

TEST(PaxosTlaCheck, symmetry_over_acceptors_and_values) {
  PaxosTlaCheckOptions o;
  o.ballots = 3;
  o.explore.symmetry = true;
  const CheckReport report = check_paxos_tla(o);
  EXPECT_EQ(report.outcome, Outcome::ok);
  EXPECT_EQ(report.stats.distinct_states, 17153u);  // of 185,369: 3! x 2! = 12 renamings at most
  EXPECT_EQ(report.stats.depth, 24u);
}

TEST(PaxosCheck, value_symmetry_needs_unbound_clients_and_keeps_every_bug) {
  PaxosCheckOptions o;
  o.explore.symmetry = true;
  EXPECT_THROW(check_paxos(o), std::invalid_argument);  // clients bound to nodes: nothing to rename
  o.any_node = true;
  o.round_max = 1;
  o.crashes = 0;
  o.drops = 0;
  o.duplicates = 0;
  const CheckReport reduced = check_paxos(o);
  o.explore.symmetry = false;
  const CheckReport full = check_paxos(o);
  EXPECT_EQ(reduced.outcome, Outcome::ok);
  EXPECT_LT(reduced.stats.distinct_states, full.stats.distinct_states);
  EXPECT_GE(2 * reduced.stats.distinct_states, full.stats.distinct_states);  // two values: at most half

  for (const paxos::Bug bug :
       {paxos::Bug::promise_not_durable, paxos::Bug::ignore_accepted_value, paxos::Bug::accept_below_promise}) {
    PaxosCheckOptions b;
    b.any_node = true;
    b.bug = bug;
    b.explore.symmetry = true;
    const CheckReport with = check_paxos(b);
    b.explore.symmetry = false;
    const CheckReport without = check_paxos(b);
    EXPECT_EQ(with.outcome, Outcome::violation) << enum_name(bug);
    EXPECT_EQ(with.property, without.property) << enum_name(bug);
    EXPECT_EQ(with.trace_lines.size(), without.trace_lines.size()) << enum_name(bug);
  }
}

}  // namespace
}  // namespace lockstep
