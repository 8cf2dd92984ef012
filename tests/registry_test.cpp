// The protocol registry (checker/registry.hpp): every protocol's entry is complete and
// consistent, and every seeded bug it lists is found, through the entry, at the bounds it
// records, violating the invariant it records, with a shortest trace of the length it records.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "checker/protocols/entry.hpp"
#include "checker/registry.hpp"

namespace lockstep {
namespace {

TEST(Registry, names_are_unique_and_found) {
  std::set<std::string> names;
  for (const ProtocolEntry& entry : protocols()) {
    EXPECT_TRUE(names.insert(entry.name).second) << entry.name;
    EXPECT_EQ(find_protocol(entry.name), &entry);
    EXPECT_FALSE(entry.description.empty()) << entry.name;
    EXPECT_TRUE(entry.check && entry.simulate && entry.model_from_json) << entry.name;
  }
  EXPECT_EQ(find_protocol("no-such-protocol"), nullptr);
  EXPECT_EQ(protocol_names().size(), protocols().size());
}

// The variants a swarm run may walk: every combination of the values of the options left to the
// defaults, the configured args first, less those the validation refuses; and every option an
// entry varies is one of its own.
TEST(Registry, swarm_variants_are_every_combination_with_the_configured_first) {
  ProtocolArgs args;
  args.values = {{"--a", 0}, {"--b", 3}, {"--c", 1}};
  const std::vector<ProtocolEntry::SwarmOption> swarm{{"--a", {0, 1}}, {"--b", {2}}, {"--c", {0, 1}}};
  const auto all = swarm_variants(swarm, args, {"--a", "--b"});
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all.front().values, args.values);
  std::set<std::map<std::string, int>> distinct;
  for (const ProtocolArgs& v : all) {
    distinct.insert(v.values);
    EXPECT_EQ(v.values.at("--c"), 1);  // not among the flags varied
  }
  EXPECT_EQ(distinct.size(), 4u);
  EXPECT_TRUE(distinct.count({{"--a", 1}, {"--b", 2}, {"--c", 1}}));
  const auto valid = swarm_variants(swarm, args, {"--a", "--b"},
                                    [](const ProtocolArgs& v) { return v.get("--b") == 2 ? "too few" : ""; });
  ASSERT_EQ(valid.size(), 2u);
  EXPECT_EQ(valid.front().values, args.values);
  EXPECT_EQ(swarm_variants(swarm, args, {}).size(), 1u);
  for (const ProtocolEntry& entry : protocols()) {
    for (const auto& option : entry.simulate_swarm) {
      const bool known = std::any_of(entry.options.begin(), entry.options.end(),
                                     [&](const OptionSpec& o) { return o.flag == option.flag; });
      EXPECT_TRUE(known) << entry.name << " " << option.flag;
    }
  }
}

// simulate's defaults and every rung of a --budget ladder are valid arguments, for the correct
// protocol and for every seeded bug (with the protocol choices the bug needs, e.g. the lock's
// consensus); flags kept by hand are left alone.
TEST(Registry, simulate_defaults_and_budget_rungs_are_valid_arguments) {
  for (const ProtocolEntry& entry : protocols()) {
    EXPECT_FALSE(entry.simulate_defaults.empty()) << entry.name;
    EXPECT_FALSE(entry.budget_ladder.empty()) << entry.name;
    std::vector<ProtocolArgs> starts{entry.defaults()};
    for (const BugSpec& bug : entry.bugs) {
      ProtocolArgs args = entry.defaults();
      args.bug = bug.name;
      for (std::size_t i = 0; i + 1 < bug.bounds.size(); ++i) {
        if (bug.bounds[i] == "--consensus") entry.apply_flags(args, {bug.bounds[i], bug.bounds[i + 1]});
      }
      starts.push_back(args);
    }
    for (const ProtocolArgs& start : starts) {
      ProtocolArgs simulate = start;
      entry.apply_flags(simulate, entry.simulate_defaults);
      EXPECT_EQ(entry.check_args(simulate), "") << entry.name << " " << start.bug;
      for (std::size_t r = 0; r < entry.budget_ladder.size(); ++r) {
        ProtocolArgs rung = start;
        entry.apply_flags(rung, entry.budget_ladder[r]);
        EXPECT_EQ(entry.check_args(rung), "") << entry.name << " " << start.bug << " rung " << r + 1;
      }
    }
    if (!entry.options.empty()) {  // a flag kept by hand keeps its value
      const std::string flag = entry.options.front().flag;
      ProtocolArgs kept = entry.defaults();
      kept.values[flag] = entry.options.front().min;
      entry.apply_flags(kept, {flag, std::to_string(entry.options.front().max)}, {flag});
      EXPECT_EQ(kept.get(flag), entry.options.front().min) << entry.name;
    }
  }
}

// A bug that lives in code one setting of a feature runs, or that one setting hides, is reached by
// `check --budget` as by swarm simulation: every setting a swarm run of Raft or Multi-Paxos may
// walk (pre-vote, check-quorum, a leader without its no-op) is some rung's. Bugs written by hand
// found so: a follower that reports its whole log as matching is hidden by the leader's no-op
// (a rung without it finds it in 0.1 s); a proposer that forgets its ballot in a crash is found
// only with clients that send to any node and obsolete messages kept (Paxos's fourth rung).
TEST(Registry, budget_ladders_reach_every_setting_swarm_runs_vary) {
  // Whether some rung of the entry's ladder (its flags over the defaults) satisfies `has`.
  const auto some_rung = [](const ProtocolEntry& entry, const auto& has) {
    return std::any_of(entry.budget_ladder.begin(), entry.budget_ladder.end(), [&](const std::vector<std::string>& flags) {
      ProtocolArgs rung = entry.defaults();
      entry.apply_flags(rung, flags);
      return has(rung);
    });
  };
  for (const char* name : {"raft", "multipaxos"}) {
    const ProtocolEntry& entry = *find_protocol(name);
    ASSERT_FALSE(entry.simulate_swarm.empty()) << name;
    for (const ProtocolEntry::SwarmOption& option : entry.simulate_swarm) {
      for (const int value : option.values) {
        EXPECT_TRUE(some_rung(entry, [&](const ProtocolArgs& rung) { return rung.get(option.flag) == value; }))
            << name << ": no rung has " << option.flag << " " << value;
      }
    }
  }
  const ProtocolEntry& paxos = *find_protocol("paxos");
  EXPECT_TRUE(some_rung(paxos, [](const ProtocolArgs& rung) { return rung.on("--any-node") && rung.on("--keep-obsolete"); }))
      << "no Paxos rung has clients that send to any node with obsolete messages kept";
  ProtocolArgs simulate = paxos.defaults();
  paxos.apply_flags(simulate, paxos.simulate_defaults);
  EXPECT_TRUE(simulate.on("--any-node"));
}

TEST(Registry, defaults_are_within_range_and_ranges_are_enforced) {
  for (const ProtocolEntry& entry : protocols()) {
    const ProtocolArgs defaults = entry.defaults();
    EXPECT_EQ(entry.check_args(defaults), "") << entry.name;
    for (const OptionSpec& option : entry.options) {
      ProtocolArgs args = defaults;
      args.values[option.flag] = option.max + 1;
      EXPECT_NE(entry.check_args(args).find(option.flag), std::string::npos) << entry.name << " " << option.flag;
      args.values[option.flag] = option.min - 1;
      EXPECT_NE(entry.check_args(args).find(option.flag), std::string::npos) << entry.name << " " << option.flag;
    }
    ProtocolArgs unknown = defaults;
    unknown.bug = "no-such-bug";
    EXPECT_NE(entry.check_args(unknown), "") << entry.name;
    EXPECT_THROW(entry.apply_flags(unknown, {"--no-such-flag", "1"}), std::invalid_argument) << entry.name;
  }
}

TEST(Registry, every_bounds_flag_of_every_bug_is_an_option_of_its_protocol) {
  for (const ProtocolEntry& entry : protocols()) {
    for (const BugSpec& bug : entry.bugs) {
      const ProtocolArgs args = entry.args_for_bug(bug.name);
      EXPECT_EQ(entry.check_args(args), "") << entry.name << " " << bug.name;
      EXPECT_EQ(args.bug, bug.name);
      EXPECT_FALSE(bug.description.empty()) << bug.name;
      EXPECT_GT(bug.trace_steps, 0u) << bug.name << ": say where it is found (a BugFound in checker/protocols/)";
    }
  }
}

TEST(Registry, every_seeded_bug_is_found_where_the_registry_says) {
  std::size_t bugs = 0;
  for (const ProtocolEntry& entry : protocols()) {
    for (const BugSpec& bug : entry.bugs) {
      ProtocolArgs args = entry.args_for_bug(bug.name);
      args.explore.workers = 2;
      const CheckReport report = entry.check(args);
      EXPECT_EQ(report.outcome, Outcome::violation) << entry.name << " " << bug.name;
      EXPECT_EQ(report.property, bug.invariant) << entry.name << " " << bug.name;
      EXPECT_EQ(report.trace_lines.size(), bug.trace_steps + 1) << entry.name << " " << bug.name;
      // The trace's model is rebuilt through the registry, as the trace tools do.
      const auto model = model_from_trace_meta(report.trace["#meta"]);
      EXPECT_EQ(model->protocol(), entry.name);
      ++bugs;
    }
  }
  EXPECT_GE(bugs, 9u);
}

TEST(Registry, correct_protocols_pass_at_their_defaults_or_small_bounds) {
  for (const ProtocolEntry& entry : protocols()) {
    ProtocolArgs args = entry.defaults();
    // Raft's defaults are tens of millions of states; a smaller run makes the same point.
    if (entry.name == "raft") entry.apply_flags(args, {"--max-term", "2", "--max-log", "1", "--requests", "1"});
    if (entry.name == "paxos") entry.apply_flags(args, {"--max-round", "1"});
    args.explore.workers = 2;
    const CheckReport report = entry.check(args);
    EXPECT_EQ(report.outcome, Outcome::ok) << entry.name;
    EXPECT_GT(report.stats.distinct_states, 100u) << entry.name;
  }
}

}  // namespace
}  // namespace lockstep
