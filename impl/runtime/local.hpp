// Helpers for the tools that run a local cluster on loopback (nemesis, cluster up, the benchmark,
// the integration tests): free ports, and the end of a process's log for an error message.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace lockstep::runtime {

// n consecutive free TCP ports on 127.0.0.1, from a random base in [20000, 32000): below the
// kernel's ephemeral range, so an outbound connection cannot take one of them between this check
// and a server's bind. A port counts as free when it binds without SO_REUSEADDR (one in TIME_WAIT
// or listened on does not). Throws std::runtime_error when 200 bases all fail.
std::vector<std::uint16_t> free_loopback_ports(int n);

// The last `count` lines of a text file, each indented by four spaces (for an error message).
std::string last_lines(const std::filesystem::path& file, std::size_t count);

}  // namespace lockstep::runtime
