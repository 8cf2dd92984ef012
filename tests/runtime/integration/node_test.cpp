// Integration tests of the lock service: real `lockstep node` processes on loopback (raft and
// multipaxos, TEST_P), driven through the client library and by signals (kill -9, SIGSTOP,
// SIGCONT), fault frames and hand-made TCP frames. Every wait is bounded (wait_until polls a
// condition with a deadline; no sleep stands for synchronization).
//
// Covered: acquire/release across 3 nodes (a waiter gets the lock with a higher token); kill -9
// of the leader (a new leader, a higher token); SIGSTOP/SIGCONT of the leader (a new leader; the
// old one rejoins as a follower); a restart of every node from its write-ahead log (the lock
// table and a live session's token survive); a cut leader (Fault frame) replaced, then healed;
// a leader that heard nobody for a while (one-way Fault frame) serving again once healed;
// fencing (an expired holder's stale write is rejected).
// Bad input and files (tests/runtime/integration/node_input_test.cpp) and the nemesis
// (nemesis_test.cpp) have their own files.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

#include "impl/runtime/client.hpp"
#include <fmt/format.h>

#include "tests/support/processes.hpp"
#include "tests/support/run_command.hpp"

namespace lockstep::testing {
namespace {

using runtime::ClientError;
using runtime::ClientErrorKind;
using std::chrono::milliseconds;
using namespace std::chrono_literals;

// The row of lock `name` in a status JSON's lock table (nullopt when absent).
std::optional<Json> lock_row(const Json& status, const std::string& name) {
  const std::uint32_t slot = runtime::lock_slot(name);
  if (!status.contains("locks")) return std::nullopt;
  for (const Json& row : status["locks"]) {
    if (row.value("lock", std::uint64_t{0}) == slot) return row;
  }
  return std::nullopt;
}

// A resource that accepts a write only with a token at least the highest it accepted.
class FencedResource {
 public:
  bool write(std::uint64_t token, const std::string& value) {
    std::lock_guard lock(mutex_);
    if (token < highest_) return false;
    highest_ = token;
    value_ = value;
    return true;
  }
  std::string value() {
    std::lock_guard lock(mutex_);
    return value_;
  }

 private:
  std::mutex mutex_;
  std::uint64_t highest_ = 0;
  std::string value_;
};

// A leader every node names (the first elections of a fresh cluster may still be settling), or 0
// after 10 s.
std::uint8_t settled_leader(TestCluster& cluster) {
  std::uint8_t l = 0;
  const bool settled = wait_until(
      [&] {
        l = cluster.leader();
        if (l == 0) return false;
        for (const auto& m : cluster.statuses()) {
          if (!m.status || m.status->value("leader", 0) != l) return false;
        }
        return true;
      },
      10s);
  return settled ? l : 0;
}

// A leader other than `former` that some other node names and that names itself (the former may
// still believe it leads: ask the others), or 0 after `timeout`.
std::uint8_t replacement_leader(TestCluster& cluster, std::uint8_t former, milliseconds timeout) {
  std::uint8_t found = 0;
  const bool replaced = wait_until(
      [&] {
        for (const auto& m : cluster.statuses()) {
          if (m.member == former || !m.status) continue;
          const int named = m.status->value("leader", 0);
          if (named == 0 || named == former) continue;
          const auto theirs = cluster.status(static_cast<std::uint8_t>(named));
          if (theirs && theirs->value("leader", 0) == named) found = static_cast<std::uint8_t>(named);
        }
        return found != 0;
      },
      timeout);
  return replaced ? found : 0;
}

class NodeTest : public ::testing::TestWithParam<std::string> {
 protected:
  ClusterOptions options() const {
    ClusterOptions o;
    o.protocol = GetParam();
    return o;
  }
};

INSTANTIATE_TEST_SUITE_P(Protocols, NodeTest, ::testing::Values("raft", "multipaxos"),
                         [](const auto& info) { return info.param; });

TEST_P(NodeTest, SecondClientWaitsThenGetsTheLockWithAHigherToken) {
  TestCluster cluster(options());
  ASSERT_NE(cluster.wait_for_leader(), 0) << logs(cluster);
  auto a = cluster.client();
  auto b = cluster.client();
  a->open(10s);
  b->open(10s);
  const std::uint64_t t1 = a->acquire("x");

  std::optional<std::uint64_t> t2;
  std::string b_error;
  std::jthread waiter([&] {
    try {
      t2 = b->acquire("x", 15s);
    } catch (const std::exception& e) {
      b_error = e.what();
    }
  });
  // B waits: the leader's lock table shows it queued behind A.
  const bool queued = wait_until(
      [&] {
        const std::uint8_t leader = cluster.leader();
        if (leader == 0) return false;
        const auto status = cluster.status(leader);
        const auto row = status ? lock_row(*status, "x") : std::nullopt;
        return row && row->value("waiters", 0) >= 1 && row->value("token", std::uint64_t{0}) == t1;
      },
      10s);
  EXPECT_TRUE(queued) << logs(cluster);
  EXPECT_FALSE(t2.has_value()) << "B was granted the lock while A held it";
  EXPECT_TRUE(a->release("x", t1));
  waiter.join();
  ASSERT_TRUE(t2.has_value()) << b_error << "\n" << logs(cluster);
  EXPECT_GT(*t2, t1);

  // The table agrees: B's session holds x with t2 (on every node, once applied).
  const bool agreed = wait_until(
      [&] {
        for (int id = 1; id <= cluster.size(); ++id) {
          const auto status = cluster.status(id);
          const auto row = status ? lock_row(*status, "x") : std::nullopt;
          if (!row || row->value("holder", std::uint64_t{0}) != b->session() ||
              row->value("token", std::uint64_t{0}) != *t2) {
            return false;
          }
        }
        return true;
      },
      10s);
  EXPECT_TRUE(agreed) << logs(cluster);
  EXPECT_TRUE(b->release("x", *t2));
  EXPECT_FALSE(a->release("x", t1)) << "a second release with the old token";
}

// A session that gave up waiting closes and leaves the queue; a closed session's lock passes to
// its waiter at once (the sessions' ttl is a minute; every wait is bounded well below it).
TEST_P(NodeTest, ClosingASessionDropsItsWaitAndHandsItsLockOnAtOnce) {
  TestCluster cluster(options());
  ASSERT_NE(cluster.wait_for_leader(), 0) << logs(cluster);
  auto a = cluster.client();
  auto b = cluster.client();
  auto c = cluster.client();
  a->open(60s);
  b->open(60s);
  c->open(60s);
  const std::uint64_t t1 = a->acquire("x");
  const auto waiters_are = [&](int n) {
    return wait_until(
        [&] {
          const std::uint8_t leader = cluster.leader();
          const auto status = leader ? cluster.status(leader) : std::nullopt;
          const auto row = status ? lock_row(*status, "x") : std::nullopt;
          return row && row->value("waiters", -1) == n && row->value("token", std::uint64_t{0}) == t1;
        },
        10s);
  };

  // B waits a second and gives up (its session stays queued), then closes: the queue shrinks.
  try {
    b->acquire("x", 1s);
    ADD_FAILURE() << "B was granted x while A held it";
  } catch (const ClientError& e) {
    EXPECT_EQ(e.kind, ClientErrorKind::unavailable) << e.what();
  }
  ASSERT_TRUE(waiters_are(1)) << logs(cluster);
  EXPECT_TRUE(b->close(10s));
  EXPECT_EQ(b->session(), 0u);
  ASSERT_TRUE(waiters_are(0)) << logs(cluster);

  // C waits; A closes while holding x: C is granted at once, with a higher token.
  std::optional<std::uint64_t> t_c;
  std::string c_error;
  std::jthread c_waiter([&] {
    try {
      t_c = c->acquire("x", 30s);
    } catch (const std::exception& e) {
      c_error = e.what();
    }
  });
  ASSERT_TRUE(waiters_are(1)) << logs(cluster);
  const auto closed_at = Clock::now();
  EXPECT_TRUE(a->close(10s));
  c_waiter.join();
  ASSERT_TRUE(t_c.has_value()) << c_error << "\n" << logs(cluster);
  EXPECT_GT(*t_c, t1);
  EXPECT_LT(Clock::now() - closed_at, 10s);
  EXPECT_EQ(a->session(), 0u);
  EXPECT_THROW(a->acquire("x", 1s), ClientError);  // no session any more
  EXPECT_TRUE(c->release("x", *t_c));
  EXPECT_TRUE(c->close(10s));
  // The sessions are gone from the table (every node, once applied).
  const bool gone = wait_until(
      [&] {
        for (int id = 1; id <= cluster.size(); ++id) {
          const auto status = cluster.status(id);
          if (!status || status->value("sessions", -1) != 0) return false;
        }
        return true;
      },
      10s);
  EXPECT_TRUE(gone) << logs(cluster);
}

TEST_P(NodeTest, KillingTheLeaderElectsAnotherAndTokensKeepGrowing) {
  TestCluster cluster(options());
  const std::uint8_t first = cluster.wait_for_leader();
  ASSERT_NE(first, 0) << logs(cluster);
  auto a = cluster.client();
  a->open(10s);
  const std::uint64_t tx1 = a->acquire("x");
  ASSERT_TRUE(a->release("x", tx1));
  const std::uint64_t ty = a->acquire("y");
  const std::uint64_t tx2 = a->acquire("x");
  EXPECT_GT(ty, tx1);
  EXPECT_GT(tx2, ty);

  cluster.kill9(first);
  const std::uint8_t second = cluster.wait_for_leader(10s, first);
  ASSERT_NE(second, 0) << "no new leader after kill -9 of node " << int(first) << "\n" << logs(cluster);

  auto b = cluster.client();
  b->open(10s);
  const std::uint64_t t = b->acquire("z");
  EXPECT_GT(t, tx2);
  // A's session survived the leader's death: it still holds y and x.
  EXPECT_TRUE(a->release("y", ty)) << logs(cluster);
  EXPECT_TRUE(a->release("x", tx2));
  EXPECT_GT(b->acquire("x"), t);

  // The killed node comes back from its log and rejoins: it names the leader that a majority
  // names (TestCluster::leader). It may be that leader: Raft has no pre-vote, and before its
  // pre-vote a restarted Multi-Paxos node whose links were not up yet when its election timer
  // fired prepared a ballot above the leader's and led again (seen in CI: node 3 restarted,
  // prepared (5, n3) over (5, n1)).
  cluster.restart(first);
  const bool rejoined = wait_until(
      [&] {
        const auto status = cluster.status(first);
        const std::uint8_t leader = cluster.leader();
        return status && leader != 0 && status->value("leader", 0) == leader;
      },
      10s);
  EXPECT_TRUE(rejoined) << logs(cluster);
  const std::uint64_t after = b->acquire("w");
  EXPECT_GT(after, t) << logs(cluster);  // and the cluster serves, tokens still rising
}

TEST_P(NodeTest, PausedLeaderIsReplacedAndRejoinsAsFollowerAfterSigcont) {
  TestCluster cluster(options());
  const std::uint8_t first = cluster.wait_for_leader();
  ASSERT_NE(first, 0) << logs(cluster);
  auto a = cluster.client();
  a->open(10s);
  const std::uint64_t t1 = a->acquire("p");
  ASSERT_TRUE(a->release("p", t1));

  cluster.pause(first);
  const std::uint8_t second = cluster.wait_for_leader(10s, first);
  ASSERT_NE(second, 0) << "no new leader while node " << int(first) << " is stopped\n" << logs(cluster);
  auto b = cluster.client();
  b->open(10s);
  const std::uint64_t t2 = b->acquire("p");
  EXPECT_GT(t2, t1);
  ASSERT_TRUE(b->release("p", t2));
  const auto leader_status = cluster.status(second);
  ASSERT_TRUE(leader_status);
  const std::uint64_t applied = leader_status->value("applied", std::uint64_t{0});

  cluster.resume(first);
  // It follows the new leader and catches up with what was applied while it was stopped. (A
  // Multi-Paxos node may also take the leadership back with a higher ballot: any node may lead
  // there; a Raft node steps down on the new term and follows.)
  std::string last;
  std::uint8_t leader_seen = 0;
  const bool rejoined = wait_until(
      [&] {
        const auto status = cluster.status(first);
        const std::uint8_t leader = cluster.leader();
        leader_seen = leader;
        if (!status) return false;
        last = status->dump();
        return leader != 0 && (leader != first || GetParam() == "multipaxos") && status->value("leader", 0) == leader &&
               status->value("applied", std::uint64_t{0}) >= applied;
      },
      10s);
  EXPECT_TRUE(rejoined) << "node " << int(first) << " after SIGCONT (the leader: " << int(leader_seen)
                        << "; applied before: " << applied << "): " << last << "\n" << logs(cluster);

  // The cluster serves requests.
  const std::uint64_t t3 = b->acquire("p");
  EXPECT_GT(t3, t2);
  EXPECT_TRUE(b->release("p", t3));
}

TEST_P(NodeTest, CutLeaderIsReplacedAndHeals) {
  TestCluster cluster(options());
  const std::uint8_t first = cluster.wait_for_leader();
  ASSERT_NE(first, 0) << logs(cluster);
  auto a = cluster.client();
  a->open(10s);
  const std::uint64_t t1 = a->acquire("c");
  ASSERT_TRUE(a->release("c", t1));

  const std::uint32_t everyone = (1u << cluster.size()) - 1;
  ASSERT_TRUE(cluster.cut(first, everyone)) << logs(cluster);
  // The others elect one of themselves.
  ASSERT_NE(replacement_leader(cluster, first, 10s), 0) << logs(cluster);
  const std::uint64_t t2 = a->acquire("c");
  EXPECT_GT(t2, t1);
  EXPECT_TRUE(a->release("c", t2));
  EXPECT_NE(cluster.log(first).find("fault injection"), std::string::npos);

  ASSERT_TRUE(cluster.heal(first));
  const bool healed = wait_until(
      [&] {
        const std::uint8_t leader = cluster.leader();
        const auto status = cluster.status(first);
        return leader != 0 && status && status->value("leader", 0) == leader;
      },
      10s);
  EXPECT_TRUE(healed) << logs(cluster);
}

// A leader whose frames from every other node are lost for a while (a one-way fault: they still
// hear it, so none of them takes over, until it steps down an election timeout later) cannot
// commit; once healed the cluster must serve again. Multi-
// Paxos's leader sent each slot's Accept once: a slot whose Accepted answers were lost stayed
// open for ever, every slot after it waited, and the cluster served nothing until another node
// took over (found by the nemesis, `oneway {2,3,4,5} -> 1`). Its heartbeat now resends them.
TEST_P(NodeTest, LeaderThatHeardNobodyServesAgainOnceHealed) {
  TestCluster cluster(options());
  ASSERT_NE(cluster.wait_for_leader(), 0) << logs(cluster);
  auto a = cluster.client();
  a->open(60s);
  const std::uint64_t t1 = a->acquire("d");
  ASSERT_TRUE(a->release("d", t1));
  const std::uint8_t l = settled_leader(cluster);
  ASSERT_NE(l, 0) << logs(cluster);

  const std::uint32_t others = ((1u << cluster.size()) - 1) & ~(1u << (l - 1));
  ASSERT_TRUE(cluster.fault(l, 0, others)) << logs(cluster);
  // The leader steps down (check-quorum) and the others may serve already (the next test asserts
  // that they do); either way the next request after the heal must be served.
  try {
    static_cast<void>(a->release("d", a->acquire("d", 1500ms)));
  } catch (const runtime::ClientError&) {
  }
  ASSERT_TRUE(cluster.heal(l)) << logs(cluster);

  const auto healed = Clock::now();
  std::uint64_t t2 = 0;
  std::string error;
  try {
    t2 = a->acquire("e", 10s);
  } catch (const std::exception& e) {
    error = e.what();
  }
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - healed);
  EXPECT_GT(t2, t1) << "no lock within 10 s of the heal: " << error << "\n" << logs(cluster);
  EXPECT_LT(took.count(), 5000) << "the first request after the heal took " << took.count() << " ms\n"
                                << logs(cluster);
}

// A leader that hears no other node for good (a one-way fault into it that lasts: its heartbeats
// still reach them, so without check-quorum none of them would campaign, and it would commit
// nothing for as long as the fault lasts). With check-quorum (the Raft thesis 6.2) it steps down
// an election timeout later; the others elect one of themselves and serve while the fault lasts,
// and the deaf node does not depose their leader (Raft's nodes disregard its higher-term votes
// while they hear their leader, 4.2.3; Multi-Paxos's replicas refuse its probes while their lease
// on their leader runs).
TEST_P(NodeTest, DeafLeaderStepsDownAndTheOthersServeWhileTheFaultLasts) {
  TestCluster cluster(options());
  ASSERT_NE(cluster.wait_for_leader(), 0) << logs(cluster);
  auto a = cluster.client();
  a->open(60s);
  const std::uint64_t t1 = a->acquire("d");
  ASSERT_TRUE(a->release("d", t1));
  const std::uint8_t deaf = settled_leader(cluster);
  ASSERT_NE(deaf, 0) << logs(cluster);

  const std::uint32_t others = ((1u << cluster.size()) - 1) & ~(1u << (deaf - 1));
  ASSERT_TRUE(cluster.fault(deaf, 0, others)) << logs(cluster);
  const auto faulted = Clock::now();
  // The others name one of themselves as leader, and it says so itself.
  ASSERT_NE(replacement_leader(cluster, deaf, 10s), 0) << logs(cluster);
  // The deaf node no longer believes it leads.
  const auto deaf_status = cluster.status(deaf);
  ASSERT_TRUE(deaf_status.has_value()) << logs(cluster);
  EXPECT_NE(deaf_status->value("role", std::string{}), "leader") << deaf_status->dump();

  // Served while the fault lasts: a lock, with a token above every earlier one.
  std::uint64_t t2 = 0;
  std::string error;
  try {
    t2 = a->acquire("e", 10s);
  } catch (const std::exception& e) {
    error = e.what();
  }
  EXPECT_GT(t2, t1) << "no lock while the deaf leader's fault lasted: " << error << "\n" << logs(cluster);
  const auto served_after = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - faulted);
  EXPECT_LT(served_after.count(), 8000) << logs(cluster);
  EXPECT_TRUE(a->release("e", t2));
  // Still served a while later (its higher-term votes did not depose the others' leader for good).
  EXPECT_GT(a->acquire("e", 10s), t2) << logs(cluster);

  ASSERT_TRUE(cluster.heal(deaf)) << logs(cluster);
  EXPECT_NE(settled_leader(cluster), 0) << logs(cluster);
}

// A cluster with some locks taken (x and y by A's session, z released by B), stopped (SIGTERM)
// and started again from the write-ahead logs, with a leader elected.
struct Restarted {
  std::unique_ptr<TestCluster> cluster;
  std::unique_ptr<runtime::LockClient> a, b;
  std::uint64_t tx = 0, ty = 0, tz = 0;
  std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> before;  // lock -> (holder, token)

  bool table_is(const Json& status) const {
    for (const auto& [name, expected] : before) {
      const auto row = lock_row(status, name);
      if (!row || row->value("holder", std::uint64_t{0}) != expected.first ||
          row->value("token", std::uint64_t{0}) != expected.second) {
        return false;
      }
    }
    return true;
  }
  // Waits for the leader's status to show the table as before; `last` gets the status seen.
  bool leader_shows_the_table(std::chrono::milliseconds timeout, std::string& last) const {
    return wait_until(
        [&] {
          const std::uint8_t l = cluster->leader();
          const auto status = l ? cluster->status(l) : std::nullopt;
          if (status) last = status->dump();
          return status && table_is(*status);
        },
        timeout);
  }
};

void restart_with_locks(const std::string& protocol, Restarted& r) {
  ClusterOptions o;
  o.protocol = protocol;
  r.cluster = std::make_unique<TestCluster>(o);
  TestCluster& cluster = *r.cluster;
  ASSERT_NE(cluster.wait_for_leader(), 0) << logs(cluster);
  r.a = cluster.client();
  r.b = cluster.client();
  r.a->open(60s);
  r.b->open(60s);
  r.tx = r.a->acquire("x");
  r.ty = r.a->acquire("y");
  r.tz = r.b->acquire("z");
  ASSERT_TRUE(r.b->release("z", r.tz));
  r.before = {{"x", {r.a->session(), r.tx}}, {"y", {r.a->session(), r.ty}}, {"z", {0, r.tz}}};
  // Every node applied it before the stop.
  ASSERT_TRUE(wait_until(
      [&] {
        for (int id = 1; id <= cluster.size(); ++id) {
          const auto status = cluster.status(id);
          if (!status || !r.table_is(*status)) return false;
        }
        return true;
      },
      10s))
      << logs(cluster);

  cluster.stop_all();
  for (int id = 1; id <= cluster.size(); ++id) {
    ASSERT_FALSE(cluster.running(id)) << "node " << id << " did not stop on SIGTERM";
    EXPECT_EQ(cluster.wait_exit(id, 0ms), 0) << "node " << id << " after SIGTERM";
  }
  for (int id = 1; id <= cluster.size(); ++id) cluster.start(id);
  ASSERT_NE(cluster.wait_for_leader(), 0) << logs(cluster);
}

TEST_P(NodeTest, RestartFromTheWalKeepsTheLockTableAndSessions) {
  Restarted r;
  ASSERT_NO_FATAL_FAILURE(restart_with_locks(GetParam(), r));
  // A new session: an entry of the new leader's term, committed (and everything before it).
  auto c = r.cluster->client();
  c->open(10s);
  // The table as before (holders and tokens), read from the new leader's status.
  std::string last;
  EXPECT_TRUE(r.leader_shows_the_table(10s, last)) << "after the restart: " << last << "\n" << logs(*r.cluster);
  // The session lives on: a release with the old token succeeds, and it still holds y.
  EXPECT_TRUE(r.a->release("x", r.tx)) << logs(*r.cluster);
  EXPECT_TRUE(r.a->release("y", r.ty));
  EXPECT_GT(r.b->acquire("x"), r.tz);
}

// After a restart of every node, the new leader serves the recovered table without waiting for a
// client's request: Multi-Paxos's new leader re-proposes what it recovered, Raft's appends a no-op
// of its term (section 8), which commits its predecessors' entries with it. (Without the no-op,
// Raft's status showed commit 0, an empty table, for as long as no client wrote.)
TEST_P(NodeTest, ServesTheRecoveredTableWithoutNewRequests) {
  Restarted r;
  ASSERT_NO_FATAL_FAILURE(restart_with_locks(GetParam(), r));
  std::string last;
  EXPECT_TRUE(r.leader_shows_the_table(5s, last)) << "after the restart: " << last << "\n" << logs(*r.cluster);
}

TEST_P(NodeTest, FencingRejectsTheStaleWriteOfAnExpiredHolder) {
  ClusterOptions o = options();
  o.extra_args = {"--expiry-period", "100ms"};
  TestCluster cluster(o);
  ASSERT_NE(cluster.wait_for_leader(), 0) << logs(cluster);
  FencedResource resource;

  // A acquires with a short ttl and then stops keeping its session alive (as a paused process).
  auto a = cluster.client();
  a->open(300ms);
  const std::uint64_t t1 = a->acquire("f");
  ASSERT_TRUE(resource.write(t1, "A1"));

  // B waits for the lock: it is granted when A's session expires.
  auto b = cluster.client();
  b->open(10s);
  const std::uint64_t t2 = b->acquire("f", 15s);
  EXPECT_GT(t2, t1);
  EXPECT_TRUE(resource.write(t2, "B"));

  // A wakes up and writes with its old token: rejected.
  EXPECT_FALSE(resource.write(t1, "A2"));
  EXPECT_EQ(resource.value(), "B");
  // And the service agrees that A's session is gone.
  try {
    EXPECT_FALSE(a->release("f", t1));
  } catch (const ClientError& e) {
    EXPECT_EQ(e.kind, ClientErrorKind::session_expired) << e.what();
  }
  EXPECT_TRUE(b->release("f", t2));
}

TEST_P(NodeTest, RecordedRunReplaysAndACorruptFingerprintIsCaught) {
  ClusterOptions o = options();
  o.record = true;
  TestCluster cluster(o);
  const std::uint8_t first = cluster.wait_for_leader();
  ASSERT_NE(first, 0) << logs(cluster);
  auto a = cluster.client();
  a->open(10s);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(a->release("r", a->acquire("r")));
  // A second segment: a follower killed and restarted, the kill having torn its record's last
  // line (cut here by hand): the new segment starts on a line of its own, and the replay skips
  // the torn line and says so.
  const int follower = first % cluster.size() + 1;
  cluster.kill9(follower);
  {
    const std::string text = read_text(cluster.record_path(follower));
    ASSERT_GT(text.size(), 40u);
    std::ofstream(cluster.record_path(follower), std::ios::binary | std::ios::trunc) << text.substr(0, text.size() - 20);
  }
  cluster.restart(follower);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(a->release("r", a->acquire("r")));
  ASSERT_TRUE(wait_until(
      [&] {
        const auto status = cluster.status(follower);
        return status && status->value("leader", 0) != 0;
      },
      10s));
  cluster.stop_all();

  for (int id = 1; id <= cluster.size(); ++id) {
    const auto result = run_command(fmt::format("{} replay --node-log {}", lockstep_binary(), cluster.record_path(id).string()));
    EXPECT_EQ(result.exit_code, 0) << "node " << id << ": " << result.out << result.err;
    EXPECT_NE(result.out.find("every state reproduced"), std::string::npos) << result.out;
    EXPECT_EQ(result.out.find("torn by a kill") != std::string::npos, id == follower) << result.out;
  }
  const std::string segments = read_text(cluster.record_path(follower));
  EXPECT_EQ(count_of(segments, "{\"start\":"), 2u);

  // One recorded fingerprint changed: the replay stops there, exit 1.
  std::string text = read_text(cluster.record_path(first));
  std::size_t at = 0;
  for (int skip = 0; skip < 10; ++skip) at = text.find("\"fp\":\"", at + 1);
  ASSERT_NE(at, std::string::npos);
  char& digit = text[at + 6];
  digit = digit == '0' ? '1' : '0';
  const fs::path corrupt = cluster.dir() / "corrupt.ndjson";
  std::ofstream(corrupt, std::ios::binary) << text;
  const auto result = run_command(fmt::format("{} replay --node-log {}", lockstep_binary(), corrupt.string()));
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  EXPECT_NE(result.out.find("differs from the recorded one"), std::string::npos) << result.out;
}

// Raft: the leader L and a follower A that was cut off for a while (its log behind) must serve
// while the third node B is cut off. Found by the nemesis (unavailability windows of 3-5 s with a
// majority up): A came back with a term inflated by elections it could not win, L stepped down on
// it, and L's election timer had lapsed while it led, so it waited for a vote it granted or a
// leader it heard, neither of which came while B was away (fixed in model/raft/step.hpp: a
// deposed leader arms its election timer, step test
// a_leader_deposed_by_a_higher_term_arms_its_election_timer). Since pre-vote (thesis 9.6) A's term
// no longer climbs while it is cut off, so L is not deposed at all: it leads on with A.
TEST(NodeRaft, LeaderAndABehindFollowerServeWhileTheThirdIsCutOff) {
  TestCluster cluster;
  const std::uint8_t l = cluster.wait_for_leader();
  ASSERT_NE(l, 0) << logs(cluster);
  const int a = l % 3 + 1;
  const int b = a % 3 + 1;
  auto client = cluster.client();
  client->open(30s);
  ASSERT_TRUE(client->release("s", client->acquire("s")));
  // A cut off: it tries to campaign (a pre-candidate), and falls behind: L and B go on without it.
  const std::size_t cut_at = cluster.log(a).size();
  ASSERT_TRUE(cluster.cut(a, 0b111));
  ASSERT_TRUE(wait_until([&] { return cluster.log(a).find("candidate in term", cut_at) != std::string::npos; }, 10s))
      << logs(cluster);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(client->release("s", client->acquire("s")));
  // B cut off, A back: L and A are a majority, and L's log is the up-to-date one.
  ASSERT_TRUE(cluster.cut(b, 0b111));
  ASSERT_TRUE(cluster.heal(a));
  std::string last;
  const bool serving = wait_until(
      [&] {
        const auto sl = cluster.status(l);
        const auto sa = cluster.status(static_cast<std::uint8_t>(a));
        if (sl) last = sl->dump();
        return sl && sa && sl->value("leader", 0) == l && sa->value("leader", 0) == l &&
               sa->value("applied", std::uint64_t{0}) >= sl->value("commit", std::uint64_t{0});
      },
      5s);
  EXPECT_TRUE(serving) << "node " << int(l) << " (up to date, with node " << a << " reachable) does not lead it: " << last
                       << "\n" << logs(cluster);
  EXPECT_TRUE(client->release("s", client->acquire("s", 10s))) << logs(cluster);
}

// A follower cut off from a live leader tries to lead meanwhile; once healed it follows that
// leader again instead of taking over, and the leader leads on.
// Multi-Paxos: it probes (or, before the pre-vote, prepared) ever higher ballots; the lease and
// the pre-vote (model/multipaxos/step.hpp helps_preempt) keep its ballot from preempting the
// leader. Before them, the healed node's ballot preempted the leader at once, and under a nemesis
// with bridges and cuts such takeovers chained into windows of seconds with no answer.
// Raft: with pre-vote (the thesis, 9.6) no majority grants it the next term, so its term does not
// rise, and the leader leads on in the same term: no election. Without pre-vote it campaigned with
// ever higher terms, and its first answer after the heal (a refusal of a higher term) deposed the
// leader.
TEST_P(NodeTest, HealedFollowerDoesNotTakeOverALiveLeader) {
  const bool raft = GetParam() == "raft";
  TestCluster cluster(options());
  auto client = cluster.client();
  client->open(30s);
  ASSERT_TRUE(client->release("h", client->acquire("h")));
  const std::uint8_t l = settled_leader(cluster);
  ASSERT_NE(l, 0) << logs(cluster);
  const auto before = cluster.status(l);
  ASSERT_TRUE(before) << logs(cluster);
  const auto term = before->value("term", std::uint64_t{0});
  const int f = l % 3 + 1;
  const auto attempts = [&](std::size_t from) {
    const std::string log = cluster.log(f);
    std::size_t count = 0;
    // ("candidate in term" is in "pre_candidate in term" too: either attempt counts)
    for (const char* what : {"candidate in term", "probing in round", "preparing in round"}) {
      for (std::size_t at = log.find(what, from); at != std::string::npos; at = log.find(what, at + 1)) ++count;
    }
    return count;
  };
  const std::size_t cut_at = cluster.log(f).size();
  ASSERT_TRUE(cluster.cut(f, 0b111)) << logs(cluster);
  // Its election timer fires: it tries to lead (a Raft pre-candidate logs its role once; a
  // Multi-Paxos node logs each probe's round).
  ASSERT_TRUE(wait_until([&] { return attempts(cut_at) >= (raft ? 1u : 3u); }, 10s)) << logs(cluster);
  if (raft) {
    // Watched for five of the longest election timeouts: its term stays the leader's.
    const bool raised = wait_until(
        [&] {
          const auto status = cluster.status(static_cast<std::uint8_t>(f));
          return status && status->value("term", std::uint64_t{0}) != term;
        },
        1500ms);
    EXPECT_FALSE(raised) << "the cut-off node raised its term\n" << logs(cluster);
  }
  const std::size_t healed_at = cluster.log(f).size();
  ASSERT_TRUE(cluster.heal(f)) << logs(cluster);
  // It follows the leader again (it names it), and the service answers.
  const bool follows = wait_until(
      [&] {
        const auto status = cluster.status(static_cast<std::uint8_t>(f));
        return status && status->value("leader", 0) == l;
      },
      10s);
  EXPECT_TRUE(follows) << logs(cluster);
  ASSERT_TRUE(client->release("h", client->acquire("h", 10s))) << logs(cluster);
  const auto after = cluster.status(l);
  ASSERT_TRUE(after) << logs(cluster);
  EXPECT_EQ(after->value("leader", 0), l) << logs(cluster);
  if (raft) {
    EXPECT_EQ(after->value("term", std::uint64_t{0}), term) << "an election after the heal\n" << logs(cluster);
    EXPECT_EQ(cluster.log(f).find(" candidate in term", cut_at), std::string::npos) << "the cut-off node campaigned\n"
                                                                                     << logs(cluster);
  } else {
    EXPECT_EQ(cluster.log(f).find("leading in round", healed_at), std::string::npos) << "the healed node took over\n"
                                                                                      << logs(cluster);
  }
}

// Raft: a follower that missed a few hundred entries catches up quickly, so that when it is the
// leader's only live peer the cluster serves again within about a second. Found by the nemesis
// (windows of 15 s with all three nodes up and a leader elected): a refused AppendEntries backs
// next_index off by one entry per round trip (model/raft/step.hpp on_append_entries_response),
// and every probe carries the whole suffix from next_index (on_heartbeat_timer), so catching up
// on k entries takes k heartbeats and O(k^2) bytes (a stopped follower's queue passes 64 MiB
// within a second: "link to nN down: more than 64 MiB waiting to be written"). Disabled until
// model/raft/step.hpp is fixed (reported).
void lagging_follower_catches_up(const std::string& protocol) {
  ClusterOptions o;
  o.protocol = protocol;
  TestCluster cluster(o);
  const std::uint8_t l = cluster.wait_for_leader();
  ASSERT_NE(l, 0) << logs(cluster);
  const int b = l % 3 + 1;  // falls behind
  const int c = b % 3 + 1;  // then dies
  auto client = cluster.client();
  client->open(30s);
  ASSERT_TRUE(cluster.cut(b, 0b111));
  // A few hundred entries that B does not get.
  for (int i = 0; i < 150; ++i) ASSERT_TRUE(client->release("g", client->acquire("g")));
  ASSERT_TRUE(cluster.heal(b));
  cluster.kill9(c);
  // L and B are a majority: a request commits once B holds L's log.
  const auto started = Clock::now();
  std::string error;
  bool served = false;
  try {
    served = client->release("g", client->acquire("g", 15s));
  } catch (const std::exception& e) {
    error = e.what();
  }
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
  EXPECT_TRUE(served) << error << "\n" << logs(cluster);
  EXPECT_LT(took.count(), 1500) << "the first request after the lagging follower came back took " << took.count()
                                << " ms\n" << logs(cluster);
}

TEST(NodeRaft, LaggingFollowerCatchesUpWithinASecond) { lagging_follower_catches_up("raft"); }

// The same for Multi-Paxos.
TEST(NodeMultiPaxos, LaggingFollowerCatchesUpWithinASecond) { lagging_follower_catches_up("multipaxos"); }

}  // namespace
}  // namespace lockstep::testing
