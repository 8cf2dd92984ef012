// Definitions of RaftSpec<SM> (spec/raft/invariants.hpp); included where Raft is checked.
#pragma once

#include <algorithm>
#include <optional>
#include <type_traits>

#include "spec/raft/invariants.hpp"
#include "spec/raft/refinement.hpp"

namespace lockstep::raft {

namespace detail {

// Whether a log's entry is the ghost's entry c (their terms compared apart).
template <class E, class C>
bool same_entry(const E& entry, const C& c) {
  return entry.noop == c.noop && (entry.noop || entry.command == c.command);
}

}  // namespace detail

template <class SM>
void RaftSpec<SM>::observe(const Config&, Ghost& ghost, NodeId node, const typename R::Event&, const Node& before,
                           const lockstep::Step<R>& step) {
  const Node& after = step.node;
  const auto& role = after.volatile_state.role;
  const Term term = after.durable.current_term;
  if (role == Role::leader && (before.volatile_state.role != Role::leader || before.durable.current_term != term)) {
    ghost.leaders.insert(Elected{term, node});
  }
  // The entries a leader commits in a step, it applies in that step (their Applied effects: the
  // log may have compacted them away by the step's end).
  const auto newly_committed = [&](Index index) {
    return role == Role::leader && index > before.volatile_state.commit_index &&
           index <= after.volatile_state.commit_index;
  };
  for (const auto& effect : step.effects) {
    const auto* applied = std::get_if<Applied<typename R::AppliedEntry>>(&effect);
    if (applied == nullptr) continue;
    const auto& entry = applied->command;
    ghost.applied.insert(AppliedEntry{entry.index, entry.term, entry.command, entry.noop});
    if (!newly_committed(entry.index)) continue;
    // Keep, for each entry, the earliest term in which a leader committed it (a minimum, so
    // the ghost does not depend on the order in which independent steps happen).
    const CommittedEntry* known = std::find_if(ghost.committed.begin(), ghost.committed.end(), [&](const CommittedEntry& c) {
      return c.index == entry.index && c.term == entry.term && c.command == entry.command && c.noop == entry.noop;
    });
    const CommittedEntry committed{entry.index, entry.term, entry.command, entry.noop, term};
    if (known == ghost.committed.end()) {
      ghost.committed.insert(committed);
    } else if (known->commit_term > term) {
      typename Ghost::Committed rebuilt;
      for (const CommittedEntry& c : ghost.committed) rebuilt.insert(&c == known ? committed : c);
      ghost.committed = rebuilt;
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
template <class St>
bool RaftSpec<SM>::election_safety(const St& state) {
  std::array<std::uint8_t, 256> leader_of{};  // term -> node id (0: none yet)
  auto claim = [&](Term term, NodeId node) {
    if (leader_of[term] == 0) leader_of[term] = node.value;
    return leader_of[term] == node.value;
  };
  for (const Elected& e : ghost_of<Ghost>(state).leaders) {
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
template <class St>
std::optional<typename RaftSpec<SM>::LogMismatch> RaftSpec<SM>::log_mismatch(const St& state) {
  const auto& nodes = state.nodes.items;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    for (std::size_t j = i + 1; j < nodes.size(); ++j) {
      const auto& a = nodes[i].node.durable.log;
      const auto& b = nodes[j].node.durable.log;
      // Only where both logs hold entries (what a snapshot covers is committed: the ghost's
      // records check it). If the entries at k agree on the term, everything from the first
      // common position up to k must be identical: find the last such k and compare.
      const Index first = static_cast<Index>(std::max(a.base_index(), b.base_index()) + 1);
      for (Index k = std::min(a.last_index(), b.last_index()); k >= first; --k) {
        if (a.at(k).term != b.at(k).term) continue;
        for (Index m = first; m <= k; ++m) {
          if (!(a.at(m) == b.at(m))) return LogMismatch{i, j, k, m};
        }
        break;
      }
    }
  }
  return std::nullopt;
}

template <class SM>
template <class St>
bool RaftSpec<SM>::log_matching(const St& state) {
  return !log_mismatch(state);
}

template <class SM>
template <class St>
bool RaftSpec<SM>::leader_completeness(const St& state) {
  for (const auto& slot : state.nodes.items) {
    if (!slot.up || slot.node.volatile_state.role != Role::leader) continue;
    const auto& log = slot.node.durable.log;
    for (const CommittedEntry& c : ghost_of<Ghost>(state).committed) {
      if (slot.node.durable.current_term <= c.commit_term) continue;
      if (c.index > log.last_index()) return false;
      if (c.index < log.base_index()) continue;  // in the leader's snapshot
      if (log.term_at(c.index) != c.term || (c.index > log.base_index() && !detail::same_entry(log.at(c.index), c))) {
        return false;
      }
    }
  }
  return true;
}

template <class SM>
template <class St>
std::optional<typename RaftSpec<SM>::UnbackedMatch> RaftSpec<SM>::unbacked_match(const St& state) {
  const auto& nodes = state.nodes.items;
  for (std::size_t l = 0; l < nodes.size(); ++l) {
    const auto& leader = nodes[l].node;
    if (!nodes[l].up || leader.volatile_state.role != Role::leader) continue;
    const auto& match_index = leader.volatile_state.match_index;
    const auto& own = leader.durable.log;
    for (std::size_t n = 0; n < nodes.size() && n < match_index.size(); ++n) {
      // A node of a later term may have been repaired by a later leader: the match is stale, and
      // the leader's commits are then another property's business. A crashed node keeps its
      // durable log.
      if (n == l || nodes[n].node.durable.current_term != leader.durable.current_term) continue;
      const Index match = match_index.items[n];
      const auto& log = nodes[n].node.durable.log;
      if (match > log.last_index()) return UnbackedMatch{l, n, match, static_cast<Index>(log.last_index() + 1)};
      // Entries both logs hold (a snapshot covers committed entries only, which the ghost checks).
      for (Index k = static_cast<Index>(std::max(own.base_index(), log.base_index()) + 1); k <= match; ++k) {
        if (k > own.last_index() || !(own.at(k) == log.at(k))) return UnbackedMatch{l, n, match, k};
      }
    }
  }
  return std::nullopt;
}

template <class SM>
template <class St>
bool RaftSpec<SM>::state_machine_safety(const St& state) {
  const auto& applied = ghost_of<Ghost>(state).applied;
  for (const AppliedEntry* e = applied.begin(); e != applied.end(); ++e) {
    if (e + 1 != applied.end() && (e + 1)->index == e->index) return false;  // sorted by index first
  }
  return true;
}

template <class SM>
template <class St>
bool RaftSpec<SM>::leader_append_only(const St& before, const St& after) {
  for (std::size_t i = 0; i < before.nodes.size(); ++i) {
    const auto& b = before.nodes.items[i];
    const auto& a = after.nodes.items[i];
    if (!b.up || !a.up || b.node.volatile_state.role != Role::leader || a.node.volatile_state.role != Role::leader) {
      continue;
    }
    if (b.node.durable.current_term != a.node.durable.current_term) continue;
    // Compared where both hold entries (a leader may compact what it applied).
    const auto& old_log = b.node.durable.log;
    const auto& new_log = a.node.durable.log;
    if (new_log.last_index() < old_log.last_index()) return false;
    for (Index k = static_cast<Index>(std::max(old_log.base_index(), new_log.base_index()) + 1); k <= old_log.last_index(); ++k) {
      if (!(old_log.at(k) == new_log.at(k))) return false;
    }
  }
  return true;
}

// A node up in both states has not restarted in between (a step is one action: a crash leaves it
// down, a recovery starts from down), so these compare within one life.
template <class SM>
template <class St, class Field>
bool RaftSpec<SM>::monotone_within_a_life(const St& before, const St& after, Field field) {
  for (std::size_t i = 0; i < before.nodes.size(); ++i) {
    const auto& b = before.nodes.items[i];
    const auto& a = after.nodes.items[i];
    if (b.up && a.up && field(a.node.volatile_state) < field(b.node.volatile_state)) return false;
  }
  return true;
}

template <class SM>
template <class St>
bool RaftSpec<SM>::commit_index_monotone(const St& before, const St& after) {
  return monotone_within_a_life(before, after, [](const auto& v) { return v.commit_index; });
}

template <class SM>
template <class St>
bool RaftSpec<SM>::applied_monotone(const St& before, const St& after) {
  return monotone_within_a_life(before, after, [](const auto& v) { return v.last_applied; });
}

template <class SM>
template <class St>
bool RaftSpec<SM>::leader_replaced_after_crash(const St& state) {
  const Ghost& ghost = ghost_of<Ghost>(state);
  const std::uint32_t crashes = ghost.leader_crash_terms;
  if (crashes == 0) return false;
  const int first_crash_term = std::countr_zero(crashes);
  return std::any_of(ghost.leaders.begin(), ghost.leaders.end(),
                     [&](const Elected& e) { return e.term > first_crash_term; });
}

template <class SM>
template <class St>
std::vector<Property<St>> RaftSpec<SM>::properties(const Config&) {
  return {
      {"RAFT-ElectionSafety", PropertyKind::always, "at most one leader per term", election_safety<St>},
      {"RAFT-LogMatching", PropertyKind::always, "logs agreeing on an entry's term agree up to it", log_matching<St>},
      {"RAFT-LeaderCompleteness", PropertyKind::always, "committed entries are in every later leader's log",
       leader_completeness<St>},
      {"RAFT-StateMachineSafety", PropertyKind::always, "no two nodes apply different entries at one index",
       state_machine_safety<St>},
      {"RAFT-MachineAgreement", PropertyKind::always,
       "nodes that applied through the same index hold the same machine, as does a snapshot of that index",
       [](const St& s) { return !machine_disagreement_of(s); }},
      {"RAFT-MatchIndexBacked", PropertyKind::always,
       "a leader's match_index for a node of its term is backed by the leader's entries in that node's log",
       [](const St& s) { return !unbacked_match(s); }},
      {"leader-elected", PropertyKind::sometimes, "a leader is elected",
       [](const St& s) { return !ghost_of<Ghost>(s).leaders.empty(); }},
      {"entry-committed", PropertyKind::sometimes, "an entry is committed",
       [](const St& s) { return !ghost_of<Ghost>(s).committed.empty(); }},
      {"leader-replaced-after-crash", PropertyKind::sometimes, "a leader crashes and a later term elects another",
       leader_replaced_after_crash<St>},
  };
}

template <class SM>
template <class St>
std::vector<TransitionProperty<St>> RaftSpec<SM>::transition_properties(const Config&) {
  return {
      {"RAFT-LeaderAppendOnly", "a leader never overwrites or deletes entries in its term", leader_append_only<St>},
      // Before CommitIndexMonotone: a step that rolls both back (an old snapshot installed over
      // newer state) is reported as the rolled-back machine it is.
      {"RAFT-AppliedMonotone", "last_applied never decreases within a node's life", applied_monotone<St>},
      {"RAFT-CommitIndexMonotone", "commit_index never decreases within a node's life", commit_index_monotone<St>},
  };
}

}  // namespace lockstep::raft

namespace lockstep::raft {

template <class SM>
std::vector<std::string> RaftSpec<SM>::decided(const Config&, const State& state) {
  std::vector<std::string> out;
  for (const CommittedEntry& c : state.ghost.committed) {
    out.push_back("entry " + std::to_string(c.index) + " (" + entry_text(c) + ", term " + std::to_string(c.term) +
                  ") is committed");
  }
  return out;
}

namespace detail {

// What a log holds at `index`, in words.
template <class Log>
std::string log_at(const Log& log, Index index) {
  if (index > log.last_index()) return "nothing (its log ends at " + std::to_string(log.last_index()) + ")";
  if (index <= log.base_index()) return "it in its snapshot";
  return "an entry of term " + std::to_string(log.at(index).term) + " (" + entry_text(log.at(index)) + ")";
}

}  // namespace detail

template <class SM>
template <class St>
std::vector<std::string> RaftSpec<SM>::explain(const Config& config, std::string_view property,
                                               const std::type_identity_t<St>* before, const St& after) {
  if constexpr (std::is_same_v<St, State>) {  // --refine's are checked in Raft's own world only
    if (property.starts_with("RAFT-Refines") || property == "RAFT-ElectionInvariant" || property == "RAFT-LogInvariant") {
      return explain_refinement(config, property, before, after);
    }
  }
  const Ghost& ghost = ghost_of<Ghost>(after);
  const auto field = [](const char* name) { return ghost_field<Ghost, St>(name); };
  std::vector<std::string> out;
  const auto& nodes = after.nodes.items;
  const auto leads = [&](std::size_t i) { return nodes[i].up && nodes[i].node.volatile_state.role == Role::leader; };
  const auto name = [](std::size_t i) { return to_string(NodeId::at(i)); };
  if (property == "RAFT-ElectionSafety") {
    struct Claim {
      Term term;
      NodeId leader;
      std::string where;
    };
    std::vector<Claim> claims;  // who led each term, and where that is recorded
    for (const Elected& e : ghost.leaders) claims.push_back({e.term, e.leader, field("leaders")});
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      if (leads(i)) claims.push_back({nodes[i].node.durable.current_term, NodeId::at(i), node_field(i, "volatile_state.role")});
    }
    for (std::size_t a = 0; a < claims.size(); ++a) {
      for (std::size_t b = a + 1; b < claims.size(); ++b) {
        if (claims[a].term != claims[b].term || claims[a].leader == claims[b].leader) continue;
        out.push_back("two leaders of term " + std::to_string(claims[a].term) + ": " + to_string(claims[a].leader) + " (" +
                      claims[a].where + ") and " + to_string(claims[b].leader) + " (" + claims[b].where + ")");
        return out;
      }
    }
  } else if (property == "RAFT-LogMatching") {
    if (const auto found = log_mismatch(after)) {
      const auto& [i, j, k, m] = *found;
      const auto& a = nodes[i].node.durable.log;
      const auto& b = nodes[j].node.durable.log;
      out.push_back(name(i) + " and " + name(j) + " both hold an entry of term " + std::to_string(a.at(k).term) +
                    " at index " + std::to_string(k) + ", but at index " + std::to_string(m) + " " + name(i) + " has " +
                    detail::log_at(a, m) + " and " + name(j) + " has " + detail::log_at(b, m) + " (" +
                    node_field(i, "durable.log") + ", " + node_field(j, "durable.log") + ")");
    }
  } else if (property == "RAFT-LeaderCompleteness") {
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      if (!leads(i)) continue;
      const auto& node = nodes[i].node;
      const auto& log = node.durable.log;
      for (const CommittedEntry& c : ghost.committed) {
        if (node.durable.current_term <= c.commit_term || c.index < log.base_index()) continue;
        if (c.index <= log.last_index() && log.term_at(c.index) == c.term &&
            (c.index == log.base_index() || detail::same_entry(log.at(c.index), c))) {
          continue;
        }
        out.push_back("entry " + std::to_string(c.index) + " (" + entry_text(c) + ", term " +
                      std::to_string(c.term) + ") was committed in term " + std::to_string(c.commit_term) + " (" +
                      field("committed") + ")");
        out.push_back("but " + name(i) + ", leader of the later term " + std::to_string(node.durable.current_term) + " (" +
                      node_field(i, "volatile_state.role") + ", " + node_field(i, "durable.current_term") +
                      "), has at index " + std::to_string(c.index) + " " + detail::log_at(log, c.index) + " (" +
                      node_field(i, "durable.log") + ")");
        return out;
      }
    }
  } else if (property == "RAFT-StateMachineSafety") {
    const auto& applied = ghost.applied;
    for (const AppliedEntry* e = applied.begin(); e != applied.end(); ++e) {
      if (e + 1 == applied.end() || (e + 1)->index != e->index) continue;
      out.push_back("index " + std::to_string(e->index) + " was applied as " + entry_text(*e) + " (term " +
                    std::to_string(e->term) + ") and as " + entry_text(*(e + 1)) + " (term " +
                    std::to_string((e + 1)->term) + ") (" + field("applied") + ")");
      return out;
    }
  } else if (property == "RAFT-MachineAgreement") {
    if (const auto found = machine_disagreement_of(after)) {
      out = explain_machine_disagreement(after, *found, "last_applied", "index");
    }
  } else if (property == "RAFT-MatchIndexBacked") {
    if (const auto found = unbacked_match(after)) {
      const auto& [l, n, match, k] = *found;
      const auto& leader = nodes[l].node;
      out.push_back(name(l) + ", leader of term " + std::to_string(leader.durable.current_term) + ", counts " + name(n) +
                    " (of the same term) as holding its entries through index " + std::to_string(match) + " (" +
                    node_field(l, "volatile_state.match_index") + ")");
      out.push_back("but at index " + std::to_string(k) + " " + name(n) + " has " +
                    detail::log_at(nodes[n].node.durable.log, k) + " and " + name(l) + " has " +
                    detail::log_at(leader.durable.log, k) + " (" + node_field(n, "durable.log") + ", " +
                    node_field(l, "durable.log") + ")");
    }
  } else if (property == "RAFT-LeaderAppendOnly" && before != nullptr) {
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      const auto& b = before->nodes.items[i];
      if (!b.up || !leads(i) || b.node.volatile_state.role != Role::leader ||
          b.node.durable.current_term != nodes[i].node.durable.current_term) {
        continue;
      }
      const auto& old_log = b.node.durable.log;
      const auto& new_log = nodes[i].node.durable.log;
      for (Index k = static_cast<Index>(std::max(old_log.base_index(), new_log.base_index()) + 1); k <= old_log.last_index(); ++k) {
        if (k <= new_log.last_index() && old_log.at(k) == new_log.at(k)) continue;
        out.push_back(name(i) + ", leader of term " + std::to_string(b.node.durable.current_term) + ", had at index " +
                      std::to_string(k) + " " + detail::log_at(old_log, k) + " and now has " + detail::log_at(new_log, k) +
                      " (" + node_field(i, "durable.log") + ")");
        return out;
      }
    }
  } else if (property == "RAFT-AppliedMonotone" && before != nullptr) {
    out = volatile_went_down(*before, after, "last_applied", [](const auto& v) { return v.last_applied; });
  } else if (property == "RAFT-CommitIndexMonotone" && before != nullptr) {
    out = volatile_went_down(*before, after, "commit_index", [](const auto& v) { return v.commit_index; });
  }
  return out;
}

}  // namespace lockstep::raft
