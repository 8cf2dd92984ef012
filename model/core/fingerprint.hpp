// A stable 64-bit fingerprint of any model value: XXH3 over its canonical binary encoding
// (model/core/codec.hpp). Stable across runs and machines of the same endianness.
#pragma once

#include <cstdint>
#include <string>

#include "model/core/codec.hpp"

namespace lockstep {

std::uint64_t fingerprint_bytes(const char* data, std::size_t size);

template <class T>
std::uint64_t fingerprint(const T& value) {
  thread_local Bytes buffer;
  buffer.clear();
  encode_to(buffer, value);
  return fingerprint_bytes(buffer.data(), buffer.size());
}

}  // namespace lockstep
