#include "checker/fingerprint_table.hpp"

#include <cassert>

namespace lockstep {

FingerprintTable::FingerprintTable(std::size_t memory_bytes_max, unsigned capacity_log2)
    : fingerprints_(std::size_t{1} << capacity_log2, 0),
      parents_(std::size_t{1} << capacity_log2, no_parent),
      shift_(64 - capacity_log2),
      memory_bytes_max_(memory_bytes_max) {}

FingerprintTable::Inserted FingerprintTable::insert(std::uint64_t fingerprint, std::uint32_t parent) {
  assert(size_ < capacity());
  const std::uint64_t key = stored(fingerprint);
  const std::size_t mask = capacity() - 1;
  for (std::size_t slot = home(key);; slot = (slot + 1) & mask) {
    if (fingerprints_[slot] == key) return {static_cast<std::uint32_t>(slot), false};
    if (fingerprints_[slot] == 0) {
      fingerprints_[slot] = key;
      parents_[slot] = parent;
      ++size_;
      return {static_cast<std::uint32_t>(slot), true};
    }
  }
}

std::optional<std::uint32_t> FingerprintTable::find(std::uint64_t fingerprint) const {
  const std::uint64_t key = stored(fingerprint);
  const std::size_t mask = capacity() - 1;
  for (std::size_t slot = home(key);; slot = (slot + 1) & mask) {
    if (fingerprints_[slot] == key) return static_cast<std::uint32_t>(slot);
    if (fingerprints_[slot] == 0) return std::nullopt;
  }
}

std::vector<std::uint32_t> FingerprintTable::grow() {
  std::vector<std::uint64_t> old_fingerprints(capacity() * 2, 0);
  std::vector<std::uint32_t> old_parents(capacity() * 2, no_parent);
  old_fingerprints.swap(fingerprints_);
  old_parents.swap(parents_);
  --shift_;
  size_ = 0;
  std::vector<std::uint32_t> moved(old_fingerprints.size(), no_parent);
  for (std::size_t slot = 0; slot < old_fingerprints.size(); ++slot) {
    if (old_fingerprints[slot] == 0) continue;
    moved[slot] = insert(old_fingerprints[slot], old_parents[slot]).slot;
  }
  for (auto& parent : parents_) {
    if (parent != no_parent) parent = moved[parent];
  }
  return moved;
}

}  // namespace lockstep
