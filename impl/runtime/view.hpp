// What a node's status shows of its protocol's state, read (never decided) from the runtime-size
// node of each protocol: the role in the protocol's own words, the term (Raft) or ballot round
// (Multi-Paxos), the leader it knows, commit and applied positions, the log it holds, its
// snapshot, and the lock table it serves.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "model/core/reflect.hpp"
#include "model/multipaxos/multipaxos.hpp"
#include "model/raft/raft.hpp"
#include "model/sm/lock.hpp"

namespace lockstep::runtime {

struct NodeView {
  std::string role;
  std::uint64_t term = 0;
  std::uint8_t leader = 0;
  bool leading = false;
  std::uint64_t commit = 0;
  std::uint64_t applied = 0;
  std::uint64_t log_entries = 0;
  std::uint64_t snapshot_index = 0;
  std::uint64_t sessions = 0;
  std::uint64_t locks_held = 0;
  struct LockRow {
    std::uint64_t lock = 0, holder = 0, token = 0, waiters = 0;
  };
  std::vector<LockRow> locks;  // the lock table (every lock ever used), in lock order
};

// What the view includes: everything (status), or the role and term alone (read after every
// step, to log role changes: no lock table built on the hot path).
enum class ViewDepth : std::uint8_t { role, full };

template <class Machine>
void view_machine(NodeView& view, const Machine& machine) {
  view.sessions = machine.sessions.size();
  view.locks_held = static_cast<std::uint64_t>(
      std::count_if(machine.locks.begin(), machine.locks.end(), [](const auto& l) { return l.holder != 0; }));
  for (const auto& l : machine.locks) view.locks.push_back({l.lock, l.holder, l.token, l.waiters.size()});
}

template <class SM, class S>
NodeView view_of(const typename raft::Raft<SM, S>::Node& node, const raft::Raft<SM, S>*, ViewDepth depth) {
  NodeView v;
  v.role = std::string(enum_name(node.volatile_state.role));
  v.term = node.durable.current_term;
  if (depth == ViewDepth::role) return v;
  v.leading = node.volatile_state.role == raft::Role::leader;
  v.leader = node.volatile_state.leader_hint.get().value;
  v.commit = node.volatile_state.commit_index;
  v.applied = node.volatile_state.last_applied;
  v.log_entries = node.durable.log.last_index() - node.durable.log.base_index();
  v.snapshot_index = node.durable.snapshot.index;
  view_machine(v, node.volatile_state.machine);
  return v;
}

template <class SM, class S>
NodeView view_of(const typename multipaxos::MultiPaxos<SM, S>::Node& node, const multipaxos::MultiPaxos<SM, S>*,
                 ViewDepth depth) {
  NodeView v;
  v.role = std::string(enum_name(node.volatile_state.phase));
  v.term = std::max<std::uint64_t>(node.durable.promised_ballot.round, node.volatile_state.ballot.round);
  if (depth == ViewDepth::role) return v;
  v.leading = node.volatile_state.phase == multipaxos::Phase::leading;
  v.leader = node.volatile_state.leader_hint.get().value;
  v.commit = node.volatile_state.applied;
  v.applied = node.volatile_state.applied;
  v.log_entries = node.durable.votes.size();
  v.snapshot_index = node.durable.snapshot.slot;
  view_machine(v, node.volatile_state.machine);
  return v;
}

template <class P>
NodeView view(const typename P::Node& node, ViewDepth depth = ViewDepth::full) {
  return view_of<typename P::StateMachine, typename P::Sizes>(node, static_cast<const P*>(nullptr), depth);
}

}  // namespace lockstep::runtime
