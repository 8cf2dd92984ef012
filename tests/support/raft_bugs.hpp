// The seeded Raft bugs, each with the bounds that reach it, the invariant it breaks there and
// its shortest trace's length, as the protocol registry records them (checker/protocols/raft.cpp):
// shared by the tests that check every bug is found.
#pragma once

#include <string>
#include <vector>

#include "checker/protocols/entry.hpp"
#include "checker/protocols/raft.hpp"

namespace lockstep::testing {

struct RaftBugCase {
  raft::Bug bug;
  RaftCheckOptions bounds;  // the registry's bounds for the bug, the bug seeded
  std::string invariant;
  std::size_t trace_steps;  // actions in the shortest counterexample

  RaftCheckOptions options() const {
    RaftCheckOptions o = bounds;
    o.explore.workers = 2;
    return o;
  }
};

inline const std::vector<RaftBugCase>& raft_bug_cases() {
  static const std::vector<RaftBugCase> cases = [] {
    std::vector<RaftBugCase> out;
    const ProtocolEntry& raft = *find_protocol("raft");
    for (const BugSpec& spec : raft.bugs) {
      const RaftCheckOptions o = raft_options(raft.args_for_bug(spec.name));
      out.push_back({o.bug, o, spec.invariant, spec.trace_steps});
    }
    return out;
  }();
  return cases;
}

}  // namespace lockstep::testing
