// The lock node, generic over the consensus protocol P (runtime size, replicating the lock
// state machine). Single-threaded: one asio io_context runs the network, the timers and the
// step function; the write-ahead log's writer thread only reports tickets durable (posted back).
//
// Start-up: the data directory is locked (flock) and checked against node.json (a directory of
// another node, cluster or protocol is refused); the WAL is recovered (a torn tail truncated,
// corruption in the middle refused with the file and offset: the passive failure detector);
// the node is P::init with the recovered durable state, and Restarted is fed (a fresh node too:
// it arms the election timer).
//
// Events fed to P::step: messages from peers (inbound connections whose Hello named a member of
// this cluster and protocol), timer expiries, client requests (after client_may_send), and the
// node's own messages to itself (posted, so they are a later event like any other).
// Effects: through Host (persist before anything leaves, group commit).
//
// Network: the node dials every other member and sends on that connection; it receives on the
// connections the others dialled. A lost connection is redialled with exponential backoff (50 ms
// to 1 s, jittered); messages to a peer not connected are dropped (the protocols tolerate loss).
// Failure detection: the active detector is the protocol's (heartbeats and randomized election
// timeouts, P's timers); the passive one is here: a peer is suspected while its connection is
// down or when nothing (a message or a ping, sent when a link is otherwise idle) was heard from
// it for suspect_after_ms; `lockstep status` shows who and since when.
#pragma once

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without it
#include <boost/asio.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "impl/runtime/connection.hpp"
#include "impl/runtime/host.hpp"
#include "impl/runtime/node.hpp"
#include "impl/runtime/node_log.hpp"
#include "impl/runtime/storage.hpp"
#include "impl/runtime/view.hpp"
#include "model/core/json.hpp"

namespace lockstep::runtime {

using Clock = std::chrono::steady_clock;

// Logs one line to stderr: "n1 +12.345s message".
class NodeLogger {
 public:
  NodeLogger(std::uint8_t id, bool quiet) : id_(id), quiet_(quiet), start_(Clock::now()) {}
  void info(const std::string& message) const {
    if (!quiet_) line(message);
  }
  void warn(const std::string& message) const { line(message); }

 private:
  void line(const std::string& message) const {
    const double seconds = std::chrono::duration<double>(Clock::now() - start_).count();
    std::fprintf(stderr, "n%u +%.3fs %s\n", static_cast<unsigned>(id_), seconds, message.c_str());
  }
  std::uint8_t id_;
  bool quiet_;
  Clock::time_point start_;
};

// The data directory, tied to one node of one cluster (the write-ahead log locks it for this
// process).
class DataDir {
 public:
  DataDir(const NodeOptions& options) {
    std::error_code ec;
    std::filesystem::create_directories(options.data, ec);
    if (ec) throw NodeError("--data " + options.data.string() + ": cannot create it: " + ec.message());
    const Json identity = {{"cluster", options.cluster.spec()},
                           {"node", options.id},
                           {"protocol", std::string(enum_name(options.protocol))}};
    const auto meta = options.data / "node.json";
    if (std::filesystem::exists(meta)) {
      std::ifstream in(meta);
      Json found;
      try {
        found = Json::parse(in);
      } catch (const std::exception& e) {
        throw NodeError(meta.string() + ": unreadable (" + e.what() + ")");
      }
      if (found != identity) {
        throw NodeError("--data " + options.data.string() + " belongs to node " + found.value("node", Json()).dump() +
                        " of cluster " + found.value("cluster", Json()).dump() + " (" +
                        found.value("protocol", Json()).dump() + "), not to node " + std::to_string(options.id) +
                        " of " + options.cluster.spec() + " (" + std::string(enum_name(options.protocol)) + ")");
      }
    } else {
      const auto tmp = options.data / "node.json.tmp";
      {
        std::ofstream out(tmp, std::ios::trunc);
        out << identity.dump(2) << "\n";
        if (!out) throw NodeError("cannot write " + tmp.string());
      }
      sync_file(tmp);
      std::filesystem::rename(tmp, meta);
      sync_file(options.data);
    }
  }
  DataDir(const DataDir&) = delete;
  DataDir& operator=(const DataDir&) = delete;

 private:
  static void sync_file(const std::filesystem::path& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
      ::fsync(fd);
      ::close(fd);
    }
  }
};

template <class P>
class NodeServer {
 public:
  using Event = typename P::Event;
  using Message = typename P::Message;
  using Timer = typename P::Timer;

  explicit NodeServer(const NodeOptions& options)
      : options_(options),
        log_(options.id, options.quiet),
        data_dir_(options),
        storage_(options.data,
                 wal_options(options),
                 [this](std::uint64_t ticket) { asio::post(io_, [this, ticket] { on_durable(ticket); }); },
                 [this](std::string message) { asio::post(io_, [this, message] { fatal("storage: " + message); }); }),
        acceptor_(io_),
        signals_(io_, SIGINT, SIGTERM),
        ping_timer_(io_),
        random_(std::random_device{}()),
        started_(Clock::now()) {
    const std::size_t timer_count = lockstep_enum_names(Timer{}).size();
    for (std::size_t i = 0; i < timer_count; ++i) timers_.push_back(std::make_unique<TimerSlot>(io_));
    peers_.resize(options.cluster.size());
    for (auto& peer : peers_) peer.reconnect = std::make_unique<asio::steady_timer>(io_);
    suspect_after_ = std::chrono::milliseconds(
        options.suspect_after_ms ? options.suspect_after_ms : std::max<std::uint32_t>(200, 4 * options.heartbeat_ms));
  }

  int run() {
    const auto config = node_config<P>(options_);
    auto node = P::init(config, self());
    try {
      node.durable = storage_.recover(node.durable);
    } catch (const StorageError& e) {
      throw NodeError(std::string("cannot start from the write-ahead log: ") + e.what(), 1);
    }
    const auto& recovered = storage_.recovered();
    if (!recovered.notes.empty()) log_.warn("recovery: " + recovered.notes);
    log_.info(fmt::format("recovered {} WAL records{}", recovered.records.size(),
                          recovered.checkpoint ? " after a checkpoint" : ""));
    if (options_.record) recorder_.emplace(*options_.record, options_, node.durable);
    host_.emplace(config, self(), std::move(node), host_io(), random_());

    const Member& me = options_.cluster.member(options_.id);
    boost::system::error_code ec;
    const auto address = address_of(me, ec);
    if (ec) throw NodeError("node " + std::to_string(options_.id) + " address " + me.host + " is not an IP address");
    const tcp::endpoint endpoint(address, me.port);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) throw NodeError("cannot listen on " + me.address() + ": " + ec.message());
    log_.info(fmt::format("node {} of {} ({}) listening on {}", options_.id, options_.cluster.spec(),
                          enum_name(options_.protocol), me.address()));

    accept();
    for (std::uint8_t id = 1; id <= options_.cluster.size(); ++id) {
      if (id != options_.id) dial(id);
    }
    signals_.async_wait([this](const boost::system::error_code& e, int signal) {
      if (e) return;
      log_.info(fmt::format("signal {}: stopping", signal));
      stop(0);
    });
    tick();
    feed(typename P::Restarted{});
    io_.run();
    storage_.wal().flush();
    return exit_code_;
  }

 private:
  struct TimerSlot {
    explicit TimerSlot(asio::io_context& io) : timer(io) {}
    asio::steady_timer timer;
    std::uint64_t generation = 0;
  };
  struct Peer {
    std::shared_ptr<Connection> out;
    std::unique_ptr<asio::steady_timer> reconnect;
    std::uint32_t backoff_ms = 0;
    bool connecting = false;
    bool connected_once = false;
    Clock::time_point last_heard{};
    bool heard = false;
    std::optional<Clock::time_point> down_since;
    std::uint64_t written_at_tick = 0;
    std::uint64_t dropped = 0;
  };

  static WalOptions wal_options(const NodeOptions& options) {
    WalOptions wal;
    wal.fsync = options.fsync;
    wal.checkpoint_bytes = options.checkpoint_bytes;
    return wal;
  }
  NodeId self() const { return NodeId{options_.id}; }
  static asio::ip::address address_of(const Member& m, boost::system::error_code& ec) {
    return asio::ip::make_address(m.host == "localhost" ? "127.0.0.1" : m.host, ec);
  }

  typename Host<P>::Io host_io() {
    typename Host<P>::Io io;
    io.persist = [this](const PersistOf<P>& persist, const typename P::Durable& after) {
      return storage_.persist(persist, after);
    };
    io.send = [this](const typename Host<P>::SendEffect& send) { send_message(send.to, send.message); };
    io.reply = [this](const typename Host<P>::ReplyEffect& reply) {
      to_client(reply.client, FrameKind::reply,
                Reply{reply.client, static_cast<std::uint64_t>(reply.sequence),
                      static_cast<std::uint64_t>(reply.payload.index), reply.payload.output});
    };
    io.redirect = [this](const typename Host<P>::RedirectEffect& redirect) {
      to_client(redirect.client, FrameKind::redirect,
                Redirect{redirect.client, static_cast<std::uint64_t>(redirect.sequence), redirect.leader.value});
    };
    io.set_timer = [this](Timer timer, std::uint32_t delay_ms) { arm(timer, delay_ms); };
    return io;
  }

  // ---- the step function ----
  void feed(const Event& event) {
    if (stopping_) return;
    try {
      host_->feed(event);
    } catch (const ContractError& e) {
      fatal(std::string("effect contract broken: ") + e.what());
      return;
    } catch (const std::exception& e) {
      fatal(std::string("the step function failed: ") + e.what());
      return;
    }
    if (recorder_) recorder_->event(event, host_->node());
    note_role();
  }

  void note_role() {
    const NodeView v = view<P>(host_->node(), ViewDepth::role);
    if (v.role != last_role_ || v.term != last_term_) {
      log_.info(fmt::format("{} in {} {}", v.role, options_.protocol == WireProtocol::raft ? "term" : "round", v.term));
      last_role_ = v.role;
      last_term_ = v.term;
    }
  }

  void on_durable(std::uint64_t ticket) {
    if (stopping_) return;
    host_->durable(ticket);
  }

  void arm(Timer timer, std::uint32_t delay_ms) {
    TimerSlot& slot = *timers_.at(static_cast<std::size_t>(timer));
    const std::uint64_t generation = ++slot.generation;
    if (delay_ms == 0) {
      // Due at once (e.g. Raft's heartbeat after a client request): after the events already
      // queued, without a timer system call per request; only the last re-arm fires.
      asio::post(io_, [this, timer, generation, &slot] {
        if (generation == slot.generation) feed(typename P::TimerFired{timer});
      });
      return;
    }
    slot.timer.expires_after(std::chrono::milliseconds(delay_ms));
    slot.timer.async_wait([this, timer, generation, &slot](const boost::system::error_code& ec) {
      if (ec || generation != slot.generation) return;
      feed(typename P::TimerFired{timer});
    });
  }

  // ---- peers ----
  void send_message(NodeId to, const Message& message) {
    if (to == self()) {
      asio::post(io_, [this, message] { feed(typename P::MessageReceived{self(), message}); });
      return;
    }
    if (!options_.cluster.has(to.value)) {
      log_.warn(fmt::format("the step function sent to n{}, not a member: dropped", to.value));
      return;
    }
    Peer& peer = peers_[to.index()];
    if (send_blocked(to.value) || !peer.out || !peer.out->open()) {
      ++peer.dropped;
      return;
    }
    Bytes frame;
    append_frame(frame, FrameKind::peer, message);
    peer.out->send(frame);
  }

  bool send_blocked(std::uint8_t id) const { return (fault_.no_send >> (id - 1u)) & 1u; }
  bool receive_blocked(std::uint8_t id) const { return (fault_.no_receive >> (id - 1u)) & 1u; }

  void dial(std::uint8_t id) {
    Peer& peer = peers_[id - 1u];
    if (stopping_ || peer.connecting) return;
    peer.connecting = true;
    const Member& m = options_.cluster.member(id);
    auto socket = std::make_shared<tcp::socket>(io_);
    boost::system::error_code ec;
    const auto address = address_of(m, ec);
    if (ec) {
      log_.warn("n" + std::to_string(id) + ": " + m.host + " is not an IP address");
      return;
    }
    socket->async_connect(tcp::endpoint(address, m.port), [this, id, socket](const boost::system::error_code& e) {
      Peer& p = peers_[id - 1u];
      p.connecting = false;
      if (stopping_) return;
      if (e) {
        link_down(id, "connect failed: " + e.message(), false);
        return;
      }
      auto connection = std::make_shared<Connection>(std::move(*socket), options_.frame_limit);
      connection->on_frame([](const FrameBody& body) {
        throw WireError("unexpected " + std::string(enum_name(body.kind)) + " frame on an outbound peer link");
      });
      connection->on_close([this, id](const std::string& reason) { link_down(id, reason, true); });
      p.out = connection;
      p.backoff_ms = 0;
      p.down_since.reset();
      if (!p.connected_once) log_.info(fmt::format("connected to n{}", id));
      p.connected_once = true;
      connection->start();
      connection->send_frame(FrameKind::hello, Hello{options_.cluster.id(), options_.protocol, options_.id});
    });
  }

  void link_down(std::uint8_t id, const std::string& reason, bool was_up) {
    Peer& peer = peers_[id - 1u];
    peer.out.reset();
    if (stopping_) return;
    if (!peer.down_since) {
      peer.down_since = Clock::now();
      if (was_up || peer.connected_once) log_.info(fmt::format("link to n{} down: {}", id, reason));
    }
    peer.backoff_ms = peer.backoff_ms == 0 ? 50 : std::min<std::uint32_t>(1000, peer.backoff_ms * 2);
    const std::uint32_t jittered =
        std::uniform_int_distribution<std::uint32_t>(peer.backoff_ms * 3 / 4, peer.backoff_ms * 5 / 4)(random_);
    peer.reconnect->expires_after(std::chrono::milliseconds(jittered));
    peer.reconnect->async_wait([this, id](const boost::system::error_code& e) {
      if (!e) dial(id);
    });
  }

  // Every heartbeat period: a ping on each idle peer link (so silence means trouble).
  void tick() {
    ping_timer_.expires_after(std::chrono::milliseconds(options_.heartbeat_ms));
    ping_timer_.async_wait([this](const boost::system::error_code& e) {
      if (e || stopping_) return;
      for (std::uint8_t id = 1; id <= options_.cluster.size(); ++id) {
        Peer& peer = peers_[id - 1u];
        if (id == options_.id || !peer.out || !peer.out->open() || send_blocked(id)) continue;
        if (peer.out->bytes_written() == peer.written_at_tick) {
          const auto now_us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now().time_since_epoch());
          peer.out->send_frame(FrameKind::ping, Ping{static_cast<std::uint64_t>(now_us.count())});
        }
        peer.written_at_tick = peer.out->bytes_written();
      }
      tick();
    });
  }

  // ---- inbound connections ----
  void accept() {
    acceptor_.async_accept([this](const boost::system::error_code& ec, tcp::socket socket) {
      if (stopping_) return;
      if (!ec) {
        auto connection = std::make_shared<Connection>(std::move(socket), options_.frame_limit);
        std::weak_ptr<Connection> weak = connection;
        connection->on_frame([this, weak](const FrameBody& body) { on_hello(weak.lock(), body); });
        connection->on_close([this, remote = connection->remote()](const std::string& reason) {
          log_.info("connection from " + remote + " closed: " + reason);
        });
        connection->start();
      }
      accept();
    });
  }

  void on_hello(const std::shared_ptr<Connection>& connection, const FrameBody& body) {
    if (!connection) return;
    if (body.kind != FrameKind::hello) throw WireError("the first frame is " + std::string(enum_name(body.kind)) + ", not hello");
    const Hello hello = decode_payload<Hello>(body);
    if (hello.cluster_id != options_.cluster.id()) {
      if (hello.node == 0) connection->send_frame(FrameKind::error, ErrorFrame{ClientId{}, 0, error_wrong_cluster});
      throw WireError(fmt::format("hello from another cluster (id {:016x}; this cluster is {:016x}: {})",
                                  hello.cluster_id, options_.cluster.id(), options_.cluster.spec()));
    }
    std::weak_ptr<Connection> weak = connection;
    if (hello.node == 0) {
      connection->send_frame(FrameKind::hello, Hello{options_.cluster.id(), options_.protocol, options_.id});
      connection->on_frame([this, weak](const FrameBody& b) { on_client_frame(weak.lock(), b); });
      return;
    }
    if (hello.protocol != options_.protocol) {
      throw WireError("hello from n" + std::to_string(hello.node) + " running " + std::string(enum_name(hello.protocol)) +
                      ", this node runs " + std::string(enum_name(options_.protocol)));
    }
    if (!options_.cluster.has(hello.node) || hello.node == options_.id) {
      throw WireError("hello from node id " + std::to_string(hello.node) + ", not another member of this cluster");
    }
    const std::uint8_t from = hello.node;
    heard(from);
    connection->on_frame([this, from](const FrameBody& b) { on_peer_frame(from, b); });
    connection->on_close([this, from, remote = connection->remote()](const std::string& reason) {
      log_.info(fmt::format("inbound link from n{} ({}) closed: {}", from, remote, reason));
    });
  }

  void heard(std::uint8_t from) {
    Peer& peer = peers_[from - 1u];
    peer.last_heard = Clock::now();
    peer.heard = true;
  }

  void on_peer_frame(std::uint8_t from, const FrameBody& body) {
    if (receive_blocked(from)) return;
    heard(from);
    switch (body.kind) {
      case FrameKind::peer: {
        Message message = decode_payload<Message>(body);
        feed(typename P::MessageReceived{NodeId{from}, std::move(message)});
        return;
      }
      case FrameKind::ping: (void)decode_payload<Ping>(body); return;
      default: throw WireError("unexpected " + std::string(enum_name(body.kind)) + " frame from n" + std::to_string(from));
    }
  }

  // ---- clients ----
  void on_client_frame(const std::shared_ptr<Connection>& connection, const FrameBody& body) {
    if (!connection) return;
    switch (body.kind) {
      case FrameKind::request: {
        const Request request = decode_payload<Request>(body);
        if (request.client.is_none() || !LockMachine::client_may_send(host_->config().machine, request.command)) {
          connection->send_frame(FrameKind::error, ErrorFrame{request.client, request.sequence, error_bad_request});
          return;
        }
        clients_[request.client] = connection;
        feed(typename P::ClientRequest{request.client, request.sequence, request.command});
        return;
      }
      case FrameKind::status_request: {
        (void)decode_payload<StatusRequest>(body);
        Bytes frame;
        append_text_frame(frame, FrameKind::status, status().dump());
        connection->send(frame);
        return;
      }
      case FrameKind::fault: {
        const Fault fault = decode_payload<Fault>(body);
        if (!options_.allow_faults) throw WireError("fault frame refused: this node was not started with --allow-faults");
        const std::uint32_t others = ~(1u << (options_.id - 1u));
        fault_ = Fault{fault.no_send & others, fault.no_receive & others};
        log_.info(fmt::format("fault injection: frames to mask {:#x} and from mask {:#x} dropped", fault_.no_send,
                              fault_.no_receive));
        connection->send_frame(FrameKind::fault, fault_);
        return;
      }
      default: throw WireError("unexpected " + std::string(enum_name(body.kind)) + " frame from a client");
    }
  }

  template <class T>
  void to_client(ClientId client, FrameKind kind, const T& payload) {
    const auto it = clients_.find(client);
    if (it == clients_.end()) return;
    const auto connection = it->second.lock();
    if (!connection || !connection->open()) {
      clients_.erase(it);
      return;
    }
    connection->send_frame(kind, payload);
  }

  Json status() {
    const NodeView v = view<P>(host_->node());
    const auto now = Clock::now();
    Json peers = Json::array();
    for (std::uint8_t id = 1; id <= options_.cluster.size(); ++id) {
      if (id == options_.id) continue;
      const Peer& peer = peers_[id - 1u];
      const bool cut = send_blocked(id) || receive_blocked(id);
      const bool connected = peer.out && peer.out->open() && !cut;
      std::optional<Clock::time_point> since = peer.down_since;
      if (cut && !since) since = now;
      const bool silent = !peer.heard || now - peer.last_heard > suspect_after_;
      if (!since && silent) since = peer.heard ? peer.last_heard + suspect_after_ : started_;
      const auto ms = [&](Clock::duration d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); };
      peers.push_back({{"node", id},
                       {"connected", connected},
                       {"suspected", since.has_value()},
                       {"suspected_for_ms", since ? ms(now - *since) : 0},
                       {"last_heard_ms", peer.heard ? ms(now - peer.last_heard) : -1},
                       {"dropped", peer.dropped}});
    }
    Json locks = Json::array();
    for (const auto& l : v.locks) {
      if (locks.size() == 1000) break;
      locks.push_back({{"lock", l.lock}, {"holder", l.holder}, {"token", l.token}, {"waiters", l.waiters}});
    }
    return Json{{"node", options_.id},
                {"protocol", std::string(enum_name(options_.protocol))},
                {"role", v.role},
                {"term", v.term},
                {"leader", v.leading ? options_.id : v.leader},
                {"commit", v.commit},
                {"applied", v.applied},
                {"log_entries", v.log_entries},
                {"snapshot_index", v.snapshot_index},
                {"wal_bytes", storage_.wal().wal_bytes()},
                {"checkpoint_bytes", storage_.wal().checkpoint_bytes()},
                {"sessions", v.sessions},
                {"locks_held", v.locks_held},
                {"steps", host_->steps()},
                {"wal_fsyncs", storage_.wal().fsyncs()},
                {"wal_records", storage_.wal().durable_ticket()},
                {"held_outputs", host_->held()},
                {"uptime_ms", std::chrono::duration_cast<std::chrono::milliseconds>(now - started_).count()},
                {"peers", peers},
                {"locks", locks}};
  }

  void fatal(const std::string& message) {
    log_.warn("fatal: " + message + "; stopping");
    stop(1);
  }

  void stop(int code) {
    if (stopping_) return;
    stopping_ = true;
    exit_code_ = code;
    io_.stop();
  }

  NodeOptions options_;
  NodeLogger log_;
  asio::io_context io_;
  DataDir data_dir_;
  Storage<P> storage_;
  tcp::acceptor acceptor_;
  asio::signal_set signals_;
  asio::steady_timer ping_timer_;
  std::mt19937_64 random_;
  Clock::time_point started_;
  Clock::duration suspect_after_{};
  std::optional<Host<P>> host_;
  std::optional<NodeRecorder<P>> recorder_;
  std::vector<std::unique_ptr<TimerSlot>> timers_;
  std::vector<Peer> peers_;
  std::map<ClientId, std::weak_ptr<Connection>> clients_;
  Fault fault_{0, 0};  // test-only (--allow-faults): the peers frames are not sent to or taken from
  std::string last_role_;
  std::uint64_t last_term_ = 0;
  bool stopping_ = false;
  int exit_code_ = 0;
};

}  // namespace lockstep::runtime
