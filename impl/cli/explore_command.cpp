// `lockstep explore PROTOCOL [its options] [--port 8080] [--host 127.0.0.1] [--trace FILE]
//                  [--check-seconds 120]`:
// serves the explorer (traces/explorer.hpp) on a local HTTP port (Boost.Beast over Boost.Asio),
// until Ctrl-C. The page starts at the initial states; `--trace FILE` (a counterexample `check`
// wrote, or any ITF trace) opens it at that trace instead. `--port 0` takes a free port; the
// address is printed on stdout, one line, once the port listens:
//   lockstep explore: raft at http://127.0.0.1:8080/ (Ctrl-C to stop)
//
// Routes: GET / (the page), GET /api/session, POST /api/view (a path: the view of its last state),
// POST /api/check (runs `check` with the command line's bounds; one at a time), POST /api/stop
// (stops that check: it answers, incomplete, with the figures so far), POST
// /api/trace?name=N (an ITF trace as the body). Answers are JSON; a bad request gets 400 and
// {"error": "..."} saying what is wrong with it.
//
// Exit codes: 0 stopped by Ctrl-C (or SIGTERM); 2 bad usage, an unreadable trace, or a port that
// cannot be listened on.
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <atomic>
#include <cctype>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "checker/registry.hpp"
#include "impl/cli/commands.hpp"
#include "traces/explorer.hpp"

namespace lockstep::cli {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct ExploreFlags {
  std::string host = "127.0.0.1";
  int port = 8080;
  std::string trace;
  double check_seconds = 120;
};

// A trace as the page uploads it, and as --trace reads it: up to this many bytes.
constexpr std::size_t body_bytes_max = std::size_t{64} << 20;

using Response = http::response<http::string_body>;

Response json_response(http::status status, const Json& body, unsigned version, bool keep_alive) {
  Response response{status, version};
  response.set(http::field::content_type, "application/json");
  response.set(http::field::cache_control, "no-store");
  response.keep_alive(keep_alive);
  response.body() = body.dump(-1, ' ', false, Json::error_handler_t::replace);
  response.prepare_payload();
  return response;
}

Response error_response(http::status status, const std::string& message, unsigned version, bool keep_alive) {
  return json_response(status, Json{{"error", message}}, version, keep_alive);
}

// The query's `name` parameter (percent-decoded), or "".
std::string query_name(std::string_view target) {
  const auto question = target.find('?');
  if (question == std::string_view::npos) return "";
  std::string_view query = target.substr(question + 1);
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    if (pair.substr(0, 5) == "name=") {
      std::string out;
      const std::string_view value = pair.substr(5);
      for (std::size_t i = 0; i < value.size(); ++i) {
        if (value[i] == '%' && i + 2 < value.size() && std::isxdigit(static_cast<unsigned char>(value[i + 1])) &&
            std::isxdigit(static_cast<unsigned char>(value[i + 2]))) {
          out += static_cast<char>(std::stoi(std::string(value.substr(i + 1, 2)), nullptr, 16));
          i += 2;
        } else {
          out += value[i] == '+' ? ' ' : value[i];
        }
      }
      return out;
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return "";
}

class Server {
 public:
  Server(Explorer& explorer, const ExploreFlags& flags, Json startup_trace)
      : explorer_(explorer), flags_(flags), startup_trace_(std::move(startup_trace)) {}

  // What a request is answered (an /api/check runs on its own thread: `done` gets the answer).
  void handle(http::request<http::string_body> request, std::function<void(Response)> done);
  // Stops a running check and waits for it.
  void stop_checks() {
    check_stop_.store(true);
    std::lock_guard<std::mutex> lock(check_mutex_);
    if (check_thread_.joinable()) check_thread_.join();
  }

 private:
  Explorer& explorer_;
  const ExploreFlags& flags_;
  Json startup_trace_;
  std::mutex check_mutex_;
  std::thread check_thread_;
  bool check_running_ = false;
  std::atomic<bool> check_stop_{false};
};

void Server::handle(http::request<http::string_body> request, std::function<void(Response)> done) {
  const unsigned version = request.version();
  const bool keep_alive = request.keep_alive();
  const std::string target(request.target());
  const std::string path = target.substr(0, target.find('?'));
  const auto answer = [&](const std::function<Json()>& body) {
    try {
      done(json_response(http::status::ok, body(), version, keep_alive));
    } catch (const ExplorerError& e) {
      done(error_response(http::status::bad_request, e.what(), version, keep_alive));
    } catch (const Json::exception& e) {
      done(error_response(http::status::bad_request, std::string("request body: ") + e.what(), version, keep_alive));
    } catch (const std::exception& e) {
      done(error_response(http::status::internal_server_error, e.what(), version, keep_alive));
    }
  };
  const auto body_json = [&]() -> Json {
    try {
      return Json::parse(request.body());
    } catch (const Json::parse_error& e) {
      throw ExplorerError(std::string("request body: not JSON: ") + e.what());
    }
  };
  const bool get = request.method() == http::verb::get || request.method() == http::verb::head;
  const bool post = request.method() == http::verb::post;
  if (path == "/" || path == "/index.html") {
    if (!get) return done(error_response(http::status::method_not_allowed, "GET " + path, version, keep_alive));
    Response response{http::status::ok, version};
    response.set(http::field::content_type, "text/html; charset=utf-8");
    response.set(http::field::cache_control, "no-store");
    response.keep_alive(keep_alive);
    response.body() = explorer_page();
    response.prepare_payload();
    return done(std::move(response));
  }
  if (path == "/api/session") {
    if (!get) return done(error_response(http::status::method_not_allowed, "GET " + path, version, keep_alive));
    return answer([&] {
      Json session = explorer_.session();
      session["trace"] = startup_trace_;
      session["check_seconds"] = flags_.check_seconds;
      return session;
    });
  }
  if (!post && (path == "/api/view" || path == "/api/check" || path == "/api/trace" || path == "/api/stop")) {
    return done(error_response(http::status::method_not_allowed, "POST " + path, version, keep_alive));
  }
  if (path == "/api/view") return answer([&] { return explorer_.view(body_json()); });
  if (path == "/api/stop") {  // stops the running check, if any: it answers its own request, incomplete
    std::lock_guard<std::mutex> lock(check_mutex_);
    if (check_running_) check_stop_.store(true);
    return done(json_response(http::status::ok, Json{{"stopping", check_running_}}, version, keep_alive));
  }
  if (path == "/api/trace") {
    return answer([&] {
      const std::string name = query_name(target);
      return explorer_.load_trace(request.body(), name.empty() ? "uploaded trace" : name);
    });
  }
  if (path == "/api/check") {
    std::lock_guard<std::mutex> lock(check_mutex_);
    if (check_running_) {
      return done(error_response(http::status::conflict, "a check is running already; wait for its result", version, keep_alive));
    }
    if (check_thread_.joinable()) check_thread_.join();
    check_running_ = true;
    check_stop_.store(false);
    check_thread_ = std::thread([this, version, keep_alive, done = std::move(done)] {
      Response response;
      try {
        response = json_response(http::status::ok, explorer_.check(flags_.check_seconds, check_stop_), version, keep_alive);
      } catch (const std::exception& e) {
        response = error_response(http::status::internal_server_error, e.what(), version, keep_alive);
      }
      {
        std::lock_guard<std::mutex> relock(check_mutex_);
        check_running_ = false;
      }
      done(std::move(response));
    });
    return;
  }
  done(error_response(http::status::not_found, "no such page: " + path, version, keep_alive));
}

// One connection: requests read and answered in turn (keep-alive), each read bounded in time.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Server& server) : stream_(std::move(socket)), server_(server) {}
  void start() { read(); }

 private:
  void read() {
    parser_.emplace();
    parser_->body_limit(body_bytes_max);
    stream_.expires_after(std::chrono::minutes(5));  // an idle keep-alive connection is closed
    http::async_read(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->on_read(ec);
    });
  }

  void on_read(beast::error_code ec) {
    if (ec == http::error::body_limit) {
      return write(error_response(http::status::payload_too_large,
                                  fmt::format("request body over {} MB", body_bytes_max >> 20), 11, false));
    }
    if (ec) return close();  // end of stream, timeout, a malformed request
    auto self = shared_from_this();
    server_.handle(parser_->release(), [self](Response response) {
      // From the check's thread too: the write runs on this connection's strand.
      asio::dispatch(self->stream_.get_executor(),
                     [self, response = std::move(response)]() mutable { self->write(std::move(response)); });
    });
  }

  void write(Response response) {
    auto held = std::make_shared<Response>(std::move(response));
    stream_.expires_after(std::chrono::minutes(1));
    http::async_write(stream_, *held, [self = shared_from_this(), held](beast::error_code ec, std::size_t) {
      if (ec || !held->keep_alive()) return self->close();
      self->read();
    });
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
  }

  beast::tcp_stream stream_;
  Server& server_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
};

void accept(tcp::acceptor& acceptor, Server& server) {
  acceptor.async_accept(asio::make_strand(acceptor.get_executor()), [&acceptor, &server](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted) return;  // stopping
    if (!ec) std::make_shared<Session>(std::move(socket), server)->start();
    accept(acceptor, server);
  });
}

std::string read_trace_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError("--trace " + path + ": cannot be read");
  std::ostringstream text;
  text << in.rdbuf();
  if (!in.good() && !in.eof()) throw UsageError("--trace " + path + ": read error");
  return text.str();
}

int serve(const ProtocolEntry& entry, ProtocolArgs& args, const ExploreFlags& flags, const std::string& command) {
  Explorer explorer(entry, args, command);
  Json startup_trace;
  if (!flags.trace.empty()) {
    try {
      startup_trace = explorer.load_trace(read_trace_text(flags.trace), flags.trace);
    } catch (const ExplorerError& e) {
      throw UsageError(std::string("--trace ") + e.what());
    }
  }
  asio::io_context io;
  tcp::acceptor acceptor(io);
  try {
    // An address (127.0.0.1, ::1) or a name (localhost): its first address.
    tcp::resolver resolver(io);
    const auto found = resolver.resolve(flags.host, std::to_string(flags.port),
                                        tcp::resolver::passive | tcp::resolver::numeric_service);
    if (found.empty()) throw UsageError(fmt::format("explore: --host {}: no address", flags.host));
    const tcp::endpoint endpoint = found.begin()->endpoint();
    acceptor.open(endpoint.protocol());
    acceptor.set_option(asio::socket_base::reuse_address(true));
    acceptor.bind(endpoint);
    acceptor.listen();
  } catch (const boost::system::system_error& e) {
    throw UsageError(fmt::format("explore: cannot listen on {}:{}: {}", flags.host, flags.port, e.code().message()));
  }
  Server server(explorer, flags, std::move(startup_trace));
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](beast::error_code, int) {
    beast::error_code ignored;
    acceptor.close(ignored);
    io.stop();
  });
  accept(acceptor, server);
  const auto bound = acceptor.local_endpoint();
  const std::string host = bound.address().is_v6() ? "[" + bound.address().to_string() + "]" : bound.address().to_string();
  fmt::print("lockstep explore: {} at http://{}:{}/ (Ctrl-C to stop)\n", entry.name, host, bound.port());
  std::fflush(stdout);
  std::thread second([&io] { io.run(); });  // two threads answer: a long view does not hold up the page
  io.run();
  second.join();
  server.stop_checks();
  fmt::print("lockstep explore: stopped\n");
  return exit_ok;
}

}  // namespace

std::vector<Command> add_explore_commands(CLI::App& root) {
  CLI::App* explore = root.add_subcommand(
      "explore", "Walk a protocol's model by hand in the browser: enabled actions, states, properties, counterexamples");
  explore->require_subcommand(1);
  std::vector<Command> commands;
  for (const ProtocolEntry& entry : protocols()) {
    auto args = std::make_shared<ProtocolArgs>(entry.defaults());
    auto flags = std::make_shared<ExploreFlags>();
    CLI::App* command = explore->add_subcommand(entry.name, entry.description);
    add_protocol_options(command, entry, *args);
    command->add_option("--port", flags->port, "TCP port to serve the page on (0 = any free port; the address is printed)")
        ->check(CLI::Range(0, 65535))
        ->capture_default_str();
    command->add_option("--host", flags->host, "Address to listen on (the page has no authentication: keep it local)")
        ->capture_default_str();
    command->add_option("--trace", flags->trace, "Open the page at this trace (ITF, e.g. a counterexample `check` wrote)");
    command->add_option("--check-seconds", flags->check_seconds, "The page's Check button stops a search after this long")
        ->check(CLI::Range(0.1, 86400.0))
        ->capture_default_str();
    commands.push_back({command, [=, &entry]() -> int {
                          if (auto stop = handle_bug(entry, *args)) return *stop;
                          std::string line = "lockstep explore " + entry.name;
                          for (const auto& [flag, value] : args->values) line += " " + flag + " " + std::to_string(value);
                          for (const auto& flag : args->switches) line += " " + flag;
                          for (const auto& [flag, value] : args->choices) line += " " + flag + " " + value;
                          if (!args->bug.empty()) line += " --bug " + args->bug;
                          return serve(entry, *args, *flags, line);
                        }});
  }
  return commands;
}

}  // namespace lockstep::cli
