// `lockstep check <protocol>`: exhaustive, bounded model checking.
//
//   lockstep check paxos      [--nodes N] [--values V] [--max-round R] [--crashes C] [--drops D]
//                             [--duplicates K] [--max-messages M] [--bug NAME|list] [common]
//   lockstep check paxos-tla  [--acceptors A] [--ballots B] [--values V] [common]
//   common: [--json] [--trace-out FILE] [--continue] [--max-depth D] [--workers K] [--quiet]
//           [--checkpoint DIR [--checkpoint-every 10m]] [--resume DIR] ...
//
// Exit codes: 0 no violation; 1 violation (or vacuous: a "sometimes" property is never reached);
// 2 bad usage or input (a bad checkpoint too); 3 incomplete (stopped by a memory or disk bound, or
// interrupted, before exhausting the space).
#include <CLI/CLI.hpp>
#include <fmt/core.h>
#include <fmt/format.h>

#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <set>
#include <string>
#include <optional>
#include <thread>

#include "checker/engine/partition.hpp"
#include "checker/registry.hpp"
#include "checker/engine/deadline.hpp"
#include "impl/cli/commands.hpp"

namespace lockstep::cli {

// --bug: "list" lists the seeded bugs, one a line; a name seeds it (checked with the other
// options). Returns an exit code to stop with, or nothing to go on.
std::optional<int> handle_bug(const ProtocolEntry& entry, ProtocolArgs& args, bool speak) {
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
    if (!args.on(flag.flag)) {
      command->add_flag_callback(flag.flag, [&args, name = flag.flag] { args.switches.insert(name); }, flag.help);
      continue;
    }
    // On by this subcommand's defaults (simulate's --keep-obsolete): accepted as given, and
    // `--no-<switch>` turns it off.
    const std::string off = "--no-" + flag.flag.substr(2);
    command->add_flag_callback(flag.flag, [] {}, flag.help + " [on by default; " + off + " turns it off]");
    command->add_flag_callback(off, [&args, name = flag.flag] { args.switches.erase(name); }, "Turn " + flag.flag + " off")
        ->excludes(flag.flag);
  }
  for (const ChoiceSpec& choice : entry.choices) {
    command->add_option(choice.flag, args.choices[choice.flag], choice.help)
        ->check(CLI::IsMember(choice.choices))
        ->capture_default_str();
  }
  command->add_option("--bug", args.bug, "Seed a bug by name; `--bug list` lists them");
}

namespace {

struct CommonFlags {
  bool json = false;
  bool keep_going = false;
  bool quiet = false;
  std::string trace_out;
  int depth_max = 0;
  int workers = 0;
  std::string memory;
  std::uint64_t expected_states = 0;
  std::string spill_dir;
  std::string spill_max;
  bool coverage = false;
  bool list_properties = false;
  std::vector<std::string> properties;
  bool symmetry = false;
  std::string strategy = "bfs";
  bool por = false;
  bool distributed = false;
  std::string checkpoint;
  std::string checkpoint_every;  // "" = 10m
  std::string resume;
  std::string budget;  // --budget: "" = one run at the given bounds
};

// --property NAME (repeatable) and --list-properties, on check and simulate.
void add_property_flags(CLI::App* command, CommonFlags& flags) {
  command->add_option("--property", flags.properties,
                      "Check only this property (repeatable; see --list-properties) [default: every one]")
      ->allow_extra_args(false);
  command->add_flag("--list-properties", flags.list_properties,
                    "List the model's properties (name, kind, description) and exit");
}

void add_common_flags(CLI::App* command, CommonFlags& flags) {
  command->add_flag("--json", flags.json, "Print the result as one JSON object");
  command->add_option("--trace-out", flags.trace_out,
                      "Write the counterexample (ITF JSON) here [default: <protocol>[-<bug>].itf.json]");
  command->add_flag("--continue", flags.keep_going, "Keep exploring after the first violation and count them all");
  command->add_option("--max-depth", flags.depth_max, "Explore only states at most this many steps from an initial state (0 = no bound)")
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
  command->add_option("--expect-states", flags.expected_states,
                      "Start the fingerprint table with room for this many states (as SPIN's -w sizes its hash "
                      "table), within --memory; it still grows past them [default: room for about a million]")
      ->check(CLI::Range(std::uint64_t{0}, std::uint64_t{4000000000}));
  command->add_option("--spill-dir", flags.spill_dir,
                      "Where the frontier beyond its memory budget is written [default: $TMPDIR, else /tmp]");
  command->add_option("--spill-max", flags.spill_max,
                      "Bound the disk the spilled frontier takes (e.g. 20G); when full, stop with the figures so far "
                      "(exit 3)");
  command->add_flag("--coverage", flags.coverage, "Print how often each kind of action fired");
  command->add_option("--checkpoint", flags.checkpoint,
                      "Write a checkpoint into this folder every --checkpoint-every, and when interrupted (Ctrl-C, "
                      "SIGTERM); go on from it with --resume");
  command->add_option("--checkpoint-every", flags.checkpoint_every,
                      "How often to checkpoint: 30s, 10m, 2h (a bare number is minutes; 0 = every level); at the end "
                      "of the first level after that long [default: 10m]");
  command->add_option("--resume", flags.resume,
                      "Go on from the checkpoint in this folder (same protocol, bounds and search options), and keep "
                      "checkpointing there");
  add_property_flags(command, flags);
  command->add_option("--workers", flags.workers, "Threads exploring in parallel (0 = every core)")
      ->check(CLI::Range(0, 256))
      ->capture_default_str();
  command->add_option("--budget", flags.budget,
                      "Deepen the bounds in turn (the protocol's ladder: terms, logs, requests, messages in flight, faults), "
                      "each exhaustively, while this time lasts (30s, 10m, 2h); bounds given by hand stay fixed");
  command->add_flag("--distributed", flags.distributed,
                    "Spread the search over the processes of `mpirun -n N` (Open MPI), each owning a share of the "
                    "states; --workers and --memory are per process");
}

// Ctrl-C and SIGTERM ask a run to stop with the figures so far (exit 3, "interrupted"); a second
// one ends the process at once (SA_RESETHAND).
std::atomic<bool> interrupt_requested{false};
static_assert(std::atomic<bool>::is_always_lock_free, "set from a signal handler");
extern "C" void on_interrupt(int) { interrupt_requested.store(true); }
void stop_on_signals() {
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESETHAND;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

}  // namespace

std::size_t parse_size(const std::string& flag, const std::string& text) {
  std::size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    throw UsageError(flag + ": expected a size such as 512M or 4G, got '" + text + "'");
  }
  const std::string unit = text.substr(used);
  double scale = 1;
  if (unit == "K" || unit == "k" || unit == "KiB") scale = 1024.0;
  else if (unit == "M" || unit == "m" || unit == "MiB") scale = 1024.0 * 1024;
  else if (unit == "G" || unit == "g" || unit == "GiB") scale = 1024.0 * 1024 * 1024;
  else if (unit == "T" || unit == "t" || unit == "TiB") scale = 1024.0 * 1024 * 1024 * 1024;
  else if (!unit.empty()) throw UsageError(flag + ": unknown unit '" + unit + "' (use K, M, G or T)");
  if (!(value > 0) || value * scale < 1024.0 * 1024) throw UsageError(flag + ": must be at least 1M, got '" + text + "'");
  // Past this a size means nothing on any machine (and would overflow the conversion).
  if (!(value * scale <= 1024.0 * 1024 * 1024 * 1024 * 1024)) throw UsageError(flag + ": must be at most 1024T, got '" + text + "'");
  return static_cast<std::size_t>(value * scale);
}

namespace {

// "30s", "10m", "2h", "1.5h"; a bare number is minutes (as TLC's -checkpoint). Throws UsageError.
double parse_duration(const std::string& flag, const std::string& text) {
  std::size_t used = 0;
  double value = -1;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    throw UsageError(flag + ": expected a duration such as 30s, 10m or 2h, got '" + text + "'");
  }
  const std::string unit = text.substr(used);
  double scale = 0;
  if (unit == "s") scale = 1;
  else if (unit == "m" || unit.empty()) scale = 60;
  else if (unit == "h") scale = 3600;
  else throw UsageError(flag + ": unknown unit '" + unit + "' (use s, m or h)");
  if (!(value >= 0) || !(value * scale <= 366.0 * 24 * 3600)) {
    throw UsageError(flag + ": must be from 0 to a year, got '" + text + "'");
  }
  return value * scale;
}

// --checkpoint DIR, --checkpoint-every, --resume DIR: breadth-first in one process, no --por.
void checkpoint_options(const CommonFlags& flags, ExploreOptions& options) {
  const bool any = !flags.checkpoint.empty() || !flags.resume.empty();
  if (!flags.checkpoint_every.empty()) {
    if (!any) throw UsageError("--checkpoint-every needs --checkpoint DIR (or --resume DIR)");
    options.checkpoint.every_seconds = parse_duration("--checkpoint-every", flags.checkpoint_every);
  }
  if (!any) return;
  const char* flag = flags.resume.empty() ? "--checkpoint" : "--resume";
  if (options.strategy == Strategy::dfs) throw UsageError(std::string(flag) + " works with --strategy bfs");
  if (flags.distributed) throw UsageError(std::string(flag) + " and --distributed cannot be combined yet");
  if (flags.por) throw UsageError(std::string(flag) + " and --por cannot be combined yet");
  if (!flags.checkpoint.empty() && !flags.resume.empty() && flags.checkpoint != flags.resume) {
    throw UsageError("--resume goes on checkpointing into its own folder: give --checkpoint the same folder, or leave it out");
  }
  options.checkpoint.dir = flags.resume.empty() ? flags.checkpoint : flags.resume;
  options.checkpoint.resume = !flags.resume.empty();
  if (!options.checkpoint.resume) {
    try {
      prepare_checkpoint_dir(options.checkpoint.dir);
    } catch (const std::exception& e) {
      throw UsageError(std::string("--checkpoint: ") + e.what());
    }
    struct stat st {};
    if (::stat((options.checkpoint.dir + "/checkpoint.json").c_str(), &st) == 0) {
      throw UsageError("--checkpoint: " + options.checkpoint.dir +
                       " holds a checkpoint already: go on from it with --resume, or give another folder");
    }
  }
}

// What shapes the state space, which a resumed run must share with the run that wrote the
// checkpoint: the build, the protocol with its options and bug, the properties checked and the
// search's reductions.
Json checkpoint_identity(const ProtocolEntry& entry, const ProtocolArgs& args, const ExploreOptions& explore) {
  Json switches = Json::array();
  for (const std::string& s : args.switches) switches.push_back(s);
  return Json{{"lockstep", version_text()},
              {"protocol", entry.name},
              {"bug", args.bug},
              {"options", args.values},
              {"switches", std::move(switches)},
              {"choices", args.choices},
              {"properties", explore.properties},
              {"symmetry", explore.symmetry},
              {"max_depth", explore.depth_max},
              {"continue", explore.keep_going},
              {"coverage", explore.coverage}};
}

}  // namespace

std::size_t usable_memory() {
  const long pages = ::sysconf(_SC_PHYS_PAGES);
  const long page = ::sysconf(_SC_PAGESIZE);
  std::size_t bytes = pages > 0 && page > 0 ? static_cast<std::size_t>(pages) * static_cast<std::size_t>(page) : 0;
  for (const char* path : {"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"}) {
    std::ifstream in(path);
    std::size_t limit = 0;
    if (in >> limit && limit > 0 && (bytes == 0 || limit < bytes)) bytes = limit;  // "max" reads as nothing
  }
  return bytes;
}

namespace {

// With no --memory, the frontier keeps a thirty-second of the usable memory in memory (16 MiB to
// 1 GiB) before it spills to disk: a wide level read back from disk costs about a tenth of the
// search (paxos-tla ballots 0..3 writes 328 MB with 16 MiB in memory, and nothing with 256 MiB).
std::size_t default_frontier_memory() {
  constexpr std::size_t floor = std::size_t{16} << 20;
  constexpr std::size_t ceiling = std::size_t{1} << 30;
  return std::clamp(usable_memory() / 32, floor, ceiling);
}

ExploreOptions explore_options(const CommonFlags& flags) {
  ExploreOptions options;
  options.frontier_memory = default_frontier_memory();
  if (!flags.memory.empty()) {
    const std::size_t memory = parse_size("--memory", flags.memory);
    // Under --memory the frontier keeps at most 16 MiB (an eighth of the bound when smaller): the
    // bound is spent on the fingerprint table, which cannot spill.
    options.frontier_memory = std::min(ExploreOptions{}.frontier_memory, memory / 8);
    options.memory_bytes_max = memory - options.frontier_memory;
  }
  options.expected_states = flags.expected_states;
  if (!flags.spill_max.empty()) options.spill_bytes_max = parse_size("--spill-max", flags.spill_max);
  if (!flags.spill_dir.empty()) {
    struct stat st {};
    if (::stat(flags.spill_dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      throw UsageError("--spill-dir: " + flags.spill_dir + " is not a folder");
    }
    options.spill_dir = flags.spill_dir;
  }
  options.keep_going = flags.keep_going;
  options.coverage = flags.coverage;
  options.properties = flags.properties;
  options.symmetry = flags.symmetry;
  options.strategy = flags.strategy == "dfs" ? Strategy::dfs : Strategy::bfs;
  options.por = flags.por;
  if (flags.por && flags.symmetry) throw UsageError("--por and --symmetry cannot be combined yet");
  if (flags.por && options.strategy == Strategy::dfs) throw UsageError("--por works with --strategy bfs");
  if (flags.distributed && options.strategy == Strategy::dfs) throw UsageError("--distributed works with --strategy bfs");
  if (flags.distributed && flags.por) throw UsageError("--distributed and --por cannot be combined yet");
  if (flags.coverage && (flags.distributed || options.strategy == Strategy::dfs)) {
    throw UsageError("--coverage works with --strategy bfs in one process");
  }
  options.depth_max = static_cast<std::uint32_t>(flags.depth_max);
  if (options.strategy == Strategy::dfs && flags.depth_max == 0) options.depth_max = 100;
  options.progress = Progress::mode_for_stderr(flags.quiet || flags.json);
  // (A distributed run is stopped by mpirun's own signal handling: every rank at once.)
  if (!flags.distributed) options.interrupt = &interrupt_requested;
  options.workers = flags.workers > 0 ? static_cast<unsigned>(flags.workers) : std::max(1u, std::thread::hardware_concurrency());
  checkpoint_options(flags, options);
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

// The option's key in the bounds: --any-node -> any_node.
std::string bound_key(const std::string& flag) {
  std::string key = flag.substr(flag.find_first_not_of('-'));
  std::replace(key.begin(), key.end(), '-', '_');
  return key;
}

// The protocol's switches and choices, beside its numbers in the bounds (`any_node=true`).
void add_switches_and_choices(const ProtocolEntry& entry, const ProtocolArgs& args, Json& bounds) {
  for (const SwitchSpec& flag : entry.switches) bounds[bound_key(flag.flag)] = args.on(flag.flag);
  for (const ChoiceSpec& choice : entry.choices) bounds[bound_key(choice.flag)] = args.choice(choice.flag);
}

std::string size_text(std::size_t bytes) {
  if (bytes >= (std::size_t{1} << 30)) return fmt::format("{:.2f} GiB", static_cast<double>(bytes) / (1 << 30));
  if (bytes >= (std::size_t{1} << 20)) return fmt::format("{:.1f} MiB", static_cast<double>(bytes) / (1 << 20));
  return fmt::format("{:.1f} KiB", static_cast<double>(bytes) / (1 << 10));
}

// Every option that shapes a run, reported in the three places (the bounds line, the JSON, the
// trace's #meta): the protocol's switches and choices beside its numbers, and how the search ran.
// (The workers go to the JSON and the text only: the trace does not depend on them.)
void complete_report(const ProtocolEntry& entry, const ProtocolArgs& args, const CommonFlags& flags,
                     const ExploreOptions& explore, CheckReport& report) {
  add_switches_and_choices(entry, args, report.bounds);
  report.search = Json{{"strategy", explore.strategy == Strategy::dfs ? "dfs" : "bfs"},
                       {"por", explore.por},
                       {"symmetry", explore.symmetry},
                       {"max_depth", explore.depth_max == 0 ? Json(nullptr) : Json(explore.depth_max)},
                       {"continue", explore.keep_going},
                       {"memory_bytes", flags.memory.empty() ? Json(nullptr) : Json(explore.memory_bytes_max + explore.frontier_memory)},
                       {"spill_dir", explore.spill_dir.empty() ? Json(nullptr) : Json(explore.spill_dir)},
                       {"spill_max_bytes", explore.spill_bytes_max == 0 ? Json(nullptr) : Json(explore.spill_bytes_max)}};
  if (report.trace.is_object()) {
    report.trace["#meta"]["bounds"] = report.bounds;
    report.trace["#meta"]["search"] = report.search;
  }
  report.search["workers"] = explore.workers;
  if (explore.partition != nullptr) report.search["ranks"] = explore.partition->ranks();
}

std::string search_text(const Json& search) {
  std::string text = fmt::format("{}, {} worker{}", search["strategy"].get<std::string>(), search["workers"].get<unsigned>(),
                                 search["workers"] == 1 ? "" : "s");
  if (search.contains("ranks")) text += fmt::format(" on each of {} ranks", search["ranks"].get<int>());
  text += search["por"].get<bool>() ? ", por on" : ", por off";
  text += search["symmetry"].get<bool>() ? ", symmetry on" : ", symmetry off";
  if (search["continue"].get<bool>()) text += ", continue after violations";
  text += search["memory_bytes"].is_null() ? ", memory unbounded" : ", memory at most " + size_text(search["memory_bytes"]);
  text += ", spill to " + (search["spill_dir"].is_null() ? std::string("$TMPDIR or /tmp") : search["spill_dir"].get<std::string>());
  if (!search["spill_max_bytes"].is_null()) text += " (at most " + size_text(search["spill_max_bytes"]) + ")";
  return text;
}

// The process's peak resident memory (Linux: ru_maxrss in KiB).
std::size_t peak_resident_bytes() {
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<std::size_t>(usage.ru_maxrss) * 1024;
}

// Why the trace's last state breaks its property, in the words `show` uses (after the trace).
void print_why(const CheckReport& report) {
  for (std::size_t i = 0; i < report.why.size(); ++i) fmt::print("  {} {}\n", i == 0 ? "why       " : "          ", report.why[i]);
}

// Why states were not expanded, for the verdict: "3 states not expanded: more than 3 messages in flight".
std::vector<std::string> cut_lines(const CheckReport& report) {
  std::vector<std::string> lines;
  if (report.states_beyond_bounds > 0) {
    const std::string why = report.bounds.contains("max_messages")
                                ? fmt::format("more than {} messages in flight (--max-messages)", report.bounds["max_messages"].dump())
                                : "beyond the model's bounds";
    lines.push_back(fmt::format("{} states not expanded: {}", group(report.states_beyond_bounds), why));
  }
  if (report.states_at_depth_bound > 0) {
    lines.push_back(fmt::format("{} states not expanded: at the depth bound ({} steps, --max-depth)",
                                group(report.states_at_depth_bound), report.search.value("max_depth", Json()).dump()));
  }
  return lines;
}

Json checkpoint_json(const CheckpointFigures& c) {
  Json out{{"dir", c.dir},
           {"written", c.written},
           {"seconds_writing", c.seconds_writing},
           {"resumed", c.resumed},
           {"error", c.error.empty() ? Json(nullptr) : Json(c.error)}};
  if (c.resumed) {
    out["resumed_depth"] = c.resumed_depth;
    out["resumed_distinct_states"] = c.resumed_distinct;
  }
  if (c.written > 0) {
    out["last_depth"] = c.last_depth;
    out["last_mid_level"] = c.last_mid_level;
    out["last_bytes"] = c.last_bytes;
  }
  return out;
}

// "resumed at depth 12 (1,234 distinct states); 3 written to DIR (the last inside the level at
// depth 14, 2.1 MiB), 0.4 s; go on with --resume DIR"
std::string checkpoint_text(const CheckReport& report) {
  const CheckpointFigures& c = report.checkpoint;
  std::string text;
  if (c.resumed) text = fmt::format("resumed at depth {} ({} distinct states); ", c.resumed_depth, group(c.resumed_distinct));
  if (c.written == 0) {
    text += "none written to " + c.dir;
  } else {
    text += fmt::format("{} written to {} (the last {} depth {}, {}), {:.2f} s", c.written, c.dir,
                        c.last_mid_level ? "inside the level at" : "at the start of", c.last_depth, size_text(c.last_bytes),
                        c.seconds_writing);
  }
  if (!c.error.empty()) text += "; the last attempt failed: " + c.error;
  if (report.outcome == Outcome::incomplete && c.written > 0) text += "; go on with --resume " + c.dir;
  return text;
}

int report_and_exit(const CheckReport& report, const std::string& title, const CommonFlags& flags,
                    const std::string& default_trace, const Json& extra_json = Json(nullptr),
                    const std::vector<std::string>& extra_lines = {}) {
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
  const std::size_t peak_resident = peak_resident_bytes();
  const double resident_per_state =
      static_cast<double>(peak_resident) / static_cast<double>(std::max<std::uint64_t>(report.stats.distinct_states, 1));
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
             {"trace_length", report.trace_lines.empty() ? 0 : report.trace_lines.size() - 1},  // steps
             {"why", report.why},
             {"violations", report.violations},
             {"violations_by_property", report.violations_by_property},
             {"transitions_pruned", report.transitions_pruned},
             {"sometimes_unreached", report.sometimes_unreached},
             {"depth_bounded", report.depth_bounded},
             {"states_beyond_bounds", report.states_beyond_bounds},
             {"states_at_depth_bound", report.states_at_depth_bound},
             {"not_expanded", cut_lines(report)},
             {"table_bytes", report.table_bytes},
             {"frontier_bytes_peak", report.frontier_bytes_peak},
             {"peak_resident_bytes", peak_resident},
             {"resident_bytes_per_state", resident_per_state},
             {"bounds", report.bounds},
             {"search", report.search}};
    if (flags.coverage) out["coverage"] = report.coverage;
    if (!report.ranks.empty()) out["distributed"] = distributed_json(report);
    if (!report.stop_reason.empty()) out["stop_reason"] = report.stop_reason;
    if (!report.warning.empty()) out["warning"] = report.warning;
    if (!report.checkpoint.dir.empty()) out["checkpoint"] = checkpoint_json(report.checkpoint);
    if (!trace_error.empty()) out["trace_error"] = trace_error;
    if (extra_json.is_object()) out.update(extra_json);
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
    for (const std::string& line : cut_lines(report)) fmt::print("  cut        {}\n", line);
    fmt::print("  bounds     {}\n", bounds_text(report.bounds));
    fmt::print("  search     {}\n", search_text(report.search));
    fmt::print("  states     {} generated, {} distinct, depth {} steps\n", group(report.stats.states_generated),
               group(report.stats.distinct_states), report.stats.depth);
    fmt::print("  time       {:.2f} s, {} states/s, {} distinct states/s\n", report.seconds,
               group(static_cast<std::uint64_t>(per_second)), group(static_cast<std::uint64_t>(distinct_per_second)));
    fmt::print("  memory     fingerprint table {} ({:.1f} bytes/state), frontier in memory {} at its widest "
               "({:.1f} bytes/state with the table), frontier spilled to disk {}; peak resident {} ({:.1f} bytes/state)\n",
               size_text(report.table_bytes), table_bytes_per_state(report), size_text(report.frontier_bytes_peak),
               bytes_per_state, size_text(report.frontier_spilled_bytes), size_text(peak_resident), resident_per_state);
    if (!report.ranks.empty()) print_distributed(report);
    if (!report.checkpoint.dir.empty()) fmt::print("  checkpoint {}\n", checkpoint_text(report));
    fmt::print("  collision  probability of a fingerprint collision: {:.1e} (optimistic, as TLC computes it)\n",
               collision_probability(report));
    if (report.violations > 1) {
      // --continue: how many under each property (a state under the first it breaks, in the
      // order --list-properties gives).
      std::string by;
      for (const auto& [name, n] : report.violations_by_property) by += (by.empty() ? "" : "; ") + name + " " + group(n);
      fmt::print("  violations {} states violate a property{}\n", group(report.violations),
                 by.empty() ? "" : ": " + by + " (each under the first it breaks)");
    }
    if (report.transitions_pruned > 0) {
      fmt::print("  por        {} transitions not taken (their other order was)\n", group(report.transitions_pruned));
    }
    if (flags.coverage) {
      fmt::print("  coverage   transitions per kind of action{}\n", report.coverage.empty() ? ": none" : "");
      for (const auto& [kind, n] : report.coverage) fmt::print("    {:>14}  {}\n", group(n), kind);
    }
    if (!report.trace_lines.empty()) {
      fmt::print("  trace      {} steps{}\n", report.trace_lines.size() - 1,
                 trace_path.empty() ? "" : ", written to " + trace_path);
      for (std::size_t i = 0; i < report.trace_lines.size(); ++i) {
        fmt::print("    {:>3}  {}\n", i, report.trace_lines[i]);
      }
      print_why(report);
    }
    for (const std::string& line : extra_lines) fmt::print("{}\n", line);
    if (!trace_error.empty()) fmt::print(stderr, "lockstep: {}\n", trace_error);
  }
  return exit_code_of(report.outcome);
}


struct SimulationFlags {
  // The protocol's default walks (ProtocolEntry::simulate_runs) of 100 steps at the wide simulate
  // bounds: seconds, and every seeded bug found (tests/defaults_test.cpp).
  std::uint64_t runs = 10000;
  std::uint32_t depth = 100;
  std::string seed = "1";
  bool swarm = false;
  std::string mix = "mixed";
  bool no_shrink = false;
};

void add_simulation_flags(CLI::App* command, SimulationFlags& flags) {
  command->add_option("--runs", flags.runs, "Random walks")->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 40))->capture_default_str();
  command->add_option("--depth", flags.depth, "Steps per walk at most")->check(CLI::Range(1u, 1000000u))->capture_default_str();
  command->add_option("--seed", flags.seed, "Seed of run 0 (0 to 2^64 - 1); run i uses seed+i")->capture_default_str();
  command->add_option("--mix", flags.mix,
                      "How a walk weighs the kinds of action: uniform (all alike), swarm (each run draws its own mix from its "
                      "seed: some kinds off, others favoured) or mixed (odd seeds swarm, even seeds uniform)")
      ->check(CLI::IsMember({"uniform", "swarm", "mixed"}))
      ->capture_default_str();
  command->add_flag("--swarm", flags.swarm, "Every run a swarm run (the same as --mix swarm)");
  command->add_flag("--no-shrink", flags.no_shrink, "Report a failing run as it is, without shrinking it");
}

// A seed: decimal digits only, within 64 bits (no sign, no wrap-around).
std::uint64_t parse_seed(const std::string& text) {
  std::uint64_t seed = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), seed);
  if (text.empty() || text[0] == '-' || text[0] == '+' || error != std::errc{} || end != text.data() + text.size()) {
    throw UsageError("--seed: expected a whole number from 0 to 18446744073709551615, got '" + text + "'");
  }
  return seed;
}

SimulateOptions simulate_options(const CommonFlags& flags, const SimulationFlags& simulation) {
  SimulateOptions options;
  options.runs = simulation.runs;
  options.depth = simulation.depth;
  options.seed = parse_seed(simulation.seed);
  options.swarm = simulation.swarm || simulation.mix == "swarm";
  options.mixed = !options.swarm && simulation.mix == "mixed";
  options.shrink = !simulation.no_shrink;
  options.progress = Progress::mode_for_stderr(flags.quiet || flags.json);
  options.workers = explore_options(flags).workers;
  options.interrupt = &interrupt_requested;
  options.properties = flags.properties;
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
             {"why", report.why},
             {"sometimes_unreached", report.sometimes_unreached},
             {"simulation", sim.to_json(report.outcome == Outcome::violation)},
             {"bounds", report.bounds}};
    if (!trace_error.empty()) out["trace_error"] = trace_error;
    fmt::print("{}\n", out.dump());
  } else {
    if (report.outcome == Outcome::violation) {
      fmt::print("{}: VIOLATION of {} in run {} (seed {})\n", title, report.property, sim.failing_run, sim.failing_seed);
    } else if (report.outcome == Outcome::incomplete) {
      fmt::print("{}: INCOMPLETE: interrupted after {} of {} runs (no violation in them)\n", title, group(sim.runs),
                 group(sim.runs_asked));
    } else if (report.outcome == Outcome::vacuous) {
      fmt::print("{}: VACUOUS: no violation, but no walk reaches {}\n", title, fmt::join(report.sometimes_unreached, ", "));
    } else {
      fmt::print("{}: no violation in {} runs of up to {} steps\n", title, group(sim.runs), sim.depth);
    }
    fmt::print("  bounds     {}\n", bounds_text(report.bounds));
    fmt::print("  runs       {} ({} steps), seeds {} to {}, {}\n", group(sim.runs), group(report.stats.states_generated),
               sim.seed, sim.seed + std::max<std::uint64_t>(sim.runs, 1) - 1, sim.swarm ? "swarm" : sim.mixed ? "mixed action mix (odd seeds swarm)" : "uniform action mix");
    if (!sim.varied.empty()) fmt::print("  varied     {} (a swarm run draws their values from its seed)\n", fmt::join(sim.varied, ", "));
    fmt::print("  time       {:.2f} s, {} steps/s\n", report.seconds, group(static_cast<std::uint64_t>(steps_per_second)));
    if (report.outcome == Outcome::violation) {
      fmt::print("  trace      {} steps{} (the run had {}){}\n", report.trace_lines.size() - 1,
                 sim.shrunk ? " after shrinking" : "", sim.original_length,
                 trace_path.empty() ? "" : ", written to " + trace_path);
      fmt::print("  reproduce  the same command with --seed {} --runs 1\n", sim.failing_seed);
      for (std::size_t i = 0; i < report.trace_lines.size(); ++i) fmt::print("    {:>3}  {}\n", i, report.trace_lines[i]);
      print_why(report);
    }
    if (!trace_error.empty()) fmt::print(stderr, "lockstep: {}\n", trace_error);
  }
  return exit_code_of(report.outcome);
}

// --list-properties: the properties a run with these args checks, for people or (--json) scripts.
int list_properties(const ProtocolEntry& entry, const ProtocolArgs& args, bool json) {
  const Json list = entry.model(args)->property_list();
  if (json) {
    fmt::print("{}\n", list.dump());
    return exit_ok;
  }
  for (const Json& p : list) {
    fmt::print("{:<32} {:<10} {}\n", p["name"].get<std::string>(), p["kind"].get<std::string>(),
               p["description"].get<std::string>());
  }
  return exit_ok;
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
    CheckReport report = entry.check(args);
    complete_report(entry, args, flags, args.explore, report);
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

// The protocol flags a user gave on the command line (the rest are defaults a ladder may change).
std::set<std::string> flags_given(const CLI::App* command, const ProtocolEntry& entry) {
  std::set<std::string> given;
  for (const OptionSpec& o : entry.options) {
    if (command->count(o.flag) > 0) given.insert(o.flag);
  }
  for (const SwitchSpec& s : entry.switches) {
    if (command->count(s.flag) > 0) given.insert(s.flag);
  }
  for (const ChoiceSpec& c : entry.choices) {
    if (command->count(c.flag) > 0) given.insert(c.flag);
  }
  return given;
}

// `check ... --budget 10m`: the protocol's ladder of bounds, rung by rung, each explored
// exhaustively, until a violation (reported as `check` reports one: found at the smallest rung
// that reaches it, so its trace is short), the end of the ladder, or the end of the budget. The
// report says every rung's figures and the largest bounds explored completely.
int check_with_budget(const ProtocolEntry& entry, const ProtocolArgs& given_args, const CommonFlags& flags,
                      const std::set<std::string>& given) {
  if (flags.distributed || !flags.checkpoint.empty() || !flags.resume.empty()) {
    throw UsageError("--budget runs one search after another: it does not combine with --distributed, --checkpoint or --resume");
  }
  if (entry.budget_ladder.empty()) throw UsageError("--budget: " + entry.name + " has no ladder of bounds to climb");
  const double seconds = parse_duration("--budget", flags.budget);
  if (seconds <= 0) throw UsageError("--budget: must be more than 0");
  const bool speak = !flags.quiet && !flags.json;
  stop_on_signals();
  Deadline clock(seconds, interrupt_requested);  // Ctrl-C sets the same flag
  Json rungs = Json::array();
  std::vector<std::string> lines{fmt::format("  budget     {} rungs of {}; bounds given by hand kept: {}", entry.budget_ladder.size(),
                                             flags.budget, given.empty() ? "none" : fmt::format("{}", fmt::join(given, " ")))};
  std::optional<CheckReport> last;       // the last rung's report
  std::optional<CheckReport> last_pass;  // the last rung completed with no violation and not vacuous
  ProtocolArgs last_args = given_args;
  ProtocolArgs pass_args = given_args;
  Json largest_completed = nullptr;
  std::size_t completed = 0;
  for (std::size_t r = 0; r < entry.budget_ladder.size(); ++r) {
    ProtocolArgs args = given_args;
    entry.apply_flags(args, entry.budget_ladder[r], given);
    if (const std::string error = entry.check_args(args); !error.empty()) {
      throw UsageError("--budget: rung " + std::to_string(r + 1) + " with these flags: " + error);
    }
    args.explore = explore_options(flags);
    CheckReport report = entry.check(args);
    complete_report(entry, args, flags, args.explore, report);
    const bool stopped = report.outcome == Outcome::incomplete;
    Json rung{{"rung", r + 1},
              {"bounds", report.bounds},
              {"result", stopped && clock.expired() ? "budget spent" : std::string(outcome_name(report.outcome))},
              {"distinct_states", report.stats.distinct_states},
              {"depth", report.stats.depth},
              {"seconds", report.seconds}};
    if (!report.property.empty()) rung["invariant"] = report.property;
    rungs.push_back(rung);
    const std::string line = fmt::format("  rung {:>2}   {}: {}, {} distinct states, {:.2f} s", r + 1, bounds_text(report.bounds),
                                         rung["result"].get<std::string>(), group(report.stats.distinct_states), report.seconds);
    lines.push_back(line);
    if (speak) fmt::print(stderr, "lockstep: --budget{}\n", line.substr(1));
    if (report.outcome == Outcome::ok || report.outcome == Outcome::vacuous) {  // explored completely
      ++completed;
      largest_completed = report.bounds;
    }
    if (report.outcome == Outcome::ok) {
      last_pass = report;
      pass_args = args;
    }
    last_args = args;
    last = std::move(report);
    if (stopped || last->outcome == Outcome::violation || clock.left() <= 0) break;
  }
  lines.push_back(largest_completed.is_null() ? std::string("  largest    no rung completed within the budget")
                                              : "  largest    bounds explored completely: " + bounds_text(largest_completed));
  Json budget{{"seconds", seconds},
              {"rungs", rungs},
              {"completed", completed},
              {"ladder", entry.budget_ladder.size()},
              {"largest_completed", largest_completed},
              {"spent", clock.expired()}};
  // A violation is the result. Otherwise, if some rung passed (no violation, every sometimes
  // property reached), the run passes, reported at the last such rung, whether the budget then
  // ran out or a later rung was vacuous; else the last rung's outcome stands (incomplete: exit 3).
  // A Ctrl-C (not the budget) ends the run as it ends any check: incomplete, exit 3.
  const bool interrupted = last->outcome == Outcome::incomplete && !clock.expired();
  const bool last_stands = last->outcome == Outcome::violation || interrupted || !last_pass;
  const CheckReport& report = last_stands ? *last : *last_pass;
  const ProtocolArgs& report_args = last_stands ? last_args : pass_args;
  const std::string title = run_title("check", report_args, entry.name) + " --budget " + flags.budget;
  return report_and_exit(report, title, flags, entry.name + bug_suffix(report_args) + ".itf.json", Json{{"budget", budget}},
                         lines);
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
                          if (flags->distributed && flags->budget.empty()) return check_distributed(entry, *args, *flags);
                          if (auto stop = handle_bug(entry, *args)) return *stop;
                          if (flags->list_properties) return list_properties(entry, *args, flags->json);
                          if (!flags->budget.empty()) return check_with_budget(entry, *args, *flags, flags_given(command, entry));
                          args->explore = explore_options(*flags);
                          args->explore.checkpoint.identity = checkpoint_identity(entry, *args, args->explore);
                          stop_on_signals();
                          CheckReport report = entry.check(*args);
                          complete_report(entry, *args, *flags, args->explore, report);
                          return report_and_exit(report, run_title("check", *args, entry.name), *flags,
                                                 entry.name + bug_suffix(*args) + ".itf.json");
                        }});
  }
  {
    // simulate's own defaults (wider than check's), shown by --help and overridden by the flags.
    auto args = std::make_shared<ProtocolArgs>(entry.defaults());
    entry.apply_flags(*args, entry.simulate_defaults);
    auto flags = std::make_shared<CommonFlags>();
    auto simulation = std::make_shared<SimulationFlags>();
    simulation->runs = entry.simulate_runs;
    CLI::App* command = simulate->add_subcommand(entry.name, entry.description);
    add_protocol_options(command, entry, *args);
    add_simulation_flags(command, *simulation);
    command->add_flag("--json", flags->json, "Print the result as one JSON object");
    command->add_option("--trace-out", flags->trace_out,
                        "Write the failing run (ITF JSON) here [default: <protocol>[-<bug>]-simulation.itf.json]");
    command->add_flag("--quiet", flags->quiet, "No live progress on stderr");
    command->add_option("--workers", flags->workers, "Threads running walks in parallel (0 = every core)")
        ->check(CLI::Range(0, 256));
    add_property_flags(command, *flags);
    commands.push_back({command, [=, &entry]() -> int {
                          if (auto stop = handle_bug(entry, *args)) return *stop;
                          if (flags->list_properties) return list_properties(entry, *args, flags->json);
                          stop_on_signals();
                          SimulateOptions options = simulate_options(*flags, *simulation);
                          // Swarm runs vary the protocol's options that the command line left alone.
                          for (const auto& option : entry.simulate_swarm) {
                            if (command->get_option(option.flag)->count() == 0) options.varied.push_back(option.flag);
                          }
                          CheckReport report = entry.simulate(*args, options);
                          // A walk stops at --depth: that is the depth bound in effect.
                          report.bounds["max_depth"] = simulation->depth;
                          add_switches_and_choices(entry, *args, report.bounds);
                          if (report.trace.is_object()) report.trace["#meta"]["bounds"] = report.bounds;
                          return simulation_exit(report, run_title("simulate", *args, entry.name), *flags,
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
                              if (bug.invariant.empty()) {
                                fmt::print("    --bug {}  (not located yet: no invariant or bounds recorded)\n", bug.name);
                                continue;
                              }
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
