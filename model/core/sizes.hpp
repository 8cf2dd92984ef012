// One source, two sizes. Every protocol is a template over a size policy, and its step code is
// the same text for both:
//   ModelSizes    what the checker explores: 8-bit terms, indexes and rounds, inline logs and
//                 effect lists (copying a state copies bytes, never the heap), and the checker's
//                 own knobs (seeded bugs, bounds) compiled in;
//   RuntimeSizes  what a node runs: 64-bit terms, indexes and rounds, a heap log that can hold
//                 millions of entries and starts at a base index (room for snapshots), and no
//                 seeded bug or model bound at all: `checked` is false, so every branch that
//                 tests one is discarded at compile time (`if constexpr (Sizes::checked)`).
#pragma once

#include <cstddef>
#include <concepts>
#include <cstdint>
#include <string_view>
#include <vector>

#include "model/core/log.hpp"
#include "model/core/reflect.hpp"
#include "model/core/small_vec.hpp"

namespace lockstep {

// A value kept only to help clients (e.g. the leader a follower last heard from, which it names
// in redirects): no protocol decision reads it. The runtime keeps it; the model keeps nothing,
// because the checker's clients try every node anyway, so a hint would only multiply states.
template <class T>
struct KeptHint {
  LOCKSTEP_STRUCT(KeptHint, (T, value));
  void set(T v) { value = v; }
  T get() const { return value; }
};
template <class T>
struct NoHint {
  LOCKSTEP_EMPTY_STRUCT(NoHint);
  void set(T) {}
  T get() const { return T{}; }
};

struct ModelSizes {
  static constexpr std::string_view name = "model";
  // Seeded bugs and model bounds exist (the checker's business, see Checks in each protocol).
  static constexpr bool checked = true;
  using Term = std::uint8_t;
  using Index = std::uint8_t;
  using Round = std::uint8_t;
  using Sequence = std::uint8_t;  // a client's request numbers
  // A sequence of at most N elements (N is the model's capacity; a push beyond throws
  // CapacityError, which the checker reports as a bound too small for the model).
  template <class T, std::size_t N>
  using Seq = SmallVec<T, N>;
  static constexpr std::size_t log_capacity = 8;
  template <class T>
  using Hint = NoHint<T>;
  template <class Entry, class Index, class Term>
  using Log = InlineLog<Entry, Index, Term, log_capacity>;
};

struct RuntimeSizes {
  static constexpr std::string_view name = "runtime";
  static constexpr bool checked = false;
  using Term = std::uint64_t;
  using Index = std::uint64_t;
  using Round = std::uint64_t;
  using Sequence = std::uint64_t;
  template <class T, std::size_t>
  using Seq = std::vector<T>;
  static constexpr std::size_t log_capacity = 0;  // none: the log grows on the heap
  template <class T>
  using Hint = KeptHint<T>;
  template <class Entry, class Index, class Term>
  using Log = BasedLog<Entry, Index, Term>;
};

template <class S>
concept SizePolicy = requires {
  { S::checked } -> std::convertible_to<bool>;
  typename S::Term;
  typename S::Index;
  typename S::Round;
  typename S::Sequence;
  typename S::template Seq<int, 1>;
};
static_assert(SizePolicy<ModelSizes> && SizePolicy<RuntimeSizes>);

// The checker's knobs of a protocol instantiated at runtime size: none. Empty, so a runtime
// configuration carries nothing, and a seeded bug cannot be named, let alone reached.
struct NoChecks {
  static constexpr std::string_view lockstep_name = "NoChecks";
  friend bool operator==(const NoChecks&, const NoChecks&) = default;
  friend auto operator<=>(const NoChecks&, const NoChecks&) = default;
};

}  // namespace lockstep
