// A cluster's membership as given on the command line: "1=127.0.0.1:7001,2=127.0.0.1:7002,...".
// Node ids are 1..n, each once (the step functions number nodes 1..node_count); n is at most
// node_count_max. The cluster id (carried in every connection's Hello) hashes the member list,
// so a process configured for another cluster is refused at the handshake (and a peer running
// the other protocol, by the Hello's protocol).
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "impl/runtime/wire.hpp"
#include "spec/proofs/quorums.hpp"

namespace lockstep::runtime {

struct ClusterError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Member {
  std::uint8_t id = 0;
  std::string host;
  std::uint16_t port = 0;
  std::string address() const { return host + ":" + std::to_string(port); }
};

struct Cluster {
  std::vector<Member> members;  // sorted by id: members[i].id == i + 1

  std::size_t size() const { return members.size(); }
  const Member& member(std::uint8_t id) const { return members.at(id - 1u); }
  bool has(std::uint8_t id) const { return id >= 1 && id <= members.size(); }
  // The spec it was parsed from, in canonical form (sorted by id).
  std::string spec() const;
  std::uint64_t id() const;

  // Throws ClusterError with a message naming the bad part, or, should its quorums not all
  // intersect, the two that do not (the check of spec/proofs/quorums.hpp, by Z3).
  static Cluster parse(std::string_view spec);
  // The quorums the nodes decide with: majorities of the members.
  proofs::QuorumRule quorums() const;
  // Throws ClusterError naming two disjoint quorums unless every quorum of `first` meets every
  // quorum of `second`.
  static void require_intersecting(const proofs::QuorumRule& first, const proofs::QuorumRule& second);
};

// "10s", "250ms", "2m", "1.5s" or a bare number of seconds -> milliseconds; throws
// std::invalid_argument with a clear message.
std::uint64_t parse_duration_ms(std::string_view text);

}  // namespace lockstep::runtime
