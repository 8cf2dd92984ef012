// The protocol registry (checker/registry.hpp): every protocol's entry is complete and
// consistent, and every seeded bug it lists is found, through the entry, at the bounds it
// records, violating the invariant it records, with a shortest trace of the length it records.
#include <gtest/gtest.h>

#include <set>

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
      EXPECT_GT(bug.trace_steps, 0u) << bug.name;
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
