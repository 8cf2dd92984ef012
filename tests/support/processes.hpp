// Test support for the runtime's integration tests (tests/runtime/integration/): real processes
// on loopback, every wait bounded.
//
//   free_ports(n)        n free TCP ports on 127.0.0.1: a random base below the kernel's
//                        ephemeral range (so an outbound connection cannot take one between our
//                        check and the node's bind), each verified by binding it;
//   Process              a child (fork + exec; PR_SET_PDEATHSIG so that a test binary killed by a
//                        timeout takes its children along), stdout/stderr appended to files;
//                        signals; wait for exit with a deadline; killed (-9) and reaped when
//                        destroyed;
//   TestDir              a fresh directory per test (under the gtest temp dir), removed when the
//                        test passed, kept (and named on stderr) when it failed;
//   TestCluster          N `lockstep node` processes (raft or multipaxos, --allow-faults, data
//                        dirs and logs under a TestDir): wait_for_leader, leader, kill9,
//                        restart, pause/resume (SIGSTOP/SIGCONT), cut (a Fault frame), stop;
//                        every node killed in the destructor, whatever the test did;
//   wait_until           waits for a condition, woken by the test's processes' writes, with a
//                        deadline (the only way these tests wait);
//   RawSocket            a blocking-with-deadline TCP socket for hand-made frames.
//
// LOCKSTEP_BINARY (a compile definition) is the lockstep binary under test.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "impl/runtime/client.hpp"
#include "impl/runtime/cluster.hpp"
#include "model/core/json.hpp"

namespace lockstep::testing {

namespace fs = std::filesystem;
using Milliseconds = std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

// The lockstep binary under test.
std::string lockstep_binary();

// n distinct free ports on 127.0.0.1 (consecutive from a random base in [20000, 32000)).
std::vector<std::uint16_t> free_ports(int n);

// A test's time bound as this build needs it: `timeout` times LOCKSTEP_TEST_TIMEOUT_FACTOR (10
// under the sanitizers, which run everything several times slower; 1 otherwise). wait_until and
// Process::wait_exit apply it themselves.
Milliseconds scaled(Milliseconds timeout);

// Waits until `condition` holds (true) or `timeout` (scaled) passed (false). The condition is re-checked
// whenever a process of the running test writes in its TestDir (a log line, a WAL append) and at
// least every `poll` (for what changes without a write: a follower's applied index read over the
// network); never a blind sleep.
bool wait_until(const std::function<bool()>& condition, Milliseconds timeout, Milliseconds poll = Milliseconds{20});

std::string read_text(const fs::path& file);
// Occurrences of `needle` in `text`.
std::size_t count_of(const std::string& text, const std::string& needle);

// A fresh directory for the running test: ::testing::TempDir()/lockstep-<suite>-<test>-<pid>-<n>.
class TestDir {
 public:
  TestDir();
  ~TestDir();  // removed when the test passed; kept and named when it failed
  TestDir(const TestDir&) = delete;
  TestDir& operator=(const TestDir&) = delete;
  const fs::path& path() const { return path_; }
  fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

class Process {
 public:
  Process() = default;
  // Starts argv[0] (a path) with these arguments; stdout and stderr appended to the files.
  // Throws std::runtime_error when it cannot be started.
  static Process spawn(const std::vector<std::string>& argv, const fs::path& out, const fs::path& err);
  ~Process();
  Process(Process&& other) noexcept;
  Process& operator=(Process&& other) noexcept;
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  bool started() const { return pid_ > 0; }
  // Not yet reaped (it may be stopped).
  bool running();
  void signal(int signal) const;
  // Waits up to `timeout` for it to exit: its exit code, 128 + the signal that ended it, or
  // nullopt (still running).
  std::optional<int> wait_exit(Milliseconds timeout);
  // SIGKILL (and SIGCONT, should it be stopped), then reaps it. Returns as wait_exit.
  int kill9();
  std::optional<int> exit_code() const { return exit_code_; }

 private:
  void reap_if_exited(int options);
  pid_t pid_ = 0;
  std::optional<int> exit_code_;
};

struct ClusterOptions {
  std::string protocol = "raft";
  int nodes = 3;
  std::vector<std::string> extra_args;  // for every node (e.g. --expiry-period 200ms)
  bool record = false;                  // --record DIR/node-I.ndjson
  bool start = true;                    // start every node in the constructor
};

class TestCluster {
 public:
  explicit TestCluster(ClusterOptions options = {});
  ~TestCluster();  // kills every node (-9)
  TestCluster(const TestCluster&) = delete;
  TestCluster& operator=(const TestCluster&) = delete;

  const runtime::Cluster& cluster() const { return cluster_; }
  const std::string& spec() const { return spec_; }
  int size() const { return options_.nodes; }
  const fs::path& dir() const { return dir_.path(); }
  fs::path data_dir(int id) const;
  fs::path log_path(int id) const;    // the node's stderr (appended across restarts)
  fs::path record_path(int id) const;  // with options.record
  std::string log(int id) const { return read_text(log_path(id)); }
  std::vector<std::string> node_args(int id) const;  // the full argv of node `id`
  // The newest wal-* file of the node's data directory (empty path when none).
  fs::path newest_wal(int id) const;

  void start(int id);
  void restart(int id) { start(id); }
  bool running(int id);
  bool paused(int id) const { return paused_.count(id) != 0; }
  void kill9(int id);
  // Waits up to `timeout` for node `id` to exit on its own: its exit code (nullopt: running).
  std::optional<int> wait_exit(int id, Milliseconds timeout);
  // SIGTERM, then waits (bounded) for the exit: its code, nullopt if it did not stop.
  std::optional<int> stop(int id, Milliseconds timeout = Milliseconds{5000});
  void stop_all(Milliseconds timeout = Milliseconds{5000});
  void pause(int id);   // SIGSTOP
  void resume(int id);  // SIGCONT
  // Sends node `id` a Fault frame: it drops every frame to the nodes in `no_send` and from those
  // in `no_receive` (bit i: node i+1) until the next one. Returns false when the node did not
  // acknowledge in time.
  bool fault(int id, std::uint32_t no_send, std::uint32_t no_receive, Milliseconds timeout = Milliseconds{1000});
  // Both ways: node `id`'s links to the nodes in `mask` cut, or (0) healed.
  bool cut(int id, std::uint32_t mask, Milliseconds timeout = Milliseconds{1000}) {
    return fault(id, mask, mask, timeout);
  }
  bool heal(int id) { return cut(id, 0); }

  // One status poll of every node not known dead or paused (one at a time).
  std::vector<runtime::MemberStatus> statuses(Milliseconds timeout = Milliseconds{300});
  std::optional<Json> status(int id, Milliseconds timeout = Milliseconds{500});
  // The node that says it leads and that a majority of the cluster (itself included) names as
  // leader, in one poll; 0 when none.
  std::uint8_t leader(Milliseconds timeout = Milliseconds{300});
  // Polls leader() until there is one other than `not_this` (0: any); 0 when none in time.
  std::uint8_t wait_for_leader(Milliseconds timeout = Milliseconds{10000}, std::uint8_t not_this = 0);

  // A client of this cluster (short timeouts suited to tests).
  std::unique_ptr<runtime::LockClient> client(runtime::ClientOptions options = default_client_options());
  static runtime::ClientOptions default_client_options();

 private:
  ClusterOptions options_;
  TestDir dir_;
  std::string spec_;
  runtime::Cluster cluster_;
  std::vector<Process> nodes_;  // index id-1
  std::set<int> paused_;
  std::unique_ptr<runtime::LockClient> status_client_;  // asks one member at a time
};

// Every node's log (the last 3000 bytes of each), for failure messages.
std::string logs(const TestCluster& cluster);

// A TCP connection to 127.0.0.1:port whose reads and writes are bounded by deadlines.
class RawSocket {
 public:
  // Throws std::runtime_error when it cannot connect within the timeout.
  RawSocket(std::uint16_t port, Milliseconds timeout = Milliseconds{1000});
  ~RawSocket();
  RawSocket(const RawSocket&) = delete;
  RawSocket& operator=(const RawSocket&) = delete;
  // Writes every byte; false when the peer closed (EPIPE, ECONNRESET) or the deadline passed.
  bool write(const std::string& bytes, Milliseconds timeout = Milliseconds{1000});
  // Reads exactly n bytes; nullopt on EOF, error or the deadline.
  std::optional<std::string> read(std::size_t n, Milliseconds timeout = Milliseconds{1000});
  // True when the peer closes the connection (EOF or reset) within the timeout (bytes that
  // arrive meanwhile are discarded).
  bool closed_by_peer(Milliseconds timeout = Milliseconds{2000});
  // Reads one frame: kind and payload; nullopt on EOF, error or the deadline.
  std::optional<std::pair<std::uint8_t, std::string>> read_frame(Milliseconds timeout = Milliseconds{1000});

 private:
  int fd_ = -1;
};

}  // namespace lockstep::testing
