// What a protocol's step function returns: the next node state and its effects, as data.
//
// The effects are ORDERED, and whoever interprets them (the checker's World, the runtime's host)
// performs them in order:
//   Persist      - make the step's durable EDITS durable (fsync) now: the hard state (term, vote,
//                  promise: small, written whole) and the log edits (keep the log through index
//                  i, then append these entries), as etcd's Ready carries a HardState and new
//                  entries. Applying a step's edits to the durable state before the step gives
//                  the durable state after it (P::apply_persist; tests/edits_test.cpp checks it
//                  on every reachable state of small worlds). A Persist precedes every Send,
//                  Reply and Applied that depends on the durable change: nothing later in the
//                  list may leave the node before the Persist has completed. A step whose
//                  Durable state changed and that carries no Persist has NOT made the change
//                  durable: a crash loses it (the checker models exactly that, so a missing
//                  Persist is a findable bug).
//   Send         - put a message on the network for one node (possibly the sender itself).
//   SetTimer     - (re)arm a timer after a delay: fixed (min == max, e.g. a heartbeat period) or
//                  drawn by the host uniformly from [min, max] (a randomized election timeout;
//                  randomness is the host's, never the step's). The model checker lets any
//                  timer fire at any time (the step decides whether firing means anything).
//   Reply        - answer a client's request (client id and sequence number).
//   Redirect     - this node cannot serve the client's request: it names the leader it knows
//                  (none when it knows none); the client retries there.
//   Applied      - a command was applied to the replicated state machine (for observers).
// The contract is asserted where effects are interpreted (check_effect_order, on every step).
#pragma once

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <variant>
#include <vector>

#include "model/core/expect.hpp"
#include "model/core/ids.hpp"
#include "model/core/reflect.hpp"
#include "model/core/small_vec.hpp"

namespace lockstep {

// A message in flight.
template <class Message>
struct Envelope {
  LOCKSTEP_STRUCT(Envelope, (NodeId, from), (NodeId, to), (Message, message));
};

template <class HardState, class LogEdit>
struct Persist {
  LOCKSTEP_STRUCT(Persist, (HardState, hard_state), (LogEdit, log));
};

// The log edit of a protocol without a log (single-decree Paxos): nothing.
struct NoLogEdit {
  LOCKSTEP_EMPTY_STRUCT(NoLogEdit);
};

template <class Message>
struct Send {
  LOCKSTEP_STRUCT(Send, (NodeId, to), (Message, message));
};

// A timer's delay in milliseconds: fixed when min_ms == max_ms, else drawn from [min_ms, max_ms].
struct Delay {
  LOCKSTEP_STRUCT(Delay, (std::uint32_t, min_ms), (std::uint32_t, max_ms));
  static constexpr Delay fixed(std::uint32_t ms) { return Delay{ms, ms}; }
  static constexpr Delay randomized(std::uint32_t min, std::uint32_t max) { return Delay{min, max}; }
};

template <class Timer>
struct SetTimer {
  LOCKSTEP_STRUCT(SetTimer, (Timer, timer), (Delay, delay));
};

template <class Sequence, class Payload>
struct Reply {
  LOCKSTEP_STRUCT(Reply, (ClientId, client), (Sequence, sequence), (Payload, payload));
};

template <class Sequence>
struct Redirect {
  LOCKSTEP_STRUCT(Redirect, (ClientId, client), (Sequence, sequence), (NodeId, leader));
};

template <class Command>
struct Applied {
  LOCKSTEP_STRUCT(Applied, (Command, command));
};

template <class P>
using PersistOf = Persist<typename P::HardState, typename P::LogEdit>;

template <class P>
using Effect = std::variant<PersistOf<P>, Send<typename P::Message>, SetTimer<typename P::Timer>,
                            Reply<typename P::Sequence, typename P::ReplyPayload>, Redirect<typename P::Sequence>,
                            Applied<typename P::AppliedCommand>>;

inline constexpr std::size_t effects_max = 32;

template <class P>
struct Step {
  using Effects = typename P::Sizes::template Seq<Effect<P>, effects_max>;
  typename P::Node node;
  Effects effects{};
  // Set by mark_persist(): the step must make its durable edits durable. The protocol turns the
  // mark into one Persist effect at the front when the step ends (finish_persist).
  bool persist_marked = false;

  void mark_persist() { persist_marked = true; }
  void send(NodeId to, typename P::Message message) {
    effects.push_back(Send<typename P::Message>{to, std::move(message)});
  }
  // Sends to every node 1..count, the sender included (it is one of the acceptors/voters).
  void broadcast(std::size_t count, const typename P::Message& message) {
    for (std::size_t i = 0; i < count; ++i) send(NodeId::at(i), message);
  }
  void set_timer(typename P::Timer timer, Delay delay) {
    effects.push_back(SetTimer<typename P::Timer>{timer, delay});
  }
  void reply(ClientId client, typename P::Sequence sequence, typename P::ReplyPayload payload) {
    effects.push_back(Reply<typename P::Sequence, typename P::ReplyPayload>{client, sequence, std::move(payload)});
  }
  void redirect(ClientId client, typename P::Sequence sequence, NodeId leader) {
    effects.push_back(Redirect<typename P::Sequence>{client, sequence, leader});
  }
  void applied(typename P::AppliedCommand command) {
    effects.push_back(Applied<typename P::AppliedCommand>{std::move(command)});
  }

  // Ends the step: when it was marked, puts the one Persist (the step's final hard state and
  // log edits) in front of every other effect. Making the final durable state durable before
  // anything leaves is always safe, and it lets handlers that change durable state late in a
  // step (after sending to others) keep the contract.
  void finish_persist(PersistOf<P> persist) {
    if (!persist_marked) return;
    effects.insert(effects.begin(), Effect<P>{std::move(persist)});
  }

  const PersistOf<P>* persist_effect() const {
    for (const auto& e : effects) {
      if (const auto* p = std::get_if<PersistOf<P>>(&e)) return p;
    }
    return nullptr;
  }
  bool persists() const { return persist_effect() != nullptr; }
  // The contract above, checkable: at most one Persist, and no Send, Reply or Applied before it.
  bool persist_precedes_sends() const {
    bool left = false;
    int persists = 0;
    for (const auto& e : effects) {
      if (std::holds_alternative<PersistOf<P>>(e)) {
        if (left || ++persists > 1) return false;
      } else if (!std::holds_alternative<SetTimer<typename P::Timer>>(e)) {
        left = true;
      }
    }
    return true;
  }
  // A step that changes nothing: the node is as it was and nothing leaves it but redirects (a
  // client turned away has nothing to wait for here; it retries elsewhere).
  bool is_noop(const typename P::Node& before) const {
    if (!(node == before)) return false;
    return std::all_of(effects.begin(), effects.end(),
                       [](const Effect<P>& e) { return std::holds_alternative<Redirect<typename P::Sequence>>(e); });
  }
};

}  // namespace lockstep
