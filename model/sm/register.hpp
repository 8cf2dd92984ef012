// A trivial replicated state machine for checking consensus alone: a register that clients
// write. model/sm/ holds the replicated state machines: any with the same shape (State, Command,
// Output, a pure apply) can be replicated by Raft; the lock service will be another.
#pragma once

#include <cstdint>
#include <string>

#include "model/core/reflect.hpp"

namespace lockstep::sm {

struct Register {
  static constexpr std::string_view name = "register";
  struct Command {
    LOCKSTEP_STRUCT(Command, (std::uint8_t, value));
  };
  struct State {
    LOCKSTEP_STRUCT(State, (std::uint8_t, value), (std::uint8_t, writes));
  };
  struct Output {
    LOCKSTEP_STRUCT(Output, (std::uint8_t, value));
  };
  static Output apply(State& state, const Command& command) {
    state.value = command.value;
    ++state.writes;
    return Output{state.value};
  }
};

inline void lockstep_print(std::string& out, const Register::Command& command) {
  out += "write(" + std::to_string(command.value) + ")";
}

}  // namespace lockstep::sm
