#include "model/core/fingerprint.hpp"

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace lockstep {

std::uint64_t fingerprint_bytes(const char* data, std::size_t size) {
  return XXH3_64bits(data, size);
}

}  // namespace lockstep
