// LOCK-Linearizable, checked online on every path the model checker explores: the history of the
// clients' calls and answers so far must have a linearization against the sequential lock.
//
// This is Lowe's just-in-time linearization ("Testing for linearizability", 2017), the online form
// of Wing & Gong's search: instead of the history, the state keeps the set of configurations a
// linearization may be in now: the sequential lock's state (who holds each lock) and, for each
// client with a call in progress, whether its operation has already been linearized and with
// which answer. A call adds an unlinearized operation to every configuration; an answer first
// closes the set under "linearize any operation in progress" and then keeps the configurations
// in which the answering operation was linearized with exactly that answer; an operation that
// certainly did not take effect (answered no_session) keeps those where it was not. No
// configuration left: the history is not linearizable. A session's expiry is the service's own
// operation, taking effect when a replica first applies it. Operations never answered stay in
// progress: they may take effect at any later point, or never.
//
// A client that gives up waiting (its acquire unanswered, or queued) leaves its acquire
// ABANDONED: never answered, it may still take effect (be granted, so that others find the lock
// held) until the client's close or its session's expiry takes effect, and never after (the
// session is gone). An abandoned operation has a slot of its own, so the client's close is in
// progress beside it.
//
// The sequential lock (per lock; tokens are LOCK-FencingMonotone's business):
//   acquire      free -> granted (the caller holds it); held by the caller -> granted; held by
//                another -> cannot take effect now (it waits);
//   try_acquire  free or held by the caller -> granted; held by another -> busy;
//   release      held by the caller -> released (free); otherwise -> not_holder (a release by token
//                alone carries the caller's own grant's token: the same); a release that
//                carries the token of one of the caller's earlier grants (a stale handle) ->
//                not_holder whoever holds the lock (every grant's token is new: the stale one is
//                no holder's);
//   close        every lock the caller holds becomes free -> closed;
//   expire(c)    every lock c holds becomes free.
// (The offline checker for recorded histories, with per-key partitioning and minimal windows, is
// `lockstep linearizable`.)
#pragma once

#include <algorithm>
#include <cstdint>
#include <string_view>

#include "model/core/reflect.hpp"
#include "model/core/small_vec.hpp"
#include "model/sm/lock.hpp"

namespace lockstep::lock {

using sm::LockAnswer;
using sm::LockOp;

inline constexpr std::size_t lin_clients_max = sm::lock_clients_max;
inline constexpr std::size_t lin_locks_max = sm::lock_locks_max;
inline constexpr std::size_t lin_configs_max = 48;

struct LinOperation {
  // op: none (no call in progress), acquire, try_acquire, release or close; done: linearized already,
  // with `answer`. stale: a release with the token of an earlier grant (added later: traces
  // written before it read false).
  LOCKSTEP_STRUCT(LinOperation, (LockOp, op), (bool, active), (std::uint8_t, lock), (bool, done), (LockAnswer, answer),
                  (bool, stale));
  static constexpr std::string_view lockstep_added_fields[] = {"stale"};
};

struct LinConfig {
  // holder[k]: 1 + the client index holding lock k, 0 when free.
  using Holders = SmallVec<std::uint8_t, lin_locks_max>;
  using Operations = SmallVec<LinOperation, lin_clients_max>;
  // abandoned[c]: client c's abandoned acquire, while it may still take effect (empty until a
  // client abandons one).
  LOCKSTEP_STRUCT(LinConfig, (Holders, holder), (Operations, operations), (Operations, abandoned));
  static constexpr std::string_view lockstep_added_fields[] = {"abandoned"};
};

struct Linearization {
  using Configs = SmallVec<LinConfig, lin_configs_max>;
  LOCKSTEP_STRUCT(Linearization, (Configs, configs), (bool, violated));

  static Linearization initial(std::size_t clients, std::size_t locks) {
    LinConfig config{};
    for (std::size_t k = 0; k < locks; ++k) config.holder.push_back(0);
    for (std::size_t c = 0; c < clients; ++c) config.operations.push_back(LinOperation{});
    Linearization lin{};
    lin.configs.push_back(config);
    return lin;
  }

  // Client `c` (index) calls `op` on lock `lock` (a release with an earlier grant's token when
  // `stale`).
  void call(std::size_t c, LockOp op, std::uint8_t lock, bool stale = false) {
    if (violated) return;
    for (auto& config : configs) config.operations[c] = LinOperation{op, true, lock, false, LockAnswer::granted, stale};
    normalize();
  }
  // Client `c`'s call is answered `answer`.
  void answered(std::size_t c, LockAnswer answer) {
    if (violated) return;
    close();
    Configs kept{};
    for (LinConfig config : configs) {
      const LinOperation& op = config.operations[c];
      if (!op.active || !op.done || op.answer != answer) continue;
      config.operations[c] = LinOperation{};
      kept.push_back(config);
    }
    configs = kept;
    violated = configs.empty();
    normalize();
  }
  // Client `c`'s call ended without a certain answer (a release by token, sent again, answered
  // not_holder: not deduplicated, an earlier copy may have released the lock): it took effect
  // before now, or never.
  void uncertain(std::size_t c) {
    if (violated) return;
    close();
    for (auto& config : configs) config.operations[c] = LinOperation{};
    normalize();
  }
  // An answer no call of its kind can have (a release answered granted): no order explains it.
  void impossible() {
    configs.clear();
    violated = true;
  }
  // Client `c`'s call certainly took no effect.
  void failed(std::size_t c) {
    if (violated) return;
    Configs kept{};
    for (LinConfig config : configs) {
      if (config.operations[c].done) continue;
      config.operations[c] = LinOperation{};
      kept.push_back(config);
    }
    configs = kept;
    violated = configs.empty();
    normalize();
  }
  // Client `c` stops waiting for the answer to its call (it gives up, and closes its session or
  // leaves it to expire): the call stays in progress, in the abandoned slot, unless it took
  // effect already.
  void abandon(std::size_t c) {
    if (violated) return;
    for (auto& config : configs) {
      if (config.abandoned.empty()) {
        for (std::size_t i = 0; i < config.operations.size(); ++i) config.abandoned.push_back(LinOperation{});
      }
      const LinOperation op = config.operations[c];
      config.abandoned[c] = op.active && !op.done ? op : LinOperation{};
      config.operations[c] = LinOperation{};
    }
    normalize();
  }
  // The service expires client `c`'s session now.
  void expired(std::size_t c) {
    if (violated) return;
    close();
    for (auto& config : configs) end_session(config, c);
    normalize();
  }

 private:
  // Client c's session ends (closed or expired): its locks are free, and an acquire it abandoned
  // can no longer take effect.
  static void end_session(LinConfig& config, std::size_t c) {
    for (auto& h : config.holder) {
      if (h == c + 1) h = 0;
    }
    if (!config.abandoned.empty()) config.abandoned[c] = LinOperation{};
  }
  // Linearizes client c's operation in `config` (its abandoned one when `abandoned`), if it can
  // take effect now. An abandoned operation that took effect leaves only its effect.
  static bool linearize(LinConfig& config, std::size_t c, bool abandoned = false) {
    LinOperation& op = abandoned ? config.abandoned[c] : config.operations[c];
    if (!op.active || op.done) return false;
    std::uint8_t& holder = config.holder[op.lock];
    const auto me = static_cast<std::uint8_t>(c + 1);
    switch (op.op) {
      case LockOp::acquire:
        if (holder != 0 && holder != me) return false;
        holder = me;
        op.answer = LockAnswer::granted;
        break;
      case LockOp::try_acquire:
        if (holder != 0 && holder != me) {
          op.answer = LockAnswer::busy;
        } else {
          holder = me;
          op.answer = LockAnswer::granted;
        }
        break;
      case LockOp::release:
        if (holder == me && !op.stale) {
          holder = 0;
          op.answer = LockAnswer::released;
        } else {
          op.answer = LockAnswer::not_holder;
        }
        break;
      case LockOp::close:
        end_session(config, c);
        op.answer = LockAnswer::closed;
        break;
      default: return false;
    }
    op.done = true;
    if (abandoned) op = LinOperation{};
    return true;
  }
  // Adds every configuration reachable by linearizing operations in progress, in any order.
  void close() {
    for (std::size_t i = 0; i < configs.size(); ++i) {
      for (std::size_t c = 0; c < configs[i].operations.size(); ++c) {
        for (const bool abandoned : {false, true}) {
          if (abandoned && configs[i].abandoned.empty()) continue;
          LinConfig next = configs[i];
          if (!linearize(next, c, abandoned)) continue;
          if (std::find(configs.begin(), configs.end(), next) == configs.end()) configs.push_back(next);
        }
      }
    }
  }
  void normalize() {
    std::sort(configs.begin(), configs.end());
    const auto* last = std::unique(configs.begin(), configs.end());
    while (configs.end() != last) configs.pop_back();
  }
};

}  // namespace lockstep::lock
