// A trivial replicated state machine for checking consensus alone: a register that clients
// write. model/sm/ holds the replicated state machines (the contract: model/sm/machine.hpp); any
// of them can be replicated by Raft or Multi-Paxos; the lock service (model/sm/lock.hpp) is
// another.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "model/core/reflect.hpp"
#include "model/sm/machine.hpp"

namespace lockstep::sm {

struct Register {
  static constexpr std::string_view name = "register";
  struct Config {
    LOCKSTEP_EMPTY_STRUCT(Config);
  };
  struct Command {
    LOCKSTEP_STRUCT(Command, (std::uint8_t, value));
  };
  struct State {
    LOCKSTEP_STRUCT(State, (std::uint8_t, value), (std::uint8_t, writes));
  };
  struct Output {
    LOCKSTEP_STRUCT(Output, (std::uint8_t, value));
  };
  struct Watch {
    LOCKSTEP_EMPTY_STRUCT(Watch);
  };
  static constexpr bool has_housekeeping = false;

  template <class Position, class Sequence, class ReplyFn>
  static bool apply(const Config&, State& state, Position, ClientId client, Sequence sequence, const Command& command,
                    ReplyFn&& reply) {
    state.value = command.value;
    ++state.writes;
    reply(client, sequence, Output{state.value});
    return true;
  }
  static Delay housekeeping_delay(const Config&) { return Delay::fixed(0); }
  template <class Propose>
  static void housekeeping(const Config&, State&, Watch&, Propose&&) {}
  static std::optional<Output> answer_locally(const Config&, const State&, const Command&) { return std::nullopt; }
};

inline void lockstep_print(std::string& out, const Register::Command& command) {
  out += "write(" + std::to_string(command.value) + ")";
}

static_assert(ReplicatedMachine<Register>);

}  // namespace lockstep::sm
