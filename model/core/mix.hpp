// splitmix64's finalizer: a cheap, well-mixed 64-bit hash of a 64-bit integer (seeds for random
// walks, Zobrist keys and hash combining in the linearizability search).
#pragma once

#include <cstdint>

namespace lockstep {

inline std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace lockstep
