// The set of visited states: one 64-bit fingerprint and one 32-bit parent link per state, in an
// open-addressing table (12 bytes a slot). A state's identity is its slot; the parent link is
// the slot of the state it was first reached from, so the shortest trace to any state can be
// rebuilt by walking parents and re-executing. Whole states are never kept.
#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

namespace lockstep {

class FingerprintTable {
 public:
  static constexpr std::uint32_t no_parent = UINT32_MAX;

  // `memory_bytes_max` = 0: grow without bound.
  explicit FingerprintTable(std::size_t memory_bytes_max = 0, unsigned capacity_log2 = 16);

  struct Inserted {
    std::uint32_t slot;
    bool is_new;
  };
  Inserted insert(std::uint64_t fingerprint, std::uint32_t parent);
  std::optional<std::uint32_t> find(std::uint64_t fingerprint) const;

  std::uint32_t parent(std::uint32_t slot) const { return parents_[slot]; }
  std::uint64_t fingerprint(std::uint32_t slot) const { return fingerprints_[slot]; }
  std::size_t size() const { return size_; }
  std::size_t capacity() const { return fingerprints_.size(); }
  std::size_t bytes() const { return capacity() * bytes_per_slot; }
  static constexpr std::size_t bytes_per_slot = sizeof(std::uint64_t) + sizeof(std::uint32_t);

  // Whether the next insert would pass the load limit.
  bool needs_grow() const { return (size_ + 1) * 4 > capacity() * 3; }
  // Whether growing stays within the memory bound.
  bool can_grow() const { return memory_bytes_max_ == 0 || 2 * bytes() <= memory_bytes_max_; }
  // Doubles the capacity. Returns old slot -> new slot, so holders of slots can remap them.
  std::vector<std::uint32_t> grow();

 private:
  std::size_t home(std::uint64_t fingerprint) const { return fingerprint >> shift_; }
  static std::uint64_t stored(std::uint64_t fingerprint) { return fingerprint == 0 ? 1 : fingerprint; }

  std::vector<std::uint64_t> fingerprints_;  // 0 = empty slot
  std::vector<std::uint32_t> parents_;
  std::size_t size_ = 0;
  unsigned shift_;
  std::size_t memory_bytes_max_;
};

}  // namespace lockstep
