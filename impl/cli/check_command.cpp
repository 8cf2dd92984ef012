// `lockstep check <protocol>`: exhaustive, bounded model checking.
//
//   lockstep check paxos      [--nodes N] [--values V] [--max-round R] [--crashes C] [--drops D]
//                             [--duplicates K] [--max-messages M] [--bug NAME|list] [common]
//   lockstep check paxos-tla  [--acceptors A] [--ballots B] [--values V] [common]
//   common: [--json] [--trace-out FILE] [--continue] [--max-depth D] [--workers K] [--quiet]
//
// Exit codes: 0 no violation; 1 violation (or vacuous: a "sometimes" property is never reached);
// 2 bad usage or input; 3 incomplete (stopped by the memory bound before exhausting the space).
#include <CLI/CLI.hpp>
#include <fmt/core.h>
#include <fmt/format.h>

#include <cstdio>
#include <iostream>
#include <string>
#include <optional>
#include <thread>

#include "checker/engine/partition.hpp"
#include "checker/registry.hpp"
#include "impl/cli/commands.hpp"

namespace lockstep::cli {

namespace {

struct CommonFlags {
  bool json = false;
  bool keep_going = false;
  bool quiet = false;
  std::string trace_out;
  int depth_max = 0;
  int workers = 0;
  std::string memory;
  bool symmetry = false;
  std::string strategy = "bfs";
  bool por = false;
  bool distributed = false;
};

void add_common_flags(CLI::App* command, CommonFlags& flags) {
  command->add_flag("--json", flags.json, "Print the result as one JSON object");
  command->add_option("--trace-out", flags.trace_out,
                      "Write the counterexample (ITF JSON) here [default: <protocol>[-<bug>].itf.json]");
  command->add_flag("--continue", flags.keep_going, "Keep exploring after the first violation and count them all");
  command->add_option("--max-depth", flags.depth_max, "Do not explore beyond this depth (0 = no bound)")
      ->check(CLI::Range(0, 1000000));
  command->add_flag("--quiet", flags.quiet, "No live progress on stderr");
  command->add_option("--strategy", flags.strategy,
                      "bfs: shortest counterexamples, every worker; dfs: depth-first to --max-depth (default 100), one worker")
      ->check(CLI::IsMember({"bfs", "dfs"}))
      ->capture_default_str();
  command->add_flag("--por", flags.por,
                    "Partial-order reduction (sleep sets): skip transitions whose other order was already taken");
  command->add_flag("--symmetry", flags.symmetry,
                    "Symmetry reduction: explore one state per renaming of interchangeable nodes (and values)");
  command->add_option("--memory", flags.memory,
                      "Bound the memory for visited states and the frontier (e.g. 512M, 4G); when full, stop with the "
                      "figures so far (exit 3)");
  command->add_option("--workers", flags.workers, "Threads exploring in parallel (0 = every core)")
      ->check(CLI::Range(0, 256))
      ->capture_default_str();
  command->add_flag("--distributed", flags.distributed,
                    "Spread the search over the processes of `mpirun -n N` (Open MPI), each owning a share of the "
                    "states; --workers and --memory are per process");
}

// "512M", "4G", "1.5G", "100000" (bytes). Throws UsageError otherwise.
std::size_t parse_size(const std::string& text) {
  std::size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    throw UsageError("--memory: expected a size such as 512M or 4G, got '" + text + "'");
  }
  const std::string unit = text.substr(used);
  double scale = 1;
  if (unit == "K" || unit == "k" || unit == "KiB") scale = 1024.0;
  else if (unit == "M" || unit == "m" || unit == "MiB") scale = 1024.0 * 1024;
  else if (unit == "G" || unit == "g" || unit == "GiB") scale = 1024.0 * 1024 * 1024;
  else if (!unit.empty()) throw UsageError("--memory: unknown unit '" + unit + "' (use K, M or G)");
  if (!(value > 0) || value * scale < 1024.0 * 1024) throw UsageError("--memory: must be at least 1M");
  return static_cast<std::size_t>(value * scale);
}

ExploreOptions explore_options(const CommonFlags& flags) {
  ExploreOptions options;
  if (!flags.memory.empty()) {
    const std::size_t memory = parse_size(flags.memory);
    options.frontier_memory = std::min(options.frontier_memory, memory / 8);
    options.memory_bytes_max = memory - options.frontier_memory;
  }
  options.keep_going = flags.keep_going;
  options.symmetry = flags.symmetry;
  options.strategy = flags.strategy == "dfs" ? Strategy::dfs : Strategy::bfs;
  options.por = flags.por;
  if (flags.por && flags.symmetry) throw UsageError("--por and --symmetry cannot be combined yet");
  if (flags.por && options.strategy == Strategy::dfs) throw UsageError("--por works with --strategy bfs");
  if (flags.distributed && options.strategy == Strategy::dfs) throw UsageError("--distributed works with --strategy bfs");
  if (flags.distributed && flags.por) throw UsageError("--distributed and --por cannot be combined yet");
  options.depth_max = static_cast<std::uint32_t>(flags.depth_max);
  if (options.strategy == Strategy::dfs && flags.depth_max == 0) options.depth_max = 100;
  options.progress = Progress::mode_for_stderr(flags.quiet || flags.json);
  options.workers = flags.workers > 0 ? static_cast<unsigned>(flags.workers) : std::max(1u, std::thread::hardware_concurrency());
  return options;
}

std::string group(std::uint64_t n) {
  std::string digits = std::to_string(n);
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) digits.insert(static_cast<std::size_t>(i), ",");
  return digits;
}

std::string bounds_text(const Json& bounds) {
  std::string text;
  for (const auto& [key, value] : bounds.items()) {
    if (!text.empty()) text += ' ';
    text += key + '=' + (value.is_null() ? std::string("none") : value.dump());
  }
  return text;
}

int exit_code_of(Outcome outcome) {
  switch (outcome) {
    case Outcome::ok: return exit_ok;
    case Outcome::violation:
    case Outcome::vacuous: return exit_violation;
    case Outcome::incomplete: return exit_incomplete;
  }
  return exit_violation;
}

// A distributed run's figures: per rank (what it owns, its memory, what it sent) and per level.
// What every rank sent, together; per state generated.
struct Shipped {
  std::uint64_t states = 0, bytes = 0;
  double bytes_per_state_generated = 0;
};
Shipped shipped(const CheckReport& report) {
  Shipped out;
  for (const RankFigures& r : report.ranks) {
    out.states += r.states_sent;
    out.bytes += r.bytes_sent;
  }
  out.bytes_per_state_generated =
      static_cast<double>(out.bytes) / static_cast<double>(std::max<std::uint64_t>(report.stats.states_generated, 1));
  return out;
}

Json distributed_json(const CheckReport& report) {
  Json ranks = Json::array();
  for (const RankFigures& r : report.ranks) {
    ranks.push_back({{"distinct_states", r.distinct_states},
                     {"states_generated", r.states_generated},
                     {"table_bytes", r.table_bytes},
                     {"frontier_bytes_peak", r.frontier_bytes_peak},
                     {"frontier_spilled_bytes", r.frontier_spilled_bytes},
                     {"bytes_per_state", r.bytes_per_state()},
                     {"states_sent", r.states_sent},
                     {"bytes_sent", r.bytes_sent}});
  }
  Json levels = Json::array();
  for (const LevelFigures& l : report.levels) {
    levels.push_back({{"depth", l.depth},
                      {"distinct_states", l.distinct_states},
                      {"states_sent", l.states_sent},
                      {"bytes_sent", l.bytes_sent},
                      {"rounds", l.rounds}});
  }
  const Shipped sent = shipped(report);
  return {{"ranks", report.ranks.size()},
          {"states_sent", sent.states},
          {"bytes_sent", sent.bytes},
          {"bytes_sent_per_state_generated", sent.bytes_per_state_generated},
          {"per_rank", std::move(ranks)},
          {"levels", std::move(levels)}};
}

void print_distributed(const CheckReport& report) {
  std::uint32_t rounds = 0;
  for (const LevelFigures& l : report.levels) rounds += l.rounds;
  const Shipped sent = shipped(report);
  fmt::print("  ranks      {} processes; {} states sent to their owners ({:.1f} MiB, {:.1f} bytes per state generated), "
             "{} exchanges\n",
             report.ranks.size(), group(sent.states), sent.bytes / 1048576.0, sent.bytes_per_state_generated, rounds);
  for (std::size_t i = 0; i < report.ranks.size(); ++i) {
    const RankFigures& r = report.ranks[i];
    fmt::print("    rank {:<3} {} distinct, {:.1f} bytes/state ({:.1f} MiB), sent {} states\n", i, group(r.distinct_states),
               r.bytes_per_state(), r.memory_bytes() / 1048576.0, group(r.states_sent));
  }
}

int report_and_exit(const CheckReport& report, const std::string& title, const CommonFlags& flags,
                    const std::string& default_trace) {
  std::string trace_path;
  std::string trace_error;
  if (!report.trace.is_null()) {
    trace_path = flags.trace_out.empty() ? default_trace : flags.trace_out;
    try {
      write_json_file(trace_path, report.trace);
    } catch (const std::exception& e) {
      trace_error = e.what();
      trace_path.clear();
    }
  }
  const double seconds = std::max(report.seconds, 1e-9);
  const double per_second = static_cast<double>(report.stats.states_generated) / seconds;
  const double distinct_per_second = static_cast<double>(report.stats.distinct_states) / seconds;
  const double bytes_per_state = all_in_bytes_per_state(report);
  if (flags.json) {
    Json out{{"protocol", report.protocol},
             {"result", std::string(outcome_name(report.outcome))},
             {"invariant", report.property.empty() ? Json(nullptr) : Json(report.property)},
             {"states_generated", report.stats.states_generated},
             {"distinct_states", report.stats.distinct_states},
             {"depth", report.stats.depth},
             {"seconds", report.seconds},
             {"states_per_second", per_second},
             {"distinct_states_per_second", distinct_per_second},
             {"bytes_per_state", bytes_per_state},
             {"table_bytes_per_state", table_bytes_per_state(report)},
             {"frontier_spilled_bytes", report.frontier_spilled_bytes},
             {"collision_probability", collision_probability(report)},
             {"trace", trace_path.empty() ? Json(nullptr) : Json(trace_path)},
             {"trace_length", report.trace_lines.size()},
             {"violations", report.violations},
             {"transitions_pruned", report.transitions_pruned},
             {"sometimes_unreached", report.sometimes_unreached},
             {"depth_bounded", report.depth_bounded},
             {"bounds", report.bounds}};
    if (!report.ranks.empty()) out["distributed"] = distributed_json(report);
    if (!report.stop_reason.empty()) out["stop_reason"] = report.stop_reason;
    if (!report.warning.empty()) out["warning"] = report.warning;
    if (!trace_error.empty()) out["trace_error"] = trace_error;
    fmt::print("{}\n", out.dump());
  } else {
    switch (report.outcome) {
      case Outcome::ok:
        fmt::print("{}: no violation{}\n", title,
                   report.depth_bounded ? " up to the depth bound" : " (every state within the bounds explored)");
        break;
      case Outcome::violation:
        fmt::print("{}: VIOLATION of {}\n", title, report.property);
        break;
      case Outcome::vacuous:
        fmt::print("{}: VACUOUS: no violation, but no state reaches {}, so the check proves little\n", title,
                   fmt::join(report.sometimes_unreached, ", "));
        break;
      case Outcome::incomplete:
        fmt::print("{}: INCOMPLETE: {} (no violation in what was explored)\n", title, report.stop_reason);
        break;
    }
    if (!report.warning.empty()) fmt::print("  warning    {}\n", report.warning);
    fmt::print("  bounds     {}\n", bounds_text(report.bounds));
    fmt::print("  states     {} generated, {} distinct, depth {}\n", group(report.stats.states_generated),
               group(report.stats.distinct_states), report.stats.depth);
    fmt::print("  time       {:.2f} s, {} states/s, {} distinct states/s\n", report.seconds,
               group(static_cast<std::uint64_t>(per_second)), group(static_cast<std::uint64_t>(distinct_per_second)));
    fmt::print("  memory     {:.1f} bytes/state all-in ({:.1f} in the fingerprint table){}\n", bytes_per_state,
               table_bytes_per_state(report),
               report.frontier_spilled_bytes == 0
                   ? std::string()
                   : fmt::format(", {:.1f} MiB of frontier spilled to disk", report.frontier_spilled_bytes / 1048576.0));
    if (!report.ranks.empty()) print_distributed(report);
    fmt::print("  collision  probability of a fingerprint collision: {:.1e} (optimistic, as TLC computes it)\n",
               collision_probability(report));
    if (report.violations > 1) fmt::print("  violations {} states violate a property\n", group(report.violations));
    if (report.transitions_pruned > 0) {
      fmt::print("  por        {} transitions not taken (their other order was)\n", group(report.transitions_pruned));
    }
    if (!report.trace_lines.empty()) {
      fmt::print("  trace      {} steps{}\n", report.trace_lines.size() - 1,
                 trace_path.empty() ? "" : ", written to " + trace_path);
      for (std::size_t i = 0; i < report.trace_lines.size(); ++i) {
        fmt::print("    {:>3}  {}\n", i, report.trace_lines[i]);
      }
    }
    if (!trace_error.empty()) fmt::print(stderr, "lockstep: {}\n", trace_error);
  }
  return exit_code_of(report.outcome);
}


struct SimulationFlags {
  std::uint64_t runs = 1000;
  std::uint32_t depth = 100;
  std::uint64_t seed = 1;
  bool swarm = false;
  bool no_shrink = false;
};

void add_simulation_flags(CLI::App* command, SimulationFlags& flags) {
  command->add_option("--runs", flags.runs, "Random walks")->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 40))->capture_default_str();
  command->add_option("--depth", flags.depth, "Steps per walk at most")->check(CLI::Range(1u, 1000000u))->capture_default_str();
  command->add_option("--seed", flags.seed, "Seed of run 0; run i uses seed+i")->capture_default_str();
  command->add_flag("--swarm", flags.swarm, "Swarm testing: each run draws its own mix of action kinds from its seed");
  command->add_flag("--no-shrink", flags.no_shrink, "Report a failing run as it is, without shrinking it");
}

SimulateOptions simulate_options(const CommonFlags& flags, const SimulationFlags& simulation) {
  SimulateOptions options;
  options.runs = simulation.runs;
  options.depth = simulation.depth;
  options.seed = simulation.seed;
  options.swarm = simulation.swarm;
  options.shrink = !simulation.no_shrink;
  options.progress = Progress::mode_for_stderr(flags.quiet || flags.json);
  options.workers = explore_options(flags).workers;
  return options;
}

// Writes the report's trace (if any) where asked; returns the path, or "" (with `error` set
// when the file could not be written).
std::string write_trace(const CheckReport& report, const CommonFlags& flags, const std::string& default_trace,
                        std::string& error) {
  if (report.trace.is_null()) return "";
  const std::string path = flags.trace_out.empty() ? default_trace : flags.trace_out;
  try {
    write_json_file(path, report.trace);
    return path;
  } catch (const std::exception& e) {
    error = e.what();
    return "";
  }
}

int simulation_exit(const CheckReport& report, const std::string& title, const CommonFlags& flags,
                    const std::string& default_trace) {
  std::string trace_error;
  const std::string trace_path = write_trace(report, flags, default_trace, trace_error);
  const SimulationFigures& sim = report.simulation;
  const double steps_per_second = static_cast<double>(report.stats.states_generated) / std::max(report.seconds, 1e-9);
  if (flags.json) {
    Json out{{"protocol", report.protocol},
             {"result", std::string(outcome_name(report.outcome))},
             {"invariant", report.property.empty() ? Json(nullptr) : Json(report.property)},
             {"seconds", report.seconds},
             {"steps_per_second", steps_per_second},
             {"trace", trace_path.empty() ? Json(nullptr) : Json(trace_path)},
             {"trace_length", report.trace_lines.empty() ? 0 : report.trace_lines.size() - 1},
             {"sometimes_unreached", report.sometimes_unreached},
             {"simulation", sim.to_json(report.outcome == Outcome::violation)},
             {"bounds", report.bounds}};
    if (!trace_error.empty()) out["trace_error"] = trace_error;
    fmt::print("{}\n", out.dump());
  } else {
    if (report.outcome == Outcome::violation) {
      fmt::print("{}: VIOLATION of {} in run {} (seed {})\n", title, report.property, sim.failing_run, sim.failing_seed);
    } else if (report.outcome == Outcome::vacuous) {
      fmt::print("{}: VACUOUS: no violation, but no walk reaches {}\n", title, fmt::join(report.sometimes_unreached, ", "));
    } else {
      fmt::print("{}: no violation in {} runs of up to {} steps\n", title, group(sim.runs), sim.depth);
    }
    fmt::print("  bounds     {}\n", bounds_text(report.bounds));
    fmt::print("  runs       {} ({} steps), seeds {}..., {}\n", group(sim.runs), group(report.stats.states_generated), sim.seed,
               sim.swarm ? "swarm" : "uniform action mix");
    fmt::print("  time       {:.2f} s, {} steps/s\n", report.seconds, group(static_cast<std::uint64_t>(steps_per_second)));
    if (report.outcome == Outcome::violation) {
      fmt::print("  trace      {} steps{} (the run had {}){}\n", report.trace_lines.size() - 1,
                 sim.shrunk ? " after shrinking" : "", sim.original_length,
                 trace_path.empty() ? "" : ", written to " + trace_path);
      fmt::print("  reproduce  the same command with --seed {} --runs 1\n", sim.failing_seed);
      for (std::size_t i = 0; i < report.trace_lines.size(); ++i) fmt::print("    {:>3}  {}\n", i, report.trace_lines[i]);
    }
    if (!trace_error.empty()) fmt::print(stderr, "lockstep: {}\n", trace_error);
  }
  if (report.outcome == Outcome::ok) return exit_ok;
  return exit_violation;
}

// --bug: "list" lists the seeded bugs, one a line; a name seeds it (checked with the other
// options). Returns an exit code to stop with, or nothing to go on.
std::optional<int> handle_bug(const ProtocolEntry& entry, ProtocolArgs& args, bool speak = true) {
  if (args.bug == "list") {
    if (speak && entry.bugs.empty()) fmt::print("{} has no seeded bugs\n", entry.name);
    for (const BugSpec& bug : entry.bugs) {
      if (speak) fmt::print("{}  {}\n", bug.name, bug.description);
    }
    return exit_ok;
  }
  if (const std::string error = entry.check_args(args); !error.empty()) {
    if (speak) fmt::print(stderr, "lockstep: {}\n", error);
    return exit_usage;
  }
  return std::nullopt;
}

// The protocol's own options (from its registry entry) on a `check` or `simulate` subcommand;
// `args` receives their values.
void add_protocol_options(CLI::App* command, const ProtocolEntry& entry, ProtocolArgs& args) {
  for (const OptionSpec& option : entry.options) {
    command->add_option(option.flag, args.values[option.flag], option.help)->capture_default_str();
  }
  for (const SwitchSpec& flag : entry.switches) {
    command->add_flag_callback(flag.flag, [&args, name = flag.flag] { args.switches.insert(name); }, flag.help);
  }
  for (const ChoiceSpec& choice : entry.choices) {
    command->add_option(choice.flag, args.choices[choice.flag], choice.help)
        ->check(CLI::IsMember(choice.choices))
        ->capture_default_str();
  }
  command->add_option("--bug", args.bug, "Seed a bug by name; `--bug list` lists them");
}

std::string run_title(const std::string& verb, const ProtocolArgs& args, const std::string& name) {
  return "lockstep " + verb + " " + name + (args.bug.empty() ? "" : " --bug " + args.bug);
}
std::string bug_suffix(const ProtocolArgs& args) { return args.bug.empty() ? "" : "-" + args.bug; }

// `check ... --distributed`, on every rank of `mpirun -n N`: the same search, each rank owning
// its share of the states; rank 0 prints the figures and writes the trace, every rank returns
// the same exit code. Bad usage is said once (by rank 0); a rank that fails mid-run says why
// and stops every rank (MPI_Abort), so none waits forever for it.
int check_distributed(const ProtocolEntry& entry, ProtocolArgs& args, const CommonFlags& flags) {
  std::unique_ptr<Partition> partition;
  try {
    partition = start_distributed();
  } catch (const std::exception& e) {  // built without MPI, or not started by mpirun as it needs
    fmt::print(stderr, "lockstep: {}\n", e.what());
    return exit_usage;
  }
  const bool first = partition->rank() == 0;
  try {
    if (auto stop = handle_bug(entry, args, first)) return *stop;
    args.explore = explore_options(flags);
  } catch (const UsageError& e) {
    if (first) fmt::print(stderr, "lockstep: {}\n", e.what());
    return exit_usage;
  }
  args.explore.partition = partition.get();
  if (!first) args.explore.progress = Progress::Mode::quiet;
  try {
    const CheckReport report = entry.check(args);
    if (first) {
      return report_and_exit(report, run_title("check", args, entry.name) + " --distributed", flags,
                             entry.name + bug_suffix(args) + ".itf.json");
    }
    return exit_code_of(report.outcome);
  } catch (const std::exception& e) {
    fmt::print(stderr, "lockstep: rank {} of {}: {}; stopping every rank\n", partition->rank(), partition->ranks(), e.what());
    std::fflush(stderr);
    partition->abort(exit_incomplete);
  }
  return exit_incomplete;  // not reached: abort() does not return
}

// Declares `check <name>` and `simulate <name>` for one registry entry, and what each runs.
void add_protocol(CLI::App* check, CLI::App* simulate, std::vector<Command>& commands, const ProtocolEntry& entry) {
  {
    auto args = std::make_shared<ProtocolArgs>(entry.defaults());
    auto flags = std::make_shared<CommonFlags>();
    CLI::App* command = check->add_subcommand(entry.name, entry.description);
    add_protocol_options(command, entry, *args);
    add_common_flags(command, *flags);
    commands.push_back({command, [=, &entry]() -> int {
                          if (flags->distributed) return check_distributed(entry, *args, *flags);
                          if (auto stop = handle_bug(entry, *args)) return *stop;
                          args->explore = explore_options(*flags);
                          return report_and_exit(entry.check(*args), run_title("check", *args, entry.name), *flags,
                                                 entry.name + bug_suffix(*args) + ".itf.json");
                        }});
  }
  {
    auto args = std::make_shared<ProtocolArgs>(entry.defaults());
    auto flags = std::make_shared<CommonFlags>();
    auto simulation = std::make_shared<SimulationFlags>();
    CLI::App* command = simulate->add_subcommand(entry.name, entry.description);
    add_protocol_options(command, entry, *args);
    add_simulation_flags(command, *simulation);
    command->add_flag("--json", flags->json, "Print the result as one JSON object");
    command->add_option("--trace-out", flags->trace_out,
                        "Write the failing run (ITF JSON) here [default: <protocol>[-<bug>]-simulation.itf.json]");
    command->add_flag("--quiet", flags->quiet, "No live progress on stderr");
    command->add_option("--workers", flags->workers, "Threads running walks in parallel (0 = every core)")
        ->check(CLI::Range(0, 256));
    commands.push_back({command, [=, &entry]() -> int {
                          if (auto stop = handle_bug(entry, *args)) return *stop;
                          return simulation_exit(entry.simulate(*args, simulate_options(*flags, *simulation)),
                                                 run_title("simulate", *args, entry.name), *flags,
                                                 entry.name + bug_suffix(*args) + "-simulation.itf.json");
                        }});
  }
}

}  // namespace

std::vector<Command> add_check_commands(CLI::App& root) {
  CLI::App* check = root.add_subcommand("check", "Model-check a protocol exhaustively within bounds");
  check->require_subcommand(1);
  CLI::App* simulate = root.add_subcommand("simulate", "Random walks through a protocol's model, every property on every state");
  simulate->require_subcommand(1);
  std::vector<Command> commands;
  for (const ProtocolEntry& entry : protocols()) add_protocol(check, simulate, commands, entry);

  // `lockstep protocols`: the registry, for people (text) and scripts (--json, --bugs).
  CLI::App* list = root.add_subcommand("protocols", "List the protocols, their options and their seeded bugs");
  auto json = std::make_shared<bool>(false);
  auto bugs = std::make_shared<bool>(false);
  list->add_flag("--json", *json, "The registry as one JSON array");
  list->add_flag("--bugs", *bugs, "One line per seeded bug: <protocol> <bug> <the flags that reach it>");
  commands.push_back({list, [=]() -> int {
                        if (*json) {
                          fmt::print("{}\n", registry_json().dump());
                        } else if (*bugs) {
                          for (const ProtocolEntry& entry : protocols()) {
                            for (const BugSpec& bug : entry.bugs) {
                              fmt::print("{} {}{}{}\n", entry.name, bug.name, bug.bounds.empty() ? "" : " ",
                                         fmt::join(bug.bounds, " "));
                            }
                          }
                        } else {
                          for (const ProtocolEntry& entry : protocols()) {
                            fmt::print("{}  {}\n", entry.name, entry.description);
                            for (const BugSpec& bug : entry.bugs) {
                              fmt::print("    --bug {}  ({}, {} steps{}{})\n", bug.name, bug.invariant, bug.trace_steps,
                                         bug.bounds.empty() ? " at the defaults" : " with ", fmt::join(bug.bounds, " "));
                            }
                          }
                        }
                        return exit_ok;
                      }});
  return commands;
}

}  // namespace lockstep::cli
