// `lockstep linearizable HISTORY.json [--model lock|register] [--json] [--timeout-s N] [--memory SIZE]`: checks
// a concurrent history (Jepsen/Knossos events) for linearizability against a sequential
// specification (spec/linearizability/). The model defaults to the file's "model" field.
//
// Exit codes (impl/cli/commands.hpp): 0 linearizable; 1 not linearizable (the failing key and
// the smallest non-linearizable window are printed); 2 bad usage or a bad history (one line on
// stderr naming the event); 3 gave up at the time or memory bound.
#include <fmt/core.h>

#include <fstream>
#include <memory>
#include <sstream>

#include "impl/cli/commands.hpp"
#include "spec/linearizability/check.hpp"

namespace lockstep::cli {

namespace {

namespace lin = lockstep::linearizability;

struct LinearizableOptions {
  std::string file;
  std::string model;
  bool json = false;
  double timeout_seconds = 0;
  std::string memory;  // the search's bound (default: linearizability_memory_bound())
};

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError(fmt::format("cannot read {}", path));
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

int run_linearizable(const LinearizableOptions& options) {
  const std::uint64_t memory = options.memory.empty() ? linearizability_memory_bound() : parse_size("--memory", options.memory);
  lin::History history;
  try {
    history = lin::parse_history(read_text(options.file));
  } catch (const lin::HistoryError& e) {
    throw UsageError(fmt::format("{}: {}", options.file, e.what()));
  }
  std::string model = options.model;
  if (model.empty()) {
    if (!history.model) throw UsageError(fmt::format("{}: no \"model\" field: give --model lock|register", options.file));
    model = *history.model;
  }
  lin::Verdict verdict;
  try {
    verdict = lin::check_history(history, model, lin::CheckOptions{options.timeout_seconds, memory});
  } catch (const lin::HistoryError& e) {
    throw UsageError(fmt::format("{}: {}", options.file, e.what()));
  }
  if (options.json) fmt::print("{}\n", lin::verdict_json(history, verdict).dump());
  else fmt::print("{}", lin::verdict_text(history, verdict));
  switch (verdict.result) {
    case lin::Result::linearizable: return exit_ok;
    case lin::Result::not_linearizable: return exit_violation;
    case lin::Result::unknown: return exit_incomplete;
  }
  return exit_incomplete;
}

}  // namespace

std::uint64_t linearizability_memory_bound() {
  const std::size_t usable = usable_memory();
  return usable == 0 ? std::uint64_t{4} << 30 : usable / 3;
}

Command add_linearizable_command(CLI::App& root) {
  auto options = std::make_shared<LinearizableOptions>();
  CLI::App* app = root.add_subcommand("linearizable", "Check a concurrent history (Jepsen/Knossos JSON events) for linearizability");
  app->add_option("HISTORY", options->file, "A JSON history: [events] or {\"model\": ..., \"history\": [events]}")->required();
  app->add_option("--model", options->model, "The sequential specification: lock or register (default: the file's \"model\")")
      ->check(CLI::IsMember(lin::model_names()));
  app->add_flag("--json", options->json, "Print the verdict as one JSON object");
  app->add_option("--timeout-s", options->timeout_seconds, "Give up (exit 3) after this many seconds (default: no bound)")
      ->check(CLI::NonNegativeNumber);
  app->add_option("--memory", options->memory,
                  "Give up (exit 3) when one key's search holds more than this (e.g. 512M, 4G) [default: a third of the "
                  "memory the process may use]");
  return Command{app, [options] { return run_linearizable(*options); }};
}

}  // namespace lockstep::cli
