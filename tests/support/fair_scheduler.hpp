// "Heal, then require progress" (as TigerBeetle's simulator does): after a schedule's faults,
// the network heals and a fair scheduler drives the World until a client request completes.
//
// The fair scheduler stands for a synchronous period of a real deployment, where messages
// arrive well within a timeout and nothing fails:
//   1. every crashed node restarts;
//   2. every deliverable message is delivered (in the World's order) before any timer fires:
//      message delays are shorter than timeouts, so no two candidates or proposers duel;
//   3. once the protocol says a client can be served (`ready`: e.g. one leader, at the highest
//      term), the reserved client request is issued (to a node that takes it);
//   4. otherwise a timer fires: of the lowest rank enabled (a heartbeat before an election
//      timeout, as heartbeats are more frequent), in turn across the nodes.
// No drop, duplicate or crash is ever chosen. It is deterministic: a failure reproduces from the
// schedule alone.
#pragma once

#include <cstddef>
#include <functional>
#include <limits>
#include <optional>
#include <variant>

#include "tests/support/schedule_runner.hpp"

namespace lockstep::testing {

template <class M>
struct FairRules {
  using State = typename M::State;
  using Timer = typename M::Protocol::Timer;
  std::function<int(Timer)> timer_rank;                         // lower fires first
  std::function<bool(const State&)> ready;                      // the client request may be issued now
  std::function<bool(const State&, NodeId served)> completed;  // the request issued to `served` completed
};

struct FairOutcome {
  std::size_t steps = 0;                  // fair steps taken
  std::optional<std::size_t> issued_at;   // the step that issued the request
  std::optional<NodeId> served;           // the node that took it
  bool completed = false;
  bool stuck = false;                     // nothing the fair scheduler takes was enabled
};

namespace detail {

// The index in `enabled` of the fair scheduler's next action, if any.
template <class M>
std::optional<std::size_t> fair_choice(const ScheduleRunner<M>& runner,
                                       const typename ScheduleRunner<M>::Successors& enabled,
                                       const FairRules<M>& rules, const typename M::Protocol::ClientRequest& request,
                                       bool issue, std::size_t& next_node) {
  using Actions = typename M::Actions;
  const auto first_of = [&](auto is_wanted) -> std::optional<std::size_t> {
    for (std::size_t i = 0; i < enabled.size(); ++i) {
      if (is_wanted(enabled[i].first)) return i;
    }
    return std::nullopt;
  };
  if (auto i = first_of([](const auto& a) { return std::holds_alternative<typename Actions::Recover>(a); })) return i;
  if (auto i = first_of([](const auto& a) { return std::holds_alternative<typename Actions::Deliver>(a); })) return i;
  if (issue && rules.ready(runner.state())) {
    const auto is_request = [&](const auto& a) {
      const auto* r = std::get_if<typename Actions::Request>(&a);
      return r && r->request == request;
    };
    if (auto i = first_of(is_request)) return i;
  }
  // The timer of the lowest rank; among those, the first node at or after next_node, in turn.
  std::optional<std::size_t> best;
  std::pair<int, std::size_t> best_key{std::numeric_limits<int>::max(), 0};
  const std::size_t n = runner.world().node_count();
  for (std::size_t i = 0; i < enabled.size(); ++i) {
    const auto* timer = std::get_if<typename Actions::Timer>(&enabled[i].first);
    if (!timer) continue;
    const std::pair<int, std::size_t> key{rules.timer_rank(timer->timer), (timer->node.index() + n - next_node) % n};
    if (!best || key < best_key) {
      best = i;
      best_key = key;
    }
  }
  if (best) next_node = (std::get<typename Actions::Timer>(enabled[*best].first).node.index() + 1) % n;
  return best;
}

}  // namespace detail

// Heals the network and runs the fair scheduler for at most `steps_max` steps, until the
// request (which must still be pending) completes. Properties are checked on every step; the
// run stops at a violation (runner.violation()).
template <class M>
FairOutcome run_fair(ScheduleRunner<M>& runner, const FairRules<M>& rules,
                     const typename M::Protocol::ClientRequest& request, std::size_t steps_max) {
  runner.heal();
  FairOutcome outcome;
  std::size_t next_node = 0;
  while (outcome.steps < steps_max && runner.running()) {
    auto enabled = runner.enabled();
    if (runner.at_capacity()) break;
    const auto pick = detail::fair_choice(runner, enabled, rules, request, !outcome.served, next_node);
    if (!pick) {
      outcome.stuck = true;
      break;
    }
    auto& [action, next] = enabled[*pick];
    if (const auto* r = std::get_if<typename M::Actions::Request>(&action); r && r->request == request) {
      outcome.served = r->node;
      outcome.issued_at = outcome.steps;
    }
    ++outcome.steps;
    if (!runner.apply(std::move(action), std::move(next))) break;
    if (outcome.served && rules.completed(runner.state(), *outcome.served)) {
      outcome.completed = true;
      break;
    }
  }
  return outcome;
}

}  // namespace lockstep::testing
