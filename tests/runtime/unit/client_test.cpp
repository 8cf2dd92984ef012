// LockClient (impl/runtime/client.hpp) against fake nodes written here: asio acceptors on
// 127.0.0.1 port 0, each in its own thread, speaking the wire format and answering requests as a
// test's script says. Covers following a Redirect to the leader, re-sending the same (client,
// sequence) after a dropped connection or an unanswered request, waiting through queued to
// granted, refusing a node of another cluster, timing out with a clear error, session expiry,
// the history hook and the status query. Every wait is bounded (short client timeouts; waits on
// the fake's condition variable have deadlines); nothing sleeps.
#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "impl/runtime/client.hpp"

namespace lockstep::runtime {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace std::chrono_literals;

class FakeNode;

// One client connection to a fake node.
class Peer : public std::enable_shared_from_this<Peer> {
 public:
  Peer(tcp::socket socket, FakeNode& node) : socket_(std::move(socket)), node_(node) {}
  void start() { read_header(); }
  template <class T>
  void send(FrameKind kind, const T& payload) {
    auto frame = std::make_shared<Bytes>();
    append_frame(*frame, kind, payload);
    write(frame);
  }
  void send_text(FrameKind kind, const std::string& text) {
    auto frame = std::make_shared<Bytes>();
    append_text_frame(*frame, kind, text);
    write(frame);
  }
  void close() {
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }
  asio::any_io_executor executor() { return socket_.get_executor(); }

 private:
  void write(const std::shared_ptr<Bytes>& frame) {
    asio::async_write(socket_, asio::buffer(frame->data(), frame->size()),
                      [self = shared_from_this(), frame](const boost::system::error_code&, std::size_t) {});
  }
  void read_header() {
    asio::async_read(socket_, asio::buffer(header_), [self = shared_from_this()](const boost::system::error_code& e, std::size_t) {
      if (e) return;
      self->body_.resize(frame_body_length(self->header_.data(), frame_limit_default));
      self->read_body();
    });
  }
  void read_body() {
    asio::async_read(socket_, asio::buffer(body_), [self = shared_from_this()](const boost::system::error_code& e, std::size_t) {
      if (e) return;
      self->on_frame(parse_body(self->body_.data(), self->body_.size()));
      self->read_header();
    });
  }
  void on_frame(const FrameBody& body);

  tcp::socket socket_;
  FakeNode& node_;
  std::array<char, frame_header_bytes> header_{};
  std::string body_;
  bool greeted_ = false;
};

// What a fake node does with a request: the script may answer, close, or do nothing.
using Script = std::function<void(Peer&, const Request&)>;

class FakeNode {
 public:
  explicit FakeNode(std::uint8_t id) : id_(id), acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {}
  ~FakeNode() {
    io_.stop();
    if (thread_.joinable()) thread_.join();
  }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  // cluster_id: what this node believes (and answers in its Hello); refuse_foreign: answer a
  // Hello of another cluster with an ErrorFrame and close, as a real node does.
  void start(std::uint64_t cluster_id, Script script, bool refuse_foreign = true) {
    cluster_id_ = cluster_id;
    script_ = std::move(script);
    refuse_foreign_ = refuse_foreign;
    accept();
    thread_ = std::thread([this] { io_.run(); });
  }
  std::vector<Request> requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  // Waits (bounded) until `count` requests arrived.
  bool wait_requests(std::size_t count, std::chrono::milliseconds timeout = 5s) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return requests_.size() >= count; });
  }
  int connections() {
    std::lock_guard lock(mutex_);
    return connections_;
  }
  std::string status_json = R"({"node": 0, "role": "follower"})";

 private:
  friend class Peer;
  void accept() {
    acceptor_.async_accept([this](const boost::system::error_code& e, tcp::socket socket) {
      if (e) return;
      {
        std::lock_guard lock(mutex_);
        ++connections_;
      }
      std::make_shared<Peer>(std::move(socket), *this)->start();
      accept();
    });
  }
  void on_request(Peer& peer, const Request& request) {
    {
      std::lock_guard lock(mutex_);
      requests_.push_back(request);
    }
    changed_.notify_all();
    script_(peer, request);
  }

  std::uint8_t id_;
  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::thread thread_;
  std::uint64_t cluster_id_ = 0;
  bool refuse_foreign_ = true;
  Script script_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Request> requests_;
  int connections_ = 0;
};

void Peer::on_frame(const FrameBody& body) {
  if (!greeted_) {
    const Hello hello = decode_payload<Hello>(body);
    if (hello.cluster_id != node_.cluster_id_ && node_.refuse_foreign_) {
      send(FrameKind::error, ErrorFrame{ClientId{}, 0, error_wrong_cluster});
      close();
      return;
    }
    greeted_ = true;
    send(FrameKind::hello, Hello{node_.cluster_id_, WireProtocol::raft, node_.id_});
    return;
  }
  if (body.kind == FrameKind::status_request) {
    send_text(FrameKind::status, node_.status_json);
    return;
  }
  if (body.kind == FrameKind::request) node_.on_request(*this, decode_payload<Request>(body));
}

void reply(Peer& peer, const Request& r, LockAnswer answer, std::uint64_t session = 0, std::uint64_t token = 0) {
  peer.send(FrameKind::reply, Reply{r.client, r.sequence, 1, LockOutput{answer, session, token}});
}

// A node that acts as a correct, tiny leader: opens session 7, grants every lock with token 100.
void simple_leader(Peer& peer, const Request& r) {
  switch (r.command.op) {
    case LockOp::open: return reply(peer, r, LockAnswer::opened, 7);
    case LockOp::keep_alive: return reply(peer, r, LockAnswer::alive, r.command.session);
    case LockOp::acquire:
    case LockOp::try_acquire: return reply(peer, r, LockAnswer::granted, r.command.session, 100);
    case LockOp::release: return reply(peer, r, LockAnswer::released, r.command.session, r.command.token);
    case LockOp::close: return reply(peer, r, LockAnswer::closed, r.command.session);
    default: return;
  }
}

struct Nodes {
  std::vector<std::unique_ptr<FakeNode>> nodes;
  Cluster cluster;
  explicit Nodes(std::size_t n) {
    std::string spec;
    for (std::size_t i = 0; i < n; ++i) {
      nodes.push_back(std::make_unique<FakeNode>(static_cast<std::uint8_t>(i + 1)));
      spec += (i ? "," : "") + std::to_string(i + 1) + "=127.0.0.1:" + std::to_string(nodes.back()->port());
    }
    cluster = Cluster::parse(spec);
  }
  FakeNode& operator[](std::size_t id) { return *nodes.at(id - 1); }
};

ClientOptions fast(std::uint32_t client_id = 0) {
  ClientOptions options;
  options.attempt_timeout = 200ms;
  options.call_timeout = 2s;
  options.acquire_timeout = 3s;
  options.backoff = 10ms;
  options.client_id = client_id;
  return options;
}

// A client id whose first member to try (1 + id % n) is `member`.
std::uint32_t starting_at(std::uint8_t member, std::size_t n) { return static_cast<std::uint32_t>(n * 1000 + member - 1); }

TEST(LockClient, follows_a_redirect_to_the_leader_and_remembers_it) {
  Nodes nodes(3);
  nodes[1].start(nodes.cluster.id(), [](Peer& p, const Request& r) { p.send(FrameKind::redirect, Redirect{r.client, r.sequence, 3}); });
  nodes[2].start(nodes.cluster.id(), [](Peer& p, const Request& r) { p.send(FrameKind::redirect, Redirect{r.client, r.sequence, 3}); });
  nodes[3].start(nodes.cluster.id(), simple_leader);
  LockClient client(nodes.cluster, fast(starting_at(1, 3)));
  EXPECT_EQ(client.open(3s), 7u);
  EXPECT_EQ(client.leader(), 3);
  EXPECT_FALSE(client.last_call_uncertain());  // a redirected request was not proposed
  EXPECT_EQ(client.acquire("orders"), 100u);
  EXPECT_TRUE(client.release("orders", 100));
  EXPECT_EQ(nodes[1].requests().size(), 1u);  // only the first request went there
  EXPECT_EQ(nodes[2].requests().size(), 0u);
  const auto at_leader = nodes[3].requests();
  ASSERT_EQ(at_leader.size(), 3u);
  EXPECT_EQ(at_leader[0].sequence, nodes[1].requests()[0].sequence);  // the redirected open, re-sent
  EXPECT_EQ(at_leader[1].command.op, LockOp::acquire);
  EXPECT_EQ(at_leader[1].command.lock, lock_slot("orders"));
  EXPECT_EQ(at_leader[1].command.session, 7u);
  EXPECT_EQ(at_leader[2].command.token, 100u);
  EXPECT_GT(at_leader[1].sequence, at_leader[0].sequence);
}

TEST(LockClient, without_a_known_leader_backs_off_and_tries_the_others) {
  Nodes nodes(2);
  nodes[1].start(nodes.cluster.id(), [](Peer& p, const Request& r) { p.send(FrameKind::redirect, Redirect{r.client, r.sequence, 0}); });
  nodes[2].start(nodes.cluster.id(), simple_leader);
  LockClient client(nodes.cluster, fast(starting_at(1, 2)));
  EXPECT_EQ(client.open(3s), 7u);
  EXPECT_EQ(client.leader(), 2);
}

TEST(LockClient, resends_the_same_request_after_a_dropped_connection) {
  Nodes nodes(1);
  std::atomic<int> acquires{0};
  nodes[1].start(nodes.cluster.id(), [&](Peer& p, const Request& r) {
    if (r.command.op == LockOp::acquire && acquires++ == 0) return p.close();  // the leader "crashed"
    simple_leader(p, r);
  });
  LockClient client(nodes.cluster, fast());
  client.open(3s);
  EXPECT_EQ(client.acquire("a"), 100u);
  EXPECT_TRUE(client.last_call_uncertain());
  const auto requests = nodes[1].requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[1].client, requests[2].client);
  EXPECT_EQ(requests[1].sequence, requests[2].sequence);
  EXPECT_EQ(nodes[1].connections(), 2);
}

TEST(LockClient, resends_an_unanswered_request_to_another_member) {
  Nodes nodes(2);
  nodes[1].start(nodes.cluster.id(), [](Peer&, const Request&) {});  // a partitioned old leader: silent
  nodes[2].start(nodes.cluster.id(), simple_leader);
  LockClient client(nodes.cluster, fast(starting_at(1, 2)));
  const auto started = Clock::now();
  EXPECT_EQ(client.open(3s), 7u);
  EXPECT_LT(Clock::now() - started, 1500ms);
  ASSERT_EQ(nodes[1].requests().size(), 1u);
  ASSERT_EQ(nodes[2].requests().size(), 1u);
  EXPECT_EQ(nodes[1].requests()[0].sequence, nodes[2].requests()[0].sequence);
  EXPECT_EQ(nodes[1].requests()[0].client, nodes[2].requests()[0].client);
}

TEST(LockClient, waits_through_queued_to_a_later_grant) {
  Nodes nodes(1);
  nodes[1].start(nodes.cluster.id(), [](Peer& p, const Request& r) {
    if (r.command.op != LockOp::acquire) return simple_leader(p, r);
    reply(p, r, LockAnswer::queued, r.command.session);
    // The holder releases a little later: the grant comes as another reply to the same request.
    auto timer = std::make_shared<asio::steady_timer>(p.executor(), 150ms);
    timer->async_wait([timer, peer = p.shared_from_this(), r](const boost::system::error_code&) {
      reply(*peer, r, LockAnswer::granted, r.command.session, 205);
    });
  });
  LockClient client(nodes.cluster, fast());
  client.open(3s);  // keep-alive period 1 s: the grant arrives before any re-send
  EXPECT_EQ(client.acquire("a"), 205u);
  EXPECT_EQ(nodes[1].requests().size(), 2u);
}

TEST(LockClient, a_queued_acquire_is_resent_every_keep_alive_period_and_a_lost_grant_recovered) {
  Nodes nodes(1);
  std::atomic<int> acquires{0};
  nodes[1].start(nodes.cluster.id(), [&](Peer& p, const Request& r) {
    if (r.command.op != LockOp::acquire) return simple_leader(p, r);
    // Queued twice; the grant's reply was lost; the third re-send is answered from the record.
    if (acquires++ < 2) return reply(p, r, LockAnswer::queued, r.command.session);
    reply(p, r, LockAnswer::granted, r.command.session, 309);
  });
  LockClient client(nodes.cluster, fast());
  client.open(300ms);  // keep-alive period 100 ms
  EXPECT_EQ(client.acquire("a"), 309u);
  const auto requests = nodes[1].requests();
  ASSERT_EQ(requests.size(), 4u);
  EXPECT_EQ(requests[1].sequence, requests[3].sequence);
}

TEST(LockClient, refuses_a_node_of_another_cluster_with_a_clear_error) {
  Nodes nodes(2);
  nodes[1].start(nodes.cluster.id() + 1, simple_leader);  // refuses our Hello (ErrorFrame, close)
  nodes[2].start(nodes.cluster.id() + 2, simple_leader, /*refuse_foreign=*/false);  // answers its own id
  LockClient client(nodes.cluster, fast());
  const auto started = Clock::now();
  try {
    client.open(3s);
    FAIL() << "opened a session with another cluster";
  } catch (const ClientError& e) {
    EXPECT_EQ(e.kind, ClientErrorKind::wrong_cluster);
    const std::string what = e.what();
    EXPECT_NE(what.find("accepted our Hello"), std::string::npos) << what;
    EXPECT_NE(what.find("another cluster"), std::string::npos) << what;
  }
  EXPECT_LT(Clock::now() - started, 1s);  // no waiting for the deadline
  EXPECT_TRUE(nodes[1].requests().empty());
  EXPECT_TRUE(nodes[2].requests().empty());
}

TEST(LockClient, times_out_with_a_clear_error_when_nobody_answers) {
  Nodes nodes(2);
  nodes[1].start(nodes.cluster.id(), [](Peer&, const Request&) {});
  nodes[2].start(nodes.cluster.id(), [](Peer&, const Request&) {});
  ClientOptions options = fast();
  options.call_timeout = 600ms;
  LockClient client(nodes.cluster, options);
  const auto started = Clock::now();
  try {
    client.open(3s);
    FAIL() << "opened without an answer";
  } catch (const ClientError& e) {
    EXPECT_EQ(e.kind, ClientErrorKind::unavailable);
    const std::string what = e.what();
    EXPECT_NE(what.find("no member of " + nodes.cluster.spec() + " answered within"), std::string::npos) << what;
    EXPECT_NE(what.find("): no answer within"), std::string::npos) << what;
  }
  EXPECT_LT(Clock::now() - started, 1500ms);
  EXPECT_GE(nodes[1].requests().size() + nodes[2].requests().size(), 2u);
}

TEST(LockClient, times_out_when_no_member_listens) {
  std::uint16_t port = 0;
  {
    FakeNode closed(1);  // bound then closed: nobody listens there
    port = closed.port();
  }
  const Cluster cluster = Cluster::parse("1=127.0.0.1:" + std::to_string(port));
  ClientOptions options = fast();
  options.call_timeout = 300ms;
  LockClient client(cluster, options);
  try {
    client.open(3s);
    FAIL() << "opened without a node";
  } catch (const ClientError& e) {
    EXPECT_EQ(e.kind, ClientErrorKind::unavailable);
    EXPECT_NE(std::string(e.what()).find("refused"), std::string::npos) << e.what();
  }
}

TEST(LockClient, a_stale_open_takes_a_new_client_id) {
  Nodes nodes(1);
  std::atomic<int> opens{0};
  nodes[1].start(nodes.cluster.id(), [&](Peer& p, const Request& r) {
    if (r.command.op == LockOp::open && opens++ == 0) return reply(p, r, LockAnswer::stale);
    simple_leader(p, r);
  });
  LockClient client(nodes.cluster, fast(42));
  EXPECT_EQ(client.open(3s), 7u);
  const auto requests = nodes[1].requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].client.value, 42u);
  EXPECT_NE(requests[1].client.value, 42u);
  EXPECT_EQ(requests[1].command.ttl_ms, 3000u);
  EXPECT_EQ(client.client_id(), requests[1].client.value);
}

TEST(LockClient, an_expired_session_is_reported) {
  Nodes nodes(1);
  nodes[1].start(nodes.cluster.id(), [](Peer& p, const Request& r) {
    if (r.command.op == LockOp::open) return simple_leader(p, r);
    reply(p, r, LockAnswer::no_session);
  });
  LockClient client(nodes.cluster, fast());
  client.open(3s);
  try {
    client.acquire("a");
    FAIL() << "acquired with an expired session";
  } catch (const ClientError& e) {
    EXPECT_EQ(e.kind, ClientErrorKind::session_expired);
    EXPECT_NE(std::string(e.what()).find("session 7 expired"), std::string::npos) << e.what();
  }
  EXPECT_EQ(client.session(), 0u);
  client.open(3s);
  EXPECT_FALSE(client.keep_alive());
}

TEST(LockClient, try_acquire_and_release_by_token) {
  Nodes nodes(1);
  nodes[1].start(nodes.cluster.id(), [](Peer& p, const Request& r) {
    if (r.command.op == LockOp::try_acquire) return reply(p, r, LockAnswer::busy, r.command.session);
    if (r.command.op == LockOp::release && r.command.session == 0) {
      return reply(p, r, r.command.token == 100 ? LockAnswer::released : LockAnswer::not_holder);
    }
    simple_leader(p, r);
  });
  LockClient client(nodes.cluster, fast());
  client.open(3s);
  EXPECT_EQ(client.try_acquire("a"), std::nullopt);
  LockClient other(nodes.cluster, fast());  // no session needed
  EXPECT_TRUE(other.release_by_token("a", 100));
  EXPECT_FALSE(other.release_by_token("a", 99));
  EXPECT_FALSE(other.last_call_uncertain());
  const auto requests = nodes[1].requests();
  EXPECT_EQ(requests.back().command.session, 0u);
  EXPECT_EQ(requests.back().command.lock, lock_slot("a"));
}

TEST(LockClient, records_a_history_lockstep_linearizable_reads) {
  Nodes nodes(1);
  nodes[1].start(nodes.cluster.id(), simple_leader);
  std::vector<ClientEvent> events;
  ClientOptions options = fast();
  options.on_event = [&](const ClientEvent& e) { events.push_back(e); };
  LockClient client(nodes.cluster, options);
  client.open(3s);
  client.acquire("L");
  client.release("L", 100);
  ASSERT_EQ(events.size(), 4u);
  const Json invoke = history_event(events[0], "c1");
  EXPECT_EQ(invoke["type"], "invoke");
  EXPECT_EQ(invoke["f"], "acquire");
  EXPECT_EQ(invoke["key"], "L");
  EXPECT_FALSE(invoke.contains("value"));
  const Json granted = history_event(events[1], "c1");
  EXPECT_EQ(granted["type"], "ok");
  EXPECT_EQ(granted["value"], 100);
  EXPECT_GE(granted["time"].get<std::int64_t>(), invoke["time"].get<std::int64_t>());
  EXPECT_EQ(history_event(events[2], "c1")["value"], 100);
  EXPECT_EQ(history_event(events[3], "c1")["value"], "released");
  // A close is recorded too, of no key (every lock of the session): lockstep linearizable frees
  // whatever the caller held at its linearization point.
  client.acquire("L");
  EXPECT_TRUE(client.close(1s));
  ASSERT_EQ(events.size(), 8u);
  const Json close = history_event(events[6], "c1");
  EXPECT_EQ(close["type"], "invoke");
  EXPECT_EQ(close["f"], "close");
  EXPECT_FALSE(close.contains("key"));
  EXPECT_EQ(history_event(events[7], "c1")["value"], "closed");
}

TEST(LockClient, a_background_thread_keeps_the_session_alive_and_reports_its_loss) {
  Nodes nodes(1);
  std::atomic<int> keep_alives{0};
  nodes[1].start(nodes.cluster.id(), [&](Peer& p, const Request& r) {
    if (r.command.op == LockOp::keep_alive && ++keep_alives > 3) return reply(p, r, LockAnswer::no_session);
    simple_leader(p, r);
  });
  LockClient client(nodes.cluster, fast());
  client.open(150ms);  // keep-alive period 50 ms
  std::mutex mutex;
  std::condition_variable lost_changed;
  std::string lost;
  client.start_keep_alive([&](const std::string& why) {
    std::lock_guard lock(mutex);
    lost = why;
    lost_changed.notify_all();
  });
  std::unique_lock lock(mutex);
  ASSERT_TRUE(lost_changed.wait_for(lock, 5s, [&] { return !lost.empty(); }));
  EXPECT_EQ(lost, "the session expired");
  EXPECT_EQ(keep_alives.load(), 4);
  EXPECT_EQ(client.session(), 0u);
  lock.unlock();
  client.stop_keep_alive();
}

// close: closed ends the session (and its keep-alives); a session already gone answers false;
// on_lost may close the session it lost track of, from the keep-alive thread itself.
TEST(LockClient, close_ends_the_session_and_may_be_called_when_keep_alives_go_unanswered) {
  Nodes nodes(1);
  std::atomic<int> closes{0};
  std::atomic<bool> silent{false};
  nodes[1].start(nodes.cluster.id(), [&](Peer& p, const Request& r) {
    if (r.command.op == LockOp::close) {
      return reply(p, r, closes++ == 0 ? LockAnswer::closed : LockAnswer::no_session, r.command.session);
    }
    if (r.command.op == LockOp::keep_alive && silent) return;  // unanswered
    simple_leader(p, r);
  });
  LockClient client(nodes.cluster, fast());
  client.open(150ms);
  client.start_keep_alive();
  EXPECT_TRUE(client.close(1s));
  EXPECT_EQ(client.session(), 0u);
  EXPECT_THROW(client.close(1s), ClientError);  // no session to close

  client.open(150ms);
  silent = true;
  std::mutex mutex;
  std::condition_variable done_changed;
  std::optional<bool> closed;
  std::string error;
  client.start_keep_alive([&](const std::string&) {
    std::optional<bool> result;
    std::string what;
    try {
      result = client.close(1s);
    } catch (const std::exception& e) {
      what = e.what();
    }
    std::lock_guard lock(mutex);
    closed = result;
    error = what.empty() ? "-" : what;
    done_changed.notify_all();
  });
  std::unique_lock lock(mutex);
  ASSERT_TRUE(done_changed.wait_for(lock, 5s, [&] { return !error.empty(); }));
  EXPECT_EQ(error, "-");
  EXPECT_EQ(closed, std::optional<bool>(false));  // the fake answers no_session the second time
  EXPECT_EQ(client.session(), 0u);
  lock.unlock();
  client.stop_keep_alive();
}

// cancel() from another thread (as `lock acquire` does at Ctrl-C) ends a queued acquire at once,
// long before its deadline, recorded as info (it may still be queued); every later call is
// cancelled too, but close(), which then ends the session.
TEST(LockClient, cancel_ends_a_waiting_acquire_at_once_and_close_still_ends_the_session) {
  Nodes nodes(1);
  nodes[1].start(nodes.cluster.id(), [](Peer& p, const Request& r) {
    if (r.command.op == LockOp::acquire) return reply(p, r, LockAnswer::queued, r.command.session);  // never granted
    if (r.command.op == LockOp::close) return reply(p, r, LockAnswer::closed, r.command.session);
    simple_leader(p, r);
  });
  std::vector<ClientEvent> events;
  ClientOptions options = fast();
  options.on_event = [&](const ClientEvent& e) { events.push_back(e); };
  LockClient client(nodes.cluster, options);
  client.open(3s);
  const auto started = std::chrono::steady_clock::now();
  std::thread canceller([&] {
    nodes[1].wait_requests(2);  // the open and the acquire
    client.cancel();
  });
  try {
    client.acquire("a", 60s);
    ADD_FAILURE() << "the acquire was granted";
  } catch (const ClientError& e) {
    EXPECT_EQ(e.kind, ClientErrorKind::cancelled) << e.what();
  }
  canceller.join();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().type, ClientEvent::Type::info);
  try {
    client.try_acquire("a");
    ADD_FAILURE() << "a call after cancel() went through";
  } catch (const ClientError& e) {
    EXPECT_EQ(e.kind, ClientErrorKind::cancelled) << e.what();
  }
  EXPECT_TRUE(client.close(1s));
  EXPECT_EQ(client.session(), 0u);
}

// A cancel() while the client backs off (no member knows a leader) ends the call as well.
TEST(LockClient, cancel_ends_a_call_that_backs_off) {
  Nodes nodes(1);
  nodes[1].start(nodes.cluster.id(), [](Peer& p, const Request& r) { p.send(FrameKind::redirect, Redirect{r.client, r.sequence, 0}); });
  ClientOptions options = fast();
  options.backoff = 8s;  // the pause after the first redirect: far longer than the call may take
  LockClient client(nodes.cluster, options);
  const auto started = std::chrono::steady_clock::now();
  std::thread canceller([&] {
    nodes[1].wait_requests(1);
    client.cancel();
  });
  try {
    client.open(3s, 60s);
    ADD_FAILURE() << "opened without a leader";
  } catch (const ClientError& e) {
    EXPECT_EQ(e.kind, ClientErrorKind::cancelled) << e.what();
  }
  canceller.join();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 6s);
}

TEST(LockClient, status_of_every_member_with_the_unreachable_named) {
  Nodes nodes(2);
  nodes[1].status_json = R"({"node": 1, "role": "leader", "term": 4, "leader": 1})";
  nodes[1].start(nodes.cluster.id(), simple_leader);
  // Member 2 is never started: it accepts connections (the kernel's backlog) but never answers.
  const auto started = Clock::now();
  const auto statuses = query_status(nodes.cluster, 300ms);
  EXPECT_LT(Clock::now() - started, 1s);
  ASSERT_EQ(statuses.size(), 2u);
  ASSERT_TRUE(statuses[0].status.has_value()) << statuses[0].error;
  EXPECT_EQ((*statuses[0].status)["role"], "leader");
  EXPECT_FALSE(statuses[1].status.has_value());
  EXPECT_NE(statuses[1].error, "");
  LockClient client(nodes.cluster, fast());
  EXPECT_EQ(client.status(1)["term"], 4);
  EXPECT_THROW(client.status(2, 200ms), ClientError);
}

}  // namespace
}  // namespace lockstep::runtime
