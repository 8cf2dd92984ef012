// The fingerprint table the breadth-first search keeps its visited states in: inserts tell new
// from seen, a new state's bit in the caller's map is set before its value can be read, the
// parent kept is the offered one of least fingerprint whatever the order, and growth moves
// every slot and renumbers the parent links with it.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <random>
#include <thread>
#include <vector>

#include "checker/engine/fingerprint_table.hpp"

namespace lockstep {
namespace {

std::vector<std::uint64_t> fingerprints(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 random(seed);
  std::vector<std::uint64_t> out(n);
  for (auto& fp : out) fp = random();
  return out;
}

bool marked(const std::vector<std::uint64_t>& bits, std::uint32_t slot) { return (bits[slot / 64] >> (slot % 64)) & 1; }

TEST(FingerprintTable, tells_new_from_seen_and_marks_only_new_states) {
  FingerprintTable table(0, FingerprintTable::SlotValue::parent, 64);
  const auto fps = fingerprints(300, 1);  // within the load bound of 512 slots
  std::vector<std::uint64_t> marks(table.capacity() / 64 + 1, 0);
  std::vector<std::uint32_t> slots;
  for (std::size_t i = 0; i < fps.size(); ++i) {
    const auto inserted = table.insert(fps[i], FingerprintTable::no_parent, marks.data());
    ASSERT_TRUE(inserted.is_new) << i;
    EXPECT_TRUE(marked(marks, inserted.slot));
    slots.push_back(inserted.slot);
  }
  std::vector<std::uint64_t> later(marks.size(), 0);
  for (std::size_t i = 0; i < fps.size(); ++i) {
    const auto again = table.insert(fps[i], 7, later.data());
    EXPECT_FALSE(again.is_new);
    EXPECT_EQ(again.slot, slots[i]);
    EXPECT_EQ(table.find(fps[i]), slots[i]);
    EXPECT_EQ(table.parent(again.slot), FingerprintTable::no_parent);  // a duplicate keeps its value
  }
  EXPECT_EQ(std::count(later.begin(), later.end(), 0u), static_cast<std::ptrdiff_t>(later.size()));
  EXPECT_EQ(table.size(), fps.size());
  EXPECT_FALSE(table.find(12345).has_value());
}

TEST(FingerprintTable, keeps_the_offered_parent_of_least_fingerprint_in_any_order) {
  const auto fps = fingerprints(40, 2);
  for (std::uint64_t order_seed = 0; order_seed < 5; ++order_seed) {
    FingerprintTable table(0, FingerprintTable::SlotValue::parent, 64);
    std::vector<std::uint32_t> slots;
    for (std::uint64_t fp : fps) slots.push_back(table.insert(fp, FingerprintTable::no_parent).slot);
    const std::uint64_t child = 0x1234'5678'9abc'def0ULL;
    const auto c = table.insert(child, slots[0]);
    ASSERT_TRUE(c.is_new);
    std::vector<std::size_t> order(fps.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::shuffle(order.begin(), order.end(), std::mt19937_64(order_seed));
    for (std::size_t i : order) table.offer_parent(c.slot, slots[i], fps[i]);
    const std::size_t least = static_cast<std::size_t>(std::min_element(fps.begin(), fps.end()) - fps.begin());
    EXPECT_EQ(table.parent(c.slot), slots[least]) << "order " << order_seed;
  }
}

// --expect-states: room for the states at most three quarters full, within the memory bound;
// 0 leaves the default start.
TEST(FingerprintTable, buckets_for_expected_states_hold_them_within_the_memory_bound) {
  EXPECT_EQ(FingerprintTable::buckets_for(0, 0), 0u);
  EXPECT_EQ(FingerprintTable::buckets_for(10, 0), FingerprintTable::min_buckets);
  for (const std::uint64_t states : {std::uint64_t{100000}, std::uint64_t{8220065}, std::uint64_t{3000000000}}) {
    const std::size_t buckets = FingerprintTable::buckets_for(states, 0);
    const double slots = static_cast<double>(buckets * FingerprintTable::bucket_slots);
    EXPECT_LE(static_cast<double>(states), slots * 0.75 + 1) << states;
    EXPECT_GE(static_cast<double>(states), slots * 0.74) << states;
    EXPECT_LT(buckets * FingerprintTable::bucket_slots, std::size_t{FingerprintTable::no_parent}) << states;
  }
  const std::size_t bound = std::size_t{64} << 20;
  const std::size_t bounded = FingerprintTable::buckets_for(100000000, bound);
  EXPECT_LE(bounded * FingerprintTable::bucket_slots * FingerprintTable::bytes_per_slot, bound);
  // A table made with them holds that many fingerprints before it asks to grow.
  FingerprintTable table(0, FingerprintTable::SlotValue::parent, FingerprintTable::buckets_for(50000, 0));
  for (const std::uint64_t fp : fingerprints(50000, 11)) ASSERT_TRUE(table.insert(fp, FingerprintTable::no_parent).is_new);
  EXPECT_FALSE(table.needs_grow());
}

// A small table quadruples (fewer rehashes on the way up); under a memory bound it grows by 20%.
TEST(FingerprintTable, a_small_table_quadruples_and_a_bounded_one_grows_by_a_fifth) {
  const FingerprintTable small(0, FingerprintTable::SlotValue::parent, 1000);
  EXPECT_EQ(small.next_bucket_count(), 4000u);
  const FingerprintTable bounded(std::size_t{64} << 20, FingerprintTable::SlotValue::parent, 1000);
  EXPECT_EQ(bounded.next_bucket_count(), 1200u);
}

TEST(FingerprintTable, growth_moves_every_slot_and_its_parent_link) {
  FingerprintTable table(0, FingerprintTable::SlotValue::parent, 16);
  const auto fps = fingerprints(5000, 3);
  // A chain: state i's parent is state i-1.
  std::vector<std::uint32_t> slots;
  for (std::size_t i = 0; i < fps.size(); ++i) {
    if (table.needs_grow()) {
      const auto moved = table.grow(2);
      for (auto& slot : slots) slot = moved[slot];
    }
    slots.push_back(table.insert(fps[i], i == 0 ? FingerprintTable::no_parent : slots[i - 1]).slot);
  }
  ASSERT_GT(table.capacity(), std::size_t{16} * FingerprintTable::bucket_slots);
  for (std::size_t i = 0; i < fps.size(); ++i) {
    ASSERT_EQ(table.find(fps[i]), slots[i]) << i;
    ASSERT_EQ(table.parent(slots[i]), i == 0 ? FingerprintTable::no_parent : slots[i - 1]) << i;
  }
}

// Two threads insert overlapping fingerprints: every fingerprint is new exactly once, and a
// thread that finds one already there and reads its value sees its bit set.
TEST(FingerprintTable, a_state_seen_by_another_thread_is_marked_once_its_value_is_read) {
  FingerprintTable table(0, FingerprintTable::SlotValue::parent, 1 << 12);
  const auto fps = fingerprints(20000, 4);
  std::vector<std::uint64_t> marks(table.capacity() / 64 + 1, 0);
  std::atomic<std::size_t> news = 0;
  std::atomic<std::size_t> unmarked = 0;
  const auto run = [&](std::uint64_t seed) {
    std::vector<std::size_t> order(fps.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::shuffle(order.begin(), order.end(), std::mt19937_64(seed));
    for (std::size_t i : order) {
      const auto inserted = table.insert_uncounted(fps[i], static_cast<std::uint32_t>(i), marks.data());
      if (inserted.is_new) {
        ++news;
        continue;
      }
      table.written_value(inserted.slot);
      const bool bit = (std::atomic_ref<std::uint64_t>(marks[inserted.slot / 64]).load(std::memory_order_relaxed) >>
                        (inserted.slot % 64)) & 1;
      if (!bit) ++unmarked;
    }
  };
  std::thread other(run, 5);
  run(6);
  other.join();
  EXPECT_EQ(news.load(), fps.size());
  EXPECT_EQ(unmarked.load(), 0u);
}

}  // namespace
}  // namespace lockstep
