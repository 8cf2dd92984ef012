// `lockstep prove` and `check --refine` as a user runs them (issue 13): every obligation as
// expected, a subset by name, bad names refused; the correct models refine their abstract
// protocols, every seeded consensus bug breaks the refinement (the offending step last in the
// trace), and the trace replays (its #meta keeps --refine).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "model/core/json.hpp"
#include "tests/support/run_command.hpp"

namespace {

using lockstep::Json;
using lockstep::testing::CommandResult;
using lockstep::testing::lockstep;
namespace fs = std::filesystem;

Json json_of(const CommandResult& r) {
  try {
    return Json::parse(r.out);
  } catch (const std::exception&) {
    ADD_FAILURE() << "not JSON: " << r.out << r.err;
    return Json::object();
  }
}

TEST(Prove, every_obligation_is_as_expected) {
  const CommandResult r = lockstep("prove --json");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const Json report = json_of(r);
  EXPECT_EQ(report.value("failed", -1), 0);
  EXPECT_GE(report.value("proved", 0), 60);
  EXPECT_GE(report.value("refuted_as_expected", 0), 8);
  for (const Json& o : report["obligations"]) {
    EXPECT_TRUE(o.value("as_expected", false)) << o.dump();
    if (o.value("expected", "") == "refuted") {
      EXPECT_TRUE(o["counterexample"].is_string()) << o.dump();
    }
  }
}

TEST(Prove, a_subset_by_name_and_bad_names) {
  const CommandResult paxos = lockstep("prove --obligation paxos-voting");
  ASSERT_EQ(paxos.exit_code, 0) << paxos.out << paxos.err;
  EXPECT_NE(paxos.out.find("paxos-voting/VoteFor/VotesSafe"), std::string::npos) << paxos.out;
  EXPECT_NE(paxos.out.find("13 obligations: 13 proved"), std::string::npos) << paxos.out;
  EXPECT_EQ(paxos.out.find("multipaxos"), std::string::npos) << paxos.out;

  const CommandResult one = lockstep("prove --obligation quorums/majority/n=5 --json");
  ASSERT_EQ(one.exit_code, 0);
  EXPECT_EQ(json_of(one)["obligations"].size(), 1u);

  const CommandResult broken = lockstep("prove --obligation broken/quorums/flexible-5-nodes-3-and-2");
  EXPECT_EQ(broken.exit_code, 0) << "refuted, as expected";
  EXPECT_NE(broken.out.find("share no member"), std::string::npos) << broken.out;

  const CommandResult bad = lockstep("prove --obligation paxos-votin");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("no obligation is named 'paxos-votin'"), std::string::npos) << bad.err;
  EXPECT_EQ(lockstep::testing::line_count(bad.err), 1);

  const CommandResult list = lockstep("prove --list --json");
  ASSERT_EQ(list.exit_code, 0);
  EXPECT_GE(json_of(list).size(), 70u);
}

TEST(Refine, correct_models_refine_their_abstract_protocols) {
  for (const std::string check : {"check paxos --max-round 1", "check multipaxos --max-round 1 --requests 1",
                                  "check multipaxos --max-round 1 --max-slot 2 --requests 2 --snapshot-every 1 --crashes 1",
                                  "check raft --max-term 2 --max-log 1 --requests 1 --crashes 1",
                                  "check raft --nodes 1 --max-term 2 --max-log 2 --requests 2 --crashes 1",
                                  "check raft --max-term 2 --max-log 1 --requests 1 --crashes 1 --snapshot-every 1"}) {
    const Json plain = json_of(lockstep(check + " --json --quiet"));
    const CommandResult r = lockstep(check + " --refine --json --quiet");
    ASSERT_EQ(r.exit_code, 0) << check << "\n" << r.out << r.err;
    const Json refined = json_of(r);
    EXPECT_EQ(refined.value("result", ""), "ok");
    EXPECT_EQ(refined["bounds"].value("refine", false), true);
    // The same state space: refinement only adds properties.
    EXPECT_EQ(refined.value("distinct_states", 0), plain.value("distinct_states", 1)) << check;
  }
  const CommandResult listed = lockstep("check paxos --refine --list-properties");
  EXPECT_NE(listed.out.find("PAXOS-RefinesVoting"), std::string::npos) << listed.out;
  EXPECT_NE(listed.out.find("PAXOS-VotingInvariant"), std::string::npos) << listed.out;
  const CommandResult multipaxos = lockstep("check multipaxos --refine --list-properties");
  for (const char* name : {"MULTIPAXOS-RefinesVoting", "MULTIPAXOS-VotingInvariant", "MULTIPAXOS-RefinesApply", "MULTIPAXOS-ApplyInvariant"}) {
    EXPECT_NE(multipaxos.out.find(name), std::string::npos) << multipaxos.out;
  }
  const CommandResult raft = lockstep("check raft --refine --list-properties");
  for (const char* name : {"RAFT-RefinesElection", "RAFT-RefinesLog", "RAFT-ElectionInvariant", "RAFT-LogInvariant"}) {
    EXPECT_NE(raft.out.find(name), std::string::npos) << raft.out;
  }
}

TEST(Refine, every_seeded_consensus_bug_breaks_the_refinement) {
  const fs::path dir = fs::path(::testing::TempDir()) / ("lockstep_refine_" + std::to_string(getpid()));
  fs::create_directories(dir);
  struct Case {
    std::string check;
    std::string properties;  // the refinement's properties, alone
    std::string expected;    // the one the bug breaks
  };
  const std::string paxos = "--property PAXOS-RefinesVoting --property PAXOS-VotingInvariant";
  const std::string multipaxos = "--property MULTIPAXOS-RefinesVoting --property MULTIPAXOS-VotingInvariant";
  const std::string multipaxos_apply = "--property MULTIPAXOS-RefinesApply --property MULTIPAXOS-ApplyInvariant";
  const std::string raft =
      "--property RAFT-RefinesElection --property RAFT-RefinesLog --property RAFT-ElectionInvariant --property RAFT-LogInvariant";
  const std::vector<Case> cases{
      {"check paxos --bug promise-not-durable", paxos, "PAXOS-RefinesVoting"},
      {"check paxos --bug ignore-accepted-value", paxos, "PAXOS-RefinesVoting"},
      {"check paxos --bug accept-below-promise", paxos, "PAXOS-RefinesVoting"},
      {"check multipaxos --bug skip-recovery --max-round 1 --requests 2 --crashes 0", multipaxos, "MULTIPAXOS-RefinesVoting"},
      {"check multipaxos --bug votes-not-durable --max-round 1 --requests 2", multipaxos, "MULTIPAXOS-RefinesVoting"},
      {"check multipaxos --bug snapshot-over-newer --max-round 1 --max-slot 2 --requests 2 --snapshot-every 1 --crashes 0 "
       "--max-messages 5",
       multipaxos_apply, "MULTIPAXOS-RefinesApply"},
      {"check raft --bug vote-not-durable --max-term 3 --max-log 1 --requests 1 --crashes 1", raft, "RAFT-RefinesElection"},
      {"check raft --bug vote-without-log-check --max-term 3 --max-log 1 --requests 1 --crashes 1", raft, "RAFT-RefinesElection"},
      {"check raft --bug ignore-higher-term --max-term 3 --max-log 1 --requests 1 --crashes 1", raft, "RAFT-RefinesElection"},
      {"check raft --bug append-without-truncate --max-term 3 --max-log 2 --requests 2 --crashes 1", raft, "RAFT-RefinesLog"},
      {"check raft --bug commit-previous-term --max-term 4 --max-log 1 --requests 2 --crashes 0", raft, "RAFT-RefinesLog"},
      {"check raft --bug count-stale-votes --max-term 2 --max-log 1 --requests 1 --crashes 0 --max-messages 4", raft,
       "RAFT-RefinesElection"},
      {"check raft --bug accept-stale-append --max-term 3 --max-log 1 --requests 2 --crashes 0 --max-messages 3", raft,
       "RAFT-RefinesLog"},
      // A follower that commits its own entry where the leader's differs: its log is unchanged,
      // so only raft-log's applied (entries under a commit index) sees it.
      {"check raft --bug append-without-prev-term-check --max-term 4 --max-log 1 --requests 2 --crashes 0 --max-messages 3",
       raft, "RAFT-RefinesLog"},
  };
  int n = 0;
  for (const Case& c : cases) {
    const std::string trace = (dir / ("t" + std::to_string(++n) + ".itf.json")).string();
    // Only the refinement's two properties: the bug must break them, not just its own invariant.
    const CommandResult r = lockstep(c.check + " --refine " + c.properties + " --json --quiet --trace-out " + trace);
    EXPECT_EQ(r.exit_code, 1) << c.check << "\n" << r.out << r.err;
    const Json report = json_of(r);
    EXPECT_EQ(report.value("invariant", ""), c.expected) << c.check;
    // The trace replays to the same verdict: its #meta rebuilt the model with --refine.
    const CommandResult replay = lockstep("replay " + trace);
    EXPECT_EQ(replay.exit_code, 0) << c.check << "\n" << replay.out << replay.err;
    EXPECT_NE(replay.out.find(c.expected), std::string::npos) << replay.out;
  }
  fs::remove_all(dir);
}

// The lock, held lock by lock to lock-clients: correct worlds of both consensus protocols refine
// it (crashes, snapshots, two locks, retries, try-acquire), and each of the lock's seeded bugs
// (its own, the resource's, and the replicating protocols') breaks it at some step, but Raft's
// vote-not-durable, whose second leader breaks RAFT-ElectionSafety long before the lock shows it.
TEST(Refine, lock_worlds_refine_lock_clients_and_every_lock_bug_breaks_it) {
  const std::string properties = " --property LOCK-RefinesClients --property LOCK-ClientsInvariant";
  for (const std::string check : {"check lock --nodes 1 --locks 2 --clients 3 --crashes 1",
                                  "check lock --consensus multipaxos --nodes 1 --crashes 1",
                                  "check lock --nodes 2 --crashes 0 --max-log 4",
                                  "check lock --nodes 2 --clients 1 --pauses 1 --crashes 1 --snapshot-every 1 --max-log 4",
                                  "check lock --consensus multipaxos --nodes 2 --clients 1 --crashes 1 --snapshot-every 1 --max-log 4"}) {
    const Json plain = json_of(lockstep(check + " --json --quiet"));
    const CommandResult r = lockstep(check + " --refine" + properties + " --json --quiet");
    ASSERT_EQ(r.exit_code, 0) << check << "\n" << r.out << r.err;
    const Json refined = json_of(r);
    EXPECT_EQ(refined.value("result", ""), "ok") << check;
    EXPECT_EQ(refined["bounds"].value("refine", false), true);
    // The agreed log outlives a crash of the replica that applied the most, so with crashes the
    // ghost may tell apart states the plain check merges; without them the spaces are equal.
    if (check.find("--crashes 0") != std::string::npos) {
      EXPECT_EQ(refined.value("distinct_states", 0), plain.value("distinct_states", 1)) << check;
    } else {
      EXPECT_GE(refined.value("distinct_states", 0), plain.value("distinct_states", 1)) << check;
    }
  }
  const CommandResult listed = lockstep("check lock --refine --list-properties");
  EXPECT_NE(listed.out.find("LOCK-RefinesClients"), std::string::npos) << listed.out;
  EXPECT_NE(listed.out.find("LOCK-ClientsInvariant"), std::string::npos) << listed.out;

  const fs::path dir = fs::path(::testing::TempDir()) / ("lockstep_refine_lock_" + std::to_string(getpid()));
  fs::create_directories(dir);
  struct Case {
    std::string check;
    std::string change;  // what `show` says the offending step did to the abstract state
  };
  const std::vector<Case> cases{
      {"--bug resource-ignores-fencing --nodes 1 --crashes 0", "(below)"},
      {"--bug no-dedup --nodes 1 --crashes 0 --retries 1", "(took)"},
      {"--bug follower-answers-locally --nodes 2 --crashes 0", "(believes)"},
      {"--bug local-expiry --nodes 1 --crashes 0", "(held)"},
      {"--bug snapshot-over-newer --nodes 2 --clients 1 --pauses 0 --crashes 0 --max-messages 3 --snapshot-every 1", "(last)"},
      // A third message in flight for both: since Multi-Paxos's lease and pre-vote (a probe, its
      // grants, then the prepare), two are not enough (no violation); with three skip-recovery
      // breaks in 20 steps (0.6M states) and votes-not-durable in 25 (8.7M states, about 25 s).
      {"--bug skip-recovery --consensus multipaxos --max-term 2 --pauses 0 --crashes 0 --max-messages 3", "(believes)"},
      {"--bug votes-not-durable --consensus multipaxos --max-term 2 --clients 1 --pauses 0 --max-messages 3", "(believes)"},
      {"--bug paxos-snapshot-over-newer --consensus multipaxos --nodes 2 --crashes 0 --max-messages 3 --snapshot-every 1", "(last)"},
  };
  int n = 0;
  for (const Case& c : cases) {
    const std::string trace = (dir / ("t" + std::to_string(++n) + ".itf.json")).string();
    const CommandResult r = lockstep("check lock " + c.check + " --refine" + properties + " --json --quiet --trace-out " + trace);
    EXPECT_EQ(r.exit_code, 1) << c.check << "\n" << r.out << r.err;
    EXPECT_EQ(json_of(r).value("invariant", ""), "LOCK-RefinesClients") << c.check;
    const CommandResult replay = lockstep("replay " + trace);
    EXPECT_EQ(replay.exit_code, 0) << c.check << "\n" << replay.out << replay.err;
    EXPECT_NE(replay.out.find("LOCK-RefinesClients"), std::string::npos) << replay.out;
    const CommandResult shown = lockstep("show " + trace);
    EXPECT_NE(shown.out.find("lock L0: no step of lock-clients"), std::string::npos) << c.check << "\n" << shown.out;
    EXPECT_NE(shown.out.find(c.change), std::string::npos) << c.check << "\n" << shown.out;
  }
  fs::remove_all(dir);
}

// Lamport's Paxos.tla refines Voting as his TLA+ proof says: every Phase1b an IncreaseMaxBal,
// every Phase2b a VoteFor, at TLC's state count; the trace of a refined run keeps --refine.
TEST(Refine, paxos_tla_refines_voting_at_tlc_state_counts) {
  for (const std::string check : {"check paxos-tla", "check paxos-tla --acceptors 3 --ballots 3 --values 2",
                                  "check paxos-tla --acceptors 2 --ballots 3 --values 3"}) {
    const Json plain = json_of(lockstep(check + " --json --quiet"));
    const CommandResult r = lockstep(check + " --refine --property PAXOS-RefinesVoting --property PAXOS-VotingInvariant --json --quiet");
    ASSERT_EQ(r.exit_code, 0) << check << "\n" << r.out << r.err;
    const Json refined = json_of(r);
    EXPECT_EQ(refined.value("result", ""), "ok") << check;
    EXPECT_EQ(refined["bounds"].value("refine", false), true);
    EXPECT_EQ(refined.value("distinct_states", 0), plain.value("distinct_states", 1)) << check;
  }
  const CommandResult listed = lockstep("check paxos-tla --refine --list-properties");
  EXPECT_NE(listed.out.find("PAXOS-RefinesVoting"), std::string::npos) << listed.out;
  // Random walks with the refinement's properties on, at bounds beyond exhaustive checking here.
  const CommandResult walks = lockstep("simulate paxos-tla --acceptors 5 --ballots 4 --values 3 --refine --runs 200 --depth 40 --quiet");
  EXPECT_EQ(walks.exit_code, 0) << walks.out << walks.err;
}

}  // namespace
