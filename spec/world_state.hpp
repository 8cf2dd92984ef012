// The state of a World<P>: every node, the network, the fault budgets left, the client requests
// not yet issued, and the spec's ghost (history) variables. Its fields are the variables of
// every trace the checker writes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "model/core/ids.hpp"
#include "model/core/print.hpp"
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
  // What a crash would recover of the node's durable state: what it last persisted.
  const typename P::Durable& persisted() const { return disk ? *disk : node.durable; }
};

// The path of a node's field in a World state, as diffs and explanations name it:
// node_field(1, "durable.log") is "nodes.n2.node.durable.log".
inline std::string node_field(std::size_t index, const std::string& field) {
  return "nodes.n" + std::to_string(index + 1) + ".node." + field;
}

// Schneider's state-machine approach: deterministic replicas that applied the same prefix hold
// the same machine. Where that breaks, the first pair found: up nodes i and j that applied
// through the same index (`applied` of a volatile state) with different machines, or (`snapshot`)
// up node i whose machine differs from node j's durable snapshot of the index i applied through
// (`snapshot_index` of a durable snapshot; a snapshot of index 0 is the initial machine). Nodes
// that are down are left out: their volatile state is gone.
struct MachineDisagreement {
  std::size_t i, j;
  bool snapshot;
  std::uint64_t index;
};
template <class State, class Applied, class SnapshotIndex>
std::optional<MachineDisagreement> machine_disagreement(const State& state, Applied applied,
                                                        SnapshotIndex snapshot_index) {
  const auto& nodes = state.nodes.items;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    if (!nodes[i].up) continue;
    const auto& v = nodes[i].node.volatile_state;
    const auto index = static_cast<std::uint64_t>(applied(v));
    for (std::size_t j = 0; j < nodes.size(); ++j) {
      const auto& snapshot = nodes[j].node.durable.snapshot;
      if (static_cast<std::uint64_t>(snapshot_index(snapshot)) == index && !(snapshot.machine == v.machine)) {
        return MachineDisagreement{i, j, true, index};
      }
      if (j <= i || !nodes[j].up) continue;
      const auto& w = nodes[j].node.volatile_state;
      if (static_cast<std::uint64_t>(applied(w)) == index && !(w.machine == v.machine)) {
        return MachineDisagreement{i, j, false, index};
      }
    }
  }
  return std::nullopt;
}
// Its explanation, naming the fields and printing the machines (`applied_name`: the volatile
// field, e.g. "last_applied"; `what`: "index" or "slot").
template <class State>
std::vector<std::string> explain_machine_disagreement(const State& state, const MachineDisagreement& d,
                                                      const char* applied_name, const char* what) {
  const auto& nodes = state.nodes.items;
  const std::string i = to_string(NodeId::at(d.i));
  const std::string j = to_string(NodeId::at(d.j));
  const std::string applied = std::string("volatile_state.") + applied_name;
  const std::string through = std::string(" applied through ") + what + " " + std::to_string(d.index);
  const std::string machine_i = to_string(nodes[d.i].node.volatile_state.machine) + " (" +
                                node_field(d.i, "volatile_state.machine") + ")";
  if (d.snapshot) {
    return {i + through + " (" + node_field(d.i, applied) + "), but its machine " + machine_i + " differs from " +
            (d.i == d.j ? "its own" : j + "'s") + " snapshot of " + what + " " + std::to_string(d.index) + ", " +
            to_string(nodes[d.j].node.durable.snapshot.machine) + " (" + node_field(d.j, "durable.snapshot.machine") +
            ")"};
  }
  return {i + " and " + j + " both" + through + " (" + node_field(d.i, applied) + ", " + node_field(d.j, applied) +
          "), but their machines differ: " + machine_i + " and " + to_string(nodes[d.j].node.volatile_state.machine) +
          " (" + node_field(d.j, "volatile_state.machine") + ")"};
}

// For explanations of the "never decreases within a node's life" properties: each node up in
// both states whose `field` of its volatile state went down, in words that name the field.
template <class State, class Field>
std::vector<std::string> volatile_went_down(const State& before, const State& after, const char* name, Field field) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < before.nodes.size(); ++i) {
    const auto& b = before.nodes.items[i];
    const auto& a = after.nodes.items[i];
    if (b.up && a.up && field(a.node.volatile_state) < field(b.node.volatile_state)) {
      out.push_back(to_string(NodeId::at(i)) + "'s " + name + " went from " + std::to_string(field(b.node.volatile_state)) +
                    " down to " + std::to_string(field(a.node.volatile_state)) + " without a restart (" +
                    node_field(i, std::string("volatile_state.") + name) + ")");
    }
  }
  return out;
}

// The "never decreases, across crashes too" properties of durable state (a promise): whether no
// node's `field` of node.durable went down from `before` to `after`.
template <class State, class Field>
bool durable_never_down(const State& before, const State& after, Field field) {
  for (std::size_t i = 0; i < before.nodes.size(); ++i) {
    if (field(after.nodes.items[i].node.durable) < field(before.nodes.items[i].node.durable)) return false;
  }
  return true;
}

// For their explanations: each node whose `field` of node.durable (at `path`, e.g. "durable.promised_ballot")
// went down, in words; a node the step crashed lost what it had not persisted.
template <class State, class Field>
std::vector<std::string> durable_went_down(const State& before, const State& after, const std::string& name,
                                           const char* path, Field field) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < before.nodes.size(); ++i) {
    const auto was = field(before.nodes.items[i].node.durable);
    const auto is = field(after.nodes.items[i].node.durable);
    if (is < was) {
      out.push_back(to_string(NodeId::at(i)) + "'s " + name + " went from " + to_string(was) + " down to " + to_string(is) +
                    " (" + node_field(i, path) + ")" +
                    (after.nodes.items[i].up ? "" : ": its crash lost a " + name + " it had not persisted"));
    }
  }
  return out;
}

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
  // `failed`: the node whose step failed on the way here (checker/world/world.hpp); none in a
  // run of correct code.
  LOCKSTEP_STRUCT(WorldState, (Slots, nodes), (Network, network), (Budgets, budgets),
                  (Requests, requests_pending), (Ghost, ghost), (std::optional<NodeId>, failed));
};

// The state of a World whose environment has clients of its own (checker/world/environment.hpp):
// their state in `clients` instead of a list of pending requests.
template <class P, class S, class Clients>
struct ClientWorldState {
  using Slots = PerNode<NodeSlot<P>>;
  using Network = SmallVec<Envelope<typename P::Message>, P::network_capacity>;
  using Ghost = typename S::Ghost;
  LOCKSTEP_STRUCT(ClientWorldState, (Slots, nodes), (Network, network), (Budgets, budgets), (Clients, clients),
                  (Ghost, ghost), (std::optional<NodeId>, failed));
};

}  // namespace lockstep

namespace lockstep {
// Which spec (ghost variables and named properties) checks protocol P; specialized in spec/.
template <class P>
struct SpecFor;

// The spec of protocol P itself (spec/raft/, spec/multipaxos/), whatever it replicates. A World
// of P is checked against it, unless the state machine P replicates is a service with a spec of
// its own (service_spec, e.g. the lock, spec/lock/), which then adds P's spec to its own: its
// ghost keeps P's spec's ghost as its field `protocol`, and P's invariants are among its
// properties.
template <class P>
struct ProtocolSpecFor;
template <class SM>
inline constexpr bool service_spec = false;

// The ghost variables G of a protocol's spec in `state`: the state's ghost, or, in a service's
// world, its `protocol` field. The protocol specs' predicates read their ghost through this, so
// that they hold of both worlds.
template <class G, class St>
const G& ghost_of(const St& state) {
  if constexpr (std::is_same_v<typename St::Ghost, G>) {
    return state.ghost;
  } else {
    return state.ghost.protocol;
  }
}
// Where ghost_of finds them, as a trace names fields ("ghost." or "ghost.protocol."), for
// explanations.
template <class G, class St>
std::string ghost_field(const char* field) {
  return (std::is_same_v<typename St::Ghost, G> ? "ghost." : "ghost.protocol.") + std::string(field);
}
}  // namespace lockstep
