// Sleep sets (Godefroid) for the breadth-first search's partial-order reduction
// (checker/engine/bfs.hpp, --por): for each state of a level, the actions that need not be taken
// from it because another order of the same independent actions reaches the same states.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <mutex>
#include <optional>
#include <vector>

#include "checker/engine/fingerprint_table.hpp"

namespace lockstep::detail {

// The sleep sets of two levels: the one being expanded (read only) and the next (written by
// every worker, sharded under locks together with the fingerprint insert, so that a state's
// first arrival and later ones of the same level are ordered). Each shard is a flat
// open-addressing map from fingerprint to a range of one arena of actions: no allocation per
// state, and a level's sets are dropped by clearing two vectors.
template <class Action>
class SleepSets {
 public:
  struct Range {
    const Action* begin;
    const Action* end;
    bool contains(const Action& a) const { return std::find(begin, end, a) != end; }
  };
  std::optional<Range> current(std::uint64_t fp) const {
    const Map& map = current_[shard_of(fp)];
    const Entry* e = map.find(fp);
    if (e == nullptr) return std::nullopt;
    return Range{map.arena.data() + e->offset, map.arena.data() + e->offset + e->size};
  }
  // Inserts a successor with its sleep set. `this_level` tells whether the state belongs to the
  // next level (new now, or first reached earlier in this level), so that it will be expanded
  // after every arrival of this level has narrowed its sleep set.
  FingerprintTable::Inserted insert(FingerprintTable& table, std::uint64_t fp, std::uint32_t parent,
                                    const std::vector<Action>& sleep, bool& this_level, std::uint64_t* new_marks) {
    Shard& shard = next_[shard_of(fp)];
    std::lock_guard lock(shard.mutex);
    const auto inserted = table.insert_uncounted(fp, parent, new_marks);
    this_level = inserted.is_new;
    if (inserted.is_new) {
      shard.map.add(fp, sleep);
    } else if (Entry* e = shard.map.find(fp)) {
      this_level = true;  // reached again in this level: keep what both arrivals let sleep
      Action* kept = shard.map.arena.data() + e->offset;
      std::uint32_t n = 0;
      for (std::uint32_t i = 0; i < e->size; ++i) {
        if (std::find(sleep.begin(), sleep.end(), kept[i]) != sleep.end()) kept[n++] = kept[i];
      }
      e->size = n;
    }
    return inserted;
  }
  void next_level() {
    for (std::size_t i = 0; i < shards; ++i) {
      std::swap(current_[i], next_[i].map);
      next_[i].map.clear();
    }
  }

 private:
  static constexpr std::size_t shards = 64;
  static std::size_t shard_of(std::uint64_t fp) { return static_cast<std::size_t>(fp >> 58); }
  struct Entry {
    std::uint64_t fp = 0;  // 0: empty (a fingerprint of 0 is stored as 1)
    std::uint32_t offset = 0;
    std::uint32_t size = 0;
  };
  struct Map {
    std::vector<Entry> slots;
    std::vector<Action> arena;
    std::size_t used = 0;
    static std::uint64_t key(std::uint64_t fp) { return fp == 0 ? 1 : fp; }
    const Entry* find(std::uint64_t fp) const { return const_cast<Map*>(this)->find(fp); }
    Entry* find(std::uint64_t fp) {
      if (slots.empty()) return nullptr;
      const std::uint64_t k = key(fp);
      for (std::size_t i = k & (slots.size() - 1);; i = (i + 1) & (slots.size() - 1)) {
        if (slots[i].fp == k) return &slots[i];
        if (slots[i].fp == 0) return nullptr;
      }
    }
    void add(std::uint64_t fp, const std::vector<Action>& sleep) {
      if ((used + 1) * 2 > slots.size()) grow();
      const std::uint64_t k = key(fp);
      std::size_t i = k & (slots.size() - 1);
      while (slots[i].fp != 0) i = (i + 1) & (slots.size() - 1);
      slots[i] = Entry{k, static_cast<std::uint32_t>(arena.size()), static_cast<std::uint32_t>(sleep.size())};
      arena.insert(arena.end(), sleep.begin(), sleep.end());
      ++used;
    }
    void grow() {
      std::vector<Entry> old = std::move(slots);
      slots.assign(std::max<std::size_t>(64, old.size() * 2), Entry{});
      for (const Entry& e : old) {
        if (e.fp == 0) continue;
        std::size_t i = e.fp & (slots.size() - 1);
        while (slots[i].fp != 0) i = (i + 1) & (slots.size() - 1);
        slots[i] = e;
      }
    }
    void clear() {
      std::fill(slots.begin(), slots.end(), Entry{});
      arena.clear();
      used = 0;
    }
  };
  struct Shard {
    std::mutex mutex;
    Map map;
  };
  std::array<Map, shards> current_;
  std::array<Shard, shards> next_;
};

}  // namespace lockstep::detail
