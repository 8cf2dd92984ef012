// Invariants of Lamport's Paxos.tla, checked on every state of `check paxos-tla`:
//   PAXOS-Agreement         at most one value is chosen (2b votes from a majority at one ballot);
//   PAXOS-OneValuePerBallot at most one 2a message per ballot;
//   PAXOS-VotesSafe         every 2b vote (b, v) is safe: no other value was or can still be
//                           chosen at a lower ballot (SafeAt of Voting.tla, over msgs and maxBal);
//   PAXOS-MaxBalAboveVote   maxBal[a] >= maxVBal[a];
//   value-chosen            (sometimes) a value is chosen.
#pragma once

#include "model/paxos/tla.hpp"

namespace lockstep::paxos_tla {

int chosen_count(const Config& config, const Universe& u, const State& s);
bool agreement(const Config& config, const Universe& u, const State& s);
bool one_value_per_ballot(const Config& config, const Universe& u, const State& s);
bool votes_safe(const Config& config, const Universe& u, const State& s);
bool max_bal_above_vote(const Config& config, const State& s);

}  // namespace lockstep::paxos_tla
