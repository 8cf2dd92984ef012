// World<P>'s actions and network as the trace tools see them (checker/action_view.hpp): one
// sentence per action, written once here for every protocol from World's action types.
#pragma once

#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "checker/action_view.hpp"
#include "model/core/print.hpp"

namespace lockstep {

template <class Envelope>
MessageView message_view(const Envelope& envelope) {
  return MessageView{envelope.from, envelope.to, to_string(envelope.message)};
}

// `Actions` is WorldActions<P> (checker/world/world.hpp).
template <class Actions>
ActionView world_action_view(const typename Actions::Action& action) {
  return std::visit(
      [](const auto& a) -> ActionView {
        using A = std::decay_t<decltype(a)>;
        if constexpr (std::is_same_v<A, typename Actions::Deliver>) {
          const MessageView m = message_view(a.envelope);
          return {ActionKind::deliver, m.to, m, to_string(m.to) + " receives " + m.message + " from " + to_string(m.from)};
        } else if constexpr (std::is_same_v<A, typename Actions::Drop>) {
          const MessageView m = message_view(a.envelope);
          return {ActionKind::drop, NodeId{}, m,
                  "the network loses " + m.message + " from " + to_string(m.from) + " to " + to_string(m.to)};
        } else if constexpr (std::is_same_v<A, typename Actions::Duplicate>) {
          const MessageView m = message_view(a.envelope);
          return {ActionKind::duplicate, NodeId{}, m,
                  "the network duplicates " + m.message + " from " + to_string(m.from) + " to " + to_string(m.to)};
        } else if constexpr (std::is_same_v<A, typename Actions::Timer>) {
          return {ActionKind::timer, a.node, std::nullopt, to_string(a.node) + "'s " + to_string(a.timer) + " timer fires"};
        } else if constexpr (std::is_same_v<A, typename Actions::Request>) {
          return {ActionKind::request, a.node, std::nullopt, "a client sends " + to_string(a.node) + " " + to_string(a.request)};
        } else if constexpr (std::is_same_v<A, typename Actions::Client>) {
          return {ActionKind::client, NodeId{}, std::nullopt, to_string(a.action)};
        } else if constexpr (std::is_same_v<A, typename Actions::Crash>) {
          return {ActionKind::crash, a.node, std::nullopt, to_string(a.node) + " crashes"};
        } else {
          static_assert(std::is_same_v<A, typename Actions::Recover>, "a World action without a view");
          return {ActionKind::recover, a.node, std::nullopt, to_string(a.node) + " restarts from its durable state"};
        }
      },
      action);
}

template <class Network>
std::vector<MessageView> world_in_flight(const Network& network) {
  std::vector<MessageView> out;
  for (const auto& envelope : network) out.push_back(message_view(envelope));
  return out;
}

}  // namespace lockstep
