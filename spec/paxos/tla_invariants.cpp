#include "spec/paxos/tla_invariants.hpp"

#include <array>
#include <bit>

namespace lockstep::paxos_tla {

namespace {
int quorum(const Config& config) { return config.acceptors / 2 + 1; }

// Who voted what: per ballot c and value v, the acceptors whose 2b(c, v) is in msgs, as a bit
// mask; per ballot, those that voted there at all. Read from msgs' 2b range a group of bits at a
// time, so that the invariants checked on every state cost a few word reads.
struct Votes {
  std::array<std::uint8_t, ballots_max> at{};
  std::array<std::array<std::uint8_t, values_max + 1>, ballots_max> for_value{};
  bool any = false;
};

Votes votes_of(const Config& config, const Universe& u, const State& s) {
  Votes out;
  // The 2b range holds, for each acceptor a and ballot b in that order, `values` consecutive
  // bits (v = 1..values): read each (a, b) group with a shift, no division.
  const auto values = static_cast<std::size_t>(config.values);
  const std::uint64_t mask = (std::uint64_t{1} << values) - 1;
  std::size_t position = u.of_2b(0, 0, 1);
  for (int a = 0; a < config.acceptors; ++a) {
    for (int b = 0; b < config.ballots; ++b, position += values) {
      const std::size_t word = position >> 6;
      const std::size_t offset = position & 63;
      std::uint64_t bits = s.msgs[word] >> offset;
      if (offset + values > 64) bits |= s.msgs[word + 1] << (64 - offset);
      bits &= mask;
      if (bits == 0) continue;
      out.any = true;
      out.at[b] |= static_cast<std::uint8_t>(1u << a);
      for (; bits != 0; bits &= bits - 1) {
        out.for_value[b][std::countr_zero(bits) + 1] |= static_cast<std::uint8_t>(1u << a);
      }
    }
  }
  return out;
}
}  // namespace

int chosen_count(const Config& config, const Universe& u, const State& s) {
  const Votes votes = votes_of(config, u, s);
  if (!votes.any) return 0;
  std::uint32_t chosen = 0;
  for (int b = 0; b < config.ballots; ++b) {
    for (int v = 1; v <= config.values; ++v) {
      if (std::popcount(static_cast<unsigned>(votes.for_value[b][v])) >= quorum(config)) chosen |= 1u << v;
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
  // SafeAt(b, v) for a vote is, at every c < b, a majority among those who voted v at c or
  // promised above c (maxBal) without voting there: acceptor sets as bit masks.
  const Votes votes = votes_of(config, u, s);
  if (!votes.any) return true;
  const auto& voted = votes.at;
  const auto& voted_for = votes.for_value;
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
