// What the trace tools (traces/: show, the HTML diagram) see of an action and of the network,
// independent of the protocol: a readable sentence, the node that acts and the message it
// concerns. World<P> gives these for every protocol (checker/world/world_view.hpp); a model without
// nodes and messages (e.g. Paxos.tla) gives only the sentence.
#pragma once

#include <compare>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "model/core/ids.hpp"

namespace lockstep {

enum class ActionKind { deliver, drop, duplicate, timer, request, crash, recover, other, client };
// Within a kind, a model may tell actions apart further (a delivery by its message's type, a
// timer by its name): a subkind below this, which swarm simulation weighs on its own.
inline constexpr std::size_t action_subkinds = 16;

inline std::string_view action_kind_name(ActionKind kind) {
  switch (kind) {
    case ActionKind::deliver: return "deliver";
    case ActionKind::drop: return "drop";
    case ActionKind::duplicate: return "duplicate";
    case ActionKind::timer: return "timer";
    case ActionKind::request: return "request";
    case ActionKind::crash: return "crash";
    case ActionKind::recover: return "recover";
    case ActionKind::client: return "client";
    case ActionKind::other: return "other";
  }
  return "other";
}

// A message in flight, printed (the text identifies it: equal messages print equally).
struct MessageView {
  NodeId from;
  NodeId to;
  std::string message;
  friend bool operator==(const MessageView&, const MessageView&) = default;
  friend auto operator<=>(const MessageView&, const MessageView&) = default;
};

struct ActionView {
  ActionKind kind = ActionKind::other;
  NodeId node;                         // who acts: the receiver of a delivery; none for a fault
                                       // of the network and for a model without nodes
  std::optional<MessageView> message;  // for deliver, drop and duplicate
  std::string sentence;                // "n2 receives Promise{ballot=2.1, ...} from n3"
};

}  // namespace lockstep
