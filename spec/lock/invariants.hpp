// What must hold of the lock service, over a World of a consensus protocol replicating sm::Lock
// with the lock's clients around it (spec/lock/clients.hpp):
//   LOCK-MutualExclusion   no replica's applied table has a lock held by a session that is not
//                          open or that also waits for it; and no two clients that may still
//                          believe it (not paused past their session's expiry) hold one lock.
//   LOCK-FencingMonotone   every grant at a replica carries a token above the lock's previous one.
//   LOCK-ResourceSafety    the resource never accepted a write with a token below one it accepted.
//   LOCK-Linearizable      the clients' calls and answers (and the service's expiries) have a
//                          linearization against the sequential lock (spec/lock/linearization.hpp).
//   LOCK-ExactlyOnce       a request (client, sequence) takes effect at one log position only: a
//                          retry never takes effect again.
//   LOCK-OpenAnswer        every opened(s) answer names the session its open made: s is the log
//                          position where that open (client, sequence) took effect. A retry's
//                          answer too, which the service gives from its record of opens.
//   LOCK-TokensDistinct    no two clients were granted one lock with the same token (each grant's
//                          token is its own, so the resource can tell its holders apart): among
//                          the tokens each client keeps (its grant's and the one before).
//   LOCK-FifoQueue         a replica applies each entry as the sequential lock with FIFO queues
//                          says: a lock freed passes to the session that queued for it first.
//   LOCK-RetryAnswer       no replica records `queued` as the answer to a session's last request
//                          unless that request still waits in a lock's queue: a retry is told
//                          what became of the request (a grant, once the lock passed to it), not
//                          the answer it got before. (A final answer, granted or released, stays
//                          true of its request whatever happens after; `queued` is the one that
//                          is not final.)
// Sometimes: lock-granted, lock-handed-to-waiter, lock-freed-by-expiry.
// And every invariant and transition property of the replicating protocol's own spec (RAFT-*,
// spec/raft/invariants.hpp; MULTIPAXOS-*, spec/multipaxos/invariants.hpp), over the protocol's
// ghost variables kept as ghost.protocol: the lock is only as safe as the log under it, and a
// bug in the protocol may break it at bounds where no lock property breaks yet. (Not the
// protocol's "sometimes" properties: the lock's own say what its worlds must reach.)
#pragma once

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "spec/lock/clients.hpp"
#include "spec/lock/fifo.hpp"
#include "spec/lock/refinement.hpp"
#include "spec/multipaxos/invariants.hpp"
#include "spec/property.hpp"
#include "spec/raft/invariants_impl.hpp"
#include "spec/world_state.hpp"

namespace lockstep::lock {

template <class P>
struct LockSpec {
  using L = typename P::StateMachine;
  using Config = typename P::Config;
  using Node = typename P::Node;
  using Position = typename L::Position;
  using Sequence = typename P::Sequence;
  using Machine = typename L::State;
  using ProtocolSpec = typename ProtocolSpecFor<P>::type;  // RaftSpec or MultiPaxosSpec

  struct Effected {
    LOCKSTEP_STRUCT(Effected, (ClientId, client), (Sequence, sequence), (Position, position));
  };
  using Token = typename L::Token;
  using SessionId = typename L::SessionId;
  using LockId = typename L::LockId;
  struct Grant {
    LOCKSTEP_STRUCT(Grant, (LockId, lock), (SessionId, session), (Token, token));
  };
  // Under --refine only (spec/lock/refinement.hpp): the agreed log applied by the lock's own code
  // in log order, each entry when the first replica applies it; every grant it made; every
  // request that took effect, with its position (a second position is a second effect).
  struct Agreed {
    using Grants = SmallVec<Grant, 24>;
    using Took = SmallVec<Effected, 24>;
    LOCKSTEP_STRUCT(Agreed, (Machine, machine), (Position, at), (Grants, grants), (Took, took));
  };
  struct Ghost {
    using Effects = SmallSet<Effected, 24>;
    using Protocol = typename ProtocolSpec::Ghost;
    // queue_broken: LOCK-FifoQueue's; open_misanswered: LOCK-OpenAnswer's, the first open answered
    // with a session it did not open (client, sequence, and the session named). Each added later:
    // traces written before it read false or none.
    LOCKSTEP_STRUCT(Ghost, (Effects, effected), (bool, twice), (bool, token_regressed), (bool, granted), (bool, handed),
                    (bool, freed_by_expiry), (std::optional<Agreed>, agreed), (Protocol, protocol), (bool, queue_broken),
                    (std::optional<Effected>, open_misanswered));
    static constexpr std::string_view lockstep_added_fields[] = {"queue_broken", "open_misanswered"};  // model/core/json.hpp
  };
  using State = ClientWorldState<P, LockSpec, typename LockClients<P>::State>;

  static constexpr bool observes_crashes = ProtocolSpec::observes_crashes;
  static Ghost initial_ghost(const Config& config) {
    Ghost ghost{};
    ghost.protocol = ProtocolSpec::initial_ghost(config);
    return ghost;
  }
  static void observe_crash(const Config& config, Ghost& ghost, NodeId node, const Node& crashed) {
    if constexpr (ProtocolSpec::observes_crashes) ProtocolSpec::observe_crash(config, ghost.protocol, node, crashed);
  }

  static const Machine& machine_of(const Node& node) { return node.volatile_state.machine; }

  // Each lock that `is` grants and `was` did not (a new holder or token): f(lock, its entry in
  // `was` or nullptr).
  template <class F>
  static void for_each_grant(const Machine& was, const Machine& is, F&& f) {
    for (const auto& l : is.locks) {
      if (l.holder == 0) continue;
      const auto* old = L::find_lock(was, l.lock);
      if (!old || old->holder != l.holder || old->token != l.token) f(l, old);
    }
  }

  // `check --refine`: the ghost records the agreed log from the start.
  static void start_refinement(Ghost& ghost) { ghost.agreed = Agreed{}; }

  // An entry applied for the first time anywhere is applied to the agreed table, in log order.
  static void advance_agreed(const Config& config, Agreed& agreed, const Step<P>& step) {
    for (const auto& effect : step.effects) {
      const auto* applied = std::get_if<Applied<typename P::AppliedCommand>>(&effect);
      if (!applied || applied->command.index != agreed.at + 1) continue;
      const auto& a = applied->command;
      agreed.at = static_cast<Position>(a.index);
      if constexpr (requires { a.noop; }) {
        if (a.noop) continue;
      }
      const Machine was = agreed.machine;
      auto ignore = [](ClientId, Sequence, const typename L::Output&) {};
      const bool took = L::apply(config.machine, agreed.machine, a.index, a.client, a.sequence, a.command, ignore);
      if (took && !a.client.is_none()) agreed.took.push_back(Effected{a.client, a.sequence, static_cast<Position>(a.index)});
      for_each_grant(was, agreed.machine, [&](const auto& l, const auto*) { agreed.grants.push_back(Grant{l.lock, l.holder, l.token}); });
    }
  }

  // LOCK-FifoQueue (spec/lock/fifo.hpp), at each step of a replica that applies log entries one
  // after the other from where it stood (not a restart; no snapshot installed between): the
  // table after the step is what the sequential lock with FIFO queues makes of the table before
  // it and the entries, each taken as the replica's code says it took effect or not.
  static std::uint64_t applied_position(const Node& node) {
    if constexpr (requires { node.volatile_state.last_applied; }) {
      return node.volatile_state.last_applied;  // Raft
    } else {
      return node.volatile_state.applied;  // Multi-Paxos
    }
  }

  // Whether the step's applied entries leave the replica's table as the FIFO reference says (true
  // when the step applies none, or not one after the other from where the replica stood).
  static bool applies_fifo(const Node& before, const Step<P>& step) {
    std::uint64_t at = applied_position(before);
    std::optional<FifoQueues> expected;
    for (const auto& effect : step.effects) {
      const auto* applied = std::get_if<Applied<typename P::AppliedCommand>>(&effect);
      if (!applied) continue;
      const auto& a = applied->command;
      if (a.index != at + 1) return true;
      at = a.index;
      if (!expected) expected = fifo_queues(machine_of(before));
      if (a.noop || !a.took_effect) continue;
      fifo_apply(*expected, a.command);
    }
    if (!expected || applied_position(step.node) != at) return true;
    return *expected == fifo_queues(machine_of(step.node));
  }

  // Where the request (client, sequence) took effect, if it did.
  static const Effected* find_effected(const Ghost& ghost, ClientId client, Sequence sequence) {
    const auto known = std::find_if(ghost.effected.begin(), ghost.effected.end(),
                                    [&](const Effected& e) { return e.client == client && e.sequence == sequence; });
    return known == ghost.effected.end() ? nullptr : &*known;
  }

  // LOCK-OpenAnswer: an opened(s) answer names the session its open made, s the log position where
  // that (client, sequence) took effect (recorded by its Applied, which comes before any answer
  // to it), whichever copy of the open the answer is to. The first answer that does not is kept.
  static void check_open_answer(Ghost& ghost, const Reply<Sequence, typename P::ReplyPayload>& reply) {
    if (reply.payload.output.answer != sm::LockAnswer::opened || ghost.open_misanswered) return;
    const Effected* known = find_effected(ghost, reply.client, reply.sequence);
    const auto named = static_cast<Position>(reply.payload.output.session);
    if (known == nullptr || known->position != named) {
      ghost.open_misanswered = Effected{reply.client, reply.sequence, named};
    }
  }

  static void observe(const Config& config, Ghost& ghost, NodeId node, const typename P::Event& event, const Node& before,
                      const Step<P>& step) {
    ProtocolSpec::observe(config, ghost.protocol, node, event, before, step);
    if (ghost.agreed) advance_agreed(config, *ghost.agreed, step);
    if (!std::holds_alternative<typename P::Restarted>(event) && !applies_fifo(before, step)) ghost.queue_broken = true;
    // Effects in order: an entry's Applied comes before its answers.
    for (const auto& effect : step.effects) {
      if (const auto* reply = std::get_if<Reply<Sequence, typename P::ReplyPayload>>(&effect)) {
        check_open_answer(ghost, *reply);
        continue;
      }
      const auto* applied = std::get_if<Applied<typename P::AppliedCommand>>(&effect);
      if (!applied || !applied->command.took_effect) continue;
      const auto& a = applied->command;
      if (a.command.op == sm::LockOp::expire) {
        for (const auto& l : machine_of(before).locks) ghost.freed_by_expiry |= l.holder == a.command.session;
      }
      if (a.client.is_none()) continue;
      const Effected* known = find_effected(ghost, a.client, a.sequence);
      if (known == nullptr) {
        ghost.effected.insert(Effected{a.client, a.sequence, static_cast<Position>(a.index)});
      } else if (known->position != a.index) {
        ghost.twice = true;
      }
    }
    // A restart rebuilds the table from the start (or a snapshot): not a grant.
    if (std::holds_alternative<typename P::Restarted>(event)) return;
    for_each_grant(machine_of(before), machine_of(step.node), [&](const auto& l, const auto* old) {
      ghost.granted = true;
      if (old && l.token <= old->token) ghost.token_regressed = true;
      if (old && old->holder != 0 && old->holder != l.holder) ghost.handed = true;
    });
  }

  static bool table_consistent(const Machine& m) {
    for (const auto& l : m.locks) {
      if (l.holder == 0) continue;
      const bool open = std::any_of(m.sessions.begin(), m.sessions.end(), [&](const auto& s) { return s.id == l.holder; });
      const bool waits = std::any_of(l.waiters.begin(), l.waiters.end(), [&](const auto& w) { return w.session == l.holder; });
      if (!open || waits) return false;
    }
    return true;
  }

  static bool retry_answers(const State& state) {
    return std::all_of(state.nodes.items.begin(), state.nodes.items.end(),
                       [](const auto& slot) { return !slot.up || queued_answers_wait(machine_of(slot.node)); });
  }

  // The lock client c (index) wants: c mod the locks (LockClients::lock_of).
  static std::size_t lock_of(const State& state, std::size_t c) {
    return c % std::max<std::size_t>(state.clients.resources.size(), 1);
  }

  static bool mutual_exclusion(const State& state) {
    for (const auto& slot : state.nodes.items) {
      if (slot.up && !table_consistent(machine_of(slot.node))) return false;
    }
    const auto& clients = state.clients.clients;
    for (std::size_t a = 0; a < clients.size(); ++a) {
      for (std::size_t b = a + 1; b < clients.size(); ++b) {
        if (believes_holding(clients[a]) && believes_holding(clients[b]) && lock_of(state, a) == lock_of(state, b)) return false;
      }
    }
    return true;
  }

  // LOCK-TokensDistinct: a token (not 0) that clients a and b of one lock both were granted.
  static std::optional<Token> shared_token(const State& state, std::size_t a, std::size_t b) {
    const auto& clients = state.clients.clients;
    if (lock_of(state, a) != lock_of(state, b)) return std::nullopt;
    for (const Token t : {clients[a].token, clients[a].old_token}) {
      if (t != 0 && (t == clients[b].token || t == clients[b].old_token)) return t;
    }
    return std::nullopt;
  }
  static bool tokens_distinct(const State& state) {
    for (std::size_t a = 0; a < state.clients.clients.size(); ++a) {
      for (std::size_t b = a + 1; b < state.clients.clients.size(); ++b) {
        if (shared_token(state, a, b)) return false;
      }
    }
    return true;
  }

  // For the trace viewers: why a state violates a property, naming the fields.
  static std::vector<std::string> explain(const Config& config, std::string_view property, const State* before,
                                          const State& after) {
    if (property == "LOCK-RefinesClients" || property == "LOCK-ClientsInvariant") return explain_refinement(config, property, before, after);
    if (!property.starts_with("LOCK-")) return ProtocolSpec::template explain<State>(config, property, before, after);
    std::vector<std::string> out;
    if (property == "LOCK-MutualExclusion") {
      for (std::size_t i = 0; i < after.nodes.size(); ++i) {
        const auto& slot = after.nodes.items[i];
        if (!slot.up || table_consistent(machine_of(slot.node))) continue;
        out.push_back(to_string(NodeId::at(i)) + "'s table has a lock held by a session that is not open or also waits for it (" +
                      node_field(i, "volatile_state.machine.locks") + " = " + to_string(machine_of(slot.node).locks) + ")");
      }
      const auto& clients = after.clients.clients;
      for (std::size_t a = 0; a < clients.size(); ++a) {
        for (std::size_t b = a + 1; b < clients.size(); ++b) {
          if (!believes_holding(clients[a]) || !believes_holding(clients[b]) || lock_of(after, a) != lock_of(after, b)) continue;
          out.push_back("clients c" + std::to_string(a + 1) + " and c" + std::to_string(b + 1) + " both hold lock " +
                        std::to_string(lock_of(after, a)) + " with a valid lease (clients.clients[" + std::to_string(a) +
                        "].phase = " + to_string(clients[a].phase) + ", clients.clients[" + std::to_string(b) +
                        "].phase = " + to_string(clients[b].phase) + ", tokens " +
                        to_string(clients[a].token) + " and " + to_string(clients[b].token) + ")");
        }
      }
    } else if (property == "LOCK-FencingMonotone") {
      out.push_back("a replica granted a lock with a token not above the lock's previous one (ghost.token_regressed)");
    } else if (property == "LOCK-ResourceSafety") {
      for (std::size_t r = 0; r < after.clients.resources.size(); ++r) {
        const auto& resource = after.clients.resources[r];
        if (!resource.accepted_below) continue;
        out.push_back("resource " + std::to_string(r) + " accepted a write with a token below " + to_string(resource.highest) +
                      ", one it had accepted (clients.resources[" + std::to_string(r) + "].accepted_below)");
      }
    } else if (property == "LOCK-Linearizable") {
      out.push_back("no order of the clients' calls and the service's expiries explains every answer they got "
                    "(clients.history.violated: no linearization is left)");
      // The calls answered in this step (a client that was calling and moved on): one of them got
      // the answer no order explains.
      if (before != nullptr) {
        const auto& was = before->clients.clients;
        const auto& is = after.clients.clients;
        for (std::size_t c = 0; c < std::min(was.size(), is.size()); ++c) {
          const auto& b = was[c];
          const auto& a = is[c];
          if (b.phase != Phase::acquire && b.phase != Phase::release && b.phase != Phase::close) continue;
          if (a.phase == b.phase && a.sequence == b.sequence && a.queued == b.queued) continue;  // no answer heard
          std::string line = "c" + std::to_string(c + 1) + "'s " + to_string(b.phase);
          if (b.phase != Phase::close) line += " of L" + std::to_string(lock_of(after, c));
          if (b.phase == Phase::release && b.stale_token) {
            line += " with the token of its earlier grant (" + to_string(b.old_token) +
                    ") was answered in this step; no holder has that token, so the sequential lock answers not_holder "
                    "and frees nothing";
          } else {
            line += " was answered in this step";
          }
          line += " (clients.clients[" + std::to_string(c) + "]: phase " + to_string(b.phase) + " -> " + to_string(a.phase) + ")";
          out.push_back(line);
        }
      }
    } else if (property == "LOCK-FifoQueue") {
      out.push_back("a replica's table after applying log entries is not what the sequential lock with FIFO queues makes "
                    "of them (ghost.queue_broken): a freed lock went to a session other than the first in its queue, "
                    "or a queue lost or gained a session out of turn");
      for (std::size_t i = 0; i < after.nodes.size(); ++i) {
        const auto& slot = after.nodes.items[i];
        if (!slot.up) continue;
        out.push_back(to_string(NodeId::at(i)) + ": " + node_field(i, "volatile_state.machine.locks") + " = " +
                      to_string(machine_of(slot.node).locks));
      }
    } else if (property == "LOCK-RetryAnswer") {
      for (std::size_t i = 0; i < after.nodes.size(); ++i) {
        const auto& slot = after.nodes.items[i];
        if (!slot.up || queued_answers_wait(machine_of(slot.node))) continue;
        const Machine& m = machine_of(slot.node);
        for (std::size_t k = 0; k < m.sessions.size(); ++k) {
          const auto& s = m.sessions[k];
          if (queued_answer_waits(m, s)) continue;
          out.push_back(to_string(NodeId::at(i)) + " records queued as the answer to s" + std::to_string(s.id) +
                        "'s request " + std::to_string(s.last_sequence) + " (" +
                        node_field(i, "volatile_state.machine.sessions[" + std::to_string(k) + "].last_answer") +
                        "), which waits in no queue: a retry of it would be told queued (" +
                        node_field(i, "volatile_state.machine.locks") + " = " + to_string(m.locks) + ")");
        }
      }
    } else if (property == "LOCK-ExactlyOnce") {
      out.push_back("a request (client, sequence) took effect at a second log position (ghost.twice; ghost.effected = " +
                    to_string(after.ghost.effected) + ")");
    } else if (property == "LOCK-TokensDistinct") {
      const auto& clients = after.clients.clients;
      for (std::size_t a = 0; a < clients.size(); ++a) {
        for (std::size_t b = a + 1; b < clients.size(); ++b) {
          const auto t = shared_token(after, a, b);
          if (!t) continue;
          out.push_back("clients c" + std::to_string(a + 1) + " and c" + std::to_string(b + 1) + " were both granted lock " +
                        std::to_string(lock_of(after, a)) + " with token " + to_string(*t) +
                        ": the resource cannot tell their writes apart (clients.clients[" + std::to_string(a) + "].token = " +
                        to_string(clients[a].token) + ", old_token = " + to_string(clients[a].old_token) +
                        "; clients.clients[" + std::to_string(b) + "].token = " + to_string(clients[b].token) +
                        ", old_token = " + to_string(clients[b].old_token) + ")");
        }
      }
    } else if (property == "LOCK-OpenAnswer") {
      if (const auto& wrong = after.ghost.open_misanswered) {
        const Effected* known = find_effected(after.ghost, wrong->client, wrong->sequence);
        out.push_back(to_string(wrong->client) + "'s open (sequence " + std::to_string(wrong->sequence) +
                      ") was answered opened(s" + std::to_string(wrong->position) + "), but " +
                      (known == nullptr
                           ? std::string("it took effect nowhere")
                           : "it opened s" + std::to_string(known->position) + " (it took effect at log position " +
                                 std::to_string(known->position) + ")") +
                      ": the answer names a session the open did not make (ghost.open_misanswered; ghost.effected = " +
                      to_string(after.ghost.effected) + ")");
      }
    }
    return out;
  }

  static std::vector<Property<State>> properties(const Config& config) {
    std::vector<Property<State>> out{
        {"LOCK-MutualExclusion", PropertyKind::always,
         "no replica's table has a lock held by a session that is not open or also waits for it, and no two clients "
         "with valid leases hold one lock",
         mutual_exclusion},
        {"LOCK-FencingMonotone", PropertyKind::always,
         "every grant at a replica carries a token above the lock's previous one",
         [](const State& s) { return !s.ghost.token_regressed; }},
        {"LOCK-ResourceSafety", PropertyKind::always,
         "the resource never accepted a write with a token below one it had accepted",
         [](const State& s) {
           return std::none_of(s.clients.resources.begin(), s.clients.resources.end(),
                               [](const auto& r) { return r.accepted_below; });
         }},
        {"LOCK-Linearizable", PropertyKind::always,
         "the clients' calls and answers, with the service's expiries, have a linearization against the sequential lock",
         [](const State& s) { return !s.clients.history.violated; }},
        {"LOCK-ExactlyOnce", PropertyKind::always, "a request takes effect at one log position only (a retry never again)",
         [](const State& s) { return !s.ghost.twice; }},
        {"LOCK-OpenAnswer", PropertyKind::always,
         "every opened(s) answer names the session its open made (s is the log position where that open took effect), "
         "a retry's answer too",
         [](const State& s) { return !s.ghost.open_misanswered.has_value(); }},
        {"LOCK-TokensDistinct", PropertyKind::always,
         "no two clients were granted one lock with the same token (the resource can tell its holders apart)",
         tokens_distinct},
        {"LOCK-FifoQueue", PropertyKind::always,
         "a replica applies each entry as the sequential lock with FIFO queues says: an acquire of a held lock joins "
         "the back of its queue, a freed lock passes to the front of it, an ended session leaves every queue",
         [](const State& s) { return !s.ghost.queue_broken; }},
        {"LOCK-RetryAnswer", PropertyKind::always,
         "no replica records queued as the answer to a session's last request unless that request still waits in a "
         "lock's queue (a retry is told what became of it)",
         retry_answers},
        {"lock-granted", PropertyKind::sometimes, "some replica grants a lock", [](const State& s) { return s.ghost.granted; }},
        {"lock-handed-to-waiter", PropertyKind::sometimes, "a lock passes from its holder to a waiter",
         [](const State& s) { return s.ghost.handed; }},
        {"lock-freed-by-expiry", PropertyKind::sometimes, "a session's expiry frees a lock it held",
         [](const State& s) { return s.ghost.freed_by_expiry; }},
    };
    for (auto& p : ProtocolSpec::template properties<State>(config)) {
      if (p.kind == PropertyKind::always) out.push_back(std::move(p));
    }
    return out;
  }
  static std::vector<TransitionProperty<State>> transition_properties(const Config& config) {
    return ProtocolSpec::template transition_properties<State>(config);
  }

  // `check --refine` (spec/lock/refinement.hpp): every lock held to lock-clients, which `lockstep
  // prove` proves.
  static LockSummary summarize(const State& s, int lock) {
    LockSummary out;
    if (s.ghost.agreed) {
      const Agreed& a = *s.ghost.agreed;
      if (const auto* l = L::find_lock(a.machine, static_cast<LockId>(lock)); l && l->holder != 0) out.holder = l->holder;
      for (const Grant& g : a.grants) {
        if (g.lock == lock) out.granted.emplace_back(g.session, g.token);
      }
      for (const Effected& e : a.took) out.took.emplace_back(e.client.value, e.sequence, e.position);
    }
    const auto& clients = s.clients.clients;
    for (std::size_t c = 0; c < clients.size(); ++c) {
      if (lock_of(s, c) != static_cast<std::size_t>(lock) || !holding(clients[c].phase)) continue;
      out.has.emplace_back(clients[c].session, clients[c].token);
      if (!clients[c].expired) out.believes.emplace_back(clients[c].session, clients[c].token);
    }
    if (static_cast<std::size_t>(lock) < s.clients.resources.size()) {
      const auto& r = s.clients.resources[static_cast<std::size_t>(lock)];
      if (r.writes > 0) out.highest = r.highest;
      out.below = r.accepted_below;
    }
    for (const auto& slot : s.nodes.items) {
      const auto* l = L::find_lock(machine_of(slot.node), static_cast<LockId>(lock));
      out.down.push_back(slot.up ? 0 : 1);
      out.held.push_back(l ? l->holder : 0);
      out.last.push_back(l ? l->token : 0);
    }
    std::sort(out.granted.begin(), out.granted.end());
    std::sort(out.took.begin(), out.took.end());
    std::sort(out.has.begin(), out.has.end());
    std::sort(out.believes.begin(), out.believes.end());
    return out;
  }
  static auto refinements(const Config& config) {
    return lock_refinements<State>(static_cast<int>(config.node_count), std::max<int>(config.machine.lock_count, 1), summarize);
  }
  static std::vector<Property<State>> refinement_properties(const Config& config) {
    auto locks = refinements(config);
    return {{"LOCK-ClientsInvariant", PropertyKind::always,
             "each lock maps to a lock-clients state satisfying the inductive invariant that `lockstep prove` proves",
             [locks](const State& s) {
               return std::all_of(locks.begin(), locks.end(), [&](const auto& r) { return r->invariant_holds(s); });
             }}};
  }
  static std::vector<TransitionProperty<State>> refinement_transition_properties(const Config& config) {
    auto locks = refinements(config);
    return {{"LOCK-RefinesClients",
             "every step maps, for each lock, to a step of lock-clients (Apply, Crash, Recover, WriteAccepted, "
             "WriteRejected) or changes nothing of it",
             [locks](const State& before, const State& after) {
               return std::all_of(locks.begin(), locks.end(), [&](const auto& r) { return r->step_refines(before, after); });
             }}};
  }
  static std::vector<std::string> explain_refinement(const Config& config, std::string_view property, const State* before,
                                                     const State& after) {
    std::vector<std::string> out;
    const LockClientsBuilder builder(static_cast<int>(config.node_count));
    const bool step = property == "LOCK-RefinesClients" && before != nullptr;
    for (int lock = 0; lock < std::max<int>(config.machine.lock_count, 1); ++lock) {
      const LockSummary b = summarize(step ? *before : after, lock), a = summarize(after, lock);
      const proofs::Structure pair = builder.build(b, a);
      const bool fails = step ? !proofs::is_abstract_step(*builder.protocol(), pair) && !pair.stutters()
                              : !proofs::satisfies_invariant(*builder.protocol(), pair);
      if (!fails) continue;
      const std::vector<std::string> lines =
          step ? proofs::explain_step(*builder.protocol(), pair) : proofs::explain_state(*builder.protocol(), pair);
      for (const std::string& line : lines) out.push_back("lock L" + std::to_string(lock) + ": " + line);
    }
    return out;
  }
};

}  // namespace lockstep::lock

namespace lockstep {
template <lock::LockProtocol P>
struct SpecFor<P> {
  using type = lock::LockSpec<P>;
};
}  // namespace lockstep
