// Check-quorum (the Raft thesis, section 6.2), shared by Raft's and Multi-Paxos's step functions:
// a leader's election timer is its check period. Unless a majority (itself counted) answered it
// since the last check, it steps down when the timer fires and campaigns again when the election
// timer it then arms fires, as any follower. Pure, like the steps that call it.
#pragma once

#include "model/core/ids.hpp"
#include "model/core/step.hpp"

namespace lockstep {

// At runtime size always on; at model size the checker's ModelChecks decide (it multiplies the
// worlds).
template <class Sizes, class Config>
constexpr bool check_quorum_on([[maybe_unused]] const Config& config) {
  if constexpr (Sizes::checked) return config.checks.check_quorum;
  return true;
}

// A check period as long as the longest election timeout: a follower's timer would fire no later
// than that without the leader's heartbeats.
template <class Timing>
constexpr Delay quorum_check_delay(const Timing& timing) {
  return Delay::fixed(timing.election_max_ms);
}

// The leader's election timer fired. `step` is a protocol's step (RaftStep, MultiPaxosStep): it
// names whom it heard in state().answered, forgets its leadership in become_follower(), and draws
// a follower's timeout in election_delay(); `election` is its election timer.
template <class Step, class Timer>
void check_the_quorum(Step& step, Timer election) {
  if (!step.check_quorum()) return;  // without it, a leader lets its election timer lapse
  const bool heard_a_majority = step.state().answered.size() + 1 >= majority(step.config.node_count);
  step.state().answered = NodeSet{};
  if (heard_a_majority) {
    step.out.set_timer(election, quorum_check_delay(step.config.timing));
    return;
  }
  step.become_follower();
  step.state().leader_hint.set(NodeId{});
  step.out.set_timer(election, step.election_delay());
}

}  // namespace lockstep
