// The lock service's client library (impl/runtime/client.hpp): connections, the retry loop
// that finds the leader and re-sends the same (client, sequence), and the typed calls.
#include "impl/runtime/client.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <array>
#include <deque>
#include <limits>
#include <random>

namespace lockstep::runtime {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

std::int64_t steady_ns(Clock::time_point t = Clock::now()) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

std::uint32_t random_client_id() {
  std::random_device device;
  std::mt19937 generator(device());
  std::uniform_int_distribution<std::uint32_t> pick(1, std::numeric_limits<std::uint32_t>::max());
  return pick(generator);
}

std::uint64_t micros_since_epoch() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
}

// Runs the io_context's handlers until `done` or the deadline; false when the deadline passed
// (or nothing is left that could make `done` true).
bool run_io_until(asio::io_context& io, Clock::time_point deadline, const std::function<bool()>& done) {
  while (!done()) {
    if (Clock::now() >= deadline) return false;
    if (io.stopped()) io.restart();
    if (io.run_one_until(deadline) == 0 && io.stopped() && Clock::now() < deadline) {
      io.restart();
      if (io.poll_one() == 0) return done();  // no work left at all
    }
  }
  return true;
}

std::string describe_answer(const LockOutput& output) {
  std::string text;
  sm::print_lock_answer(text, output.answer, output.session, output.token);
  return text;
}

}  // namespace

std::string describe_duration(Milliseconds duration) {
  const auto ms = duration.count();
  if (ms < 1000) return fmt::format("{} ms", ms);
  std::string text = fmt::format("{:.1f}", static_cast<double>(ms) / 1000.0);
  if (text.ends_with(".0")) text.resize(text.size() - 2);
  return text + " s";
}

std::string_view event_type_name(ClientEvent::Type type) {
  switch (type) {
    case ClientEvent::Type::invoke: return "invoke";
    case ClientEvent::Type::ok: return "ok";
    case ClientEvent::Type::fail: return "fail";
    case ClientEvent::Type::info: return "info";
  }
  return "?";
}

Json history_event(const ClientEvent& event, const Json& process) {
  Json out = Json::object();
  out["process"] = process;
  out["type"] = std::string(event_type_name(event.type));
  out["f"] = event.f;
  if (event.f != "close") out["key"] = event.key;  // a close is of every lock
  if (!event.value.is_null()) out["value"] = event.value;
  out["time"] = event.time_ns;
  if (!event.error.empty()) out["error"] = event.error;
  return out;
}

// One TCP connection to a member: dials, sends our Hello, reads frames into a queue. Handlers
// hold a shared_ptr to it, so a connection dropped with operations pending stays valid until
// their (aborted) handlers have run.
namespace detail {

struct Frame {
  FrameKind kind;
  std::string payload;
};

struct Connection : std::enable_shared_from_this<Connection> {
  Connection(asio::io_context& io, Member member, std::uint64_t cluster_id)
      : socket(io), resolver(io), member(std::move(member)), cluster_id(cluster_id) {}

  tcp::socket socket;
  tcp::resolver resolver;
  const Member member;
  const std::uint64_t cluster_id;
  bool connected = false;
  bool failed = false;
  bool foreign = false;  // refused our Hello, or answered for another cluster
  std::string error;     // why it failed
  std::optional<Hello> hello;  // the node's
  std::deque<Frame> frames;    // received after the node's Hello
  std::string inbox;
  std::array<char, 64 * 1024> chunk{};
  std::string outbox;
  std::string writing;

  std::string name() const { return fmt::format("member {} ({})", member.id, member.address()); }

  void start() {
    Bytes hello_frame;
    append_frame(hello_frame, FrameKind::hello, Hello{cluster_id, WireProtocol::raft, 0});
    outbox.append(hello_frame.data(), hello_frame.size());
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(member.host, ec);
    if (!ec) {
      dial(std::vector<tcp::endpoint>{tcp::endpoint(address, member.port)});
      return;
    }
    resolver.async_resolve(member.host, std::to_string(member.port),
                           [self = shared_from_this()](const boost::system::error_code& e, tcp::resolver::results_type r) {
                             if (self->failed) return;
                             if (e) return self->fail("cannot resolve " + self->member.host + ": " + e.message());
                             self->dial(std::vector<tcp::endpoint>(r.begin(), r.end()));
                           });
  }

  void dial(const std::vector<tcp::endpoint>& endpoints) {
    asio::async_connect(socket, endpoints, [self = shared_from_this()](const boost::system::error_code& e, const tcp::endpoint&) {
      if (self->failed) return;
      if (e) return self->fail(e.message());
      self->connected = true;
      boost::system::error_code ignored;
      self->socket.set_option(tcp::no_delay(true), ignored);
      self->flush();
      self->read();
    });
  }

  void send(const Bytes& frame) {
    if (failed) return;
    outbox.append(frame.data(), frame.size());
    if (connected) flush();
  }

  void flush() {
    if (!writing.empty() || outbox.empty() || failed) return;
    writing.swap(outbox);
    asio::async_write(socket, asio::buffer(writing), [self = shared_from_this()](const boost::system::error_code& e, std::size_t) {
      if (self->failed) return;
      if (e) return self->fail("sending: " + e.message());
      self->writing.clear();
      self->flush();
    });
  }

  void read() {
    socket.async_read_some(asio::buffer(chunk), [self = shared_from_this()](const boost::system::error_code& e, std::size_t n) {
      if (self->failed) return;
      if (e) {
        if (e == asio::error::eof && !self->hello) {
          self->foreign = true;
          return self->fail("closed the connection at the handshake (a node of another cluster, or not a lockstep node?)");
        }
        return self->fail(e == asio::error::eof ? std::string("closed the connection") : e.message());
      }
      self->inbox.append(self->chunk.data(), n);
      try {
        self->split_frames();
      } catch (const WireError& w) {
        return self->fail(std::string("sent a bad frame: ") + w.what());
      }
      if (!self->failed) self->read();
    });
  }

  void split_frames() {
    std::size_t at = 0;
    while (inbox.size() - at >= frame_header_bytes) {
      const std::uint32_t length = frame_body_length(inbox.data() + at, frame_limit_default);
      if (inbox.size() - at - frame_header_bytes < length) break;
      const FrameBody body = parse_body(inbox.data() + at + frame_header_bytes, length);
      at += frame_header_bytes + length;
      if (!hello) {
        on_handshake(body);
        if (failed) return;
        continue;
      }
      frames.push_back(Frame{body.kind, std::string(body.payload, body.size)});
    }
    inbox.erase(0, at);
  }

  void on_handshake(const FrameBody& body) {
    if (body.kind == FrameKind::error) {
      const auto refusal = decode_payload<ErrorFrame>(body);
      foreign = true;
      if (refusal.code == error_wrong_cluster) {
        return fail("belongs to another cluster: it refused our Hello (was it started with another --cluster spec?)");
      }
      return fail(fmt::format("refused our Hello (error code {})", refusal.code));
    }
    if (body.kind != FrameKind::hello) {
      throw WireError(fmt::format("expected its Hello, got a {} frame", enum_name(body.kind)));
    }
    const auto theirs = decode_payload<Hello>(body);
    if (theirs.cluster_id != cluster_id) {
      foreign = true;
      return fail(fmt::format("is node {} of another cluster (its cluster id {:016x}, ours {:016x}): was it started "
                              "with another --cluster spec?",
                              theirs.node, theirs.cluster_id, cluster_id));
    }
    hello = theirs;
  }

  void fail(const std::string& why) {
    if (!failed) {
      failed = true;
      error = why;
    }
    close();
  }

  void close() {
    boost::system::error_code ignored;
    resolver.cancel();
    socket.close(ignored);
  }
};

}  // namespace detail

using detail::Connection;
using detail::Frame;

// ---------------------------------------------------------------------------------------------
// Status.

namespace {

std::vector<MemberStatus> gather_status(asio::io_context& io, const Cluster& cluster, const std::vector<std::uint8_t>& members,
                                        Clock::time_point deadline) {
  std::vector<std::shared_ptr<Connection>> connections;
  std::vector<MemberStatus> out;
  Bytes request;
  append_frame(request, FrameKind::status_request, StatusRequest{0});
  for (std::uint8_t id : members) {
    auto c = std::make_shared<Connection>(io, cluster.member(id), cluster.id());
    c->start();
    c->send(request);
    connections.push_back(c);
    out.push_back(MemberStatus{id, std::nullopt, {}});
  }
  auto answered = [&](std::size_t i) {
    const auto& c = connections[i];
    if (out[i].status || !out[i].error.empty()) return true;
    for (const Frame& f : c->frames) {
      if (f.kind != FrameKind::status) continue;
      try {
        out[i].status = Json::parse(f.payload);
      } catch (const std::exception& e) {
        out[i].error = std::string("sent a status that is not JSON: ") + e.what();
      }
      c->close();
      return true;
    }
    if (c->failed) out[i].error = c->error;
    return c->failed;
  };
  run_io_until(io, deadline, [&] {
    bool all = true;
    for (std::size_t i = 0; i < connections.size(); ++i) all = answered(i) && all;
    return all;
  });
  for (std::size_t i = 0; i < connections.size(); ++i) {
    if (!answered(i)) {
      out[i].error = connections[i]->connected ? "did not answer in time" : "could not connect in time";
    }
    connections[i]->fail("done");
  }
  io.restart();
  io.poll();  // the aborted handlers
  return out;
}

}  // namespace

std::vector<MemberStatus> query_status(const Cluster& cluster, Milliseconds timeout) {
  asio::io_context io;
  std::vector<std::uint8_t> members;
  for (const Member& m : cluster.members) members.push_back(m.id);
  return gather_status(io, cluster, members, Clock::now() + timeout);
}

Json LockClient::status(std::uint8_t member, Milliseconds timeout) {
  if (!cluster_.has(member)) {
    throw ClientError(ClientErrorKind::usage, fmt::format("no member {} in {}", member, cluster_.spec()));
  }
  std::lock_guard lock(mutex_);
  auto result = gather_status(io_, cluster_, {member}, Clock::now() + timeout);
  if (!result[0].status) {
    throw ClientError(ClientErrorKind::unavailable, fmt::format("member {} ({}): {}", member,
                                                                cluster_.member(member).address(), result[0].error));
  }
  return *result[0].status;
}

// ---------------------------------------------------------------------------------------------
// The client.

LockClient::LockClient(Cluster cluster, ClientOptions options)
    : cluster_(std::move(cluster)),
      cluster_id_(cluster_.id()),
      options_(std::move(options)),
      client_id_(options_.client_id != 0 ? options_.client_id : random_client_id()),
      sequence_(options_.first_sequence != 0 ? options_.first_sequence : micros_since_epoch()) {
  if (cluster_.size() == 0) throw ClientError(ClientErrorKind::usage, "the cluster has no members");
  next_member_ = static_cast<std::uint8_t>(1 + client_id_.load() % cluster_.size());  // spread clients out
}

LockClient::~LockClient() {
  stop_keep_alive();
  std::lock_guard lock(mutex_);
  drop_connection();
  io_.restart();
  io_.poll();
}

Milliseconds LockClient::keep_alive_period() const {
  if (ttl_.count() == 0) return options_.attempt_timeout;
  return std::max(Milliseconds{50}, ttl_ / 3);
}

Clock::time_point LockClient::deadline_of(std::optional<Milliseconds> timeout, Milliseconds fallback) const {
  return Clock::now() + timeout.value_or(fallback);
}

std::uint64_t LockClient::require_session(const char* what) const {
  const std::uint64_t session = session_.load();
  if (session == 0) {
    throw ClientError(ClientErrorKind::usage, fmt::format("{} needs a session: open one first", what));
  }
  return session;
}

void LockClient::drop_connection() {
  if (connection_) connection_->fail("dropped");
  connection_.reset();
  connection_member_ = 0;
}

void LockClient::pause(Milliseconds wait, Clock::time_point deadline) {
  std::unique_lock lock(cancel_mutex_);
  cancel_wake_.wait_until(lock, std::min(Clock::now() + wait, deadline), [&] { return cancelled_.load(); });
}

void LockClient::cancel() {
  cancelled_ = true;
  {
    std::lock_guard lock(cancel_mutex_);  // a pause() between its check and its wait sees it
  }
  cancel_wake_.notify_all();
  asio::post(io_, [] {});  // wakes a run_one_until in progress
}

std::shared_ptr<Connection> LockClient::connect(std::uint8_t member, Clock::time_point deadline, std::string& error,
                                                bool& foreign) {
  auto c = std::make_shared<Connection>(io_, cluster_.member(member), cluster_id_);
  c->start();
  run_io_until(io_, deadline, [&] { return c->hello.has_value() || c->failed || cancelled_.load(); });
  if (c->hello) return c;
  error = c->name() + ": " + (c->failed ? c->error : "no Hello within " + describe_duration(options_.attempt_timeout));
  foreign = c->foreign;
  c->fail("gave up");
  return nullptr;
}

namespace {

// Finds the answer to (client, sequence) among the frames received, dropping those that answer
// an earlier request (a late grant, a duplicate). An ErrorFrame naming no client is about the
// connection: ours too. Throws CodecError on a malformed frame.
std::optional<Frame> take_answer(Connection& connection, ClientId client, std::uint64_t sequence) {
  auto& frames = connection.frames;
  while (!frames.empty()) {
    Frame f = std::move(frames.front());
    frames.pop_front();
    ClientId who;
    std::uint64_t theirs = 0;
    if (f.kind == FrameKind::reply) {
      const auto r = decode_from<Reply>(f.payload);
      who = r.client;
      theirs = r.sequence;
    } else if (f.kind == FrameKind::redirect) {
      const auto r = decode_from<Redirect>(f.payload);
      who = r.client;
      theirs = r.sequence;
    } else if (f.kind == FrameKind::error) {
      const auto r = decode_from<ErrorFrame>(f.payload);
      who = r.client;
      theirs = who.value == 0 ? sequence : r.sequence;
    } else {
      continue;
    }
    if ((who == client || who.value == 0) && theirs == sequence) return f;
  }
  return std::nullopt;
}

}  // namespace

// One call's retry state.
struct LockClient::CallState {
  Clock::time_point deadline;
  std::vector<bool> foreign;     // members that refused our Hello during this call
  std::string last_error;        // the latest reason an attempt failed, for the final message
  std::uint32_t unanswered = 0;  // attempts sent that ended without an answer
  std::size_t misses = 0;        // consecutive attempts without an answer
  Milliseconds backoff{0};
  std::vector<bool> unreachable;  // members whose connection failed during this call
  bool queued = false;            // the last attempt ended queued: the member answers, the lock is held
};

void LockClient::throw_unavailable(Clock::time_point started, const CallState& state) const {
  const auto waited = std::chrono::duration_cast<Milliseconds>(Clock::now() - started);
  if (state.queued) {  // answered, but the lock stayed another session's: not an outage
    throw ClientError(ClientErrorKind::unavailable,
                      fmt::format("{}, not granted within {}", state.last_error, describe_duration(waited)));
  }
  throw ClientError(ClientErrorKind::unavailable,
                    fmt::format("no member of {} answered within {}{}", cluster_.spec(), describe_duration(waited),
                                state.last_error.empty() ? "" : " (last: " + state.last_error + ")"));
}

void LockClient::throw_cancelled(const CallState& state, bool last_attempt_unanswered) {
  last_call_unanswered_ = state.unanswered + (last_attempt_unanswered ? 1 : 0);
  throw ClientError(ClientErrorKind::cancelled, "cancelled");
}

void LockClient::back_off(CallState& state) {
  pause(state.backoff, state.deadline);
  state.backoff = std::min(state.backoff * 2, Milliseconds{1000});
}

// Forgets `member` as the leader and moves on to the next member; backs off after a whole
// round of misses.
void LockClient::give_up_on(CallState& state, std::uint8_t member) {
  if (leader_.load() == member) leader_ = 0;
  next_member_ = static_cast<std::uint8_t>(member % cluster_.size() + 1);
  drop_connection();
  if (++state.misses % cluster_.size() == 0) back_off(state);
}

// The member to send to: the leader if known, else the next one in turn (not one of another
// cluster); connects to it. false: the connection failed (state updated; try again).
bool LockClient::connect_to_target(CallState& state, std::uint8_t& target, Milliseconds attempt_timeout) {
  const std::size_t n = cluster_.size();
  target = leader_.load() != 0 ? leader_.load() : next_member_;
  for (std::size_t i = 0; i < n && state.foreign[target]; ++i) target = static_cast<std::uint8_t>(target % n + 1);
  if (state.foreign[target]) {
    throw ClientError(ClientErrorKind::wrong_cluster,
                      fmt::format("no member of {} accepted our Hello (last: {})", cluster_.spec(), state.last_error));
  }
  if (connection_ && connection_member_ == target && !connection_->failed) return true;
  drop_connection();
  bool is_foreign = false;
  auto c = connect(target, std::min(state.deadline, Clock::now() + attempt_timeout), state.last_error, is_foreign);
  if (!c) {
    if (is_foreign) state.foreign[target] = true;
    state.unreachable[target] = true;
    give_up_on(state, target);
    return false;
  }
  connection_ = c;
  connection_member_ = target;
  return true;
}

// Sends the request (client, sequence) until it is answered, following redirects, moving to
// another member after a silence or a lost connection, re-sending to the same one while an
// acquire is queued. Returns the answer; throws ClientError when the deadline passes.
LockClient::CallResult LockClient::call(const LockCommand& command, Clock::time_point deadline, std::uint64_t sequence) {
  const Clock::time_point started = Clock::now();
  const ClientId client{client_id_.load()};
  Bytes frame;
  append_frame(frame, FrameKind::request, Request{client, sequence, command});
  CallState state{deadline, std::vector<bool>(cluster_.size() + 1, false), {}, 0, 0, options_.backoff,
                  std::vector<bool>(cluster_.size() + 1, false)};
  last_call_unanswered_ = 0;
  const Milliseconds attempt_timeout =
      session_.load() != 0 ? std::min(options_.attempt_timeout, keep_alive_period()) : options_.attempt_timeout;

  while (Clock::now() < deadline) {
    if (cancelled_.load()) throw_cancelled(state, false);
    state.queued = false;  // until this attempt is answered `queued` again
    std::uint8_t target = 0;
    if (!connect_to_target(state, target, attempt_timeout)) continue;
    connection_->send(frame);
    const Clock::time_point sent = Clock::now();
    if (command.session != 0) last_sent_ns_ = steady_ns(sent);
    bool queued = false;
    while (true) {
      const Clock::time_point wake = std::min(deadline, sent + (queued ? keep_alive_period() : attempt_timeout));
      std::optional<Frame> answer;
      try {
        run_io_until(io_, wake, [&] {
          answer = take_answer(*connection_, client, sequence);
          return answer.has_value() || connection_->failed || cancelled_.load();
        });
      } catch (const CodecError& e) {
        connection_->fail(std::string("sent a malformed answer: ") + e.what());
      }
      if (!answer && cancelled_.load()) throw_cancelled(state, !queued);
      if (!answer) {
        if (!queued) ++state.unanswered;
        const auto silent = std::chrono::duration_cast<Milliseconds>(Clock::now() - sent);
        if (connection_->failed) {
          state.last_error = connection_->name() + ": " + connection_->error;
          give_up_on(state, target);
        } else if (queued) {
          // Re-send the queued acquire on the same connection: the session's keep-alive.
          state.last_error = connection_->name() + ": queued for the lock";
          state.queued = true;
        } else {
          state.last_error = fmt::format("{}: no answer within {}", connection_->name(), describe_duration(silent));
          if (Clock::now() < deadline) give_up_on(state, target);
        }
        break;
      }
      if (answer->kind == FrameKind::reply) {
        const auto reply = decode_from<Reply>(answer->payload);
        leader_ = target;
        state.misses = 0;
        state.backoff = options_.backoff;
        if (command.session != 0 && reply.output.answer != LockAnswer::no_session) last_alive_ns_ = steady_ns();
        if (reply.output.answer == LockAnswer::queued && command.op == LockOp::acquire) {
          queued = true;  // keep waiting for the grant, re-sending every keep-alive period
          continue;
        }
        last_call_unanswered_ = state.unanswered;
        return CallResult{reply.output, state.unanswered};
      }
      if (answer->kind == FrameKind::redirect) {
        const auto redirect = decode_from<Redirect>(answer->payload);
        // A redirect to a member this call could not reach (a leader that just crashed, which
        // the follower still names until its election timeout) is treated as "no leader known":
        // try the others, soon, rather than redialling the dead one.
        if (redirect.leader != 0 && cluster_.has(redirect.leader) && redirect.leader != target &&
            !state.foreign[redirect.leader] && !state.unreachable[redirect.leader]) {
          state.last_error = fmt::format("{}: redirected to member {}", connection_->name(), redirect.leader);
          leader_ = redirect.leader;
          if (++state.misses % (2 * cluster_.size()) == 0) back_off(state);  // stale views pointing at each other
        } else {
          state.last_error = fmt::format("{}: knows no leader", connection_->name());
          leader_ = 0;
          next_member_ = static_cast<std::uint8_t>(target % cluster_.size() + 1);
          back_off(state);
        }
        break;
      }
      const auto error = decode_from<ErrorFrame>(answer->payload);
      if (error.code == error_overloaded) {
        state.last_error = connection_->name() + ": overloaded";
        back_off(state);
        break;
      }
      std::string text;
      sm::print_lock_command(text, command.op, command.session, command.lock, command.token);
      throw ClientError(ClientErrorKind::refused,
                        fmt::format("{} refused {}: {}", connection_->name(), text,
                                    error.code == error_bad_request ? "not a request a client may send"
                                                                    : fmt::format("error code {}", error.code)));
    }
  }
  last_call_unanswered_ = state.unanswered;
  throw_unavailable(started, state);
}

void LockClient::emit(ClientEvent::Type type, const char* f, std::string_view key, Json value, std::uint64_t sequence,
                      std::string error) {
  if (!options_.on_event) return;
  ClientEvent event;
  event.type = type;
  event.f = f;
  event.key = std::string(key);
  event.value = std::move(value);
  event.client = client_id_.load();
  event.sequence = sequence;
  event.session = session_.load();
  event.time_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  event.error = std::move(error);
  options_.on_event(event);
}

std::uint64_t LockClient::open(Milliseconds ttl, std::optional<Milliseconds> timeout) {
  if (ttl.count() <= 0 || ttl.count() > std::numeric_limits<std::uint32_t>::max()) {
    throw ClientError(ClientErrorKind::usage, fmt::format("a session's ttl must be from 1 ms to 49 days, not {}",
                                                          describe_duration(ttl)));
  }
  std::lock_guard lock(mutex_);
  const Clock::time_point deadline = deadline_of(timeout, options_.call_timeout);
  ttl_ = ttl;
  for (int tries = 0; tries < 4; ++tries) {
    const LockCommand command{LockOp::open, 0, 0, 0, static_cast<std::uint32_t>(ttl.count())};
    const CallResult result = call(command, deadline, next_sequence());
    if (result.output.answer == LockAnswer::opened) {
      session_ = result.output.session;
      last_alive_ns_ = steady_ns();
      last_sent_ns_ = steady_ns();
      return result.output.session;
    }
    if (result.output.answer != LockAnswer::stale) {
      throw ClientError(ClientErrorKind::refused, "open answered " + describe_answer(result.output));
    }
    // Our id was used before with a later sequence (another client, or a clock that went back):
    // take a new id.
    client_id_ = random_client_id();
    sequence_ = std::max(sequence_, micros_since_epoch());
  }
  throw ClientError(ClientErrorKind::refused, "open answered stale four times (client ids in use?)");
}

// call(), recorded in the history: the invocation, and a call that ends without an answer as
// info (it may yet take effect) or fail (it certainly did not). The caller records the answer.
LockClient::CallResult LockClient::recorded_call(const char* f, std::string_view name, Json value,
                                                 const LockCommand& command, Clock::time_point deadline,
                                                 std::uint64_t sequence) {
  emit(ClientEvent::Type::invoke, f, name, std::move(value), sequence);
  try {
    return call(command, deadline, sequence);
  } catch (const ClientError& e) {
    const bool unknown = e.kind == ClientErrorKind::unavailable || e.kind == ClientErrorKind::cancelled;
    emit(unknown ? ClientEvent::Type::info : ClientEvent::Type::fail, f, name, nullptr,
         sequence, e.what());
    throw;
  }
}

void LockClient::refused(const char* f, std::string_view name, std::uint64_t sequence, const LockOutput& output) {
  emit(ClientEvent::Type::fail, f, name, nullptr, sequence, describe_answer(output));
  throw ClientError(ClientErrorKind::refused, std::string(f) + " answered " + describe_answer(output));
}

void LockClient::session_lapsed(const char* f, std::string_view name, std::uint64_t sequence, std::string message) {
  emit(ClientEvent::Type::fail, f, name, nullptr, sequence, "session expired");
  session_ = 0;
  throw ClientError(ClientErrorKind::session_expired, std::move(message));
}

std::uint64_t LockClient::acquire(std::string_view name, std::optional<Milliseconds> timeout) {
  std::lock_guard lock(mutex_);
  const std::uint64_t session = require_session("acquire");
  const Clock::time_point deadline = deadline_of(timeout, options_.acquire_timeout);
  const std::uint64_t sequence = next_sequence();
  const CallResult result = recorded_call("acquire", name, nullptr, LockCommand{LockOp::acquire, session, lock_slot(name), 0, 0}, deadline, sequence);
  switch (result.output.answer) {
    case LockAnswer::granted:
      emit(ClientEvent::Type::ok, "acquire", name, result.output.token, sequence);
      return result.output.token;
    case LockAnswer::no_session:
      session_lapsed("acquire", name, sequence, fmt::format("session {} expired: lock '{}' was not acquired", session, name));
    default:
      refused("acquire", name, sequence, result.output);
  }
}

std::optional<std::uint64_t> LockClient::try_acquire(std::string_view name, std::optional<Milliseconds> timeout) {
  std::lock_guard lock(mutex_);
  const std::uint64_t session = require_session("try_acquire");
  const Clock::time_point deadline = deadline_of(timeout, options_.call_timeout);
  const std::uint64_t sequence = next_sequence();
  const CallResult result = recorded_call("try_acquire", name, nullptr, LockCommand{LockOp::try_acquire, session, lock_slot(name), 0, 0}, deadline, sequence);
  switch (result.output.answer) {
    case LockAnswer::granted:
      emit(ClientEvent::Type::ok, "try_acquire", name, result.output.token, sequence);
      return result.output.token;
    case LockAnswer::busy:
      emit(ClientEvent::Type::ok, "try_acquire", name, "busy", sequence);
      return std::nullopt;
    case LockAnswer::no_session:
      session_lapsed("try_acquire", name, sequence,
                     fmt::format("session {} expired: lock '{}' was not acquired", session, name));
    default:
      refused("try_acquire", name, sequence, result.output);
  }
}

bool LockClient::release(std::string_view name, std::uint64_t token, std::optional<Milliseconds> timeout) {
  std::lock_guard lock(mutex_);
  const std::uint64_t session = require_session("release");
  const Clock::time_point deadline = deadline_of(timeout, options_.call_timeout);
  const std::uint64_t sequence = next_sequence();
  const CallResult result = recorded_call("release", name, token, LockCommand{LockOp::release, session, lock_slot(name), token, 0}, deadline, sequence);
  switch (result.output.answer) {
    case LockAnswer::released:
      emit(ClientEvent::Type::ok, "release", name, "released", sequence);
      return true;
    case LockAnswer::not_holder:
      emit(ClientEvent::Type::ok, "release", name, "not_holder", sequence);
      return false;
    case LockAnswer::no_session:
      // The session expired: whatever it held passed on already.
      session_lapsed("release", name, sequence,
                     fmt::format("session {} expired (lock '{}' was released when it did)", session, name));
    default:
      refused("release", name, sequence, result.output);
  }
}

bool LockClient::release_by_token(std::string_view name, std::uint64_t token, std::optional<Milliseconds> timeout) {
  std::lock_guard lock(mutex_);
  const Clock::time_point deadline = deadline_of(timeout, options_.call_timeout);
  const std::uint64_t sequence = next_sequence();
  const CallResult result = recorded_call("release", name, token, LockCommand{LockOp::release, 0, lock_slot(name), token, 0}, deadline, sequence);
  switch (result.output.answer) {
    case LockAnswer::released:
      emit(ClientEvent::Type::ok, "release", name, "released", sequence);
      return true;
    case LockAnswer::not_holder:
      if (result.unanswered > 0) {
        // Not deduplicated: an earlier attempt may have released it.
        emit(ClientEvent::Type::info, "release", name, nullptr, sequence, "re-sent: an earlier attempt may have released it");
      } else {
        emit(ClientEvent::Type::ok, "release", name, "not_holder", sequence);
      }
      return false;
    default:
      refused("release", name, sequence, result.output);
  }
}

bool LockClient::close(std::optional<Milliseconds> timeout) {
  stop_keep_alive();
  std::lock_guard lock(mutex_);
  const std::uint64_t session = require_session("close");
  cancelled_ = false;  // a close is what follows a cancel(); a cancel() from now on ends it too
  const std::uint64_t sequence = next_sequence();
  const CallResult result = recorded_call("close", "", nullptr, LockCommand{LockOp::close, session, 0, 0, 0},
                                          deadline_of(timeout, options_.call_timeout), sequence);
  switch (result.output.answer) {
    case LockAnswer::closed:
      emit(ClientEvent::Type::ok, "close", "", "closed", sequence);
      session_ = 0;
      return true;
    case LockAnswer::no_session:
      emit(ClientEvent::Type::ok, "close", "", "no_session", sequence);
      session_ = 0;
      return false;
    default:
      refused("close", "", sequence, result.output);
  }
}

bool LockClient::keep_alive_locked(Clock::time_point deadline) {
  const std::uint64_t session = require_session("keep_alive");
  const CallResult result = call(LockCommand{LockOp::keep_alive, session, 0, 0, 0}, deadline, next_sequence());
  if (result.output.answer == LockAnswer::alive) return true;
  if (result.output.answer == LockAnswer::no_session) {
    session_ = 0;
    return false;
  }
  throw ClientError(ClientErrorKind::refused, "keep_alive answered " + describe_answer(result.output));
}

bool LockClient::keep_alive(std::optional<Milliseconds> timeout) {
  std::lock_guard lock(mutex_);
  return keep_alive_locked(deadline_of(timeout, options_.call_timeout));
}

void LockClient::start_keep_alive(std::function<void(const std::string& why)> on_lost) {
  require_session("start_keep_alive");
  stop_keep_alive();
  keep_alive_stop_ = false;
  keep_alive_thread_ = std::thread([this, on_lost = std::move(on_lost)] { keep_alive_loop(on_lost); });
}

void LockClient::stop_keep_alive() {
  {
    std::lock_guard lock(keep_alive_mutex_);
    keep_alive_stop_ = true;
  }
  keep_alive_wake_.notify_all();
  // From on_lost (close() calls this), the thread is ending: it is joined later, not by itself.
  if (keep_alive_thread_.joinable() && keep_alive_thread_.get_id() != std::this_thread::get_id()) {
    keep_alive_thread_.join();
  }
}

void LockClient::keep_alive_loop(std::function<void(const std::string&)> on_lost) {
  const Milliseconds period = keep_alive_period();
  auto lost = [&](const std::string& why) {
    if (on_lost) on_lost(why);
  };
  std::unique_lock wake_lock(keep_alive_mutex_);
  while (!keep_alive_stop_) {
    const auto due = Clock::time_point(std::chrono::nanoseconds(last_sent_ns_.load())) + period;
    keep_alive_wake_.wait_until(wake_lock, std::max(due, Clock::now() + std::max(Milliseconds{10}, period / 10)),
                                [&] { return keep_alive_stop_; });
    if (keep_alive_stop_) return;
    if (session_.load() == 0) {
      wake_lock.unlock();  // on_lost may call close(), which stops this thread
      return lost("the session expired");
    }
    const auto now = Clock::now();
    if (now < Clock::time_point(std::chrono::nanoseconds(last_sent_ns_.load())) + period) continue;
    wake_lock.unlock();
    std::optional<bool> alive;
    std::string error;
    {
      std::unique_lock call_lock(mutex_, std::try_to_lock);
      if (call_lock.owns_lock() && session_.load() != 0) {
        try {
          alive = keep_alive_locked(now + period);
        } catch (const ClientError& e) {
          error = e.what();
          last_sent_ns_ = steady_ns();  // try again a period later
        }
      }
    }
    if (alive && !*alive) return lost("the session expired");
    const auto silent = Clock::now() - Clock::time_point(std::chrono::nanoseconds(last_alive_ns_.load()));
    if (silent > ttl_) {
      return lost(fmt::format("no keep-alive was answered for {} (its ttl): it may have expired{}",
                              describe_duration(std::chrono::duration_cast<Milliseconds>(silent)),
                              error.empty() ? "" : " (" + error + ")"));
    }
    wake_lock.lock();
  }
}

}  // namespace lockstep::runtime
