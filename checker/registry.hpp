// The protocol registry: one entry per protocol that `lockstep` can check. Everything that names
// protocols reads it: the command line (`check`, `simulate`, their options, `--bug`,
// `lockstep protocols`), the trace tools (rebuilding a trace's model from its #meta), the tests
// (every seeded bug found at its bounds) and traces/regressions/regenerate.sh.
//
// An entry says, as data: the protocol's name and description; its integer options (flag, help,
// default, range) and switches; its seeded bugs, each with the smallest bounds that reach it, the
// invariant it breaks there and the length of its shortest counterexample; and, as functions,
// how to check, simulate and rebuild its model. Adding a protocol: its own folders (model/,
// spec/, checker/protocols/<name>.cpp defining its entry) and one line in checker/registry.cpp.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "checker/any_model.hpp"
#include "checker/report.hpp"

namespace lockstep {

// An integer option of a protocol: `--max-term 3`.
struct OptionSpec {
  std::string flag;
  std::string help;
  int default_value;
  int min;
  int max;
};

// A switch: `--any-node`.
struct SwitchSpec {
  std::string flag;
  std::string help;
};

// An option with named values: `--consensus raft`.
struct ChoiceSpec {
  std::string flag;
  std::string help;
  std::vector<std::string> choices;  // the first is the default
};

// A seeded bug and where the checker finds it.
struct BugSpec {
  std::string name;                 // as given to --bug: vote-not-durable
  std::string description;          // one line
  std::vector<std::string> bounds;  // the flags that reach it (empty: the defaults)
  std::string invariant;            // the property it violates there
  std::size_t trace_steps;          // actions in the shortest counterexample there
};

// The values of a protocol's options for one run.
struct ProtocolArgs {
  std::map<std::string, int> values;  // every OptionSpec, by flag
  std::set<std::string> switches;     // the switches given
  std::map<std::string, std::string> choices;  // every ChoiceSpec, by flag
  std::string bug;                    // "" (the correct protocol) or a BugSpec name
  ExploreOptions explore;

  int get(const std::string& flag) const;
  bool on(const std::string& flag) const { return switches.count(flag) > 0; }
  const std::string& choice(const std::string& flag) const;
};

struct ProtocolEntry {
  std::string name;
  std::string description;
  std::vector<OptionSpec> options;
  std::vector<SwitchSpec> switches;
  std::vector<ChoiceSpec> choices;
  std::vector<BugSpec> bugs;
  // `simulate`'s defaults where they differ from `check`'s, as flags ("--max-term", "6", ...):
  // random walks do not pay for width, so they go to bounds far beyond what an exhaustive search
  // can enumerate (more terms, requests, messages in flight and faults), and a switch on by default
  // shows as given, with `--no-<switch>` to turn it off (simulate keeps obsolete messages).
  std::vector<std::string> simulate_defaults;
  // `simulate`'s default number of walks: as many as take some seconds at simulate_defaults, so
  // that a rare story (the lock's fencing bug: a mean of about 13,000 walks) is walked too.
  std::uint64_t simulate_runs = 10000;
  // The options a swarm run of `simulate` may set otherwise, each as its seed draws, where the
  // command line does not give them: the protocol's switches (pre-vote, check-quorum, a leader's
  // no-op: 0 or 1) and small scopes (fewer clients). A bug that one setting of a feature hides
  // (a lost vote, under pre-vote's extra round trip) is then reached by some runs whatever the
  // defaults are. Each with the values it may take besides its own.
  struct SwarmOption {
    std::string flag;
    std::vector<int> values;
  };
  std::vector<SwarmOption> simulate_swarm;
  // `check --budget`: the bounds deepened in turn, rung by rung (each as flags over the defaults),
  // each explored exhaustively while the budget lasts. Small first, so that a bug is found at the
  // smallest bounds that reach it, with a short trace.
  std::vector<std::vector<std::string>> budget_ladder;
  // Checks beyond each option's range ("" when the combination is fine).
  std::function<std::string(const ProtocolArgs&)> validate;
  std::function<CheckReport(const ProtocolArgs&)> check;
  std::function<CheckReport(const ProtocolArgs&, const SimulateOptions&)> simulate;
  // The model a run with these args checks (for --list-properties).
  std::function<std::unique_ptr<AnyModel>(const ProtocolArgs&)> model;
  // Rebuilds the model from a trace's #meta.model (JsonError when it does not decode).
  std::function<std::unique_ptr<AnyModel>(const Json&)> model_from_json;

  // Every option at its default, no switch, no bug.
  ProtocolArgs defaults() const;
  const BugSpec* find_bug(std::string_view bug) const;
  // The defaults with a bug seeded at the bounds that reach it. Throws std::invalid_argument for
  // an unknown bug.
  ProtocolArgs args_for_bug(std::string_view bug) const;
  // Applies command-line style flags ("--max-term", "4", "--any-node", ...) to `args`; throws
  // std::invalid_argument for an unknown flag or a value that is not a number. Flags in `keep`
  // (e.g. the ones a user gave) are read but leave args as they are.
  void apply_flags(ProtocolArgs& args, const std::vector<std::string>& flags, const std::set<std::string>& keep = {}) const;
  // Every option within its range, the bug known, then `validate`: "" or one line.
  std::string check_args(const ProtocolArgs& args) const;
};

// The registry, in the order `lockstep check --help` lists the protocols.
const std::vector<ProtocolEntry>& protocols();
// nullptr when no protocol has that name.
const ProtocolEntry* find_protocol(std::string_view name);
std::vector<std::string> protocol_names();
// The registry as JSON (`lockstep protocols --json`): names, options with defaults and ranges,
// switches, bugs with their bounds, invariants and trace lengths.
Json registry_json();

// Helpers for entries: a seeded bug's flag name (vote_not_durable -> vote-not-durable), and the
// BugSpecs of an enum declared with LOCKSTEP_ENUM whose first value is `none`.
std::string flag_name(std::string_view enum_name);

}  // namespace lockstep
