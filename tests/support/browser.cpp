// Test support: a headless Chromium driven over the Chrome DevTools Protocol (CDP), for tests that
// use a page as a person would (tests/support/browser.hpp says what each call does).
//
// How it works. Chromium is forked in a process group of its own (so that one SIGKILL takes every
// process it started) with PR_SET_PDEATHSIG (a test binary killed by a timeout takes it along);
// its stderr goes to a file, which we watch (inotify, and a pidfd for an early exit) until it names
// the DevTools address. One Asio io_context, run only from inside our calls, carries everything:
// the HTTP request for the page list, then the WebSocket to the page, on which a read is always
// pending. Each message read is dispatched at once: a reply is kept under its "id" for the call
// that waits for it (a reply nobody waits for any more is dropped), an event is recorded (page
// errors, lifecycle). A call writes its command and runs the io_context until its reply is there
// or its deadline passed (io_context::run_one_until: every wait is bounded, and a wait that timed
// out leaves the connection usable, the read still pending). Nothing sleeps.
#include "tests/support/browser.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <utility>

namespace lockstep::testing {

namespace {

namespace fs = std::filesystem;
namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;
using Milliseconds = std::chrono::milliseconds;

// An error answer of chromium to a command (the command itself failed, the connection is fine).
struct CdpError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A file descriptor closed when it goes out of scope.
struct Fd {
  int fd = -1;
  Fd() = default;
  explicit Fd(int fd) : fd(fd) {}
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
};

// The executable `name` as the shell finds it on the PATH.
std::optional<fs::path> find_in_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/local/bin:/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    const fs::path candidate = fs::path(dir.empty() ? "." : dir) / name;
    struct stat info {};
    if (::stat(candidate.c_str(), &info) == 0 && S_ISREG(info.st_mode) && ::access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
  }
  return std::nullopt;
}

std::string read_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The last `n` bytes of `text` (for error messages).
std::string tail(const std::string& text, std::size_t n = 4000) {
  return text.size() <= n ? text : "...\n" + text.substr(text.size() - n);
}

// The first `n` characters of a JavaScript expression (for error messages).
std::string shorten(const std::string& text, std::size_t n = 200) {
  return text.size() <= n ? text : text.substr(0, n) + "...";
}

Milliseconds remaining(Clock::time_point deadline) {
  return std::max(Milliseconds{0}, std::chrono::duration_cast<Milliseconds>(deadline - Clock::now()));
}

// ws://HOST:PORT/PATH, as chromium names its DevTools endpoints.
struct Endpoint {
  std::string host;
  std::uint16_t port = 0;
  std::string target;  // the path
};

std::optional<Endpoint> parse_ws_url(const std::string& url) {
  const std::string scheme = "ws://";
  if (url.rfind(scheme, 0) != 0) return std::nullopt;
  const std::size_t slash = url.find('/', scheme.size());
  const std::size_t length = slash == std::string::npos ? std::string::npos : slash - scheme.size();
  const std::string authority = url.substr(scheme.size(), length);
  const std::size_t colon = authority.rfind(':');
  if (colon == std::string::npos || colon + 1 == authority.size()) return std::nullopt;
  Endpoint endpoint;
  endpoint.host = authority.substr(0, colon);
  if (endpoint.host.size() > 2 && endpoint.host.front() == '[') {  // [::1]
    endpoint.host = endpoint.host.substr(1, endpoint.host.size() - 2);
  }
  const std::string port = authority.substr(colon + 1);
  if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  const int number = std::stoi(port);
  if (number <= 0 || number > 65535) return std::nullopt;
  endpoint.port = static_cast<std::uint16_t>(number);
  endpoint.target = slash == std::string::npos ? "/" : url.substr(slash);
  return endpoint;
}

// A CDP RemoteObject as text: its value, or what chromium says of it.
std::string describe(const Json& object) {
  if (object.contains("value")) {
    const Json& value = object.at("value");
    return value.is_string() ? value.get<std::string>() : value.dump(-1, ' ', false, Json::error_handler_t::replace);
  }
  if (object.contains("unserializableValue")) return object.value("unserializableValue", "");
  if (object.contains("description")) return object.value("description", "");
  return object.value("type", "undefined");
}

// CDP ExceptionDetails as text: "Uncaught Error: boom\n    at f (file:///x.html:3:9)" (the place
// added when the exception has no stack that names it: "Uncaught boom (file:///x.html:3:9)").
std::string describe_exception(const Json& details) {
  std::string text = details.value("text", "Uncaught");
  if (details.contains("exception")) {
    const std::string what = describe(details.at("exception"));
    // Chromium's text may end with the exception's first line already ("Uncaught (in promise) Error: x").
    const std::string first_line = what.substr(0, what.find('\n'));
    if (!first_line.empty() && text.size() >= first_line.size() &&
        text.compare(text.size() - first_line.size(), first_line.size(), first_line) == 0) {
      text.resize(text.size() - first_line.size());
      while (!text.empty() && text.back() == ' ') text.pop_back();
    }
    text += " " + what;
  }
  const std::string url = details.value("url", "");
  if (!url.empty() && text.find(url) == std::string::npos) {
    text += " (" + url + ":" + std::to_string(details.value("lineNumber", 0) + 1) + ":" +
            std::to_string(details.value("columnNumber", 0) + 1) + ")";
  }
  return text;
}

// The value of a RemoteObject returned by value (undefined: null).
Json value_of(const Json& object) {
  if (object.contains("value")) return object.at("value");
  if (object.contains("unserializableValue")) return object.at("unserializableValue");
  return Json();
}

// The errors with which a command fails when the page's document went away under it (a
// navigation): the command may be repeated in the next document.
bool document_went_away(const std::string& error) {
  for (const char* what : {"Execution context was destroyed", "Inspected target navigated or closed",
                           "Cannot find default execution context", "Promise was collected"}) {
    if (error.find(what) != std::string::npos) return true;
  }
  return false;
}

// The expression wait_for evaluates: a promise, resolved inside the page with {ok: true} when the
// condition holds, or with {ok: false, last: <its last exception>} when `ms` passed. The condition
// is checked at once, then at the next animation frame or after 20 ms, whichever comes first
// (frames stop when the page is hidden; timers go on).
std::string poll_script(const std::string& condition, Milliseconds ms) {
  return "new Promise((resolve) => {\n"
         "  const deadline = performance.now() + " + std::to_string(ms.count()) + ";\n"
         "  let last = '';\n"
         "  const check = () => {\n"
         "    try {\n"
         "      if (\n" + condition + "\n) { resolve({ok: true}); return; }\n"
         "    } catch (e) { last = String((e && e.stack) || e); }\n"
         "    if (performance.now() >= deadline) { resolve({ok: false, last}); return; }\n"
         "    let fired = false;\n"
         "    const next = () => { if (!fired) { fired = true; check(); } };\n"
         "    requestAnimationFrame(next);\n"
         "    setTimeout(next, 20);\n"
         "  };\n"
         "  check();\n"
         "})";
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Browser::Impl.

struct Browser::Impl {
  explicit Impl(Milliseconds timeout) : timeout(timeout) {}
  ~Impl();
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  void start();
  Endpoint launch(const fs::path& program, const fs::path& profile, Clock::time_point deadline);
  std::string http_request(http::verb verb, const std::string& target, const Endpoint& at, Clock::time_point deadline);
  std::string find_page(const Endpoint& browser, Clock::time_point deadline);
  void connect(const Endpoint& page, Clock::time_point deadline);

  // Runs the io_context until `done` (set by a handler of an operation on `stream`); at the
  // deadline the stream is closed, which completes whatever is pending on it.
  void run_until(const bool& done, Clock::time_point deadline, beast::tcp_stream& stream);
  // Runs the io_context until `done()` holds; throws at the deadline (the connection stays usable)
  // or when the connection is lost.
  void pump_until(const std::function<bool()>& done, Clock::time_point deadline, const std::string& what);
  void read_next();
  void on_message(const std::string& text);
  void write(std::string text, Clock::time_point deadline);
  void fail(const std::string& why);
  // Sends a command and waits for its reply: its "result". Throws CdpError when chromium answers
  // with an error, std::runtime_error on a timeout or a lost connection.
  Json call(const std::string& method, const Json& params, Clock::time_point deadline);

  Json evaluate(const std::string& expression, Clock::time_point deadline);
  void open(const std::string& url);
  void wait_for(const std::string& condition, Milliseconds timeout);
  void set_file_input(const std::string& selector, const std::string& path);
  std::vector<std::string> page_errors();

  bool exited();                         // reaps chromium when it has exited
  std::string chromium_state();           // "chromium exited with 1" / "chromium is running", and its stderr
  std::string lost(const std::string& what);  // the message for a lost connection

  Milliseconds timeout;
  fs::path dir;          // ours: profile/ and chromium.log
  fs::path log_path;     // chromium's stdout and stderr
  pid_t pid = 0;         // chromium, the leader of its process group
  std::optional<int> exit_status;  // once reaped: its exit code, or 128 + the signal
  int pidfd = -1;        // readable when chromium exits (-1: no pidfd on this kernel)

  net::io_context ioc;
  websocket::stream<beast::tcp_stream> ws{ioc};
  beast::flat_buffer incoming;
  std::string outgoing;
  bool write_done = false;
  beast::error_code write_error;
  std::optional<std::string> broken;  // why the connection is unusable

  int next_id = 0;
  std::set<int> awaited;          // ids of the commands a call waits for
  std::map<int, Json> replies;    // their replies, by id
  std::vector<std::string> errors;                      // what page_errors() returns
  std::set<std::pair<std::string, std::string>> lifecycle;  // (loaderId, name) of Page.lifecycleEvent
  std::size_t contexts_created = 0;  // Runtime.executionContextCreated events
};

Browser::Impl::~Impl() {
  beast::error_code ignored;
  auto& socket = beast::get_lowest_layer(ws).socket();
  if (socket.is_open()) socket.close(ignored);
  // The pending read completes (aborted) here; whatever else is queued is destroyed with ioc.
  try {
    ioc.restart();
    ioc.poll();
  } catch (...) {
  }
  if (pid > 0) {
    ::kill(-pid, SIGKILL);  // chromium and every process it started (zygotes, renderers, GPU)
    if (!exit_status) {
      ::kill(pid, SIGKILL);  // should it not have made its group yet
      int status = 0;
      while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
    }
  }
  if (pidfd >= 0) ::close(pidfd);
  if (!dir.empty()) {
    // A killed process of chromium's may still finish a write it had begun: a second try.
    std::error_code ec;
    for (int attempt = 0; attempt < 3 && fs::exists(dir, ec); ++attempt) fs::remove_all(dir, ec);
  }
}

bool Browser::Impl::exited() {
  if (exit_status) return true;
  if (pid <= 0) return false;
  int status = 0;
  if (::waitpid(pid, &status, WNOHANG) != pid) return false;
  exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return true;
}

std::string Browser::Impl::chromium_state() {
  std::string state = exited() ? "chromium exited with " + std::to_string(*exit_status) : "chromium is running";
  return state + "; its stderr:\n" + tail(read_file(log_path));
}

std::string Browser::Impl::lost(const std::string& what) {
  return "Browser: the DevTools connection is lost (" + broken.value_or("?") + ") " + what + "; " + chromium_state();
}

void Browser::Impl::start() {
  const auto deadline = Clock::now() + timeout;
  const auto chromium = find_in_path("chromium");
  if (!chromium) throw std::runtime_error("Browser: no chromium on the PATH");
  std::string pattern = (fs::temp_directory_path() / "lockstep-chromium-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("Browser: mkdtemp " + pattern + ": " + std::strerror(errno));
  }
  dir = pattern;
  const fs::path profile = dir / "profile";
  fs::create_directory(profile);
  log_path = dir / "chromium.log";

  const Endpoint browser = launch(*chromium, profile, deadline);
  connect(Endpoint{browser.host, browser.port, find_page(browser, deadline)}, deadline);
  read_next();
  // Uncaught exceptions and console calls (Runtime), lifecycle events of each navigation (Page).
  call("Runtime.enable", Json::object(), deadline);
  call("Page.enable", Json::object(), deadline);
  call("Page.setLifecycleEventsEnabled", {{"enabled", true}}, deadline);
}

Endpoint Browser::Impl::launch(const fs::path& program, const fs::path& profile, Clock::time_point deadline) {
  // Everything the child needs, prepared before fork (after it only async-signal-safe calls).
  std::vector<std::string> args = {program.string(),
                                   "--headless",
                                   "--no-sandbox",
                                   "--disable-gpu",
                                   "--no-first-run",
                                   "--disable-background-networking",
                                   "--disable-component-update",
                                   "--disable-sync",
                                   "--disable-extensions",
                                   "--user-data-dir=" + profile.string(),
                                   "--remote-debugging-port=0",
                                   "about:blank"};
  std::vector<char*> c_args;
  for (std::string& a : args) c_args.push_back(a.data());
  c_args.push_back(nullptr);
  const Fd in(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  const Fd log(::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
  if (in.fd < 0 || log.fd < 0) throw std::runtime_error("Browser: open " + log_path.string() + ": " + std::strerror(errno));
  // Woken by every write to the log (-1: no inotify; then we look every 20 ms).
  const Fd watch(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
  if (watch.fd >= 0) ::inotify_add_watch(watch.fd, log_path.c_str(), IN_MODIFY);

  const pid_t parent = ::getpid();
  const pid_t child = ::fork();
  if (child < 0) throw std::runtime_error(std::string("Browser: fork: ") + std::strerror(errno));
  if (child == 0) {
    ::setpgid(0, 0);                     // a group of its own: one kill takes all it starts
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // the test binary dies (a ctest timeout): so does chromium
    if (::getppid() != parent) ::_exit(127);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::dup2(in.fd, 0);
    ::dup2(log.fd, 1);
    ::dup2(log.fd, 2);
    ::execv(c_args[0], c_args.data());
    ::_exit(127);
  }
  pid = child;
  ::setpgid(child, child);  // as the child does: whichever runs first (it fails once the child has exec'd)
  pidfd = static_cast<int>(::syscall(SYS_pidfd_open, child, 0));

  const std::string banner = "DevTools listening on ";
  while (true) {
    const std::string text = read_file(log_path);
    const std::size_t at = text.find(banner);
    const std::size_t end = at == std::string::npos ? std::string::npos : text.find('\n', at);
    if (end != std::string::npos) {
      std::string url = text.substr(at + banner.size(), end - at - banner.size());
      while (!url.empty() && std::isspace(static_cast<unsigned char>(url.back()))) url.pop_back();
      const auto endpoint = parse_ws_url(url);
      if (!endpoint) throw std::runtime_error("Browser: cannot read chromium's DevTools address '" + url + "'");
      return *endpoint;
    }
    if (exited()) {
      throw std::runtime_error("Browser: chromium exited with " + std::to_string(*exit_status) +
                               " before it listened; its stderr:\n" + tail(text));
    }
    if (Clock::now() >= deadline) {
      throw std::runtime_error("Browser: chromium did not say where DevTools listen within " +
                               std::to_string(timeout.count()) + " ms; its stderr:\n" + tail(text));
    }
    // Until chromium writes to its log or exits (or the deadline).
    pollfd fds[2] = {{watch.fd, POLLIN, 0}, {pidfd, POLLIN, 0}};
    int wait = static_cast<int>(remaining(deadline).count());
    if (watch.fd < 0 || pidfd < 0) wait = std::min(wait, 20);
    ::poll(fds, 2, wait);  // a negative descriptor is skipped
    char buffer[4096];
    while (watch.fd >= 0 && ::read(watch.fd, buffer, sizeof buffer) > 0) {
    }
  }
}

void Browser::Impl::run_until(const bool& done, Clock::time_point deadline, beast::tcp_stream& stream) {
  bool closed = false;
  while (!done) {
    if (ioc.stopped()) ioc.restart();
    if (closed) {
      ioc.run_one();  // the aborted operation completes at once
    } else if (ioc.run_one_until(deadline) == 0 && Clock::now() >= deadline) {
      beast::error_code ignored;
      stream.socket().close(ignored);
      closed = true;
    }
  }
}

std::string Browser::Impl::http_request(http::verb verb, const std::string& target, const Endpoint& at,
                                        Clock::time_point deadline) {
  const std::string what =
      "HTTP " + std::string(http::to_string(verb)) + " " + target + " on port " + std::to_string(at.port);
  beast::tcp_stream stream(ioc);
  stream.expires_at(deadline);  // every operation on it fails at the deadline
  beast::error_code error;
  bool done = false;
  const auto handler = [&](beast::error_code ec, std::size_t = 0) {
    error = ec;
    done = true;
  };
  stream.async_connect(tcp::endpoint(net::ip::make_address(at.host), at.port), [&](beast::error_code ec) { handler(ec); });
  run_until(done, deadline, stream);
  if (error) throw std::runtime_error("Browser: " + what + ": connect: " + error.message());

  http::request<http::empty_body> request{verb, target, 11};
  request.set(http::field::host, at.host + ":" + std::to_string(at.port));
  done = false;
  http::async_write(stream, request, handler);
  run_until(done, deadline, stream);
  if (error) throw std::runtime_error("Browser: " + what + ": " + error.message());

  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  done = false;
  http::async_read(stream, buffer, response, handler);
  run_until(done, deadline, stream);
  if (error) throw std::runtime_error("Browser: " + what + ": " + error.message());
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  if (response.result() != http::status::ok) {
    throw std::runtime_error("Browser: " + what + ": " + std::to_string(response.result_int()) + " " + response.body());
  }
  return response.body();
}

std::string Browser::Impl::find_page(const Endpoint& browser, Clock::time_point deadline) {
  const auto page_of = [&](const Json& target) -> std::optional<std::string> {
    if (!target.is_object() || target.value("type", "") != "page") return std::nullopt;
    const auto endpoint = parse_ws_url(target.value("webSocketDebuggerUrl", ""));
    if (!endpoint) return std::nullopt;
    return endpoint->target;
  };
  const std::string listing = http_request(http::verb::get, "/json/list", browser, deadline);
  const Json targets = Json::parse(listing, nullptr, false);
  if (!targets.is_array()) throw std::runtime_error("Browser: /json/list is not a list: " + tail(listing, 1000));
  for (const Json& target : targets) {
    if (auto page = page_of(target)) return *page;
  }
  // No page yet (chromium listed its targets before making its first tab): one of our own.
  const std::string made = http_request(http::verb::put, "/json/new?about:blank", browser, deadline);
  if (auto page = page_of(Json::parse(made, nullptr, false))) return *page;
  throw std::runtime_error("Browser: chromium has no page and made none: " + tail(listing, 1000) + "\n" + tail(made, 1000));
}

void Browser::Impl::connect(const Endpoint& page, Clock::time_point deadline) {
  auto& stream = beast::get_lowest_layer(ws);
  beast::error_code error;
  bool done = false;
  stream.expires_at(deadline);
  stream.async_connect(tcp::endpoint(net::ip::make_address(page.host), page.port), [&](beast::error_code ec) {
    error = ec;
    done = true;
  });
  run_until(done, deadline, stream);
  if (error) {
    throw std::runtime_error("Browser: connect to DevTools on port " + std::to_string(page.port) + ": " + error.message());
  }

  // From here the WebSocket's own timeout bounds the handshake; reads are bounded by our calls.
  stream.expires_never();
  auto options = websocket::stream_base::timeout::suggested(beast::role_type::client);
  options.handshake_timeout = std::max(remaining(deadline), Milliseconds{1});
  options.idle_timeout = websocket::stream_base::none();
  options.keep_alive_pings = false;
  ws.set_option(options);
  ws.read_message_max(std::size_t{256} << 20);
  done = false;
  ws.async_handshake(page.host + ":" + std::to_string(page.port), page.target, [&](beast::error_code ec) {
    error = ec;
    done = true;
  });
  run_until(done, deadline, stream);
  if (error) throw std::runtime_error("Browser: WebSocket handshake with " + page.target + ": " + error.message());
  ws.text(true);
}

void Browser::Impl::fail(const std::string& why) {
  if (!broken) broken = why;
}

void Browser::Impl::read_next() {
  ws.async_read(incoming, [this](beast::error_code ec, std::size_t) {
    if (ec) {
      fail(ec.message());
      return;  // no read pending any more: pump_until sees `broken`
    }
    const std::string text = beast::buffers_to_string(incoming.data());
    incoming.consume(incoming.size());
    on_message(text);
    read_next();
  });
}

void Browser::Impl::on_message(const std::string& text) {
  Json message = Json::parse(text, nullptr, false);
  if (message.is_discarded() || !message.is_object()) return;
  if (message.contains("id")) {
    const Json& id = message.at("id");
    if (id.is_number_integer() && awaited.count(id.get<int>()) != 0) replies[id.get<int>()] = std::move(message);
    return;  // else the reply to a call that gave up waiting
  }
  const std::string method = message.value("method", "");
  const Json params = message.value("params", Json::object());
  if (method == "Runtime.exceptionThrown") {
    errors.push_back(describe_exception(params.value("exceptionDetails", Json::object())));
  } else if (method == "Runtime.consoleAPICalled") {
    const std::string type = params.value("type", "");
    if (type != "error" && type != "assert") return;
    std::string line = "console." + type + ":";
    for (const Json& arg : params.value("args", Json::array())) line += " " + describe(arg);
    errors.push_back(line);
  } else if (method == "Runtime.executionContextCreated") {
    ++contexts_created;
  } else if (method == "Page.lifecycleEvent") {
    lifecycle.emplace(params.value("loaderId", ""), params.value("name", ""));
  } else if (method == "Inspector.targetCrashed") {
    fail("the page crashed");
  } else if (method == "Inspector.detached") {
    fail("detached: " + params.value("reason", ""));
  }
}

void Browser::Impl::pump_until(const std::function<bool()>& done, Clock::time_point deadline, const std::string& what) {
  while (!done()) {
    if (broken) throw std::runtime_error(lost(what));
    if (Clock::now() >= deadline) throw std::runtime_error("Browser: timed out " + what + " (" + chromium_state() + ")");
    if (ioc.stopped()) ioc.restart();
    ioc.run_one_until(deadline);
  }
}

void Browser::Impl::write(std::string text, Clock::time_point deadline) {
  outgoing = std::move(text);
  write_done = false;
  ws.async_write(net::buffer(outgoing), [this](beast::error_code ec, std::size_t) {
    write_error = ec;
    write_done = true;
  });
  run_until(write_done, deadline, beast::get_lowest_layer(ws));
  if (write_error) {
    fail(Clock::now() >= deadline ? "a write timed out" : "write: " + write_error.message());
    throw std::runtime_error(lost("sending a command"));
  }
}

Json Browser::Impl::call(const std::string& method, const Json& params, Clock::time_point deadline) {
  const std::string what = "waiting for chromium's answer to " + method;
  if (broken) throw std::runtime_error(lost(what));
  const int id = ++next_id;
  awaited.insert(id);
  struct Forget {  // however the call ends, a late reply is dropped
    Impl& impl;
    int id;
    ~Forget() {
      impl.awaited.erase(id);
      impl.replies.erase(id);
    }
  } forget{*this, id};
  const Json command = {{"id", id}, {"method", method}, {"params", params}};
  write(command.dump(-1, ' ', false, Json::error_handler_t::replace), deadline);
  pump_until([&] { return replies.count(id) != 0; }, deadline, what);
  const Json& reply = replies.at(id);
  if (reply.contains("error")) {
    const Json error = reply.at("error");
    std::string text = method + ": " + error.value("message", "error");
    if (error.contains("data")) text += " (" + describe(Json{{"value", error.at("data")}}) + ")";
    throw CdpError("Browser: " + text);
  }
  return reply.value("result", Json::object());
}

Json Browser::Impl::evaluate(const std::string& expression, Clock::time_point deadline) {
  const Json params = {
      {"expression", expression}, {"awaitPromise", true}, {"returnByValue", true}, {"userGesture", true}};
  const Json result = call("Runtime.evaluate", params, deadline);
  if (result.contains("exceptionDetails")) {
    throw std::runtime_error("Browser: evaluate(" + shorten(expression) +
                             "): " + describe_exception(result.at("exceptionDetails")));
  }
  return value_of(result.value("result", Json::object()));
}

void Browser::Impl::open(const std::string& url) {
  const auto deadline = Clock::now() + timeout;
  lifecycle.clear();
  const Json navigated = call("Page.navigate", {{"url", url}}, deadline);
  const std::string error = navigated.value("errorText", "");
  if (!error.empty()) throw std::runtime_error("Browser: open " + url + ": " + error);
  // The load of this navigation's document (a navigation within the document has no loader).
  const std::string loader = navigated.value("loaderId", "");
  if (!loader.empty()) {
    pump_until([&] { return lifecycle.count({loader, "load"}) != 0; }, deadline, "waiting for " + url + " to load");
  }
  wait_for("document.readyState === 'complete'", remaining(deadline));
}

void Browser::Impl::wait_for(const std::string& condition, Milliseconds wait) {
  const auto deadline = Clock::now() + wait;
  // The page answers by itself at its deadline; ours is later, for a page that does not answer
  // (busy in a loop, or gone).
  const auto grace = std::min(timeout, Milliseconds{5000});
  std::string last;
  while (true) {
    const std::size_t contexts = contexts_created;
    Json outcome;
    try {
      outcome = evaluate(poll_script(condition, remaining(deadline)), deadline + grace);
    } catch (const CdpError& e) {
      if (!document_went_away(e.what()) || Clock::now() >= deadline) throw;
      // The page navigated: once its next document has a context, the condition is checked there.
      last = e.what();
      pump_until([&] { return contexts_created != contexts; }, deadline + grace, "waiting for the next document");
      continue;
    }
    if (outcome.is_object() && outcome.value("ok", false)) return;
    if (outcome.is_object()) last = outcome.value("last", last);
    throw std::runtime_error("Browser: wait_for(" + shorten(condition) + ") not true within " +
                             std::to_string(wait.count()) + " ms" +
                             (last.empty() ? "" : " (last exception: " + last + ")"));
  }
}

void Browser::Impl::set_file_input(const std::string& selector, const std::string& path) {
  const auto deadline = Clock::now() + timeout;
  std::error_code ec;
  const fs::path file = fs::absolute(path, ec);
  if (ec || !fs::is_regular_file(file, ec)) throw std::runtime_error("Browser: set_file_input: no file " + path);
  const Json document = call("DOM.getDocument", {{"depth", 0}}, deadline);
  const int root = document.value("root", Json::object()).value("nodeId", 0);
  const Json found = call("DOM.querySelector", {{"nodeId", root}, {"selector", selector}}, deadline);
  const int node = found.value("nodeId", 0);
  if (node == 0) throw std::runtime_error("Browser: set_file_input: nothing matches " + selector);
  call("DOM.setFileInputFiles", {{"files", Json::array({file.string()})}, {"nodeId", node}}, deadline);
}

std::vector<std::string> Browser::Impl::page_errors() {
  // Chromium sends the page's events and its answers in order: once this is answered, whatever the
  // page reported before has been read.
  try {
    call("Runtime.evaluate", {{"expression", "0"}}, Clock::now() + timeout);
  } catch (const std::exception& e) {
    std::vector<std::string> out = errors;
    out.push_back(std::string("(could not ask the page for its latest errors: ") + e.what() + ")");
    return out;
  }
  return errors;
}

// ---------------------------------------------------------------------------------------------
// Browser.

Browser::Browser(std::chrono::milliseconds timeout) : impl_(std::make_unique<Impl>(timeout)) {
  impl_->start();  // should it throw, impl_ is destroyed: chromium killed, the profile removed
}

Browser::~Browser() = default;
Browser::Browser(Browser&& other) noexcept = default;
Browser& Browser::operator=(Browser&& other) noexcept = default;

void Browser::open(const std::string& url) { impl_->open(url); }

Json Browser::evaluate(const std::string& expression) { return impl_->evaluate(expression, Clock::now() + impl_->timeout); }

void Browser::wait_for(const std::string& condition, std::chrono::milliseconds timeout) {
  impl_->wait_for(condition, timeout);
}

void Browser::set_file_input(const std::string& selector, const std::string& path) {
  impl_->set_file_input(selector, path);
}

std::vector<std::string> Browser::page_errors() const { return impl_->page_errors(); }

bool chromium_available() { return find_in_path("chromium").has_value(); }

}  // namespace lockstep::testing
