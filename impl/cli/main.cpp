// The lockstep command line: declares every subcommand, parses, runs the one given.
//
//   lockstep check paxos      [--nodes N] [--values V] [--max-round R] [--crashes C] [--drops D]
//                             [--duplicates K] [--max-messages M] [--bug NAME|list] [common]
//   lockstep check paxos-tla  [--acceptors A] [--ballots B] [--values V] [common]
//   common: [--json] [--trace-out FILE] [--continue] [--max-depth D] [--workers K] [--quiet]
//   lockstep replay FILE [--json];  lockstep show FILE [--html OUT] [--color C];
//   lockstep shrink FILE [-o OUT] [--max-tests N]                  (impl/cli/trace_commands.cpp)
//   lockstep linearizable HISTORY.json [--model lock|register] [--json] [--timeout-s N]
//                                                         (impl/cli/linearizable_command.cpp)
//
// Exit codes (impl/cli/commands.hpp): 0 no violation; 1 violation, or vacuous (a "sometimes"
// property is never reached); 2 bad usage or input; 3 incomplete (stopped by a resource bound).
#include <CLI/CLI.hpp>
#include <fmt/core.h>
#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sstream>
#include <new>
#include <stdexcept>
#include <string>

#include "checker/engine/checkpoint.hpp"
#include "checker/registry.hpp"
#include "impl/cli/commands.hpp"
#include "model/core/small_vec.hpp"
#include "model/core/step.hpp"
#include "traces/output.hpp"

namespace {

using namespace lockstep::cli;

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// The subcommand the user typed (the deepest one parsed), or the root.
const CLI::App* parsed_command(const CLI::App& app) {
  for (const CLI::App* sub : app.get_subcommands()) return parsed_command(*sub);
  return &app;
}

// "did you mean --nodes?" for an option the command does not know but nearly spells. An option
// it knows (its value was the trouble) gets no suggestion.
std::string suggestion(const CLI::App& app, const std::string& message) {
  const auto colon = message.rfind(": ");
  if (colon == std::string::npos) return "";
  std::istringstream words(message.substr(colon + 2));
  std::string word;
  while (words >> word) {
    if (word.size() < 3 || word.rfind("--", 0) != 0) continue;
    const std::string given = word.substr(0, word.find('='));
    std::string best;
    std::size_t best_distance = 3;  // at most two edits away
    for (const CLI::Option* option : parsed_command(app)->get_options()) {
      for (const std::string& name : option->get_lnames()) {
        const std::size_t distance = edit_distance(given, "--" + name);
        if (distance < best_distance) best_distance = distance, best = "--" + name;
      }
    }
    if (!best.empty() && best_distance > 0) return fmt::format("; did you mean {} (for {})?", best, given);
  }
  return "";
}

// What a value of the option's type is, in words, for a value that does not read as one.
std::string expected_value(const CLI::Option* option) {
  std::string type = option ? option->get_type_name() : "";  // "UINT", or "UINT:UINT in [1 - 9]" with a range
  type = type.substr(0, type.find_first_of(": "));
  if (type == "UINT") return "a whole number, 0 or more";
  if (type == "INT") return "a whole number";
  if (type == "FLOAT") return "a number";
  return type.empty() ? "a value of its type" : "a value of type " + type;
}

// CLI11's words for a value that does not read as its option's type ("Could not convert:
// --nodes = x", or a range check's "Value x not in range 1 to 9") say what went wrong less plainly
// than "--nodes: 'x' is not a whole number". Other parse errors are left as CLI11 words them.
std::string parse_error_text(const CLI::App& app, const std::string& message) {
  const auto option_named = [&](const std::string& name) -> const CLI::Option* {
    for (const CLI::Option* option : parsed_command(app)->get_options()) {
      if (option->check_name(name)) return option;
    }
    return nullptr;
  };
  static const std::string not_converted = "Could not convert: ";
  if (message.rfind(not_converted, 0) == 0) {
    const std::string rest = message.substr(not_converted.size());
    const auto equals = rest.find(" = ");
    if (equals != std::string::npos) {
      const std::string name = rest.substr(0, equals);
      const std::string value = rest.substr(equals + 3);
      return fmt::format("{}: '{}' is not {}", name, value, expected_value(option_named(name)));
    }
  }
  // "--runs: Value abc not in range 1 to 100": say so only when the value is not a number at all.
  const auto colon = message.find(": Value ");
  const auto range = message.find(" not in range ");
  if (colon != std::string::npos && range != std::string::npos && range > colon) {
    const std::string name = message.substr(0, colon);
    const std::string value = message.substr(colon + 8, range - colon - 8);
    char* end = nullptr;
    (void)std::strtod(value.c_str(), &end);
    if (value.empty() || end != value.c_str() + value.size()) {
      return fmt::format("{}: '{}' is not a number (expected {})", name, value, message.substr(range + 14));
    }
  }
  return message;
}

int run(int argc, char** argv) {
  CLI::App app{"lockstep: fault-tolerant protocols, model-checked before they run"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("lockstep ") + version_text());
  std::vector<Command> commands = add_check_commands(app);
  for (Command& command : add_trace_commands(app)) commands.push_back(std::move(command));
  for (Command& command : add_explore_commands(app)) commands.push_back(std::move(command));
  commands.push_back(add_linearizable_command(app));
  commands.push_back(add_prove_command(app));
  commands.push_back(add_node_command(app));
  for (Command& command : add_lock_commands(app)) commands.push_back(std::move(command));
  commands.push_back(add_nemesis_command(app));

  if (argc >= 3 && (std::string(argv[1]) == "check" || std::string(argv[1]) == "simulate") && argv[2][0] != '-') {
    const auto known = lockstep::protocol_names();
    if (std::find(known.begin(), known.end(), argv[2]) == known.end()) {
      fmt::print(stderr, "lockstep: unknown protocol '{}' (known: {})\n", argv[2], fmt::join(known, ", "));
      return exit_usage;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    fmt::print(stderr, "lockstep: {}{} (see --help)\n", parse_error_text(app, e.what()), suggestion(app, e.what()));
    return exit_usage;
  }
  try {
    for (const Command& command : commands) {
      if (command.app->parsed()) return command.run();
    }
  } catch (const std::invalid_argument& e) {
    fmt::print(stderr, "lockstep: {}\n", e.what());
    return exit_usage;
  } catch (const UsageError& e) {
    fmt::print(stderr, "lockstep: {}\n", e.what());
    return exit_usage;
  } catch (const lockstep::CheckpointError& e) {
    fmt::print(stderr, "lockstep: {}\n", e.what());
    return exit_usage;
  } catch (const lockstep::ContractError& e) {
    // A step function broke the effect contract (model/core/step.hpp): a bug in the protocol.
    fmt::print(stderr, "lockstep: contract violated: {}\n", e.what());
    return exit_violation;
  } catch (const lockstep::CapacityError& e) {
    fmt::print(stderr, "lockstep: {}: the model's bounds are too large for its inline capacity\n", e.what());
    return exit_incomplete;
  } catch (const std::bad_alloc&) {
    fmt::print(stderr, "lockstep: out of memory\n");
    return exit_incomplete;
  } catch (const std::exception& e) {
    // The environment failed the run (a full disk for the frontier, an unreadable file): say
    // so and stop as incomplete, never abort.
    fmt::print(stderr, "lockstep: {}\n", e.what());
    return exit_incomplete;
  }
  return exit_usage;
}

}  // namespace

int main(int argc, char** argv) {
  const int code = run(argc, argv);
  // What a command printed must have reached its reader: a full disk or /dev/full is an error.
  if (!lockstep::stdout_written()) {
    const int error = errno;
    std::fprintf(stderr, "lockstep: cannot write standard output: %s\n", std::strerror(error));
    return exit_usage;
  }
  return code;
}
