// `lockstep nemesis`: a Jepsen-style run of the lock service on this machine under injected
// faults (impl/runtime/nemesis.hpp runs it), whose history is then checked for linearizability
// against the lock's sequential specification (spec/linearizability/lock_spec.hpp).
//
//   lockstep nemesis [--protocol raft|multipaxos] [--nodes 3] [--clients 4] [--locks 2]
//                    [--time 30s] [--dir D] [--seed S] [--json] [--history-out FILE]
//                    [--ttl 1500ms] [--check-timeout 120s] [--faults kill,pause,...|none]
//                    [--fault-hold 500ms..3s] [--target any|leader] [--record]
//
// Faults (--faults, default all): kill -9, SIGSTOP, link cuts of nodes (a minority at a time);
// partitions, bridges, majority rings and one-way losses of the network (one at a time, alone); and clients
// paused while holding a lock (their session expires; their late write must be rejected by the
// fencing). --target leader aims the node and network faults at the node leading when each is
// drawn (Jepsen's primaries target); any (the default) draws the victims at random. --record has
// each node record the events fed to its step function (D/node-N.events.ndjson), for
// `lockstep replay --node-log`.
// Prints the operations (ok / failed / indeterminate), the faults injected, the unavailability
// windows (gaps with no successful operation over 1 s: their count and the longest) and the
// verdicts: linearizable, fencing, final state, nodes. --json prints one object instead.
// Exit codes (impl/cli/commands.hpp): 0 every check passed; 1 a check failed (the history is
// written to --history-out, or D/history.json); 2 bad usage, or a cluster that could not be set up.
#include <fmt/core.h>
#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <random>
#include <tuple>
#include <utility>

#include "impl/cli/commands.hpp"
#include "impl/runtime/client.hpp"
#include "impl/runtime/cluster.hpp"
#include "impl/runtime/nemesis.hpp"
#include "spec/linearizability/check.hpp"
#include "traces/output.hpp"

namespace lockstep::cli {

namespace {

namespace fs = std::filesystem;
namespace lin = lockstep::linearizability;
using runtime::describe_duration;

struct NemesisFlags {
  std::string protocol = "raft";
  int nodes = 3;
  int clients = 4;
  int locks = 2;
  std::string time = "30s";
  std::string dir;
  std::uint64_t seed = 0;
  bool seed_given = false;
  bool json = false;
  std::string history_out;
  std::string ttl = "1500ms";
  std::string fault_hold = "500ms..3s";
  std::string target = "any";
  bool record = false;
  double check_timeout_s = 120;
  std::vector<std::string> faults = runtime::nemesis_fault_kinds();
};

std::chrono::milliseconds duration_flag(const std::string& flag, const std::string& text) {
  try {
    const std::uint64_t ms = runtime::parse_duration_ms(text);
    if (ms == 0 || ms > 24ull * 3600 * 1000) throw std::invalid_argument("must be between 1ms and 24h");
    return std::chrono::milliseconds(ms);
  } catch (const std::invalid_argument& e) {
    throw UsageError(flag + ": " + e.what());
  }
}

// --fault-hold MIN..MAX (or one duration: every fault held that long), MIN <= MAX.
std::pair<std::chrono::milliseconds, std::chrono::milliseconds> hold_flag(const std::string& text) {
  const auto dots = text.find("..");
  const std::string low = dots == std::string::npos ? text : text.substr(0, dots);
  const std::string high = dots == std::string::npos ? text : text.substr(dots + 2);
  const auto min = duration_flag("--fault-hold", low);
  const auto max = duration_flag("--fault-hold", high);
  if (min > max) throw UsageError(fmt::format("--fault-hold: {} is longer than {} (MIN..MAX)", low, high));
  return {min, max};
}

std::string self_exe() {
  std::error_code ec;
  const fs::path path = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("lockstep") : path.string();
}

fs::path make_dir(const std::string& given) {
  if (!given.empty()) return fs::absolute(given);
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = (fs::path(tmp && *tmp ? tmp : "/tmp") / "lockstep-nemesis-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) throw UsageError(fmt::format("cannot create a directory like {}", pattern));
  return pattern;
}

Json faults_json(const runtime::NemesisReport& r) {
  Json list = Json::array();
  Json out = {{"total", r.faults.size()}};
  for (const std::string& kind : runtime::nemesis_fault_kinds()) out[kind] = 0;
  for (const auto& f : r.faults) {
    out[f.kind] = out[f.kind].get<int>() + 1;
    Json entry = {{"kind", f.kind}, {"node", f.node}, {"at_s", f.at_s}, {"healed_s", f.healed_s}};
    if (!f.sides.empty()) entry["sides"] = f.sides;
    if (f.leader != 0) entry["leader"] = f.leader;
    list.push_back(std::move(entry));
  }
  out["list"] = std::move(list);
  return out;
}

// --faults: every kind named at most once, "none" alone, and at least one that applies to
// this many nodes (else the run would inject nothing while seeming to test something).
std::vector<std::string> fault_kinds_flag(const std::vector<std::string>& given, int nodes) {
  if (given.size() == 1 && given.front() == "none") return {};
  std::vector<std::string> kinds;
  for (const std::string& kind : given) {
    if (kind == "none") throw UsageError("--faults: none cannot be combined with other kinds");
    if (std::find(kinds.begin(), kinds.end(), kind) != kinds.end()) throw UsageError("--faults: " + kind + " named twice");
    kinds.push_back(kind);
  }
  if (std::none_of(kinds.begin(), kinds.end(), [&](const std::string& k) { return runtime::nemesis_fault_applies(k, nodes); })) {
    throw UsageError(fmt::format("--faults: none of {} applies to {} node{} (kill, pause, cut, partition and bridge need "
                                 "3 nodes, ring 4; client any)",
                                 fmt::join(kinds, ", "), nodes, nodes == 1 ? "" : "s"));
  }
  return kinds;
}

int run_nemesis_command(const NemesisFlags& flags) {
  runtime::NemesisOptions options;
  options.protocol = flags.protocol == "raft" ? runtime::WireProtocol::raft : runtime::WireProtocol::multipaxos;
  options.nodes = flags.nodes;
  options.clients = flags.clients;
  options.locks = flags.locks;
  options.time = duration_flag("--time", flags.time);
  options.ttl = duration_flag("--ttl", flags.ttl);
  std::tie(options.hold_min, options.hold_max) = hold_flag(flags.fault_hold);
  options.faults = fault_kinds_flag(flags.faults, flags.nodes);
  options.at_leader = flags.target == "leader";
  if (options.at_leader && std::all_of(options.faults.begin(), options.faults.end(), [](const std::string& k) { return k == "client"; })) {
    throw UsageError("--target leader: none of the faults given hits a node (give kill, pause, cut, partition, bridge, "
                     "ring or oneway)");
  }
  options.record = flags.record;
  options.seed = flags.seed_given ? flags.seed : std::random_device{}();
  options.exe = self_exe();
  options.dir = make_dir(flags.dir);
  if (!flags.json) {
    options.progress = [](const std::string& line) {
      fmt::print("{}\n", line);
      std::fflush(stdout);
    };
  }

  runtime::NemesisReport report;
  try {
    report = runtime::run_nemesis(options);
  } catch (const runtime::NemesisError& e) {
    fmt::print(stderr, "lockstep: nemesis: {} (seed {}, logs in {})\n", e.what(), options.seed, options.dir.string());
    return exit_usage;
  }

  // Linearizability of the history, in-process.
  lin::Verdict verdict;
  lin::History history;
  std::string history_error;
  try {
    history = lin::read_history(Json{{"model", "lock"}, {"history", report.history}});
    verdict = lin::check_history(history, "lock", lin::CheckOptions{flags.check_timeout_s, linearizability_memory_bound()});
  } catch (const std::exception& e) {
    history_error = e.what();
    verdict.result = lin::Result::unknown;
  }
  const bool linearizable = verdict.result == lin::Result::linearizable;
  const bool ok = linearizable && report.fencing_ok && report.final_ok && report.nodes_ok;

  std::string history_file;
  if (!flags.history_out.empty() || !ok) {
    history_file = flags.history_out.empty() ? (options.dir / "history.json").string() : flags.history_out;
    try {
      write_text_file(history_file, Json{{"model", "lock"}, {"history", report.history}}.dump() + "\n");
    } catch (const std::exception& e) {
      fmt::print(stderr, "lockstep: nemesis: cannot write the history: {}\n", e.what());
      history_file.clear();
    }
  }

  std::string lin_word = linearizable ? "linearizable"
                         : verdict.result == lin::Result::not_linearizable ? "NOT linearizable"
                                                                            : "unknown";
  if (!history_error.empty()) lin_word = "unreadable history: " + history_error;
  else if (verdict.result == lin::Result::unknown && verdict.memory_bound) lin_word = "unknown (gave up at the memory bound)";
  else if (verdict.result == lin::Result::unknown) lin_word = fmt::format("unknown (gave up after {} s)", flags.check_timeout_s);

  Json windows = Json::array();
  for (const auto& w : report.windows) windows.push_back({{"start_s", w.start_s}, {"length_s", w.length_s}});

  if (flags.json) {
    Json out = {
        {"ok", ok},
        {"protocol", flags.protocol},
        {"nodes", flags.nodes},
        {"clients", flags.clients},
        {"locks", flags.locks},
        {"seconds", report.seconds},
        {"seed", options.seed},
        {"fault_hold_ms", {options.hold_min.count(), options.hold_max.count()}},
        {"fault_kinds", options.faults},
        {"target", flags.target},
        {"dir", options.dir.string()},
        {"operations",
         {{"ok", report.ok},
          {"failed", report.failed},
          {"indeterminate", report.indeterminate},
          {"acquired", report.acquired},
          {"released", report.released},
          {"sessions", report.sessions},
          {"sessions_failed", report.sessions_failed},
          {"sessions_closed", report.closed}}},
        {"faults", faults_json(report)},
        {"unavailability",
         {{"threshold_ms", options.gap_threshold.count()},
          {"count", report.windows.size()},
          {"longest_s", report.longest_gap_s},
          {"windows", windows}}},
        {"checks",
         {{"linearizable",
           {{"ok", linearizable},
            {"result", lin_word},
            {"verdict", history_error.empty() ? lin::verdict_json(history, verdict) : Json()}}},
          {"fencing",
           {{"ok", report.fencing_ok},
            {"accepted", report.writes_accepted},
            {"rejected", report.writes_rejected},
            {"violations", report.fencing_violations}}},
          {"final_state",
           {{"ok", report.final_ok}, {"table", report.final_table}, {"violations", report.final_violations}}},
          {"nodes", {{"ok", report.nodes_ok}, {"problems", report.node_problems}, {"settle", report.settle_note}}}}},
        {"history", history_file.empty() ? Json() : Json(history_file)}};
    fmt::print("{}\n", out.dump());
  } else {
    const Json faults = faults_json(report);
    fmt::print("\nnemesis: {} on {} nodes, {} clients, {} locks, {:.1f} s, seed {}\n", flags.protocol, flags.nodes,
               flags.clients, flags.locks, report.seconds, options.seed);
    fmt::print("operations: {} ok, {} failed, {} indeterminate ({} acquired, {} released; {} sessions opened, {} opens "
               "failed, {} closed)\n",
               report.ok, report.failed, report.indeterminate, report.acquired, report.released, report.sessions,
               report.sessions_failed, report.closed);
    fmt::print("faults: {} ({} kill -9, {} SIGSTOP, {} link cuts of nodes; {} partitions, {} bridges, {} rings, {} one-way "
               "losses; {} client pauses while holding a lock){}\n",
               faults["total"].get<int>(), faults["kill"].get<int>(), faults["pause"].get<int>(), faults["cut"].get<int>(),
               faults["partition"].get<int>(), faults["bridge"].get<int>(), faults["ring"].get<int>(),
               faults["oneway"].get<int>(), faults["client"].get<int>(), options.at_leader ? ", aimed at the leader" : "");
    fmt::print("unavailability: {} window{} over {}, longest gap {:.2f} s", report.windows.size(),
               report.windows.size() == 1 ? "" : "s", describe_duration(options.gap_threshold), report.longest_gap_s);
    for (std::size_t i = 0; i < report.windows.size() && i < 5; ++i) {
      fmt::print("{} {:.2f} s at {:.1f} s", i == 0 ? ":" : ",", report.windows[i].length_s, report.windows[i].start_s);
    }
    fmt::print("\n");
    fmt::print("linearizable: {}{}\n", lin_word,
               history_error.empty() ? fmt::format(" ({} calls, {} keys, {:.2f} s)", verdict.operations,
                                                   verdict.partitions, verdict.seconds)
                                     : "");
    if (verdict.result == lin::Result::not_linearizable) fmt::print("{}", lin::verdict_text(history, verdict));
    fmt::print("fencing: {} ({} writes accepted, {} rejected as stale)\n", report.fencing_ok ? "ok" : "VIOLATED",
               report.writes_accepted, report.writes_rejected);
    for (const auto& v : report.fencing_violations) fmt::print("  {}\n", v);
    fmt::print("final state: {} (table {})\n", report.final_ok ? "ok" : "VIOLATED", report.final_table.dump());
    for (const auto& v : report.final_violations) fmt::print("  {}\n", v);
    fmt::print("nodes: {} ({})\n", report.nodes_ok ? "ok" : "PROBLEM", report.settle_note);
    for (const auto& v : report.node_problems) fmt::print("  {}\n", v);
    if (!history_file.empty()) fmt::print("history: {}\n", history_file);
    fmt::print("{}\n", ok ? "all checks passed" : "a check FAILED");
  }
  if (!ok && flags.json) {
    std::vector<std::string> failed;
    if (!linearizable) failed.push_back("linearizable");
    if (!report.fencing_ok) failed.push_back("fencing");
    if (!report.final_ok) failed.push_back("final state");
    if (!report.nodes_ok) failed.push_back("nodes");
    fmt::print(stderr, "lockstep: nemesis: failed: {} (history in {})\n", fmt::join(failed, ", "), history_file);
  }
  return ok ? exit_ok : exit_violation;
}

}  // namespace

Command add_nemesis_command(CLI::App& root) {
  auto flags = std::make_shared<NemesisFlags>();
  CLI::App* app = root.add_subcommand(
      "nemesis",
      "Run a local lock cluster under injected faults (kill -9, SIGSTOP, link cuts, partitions) and check its history");
  app->footer("Exit codes: 0 every check passed; 1 a check failed (history written); 2 bad usage or no cluster.");
  app->add_option("--protocol", flags->protocol, "raft or multipaxos")
      ->check(CLI::IsMember({"raft", "multipaxos"}))
      ->capture_default_str();
  app->add_option("--nodes", flags->nodes, "Nodes in the cluster (at most a minority is faulty at once)")
      ->check(CLI::Range(1, 9))
      ->capture_default_str();
  app->add_option("--clients", flags->clients, "Client threads")->check(CLI::Range(1, 64))->capture_default_str();
  app->add_option("--locks", flags->locks, "Locks the clients contend for")->check(CLI::Range(1, 64))->capture_default_str();
  app->add_option("--time", flags->time, "How long the clients run (e.g. 30s, 5m)")->capture_default_str();
  app->add_option("--dir", flags->dir, "Data, logs and the history here [default: a new directory under $TMPDIR]");
  app->add_option("--seed", flags->seed, "The nemesis's seed [default: random, printed]")->each([flags](const std::string&) {
    flags->seed_given = true;
  });
  app->add_flag("--json", flags->json, "Print one JSON object");
  app->add_option("--history-out", flags->history_out, "Write the history (Jepsen JSON) here");
  app->add_option("--ttl", flags->ttl, "Each client session's time-to-live")->capture_default_str();
  app->add_option("--fault-hold", flags->fault_hold,
                  "How long each node or network fault lasts, MIN..MAX (drawn uniformly) or one duration")
      ->capture_default_str();
  std::vector<std::string> kinds = runtime::nemesis_fault_kinds();
  kinds.push_back("none");
  app->add_option("--faults", flags->faults,
                  "The kinds of fault to draw from, comma-separated: kill (kill -9, then a restart), pause (SIGSTOP, "
                  "then SIGCONT), cut (a node's links), partition (a minority from a majority), bridge (two halves and "
                  "one node linked to both), ring (each node linked to a majority of neighbours), oneway (a node's frames "
                  "to some others lost, or theirs to it), client (a client "
                  "stalled while holding a lock), or none")
      ->delimiter(',')
      ->check(CLI::IsMember(kinds))
      ->default_str(fmt::format("{}", fmt::join(runtime::nemesis_fault_kinds(), ",")));
  app->add_option("--target", flags->target,
                  "Whom the node and network faults hit: any (drawn at random) or leader (the node leading when each "
                  "is drawn: killed, paused, cut, in the minority, not heard or deaf)")
      ->check(CLI::IsMember({"any", "leader"}))
      ->capture_default_str();
  app->add_flag("--record", flags->record,
               "Each node records the events fed to its step function in DIR/node-N.events.ndjson (for lockstep "
               "replay --node-log)");
  app->add_option("--check-timeout", flags->check_timeout_s, "Give up the linearizability check after this many seconds")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  return Command{app, [flags] { return run_nemesis_command(*flags); }};
}

}  // namespace lockstep::cli
