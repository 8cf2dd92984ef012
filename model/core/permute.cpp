#include "model/core/permute.hpp"

#include <numeric>

namespace lockstep {

std::vector<NodePermutation> all_node_permutations(std::size_t count, bool nodes, std::size_t value_count) {
  std::array<std::uint8_t, node_count_max> order{};
  std::iota(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(count), std::uint8_t{1});
  const auto node_end = order.begin() + static_cast<std::ptrdiff_t>(nodes ? count : 0);
  std::vector<NodePermutation> out;
  do {
    std::array<std::uint8_t, NodePermutation::values_max> values{};
    std::iota(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(value_count), std::uint8_t{1});
    const auto value_end = values.begin() + static_cast<std::ptrdiff_t>(value_count);
    do {
      NodePermutation pi;
      pi.count = count;
      for (std::size_t i = 0; i < count; ++i) pi.to[i] = NodeId{order[i]};
      pi.value_count = value_count;
      for (std::size_t v = 0; v < value_count; ++v) pi.value[v + 1] = values[v];
      out.push_back(pi);
    } while (std::next_permutation(values.begin(), value_end));
  } while (std::next_permutation(order.begin(), node_end));
  return out;
}

}  // namespace lockstep
