#include "checker/fingerprint_table.hpp"

#include <cassert>
#include <stdexcept>
#include <thread>

namespace lockstep {

FingerprintTable::FingerprintTable(std::size_t memory_bytes_max, unsigned capacity_log2)
    : fingerprints_(std::size_t{1} << capacity_log2, 0),
      parents_(std::size_t{1} << capacity_log2, no_parent),
      capacity_(std::size_t{1} << capacity_log2),
      shift_(64 - capacity_log2),
      memory_bytes_max_(memory_bytes_max) {}

FingerprintTable::Inserted FingerprintTable::insert(std::uint64_t fingerprint, std::uint32_t parent) {
  const std::uint64_t key = stored(fingerprint);
  const std::size_t mask = capacity_ - 1;
  for (std::size_t slot = home(key), probes = 0;; slot = (slot + 1) & mask, ++probes) {
    if (probes == capacity_) throw std::length_error("fingerprint table full");
    std::atomic_ref<std::uint64_t> cell(fingerprints_[slot]);
    std::uint64_t current = cell.load(std::memory_order_acquire);
    if (current == 0) {
      if (cell.compare_exchange_strong(current, key, std::memory_order_acq_rel)) {
        parents_[slot] = parent;
        size_.fetch_add(1, std::memory_order_relaxed);
        return {static_cast<std::uint32_t>(slot), true};
      }
      // Another thread claimed this slot first; `current` now holds what it wrote.
    }
    if (current == key) return {static_cast<std::uint32_t>(slot), false};
  }
}

std::optional<std::uint32_t> FingerprintTable::find(std::uint64_t fingerprint) const {
  const std::uint64_t key = stored(fingerprint);
  const std::size_t mask = capacity_ - 1;
  for (std::size_t slot = home(key), probes = 0; probes < capacity_; slot = (slot + 1) & mask, ++probes) {
    if (fingerprints_[slot] == key) return static_cast<std::uint32_t>(slot);
    if (fingerprints_[slot] == 0) return std::nullopt;
  }
  return std::nullopt;
}

std::vector<std::uint32_t> FingerprintTable::grow(unsigned threads) {
  std::vector<std::uint64_t> old_fingerprints(capacity_ * 2, 0);
  std::vector<std::uint32_t> old_parents(capacity_ * 2, no_parent);
  old_fingerprints.swap(fingerprints_);
  old_parents.swap(parents_);
  capacity_ *= 2;
  --shift_;
  size_.store(0, std::memory_order_relaxed);
  std::vector<std::uint32_t> moved(old_fingerprints.size(), no_parent);
  auto in_parallel = [&](std::size_t count, auto&& body) {
    threads = std::max(1u, threads);
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < threads; ++t) {
      pool.emplace_back([&, t] {
        for (std::size_t i = count * t / threads; i < count * (t + 1) / threads; ++i) body(i);
      });
    }
    for (auto& thread : pool) thread.join();
  };
  in_parallel(old_fingerprints.size(), [&](std::size_t slot) {
    if (old_fingerprints[slot] != 0) moved[slot] = insert(old_fingerprints[slot], old_parents[slot]).slot;
  });
  in_parallel(parents_.size(), [&](std::size_t slot) {
    if (parents_[slot] != no_parent) parents_[slot] = moved[parents_[slot]];
  });
  return moved;
}

}  // namespace lockstep
