// The lock service's client commands, over the client library (impl/runtime/client.hpp):
//
//   lockstep lock acquire NAME --cluster SPEC [--ttl 10s] [--timeout 30s] [--try] [--json]
//       opens a session of that ttl, acquires, prints the fencing token; the session (and the
//       lock) then lives until its ttl runs out without keep-alives, unless released. When the
//       lock is not granted in time, the session is closed (its wait dropped) before exit 3;
//       and when Ctrl-C (SIGINT, SIGTERM, SIGHUP) ends the wait, before exit 128 + the signal.
//       --try: no wait; when another session holds the lock, the session is closed, exit 1.
//   lockstep lock release NAME --token T --cluster SPEC [--json]
//       release by the token alone: 0 released, 1 not held with that token.
//   lockstep lock hold NAME --cluster SPEC [--ttl 10s] [--timeout 30s] [--try] -- COMMAND ARGS...
//       acquires, runs COMMAND with LOCKSTEP_FENCING_TOKEN and LOCKSTEP_LOCK in its environment,
//       keeps the session alive while it runs, releases the lock and closes the session when it
//       ends, exits with its status (as `etcdctl lock` does); SIGINT/SIGTERM are forwarded to it;
//       a lost session stops it (SIGTERM) and exits 1. A signal while the lock is awaited closes
//       the session (as acquire's) and exits 128 + the signal without running the command; with
//       --try, a lock held by another session exits 1 without running it (as `flock -n`).
//   lockstep status --cluster SPEC [--json] [--timeout 1s]
//       every member's status (a table, or a JSON array); 0 when a majority answered, else 1.
//   lockstep cluster up [--nodes 3] [--protocol raft|multipaxos] [--dir D] [--base-port P]
//       starts a local cluster of `lockstep node`s on 127.0.0.1 and stops it on Ctrl-C/SIGTERM.
//
// Exit codes (impl/cli/commands.hpp): 0 ok; 1 the operation failed (not held, session expired,
// another cluster, a node died); 2 bad usage (one line); 3 no answer before the deadline.
// `lock hold` exits with the command's status (128 + signal when a signal ended it; 127 when it
// could not be started).
#include <CLI/CLI.hpp>
#include <fcntl.h>
#include <fmt/core.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <signal.h>
#include <poll.h>
#include <spawn.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "impl/cli/commands.hpp"
#include "impl/runtime/client.hpp"
#include "impl/runtime/local.hpp"

extern char** environ;

namespace lockstep::cli {

namespace {

using namespace lockstep::runtime;
namespace fs = std::filesystem;

// ---------------------------------------------------------------------------------------------
// Shared helpers.

Cluster parse_cluster(const std::string& spec) {
  try {
    return Cluster::parse(spec);
  } catch (const ClusterError& e) {
    throw UsageError(e.what());
  }
}

Milliseconds parse_duration(const std::string& flag, const std::string& text, std::uint64_t min_ms = 1) {
  std::uint64_t ms = 0;
  try {
    ms = parse_duration_ms(text);
  } catch (const std::invalid_argument& e) {
    throw UsageError(flag + ": " + e.what());
  }
  if (ms < min_ms) throw UsageError(fmt::format("{}: must be at least {}", flag, describe_duration(Milliseconds(min_ms))));
  if (ms > 0xffffffffu) throw UsageError(flag + ": " + text + " is too long (at most 49 days)");
  return Milliseconds(ms);
}

int exit_for(const ClientError& e) { return e.kind == ClientErrorKind::unavailable ? exit_incomplete : exit_violation; }

int fail(const std::string& what, const ClientError& e) {
  fmt::print(stderr, "lockstep: {}: {}\n", what, e.what());
  return exit_for(e);
}

std::string self_exe() {
  std::error_code ec;
  const fs::path path = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("lockstep") : path.string();
}

// Blocks signals for this scope (so that sigtimedwait receives them); restores the mask after.
class BlockedSignals {
 public:
  explicit BlockedSignals(std::initializer_list<int> signals) {
    sigemptyset(&set_);
    for (int s : signals) sigaddset(&set_, s);
    pthread_sigmask(SIG_BLOCK, &set_, &previous_);
  }
  ~BlockedSignals() {
    // Drop what is still pending (a SIGCHLD of a reaped child) before unblocking.
    timespec zero{0, 0};
    while (sigtimedwait(&set_, nullptr, &zero) > 0) {
    }
    pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
  }
  BlockedSignals(const BlockedSignals&) = delete;
  BlockedSignals& operator=(const BlockedSignals&) = delete;
  // The next blocked signal, or 0 when `timeout` passed first. from_process: sent by kill(2)
  // (not by the kernel, e.g. a terminal's Ctrl-C, which reaches the whole process group).
  int wait(Milliseconds timeout, bool* from_process = nullptr) const {
    if (timeout.count() < 0) timeout = Milliseconds{0};
    timespec ts{static_cast<time_t>(timeout.count() / 1000), static_cast<long>((timeout.count() % 1000) * 1000000)};
    while (true) {
      siginfo_t info{};
      const int s = sigtimedwait(&set_, &info, &ts);
      if (from_process) *from_process = info.si_code == SI_USER || info.si_code == SI_QUEUE;
      if (s > 0) return s;
      if (errno == EAGAIN) return 0;
      if (errno != EINTR) return 0;
    }
  }

 private:
  sigset_t set_{};
  sigset_t previous_{};
};

const char* signal_name(int signal) {
  switch (signal) {
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
    case SIGHUP: return "SIGHUP";
    default: return "a signal";
  }
}

// While it exists, a thread reads SIGINT, SIGTERM and SIGHUP (blocked in every thread by a
// BlockedSignals made before any thread was started) and calls on_signal with each; signal()
// is the first one read, 0 if none. Destroying it stops the thread (an eventfd wakes its
// poll); signals that come later stay pending for the BlockedSignals' owner.
class SignalWatcher {
 public:
  explicit SignalWatcher(std::function<void(int)> on_signal) : on_signal_(std::move(on_signal)) {
    sigset_t set;
    sigemptyset(&set);
    for (int s : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&set, s);
    signals_ = signalfd(-1, &set, SFD_CLOEXEC);
    stop_ = eventfd(0, EFD_CLOEXEC);
    if (signals_ < 0 || stop_ < 0) {
      const int error = errno;
      close_fds();
      throw std::runtime_error(std::string("cannot watch for signals: ") + std::strerror(error));
    }
    thread_ = std::thread([this] { run(); });
  }
  ~SignalWatcher() {
    const std::uint64_t one = 1;
    if (::write(stop_, &one, sizeof one) < 0) {
      // cannot happen with a valid eventfd; the join below would then wait for a signal
    }
    thread_.join();
    close_fds();
  }
  SignalWatcher(const SignalWatcher&) = delete;
  SignalWatcher& operator=(const SignalWatcher&) = delete;
  int signal() const { return first_.load(); }

 private:
  void run() {
    while (true) {
      pollfd fds[2] = {{signals_, POLLIN, 0}, {stop_, POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0) {
        if (errno == EINTR) continue;
        return;
      }
      if (fds[1].revents != 0) return;
      signalfd_siginfo info{};
      if (::read(signals_, &info, sizeof info) != static_cast<ssize_t>(sizeof info)) continue;
      const int s = static_cast<int>(info.ssi_signo);
      int none = 0;
      first_.compare_exchange_strong(none, s);
      on_signal_(s);
    }
  }
  void close_fds() {
    if (signals_ >= 0) ::close(signals_);
    if (stop_ >= 0) ::close(stop_);
  }

  std::function<void(int)> on_signal_;
  int signals_ = -1;
  int stop_ = -1;
  std::atomic<int> first_{0};
  std::thread thread_;
};

// posix_spawn attributes for a child that should not inherit our blocked signals.
struct SpawnAttributes {
  posix_spawnattr_t attr{};
  explicit SpawnAttributes(bool own_process_group) {
    posix_spawnattr_init(&attr);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&attr, &none);
    sigset_t defaults;
    sigemptyset(&defaults);
    for (int s : {SIGINT, SIGTERM, SIGHUP, SIGCHLD, SIGPIPE}) sigaddset(&defaults, s);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
    if (own_process_group) {
      flags |= POSIX_SPAWN_SETPGROUP;
      posix_spawnattr_setpgroup(&attr, 0);
    }
    posix_spawnattr_setflags(&attr, flags);
  }
  ~SpawnAttributes() { posix_spawnattr_destroy(&attr); }
};

std::string describe_status(int status) {
  if (WIFEXITED(status)) return fmt::format("exited with status {}", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return fmt::format("killed by signal {} ({})", WTERMSIG(status), strsignal(WTERMSIG(status)));
  return "stopped";
}

// ---------------------------------------------------------------------------------------------
// lock acquire / release.

struct LockFlags {
  std::string name;
  std::string cluster;
  std::string ttl = "10s";
  std::string timeout = "30s";
  std::uint64_t token = 0;
  bool json = false;
  bool try_only = false;  // --try: do not wait when another session holds the lock
  std::vector<std::string> command;
};

void add_try_flag(CLI::App* app, bool& try_only) {
  app->add_flag("--try", try_only,
                "Do not wait: when another session holds the lock, close the session and exit 1 at once (as flock -n)");
}

// A lock's name: any text but the empty one (which names nothing a user could mean).
void add_name_argument(CLI::App* app, std::string& name) {
  app->add_option("NAME", name, "The lock's name")->required()->check([](const std::string& value) {
    return value.empty() ? std::string("a lock's name must not be empty") : std::string();
  });
}

void add_cluster_flag(CLI::App* app, std::string& cluster) {
  app->add_option("--cluster", cluster, "The members: 1=HOST:PORT,2=HOST:PORT,...")->required();
}

// A session that holds a lock: its client and the lock's fencing token.
struct Held {
  std::unique_ptr<LockClient> client;
  std::uint64_t token = 0;
};

// Why a lock was not acquired, for `lock acquire --json`: {lock, acquired: false, reason (held,
// timeout, interrupted or error), error (the line printed), session (0: none opened),
// session_closed}.
struct NotAcquired {
  int exit_code = exit_ok;
  Json json;
};

// Opens a session and acquires; returns {client, token}, or nullopt with `failure` set (the
// failure printed on one line). The caller blocks SIGINT, SIGTERM and SIGHUP (a BlockedSignals,
// before any thread exists): one of them while the session is opened or the lock awaited ends
// the wait at once and closes the session, as a timeout does, so that the lock is not handed to
// a process that gave up on it; exit 128 + the signal's number, as a shell's.
std::optional<Held> open_and_acquire(const LockFlags& flags, const char* what, NotAcquired& failure) {
  const Cluster cluster = parse_cluster(flags.cluster);
  const Milliseconds ttl = parse_duration("--ttl", flags.ttl, 10);
  const Milliseconds timeout = parse_duration("--timeout", flags.timeout);
  const auto deadline = Clock::now() + timeout;
  ClientOptions options;
  options.call_timeout = std::min(timeout, Milliseconds{10000});
  Held held{std::make_unique<LockClient>(cluster, options), 0};
  LockClient& client = *held.client;
  const SignalWatcher watcher([&client](int) { client.cancel(); });  // a second signal cancels the close
  // Records and prints (one line) why the lock was not acquired.
  // (`session`: the session the failure leaves behind, or closed; 0 when none was opened.)
  const auto fail_with = [&](int exit_code, const char* reason, const std::string& line, std::uint64_t session,
                             bool closed) {
    failure.exit_code = exit_code;
    failure.json = Json{{"lock", flags.name}, {"acquired", false}, {"reason", reason},
                        {"error", line},      {"session", session}, {"session_closed", closed}};
    fmt::print(stderr, "lockstep: {}: {}\n", what, line);
  };
  // Ends the session of a wait given up on (held, its deadline, or a signal), saying why.
  const auto close_after = [&](int exit_code, const char* reason, const std::string& why) {
    const std::uint64_t session = client.session();
    std::string after;
    bool closed = false;
    try {
      client.close(options.call_timeout);
      after = fmt::format("session {} closed", session);
      closed = true;
    } catch (const ClientError& e) {
      after = fmt::format("session {} could not be closed ({}) and may stay queued for it until its ttl of {} runs out",
                          session, e.what(), describe_duration(ttl));
    }
    fail_with(exit_code, reason, why + "; " + after, session, closed);
  };
  try {
    client.open(ttl, options.call_timeout);
  } catch (const ClientError& e) {
    if (e.kind == ClientErrorKind::cancelled) {
      fail_with(128 + watcher.signal(), "interrupted",
                fmt::format("interrupted ({}) while opening a session (one opened meanwhile ends after its ttl of {})",
                            signal_name(watcher.signal()), describe_duration(ttl)),
                client.session(), false);
    } else {
      fail_with(exit_for(e), e.kind == ClientErrorKind::unavailable ? "timeout" : "error",
                fmt::format("opening a session: {}", e.what()), client.session(), false);
    }
    return std::nullopt;
  }
  const auto left = std::chrono::duration_cast<Milliseconds>(deadline - Clock::now());
  try {
    if (!flags.try_only) {
      held.token = client.acquire(flags.name, std::max(left, Milliseconds{1}));
    } else if (const auto token = client.try_acquire(flags.name, std::max(left, Milliseconds{1}))) {
      held.token = *token;
    } else {
      close_after(exit_violation, "held", fmt::format("lock '{}' is held by another session (--try does not wait)", flags.name));
      return std::nullopt;
    }
  } catch (const ClientError& e) {
    if (e.kind == ClientErrorKind::cancelled) {
      close_after(128 + watcher.signal(), "interrupted",
                  fmt::format("interrupted ({}) while waiting for lock '{}'", signal_name(watcher.signal()), flags.name));
    } else if (e.kind == ClientErrorKind::unavailable) {
      // The session may be queued for the lock (or granted it meanwhile).
      close_after(exit_incomplete, "timeout",
                  fmt::format("lock '{}' not acquired within {} ({})", flags.name, describe_duration(timeout), e.what()));
    } else {
      fail_with(exit_for(e), "error", e.what(), client.session(), false);
    }
    return std::nullopt;
  }
  if (watcher.signal() != 0) {  // granted as the signal came: given up on all the same
    close_after(128 + watcher.signal(), "interrupted",
                fmt::format("interrupted ({}) as lock '{}' was granted (token {})", signal_name(watcher.signal()),
                            flags.name, held.token));
    return std::nullopt;
  }
  return held;
}

int run_acquire(const LockFlags& flags) {
  const BlockedSignals signals({SIGINT, SIGTERM, SIGHUP});  // read by open_and_acquire's watcher
  NotAcquired failure;
  const auto held = open_and_acquire(flags, "lock acquire", failure);
  if (!held) {
    if (flags.json) fmt::print("{}\n", failure.json.dump());
    return failure.exit_code;
  }
  if (flags.json) {
    Json out = Json::object();
    out["lock"] = flags.name;
    out["acquired"] = true;
    out["token"] = held->token;
    out["session"] = held->client->session();
    out["client"] = held->client->client_id();
    out["ttl_ms"] = held->client->ttl().count();
    out["leader"] = held->client->leader();
    fmt::print("{}\n", out.dump());
  } else {
    fmt::print("{}\n", held->token);
  }
  return exit_ok;
}

int run_release(const LockFlags& flags) {
  const Cluster cluster = parse_cluster(flags.cluster);
  const Milliseconds timeout = parse_duration("--timeout", flags.timeout);
  ClientOptions options;
  options.call_timeout = timeout;
  LockClient client(cluster, options);
  bool released = false;
  try {
    released = client.release_by_token(flags.name, flags.token);
  } catch (const ClientError& e) {
    return fail("lock release", e);
  }
  if (flags.json) {
    Json out = Json::object();
    out["lock"] = flags.name;
    out["token"] = flags.token;
    out["released"] = released;
    if (!released && client.last_call_uncertain()) out["uncertain"] = true;
    fmt::print("{}\n", out.dump());
  }
  if (!released) {
    fmt::print(stderr, "lockstep: lock release: lock '{}' is not held with token {} ({})\n", flags.name, flags.token,
               client.last_call_uncertain()
                   ? "the request was re-sent after an unanswered attempt, which may have released it"
                   : "released already, expired, or held now with a later token");
    return exit_violation;
  }
  if (!flags.json) fmt::print("released lock '{}' (token {})\n", flags.name, flags.token);
  return exit_ok;
}

// ---------------------------------------------------------------------------------------------
// lock hold.

std::vector<std::string> child_environment(const std::string& name, std::uint64_t token) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string_view entry(*e);
    if (entry.starts_with("LOCKSTEP_FENCING_TOKEN=") || entry.starts_with("LOCKSTEP_LOCK=")) continue;
    env.emplace_back(entry);
  }
  env.push_back("LOCKSTEP_FENCING_TOKEN=" + std::to_string(token));
  env.push_back("LOCKSTEP_LOCK=" + name);
  return env;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// Stops the child: SIGTERM, then SIGKILL if it has not exited after `grace`. Returns its status.
int stop_child(pid_t pid, const BlockedSignals& signals, Milliseconds grace) {
  kill(pid, SIGTERM);
  const auto deadline = Clock::now() + grace;
  int status = 0;
  while (Clock::now() < deadline) {
    if (waitpid(pid, &status, WNOHANG) == pid) return status;
    signals.wait(std::chrono::duration_cast<Milliseconds>(deadline - Clock::now()));
  }
  if (waitpid(pid, &status, WNOHANG) == pid) return status;
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  return status;
}

int run_hold(const LockFlags& flags) {
  if (flags.command.empty()) throw UsageError("lock hold: give the command to run after --");
  // Blocked before any thread or the child exists: read by open_and_acquire's watcher while the
  // lock is awaited, then by sigtimedwait here (so that the child's SIGCHLD cannot be missed).
  const BlockedSignals signals({SIGCHLD, SIGINT, SIGTERM, SIGHUP});
  NotAcquired failure;
  auto held = open_and_acquire(flags, "lock hold", failure);
  if (!held) return failure.exit_code;
  LockClient& client = *held->client;
  // A signal after the wait and before the command starts: the command would not see it.
  if (const int s = signals.wait(Milliseconds{0}); s == SIGINT || s == SIGTERM || s == SIGHUP) {
    std::string after = "released and closed";
    try {
      client.close();
    } catch (const ClientError& e) {
      after = fmt::format("not released ({}): it is held until the session's ttl of {} runs out", e.what(),
                          describe_duration(client.ttl()));
    }
    fmt::print(stderr, "lockstep: lock hold: interrupted ({}) before '{}' started; lock '{}' (token {}) {}\n",
               signal_name(s), flags.command[0], flags.name, held->token, after);
    return 128 + s;
  }

  std::vector<std::string> env = child_environment(flags.name, held->token);
  std::vector<std::string> argv = flags.command;
  auto env_c = c_strings(env);
  auto argv_c = c_strings(argv);
  SpawnAttributes attributes(/*own_process_group=*/false);
  pid_t pid = 0;
  const int spawn_error = posix_spawnp(&pid, argv[0].c_str(), nullptr, &attributes.attr, argv_c.data(), env_c.data());
  if (spawn_error != 0) {
    fmt::print(stderr, "lockstep: lock hold: cannot run '{}': {}\n", argv[0], std::strerror(spawn_error));
    try {
      client.close();  // releases the lock
    } catch (const ClientError&) {
    }
    return 127;
  }

  const std::uint64_t session = client.session();
  const Milliseconds period = client.keep_alive_period();
  const Milliseconds ttl = client.ttl();
  auto next_keep_alive = Clock::now() + period;
  auto last_confirmed = Clock::now();
  std::optional<int> status;
  std::string lost;
  while (!status) {
    bool from_process = false;
    const int s = signals.wait(std::chrono::duration_cast<Milliseconds>(next_keep_alive - Clock::now()), &from_process);
    if (s == SIGCHLD) {
      int child_status = 0;
      if (waitpid(pid, &child_status, WNOHANG) == pid) status = child_status;
      continue;
    }
    if (s == SIGINT || s == SIGTERM || s == SIGHUP) {
      // Forward what was sent to us alone; a terminal's Ctrl-C reached the command already (it
      // shares our process group). The command decides what to do; we release when it ends.
      if (from_process) kill(pid, s);
      continue;
    }
    if (Clock::now() < next_keep_alive) continue;
    next_keep_alive = Clock::now() + period;
    try {
      if (!client.keep_alive(period)) {
        lost = fmt::format("session {} expired", session);
      } else {
        last_confirmed = Clock::now();
      }
    } catch (const ClientError& e) {
      if (Clock::now() - last_confirmed > ttl) {
        lost = fmt::format("no keep-alive was answered for the session's whole ttl of {} ({})", describe_duration(ttl),
                           e.what());
      }
    }
    if (!lost.empty()) {
      fmt::print(stderr,
                 "lockstep: lock hold: {} while '{}' ran: lock '{}' (token {}) may be held by another now; stopping "
                 "the command (SIGTERM)\n",
                 lost, argv[0], flags.name, held->token);
      const int child_status = stop_child(pid, signals, Milliseconds{10000});
      fmt::print(stderr, "lockstep: lock hold: '{}' {}\n", argv[0], describe_status(child_status));
      return exit_violation;
    }
  }
  try {
    if (!client.release(flags.name, held->token)) {
      fmt::print(stderr, "lockstep: lock hold: lock '{}' was no longer held with token {} when '{}' ended\n", flags.name,
                 held->token, argv[0]);
    }
  } catch (const ClientError& e) {
    fmt::print(stderr, "lockstep: lock hold: could not release lock '{}' ({}); it stays held until the session ends\n",
               flags.name, e.what());
  }
  try {
    client.close();  // the session ends now rather than a ttl later (and anything it still holds passes on)
  } catch (const ClientError& e) {
    fmt::print(stderr, "lockstep: lock hold: could not close session {} ({}); it ends when its ttl of {} runs out\n",
               session, e.what(), describe_duration(ttl));
  }
  if (WIFEXITED(*status)) return WEXITSTATUS(*status);
  if (WIFSIGNALED(*status)) return 128 + WTERMSIG(*status);
  return exit_violation;
}

// ---------------------------------------------------------------------------------------------
// status.

struct StatusFlags {
  std::string cluster;
  std::string timeout = "1s";
  bool json = false;
};

std::string human_bytes(std::uint64_t bytes) {
  if (bytes < 1024) return fmt::format("{} B", bytes);
  if (bytes < 1024 * 1024) return fmt::format("{:.1f} KiB", static_cast<double>(bytes) / 1024);
  if (bytes < 1024ull * 1024 * 1024) return fmt::format("{:.1f} MiB", static_cast<double>(bytes) / (1024.0 * 1024));
  return fmt::format("{:.1f} GiB", static_cast<double>(bytes) / (1024.0 * 1024 * 1024));
}

std::string field(const Json& j, const char* key) {
  if (!j.contains(key) || j[key].is_null()) return "-";
  if (j[key].is_string()) return j[key].get<std::string>();
  return j[key].dump();
}

std::string suspected_peers(const Json& status) {
  std::string out;
  if (!status.contains("peers") || !status["peers"].is_array()) return "-";
  for (const Json& peer : status["peers"]) {
    if (!peer.value("suspected", false)) continue;
    if (!out.empty()) out += ", ";
    out += fmt::format("{} ({})", field(peer, "node"),
                       describe_duration(Milliseconds(peer.value("suspected_for_ms", std::int64_t{0}))));
  }
  return out.empty() ? "-" : out;
}

void print_status_table(const std::vector<MemberStatus>& statuses) {
  fmt::print("{:<5} {:<10} {:>5} {:>6} {:>15} {:>6} {:>9} {:>10}  {}\n", "node", "role", "term", "leader", "commit/applied",
             "log", "snapshot", "wal", "suspected peers (for)");
  for (const MemberStatus& m : statuses) {
    if (!m.status) {
      fmt::print("{:<5} unreachable: {}\n", m.member, m.error);
      continue;
    }
    const Json& s = *m.status;
    const std::string leader = s.value("leader", 0) == 0 ? std::string("none") : field(s, "leader");
    fmt::print("{:<5} {:<10} {:>5} {:>6} {:>15} {:>6} {:>9} {:>10}  {}\n", m.member, field(s, "role"), field(s, "term"),
               leader, field(s, "commit") + "/" + field(s, "applied"), field(s, "log_entries"), field(s, "snapshot_index"),
               s.contains("wal_bytes") && s["wal_bytes"].is_number() ? human_bytes(s["wal_bytes"].get<std::uint64_t>()) : "-",
               suspected_peers(s));
  }
}

int run_status(const StatusFlags& flags) {
  const Cluster cluster = parse_cluster(flags.cluster);
  const Milliseconds timeout = parse_duration("--timeout", flags.timeout);
  const auto statuses = query_status(cluster, timeout);
  std::size_t answered = 0;
  for (const MemberStatus& m : statuses) answered += m.status ? 1 : 0;
  if (flags.json) {
    Json out = Json::array();
    for (const MemberStatus& m : statuses) {
      if (m.status) out.push_back(*m.status);
      else out.push_back(Json{{"node", m.member}, {"error", m.error}});
    }
    fmt::print("{}\n", out.dump());
  } else {
    print_status_table(statuses);
  }
  if (answered * 2 <= cluster.size()) {
    fmt::print(stderr, "lockstep: status: only {} of {} members answered (no majority)\n", answered, cluster.size());
    return exit_violation;
  }
  return exit_ok;
}

// ---------------------------------------------------------------------------------------------
// cluster up.

struct ClusterFlags {
  int nodes = 3;
  std::string protocol = "raft";
  std::string dir;
  int base_port = 0;
  std::string ready_timeout = "10s";
};

// n free TCP ports on 127.0.0.1: from `base` upwards (probing), or chosen by the kernel (all
// bound at once so that they differ, then released for the nodes).
std::vector<std::uint16_t> free_ports(int n, int base) {
  std::vector<std::uint16_t> ports;
  std::vector<int> sockets;
  auto try_bind = [&](int port) -> int {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
      ::close(fd);
      return -1;
    }
    socklen_t length = sizeof address;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    sockets.push_back(fd);
    return ntohs(address.sin_port);
  };
  for (int port = base; static_cast<int>(ports.size()) < n;) {
    if (base == 0) {
      const int got = try_bind(0);
      if (got < 0) throw std::runtime_error("no free port on 127.0.0.1");
      ports.push_back(static_cast<std::uint16_t>(got));
      continue;
    }
    if (port > 65535) throw UsageError(fmt::format("--base-port {}: not {} free ports from there up to 65535", base, n));
    if (try_bind(port) >= 0) ports.push_back(static_cast<std::uint16_t>(port));
    ++port;
  }
  for (int fd : sockets) ::close(fd);
  return ports;
}

struct NodeProcess {
  std::uint8_t id = 0;
  pid_t pid = 0;
  fs::path log;
  std::optional<int> status;  // set once reaped
  bool stopped_by_us = false;
};

pid_t spawn_node(const std::string& exe, std::uint8_t id, const std::string& spec, const fs::path& data,
                 const std::string& protocol, const fs::path& log) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 2, 1);
  // Each node in its own process group: a terminal's Ctrl-C reaches `cluster up` only, which
  // stops the nodes in order (and tells a node that died on its own from one it stopped).
  SpawnAttributes attributes(/*own_process_group=*/true);
  std::vector<std::string> args = {"lockstep", "node",        "--id",       std::to_string(id), "--cluster",
                                   spec,       "--data",      data.string(), "--protocol",       protocol};
  auto argv = c_strings(args);
  pid_t pid = 0;
  const int error = posix_spawn(&pid, exe.c_str(), &actions, &attributes.attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (error != 0) throw std::runtime_error(fmt::format("cannot start node {}: {}", id, std::strerror(error)));
  return pid;
}

// Reaps every node that exited; returns those newly found dead.
std::vector<NodeProcess*> reap(std::vector<NodeProcess>& nodes) {
  std::vector<NodeProcess*> dead;
  for (NodeProcess& node : nodes) {
    if (node.status) continue;
    int status = 0;
    if (waitpid(node.pid, &status, WNOHANG) == node.pid) {
      node.status = status;
      dead.push_back(&node);
    }
  }
  return dead;
}

void stop_nodes(std::vector<NodeProcess>& nodes, const BlockedSignals& signals) {
  for (NodeProcess& node : nodes) {
    if (node.status) continue;
    node.stopped_by_us = true;
    kill(node.pid, SIGTERM);
  }
  const auto deadline = Clock::now() + Milliseconds{3000};
  while (Clock::now() < deadline) {
    reap(nodes);
    if (std::all_of(nodes.begin(), nodes.end(), [](const NodeProcess& n) { return n.status.has_value(); })) return;
    signals.wait(std::chrono::duration_cast<Milliseconds>(deadline - Clock::now()));
  }
  reap(nodes);
  for (NodeProcess& node : nodes) {
    if (node.status) continue;
    fmt::print(stderr, "lockstep: node {} (pid {}) did not stop within 3 s of SIGTERM: SIGKILL\n", node.id, node.pid);
    kill(node.pid, SIGKILL);
    int status = 0;
    waitpid(node.pid, &status, 0);
    node.status = status;
  }
}

void report_death(const NodeProcess& node) {
  fmt::print(stderr, "lockstep: cluster up: node {} (pid {}) died: {}; the end of its log ({}):\n{}", node.id, node.pid,
             describe_status(*node.status), node.log.string(), runtime::last_lines(node.log, 5));
}

// Waits (bounded) until a majority answers status and one of them names a leader. Returns the
// leader (0 when not ready in time) and its term.
std::pair<std::uint8_t, std::uint64_t> wait_ready(const Cluster& cluster, std::vector<NodeProcess>& nodes,
                                                  const BlockedSignals& signals, Milliseconds timeout, bool& interrupted) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    for (NodeProcess* dead : reap(nodes)) report_death(*dead);
    const auto statuses = query_status(cluster, Milliseconds{300});
    std::size_t answered = 0;
    std::uint8_t leader = 0;
    std::uint64_t term = 0;
    for (const MemberStatus& m : statuses) {
      if (!m.status) continue;
      ++answered;
      const auto named = m.status->value("leader", 0);
      const auto role = m.status->value("role", std::string());
      if (named == m.member && (role == "leader" || role == "leading")) {  // Raft's word, Multi-Paxos's
        leader = static_cast<std::uint8_t>(named);
        term = m.status->value("term", std::uint64_t{0});
      }
    }
    if (answered * 2 > cluster.size() && leader != 0) return {leader, term};
    const int s = signals.wait(Milliseconds{100});
    if (s == SIGINT || s == SIGTERM || s == SIGHUP) {
      interrupted = true;
      return {0, 0};
    }
  }
  return {0, 0};
}

int run_cluster_up(const ClusterFlags& flags) {
  if (flags.nodes % 2 == 0) {
    fmt::print(stderr, "lockstep: cluster up: warning: {} nodes tolerate {} failure{}, as {} do (an odd count is better)\n",
               flags.nodes, (flags.nodes - 1) / 2, (flags.nodes - 1) / 2 == 1 ? "" : "s", flags.nodes - 1);
  }
  fs::path dir = flags.dir;
  if (dir.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = (fs::path(tmp && *tmp ? tmp : "/tmp") / "lockstep-cluster-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      throw std::runtime_error(fmt::format("cannot create a directory like {}: {}", pattern, std::strerror(errno)));
    }
    dir = pattern;
  } else {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) throw UsageError(fmt::format("--dir {}: {}", dir.string(), ec.message()));
  }
  dir = fs::absolute(dir);

  // A directory that held a cluster before keeps its members (the nodes' data names them).
  const fs::path spec_file = dir / "cluster";
  std::string spec;
  if (fs::exists(spec_file)) {
    std::ifstream in(spec_file);
    std::getline(in, spec);
    const Cluster previous = parse_cluster(spec);
    if (previous.size() != static_cast<std::size_t>(flags.nodes)) {
      throw UsageError(fmt::format("--dir {} holds a cluster of {} nodes ({}): use another --dir, or --nodes {}",
                                   dir.string(), previous.size(), spec_file.string(), previous.size()));
    }
  } else {
    const auto ports = free_ports(flags.nodes, flags.base_port);
    for (int i = 0; i < flags.nodes; ++i) spec += fmt::format("{}{}=127.0.0.1:{}", i ? "," : "", i + 1, ports[i]);
  }
  const Cluster cluster = parse_cluster(spec);
  const Milliseconds ready_timeout = parse_duration("--ready-timeout", flags.ready_timeout);
  const std::string exe = self_exe();

  const BlockedSignals signals({SIGCHLD, SIGINT, SIGTERM, SIGHUP});
  std::vector<NodeProcess> nodes;
  for (const Member& m : cluster.members) {
    const fs::path log = dir / fmt::format("node-{}.log", m.id);
    const pid_t pid = spawn_node(exe, m.id, spec, dir / fmt::format("node-{}", m.id), flags.protocol, log);
    nodes.push_back(NodeProcess{m.id, pid, log, std::nullopt, false});
    std::ofstream(dir / fmt::format("node-{}.pid", m.id)) << pid << "\n";
  }
  bool interrupted = false;
  const auto [leader, term] = wait_ready(cluster, nodes, signals, ready_timeout, interrupted);
  if (leader == 0) {
    if (!interrupted) {
      fmt::print(stderr, "lockstep: cluster up: no leader with a majority answering within {}; stopping (logs in {})\n",
                 describe_duration(ready_timeout), dir.string());
    }
    stop_nodes(nodes, signals);
    return interrupted ? exit_ok : exit_violation;
  }
  {
    std::ofstream(dir / "cluster.tmp") << spec << "\n";
    fs::rename(dir / "cluster.tmp", spec_file);
  }
  fmt::print("lockstep: {} {} node{} on 127.0.0.1; data and logs in {}\n", flags.nodes, flags.protocol,
             flags.nodes == 1 ? "" : "s", dir.string());
  fmt::print("cluster: {}\n", spec);
  fmt::print("leader: node {} (term {})\n", leader, term);
  for (const NodeProcess& node : nodes) {
    fmt::print("  node {}: {}, pid {}, log {}\n", node.id, cluster.member(node.id).address(), node.pid, node.log.string());
  }
  fmt::print("try:\n  {0} lock acquire demo --cluster {1}\n  {0} lock hold demo --cluster {1} -- sh -c 'echo token "
             "$LOCKSTEP_FENCING_TOKEN'\n  {0} status --cluster {1}\nCtrl-C stops the cluster.\n",
             exe, spec);
  std::fflush(stdout);

  while (true) {
    const int s = signals.wait(Milliseconds{1000});
    for (NodeProcess* dead : reap(nodes)) report_death(*dead);
    if (s == SIGINT || s == SIGTERM || s == SIGHUP) break;
    if (std::all_of(nodes.begin(), nodes.end(), [](const NodeProcess& n) { return n.status.has_value(); })) {
      fmt::print(stderr, "lockstep: cluster up: every node has exited\n");
      return exit_violation;
    }
  }
  fmt::print(stderr, "lockstep: cluster up: stopping the nodes\n");
  stop_nodes(nodes, signals);
  std::vector<std::string> died;
  for (const NodeProcess& node : nodes) {
    if (!node.stopped_by_us) died.push_back(fmt::format("node {} ({})", node.id, describe_status(*node.status)));
  }
  if (!died.empty()) fmt::print(stderr, "lockstep: cluster up: died on their own meanwhile: {}\n", fmt::join(died, ", "));
  for (const NodeProcess& node : nodes) fs::remove(dir / fmt::format("node-{}.pid", node.id));
  fmt::print(stderr, "lockstep: cluster up: stopped; data and logs remain in {}\n", dir.string());
  return exit_ok;
}

}  // namespace

std::vector<Command> add_lock_commands(CLI::App& root) {
  std::vector<Command> commands;
  CLI::App* lock = root.add_subcommand("lock", "Acquire, hold and release locks of a running lock cluster");
  lock->require_subcommand(1);

  {
    auto flags = std::make_shared<LockFlags>();
    CLI::App* app = lock->add_subcommand("acquire", "Open a session, acquire the lock and print its fencing token");
    add_name_argument(app, flags->name);
    add_cluster_flag(app, flags->cluster);
    app->add_option("--ttl", flags->ttl, "The session's time-to-live (it holds the lock until then unless released)")
        ->capture_default_str();
    app->add_option("--timeout", flags->timeout, "Give up (exit 3) when not granted within this")->capture_default_str();
    add_try_flag(app, flags->try_only);
    app->add_flag("--json", flags->json,
                  "Print {lock, acquired: true, token, session, client, ttl_ms, leader}; when not acquired, {lock, "
                  "acquired: false, reason: held|timeout|interrupted|error, error, session, session_closed}");
    commands.push_back(Command{app, [flags] { return run_acquire(*flags); }});
  }
  {
    auto flags = std::make_shared<LockFlags>();
    flags->timeout = "5s";
    CLI::App* app = lock->add_subcommand("release", "Release a lock by its fencing token (exit 1 when not held with it)");
    add_name_argument(app, flags->name);
    app->add_option("--token", flags->token, "The fencing token the lock was granted with")->required();
    add_cluster_flag(app, flags->cluster);
    app->add_option("--timeout", flags->timeout, "Give up (exit 3) when no answer within this")->capture_default_str();
    app->add_flag("--json", flags->json, "Print {lock, token, released}");
    commands.push_back(Command{app, [flags] { return run_release(*flags); }});
  }
  {
    auto flags = std::make_shared<LockFlags>();
    CLI::App* app = lock->add_subcommand(
        "hold", "Acquire the lock, run a command while keeping it (LOCKSTEP_FENCING_TOKEN in its environment), release it");
    add_name_argument(app, flags->name);
    add_cluster_flag(app, flags->cluster);
    app->add_option("--ttl", flags->ttl, "The session's time-to-live (keep-alives every ttl/3)")->capture_default_str();
    app->add_option("--timeout", flags->timeout, "Give up (exit 3) when not granted within this")->capture_default_str();
    add_try_flag(app, flags->try_only);
    app->add_option("COMMAND", flags->command, "The command and its arguments, after --")->required();
    commands.push_back(Command{app, [flags] { return run_hold(*flags); }});
  }
  {
    auto flags = std::make_shared<StatusFlags>();
    CLI::App* app = root.add_subcommand("status", "Every member's status: role, term, leader, log, WAL, suspected peers");
    add_cluster_flag(app, flags->cluster);
    app->add_option("--timeout", flags->timeout, "How long to wait for each member")->capture_default_str();
    app->add_flag("--json", flags->json, "Print a JSON array of the members' status ({node, error} when unreachable)");
    commands.push_back(Command{app, [flags] { return run_status(*flags); }});
  }
  {
    auto flags = std::make_shared<ClusterFlags>();
    CLI::App* cluster = root.add_subcommand("cluster", "Run a local lock cluster");
    cluster->require_subcommand(1);
    CLI::App* app = cluster->add_subcommand("up", "Start a lock cluster on 127.0.0.1; Ctrl-C stops it");
    app->add_option("--nodes", flags->nodes, "How many nodes (1 to 9; odd is best)")
        ->check(CLI::Range(1, static_cast<int>(node_count_max)))
        ->capture_default_str();
    app->add_option("--protocol", flags->protocol, "raft or multipaxos")
        ->check(CLI::IsMember({"raft", "multipaxos"}))
        ->capture_default_str();
    app->add_option("--dir", flags->dir, "Data and logs here [default: a new directory under $TMPDIR]");
    app->add_option("--base-port", flags->base_port, "Use the first free ports from this one [default: any free]")
        ->check(CLI::Range(1, 65535));
    app->add_option("--ready-timeout", flags->ready_timeout, "Give up when no leader is elected within this")
        ->capture_default_str();
    commands.push_back(Command{app, [flags] { return run_cluster_up(*flags); }});
  }
  return commands;
}

}  // namespace lockstep::cli
