// Invariants of raft.tla's reference mode (`check raft-tla`), checked on every state. raft.tla
// states them in its proof (the history variables elections and allLogs exist for them):
//   RAFT-OneLeaderPerTerm    no two servers are leaders of the same term at once;
//   RAFT-ElectionSafety      no two elections of the same term have different leaders
//                            (over the history variable `elections`);
//   RAFT-LogMatching         two logs with an entry of the same term at the same index agree on
//                            every entry up to it: every log a server has, and every log ever
//                            (`allLogs`);
//   RAFT-StateMachineSafety  two servers' committed prefixes (up to their commitIndex) agree
//                            where both have entries;
//   leader-elected           (sometimes) a server becomes leader.
#pragma once

#include "model/raft/tla.hpp"

namespace lockstep::raft_tla {

bool one_leader_per_term(const Config& c, const State& s);
bool election_safety(const State& s);
bool log_matching(const Config& c, const State& s);
bool state_machine_safety(const Config& c, const State& s);
bool leader_elected(const Config& c, const State& s);

}  // namespace lockstep::raft_tla
