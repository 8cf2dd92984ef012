// Durable changes as data: a step's Persist carries edits (the hard state, and for Raft the log's
// keep-through index and appended entries), and applying them to the durable state before the
// step must give exactly the durable state after it (model/core/step.hpp). Checked here on every
// reachable state of small worlds, for every up node and every event it could receive there (each
// message in flight addressed to it, each timer, each pending client request, a restart), for
// Paxos and Raft and for each of their seeded bugs; then the checks themselves are shown to catch
// a Persist that omits an entry and a step that sends before it persists.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <deque>
#include <optional>
#include <string>
#include <type_traits>
#include <unordered_set>
#include <variant>
#include <vector>

#include "checker/explore.hpp"
#include "checker/simulate.hpp"
#include "checker/world/world.hpp"
#include "model/core/codec.hpp"
#include "model/core/print.hpp"
#include "model/sm/register.hpp"
#include "spec/multipaxos/invariants.hpp"
#include "spec/paxos/invariants.hpp"
#include "spec/raft/invariants_impl.hpp"

namespace lockstep {
namespace {

constexpr NodeId n1{1}, n2{2}, n3{3};

struct Counts {
  std::size_t states = 0;       // distinct reachable states
  std::size_t steps = 0;        // P::step calls checked
  std::size_t persists = 0;     // ... whose step carried a Persist
  std::size_t log_edits = 0;    // ... a Persist with a log edit
  std::size_t truncations = 0;  // ... a log edit that keeps less than the whole old log
  std::size_t snapshots = 0;    // ... a Persist with a snapshot (taken or installed)
  std::size_t installs = 0;     // ... of which installed from an InstallSnapshot
  std::size_t unpersisted = 0;  // steps that changed the durable state without a Persist
};

// Checks one step of node `id` in `state` on `event`; returns false on a violation (reported).
template <class W>
bool check_step(const W& world, const typename W::State& state, NodeId id, const typename W::Protocol::Event& event,
                bool durable_changes_must_persist, Counts& counts) {
  using P = typename W::Protocol;
  const typename P::Node& node = state.nodes[id].node;
  const auto step = P::step(world.config(), id, node, event);
  ++counts.steps;
  const auto where = [&] { return "node " + to_string(id) + " on " + to_string(event) + " in " + to_string(node); };
  std::size_t persists = 0;
  for (const auto& effect : step.effects) persists += std::holds_alternative<PersistOf<P>>(effect) ? 1 : 0;
  if (persists > 1 || (persists == 1 && !std::holds_alternative<PersistOf<P>>(step.effects[0]))) {
    ADD_FAILURE() << persists << " Persist effects, the first at the front: "
                  << (persists > 0 && std::holds_alternative<PersistOf<P>>(step.effects[0])) << "; " << where();
    return false;
  }
  if (!step.persist_precedes_sends()) {
    ADD_FAILURE() << "persist_precedes_sends fails: " << where();
    return false;
  }
  const auto* persist = step.persist_effect();
  if (persist == nullptr) {
    if (!(step.node.durable == node.durable)) {
      ++counts.unpersisted;
      if (durable_changes_must_persist) {
        ADD_FAILURE() << "the durable state changed without a Persist: " << where();
        return false;
      }
    }
    return true;
  }
  ++counts.persists;
  if constexpr (requires { persist->log.entries->keep_through; }) {  // a log edit (Raft's)
    if (persist->log.snapshot) {
      ++counts.snapshots;
      const auto* received = std::get_if<typename P::MessageReceived>(&event);
      if (received && std::holds_alternative<typename P::InstallSnapshot>(received->message)) ++counts.installs;
    }
    if (const auto& edit = persist->log.entries) {
      ++counts.log_edits;
      if (edit->keep_through < node.durable.log.last_index()) ++counts.truncations;
    }
  }
  typename P::Durable durable = node.durable;
  P::apply_persist(durable, *persist);
  if (!(durable == step.node.durable)) {
    ADD_FAILURE() << "applying the Persist " << to_string(*persist) << " gives " << to_string(durable)
                  << ", the step " << to_string(step.node.durable) << ": " << where();
    return false;
  }
  return true;
}

// Every reachable state of `world` (breadth first, exact: encoded states in a set; states beyond
// the world's message bound are checked but not expanded, as the checker does), and in each, every
// step check_step checks.
template <class W>
Counts check_every_reachable_step(const W& world, bool durable_changes_must_persist) {
  using P = typename W::Protocol;
  using State = typename W::State;
  Counts counts;
  // Encoded, as the checker's frontier holds them (a State holds its network inline: kilobytes).
  std::unordered_set<std::string> seen;
  std::deque<std::string> queue;
  const auto visit = [&](const State& s) {
    std::string bytes = encode_string(s);
    if (seen.insert(bytes).second) queue.push_back(std::move(bytes));
  };
  for (const State& s : world.initial_states()) visit(s);
  const auto& timers = lockstep_enum_names(typename P::Timer{});
  while (!queue.empty()) {
    const State state = decode_from<State>(queue.front());
    queue.pop_front();
    for (std::size_t i = 0; i < state.nodes.size(); ++i) {
      const NodeId id = NodeId::at(i);
      if (!state.nodes[id].up) continue;
      std::vector<typename P::Event> events;
      for (std::size_t m = 0; m < state.network.size(); ++m) {
        const auto& envelope = state.network[m];
        if (envelope.to != id || (m > 0 && envelope == state.network[m - 1])) continue;
        events.push_back(typename P::MessageReceived{envelope.from, envelope.message});
      }
      for (std::size_t t = 0; t < timers.size(); ++t) {
        events.push_back(typename P::TimerFired{static_cast<typename P::Timer>(t)});
      }
      for (const auto& pending : state.requests_pending) events.push_back(pending.request);
      events.push_back(typename P::Restarted{});
      for (const auto& event : events) {
        if (!check_step(world, state, id, event, durable_changes_must_persist, counts)) return counts;
      }
    }
    if (!world.within_bounds(state)) continue;
    world.for_each_successor(state, [&](const typename W::Action&, State&& next) { visit(next); });
  }
  counts.states = seen.size();
  return counts;
}

template <class W>
Counts run(const char* name, const W& world, bool durable_changes_must_persist) {
  const auto start = std::chrono::steady_clock::now();
  const Counts counts = check_every_reachable_step(world, durable_changes_must_persist);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%-34s %8zu states %9zu steps %8zu persists %7zu log edits %6zu truncations %6zu snapshots (%zu "
              "installed) %6zu unpersisted  %.2f s\n",
              name, counts.states, counts.steps, counts.persists, counts.log_edits, counts.truncations, counts.snapshots,
              counts.installs, counts.unpersisted, seconds);
  return counts;
}

// The bounds keep the whole test near 15 s in a RelWithDebInfo build on one core; each world is
// enumerated completely. Paxos: 3 nodes, 2 rounds, clients 1 and 2 each proposing once to any
// node, a crash, 3 messages in flight (about 150,000 states).
World<paxos::Paxos> paxos_world(paxos::Bug bug) {
  std::vector<PendingRequest<paxos::Paxos>> requests;
  for (std::uint8_t v = 1; v <= 2; ++v) requests.push_back({NodeId{}, paxos::request_for(v)});
  return World<paxos::Paxos>(paxos::model_config(3, 2, bug), WorldBounds{1, 0, 0, 3}, requests);
}

using RaftRegister = raft::Raft<sm::Register>;

// Raft: 3 nodes, terms up to 2, logs up to 2 entries, 2 client commands, a crash, 2 messages in
// flight (about 80,000 states; with 3 messages it is 3.7 million, a minute).
// With snapshot_every k, nodes snapshot and compact as they apply, and leaders send snapshots.
World<RaftRegister> raft_world(raft::Bug bug, raft::Index snapshot_every = 0) {
  std::vector<PendingRequest<RaftRegister>> requests;
  for (std::uint8_t r = 1; r <= 2; ++r) requests.push_back({NodeId{}, raft::request_for<sm::Register>(r)});
  return World<RaftRegister>(raft::model_config<sm::Register>(3, 2, 2, bug, {}, snapshot_every), WorldBounds{1, 0, 0, 2},
                             requests);
}

TEST(Edits, every_paxos_persist_applied_to_the_durable_state_gives_the_next_one) {
  const Counts counts = run("paxos", paxos_world(paxos::Bug::none), true);
  EXPECT_GT(counts.states, 100000u);
  EXPECT_GT(counts.steps, 500000u);
  EXPECT_GT(counts.persists, 100000u);
  EXPECT_EQ(counts.unpersisted, 0u);  // the correct protocol persists every durable change
}

TEST(Edits, every_paxos_persist_is_exact_under_each_seeded_bug) {
  for (const auto bug : {paxos::Bug::promise_not_durable, paxos::Bug::ignore_accepted_value,
                         paxos::Bug::accept_below_promise}) {
    const std::string name = "paxos --bug " + to_string(bug);
    const Counts counts = run(name.c_str(), paxos_world(bug), false);
    EXPECT_GT(counts.states, 50000u) << name;
    EXPECT_GT(counts.steps, 400000u) << name;
    EXPECT_GT(counts.persists, 50000u) << name;
    // The one bug that forgets to persist is seen doing so; the others always persist.
    if (bug == paxos::Bug::promise_not_durable) {
      EXPECT_GT(counts.unpersisted, 0u) << name;
    } else {
      EXPECT_EQ(counts.unpersisted, 0u) << name;
    }
  }
}

TEST(Edits, every_raft_persist_applied_to_the_durable_state_gives_the_next_one) {
  const Counts counts = run("raft", raft_world(raft::Bug::none), true);
  EXPECT_GT(counts.states, 50000u);
  EXPECT_GT(counts.steps, 500000u);
  EXPECT_GT(counts.persists, 50000u);
  EXPECT_GT(counts.log_edits, 20000u);
  EXPECT_GT(counts.truncations, 100u);  // conflicting suffixes are deleted on some paths
  EXPECT_EQ(counts.unpersisted, 0u);    // the correct protocol persists every durable change
}

TEST(Edits, every_raft_persist_is_exact_under_each_seeded_bug) {
  for (const auto bug : {raft::Bug::vote_not_durable, raft::Bug::commit_previous_term, raft::Bug::vote_without_log_check,
                         raft::Bug::append_without_truncate, raft::Bug::ignore_higher_term}) {
    const std::string name = "raft --bug " + to_string(bug);
    const Counts counts = run(name.c_str(), raft_world(bug), false);
    EXPECT_GT(counts.states, 50000u) << name;
    EXPECT_GT(counts.steps, 500000u) << name;
    EXPECT_GT(counts.persists, 50000u) << name;
    EXPECT_GT(counts.log_edits, 20000u) << name;
    EXPECT_EQ(counts.unpersisted, 0u) << name;  // no Raft bug skips a Persist
    // The bug that keeps conflicting entries is seen never truncating; the others do.
    if (bug == raft::Bug::append_without_truncate) {
      EXPECT_EQ(counts.truncations, 0u) << name;
    } else {
      EXPECT_GT(counts.truncations, 100u) << name;
    }
  }
}

// As nodes run Raft: each leader's no-op, check-quorum and pre-vote (a pre-candidate changes
// nothing durable; the campaign after its pre-vote persists its term and vote), one client
// command.
TEST(Edits, every_raft_persist_as_nodes_run_it_gives_the_next_durable_state) {
  std::vector<PendingRequest<RaftRegister>> requests{{NodeId{}, raft::request_for<sm::Register>(1)}};
  const World<RaftRegister> world(raft::model_config<sm::Register>(3, 2, 2, raft::Bug::none, {}, 0, true, true, true),
                                  WorldBounds{1, 0, 0, 2}, requests);
  const Counts counts = run("raft --leader-noop 1 --check-quorum 1 --pre-vote 1", world, true);
  EXPECT_GT(counts.states, 50000u);
  EXPECT_GT(counts.persists, 20000u);
  EXPECT_GT(counts.log_edits, 10000u);
  EXPECT_EQ(counts.unpersisted, 0u);
}

TEST(Edits, every_raft_persist_with_snapshots_gives_the_next_durable_state) {
  for (const raft::Index every : {raft::Index{1}, raft::Index{2}}) {
    for (const auto bug : {raft::Bug::none, raft::Bug::snapshot_over_newer}) {
      const std::string name = "raft --snapshot-every " + std::to_string(every) + " --bug " + to_string(bug);
      const Counts counts = run(name.c_str(), raft_world(bug, every), true);
      EXPECT_GT(counts.states, 50000u) << name;
      EXPECT_GT(counts.snapshots, 1000u) << name;  // taken and installed, with and without log edits
      EXPECT_GT(counts.installs, 100u) << name;
      EXPECT_GT(counts.truncations, 100u) << name;
      EXPECT_EQ(counts.unpersisted, 0u) << name;
    }
  }
}

using MultiPaxosRegister = multipaxos::MultiPaxos<sm::Register>;

// Multi-Paxos: 3 nodes, rounds up to 2 (1 under the seeded bugs), two slots snapshotted after each, 2 client commands, a
// crash, 2 messages in flight: votes written, snapshots taken and installed, votes dropped.
World<MultiPaxosRegister> multipaxos_world(multipaxos::Bug bug, multipaxos::Round round_max = 2) {
  std::vector<PendingRequest<MultiPaxosRegister>> requests;
  for (std::uint8_t r = 1; r <= 2; ++r) requests.push_back({NodeId{}, multipaxos::request_for<sm::Register>(r)});
  return World<MultiPaxosRegister>(multipaxos::model_config<sm::Register>(3, round_max, 2, bug, 1), WorldBounds{1, 0, 0, 2},
                                   requests);
}

TEST(Edits, every_multipaxos_persist_applied_to_the_durable_state_gives_the_next_one) {
  const Counts counts = run("multipaxos", multipaxos_world(multipaxos::Bug::none), true);
  EXPECT_GT(counts.states, 20000u);
  EXPECT_GT(counts.persists, 20000u);
  EXPECT_EQ(counts.unpersisted, 0u);  // the correct protocol persists every durable change
}

TEST(Edits, every_multipaxos_persist_is_exact_under_each_seeded_bug) {
  for (const auto bug : {multipaxos::Bug::skip_recovery, multipaxos::Bug::votes_not_durable,
                         multipaxos::Bug::snapshot_over_newer}) {
    const std::string name = "multipaxos --bug " + to_string(bug);
    const Counts counts = run(name.c_str(), multipaxos_world(bug, 1), false);
    EXPECT_GT(counts.states, 5000u) << name;
    EXPECT_GT(counts.persists, 5000u) << name;
    if (bug == multipaxos::Bug::votes_not_durable) {
      EXPECT_GT(counts.unpersisted, 0u) << name;
    } else {
      EXPECT_EQ(counts.unpersisted, 0u) << name;
    }
  }
}

// --- The checks catch what they are for. ---

using R = RaftRegister;
const R::Config raft_config = raft::model_config<sm::Register>(3, 9, 4);

R::Entry entry(raft::Term term, std::uint8_t value) {
  return R::Entry{term, ClientId{value}, 1, sm::Register::Command{value}, false};
}

TEST(Edits, a_persist_whose_edit_omits_an_appended_entry_gives_a_different_durable_state) {
  R::Node follower{};
  follower.durable.current_term = 2;
  follower.durable.log.append(entry(1, 1));
  R::Entries entries{};
  entries.push_back(entry(2, 2));
  entries.push_back(entry(2, 3));
  const auto step = R::step(raft_config, n2, follower, R::MessageReceived{n1, R::AppendEntries{2, 1, 1, entries, 0}});
  ASSERT_NE(step.persist_effect(), nullptr);
  const PersistOf<R> exact = *step.persist_effect();
  ASSERT_TRUE(exact.log.entries.has_value());
  ASSERT_EQ(exact.log.entries->appended.size(), 2u);

  R::Durable durable = follower.durable;
  R::apply_persist(durable, exact);
  EXPECT_EQ(durable, step.node.durable);

  // The same edit with some of its appended entries left out, or with no log edit at all.
  const auto with_appended = [&](std::initializer_list<std::size_t> kept) {
    R::Entries appended{};
    for (const std::size_t k : kept) appended.push_back(exact.log.entries->appended[k]);
    return PersistOf<R>{exact.hard_state,
                        R::LogEdit{std::nullopt, lockstep::LogEdit<R::Entries, raft::Index>{exact.log.entries->keep_through, appended}}};
  };
  for (const auto& broken : {with_appended({0}), with_appended({1}), with_appended({}),
                             PersistOf<R>{exact.hard_state, R::LogEdit{}}}) {
    durable = follower.durable;
    R::apply_persist(durable, broken);
    EXPECT_NE(durable, step.node.durable) << to_string(broken);
  }
  durable = follower.durable;
  R::apply_persist(durable, with_appended({0}));
  EXPECT_EQ(durable.log.last_index(), 2);  // the last entry is missing
  durable = follower.durable;
  R::apply_persist(durable, with_appended({0, 1}));
  EXPECT_EQ(durable, step.node.durable);

  // Paxos writes its hard state whole: a stale one is caught the same way.
  paxos::Node acceptor{};
  const auto accepted = paxos::Paxos::step(paxos::model_config(3, 2), n3, acceptor,
                                           paxos::MessageReceived{n2, paxos::Accept{paxos::Ballot{1, n2}, paxos::Value{2}}});
  ASSERT_NE(accepted.persist_effect(), nullptr);
  PersistOf<paxos::Paxos> stale = *accepted.persist_effect();
  stale.hard_state.accepted_value = paxos::Value{};
  paxos::Durable paxos_durable = acceptor.durable;
  paxos::Paxos::apply_persist(paxos_durable, stale);
  EXPECT_NE(paxos_durable, accepted.node.durable);
}

TEST(Edits, persist_precedes_sends_on_hand_made_effect_lists) {
  using Effects = lockstep::Step<R>::Effects;
  const Effect<R> persist = PersistOf<R>{R::HardState{1, n1}, R::LogEdit{}};
  const Effect<R> send = Send<R::Message>{n2, R::RequestVote{1, 0, 0}};
  const Effect<R> timer = SetTimer<raft::Timer>{raft::Timer::election, Delay::randomized(150, 300)};
  const Effect<R> reply = Reply<R::Sequence, R::Committed>{ClientId{1}, 1, R::Committed{1, sm::Register::Output{1}}};
  const Effect<R> redirect = Redirect<R::Sequence>{ClientId{1}, 1, NodeId{}};
  const Effect<R> applied = Applied<R::AppliedEntry>{R::AppliedEntry{1, 1, ClientId{1}, 1, sm::Register::Command{1}, true, false}};
  const auto holds = [](std::initializer_list<Effect<R>> effects) {
    lockstep::Step<R> step{R::Node{}};
    step.effects = Effects(effects);
    return step.persist_precedes_sends();
  };
  EXPECT_TRUE(holds({}));
  EXPECT_TRUE(holds({persist}));
  EXPECT_TRUE(holds({persist, send, reply, applied}));
  EXPECT_TRUE(holds({timer, persist, send}));  // arming a timer leaves nothing
  EXPECT_TRUE(holds({send, timer}));           // no Persist at all
  EXPECT_FALSE(holds({send, persist}));
  EXPECT_FALSE(holds({reply, persist}));
  EXPECT_FALSE(holds({applied, persist}));
  EXPECT_FALSE(holds({redirect, persist}));
  EXPECT_FALSE(holds({persist, persist}));
  EXPECT_FALSE(holds({persist, send, persist}));
}

// A spec with nothing to check, for worlds of the broken protocols below.
template <class P>
struct NoSpec {
  struct Ghost {
    LOCKSTEP_EMPTY_STRUCT(Ghost);
  };
  using State = WorldState<P, NoSpec>;
  static constexpr bool observes_crashes = false;
  static Ghost initial_ghost(const typename P::Config&) { return Ghost{}; }
  template <class... A>
  static void observe(const A&...) {}
  static std::vector<Property<State>> properties(const typename P::Config&) { return {}; }
  static std::vector<TransitionProperty<State>> transition_properties(const typename P::Config&) { return {}; }
};

// Raft, broken on purpose: its Persist goes after everything else the step does.
struct SendsBeforePersisting : R {
  static lockstep::Step<SendsBeforePersisting> step(const Config& config, NodeId self, const Node& node,
                                                    const Event& event) {
    const auto inner = R::step(config, self, node, event);
    lockstep::Step<SendsBeforePersisting> out{inner.node};
    std::optional<Effect<R>> persist;
    for (const auto& effect : inner.effects) {
      if (std::holds_alternative<PersistOf<R>>(effect)) {
        persist = effect;
      } else {
        out.effects.push_back(effect);
      }
    }
    if (persist) out.effects.push_back(*persist);
    return out;
  }
};

// Raft, broken on purpose: it expects no leader ever to hold an entry (false once a leader takes
// a client's command), as a careless edit of a step function may expect something untrue.
struct ExpectsNoEntryAtALeader : R {
  static lockstep::Step<ExpectsNoEntryAtALeader> step(const Config& config, NodeId self, const Node& node,
                                                      const Event& event) {
    const auto inner = R::step(config, self, node, event);
    LOCKSTEP_EXPECT(inner.node.volatile_state.role != raft::Role::leader || inner.node.durable.log.last_index() == 0);
    lockstep::Step<ExpectsNoEntryAtALeader> out{inner.node};
    out.effects = inner.effects;
    return out;
  }
};

// Raft, broken on purpose where the claim that stale messages are obsolete hides it: its leader
// expects no AppendEntries response of an earlier term to reach it (as a handler that forgot
// the term check would act on one).
struct ExpectsNoStaleResponseAtALeader : R {
  static lockstep::Step<ExpectsNoStaleResponseAtALeader> step(const Config& config, NodeId self, const Node& node,
                                                              const Event& event) {
    if (const auto* received = std::get_if<MessageReceived>(&event)) {
      if (const auto* response = std::get_if<AppendEntriesResponse>(&received->message)) {
        LOCKSTEP_EXPECT(node.volatile_state.role != raft::Role::leader || response->term >= node.durable.current_term);
      }
    }
    const auto inner = R::step(config, self, node, event);
    lockstep::Step<ExpectsNoStaleResponseAtALeader> out{inner.node};
    out.effects = inner.effects;
    return out;
  }
};

// Raft, broken on purpose: its Persist's log edit leaves out the last entry it appends.
struct OmitsAnEntry : R {
  static lockstep::Step<OmitsAnEntry> step(const Config& config, NodeId self, const Node& node, const Event& event) {
    const auto inner = R::step(config, self, node, event);
    lockstep::Step<OmitsAnEntry> out{inner.node};
    out.effects = inner.effects;
    for (auto& effect : out.effects) {
      if (auto* persist = std::get_if<PersistOf<R>>(&effect);
          persist && persist->log.entries && !persist->log.entries->appended.empty()) {
        persist->log.entries->appended.pop_back();
      }
    }
    return out;
  }
};

template <class P>
World<P, NoSpec<P>> broken_world() {
  std::vector<PendingRequest<P>> requests{{NodeId{}, raft::request_for<sm::Register>(1)}};
  return World<P, NoSpec<P>>(raft_config, WorldBounds{0, 0, 0, 3}, requests);
}

// Expects `state` to have a successor in which `node`'s step failed: the state itself with
// `failed` set, which violates WORLD-StepsComplete (and nothing else), has no successors, and is
// explained by a sentence that contains `why`.
template <class W>
void expect_failed_successor(const W& world, const typename W::State& state, NodeId node, const std::string& why) {
  std::vector<typename W::State> failed;
  world.for_each_successor(state, [&](const auto&, auto&& next) {
    if (next.failed == node) failed.push_back(next);
  });
  ASSERT_FALSE(failed.empty());
  auto expected = state;
  expected.failed = node;
  bool found = false;
  for (const auto& next : failed) {
    std::size_t successors = 0;
    world.for_each_successor(next, [&](const auto&, auto&&) { ++successors; });
    EXPECT_EQ(successors, 0u);
    std::vector<std::string> violated;
    for (const auto& property : world.properties()) {
      if (!property.holds(next)) violated.emplace_back(property.name);
    }
    EXPECT_EQ(violated, std::vector<std::string>{"WORLD-StepsComplete"});
    const auto explained = world.explain("WORLD-StepsComplete", &state, next);
    ASSERT_FALSE(explained.empty());
    bool named = false;
    for (const auto& line : explained) named = named || line.find(why) != std::string::npos;
    EXPECT_TRUE(named) << explained.front();
    found = found || next.nodes == expected.nodes;
  }
  EXPECT_TRUE(found) << "the node's own state is left as it was";
  EXPECT_FALSE(world.state_json(state).contains("failed")) << "written only when a step failed";
  EXPECT_TRUE(world.state_json(failed.front()).contains("failed"));
}

TEST(Edits, the_world_rejects_a_step_that_sends_before_it_persists) {
  const auto world = broken_world<SendsBeforePersisting>();
  const auto initial = world.initial_states().front();
  // n1's election timer: it votes for itself (durable) and asks for votes, in the wrong order.
  const auto step = SendsBeforePersisting::step(raft_config, n1, initial.nodes[n1].node, R::TimerFired{raft::Timer::election});
  ASSERT_TRUE(step.persists());
  ASSERT_FALSE(step.persist_precedes_sends());
  // The step fails: the action leads to the same state with `failed` naming n1, which violates
  // WORLD-StepsComplete and is expanded no further; the explanation names the broken contract.
  expect_failed_successor(world, initial, n1, "sends before it persists");

  // The same world with the real step function: no complaint.
  const auto correct = broken_world<R>();
  std::size_t successors = 0;
  EXPECT_NO_THROW(correct.for_each_successor(correct.initial_states().front(), [&](const auto&, auto&&) { ++successors; }));
  EXPECT_GT(successors, 0u);
}

// The initial state of `world` with n1 the leader of term 2 (elected by n1 and n2).
template <class W>
typename W::State with_a_leader(const W& world) {
  auto state = world.initial_states().front();
  R::Node leader{};
  leader.durable.current_term = 1;
  leader = R::step(raft_config, n1, leader, R::TimerFired{raft::Timer::election}).node;
  leader = R::step(raft_config, n1, leader, R::MessageReceived{n2, R::RequestVoteResponse{2, true}}).node;
  EXPECT_EQ(leader.volatile_state.role, raft::Role::leader);
  state.nodes[n1].node = leader;
  return state;
}

TEST(Edits, the_world_rejects_a_persist_whose_edits_do_not_give_the_durable_state) {
  // The pending client command is appended at the leader n1, whose Persist leaves the entry out.
  const auto world = broken_world<OmitsAnEntry>();
  expect_failed_successor(world, with_a_leader(world), n1, "Persist edits do not give its durable state");

  // The same world with the real step function: no complaint, and the request is taken.
  const auto correct = broken_world<R>();
  std::size_t requests = 0;
  EXPECT_NO_THROW(correct.for_each_successor(with_a_leader(correct), [&](const auto& action, auto&&) {
    requests += std::holds_alternative<World<R, NoSpec<R>>::Actions::Request>(action) ? 1 : 0;
  }));
  EXPECT_EQ(requests, 1u);
}

// A failed expectation deep in the state space: the search reports it as a violation of
// WORLD-StepsComplete with a shortest trace (a leader elected, then a client's command), where an
// assert would have aborted the process; random walks find it too.
TEST(Edits, a_failed_expectation_in_a_step_is_a_violation_with_a_trace) {
  const auto world = broken_world<ExpectsNoEntryAtALeader>();
  ExploreOptions options;
  options.workers = 1;
  const auto found = explore(world, options);
  ASSERT_EQ(found.outcome, Outcome::violation);
  EXPECT_EQ(found.property, "WORLD-StepsComplete");
  ASSERT_GE(found.trace.size(), 2u);
  const auto& last = found.trace.back();
  ASSERT_TRUE(last.state.failed.has_value());
  ASSERT_TRUE(last.action.has_value());
  using Broken = World<ExpectsNoEntryAtALeader, NoSpec<ExpectsNoEntryAtALeader>>;
  EXPECT_TRUE(std::holds_alternative<Broken::Actions::Request>(*last.action));
  const auto& before = found.trace[found.trace.size() - 2].state;
  EXPECT_EQ(before.nodes[*last.state.failed].node.volatile_state.role, raft::Role::leader);
  const auto explained = world.explain("WORLD-StepsComplete", &before, last.state);
  ASSERT_FALSE(explained.empty());
  EXPECT_NE(explained.front().find("expectation failed: inner.node.volatile_state.role"), std::string::npos) << explained.front();
  EXPECT_NE(explained.front().find("(tests/edits_test.cpp:"), std::string::npos) << explained.front();

  SimulateOptions walks;
  walks.runs = 200;
  const auto walked = simulate(world, walks);
  EXPECT_EQ(walked.outcome, Outcome::violation);
  EXPECT_EQ(walked.property, "WORLD-StepsComplete");
}

// A stale response is collected once its receiver ignores it (a follower after a crash), so the
// node leading again after the crash never sees it: the default reaches the broken handler only
// by a longer way (a response sent late). With obsolete messages kept, that response is delivered
// to the new leader: a shorter trace, through the crash.
TEST(Edits, a_stale_message_kept_in_flight_reaches_the_node_leading_again) {
  using P = ExpectsNoStaleResponseAtALeader;
  using W = World<P, NoSpec<P>>;
  const W collected(raft::model_config<sm::Register>(3, 2, 0), WorldBounds{1, 0, 0, 3}, std::vector<PendingRequest<P>>{});
  ExploreOptions options;
  options.workers = 1;
  const auto by_default = explore(collected, options);
  ASSERT_EQ(by_default.outcome, Outcome::violation);
  EXPECT_FALSE(collected.keeps_obsolete());
  EXPECT_FALSE(collected.model_json().contains("keep_obsolete"));

  W kept = collected;
  ASSERT_EQ(kept.keep_obsolete_messages(), "");
  const auto found = explore(kept, options);
  ASSERT_EQ(found.outcome, Outcome::violation);
  EXPECT_EQ(found.property, "WORLD-StepsComplete");
  EXPECT_LT(found.trace.size(), by_default.trace.size());
  const auto& last = found.trace.back();
  ASSERT_TRUE(last.action.has_value());
  const auto* deliver = std::get_if<W::Actions::Deliver>(&*last.action);
  ASSERT_NE(deliver, nullptr);
  EXPECT_TRUE(std::holds_alternative<R::AppendEntriesResponse>(deliver->envelope.message));
  // On its way the response was dead (its receiver, crashed or following, ignored it), where the
  // default world collects it; and the receiver crashed in the trace. (Which of the shortest
  // traces is found first is the search's business, so the test does not name one.)
  bool dead_on_the_way = false, receiver_crashed = false;
  for (std::size_t i = 1; i + 1 < found.trace.size(); ++i) {
    const auto* crash = std::get_if<W::Actions::Crash>(&*found.trace[i].action);
    receiver_crashed |= crash != nullptr && crash->node == deliver->envelope.to;
    const auto& network = found.trace[i].state.network;
    dead_on_the_way |= std::find(network.begin(), network.end(), deliver->envelope) != network.end() &&
                       kept.dead(found.trace[i].state, deliver->envelope);
  }
  EXPECT_TRUE(dead_on_the_way);
  EXPECT_TRUE(receiver_crashed);
  const auto explained = kept.explain("WORLD-StepsComplete", &found.trace[found.trace.size() - 2].state, last.state);
  ASSERT_FALSE(explained.empty());
  EXPECT_NE(explained.front().find("expectation failed: node.volatile_state.role"), std::string::npos) << explained.front();

  // The switch is part of the model: a trace's model rebuilds it.
  EXPECT_EQ(kept.model_json()["keep_obsolete"], true);
  EXPECT_TRUE(W::from_model_json(kept.model_json()).keeps_obsolete());
  EXPECT_FALSE(W::from_model_json(collected.model_json()).keeps_obsolete());
}

}  // namespace
}  // namespace lockstep
