#include "impl/runtime/cluster.hpp"

#define XXH_INLINE_ALL
#include <xxhash.h>

#include <algorithm>
#include <charconv>
#include <cmath>

namespace lockstep::runtime {

std::uint32_t lock_slot(std::string_view name) {
  return static_cast<std::uint32_t>(XXH3_64bits(name.data(), name.size()) % lock_slots);
}

std::string Cluster::spec() const {
  std::string out;
  for (const Member& m : members) {
    if (!out.empty()) out += ',';
    out += std::to_string(m.id) + "=" + m.address();
  }
  return out;
}

std::uint64_t Cluster::id() const {
  const std::string text = spec();
  return XXH3_64bits(text.data(), text.size());
}

namespace {
std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t at = text.find(sep, start);
    parts.push_back(text.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
    if (at == std::string_view::npos) break;
    start = at + 1;
  }
  return parts;
}
template <class T>
bool parse_number(std::string_view text, T& out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && end == text.data() + text.size();
}
}  // namespace

Cluster Cluster::parse(std::string_view spec) {
  if (spec.empty()) throw ClusterError("--cluster is empty (expected 1=HOST:PORT,2=HOST:PORT,...)");
  Cluster cluster;
  for (std::string_view part : split(spec, ',')) {
    const std::string where = "--cluster member \"" + std::string(part) + "\"";
    const std::size_t eq = part.find('=');
    if (eq == std::string_view::npos) throw ClusterError(where + ": expected ID=HOST:PORT");
    unsigned id = 0;
    if (!parse_number(part.substr(0, eq), id) || id < 1 || id > node_count_max) {
      throw ClusterError(where + ": the id must be a number from 1 to " + std::to_string(node_count_max));
    }
    const std::string_view address = part.substr(eq + 1);
    const std::size_t colon = address.rfind(':');
    if (colon == std::string_view::npos || colon == 0) throw ClusterError(where + ": expected HOST:PORT after '='");
    unsigned port = 0;
    if (!parse_number(address.substr(colon + 1), port) || port < 1 || port > 65535) {
      throw ClusterError(where + ": the port must be a number from 1 to 65535");
    }
    cluster.members.push_back(Member{static_cast<std::uint8_t>(id), std::string(address.substr(0, colon)),
                                     static_cast<std::uint16_t>(port)});
  }
  std::sort(cluster.members.begin(), cluster.members.end(), [](const Member& a, const Member& b) { return a.id < b.id; });
  for (std::size_t i = 0; i < cluster.members.size(); ++i) {
    if (cluster.members[i].id != i + 1) {
      throw ClusterError("--cluster: node ids must be 1.." + std::to_string(cluster.members.size()) +
                         ", each once (id " + std::to_string(i + 1) + " is " +
                         (cluster.members[i].id < i + 1 ? "given twice" : "missing") + ")");
    }
  }
  // The nodes decide with majorities of the members (model/core/ids.hpp). The same Z3 check that
  // `lockstep prove` runs on quorum rules must find that any two of them meet.
  const proofs::QuorumRule quorums = cluster.quorums();
  require_intersecting(quorums, quorums);
  return cluster;
}

proofs::QuorumRule Cluster::quorums() const {
  std::vector<int> ids;
  for (const Member& m : members) ids.push_back(m.id);
  return proofs::majority_of(ids);
}

void Cluster::require_intersecting(const proofs::QuorumRule& first, const proofs::QuorumRule& second) {
  const proofs::QuorumCheck check = proofs::check_intersection(first, second);
  if (check.intersect) return;
  throw ClusterError("--cluster: quorums that need not meet (" + first.name + " against " + second.name + "): " + check.text() +
                     "; two such quorums could decide differently");
}

std::uint64_t parse_duration_ms(std::string_view text) {
  const std::string original(text);
  double scale = 1000;
  if (text.ends_with("ms")) {
    scale = 1;
    text.remove_suffix(2);
  } else if (text.ends_with("s")) {
    text.remove_suffix(1);
  } else if (text.ends_with("m")) {
    scale = 60000;
    text.remove_suffix(1);
  }
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || !(value >= 0) || std::isinf(value)) {
    throw std::invalid_argument("\"" + original + "\" is not a duration (e.g. 10s, 250ms, 2m)");
  }
  const double ms = value * scale;
  if (ms > 1e15) throw std::invalid_argument("\"" + original + "\" is too long a duration");
  return static_cast<std::uint64_t>(std::llround(ms));
}

}  // namespace lockstep::runtime
