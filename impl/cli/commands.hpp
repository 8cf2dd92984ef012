// The subcommands of the lockstep command line. Each add_* function declares its subcommands
// on the root app and returns what to run when one of them is the one parsed.
#pragma once

#include <CLI/CLI.hpp>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace lockstep {
struct ProtocolEntry;
struct ProtocolArgs;
}  // namespace lockstep

namespace lockstep::cli {

// `lockstep --version`'s text: the project's version and the commit built (a source generated at
// every build by cmake/version.cmake).
const char* version_text();

// Exit codes shared by every command.
constexpr int exit_ok = 0;
constexpr int exit_violation = 1;  // a property is violated (or a check is vacuous)
constexpr int exit_usage = 2;      // bad usage or input: one line on stderr
constexpr int exit_incomplete = 3; // stopped by a resource bound before finishing

// Bad usage found after parsing (a malformed value): main prints it on one line, exit 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Command {
  CLI::App* app;
  std::function<int()> run;
};

std::vector<Command> add_check_commands(CLI::App& root);

// A protocol's own options (from its registry entry: bounds, switches, choices, --bug) on a
// subcommand (`check`, `simulate`, `explore`); `args` receives their values.
void add_protocol_options(CLI::App* command, const ProtocolEntry& entry, ProtocolArgs& args);
// --bug: "list" lists the seeded bugs, one a line; a name seeds it (checked with the other
// options, said on stderr when `speak`). Returns an exit code to stop with, or nothing to go on.
std::optional<int> handle_bug(const ProtocolEntry& entry, ProtocolArgs& args, bool speak = true);

// explore: a model walked by hand in the browser (impl/cli/explore_command.cpp).
std::vector<Command> add_explore_commands(CLI::App& root);

// replay, show and shrink (impl/cli/trace_commands.cpp). For replay, exit_ok means the trace
// reproduces its record (a counterexample that still violates its invariant is a success) and
// exit_violation that it does not (a step diverges, or the verdict differs).
std::vector<Command> add_trace_commands(CLI::App& root);

// linearizable: a concurrent history checked against a sequential specification
// (impl/cli/linearizable_command.cpp). exit_ok linearizable, exit_violation not, exit_incomplete
// gave up at --timeout-s.
Command add_linearizable_command(CLI::App& root);

// The memory this process may use: the machine's, or its control group's limit when lower
// (a container's). 0 when neither can be read.
std::size_t usable_memory();

// A size flag's value: "512M", "4G", "1.5G", "2T", "100000" (bytes), from 1M to 1024T. Throws
// UsageError naming the flag otherwise.
std::size_t parse_size(const std::string& flag, const std::string& text);

// The bound of a linearizability check's search (lin::CheckOptions::memory_bytes): a third of
// the usable memory, room left for the history itself and for the cache's arrays while they
// grow; 4 GiB when the memory cannot be read.
std::uint64_t linearizability_memory_bound();

// prove: Z3 on the proof obligations (impl/cli/prove_command.cpp, spec/proofs/).
Command add_prove_command(CLI::App& root);

// node: one lock-service node (impl/cli/node_command.cpp); and `replay --node-log FILE`.
Command add_node_command(CLI::App& root);
int replay_node_log_command(const std::string& file, bool json);
// The lock service's client commands: lock acquire|release|hold, status, cluster up
// (impl/cli/lock_commands.cpp).
std::vector<Command> add_lock_commands(CLI::App& root);
// nemesis: a local lock cluster under injected faults, its history checked (impl/cli/nemesis_command.cpp).
Command add_nemesis_command(CLI::App& root);

}  // namespace lockstep::cli
