#include "checker/shrink.hpp"

#include <algorithm>
#include <cassert>
#include <set>

namespace lockstep {

namespace {

// Splits `items` into `parts` contiguous chunks of sizes differing by at most one.
std::vector<std::vector<std::size_t>> split(const std::vector<std::size_t>& items, std::size_t parts) {
  assert(parts >= 1 && parts <= items.size());
  std::vector<std::vector<std::size_t>> chunks;
  std::size_t begin = 0;
  for (std::size_t i = 0; i < parts; ++i) {
    const std::size_t end = begin + (items.size() - begin) / (parts - i);
    chunks.emplace_back(items.begin() + static_cast<std::ptrdiff_t>(begin), items.begin() + static_cast<std::ptrdiff_t>(end));
    begin = end;
  }
  assert(begin == items.size());
  return chunks;
}

std::vector<std::size_t> without(const std::vector<std::size_t>& items, const std::vector<std::size_t>& chunk) {
  std::vector<std::size_t> out;
  std::set_difference(items.begin(), items.end(), chunk.begin(), chunk.end(), std::back_inserter(out));
  return out;
}

// Runs each candidate at most once, within the budget.
class Tester {
 public:
  Tester(const ShrinkTest& fails, const ShrinkOptions& options, ShrinkStats& stats)
      : fails_(fails), options_(options), stats_(stats) {}

  // The candidate cut after its first violation, or nothing when it does not fail.
  std::optional<std::vector<std::size_t>> failing(const std::vector<std::size_t>& candidate) {
    if (exhausted() || !tried_.insert(candidate).second) return std::nullopt;
    ++stats_.tests;
    const std::optional<std::size_t> length = fails_(candidate);
    if (!length) return std::nullopt;
    assert(*length >= 1 && *length <= candidate.size());
    return std::vector<std::size_t>(candidate.begin(), candidate.begin() + static_cast<std::ptrdiff_t>(*length));
  }
  bool exhausted() {
    if (stats_.tests >= options_.tests_max) stats_.tests_exhausted = true;
    return stats_.tests_exhausted;
  }

 private:
  const ShrinkTest& fails_;
  const ShrinkOptions& options_;
  ShrinkStats& stats_;
  std::set<std::vector<std::size_t>> tried_;
};

// One ddmin search from `current` down to a 1-minimal failing candidate.
std::vector<std::size_t> ddmin_pass(std::vector<std::size_t> current, Tester& tester) {
  std::size_t parts = 2;
  while (current.size() >= 2 && !tester.exhausted()) {
    parts = std::min(parts, current.size());
    const auto chunks = split(current, parts);
    std::optional<std::vector<std::size_t>> smaller;
    for (std::size_t i = 0; i < chunks.size() && !smaller; ++i) {
      if ((smaller = tester.failing(chunks[i]))) parts = 2;
    }
    for (std::size_t i = 0; i < chunks.size() && !smaller && parts > 2; ++i) {
      if ((smaller = tester.failing(without(current, chunks[i])))) parts = std::max<std::size_t>(parts - 1, 2);
    }
    if (smaller) {
      current = std::move(*smaller);
    } else if (parts >= current.size()) {
      break;  // every single action is needed: 1-minimal
    } else {
      parts = std::min(parts * 2, current.size());
    }
  }
  return current;
}

// A failing candidate without two of the actions of `current`, if there is one: actions that are
// only needed together, such as a crash and the restart after it.
std::optional<std::vector<std::size_t>> without_a_pair(const std::vector<std::size_t>& current, Tester& tester) {
  for (std::size_t i = 0; i + 1 < current.size(); ++i) {
    for (std::size_t j = i + 1; j < current.size(); ++j) {
      if (tester.exhausted()) return std::nullopt;
      if (auto smaller = tester.failing(without(current, {current[i], current[j]}))) return smaller;
    }
  }
  return std::nullopt;
}

// A failing candidate without a contiguous stretch of three or more actions of `current`,
// longest stretches first: ddmin cuts stretches aligned to its halves, quarters, ..., and a
// detour that straddles two of them (a leader's round of heartbeats before the step that
// matters) survives it although no single action or pair can go.
std::optional<std::vector<std::size_t>> without_a_stretch(const std::vector<std::size_t>& current, Tester& tester) {
  for (std::size_t length = current.size() - 1; length >= 3 && length < current.size(); --length) {
    for (std::size_t begin = 0; begin + length <= current.size(); ++begin) {
      if (tester.exhausted()) return std::nullopt;
      std::vector<std::size_t> candidate(current.begin(), current.begin() + static_cast<std::ptrdiff_t>(begin));
      candidate.insert(candidate.end(), current.begin() + static_cast<std::ptrdiff_t>(begin + length), current.end());
      if (auto smaller = tester.failing(candidate)) return smaller;
    }
  }
  return std::nullopt;
}

}  // namespace

std::vector<std::size_t> ddmin(std::size_t count, const ShrinkTest& fails, const ShrinkOptions& options,
                               ShrinkStats& stats) {
  std::vector<std::size_t> current(count);
  for (std::size_t i = 0; i < count; ++i) current[i] = i;
  Tester tester(fails, options, stats);
  if (auto cut = tester.failing(current)) current = std::move(*cut);
  assert(std::is_sorted(current.begin(), current.end()));
  while (true) {
    current = ddmin_pass(std::move(current), tester);
    auto smaller = without_a_stretch(current, tester);
    if (!smaller) smaller = without_a_pair(current, tester);
    if (!smaller) return current;
    current = std::move(*smaller);
  }
}

}  // namespace lockstep
