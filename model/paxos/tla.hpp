// Lamport's Paxos.tla (tlaplus/Examples, specifications/Paxos), action for action, as the
// reference model of `lockstep check paxos-tla`. Its reachable states are exactly TLC's for the
// same constants, so the distinct-state count can be compared with TLC's.
//
// Variables: maxBal, maxVBal, maxVal per acceptor (-1 / None initially) and msgs, the set of
// every message ever sent. Actions: Phase1a(b), Phase1b(a), Phase2a(b, v), Phase2b(a); no
// crashes; quorums are all majorities. msgs is a bit set over the finite universe of messages
// that the constants allow.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "model/core/codec.hpp"
#include "model/core/json.hpp"
#include "model/core/reflect.hpp"

namespace lockstep::paxos_tla {

inline constexpr std::size_t acceptors_max = 7;
inline constexpr std::size_t ballots_max = 16;
inline constexpr std::size_t values_max = 7;
inline constexpr std::size_t words_max = 16;  // msgs universe up to 1024 messages

struct Config {
  LOCKSTEP_STRUCT(Config, (std::uint8_t, acceptors), (std::uint8_t, ballots), (std::uint8_t, values));
};

// An acceptor a1, a2, ... (1-based).
struct Acceptor {
  static constexpr bool lockstep_scalar = true;
  std::uint8_t value = 0;
  friend bool operator==(const Acceptor&, const Acceptor&) = default;
  friend auto operator<=>(const Acceptor&, const Acceptor&) = default;
};
void lockstep_print(std::string& out, const Acceptor& a);
// A value v1, v2, ... (1-based); 0 is None.
struct Value {
  static constexpr bool lockstep_scalar = true;
  std::uint8_t value = 0;
  friend bool operator==(const Value&, const Value&) = default;
  friend auto operator<=>(const Value&, const Value&) = default;
};
void lockstep_print(std::string& out, const Value& v);

// The four variables. Ballots are -1 (none) .. ballots-1; values 0 (None) .. values.
struct State {
  std::array<std::int8_t, acceptors_max> max_bal{};
  std::array<std::int8_t, acceptors_max> max_vbal{};
  std::array<std::uint8_t, acceptors_max> max_val{};
  std::array<std::uint64_t, words_max> msgs{};
  friend bool operator==(const State&, const State&) = default;
  friend auto operator<=>(const State&, const State&) = default;
};
// The encoding leaves out msgs' trailing empty words.
void lockstep_encode(ByteWriter& w, const State& s);
void lockstep_decode(ByteReader& r, State& s);

struct Phase1a {
  LOCKSTEP_STRUCT(Phase1a, (std::int8_t, b));
};
struct Phase1b {
  LOCKSTEP_STRUCT(Phase1b, (Acceptor, a), (std::int8_t, b));
};
struct Phase2a {
  LOCKSTEP_STRUCT(Phase2a, (std::int8_t, b), (Value, v));
};
struct Phase2b {
  LOCKSTEP_STRUCT(Phase2b, (Acceptor, a), (std::int8_t, b), (Value, v));
};
using Action = std::variant<Phase1a, Phase1b, Phase2a, Phase2b>;

// The message universe: where each message lives in the bit set.
class Universe {
 public:
  explicit Universe(const Config& config);
  std::size_t size() const { return base_2b_ + static_cast<std::size_t>(a_) * b_ * v_; }
  std::size_t of_1a(int b) const { return static_cast<std::size_t>(b); }
  std::size_t of_1b(int a, int b, int mbal, int mval) const {
    return base_1b_ + ((static_cast<std::size_t>(a) * b_ + b) * (b_ + 1) + (mbal + 1)) * (v_ + 1) + mval;
  }
  std::size_t of_2a(int b, int v) const { return base_2a_ + static_cast<std::size_t>(b) * v_ + (v - 1); }
  std::size_t of_2b(int a, int b, int v) const {
    return base_2b_ + (static_cast<std::size_t>(a) * b_ + b) * v_ + (v - 1);
  }
  // The 2b message at `bit` (of_2b's inverse): its acceptor, ballot and value. Each division is
  // a multiply by a reciprocal and a shift, exact over the whole universe (fewer than 2^10 bits).
  struct Vote {
    int a, b, v;
  };
  Vote vote_at(std::size_t bit) const {
    const std::size_t i = bit - base_2b_;
    const std::size_t group = (i * per_value_) >> 20;  // i / v_: a * b_ + b
    const std::size_t a = (group * per_ballot_) >> 20;  // group / b_
    return {static_cast<int>(a), static_cast<int>(group - a * b_), static_cast<int>(i - group * v_) + 1};
  }

 private:
  int a_, b_, v_;
  std::size_t base_1b_, base_2a_, base_2b_;
  std::size_t per_value_, per_ballot_;  // ceil(2^20 / v_), ceil(2^20 / b_)
};

inline bool has(const State& s, std::size_t bit) { return (s.msgs[bit >> 6] >> (bit & 63)) & 1u; }
inline void add(State& s, std::size_t bit) { s.msgs[bit >> 6] |= std::uint64_t{1} << (bit & 63); }
// `count` (1 to 64) bits of msgs from message `first` on, message `first` in bit 0. Reads a second
// word only when the run crosses a word boundary.
inline std::uint64_t bits_at(const State& s, std::size_t first, std::size_t count) {
  const std::size_t word = first >> 6;
  const std::size_t offset = first & 63;
  std::uint64_t bits = s.msgs[word] >> offset;
  if (offset != 0 && offset + count > 64) bits |= s.msgs[word + 1] << (64 - offset);
  return count == 64 ? bits : bits & ((std::uint64_t{1} << count) - 1);
}

// Checks the constants: a non-empty error message when they are out of range.
std::string validate(const Config& config);
State initial_state(const Config& config);

// The state as TLC and Apalache would show it: maxBal, maxVBal, maxVal as functions of the
// acceptors "a1".., msgs as a set of records {type, bal, acc, mbal, mval, val}.
Json state_to_json(const Config& config, const State& s);
// Reads a state back; throws JsonError naming the bad field.
State state_from_json(const Config& config, const Json& json);

// A renaming of acceptors and of values (both interchangeable in Paxos.tla), precomputed as a
// map of message indexes.
struct Renaming {
  std::array<std::uint8_t, acceptors_max> acceptor{};  // new index of acceptor a (0-based)
  std::array<std::uint8_t, values_max + 1> value{};    // new value of v (0 = None stays 0)
  std::vector<std::uint16_t> message;                  // new bit of message bit i
};
// Every renaming of acceptors and values, the identity first.
std::vector<Renaming> all_renamings(const Config& config);
State rename(const Config& config, const Renaming& renaming, const State& s);

// Every Next step from `s` that changes the state (steps back to `s` are left out), in the order
// of Next's disjuncts: emit(context, action, next) for each, the successor built once and handed
// over (the callee owns `next`).
using Emit = void (*)(void* context, const Action& action, State&& next);
void for_each_successor(const Config& config, const Universe& universe, const State& s, void* context, Emit emit);

}  // namespace lockstep::paxos_tla
