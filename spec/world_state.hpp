// The state of a World<P>: every node, the network, the fault budgets left, the client requests
// not yet issued, and the spec's ghost (history) variables. Its fields are the variables of
// every trace the checker writes.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "model/core/ids.hpp"
#include "model/core/reflect.hpp"
#include "model/core/step.hpp"

namespace lockstep {

template <class P>
struct NodeSlot {
  using Node = typename P::Node;
  using Disk = std::optional<typename P::Durable>;
  // `disk` is what a crash would recover when it differs from node.durable: the durable state
  // as of the last Persist. It is empty when every durable change has been persisted.
  LOCKSTEP_STRUCT(NodeSlot, (bool, up), (Node, node), (Disk, disk));
};

// Faults the checker may still inject on this path.
struct Budgets {
  LOCKSTEP_STRUCT(Budgets, (std::uint8_t, crashes), (std::uint8_t, drops), (std::uint8_t, duplicates));
};

// A client request not yet issued, and the node its client talks to (none: any node).
template <class P>
struct PendingRequest {
  using R = typename P::ClientRequest;
  LOCKSTEP_STRUCT(PendingRequest, (NodeId, target), (R, request));
};

inline constexpr std::size_t requests_max = 16;

template <class P, class S>
struct WorldState {
  using Slots = PerNode<NodeSlot<P>>;
  // A canonical multiset: sorted, one element per copy. P::network_capacity bounds it.
  using Network = SmallVec<Envelope<typename P::Message>, P::network_capacity>;
  using Requests = SmallVec<PendingRequest<P>, requests_max>;
  using Ghost = typename S::Ghost;
  LOCKSTEP_STRUCT(WorldState, (Slots, nodes), (Network, network), (Budgets, budgets),
                  (Requests, requests_pending), (Ghost, ghost));
};

// The state of a World whose environment has clients of its own (checker/world/environment.hpp):
// their state in `clients` instead of a list of pending requests.
template <class P, class S, class Clients>
struct ClientWorldState {
  using Slots = PerNode<NodeSlot<P>>;
  using Network = SmallVec<Envelope<typename P::Message>, P::network_capacity>;
  using Ghost = typename S::Ghost;
  LOCKSTEP_STRUCT(ClientWorldState, (Slots, nodes), (Network, network), (Budgets, budgets), (Clients, clients),
                  (Ghost, ghost));
};

}  // namespace lockstep

namespace lockstep {
// Which spec (ghost variables and named properties) checks protocol P; specialized in spec/.
template <class P>
struct SpecFor;
}  // namespace lockstep
