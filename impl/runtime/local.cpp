#include "impl/runtime/local.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>

#include <fstream>
#include <random>
#include <stdexcept>

namespace lockstep::runtime {

namespace {
bool port_free(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return ok;
}
}  // namespace

std::vector<std::uint16_t> free_loopback_ports(int n) {
  static std::mt19937 random(std::random_device{}() ^ static_cast<unsigned>(::getpid()));
  std::uniform_int_distribution<int> base_of(20000, 32000 - 16);
  for (int attempt = 0; attempt < 200; ++attempt) {
    const int base = base_of(random);
    std::vector<std::uint16_t> ports;
    for (int p = base; p < base + n && port_free(p); ++p) ports.push_back(static_cast<std::uint16_t>(p));
    if (static_cast<int>(ports.size()) == n) return ports;
  }
  throw std::runtime_error(fmt::format("no {} consecutive free ports in [20000, 32000) on 127.0.0.1", n));
}

std::string last_lines(const std::filesystem::path& file, std::size_t count) {
  std::ifstream in(file);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  std::string out;
  for (std::size_t i = lines.size() > count ? lines.size() - count : 0; i < lines.size(); ++i) out += "    " + lines[i] + "\n";
  return out;
}

}  // namespace lockstep::runtime
