#include "spec/paxos/tla_invariants.hpp"

#include <algorithm>
#include <array>
#include <bit>

namespace lockstep::paxos_tla {

namespace {
int quorum(const Config& config) { return config.acceptors / 2 + 1; }

// Who voted what: per ballot c, byte v of by_ballot[c] holds the acceptors whose 2b(c, v) is in
// msgs, as a bit mask. Only the set bits of msgs' 2b range are visited (a state holds a few votes),
// so the invariants checked on every state cost a few word reads.
// (128 bytes, no more: a larger struct is cleared with `rep stos`, which cost more than the rest.)
struct Votes {
  std::array<std::uint64_t, ballots_max> by_ballot{};
  unsigned for_value(int b, int v) const { return static_cast<unsigned>(by_ballot[b] >> (8 * v)) & 0xffu; }
  unsigned at(int b) const {  // those that voted at b at all
    std::uint64_t x = by_ballot[b];
    x |= x >> 32;
    x |= x >> 16;
    x |= x >> 8;
    return static_cast<unsigned>(x) & 0xffu;
  }
};
static_assert(values_max < 8 && acceptors_max <= 8, "Votes keeps a byte of acceptors per value");

// Fills `out` (cleared); whether anyone voted at all.
bool votes_of(const Universe& u, const State& s, Votes& out) {
  bool any = false;
  const std::size_t first = u.of_2b(0, 0, 1);
  const std::size_t end = u.size();
  for (std::size_t start = first; start < end; start += 64) {
    for (std::uint64_t bits = bits_at(s, start, std::min<std::size_t>(64, end - start)); bits != 0; bits &= bits - 1) {
      const Universe::Vote vote = u.vote_at(start + static_cast<std::size_t>(std::countr_zero(bits)));
      any = true;
      out.by_ballot[vote.b] |= std::uint64_t{1} << (8 * vote.v + vote.a);
    }
  }
  return any;
}
}  // namespace

int chosen_count(const Config& config, const Universe& u, const State& s) {
  Votes votes;
  if (!votes_of(u, s, votes)) return 0;
  std::uint32_t chosen = 0;
  for (int b = 0; b < config.ballots; ++b) {
    for (int v = 1; v <= config.values; ++v) {
      if (std::popcount(votes.for_value(b, v)) >= quorum(config)) chosen |= 1u << v;
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
  Votes votes;
  if (!votes_of(u, s, votes)) return true;
  int top = config.ballots - 1;  // the highest ballot with a vote: SafeAt looks below it only
  while (top > 0 && votes.by_ballot[top] == 0) --top;
  if (top == 0) return true;  // SafeAt(0, v) holds
  std::array<unsigned, ballots_max> above{};  // above[c]: the acceptors with maxBal > c
  for (int q = 0; q < config.acceptors; ++q) {
    for (int c = 0; c < std::min<int>(s.max_bal[q], top); ++c) above[c] |= 1u << q;
  }
  for (int b = 1; b <= top; ++b) {
    if (votes.by_ballot[b] == 0) continue;
    for (int v = 1; v <= config.values; ++v) {
      if (votes.for_value(b, v) == 0) continue;
      for (int c = 0; c < b; ++c) {
        const unsigned blocking = votes.for_value(c, v) | (above[c] & ~votes.at(c));
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
