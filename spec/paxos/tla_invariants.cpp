#include "spec/paxos/tla_invariants.hpp"

#include <array>
#include <bit>

namespace lockstep::paxos_tla {

namespace {
int quorum(const Config& config) { return config.acceptors / 2 + 1; }
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
  // Acceptor sets as bit masks, read from msgs once: per ballot c, who voted at c at all, and who
  // voted each value v there; who promised above c. Then SafeAt(b, v) for a vote is, at every
  // c < b, a majority among those who voted v at c or promised above c without voting there.
  std::array<std::uint8_t, ballots_max> voted{};                   // [c]: acceptors that voted at c
  std::array<std::array<std::uint8_t, values_max + 1>, ballots_max> voted_for{};  // [c][v]
  bool any = false;
  for (int c = 0; c < config.ballots; ++c) {
    for (int q = 0; q < config.acceptors; ++q) {
      for (int v = 1; v <= config.values; ++v) {
        if (!has(s, u.of_2b(q, c, v))) continue;
        voted[c] |= static_cast<std::uint8_t>(1u << q);
        voted_for[c][v] |= static_cast<std::uint8_t>(1u << q);
        any = true;
      }
    }
  }
  if (!any) return true;
  std::array<std::uint8_t, ballots_max> above{};  // [c]: acceptors with maxBal > c
  for (int c = 0; c < config.ballots; ++c) {
    for (int q = 0; q < config.acceptors; ++q) {
      if (s.max_bal[q] > c) above[c] |= static_cast<std::uint8_t>(1u << q);
    }
  }
  for (int b = 1; b < config.ballots; ++b) {
    if (voted[b] == 0) continue;
    for (int v = 1; v <= config.values; ++v) {
      if (voted_for[b][v] == 0) continue;
      for (int c = 0; c < b; ++c) {
        const unsigned blocking = voted_for[c][v] | (above[c] & ~voted[c]);
        if (std::popcount(blocking) < quorum(config)) return false;
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
