// The trace tools: `lockstep replay`, `lockstep show` and `lockstep shrink`, for traces of every
// protocol alike (the model is rebuilt from the trace's "#meta": checker/any_model.hpp).
//
//   lockstep replay FILE [--json]    (or --list-protocols: the protocols whose traces replay)
//   lockstep show   FILE [--html OUT.html] [--color auto|always|never]
//   lockstep shrink FILE [-o OUT] [--max-tests N]
//   every one: [--quiet] (no progress on stderr; shown once reading a big trace takes 2 s)
//
// The trace file is read a step at a time (traces/trace_file.hpp), except for show --html.
//
// Exit codes (impl/cli/commands.hpp):
//   replay  0 the trace replays exactly and reproduces its record: it violates the invariant it
//             records (a counterexample that still fails), or, recording none, violates nothing;
//           1 it does not: a step diverges (the diff is printed), the recorded invariant is no
//             longer violated, or a property is violated that the trace does not record;
//   show    0 shown; 1 shown, but the trace does not replay: a step diverges (the view says so at
//             that step, and from there on draws the record, not a run of the model);
//   shrink  0 a shrunk trace was written (it still violates the same property);
//           1 nothing to shrink: the trace does not replay, or violates no property;
//   all     2 bad usage or a bad trace file (one line on stderr, naming the step and the field).
#include <CLI/CLI.hpp>
#include <fmt/core.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>

#include "impl/cli/commands.hpp"
#include "traces/replay.hpp"
#include "traces/show.hpp"
#include "traces/shrink_itf.hpp"
#include "traces/trace_file.hpp"

namespace lockstep::cli {

namespace {

// Runs a trace command; a bad file (TraceError) or an unwritable output is bad input (exit 2).
int guarded(const std::function<int()>& body) {
  try {
    return body();
  } catch (const std::exception& e) {  // TraceError, an unwritable output, or what a model threw
    fmt::print(stderr, "lockstep: {}\n", e.what());
  }
  return exit_usage;
}

void print_divergence(const Divergence& divergence, std::FILE* out = stdout) {
  fmt::print(out, "  DIVERGES at step {}: {}\n", divergence.step, divergence.action);
  fmt::print(out, "  {}{}\n", divergence.reason, divergence.changes.empty() ? "" : " (recorded -> replayed):");
  for (const auto& line : divergence_changes(divergence)) fmt::print(out, "    {}\n", line);
}

// How the trace commands show progress on stderr (traces/itf_reader.hpp's ReadProgress).
struct ProgressFlags {
  bool quiet = false;
  double after_seconds = 2.0;
  ReadProgress make(const std::string& what) const {
    return ReadProgress(Progress::mode_for_stderr(quiet), what, after_seconds);
  }
};

void add_progress_flags(CLI::App* app, ProgressFlags& flags) {
  app->add_flag("-q,--quiet", flags.quiet, "No progress on stderr (shown once reading a big trace takes 2 s)");
  app->add_option("--progress-after", flags.after_seconds, "Seconds before progress is shown")->group("");  // tests
}

Json replay_json(const std::string& file, const ReplayedFile& replayed) {
  const LoadedTrace& trace = replayed.trace;
  const ReplayResult& result = replayed.result;
  Json violations = Json::array();
  for (const auto& v : result.violations) violations.push_back(Json{{"property", v.property}, {"step", v.step}});
  Json divergence = nullptr;
  if (result.divergence) {
    Json changes = Json::array();
    for (const auto& c : result.divergence->changes) {
      changes.push_back(Json{{"path", c.path}, {"recorded", c.before}, {"replayed", c.after}});
    }
    divergence = Json{{"step", result.divergence->step}, {"action", result.divergence->action},
                      {"reason", result.divergence->reason}, {"changes", std::move(changes)}};
  }
  return Json{{"file", file},
              {"protocol", trace.model->protocol()},
              {"steps", replayed.steps},
              {"steps_reproduced", result.steps_reproduced == 0 ? 0 : result.steps_reproduced - 1},  // actions
              {"invariant", trace.invariant.empty() ? Json(nullptr) : Json(trace.invariant)},
              {"reproduces_record", result.reproduces_record(trace.invariant)},
              {"divergence", std::move(divergence)},
              {"violations", std::move(violations)}};
}

void print_verdict(const LoadedTrace& trace, const ReplayResult& result) {
  for (const auto& v : result.violations) {
    const bool recorded = v.property == trace.invariant;
    fmt::print("  violates {} (first at step {}){}\n", v.property, v.step,
               recorded ? ", as the trace records" : ", which the trace does not record");
  }
  if (result.divergence) return;
  if (!trace.invariant.empty() && !result.reproduces_record(trace.invariant)) {
    fmt::print("  does NOT violate {}, which the trace records\n", trace.invariant);
  } else if (result.violations.empty()) {
    fmt::print("  violates no property\n");
  }
}

int run_replay(const std::string& file, bool json, const ProgressFlags& progress_flags) {
  ReadProgress progress = progress_flags.make("replay " + file);
  const ReplayedFile replayed = replay_file(file, &progress);
  progress.finish();
  const LoadedTrace& trace = replayed.trace;
  const ReplayResult& result = replayed.result;
  const bool reproduces = result.reproduces_record(trace.invariant);
  if (json) {
    fmt::print("{}\n", replay_json(file, replayed).dump());
    return reproduces ? exit_ok : exit_violation;
  }
  fmt::print("replay {}: {} trace, {} of {} steps reproduced{}\n", file, trace.model->protocol(),
             result.steps_reproduced == 0 ? 0 : result.steps_reproduced - 1, replayed.steps,
             reproduces ? "; it reproduces its record" : "");
  if (result.divergence) print_divergence(*result.divergence);
  print_verdict(trace, result);
  return reproduces ? exit_ok : exit_violation;
}

bool colour_wanted(const std::string& mode) {
  if (mode == "always") return true;
  if (mode == "never") return false;
  const char* term = std::getenv("TERM");
  return isatty(STDOUT_FILENO) && std::getenv("NO_COLOR") == nullptr && !(term && std::string(term) == "dumb");
}

// The view is drawn whole either way; a trace that does not replay is said so at the step where
// it diverges (and exits 1): what follows it is the record, not a run of the model.
int run_show(const std::string& file, const std::string& html_out, const std::string& colour,
             const ProgressFlags& progress_flags) {
  if (!html_out.empty()) refuse_overwriting_inputs(html_out, {file});
  ReadProgress progress = progress_flags.make("show " + file);
  if (html_out.empty()) {
    // Progress while the steps are replayed; while they are shown, only if they go elsewhere than a terminal.
    const std::optional<Divergence> divergence =
        show_text_file(file, colour_wanted(colour), [](const std::string& text) { fmt::print("{}", text); }, &progress,
                       isatty(STDOUT_FILENO) ? nullptr : &progress);
    return divergence ? exit_violation : exit_ok;
  }
  const LoadedTrace trace = load_trace_file(file, &progress);
  progress.finish();
  const std::optional<Divergence> divergence = replay(trace).divergence;
  const std::vector<StepView> steps = view_steps(trace, divergence);
  write_text_file(html_out, show_html(trace, steps));
  std::size_t delivered = 0;
  for (const auto& flight : message_flights(trace, steps)) delivered += flight.delivered ? 1 : 0;
  // With --html - the page is standard output, so what is said about it goes to standard error.
  std::FILE* said = html_out == "-" ? stderr : stdout;
  fmt::print(said, "show {}: wrote {} ({} steps, {} messages delivered)\n", file,
             html_out == "-" ? "the page to standard output" : html_out, steps.size() - 1, delivered);
  if (divergence) {
    fmt::print(said, "  the trace does not replay: from step {} on, the page draws the record, not a run of the model\n",
               divergence->step);
    print_divergence(*divergence, said);
  }
  return divergence ? exit_violation : exit_ok;
}

std::string default_shrink_output(const std::string& file) {
  const std::string suffix = ".itf.json";
  if (file.size() > suffix.size() && file.compare(file.size() - suffix.size(), suffix.size(), suffix) == 0) {
    return file.substr(0, file.size() - suffix.size()) + ".shrunk.itf.json";
  }
  return file + ".shrunk.itf.json";
}

int run_shrink(const std::string& file, std::string out, std::size_t tests_max, const ProgressFlags& progress_flags) {
  if (out.empty()) out = default_shrink_output(file);
  refuse_overwriting_inputs(out, {file});
  ReadProgress progress = progress_flags.make("shrink " + file);
  const ShrunkFile shrunk = shrink_file(file, ShrinkOptions{tests_max}, &progress);
  progress.finish();
  const LoadedTrace& trace = shrunk.trace;
  const ShrinkItfResult& result = shrunk.result;
  if (result.status == ShrinkStatus::diverges) {
    fmt::print("shrink {}: the trace does not replay, so there is nothing to shrink\n", file);
    print_divergence(*result.replayed.divergence);
    return exit_violation;
  }
  if (result.status == ShrinkStatus::violates_nothing) {
    fmt::print("shrink {}: the trace {}, so there is nothing to shrink\n", file,
               trace.invariant.empty() ? "violates no property" : "does not violate " + trace.invariant);
    return exit_violation;
  }
  write_json_file(out, result.itf);
  fmt::print("shrink {}: {} -> {} steps, still violating {} ({} candidates replayed{}); written to {}\n", file,
             result.steps_before, result.steps_after, result.property, result.stats.tests,
             result.stats.tests_exhausted ? ", stopped by --max-tests" : "", out);
  return exit_ok;
}

Command add_replay_command(CLI::App& root) {
  CLI::App* app =
      root.add_subcommand("replay", "Re-execute a trace through the model's step functions; re-check its properties");
  app->footer(
      "Exit codes: 0 the trace replays exactly and reproduces its record: it violates the invariant it records (a "
      "counterexample that still fails is a success), or, recording none, violates nothing; 1 it does not: a step "
      "diverges (the step, its action and a field-by-field diff are printed), the recorded invariant is no longer "
      "violated, or a property is violated that the trace does not record; 2 a bad trace file or bad usage.");
  auto file = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  auto list_protocols = std::make_shared<bool>(false);
  CLI::Option* list_option =
      app->add_flag("--list-protocols", *list_protocols, "Print the protocols whose traces replay, one a line");
  CLI::Option* file_option =
      app->add_option("FILE", *file, "An ITF trace (e.g. from lockstep check)")->excludes(list_option);
  auto node_log = std::make_shared<std::string>();
  app->add_option("--node-log", *node_log,
                  "Instead of a trace: a lock node's event record (lockstep node --record FILE), re-executed through "
                  "its step function; every state must reproduce (exit 1 at the first that does not)")
      ->excludes(list_option)
      ->excludes(file_option);
  app->add_flag("--json", *json, "Print the result as one JSON object");
  auto progress = std::make_shared<ProgressFlags>();
  add_progress_flags(app, *progress);
  return {app, [=] {
            if (!node_log->empty()) return replay_node_log_command(*node_log, *json);
            if (*list_protocols) {
              for (const auto& protocol : known_protocols()) fmt::print("{}\n", protocol);
              return exit_ok;
            }
            if (file->empty()) {
              fmt::print(stderr, "lockstep: replay: a trace FILE is required (see --help)\n");
              return exit_usage;
            }
            return guarded([&] { return run_replay(*file, *json, *progress); });
          }};
}

Command add_show_command(CLI::App& root) {
  CLI::App* app =
      root.add_subcommand("show", "Show a trace: each step's action and what changed, or an HTML sequence diagram");
  app->footer(
      "The trace is replayed first. Exit codes: 0 shown; 1 shown, but the trace does not replay: a step diverges (the "
      "view says so at that step, with the reason, and what follows it is the record, not a run of the model); 2 a "
      "bad trace file or bad usage.");
  auto file = std::make_shared<std::string>();
  auto html_out = std::make_shared<std::string>();
  auto colour = std::make_shared<std::string>("auto");
  app->add_option("FILE", *file, "An ITF trace")->required();
  app->add_option("--html", *html_out, "Write one self-contained HTML page here instead (- for standard output)");
  app->add_option("--color", *colour, "Colour: auto (on a terminal), always or never")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->capture_default_str();
  auto progress = std::make_shared<ProgressFlags>();
  add_progress_flags(app, *progress);
  return {app, [=] { return guarded([&] { return run_show(*file, *html_out, *colour, *progress); }); }};
}

Command add_shrink_command(CLI::App& root) {
  CLI::App* app =
      root.add_subcommand("shrink", "Minimize a failing trace's actions; write a shorter trace with the same violation");
  app->footer(
      "Delta debugging over the actions, each candidate replayed from the initial state; keeps the recorded "
      "invariant violated (or, recording none, the first one the trace violates). Exit codes: 0 the shrunk trace "
      "was written; 1 nothing to shrink: the trace does not replay, or violates nothing; 2 a bad trace file or bad "
      "usage.");
  auto file = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  auto tests_max = std::make_shared<std::size_t>(ShrinkOptions{}.tests_max);
  app->add_option("FILE", *file, "An ITF trace that violates a property")->required();
  app->add_option("-o,--output", *out, "Where to write the shrunk trace [default: NAME.shrunk.itf.json for NAME.itf.json]");
  app->add_option("--max-tests", *tests_max, "Replay at most this many candidates")
      ->check(CLI::Range(std::size_t{1}, std::size_t{100000000}))
      ->capture_default_str();
  auto progress = std::make_shared<ProgressFlags>();
  add_progress_flags(app, *progress);
  return {app, [=] { return guarded([&] { return run_shrink(*file, *out, *tests_max, *progress); }); }};
}

}  // namespace

std::vector<Command> add_trace_commands(CLI::App& root) {
  return {add_replay_command(root), add_show_command(root), add_shrink_command(root)};
}

}  // namespace lockstep::cli
