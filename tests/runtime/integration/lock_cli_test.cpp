// The lock service's client commands as a user runs them (impl/cli/lock_commands.cpp): bad
// usage exits 2 with one line; a cluster nobody serves exits 1 (status) or 3 (lock acquire, at
// its deadline); and against a live `lockstep cluster up` of three nodes: acquire, release by
// token, hold (token in the command's environment, its exit status passed through), an acquire
// that times out (its session closed, not left queued), an acquire and a hold interrupted while
// queued (their sessions closed too), status.
// Waits are bounded: the cluster's readiness is read from its stdout with poll(2) and a
// deadline; nothing sleeps.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "model/core/json.hpp"
#include "tests/support/processes.hpp"
#include "tests/support/run_command.hpp"

namespace {

using lockstep::Json;
using lockstep::testing::line_count;
using lockstep::testing::lockstep;

// Whether the leader's lock table shows `waiters` sessions queued for every lock it has (asked
// until it does, a bounded number of times: each `status` is answered at once, and a leader
// change may intervene).
bool leader_shows_waiters(const std::string& spec, int waiters) {
  for (int attempt = 0; attempt < 300; ++attempt) {
    const auto now = lockstep("status --cluster " + spec + " --json");
    for (const Json& node : Json::parse(now.out)) {
      if (node.value("role", std::string()) != "leader" || !node.contains("locks") || node["locks"].empty()) continue;
      bool all = true;
      for (const Json& row : node["locks"]) all = all && row.value("waiters", -1) == waiters;
      if (all) return true;
    }
  }
  return false;
}

// A cluster spec where nobody listens (ports bound then released by the kernel are unlikely to
// be reused at once; port 1 needs root to listen on).
const std::string nobody = "1=127.0.0.1:1,2=127.0.0.1:2,3=127.0.0.1:3";

TEST(LockCli, bad_usage_exits_2_with_one_line) {
  for (const std::string& args : std::vector<std::string>{"lock acquire x", "lock acquire x --cluster 1=nohost", "lock acquire x --cluster " + nobody + " --ttl ten",
                                 "lock acquire x --cluster 1=a:1,3=a:3", "lock release x --cluster " + nobody,
                                 "lock hold x --cluster " + nobody, "status", "cluster up --nodes 0",
                                 "cluster up --nodes 10", "cluster up --protocol zab", "lock"}) {
    const auto r = lockstep(args);
    EXPECT_EQ(r.exit_code, 2) << args << ": " << r.err;
    EXPECT_EQ(line_count(r.err), 1) << args << ": " << r.err;
    EXPECT_EQ(r.out, "") << args;
  }
  const auto ttl = lockstep("lock acquire x --cluster " + nobody + " --ttl ten");
  EXPECT_NE(ttl.err.find("--ttl"), std::string::npos) << ttl.err;
  const auto spec = lockstep("lock acquire x --cluster 1=a:1,3=a:3");
  EXPECT_NE(spec.err.find("--cluster"), std::string::npos) << spec.err;
}

TEST(LockCli, nobody_serving_is_reported_within_the_deadline) {
  const auto started = std::chrono::steady_clock::now();
  const auto acquire = lockstep("lock acquire x --cluster " + nobody + " --timeout 500ms");
  EXPECT_EQ(acquire.exit_code, 3) << acquire.err;
  EXPECT_EQ(line_count(acquire.err), 1) << acquire.err;
  EXPECT_NE(acquire.err.find("no member of " + nobody + " answered within"), std::string::npos) << acquire.err;
  const auto status = lockstep("status --cluster " + nobody + " --timeout 300ms --json");
  EXPECT_EQ(status.exit_code, 1) << status.err;
  const Json nodes = Json::parse(status.out);
  ASSERT_EQ(nodes.size(), 3u);
  EXPECT_EQ(nodes[0]["node"], 1);
  EXPECT_TRUE(nodes[0].contains("error"));
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
}

// `lockstep cluster up` in the background, stopped (SIGTERM) at the end of the test.
class LiveCluster {
 public:
  explicit LiveCluster(const std::string& dir) {
    int out[2];
    if (pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], 1);
      const int null = open("/dev/null", O_WRONLY);
      dup2(null, 2);
      execl(LOCKSTEP_BINARY, LOCKSTEP_BINARY, "cluster", "up", "--nodes", "3", "--dir", dir.c_str(), nullptr);
      _exit(127);
    }
    close(out[1]);
    out_ = out[0];
  }
  ~LiveCluster() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int status = 0;
      waitpid(pid_, &status, 0);  // cluster up stops its nodes within 3 s, then exits
    }
    close(out_);
  }
  // The spec from the "cluster: ..." line, once the cluster has a leader; "" after `timeout`.
  std::string wait_spec(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string text;
    while (true) {
      const auto at = text.find("cluster: ");
      if (at != std::string::npos && text.find('\n', at) != std::string::npos) {
        return text.substr(at + 9, text.find('\n', at) - at - 9);
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return "";
      pollfd p{out_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left.count())) <= 0) return "";
      char buffer[4096];
      const ssize_t n = read(out_, buffer, sizeof buffer);
      if (n <= 0) return "";
      text.append(buffer, static_cast<std::size_t>(n));
    }
  }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
};

TEST(LockCli, acquire_release_hold_and_status_against_a_live_cluster) {
  const std::string dir = ::testing::TempDir() + "lockstep_lock_cli_" + std::to_string(getpid());
  std::filesystem::remove_all(dir);
  std::string spec;
  {
    LiveCluster cluster(dir);
    spec = cluster.wait_spec(std::chrono::seconds(20));
    ASSERT_NE(spec, "") << "cluster up did not report a leader in time";

    const auto first = lockstep("lock acquire L --cluster " + spec + " --ttl 5s --json");
    ASSERT_EQ(first.exit_code, 0) << first.err;
    const Json held = Json::parse(first.out);
    const auto token = held["token"].get<std::uint64_t>();
    EXPECT_EQ(held["lock"], "L");
    EXPECT_EQ(held["acquired"], true);
    EXPECT_GT(held["session"].get<std::uint64_t>(), 0u);

    const auto wrong = lockstep("lock release L --token " + std::to_string(token + 1) + " --cluster " + spec);
    EXPECT_EQ(wrong.exit_code, 1) << wrong.err;
    EXPECT_EQ(line_count(wrong.err), 1) << wrong.err;
    const auto released = lockstep("lock release L --token " + std::to_string(token) + " --cluster " + spec);
    EXPECT_EQ(released.exit_code, 0) << released.err;

    const auto hold = lockstep("lock hold L --cluster " + spec +
                               " -- sh -c 'echo \"$LOCKSTEP_LOCK $LOCKSTEP_FENCING_TOKEN\"; exit 7'");
    EXPECT_EQ(hold.exit_code, 7) << hold.err;
    const auto space = hold.out.find(' ');
    ASSERT_NE(space, std::string::npos) << hold.out;
    EXPECT_EQ(hold.out.substr(0, space), "L");
    EXPECT_GT(std::stoull(hold.out.substr(space + 1)), token);  // fencing tokens rise

    // hold released the lock when its command ended: it is free at once.
    const auto again = lockstep("lock acquire L --cluster " + spec + " --timeout 2s");
    EXPECT_EQ(again.exit_code, 0) << again.err;

    // An acquire that times out closes its session: it does not stay queued for the lock (its
    // ttl of a minute would keep it there). The leader's table shows no waiter once it applied
    // the close (the status is read after the close was answered, so a leader has applied it).
    const auto late = lockstep("lock acquire L --cluster " + spec + " --timeout 1s --ttl 60s --json");
    EXPECT_EQ(late.exit_code, 3) << late.err;
    EXPECT_EQ(line_count(late.err), 1) << late.err;
    EXPECT_NE(late.err.find("closed"), std::string::npos) << late.err;
    // It says it waited in the queue (a member answered), not that no member answered.
    EXPECT_NE(late.err.find("queued for the lock, not granted within"), std::string::npos) << late.err;
    EXPECT_EQ(late.err.find("no member"), std::string::npos) << late.err;
    const Json late_json = Json::parse(late.out);  // --json says why, too
    EXPECT_EQ(late_json["acquired"], false) << late.out;
    EXPECT_EQ(late_json["reason"], "timeout") << late.out;
    EXPECT_EQ(late_json["session_closed"], true) << late.out;
    EXPECT_GT(late_json["session"].get<std::uint64_t>(), 0u) << late.out;
    EXPECT_TRUE(leader_shows_waiters(spec, 0));

    // Ctrl-C (or SIGTERM) while queued ends the wait at once and closes the session, so that the
    // lock is not handed to a process that gave up on it: exit 128 + the signal, one line.
    // L is held by `again`'s session (ttl 10 s): held instead, for a minute, by `holder`'s.
    ASSERT_EQ(lockstep("lock release L --token " + std::to_string(std::stoull(again.out)) + " --cluster " + spec).exit_code, 0);
    const auto holder = lockstep("lock acquire L --ttl 60s --cluster " + spec);
    ASSERT_EQ(holder.exit_code, 0) << holder.err;
    const lockstep::testing::TestDir scratch;
    struct Interrupted {
      std::vector<std::string> args;
      int signal;
    };
    const std::string ran = (scratch / "ran").string();
    for (const Interrupted& c : {Interrupted{{"lock", "acquire", "L", "--timeout", "60s"}, SIGINT},
                                 Interrupted{{"lock", "hold", "L", "--timeout", "60s", "--", "touch", ran}, SIGTERM}}) {
      std::vector<std::string> argv{LOCKSTEP_BINARY, "--ttl", "60s", "--cluster", spec};
      argv.insert(argv.begin() + 1, c.args.begin(), c.args.begin() + 5);
      argv.insert(argv.end(), c.args.begin() + 5, c.args.end());
      const std::string command = c.args[1];
      lockstep::testing::Process waiting = lockstep::testing::Process::spawn(argv, scratch / "waiting.out", scratch / "waiting.err");
      EXPECT_TRUE(leader_shows_waiters(spec, 1)) << command;
      waiting.signal(c.signal);
      EXPECT_EQ(waiting.wait_exit(std::chrono::milliseconds(15000)), 128 + c.signal) << command;
      const std::string err = lockstep::testing::read_text(scratch / "waiting.err");
      EXPECT_EQ(line_count(err), 1) << err;
      EXPECT_NE(err.find(c.signal == SIGINT ? "interrupted (SIGINT) while waiting for lock 'L'" : "interrupted (SIGTERM)"),
                std::string::npos) << err;
      EXPECT_NE(err.find("closed"), std::string::npos) << err;
      EXPECT_TRUE(leader_shows_waiters(spec, 0)) << command;
      std::filesystem::remove(scratch / "waiting.err");
    }
    EXPECT_FALSE(std::filesystem::exists(scratch / "ran"));  // hold never ran its command

    // --try does not wait (as flock -n): a held lock exits 1 at once, one line, the session
    // closed and nothing queued; hold does not run its command. A free lock is taken as usual.
    const auto tried = lockstep("lock acquire L --try --ttl 60s --json --cluster " + spec);
    EXPECT_EQ(tried.exit_code, 1) << tried.err;
    EXPECT_EQ(line_count(tried.err), 1) << tried.err;
    EXPECT_NE(tried.err.find("held by another session"), std::string::npos) << tried.err;
    EXPECT_NE(tried.err.find("closed"), std::string::npos) << tried.err;
    EXPECT_EQ(Json::parse(tried.out)["reason"], "held") << tried.out;
    const auto tried_hold = lockstep("lock hold L --try --cluster " + spec + " -- touch " + ran);
    EXPECT_EQ(tried_hold.exit_code, 1) << tried_hold.err;
    EXPECT_FALSE(std::filesystem::exists(scratch / "ran"));
    EXPECT_TRUE(leader_shows_waiters(spec, 0));
    const auto free_try = lockstep("lock hold M --try --cluster " + spec + " -- sh -c 'exit 5'");
    EXPECT_EQ(free_try.exit_code, 5) << free_try.err;
    EXPECT_EQ(lockstep("lock release L --token " + std::to_string(std::stoull(holder.out)) + " --cluster " + spec).exit_code, 0);

    const auto status = lockstep("status --cluster " + spec + " --json");
    EXPECT_EQ(status.exit_code, 0) << status.err;
    const Json nodes = Json::parse(status.out);
    ASSERT_EQ(nodes.size(), 3u);
    int leaders = 0;
    for (const Json& node : nodes) leaders += node.value("role", std::string()) == "leader" ? 1 : 0;
    EXPECT_GE(leaders, 1);
    const auto table = lockstep("status --cluster " + spec);
    EXPECT_NE(table.out.find("commit/applied"), std::string::npos) << table.out;
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
