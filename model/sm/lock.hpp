// The distributed lock service's replicated state machine: sessions with a time-to-live, locks
// with FIFO waiters and fencing tokens, and exactly-once execution of retried requests. One pure
// apply (model/sm/machine.hpp), replicated by Raft or Multi-Paxos; the same text at model size
// (small inline tables; what the checker explores) and at runtime size (what a node serves).
//
// Commands (each carries the issuing client and its request's sequence number in the log entry):
//   open(ttl_ms)              a new session for the client; answered opened(session), where the
//                             session id is the log position of the open. Its time-to-live is
//                             ttl_ms rounded up to whole housekeeping periods (config.ttl_ms
//                             each), at least one (0: one period);
//   keep_alive(session)       the session's client is alive (so is any other request of the
//                             session, a retry included); answered alive;
//   acquire(session, lock)    granted(token) when the lock is free (or already the session's), else
//                             the session waits in FIFO order (answered queued; the grant is
//                             answered later, to the same request, when the lock is handed over);
//   try_acquire(session, lock) granted(token), or busy instead of waiting;
//   release(session, lock, token)  released when the session holds the lock with that token (the
//                             lock passes to the first waiter, answered granted), else not_holder.
//                             With session 0, the token alone proves the holder (released when the
//                             lock's holder has that token): how another process releases a lock
//                             it was handed the token of (as `etcdctl lock`'s key does); no
//                             deduplication applies (a retry after success is answered not_holder);
//   close(session)            the session's client is done with it: the session ends as on
//                             expiry (its locks pass to their waiters with tokens of this
//                             position, its waits are answered no_session); answered closed. A
//                             retry of an applied close finds no session (no_session): the
//                             session is gone either way (etcd's lease revoke, ZooKeeper's
//                             closeSession, Chubby's Close);
//   expire(session)           proposed by the leader's housekeeping when the session's time-to-live
//                             ran out (no keep-alive applied during its ttl's whole periods): the session
//                             ends, its locks pass to their waiters, its waits are dropped
//                             (answered no_session), its deduplication record is cleared.
// A command of a session that does not exist (expired, or never opened) is answered no_session.
//
// The fencing token of a grant is derived from the log position p of the entry that grants it:
// p * lock_count + lock. So tokens strictly increase per lock (positions do), and no two grants
// in the whole table share a token (one entry, e.g. an expiry, may hand several locks over).
//
// Exactly once: a session remembers its last request's sequence and answer; a retry of that
// request (a client re-sends when an answer is lost or late) is answered from there and takes no
// effect; an older one is answered stale. Opens are deduplicated per client the same way.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>

#include "model/core/ids.hpp"
#include "model/core/names.hpp"
#include "model/core/reflect.hpp"
#include "model/core/sizes.hpp"
#include "model/core/small_vec.hpp"
#include "model/core/step.hpp"
#include "model/sm/machine.hpp"

namespace lockstep::sm {

LOCKSTEP_ENUM(LockOp, open, keep_alive, acquire, try_acquire, release, expire, close)
LOCKSTEP_ENUM(LockAnswer, opened, alive, granted, queued, busy, released, not_holder, no_session, stale, closed)

// Seeded bugs of the lock's own code (model size only):
//   no_dedup                  retried requests are executed again (no deduplication table);
//   follower_answers_locally  a replica that is not the leader answers acquire from its own
//                             applied table instead of redirecting to the leader;
//   local_expiry              the leader expires a session on its own clock, changing its local
//                             table, instead of proposing the expiry through consensus;
//   close_keeps_waits         a close ends the session and frees its locks but leaves its waits
//                             in the locks' queues (an expiry still drops them), so a lock can
//                             later be handed to the closed session;
//   lifo_queue                a freed lock passes to the session that queued for it last, not
//                             first (a stack where the queue should be);
//   grant_not_recorded        a lock handed to a waiter is not recorded as its acquire's answer:
//                             a retry of that acquire (its first grant lost) is told queued again,
//                             and the client waits for a lock it holds until its session expires.
//   release_ignores_token     a release by the session that holds the lock frees it whatever token
//                             it carries (a stale handle of an earlier grant releases the current one).
//   stale_executed            the deduplication table recognises a retry of the session's last
//                             request only: an older request (a late copy from the network) is
//                             executed as a new one, and may take effect a second time.
//   stale_open                the deduplication of opens recognises a retry of the client's last
//                             open only: a late copy of an earlier open (the client has opened
//                             another session since, its first one having ended) opens a session
//                             again.
//   open_retry_misanswered    a retry of an open that took effect is answered with the retry's own
//                             log position, not the session the open made: the client takes a
//                             session that does not exist, and the one it opened expires unused.
//   handover_old_token        a lock handed to a waiter records its acquire's answer with the
//                             lock's previous token (the one the last holder had): a retry of that
//                             acquire is granted a token another client already holds.
LOCKSTEP_ENUM(LockBug, none, no_dedup, follower_answers_locally, local_expiry, close_keeps_waits, lifo_queue,
              grant_not_recorded, try_queues, release_ignores_token, stale_executed, stale_open, open_retry_misanswered,
              handover_old_token, token_release_skips_queue, keep_alive_forgets_answer)

// How commands and answers print in traces: acquire(s3, L0), granted(s3, token 7).
inline void print_lock_command(std::string& out, LockOp op, std::uint64_t session, std::uint64_t lock,
                               std::uint64_t token) {
  out += std::string(lockstep_enum_names(op)[static_cast<std::size_t>(op)]);
  out += '(';
  // A release by token alone carries no session: release(L0, token 3).
  const bool by_token = op == LockOp::release && session == 0;
  if (op != LockOp::open && !by_token) out += "s" + std::to_string(session);
  if (op == LockOp::acquire || op == LockOp::try_acquire || op == LockOp::release) {
    out += (by_token ? "L" : ", L") + std::to_string(lock);
  }
  if (op == LockOp::release) out += ", token " + std::to_string(token);
  out += ')';
}
inline void print_lock_answer(std::string& out, LockAnswer answer, std::uint64_t session, std::uint64_t token) {
  out += std::string(lockstep_enum_names(answer)[static_cast<std::size_t>(answer)]);
  if (answer == LockAnswer::opened || answer == LockAnswer::closed) out += "(s" + std::to_string(session) + ")";
  if (answer == LockAnswer::granted) out += "(token " + std::to_string(token) + ")";
}

struct LockChecks {
  LOCKSTEP_STRUCT(LockChecks, (LockBug, bug));
};

// Model size: sessions open at once (three clients' sessions, and three more opens executed again
// under a bug that forgets deduplication: `simulate lock`'s defaults re-send one, duplicate two).
inline constexpr std::size_t lock_sessions_max = 6;
inline constexpr std::size_t lock_locks_max = 3;     // model size: locks in the table
inline constexpr std::size_t lock_clients_max = 4;   // model size: clients that ever opened

template <class S = ModelSizes>
struct Lock {
  using Sizes = S;
  using Position = typename S::Index;  // a log position (Raft index, Multi-Paxos slot)
  using Sequence = typename S::Sequence;
  using SessionId = Position;          // the position of the session's open; 0 = none
  using LockId = std::conditional_t<S::checked, std::uint8_t, std::uint32_t>;
  using Token = std::conditional_t<S::checked, std::uint16_t, std::uint64_t>;
  using Checks = std::conditional_t<S::checked, LockChecks, NoChecks>;
  static constexpr std::string_view name = "lock";
  static constexpr bool has_housekeeping = true;

  struct Config {
    // lock_count: locks are numbered 0..lock_count-1; ttl_ms: the leader's housekeeping period,
    // the unit of a session's time-to-live (a session of ttl k periods with no keep-alive applied
    // during k whole periods expires).
    LOCKSTEP_STRUCT(Config, (LockId, lock_count), (std::uint32_t, ttl_ms), (Checks, checks));
  };
  using Ttl = std::conditional_t<S::checked, std::uint8_t, std::uint32_t>;  // ms at runtime; periods
  struct Command {
    // ttl_ms: open's requested time-to-live (0 elsewhere).
    LOCKSTEP_STRUCT(Command, (LockOp, op), (SessionId, session), (LockId, lock), (Token, token), (Ttl, ttl_ms));
    friend void lockstep_print(std::string& out, const Command& c) {
      print_lock_command(out, c.op, c.session, c.lock, c.token);
    }
  };
  struct Output {
    LOCKSTEP_STRUCT(Output, (LockAnswer, answer), (SessionId, session), (Token, token));
    friend void lockstep_print(std::string& out, const Output& o) { print_lock_answer(out, o.answer, o.session, o.token); }
  };

  struct Session {
    // ttl_periods: housekeeping periods without a keep-alive after which the session expires.
    LOCKSTEP_STRUCT(Session, (SessionId, id), (ClientId, client), (std::uint8_t, keep_alives),
                    (Sequence, last_sequence), (Output, last_answer), (Ttl, ttl_periods));
  };
  struct Waiter {
    LOCKSTEP_STRUCT(Waiter, (SessionId, session), (ClientId, client), (Sequence, sequence));
  };
  using Waiters = typename S::template Seq<Waiter, lock_sessions_max>;
  struct LockState {
    // holder 0: free. token: the holder's (or the last holder's) fencing token.
    LOCKSTEP_STRUCT(LockState, (LockId, lock), (SessionId, holder), (Token, token), (Waiters, waiters));
  };
  // The last open of each client that ever opened one: its sequence and the session it opened.
  struct Opened {
    LOCKSTEP_STRUCT(Opened, (ClientId, client), (Sequence, sequence), (SessionId, session));
  };
  using Sessions = typename S::template Seq<Session, lock_sessions_max>;
  using Locks = typename S::template Seq<LockState, lock_locks_max>;
  using Opens = typename S::template Seq<Opened, lock_clients_max>;
  struct State {
    LOCKSTEP_STRUCT(State, (Sessions, sessions), (Locks, locks), (Opens, opens));
  };

  // The leader's memory for housekeeping: each session's keep-alive count at the last period,
  // the whole periods since it changed (counted up to the session's ttl), and whether its expiry
  // was already proposed.
  struct Seen {
    LOCKSTEP_STRUCT(Seen, (SessionId, session), (std::uint8_t, keep_alives), (Ttl, quiet), (bool, proposed));
  };
  struct Watch {
    using List = typename S::template Seq<Seen, lock_sessions_max>;
    LOCKSTEP_STRUCT(Watch, (List, seen));
  };

  static bool bug([[maybe_unused]] const Config& config, [[maybe_unused]] LockBug b) {
    if constexpr (S::checked) return config.checks.bug == b;
    return false;
  }
  static std::string_view bug_description(LockBug b) {
    switch (b) {
      case LockBug::none: return "the correct lock";
      case LockBug::no_dedup: return "retried requests are executed again (no deduplication table)";
      case LockBug::follower_answers_locally:
        return "a replica that is not the leader answers acquire from its own table instead of redirecting";
      case LockBug::local_expiry:
        return "the leader expires a session on its own clock, in its local table, not through consensus";
      case LockBug::close_keeps_waits:
        return "a close ends the session but leaves its waits in the locks' queues (a lock may be handed to it later)";
      case LockBug::lifo_queue: return "a freed lock passes to the session that queued for it last, not first";
      case LockBug::grant_not_recorded:
        return "a lock handed to a waiter is not recorded as its acquire's answer (a retry is told queued again)";
      case LockBug::try_queues: return "a try-acquire of a held lock queues its session, as a blocking acquire would";
      case LockBug::release_ignores_token:
        return "a release by the session holding the lock frees it whatever token it carries (an earlier grant's too)";
      case LockBug::stale_executed:
        return "a request older than its session's last (a late copy) is executed as a new one, not answered stale";
      case LockBug::stale_open:
        return "a late copy of a client's earlier open (it has opened a session since) opens another session, not answered stale";
      case LockBug::open_retry_misanswered:
        return "a retried open is answered with the retry's own log position, not the session its first copy opened";
      case LockBug::handover_old_token:
        return "a lock handed to a waiter records the previous holder's token as its acquire's answer (told to a retry)";
      case LockBug::token_release_skips_queue:
        return "a release by token alone (no session) frees the lock but does not pass it to its first waiter";
      case LockBug::keep_alive_forgets_answer:
        return "a keep-alive records its sequence but not its answer, so a retry of it is told the session's previous answer";
    }
    return "?";
  }

  static Session* find_session(State& state, SessionId id) {
    if (id == 0) return nullptr;
    for (auto& s : state.sessions) {
      if (s.id == id) return &s;
    }
    return nullptr;
  }
  static const LockState* find_lock(const State& state, LockId lock) {
    for (const auto& l : state.locks) {
      if (l.lock == lock) return &l;
    }
    return nullptr;
  }
  // The lock's entry, created free on first use (kept sorted by lock id).
  static LockState& lock_entry(State& state, LockId lock) {
    auto at = std::find_if(state.locks.begin(), state.locks.end(), [&](const LockState& l) { return l.lock >= lock; });
    if (at != state.locks.end() && at->lock == lock) return *at;
    return *state.locks.insert(at, LockState{lock, 0, 0, {}});
  }
  static Token token_at(const Config& config, Position position, LockId lock) {
    return static_cast<Token>(static_cast<Token>(position) * static_cast<Token>(std::max<LockId>(config.lock_count, 1)) +
                              static_cast<Token>(lock));
  }
  static Output answer(LockAnswer a, SessionId session = 0, Token token = 0) { return Output{a, session, token}; }

  // Hands a freed lock to its first waiter (if any) with a token of this position, answering
  // the waiter's pending acquire (and recording the answer for its retries).
  template <class ReplyFn>
  static void hand_over(const Config& config, State& state, LockState& l, Token token, ReplyFn& reply) {
    l.holder = 0;
    if (l.waiters.empty()) return;
    const auto first = bug(config, LockBug::lifo_queue) ? l.waiters.end() - 1 : l.waiters.begin();
    const Waiter next = *first;
    l.waiters.erase(first);
    l.holder = next.session;
    const Token previous = l.token;
    l.token = token;
    const Output granted = answer(LockAnswer::granted, next.session, token);
    Session* s = find_session(state, next.session);
    if (s && s->last_sequence == next.sequence && !bug(config, LockBug::grant_not_recorded)) {
      s->last_answer = bug(config, LockBug::handover_old_token) ? answer(LockAnswer::granted, next.session, previous) : granted;
    }
    reply(next.client, next.sequence, granted);
  }

  // Ends a session: its locks pass to their waiters (tokens of `position`, or one past the
  // lock's last token when there is no position: the local-expiry bug), its waits are dropped
  // (unless `keep_waits`: the close-keeps-waits bug).
  template <class ReplyFn>
  static void end_session(const Config& config, State& state, SessionId id, std::optional<Position> position,
                          ReplyFn& reply, bool keep_waits = false) {
    for (auto& l : state.locks) {
      if (keep_waits) break;
      for (std::size_t w = 0; w < l.waiters.size();) {
        if (l.waiters[w].session == id) {
          reply(l.waiters[w].client, l.waiters[w].sequence, answer(LockAnswer::no_session));
          l.waiters.erase(l.waiters.begin() + static_cast<std::ptrdiff_t>(w));
        } else {
          ++w;
        }
      }
    }
    for (auto& l : state.locks) {
      if (l.holder != id) continue;
      const Token token = position ? token_at(config, *position, l.lock) : static_cast<Token>(l.token + 1);
      hand_over(config, state, l, token, reply);
    }
    state.sessions.erase(std::find_if(state.sessions.begin(), state.sessions.end(),
                                      [&](const Session& s) { return s.id == id; }));
  }

  template <class Position_, class Sequence_, class ReplyFn>
  static bool apply(const Config& config, State& state, Position_ position_, ClientId client, Sequence_ sequence_,
                    const Command& command, ReplyFn&& reply) {
    const auto position = static_cast<Position>(position_);
    const auto sequence = static_cast<Sequence>(sequence_);
    const bool dedup = !bug(config, LockBug::no_dedup);
    switch (command.op) {
      case LockOp::open: {
        auto opened = std::find_if(state.opens.begin(), state.opens.end(), [&](const Opened& o) { return o.client == client; });
        if (dedup && opened != state.opens.end()) {
          if (opened->sequence == sequence) {
            reply(client, sequence,
                  answer(LockAnswer::opened, bug(config, LockBug::open_retry_misanswered) ? position : opened->session));
            return false;
          }
          if (sequence < opened->sequence && !bug(config, LockBug::stale_open)) {
            reply(client, sequence, answer(LockAnswer::stale));
            return false;
          }
        }
        const Output out = answer(LockAnswer::opened, position);
        state.sessions.push_back(Session{position, client, 0, sequence, out, ttl_periods(config, command.ttl_ms)});
        if (opened != state.opens.end()) {
          *opened = Opened{client, sequence, position};
        } else {
          state.opens.push_back(Opened{client, sequence, position});
        }
        reply(client, sequence, out);
        return true;
      }
      case LockOp::expire: {
        if (!find_session(state, command.session)) return false;  // already ended
        end_session(config, state, command.session, position, reply);
        return true;
      }
      case LockOp::release:
        if (command.session == 0) return release_by_token(config, state, position, client, sequence, command, reply);
        break;
      default: break;
    }
    Session* session = find_session(state, command.session);
    if (!session || session->client != client) {
      reply(client, sequence, answer(LockAnswer::no_session));
      return false;
    }
    // Any request of the session shows its client alive (a retry too: Chubby's KeepAlive is a
    // blocking call that a waiting client keeps re-sending), so housekeeping spares the session.
    ++session->keep_alives;
    if (dedup && sequence == session->last_sequence) {
      reply(client, sequence, session->last_answer);
      return false;
    }
    if (dedup && sequence < session->last_sequence && !bug(config, LockBug::stale_executed)) {
      reply(client, sequence, answer(LockAnswer::stale));
      return false;
    }
    session->last_sequence = sequence;
    bool took_effect = true;
    Output out;
    switch (command.op) {
      case LockOp::keep_alive:
        out = answer(LockAnswer::alive, session->id);
        if (bug(config, LockBug::keep_alive_forgets_answer)) {  // seeded: last_answer left as it was
          reply(client, sequence, out);
          return true;
        }
        break;
      case LockOp::acquire:
      case LockOp::try_acquire: {
        LockState& l = lock_entry(state, command.lock);
        if (l.holder == 0) {
          l.holder = session->id;
          l.token = token_at(config, position, command.lock);
          out = answer(LockAnswer::granted, session->id, l.token);
        } else if (l.holder == session->id) {
          out = answer(LockAnswer::granted, session->id, l.token);
          took_effect = false;
        } else if (command.op == LockOp::try_acquire && !bug(config, LockBug::try_queues)) {
          out = answer(LockAnswer::busy, session->id);
          took_effect = false;
        } else {
          l.waiters.push_back(Waiter{session->id, client, sequence});
          out = answer(LockAnswer::queued, session->id);
        }
        break;
      }
      case LockOp::release: {
        const LockState* found = find_lock(state, command.lock);
        if (!found || found->holder != session->id ||
            (found->token != command.token && !bug(config, LockBug::release_ignores_token))) {
          out = answer(LockAnswer::not_holder, session->id);
          took_effect = false;
          break;
        }
        out = answer(LockAnswer::released, session->id, command.token);
        session->last_answer = out;
        reply(client, sequence, out);
        hand_over(config, state, lock_entry(state, command.lock), token_at(config, position, command.lock), reply);
        return true;
      }
      case LockOp::close: {
        // The session's own waits are answered no_session (by end_session), then the close.
        const SessionId id = session->id;
        end_session(config, state, id, position, reply, bug(config, LockBug::close_keeps_waits));
        reply(client, sequence, answer(LockAnswer::closed, id));
        return true;
      }
      default: break;
    }
    session->last_answer = out;
    reply(client, sequence, out);
    return took_effect;
  }

  // A requested time-to-live in whole housekeeping periods (rounded up; at least one).
  static Ttl ttl_periods(const Config& config, Ttl ttl_ms) {
    if (config.ttl_ms == 0 || ttl_ms <= config.ttl_ms) return 1;
    return static_cast<Ttl>((static_cast<std::uint64_t>(ttl_ms) + config.ttl_ms - 1) / config.ttl_ms);
  }

  // release(0, lock, token): the token alone proves the holder.
  template <class ReplyFn>
  static bool release_by_token(const Config& config, State& state, Position position, ClientId client,
                               Sequence sequence, const Command& command, ReplyFn& reply) {
    const LockState* found = find_lock(state, command.lock);
    if (!found || found->holder == 0 || found->token != command.token) {
      reply(client, sequence, answer(LockAnswer::not_holder));
      return false;
    }
    reply(client, sequence, answer(LockAnswer::released, found->holder, command.token));
    LockState& l = lock_entry(state, command.lock);
    if (bug(config, LockBug::token_release_skips_queue)) {  // seeded: freed, its waiters left in the queue
      l.holder = 0;
      return true;
    }
    hand_over(config, state, l, token_at(config, position, command.lock), reply);
    return true;
  }

  // Whether a client may send this command at all (a node refuses the others before they reach
  // the log): expire is the leader's own; a lock must be one of the table's.
  static bool client_may_send(const Config& config, const Command& command) {
    switch (command.op) {
      case LockOp::expire: return false;
      case LockOp::acquire:
      case LockOp::try_acquire:
      case LockOp::release: return command.lock < config.lock_count;
      default: return true;
    }
  }

  static Delay housekeeping_delay(const Config& config) { return Delay::fixed(config.ttl_ms); }

  // On the leader, every period: a session whose keep-alive count has not changed during its
  // ttl's whole periods is proposed for expiry, once.
  template <class Propose>
  static void housekeeping(const Config& config, State& state, Watch& watch, Propose&& propose) {
    typename Watch::List next{};
    std::optional<SessionId> local_expiry;
    for (const Session& s : state.sessions) {
      const auto seen = std::find_if(watch.seen.begin(), watch.seen.end(), [&](const Seen& w) { return w.session == s.id; });
      if (seen == watch.seen.end() || seen->keep_alives != s.keep_alives) {
        next.push_back(Seen{s.id, s.keep_alives, 0, false});
        continue;
      }
      const Ttl quiet = static_cast<Ttl>(std::min<std::uint64_t>(seen->quiet + 1u, std::max<Ttl>(s.ttl_periods, 1)));
      if (quiet < s.ttl_periods) {
        next.push_back(Seen{s.id, s.keep_alives, quiet, false});
        continue;
      }
      if (!seen->proposed) {
        if (bug(config, LockBug::local_expiry)) {
          local_expiry = s.id;
        } else {
          propose(Command{LockOp::expire, s.id, 0, 0, 0});
        }
      }
      next.push_back(Seen{s.id, s.keep_alives, quiet, true});
    }
    watch.seen = std::move(next);
    if (local_expiry) {
      // The seeded bug: the leader's own table changes, no log entry records it, nobody is told.
      auto ignore = [](ClientId, Sequence, const Output&) {};
      end_session(config, state, *local_expiry, std::nullopt, ignore);
    }
  }

  // Correct: never (every lock command goes through consensus). The seeded bug answers an acquire
  // from the replica's own table when the lock is free there.
  static std::optional<Output> answer_locally(const Config& config, const State& state, const Command& command) {
    if (!bug(config, LockBug::follower_answers_locally)) return std::nullopt;
    if (command.op != LockOp::acquire && command.op != LockOp::try_acquire) return std::nullopt;
    const LockState* l = find_lock(state, command.lock);
    if (l && l->holder != 0) return std::nullopt;
    return answer(LockAnswer::granted, command.session, static_cast<Token>((l ? l->token : 0) + 1));
  }
};

using ModelLock = Lock<ModelSizes>;
using RuntimeLock = Lock<RuntimeSizes>;

static_assert(ReplicatedMachine<ModelLock>);
static_assert(ReplicatedMachine<RuntimeLock, std::uint64_t, std::uint64_t>);

}  // namespace lockstep::sm
