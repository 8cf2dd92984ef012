// Renaming node ids (and interchangeable values) throughout a value, derived from reflection:
// the basis of symmetry reduction. Every NodeId becomes pi(id), every NodeSet is mapped bit by
// bit, every PerNode is reordered (the data of node i moves to pi(i)), every value of a type
// that declares itself interchangeable (`lockstep_symmetric_value`, a Scalar whose 0 means
// "none") is renamed too, and sorted containers (std::set, std::map, SmallSet) are rebuilt in
// order. A SmallVec that a model keeps sorted (a multiset) must be re-sorted by the model.
#pragma once

#include <algorithm>
#include <array>

#include "model/core/ids.hpp"
#include "model/core/reflect.hpp"
#include "model/core/small_vec.hpp"

namespace lockstep {

// A permutation of node ids 1..count (to[i] is the new id of node i+1) and of interchangeable
// values 1..value_count (value[v] is the new value of v; 0 stays 0).
struct NodePermutation {
  static constexpr std::size_t values_max = 16;
  std::array<NodeId, node_count_max> to{};
  std::size_t count = 0;
  std::array<std::uint8_t, values_max> value{};
  std::size_t value_count = 0;
  NodeId operator()(NodeId id) const { return id.is_none() ? id : to[id.index()]; }
};

template <class T>
concept SymmetricValue = Scalar<T> && requires { T::lockstep_symmetric_value; };

// Every permutation of `count` nodes (or only the identity when `nodes` is false) combined with
// every permutation of `value_count` values; the identity first.
std::vector<NodePermutation> all_node_permutations(std::size_t count, bool nodes = true, std::size_t value_count = 0);

template <class T>
void permute(T& value, const NodePermutation& pi);

// The largest interchangeable value (SymmetricValue) found anywhere in `value`, or 0.
template <class T>
std::size_t max_symmetric_value(const T& value) {
  constexpr Kind kind = kind_of<T>;
  std::size_t highest = 0;
  if constexpr (SymmetricValue<T>) {
    highest = value.value;
  } else if constexpr (kind == Kind::per_node) {
    highest = max_symmetric_value(value.items);
  } else if constexpr (kind == Kind::optional) {
    if (value) highest = max_symmetric_value(*value);
  } else if constexpr (kind == Kind::variant) {
    highest = std::visit([](const auto& alternative) { return max_symmetric_value(alternative); }, value);
  } else if constexpr (kind == Kind::sequence || kind == Kind::array || kind == Kind::set) {
    for (const auto& element : value) highest = std::max(highest, max_symmetric_value(element));
  } else if constexpr (kind == Kind::map) {
    for (const auto& [k, v] : value) highest = std::max({highest, max_symmetric_value(k), max_symmetric_value(v)});
  } else if constexpr (kind == Kind::pair) {
    highest = std::max(max_symmetric_value(value.first), max_symmetric_value(value.second));
  } else if constexpr (kind == Kind::record) {
    for_each_member(value, [&](const auto& field) { highest = std::max(highest, max_symmetric_value(field)); });
  }
  return highest;  // other scalars, numbers, names and node sets hold no interchangeable value
}

template <class T>
void permute(T& value, const NodePermutation& pi) {
  constexpr Kind kind = kind_of<T>;
  if constexpr (std::is_same_v<T, NodeId>) {
    value = pi(value);
  } else if constexpr (kind == Kind::node_set) {
    NodeSet mapped;
    for (std::size_t i = 0; i < pi.count; ++i) {
      if (value.contains(NodeId::at(i))) mapped.insert(pi(NodeId::at(i)));
    }
    value = mapped;
  } else if constexpr (kind == Kind::per_node) {
    if (value.items.size() != pi.count) return;  // empty (unused) per-node data stays empty
    auto old = value.items;
    for (std::size_t i = 0; i < old.size(); ++i) {
      permute(old[i], pi);
      value.items[pi(NodeId::at(i)).index()] = old[i];
    }
  } else if constexpr (SymmetricValue<T>) {
    if (value.value > 0 && value.value <= pi.value_count) value.value = pi.value[value.value];
  } else if constexpr (kind == Kind::scalar || kind == Kind::boolean || kind == Kind::integer ||
                       kind == Kind::enumeration) {
    // not a node id: unchanged
  } else if constexpr (kind == Kind::optional) {
    if (value) permute(*value, pi);
  } else if constexpr (kind == Kind::variant) {
    std::visit([&](auto& alternative) { permute(alternative, pi); }, value);
  } else if constexpr (kind == Kind::sequence || kind == Kind::array) {
    for (auto& element : value) permute(element, pi);
  } else if constexpr (kind == Kind::set) {
    T rebuilt;
    for (auto element : value) {
      permute(element, pi);
      rebuilt.insert(element);
    }
    value = rebuilt;
  } else if constexpr (kind == Kind::map) {
    T rebuilt;
    for (auto [k, v] : value) {
      permute(k, pi);
      permute(v, pi);
      rebuilt.emplace(std::move(k), std::move(v));
    }
    value = std::move(rebuilt);
  } else if constexpr (kind == Kind::pair) {
    permute(value.first, pi);
    permute(value.second, pi);
  } else if constexpr (kind == Kind::record) {
    for_each_member(value, [&](auto& field) { permute(field, pi); });
  } else {
    static_assert(always_false<T>, "lockstep: no node renaming for this type");
  }
}

}  // namespace lockstep
