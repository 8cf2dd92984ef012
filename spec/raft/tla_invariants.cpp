#include "spec/raft/tla_invariants.hpp"

#include <algorithm>
#include <array>

namespace lockstep::raft_tla {

namespace {

const ServerVars& at(const State& s, int i) { return s.servers[static_cast<std::size_t>(i)]; }

// Whether two logs that hold an entry of the same term at the same index agree up to it.
bool matching(const Log& x, const Log& y) {
  const int n = std::min(x.len, y.len);
  for (int index = n; index >= 1; --index) {
    if (x.term_at(index) != y.term_at(index)) continue;
    for (int k = 0; k < index; ++k) {
      if (x.e[static_cast<std::size_t>(k)] != y.e[static_cast<std::size_t>(k)]) return false;
    }
    return true;  // the prefix up to the highest matching index covers every lower one
  }
  return true;
}

}  // namespace

bool one_leader_per_term(const Config& c, const State& s) {
  for (int i = 0; i < c.servers; ++i) {
    for (int j = i + 1; j < c.servers; ++j) {
      if (at(s, i).state == Role::Leader && at(s, j).state == Role::Leader &&
          at(s, i).current_term == at(s, j).current_term) {
        return false;
      }
    }
  }
  return true;
}

bool election_safety(const State& s) {
  // elections is sorted by term first: records of one term are adjacent.
  const auto same_term_other_leader = [](const Election& a, const Election& b) {
    return a.eterm == b.eterm && a.eleader != b.eleader;
  };
  return std::adjacent_find(s.elections.begin(), s.elections.end(), same_term_other_leader) == s.elections.end();
}

bool log_matching(const Config& c, const State& s) {
  std::array<const Log*, servers_max + all_logs_capacity> logs;
  std::size_t count = 0;
  for (int i = 0; i < c.servers; ++i) logs[count++] = &at(s, i).log;
  for (const Log& log : s.all_logs) logs[count++] = &log;
  for (std::size_t x = 0; x < count; ++x) {
    for (std::size_t y = x + 1; y < count; ++y) {
      if (!matching(*logs[x], *logs[y])) return false;
    }
  }
  return true;
}

bool state_machine_safety(const Config& c, const State& s) {
  for (int i = 0; i < c.servers; ++i) {
    for (int j = i + 1; j < c.servers; ++j) {
      const int n = std::min({static_cast<int>(at(s, i).commit_index), static_cast<int>(at(s, j).commit_index),
                              static_cast<int>(at(s, i).log.len), static_cast<int>(at(s, j).log.len)});
      for (int k = 0; k < n; ++k) {
        if (at(s, i).log.e[static_cast<std::size_t>(k)] != at(s, j).log.e[static_cast<std::size_t>(k)]) return false;
      }
    }
  }
  return true;
}

bool leader_elected(const Config& c, const State& s) {
  for (int i = 0; i < c.servers; ++i) {
    if (at(s, i).state == Role::Leader) return true;
  }
  return false;
}

}  // namespace lockstep::raft_tla
