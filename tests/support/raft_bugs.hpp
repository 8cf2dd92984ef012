// The seeded Raft bugs with the smallest bounds that contain each one's scenario, the invariant
// it breaks and its shortest trace: shared by the tests that check every bug is found.
#pragma once

#include <vector>

#include "checker/check_raft.hpp"

namespace lockstep::testing {

struct RaftBugCase {
  raft::Bug bug;
  int term_max;
  int log_max;
  int requests;
  int crashes;
  const char* invariant;
  std::size_t trace_steps;  // actions in the shortest counterexample

  RaftCheckOptions options() const {
    RaftCheckOptions o;
    o.bug = bug;
    o.term_max = term_max;
    o.log_max = log_max;
    o.requests = requests;
    o.crashes = crashes;
    o.messages_max = 3;
    o.explore.workers = 2;
    return o;
  }
};

// Figure 8 needs four terms on three nodes: two leaders with diverging entries, then one that
// commits an old entry by counting.
inline const std::vector<RaftBugCase>& raft_bug_cases() {
  static const std::vector<RaftBugCase> cases{
      {raft::Bug::vote_not_durable, 3, 1, 1, 1, "RAFT-ElectionSafety", 8},
      {raft::Bug::commit_previous_term, 4, 1, 2, 0, "RAFT-LeaderCompleteness", 23},
      {raft::Bug::vote_without_log_check, 3, 1, 1, 1, "RAFT-LeaderCompleteness", 11},
      {raft::Bug::append_without_truncate, 3, 2, 2, 1, "RAFT-StateMachineSafety", 15},
      {raft::Bug::ignore_higher_term, 3, 1, 1, 1, "RAFT-ElectionSafety", 6},
  };
  return cases;
}

}  // namespace lockstep::testing
