// The lock service's state machine (model/sm/lock.hpp) at both sizes, the online linearization
// that LOCK-Linearizable uses (spec/lock/linearization.hpp), and LOCK-FifoQueue's reference
// (spec/lock/fifo.hpp).
#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>
#include <optional>
#include <random>
#include <string>
#include <variant>
#include <vector>

#include "model/core/print.hpp"
#include "model/sm/lock.hpp"
#include "spec/lock/clients.hpp"
#include "spec/lock/fifo.hpp"
#include "spec/lock/linearization.hpp"

namespace lockstep {
namespace {

using sm::LockAnswer;
using sm::LockOp;

template <class L>
struct Table {
  using Command = typename L::Command;
  using Output = typename L::Output;
  struct Answer {
    ClientId client;
    std::uint64_t sequence;
    Output output;
  };
  typename L::Config config{};
  typename L::State state{};
  std::vector<Answer> answers;
  bool took_effect = false;

  explicit Table(std::uint32_t locks = 1, sm::LockBug bug = sm::LockBug::none) {
    config.lock_count = static_cast<typename L::LockId>(locks);
    config.ttl_ms = 1000;
    if constexpr (L::Sizes::checked) config.checks.bug = bug;
  }
  // Applies the command at log position `position`; returns the issuer's answer (the first).
  Output apply(std::uint64_t position, std::uint32_t client, std::uint64_t sequence, Command command) {
    answers.clear();
    took_effect = L::apply(config, state, static_cast<typename L::Position>(position), ClientId{client},
                           static_cast<typename L::Sequence>(sequence), command,
                           [&](ClientId c, typename L::Sequence s, const Output& o) { answers.push_back({c, s, o}); });
    return answers.empty() ? Output{} : answers.front().output;
  }
  static Command open() { return Command{LockOp::open, 0, 0, 0, 0}; }
  static Command acquire(std::uint64_t session, std::uint32_t lock = 0) {
    return Command{LockOp::acquire, static_cast<typename L::SessionId>(session), static_cast<typename L::LockId>(lock), 0, 0};
  }
  static Command try_acquire(std::uint64_t session, std::uint32_t lock = 0) {
    return Command{LockOp::try_acquire, static_cast<typename L::SessionId>(session), static_cast<typename L::LockId>(lock), 0, 0};
  }
  static Command release(std::uint64_t session, std::uint64_t token, std::uint32_t lock = 0) {
    return Command{LockOp::release, static_cast<typename L::SessionId>(session), static_cast<typename L::LockId>(lock),
                   static_cast<typename L::Token>(token), 0};
  }
  static Command expire(std::uint64_t session) {
    return Command{LockOp::expire, static_cast<typename L::SessionId>(session), 0, 0, 0};
  }
  static Command close(std::uint64_t session) {
    return Command{LockOp::close, static_cast<typename L::SessionId>(session), 0, 0, 0};
  }
};

template <class L>
class LockMachine : public ::testing::Test {};
using Sizes = ::testing::Types<sm::ModelLock, sm::RuntimeLock>;
TYPED_TEST_SUITE(LockMachine, Sizes);

TYPED_TEST(LockMachine, grants_queues_and_hands_over_in_fifo_order_with_rising_tokens) {
  Table<TypeParam> t;
  EXPECT_EQ(t.apply(1, 1, 1, t.open()).answer, LockAnswer::opened);
  EXPECT_EQ(t.apply(2, 2, 1, t.open()).session, 2u);
  const auto granted = t.apply(3, 1, 2, t.acquire(1));
  EXPECT_EQ(granted.answer, LockAnswer::granted);
  EXPECT_EQ(granted.token, 3u);  // the log position of the grant (one lock)
  EXPECT_EQ(t.apply(4, 2, 2, t.acquire(2)).answer, LockAnswer::queued);
  EXPECT_TRUE(t.took_effect);
  EXPECT_EQ(t.apply(5, 1, 3, t.release(1, 3)).answer, LockAnswer::released);
  ASSERT_EQ(t.answers.size(), 2u);  // the releaser, then the waiter its release hands the lock to
  EXPECT_EQ(t.answers[1].client, ClientId{2});
  EXPECT_EQ(t.answers[1].sequence, 2u);
  EXPECT_EQ(t.answers[1].output.answer, LockAnswer::granted);
  EXPECT_EQ(t.answers[1].output.token, 5u);
  // The waiter's retry of its acquire is answered from the deduplication record: granted.
  const auto retried = t.apply(6, 2, 2, t.acquire(2));
  EXPECT_EQ(retried.answer, LockAnswer::granted);
  EXPECT_EQ(retried.token, 5u);
  EXPECT_FALSE(t.took_effect);
}

TYPED_TEST(LockMachine, tokens_differ_across_locks_granted_at_one_position) {
  Table<TypeParam> t(3);
  t.apply(1, 1, 1, t.open());
  t.apply(2, 2, 1, t.open());
  EXPECT_EQ(t.apply(3, 1, 2, t.acquire(1, 0)).token, 9u);  // 3 * 3 + 0
  EXPECT_EQ(t.apply(4, 1, 3, t.acquire(1, 2)).token, 14u);  // 4 * 3 + 2
  t.apply(5, 2, 2, t.acquire(2, 0));
  t.apply(6, 2, 3, t.acquire(2, 2));  // c2 has one request at a time in practice; the table does not care
  t.apply(7, 0, 0, t.expire(1));  // both locks pass to c2's session at position 7
  const auto* l0 = TypeParam::find_lock(t.state, 0);
  const auto* l2 = TypeParam::find_lock(t.state, 2);
  ASSERT_TRUE(l0 && l2);
  EXPECT_EQ(l0->holder, 2u);
  EXPECT_EQ(l2->holder, 2u);
  EXPECT_EQ(l0->token, 21u);
  EXPECT_EQ(l2->token, 23u);
}

TYPED_TEST(LockMachine, try_acquire_answers_busy_and_release_checks_holder_and_token) {
  Table<TypeParam> t;
  t.apply(1, 1, 1, t.open());
  t.apply(2, 2, 1, t.open());
  t.apply(3, 1, 2, t.acquire(1));
  EXPECT_EQ(t.apply(4, 2, 2, t.try_acquire(2)).answer, LockAnswer::busy);
  EXPECT_EQ(t.apply(5, 2, 3, t.release(2, 3)).answer, LockAnswer::not_holder);
  EXPECT_EQ(t.apply(6, 1, 3, t.release(1, 2)).answer, LockAnswer::not_holder);  // a wrong token
  EXPECT_EQ(t.apply(7, 1, 4, t.release(1, 3)).answer, LockAnswer::released);
}

TYPED_TEST(LockMachine, expiry_frees_locks_drops_waits_and_ends_the_session) {
  Table<TypeParam> t;
  t.apply(1, 1, 1, t.open());
  t.apply(2, 2, 1, t.open());
  t.apply(3, 3, 1, t.open());
  t.apply(4, 1, 2, t.acquire(1));
  t.apply(5, 2, 2, t.acquire(2));
  t.apply(6, 3, 2, t.acquire(3));
  t.apply(7, 0, 0, t.expire(2));  // a waiter's session: its wait is dropped
  ASSERT_EQ(t.answers.size(), 1u);
  EXPECT_EQ(t.answers[0].client, ClientId{2});
  EXPECT_EQ(t.answers[0].output.answer, LockAnswer::no_session);
  t.apply(8, 0, 0, t.expire(1));  // the holder's: the lock passes to the next waiter, c3
  ASSERT_EQ(t.answers.size(), 1u);
  EXPECT_EQ(t.answers[0].client, ClientId{3});
  EXPECT_EQ(t.answers[0].output.token, 8u);
  EXPECT_TRUE(t.took_effect);
  EXPECT_EQ(t.apply(9, 1, 3, t.release(1, 4)).answer, LockAnswer::no_session);
  t.apply(10, 0, 0, t.expire(1));  // already ended: nothing
  EXPECT_FALSE(t.took_effect);
}

TYPED_TEST(LockMachine, close_ends_the_session_at_once_as_an_expiry_would) {
  Table<TypeParam> t(2);
  t.apply(1, 1, 1, t.open());
  t.apply(2, 2, 1, t.open());
  t.apply(3, 3, 1, t.open());
  t.apply(4, 1, 2, t.acquire(1, 0));
  t.apply(5, 1, 3, t.acquire(1, 1));
  t.apply(6, 2, 2, t.acquire(2, 0));  // waits behind c1
  t.apply(7, 3, 2, t.acquire(3, 0));  // waits behind c2
  // c2 closes while waiting: its wait is answered no_session, then the close; c3 moves up.
  EXPECT_EQ(t.apply(8, 2, 3, t.close(2)).answer, LockAnswer::no_session);
  EXPECT_TRUE(t.took_effect);
  ASSERT_EQ(t.answers.size(), 2u);
  EXPECT_EQ(t.answers[0].sequence, 2u);  // the pending acquire's
  EXPECT_EQ(t.answers[1].client, ClientId{2});
  EXPECT_EQ(t.answers[1].sequence, 3u);
  EXPECT_EQ(t.answers[1].output.answer, LockAnswer::closed);
  EXPECT_EQ(t.answers[1].output.session, 2u);
  // c1 closes while holding both locks: L0 passes to c3 with a token of the close's position,
  // L1 (no waiter) is free; c3's grant is answered before c1's close.
  t.apply(9, 1, 4, t.close(1));
  ASSERT_EQ(t.answers.size(), 2u);
  EXPECT_EQ(t.answers[0].client, ClientId{3});
  EXPECT_EQ(t.answers[0].output.answer, LockAnswer::granted);
  EXPECT_EQ(t.answers[0].output.token, 18u);  // 9 * 2 + 0
  EXPECT_EQ(t.answers[1].output.answer, LockAnswer::closed);
  const auto* l0 = TypeParam::find_lock(t.state, 0);
  const auto* l1 = TypeParam::find_lock(t.state, 1);
  ASSERT_TRUE(l0 && l1);
  EXPECT_EQ(l0->holder, 3u);
  EXPECT_EQ(l1->holder, 0u);
  EXPECT_EQ(t.state.sessions.size(), 1u);
  // A retry of the applied close finds no session and changes nothing; so does a request of the
  // closed session, and a close of another client's session.
  EXPECT_EQ(t.apply(10, 1, 4, t.close(1)).answer, LockAnswer::no_session);
  EXPECT_FALSE(t.took_effect);
  EXPECT_EQ(t.apply(11, 1, 5, t.acquire(1, 1)).answer, LockAnswer::no_session);
  EXPECT_EQ(t.apply(12, 1, 6, t.close(3)).answer, LockAnswer::no_session);
  EXPECT_FALSE(t.took_effect);
  EXPECT_EQ(TypeParam::find_lock(t.state, 0)->holder, 3u);
  EXPECT_TRUE(TypeParam::client_may_send(t.config, t.close(3)));
}

TYPED_TEST(LockMachine, retried_open_and_older_requests_take_no_effect) {
  Table<TypeParam> t;
  t.apply(1, 1, 1, t.open());
  EXPECT_EQ(t.apply(2, 1, 1, t.open()).session, 1u);  // the retry: the same session
  EXPECT_FALSE(t.took_effect);
  EXPECT_EQ(t.state.sessions.size(), 1u);
  t.apply(3, 1, 2, t.acquire(1));
  EXPECT_EQ(t.apply(4, 1, 1, t.acquire(1)).answer, LockAnswer::stale);
  EXPECT_FALSE(t.took_effect);
}

TYPED_TEST(LockMachine, housekeeping_proposes_an_expiry_after_a_whole_quiet_period_once) {
  Table<TypeParam> t;
  typename TypeParam::Watch watch{};
  std::vector<typename TypeParam::Command> proposed;
  const auto house = [&] {
    TypeParam::housekeeping(t.config, t.state, watch, [&](const auto& c) { proposed.push_back(c); });
  };
  t.apply(1, 1, 1, t.open());
  house();  // the first period starts
  EXPECT_TRUE(proposed.empty());
  t.apply(2, 1, 2, t.acquire(1));  // activity
  house();
  EXPECT_TRUE(proposed.empty());
  house();  // a whole period without a request of the session
  ASSERT_EQ(proposed.size(), 1u);
  EXPECT_EQ(proposed[0], t.expire(1));
  house();  // proposed once only
  EXPECT_EQ(proposed.size(), 1u);
  EXPECT_EQ(t.state.sessions.size(), 1u);  // nothing changed locally: the expiry goes through the log
}

// A session opened with a time-to-live of several housekeeping periods survives that many
// minus one quiet periods (config.ttl_ms = 1000: 2500 ms rounds up to 3 periods).
TEST(RuntimeLockMachine, a_session_ttl_counts_whole_housekeeping_periods) {
  using L = sm::RuntimeLock;
  Table<L> t;
  L::Watch watch{};
  std::vector<L::Command> proposed;
  const auto house = [&] { L::housekeeping(t.config, t.state, watch, [&](const auto& c) { proposed.push_back(c); }); };
  L::Command open = t.open();
  open.ttl_ms = 2500;
  t.apply(1, 1, 1, open);
  ASSERT_EQ(t.state.sessions.size(), 1u);
  EXPECT_EQ(t.state.sessions[0].ttl_periods, 3u);
  house();  // the first period starts
  house();
  house();
  EXPECT_TRUE(proposed.empty());  // two quiet periods
  house();
  ASSERT_EQ(proposed.size(), 1u);  // the third
  EXPECT_EQ(proposed[0], t.expire(1));
  house();
  EXPECT_EQ(proposed.size(), 1u);
  EXPECT_EQ(L::ttl_periods(t.config, 0), 1u);
  EXPECT_EQ(L::ttl_periods(t.config, 1000), 1u);
  EXPECT_EQ(L::ttl_periods(t.config, 1001), 2u);
}

// release(0, lock, token): another process holding the token releases the lock; the lock passes
// to its waiter; a wrong or spent token is answered not_holder.
TYPED_TEST(LockMachine, the_token_alone_releases_a_lock) {
  Table<TypeParam> t;
  t.apply(1, 1, 1, t.open());
  t.apply(2, 2, 1, t.open());
  EXPECT_EQ(t.apply(3, 1, 2, t.acquire(1)).token, 3u);
  EXPECT_EQ(t.apply(4, 2, 2, t.acquire(2)).answer, LockAnswer::queued);
  EXPECT_EQ(t.apply(5, 9, 1, t.release(0, 4)).answer, LockAnswer::not_holder);
  EXPECT_FALSE(t.took_effect);
  EXPECT_EQ(t.apply(6, 9, 2, t.release(0, 3)).answer, LockAnswer::released);
  EXPECT_TRUE(t.took_effect);
  ASSERT_EQ(t.answers.size(), 2u);
  EXPECT_EQ(t.answers[1].client, ClientId{2});
  EXPECT_EQ(t.answers[1].output.token, 6u);
  EXPECT_EQ(t.apply(7, 9, 3, t.release(0, 3)).answer, LockAnswer::not_holder);
}

TYPED_TEST(LockMachine, clients_may_not_send_expiries_or_name_locks_outside_the_table) {
  Table<TypeParam> t(2);
  EXPECT_TRUE(TypeParam::client_may_send(t.config, t.open()));
  EXPECT_TRUE(TypeParam::client_may_send(t.config, t.acquire(1, 1)));
  EXPECT_FALSE(TypeParam::client_may_send(t.config, t.acquire(1, 2)));
  EXPECT_FALSE(TypeParam::client_may_send(t.config, t.release(1, 5, 2)));
  EXPECT_FALSE(TypeParam::client_may_send(t.config, t.expire(1)));
}

TYPED_TEST(LockMachine, answers_nothing_locally) {
  Table<TypeParam> t;
  EXPECT_FALSE(TypeParam::answer_locally(t.config, t.state, t.acquire(1)));
}

TEST(LockMachineRuntime, tokens_grow_past_the_model_width) {
  Table<sm::RuntimeLock> t;
  t.apply(70000, 1, 1, t.open());
  const auto granted = t.apply(5000000000ull, 1, 2, t.acquire(70000));
  EXPECT_EQ(granted.answer, LockAnswer::granted);
  EXPECT_EQ(granted.token, 5000000000ull);
}

TEST(LockMachineBugs, without_deduplication_a_retry_takes_effect_again) {
  Table<sm::ModelLock> t(1, sm::LockBug::no_dedup);
  t.apply(1, 1, 1, t.open());
  t.apply(2, 1, 2, t.acquire(1));
  t.apply(3, 1, 3, t.release(1, 2));
  const auto again = t.apply(4, 1, 2, t.acquire(1));  // the retry of request 2
  EXPECT_EQ(again.answer, LockAnswer::granted);
  EXPECT_TRUE(t.took_effect);
}

TEST(LockMachineBugs, local_expiry_changes_the_leaders_table_without_a_proposal) {
  Table<sm::ModelLock> t(1, sm::LockBug::local_expiry);
  sm::ModelLock::Watch watch{};
  int proposals = 0;
  t.apply(1, 1, 1, t.open());
  t.apply(2, 1, 2, t.acquire(1));
  for (int i = 0; i < 2; ++i) sm::ModelLock::housekeeping(t.config, t.state, watch, [&](const auto&) { ++proposals; });
  EXPECT_EQ(proposals, 0);
  EXPECT_TRUE(t.state.sessions.empty());
  EXPECT_EQ(sm::ModelLock::find_lock(t.state, 0)->holder, 0u);
}

TEST(LockMachineBugs, a_follower_answering_locally_grants_from_its_own_table) {
  Table<sm::ModelLock> t(1, sm::LockBug::follower_answers_locally);
  const auto local = sm::ModelLock::answer_locally(t.config, t.state, t.acquire(1));
  ASSERT_TRUE(local);
  EXPECT_EQ(local->answer, LockAnswer::granted);
}

TEST(LockMachineBugs, a_close_that_keeps_its_waits_lets_the_lock_pass_to_the_closed_session) {
  for (const bool buggy : {false, true}) {
    Table<sm::ModelLock> t(1, buggy ? sm::LockBug::close_keeps_waits : sm::LockBug::none);
    t.apply(1, 1, 1, t.open());
    t.apply(2, 2, 1, t.open());
    t.apply(3, 1, 2, t.acquire(1));
    t.apply(4, 2, 2, t.acquire(2));  // queued behind c1
    t.apply(5, 2, 3, t.close(2));    // c2 gives up and closes
    t.apply(6, 1, 3, t.release(1, 3));
    const auto* l = sm::ModelLock::find_lock(t.state, 0);
    ASSERT_TRUE(l);
    EXPECT_EQ(l->holder, buggy ? 2u : 0u) << "buggy " << buggy;  // handed to session 2, which is gone
  }
}

// A waiter whose grant is lost re-sends its acquire: the correct lock answers it from the
// session's record, which the handover set to the grant; grant-not-recorded tells it queued.
TEST(LockMachineBugs, a_grant_not_recorded_is_told_queued_on_retry) {
  for (const bool buggy : {false, true}) {
    Table<sm::ModelLock> t(1, buggy ? sm::LockBug::grant_not_recorded : sm::LockBug::none);
    t.apply(1, 1, 1, t.open());
    t.apply(2, 2, 1, t.open());
    t.apply(3, 1, 2, t.acquire(1));
    EXPECT_EQ(t.apply(4, 2, 2, t.acquire(2)).answer, LockAnswer::queued);
    t.apply(5, 1, 3, t.release(1, 3));  // hands L0 to session 2, token 5
    ASSERT_EQ(sm::ModelLock::find_lock(t.state, 0)->holder, 2u);
    const auto retry = t.apply(6, 2, 2, t.acquire(2));  // the retry of request 2
    EXPECT_FALSE(t.took_effect);
    EXPECT_EQ(retry.answer, buggy ? LockAnswer::queued : LockAnswer::granted) << "buggy " << buggy;
    if (!buggy) {
      EXPECT_EQ(retry.token, 5u);
    }
  }
}

TEST(LockMachineBugs, a_stack_for_a_queue_hands_the_lock_to_the_last_waiter) {
  for (const bool buggy : {false, true}) {
    Table<sm::ModelLock> t(1, buggy ? sm::LockBug::lifo_queue : sm::LockBug::none);
    for (std::uint32_t c = 1; c <= 3; ++c) t.apply(c, c, 1, t.open());  // sessions 1, 2, 3
    t.apply(4, 1, 2, t.acquire(1));
    t.apply(5, 2, 2, t.acquire(2));  // queued first
    t.apply(6, 3, 2, t.acquire(3));  // queued second
    lock::FifoQueues expected = lock::fifo_queues(t.state);
    const auto released = t.apply(7, 1, 3, t.release(1, 4));
    ASSERT_EQ(released.answer, LockAnswer::released);
    lock::fifo_apply(expected, t.release(1, 4));
    ASSERT_EQ(expected.size(), 1u);
    EXPECT_EQ(expected[0].holder, 2u);  // the reference: the first in the queue
    EXPECT_EQ(sm::ModelLock::find_lock(t.state, 0)->holder, buggy ? 3u : 2u) << "buggy " << buggy;
    EXPECT_EQ(lock::fifo_queues(t.state) == expected, !buggy);
  }
}

// Random histories for LOCK-FifoQueue's reference: up to four clients on up to three locks
// opening, acquiring, trying, releasing (with the right token or an old one, by session or by
// token), closing, expiring and re-sending requests, applied to the lock with `bug`. After each
// entry the table's holders and queues should be the reference's applied to the table before it
// when the entry took effect, and unchanged when it did not; returns the entries where they were
// not, and counts the entries, those that took effect and those that handed a lock over.
// Each table is also held to LOCK-RetryAnswer (lock::queued_answers_wait): `unrecorded` counts the
// histories where a session's record said queued for a request no longer waiting.
struct FifoRun {
  std::size_t applied = 0, took = 0, handed = 0, disagreed = 0, unrecorded = 0;
  std::string first;  // the first disagreement, described
};
FifoRun run_fifo_histories(sm::LockBug bug) {
  std::mt19937_64 random(20261206);
  FifoRun run;
  for (int history = 0; history < 5000; ++history) {
    const std::uint32_t locks = 1 + static_cast<std::uint32_t>(random() % 3);
    Table<sm::ModelLock> t(locks, bug);
    struct Client {
      std::uint64_t session = 0, sequence = 0;
      std::optional<sm::ModelLock::Command> last;
    };
    std::vector<Client> clients(1 + random() % 4);
    for (std::uint64_t position = 1; position <= 40; ++position) {
      const std::uint32_t c = static_cast<std::uint32_t>(random() % clients.size());
      Client& client = clients[c];
      const bool live = sm::ModelLock::find_session(t.state, static_cast<sm::ModelLock::SessionId>(client.session));
      const std::uint64_t session = live ? client.session : 0;
      const std::uint32_t lock = static_cast<std::uint32_t>(random() % locks);
      const auto* entry = sm::ModelLock::find_lock(t.state, static_cast<sm::ModelLock::LockId>(lock));
      const std::uint64_t token = entry ? entry->token - (random() % 4 == 0 ? 1u : 0u) : 0;
      sm::ModelLock::Command command{};
      bool retry = false;
      switch (random() % 9) {
        case 0: command = session == 0 ? t.open() : t.acquire(session, lock); break;
        case 1: case 2: command = t.acquire(session == 0 ? client.session : session, lock); break;
        case 3: command = t.try_acquire(session, lock); break;
        case 4: command = t.release(random() % 3 == 0 ? 0 : session, token, lock); break;
        case 5: command = t.close(session); break;
        case 6: command = t.expire(1 + random() % position); break;
        case 7: retry = client.last.has_value(); command = retry ? *client.last : t.open(); break;
        default: command = Table<sm::ModelLock>::Command{LockOp::keep_alive, static_cast<sm::ModelLock::SessionId>(session), 0, 0, 0};
      }
      if (command.op == LockOp::open && session != 0) continue;  // one session per client at a time
      const bool waits = entry && std::any_of(entry->waiters.begin(), entry->waiters.end(),
                                              [&](const auto& w) { return w.session == command.session; });
      if (command.op == LockOp::acquire && waits && !retry) continue;  // a client waits once per lock
      if (!retry) ++client.sequence;
      lock::FifoQueues expected = lock::fifo_queues(t.state);
      const auto answer = t.apply(position, c + 1, client.sequence, command);
      if (command.op == LockOp::open && answer.answer == LockAnswer::opened) client.session = answer.session;
      if (command.op != LockOp::expire) client.last = command;
      ++run.applied;
      if (t.took_effect) {
        ++run.took;
        lock::fifo_apply(expected, command);
      }
      run.handed += t.answers.size() > 1;
      if (!lock::queued_answers_wait(t.state)) {
        if (run.unrecorded++ == 0 && run.disagreed == 0) {
          run.first = "history " + std::to_string(history) + ", position " + std::to_string(position) + ": " +
                      to_string(command) + " leaves a queued record; sessions " + to_string(t.state.sessions) + "; table " +
                      to_string(t.state.locks);
        }
        break;
      }
      if (lock::fifo_queues(t.state) == expected) continue;
      if (run.disagreed++ == 0) {
        run.first = "history " + std::to_string(history) + ", position " + std::to_string(position) + ": " +
                    to_string(command) + " took effect " + std::to_string(t.took_effect) + "; table " + to_string(t.state.locks);
      }
      break;  // the next history: this table is off the reference's track
    }
  }
  return run;
}

// The reference, written apart from the lock's code, agrees with the correct lock on every entry of
// the random histories, and tells a lock that hands over from the back of the queue, or that
// leaves a closed session's waits queued, on some. The correct lock's records never say queued
// for a request that no longer waits; a handover that does not record its grant leaves one.
TEST(LockFifo, the_reference_agrees_with_the_correct_lock_on_random_histories) {
  const FifoRun correct = run_fifo_histories(sm::LockBug::none);
  EXPECT_EQ(correct.disagreed, 0u) << correct.first;
  EXPECT_EQ(correct.unrecorded, 0u) << correct.first;
  const FifoRun unrecorded = run_fifo_histories(sm::LockBug::grant_not_recorded);
  EXPECT_EQ(unrecorded.disagreed, 0u) << "the queue's order is right under grant-not-recorded: " << unrecorded.first;
  EXPECT_GT(unrecorded.unrecorded, 100u);
  std::cout << "  grant-not-recorded: " << unrecorded.unrecorded << " of 5,000 histories leave a queued record\n";
  // The histories did what they are for: many entries took effect, and locks passed on.
  EXPECT_GT(correct.took, correct.applied / 4);
  EXPECT_GT(correct.handed, 1000u);
  for (const sm::LockBug bug : {sm::LockBug::lifo_queue, sm::LockBug::close_keeps_waits}) {
    EXPECT_GT(run_fifo_histories(bug).disagreed, 10u) << to_string(bug);
  }
}

// The clients (spec/lock/clients.hpp) judge each answer by the call it answers: one no call of
// its kind can have (a release answered granted, as a retry answered from a record that the
// release did not update would be; a blocking acquire answered busy; a try answered queued) is
// explained by no order of the calls, and LOCK-Linearizable breaks; a lost answer is not heard
// until the request is re-sent. A stand-in protocol and step carry the answers.
struct AnswerProtocol {
  using StateMachine = sm::ModelLock;
  using Sequence = sm::ModelLock::Sequence;
  using ClientRequest = int;
};
struct AnswerEffect {
  ClientId client;
  AnswerProtocol::Sequence sequence;
  struct {
    sm::ModelLock::Output output;
  } payload;
};
struct AnswerStep {
  std::vector<std::variant<AnswerEffect>> effects;
};
using AnswerClients = lock::LockClients<AnswerProtocol>;

// Client c1 waits for the answer to its release of L0 (granted to it before) or to its acquire
// (a try when `tries`; with c2 holding L0 when `taken`); returns whether LOCK-Linearizable broke.
bool answer_breaks(lock::Phase phase, LockAnswer answer, bool tries = false, bool taken = false, bool deaf = false) {
  AnswerClients env;
  env.params = lock::ClientParams{2, 1, 0, 0, tries, false, false, 0, 1, 0, 1, 0, 0, 0, 0, 0};
  AnswerClients::State s = env.initial();
  if (taken) {
    s.history.call(1, LockOp::acquire, 0);
    s.history.answered(1, LockAnswer::granted);
  }
  s.history.call(0, tries ? LockOp::try_acquire : LockOp::acquire, 0);
  if (phase == lock::Phase::release) {
    s.history.answered(0, LockAnswer::granted);
    s.history.call(0, LockOp::release, 0);
  }
  s.clients[0] = AnswerClients::Client{phase, 1, 3, true, false, 0, false, false, deaf, 0, 0, false, 0, false, false, false, false};
  env.observe_step(s, NodeId::at(0), AnswerStep{{AnswerEffect{ClientId{1}, 3, {sm::ModelLock::Output{answer, 1, 4}}}}});
  return s.history.violated;
}

TEST(LockClientsAnswers, an_answer_no_call_of_its_kind_can_have_breaks_linearizability) {
  using lock::Phase;
  EXPECT_FALSE(answer_breaks(Phase::release, LockAnswer::released));
  EXPECT_FALSE(answer_breaks(Phase::release, LockAnswer::no_session));
  EXPECT_TRUE(answer_breaks(Phase::release, LockAnswer::granted));
  EXPECT_TRUE(answer_breaks(Phase::release, LockAnswer::stale));
  EXPECT_FALSE(answer_breaks(Phase::acquire, LockAnswer::granted));
  EXPECT_FALSE(answer_breaks(Phase::acquire, LockAnswer::queued));
  EXPECT_FALSE(answer_breaks(Phase::acquire, LockAnswer::queued, false, true));
  EXPECT_TRUE(answer_breaks(Phase::acquire, LockAnswer::busy, false, true));  // a blocking acquire is never busy
  EXPECT_TRUE(answer_breaks(Phase::acquire, LockAnswer::released));
  EXPECT_FALSE(answer_breaks(Phase::acquire, LockAnswer::busy, true, true));
  EXPECT_TRUE(answer_breaks(Phase::acquire, LockAnswer::queued, true, true));  // a try never waits
  // A lost answer is not heard: nothing breaks, and the client still waits.
  EXPECT_FALSE(answer_breaks(Phase::release, LockAnswer::granted, false, false, true));
}

// An expiry the service applied, as a step's Applied effect carries it.
struct ExpiryEffect {
  struct {
    sm::ModelLock::Command command;
    bool took_effect;
  } command;
};
struct ExpiryStep {
  std::vector<std::variant<AnswerEffect, ExpiryEffect>> effects;
};

// A client whose answers were lost (deaf) while its session expired is done: it has nothing left
// to hear, so it is no longer deaf (else two states that differ only there would both be explored).
TEST(LockClientsAnswers, a_client_whose_session_expires_while_deaf_is_done_and_hears_nothing) {
  AnswerClients env;
  env.params = lock::ClientParams{2, 1, 0, 0, false, false, false, 0, 1, 0, 1, 0, 0, 0, 0, 0};
  AnswerClients::State s = env.initial();
  s.history.call(0, LockOp::acquire, 0);
  s.clients[0] = AnswerClients::Client{lock::Phase::acquire, 1, 3, true, false, 0, false, false, true, 0, 0, false, 0, false, false, false, false};
  env.observe_step(s, NodeId::at(0), ExpiryStep{{ExpiryEffect{{sm::ModelLock::Command{LockOp::expire, 1, 0, 0, 0}, true}}}});
  EXPECT_EQ(s.clients[0].phase, lock::Phase::done);
  EXPECT_FALSE(s.clients[0].deaf);
  EXPECT_FALSE(s.history.violated);
}

// A client whose session expired under it may open a new one (--reopens, a budget): the Reopen
// action sends it back to the open with the next sequence number, and once that open is answered
// it asks for its lock again, on the new session. A client that finished its script, or closed
// its session, has not lost it and opens nothing; without the budget nobody reopens.
TEST(LockClientsAnswers, a_client_whose_session_expired_may_open_a_new_one_and_asks_again) {
  const auto reopens = [](const AnswerClients& env, const AnswerClients::State& s) {
    std::vector<AnswerClients::State> next;
    env.for_each_client_action(s, [&](const AnswerClients::ClientAction& action, AnswerClients::State&& after) {
      if (std::holds_alternative<AnswerClients::Reopen>(action)) next.push_back(std::move(after));
    });
    return next;
  };
  AnswerClients env;
  env.params = lock::ClientParams{2, 1, 0, 0, false, false, false, 0, 0, 0, 1, 0, 0, 1, 0, 0};
  AnswerClients::State s = env.initial();
  s.history.call(0, LockOp::acquire, 0);
  s.history.answered(0, LockAnswer::granted);
  s.clients[0] = AnswerClients::Client{lock::Phase::hold, 1, 2, false, false, 4, false, false, false, 0, 0, false, 0, false, false, false, false};
  EXPECT_TRUE(reopens(env, s).empty());  // it holds its lock
  env.observe_step(s, NodeId::at(0), ExpiryStep{{ExpiryEffect{{sm::ModelLock::Command{LockOp::expire, 1, 0, 0, 0}, true}}}});
  ASSERT_EQ(s.clients[0].phase, lock::Phase::done);
  EXPECT_TRUE(s.clients[0].lost);
  const auto after = reopens(env, s);
  ASSERT_EQ(after.size(), 1u);
  AnswerClients::State r = after.front();
  EXPECT_EQ(r.clients[0].phase, lock::Phase::open);
  EXPECT_EQ(r.clients[0].sequence, 3u);
  EXPECT_TRUE(r.clients[0].reopened);
  EXPECT_EQ(r.budget.reopens, 0u);
  EXPECT_TRUE(reopens(env, r).empty());  // the budget is spent
  r.clients[0].sent = true;
  env.observe_step(r, NodeId::at(0), AnswerStep{{AnswerEffect{ClientId{1}, 3, {sm::ModelLock::Output{LockAnswer::opened, 7, 0}}}}});
  EXPECT_EQ(r.clients[0].phase, lock::Phase::acquire);
  EXPECT_EQ(r.clients[0].session, 7u);
  EXPECT_EQ(r.clients[0].sequence, 4u);
  EXPECT_FALSE(r.history.violated);

  AnswerClients::State finished = env.initial();
  finished.clients[0].phase = lock::Phase::done;  // it released its lock and is done
  EXPECT_TRUE(reopens(env, finished).empty());
  AnswerClients::State spent = s;  // lost, with no reopen left in the budget
  spent.budget.reopens = 0;
  EXPECT_TRUE(reopens(env, spent).empty());

  AnswerClients::State closing = env.initial();  // its session expires while it closes it
  closing.history.call(0, LockOp::close, 0);
  closing.clients[0] = AnswerClients::Client{lock::Phase::close, 1, 3, true, false, 4, false, false, false, 0, 0, false, 0, false, false, false, false};
  env.observe_step(closing, NodeId::at(0), ExpiryStep{{ExpiryEffect{{sm::ModelLock::Command{LockOp::expire, 1, 0, 0, 0}, true}}}});
  EXPECT_EQ(closing.clients[0].phase, lock::Phase::done);
  EXPECT_FALSE(closing.clients[0].lost);
  EXPECT_TRUE(reopens(env, closing).empty());
}

// A client holding its lock may send its session a keep-alive (--keep-alives, a budget) before it
// writes; it still holds its lock while it waits (LOCK-MutualExclusion counts it). Answered alive with its session, it
// goes back to its work; answered no_session after its session ended (it was paused, it resumed
// not knowing), it learns so and stops; any other answer (the acquire's grant, as a retry told a
// record the keep-alive did not update hears; no_session for a session that never ended) breaks
// LOCK-Linearizable.
TEST(LockClientsAnswers, a_keep_alive_is_answered_alive_or_no_session_after_an_expiry) {
  AnswerClients env;
  env.params = lock::ClientParams{2, 1, 0, 0, false, false, false, 0, 0, 0, 1, 0, 0, 0, 0, 1};
  AnswerClients::State holding = env.initial();
  holding.history.call(0, LockOp::acquire, 0);
  holding.history.answered(0, LockAnswer::granted);
  holding.clients[0] = AnswerClients::Client{lock::Phase::hold, 1, 2, false, false, 4, false, false, false, 0, 0, false, 0, false, false, false, false};
  std::vector<AnswerClients::State> sent;
  env.for_each_client_action(holding, [&](const AnswerClients::ClientAction& action, AnswerClients::State&& after) {
    if (std::holds_alternative<AnswerClients::KeepAlive>(action)) sent.push_back(std::move(after));
  });
  ASSERT_EQ(sent.size(), 1u);
  AnswerClients::State s = sent.front();
  EXPECT_EQ(s.clients[0].phase, lock::Phase::keep_alive);
  EXPECT_EQ(s.clients[0].sequence, 3u);
  EXPECT_EQ(s.budget.keep_alives, 0u);
  EXPECT_TRUE(lock::holding(s.clients[0].phase));
  s.clients[0].sent = true;

  const auto answered = [&](AnswerClients::State state, sm::ModelLock::Output output) {
    env.observe_step(state, NodeId::at(0), AnswerStep{{AnswerEffect{ClientId{1}, 3, {output}}}});
    return state;
  };
  const AnswerClients::State alive = answered(s, {LockAnswer::alive, 1, 0});
  EXPECT_EQ(alive.clients[0].phase, lock::Phase::hold);
  EXPECT_FALSE(alive.history.violated);
  EXPECT_TRUE(answered(s, {LockAnswer::granted, 1, 4}).history.violated);
  EXPECT_TRUE(answered(s, {LockAnswer::alive, 2, 0}).history.violated);  // another session's
  EXPECT_TRUE(answered(s, {LockAnswer::no_session, 1, 0}).history.violated);
  AnswerClients::State ended = s;
  ended.ended.push_back(1);
  const AnswerClients::State told = answered(ended, {LockAnswer::no_session, 1, 0});
  EXPECT_FALSE(told.history.violated);
  EXPECT_EQ(told.clients[0].phase, lock::Phase::done);
}

// The online linearization.
using lock::Linearization;

TEST(LockLinearization, a_sequential_history_is_linearizable) {
  Linearization lin = Linearization::initial(2, 1);
  lin.call(0, LockOp::acquire, 0);
  lin.answered(0, LockAnswer::granted);
  lin.call(1, LockOp::try_acquire, 0);
  lin.answered(1, LockAnswer::busy);
  lin.call(0, LockOp::release, 0);
  lin.answered(0, LockAnswer::released);
  lin.call(1, LockOp::acquire, 0);
  lin.answered(1, LockAnswer::granted);
  EXPECT_FALSE(lin.violated);
}

TEST(LockLinearization, two_holders_at_once_are_not) {
  Linearization lin = Linearization::initial(2, 1);
  lin.call(0, LockOp::acquire, 0);
  lin.call(1, LockOp::acquire, 0);
  lin.answered(0, LockAnswer::granted);
  EXPECT_FALSE(lin.violated);
  lin.answered(1, LockAnswer::granted);
  EXPECT_TRUE(lin.violated);
}

// A release with the token of an earlier grant (a stale handle) is answered not_holder whoever
// holds the lock, and frees nothing: answered released, no order explains it.
TEST(LockLinearization, a_release_with_a_stale_token_frees_nothing) {
  Linearization lin = Linearization::initial(2, 1);
  lin.call(0, LockOp::acquire, 0);
  lin.answered(0, LockAnswer::granted);
  Linearization refused = lin;
  refused.call(0, LockOp::release, 0, true);
  refused.answered(0, LockAnswer::not_holder);
  refused.call(1, LockOp::try_acquire, 0);
  refused.answered(1, LockAnswer::busy);  // still held by client 0
  EXPECT_FALSE(refused.violated);

  lin.call(0, LockOp::release, 0, true);
  lin.answered(0, LockAnswer::released);
  EXPECT_TRUE(lin.violated);
}

TEST(LockLinearization, a_concurrent_release_may_take_effect_before_a_grant) {
  Linearization lin = Linearization::initial(2, 1);
  lin.call(0, LockOp::acquire, 0);
  lin.answered(0, LockAnswer::granted);
  lin.call(0, LockOp::release, 0);  // never answered (a lost reply)
  lin.call(1, LockOp::acquire, 0);
  lin.answered(1, LockAnswer::granted);  // fine: the release took effect first
  EXPECT_FALSE(lin.violated);
  lin.call(1, LockOp::release, 0);
  lin.answered(1, LockAnswer::released);
  EXPECT_FALSE(lin.violated);
}

// A release by token sent again and answered not_holder (not deduplicated: the first copy may have
// released the lock) is uncertain: it took effect before its answer, or never. Both stay: the
// lock may be free (another client's grant is explained) or still held (a busy try is too). A
// certain not_holder leaves the lock held: the other client's grant is then not explained.
TEST(LockLinearization, an_uncertain_release_took_effect_before_its_answer_or_never) {
  Linearization lin = Linearization::initial(2, 1);
  lin.call(0, LockOp::acquire, 0);
  lin.answered(0, LockAnswer::granted);
  lin.call(0, LockOp::release, 0);
  Linearization certain = lin;
  lin.uncertain(0);
  Linearization freed = lin;
  freed.call(1, LockOp::acquire, 0);
  freed.answered(1, LockAnswer::granted);
  EXPECT_FALSE(freed.violated);
  Linearization held = lin;
  held.call(1, LockOp::try_acquire, 0);
  held.answered(1, LockAnswer::busy);
  EXPECT_FALSE(held.violated);
  // Uncertain, but over: found held after its answer, the lock is not freed by it later.
  held.call(1, LockOp::try_acquire, 0);
  held.answered(1, LockAnswer::granted);
  EXPECT_TRUE(held.violated);
  certain.answered(0, LockAnswer::not_holder);
  EXPECT_TRUE(certain.violated);  // the caller held it: not_holder is no answer of the sequential lock
}

// The client: its release by token, sent again after a lost answer, answered not_holder, is
// uncertain, so its history stays linearizable; answered so at the first copy it is not.
TEST(LockClientsAnswers, a_re_sent_release_by_token_answered_not_holder_is_uncertain) {
  for (const bool resent : {false, true}) {
    AnswerClients env;
    env.params = lock::ClientParams{2, 1, 0, 0, false, false, false, 0, 1, 0, 1, 0, 0, 0, 1, 0};
    AnswerClients::State s = env.initial();
    s.history.call(0, LockOp::acquire, 0);
    s.history.answered(0, LockAnswer::granted);
    s.history.call(0, LockOp::release, 0);
    s.clients[0] =
        AnswerClients::Client{lock::Phase::release, 1, 3, true, false, 4, false, false, false, 0, 0, false, 0, false, false, true, resent};
    EXPECT_EQ(env.outstanding(s.clients[0], 0)->session, 0u);  // the token alone
    env.observe_step(s, NodeId::at(0), AnswerStep{{AnswerEffect{ClientId{1}, 3, {sm::ModelLock::Output{LockAnswer::not_holder, 0, 0}}}}});
    EXPECT_EQ(s.history.violated, !resent);
    EXPECT_EQ(s.clients[0].phase, lock::Phase::done);
    EXPECT_FALSE(s.clients[0].by_token);
    EXPECT_FALSE(s.clients[0].resent);
  }
}

TEST(LockLinearization, an_expiry_frees_the_lock_and_nothing_else_does) {
  Linearization lin = Linearization::initial(2, 1);
  lin.call(0, LockOp::acquire, 0);
  lin.answered(0, LockAnswer::granted);
  Linearization expired = lin;
  expired.expired(0);
  expired.call(1, LockOp::acquire, 0);
  expired.answered(1, LockAnswer::granted);
  EXPECT_FALSE(expired.violated);
  lin.call(1, LockOp::acquire, 0);
  lin.answered(1, LockAnswer::granted);  // no release, no expiry: c1 still held it
  EXPECT_TRUE(lin.violated);
}

TEST(LockLinearization, a_close_frees_the_callers_locks) {
  Linearization lin = Linearization::initial(2, 2);
  lin.call(0, LockOp::acquire, 0);
  lin.answered(0, LockAnswer::granted);
  lin.call(0, LockOp::acquire, 1);
  lin.answered(0, LockAnswer::granted);
  lin.call(0, LockOp::close, 0);
  lin.call(1, LockOp::acquire, 1);
  lin.answered(1, LockAnswer::granted);  // the close, in progress, took effect first
  EXPECT_FALSE(lin.violated);
  lin.answered(0, LockAnswer::closed);
  EXPECT_FALSE(lin.violated);
  lin.call(1, LockOp::try_acquire, 0);
  lin.answered(1, LockAnswer::busy);  // L0 was freed by the close, which was answered: not busy
  EXPECT_TRUE(lin.violated);
}

// A client that gives up waiting and closes: its abandoned acquire may still take effect until
// the close does (another client then finds the lock busy), and never after it.
TEST(LockLinearization, an_abandoned_acquire_may_take_effect_until_its_close_does) {
  const auto queued_then_given_up = [] {
    Linearization lin = Linearization::initial(3, 1);
    lin.call(0, LockOp::acquire, 0);
    lin.answered(0, LockAnswer::granted);
    lin.call(1, LockOp::acquire, 0);  // c1 waits behind c0
    lin.abandon(1);                   // and gives up
    lin.call(1, LockOp::close, 0);
    lin.call(0, LockOp::release, 0);
    lin.answered(0, LockAnswer::released);
    return lin;
  };
  // The lock passed to c1's abandoned acquire before its close: c2 finds it busy.
  Linearization busy = queued_then_given_up();
  busy.call(2, LockOp::try_acquire, 0);
  busy.answered(2, LockAnswer::busy);
  EXPECT_FALSE(busy.violated);
  busy.answered(1, LockAnswer::closed);
  busy.call(2, LockOp::try_acquire, 0);
  busy.answered(2, LockAnswer::granted);  // the close freed it
  EXPECT_FALSE(busy.violated);
  // Or it never took effect: c2 is granted the lock at once.
  Linearization free = queued_then_given_up();
  free.call(2, LockOp::try_acquire, 0);
  free.answered(2, LockAnswer::granted);
  EXPECT_FALSE(free.violated);
  // Once the close took effect, the abandoned acquire cannot: busy after the close is not linearizable.
  Linearization after = queued_then_given_up();
  after.answered(1, LockAnswer::closed);
  after.call(2, LockOp::try_acquire, 0);
  after.answered(2, LockAnswer::busy);
  EXPECT_TRUE(after.violated);
  // Without the abandoned slot (the acquire forgotten at the give-up), the first history is
  // refused: c2's busy is then unexplained.
  Linearization forgotten = Linearization::initial(3, 1);
  forgotten.call(0, LockOp::acquire, 0);
  forgotten.answered(0, LockAnswer::granted);
  forgotten.call(1, LockOp::close, 0);
  forgotten.call(0, LockOp::release, 0);
  forgotten.answered(0, LockAnswer::released);
  forgotten.call(2, LockOp::try_acquire, 0);
  forgotten.answered(2, LockAnswer::busy);
  EXPECT_TRUE(forgotten.violated);
}

TEST(LockLinearization, an_expiry_ends_an_abandoned_acquire) {
  Linearization lin = Linearization::initial(2, 1);
  lin.call(0, LockOp::acquire, 0);
  lin.abandon(0);
  lin.expired(0);  // before its close was sent: the acquire can no longer take effect
  lin.call(1, LockOp::try_acquire, 0);
  lin.answered(1, LockAnswer::busy);
  EXPECT_TRUE(lin.violated);
}

TEST(LockLinearization, a_call_that_took_no_effect_is_dropped) {
  Linearization lin = Linearization::initial(2, 1);
  lin.call(0, LockOp::acquire, 0);
  lin.failed(0);  // no_session
  lin.call(1, LockOp::acquire, 0);
  lin.answered(1, LockAnswer::granted);
  EXPECT_FALSE(lin.violated);
}

}  // namespace
}  // namespace lockstep
