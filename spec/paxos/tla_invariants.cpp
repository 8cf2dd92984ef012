#include "spec/paxos/tla_invariants.hpp"

namespace lockstep::paxos_tla {

namespace {
int quorum(const Config& config) { return config.acceptors / 2 + 1; }

bool voted_at(const Config& config, const Universe& u, const State& s, int a, int c) {
  for (int w = 1; w <= config.values; ++w) {
    if (has(s, u.of_2b(a, c, w))) return true;
  }
  return false;
}
}  // namespace

int chosen_count(const Config& config, const Universe& u, const State& s) {
  std::uint32_t chosen = 0;
  for (int b = 0; b < config.ballots; ++b) {
    for (int v = 1; v <= config.values; ++v) {
      int votes = 0;
      for (int a = 0; a < config.acceptors; ++a) votes += has(s, u.of_2b(a, b, v)) ? 1 : 0;
      if (votes >= quorum(config)) chosen |= 1u << v;
    }
  }
  return std::popcount(chosen);
}

bool agreement(const Config& config, const Universe& u, const State& s) { return chosen_count(config, u, s) <= 1; }

bool one_value_per_ballot(const Config& config, const Universe& u, const State& s) {
  for (int b = 0; b < config.ballots; ++b) {
    int proposals = 0;
    for (int v = 1; v <= config.values; ++v) proposals += has(s, u.of_2a(b, v)) ? 1 : 0;
    if (proposals > 1) return false;
  }
  return true;
}

bool votes_safe(const Config& config, const Universe& u, const State& s) {
  for (int a = 0; a < config.acceptors; ++a) {
    for (int b = 0; b < config.ballots; ++b) {
      for (int v = 1; v <= config.values; ++v) {
        if (!has(s, u.of_2b(a, b, v))) continue;
        for (int c = 0; c < b; ++c) {  // SafeAt(b, v): no value but v choosable at any c < b
          int blocking = 0;
          for (int q = 0; q < config.acceptors; ++q) {
            const bool cannot_vote_other = s.max_bal[q] > c && !voted_at(config, u, s, q, c);
            if (has(s, u.of_2b(q, c, v)) || cannot_vote_other) ++blocking;
          }
          if (blocking < quorum(config)) return false;
        }
      }
    }
  }
  return true;
}

bool max_bal_above_vote(const Config& config, const State& s) {
  for (int a = 0; a < config.acceptors; ++a) {
    if (s.max_bal[a] < s.max_vbal[a]) return false;
  }
  return true;
}

}  // namespace lockstep::paxos_tla
