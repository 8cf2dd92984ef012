// Test support: runs a shell command line and returns its exit code, stdout and stderr.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

namespace lockstep::testing {

struct CommandResult {
  int exit_code;
  std::string out;
  std::string err;
};

inline std::string read_file(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

inline CommandResult run_command(const std::string& command_line) {
  static int runs = 0;
  const std::string err_path = ::testing::TempDir() + "lockstep_command_err_" + std::to_string(++runs) + ".txt";
  FILE* pipe = popen((command_line + " 2>" + err_path).c_str(), "r");
  std::string out;
  std::array<char, 4096> buffer{};
  while (const std::size_t n = std::fread(buffer.data(), 1, buffer.size(), pipe)) out.append(buffer.data(), n);
  const int status = pclose(pipe);
  CommandResult result{WIFEXITED(status) ? WEXITSTATUS(status) : -1, out, read_file(err_path)};
  std::remove(err_path.c_str());
  return result;
}

// How a command ran, and its peak resident memory in KiB.
struct MeasuredRun : CommandResult {
  long peak_rss_kib;  // -1: not measured
};

inline bool can_measure_memory() { return access("/usr/bin/time", X_OK) == 0; }

// Runs `command_line` under GNU time, which reports the peak resident memory of the command and
// of the children it waited for (ru_maxrss). Measured from here instead (wait4), the figure could
// not be smaller than this process's own: a child starts its peak from its parent's.
inline MeasuredRun run_measured(const std::string& command_line) {
  static int runs = 0;
  const std::string rss_path = ::testing::TempDir() + "lockstep_command_rss_" + std::to_string(++runs) + ".txt";
  const CommandResult result = run_command("/usr/bin/time -f %M -o " + rss_path + " " + command_line);
  // Its last line (a command that fails gets "Command exited with non-zero status N" first).
  const std::string report = read_file(rss_path);
  std::remove(rss_path.c_str());
  const std::size_t last = report.find_last_not_of("\n");
  const std::size_t line = last == std::string::npos ? 0 : report.find_last_of('\n', last) + 1;
  const long rss = last == std::string::npos ? -1 : std::atol(report.substr(line, last + 1 - line).c_str());
  return {result, rss};
}

// Runs the lockstep binary under test with `args`.
inline CommandResult lockstep(const std::string& args) { return run_command(std::string(LOCKSTEP_BINARY) + " " + args); }

inline int line_count(const std::string& text) { return static_cast<int>(std::count(text.begin(), text.end(), '\n')); }

}  // namespace lockstep::testing
