// The set of visited states: one 64-bit fingerprint and one 32-bit parent link per state, in an
// open-addressing table (12 bytes a slot). A state's identity is its slot; the parent link is
// the slot of the state it was first reached from, so the shortest trace to any state can be
// rebuilt by walking parents and re-executing. Whole states are never kept.
//
// insert() is safe to call from several threads at once (a compare-and-swap claims a slot);
// grow() is not: the explorer calls it with every worker paused.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

namespace lockstep {

class FingerprintTable {
 public:
  static constexpr std::uint32_t no_parent = UINT32_MAX;
  static constexpr std::size_t bytes_per_slot = sizeof(std::uint64_t) + sizeof(std::uint32_t);

  // `memory_bytes_max` = 0: grow without bound (up to 2^32 slots).
  explicit FingerprintTable(std::size_t memory_bytes_max = 0, unsigned capacity_log2 = 12);

  struct Inserted {
    std::uint32_t slot;
    bool is_new;
  };
  Inserted insert(std::uint64_t fingerprint, std::uint32_t parent);
  std::optional<std::uint32_t> find(std::uint64_t fingerprint) const;
  // Starts loading the slot where `fingerprint` would go (insert it a little later).
  void prefetch(std::uint64_t fingerprint) const { __builtin_prefetch(&fingerprints_[home(stored(fingerprint))]); }

  std::uint32_t parent(std::uint32_t slot) const { return parents_[slot]; }
  std::size_t size() const { return size_.load(std::memory_order_relaxed); }
  std::size_t capacity() const { return capacity_; }
  std::size_t bytes() const { return capacity() * bytes_per_slot; }

  // Whether the table is loaded enough that it should grow before more inserts.
  bool needs_grow() const { return size() * 4 >= capacity() * 3; }
  // Whether doubling stays within the memory bound.
  bool can_grow() const {
    return capacity_ < (std::size_t{1} << 32) && (memory_bytes_max_ == 0 || 2 * bytes() <= memory_bytes_max_);
  }
  // Doubles the capacity, rehashing on `threads` threads. Returns old slot -> new slot, so
  // holders of slots can remap them.
  std::vector<std::uint32_t> grow(unsigned threads = 1);

 private:
  std::size_t home(std::uint64_t fingerprint) const { return fingerprint >> shift_; }
  static std::uint64_t stored(std::uint64_t fingerprint) { return fingerprint == 0 ? 1 : fingerprint; }

  std::vector<std::uint64_t> fingerprints_;  // 0 = empty slot
  std::vector<std::uint32_t> parents_;
  std::size_t capacity_;
  std::atomic<std::size_t> size_ = 0;
  unsigned shift_;
  std::size_t memory_bytes_max_;
};

}  // namespace lockstep
