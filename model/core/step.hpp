// What a protocol's step function returns: the next node state and its effects, as data.
//
// The effects are ORDERED, and the runtime performs them in order:
//   Persist      - make the node's Durable state (as in Step::node) durable (fsync) now.
//                  A Persist precedes every Send, Reply and Applied that depends on the durable
//                  change: the runtime must not let anything later in the list leave the node
//                  before the Persist has completed. A step whose Durable state changed and that
//                  carries no Persist has NOT made the change durable: a crash loses it (the
//                  checker models exactly that, so a missing Persist is a findable bug).
//   Send         - put a message on the network for one node (possibly the sender itself).
//   SetTimer     - (re)arm a timer. The model checker lets any timer fire at any time (the
//                  step decides whether firing means anything); the runtime uses it for delays.
//   Reply        - answer a client.
//   Applied      - a command was applied to the replicated state machine (for observers).
#pragma once

#include <algorithm>
#include <variant>
#include <vector>

#include "model/core/ids.hpp"
#include "model/core/reflect.hpp"
#include "model/core/small_vec.hpp"

namespace lockstep {

// A message in flight.
template <class Message>
struct Envelope {
  LOCKSTEP_STRUCT(Envelope, (NodeId, from), (NodeId, to), (Message, message));
};

struct Persist {
  LOCKSTEP_EMPTY_STRUCT(Persist);
};

template <class Message>
struct Send {
  LOCKSTEP_STRUCT(Send, (NodeId, to), (Message, message));
};

template <class Timer>
struct SetTimer {
  LOCKSTEP_STRUCT(SetTimer, (Timer, timer));
};

template <class Payload>
struct Reply {
  LOCKSTEP_STRUCT(Reply, (Payload, payload));
};

template <class Command>
struct Applied {
  LOCKSTEP_STRUCT(Applied, (Command, command));
};

template <class P>
using Effect = std::variant<Persist, Send<typename P::Message>, SetTimer<typename P::Timer>,
                            Reply<typename P::ReplyPayload>, Applied<typename P::AppliedCommand>>;

inline constexpr std::size_t effects_max = 32;

template <class P>
struct Step {
  typename P::Node node;
  SmallVec<Effect<P>, effects_max> effects;

  void persist() { effects.emplace_back(Persist{}); }
  void send(NodeId to, typename P::Message message) {
    effects.emplace_back(Send<typename P::Message>{to, std::move(message)});
  }
  // Sends to every node 1..count, the sender included (it is one of the acceptors/voters).
  void broadcast(std::size_t count, const typename P::Message& message) {
    for (std::size_t i = 0; i < count; ++i) send(NodeId::at(i), message);
  }
  void set_timer(typename P::Timer timer) { effects.emplace_back(SetTimer<typename P::Timer>{timer}); }
  void reply(typename P::ReplyPayload payload) {
    effects.emplace_back(Reply<typename P::ReplyPayload>{std::move(payload)});
  }
  void applied(typename P::AppliedCommand command) {
    effects.emplace_back(Applied<typename P::AppliedCommand>{std::move(command)});
  }

  // Moves the step's Persist (if any) to the front: making the final durable state durable
  // before any other effect is always safe, and it lets handlers that change durable state
  // late in a step (after sending to others) keep the contract.
  void hoist_persist() {
    const auto is_persist = [](const Effect<P>& e) { return std::holds_alternative<Persist>(e); };
    if (std::none_of(effects.begin(), effects.end(), is_persist)) return;
    SmallVec<Effect<P>, effects_max> reordered;
    reordered.push_back(Persist{});
    for (const auto& e : effects) {
      if (!is_persist(e)) reordered.push_back(e);
    }
    effects = reordered;
  }

  bool persists() const {
    for (const auto& e : effects) {
      if (std::holds_alternative<Persist>(e)) return true;
    }
    return false;
  }
  // The contract above, checkable: no Send before the first Persist when there is one.
  bool persist_precedes_sends() const {
    bool sent = false;
    for (const auto& e : effects) {
      if (std::holds_alternative<Persist>(e) && sent) return false;
      if (std::holds_alternative<Send<typename P::Message>>(e)) sent = true;
    }
    return true;
  }
};

}  // namespace lockstep
