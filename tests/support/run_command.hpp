// Test support: runs a shell command line and returns its exit code, stdout and stderr.
#pragma once

#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
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

// How a command ran: its exit code and its peak resident memory (wait4's ru_maxrss: the largest of
// the process and the children it waited for, in KiB).
struct MeasuredRun {
  int exit_code;
  long peak_rss_kib;
};

// Runs `command_line` with /bin/sh, which execs it (so that the peak is the command's own; put no
// shell pipeline in it). Its output goes where the command line redirects it.
inline MeasuredRun run_measured(const std::string& command_line) {
  const std::string exec_line = "exec " + command_line;
  const char* argv[] = {"/bin/sh", "-c", exec_line.c_str(), nullptr};
  pid_t pid = 0;
  if (posix_spawn(&pid, "/bin/sh", nullptr, nullptr, const_cast<char* const*>(argv), environ) != 0) return {-1, -1};
  int status = 0;
  struct rusage usage {};
  if (wait4(pid, &status, 0, &usage) != pid) return {-1, -1};
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, usage.ru_maxrss};
}

// Runs the lockstep binary under test with `args`.
inline CommandResult lockstep(const std::string& args) { return run_command(std::string(LOCKSTEP_BINARY) + " " + args); }

inline int line_count(const std::string& text) { return static_cast<int>(std::count(text.begin(), text.end(), '\n')); }

}  // namespace lockstep::testing
