// lock_bench: the networked lock service's benchmark (issue 11's figures). A plain program that
// prints figures (not Google Benchmark): it starts a 3-node cluster of `lockstep node`s on
// 127.0.0.1 (data in a temp dir, fsync on: the nodes' default), runs four workloads against it
// through the client library (impl/runtime/client.hpp), and prints what it measured beside the
// machine's floor (fsync of a 4 KiB write, loopback TCP round trip) and the reference
// figures for etcd 3.4.23 and ZooKeeper 3.8.0.
//
//   cmake --build build -j2 --target lockstep lock_bench
//   build/lock_bench [--protocol raft|multipaxos|both] [--seconds 10] [--failovers 5] [--quick]
//                    [--json] [--lockstep PATH] [--dir DIR] [--etcd] [--zookeeper]
//
// Workloads (each for --seconds after a short warm-up; a cycle is acquire then release):
//   1. one client, one lock: cycles/s, p50/p99/max of a cycle and of acquire alone;
//   2. 16 clients, each its own lock (16 threads, 16 LockClients);
//   3. 16 clients contending for one lock: handoffs (grants) per second, acquire wait;
//   4. failover: a client loops acquire/release; while it is acquiring (holding nothing), the
//      leader (found through status) is killed with SIGKILL; the time from the kill to the next
//      grant answered by another member is measured; the killed node is restarted between rounds.
//      A round counts only when the member killed answered the client's last grant before the
//      kill (else the leader had moved; the round is run again, at most 3x the rounds in all).
// --etcd / --zookeeper (not in CI; Debian's etcd-server / zookeeper packages, and for ZooKeeper
// the C client libzookeeper-mt-dev at build time) also run the same workloads against a 3-member
// etcd cluster (the v3 lock RPC through the gRPC gateway, HTTP/JSON) and a 3-member ZooKeeper
// ensemble (the lock recipe: ephemeral sequential znodes, a watch on the predecessor; 10 s of
// unmeasured load first, for the JVMs' JIT). The etcd client re-sends a request to the next
// member after 1 s without an answer, as lockstep's client does (LockClient's attempt_timeout).
//
// Exit codes: 0 every workload completed; 1 a workload (or a cluster start) failed; 2 bad usage.
// Every process started here is killed on every exit path (SIGKILL on SIGINT/SIGTERM; each child
// also dies with this process: PR_SET_PDEATHSIG); progress goes to stderr, figures to stdout.
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without it

#include <CLI/CLI.hpp>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fmt/core.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "impl/runtime/client.hpp"
#include "impl/runtime/local.hpp"
#include "model/core/json.hpp"

#ifdef LOCK_BENCH_ZOOKEEPER
#include <zookeeper/zookeeper.h>
#endif

#ifndef LOCKSTEP_BINARY
#define LOCKSTEP_BINARY "lockstep"
#endif

namespace {

namespace fs = std::filesystem;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using lockstep::Json;
using namespace lockstep::runtime;
using Nanos = std::int64_t;

Nanos now_ns() { return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count(); }
void sleep_ms(int ms) { std::this_thread::sleep_for(Milliseconds(ms)); }

void progress(const std::string& line) {
  std::fprintf(stderr, "lock_bench: %s\n", line.c_str());
  std::fflush(stderr);
}

// ---------------------------------------------------------------------------------------------
// Children: every process this program starts, killed on every exit path.

constexpr int child_max = 64;
std::array<std::atomic<pid_t>, child_max> children{};

void register_child(pid_t pid) {
  for (auto& slot : children) {
    pid_t expected = 0;
    if (slot.compare_exchange_strong(expected, pid)) return;
  }
  kill(pid, SIGKILL);  // cannot track it: do not leave it behind
  throw std::runtime_error("too many child processes");
}
void forget_child(pid_t pid) {
  for (auto& slot : children) {
    pid_t expected = pid;
    if (slot.compare_exchange_strong(expected, 0)) return;
  }
}


// Waits (bounded) for a child to exit; SIGKILL when it outlives `grace`. Always reaps it.
void stop_child(pid_t pid, int signal, Milliseconds grace) {
  if (pid <= 0) return;
  kill(pid, signal);
  const auto deadline = Clock::now() + grace;
  int status = 0;
  while (Clock::now() < deadline) {
    const pid_t got = waitpid(pid, &status, WNOHANG);
    if (got == pid || (got < 0 && errno == ECHILD)) {
      forget_child(pid);
      return;
    }
    sleep_ms(5);
  }
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  forget_child(pid);
}

void kill_all_children() {
  for (auto& slot : children) {
    const pid_t pid = slot.load();
    if (pid > 0) stop_child(pid, SIGKILL, Milliseconds{5000});
  }
}

// true while the child runs (reaps it when it has exited).
bool child_alive(pid_t pid) {
  int status = 0;
  const pid_t got = waitpid(pid, &status, WNOHANG);
  if (got == 0) return true;
  forget_child(pid);
  return false;
}

// Starts args[0] (searched in PATH when it has no slash) with stdout and stderr to `log`, in its
// own process group, dying with this process. Call from the main thread only (PR_SET_PDEATHSIG
// follows the thread that forked).
pid_t spawn(const std::vector<std::string>& args, const fs::path& log) {
  std::vector<char*> argv;
  std::vector<std::string> copy = args;
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string log_path = log.string();
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error(fmt::format("fork: {}", std::strerror(errno)));
  if (pid == 0) {
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int s : {SIGINT, SIGTERM, SIGHUP, SIGPIPE}) signal(s, SIG_DFL);
    const int in = open("/dev/null", O_RDONLY);
    const int out = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (in >= 0) dup2(in, 0);
    if (out >= 0) {
      dup2(out, 1);
      dup2(out, 2);
    }
    execvp(argv[0], argv.data());
    _exit(127);
  }
  register_child(pid);
  return pid;
}

// ---------------------------------------------------------------------------------------------
// Figures.

struct Percentiles {
  std::size_t count = 0;
  double p50_ms = 0, p99_ms = 0, max_ms = 0;
};

Percentiles percentiles(std::vector<Nanos> samples) {
  Percentiles p;
  p.count = samples.size();
  if (samples.empty()) return p;
  std::sort(samples.begin(), samples.end());
  auto rank = [&](double q) {
    std::size_t i = static_cast<std::size_t>(std::ceil(q * static_cast<double>(samples.size())));
    i = std::clamp<std::size_t>(i, 1, samples.size());
    return static_cast<double>(samples[i - 1]) / 1e6;
  };
  p.p50_ms = rank(0.50);
  p.p99_ms = rank(0.99);
  p.max_ms = static_cast<double>(samples.back()) / 1e6;
  return p;
}

std::string ms(double v) {
  if (v < 0.1) return fmt::format("{:.0f} µs", v * 1000);
  if (v < 1) return fmt::format("{:.2f} ms", v);
  if (v < 10) return fmt::format("{:.2f} ms", v);
  if (v < 100) return fmt::format("{:.1f} ms", v);
  return fmt::format("{:.0f} ms", v);
}

std::string thousands(double v) {
  const auto n = static_cast<long long>(std::llround(v));
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return (n < 0 ? "-" : "") + out;
}

Json percentiles_json(const Percentiles& p) {
  return Json{{"count", p.count}, {"p50_ms", p.p50_ms}, {"p99_ms", p.p99_ms}, {"max_ms", p.max_ms}};
}

// ---------------------------------------------------------------------------------------------
// The machine's floor.

struct Floor {
  Percentiles fsync;      // 4 KiB write + fdatasync
  Percentiles loopback;   // TCP round trip of 64 bytes
};

Percentiles measure_fsync(const fs::path& dir, int count) {
  const fs::path file = dir / "fsync-probe";
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error(fmt::format("{}: {}", file.string(), std::strerror(errno)));
  std::vector<char> block(4096, 'x');
  std::vector<Nanos> samples;
  for (int i = 0; i < count + 10; ++i) {  // 10 warm-up writes
    const Nanos start = now_ns();
    if (::pwrite(fd, block.data(), block.size(), static_cast<off_t>(i) * 4096) != 4096 || ::fdatasync(fd) != 0) {
      ::close(fd);
      throw std::runtime_error(fmt::format("write/fdatasync {}: {}", file.string(), std::strerror(errno)));
    }
    if (i >= 10) samples.push_back(now_ns() - start);
  }
  ::close(fd);
  fs::remove(file);
  return percentiles(std::move(samples));
}

Percentiles measure_loopback(int count) {
  const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (listener < 0 || ::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(listener, 1) != 0) {
    throw std::runtime_error("loopback probe: cannot listen");
  }
  socklen_t length = sizeof address;
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length);
  constexpr std::size_t size = 64;
  auto exact = [](int fd, char* buffer, std::size_t n, bool write) {
    std::size_t done = 0;
    while (done < n) {
      const ssize_t r = write ? ::send(fd, buffer + done, n - done, MSG_NOSIGNAL) : ::recv(fd, buffer + done, n - done, 0);
      if (r <= 0) return false;
      done += static_cast<std::size_t>(r);
    }
    return true;
  };
  std::thread echo([&] {
    const int fd = ::accept(listener, nullptr, nullptr);
    if (fd < 0) return;
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    char buffer[size];
    while (exact(fd, buffer, size, false) && exact(fd, buffer, size, true)) {
    }
    ::close(fd);
  });
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::vector<Nanos> samples;
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  char buffer[size] = {};
  for (int i = 0; ok && i < count + 100; ++i) {
    const Nanos start = now_ns();
    ok = exact(fd, buffer, size, true) && exact(fd, buffer, size, false);
    if (ok && i >= 100) samples.push_back(now_ns() - start);
  }
  ::close(fd);
  echo.join();
  ::close(listener);
  if (!ok) throw std::runtime_error("loopback probe: the round trips failed");
  return percentiles(std::move(samples));
}

// ---------------------------------------------------------------------------------------------
// What a workload drives: a client of a lock service (lockstep, etcd or ZooKeeper), and the
// service's cluster.

struct Held {
  std::uint64_t token = 0;  // lockstep: the fencing token
  std::string key;          // etcd: the lock's key; ZooKeeper: our znode
};

class BenchClient {
 public:
  virtual ~BenchClient() = default;
  virtual void open() = 0;                                  // a session
  virtual Held acquire(const std::string& lock) = 0;        // throws on failure or timeout
  virtual void release(const std::string& lock, const Held& held) = 0;
  virtual int served_by() = 0;                              // the member that answered last (1..3; 0 unknown)
};

class Service {
 public:
  virtual ~Service() = default;
  virtual std::string name() const = 0;
  virtual void start() = 0;                                 // throws when not ready in time
  virtual std::unique_ptr<BenchClient> client() = 0;
  virtual int leader() = 0;                                 // 1..3; 0 none known
  virtual pid_t pid(int member) const = 0;
  virtual void kill_member(int member) = 0;                 // SIGKILL, reaped
  virtual void restart_member(int member) = 0;
  virtual bool ready(Milliseconds timeout) = 0;             // every member up and a leader
  virtual void stop() = 0;
  // Per member: {member, leader, wal_fsyncs, wal_records} when the service reports them.
  struct WalCounters {
    int member = 0;
    bool leader = false;
    std::uint64_t fsyncs = 0, records = 0;
  };
  virtual std::vector<WalCounters> wal_counters() { return {}; }
  // Whether a client's requests go to the leader (lockstep, etcd as driven here): then a failover
  // round counts only when the member killed answered the client's last grant before the kill.
  // A ZooKeeper client stays on whichever member it connected to.
  virtual bool clients_talk_to_leader() const { return true; }
  // Seconds of a throw-away load before the measured workloads (a JIT's warm-up).
  virtual double warmup_seconds() const { return 0; }
};

// A service of three child processes, one per member: their pids, kill -9, stop, and readiness
// (every member answering and one leading), polled; a member that exits meanwhile is an error
// quoting the end of its log.
class MemberProcesses : public Service {
 public:
  // `member`: how a member is named in errors ("etcd member"); `grace`: how long a SIGTERM'd
  // member may take to exit; `poll`: the interval between two looks; `log_lines`: quoted.
  MemberProcesses(std::string member, Milliseconds grace, Milliseconds poll, int log_lines)
      : member_(std::move(member)), grace_(grace), poll_(poll), log_lines_(log_lines) {}
  ~MemberProcesses() override { stop(); }
  pid_t pid(int member) const override { return pids_[member - 1]; }
  void kill_member(int member) override {
    stop_child(pids_[member - 1], SIGKILL, Milliseconds{5000});
    pids_[member - 1] = 0;
  }
  bool ready(Milliseconds timeout) override {
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      for (int m = 1; m <= 3; ++m) {
        if (pids_[m - 1] && !child_alive(pids_[m - 1])) {
          throw std::runtime_error(fmt::format("{} {} exited; its log ends:\n{}", member_, m,
                                               lockstep::runtime::last_lines(log(m), log_lines_)));
        }
      }
      const auto [answering, leader] = look();
      if (answering == 3 && leader) return true;
      sleep_ms(static_cast<int>(poll_.count()));
    }
    return false;
  }
  void stop() override {
    for (pid_t& p : pids_) {
      if (p > 0) stop_child(p, SIGTERM, grace_);
      p = 0;
    }
  }
  virtual fs::path log(int member) const = 0;

 protected:
  // How many members answer now, and whether one of them leads.
  virtual std::pair<int, bool> look() = 0;
  std::array<pid_t, 3> pids_{};

 private:
  std::string member_;
  Milliseconds grace_;
  Milliseconds poll_;
  int log_lines_;
};

// ---------------------------------------------------------------------------------------------
// lockstep.

class LockstepClient : public BenchClient {
 public:
  explicit LockstepClient(const Cluster& cluster) : client_(cluster, ClientOptions{}) {}
  void open() override { client_.open(Milliseconds{10000}); }
  Held acquire(const std::string& lock) override { return Held{client_.acquire(lock, Milliseconds{30000}), {}}; }
  void release(const std::string& lock, const Held& held) override {
    if (!client_.release(lock, held.token, Milliseconds{30000})) {
      throw std::runtime_error(fmt::format("release of '{}' (token {}): not the holder", lock, held.token));
    }
  }
  int served_by() override { return client_.leader(); }

 private:
  LockClient client_;
};

// A member's status says it leads: it names itself and its role is Raft's "leader" or
// Multi-Paxos's "leading" (an idle Multi-Paxos node names itself too).
bool leads(const Json& status, std::uint8_t member) {
  const auto role = status.value("role", std::string());
  return status.value("leader", 0) == member && (role == "leader" || role == "leading");
}

class LockstepService : public MemberProcesses {
 public:
  LockstepService(std::string exe, std::string protocol, fs::path dir)
      : MemberProcesses(protocol + " node", Milliseconds{3000}, Milliseconds{50}, 5),
        exe_(std::move(exe)),
        protocol_(std::move(protocol)),
        dir_(std::move(dir)) {}
  std::string name() const override { return protocol_; }

  void start() override {
    fs::create_directories(dir_);
    const auto ports = lockstep::runtime::free_loopback_ports(3);
    for (int i = 0; i < 3; ++i) spec_ += fmt::format("{}{}=127.0.0.1:{}", i ? "," : "", i + 1, ports[i]);
    cluster_ = Cluster::parse(spec_);
    for (int m = 1; m <= 3; ++m) restart_member(m);
    if (!ready(Milliseconds{15000})) {
      std::string logs;
      for (int m = 1; m <= 3; ++m) logs += fmt::format("  node {}:\n{}", m, lockstep::runtime::last_lines(log(m), 5));
      throw std::runtime_error(fmt::format("{}: no leader with every node answering within 15 s; logs end:\n{}",
                                           protocol_, logs));
    }
  }
  std::unique_ptr<BenchClient> client() override { return std::make_unique<LockstepClient>(cluster_); }
  int leader() override {
    int leader = 0;
    std::uint64_t term = 0;
    for (const MemberStatus& m : query_status(cluster_, Milliseconds{500})) {
      if (!m.status) continue;
      const int named = m.status->value("leader", 0);
      const auto t = m.status->value("term", std::uint64_t{0});
      if (leads(*m.status, m.member) && (leader == 0 || t > term)) {
        leader = named;
        term = t;
      }
    }
    return leader;
  }
  std::vector<WalCounters> wal_counters() override {
    std::vector<WalCounters> out;
    for (const MemberStatus& m : query_status(cluster_, Milliseconds{1000})) {
      if (!m.status || !m.status->contains("wal_fsyncs")) return {};
      out.push_back(WalCounters{m.member, leads(*m.status, m.member), m.status->value("wal_fsyncs", std::uint64_t{0}),
                                m.status->value("wal_records", std::uint64_t{0})});
    }
    return out;
  }
  void restart_member(int member) override {
    pids_[member - 1] = spawn({exe_, "node", "--id", std::to_string(member), "--cluster", spec_, "--data",
                               (dir_ / fmt::format("node-{}", member)).string(), "--protocol", protocol_},
                              log(member));
  }
  fs::path log(int member) const override { return dir_ / fmt::format("node-{}.log", member); }
  const Cluster& cluster() const { return cluster_; }

 protected:
  std::pair<int, bool> look() override {
    int answered = 0;
    bool leader = false;
    for (const MemberStatus& m : query_status(cluster_, Milliseconds{300})) {
      if (!m.status) continue;
      ++answered;
      if (leads(*m.status, m.member)) leader = true;
    }
    return {answered, leader};
  }

 private:
  std::string exe_;
  std::string protocol_;
  fs::path dir_;
  std::string spec_;
  Cluster cluster_;
};

// ---------------------------------------------------------------------------------------------
// etcd: a 3-member cluster; its v3 lock RPC through the gRPC gateway (HTTP/1.1, JSON).

std::string base64(std::string_view in) {
  static constexpr char table[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8) |
                       static_cast<unsigned char>(in[i + 2]);
    out += table[(v >> 18) & 63];
    out += table[(v >> 12) & 63];
    out += table[(v >> 6) & 63];
    out += table[v & 63];
  }
  if (i + 1 == in.size()) {
    const unsigned v = static_cast<unsigned char>(in[i]) << 16;
    out += table[(v >> 18) & 63];
    out += table[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    const unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8);
    out += table[(v >> 18) & 63];
    out += table[(v >> 12) & 63];
    out += table[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

// One keep-alive HTTP/1.1 connection; every request bounded by its timeout.
class HttpJson {
 public:
  explicit HttpJson(std::uint16_t port) : port_(port) {}
  ~HttpJson() { close(); }
  // The answer's JSON (2xx), or nullopt with `error` set (connection failure or an error answer;
  // `connection_failed` tells which).
  std::optional<Json> post(const std::string& target, const Json& body, Milliseconds timeout, std::string& error,
                           bool& connection_failed) {
    connection_failed = false;
    beast::error_code ec;
    if (!connected_) {
      stream_.expires_after(timeout);
      stream_.async_connect(asio::ip::tcp::endpoint(asio::ip::address_v4::loopback(), port_),
                            [&](beast::error_code e) { ec = e; });
      io_.restart();
      io_.run();
      if (ec) {
        error = fmt::format("connect 127.0.0.1:{}: {}", port_, ec.message());
        connection_failed = true;
        close();
        return std::nullopt;
      }
      stream_.socket().set_option(asio::ip::tcp::no_delay(true));
      connected_ = true;
    }
    http::request<http::string_body> request{http::verb::post, target, 11};
    request.set(http::field::host, fmt::format("127.0.0.1:{}", port_));
    request.set(http::field::content_type, "application/json");
    request.keep_alive(true);
    request.body() = body.dump();
    request.prepare_payload();
    http::response<http::string_body> response;
    stream_.expires_after(timeout);
    http::async_write(stream_, request, [&](beast::error_code e, std::size_t) {
      ec = e;
      if (!e) http::async_read(stream_, buffer_, response, [&](beast::error_code e2, std::size_t) { ec = e2; });
    });
    io_.restart();
    io_.run();
    if (ec) {
      error = fmt::format("127.0.0.1:{}{}: {}", port_, target, ec.message());
      connection_failed = true;
      close();
      return std::nullopt;
    }
    if (!response.keep_alive()) close();
    Json answer;
    try {
      answer = Json::parse(response.body());
    } catch (const std::exception&) {
      error = fmt::format("127.0.0.1:{}{}: HTTP {}: {}", port_, target, response.result_int(), response.body());
      return std::nullopt;
    }
    if (response.result_int() / 100 != 2 || answer.contains("error")) {
      error = fmt::format("127.0.0.1:{}{}: HTTP {}: {}", port_, target, response.result_int(), response.body());
      return std::nullopt;
    }
    return answer;
  }
  void close() {
    if (!connected_) return;
    beast::error_code ignored;
    stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    stream_.close();
    connected_ = false;
    buffer_.clear();
  }

 private:
  std::uint16_t port_;
  asio::io_context io_;
  beast::tcp_stream stream_{io_};
  beast::flat_buffer buffer_;
  bool connected_ = false;
};

class EtcdClient : public BenchClient {
 public:
  EtcdClient(std::vector<std::uint16_t> ports, int first) : current_(first > 0 ? first - 1 : 0) {
    for (auto p : ports) http_.push_back(std::make_unique<HttpJson>(p));
  }
  void open() override { lease_ = call("/v3/lease/grant", Json{{"TTL", 60}}, Milliseconds{10000}).value("ID", ""); }
  Held acquire(const std::string& lock) override {
    const Json answer = call("/v3/lock/lock", Json{{"name", base64(lock)}, {"lease", lease_}}, Milliseconds{30000});
    return Held{0, answer.value("key", "")};
  }
  void release(const std::string&, const Held& held) override {
    call("/v3/lock/unlock", Json{{"key", held.key}}, Milliseconds{30000});
  }
  int served_by() override { return current_ + 1; }

 private:
  // Retries on another member after a connection failure or a silence of attempt_timeout (as
  // lockstep's client does: without it, a lock request that a follower forwards while the leader
  // is dead waits for etcd's own request timeout, 7 s by default); on the same member after an
  // error answer (no leader, leader changed); until the deadline. Re-sending lock with the same
  // lease is idempotent (the lock's key is the lease's).
  static constexpr Milliseconds attempt_timeout{1000};
  Json call(const std::string& target, const Json& body, Milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    std::string error;
    while (Clock::now() < deadline) {
      bool connection_failed = false;
      const auto left = std::min(attempt_timeout, std::chrono::duration_cast<Milliseconds>(deadline - Clock::now()) + Milliseconds{1});
      const Nanos t0 = now_ns();
      if (auto answer = http_[current_]->post(target, body, left, error, connection_failed)) return *answer;
      if (std::getenv("LOCK_BENCH_DEBUG")) progress(fmt::format("etcd: {} after {:.3f} s", error, (now_ns() - t0) / 1e9));
      if (connection_failed) current_ = (current_ + 1) % static_cast<int>(http_.size());
      sleep_ms(10);
    }
    throw std::runtime_error("etcd: " + error);
  }
  std::vector<std::unique_ptr<HttpJson>> http_;
  int current_ = 0;
  std::string lease_;
};

class EtcdService : public MemberProcesses {
 public:
  EtcdService(std::string exe, fs::path dir)
      : MemberProcesses("etcd member", Milliseconds{5000}, Milliseconds{100}, 5), exe_(std::move(exe)), dir_(std::move(dir)) {}
  std::string name() const override { return "etcd"; }
  void start() override {
    fs::create_directories(dir_);
    const auto ports = lockstep::runtime::free_loopback_ports(6);
    for (int i = 0; i < 3; ++i) {
      client_ports_.push_back(ports[i]);
      peer_ports_.push_back(ports[3 + i]);
      initial_ += fmt::format("{}m{}=http://127.0.0.1:{}", i ? "," : "", i + 1, ports[3 + i]);
    }
    for (int m = 1; m <= 3; ++m) restart_member(m);
    if (!ready(Milliseconds{30000})) {
      throw std::runtime_error(fmt::format("etcd: no leader with every member answering within 30 s; {} ends:\n{}",
                                           log(1).string(), lockstep::runtime::last_lines(log(1), 5)));
    }
  }
  std::unique_ptr<BenchClient> client() override { return std::make_unique<EtcdClient>(client_ports_, leader()); }
  int leader() override {
    for (int m = 1; m <= 3; ++m) {
      const auto s = status(m);
      if (s && s->contains("leader") && s->contains("header") &&
          (*s)["leader"] == (*s)["header"].value("member_id", Json())) {
        return m;
      }
    }
    return 0;
  }
  void restart_member(int member) override {
    const auto c = client_ports_[member - 1];
    const auto p = peer_ports_[member - 1];
    pids_[member - 1] =
        spawn({exe_, "--name", fmt::format("m{}", member), "--data-dir", (dir_ / fmt::format("m{}", member)).string(),
               "--listen-client-urls", fmt::format("http://127.0.0.1:{}", c), "--advertise-client-urls",
               fmt::format("http://127.0.0.1:{}", c), "--listen-peer-urls", fmt::format("http://127.0.0.1:{}", p),
               "--initial-advertise-peer-urls", fmt::format("http://127.0.0.1:{}", p), "--initial-cluster", initial_,
               "--initial-cluster-token", "lock-bench", "--initial-cluster-state", "new", "--log-level", "warn"},
              log(member));
  }
  fs::path log(int member) const override { return dir_ / fmt::format("m{}.log", member); }

 protected:
  std::pair<int, bool> look() override {
    int answered = 0;
    bool leader = false;
    for (int m = 1; m <= 3; ++m) {
      const auto s = status(m);
      if (!s) continue;
      ++answered;
      if (s->contains("leader") && (*s)["leader"] != "0" && (*s)["leader"] != 0) leader = true;
    }
    return {answered, leader};
  }

 private:
  std::optional<Json> status(int member) {
    HttpJson http(client_ports_[member - 1]);
    std::string error;
    bool failed = false;
    return http.post("/v3/maintenance/status", Json::object(), Milliseconds{500}, error, failed);
  }
  std::string exe_;
  fs::path dir_;
  std::vector<std::uint16_t> client_ports_, peer_ports_;
  std::string initial_;
};

// ---------------------------------------------------------------------------------------------
// ZooKeeper: a 3-member ensemble; the lock recipe over the C client (libzookeeper-mt).

// A 4-letter word's answer ("srvr"), or "" when the member does not answer within 500 ms.
std::string four_letter_word(std::uint16_t port, const char* word) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return "";
  timeval tv{0, 500000};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  std::string out;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
      ::send(fd, word, std::strlen(word), MSG_NOSIGNAL) == static_cast<ssize_t>(std::strlen(word))) {
    char buffer[4096];
    for (ssize_t r; (r = ::recv(fd, buffer, sizeof buffer, 0)) > 0;) out.append(buffer, static_cast<std::size_t>(r));
  }
  ::close(fd);
  return out;
}

#ifdef LOCK_BENCH_ZOOKEEPER
class ZkClient : public BenchClient {
 public:
  ZkClient(std::string hosts, std::vector<std::uint16_t> ports) : hosts_(std::move(hosts)), ports_(std::move(ports)) {}
  ~ZkClient() override {
    if (zh_) zookeeper_close(zh_);
  }
  void open() override {
    zh_ = zookeeper_init(hosts_.c_str(), &ZkClient::on_event, 10000, nullptr, this, 0);
    if (!zh_) throw std::runtime_error(fmt::format("zookeeper_init: {}", std::strerror(errno)));
    std::unique_lock lock(mutex_);
    if (!wake_.wait_for(lock, std::chrono::seconds(15), [&] { return connected_; })) {
      throw std::runtime_error("zookeeper: not connected within 15 s");
    }
  }
  Held acquire(const std::string& lock) override {
    const auto deadline = Clock::now() + Milliseconds{30000};
    const std::string dir = "/" + lock;
    ensure(dir);
    const std::string prefix = fmt::format("{}/lock-{:x}-", dir, zoo_client_id(zh_)->client_id);
    std::string mine;
    std::vector<char> path(512);
    while (mine.empty()) {
      check_deadline(deadline, "create");
      const int rc = zoo_create(zh_, prefix.c_str(), nullptr, -1, &ZOO_OPEN_ACL_UNSAFE, ZOO_EPHEMERAL_SEQUENTIAL,
                                path.data(), static_cast<int>(path.size()));
      if (rc == ZOK) {
        mine = path.data();
      } else if (rc == ZCONNECTIONLOSS || rc == ZOPERATIONTIMEOUT) {
        mine = find_mine(dir, prefix, deadline);  // created before the connection was lost?
      } else {
        throw std::runtime_error(fmt::format("zookeeper: create {}: {}", prefix, zerror(rc)));
      }
    }
    const std::string my_name = mine.substr(dir.size() + 1);
    while (true) {
      check_deadline(deadline, "wait");
      auto children = list(dir, deadline);
      std::sort(children.begin(), children.end(), [](const std::string& a, const std::string& b) {
        return a.substr(a.size() - 10) < b.substr(b.size() - 10);  // the 10-digit sequence
      });
      const auto it = std::find(children.begin(), children.end(), my_name);
      if (it == children.end()) throw std::runtime_error("zookeeper: our lock znode vanished (session expired?)");
      if (it == children.begin()) return Held{0, mine};
      const std::string predecessor = dir + "/" + *(it - 1);
      {
        std::lock_guard lock(mutex_);
        fired_ = false;
      }
      Stat stat;
      const int rc = zoo_wexists(zh_, predecessor.c_str(), &ZkClient::on_watch, this, &stat);
      if (rc == ZNONODE) continue;
      if (rc == ZCONNECTIONLOSS || rc == ZOPERATIONTIMEOUT) {
        sleep_ms(10);
        continue;
      }
      if (rc != ZOK) throw std::runtime_error(fmt::format("zookeeper: exists {}: {}", predecessor, zerror(rc)));
      std::unique_lock lock(mutex_);
      wake_.wait_until(lock, std::min(deadline, Clock::now() + Milliseconds{1000}), [&] { return fired_; });
    }
  }
  void release(const std::string&, const Held& held) override {
    const auto deadline = Clock::now() + Milliseconds{30000};
    while (true) {
      check_deadline(deadline, "delete");
      const int rc = zoo_delete(zh_, held.key.c_str(), -1);
      if (rc == ZOK || rc == ZNONODE) return;
      if (rc != ZCONNECTIONLOSS && rc != ZOPERATIONTIMEOUT) {
        throw std::runtime_error(fmt::format("zookeeper: delete {}: {}", held.key, zerror(rc)));
      }
      sleep_ms(10);
    }
  }
  int served_by() override {
    const char* server = zh_ ? zoo_get_current_server(zh_) : nullptr;
    if (!server) return 0;
    const std::string s(server);
    const auto colon = s.rfind(':');
    if (colon == std::string::npos) return 0;
    const int port = std::atoi(s.c_str() + colon + 1);
    for (std::size_t i = 0; i < ports_.size(); ++i) {
      if (ports_[i] == port) return static_cast<int>(i) + 1;
    }
    return 0;
  }

 private:
  static void on_event(zhandle_t*, int type, int state, const char*, void* context) {
    auto* self = static_cast<ZkClient*>(context);
    if (type != ZOO_SESSION_EVENT) return;
    std::lock_guard lock(self->mutex_);
    self->connected_ = state == ZOO_CONNECTED_STATE;
    self->wake_.notify_all();
  }
  static void on_watch(zhandle_t*, int, int, const char*, void* context) {
    auto* self = static_cast<ZkClient*>(context);
    std::lock_guard lock(self->mutex_);
    self->fired_ = true;
    self->wake_.notify_all();
  }
  static void check_deadline(Clock::time_point deadline, const char* what) {
    if (Clock::now() >= deadline) throw std::runtime_error(fmt::format("zookeeper: {}: timed out", what));
  }
  void ensure(const std::string& dir) {
    if (ensured_.count(dir)) return;
    const auto deadline = Clock::now() + Milliseconds{30000};
    while (true) {
      check_deadline(deadline, "create parent");
      const int rc = zoo_create(zh_, dir.c_str(), nullptr, -1, &ZOO_OPEN_ACL_UNSAFE, 0, nullptr, 0);
      if (rc == ZOK || rc == ZNODEEXISTS) break;
      if (rc != ZCONNECTIONLOSS && rc != ZOPERATIONTIMEOUT) {
        throw std::runtime_error(fmt::format("zookeeper: create {}: {}", dir, zerror(rc)));
      }
      sleep_ms(10);
    }
    ensured_.insert(dir);
  }
  std::vector<std::string> list(const std::string& dir, Clock::time_point deadline) {
    while (true) {
      check_deadline(deadline, "children");
      String_vector children{};
      const int rc = zoo_get_children(zh_, dir.c_str(), 0, &children);
      if (rc == ZOK) {
        std::vector<std::string> out;
        for (int i = 0; i < children.count; ++i) out.emplace_back(children.data[i]);
        deallocate_String_vector(&children);
        return out;
      }
      if (rc != ZCONNECTIONLOSS && rc != ZOPERATIONTIMEOUT) {
        throw std::runtime_error(fmt::format("zookeeper: children of {}: {}", dir, zerror(rc)));
      }
      sleep_ms(10);
    }
  }
  std::string find_mine(const std::string& dir, const std::string& prefix, Clock::time_point deadline) {
    const std::string name_prefix = prefix.substr(dir.size() + 1);
    for (const std::string& child : list(dir, deadline)) {
      if (child.starts_with(name_prefix)) return dir + "/" + child;
    }
    return "";
  }

  std::string hosts_;
  std::vector<std::uint16_t> ports_;
  zhandle_t* zh_ = nullptr;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool connected_ = false;
  bool fired_ = false;
  std::set<std::string> ensured_;
};
#endif

class ZkService : public MemberProcesses {
 public:
  ZkService(std::string jar, fs::path dir)
      : MemberProcesses("zookeeper member", Milliseconds{5000}, Milliseconds{200}, 8), jar_(std::move(jar)), dir_(std::move(dir)) {}
  std::string name() const override { return "zookeeper"; }
  bool clients_talk_to_leader() const override { return false; }
  double warmup_seconds() const override { return 10; }
  void start() override {
    fs::create_directories(dir_);
#ifdef LOCK_BENCH_ZOOKEEPER
    // The C client's own log (connection losses during failover) goes to a file, not stderr.
    client_log_ = std::fopen((dir_ / "client.log").c_str(), "a");
    if (client_log_) zoo_set_log_stream(client_log_);
    zoo_set_debug_level(ZOO_LOG_LEVEL_WARN);
#endif
    const auto ports = lockstep::runtime::free_loopback_ports(9);
    std::string servers;
    for (int i = 0; i < 3; ++i) {
      client_ports_.push_back(ports[i]);
      servers += fmt::format("server.{}=127.0.0.1:{}:{}\n", i + 1, ports[3 + i], ports[6 + i]);
      hosts_ += fmt::format("{}127.0.0.1:{}", i ? "," : "", ports[i]);
    }
    for (int m = 1; m <= 3; ++m) {
      const fs::path data = dir_ / fmt::format("zk{}", m);
      fs::create_directories(data);
      std::ofstream(data / "myid") << m << "\n";
      std::ofstream(dir_ / fmt::format("zk{}.cfg", m))
          << "tickTime=2000\ninitLimit=10\nsyncLimit=5\n"
          << "dataDir=" << data.string() << "\n"
          << "clientPort=" << client_ports_[m - 1] << "\nclientPortAddress=127.0.0.1\n"
          << "admin.enableServer=false\n4lw.commands.whitelist=srvr\nforceSync=yes\n"
          << servers;
    }
    for (int m = 1; m <= 3; ++m) restart_member(m);
    if (!ready(Milliseconds{60000})) {
      throw std::runtime_error(fmt::format("zookeeper: no leader with every member serving within 60 s; {} ends:\n{}",
                                           log(1).string(), lockstep::runtime::last_lines(log(1), 5)));
    }
  }
  std::unique_ptr<BenchClient> client() override {
#ifdef LOCK_BENCH_ZOOKEEPER
    return std::make_unique<ZkClient>(hosts_, client_ports_);
#else
    throw std::runtime_error("zookeeper: lock_bench was built without the C client (libzookeeper-mt-dev)");
#endif
  }
  int leader() override {
    for (int m = 1; m <= 3; ++m) {
      if (four_letter_word(client_ports_[m - 1], "srvr").find("Mode: leader") != std::string::npos) return m;
    }
    return 0;
  }
  void restart_member(int member) override {
    pids_[member - 1] = spawn({"java", "-Xms64m", "-Xmx256m", "-cp", jar_, "org.apache.zookeeper.server.quorum.QuorumPeerMain",
                               (dir_ / fmt::format("zk{}.cfg", member)).string()},
                              log(member));
  }
  fs::path log(int member) const override { return dir_ / fmt::format("zk{}.log", member); }

 protected:
  std::pair<int, bool> look() override {
    int serving = 0;
    bool leader = false;
    for (int m = 1; m <= 3; ++m) {
      const std::string s = four_letter_word(client_ports_[m - 1], "srvr");
      if (s.find("Mode: leader") != std::string::npos) leader = true;
      if (s.find("Mode: leader") != std::string::npos || s.find("Mode: follower") != std::string::npos) ++serving;
    }
    return {serving, leader};
  }

 private:
  std::FILE* client_log_ = nullptr;  // left open: the C client may log until every handle is closed
  std::string jar_;
  fs::path dir_;
  std::vector<std::uint16_t> client_ports_;
  std::string hosts_;
};

// ---------------------------------------------------------------------------------------------
// Workloads.

struct Timing {
  double warmup_s = 1;
  double seconds = 10;
};

struct LoadResult {
  std::string workload;
  int clients = 0;
  bool contended = false;
  std::size_t cycles = 0;     // completed within the window
  double seconds = 0;
  double per_second = 0;      // cycles (= handoffs when contended) per second
  Percentiles cycle, acquire;
  std::size_t errors = 0;
  std::string first_error;
  bool ok = true;
  // The members' WAL counters over the whole load (warm-up and drain included), per cycle
  // completed in that time (lockstep nodes that report wal_fsyncs in status; else empty).
  std::size_t all_cycles = 0;
  struct Wal {
    int member = 0;
    bool leader = false;
    double fsyncs_per_cycle = 0, records_per_cycle = 0;
  };
  std::vector<Wal> wal;
};

// `clients` threads, each its own client and session, loop acquire -> release on lock_of(i).
LoadResult run_load(Service& service, const std::string& workload, int clients,
                    const std::function<std::string(int)>& lock_of, bool contended, const Timing& timing) {
  LoadResult result;
  result.workload = workload;
  result.clients = clients;
  result.contended = contended;
  std::vector<std::unique_ptr<BenchClient>> bench_clients;
  try {
    for (int i = 0; i < clients; ++i) {
      bench_clients.push_back(service.client());
      bench_clients.back()->open();
    }
  } catch (const std::exception& e) {
    result.ok = false;
    result.errors = 1;
    result.first_error = std::string("opening the sessions: ") + e.what();
    return result;
  }
  struct PerThread {
    std::vector<Nanos> cycle, acquire;
    std::size_t errors = 0;
    std::string first_error;
  };
  std::vector<PerThread> per(static_cast<std::size_t>(clients));
  std::atomic<int> started{0};
  std::atomic<std::size_t> all_cycles{0};
  const auto wal_before = service.wal_counters();
  const Nanos begin = now_ns() + 100'000'000;  // every thread connected and waiting by then
  const Nanos window_start = begin + static_cast<Nanos>(timing.warmup_s * 1e9);
  const Nanos window_end = window_start + static_cast<Nanos>(timing.seconds * 1e9);
  std::vector<std::thread> threads;
  for (int i = 0; i < clients; ++i) {
    threads.emplace_back([&, i] {
      PerThread& mine = per[static_cast<std::size_t>(i)];
      BenchClient& client = *bench_clients[static_cast<std::size_t>(i)];
      const std::string lock = lock_of(i);
      ++started;
      while (now_ns() < begin) std::this_thread::sleep_for(std::chrono::microseconds(200));
      while (now_ns() < window_end) {
        const Nanos t0 = now_ns();
        try {
          const Held held = client.acquire(lock);
          const Nanos t1 = now_ns();
          client.release(lock, held);
          const Nanos t2 = now_ns();
          ++all_cycles;
          if (t2 >= window_start && t2 <= window_end) {
            mine.cycle.push_back(t2 - t0);
            mine.acquire.push_back(t1 - t0);
          }
        } catch (const std::exception& e) {
          if (mine.errors++ == 0) mine.first_error = e.what();
          if (mine.errors >= 3) return;  // the cluster is not serving: stop this client
          sleep_ms(100);
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  result.all_cycles = all_cycles.load();
  const auto wal_after = service.wal_counters();
  if (!wal_before.empty() && wal_after.size() == wal_before.size() && result.all_cycles > 0) {
    const double n = static_cast<double>(result.all_cycles);
    for (std::size_t i = 0; i < wal_after.size(); ++i) {
      result.wal.push_back(LoadResult::Wal{wal_after[i].member, wal_after[i].leader,
                                           static_cast<double>(wal_after[i].fsyncs - wal_before[i].fsyncs) / n,
                                           static_cast<double>(wal_after[i].records - wal_before[i].records) / n});
    }
  }
  std::vector<Nanos> cycles, acquires;
  for (PerThread& p : per) {
    cycles.insert(cycles.end(), p.cycle.begin(), p.cycle.end());
    acquires.insert(acquires.end(), p.acquire.begin(), p.acquire.end());
    result.errors += p.errors;
    if (result.first_error.empty()) result.first_error = p.first_error;
  }
  result.seconds = timing.seconds;
  result.cycles = cycles.size();
  result.per_second = static_cast<double>(cycles.size()) / timing.seconds;
  result.cycle = percentiles(std::move(cycles));
  result.acquire = percentiles(std::move(acquires));
  result.ok = result.errors == 0 && result.cycles > 0;
  return result;
}

struct FailoverResult {
  std::vector<double> seconds;  // kill -> next grant, per round
  std::vector<int> killed;      // the leader killed, per round
  double median_s = 0;
  int discarded = 0;            // rounds where the member killed was not the client's leader
  bool ok = true;
  std::string error;
};

// A client loops acquire -> release on one lock; while it is acquiring (holding nothing) the
// leader is killed; the round's figure is the time from the kill to the first grant answered by
// another member. The killed member is restarted (and the cluster found ready) between rounds.
FailoverResult run_failover(Service& service, int rounds) {
  FailoverResult result;
  std::mt19937 random(std::random_device{}());
  int attempts = 0;
  for (int round = 0; round < rounds && attempts < 3 * rounds; ++attempts) {
    const int leader = service.leader();
    if (leader == 0) {
      result.ok = false;
      result.error = fmt::format("round {}: no leader found through status", round + 1);
      break;
    }
    std::unique_ptr<BenchClient> client;
    try {
      client = service.client();
      client->open();
    } catch (const std::exception& e) {
      result.ok = false;
      result.error = fmt::format("round {}: opening a session: {}", round + 1, e.what());
      break;
    }
    std::atomic<bool> stop{false};
    std::atomic<int> state{0};  // 0 idle, 1 acquiring, 2 holding
    std::mutex grants_mutex;
    struct Grant {
      Nanos invoked = 0, granted = 0;
      int by = 0;  // the member that answered
    };
    std::vector<Grant> grants;
    std::string client_error;
    std::thread looper([&] {
      const std::string lock = "failover";
      std::size_t errors = 0;
      while (!stop.load()) {
        try {
          state = 1;
          const Nanos invoked = now_ns();
          const Held held = client->acquire(lock);
          const Nanos t = now_ns();
          const int by = client->served_by();
          {
            std::lock_guard g(grants_mutex);
            grants.push_back(Grant{invoked, t, by});
          }
          state = 2;
          client->release(lock, held);
          state = 0;
        } catch (const std::exception& e) {
          state = 0;
          std::lock_guard g(grants_mutex);
          if (client_error.empty()) client_error = e.what();
          if (++errors >= 3) return;
        }
      }
    });
    // Let it run a moment, then kill while it is acquiring.
    sleep_ms(300 + static_cast<int>(random() % 400));
    const auto spin_deadline = Clock::now() + Milliseconds{2000};
    while (state.load() != 1 && Clock::now() < spin_deadline) std::this_thread::yield();
    const Nanos killed_at = now_ns();
    kill(service.pid(leader), SIGKILL);
    std::optional<double> measured;
    int served_before = 0;  // the member that answered the client's last grant before the kill
    {
      std::lock_guard g(grants_mutex);
      for (const Grant& g : grants) {
        if (g.granted <= killed_at) served_before = g.by;
      }
    }
    const auto deadline = Clock::now() + Milliseconds{20000};
    while (!measured && Clock::now() < deadline) {
      {
        std::lock_guard g(grants_mutex);
        // The first grant after the kill answered by another member. Where clients stay on any
        // member (ZooKeeper), a grant of an acquire invoked before the kill may be a write the
        // dead leader committed, answered by a follower that has not noticed yet: there, only
        // an acquire invoked after the kill counts.
        for (const Grant& g : grants) {
          if (g.granted > killed_at && g.by != leader && (service.clients_talk_to_leader() || g.invoked > killed_at)) {
            measured = static_cast<double>(g.granted - killed_at) / 1e9;
            break;
          }
        }
      }
      if (!measured) sleep_ms(2);
    }
    stop = true;
    service.kill_member(leader);  // reaps it
    looper.join();
    client.reset();
    if (!measured) {
      result.ok = false;
      result.error = fmt::format("round {}: no grant within 20 s of killing leader {}{}", round + 1, leader,
                                 client_error.empty() ? "" : " (" + client_error + ")");
      break;
    }
    if (served_before == leader || !service.clients_talk_to_leader()) {
      result.seconds.push_back(*measured);
      result.killed.push_back(leader);
      ++round;
      progress(fmt::format("  failover round {}: killed leader {}, next grant after {:.3f} s", round, leader, *measured));
    } else {
      // The member status named was not the one serving the client just before the kill (the
      // leader moved meanwhile): not a failover of the client's leader; the round is run again.
      ++result.discarded;
      progress(fmt::format("  failover: discarded a round: status named leader {} but member {} answered the client's "
                           "last grant before the kill (next grant after {:.3f} s)",
                           leader, served_before, *measured));
    }
    service.restart_member(leader);
    bool up = false;
    try {
      up = service.ready(Milliseconds{30000});
    } catch (const std::exception& e) {
      result.error = e.what();
    }
    if (!up) {
      result.ok = false;
      if (result.error.empty()) result.error = fmt::format("round {}: the cluster was not ready within 30 s of restarting member {}", round + 1, leader);
      break;
    }
    sleep_ms(1000);  // the restarted member catches up
  }
  if (!result.seconds.empty()) {
    auto sorted = result.seconds;
    std::sort(sorted.begin(), sorted.end());
    const std::size_t n = sorted.size();
    result.median_s = n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }
  if (static_cast<int>(result.seconds.size()) < rounds) {
    result.ok = false;
    if (result.error.empty()) {
      result.error = fmt::format("only {} of {} rounds were failovers of the client's leader ({} discarded)",
                                 result.seconds.size(), rounds, result.discarded);
    }
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// The reference figures (etcd 3.4.23 v3 lock RPC, ZooKeeper 3.8.0 lock recipe, 3 members
// on loopback, fsync on, 2 cores; min-max of 3 runs of 25 s).

struct Reference {
  const char* workload;
  double etcd_lo, etcd_hi, zk_lo, zk_hi;            // cycles (handoffs) per second
  double etcd_p99_lo, etcd_p99_hi, zk_p99_lo, zk_p99_hi;  // ms; 0: not given
};

constexpr Reference references[] = {
    {"1 client, 1 lock", 326, 372, 550, 650, 7.5, 9.1, 2.5, 2.9},
    {"16 clients, own locks", 879, 977, 1399, 1626, 35, 40, 30, 50},
    {"16 clients, one lock", 162, 180, 573, 635, 0, 0, 0, 0},
};
constexpr double reference_failover_etcd_s = 2.0;
constexpr double reference_failover_zk_lo_s = 1.05, reference_failover_zk_hi_s = 1.09;

std::string range(double lo, double hi, const char* unit, int decimals = 0) {
  if (decimals == 0) return fmt::format("{}–{}{}", thousands(lo), thousands(hi), unit);
  return fmt::format("{:.{}f}–{:.{}f}{}", lo, decimals, hi, decimals, unit);
}

struct ProtocolResult {
  std::string name;
  std::vector<LoadResult> loads;
  std::optional<FailoverResult> failover;
  std::string error;  // the cluster could not be started
  bool ok() const {
    if (!error.empty()) return false;
    for (const auto& l : loads) {
      if (!l.ok) return false;
    }
    return !failover || failover->ok;
  }
};

void print_load(const LoadResult& l, std::size_t index, bool compare) {
  const Reference& ref = references[index];
  const char* unit = l.contended ? "handoffs/s" : "cycles/s";
  fmt::print("  {}. {:<24} {:>9} {:<10}  cycle p50 {} p99 {} max {}  | acquire p50 {} p99 {} max {}\n", index + 1,
             l.workload, thousands(l.per_second), unit, ms(l.cycle.p50_ms), ms(l.cycle.p99_ms), ms(l.cycle.max_ms),
             ms(l.acquire.p50_ms), ms(l.acquire.p99_ms), ms(l.acquire.max_ms));
  if (!l.wal.empty()) {
    std::vector<std::string> members;
    for (const auto& w : l.wal) {
      members.push_back(fmt::format("{} {}: {:.2f} fsyncs, {:.2f} records", w.leader ? "leader" : "member", w.member,
                                    w.fsyncs_per_cycle, w.records_per_cycle));
    }
    fmt::print("     WAL per cycle: {}\n", fmt::join(members, "; "));
  }
  if (!l.ok) {
    fmt::print("     FAILED: {} error(s){}\n", l.errors, l.first_error.empty() ? "" : ": " + l.first_error);
  } else if (l.errors) {
    fmt::print("     {} error(s): {}\n", l.errors, l.first_error);
  }
  if (!compare) return;
  const double best = std::max(ref.etcd_hi, ref.zk_hi);
  std::string line = fmt::format("     reference: etcd {}", range(ref.etcd_lo, ref.etcd_hi, "/s"));
  if (ref.etcd_p99_hi > 0) line += fmt::format(" p99 {}", range(ref.etcd_p99_lo, ref.etcd_p99_hi, " ms", ref.etcd_p99_lo < 10 ? 1 : 0));
  line += fmt::format("; ZooKeeper {}", range(ref.zk_lo, ref.zk_hi, "/s"));
  if (ref.zk_p99_hi > 0) line += fmt::format(" p99 {}", range(ref.zk_p99_lo, ref.zk_p99_hi, " ms", ref.zk_p99_lo < 10 ? 1 : 0));
  fmt::print("{}\n", line);
  line = fmt::format("     vs the better ({}/s): x{:.2f}", thousands(best), l.per_second / best);
  bool goal = l.per_second >= 3 * best;
  if (ref.zk_p99_hi > 0) {
    const double best_p99 = std::min(ref.etcd_p99_lo, ref.zk_p99_lo);
    line += fmt::format(", cycle p99 {:.2f}x of its {} ms", l.cycle.p99_ms / best_p99, best_p99);
    goal = goal && l.cycle.p99_ms <= best_p99;
  }
  line += fmt::format("; goal x3 ({}/s{}): {}", thousands(3 * best), ref.zk_p99_hi > 0 ? " with p99 no worse" : "",
                      goal ? "met" : "not met");
  fmt::print("{}\n", line);
}

void print_failover(const FailoverResult& f, bool compare) {
  std::vector<std::string> each;
  for (std::size_t i = 0; i < f.seconds.size(); ++i) each.push_back(fmt::format("{:.3f} s (leader {})", f.seconds[i], f.killed[i]));
  fmt::print("  4. {:<24} median {:.3f} s  rounds: {}\n", "failover (kill -9 leader)", f.median_s,
             each.empty() ? "-" : fmt::format("{}", fmt::join(each, ", ")));
  if (f.discarded) {
    fmt::print("     {} more round(s) discarded: the member status named as leader was not the one serving the client "
               "just before the kill\n", f.discarded);
  }
  if (!f.ok) fmt::print("     FAILED: {}\n", f.error);
  if (!compare || f.seconds.empty()) return;
  fmt::print("     reference: etcd {:.1f} s; ZooKeeper {:.2f}–{:.2f} s; vs the better: x{:.2f} as fast; goal < 0.5 s: {}\n",
             reference_failover_etcd_s, reference_failover_zk_lo_s, reference_failover_zk_hi_s,
             reference_failover_zk_lo_s / f.median_s, f.median_s < 0.5 ? "met" : "not met");
}

Json load_json(const LoadResult& l, std::size_t index, bool compare) {
  Json j{{"workload", l.workload},
         {"clients", l.clients},
         {"contended", l.contended},
         {"seconds", l.seconds},
         {"cycles", l.cycles},
         {l.contended ? "handoffs_per_s" : "cycles_per_s", l.per_second},
         {"cycle", percentiles_json(l.cycle)},
         {"acquire", percentiles_json(l.acquire)},
         {"errors", l.errors},
         {"ok", l.ok}};
  if (!l.first_error.empty()) j["first_error"] = l.first_error;
  if (!l.wal.empty()) {
    Json wal = Json::array();
    for (const auto& w : l.wal) {
      wal.push_back({{"member", w.member}, {"leader", w.leader}, {"fsyncs_per_cycle", w.fsyncs_per_cycle},
                     {"records_per_cycle", w.records_per_cycle}});
    }
    j["wal"] = wal;
  }
  if (compare) {
    const Reference& ref = references[index];
    const double best = std::max(ref.etcd_hi, ref.zk_hi);
    j["vs_better_reference"] = l.per_second / best;
    if (ref.zk_p99_hi > 0) j["p99_vs_better_reference"] = l.cycle.p99_ms / std::min(ref.etcd_p99_lo, ref.zk_p99_lo);
  }
  return j;
}

Json failover_json(const FailoverResult& f, bool compare) {
  Json j{{"rounds_s", f.seconds}, {"killed", f.killed}, {"median_s", f.median_s}, {"discarded", f.discarded}, {"ok", f.ok}};
  if (!f.error.empty()) j["error"] = f.error;
  if (compare && f.median_s > 0) j["vs_better_reference"] = reference_failover_zk_lo_s / f.median_s;
  return j;
}

ProtocolResult run_service(Service& service, const Timing& timing, int failovers) {
  ProtocolResult result;
  result.name = service.name();
  progress(fmt::format("{}: starting 3 members on 127.0.0.1", service.name()));
  try {
    service.start();
  } catch (const std::exception& e) {
    result.error = e.what();
    service.stop();
    return result;
  }
  if (service.warmup_seconds() > 0) {
    // A JVM (ZooKeeper) runs interpreted at first: a throw-away run of 16 clients warms it up.
    const double seconds = std::min(service.warmup_seconds(), timing.seconds);
    progress(fmt::format("{}: warming up ({:.0f} s of 16 clients, not measured)", service.name(), seconds));
    Timing warm{0, seconds};
    run_load(service, "warm-up", 16, [](int i) { return fmt::format("bench-warmup-{}", i); }, false, warm);
  }
  {
    const int leader = service.leader();
    progress(fmt::format("{}: pids {} {} {}, leader {} (pid {}); workload 1 (1 client, 1 lock)", service.name(),
                         service.pid(1), service.pid(2), service.pid(3), leader, leader ? service.pid(leader) : 0));
  }
  result.loads.push_back(run_load(service, "1 client, 1 lock", 1, [](int) { return std::string("bench-one"); }, false, timing));
  progress(fmt::format("{}: workload 2 (16 clients, own locks)", service.name()));
  // Lock names whose slots differ (lockstep maps a name to one of 2^24 slots).
  std::vector<std::string> own;
  std::set<std::uint32_t> slots;
  for (int i = 0; own.size() < 16; ++i) {
    const std::string name = fmt::format("bench-own-{}", i);
    if (slots.insert(lock_slot(name)).second) own.push_back(name);
  }
  result.loads.push_back(run_load(service, "16 clients, own locks", 16, [&](int i) { return own[static_cast<std::size_t>(i)]; },
                                  false, timing));
  progress(fmt::format("{}: workload 3 (16 clients, one lock)", service.name()));
  result.loads.push_back(
      run_load(service, "16 clients, one lock", 16, [](int) { return std::string("bench-contended"); }, true, timing));
  if (failovers > 0) {
    progress(fmt::format("{}: workload 4 (failover, {} rounds)", service.name(), failovers));
    result.failover = run_failover(service, failovers);
  }
  service.stop();
  return result;
}

std::string today() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%d %H:%M", &tm);
  return buffer;
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("model name")) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) return line.substr(colon + 2);
    }
  }
  return "unknown CPU";
}

std::string filesystem_of(const fs::path& dir) {
  // The mount holding `dir` (longest matching mount point in /proc/mounts).
  std::ifstream in("/proc/mounts");
  std::string best_point, best;
  const std::string path = fs::weakly_canonical(dir).string();
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line);
    std::string device, point, type;
    fields >> device >> point >> type;
    if ((path == point || path.starts_with(point == "/" ? point : point + "/")) && point.size() >= best_point.size()) {
      best_point = point;
      best = fmt::format("{} on {} ({})", device, point, type);
    }
  }
  return best.empty() ? "unknown" : best;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"lock_bench: the lock service's benchmark (lockstep nodes; optionally etcd and ZooKeeper)"};
  std::string protocol = "both";
  double seconds = 10;
  int failovers = 5;
  bool quick = false;
  bool json = false;
  bool etcd = false;
  bool zookeeper = false;
  std::string lockstep_binary = LOCKSTEP_BINARY;
  std::string etcd_binary = "etcd";
  std::string zookeeper_jar = "/usr/share/java/zookeeper.jar";
  std::string dir_parent;
  bool keep = false;
  app.add_option("--protocol", protocol, "raft, multipaxos, both (one after the other), or none (only --etcd/--zookeeper)")
      ->check(CLI::IsMember({"raft", "multipaxos", "both", "none"}))
      ->capture_default_str();
  app.add_option("--seconds", seconds, "Measured seconds per workload (after a warm-up)")
      ->check(CLI::Range(0.1, 3600.0))
      ->capture_default_str();
  app.add_option("--failovers", failovers, "Failover rounds (kill -9 of the leader); 0 skips workload 4")
      ->check(CLI::Range(0, 20))
      ->capture_default_str();
  app.add_flag("--quick", quick, "A smoke run: 2 s per workload, 3 failover rounds");
  app.add_flag("--json", json, "Print one JSON object with every figure (instead of the text)");
  app.add_option("--lockstep", lockstep_binary, "The lockstep binary that runs the nodes")->capture_default_str();
  app.add_option("--dir", dir_parent, "Make the temp data dir under this one [default: $TMPDIR or /tmp]");
  app.add_flag("--keep", keep, "Keep the data dir (nodes' logs) after the run");
  app.add_flag("--etcd", etcd, "Also run the workloads against a 3-member etcd cluster (Debian's etcd-server)");
  app.add_option("--etcd-binary", etcd_binary, "The etcd server binary")->capture_default_str();
  app.add_flag("--zookeeper", zookeeper, "Also run them against a 3-member ZooKeeper ensemble (Debian's zookeeper)");
  app.add_option("--zookeeper-jar", zookeeper_jar, "ZooKeeper's jar (its manifest names its dependencies)")
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    fmt::print(stderr, "lock_bench: {}\n", e.what());
    return 2;
  }
  Timing timing;
  timing.seconds = seconds;
  if (quick) {
    if (app.count("--seconds") == 0) timing.seconds = 2;
    if (app.count("--failovers") == 0) failovers = 3;
    timing.warmup_s = 0.3;
  }
  if (lockstep_binary.find('/') != std::string::npos && access(lockstep_binary.c_str(), X_OK) != 0) {
    fmt::print(stderr, "lock_bench: --lockstep {}: not an executable file\n", lockstep_binary);
    return 2;
  }
#ifndef LOCK_BENCH_ZOOKEEPER
  if (zookeeper) {
    fmt::print(stderr, "lock_bench: --zookeeper: this lock_bench was built without ZooKeeper's C client "
                       "(apt-get install libzookeeper-mt-dev, then re-run cmake)\n");
    return 2;
  }
#endif


  fs::path parent = dir_parent;
  if (parent.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    parent = tmp && *tmp ? tmp : "/tmp";
  }
  std::string pattern = (parent / "lock-bench-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    fmt::print(stderr, "lock_bench: cannot create a directory like {}: {}\n", pattern, std::strerror(errno));
    return 2;
  }
  const fs::path dir = pattern;

  // SIGINT/SIGTERM/SIGHUP: blocked in every thread (set before any starts) and taken by one
  // that kills every child, removes the data dir (unless --keep) and exits 128 + signal.
  signal(SIGPIPE, SIG_IGN);
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  for (int s : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&stop_signals, s);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::thread([stop_signals, dir, keep] {
    int signal = 0;
    if (sigwait(&stop_signals, &signal) != 0) return;
    fmt::print(stderr, "lock_bench: signal {}: killing the processes started here\n", signal);
    kill_all_children();
    std::error_code ec;
    if (!keep) fs::remove_all(dir, ec);
    std::fflush(stdout);
    _exit(128 + signal);
  }).detach();
  std::atexit(kill_all_children);

  int exit_code = 0;
  Json out = Json::object();
  try {
    progress(fmt::format("data in {}; measuring the machine's floor", dir.string()));
    Floor floor;
    floor.fsync = measure_fsync(dir, 200);
    floor.loopback = measure_loopback(10000);
    // A cycle is 2 commands (acquire, release); with every write durable before anything leaves
    // a node, each command needs: client -> leader, leader fsync, leader -> follower, follower
    // fsync, follower -> leader, leader -> client: 2 fsyncs and 2 round trips in sequence.
    const double floor_cycle_ms = 2 * (2 * floor.fsync.p50_ms + 2 * floor.loopback.p50_ms);

    std::vector<std::string> protocols;
    if (protocol == "both") protocols = {"raft", "multipaxos"};
    else if (protocol != "none") protocols = {protocol};
    std::vector<ProtocolResult> results;
    for (const std::string& p : protocols) {
      LockstepService service(lockstep_binary, p, dir / p);
      results.push_back(run_service(service, timing, failovers));
    }
    std::vector<ProtocolResult> others;
    if (etcd) {
      EtcdService service(etcd_binary, dir / "etcd");
      others.push_back(run_service(service, timing, failovers));
    }
    if (zookeeper) {
      ZkService service(zookeeper_jar, dir / "zookeeper");
      others.push_back(run_service(service, timing, failovers));
    }
    // The disk's fsync latency moves with what else the machine does (other builds): measured
    // again at the end.
    Floor floor_end;
    floor_end.fsync = measure_fsync(dir, 200);
    floor_end.loopback = measure_loopback(10000);
    for (const auto& r : results) {
      if (!r.ok()) exit_code = 1;
    }
    for (const auto& r : others) {
      if (!r.ok()) exit_code = 1;
    }

    utsname uts{};
    uname(&uts);
    const unsigned cores = std::thread::hardware_concurrency();
    if (json) {
      out["date"] = today();
      out["machine"] = {{"cores", cores},
                        {"cpu", cpu_model()},
                        {"kernel", std::string(uts.release)},
                        {"data_dir", dir.string()},
                        {"filesystem", filesystem_of(dir)}};
      out["settings"] = {{"seconds", timing.seconds}, {"warmup_s", timing.warmup_s}, {"failovers", failovers},
                         {"nodes", 3},                {"fsync", true},            {"session_ttl_ms", 10000}};
      out["floor"] = {{"fsync_4k", percentiles_json(floor.fsync)},
                      {"loopback_rtt", percentiles_json(floor.loopback)},
                      {"cycle_estimate_ms", floor_cycle_ms}};
      out["floor_at_end"] = {{"fsync_4k", percentiles_json(floor_end.fsync)},
                             {"loopback_rtt", percentiles_json(floor_end.loopback)}};
      auto section = [&](const ProtocolResult& r, bool compare) {
        Json j = Json::object();
        if (!r.error.empty()) j["error"] = r.error;
        Json loads = Json::array();
        for (std::size_t i = 0; i < r.loads.size(); ++i) loads.push_back(load_json(r.loads[i], i, compare));
        j["workloads"] = loads;
        if (r.failover) j["failover"] = failover_json(*r.failover, compare);
        j["ok"] = r.ok();
        return j;
      };
      Json lockstep = Json::object();
      for (const auto& r : results) lockstep[r.name] = section(r, true);
      out["lockstep"] = lockstep;
      for (const auto& r : others) out[r.name] = section(r, false);
      Json refs = Json::array();
      for (const Reference& r : references) {
        refs.push_back({{"workload", r.workload},
                        {"etcd_per_s", {r.etcd_lo, r.etcd_hi}},
                        {"zookeeper_per_s", {r.zk_lo, r.zk_hi}},
                        {"etcd_p99_ms", {r.etcd_p99_lo, r.etcd_p99_hi}},
                        {"zookeeper_p99_ms", {r.zk_p99_lo, r.zk_p99_hi}}});
      }
      refs.push_back({{"workload", "failover"},
                      {"etcd_s", reference_failover_etcd_s},
                      {"zookeeper_s", {reference_failover_zk_lo_s, reference_failover_zk_hi_s}}});
      out["reference"] = refs;
      out["ok"] = exit_code == 0;
      fmt::print("{}\n", out.dump(2));
    } else {
      fmt::print("lockstep lock service benchmark, {}\n", today());
      fmt::print("machine: {} cores ({}), Linux {}; data in {} on {}\n", cores, cpu_model(), uts.release, dir.string(),
                 filesystem_of(dir));
      fmt::print("3 members on 127.0.0.1, fsync on; {} s per workload after {} s of warm-up; session ttl 10 s; "
                 "a cycle = acquire + release\n\n",
                 timing.seconds, timing.warmup_s);
      fmt::print("machine floor (at the start; at the end):\n");
      fmt::print("  fsync (4 KiB append + fdatasync, {} in the data dir)  p50 {}  p99 {}  max {};  p50 {}  p99 {}  max {}\n",
                 floor.fsync.count, ms(floor.fsync.p50_ms), ms(floor.fsync.p99_ms), ms(floor.fsync.max_ms),
                 ms(floor_end.fsync.p50_ms), ms(floor_end.fsync.p99_ms), ms(floor_end.fsync.max_ms));
      fmt::print("  loopback TCP round trip (64 B, {})                 p50 {}  p99 {}  max {};  p50 {}  p99 {}  max {}\n",
                 thousands(static_cast<double>(floor.loopback.count)), ms(floor.loopback.p50_ms),
                 ms(floor.loopback.p99_ms), ms(floor.loopback.max_ms), ms(floor_end.loopback.p50_ms),
                 ms(floor_end.loopback.p99_ms), ms(floor_end.loopback.max_ms));
      fmt::print("  a cycle's floor with every write durable before it leaves a node (per command: leader fsync, then "
                 "follower fsync, 2 round trips; start figures):\n    2 x (2 fsync p50 + 2 RTT p50) = {} -> about {} "
                 "cycles/s for one client\n",
                 ms(floor_cycle_ms), thousands(1000 / floor_cycle_ms));
      auto print_section = [&](const ProtocolResult& r, bool compare, const std::string& title) {
        fmt::print("\n== {}\n", title);
        if (!r.error.empty()) {
          fmt::print("  FAILED to start: {}\n", r.error);
          return;
        }
        for (std::size_t i = 0; i < r.loads.size(); ++i) print_load(r.loads[i], i, compare);
        if (r.failover) print_failover(*r.failover, compare);
      };
      for (const auto& r : results) {
        print_section(r, true, fmt::format("lockstep, {}", r.name == "raft" ? "Raft" : "Multi-Paxos"));
      }
      for (const auto& r : others) {
        print_section(r, false, r.name == "etcd" ? "etcd (v3 lock RPC over the gRPC gateway, measured here)"
                                                 : "ZooKeeper (lock recipe over the C client, measured here)");
      }
      fmt::print("\nreference figures (the issue's: etcd 3.4.23 v3 lock RPC / ZooKeeper 3.8.0 lock recipe, 3 members on "
                 "loopback, fsync on, 2 cores, min–max of 3 runs of 25 s):\n");
      for (const Reference& r : references) {
        std::string line = fmt::format("  {:<24} etcd {}", r.workload, range(r.etcd_lo, r.etcd_hi, "/s"));
        if (r.etcd_p99_hi > 0) line += fmt::format(" p99 {}", range(r.etcd_p99_lo, r.etcd_p99_hi, " ms", r.etcd_p99_lo < 10 ? 1 : 0));
        line += fmt::format("; ZooKeeper {}", range(r.zk_lo, r.zk_hi, "/s"));
        if (r.zk_p99_hi > 0) line += fmt::format(" p99 {}", range(r.zk_p99_lo, r.zk_p99_hi, " ms", r.zk_p99_lo < 10 ? 1 : 0));
        fmt::print("{}\n", line);
      }
      fmt::print("  {:<24} etcd {:.1f} s; ZooKeeper {:.2f}–{:.2f} s\n", "kill -9 leader -> grant", reference_failover_etcd_s,
                 reference_failover_zk_lo_s, reference_failover_zk_hi_s);
      fmt::print("  goal: 3x the better of the two with p99 no worse; failover < 0.5 s\n");
      fmt::print("{}\n", exit_code == 0 ? "every workload completed" : "SOME WORKLOAD FAILED (see above)");
    }
  } catch (const std::exception& e) {
    fmt::print(stderr, "lock_bench: {}\n", e.what());
    exit_code = 1;
  }
  kill_all_children();
  if (!keep) {
    std::error_code ec;
    fs::remove_all(dir, ec);
  } else {
    progress("data and logs kept in " + dir.string());
  }
  return exit_code;
}
