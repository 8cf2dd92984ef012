// A read/write/compare-and-set register per key, as Jepsen's linearizable-register tests use it.
//
//   read         -> ok value: the current value (null: never written)
//   write v      -> ok: the value is now v
//   cas [old,new]-> ok: the value was old (null: never written) and is now new.
// A failed cas is Jepsen's completion type "fail": it took no effect, and is dropped like every
// failed call. Values are 64-bit integers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "spec/linearizability/spec.hpp"

namespace lockstep::linearizability {

struct RegisterSpec {
  static constexpr std::string_view name = "register";
  using Value = std::optional<std::int64_t>;  // nullopt: never written

  struct State {
    Value value;
    bool operator==(const State&) const = default;
  };
  enum class Kind : std::uint8_t { read, write, cas };
  struct Operation {
    Kind kind = Kind::read;
    std::string key;
    Value argument;               // write: the value; cas: the expected value
    Value replacement;            // cas: the new value
    bool output_known = false;    // an ok read's value is known
    Value output;                 // read: the value read
  };

  static State init() { return State{}; }

  static std::optional<State> step(const State& state, const Operation& op) {
    switch (op.kind) {
      case Kind::read:
        if (!op.output_known) return std::nullopt;  // an unknown read has no effect: "never" covers it
        if (op.output != state.value) return std::nullopt;
        return state;
      case Kind::write:
        return State{op.argument};
      case Kind::cas:
        if (state.value != op.argument) return std::nullopt;
        return State{op.replacement};
    }
    return std::nullopt;
  }

  static std::uint64_t hash(const State& state) {
    return state.value ? static_cast<std::uint64_t>(*state.value) * 0x9e3779b97f4a7c15ULL + 1 : 0;
  }
  static std::optional<std::string> partition(const Operation& op) { return op.key; }

  static Operation parse_input(const RawCall& raw, History& history);
  static void parse_output(Operation& op, const RawCall& raw);
  static std::string describe(const State& state, const History& history);
  static std::string describe(const Operation& op, const History& history);
};

static_assert(SequentialSpec<RegisterSpec>);

}  // namespace lockstep::linearizability
