// The contract between a protocol and everything that interprets it (the checker's World, the
// runtime's host), written as a concept: what a protocol provides, all of it free of I/O,
// clocks, threads and randomness. A protocol P that does not satisfy it fails to compile where
// it is used, with the requirement it misses, instead of silently losing a capability.
//
// P provides:
//   Sizes                 its size policy (model/core/sizes.hpp): one source, two sizes;
//   Config                what a node is configured with (members, timer delays, and at model
//                         size only, the checker's knobs: bounds and the seeded bug);
//   Durable, Volatile, Node = {durable, volatile_state}: what survives a crash and what does not;
//   HardState, LogEdit    what a Persist effect carries (model/core/step.hpp), and
//   apply_persist(Durable&, Persist)  applying it (the disk model; a write-ahead log's replay);
//   Message, Event (MessageReceived, TimerFired, ClientRequest, Restarted), Timer (an enum);
//   Sequence, ReplyPayload, AppliedCommand  what replies and observers receive;
//   init(Config, NodeId) -> Node; step(Config, NodeId, Node, Event) -> Step<P>;
//   name; and the declared capabilities:
//     node_symmetric  node ids are only names (no behaviour depends on their order), so the
//                     checker may rename them (symmetry reduction);
//     has_obsolete    P::obsolete(Config, Node receiver, NodeId from, Message) says a message
//                     can never matter to its receiver again (the checker collects it).
#pragma once

#include <concepts>
#include <string_view>

#include "model/core/ids.hpp"
#include "model/core/sizes.hpp"
#include "model/core/step.hpp"

namespace lockstep {

template <class P>
concept ObsoleteMessages = requires(const typename P::Config& config, const typename P::Node& receiver, NodeId from,
                                    const typename P::Message& message) {
  { P::obsolete(config, receiver, from, message) } -> std::same_as<bool>;
};

template <class P>
concept Protocol =
    SizePolicy<typename P::Sizes> &&
    requires {
      typename P::Config;
      typename P::Durable;
      typename P::Volatile;
      typename P::Node;
      typename P::HardState;
      typename P::LogEdit;
      typename P::Message;
      typename P::Event;
      typename P::Timer;
      typename P::MessageReceived;
      typename P::TimerFired;
      typename P::ClientRequest;
      typename P::Restarted;
      typename P::Sequence;
      typename P::ReplyPayload;
      typename P::AppliedCommand;
      { P::name } -> std::convertible_to<std::string_view>;
      { P::node_symmetric } -> std::convertible_to<bool>;
      { P::has_obsolete } -> std::convertible_to<bool>;
    } &&
    requires(const typename P::Config& config, NodeId self, const typename P::Node& node,
             const typename P::Event& event, typename P::Durable& durable, const PersistOf<P>& persist) {
      { P::init(config, self) } -> std::same_as<typename P::Node>;
      { P::step(config, self, node, event) } -> std::same_as<Step<P>>;
      { P::apply_persist(durable, persist) } -> std::same_as<void>;
      requires std::same_as<std::remove_cvref_t<decltype(node.durable)>, typename P::Durable>;
      requires std::same_as<std::remove_cvref_t<decltype(node.volatile_state)>, typename P::Volatile>;
    } &&
    (!P::has_obsolete || ObsoleteMessages<P>);

// A protocol at model size also names its seeded bugs (an enum whose first value is `none`).
template <class P>
concept CheckedProtocol = Protocol<P> && P::Sizes::checked && requires(typename P::Bug bug) {
  { P::bug_description(bug) } -> std::convertible_to<std::string_view>;
};

}  // namespace lockstep
