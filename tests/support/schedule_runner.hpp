// The interpreter of schedules (tests/support/schedule.hpp) on a World<P>: each choice becomes
// one World action, or changes the partition or the messages held back, or is skipped when
// nothing of its kind is enabled. Every property is checked after every action (transition
// properties on every step), and the run stops at the first violation.
//
// The partition and the delays live here, not in the World: while the nodes are split, a
// delivery across the cut is not among the choices (the message waits in the network, and the
// schedule may still lose or copy it through the World's Drop and Duplicate); a message held
// back is not delivered until its delay runs out. Client requests reach every node: clients
// are not partitioned. Only actions whose next state stays within the model's bounds are taken
// (as the explorer and random simulation do), so the run is one the explorer could find too.
#pragma once

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "checker/action_view.hpp"
#include "checker/explore.hpp"
#include "model/core/small_vec.hpp"
#include "tests/support/schedule.hpp"

namespace lockstep::testing {

// What a schedule did: the choices that took effect and what the network faults held back.
struct ScheduleStats {
  std::array<std::uint64_t, choice_kinds> taken{};  // per kind
  std::uint64_t skipped = 0;                        // nothing of the choice's kind was enabled
  std::uint64_t withheld_by_partition = 0;          // deliveries a cut kept off a deliver choice
  std::uint64_t withheld_by_delay = 0;              // deliveries a delay kept off a deliver choice
  std::uint64_t actions = 0;                        // World actions taken
  std::uint64_t capacity_stops = 0;                 // runs that ended at a capacity of the model

  void add(const ScheduleStats& other) {
    for (std::size_t k = 0; k < choice_kinds; ++k) taken[k] += other.taken[k];
    skipped += other.skipped;
    withheld_by_partition += other.withheld_by_partition;
    withheld_by_delay += other.withheld_by_delay;
    actions += other.actions;
    capacity_stops += other.capacity_stops;
  }
  std::uint64_t operator[](ChoiceKind kind) const { return taken[static_cast<std::size_t>(kind)]; }
};

inline std::string to_string(const ScheduleStats& stats) {
  std::string out = std::to_string(stats.actions) + " actions; taken:";
  for (std::size_t k = 0; k < choice_kinds; ++k) {
    out += ' ' + std::string(choice_kind_name(static_cast<ChoiceKind>(k))) + '=' + std::to_string(stats.taken[k]);
  }
  return out + "; skipped " + std::to_string(stats.skipped) + "; deliveries withheld by a cut " +
         std::to_string(stats.withheld_by_partition) + ", by a delay " + std::to_string(stats.withheld_by_delay) +
         "; runs ended at a model capacity: " + std::to_string(stats.capacity_stops);
}

inline ChoiceKind choice_kind_of(ActionKind kind) {
  switch (kind) {
    case ActionKind::deliver: return ChoiceKind::deliver;
    case ActionKind::drop: return ChoiceKind::drop;
    case ActionKind::duplicate: return ChoiceKind::duplicate;
    case ActionKind::timer: return ChoiceKind::timer;
    case ActionKind::request: return ChoiceKind::request;
    case ActionKind::crash: return ChoiceKind::crash;
    case ActionKind::recover: return ChoiceKind::recover;
    case ActionKind::client: return ChoiceKind::client;
    case ActionKind::other: break;
  }
  assert(false && "World actions have a kind");
  return ChoiceKind::deliver;
}

template <class M>
class ScheduleRunner {
 public:
  using State = typename M::State;
  using Action = typename M::Action;
  using Step = TraceStep<State, Action>;
  using Envelope = typename M::Env;
  using Request = typename M::Protocol::ClientRequest;
  using Successors = std::vector<Successor<M>>;

  // `reserved`: client requests that choices never issue (kept for a later phase).
  explicit ScheduleRunner(const M& world, std::vector<Request> reserved = {})
      : world_(world),
        reserved_(std::move(reserved)),
        trace_{Step{std::nullopt, world.initial_states().front()}},
        reached_(world.properties().size(), false) {
    mark_reached(world_.properties(), state(), reached_);
  }

  const M& world() const { return world_; }
  const State& state() const { return trace_.back().state; }
  const std::vector<Step>& trace() const { return trace_; }
  const ScheduleStats& stats() const { return stats_; }
  // The first property violated (the run stopped there), if any.
  const std::optional<std::string>& violation() const { return violation_; }
  // Which "sometimes" properties some state of the run satisfied (indexed as world.properties()).
  const std::vector<bool>& sometimes_reached() const { return reached_; }
  // Whether the run stopped at a capacity of the model (a ghost history or a log full:
  // CapacityError), as the explorer stops at its bounds: not a failure, but the run ends there.
  bool at_capacity() const { return at_capacity_; }
  // Neither a violation nor a capacity ended the run.
  bool running() const { return !violation_ && !at_capacity_; }

  // Takes one choice; false once the run ended (a property violated, or a capacity reached).
  bool take(const Choice& choice) {
    assert(running());
    ++clock_;
    release_holds();
    switch (choice.kind) {
      case ChoiceKind::partition: return split(choice.target);
      case ChoiceKind::heal: return counted(std::exchange(side_, std::nullopt).has_value(), choice.kind);
      case ChoiceKind::delay: return hold(choice);
      default: break;
    }
    Successors candidates = candidates_of(choice.kind);
    if (at_capacity_) return false;
    if (candidates.empty()) return counted(false, choice.kind);
    auto& [action, next] = candidates[choice.target % candidates.size()];
    ++stats_.taken[static_cast<std::size_t>(choice.kind)];
    return apply(std::move(action), std::move(next));
  }

  // Every enabled World action whose next state is within the model's bounds. None when some
  // action overflows a capacity of the model: the run ends there (at_capacity()).
  Successors enabled() {
    Successors out;
    try {
      successors_within_bounds(world_, state(), out);
    } catch (const CapacityError&) {
      at_capacity_ = true;
      ++stats_.capacity_stops;
      out.clear();
    }
    return out;
  }

  // Takes a World action (one of enabled()) and checks every property on the step.
  bool apply(Action action, State next) {
    assert(running());
    if (const auto p = first_violated_transition(world_.transition_properties(), state(), next)) {
      violation_ = std::string(world_.transition_properties()[*p].name);
    } else if (const auto q = first_violated(world_.properties(), next, reached_)) {
      violation_ = std::string(world_.properties()[*q].name);
    }
    mark_reached(world_.properties(), next, reached_);  // past a violation too
    trace_.push_back(Step{std::move(action), std::move(next)});
    ++stats_.actions;
    return !violation_;
  }

  // The network heals: no partition, no message held back.
  void heal() {
    side_.reset();
    held_.clear();
  }
  bool connected(NodeId a, NodeId b) const { return !side_ || on_side(a) == on_side(b); }
  bool held(const Envelope& envelope) const {
    return std::any_of(held_.begin(), held_.end(), [&](const Hold& h) { return h.envelope == envelope; });
  }
  bool reserved(const Action& action) const {
    const auto* request = std::get_if<typename M::Actions::Request>(&action);
    return request && std::find(reserved_.begin(), reserved_.end(), request->request) != reserved_.end();
  }

 private:
  struct Hold {
    Envelope envelope;
    std::uint64_t until;  // the last choice (by clock_) during which it is held
  };

  bool counted(bool effective, ChoiceKind kind) {
    if (effective) {
      ++stats_.taken[static_cast<std::size_t>(kind)];
    } else {
      ++stats_.skipped;
    }
    return true;
  }

  // The enabled actions a choice of `kind` picks from: deliveries neither across the cut nor
  // held back, requests not reserved.
  Successors candidates_of(ChoiceKind kind) {
    Successors all = enabled();
    Successors out;
    bool cut = false, delayed = false;
    for (auto& [action, next] : all) {
      if (choice_kind_of(M::action_kind(action)) != kind) continue;
      if (kind == ChoiceKind::request && reserved(action)) continue;
      if (const auto* deliver = std::get_if<typename M::Actions::Deliver>(&action)) {
        const Envelope& e = deliver->envelope;
        if (!connected(e.from, e.to)) {
          cut = true;
          continue;
        }
        if (held(e)) {
          delayed = true;
          continue;
        }
      }
      out.emplace_back(std::move(action), std::move(next));
    }
    stats_.withheld_by_partition += cut ? 1 : 0;
    stats_.withheld_by_delay += delayed ? 1 : 0;
    return out;
  }

  // Splits the nodes in two non-empty sides. Node n1 is always on the side without bit set, so
  // that each split has one mask: 2^(n-1) - 1 of them.
  bool split(std::uint16_t target) {
    const std::size_t n = world_.node_count();
    const std::uint32_t splits = (1u << (n - 1)) - 1;
    if (splits == 0) return counted(false, ChoiceKind::partition);
    side_ = (1u + target % splits) << 1;
    return counted(true, ChoiceKind::partition);
  }
  bool on_side(NodeId id) const { return (*side_ >> id.index()) & 1u; }

  // Holds one message in flight (not already held) back for choice.span further choices.
  bool hold(const Choice& choice) {
    std::vector<Envelope> free;
    for (const Envelope& e : state().network) {
      if (!held(e) && (free.empty() || !(free.back() == e))) free.push_back(e);
    }
    if (free.empty()) return counted(false, ChoiceKind::delay);
    held_.push_back(Hold{free[choice.target % free.size()], clock_ + choice.span});
    return counted(true, ChoiceKind::delay);
  }

  // Ends the delays that ran out, and forgets those whose message is gone.
  void release_holds() {
    const auto& network = state().network;
    std::erase_if(held_, [&](const Hold& h) {
      return h.until < clock_ || std::find(network.begin(), network.end(), h.envelope) == network.end();
    });
  }

  const M& world_;
  std::vector<Request> reserved_;
  std::vector<Step> trace_;
  std::optional<std::uint32_t> side_;  // the nodes on one side of the cut (bit i: node i+1); empty: none
  std::vector<Hold> held_;
  std::uint64_t clock_ = 0;  // choices taken so far
  ScheduleStats stats_;
  std::optional<std::string> violation_;
  bool at_capacity_ = false;
  std::vector<bool> reached_;
};

// Runs `schedule` from the world's initial state, to its end or to the first violation.
template <class M>
ScheduleRunner<M> run_schedule(const M& world, const Schedule& schedule,
                               std::vector<typename M::Protocol::ClientRequest> reserved = {}) {
  ScheduleRunner<M> runner(world, std::move(reserved));
  for (const Choice& choice : schedule) {
    if (!runner.take(choice)) break;
  }
  return runner;
}

}  // namespace lockstep::testing
