// Test support for the runtime's integration tests: processes, ports, per-test directories and a
// cluster of `lockstep node`s (tests/support/processes.hpp says what each piece is for).
#include "tests/support/processes.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "impl/runtime/local.hpp"
#include "impl/runtime/wire.hpp"

namespace lockstep::testing {

std::string lockstep_binary() { return LOCKSTEP_BINARY; }

namespace {

// The running test's directory (TestDir sets it): where its processes write their logs and their
// data (each node's WAL, in a subdirectory).
fs::path current_test_dir;

// An inotify descriptor watching `dir` and its subdirectories for writes and new files: what the
// processes of a test do whenever their state changes (a node logs a role change, appends to its
// WAL). -1 when there is nothing to watch.
int watch_tree(const fs::path& dir) {
  if (dir.empty()) return -1;
  const int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) return -1;
  constexpr std::uint32_t events = IN_MODIFY | IN_CREATE | IN_CLOSE_WRITE | IN_MOVED_TO | IN_DELETE;
  ::inotify_add_watch(fd, dir.c_str(), events);
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.is_directory(ec)) ::inotify_add_watch(fd, entry.path().c_str(), events);
  }
  return fd;
}

}  // namespace

Milliseconds scaled(Milliseconds timeout) {
#ifdef LOCKSTEP_TEST_TIMEOUT_FACTOR
  return timeout * LOCKSTEP_TEST_TIMEOUT_FACTOR;
#else
  return timeout;
#endif
}

namespace {

// Blocks until `fd` is readable (an event) or `wait` passed, then drains what it holds.
void await_event(int fd, Clock::duration wait) {
  const auto ms = std::max<long>(0, std::chrono::duration_cast<Milliseconds>(wait).count());
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, fd >= 0 ? 1 : 0, static_cast<int>(ms)) > 0) {
    char buffer[4096];
    while (::read(fd, buffer, sizeof buffer) > 0) {
    }
  }
}

}  // namespace

bool wait_until(const std::function<bool()>& condition, Milliseconds timeout, Milliseconds poll) {
  const auto deadline = Clock::now() + scaled(timeout);
  const int fd = watch_tree(current_test_dir);
  bool held = condition();
  while (!held && Clock::now() < deadline) {
    // Woken by the next write of the test's processes, or re-checked after `poll` at the latest
    // (a condition read over the network, e.g. a follower's applied index, changes without one).
    await_event(fd, std::min<Clock::duration>(poll, deadline - Clock::now()));
    held = condition();
  }
  if (fd >= 0) ::close(fd);
  return held;
}

std::string read_text(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::size_t count_of(const std::string& text, const std::string& needle) {
  std::size_t count = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size())) ++count;
  return count;
}

// ---------------------------------------------------------------------------------------------
// Ports.

std::vector<std::uint16_t> free_ports(int n) { return runtime::free_loopback_ports(n); }

// ---------------------------------------------------------------------------------------------
// TestDir.

TestDir::TestDir() {
  static std::atomic<int> counter{0};
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = info ? fmt::format("{}-{}", info->test_suite_name(), info->name()) : "no-test";
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') c = '_';
  }
  path_ = fs::path(::testing::TempDir()) / fmt::format("lockstep-{}-{}-{}", name, ::getpid(), ++counter);
  fs::remove_all(path_);
  fs::create_directories(path_);
  current_test_dir = path_;
}

TestDir::~TestDir() {
  if (current_test_dir == path_) current_test_dir.clear();
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  if (info && info->result()->Failed()) {
    std::fprintf(stderr, "[ kept     ] %s\n", path_.c_str());
    return;
  }
  std::error_code ec;
  fs::remove_all(path_, ec);
}

// ---------------------------------------------------------------------------------------------
// Process.

Process Process::spawn(const std::vector<std::string>& argv, const fs::path& out, const fs::path& err) {
  if (argv.empty()) throw std::runtime_error("Process::spawn: no program");
  // Everything the child needs, prepared before fork (after it only async-signal-safe calls).
  std::vector<std::string> args = argv;
  std::vector<char*> c_args;
  for (std::string& a : args) c_args.push_back(a.data());
  c_args.push_back(nullptr);
  const std::string out_path = out.string();
  const std::string err_path = err.string();
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // the test binary dies (a ctest timeout): so do we
    if (::getppid() != parent) ::_exit(127);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    const int in_fd = ::open("/dev/null", O_RDONLY);
    const int out_fd = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    const int err_fd = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (in_fd < 0 || out_fd < 0 || err_fd < 0) ::_exit(127);
    ::dup2(in_fd, 0);
    ::dup2(out_fd, 1);
    ::dup2(err_fd, 2);
    ::execv(c_args[0], c_args.data());
    ::_exit(127);
  }
  Process process;
  process.pid_ = pid;
  return process;
}

Process::~Process() {
  if (pid_ > 0 && !exit_code_) kill9();
}

Process::Process(Process&& other) noexcept : pid_(other.pid_), exit_code_(other.exit_code_) {
  other.pid_ = 0;
  other.exit_code_.reset();
}

Process& Process::operator=(Process&& other) noexcept {
  if (this != &other) {
    if (pid_ > 0 && !exit_code_) kill9();
    pid_ = other.pid_;
    exit_code_ = other.exit_code_;
    other.pid_ = 0;
    other.exit_code_.reset();
  }
  return *this;
}

void Process::reap_if_exited(int options) {
  if (pid_ <= 0 || exit_code_) return;
  int status = 0;
  const pid_t got = ::waitpid(pid_, &status, options);
  if (got != pid_) return;
  if (WIFEXITED(status)) exit_code_ = WEXITSTATUS(status);
  else if (WIFSIGNALED(status)) exit_code_ = 128 + WTERMSIG(status);
}

bool Process::running() {
  reap_if_exited(WNOHANG);
  return pid_ > 0 && !exit_code_;
}

void Process::signal(int signal) const {
  if (pid_ > 0 && !exit_code_) ::kill(pid_, signal);
}

std::optional<int> Process::wait_exit(Milliseconds timeout) {
  if (!running()) return exit_code_;
  // The exit itself is the event: a pidfd becomes readable when the process ends.
  const int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
  if (fd < 0) {  // no pidfd (a kernel before 5.3): re-check on the test's writes and every 5 ms
    wait_until([&] { return !running(); }, timeout, Milliseconds{5});
    return exit_code_;
  }
  pollfd p{fd, POLLIN, 0};
  ::poll(&p, 1, static_cast<int>(scaled(timeout).count()));
  ::close(fd);
  reap_if_exited(WNOHANG);
  return exit_code_;
}

int Process::kill9() {
  if (pid_ <= 0) return -1;
  if (!exit_code_) {
    ::kill(pid_, SIGKILL);
    ::kill(pid_, SIGCONT);
    reap_if_exited(0);
  }
  return exit_code_.value_or(-1);
}

// ---------------------------------------------------------------------------------------------
// RawSocket.

namespace {

int remaining_ms(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<Milliseconds>(deadline - Clock::now()).count();
  return left < 0 ? 0 : static_cast<int>(left);
}

}  // namespace

RawSocket::RawSocket(std::uint16_t port, Milliseconds timeout) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd_ < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  const int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 && errno != EINPROGRESS) {
    const std::string why = std::strerror(errno);
    ::close(fd_);
    throw std::runtime_error(fmt::format("connect to 127.0.0.1:{}: {}", port, why));
  }
  pollfd p{fd_, POLLOUT, 0};
  int error = 0;
  socklen_t length = sizeof error;
  if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1 ||
      ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &error, &length) != 0 || error != 0) {
    ::close(fd_);
    throw std::runtime_error(fmt::format("connect to 127.0.0.1:{}: {}", port, error ? std::strerror(error) : "timed out"));
  }
}

RawSocket::~RawSocket() {
  if (fd_ >= 0) ::close(fd_);
}

bool RawSocket::write(const std::string& bytes, Milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  std::size_t at = 0;
  while (at < bytes.size()) {
    const ssize_t n = ::send(fd_, bytes.data() + at, bytes.size() - at, MSG_NOSIGNAL);
    if (n > 0) {
      at += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
      pollfd p{fd_, POLLOUT, 0};
      if (::poll(&p, 1, remaining_ms(deadline)) <= 0) return false;
      continue;
    }
    return false;
  }
  return true;
}

std::optional<std::string> RawSocket::read(std::size_t n, Milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  std::string out;
  char buffer[4096];
  while (out.size() < n) {
    const ssize_t got = ::recv(fd_, buffer, std::min(sizeof buffer, n - out.size()), 0);
    if (got > 0) {
      out.append(buffer, static_cast<std::size_t>(got));
      continue;
    }
    if (got == 0) return std::nullopt;
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, remaining_ms(deadline)) <= 0) return std::nullopt;
      continue;
    }
    return std::nullopt;
  }
  return out;
}

bool RawSocket::closed_by_peer(Milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  char buffer[4096];
  while (true) {
    const ssize_t got = ::recv(fd_, buffer, sizeof buffer, 0);
    if (got == 0) return true;
    if (got > 0) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, remaining_ms(deadline)) <= 0) return false;
      continue;
    }
    return true;  // reset
  }
}

std::optional<std::pair<std::uint8_t, std::string>> RawSocket::read_frame(Milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  const auto header = read(4, timeout);
  if (!header) return std::nullopt;
  std::uint32_t length = 0;
  for (int i = 0; i < 4; ++i) length |= static_cast<std::uint32_t>(static_cast<unsigned char>((*header)[i])) << (8 * i);
  if (length < 2 || length > runtime::frame_limit_default) return std::nullopt;
  const auto body = read(length, std::chrono::duration_cast<Milliseconds>(deadline - Clock::now()));
  if (!body) return std::nullopt;
  return std::make_pair(static_cast<std::uint8_t>((*body)[1]), body->substr(2));
}

// ---------------------------------------------------------------------------------------------
// TestCluster.

TestCluster::TestCluster(ClusterOptions options) : options_(std::move(options)) {
  const auto ports = free_ports(options_.nodes);
  for (int i = 0; i < options_.nodes; ++i) spec_ += fmt::format("{}{}=127.0.0.1:{}", i ? "," : "", i + 1, ports[i]);
  cluster_ = runtime::Cluster::parse(spec_);
  nodes_.resize(static_cast<std::size_t>(options_.nodes));
  if (options_.start) {
    for (int id = 1; id <= options_.nodes; ++id) start(id);
  }
}

TestCluster::~TestCluster() {
  for (Process& node : nodes_) node.kill9();
}

fs::path TestCluster::data_dir(int id) const { return dir() / fmt::format("n{}", id); }
fs::path TestCluster::log_path(int id) const { return dir() / fmt::format("node-{}.log", id); }
fs::path TestCluster::record_path(int id) const { return dir() / fmt::format("node-{}.ndjson", id); }

std::vector<std::string> TestCluster::node_args(int id) const {
  std::vector<std::string> args = {lockstep_binary(), "node",       "--id",     std::to_string(id),
                                   "--cluster",       spec_,        "--data",   data_dir(id).string(),
                                   "--protocol",      options_.protocol, "--allow-faults"};
  if (options_.record) {
    args.push_back("--record");
    args.push_back(record_path(id).string());
  }
  for (const std::string& a : options_.extra_args) args.push_back(a);
  return args;
}

fs::path TestCluster::newest_wal(int id) const {
  fs::path newest;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(data_dir(id), ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("wal-", 0) == 0 && name.find('.') == std::string::npos && (newest.empty() || entry.path() > newest)) {
      newest = entry.path();
    }
  }
  return newest;
}

void TestCluster::start(int id) {
  Process& node = nodes_.at(static_cast<std::size_t>(id - 1));
  if (node.running()) throw std::logic_error(fmt::format("node {} is running already", id));
  paused_.erase(id);
  node = Process::spawn(node_args(id), dir() / fmt::format("node-{}.out", id), log_path(id));
}

bool TestCluster::running(int id) { return nodes_.at(static_cast<std::size_t>(id - 1)).running(); }

void TestCluster::kill9(int id) {
  nodes_.at(static_cast<std::size_t>(id - 1)).kill9();
  paused_.erase(id);
}

std::optional<int> TestCluster::wait_exit(int id, Milliseconds timeout) {
  return nodes_.at(static_cast<std::size_t>(id - 1)).wait_exit(timeout);
}

std::optional<int> TestCluster::stop(int id, Milliseconds timeout) {
  Process& node = nodes_.at(static_cast<std::size_t>(id - 1));
  if (paused(id)) resume(id);
  node.signal(SIGTERM);
  return node.wait_exit(timeout);
}

void TestCluster::stop_all(Milliseconds timeout) {
  for (int id = 1; id <= size(); ++id) {
    if (paused(id)) resume(id);
    nodes_[static_cast<std::size_t>(id - 1)].signal(SIGTERM);
  }
  for (int id = 1; id <= size(); ++id) nodes_[static_cast<std::size_t>(id - 1)].wait_exit(timeout);
}

void TestCluster::pause(int id) {
  nodes_.at(static_cast<std::size_t>(id - 1)).signal(SIGSTOP);
  paused_.insert(id);
}

void TestCluster::resume(int id) {
  nodes_.at(static_cast<std::size_t>(id - 1)).signal(SIGCONT);
  paused_.erase(id);
}

bool TestCluster::fault(int id, std::uint32_t no_send, std::uint32_t no_receive, Milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  auto left = [&] { return std::max(Milliseconds{1}, std::chrono::duration_cast<Milliseconds>(deadline - Clock::now())); };
  try {
    RawSocket socket(cluster_.member(static_cast<std::uint8_t>(id)).port, timeout);
    lockstep::Bytes frames;
    runtime::append_frame(frames, runtime::FrameKind::hello, runtime::Hello{cluster_.id(), runtime::WireProtocol::raft, 0});
    runtime::append_frame(frames, runtime::FrameKind::fault, runtime::Fault{no_send, no_receive});
    if (!socket.write(std::string(frames.data(), frames.size()), left())) return false;
    for (int frames_read = 0; frames_read < 4; ++frames_read) {
      const auto frame = socket.read_frame(left());
      if (!frame) return false;
      if (frame->first == static_cast<std::uint8_t>(runtime::FrameKind::fault)) return true;
    }
  } catch (const std::exception&) {
    return false;
  }
  return false;
}

std::vector<runtime::MemberStatus> TestCluster::statuses(Milliseconds timeout) {
  std::vector<runtime::MemberStatus> out;
  for (const runtime::Member& m : cluster_.members) {
    if (!running(m.id) || paused(m.id)) continue;
    runtime::MemberStatus member{m.id, status(m.id, timeout), {}};
    if (!member.status) member.error = "no status";
    out.push_back(std::move(member));
  }
  return out;
}

std::optional<Json> TestCluster::status(int id, Milliseconds timeout) {
  if (!status_client_) status_client_ = client();
  try {
    return status_client_->status(static_cast<std::uint8_t>(id), timeout);
  } catch (const runtime::ClientError&) {
    return std::nullopt;
  }
}

std::uint8_t TestCluster::leader(Milliseconds timeout) {
  const auto all = statuses(timeout);
  for (const runtime::MemberStatus& candidate : all) {
    if (!candidate.status || candidate.status->value("leader", 0) != candidate.member) continue;
    std::size_t votes = 0;
    for (const runtime::MemberStatus& m : all) {
      if (m.status && m.status->value("leader", 0) == candidate.member) ++votes;
    }
    if (votes * 2 > static_cast<std::size_t>(size())) return candidate.member;
  }
  return 0;
}

std::uint8_t TestCluster::wait_for_leader(Milliseconds timeout, std::uint8_t not_this) {
  std::uint8_t found = 0;
  wait_until(
      [&] {
        found = leader();
        return found != 0 && found != not_this;
      },
      timeout);
  return found != not_this ? found : 0;
}

runtime::ClientOptions TestCluster::default_client_options() {
  runtime::ClientOptions options;
  options.attempt_timeout = Milliseconds{500};
  options.call_timeout = Milliseconds{10000};
  options.acquire_timeout = Milliseconds{15000};
  return options;
}

std::unique_ptr<runtime::LockClient> TestCluster::client(runtime::ClientOptions options) {
  return std::make_unique<runtime::LockClient>(cluster_, std::move(options));
}

std::string logs(const TestCluster& cluster) {
  std::string out;
  for (int id = 1; id <= cluster.size(); ++id) {
    std::string text = cluster.log(id);
    if (text.size() > 3000) text = "...\n" + text.substr(text.size() - 3000);
    out += fmt::format("--- node {} ---\n{}", id, text);
  }
  return out;
}

}  // namespace lockstep::testing
