// Node identities and the containers indexed by them. Node ids are 1-based (n1, n2, ...) so that
// traces read like the papers; 0 means "no node". Node-indexed data lives in PerNode and sets of
// nodes in NodeSet, so that symmetry reduction can permute them generically.
#pragma once

#include <bit>
#include <compare>
#include <cstdint>
#include <string>
#include <vector>

#include "model/core/expect.hpp"
#include "model/core/small_vec.hpp"

namespace lockstep {

struct NodeId {
  static constexpr bool lockstep_scalar = true;
  std::uint8_t value = 0;

  constexpr std::size_t index() const {
    LOCKSTEP_EXPECT(value > 0);
    return value - 1u;
  }
  constexpr bool is_none() const { return value == 0; }
  static constexpr NodeId at(std::size_t index) { return NodeId{static_cast<std::uint8_t>(index + 1)}; }
  friend bool operator==(const NodeId&, const NodeId&) = default;
  friend auto operator<=>(const NodeId&, const NodeId&) = default;
};

inline void lockstep_print(std::string& out, const NodeId& id) {
  if (id.is_none()) {
    out += "none";
  } else {
    out += 'n';
    out += std::to_string(id.value);
  }
}

// A client of the replicated service; 0 is "no client". Requests carry (client, sequence), and
// replies and redirects name them, so a client matches answers to requests and a retried
// request can be recognised. Client ids are only compared for equality, so they are
// interchangeable (model/core/permute.hpp renames them with the same table as the values of a
// model whose client i sends value i; a renaming that breaks that pairing is not kept).
struct ClientId {
  static constexpr bool lockstep_scalar = true;
  static constexpr bool lockstep_symmetric_value = true;
  std::uint32_t value = 0;
  constexpr bool is_none() const { return value == 0; }
  friend bool operator==(const ClientId&, const ClientId&) = default;
  friend auto operator<=>(const ClientId&, const ClientId&) = default;
};

inline void lockstep_print(std::string& out, const ClientId& id) {
  if (id.is_none()) {
    out += "none";
  } else {
    out += 'c';
    out += std::to_string(id.value);
  }
}

inline constexpr std::size_t node_count_max = 9;

// A set of node ids as a bit mask (bit i = node n(i+1)).
struct NodeSet {
  std::uint32_t bits = 0;

  constexpr bool contains(NodeId id) const { return (bits >> id.index()) & 1u; }
  constexpr void insert(NodeId id) { bits |= 1u << id.index(); }
  constexpr void erase(NodeId id) { bits &= ~(1u << id.index()); }
  constexpr int size() const { return std::popcount(bits); }
  constexpr bool empty() const { return bits == 0; }
  friend bool operator==(const NodeSet&, const NodeSet&) = default;
  friend auto operator<=>(const NodeSet&, const NodeSet&) = default;
};

// Data kept for every node, indexed by NodeId (inline: at most node_count_max nodes).
template <class T>
struct PerNode {
  SmallVec<T, node_count_max> items;

  PerNode() = default;
  explicit PerNode(std::size_t count, const T& initial = T{}) : items(count, initial) {}
  T& operator[](NodeId id) {
    LOCKSTEP_EXPECT(id.index() < items.size());
    return items[id.index()];
  }
  const T& operator[](NodeId id) const {
    LOCKSTEP_EXPECT(id.index() < items.size());
    return items[id.index()];
  }
  std::size_t size() const { return items.size(); }
  friend bool operator==(const PerNode&, const PerNode&) = default;
  friend auto operator<=>(const PerNode&, const PerNode&) = default;
};

template <class T>
struct is_per_node : std::false_type {};
template <class T>
struct is_per_node<PerNode<T>> : std::true_type {};

// Majority quorum size for `count` members.
constexpr int majority(std::size_t count) { return static_cast<int>(count / 2 + 1); }

}  // namespace lockstep
