// The contract between a replicated state machine (model/sm/) and the consensus protocols that
// replicate it (Raft, Multi-Paxos): one pure apply, and two hooks for what a state machine with
// sessions needs from its replicas. Everything here is pure: time reaches a machine only as
// commands in the log (e.g. a session's expiry) and as the leader's housekeeping timer.
//
// SM provides:
//   name; Command, State, Output; Config (the machine's knobs: e.g. a session's time-to-live,
//     and at model size its seeded bugs);
//   apply(config, state, position, client, sequence, command, reply) -> bool
//       applies the command of the log entry at `position` (1-based; the slot or index), issued
//       by `client` as its request `sequence` (client none: proposed by the leader itself), and
//       answers by calling reply(client, sequence, output) once per client it answers: the
//       issuer, and possibly others (a waiter a release hands a lock to). Returns whether the
//       command took effect (false: e.g. a retried request answered from the deduplication
//       table, a stale expiry).
//   Watch: what a replica keeps in memory (volatile) to decide housekeeping;
//   has_housekeeping: whether the leader runs housekeeping at all; then
//   housekeeping_delay(config) -> Delay: the period of the leader's housekeeping timer, and
//   housekeeping(config, state, watch, propose): called when it fires on the leader, with the
//       leader's applied state; calls propose(command) for each command the leader must put in
//       the log (e.g. expire a session whose time-to-live ran out), which then goes through
//       consensus like any other command. A correct machine never changes `state` here (it is
//       mutable only so that a seeded bug can expire a session on the replica's own clock);
//   answer_locally(config, state, command) -> optional<Output>: what a replica would answer
//       from its own applied state without consensus. Correct replicas never do; it exists for
//       the seeded bug "a follower answers from its local table".
#pragma once

#include <concepts>
#include <cstdint>
#include <optional>

#include "model/core/ids.hpp"
#include "model/core/step.hpp"

namespace lockstep::sm {

template <class SM, class Position = std::uint8_t, class Sequence = std::uint8_t>
concept ReplicatedMachine = requires(const typename SM::Config& config, typename SM::State& state,
                                     const typename SM::State& applied, typename SM::Watch& watch,
                                     const typename SM::Command& command, Position position, ClientId client,
                                     Sequence sequence) {
  typename SM::Output;
  { SM::apply(config, state, position, client, sequence, command,
              [](ClientId, Sequence, const typename SM::Output&) {}) } -> std::same_as<bool>;
  { SM::has_housekeeping } -> std::convertible_to<bool>;
  { SM::housekeeping_delay(config) } -> std::same_as<Delay>;
  SM::housekeeping(config, state, watch, [](const typename SM::Command&) {});
  { SM::answer_locally(config, applied, command) } -> std::same_as<std::optional<typename SM::Output>>;
};

}  // namespace lockstep::sm
