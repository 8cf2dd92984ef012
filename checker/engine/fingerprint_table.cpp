#include "checker/engine/fingerprint_table.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <thread>

#include <sys/mman.h>

namespace lockstep {

namespace {
// Asks the kernel to back [data, data + bytes) with huge pages where it can (the table is probed
// at random: with 4 KiB pages most probes of a table past a few MiB also miss the TLB). Before
// the memory is first touched; a kernel that declines leaves the ordinary pages.
void prefer_huge_pages(void* data, std::size_t bytes) {
  constexpr std::uintptr_t huge = std::uintptr_t{2} << 20;
  const auto begin = (reinterpret_cast<std::uintptr_t>(data) + huge - 1) & ~(huge - 1);
  const auto end = (reinterpret_cast<std::uintptr_t>(data) + bytes) & ~(huge - 1);
  if (end > begin) ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
}

// Runs body(begin, end) over [0, count) split into `threads` contiguous ranges.
template <class Body>
void in_parallel(std::size_t count, unsigned threads, Body&& body) {
  threads = std::max(1u, threads);
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) {
    pool.emplace_back([&, t] { body(count * t / threads, count * (t + 1) / threads); });
  }
  body(0, count / threads);
  for (auto& thread : pool) thread.join();
}
}  // namespace

FingerprintTable::FingerprintTable(std::size_t memory_bytes_max, SlotValue kept, std::size_t bucket_count)
    : kept_(kept), memory_bytes_max_(memory_bytes_max) {
  if (bucket_count == 0) {
    bucket_count = initial_buckets;
    while (bucket_count > min_buckets && memory_bytes_max != 0 && bucket_count * bucket_slots * bytes_per_slot > memory_bytes_max / 8) {
      bucket_count /= 2;
    }
  }
  allocate(bucket_count);
}

void FingerprintTable::allocate(std::size_t bucket_count) {
  buckets_.reset(new Bucket[bucket_count]);
  prefer_huge_pages(buckets_.get(), bucket_count * sizeof(Bucket));
  std::memset(static_cast<void*>(buckets_.get()), 0, bucket_count * sizeof(Bucket));
  values_.reset(new std::uint32_t[bucket_count * bucket_slots]);
  prefer_huge_pages(values_.get(), bucket_count * bucket_slots * sizeof(std::uint32_t));
  std::fill_n(values_.get(), bucket_count * bucket_slots, unwritten);
  bucket_count_ = bucket_count;
  grow_at_ = static_cast<std::size_t>(static_cast<double>(capacity()) * load_max);
  size_.store(0, std::memory_order_relaxed);
}

FingerprintTable::Inserted FingerprintTable::insert_uncounted(std::uint64_t fingerprint, std::uint32_t value,
                                                              std::uint64_t* new_marks) {
  const std::uint64_t key = stored(fingerprint);
  std::size_t bucket = home(key);
  for (std::size_t probed = 0; probed < bucket_count_; ++probed) {
    for (std::size_t i = 0; i < bucket_slots; ++i) {
      std::atomic_ref<std::uint64_t> cell(buckets_[bucket].fingerprints[i]);
      std::uint64_t current = cell.load(std::memory_order_acquire);
      if (current == 0) {
        if (cell.compare_exchange_strong(current, key, std::memory_order_acq_rel)) {
          const std::size_t slot = bucket * bucket_slots + i;
          if (new_marks != nullptr) mark(new_marks, slot);
          std::atomic_ref<std::uint32_t>(values_[slot]).store(value, std::memory_order_release);
          return {static_cast<std::uint32_t>(slot), true};
        }
        // Another thread claimed this slot first; `current` now holds what it wrote.
      }
      if (current == key) return {static_cast<std::uint32_t>(bucket * bucket_slots + i), false};
    }
    bucket = bucket + 1 == bucket_count_ ? 0 : bucket + 1;
  }
  throw std::length_error("fingerprint table full");
}

std::optional<std::uint32_t> FingerprintTable::find(std::uint64_t fingerprint) const {
  const std::uint64_t key = stored(fingerprint);
  std::size_t bucket = home(key);
  for (std::size_t probed = 0; probed < bucket_count_; ++probed) {
    for (std::size_t i = 0; i < bucket_slots; ++i) {
      const std::uint64_t current = buckets_[bucket].fingerprints[i];
      if (current == key) return static_cast<std::uint32_t>(bucket * bucket_slots + i);
      if (current == 0) return std::nullopt;
    }
    bucket = bucket + 1 == bucket_count_ ? 0 : bucket + 1;
  }
  return std::nullopt;
}

std::size_t FingerprintTable::next_bucket_count() const {
  // Without a memory bound, a small table quadruples: 20% steps would rehash about six times the
  // final size (and pause the workers as many times) on the way to it, and every step touches a
  // fresh allocation, which the kernel must clear first. From the first million slots, x4 steps
  // reach fast_growth_slots in two (x2 took four: measured, paxos-tla with ballots 0..3, 8.2M
  // states, 1 worker, 5.8 s against 5.3 s). A x4 step stops at fast_growth_slots (a table sized
  // by --expect-states just below it grows to it, not to four times it). Past fast_growth_slots,
  // and always under --memory, 20% steps keep the table dense.
  const auto times = [this](double factor) {
    return std::max(bucket_count_ + 1, static_cast<std::size_t>(static_cast<double>(bucket_count_) * factor));
  };
  if (memory_bytes_max_ != 0 || capacity() >= fast_growth_slots) return times(growth);
  return std::max(times(growth), std::min(times(4.0), fast_growth_slots / bucket_slots));
}

bool FingerprintTable::can_grow() const {
  const std::size_t next = next_bucket_count();
  if (next * bucket_slots > no_parent) return false;  // slots stay below no_parent and unwritten
  // During a rehash both tables and the slot map exist at once.
  const std::size_t peak = bytes() + next * bucket_slots * (bytes_per_slot + sizeof(std::uint32_t));
  return memory_bytes_max_ == 0 || peak <= memory_bytes_max_;
}

std::vector<std::uint32_t> FingerprintTable::grow(unsigned threads) {
  std::unique_ptr<Bucket[]> old_buckets = std::move(buckets_);
  std::unique_ptr<std::uint32_t[]> old_values = std::move(values_);
  const std::size_t old_count = bucket_count_;
  const std::size_t old_size = size();
  // Threads pay off only on a large table: a small one is rehashed before they would start.
  if (old_count * bucket_slots < (std::size_t{1} << 20)) threads = 1;
  allocate(next_bucket_count());
  std::vector<std::uint32_t> moved(old_count * bucket_slots, no_parent);
  // Entries move forward in bucket order, so each thread's range of old buckets lands in
  // roughly its own range of new ones: a sequential pass.
  in_parallel(old_count, threads, [&](std::size_t begin, std::size_t end) {
    for (std::size_t b = begin; b < end; ++b) {
      for (std::size_t i = 0; i < bucket_slots; ++i) {
        const std::uint64_t fp = old_buckets[b].fingerprints[i];
        if (fp == 0) continue;
        const std::size_t old_slot = b * bucket_slots + i;
        moved[old_slot] = insert_uncounted(fp, old_values[old_slot]).slot;
      }
    }
  });
  size_.store(old_size, std::memory_order_relaxed);
  if (kept_ != SlotValue::parent) return moved;  // depths do not move with their slots
  in_parallel(capacity(), threads, [&](std::size_t begin, std::size_t end) {
    for (std::size_t slot = begin; slot < end; ++slot) {
      if (buckets_[slot / bucket_slots].fingerprints[slot % bucket_slots] == 0) continue;
      if (values_[slot] != no_parent) values_[slot] = moved[values_[slot]];
    }
  });
  return moved;
}

}  // namespace lockstep
