// Definitions of RaftSpec<SM> (spec/raft/invariants.hpp); included where Raft is checked.
#pragma once

#include <algorithm>

#include "spec/raft/invariants.hpp"

namespace lockstep::raft {

template <class SM>
void RaftSpec<SM>::observe(const Config&, Ghost& ghost, NodeId node, const typename R::Event&, const Node& before,
                           const lockstep::Step<R>& step) {
  const Node& after = step.node;
  const auto& role = after.volatile_state.role;
  const Term term = after.durable.current_term;
  if (role == Role::leader && (before.volatile_state.role != Role::leader || before.durable.current_term != term)) {
    ghost.leaders.insert(Elected{term, node});
  }
  if (role == Role::leader) {
    for (Index index = static_cast<Index>(before.volatile_state.commit_index + 1);
         index <= after.volatile_state.commit_index; ++index) {
      const auto& entry = after.durable.log.entries[index - 1u];
      // Keep, for each entry, the earliest term in which a leader committed it (a minimum, so
      // the ghost does not depend on the order in which independent steps happen).
      const CommittedEntry* known = std::find_if(ghost.committed.begin(), ghost.committed.end(), [&](const CommittedEntry& c) {
        return c.index == index && c.term == entry.term && c.command == entry.command;
      });
      if (known == ghost.committed.end()) {
        ghost.committed.insert(CommittedEntry{index, entry.term, entry.command, term});
      } else if (known->commit_term > term) {
        typename Ghost::Committed rebuilt;
        for (const CommittedEntry& c : ghost.committed) rebuilt.insert(&c == known ? CommittedEntry{index, entry.term, entry.command, term} : c);
        ghost.committed = rebuilt;
      }
    }
  }
  for (const auto& effect : step.effects) {
    if (const auto* applied = std::get_if<Applied<typename R::AppliedEntry>>(&effect)) {
      ghost.applied.insert(AppliedEntry{applied->command.index, applied->command.term, applied->command.command});
    }
  }
}

template <class SM>
void RaftSpec<SM>::observe_crash(const Config&, Ghost& ghost, NodeId, const Node& crashed) {
  if (crashed.volatile_state.role == Role::leader) {
    ghost.leader_crash_terms |= 1u << (crashed.durable.current_term & 31u);
  }
}

template <class SM>
bool RaftSpec<SM>::election_safety(const State& state) {
  std::array<std::uint8_t, 256> leader_of{};  // term -> node id (0: none yet)
  auto claim = [&](Term term, NodeId node) {
    if (leader_of[term] == 0) leader_of[term] = node.value;
    return leader_of[term] == node.value;
  };
  for (const Elected& e : state.ghost.leaders) {
    if (!claim(e.term, e.leader)) return false;
  }
  for (std::size_t i = 0; i < state.nodes.size(); ++i) {
    const auto& slot = state.nodes.items[i];
    if (slot.up && slot.node.volatile_state.role == Role::leader && !claim(slot.node.durable.current_term, NodeId::at(i))) {
      return false;
    }
  }
  return true;
}

template <class SM>
bool RaftSpec<SM>::log_matching(const State& state) {
  const auto& nodes = state.nodes.items;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    for (std::size_t j = i + 1; j < nodes.size(); ++j) {
      const auto& a = nodes[i].node.durable.log.entries;
      const auto& b = nodes[j].node.durable.log.entries;
      const std::size_t common = std::min(a.size(), b.size());
      // If the entries at k agree on the term, everything up to k must be identical: find the
      // last such k and compare the prefixes.
      for (std::size_t k = common; k > 0; --k) {
        if (a[k - 1].term != b[k - 1].term) continue;
        if (!std::equal(a.begin(), a.begin() + k, b.begin())) return false;
        break;
      }
    }
  }
  return true;
}

template <class SM>
bool RaftSpec<SM>::leader_completeness(const State& state) {
  for (const auto& slot : state.nodes.items) {
    if (!slot.up || slot.node.volatile_state.role != Role::leader) continue;
    const auto& log = slot.node.durable.log.entries;
    for (const CommittedEntry& c : state.ghost.committed) {
      if (slot.node.durable.current_term <= c.commit_term) continue;
      if (c.index > log.size() || log[c.index - 1u].term != c.term || log[c.index - 1u].command != c.command) {
        return false;
      }
    }
  }
  return true;
}

template <class SM>
bool RaftSpec<SM>::state_machine_safety(const State& state) {
  const auto& applied = state.ghost.applied;
  for (const AppliedEntry* e = applied.begin(); e != applied.end(); ++e) {
    if (e + 1 != applied.end() && (e + 1)->index == e->index) return false;  // sorted by index first
  }
  return true;
}

template <class SM>
bool RaftSpec<SM>::leader_append_only(const State& before, const State& after) {
  for (std::size_t i = 0; i < before.nodes.size(); ++i) {
    const auto& b = before.nodes.items[i];
    const auto& a = after.nodes.items[i];
    if (!b.up || !a.up || b.node.volatile_state.role != Role::leader || a.node.volatile_state.role != Role::leader) {
      continue;
    }
    if (b.node.durable.current_term != a.node.durable.current_term) continue;
    const auto& old_log = b.node.durable.log.entries;
    const auto& new_log = a.node.durable.log.entries;
    if (new_log.size() < old_log.size() || !std::equal(old_log.begin(), old_log.end(), new_log.begin())) return false;
  }
  return true;
}

template <class SM>
bool RaftSpec<SM>::commit_index_monotone(const State& before, const State& after) {
  for (std::size_t i = 0; i < before.nodes.size(); ++i) {
    const auto& b = before.nodes.items[i];
    const auto& a = after.nodes.items[i];
    if (b.up && a.up && a.node.volatile_state.commit_index < b.node.volatile_state.commit_index) return false;
  }
  return true;
}

template <class SM>
bool RaftSpec<SM>::leader_replaced_after_crash(const State& state) {
  const std::uint32_t crashes = state.ghost.leader_crash_terms;
  if (crashes == 0) return false;
  const int first_crash_term = std::countr_zero(crashes);
  return std::any_of(state.ghost.leaders.begin(), state.ghost.leaders.end(),
                     [&](const Elected& e) { return e.term > first_crash_term; });
}

template <class SM>
std::vector<Property<typename RaftSpec<SM>::State>> RaftSpec<SM>::properties(const Config&) {
  return {
      {"RAFT-ElectionSafety", PropertyKind::always, "at most one leader per term", election_safety},
      {"RAFT-LogMatching", PropertyKind::always, "logs agreeing on an entry's term agree up to it", log_matching},
      {"RAFT-LeaderCompleteness", PropertyKind::always, "committed entries are in every later leader's log",
       leader_completeness},
      {"RAFT-StateMachineSafety", PropertyKind::always, "no two nodes apply different entries at one index",
       state_machine_safety},
      {"leader-elected", PropertyKind::sometimes, "a leader is elected",
       [](const State& s) { return !s.ghost.leaders.empty(); }},
      {"entry-committed", PropertyKind::sometimes, "an entry is committed",
       [](const State& s) { return !s.ghost.committed.empty(); }},
      {"leader-replaced-after-crash", PropertyKind::sometimes, "a leader crashes and a later term elects another",
       leader_replaced_after_crash},
  };
}

template <class SM>
std::vector<TransitionProperty<typename RaftSpec<SM>::State>> RaftSpec<SM>::transition_properties(const Config&) {
  return {
      {"RAFT-LeaderAppendOnly", "a leader never overwrites or deletes entries in its term", leader_append_only},
      {"RAFT-CommitIndexMonotone", "commit_index never decreases within a node's life", commit_index_monotone},
  };
}

}  // namespace lockstep::raft
