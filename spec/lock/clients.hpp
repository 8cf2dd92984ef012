// The lock service's clients, as a World environment (checker/world/environment.hpp says what one
// provides; checker/lock/world.hpp makes it the lock's), generic over the consensus protocol that
// replicates the lock (Raft or Multi-Paxos over sm::Lock).
//
// Each client runs the classic script: open a session, acquire its lock (client i wants lock
// i mod locks; with --try-acquire it asks once and gives up when busy), write to the resource
// the lock protects with its fencing token, release. Every request goes to any node (one that
// only redirects does not take it, see World) and may be re-sent, with the same sequence number,
// while unanswered (a timeout: the retry budget). An answer reaches its client in the step that
// produces it: for the client, a late answer is the same as a late step of the node (which the
// checker explores anyway), and the calls' intervals are then the shortest, the hardest case for
// linearizability. Answers to a request the client no longer waits for are ignored.
//
// A client holding the lock may PAUSE (a long GC pause) and later resume. Time is abstracted as
// leases are meant to work: a client that is not paused learns that its session expired no later
// than any replica applies the expiry (its lease timeout is shorter than the service's TTL), and
// stops acting; a paused client does not, and when it resumes it still believes it holds the lock
// and writes with its old token. A client waiting for its lock (its acquire unanswered, or
// queued) may GIVE UP (--give-ups, a budget), as `lock acquire --timeout` and Ctrl-C do: it stops
// waiting and, with --close, closes its session (else it walks away, its session left to
// expire); the acquire it abandoned may still be granted until the session ends. The resource
// remembers the highest token it accepted and rejects lower ones (fencing) — unless the seeded
// bug `resource_ignores_fencing` is on.
//
// An answer may be LOST on its way (--lost-answers, a budget): a client with a request to make or
// waiting for its answer stops hearing the answers to it until it re-sends it (a lost reply and
// the client's timeout; that re-send is not one of --retries). The re-sent request is answered
// from the session's record (the deduplication table), which is how a waiter learns a grant it
// missed. An answer no call of its kind can have (a release answered `granted`, an acquire
// answered `released`) is an answer no order of the calls explains: LOCK-Linearizable breaks at
// once.
//
// A client may go ROUND the script more than once on its session (--rounds N): after its release
// is answered it acquires again, and each grant brings a new token. Two kinds of misbehaviour the
// service must survive, each a budget in all:
//   - a STALE TOKEN (--stale-tokens, from the second round on): the client's release carries the
//     token of its previous grant, as client code that kept an old lock handle sends. Every grant's
//     token is new, so the stale token is no holder's: the service must answer not_holder and
//     leave the lock held (the sequential lock of spec/lock/linearization.hpp says so). The client
//     then goes on as after any release.
//   - a STALE REQUEST (--stale-requests): a late copy of the client's last acquire, delayed in the
//     network, reaches a node after the client has moved on (its sequence is below the session's
//     last). The service must answer it stale and grant nothing: LOCK-ExactlyOnce breaks if it
//     takes effect again. Nobody waits for its answer. Once the client has opened a second
//     session (below), the late copy may also be of its first open: the service must answer it
//     stale and open nothing.
//
// A client may RELEASE BY TOKEN (--token-releases, a budget in all): its release carries no
// session, only the token, as `lockstep lock release --token` sends it from another process (the
// one that acquired may be gone). The service frees the lock if it is held with that token and
// passes it on as any release does. Such a release has no session to record its answer, so it is
// not deduplicated: a re-sent one (after a lost answer or a timeout) answered not_holder may have
// released the lock with an earlier copy. The client takes that answer as uncertain (the call
// took effect before it, or never), as `lock release` reports it ("uncertain").
//
// A client whose session ended under it (it expired, or a request was answered no_session) may
// OPEN A NEW ONE (--reopens, a budget), as a client library that lost its session does (Chubby's
// clients start a new session; etcd's re-grant a lease): it opens again, with the next sequence
// number, and goes on with its script from the acquire.
//
// The environment also records what LOCK-Linearizable needs: each client's calls and answers,
// and the service's expiries, folded into the online linearization (spec/lock/linearization.hpp).
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "model/core/json.hpp"
#include "model/core/print.hpp"
#include "model/core/reflect.hpp"
#include "model/core/small_vec.hpp"
#include "model/sm/lock.hpp"
#include "spec/lock/linearization.hpp"
#include "spec/world_state.hpp"

namespace lockstep::lock {

// keep_alive: it holds its lock (as in hold) and waits for the answer to a keep-alive it sent.
LOCKSTEP_ENUM(Phase, open, acquire, hold, release, done, close, keep_alive)
// Whether a client in `phase` is in its critical section: it holds its lock (as it believes).
inline bool holding(Phase phase) { return phase == Phase::hold || phase == Phase::keep_alive; }
// Whether a client believes it holds its lock with a valid lease: holding, and its session not
// expired while it was paused (LOCK-MutualExclusion, the refinement's `believes`).
template <class Client>
bool believes_holding(const Client& client) {
  return holding(client.phase) && !client.expired;
}

// What the checker's clients do (`lockstep check lock` options).
struct ClientParams {
  LOCKSTEP_STRUCT(ClientParams, (std::uint8_t, clients), (std::uint8_t, locks), (std::uint8_t, pauses),
                  (std::uint8_t, retries), (bool, try_acquire), (bool, resource_ignores_fencing), (bool, closes),
                  (std::uint8_t, give_ups), (std::uint8_t, lost_answers), (std::uint8_t, try_clients),
                  (std::uint8_t, rounds), (std::uint8_t, stale_tokens), (std::uint8_t, stale_requests),
                  (std::uint8_t, reopens), (std::uint8_t, token_releases), (std::uint8_t, keep_alives));
  // closes: each client ends by closing its session (which releases its lock) instead of
  // releasing the lock, and one that gives up closes it (--close). give_ups: how many times, in
  // all, a waiting client may give up (--give-ups). lost_answers: how many times, in all, a
  // client stops hearing its request's answers until it re-sends it (--lost-answers).
  // try_acquire: every client try-acquires (answered busy when the lock is held, it tries again)
  // instead of waiting in the queue (--try-acquire); try_clients: only that many, the last ones, do
  // (--try-clients), the others wait. rounds: how many times each client acquires, writes and
  // releases on its session (0 or 1: once; --rounds). stale_tokens, stale_requests: how many times,
  // in all, a release carries an earlier grant's token, and a late copy of an acquire arrives
  // (--stale-tokens, --stale-requests). reopens: how many times, in all, a client whose session
  // ended under it opens a new one (--reopens). token_releases: how many times, in all, a release
  // carries no session, only the token (--token-releases). keep_alives: how many times, in all,
  // a client holding its lock sends its session a keep-alive before it writes (--keep-alives).
  static constexpr std::string_view lockstep_added_fields[] = {"closes",         "give_ups",     "lost_answers",
                                                               "try_clients",    "rounds",       "stale_tokens",
                                                               "stale_requests", "reopens",      "token_releases",
                                                               "keep_alives"};
  // Does client c try-acquire rather than wait?
  bool tries(std::size_t c) const { return try_acquire || c + try_clients >= clients; }
  // Is round `round` (from 0) a client's last?
  bool last_round(std::uint8_t round) const { return round + 1 >= std::max<std::uint8_t>(rounds, 1); }
};

template <class P>
struct LockClients {
  using L = typename P::StateMachine;
  using Command = typename L::Command;
  using Output = typename L::Output;
  using Token = typename L::Token;
  using SessionId = typename L::SessionId;
  using Sequence = typename P::Sequence;
  using Request = typename P::ClientRequest;

  struct Client {
    // expired: its session ended while it was paused (it does not know yet). deaf: the answers
    // to its request are lost until it re-sends it. round: the rounds done (from 0). old_token:
    // the token of its grant before the current one (0: none). stale_token: its release carries
    // old_token. acquired_with: the sequence of its last granted acquire (0: none), whose late
    // copy --stale-requests sends. lost: it stopped because its session ended under it (so it
    // may open a new one); reopened: it has opened more than one session (a late copy of its
    // first open may then arrive). by_token: its release carries the token alone, no session;
    // resent: that release was sent again (its not_holder answer is then uncertain).
    LOCKSTEP_STRUCT(Client, (Phase, phase), (SessionId, session), (Sequence, sequence), (bool, sent), (bool, queued),
                    (Token, token), (bool, paused), (bool, expired), (bool, deaf), (std::uint8_t, round), (Token, old_token),
                    (bool, stale_token), (Sequence, acquired_with), (bool, lost), (bool, reopened), (bool, by_token),
                    (bool, resent));
    static constexpr std::string_view lockstep_added_fields[] = {"deaf", "round",    "old_token", "stale_token", "acquired_with",
                                                                 "lost", "reopened", "by_token",  "resent"};
  };
  struct Resource {
    // highest: the highest token accepted; accepted_below: a write with a lower token was accepted.
    LOCKSTEP_STRUCT(Resource, (Token, highest), (std::uint8_t, writes), (bool, accepted_below));
  };
  struct Budget {
    LOCKSTEP_STRUCT(Budget, (std::uint8_t, pauses), (std::uint8_t, retries), (std::uint8_t, give_ups),
                    (std::uint8_t, lost_answers), (std::uint8_t, stale_tokens), (std::uint8_t, stale_requests),
                    (std::uint8_t, reopens), (std::uint8_t, token_releases), (std::uint8_t, keep_alives));
    static constexpr std::string_view lockstep_added_fields[] = {"give_ups", "lost_answers", "stale_tokens", "stale_requests",
                                                                 "reopens", "token_releases", "keep_alives"};
  };
  using Clients = SmallVec<Client, sm::lock_clients_max>;
  using Resources = SmallVec<Resource, sm::lock_locks_max>;
  using Ended = SmallVec<SessionId, 8>;
  struct State {
    LOCKSTEP_STRUCT(State, (Clients, clients), (Resources, resources), (Budget, budget), (Ended, ended),
                    (Linearization, history));
  };
  template <class S>
  using WorldStateOf = ClientWorldState<P, S, State>;
  template <class WS>
  static auto& of(WS& state) {
    return state.clients;
  }

  struct Write {
    LOCKSTEP_STRUCT(Write, (ClientId, client), (std::uint8_t, lock), (Token, token), (bool, accepted));
    friend void lockstep_print(std::string& out, const Write& a) {
      out += to_string(a.client) + " writes to the resource of L" + std::to_string(a.lock) + " with token " +
             std::to_string(a.token) + (a.accepted ? ": accepted" : ": rejected (a higher token was seen)");
    }
  };
  struct Pause {
    LOCKSTEP_STRUCT(Pause, (ClientId, client));
    friend void lockstep_print(std::string& out, const Pause& a) {
      out += to_string(a.client) + " pauses (a long GC pause), still believing it holds its lock";
    }
  };
  struct Resume {
    LOCKSTEP_STRUCT(Resume, (ClientId, client));
    friend void lockstep_print(std::string& out, const Resume& a) { out += to_string(a.client) + " resumes"; }
  };
  struct GiveUp {
    LOCKSTEP_STRUCT(GiveUp, (ClientId, client), (std::uint8_t, lock), (bool, closes));
    friend void lockstep_print(std::string& out, const GiveUp& a) {
      out += to_string(a.client) + " gives up waiting for L" + std::to_string(a.lock) +
             (a.closes ? " and will close its session" : " and walks away (its session left to expire)");
    }
  };
  struct LoseAnswer {
    LOCKSTEP_STRUCT(LoseAnswer, (ClientId, client));
    friend void lockstep_print(std::string& out, const LoseAnswer& a) {
      out += "the answers to " + to_string(a.client) + "'s request are lost on the way, until it times out and re-sends it";
    }
  };
  struct StaleToken {
    LOCKSTEP_STRUCT(StaleToken, (ClientId, client), (std::uint8_t, lock), (Token, token));
    friend void lockstep_print(std::string& out, const StaleToken& a) {
      out += to_string(a.client) + " will release L" + std::to_string(a.lock) + " with the token of its earlier grant, " +
             std::to_string(a.token) + " (a stale lock handle)";
    }
  };
  struct Reopen {
    LOCKSTEP_STRUCT(Reopen, (ClientId, client));
    friend void lockstep_print(std::string& out, const Reopen& a) {
      out += to_string(a.client) + " has lost its session and opens a new one";
    }
  };
  struct ReleaseByToken {
    LOCKSTEP_STRUCT(ReleaseByToken, (ClientId, client), (std::uint8_t, lock), (Token, token));
    friend void lockstep_print(std::string& out, const ReleaseByToken& a) {
      out += to_string(a.client) + " will release L" + std::to_string(a.lock) + " by its token alone, " +
             std::to_string(a.token) + ", with no session (as `lockstep lock release --token` does)";
    }
  };
  struct KeepAlive {
    LOCKSTEP_STRUCT(KeepAlive, (ClientId, client));
    friend void lockstep_print(std::string& out, const KeepAlive& a) {
      out += to_string(a.client) + " sends its session a keep-alive before it writes (as a client holding a lock does "
             "while it works)";
    }
  };
  using ClientAction = std::variant<Write, Pause, Resume, GiveUp, LoseAnswer, StaleToken, Reopen, ReleaseByToken, KeepAlive>;

  static constexpr std::string_view protocol_name = "lock";
  ClientParams params{};

  static ClientId id_of(std::size_t c) { return ClientId{static_cast<std::uint32_t>(c + 1)}; }
  std::uint8_t lock_of(std::size_t c) const { return static_cast<std::uint8_t>(c % std::max<std::uint8_t>(params.locks, 1)); }

  State initial() const {
    State s{};
    for (std::size_t c = 0; c < params.clients; ++c) {
      s.clients.push_back(Client{Phase::open, 0, 1, false, false, 0, false, false, false, 0, 0, false, 0, false, false, false, false});
    }
    for (std::size_t k = 0; k < params.locks; ++k) s.resources.push_back(Resource{});
    s.budget = Budget{params.pauses, params.retries, params.give_ups, params.lost_answers, params.stale_tokens,
                      params.stale_requests, params.reopens, params.token_releases, params.keep_alives};
    s.history = Linearization::initial(params.clients, params.locks);
    return s;
  }
  static void canonicalize(State&) {}  // no node ids, no multisets inside
  static std::size_t symmetric_values() { return 0; }

  // The request client c would send now, if it has one.
  std::optional<Command> outstanding(const Client& client, std::size_t c) const {
    switch (client.phase) {
      case Phase::open: return Command{sm::LockOp::open, 0, 0, 0, 0};
      case Phase::acquire:
        return Command{params.tries(c) ? sm::LockOp::try_acquire : sm::LockOp::acquire, client.session, lock_of(c), 0, 0};
      case Phase::release:
        return Command{sm::LockOp::release, client.by_token ? SessionId{0} : client.session, lock_of(c),
                       client.stale_token ? client.old_token : client.token, 0};
      case Phase::close: return Command{sm::LockOp::close, client.session, 0, 0, 0};
      case Phase::keep_alive: return Command{sm::LockOp::keep_alive, client.session, 0, 0, 0};
      default: return std::nullopt;
    }
  }

  template <class F>
  void for_each_request(const State& state, NodeId, F&& f) const {
    for (std::size_t c = 0; c < state.clients.size(); ++c) {
      const Client& client = state.clients[c];
      // A late copy of its last granted acquire, after the client moved on (paused or not: the
      // network delays it, not the client).
      if (state.budget.stale_requests > 0 && client.acquired_with != 0 && client.sequence > client.acquired_with) {
        const Command late{params.tries(c) ? sm::LockOp::try_acquire : sm::LockOp::acquire, client.session, lock_of(c), 0, 0};
        f(Request{id_of(c), client.acquired_with, late}, [](State& next) { --next.budget.stale_requests; });
      }
      // A late copy of its first open (sequence 1), once it has opened a second session.
      if (state.budget.stale_requests > 0 && client.reopened) {
        f(Request{id_of(c), Sequence{1}, Command{sm::LockOp::open, 0, 0, 0, 0}},
          [](State& next) { --next.budget.stale_requests; });
      }
      if (client.paused) continue;
      const auto command = outstanding(client, c);
      if (!command) continue;
      if (client.sent && state.budget.retries == 0 && !client.deaf) continue;  // a deaf client re-sends anyway
      f(Request{id_of(c), client.sequence, *command}, [c, op = command->op, lock = command->lock,
                                                      stale = client.phase == Phase::release && client.stale_token](State& next) {
        Client& cl = next.clients[c];
        if (cl.sent) {  // a retry: the same request again (after a lost answer, its timeout's)
          if (cl.by_token) cl.resent = true;
          if (cl.deaf) {
            cl.deaf = false;
          } else {
            --next.budget.retries;
          }
          return;
        }
        cl.sent = true;
        // (a keep-alive changes no lock: the lock's history has no call for it)
        if (op != sm::LockOp::open && op != sm::LockOp::keep_alive) next.history.call(c, op, lock, stale);
      });
    }
  }

  // Answers reach their clients, and the service's expiries are seen, in the order the step's
  // effects say (an entry's Applied before its answers).
  template <class Step>
  void observe_step(State& state, NodeId, const Step& step) const {
    for (const auto& effect : step.effects) {
      std::visit(
          [&](const auto& e) {
            if constexpr (requires { e.payload.output; }) {
              if (e.client.is_none() || e.client.value > state.clients.size()) return;
              const std::size_t c = e.client.value - 1;
              const Client& client = state.clients[c];
              if (!waiting(client) || client.sequence != e.sequence || client.deaf) return;  // not waited for, or lost
              receive(state, c, e.payload.output);
            } else if constexpr (requires { e.command.took_effect; }) {
              const Command& command = e.command.command;
              if (command.op != sm::LockOp::expire || !e.command.took_effect) return;
              if (has_ended(state, command.session)) return;
              state.ended.push_back(command.session);
              session_ended(state, command.session);
            }
          },
          effect);
    }
  }

  template <class F>
  void for_each_client_action(const State& state, F&& emit) const {
    for (std::size_t c = 0; c < state.clients.size(); ++c) {
      const Client& client = state.clients[c];
      if (state.budget.give_ups > 0 && client.phase == Phase::acquire && client.sent) {
        State next = state;
        --next.budget.give_ups;
        Client& cl = next.clients[c];
        cl.phase = params.closes ? Phase::close : Phase::done;  // the acquire's answer no longer waited for
        cl.sequence = static_cast<Sequence>(cl.sequence + 1);
        cl.sent = false;
        cl.queued = false;
        cl.deaf = false;
        next.history.abandon(c);
        emit(ClientAction{GiveUp{id_of(c), lock_of(c), params.closes}}, std::move(next));
      }
      // Before the request is sent or after: either way its answers are lost until the re-send.
      if (state.budget.lost_answers > 0 && !client.deaf && !client.paused &&
          outstanding(client, c)) {
        State next = state;
        --next.budget.lost_answers;
        next.clients[c].deaf = true;
        emit(ClientAction{LoseAnswer{id_of(c)}}, std::move(next));
      }
      // Its release, not sent yet, will carry its earlier grant's token.
      if (state.budget.stale_tokens > 0 && client.phase == Phase::release && !client.sent && !client.stale_token &&
          !client.paused && client.old_token != 0) {
        State next = state;
        --next.budget.stale_tokens;
        next.clients[c].stale_token = true;
        emit(ClientAction{StaleToken{id_of(c), lock_of(c), client.old_token}}, std::move(next));
      }
      // Its release, not sent yet, will carry the token alone, no session.
      if (state.budget.token_releases > 0 && client.phase == Phase::release && !client.sent && !client.by_token &&
          !client.paused) {
        State next = state;
        --next.budget.token_releases;
        next.clients[c].by_token = true;
        emit(ClientAction{ReleaseByToken{id_of(c), lock_of(c), client.stale_token ? client.old_token : client.token}},
             std::move(next));
      }
      // Its session ended under it: it opens a new one, and goes on from the acquire.
      if (state.budget.reopens > 0 && client.phase == Phase::done && client.lost) {
        State next = state;
        --next.budget.reopens;
        Client& cl = next.clients[c];
        cl.phase = Phase::open;
        cl.sequence = static_cast<Sequence>(cl.sequence + 1);
        cl.sent = false;
        cl.queued = false;
        cl.expired = false;
        cl.lost = false;
        cl.reopened = true;
        cl.acquired_with = 0;  // a late copy of that acquire names the ended session: answered no_session
        emit(ClientAction{Reopen{id_of(c)}}, std::move(next));
      }
      if (client.phase != Phase::hold) continue;
      if (client.paused) {
        State next = state;
        next.clients[c].paused = false;
        emit(ClientAction{Resume{id_of(c)}}, std::move(next));
        continue;
      }
      {
        State next = state;
        Resource& r = next.resources[lock_of(c)];
        const bool accepted = params.resource_ignores_fencing || client.token >= r.highest;
        if (accepted) {
          if (client.token < r.highest) r.accepted_below = true;
          r.highest = std::max(r.highest, client.token);
          ++r.writes;
        }
        Client& cl = next.clients[c];
        // Done with the lock: release it (or, after the last round, close the session).
        cl.phase = params.closes && params.last_round(cl.round) ? Phase::close : Phase::release;
        cl.sequence = static_cast<Sequence>(cl.sequence + 1);
        cl.sent = false;
        emit(ClientAction{Write{id_of(c), lock_of(c), client.token, accepted}}, std::move(next));
      }
      if (state.budget.keep_alives > 0) {
        State next = state;
        --next.budget.keep_alives;
        Client& cl = next.clients[c];
        cl.phase = Phase::keep_alive;
        cl.sequence = static_cast<Sequence>(cl.sequence + 1);
        cl.sent = false;
        emit(ClientAction{KeepAlive{id_of(c)}}, std::move(next));
      }
      if (state.budget.pauses > 0) {
        State next = state;
        next.clients[c].paused = true;
        --next.budget.pauses;
        emit(ClientAction{Pause{id_of(c)}}, std::move(next));
      }
    }
  }

  // For `lockstep show` and the HTML view: each lock as the replicas' applied tables have it
  // (replicas that agree on one line), each client's belief, and the resources.
  template <class WS>
  std::vector<std::string> summary(const WS& state) const {
    std::vector<std::string> lines;
    const auto& nodes = state.nodes.items;
    for (std::size_t k = 0; k < params.locks; ++k) {
      std::vector<std::pair<std::string, std::string>> views;  // (what, which replicas)
      for (std::size_t n = 0; n < nodes.size(); ++n) {
        const auto& machine = nodes[n].node.volatile_state.machine;
        std::string what = "free";
        if (const auto* l = L::find_lock(machine, static_cast<typename L::LockId>(k)); l && l->holder != 0) {
          what = owner(machine, l->holder) + " holds it (token " + std::to_string(l->token) + ")";
          for (const auto& w : l->waiters) what += ", " + to_string(w.client) + " waits";
        }
        std::string who = to_string(NodeId::at(n)) + (nodes[n].up ? "" : " (down)");
        const auto same = std::find_if(views.begin(), views.end(), [&](const auto& v) { return v.first == what; });
        if (same == views.end()) {
          views.emplace_back(what, who);
        } else {
          same->second += " " + who;
        }
      }
      std::string line = "L" + std::to_string(k) + ":";
      for (const auto& [what, who] : views) line += " at " + who + ": " + what + ";";
      line.pop_back();
      lines.push_back(line);
    }
    std::string clients = "clients:";
    for (std::size_t c = 0; c < state.clients.clients.size(); ++c) {
      const Client& client = state.clients.clients[c];
      clients += " " + to_string(id_of(c)) + " ";
      switch (client.phase) {
        case Phase::open: clients += client.sent ? "opening a session" : "about to open a session"; break;
        case Phase::acquire: clients += std::string(client.queued ? "waits for" : "asks for") + " L" + std::to_string(lock_of(c)); break;
        case Phase::hold: clients += "believes it holds L" + std::to_string(lock_of(c)) + " (token " + std::to_string(client.token) + ")"; break;
        case Phase::release:
          clients += "releases L" + std::to_string(lock_of(c)) +
                     (client.stale_token ? " with its earlier token " + std::to_string(client.old_token) : std::string()) +
                     (client.by_token ? " by token alone" : "");
          break;
        case Phase::close:
          // A grant's token is its log position (times the locks, plus the lock): never 0.
          clients += client.token == 0 ? "gave up on L" + std::to_string(lock_of(c)) + ", closes its session"
                                       : std::string("closes its session");
          break;
        case Phase::done: clients += "done"; break;
        case Phase::keep_alive:
          clients += "believes it holds L" + std::to_string(lock_of(c)) + " (token " + std::to_string(client.token) +
                     "), keeps its session alive";
          break;
      }
      if (params.rounds > 1) clients += " (round " + std::to_string(client.round + 1) + " of " + std::to_string(params.rounds) + ")";
      if (client.deaf) clients += ", its answers lost until it re-sends";
      if (client.paused) clients += ", PAUSED";
      if (client.expired) clients += ", its session expired meanwhile";
      if (client.phase == Phase::done && client.lost) clients += " (its session lost)";
      clients += ";";
    }
    clients.pop_back();
    lines.push_back(clients);
    for (std::size_t k = 0; k < state.clients.resources.size(); ++k) {
      const Resource& r = state.clients.resources[k];
      lines.push_back("resource of L" + std::to_string(k) + ": " +
                      (r.writes == 0 ? std::string("no write accepted")
                                     : "accepted " + std::to_string(r.writes) + " write(s), highest token " +
                                           std::to_string(r.highest)) +
                      (r.accepted_below ? ", ACCEPTED A LOWER TOKEN" : ""));
    }
    return lines;
  }

  void to_model_json(Json& model) const {
    model["consensus"] = std::string(P::name);
    model["clients"] = to_json_value(params);
  }
  static LockClients from_model_json(const Json& model) {
    LockClients env;
    env.params = from_json<ClientParams>(model.at("clients"), "clients");
    if (env.params.clients < 1 || env.params.clients > sm::lock_clients_max) throw JsonError("clients.clients: out of range");
    if (env.params.locks < 1 || env.params.locks > sm::lock_locks_max) throw JsonError("clients.locks: out of range");
    if (env.params.try_clients > env.params.clients) throw JsonError("clients.try_clients: more than the clients");
    if (env.params.rounds > 8) throw JsonError("clients.rounds: out of range");
    return env;
  }

 private:
  static std::string owner(const typename L::State& machine, SessionId session) {
    for (const auto& s : machine.sessions) {
      if (s.id == session) return to_string(s.client) + " (s" + std::to_string(session) + ")";
    }
    return "s" + std::to_string(session);
  }
  // Whether a replica applied `session`'s expiry.
  static bool has_ended(const State& state, SessionId session) {
    return std::find(state.ended.begin(), state.ended.end(), session) != state.ended.end();
  }
  static bool waiting(const Client& client) {
    return client.sent && (client.phase == Phase::open || client.phase == Phase::acquire || client.phase == Phase::release ||
                           client.phase == Phase::close || client.phase == Phase::keep_alive);
  }

  void session_ended(State& state, SessionId session) const {
    for (std::size_t c = 0; c < state.clients.size(); ++c) {
      Client& client = state.clients[c];
      if (client.session != session) continue;
      state.history.expired(c);
      if (client.phase == Phase::done) continue;
      if (client.paused) {
        client.expired = true;  // it will find out only after it resumes
      } else {
        // Its lease ran out first: it stops using the session (it lost it, unless it was closing it;
        // kept only for reopens to come, so traces of runs without them replay unchanged).
        client.lost = params.reopens > 0 && client.phase != Phase::close;
        client.phase = Phase::done;
        client.deaf = false;  // and has no answer left to hear
        client.by_token = false;
        client.resent = false;
      }
    }
  }

  void receive(State& state, std::size_t c, const Output& output) const {
    Client& client = state.clients[c];
    using A = sm::LockAnswer;
    const auto next_request = [&](Phase phase) {
      client.phase = phase;
      client.sequence = static_cast<Sequence>(client.sequence + 1);
      client.sent = false;
      client.queued = false;
    };
    switch (client.phase) {
      case Phase::open:
        if (output.answer == A::opened) {
          client.session = output.session;
          next_request(Phase::acquire);
        } else {
          client.phase = Phase::done;
        }
        break;
      case Phase::acquire:
        if (output.answer == A::granted) {
          client.phase = Phase::hold;
          if (client.token != 0 && client.token != output.token) client.old_token = client.token;
          client.token = output.token;
          // Kept only for late copies to come (so traces of runs without them replay unchanged).
          if (params.stale_requests > 0) client.acquired_with = client.sequence;
          client.queued = false;
          state.history.answered(c, A::granted);
        } else if (output.answer == A::queued && !params.tries(c)) {
          client.queued = true;  // a try never waits: queued to one is impossible (below)
        } else if (output.answer == A::busy && params.tries(c)) {
          state.history.answered(c, A::busy);
          next_request(Phase::acquire);  // it tries again later, as a client polling a lock does
        } else if (output.answer == A::no_session) {
          state.history.failed(c);  // the call took no effect
          client.phase = Phase::done;
          client.lost = params.reopens > 0;
        } else {
          state.history.impossible();  // busy to a blocking acquire, released, stale, ...
          client.phase = Phase::done;
        }
        break;
      case Phase::release: {
        // Not deduplicated (no session records it): an earlier copy may have released the lock.
        const bool uncertain = output.answer == A::not_holder && client.by_token && client.resent;
        client.by_token = false;
        client.resent = false;
        if (output.answer == A::released || output.answer == A::not_holder) {
          if (uncertain) {
            state.history.uncertain(c);
          } else {
            state.history.answered(c, output.answer);
          }
          client.stale_token = false;
          if (!params.last_round(client.round)) {  // the next round, on the same session
            ++client.round;
            next_request(Phase::acquire);
            break;
          }
        } else if (output.answer == A::no_session) {
          state.history.failed(c);
          client.lost = params.reopens > 0;
        } else {
          state.history.impossible();  // granted (an acquire's answer, say), stale, ...
        }
        client.phase = Phase::done;
        break;
      }
      case Phase::close:
        // no_session: the session was gone already (it expired while the client was paused, or an
        // earlier attempt of this close was applied): gone either way, as a close leaves it.
        if (output.answer == A::closed || output.answer == A::no_session) {
          state.history.answered(c, A::closed);
        } else {
          state.history.impossible();
        }
        client.phase = Phase::done;
        break;
      case Phase::keep_alive:
        // Its session, alive: it goes back to its work. Or its session ended while it was paused
        // (it resumed not knowing): it learns so, and stops. Nothing else answers a keep-alive (an
        // expiry while it was not paused ends its wait before the answer comes, see session_ended).
        if (output.answer == A::alive && output.session == client.session) {
          client.phase = Phase::hold;
        } else if (output.answer == A::no_session && has_ended(state, client.session)) {
          client.phase = Phase::done;
          client.lost = params.reopens > 0;
        } else {
          state.history.impossible();
          client.phase = Phase::done;
        }
        break;
      default: break;
    }
  }
};

template <class P>
concept LockProtocol = requires { typename P::StateMachine; } && std::is_same_v<typename P::StateMachine, sm::ModelLock>;

}  // namespace lockstep::lock

namespace lockstep {
// A World replicating the lock is checked against the lock's spec (spec/lock/invariants.hpp),
// which adds the replicating protocol's.
template <>
inline constexpr bool service_spec<sm::ModelLock> = true;
}  // namespace lockstep
