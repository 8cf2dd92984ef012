// LOCK-FifoQueue's reference: the sequential lock with FIFO queues, written apart from the lock's
// own code (model/sm/lock.hpp), over who holds each lock and who waits for it, in order (and, at
// the end, LOCK-RetryAnswer's check of a table's records against its queues):
//   acquire / try_acquire   of a free lock: the session takes it; of a lock another session
//                           holds: the session joins the back of its queue;
//   release                 the lock passes to the front of its queue, or is free;
//   close / expire          the session leaves every queue, then each lock it held passes on as
//                           on a release.
// Each entry is applied only when the replica's code says it took effect (a retry, a stale or a
// session-less request, a try that found the lock busy: no change), so that deduplication and
// sessions stay the machine's business and the reference judges the order alone. Tokens are
// LOCK-FencingMonotone's.
#pragma once

#include <algorithm>
#include <cstddef>

#include "model/core/small_vec.hpp"
#include "model/sm/lock.hpp"

namespace lockstep::lock {

struct FifoLock {
  using Lock = sm::ModelLock;
  Lock::LockId lock = 0;
  Lock::SessionId holder = 0;  // 0: free
  SmallVec<Lock::SessionId, 2 * sm::lock_sessions_max> queue;
  friend bool operator==(const FifoLock&, const FifoLock&) = default;
};
// The locks held or waited for, by lock id (a lock free with nobody waiting is left out).
using FifoQueues = SmallVec<FifoLock, sm::lock_locks_max>;

// The holders and queues of a replica's table.
inline FifoQueues fifo_queues(const sm::ModelLock::State& table) {
  FifoQueues out;
  for (const auto& l : table.locks) {
    if (l.holder == 0 && l.waiters.empty()) continue;
    FifoLock q;
    q.lock = l.lock;
    q.holder = l.holder;
    for (const auto& w : l.waiters) q.queue.push_back(w.session);
    out.push_back(q);
  }
  return out;
}

// One entry that took effect.
inline void fifo_apply(FifoQueues& queues, const sm::ModelLock::Command& c) {
  const auto pass_on = [](FifoLock& q) {
    q.holder = 0;
    if (q.queue.empty()) return;
    q.holder = q.queue.front();
    q.queue.erase(q.queue.begin());
  };
  switch (c.op) {
    case sm::LockOp::acquire:
    case sm::LockOp::try_acquire: {
      auto* at = std::find_if(queues.begin(), queues.end(), [&](const FifoLock& q) { return q.lock >= c.lock; });
      if (at == queues.end() || at->lock != c.lock) {
        if (queues.size() == queues.capacity()) return;  // a lock out of the table's range
        FifoLock fresh;
        fresh.lock = c.lock;
        at = queues.insert(at, fresh);
      }
      if (at->holder == 0) {
        at->holder = c.session;
      } else if (at->holder != c.session && at->queue.size() < at->queue.capacity()) {
        at->queue.push_back(c.session);
      }
      break;
    }
    case sm::LockOp::release:
      for (FifoLock& q : queues) {
        if (q.lock == c.lock && q.holder != 0 && (c.session == 0 || q.holder == c.session)) pass_on(q);
      }
      break;
    case sm::LockOp::close:
    case sm::LockOp::expire:
      for (FifoLock& q : queues) {
        for (std::size_t i = 0; i < q.queue.size();) {
          if (q.queue[i] == c.session) {
            q.queue.erase(q.queue.begin() + i);
          } else {
            ++i;
          }
        }
      }
      for (FifoLock& q : queues) {
        if (q.holder == c.session) pass_on(q);
      }
      break;
    default: break;
  }
  for (std::size_t i = 0; i < queues.size();) {
    if (queues[i].holder == 0 && queues[i].queue.empty()) {
      queues.erase(queues.begin() + i);
    } else {
      ++i;
    }
  }
}

// LOCK-RetryAnswer at one table (the queue's other check): every session whose recorded answer,
// the one a retry of its last request is told, is `queued` still waits in some lock's queue under
// that request. `queued` is the one answer that is not final: once the lock passes to the waiter,
// the record must say so.
inline bool queued_answer_waits(const sm::ModelLock::State& table, const sm::ModelLock::Session& s) {
  if (s.last_answer.answer != sm::LockAnswer::queued) return true;
  return std::any_of(table.locks.begin(), table.locks.end(), [&](const auto& l) {
    return std::any_of(l.waiters.begin(), l.waiters.end(),
                       [&](const auto& w) { return w.session == s.id && w.sequence == s.last_sequence; });
  });
}
inline bool queued_answers_wait(const sm::ModelLock::State& table) {
  return std::all_of(table.sessions.begin(), table.sessions.end(),
                     [&](const auto& s) { return queued_answer_waits(table, s); });
}

}  // namespace lockstep::lock
