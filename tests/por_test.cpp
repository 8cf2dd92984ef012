// Partial-order reduction (sleep sets, --por): the independence each model declares really
// commutes, on every reachable state of small worlds; with it, the checker reaches exactly the
// states (and depths) it reaches without, takes fewer transitions, and still finds every
// seeded bug with a trace of the same, shortest, length.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <deque>
#include <optional>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "checker/protocols/multipaxos.hpp"
#include "checker/protocols/paxos.hpp"
#include "checker/protocols/raft.hpp"
#include "checker/protocols/paxos_tla_model.hpp"
#include "checker/walk.hpp"
#include "checker/world/world.hpp"
#include "model/core/codec.hpp"
#include "model/sm/register.hpp"
#include "spec/multipaxos/invariants.hpp"
#include "spec/paxos/invariants.hpp"
#include "spec/raft/invariants_impl.hpp"
#include "tests/support/raft_bugs.hpp"

namespace lockstep {
namespace {

template <class State>
std::string key(const State& state) {
  Bytes bytes;
  encode_to(bytes, state);
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

// Visits every reachable state (breadth first, up to `limit` states) and, for every pair of
// enabled actions the model calls independent, checks the diamond: each stays enabled after
// the other, and both orders end in the same state. Returns the number of pairs checked.
template <class M>
std::size_t check_diamonds(const M& model, std::size_t limit) {
  using State = typename M::State;
  std::unordered_set<std::string> seen;
  std::deque<State> queue;
  for (const State& s : model.initial_states()) {
    seen.insert(key(s));
    queue.push_back(s);
  }
  std::size_t pairs = 0;
  while (!queue.empty() && seen.size() < limit) {
    const State state = std::move(queue.front());
    queue.pop_front();
    if (!model.within_bounds(state)) continue;
    std::vector<Successor<M>> enabled;
    successors(model, state, enabled);
    for (std::size_t i = 0; i < enabled.size(); ++i) {
      for (std::size_t j = i + 1; j < enabled.size(); ++j) {
        const auto& [a, after_a] = enabled[i];
        const auto& [b, after_b] = enabled[j];
        if (!M::independent(a, b)) continue;
        ++pairs;
        const auto ab = successor_by_action(model, after_a, b);
        const auto ba = successor_by_action(model, after_b, a);
        if (!ab || !ba) {
          ADD_FAILURE() << "independent actions disable each other: " << to_string(a) << " / " << to_string(b);
          return pairs;
        }
        if (!(*ab == *ba)) {
          ADD_FAILURE() << "independent actions do not commute: " << to_string(a) << " / " << to_string(b);
          return pairs;
        }
      }
    }
    for (auto& [a, next] : enabled) {
      if (seen.insert(key(next)).second) queue.push_back(std::move(next));
    }
  }
  return pairs;
}

TEST(PartialOrder, independent_actions_commute_in_paxos_raft_and_paxos_tla) {
  {
    std::vector<PendingRequest<paxos::Paxos>> requests;
    for (std::uint8_t v = 1; v <= 2; ++v) requests.push_back({NodeId{}, paxos::request_for(v)});
    const World<paxos::Paxos> world(paxos::model_config(3, 1, paxos::Bug::none), WorldBounds{1, 1, 1, 0}, requests);
    EXPECT_GT(check_diamonds(world, 20000), 1000u);
  }
  {
    using R = raft::Raft<sm::Register>;
    std::vector<PendingRequest<R>> requests{{NodeId{}, raft::request_for<sm::Register>(1)}};
    const World<R> world(raft::model_config<sm::Register>(3, 2, 1, raft::Bug::none), WorldBounds{1, 1, 1, 3}, requests);
    EXPECT_GT(check_diamonds(world, 20000), 1000u);
  }
  {
    const PaxosTlaModel model(paxos_tla::Config{3, 2, 2});
    EXPECT_GT(check_diamonds(model, 4000), 1000u);
  }
}

// Sleep sets prune transitions, not states: every state is still reached, at its depth.
TEST(PartialOrder, reaches_the_same_states_with_fewer_transitions) {
  RaftCheckOptions raft;
  raft.term_max = 2;
  raft.log_max = 1;
  raft.requests = 1;
  raft.crashes = 1;
  // With 2 messages in flight at most, the bound cuts diamonds (an interleaving passes through
  // a state beyond it where another does not): the case that loses states if sleep sets
  // ignore bounds. With obsolete messages kept, whether a state is within the bound depends on
  // its receivers' states too (a dead message does not count), not only on how many there are.
  for (const auto& [messages, keep] : {std::pair{2, false}, std::pair{3, false}, std::pair{2, true}}) {
    raft.messages_max = messages;
    raft.keep_obsolete = keep;
    raft.explore.por = false;
    const CheckReport full = check_raft(raft);
    raft.explore.por = true;
    raft.explore.workers = 2;
    const CheckReport reduced = check_raft(raft);
    EXPECT_EQ(reduced.outcome, Outcome::ok);
    EXPECT_EQ(reduced.stats.distinct_states, full.stats.distinct_states) << messages << " " << keep;
    EXPECT_EQ(reduced.stats.depth, full.stats.depth) << messages << " " << keep;
    EXPECT_GT(reduced.transitions_pruned, 0u);
    EXPECT_LT(reduced.stats.states_generated, full.stats.states_generated);
  }

  PaxosTlaCheckOptions tla;
  tla.ballots = 3;
  tla.explore.por = true;
  tla.explore.workers = 2;
  const CheckReport reduced = check_paxos_tla(tla);
  EXPECT_EQ(reduced.stats.distinct_states, 185369u);
  EXPECT_EQ(reduced.stats.depth, 24u);
  EXPECT_EQ(reduced.stats.states_generated + reduced.transitions_pruned, 491536u);
  EXPECT_EQ(reduced.stats.states_generated, 407161u);

  PaxosCheckOptions paxos;
  paxos.round_max = 1;
  paxos.explore.por = true;
  const CheckReport p = check_paxos(paxos);
  paxos.explore.por = false;
  EXPECT_EQ(p.stats.distinct_states, check_paxos(paxos).stats.distinct_states);
  EXPECT_GT(p.transitions_pruned, 0u);
}

// World removes a message its protocol declares obsolete (P::obsolete) once its delivery is a
// no-op, on the protocol's word that it stays a no-op whatever the receiver does later. Here the
// word is checked along random walks: every message a step removed that was neither delivered
// nor dropped (collected) is kept aside, and its delivery must stay a no-op at every later state
// of the walk whose receiver is up. A handler that acts on a message obsolete() calls dead (a
// leader that counts an AppendEntries response of an earlier term, say) fails here; the search
// alone would never see that delivery.
template <class W>
std::size_t check_obsolete_claims(const W& world, int walks, std::size_t depth, std::uint64_t seed) {
  using P = typename W::Protocol;
  using Env = typename W::Env;
  std::mt19937_64 rng(seed);
  std::size_t ghosts_checked = 0;
  for (int walk = 0; walk < walks; ++walk) {
    std::vector<TraceStep<typename W::State, typename W::Action>> trace{{std::nullopt, world.initial_states().front()}};
    std::vector<Env> ghosts;
    const Env* consumed = nullptr;  // the envelope the step delivers or drops
    const auto pick = [&](const std::vector<Successor<W>>& choices) {
      const std::size_t i = rng() % choices.size();
      const auto& action = choices[i].first;
      consumed = nullptr;
      if (const auto* d = std::get_if<typename W::Actions::Deliver>(&action)) consumed = &d->envelope;
      if (const auto* d = std::get_if<typename W::Actions::Drop>(&action)) consumed = &d->envelope;
      return i;
    };
    // What left the network in a step, as a multiset, less the consumed envelope, is what World
    // collected; each such ghost is tried at every later state whose receiver is up.
    const auto ends = [&](const auto& before, const auto& after) {
      std::vector<Env> left(before.network.begin(), before.network.end());
      for (const Env& e : after.network) {
        if (auto it = std::find(left.begin(), left.end(), e); it != left.end()) left.erase(it);
      }
      if (consumed != nullptr) {
        if (auto it = std::find(left.begin(), left.end(), *consumed); it != left.end()) left.erase(it);
      }
      ghosts.insert(ghosts.end(), left.begin(), left.end());
      for (const Env& ghost : ghosts) {
        const auto& receiver = after.nodes[ghost.to];
        if (!receiver.up) continue;
        ++ghosts_checked;
        const auto taken = P::step(world.config(), ghost.to, receiver.node, typename P::MessageReceived{ghost.from, ghost.message});
        if (!taken.is_noop(receiver.node)) {
          ADD_FAILURE() << P::name << ": a message collected as obsolete would change its receiver later: " << to_string(ghost);
          return true;
        }
      }
      return false;
    };
    if (lockstep::walk(world, trace, depth, WalkBounds::states, pick, ends)) {
      std::string steps;
      for (const auto& step : trace) steps += step.action ? "\n  " + to_string(*step.action) : std::string();
      ADD_FAILURE() << "after the walk" << steps;
      return ghosts_checked;
    }
  }
  return ghosts_checked;
}

TEST(ObsoleteMessages, a_collected_message_stays_ignored_along_random_walks) {
  {
    std::vector<PendingRequest<paxos::Paxos>> requests;
    for (std::uint8_t v = 1; v <= 2; ++v) requests.push_back({NodeId{}, paxos::request_for(v)});
    const World<paxos::Paxos> world(paxos::model_config(3, 3, paxos::Bug::none), WorldBounds{2, 1, 1, 0}, requests);
    EXPECT_GT(check_obsolete_claims(world, 3000, 80, 1), 1000u);
  }
  {
    using R = raft::Raft<sm::Register>;
    std::vector<PendingRequest<R>> requests;
    for (std::uint8_t v = 1; v <= 3; ++v) requests.push_back({NodeId{}, raft::request_for<sm::Register>(v)});
    const World<R> world(raft::model_config<sm::Register>(3, 5, 3, raft::Bug::none), WorldBounds{2, 1, 1, 0}, requests);
    EXPECT_GT(check_obsolete_claims(world, 3000, 120, 2), 1000u);
  }
  {
    using MP = multipaxos::MultiPaxos<sm::Register>;
    std::vector<PendingRequest<MP>> requests;
    for (std::uint8_t v = 1; v <= 2; ++v) requests.push_back({NodeId{}, multipaxos::request_for<sm::Register>(v)});
    const World<MP> world(multipaxos::model_config<sm::Register>(3, 3, 2), WorldBounds{2, 1, 1, 0}, requests);
    EXPECT_GT(check_obsolete_claims(world, 3000, 120, 3), 1000u);
  }
}

// Every reachable state of `world` (breadth first, expanding only states within its bounds), each
// without its dead messages (World::dead), as a set of encodings; `states` counts them as they are.
template <class W>
std::unordered_set<std::string> without_dead_messages(const W& world, std::size_t& states) {
  using State = typename W::State;
  std::unordered_set<std::string> seen;
  std::unordered_set<std::string> projected;
  std::deque<State> queue;
  const auto visit = [&](const State& s) {
    if (!seen.insert(key(s)).second) return;
    State live = s;
    live.network.clear();
    for (const auto& envelope : s.network) {
      if (!world.dead(s, envelope)) live.network.push_back(envelope);
    }
    projected.insert(key(live));
    queue.push_back(s);
  };
  for (const State& s : world.initial_states()) visit(s);
  while (!queue.empty()) {
    const State state = std::move(queue.front());
    queue.pop_front();
    if (!world.within_bounds(state)) continue;
    std::vector<Successor<W>> enabled;
    successors(world, state, enabled);
    for (const auto& [action, next] : enabled) visit(next);
  }
  states = seen.size();
  return projected;
}

// --keep-obsolete loses nothing: with the same bounds, every state the default reaches is, but
// for its dead messages, a state the world that keeps them reaches (dead messages do not count
// against the bound), and that world tells more states apart.
template <class W>
void expect_kept_world_covers_the_default(const W& collected) {
  W kept = collected;
  ASSERT_EQ(kept.keep_obsolete_messages(), "");
  std::size_t default_states = 0;
  std::size_t kept_states = 0;
  const auto by_default = without_dead_messages(collected, default_states);
  const auto with_kept = without_dead_messages(kept, kept_states);
  std::size_t missing = 0;
  for (const std::string& state : by_default) missing += with_kept.count(state) == 0 ? 1 : 0;
  EXPECT_EQ(missing, 0u) << W::Protocol::name << ": states of the default not reached with obsolete messages kept";
  EXPECT_GT(kept_states, default_states) << W::Protocol::name;
}

TEST(ObsoleteMessages, kept_they_lose_no_state_of_the_default) {
  {
    using R = raft::Raft<sm::Register>;
    const std::vector<PendingRequest<R>> requests{{NodeId{}, raft::request_for<sm::Register>(1)}};
    expect_kept_world_covers_the_default(
        World<R>(raft::model_config<sm::Register>(3, 2, 1, raft::Bug::none), WorldBounds{1, 0, 0, 2}, requests));
  }
  {
    std::vector<PendingRequest<paxos::Paxos>> requests;
    for (std::uint8_t v = 1; v <= 2; ++v) requests.push_back({NodeId{}, paxos::request_for(v)});
    expect_kept_world_covers_the_default(
        World<paxos::Paxos>(paxos::model_config(3, 1, paxos::Bug::none), WorldBounds{1, 0, 0, 4}, requests));
  }
  {
    using MP = multipaxos::MultiPaxos<sm::Register>;
    const std::vector<PendingRequest<MP>> requests{{NodeId{}, multipaxos::request_for<sm::Register>(1)}};
    expect_kept_world_covers_the_default(
        World<MP>(multipaxos::model_config<sm::Register>(3, 1, 1), WorldBounds{1, 0, 0, 3}, requests));
  }
}

TEST(PartialOrder, finds_every_seeded_bug_with_a_shortest_trace) {
  for (const paxos::Bug bug : {paxos::Bug::promise_not_durable, paxos::Bug::ignore_accepted_value, paxos::Bug::accept_below_promise}) {
    PaxosCheckOptions o;
    o.bug = bug;
    const CheckReport without = check_paxos(o);
    o.explore.por = true;
    const CheckReport with = check_paxos(o);
    EXPECT_EQ(with.outcome, Outcome::violation) << enum_name(bug);
    EXPECT_EQ(with.property, without.property) << enum_name(bug);
    EXPECT_EQ(with.trace_lines.size(), without.trace_lines.size()) << enum_name(bug);
  }
  for (const testing::RaftBugCase& c : testing::raft_bug_cases()) {
    RaftCheckOptions o = c.options();
    o.explore.por = true;
    const CheckReport with = check_raft(o);
    EXPECT_EQ(with.outcome, Outcome::violation) << enum_name(c.bug);
    EXPECT_EQ(with.property, c.invariant) << enum_name(c.bug);
    EXPECT_EQ(with.trace_lines.size(), c.trace_steps + 1) << enum_name(c.bug);  // as without --por
  }
}

}  // namespace
}  // namespace lockstep
