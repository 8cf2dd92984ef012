#include "spec/proofs/refinement.hpp"

#include <functional>
#include <sstream>

namespace lockstep::proofs {

bool RefinementCache::decide(const std::string& key, const std::function<bool()>& decide) {
  Shard& shard = shards_[std::hash<std::string>{}(key) % shards];
  {
    std::lock_guard lock(shard.mutex);
    if (const auto it = shard.known.find(key); it != shard.known.end()) return it->second;
  }
  const bool answer = decide();  // (outside the lock: another thread may decide it too, alike)
  std::lock_guard lock(shard.mutex);
  if (shard.known.size() < entries_max) shard.known.emplace(key, answer);
  return answer;
}

namespace {

std::string one_action(const Protocol& protocol, const Structure& pair) {
  std::vector<int> env;
  for (const Action& action : protocol.actions) {
    if (pair.satisfiable(action.params, action.formula, env)) return action.name;
  }
  return "";
}

}  // namespace

std::string abstract_step_name(const Protocol& protocol, const Structure& pair) {
  if (pair.stutters()) return "";
  if (std::string name = one_action(protocol, pair); !name.empty()) return name;
  // Two actions one after the other, each changing relations of its own: the step's changed
  // relations split in two, the first part's changed first (e.g. a Raft leader elected and
  // appending its no-op in one step: raft-log's Elect, then its Append).
  const std::vector<int> changed = pair.changed_relations();
  if (changed.size() >= 2 && changed.size() < 16) {
    const unsigned all = (1u << changed.size()) - 1;
    for (unsigned mask = 1; mask < all; ++mask) {
      std::vector<int> first;
      for (std::size_t k = 0; k < changed.size(); ++k) {
        if (mask & (1u << k)) first.push_back(changed[k]);
      }
      const std::string a = one_action(protocol, pair.split(first, false));
      if (a.empty()) continue;
      const std::string b = one_action(protocol, pair.split(first, true));
      if (!b.empty()) return a + ", then " + b;
    }
  }
  return "none";
}

bool is_abstract_step(const Protocol& protocol, const Structure& pair) {
  const std::string name = abstract_step_name(protocol, pair);
  return name != "none";
}

bool satisfies_invariant(const Protocol& protocol, const Structure& state) {
  for (const NamedFormula& axiom : protocol.axioms) {
    if (!state.holds(axiom.formula)) return false;
  }
  for (const NamedFormula& conjunct : protocol.invariant) {
    if (!state.holds(conjunct.formula)) return false;
  }
  return true;
}

std::vector<std::string> explain_step(const Protocol& protocol, const Structure& pair) {
  std::vector<std::string> out;
  std::string actions;
  for (const Action& a : protocol.actions) actions += (actions.empty() ? "" : ", ") + a.name;
  out.push_back("no step of " + protocol.name + " (" + actions + ") makes this change of its state:");
  std::string line;
  std::istringstream changes(pair.describe(true));
  for (std::string text; std::getline(changes, text);) {
    if (text.find("after the step") != std::string::npos) out.push_back(text.substr(text.find_first_not_of(' ')) + " (" + line + ")");
    else line = text.substr(text.find_first_not_of(' '), text.find(':') - text.find_first_not_of(' '));
  }
  return out;
}

std::vector<std::string> explain_state(const Protocol& protocol, const Structure& state) {
  std::vector<std::string> out;
  for (const NamedFormula& conjunct : protocol.invariant) {
    if (!state.holds(conjunct.formula)) out.push_back(protocol.name + "'s invariant conjunct " + conjunct.name + " fails: " + conjunct.description);
  }
  return out;
}

std::vector<std::vector<int>> subsets_of_size(int n, int size) {
  std::vector<std::vector<int>> out;
  for (int mask = 0; mask < (1 << n); ++mask) {
    if (__builtin_popcount(static_cast<unsigned>(mask)) != size) continue;
    std::vector<int> set;
    for (int i = 0; i < n; ++i) {
      if (mask & (1 << i)) set.push_back(i);
    }
    out.push_back(std::move(set));
  }
  return out;
}

}  // namespace lockstep::proofs
