// The lock service's client library: a small synchronous client of a cluster of `lockstep node`s
// (impl/runtime/wire.hpp is the protocol it speaks).
//
// What it does, and nothing more (no protocol decision lives here):
//   - finds the leader: dials the members in turn, follows Redirects, remembers the last leader;
//   - retries a request with the SAME (client, sequence) after a timeout or a lost connection,
//     on the same node or another, until the call's deadline; the lock's state machine
//     deduplicates (a retry of an applied request is answered from the session's record);
//   - waits through `queued` to `granted`, re-sending the acquire every keep-alive period (each
//     re-send is the session's keep-alive);
//   - keeps the session alive: keep_alive() for a caller's own loop, or a background thread
//     (start_keep_alive) that sends one whenever no other request of the session went out for a
//     keep-alive period (ttl/3);
//   - returns typed results, and throws ClientError with one clear line otherwise.
//
// Client ids are 32-bit random nonzero numbers and sequences start at the microseconds since the
// epoch, so a client id reused after a restart opens a fresh session; an open answered `stale`
// picks a new id and opens again.
//
// Every wait is bounded: the client owns an io_context and runs it with run_one_until(deadline).
// One call at a time: every public method takes the client's mutex (the keep-alive thread only
// tries it, and skips its turn while a call is in flight: that call's own re-sends keep the
// session alive, and a keep-alive with a new sequence would make a pending acquire's retries
// stale).
#pragma once

#include <atomic>
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without it

#include <boost/asio.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "impl/runtime/cluster.hpp"
#include "impl/runtime/wire.hpp"
#include "model/core/json.hpp"

namespace lockstep::runtime {

namespace detail {
struct Connection;  // one TCP connection to a member (client.cpp)
}

using Clock = std::chrono::steady_clock;
using Milliseconds = std::chrono::milliseconds;

enum class ClientErrorKind : std::uint8_t {
  unavailable,      // no member answered (in time): the deadline passed
  session_expired,  // the session is gone (expired, or never opened)
  wrong_cluster,    // every member refused our Hello or belongs to another cluster
  refused,          // a node refused the request (ErrorFrame bad_request) or answered stale
  usage,            // a call the client cannot make (acquire before open, ...)
  cancelled,        // cancel() ended the call (its request, if sent, may still take effect)
};

struct ClientError : std::runtime_error {
  ClientError(ClientErrorKind kind, const std::string& what) : std::runtime_error(what), kind(kind) {}
  ClientErrorKind kind;
};

// One step of a call, as a Jepsen history records it (spec/linearizability/history.hpp):
// invoke, then ok / fail (certainly no effect) / info (unknown: a timeout, a cancel). Reported
// for acquire, try_acquire, release (both kinds; f "release", value the token) and close (f
// "close", no key: it frees every lock of the session; ok "closed" or "no_session").
struct ClientEvent {
  enum class Type : std::uint8_t { invoke, ok, fail, info };
  Type type = Type::invoke;
  std::string f;              // acquire | try_acquire | release | close
  std::string key;            // the lock's name
  Json value;                 // invoke: the token released (release), else null;
                              // ok: the token granted, "busy", "released", "not_holder",
                              // "closed" or "no_session"
  std::uint32_t client = 0;
  std::uint64_t sequence = 0;
  std::uint64_t session = 0;
  std::int64_t time_ns = 0;   // nanoseconds since the epoch (system clock): merges across processes
  std::string error;          // fail / info: why
};
std::string_view event_type_name(ClientEvent::Type type);
// The event as `lockstep linearizable` reads it: {"process", "type", "f", "key", "value", "time"}.
// process: the given name (a history's clients are its processes).
Json history_event(const ClientEvent& event, const Json& process);

struct ClientOptions {
  Milliseconds attempt_timeout{1000};   // an unanswered request is re-sent (to another node) after this
  Milliseconds call_timeout{5000};      // the whole call's deadline unless the call gives its own
  Milliseconds acquire_timeout{30000};  // acquire's deadline unless the call gives its own
  Milliseconds backoff{25};             // pause before re-trying when no leader is known (doubles, max 1 s)
  std::uint32_t client_id = 0;          // 0: a random nonzero id
  std::uint64_t first_sequence = 0;     // 0: microseconds since the epoch
  std::function<void(const ClientEvent&)> on_event;  // history hook (called with the mutex held)
};

class LockClient {
 public:
  explicit LockClient(Cluster cluster, ClientOptions options = {});
  ~LockClient();
  LockClient(const LockClient&) = delete;
  LockClient& operator=(const LockClient&) = delete;

  // Opens a session with this time-to-live (the node rounds it up to its housekeeping period);
  // returns the session id. Throws ClientError.
  std::uint64_t open(Milliseconds ttl, std::optional<Milliseconds> timeout = {});
  // Blocks until the lock is granted (returns its fencing token) or the deadline passes
  // (ClientError unavailable; the session may still be queued for the lock, and granted it
  // later: it holds the lock until it expires or releases it).
  std::uint64_t acquire(std::string_view name, std::optional<Milliseconds> timeout = {});
  // The token, or nullopt when another session holds the lock.
  std::optional<std::uint64_t> try_acquire(std::string_view name, std::optional<Milliseconds> timeout = {});
  // true: released; false: this session does not hold the lock with that token.
  bool release(std::string_view name, std::uint64_t token, std::optional<Milliseconds> timeout = {});
  // Release by the token alone (no session needed; session 0 on the wire). false: the lock's
  // holder does not have that token; when the request had to be re-sent, an earlier attempt may
  // have released it (release by token is not deduplicated): last_call_uncertain() says so.
  bool release_by_token(std::string_view name, std::uint64_t token, std::optional<Milliseconds> timeout = {});
  // true: the session is alive; false: it expired (the session is forgotten). Throws
  // ClientError (unavailable) when no node answered in time.
  bool keep_alive(std::optional<Milliseconds> timeout = {});
  // Ends the session (stopping the keep-alive thread first): its locks pass to their waiters,
  // its waits are dropped. true: closed; false: the session was already gone (it expired, or an
  // earlier attempt of this close, re-sent, was applied: last_call_uncertain() says so). Either
  // way the client has no session afterwards. Throws ClientError (unavailable) when no node
  // answered in time: the session then lives until it expires.
  bool close(std::optional<Milliseconds> timeout = {});
  // Ends the call in progress at once, from any thread (e.g. one that watches for Ctrl-C), with
  // ClientError cancelled; when none is in progress, the next call. Every later call is cancelled
  // too, but close(): the client is given up on, and close() ends its session (a cancel() during
  // that close ends it as well).
  void cancel();
  // The status JSON of one member (its own connection; bounded by `timeout`).
  Json status(std::uint8_t member, Milliseconds timeout = Milliseconds{1000});

  // A background thread sends keep-alives every keep_alive_period() while no other request of
  // the session went out; on_lost is called (from that thread, which then ends; it may call
  // close(), not start_keep_alive) once when the session is found expired, or no keep-alive was
  // answered for a whole ttl (it may have expired). Start it after open().
  void start_keep_alive(std::function<void(const std::string& why)> on_lost = {});
  void stop_keep_alive();

  std::uint32_t client_id() const { return client_id_.load(); }
  std::uint64_t session() const { return session_.load(); }
  Milliseconds ttl() const { return ttl_; }
  Milliseconds keep_alive_period() const;
  std::uint8_t leader() const { return leader_.load(); }  // 0: none known
  // Whether the last call's request was re-sent after an attempt whose fate is unknown (no
  // answer in time, or the connection lost after sending): an earlier attempt may have taken
  // effect. A redirect is no such attempt (the node that redirects does not propose).
  bool last_call_uncertain() const { return last_call_unanswered_ > 0; }
  const Cluster& cluster() const { return cluster_; }

 private:
  using Connection = detail::Connection;
  struct CallResult {
    LockOutput output;
    std::uint32_t unanswered = 0;  // attempts sent that ended without an answer
  };

  struct CallState;
  CallResult call(const LockCommand& command, Clock::time_point deadline, std::uint64_t sequence);
  CallResult recorded_call(const char* f, std::string_view name, Json value, const LockCommand& command,
                           Clock::time_point deadline, std::uint64_t sequence);
  bool connect_to_target(CallState& state, std::uint8_t& target, Milliseconds attempt_timeout);
  void give_up_on(CallState& state, std::uint8_t member);
  void back_off(CallState& state);
  std::shared_ptr<Connection> connect(std::uint8_t member, Clock::time_point deadline, std::string& error,
                                      bool& foreign);
  void drop_connection();
  void pause(Milliseconds wait, Clock::time_point deadline);
  [[noreturn]] void throw_cancelled(const CallState& state, bool last_attempt_unanswered);
  std::uint64_t next_sequence() { return sequence_++; }
  Clock::time_point deadline_of(std::optional<Milliseconds> timeout, Milliseconds fallback) const;
  std::uint64_t require_session(const char* what) const;
  bool keep_alive_locked(Clock::time_point deadline);
  void emit(ClientEvent::Type type, const char* f, std::string_view key, Json value, std::uint64_t sequence,
            std::string error = {});
  [[noreturn]] void throw_unavailable(Clock::time_point started, const CallState& state) const;
  // A call's answer that none of its cases expects: recorded as the call's failure, thrown.
  [[noreturn]] void refused(const char* f, std::string_view name, std::uint64_t sequence, const LockOutput& output);
  // The node no longer knows the session: recorded as the call's failure, forgotten here, thrown.
  [[noreturn]] void session_lapsed(const char* f, std::string_view name, std::uint64_t sequence, std::string message);
  void keep_alive_loop(std::function<void(const std::string&)> on_lost);

  const Cluster cluster_;
  const std::uint64_t cluster_id_;
  const ClientOptions options_;
  std::atomic<std::uint32_t> client_id_;
  std::uint64_t sequence_;
  std::atomic<std::uint64_t> session_{0};
  Milliseconds ttl_{0};
  std::atomic<std::uint8_t> leader_{0};
  std::uint8_t next_member_ = 1;  // the member to try when no leader is known
  std::vector<bool> foreign_;     // members found to belong to another cluster
  std::uint32_t last_call_unanswered_ = 0;
  std::atomic<std::int64_t> last_sent_ns_{0};  // steady clock: the session's last request sent
  std::atomic<std::int64_t> last_alive_ns_{0}; // steady clock: the session last confirmed alive

  boost::asio::io_context io_;
  std::shared_ptr<Connection> connection_;
  std::uint8_t connection_member_ = 0;
  std::mutex mutex_;
  std::atomic<bool> cancelled_{false};
  std::mutex cancel_mutex_;               // with cancel_wake_: pause() wakes at a cancel()
  std::condition_variable cancel_wake_;

  std::thread keep_alive_thread_;
  std::mutex keep_alive_mutex_;
  std::condition_variable keep_alive_wake_;
  bool keep_alive_stop_ = false;
};

// Every member's status at once (concurrently, each bounded by `timeout`): the JSON, or an error
// line for a member that did not answer.
struct MemberStatus {
  std::uint8_t member = 0;
  std::optional<Json> status;
  std::string error;
};
std::vector<MemberStatus> query_status(const Cluster& cluster, Milliseconds timeout);

// "5 s", "250 ms", "1.5 s": for messages.
std::string describe_duration(Milliseconds duration);

}  // namespace lockstep::runtime
