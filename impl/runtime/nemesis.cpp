// `lockstep nemesis` (impl/runtime/nemesis.hpp): the local cluster, the client threads and their
// history, the fault schedule, the settling, and the fencing and final-state checks.
#include "impl/runtime/nemesis.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <thread>

#include "impl/runtime/client.hpp"
#include "impl/runtime/cluster.hpp"
#include "impl/runtime/local.hpp"

namespace lockstep::runtime {

const std::vector<std::string>& nemesis_fault_kinds() {
  static const std::vector<std::string> kinds = {"kill", "pause", "cut", "partition", "bridge", "ring", "oneway", "client"};
  return kinds;
}

bool nemesis_fault_applies(const std::string& kind, int nodes) {
  if (kind == "client") return true;
  if (kind == "ring") return nodes >= 4;
  return nodes >= 3;
}

namespace {

namespace fs = std::filesystem;

std::int64_t wall_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// ---------------------------------------------------------------------------------------------
// Ports and node processes.

struct NodeProcess {
  int id = 0;
  std::vector<std::string> args;
  fs::path log;
  pid_t pid = 0;
  bool alive = false;
  bool killed_by_us = false;  // a kill -9 or the final SIGTERM
  int restarts = 0;

  void spawn() {
    std::vector<std::string> copy = args;
    std::vector<char*> argv;
    for (std::string& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    const std::string log_path = log.string();
    const pid_t parent = ::getpid();
    const pid_t child = ::fork();
    if (child < 0) throw NemesisError(fmt::format("cannot start node {}: fork: {}", id, std::strerror(errno)));
    if (child == 0) {
      // Only async-signal-safe calls here. The node dies with us (the nemesis killed or crashed).
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(127);
      sigset_t none;
      sigemptyset(&none);
      ::sigprocmask(SIG_SETMASK, &none, nullptr);
      ::setpgid(0, 0);  // a terminal's Ctrl-C reaches the nemesis only
      const int in_fd = ::open("/dev/null", O_RDONLY);
      const int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (in_fd < 0 || log_fd < 0) ::_exit(127);
      ::dup2(in_fd, 0);
      ::dup2(log_fd, 1);
      ::dup2(log_fd, 2);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    pid = child;
    alive = true;
    killed_by_us = false;
  }

  // Reaps the process if it exited; returns its wait status then.
  std::optional<int> reap(int options = WNOHANG) {
    if (!alive) return std::nullopt;
    int status = 0;
    if (::waitpid(pid, &status, options) != pid) return std::nullopt;
    alive = false;
    return status;
  }

  void signal(int s) const {
    if (alive) ::kill(pid, s);
  }

  void kill9() {
    if (!alive) return;
    killed_by_us = true;
    ::kill(pid, SIGKILL);
    ::kill(pid, SIGCONT);
    reap(0);
  }
};

std::string describe_status(int status) {
  if (WIFEXITED(status)) return fmt::format("exited with status {}", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return fmt::format("was killed by signal {}", WTERMSIG(status));
  return "stopped";
}

// ---------------------------------------------------------------------------------------------
// A Fault frame to one node, over a short blocking-with-deadline TCP connection.

// Whether a Fault frame leaves every link as it is (a heal).
bool drops_nothing(const Fault& fault) { return fault.no_send == 0 && fault.no_receive == 0; }

bool send_fault(const Cluster& cluster, int node, Fault fault, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  auto left_ms = [&] {
    return static_cast<int>(std::max<std::int64_t>(
        0, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count()));
  };
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return false;
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(cluster.member(static_cast<std::uint8_t>(node)).port);
  if (::inet_pton(AF_INET, cluster.member(static_cast<std::uint8_t>(node)).host == "localhost"
                               ? "127.0.0.1"
                               : cluster.member(static_cast<std::uint8_t>(node)).host.c_str(),
                  &address.sin_addr) != 1) {
    return false;
  }
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 && errno != EINPROGRESS) return false;
  pollfd p{fd, POLLOUT, 0};
  int error = 0;
  socklen_t length = sizeof error;
  if (::poll(&p, 1, left_ms()) != 1 || ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0 || error != 0) {
    return false;
  }
  Bytes frames;
  append_frame(frames, FrameKind::hello, Hello{cluster.id(), WireProtocol::raft, 0});
  append_frame(frames, FrameKind::fault, fault);
  std::size_t sent = 0;
  while (sent < frames.size()) {
    const ssize_t n = ::send(fd, frames.data() + sent, frames.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      pollfd w{fd, POLLOUT, 0};
      if (::poll(&w, 1, left_ms()) != 1) return false;
      continue;
    }
    return false;
  }
  // Read frames until the node's Fault answer.
  std::string inbox;
  char buffer[4096];
  while (true) {
    while (inbox.size() >= frame_header_bytes) {
      std::uint32_t body = 0;
      for (int i = 0; i < 4; ++i) body |= static_cast<std::uint32_t>(static_cast<unsigned char>(inbox[i])) << (8 * i);
      if (body < 2 || body > frame_limit_default) return false;
      if (inbox.size() < frame_header_bytes + body) break;
      if (static_cast<std::uint8_t>(inbox[5]) == static_cast<std::uint8_t>(FrameKind::fault)) return true;
      inbox.erase(0, frame_header_bytes + body);
    }
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n > 0) {
      inbox.append(buffer, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      pollfd r{fd, POLLIN, 0};
      if (::poll(&r, 1, left_ms()) != 1) return false;
      continue;
    }
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// What the clients share: the history, the fenced resources, the grants.

struct Write {
  std::string lock;
  std::uint64_t token = 0;
  std::string writer;
  bool accepted = false;
};

struct Grant {
  std::string lock;
  std::uint64_t token = 0;
  std::string process;
};

struct Shared {
  std::mutex mutex;
  std::vector<std::pair<std::int64_t, Json>> events;  // (time, event)
  std::vector<std::int64_t> successes;                 // times of answered calls (opens included)
  // The fenced resources: the highest token accepted per lock, every write in order.
  std::map<std::string, std::uint64_t> highest;
  std::vector<Write> writes;
  std::vector<Grant> grants;
  std::map<std::string, bool> released;  // process -> its release answered "released"
  std::uint64_t sessions = 0, sessions_failed = 0;
  std::vector<std::string> client_errors;  // a client thread that stopped on an exception
  // The nemesis asks client k to pause while it holds its next lock (before its fenced write),
  // long enough for its session to expire: a stalled process with a stale token.
  std::vector<std::atomic<bool>> pause_requests;
  std::chrono::milliseconds client_pause{0};
  explicit Shared(int clients) : pause_requests(static_cast<std::size_t>(clients) + 1) {}

  void event(std::int64_t time, Json event) {
    std::lock_guard lock(mutex);
    events.emplace_back(time, std::move(event));
  }
  void success(std::int64_t time) {
    std::lock_guard lock(mutex);
    successes.push_back(time);
  }
  // The fenced resource's write: accepted when the token is at least the highest accepted.
  bool write(const std::string& lock_name, std::uint64_t token, const std::string& writer) {
    std::lock_guard lock(mutex);
    std::uint64_t& top = highest[lock_name];
    const bool accepted = token >= top;
    if (accepted) top = token;
    writes.push_back(Write{lock_name, token, writer, accepted});
    return accepted;
  }
  // The expiry of `process`'s session: invoked at `from` (when it was last known alive),
  // completed ok at `to` when known.
  void expire(const std::string& process, std::int64_t from, std::optional<std::int64_t> to) {
    const std::string pseudo = "expire:" + process;
    std::lock_guard lock(mutex);
    events.emplace_back(from, Json{{"process", pseudo}, {"type", "invoke"}, {"f", "expire"}, {"value", process}, {"time", from}});
    if (to) {
      events.emplace_back(*to, Json{{"process", pseudo}, {"type", "ok"}, {"f", "expire"}, {"value", process}, {"time", *to}});
    }
  }
};

void client_loop(int k, const Cluster& cluster, const NemesisOptions& options, Clock::time_point end, Shared& shared) {
  std::string process;
  ClientOptions client_options;
  client_options.attempt_timeout = std::chrono::milliseconds{500};
  client_options.call_timeout = std::chrono::milliseconds{5000};
  client_options.acquire_timeout = std::chrono::milliseconds{5000};
  client_options.on_event = [&](const ClientEvent& e) {
    shared.event(e.time_ns, history_event(e, process));
    if (e.type == ClientEvent::Type::ok) shared.success(e.time_ns);
  };
  LockClient client(cluster, client_options);
  std::mt19937_64 random(options.seed * 1000003u + static_cast<std::uint64_t>(k));
  // Each cycle ends by closing its session, as a client done with it does. When it may still
  // hold (or be queued for) its lock, the session's end goes into the history as an expiry
  // invoked at `from`: completed when the close is answered (closed, or found gone already),
  // left open (it expires some time later) when no node answered.
  const auto close_session = [&](std::optional<std::int64_t> from) {
    try {
      client.close(std::chrono::milliseconds{5000});
      if (from) shared.expire(process, *from, wall_ns());
    } catch (const ClientError&) {
      if (from) shared.expire(process, *from, std::nullopt);
    }
  };
  for (int n = 1; Clock::now() < end; ++n) {
    process = fmt::format("c{}.{}", k, n);
    const std::int64_t open_invoked = wall_ns();
    try {
      client.open(options.ttl, std::chrono::milliseconds{5000});
      const std::int64_t opened = wall_ns();
      std::lock_guard lock(shared.mutex);
      ++shared.sessions;
      shared.successes.push_back(opened);
    } catch (const ClientError& e) {
      {
        std::lock_guard lock(shared.mutex);
        ++shared.sessions_failed;
      }
      if (e.kind != ClientErrorKind::unavailable) std::this_thread::sleep_for(std::chrono::milliseconds{50});
      continue;
    }
    const std::string lock_name = fmt::format("lock-{}", random() % static_cast<std::uint64_t>(options.locks));
    const std::int64_t acquire_invoked = wall_ns();
    std::uint64_t token = 0;
    try {
      token = client.acquire(lock_name, std::chrono::milliseconds{5000});
    } catch (const ClientError& e) {
      // Expired before the grant: it holds nothing. Otherwise it may be granted later, until
      // the session ends.
      if (e.kind != ClientErrorKind::session_expired) close_session(open_invoked);
      continue;
    }
    {
      std::lock_guard lock(shared.mutex);
      shared.grants.push_back(Grant{lock_name, token, process});
    }
    if (shared.pause_requests[static_cast<std::size_t>(k)].exchange(false)) {
      std::this_thread::sleep_for(shared.client_pause);
    }
    shared.write(lock_name, token, process);
    try {
      const bool released = client.release(lock_name, token, std::chrono::milliseconds{5000});
      {
        std::lock_guard lock(shared.mutex);
        shared.released[process] = released;
      }
      close_session(std::nullopt);  // it holds nothing now
    } catch (const ClientError& e) {
      if (e.kind == ClientErrorKind::session_expired) {
        shared.expire(process, acquire_invoked, wall_ns());
      } else {
        close_session(acquire_invoked);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The run.

class Run {
 public:
  explicit Run(const NemesisOptions& options) : options_(options), random_(options.seed), shared_(options.clients) {
    shared_.client_pause = 2 * options.ttl + 2 * options.expiry_period;
  }

  ~Run() {
    for (NodeProcess& node : nodes_) node.kill9();
  }

  NemesisReport go() {
    setup();
    start_ = Clock::now();
    run_start_wall_ = wall_ns();
    const auto end = start_ + options_.time;
    say(fmt::format("running {} client{} on {} lock{} for {} (seed {}; faults held {} to {})", options_.clients,
                    options_.clients == 1 ? "" : "s", options_.locks, options_.locks == 1 ? "" : "s",
                    describe_duration(options_.time), options_.seed, describe_duration(options_.hold_min),
                    describe_duration(options_.hold_max)));
    std::vector<std::string> in_play, left_out;
    for (const std::string& kind : options_.faults) {
      (nemesis_fault_applies(kind, options_.nodes) ? in_play : left_out).push_back(kind);
    }
    say(fmt::format("faults: {}{}", in_play.empty() ? "none" : fmt::format("{}", fmt::join(in_play, ", ")),
                    left_out.empty() ? "" : fmt::format(" ({} cannot apply to {} node{})", fmt::join(left_out, ", "),
                                                        options_.nodes, options_.nodes == 1 ? "" : "s")));
    std::vector<std::thread> clients;
    for (int k = 1; k <= options_.clients; ++k) {
      clients.emplace_back([this, k, end] {
        try {
          client_loop(k, cluster_, options_, end, shared_);
        } catch (const std::exception& e) {
          std::lock_guard lock(shared_.mutex);
          shared_.client_errors.push_back(fmt::format("client {} stopped: {}", k, e.what()));
        }
      });
    }
    try {
      nemesis(end, in_play);
    } catch (...) {
      for (auto& t : clients) t.join();
      throw;
    }
    heal_all();
    for (auto& t : clients) t.join();
    report_.seconds = std::chrono::duration<double>(Clock::now() - start_).count();
    say("clients done; healed every fault; letting the cluster settle");
    settle();
    stop_nodes();
    analyse();
    return std::move(report_);
  }

 private:
  struct Active {
    int node = 0;  // 0 for the network's faults
    std::string kind;
    Clock::time_point heal_at;
    std::size_t index = 0;               // into report_.faults
    std::vector<Fault> blocked;  // the network's: what each node drops (by node id - 1)
  };

  void say(const std::string& line) const {
    if (options_.progress) options_.progress(line);
  }
  double since_start(Clock::time_point t = Clock::now()) const { return std::chrono::duration<double>(t - start_).count(); }

  void setup() {
    std::error_code ec;
    fs::create_directories(options_.dir, ec);
    if (ec) throw NemesisError(fmt::format("--dir {}: {}", options_.dir.string(), ec.message()));
    for (int id = 1; id <= options_.nodes; ++id) {
      if (fs::exists(options_.dir / fmt::format("n{}", id))) {
        throw NemesisError(fmt::format("--dir {} holds node data already (n{}): give a new or empty directory",
                                       options_.dir.string(), id));
      }
    }
    std::vector<std::uint16_t> ports;
    try {
      ports = free_loopback_ports(options_.nodes);
    } catch (const std::runtime_error& e) {
      throw NemesisError(e.what());
    }
    std::string spec;
    for (int i = 0; i < options_.nodes; ++i) spec += fmt::format("{}{}=127.0.0.1:{}", i ? "," : "", i + 1, ports[i]);
    cluster_ = Cluster::parse(spec);
    for (int id = 1; id <= options_.nodes; ++id) {
      NodeProcess node;
      node.id = id;
      node.log = options_.dir / fmt::format("node-{}.log", id);
      node.args = {options_.exe,
                   "node",
                   "--id",
                   std::to_string(id),
                   "--cluster",
                   spec,
                   "--data",
                   (options_.dir / fmt::format("n{}", id)).string(),
                   "--protocol",
                   std::string(enum_name(options_.protocol)),
                   "--expiry-period",
                   fmt::format("{}ms", options_.expiry_period.count()),
                   "--allow-faults"};
      if (options_.record) {
        node.args.push_back("--record");
        node.args.push_back((options_.dir / fmt::format("node-{}.events.ndjson", id)).string());
      }
      nodes_.push_back(std::move(node));
    }
    for (NodeProcess& node : nodes_) node.spawn();
    say(fmt::format("{} {} nodes: {} (logs in {})", options_.nodes, enum_name(options_.protocol), spec,
                    options_.dir.string()));
    const auto deadline = Clock::now() + std::chrono::seconds{15};
    while (leader() == 0) {
      check_deaths();
      if (!report_.node_problems.empty()) throw NemesisError(report_.node_problems.front());
      if (Clock::now() > deadline) throw NemesisError("no leader elected within 15 s of the start (see the node logs)");
      std::this_thread::sleep_for(std::chrono::milliseconds{50});
    }
  }

  // The node that says it leads and that a majority names; 0 when none.
  std::uint8_t leader(std::vector<MemberStatus>* out = nullptr) {
    const auto all = query_status(cluster_, std::chrono::milliseconds{300});
    if (out) *out = all;
    for (const MemberStatus& candidate : all) {
      if (!candidate.status || candidate.status->value("leader", 0) != candidate.member) continue;
      std::size_t votes = 0;
      for (const MemberStatus& m : all) {
        if (m.status && m.status->value("leader", 0) == candidate.member) ++votes;
      }
      if (votes * 2 > cluster_.size()) return candidate.member;
    }
    return 0;
  }

  // Nodes that exited without our kill: a problem (and restarted, so the run goes on).
  void check_deaths() {
    for (NodeProcess& node : nodes_) {
      const auto status = node.reap();
      if (!status || node.killed_by_us) continue;
      report_.nodes_ok = false;
      report_.node_problems.push_back(fmt::format("node {} {} on its own at {:.1f} s (see {})", node.id,
                                                  describe_status(*status), since_start(), node.log.string()));
      say(report_.node_problems.back());
    }
  }

  // Injects faults of these kinds (those of options_.faults that apply) until `end`.
  void nemesis(Clock::time_point end, const std::vector<std::string>& kinds) {
    std::uniform_int_distribution<int> gap_ms(1000, 3000);
    std::uniform_int_distribution<std::int64_t> hold_ms(options_.hold_min.count(), options_.hold_max.count());
    if (kinds.empty()) return;
    auto next_fault = Clock::now() + std::chrono::milliseconds(gap_ms(random_));
    while (Clock::now() < end) {
      check_deaths();
      const auto now = Clock::now();
      bool healed_now = false;
      for (auto it = active_.begin(); it != active_.end();) {
        if (it->heal_at <= now) {
          heal(*it);
          it = active_.erase(it);
          healed_now = true;
        } else {
          ++it;
        }
      }
      // Aimed at the leader: not in the very moment of a heal (the leader the nodes name then may
      // be deposed by the healed node's term a moment later); at the next tick.
      if (now >= next_fault && !(options_.at_leader && healed_now)) {
        // A kind drawn from those that apply; skipped when the faults already active leave no
        // room for it (a minority faulty at most; the network's alone).
        const std::string& kind = kinds[std::uniform_int_distribution<std::size_t>(0, kinds.size() - 1)(random_)];
        const auto heal_at = now + std::chrono::milliseconds(hold_ms(random_));
        if (kind == "client") {
          pause_client();
        } else if (is_network_fault(kind)) {
          if (active_.empty()) split(kind, heal_at);
        } else if (active_.size() < max_faulty() && !network_fault_active()) {
          inject(kind, heal_at);
        }
        next_fault = now + std::chrono::milliseconds(gap_ms(random_));
      }
      auto wake = std::min(next_fault, end);
      for (const Active& a : active_) wake = std::min(wake, a.heal_at);
      wake = std::min(wake, Clock::now() + std::chrono::milliseconds{100});
      std::this_thread::sleep_until(wake);
    }
  }

  // The leader to aim a fault of this kind at, or 0 (said) when no node leads now.
  int aim(const std::string& kind) {
    const int l = leader();
    if (l == 0) say(fmt::format("{:7.2f}s  {}: no leader to aim at (an election under way); skipped", since_start(), kind));
    return l;
  }

  std::size_t max_faulty() const { return static_cast<std::size_t>((options_.nodes - 1) / 2); }

  static bool is_network_fault(const std::string& kind) {
    return kind == "partition" || kind == "bridge" || kind == "ring" || kind == "oneway";
  }

  bool network_fault_active() const {
    return std::any_of(active_.begin(), active_.end(), [](const Active& a) { return a.node == 0; });
  }

  void pause_client() {
    const int k = std::uniform_int_distribution<int>(1, options_.clients)(random_);
    shared_.pause_requests[static_cast<std::size_t>(k)] = true;
    report_.faults.push_back(NemesisFault{since_start(), since_start(), "client", k, {}, 0});
    say(fmt::format("{:7.2f}s  client {} to pause for {} while it holds its next lock", since_start(), k,
                    describe_duration(shared_.client_pause)));
  }

  // A node's fault (kill, pause, cut) on a node no fault holds.
  void inject(const std::string& kind, Clock::time_point heal_at) {
    std::vector<int> healthy;
    for (const NodeProcess& node : nodes_) {
      const bool faulty = std::any_of(active_.begin(), active_.end(), [&](const Active& a) { return a.node == node.id; });
      if (!faulty && node.alive) healthy.push_back(node.id);
    }
    if (healthy.empty()) return;
    int node = 0;
    if (options_.at_leader) {
      node = aim(kind);
      if (node == 0) return;
      if (std::find(healthy.begin(), healthy.end(), node) == healthy.end()) {
        say(fmt::format("{:7.2f}s  {}: the leader, node {}, is faulty already; skipped", since_start(), kind, node));
        return;
      }
    } else {
      node = healthy[std::uniform_int_distribution<std::size_t>(0, healthy.size() - 1)(random_)];
    }
    NodeProcess& p = nodes_[static_cast<std::size_t>(node - 1)];
    if (kind == "kill") {
      p.kill9();
    } else if (kind == "pause") {
      p.signal(SIGSTOP);
    } else {
      const std::uint32_t everyone = (1u << options_.nodes) - 1u;
      if (!send_fault(cluster_, node, Fault{everyone, everyone}, std::chrono::milliseconds{1000})) {
        say(fmt::format("{:7.2f}s  cut node {}: it did not acknowledge the Fault frame; skipped", since_start(), node));
        return;
      }
    }
    report_.faults.push_back(NemesisFault{since_start(), 0, kind, node, {}, options_.at_leader ? node : 0});
    active_.push_back(Active{node, kind, heal_at, report_.faults.size() - 1, {}});
    say(fmt::format("{:7.2f}s  {} node {}{}", since_start(), kind == "kill" ? "kill -9" : kind == "pause" ? "SIGSTOP" : "cut links of",
                    node, options_.at_leader ? " (the leader)" : ""));
  }

  // A fault of the network's (partition, bridge, ring): each node is sent the set of peers it no
  // longer hears from or talks to. All or nothing: if a node does not acknowledge its Fault
  // frame, the ones already sent are taken back (a node that never answers is a problem, as a
  // failed heal is) and the fault is skipped.
  void split(const std::string& kind, Clock::time_point heal_at) {
    std::vector<int> order(static_cast<std::size_t>(options_.nodes));
    for (int i = 0; i < options_.nodes; ++i) order[static_cast<std::size_t>(i)] = i + 1;
    std::shuffle(order.begin(), order.end(), random_);
    const std::size_t n = order.size();
    int aimed = 0;
    if (options_.at_leader) {
      // The leader where each kind draws its victim: the minority's first, the bridge's first
      // half, the one-way loss's lone node.
      aimed = aim(kind);
      if (aimed == 0) return;
      const std::size_t at = kind == "bridge" ? 1 : 0;
      std::iter_swap(std::find(order.begin(), order.end(), aimed), order.begin() + static_cast<std::ptrdiff_t>(at));
    }
    std::vector<std::vector<int>> sides;  // groups, printed in this order
    std::vector<Fault> blocked(n, Fault{0, 0});
    const auto one_way = [&](int from, int to) {  // from's frames to `to` are lost, at both ends
      blocked[static_cast<std::size_t>(from - 1)].no_send |= 1u << (to - 1);
      blocked[static_cast<std::size_t>(to - 1)].no_receive |= 1u << (from - 1);
    };
    const auto cut = [&](int a, int b) {
      one_way(a, b);
      one_way(b, a);
    };
    const auto cut_between = [&](const std::vector<int>& x, const std::vector<int>& y) {
      for (int a : x) {
        for (int b : y) cut(a, b);
      }
    };
    std::string description;
    if (kind == "partition") {
      const std::size_t minority = std::uniform_int_distribution<std::size_t>(1, max_faulty())(random_);
      sides = {{order.begin(), order.begin() + static_cast<std::ptrdiff_t>(minority)},
               {order.begin() + static_cast<std::ptrdiff_t>(minority), order.end()}};
      cut_between(sides[0], sides[1]);
    } else if (kind == "bridge") {
      const std::size_t half = (n - 1) / 2;
      sides = {{order.begin() + 1, order.begin() + 1 + static_cast<std::ptrdiff_t>(half)},
               {order.front()},
               {order.begin() + 1 + static_cast<std::ptrdiff_t>(half), order.end()}};
      cut_between(sides[0], sides[2]);
    } else if (kind == "oneway") {
      // One node's frames to some others are lost (it speaks, they do not hear), or theirs to it.
      const std::size_t others = std::uniform_int_distribution<std::size_t>(1, n - 1)(random_);
      const int node = order.front();
      std::vector<int> targets(order.begin() + 1, order.begin() + 1 + static_cast<std::ptrdiff_t>(others));
      std::sort(targets.begin(), targets.end());
      const bool deaf = std::uniform_int_distribution<int>(0, 1)(random_) == 1;
      for (int t : targets) {
        if (deaf) one_way(t, node);
        else one_way(node, t);
      }
      const std::string group = fmt::format("{{{}}}", fmt::join(targets, ","));
      description = deaf ? fmt::format("{} -> {}", group, node) : fmt::format("{} -> {}", node, group);
    } else {
      // Linked to the neighbours up to distance d on either side: 2d + 1 nodes, a majority.
      const std::size_t majority = n / 2 + 1;
      const std::size_t d = majority / 2;  // the least d with 2d + 1 >= majority
      for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t j = i + 1; j < n; ++j) {
          if (std::min(j - i, n - (j - i)) > d) cut(order[i], order[j]);
        }
      }
      description = fmt::format("{}, each linked to its neighbours within {}", fmt::join(order, "-"), d);
    }
    if (description.empty()) {
      std::vector<std::string> parts;
      for (std::size_t k = 0; k < sides.size(); ++k) {
        std::sort(sides[k].begin(), sides[k].end());
        const bool bridge_node = kind == "bridge" && k == 1;
        parts.push_back(bridge_node ? std::to_string(sides[k].front()) : fmt::format("{{{}}}", fmt::join(sides[k], ",")));
      }
      description = fmt::format("{}", fmt::join(parts, " | "));
    }
    std::vector<int> sent;
    for (std::size_t i = 0; i < n; ++i) {
      if (drops_nothing(blocked[i])) continue;
      const int node = static_cast<int>(i) + 1;
      if (!send_fault(cluster_, node, blocked[i], std::chrono::milliseconds{1000})) {
        say(fmt::format("{:7.2f}s  {} {}: node {} did not acknowledge its Fault frame; taken back", since_start(), kind,
                        description, node));
        // Its frame may have been applied and only the answer lost: it is healed too.
        for (int s : sent) heal_links(s);
        heal_links(node);
        return;
      }
      sent.push_back(node);
    }
    report_.faults.push_back(NemesisFault{since_start(), 0, kind, 0, description, aimed});
    active_.push_back(Active{0, kind, heal_at, report_.faults.size() - 1, blocked});
    say(fmt::format("{:7.2f}s  {} {}{}", since_start(), kind, description,
                    aimed == 0 ? "" : fmt::format(" (node {} leads)", aimed)));
  }

  void heal(const Active& a) {
    bool healed = true;
    if (a.node == 0) {
      for (std::size_t i = 0; i < a.blocked.size(); ++i) {
        if (!drops_nothing(a.blocked[i]) && !heal_links(static_cast<int>(i) + 1)) healed = false;
      }
      if (healed) report_.faults[a.index].healed_s = since_start();
      say(fmt::format("{:7.2f}s  heal the {}", since_start(), a.kind));
      return;
    }
    NodeProcess& p = nodes_[static_cast<std::size_t>(a.node - 1)];
    if (a.kind == "kill") {
      ++p.restarts;
      p.spawn();
    } else if (a.kind == "pause") {
      p.signal(SIGCONT);
    } else {
      healed = heal_links(a.node);
    }
    if (healed) report_.faults[a.index].healed_s = since_start();
    say(fmt::format("{:7.2f}s  {} node {}", since_start(),
                    a.kind == "kill" ? "restart" : a.kind == "pause" ? "SIGCONT" : "heal links of", a.node));
  }

  // Every link of the node restored (a few tries); a node that never answers is a problem.
  bool heal_links(int node) {
    for (int attempt = 0; attempt < 5; ++attempt) {
      if (send_fault(cluster_, node, Fault{0, 0}, std::chrono::milliseconds{1000})) return true;
    }
    report_.nodes_ok = false;
    report_.node_problems.push_back(fmt::format("node {}: its links could not be healed (no answer to the Fault frame)", node));
    return false;
  }

  void heal_all() {
    for (const Active& a : active_) heal(a);
    active_.clear();
  }

  // Waits (bounded) for one leader named by every node, every node having applied what the
  // leader committed and all of them the same prefix; then reads the final lock table. The
  // leader's commit alone is not enough: a Multi-Paxos leader's commit is its own applied
  // position, and a new leader (of either protocol) may still be behind replicas that learned
  // later entries from its predecessor until its recovery (or first entry) commits them.
  void settle() {
    const auto deadline = Clock::now() + std::chrono::seconds{20};
    std::vector<MemberStatus> all;
    std::uint8_t l = 0;
    bool settled = false;
    std::string why = "no leader";
    while (Clock::now() < deadline) {
      check_deaths();
      l = leader(&all);
      if (l != 0) {
        const Json& mine = *all[l - 1].status;
        const std::uint64_t commit = mine.value("commit", std::uint64_t{0});
        std::uint64_t furthest = commit;
        for (const MemberStatus& m : all) {
          if (m.status) furthest = std::max(furthest, m.status->value("applied", std::uint64_t{0}));
        }
        settled = true;
        why = fmt::format("leader {} (commit {}, furthest applied {})", l, commit, furthest);
        for (const MemberStatus& m : all) {
          if (!m.status) {
            settled = false;
            why += fmt::format("; node {} silent ({})", m.member, m.error);
          } else if (m.status->value("leader", 0) != l || m.status->value("applied", std::uint64_t{0}) != furthest) {
            settled = false;
            why += fmt::format("; node {} follows {} and applied {}", m.member, m.status->value("leader", 0),
                               m.status->value("applied", std::uint64_t{0}));
          }
        }
        if (settled) break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds{50});
    }
    report_.settle_note = settled ? fmt::format("settled: leader {}, every node applied through its commit and the same prefix", l)
                                  : "did not settle within 20 s: " + why;
    say(report_.settle_note);
    if (l == 0 || !all[l - 1].status) {
      report_.final_ok = false;
      report_.final_violations.push_back("no leader after the run: the final lock table could not be read");
      return;
    }
    if (!settled) {
      report_.nodes_ok = false;
      report_.node_problems.push_back(report_.settle_note);
    }
    // The final table of our locks, on the leader and on every replica.
    std::vector<std::string> names;
    for (int i = 0; i < options_.locks; ++i) names.push_back(fmt::format("lock-{}", i));
    auto table_of = [&](const Json& status) {
      Json table = Json::object();
      for (const std::string& name : names) {
        const std::uint32_t slot = lock_slot(name);
        for (const Json& row : status.value("locks", Json::array())) {
          if (row.value("lock", std::uint64_t{0}) == slot) {
            table[name] = Json{{"holder", row.value("holder", std::uint64_t{0})}, {"token", row.value("token", std::uint64_t{0})}};
          }
        }
      }
      return table;
    };
    report_.final_table = table_of(*all[l - 1].status);
    table_read_ = true;
    if (settled) {
      for (const MemberStatus& m : all) {
        if (m.status && table_of(*m.status) != report_.final_table) {
          report_.final_ok = false;
          // The positions tell a replica behind or ahead of the leader from one that diverged.
          report_.final_violations.push_back(fmt::format(
              "node {}'s lock table {} (applied through {}) differs from the leader's {} (node {}, applied through {})",
              m.member, table_of(*m.status).dump(), m.status->value("applied", std::uint64_t{0}),
              report_.final_table.dump(), l, all[l - 1].status->value("applied", std::uint64_t{0})));
        }
      }
    }
  }

  void stop_nodes() {
    for (NodeProcess& node : nodes_) {
      node.signal(SIGCONT);
      if (node.alive) {
        node.killed_by_us = true;
        node.signal(SIGTERM);
      }
    }
    const auto deadline = Clock::now() + std::chrono::seconds{5};
    for (NodeProcess& node : nodes_) {
      while (node.alive && Clock::now() < deadline) {
        if (const auto status = node.reap()) {
          if (!WIFEXITED(*status) || WEXITSTATUS(*status) != 0) {
            report_.nodes_ok = false;
            report_.node_problems.push_back(fmt::format("node {} {} after SIGTERM", node.id, describe_status(*status)));
          }
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds{10});
      }
      if (node.alive) {
        report_.nodes_ok = false;
        report_.node_problems.push_back(fmt::format("node {} did not stop within 5 s of SIGTERM: killed", node.id));
        node.kill9();
      }
    }
  }

  void analyse() {
    // The history, in time order (each process's own events are in order already).
    std::stable_sort(shared_.events.begin(), shared_.events.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (auto& [time, event] : shared_.events) {
      const std::string type = event.value("type", "");
      const std::string f = event.value("f", "");
      if (f == "close") {  // the client's history hook records its closes: sessions, not lock operations
        if (type == "ok") ++report_.closed;
      } else if (f != "expire") {
        if (type == "ok") ++report_.ok;
        if (type == "fail") ++report_.failed;
        if (type == "info") ++report_.indeterminate;
        if (type == "ok" && f == "acquire") ++report_.acquired;
        if (type == "ok" && f == "release" && event.value("value", Json()) == Json("released")) ++report_.released;
      }
      report_.history.push_back(std::move(event));
    }
    for (const std::string& e : shared_.client_errors) {
      report_.nodes_ok = false;
      report_.node_problems.push_back(e);
    }
    report_.sessions = shared_.sessions;
    report_.sessions_failed = shared_.sessions_failed;

    // Unavailability: gaps between answered calls (and from the start / to the end).
    std::vector<std::int64_t> times = shared_.successes;
    std::sort(times.begin(), times.end());
    const std::int64_t start_ns = run_start_wall_;
    const std::int64_t end_ns = run_start_wall_ + static_cast<std::int64_t>(report_.seconds * 1e9);
    std::int64_t previous = start_ns;
    times.push_back(end_ns);
    for (const std::int64_t t : times) {
      const double gap = static_cast<double>(t - previous) / 1e9;
      report_.longest_gap_s = std::max(report_.longest_gap_s, gap);
      if (gap * 1000 > static_cast<double>(options_.gap_threshold.count())) {
        report_.windows.push_back(NemesisWindow{static_cast<double>(previous - start_ns) / 1e9, gap});
      }
      previous = std::max(previous, t);
    }
    std::sort(report_.windows.begin(), report_.windows.end(),
              [](const NemesisWindow& a, const NemesisWindow& b) { return a.length_s > b.length_s; });

    // Fencing.
    std::map<std::string, std::uint64_t> top;
    std::set<std::pair<std::string, std::uint64_t>> granted;  // (process, token)
    for (const Grant& g : shared_.grants) granted.emplace(g.process, g.token);
    for (const Write& w : shared_.writes) {
      if (!w.accepted) {
        ++report_.writes_rejected;
        const auto r = shared_.released.find(w.writer);
        if (r != shared_.released.end() && r->second) {
          report_.fencing_violations.push_back(fmt::format(
              "{}'s write to {} with token {} was rejected (a higher token was accepted first), yet its release then "
              "succeeded: two holders at once",
              w.writer, w.lock, w.token));
        }
        continue;
      }
      ++report_.writes_accepted;
      std::uint64_t& highest = top[w.lock];
      if (w.token < highest) {
        report_.fencing_violations.push_back(
            fmt::format("{} accepted token {} from {} after token {}", w.lock, w.token, w.writer, highest));
      }
      highest = std::max(highest, w.token);
      if (!granted.count({w.writer, w.token})) {
        report_.fencing_violations.push_back(
            fmt::format("{} accepted token {} from {}, which was never granted it", w.lock, w.token, w.writer));
      }
    }
    report_.fencing_ok = report_.fencing_violations.empty();

    // Final state: every acknowledged grant is in it; no token granted twice.
    std::map<std::uint64_t, std::string> owners;
    std::map<std::string, std::uint64_t> acked_top;
    for (const Grant& g : shared_.grants) {
      const auto [it, inserted] = owners.emplace(g.token, g.process);
      if (!inserted) {
        report_.final_violations.push_back(
            fmt::format("token {} was acknowledged twice: to {} and to {}", g.token, it->second, g.process));
      }
      acked_top[g.lock] = std::max(acked_top[g.lock], g.token);
    }
    for (const auto& [lock, token] : acked_top) {
      if (!table_read_) continue;  // said already: no leader to read it from
      if (!report_.final_table.contains(lock)) {
        report_.final_violations.push_back(
            fmt::format("{} (token {} acknowledged) is missing from the final lock table", lock, token));
        continue;
      }
      const std::uint64_t final_token = report_.final_table[lock].value("token", std::uint64_t{0});
      if (final_token < token) {
        report_.final_violations.push_back(
            fmt::format("{}: the final table's token {} is below the acknowledged token {}", lock, final_token, token));
      }
    }
    report_.final_ok = report_.final_violations.empty();
  }

  NemesisOptions options_;
  std::int64_t run_start_wall_ = 0;
  bool table_read_ = false;
  std::mt19937_64 random_;
  Cluster cluster_;
  std::vector<NodeProcess> nodes_;
  std::vector<Active> active_;
  Shared shared_;
  NemesisReport report_;
  Clock::time_point start_;
};

}  // namespace

NemesisReport run_nemesis(const NemesisOptions& options) {
  if (options.nodes < 1 || options.nodes > static_cast<int>(node_count_max)) {
    throw NemesisError(fmt::format("--nodes must be from 1 to {}", node_count_max));
  }
  if (options.clients < 1) throw NemesisError("--clients must be at least 1");
  if (options.locks < 1) throw NemesisError("--locks must be at least 1");
  Run run(options);
  return run.go();
}

}  // namespace lockstep::runtime
