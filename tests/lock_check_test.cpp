// The checker on the lock service, over Raft and over Multi-Paxos: the correct lock passes
// exhaustively with a crash and a pause at pinned bounds and state counts, every "sometimes"
// property reached where the bounds allow it; the traces of the lock read as a lock (who holds
// what with which token, who is paused, what the resource accepted). Each seeded bug is found
// where the registry says (tests/registry_test.cpp).
#include <gtest/gtest.h>

#include <algorithm>
#include <initializer_list>
#include <string>

#include "checker/any_model.hpp"
#include "checker/lock/check.hpp"
#include "checker/registry.hpp"
#include "traces/itf.hpp"
#include "traces/replay.hpp"
#include "traces/show.hpp"

namespace lockstep {
namespace {

// The defaults: 3 replicas, 2 clients, 1 lock, 1 pause, 1 crash, term (round) 1, 2 messages.
LockCheckOptions small(const std::string& consensus, int log_max) {
  LockCheckOptions o;
  o.consensus = consensus;
  o.log_max = log_max;
  o.explore.workers = 2;
  o.explore.symmetry = consensus == "raft";  // Multi-Paxos's ballots single out node ids
  return o;
}

// One replica, no crash, no symmetry reduction: the set-up of the tests of the lock's own stories
// (its clients and its table).
LockCheckOptions one_replica(const std::string& consensus, int log_max) {
  LockCheckOptions o = small(consensus, log_max);
  o.nodes = 1;
  o.crashes = 0;
  o.explore.symmetry = false;
  return o;
}

TEST(LockCheck, the_correct_lock_over_raft_passes_with_a_crash_and_a_pause) {
  // Six entries: the leader's no-op, two opens, two acquires and an expiry: the pause story fits.
  const CheckReport report = check_lock(small("raft", 6));
  EXPECT_EQ(report.outcome, Outcome::ok);
  EXPECT_TRUE(report.sometimes_unreached.empty());
  EXPECT_EQ(report.stats.distinct_states, 802300u);
  EXPECT_EQ(report.stats.depth, 45u);
}

TEST(LockCheck, the_correct_lock_over_multipaxos_passes_with_a_crash_and_a_pause) {
  const CheckReport report = check_lock(small("multipaxos", 3));
  EXPECT_EQ(report.outcome, Outcome::vacuous);  // passes; three slots hand no lock to a waiter
  EXPECT_EQ(report.violations, 0u);
  EXPECT_EQ(report.sometimes_unreached, std::vector<std::string>{"lock-handed-to-waiter"});
  EXPECT_EQ(report.stats.distinct_states, 3170102u);
}

// Clients that close their session instead of releasing (--close), and that give up waiting for
// the lock and close (--give-ups): every property holds, the lock world refines lock-clients, and
// on one replica every sometimes property is reached.
TEST(LockCheck, clients_that_close_their_session_pass_and_refine_lock_clients) {
  LockCheckOptions o = small("raft", 6);
  o.close = true;
  const CheckReport report = check_lock(o);
  EXPECT_EQ(report.outcome, Outcome::ok);
  EXPECT_TRUE(report.sometimes_unreached.empty());
  EXPECT_EQ(report.stats.distinct_states, 779060u);  // 802,300 when they release
  o.give_ups = 1;
  const CheckReport gave_up = check_lock(o);
  EXPECT_EQ(gave_up.outcome, Outcome::ok);
  EXPECT_EQ(gave_up.stats.distinct_states, 1647536u);  // one client gives up
  for (const char* consensus : {"raft", "multipaxos"}) {
    LockCheckOptions one = one_replica(consensus, 6);
    one.close = true;
    one.give_ups = 2;
    one.refine = true;
    const CheckReport r = check_lock(one);
    EXPECT_EQ(r.outcome, Outcome::ok) << consensus;
    EXPECT_TRUE(r.sometimes_unreached.empty()) << consensus;
  }
}

TEST(LockCheck, on_one_replica_every_sometimes_property_is_reached) {
  for (const char* consensus : {"raft", "multipaxos"}) {
    LockCheckOptions o = one_replica(consensus, 6);
    const CheckReport report = check_lock(o);
    EXPECT_EQ(report.outcome, Outcome::ok) << consensus;
    EXPECT_TRUE(report.sometimes_unreached.empty()) << consensus;
  }
}

// A seeded lock bug's shortest trace, found at the registry's bounds with one worker, replayed to
// its violation and shown as `lockstep show` prints it: every phrase of `expected` is in it.
void expect_shown_trace(const std::string& bug, const std::string& property, std::initializer_list<const char*> expected) {
  const ProtocolEntry& entry = *find_protocol("lock");
  ProtocolArgs args = entry.args_for_bug(bug);
  args.explore.workers = 1;
  const CheckReport report = entry.check(args);
  ASSERT_EQ(report.outcome, Outcome::violation) << bug;
  EXPECT_EQ(report.property, property) << bug;
  const LoadedTrace trace = load_trace(parse_itf(report.trace));
  EXPECT_TRUE(replay(trace).reproduces_record(trace.invariant)) << bug;
  const std::string text = show_text(trace, view_steps(trace), false);
  for (const char* phrase : expected) EXPECT_NE(text.find(phrase), std::string::npos) << phrase << "\n" << text;
}

// The fencing bug's shortest trace, shown: the summary lines say who holds the lock, who is
// paused and what the resource accepted.
TEST(LockCheck, a_lock_trace_reads_as_a_lock) {
  expect_shown_trace("resource-ignores-fencing", "LOCK-ResourceSafety",
                     {"believes it holds L0", "PAUSED", "its session expired meanwhile",
                      "writes to the resource of L0 with token", "highest token", "ACCEPTED A LOWER TOKEN",
                      "holds it (token"});
}

// A client that gives up while queued, in a trace: close-keeps-waits's shortest one has c2 queued,
// giving up and closing, its closed session still in the queue.
TEST(LockCheck, a_client_that_gives_up_reads_as_one) {
  expect_shown_trace("close-keeps-waits", "LOCK-FifoQueue",
                     {"waits for L0", "gives up waiting for L0 and will close its session",
                      "gave up on L0, closes its session", "close(s", "holds it (token"});
}

// Three clients on one lock, so that two sessions wait at once and the order of the queue shows
// (LOCK-FifoQueue): the correct lock passes on one replica under both protocols, with clients
// that release and with clients that give up and close; the lock given to the last waiter instead
// of the first (lifo-queue) reads as such.
TEST(LockCheck, three_clients_on_one_lock_are_served_in_turn) {
  for (const char* consensus : {"raft", "multipaxos"}) {
    for (const bool close : {false, true}) {
      LockCheckOptions o = one_replica(consensus, 8);
      o.clients = 3;
      o.close = close;
      o.give_ups = close ? 1 : 0;
      const CheckReport report = check_lock(o);
      EXPECT_GT(report.stats.distinct_states, 1000u) << consensus << " close " << close;
      EXPECT_EQ(report.outcome, Outcome::ok) << consensus << " close " << close;
      EXPECT_TRUE(report.sometimes_unreached.empty()) << consensus << " close " << close;
    }
  }
  expect_shown_trace("lifo-queue", "LOCK-FifoQueue", {"waits for L0", "LOCK-FifoQueue"});
}

// A lock handed to a waiter and not recorded as its acquire's answer (grant-not-recorded): the
// waiter's retry would be told queued for a lock it holds. LOCK-RetryAnswer reads it off the table
// at the handover (the holder's release or its session's expiry: both make a shortest trace, of
// 7 steps); the correct lock passes the same bounds and the defaults with a retry.
TEST(LockCheck, a_grant_not_recorded_for_the_waiters_retry_is_caught_at_the_handover) {
  expect_shown_trace("grant-not-recorded", "LOCK-RetryAnswer",
                     {"waits for L0", "records queued as the answer to s", "a retry of it would be told queued"});
  for (const char* consensus : {"raft", "multipaxos"}) {
    LockCheckOptions o = one_replica(consensus, 6);
    o.retries = 1;
    const CheckReport report = check_lock(o);
    EXPECT_EQ(report.outcome, Outcome::ok) << consensus;
    EXPECT_GT(report.stats.distinct_states, 1000u) << consensus;
  }
}

// Answers lost on the way (--lost-answers): the client re-sends its request and learns the answer
// from the session's record. The correct lock passes under both protocols on one replica (where
// the answer is lost in the step that makes it), every sometimes property reached (68,042 and
// 136,438 states; three replicas at the defaults with a retry and a lost answer: 68,249,886).
TEST(LockCheck, a_client_whose_answer_was_lost_learns_it_from_the_record) {
  for (const char* consensus : {"raft", "multipaxos"}) {
    LockCheckOptions o = one_replica(consensus, 7);
    o.lost_answers = 2;
    const CheckReport report = check_lock(o);
    EXPECT_EQ(report.outcome, Outcome::ok) << consensus;
    EXPECT_GT(report.stats.distinct_states, 50000u) << consensus;
    EXPECT_TRUE(report.sometimes_unreached.empty()) << consensus;
  }
}

// Clients of both kinds (--try-clients): the last client tries, the others wait. The correct lock
// passes under both protocols on one replica, every sometimes property reached; a try answered
// queued (the try-queues bug) breaks LOCK-Linearizable, which only a trying client can show: with
// every client waiting, the bug's lock passes.
TEST(LockCheck, a_client_that_tries_beside_clients_that_wait) {
  for (const char* consensus : {"raft", "multipaxos"}) {
    LockCheckOptions o = one_replica(consensus, 7);
    o.clients = 3;
    o.try_clients = 1;
    const CheckReport report = check_lock(o);
    EXPECT_EQ(report.outcome, Outcome::ok) << consensus;
    EXPECT_TRUE(report.sometimes_unreached.empty()) << consensus;
    EXPECT_EQ(report.bounds.at("try_clients").get<int>(), 1) << consensus;
    o.bug = "try-queues";
    const CheckReport buggy = check_lock(o);
    ASSERT_EQ(buggy.outcome, Outcome::violation) << consensus;
    EXPECT_EQ(buggy.property, "LOCK-Linearizable") << consensus;
    o.try_clients = 0;
    EXPECT_EQ(check_lock(o).outcome, Outcome::ok) << consensus;
  }
}

// Clients that go round again on their session (--rounds) and misbehave: a release with the
// first grant's token (--stale-tokens), a late copy of an acquire after the client moved on
// (--stale-requests). The correct lock passes under both protocols on one replica, every
// sometimes property reached. A release that ignores the token frees the lock where the
// sequential lock answers not_holder (LOCK-Linearizable, the call named); a late copy executed
// as new is granted at a second position (LOCK-ExactlyOnce). Neither bug shows with clients that
// behave, and --stale-tokens without a second round is refused.
TEST(LockCheck, clients_that_go_round_again_and_misbehave) {
  for (const char* consensus : {"raft", "multipaxos"}) {
    LockCheckOptions o = one_replica(consensus, 8);
    o.rounds = 2;
    o.stale_tokens = 1;
    o.stale_requests = 1;
    const CheckReport report = check_lock(o);
    EXPECT_EQ(report.outcome, Outcome::ok) << consensus;
    EXPECT_TRUE(report.sometimes_unreached.empty()) << consensus;
    EXPECT_GT(report.stats.distinct_states, 30000u) << consensus;
    EXPECT_EQ(report.bounds.at("rounds").get<int>(), 2) << consensus;
    for (const auto& [bug, property] : {std::pair{"release-ignores-token", "LOCK-Linearizable"},
                                        std::pair{"stale-executed", "LOCK-ExactlyOnce"}}) {
      LockCheckOptions buggy = o;
      buggy.bug = bug;
      const CheckReport found = check_lock(buggy);
      ASSERT_EQ(found.outcome, Outcome::violation) << consensus << " " << bug;
      EXPECT_EQ(found.property, property) << consensus << " " << bug;
      buggy.stale_tokens = 0;
      buggy.stale_requests = 0;
      EXPECT_EQ(check_lock(buggy).outcome, Outcome::ok) << consensus << " " << bug << " with clients that behave";
    }
  }
  expect_shown_trace("release-ignores-token", "LOCK-Linearizable",
                     {"(round 2 of 2)", "will release L0 with the token of its earlier grant",
                      "releases L0 with its earlier token", "c1's release of L0 with the token of its earlier grant (3) was "
                      "answered in this step; no holder has that token, so the sequential lock answers not_holder"});
  expect_shown_trace("stale-executed", "LOCK-ExactlyOnce",
                     {"sequence=2, command=acquire(s2, L0)", "took effect at a second log position"});
  const ProtocolEntry& entry = *find_protocol("lock");
  ProtocolArgs args = entry.defaults();
  args.values["--stale-tokens"] = 1;
  EXPECT_NE(entry.check_args(args).find("--stale-tokens 1 needs --rounds 2 or more"), std::string::npos);
  args.values["--rounds"] = 2;
  EXPECT_EQ(entry.check_args(args), "");
}

// Clients whose session ended under them open a new one (--reopens) and go on; a late copy of
// the first open may then arrive (--stale-requests). The correct lock passes under both protocols
// on one replica, every sometimes property reached. Dedup of opens that recognises only the last
// open (stale-open) opens the late copy as a new session (LOCK-ExactlyOnce), which needs both a
// second session and a late first open: with either alone the bug does not show.
TEST(LockCheck, clients_that_lose_their_session_open_a_new_one) {
  for (const char* consensus : {"raft", "multipaxos"}) {
    LockCheckOptions o = one_replica(consensus, 8);
    o.reopens = 1;
    o.stale_requests = 1;
    const CheckReport report = check_lock(o);
    EXPECT_EQ(report.outcome, Outcome::ok) << consensus;
    EXPECT_TRUE(report.sometimes_unreached.empty()) << consensus;
    LockCheckOptions without = o;
    without.reopens = 0;
    without.stale_requests = 0;
    EXPECT_GT(report.stats.distinct_states, 2 * check_lock(without).stats.distinct_states) << consensus;
    EXPECT_EQ(report.bounds.at("reopens").get<int>(), 1) << consensus;
    LockCheckOptions buggy = o;
    buggy.bug = "stale-open";
    const CheckReport found = check_lock(buggy);
    ASSERT_EQ(found.outcome, Outcome::violation) << consensus;
    EXPECT_EQ(found.property, "LOCK-ExactlyOnce") << consensus;
    buggy.reopens = 0;
    EXPECT_EQ(check_lock(buggy).outcome, Outcome::ok) << consensus << " without a second session";
    buggy.reopens = 1;
    buggy.stale_requests = 0;
    EXPECT_EQ(check_lock(buggy).outcome, Outcome::ok) << consensus << " without a late copy";
  }
  expect_shown_trace("stale-open", "LOCK-ExactlyOnce",
                     {"c1 has lost its session and opens a new one", "sequence=3, command=open()",
                      "sequence=1, command=open()", "took effect at a second log position"});
}

// An open whose answer was lost is sent again; the retry reaches the log after the first copy
// took effect and is answered from the record of opens. The answer must name the session the
// first copy opened (LOCK-OpenAnswer). Answered with the retry's own position
// (open-retry-misanswered), the client takes a session that does not exist. Before LOCK-OpenAnswer
// no property saw this (check, simulate and --budget all passed it): the client's acquire is
// answered no_session and it stops, and the session it opened expires unused. On one replica only
// a lost answer leaves an open to retry (the answer comes in the step that takes the request).
TEST(LockCheck, a_retried_open_is_answered_with_the_session_it_opened) {
  for (const char* consensus : {"raft", "multipaxos"}) {
    LockCheckOptions o = one_replica(consensus, 8);
    o.pauses = 0;
    o.lost_answers = 2;
    const CheckReport correct = check_lock(o);
    EXPECT_EQ(correct.outcome, Outcome::ok) << consensus;
    EXPECT_TRUE(correct.sometimes_unreached.empty()) << consensus;
    LockCheckOptions buggy = o;
    buggy.bug = "open-retry-misanswered";
    const CheckReport found = check_lock(buggy);
    ASSERT_EQ(found.outcome, Outcome::violation) << consensus;
    EXPECT_EQ(found.property, "LOCK-OpenAnswer") << consensus;
    EXPECT_EQ(found.trace_lines.size(), 5u) << consensus;  // Init, lost answer, election, open, its retry
    buggy.lost_answers = 0;
    EXPECT_EQ(check_lock(buggy).outcome, Outcome::ok) << consensus << " without a retried open";
  }
  expect_shown_trace("open-retry-misanswered", "LOCK-OpenAnswer",
                     {"the answers to c1's request are lost on the way", "sequence=1, command=open()",
                      "c1's open (sequence 1) was answered opened(s3), but it opened s2"});
}

// A lock handed to a waiter must record the waiter's grant, with its new token, as the answer
// to the waiter's acquire. Recorded with the previous holder's token (handover-old-token), a
// waiter whose answer was lost re-sends its acquire and is granted a token another client holds:
// LOCK-TokensDistinct. Before that property no check saw it at its defaults (a release with the
// wrong token broke LOCK-Linearizable only with a longer log). Under both protocols.
TEST(LockCheck, no_two_clients_are_granted_one_token) {
  for (const char* consensus : {"raft", "multipaxos"}) {
    LockCheckOptions o = one_replica(consensus, 7);
    o.pauses = 0;
    o.lost_answers = 1;
    const CheckReport correct = check_lock(o);
    EXPECT_EQ(correct.outcome, Outcome::ok) << consensus;
    LockCheckOptions buggy = o;
    buggy.bug = "handover-old-token";
    const CheckReport found = check_lock(buggy);
    ASSERT_EQ(found.outcome, Outcome::violation) << consensus;
    EXPECT_EQ(found.property, "LOCK-TokensDistinct") << consensus;
    buggy.lost_answers = 0;
    EXPECT_EQ(check_lock(buggy).outcome, Outcome::ok) << consensus << " without a lost answer";
  }
  expect_shown_trace("handover-old-token", "LOCK-TokensDistinct",
                     {"'s request are lost on the way", "clients c1 and c2 were both granted lock 0 with token"});
}

// A keep-alive (--keep-alives): a client holding its lock sends its session one before it writes,
// as `lockstep lock` does while it holds a lock; no check sent one before. The correct lock passes
// under both protocols on one replica with a retry, a lost answer and a pause (a client that
// resumes after its session expired is answered no_session). A keep-alive that records its
// sequence but not its answer (keep-alive-forgets-answer) lets a re-sent keep-alive be told the
// acquire's grant: LOCK-Linearizable breaks; without keep-alives it does not show.
TEST(LockCheck, a_keep_alive_is_answered_alive_and_so_is_its_retry) {
  for (const char* consensus : {"raft", "multipaxos"}) {
    LockCheckOptions o = one_replica(consensus, 7);
    o.keep_alives = 1;
    o.lost_answers = 1;
    o.retries = 1;
    const CheckReport correct = check_lock(o);
    EXPECT_EQ(correct.outcome, Outcome::ok) << consensus;
    EXPECT_TRUE(correct.sometimes_unreached.empty()) << consensus;
    EXPECT_EQ(correct.bounds.at("keep_alives").get<int>(), 1) << consensus;
    LockCheckOptions buggy = o;
    buggy.bug = "keep-alive-forgets-answer";
    const CheckReport found = check_lock(buggy);
    ASSERT_EQ(found.outcome, Outcome::violation) << consensus;
    EXPECT_EQ(found.property, "LOCK-Linearizable") << consensus;
    buggy.keep_alives = 0;
    EXPECT_EQ(check_lock(buggy).outcome, Outcome::ok) << consensus << " without keep-alives";
  }
  expect_shown_trace("keep-alive-forgets-answer", "LOCK-Linearizable",
                     {"sends its session a keep-alive before it writes", "command=keep_alive(s",
                      "'s request are lost on the way", "keeps its session alive"});
}

// A release by token alone (--token-releases), with no session, as `lockstep lock release --token`
// sends it: the lock held with that token is freed and passed to its first waiter. Before the
// clients could release so, no check ran this code. The correct lock passes under both protocols on
// one replica, with that release's answer lost and re-sent (not deduplicated: an earlier copy
// released the lock, so the re-sent one is answered not_holder, which the client takes as
// uncertain) and with a stale token by token in a second round. A token release that frees the
// lock without handing it to the waiter (token-release-skips-queue) breaks LOCK-FifoQueue; with
// session releases only it does not show. --token-releases with --close needs a second round.
TEST(LockCheck, a_release_by_token_alone_passes_the_lock_on) {
  for (const char* consensus : {"raft", "multipaxos"}) {
    LockCheckOptions o = one_replica(consensus, 8);
    o.pauses = 0;
    o.token_releases = 1;
    o.lost_answers = 1;
    const CheckReport correct = check_lock(o);
    EXPECT_EQ(correct.outcome, Outcome::ok) << consensus;
    EXPECT_TRUE(correct.sometimes_unreached.empty()) << consensus;
    EXPECT_EQ(correct.bounds.at("token_releases").get<int>(), 1) << consensus;
    LockCheckOptions stale = o;
    stale.clients = 1;
    stale.rounds = 2;
    stale.stale_tokens = 1;
    const CheckReport stale_report = check_lock(stale);  // vacuous: one client hands no lock to a waiter
    EXPECT_EQ(stale_report.violations, 0u) << consensus << " with a stale token by token";
    EXPECT_NE(stale_report.outcome, Outcome::violation) << consensus << " with a stale token by token";
    LockCheckOptions buggy = o;
    buggy.bug = "token-release-skips-queue";
    const CheckReport found = check_lock(buggy);
    ASSERT_EQ(found.outcome, Outcome::violation) << consensus;
    EXPECT_EQ(found.property, "LOCK-FifoQueue") << consensus;
    buggy.token_releases = 0;
    EXPECT_EQ(check_lock(buggy).outcome, Outcome::ok) << consensus << " with session releases only";
  }
  expect_shown_trace("token-release-skips-queue", "LOCK-FifoQueue",
                     {"will release L0 by its token alone", "by token alone", "command=release(L0, token", "waits for L0"});
  const ProtocolEntry& entry = *find_protocol("lock");
  ProtocolArgs args = entry.defaults();
  args.values["--token-releases"] = 1;
  EXPECT_EQ(entry.check_args(args), "");
  args.switches.insert("--close");
  EXPECT_NE(entry.check_args(args).find("--token-releases 1 with --close needs --rounds 2 or more"), std::string::npos);
  args.values["--rounds"] = 2;
  EXPECT_EQ(entry.check_args(args), "");
}

// The lock world checks its replicating protocol's invariants too (over the protocol's ghost,
// kept as ghost.protocol), and so catches a consensus bug where it breaks Raft, long before the
// lock shows it: Raft's forgotten vote elects two leaders of term 1 in 8 steps, while every LOCK-
// property still holds of every state within those 8 steps.
TEST(LockCheck, a_consensus_bug_breaks_its_protocols_invariant_in_the_lock_world_first) {
  const ProtocolEntry& entry = *find_protocol("lock");
  for (const char* consensus : {"raft", "multipaxos"}) {
    ProtocolArgs defaults = entry.defaults();
    defaults.choices["--consensus"] = consensus;
    const std::vector<std::string> names = entry.model(defaults)->property_names();
    const std::string prefix = std::string(consensus) == "raft" ? "RAFT-" : "MULTIPAXOS-";
    // Raft's 6 invariants and 3 transition properties; Multi-Paxos's 7 and 2.
    EXPECT_EQ(std::count_if(names.begin(), names.end(), [&](const std::string& n) { return n.starts_with(prefix); }), 9)
        << consensus;
    EXPECT_EQ(std::count(names.begin(), names.end(), "leader-elected"), 0) << "the protocol's sometimes properties stay out";
  }

  ProtocolArgs args = entry.args_for_bug("vote-not-durable");
  args.explore.workers = 2;
  const CheckReport report = entry.check(args);
  ASSERT_EQ(report.outcome, Outcome::violation);
  EXPECT_EQ(report.property, "RAFT-ElectionSafety");
  EXPECT_EQ(report.trace_lines.size(), 9u);
  const LoadedTrace trace = load_trace(parse_itf(report.trace));
  EXPECT_TRUE(replay(trace).reproduces_record(trace.invariant));
  const std::string text = show_text(trace, view_steps(trace), false);
  EXPECT_NE(text.find("two leaders of term 1"), std::string::npos) << text;
  EXPECT_NE(text.find("ghost.protocol.leaders"), std::string::npos) << text;

  for (const char* lock_only : {"LOCK-MutualExclusion", "LOCK-FencingMonotone", "LOCK-ResourceSafety", "LOCK-Linearizable",
                                "LOCK-ExactlyOnce", "LOCK-FifoQueue", "LOCK-RetryAnswer"}) {
    args.explore.properties.push_back(lock_only);
  }
  args.explore.depth_max = 8;
  const CheckReport lock_only = entry.check(args);
  EXPECT_EQ(lock_only.violations, 0u);
  EXPECT_TRUE(lock_only.depth_bounded);
}

TEST(LockCheck, a_bug_of_the_other_consensus_is_refused) {
  const ProtocolEntry& entry = *find_protocol("lock");
  ProtocolArgs args = entry.defaults();
  args.bug = "skip-recovery";
  EXPECT_NE(entry.check_args(args).find("Multi-Paxos"), std::string::npos);
  for (const char* raft_bug : {"snapshot-over-newer", "vote-not-durable", "append-without-truncate"}) {
    ProtocolArgs paxos = entry.defaults();
    paxos.bug = raft_bug;
    EXPECT_EQ(entry.check_args(paxos), "") << raft_bug;
    paxos.choices["--consensus"] = "multipaxos";
    EXPECT_NE(entry.check_args(paxos).find("is a bug of Raft"), std::string::npos) << raft_bug;
  }
  args.choices["--consensus"] = "paxos";
  EXPECT_NE(entry.check_args(args).find("must be one of"), std::string::npos);
}

}  // namespace
}  // namespace lockstep
