#include "spec/paxos/tla_invariants.hpp"

#include <array>
#include <bit>

namespace lockstep::paxos_tla {

namespace {
int quorum(const Config& config) { return config.acceptors / 2 + 1; }

// Who voted what: per ballot c and value v, the acceptors whose 2b(c, v) is in msgs, as a bit
// mask; per ballot, those that voted there at all. Read from the set bits of msgs' 2b range
// only (most states hold few 2b messages), so that the invariants checked on every state cost
// a few word reads.
struct Votes {
  std::array<std::uint8_t, ballots_max> at{};
  std::array<std::array<std::uint8_t, values_max + 1>, ballots_max> for_value{};
  bool any = false;
};

Votes votes_of(const Config& config, const Universe& u, const State& s) {
  Votes out;
  const std::size_t first = u.of_2b(0, 0, 1);
  const std::size_t end = u.size();  // the 2b messages are the universe's last range
  const auto values = static_cast<std::uint32_t>(config.values);
  const auto ballots = static_cast<std::uint32_t>(config.ballots);
  for (std::size_t word = first >> 6; word <= (end - 1) >> 6; ++word) {
    std::uint64_t bits = s.msgs[word];
    if (word == first >> 6) bits &= ~std::uint64_t{0} << (first & 63);
    if (word == (end - 1) >> 6 && (end & 63) != 0) bits &= (std::uint64_t{1} << (end & 63)) - 1;
    while (bits != 0) {
      const std::size_t bit = word * 64 + static_cast<std::size_t>(std::countr_zero(bits));
      bits &= bits - 1;
      // ((a * ballots) + b) * values + (v - 1), in 32 bits (a 64-bit division is slower)
      const auto rel = static_cast<std::uint32_t>(bit - first);
      const std::uint32_t per_value = rel / values;
      const std::uint32_t v = rel - per_value * values + 1;
      const std::uint32_t a = per_value / ballots;
      const std::uint32_t b = per_value - a * ballots;
      out.at[b] |= static_cast<std::uint8_t>(1u << a);
      out.for_value[b][v] |= static_cast<std::uint8_t>(1u << a);
      out.any = true;
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
