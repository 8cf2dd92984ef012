// `check paxos-tla --refine`: Lamport's Paxos.tla held to Voting (spec/proofs/voting.hpp), the
// abstract protocol `lockstep prove` proves and that Lamport's own TLA+ proof refines Paxos.tla
// to. The abstraction reads Paxos.tla's variables directly:
//   node     the acceptors a1..aN
//   ballot   0 .. Ballots-1, in order
//   value    v1 .. vV
//   quorum   every majority of the acceptors (the smallest ones: any larger one holds one)
//   voted(a, b, v)   a 2b message (a, b, v) is in msgs
//   left(a, b)       b < maxBal[a]
// Phase1b is Voting's IncreaseMaxBal, Phase2b its VoteFor (or, repeated, a stutter); Phase1a and
// Phase2a only add messages that Voting does not speak of.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "model/paxos/tla.hpp"
#include "spec/proofs/refinement.hpp"

namespace lockstep::paxos_tla {

std::shared_ptr<proofs::Refinement<State>> voting_refinement(const Config& config);
// Why a step or a state breaks PAXOS-RefinesVoting or PAXOS-VotingInvariant ({} for others).
std::vector<std::string> explain_refinement(const Config& config, std::string_view property, const State* before,
                                            const State& after);

}  // namespace lockstep::paxos_tla
