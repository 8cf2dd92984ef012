// The set of visited states: one 64-bit fingerprint and one 32-bit value per state, 12 bytes a
// slot, kept at least 77% full once past 192 MiB (or under --memory), so at most 16 bytes a state
// there; a smaller table quadruples as it grows. Fingerprints live in buckets of
// eight (one cache line, probed linearly bucket after bucket); a state's identity is its slot.
// Whole states are never kept. What the 32-bit value holds is declared when the table is made
// (SlotValue): for breadth-first search, the parent link, the slot of the state it was first
// reached from, so that the shortest trace to any state can be rebuilt by walking parents and
// re-executing; for depth-first search, the smallest depth at which it reached the state.
//
// The home bucket is the fingerprint scaled to the bucket count ("fastrange"), which is
// monotone: growing the table moves entries forward in order, so a rehash is one sequential
// pass, and the table can grow by 20% at a time (which keeps it dense) without that costing
// much.
//
// insert() is safe to call from several threads at once (a compare-and-swap claims a slot);
// grow() is not: the explorer calls it with every worker paused.
#pragma once

#include <algorithm>
#include <atomic>
#include <cassert>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

namespace lockstep {

class FingerprintTable {
 public:
  static constexpr std::uint32_t no_parent = UINT32_MAX - 1;
  static constexpr std::uint32_t unwritten = UINT32_MAX;  // a slot's value before its insert stores it
  static constexpr std::size_t bucket_slots = 8;
  static constexpr std::size_t bytes_per_slot = sizeof(std::uint64_t) + sizeof(std::uint32_t);
  static constexpr double load_max = 0.92;
  static constexpr double growth = 1.2;
  static constexpr std::size_t fast_growth_slots = std::size_t{1} << 24;  // 192 MiB: below, x4 steps (no --memory)

  // What the 32-bit value kept with each fingerprint is.
  enum class SlotValue {
    parent,  // the slot of the state it was first reached from (no_parent for an initial state);
             // renumbered when the table grows and its slots move
    depth,   // the smallest depth at which a depth-first search has reached the state
  };

  // `memory_bytes_max` = 0: grow without bound (up to 2^32 slots). `bucket_count` = 0: the
  // default, initial_buckets, or as many as an eighth of the memory bound holds (at least
  // min_buckets).
  explicit FingerprintTable(std::size_t memory_bytes_max = 0, SlotValue kept = SlotValue::parent,
                            std::size_t bucket_count = 0);
  // A search starts with room for about a million states (12 MiB), as TLC and SPIN allocate their
  // hash tables up front: growing through the sizes below it rehashes every state once more and
  // pauses every worker while one thread does it (measured: `check raft-tla`, 705,532 states,
  // about 10% faster with 2 workers, 3% with 1).
  static constexpr std::size_t initial_buckets = std::size_t{1} << 17;
  static constexpr std::size_t min_buckets = 512;
  // The buckets that hold `states` at most three quarters full (fewer probes than at load_max),
  // but no more than `memory_bytes_max` allows (0 = no bound): for a search told how many
  // states to expect. 0 when `states` is 0 (the default start).
  static std::size_t buckets_for(std::uint64_t states, std::size_t memory_bytes_max) {
    if (states == 0) return 0;
    const std::uint64_t slots = states + states / 3 + 1;
    std::size_t buckets = std::max<std::size_t>(min_buckets, static_cast<std::size_t>((slots + bucket_slots - 1) / bucket_slots));
    buckets = std::min<std::size_t>(buckets, (std::size_t{no_parent} - 1) / bucket_slots);
    if (memory_bytes_max != 0) {
      buckets = std::min(buckets, std::max(min_buckets, memory_bytes_max / (bucket_slots * bytes_per_slot)));
    }
    return buckets;
  }

  struct Inserted {
    std::uint32_t slot;
    bool is_new;
  };
  // Inserts a fingerprint with its value (a parent slot or a depth, as the table keeps).
  Inserted insert(std::uint64_t fingerprint, std::uint32_t value, std::uint64_t* new_marks = nullptr) {
    const Inserted inserted = insert_uncounted(fingerprint, value, new_marks);
    if (inserted.is_new) count_inserted(1);
    return inserted;
  }
  // For parallel inserters: insert without counting, then count_inserted() what was new, a few
  // at a time (a counter shared by every core, touched on every insert, would be a bottleneck).
  // Growth is decided on the count, so it may lag by a few states (the load bound has room).
  // `new_marks`, if given, is a bit map over the slots: a new state's bit is set before its
  // value is stored, so that whoever reads the value (written_value) sees the bit too.
  Inserted insert_uncounted(std::uint64_t fingerprint, std::uint32_t value, std::uint64_t* new_marks = nullptr);
  // Sets a slot's bit in a bit map over the slots (as insert_uncounted sets `new_marks`); safe
  // from several threads at once.
  static void mark(std::uint64_t* bits, std::size_t slot) {
    std::atomic_ref<std::uint64_t>(bits[slot / 64]).fetch_or(std::uint64_t{1} << (slot % 64), std::memory_order_relaxed);
  }
  void count_inserted(std::size_t n) {
    if (n > 0) size_.fetch_add(n, std::memory_order_relaxed);
  }
  std::optional<std::uint32_t> find(std::uint64_t fingerprint) const;
  // The first slot of the bucket where `fingerprint` would go (most land there or in the next).
  std::size_t home_slot(std::uint64_t fingerprint) const { return home(stored(fingerprint)) * bucket_slots; }
  // Starts loading the bucket where `fingerprint` would go (insert it a little later), and, if
  // `values`, its values: where a duplicate's is read at once (a parent link).
  void prefetch(std::uint64_t fingerprint, bool values = true) const {
    const std::size_t bucket = home(stored(fingerprint));
    __builtin_prefetch(&buckets_[bucket]);
    if (values) __builtin_prefetch(&values_[bucket * bucket_slots]);
  }

  std::uint32_t parent(std::uint32_t slot) const {
    assert(kept_ == SlotValue::parent);
    return values_[slot];
  }
  std::uint32_t depth(std::uint32_t slot) const {
    assert(kept_ == SlotValue::depth);
    return values_[slot];
  }
  // The value of a slot that another thread may be inserting right now: a slot's fingerprint is
  // claimed before its value is stored, so this waits (a few instructions) for the store. (No
  // value is ever `unwritten`: slots stop below it, and no_parent and depths differ from it.)
  std::uint32_t written_value(std::uint32_t slot) const {
    std::atomic_ref<std::uint32_t> value(values_[slot]);
    std::uint32_t v;
    while ((v = value.load(std::memory_order_acquire)) == unwritten) {
    }
    return v;
  }
  // The fingerprint kept in a slot that holds one (0 maps to 1, as stored).
  std::uint64_t fingerprint_at(std::uint32_t slot) const {
    return std::atomic_ref<std::uint64_t>(buckets_[slot / bucket_slots].fingerprints[slot % bucket_slots])
        .load(std::memory_order_relaxed);
  }
  // Makes `candidate` the slot's parent if its fingerprint is less than the current parent's: with
  // every predecessor of a level offered, the parent is the one of least fingerprint, whatever the
  // order (and the threads) they were offered in. Safe to call from several threads at once.
  // `candidate_fingerprint` is the candidate's (as fingerprint_at would read it back).
  void offer_parent(std::uint32_t slot, std::uint32_t candidate, std::uint64_t candidate_fingerprint) {
    assert(kept_ == SlotValue::parent);
    std::atomic_ref<std::uint32_t> value(values_[slot]);
    const std::uint64_t key = stored(candidate_fingerprint);
    std::uint32_t current = written_value(slot);
    while (current != candidate && key < fingerprint_at(current) &&
           !value.compare_exchange_weak(current, candidate, std::memory_order_acq_rel)) {
    }
  }
  // Single-threaded use only (depth-first search).
  void set_depth(std::uint32_t slot, std::uint32_t depth) {
    assert(kept_ == SlotValue::depth);
    values_[slot] = depth;
  }
  std::size_t size() const { return size_.load(std::memory_order_relaxed); }
  std::size_t capacity() const { return bucket_count_ * bucket_slots; }
  std::size_t bytes() const { return capacity() * bytes_per_slot; }

  // Whether the table should grow before more inserts.
  bool needs_grow() const { return size() >= grow_at_; }
  // The capacity the next growth would reach, and whether the memory bound allows it.
  std::size_t next_bucket_count() const;
  bool can_grow() const;
  // Grows the capacity by `growth`, rehashing on `threads` threads (and renumbering parent
  // links). Returns old slot -> new slot, so holders of slots can remap them.
  std::vector<std::uint32_t> grow(unsigned threads = 1);

  // For checkpoints (checker/engine/checkpoint.hpp): the table's parts, written and read back
  // verbatim, so that every slot keeps its number. write(data, bytes) / read(data, bytes).
  std::size_t bucket_count() const { return bucket_count_; }
  template <class Write>
  void save(Write&& write) const {
    write(buckets_.get(), bucket_count_ * sizeof(Bucket));
    write(values_.get(), capacity() * sizeof(std::uint32_t));
  }
  // Whether a table of `bucket_count` buckets is within the memory bound.
  bool fits(std::size_t bucket_count) const {
    return memory_bytes_max_ == 0 || bucket_count * bucket_slots * bytes_per_slot <= memory_bytes_max_;
  }
  template <class Read>
  void restore(std::size_t bucket_count, std::size_t size, Read&& read) {
    allocate(bucket_count);
    read(buckets_.get(), bucket_count_ * sizeof(Bucket));
    read(values_.get(), capacity() * sizeof(std::uint32_t));
    size_.store(size, std::memory_order_relaxed);
  }

 private:
  struct alignas(64) Bucket {
    std::uint64_t fingerprints[bucket_slots];
  };
  std::size_t home(std::uint64_t fingerprint) const {
    return static_cast<std::size_t>((static_cast<unsigned __int128>(fingerprint) * bucket_count_) >> 64);
  }
  static std::uint64_t stored(std::uint64_t fingerprint) { return fingerprint == 0 ? 1 : fingerprint; }
  void allocate(std::size_t bucket_count);

  std::unique_ptr<Bucket[]> buckets_;  // 0 = empty slot
  std::unique_ptr<std::uint32_t[]> values_;  // per slot, what kept_ says
  SlotValue kept_;
  std::size_t bucket_count_ = 0;
  std::size_t grow_at_ = 0;
  std::atomic<std::size_t> size_ = 0;
  std::size_t memory_bytes_max_;
};

}  // namespace lockstep
