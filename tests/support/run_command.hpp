// Test support: runs a shell command line and returns its exit code, stdout and stderr.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>

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

// Runs the lockstep binary under test with `args`.
inline CommandResult lockstep(const std::string& args) { return run_command(std::string(LOCKSTEP_BINARY) + " " + args); }

inline int line_count(const std::string& text) { return static_cast<int>(std::count(text.begin(), text.end(), '\n')); }

}  // namespace lockstep::testing
