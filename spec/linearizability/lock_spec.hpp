// A lock service with fencing tokens, per key (the lock's name); clients are processes.
//
//   acquire        (blocking) -> ok token: the lock was free and token > every token granted
//                  on this key (the caller now holds it), or the caller already held it with
//                  this very token (a re-acquire, no change).
//   try_acquire    -> ok token: as acquire;  -> ok "busy": another process holds the lock.
//   release token  -> ok "released": the caller held the lock with this token (now free);
//                  -> ok "not_holder": it did not.
//   expire process (no key: every lock) -> ok: a session expiry, performed by the lock service
//                  under a pseudo-process of its own; every lock the process holds is freed (the
//                  last token granted is unchanged).
//   close          (no key: every lock) -> ok "closed" or "no_session": the caller ends its own
//                  session (LockClient::close); as an expiry, every lock the caller holds is freed.
//                  "no_session" (the session was gone already, or an earlier attempt closed it)
//                  promises the same: the caller holds nothing afterwards.
//
// Every call but an expire or a close runs in its process's session, and takes effect before the
// session's end (an expire of the process, or its close) or never (SessionSpec below).
//
// An acquire whose completion is unknown (info, pending) may have been granted a token nobody
// saw. The state keeps such a token symbolic: it is only known to lie above every token granted
// before it, and is pinned when a later call reveals it (a release, a re-acquire) or bounds it (a
// later grant must be greater). `unknown_grants` counts the symbolic tokens above `last`.
// (One approximation: a "not_holder" answer to a holder whose token is symbolic does not record
// that the token differs from the one released.)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "spec/linearizability/spec.hpp"

namespace lockstep::linearizability {

struct LockSpec {
  static constexpr std::string_view name = "lock";

  struct State {
    std::optional<ProcessId> holder;
    std::optional<std::int64_t> holder_token;  // nullopt while held: the holder's token is symbolic
    std::optional<std::int64_t> last;          // the greatest token known to be granted
    std::uint32_t unknown_grants = 0;          // symbolic tokens granted after `last`
    bool operator==(const State&) const = default;
  };
  enum class Kind : std::uint8_t { acquire, try_acquire, release, expire, close };
  enum class Answer : std::uint8_t { unknown, token, busy, released, not_holder, done };
  struct Operation {
    Kind kind = Kind::acquire;
    std::optional<std::string> key;  // nullopt: an expire or a close, of every lock
    ProcessId process = 0;           // the caller (for expire: the process whose session expired)
    std::int64_t token = 0;          // release: the token released; acquire answered token: it
    Answer answer = Answer::unknown;
  };

  static State init() { return State{}; }
  static std::optional<State> step(const State& state, const Operation& op);

  static std::uint64_t hash(const State& state) {
    std::uint64_t h = state.holder ? *state.holder + 1 : 0;
    h = h * 0x100000001b3ULL ^ (state.holder_token ? static_cast<std::uint64_t>(*state.holder_token) : 0x5bd1e995ULL);
    h = h * 0x100000001b3ULL ^ (state.last ? static_cast<std::uint64_t>(*state.last) : 0x27d4eb2fULL);
    return h * 0x100000001b3ULL ^ state.unknown_grants;
  }
  static std::optional<std::string> partition(const Operation& op) { return op.key; }
  // Sessions (SessionSpec): an acquire, try_acquire or release runs in its caller's session; an
  // expire ends its victim's, a close its caller's. The lock service answers a command of an
  // ended session no_session (model/sm/lock.hpp), never ok: a grant, a busy answer or a release
  // takes effect before its session's end or not at all.
  static std::optional<ProcessId> session_of(const Operation& op) {
    if (op.kind == Kind::expire || op.kind == Kind::close) return std::nullopt;
    return op.process;
  }
  static std::optional<ProcessId> ends_session_of(const Operation& op) {
    if (op.kind == Kind::expire || op.kind == Kind::close) return op.process;
    return std::nullopt;
  }
  // Left out of a lock's search (RedundancySpec; specs.cpp says why each is safe):
  //  - an acquire or try_acquire with an unknown outcome that is its process's last call on the
  //    lock, when the process's other calls on it all returned ok and no "busy" answer returns
  //    after its invocation (a nemesis client that gave up on a lock and whose session expired);
  //  - an expiry or a close of a process that calls no acquire or try_acquire on the lock (that
  //    remains).
  static std::vector<bool> redundant(std::span<const KeyCall<Operation>> calls);

  static Operation parse_input(const RawCall& raw, History& history);
  static void parse_output(Operation& op, const RawCall& raw);
  static std::string describe(const State& state, const History& history);
  static std::string describe(const Operation& op, const History& history);
};

static_assert(RedundancySpec<LockSpec>);
static_assert(SessionSpec<LockSpec>);

}  // namespace lockstep::linearizability
