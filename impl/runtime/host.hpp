// The generic host: feeds events to a protocol's step function (at runtime size) and performs the
// step's effects in order, through an Io the node supplies (network, disk, timers, clients). It
// makes no protocol decision: every decision is P::step's. What it adds is the runtime's half of
// the effect contract (model/core/step.hpp), asserted on every step exactly as the checker's
// World asserts it:
//   - a step's effects keep the order Persist, then what leaves the node (ContractError if not);
//   - a step that changes the durable state carries a Persist, and the Persist's edits applied
//     to the durable state before the step give the durable state after it (else the write-ahead
//     log would drift from the node: ContractError);
//   - nothing that leaves the node (a message, a reply, a redirect, an applied command) leaves
//     before every Persist issued before it is durable. A Persist is handed to the disk at once
//     and returns a ticket; what follows it is held until the disk reports that ticket durable
//     (group commit: every step that runs during an fsync joins the next one, and their outputs
//     leave together). Outputs of later steps that persist nothing wait behind it too, in order,
//     so no output ever overtakes a durable change it might depend on.
// Timers are armed at once (they are local): a fixed delay, or one drawn uniformly from
// [min, max] by the host's random generator (randomness is the host's, never the step's).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <random>
#include <string>
#include <utility>
#include <variant>

#include "model/core/protocol.hpp"
#include "model/core/step.hpp"

namespace lockstep::runtime {

template <class P>
  requires Protocol<P>
class Host {
 public:
  using Config = typename P::Config;
  using Node = typename P::Node;
  using Event = typename P::Event;
  using Message = typename P::Message;
  using Timer = typename P::Timer;
  using SendEffect = lockstep::Send<Message>;
  using ReplyEffect = lockstep::Reply<typename P::Sequence, typename P::ReplyPayload>;
  using RedirectEffect = lockstep::Redirect<typename P::Sequence>;
  using AppliedEffect = lockstep::Applied<typename P::AppliedCommand>;

  // What the node supplies. persist returns the ticket the disk will report durable; every
  // other callback performs its effect now (the host has already waited when it must).
  struct Io {
    std::function<std::uint64_t(const PersistOf<P>&, const typename P::Durable& after)> persist;
    std::function<void(const SendEffect&)> send;
    std::function<void(const ReplyEffect&)> reply;
    std::function<void(const RedirectEffect&)> redirect;
    std::function<void(Timer, std::uint32_t delay_ms)> set_timer;
    std::function<void(const AppliedEffect&)> applied;  // may be empty
  };

  Host(Config config, NodeId self, Node node, Io io, std::uint64_t seed)
      : config_(std::move(config)), self_(self), node_(std::move(node)), io_(std::move(io)), random_(seed) {}

  const Config& config() const { return config_; }
  NodeId self() const { return self_; }
  const Node& node() const { return node_; }
  std::uint64_t steps() const { return steps_; }
  std::size_t held() const { return held_.size(); }
  std::uint64_t issued_ticket() const { return issued_; }
  std::uint64_t durable_ticket() const { return durable_; }

  // Runs one step. Throws ContractError when the step breaks the effect contract (a bug in the
  // protocol's code: the node must stop rather than run on with a disk out of step).
  void feed(const Event& event) {
    auto step = P::step(config_, self_, node_, event);
    ++steps_;
    if (!step.persist_precedes_sends()) throw ContractError(std::string(P::name) + ": a step sends before it persists");
    if (const auto* persist = step.persist_effect()) {
      typename P::Durable disk = node_.durable;
      P::apply_persist(disk, *persist);
      if (!(disk == step.node.durable)) {
        throw ContractError(std::string(P::name) + ": a step's Persist edits do not give its durable state");
      }
    } else if (!(step.node.durable == node_.durable)) {
      throw ContractError(std::string(P::name) + ": a step changes its durable state without a Persist");
    }
    node_ = std::move(step.node);
    for (auto& effect : step.effects) {
      std::visit(
          [&](auto& e) {
            using E = std::decay_t<decltype(e)>;
            if constexpr (std::is_same_v<E, PersistOf<P>>) {
              const std::uint64_t ticket = io_.persist(e, node_.durable);
              if (ticket > issued_) issued_ = ticket;
            } else if constexpr (std::is_same_v<E, SetTimer<Timer>>) {
              io_.set_timer(e.timer, draw(e.delay));
            } else {
              output(Output{std::move(e)});
            }
          },
          effect);
    }
  }

  // The disk reports every Persist through `ticket` durable: what waited for them leaves.
  void durable(std::uint64_t ticket) {
    if (ticket > durable_) durable_ = ticket;
    while (!held_.empty() && held_.front().first <= durable_) {
      perform(held_.front().second);
      held_.pop_front();
    }
  }

 private:
  using Output = std::variant<SendEffect, ReplyEffect, RedirectEffect, AppliedEffect>;

  std::uint32_t draw(const Delay& delay) {
    if (delay.max_ms <= delay.min_ms) return delay.min_ms;
    return std::uniform_int_distribution<std::uint32_t>(delay.min_ms, delay.max_ms)(random_);
  }
  void output(Output out) {
    if (issued_ > durable_) {
      held_.emplace_back(issued_, std::move(out));
    } else {
      perform(out);
    }
  }
  void perform(const Output& out) {
    std::visit(
        [&](const auto& e) {
          using E = std::decay_t<decltype(e)>;
          if constexpr (std::is_same_v<E, SendEffect>) io_.send(e);
          if constexpr (std::is_same_v<E, ReplyEffect>) io_.reply(e);
          if constexpr (std::is_same_v<E, RedirectEffect>) io_.redirect(e);
          if constexpr (std::is_same_v<E, AppliedEffect>) {
            if (io_.applied) io_.applied(e);
          }
        },
        out);
  }

  Config config_;
  NodeId self_;
  Node node_;
  Io io_;
  std::mt19937_64 random_;
  std::deque<std::pair<std::uint64_t, Output>> held_;
  std::uint64_t issued_ = 0;
  std::uint64_t durable_ = 0;
  std::uint64_t steps_ = 0;
};

}  // namespace lockstep::runtime
