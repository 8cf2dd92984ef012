// A compact, canonical binary encoding of every model value, derived from reflection. Equal
// values encode to equal bytes and different values to different bytes, so the encoding is
// what fingerprints hash and what the checker's queue stores instead of whole states.
// Decoding checks every length and tag, and throws CodecError on bad input.
#pragma once

#include <cstdlib>
#include <cstring>
#include <new>
#include <stdexcept>
#include <string>

#include "model/core/ids.hpp"
#include "model/core/reflect.hpp"
#include "model/core/small_vec.hpp"

namespace lockstep {

struct CodecError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A growable byte buffer that, unlike std::string, never zero-fills what it will overwrite.
class Bytes {
 public:
  Bytes() = default;
  Bytes(const Bytes& other) { append(other.data(), other.size()); }
  Bytes& operator=(const Bytes& other) {
    if (this != &other) {
      clear();
      append(other.data(), other.size());
    }
    return *this;
  }
  Bytes(Bytes&& other) noexcept { swap(other); }
  Bytes& operator=(Bytes&& other) noexcept {
    swap(other);
    return *this;
  }
  ~Bytes() { std::free(data_); }

  char* data() { return data_; }
  const char* data() const { return data_; }
  std::size_t size() const { return size_; }
  std::size_t capacity() const { return capacity_; }
  void clear() { size_ = 0; }
  void resize(std::size_t size) {
    reserve(size);
    size_ = size;
  }
  void reserve(std::size_t capacity) {
    if (capacity <= capacity_) return;
    capacity = std::max(capacity, capacity_ * 2);
    char* grown = static_cast<char*>(std::realloc(data_, capacity));
    if (grown == nullptr) throw std::bad_alloc();
    data_ = grown;
    capacity_ = capacity;
  }
  void append(const char* data, std::size_t size) {
    reserve(size_ + size);
    if (size > 0) std::memcpy(data_ + size_, data, size);
    size_ += size;
  }
  void swap(Bytes& other) noexcept {
    std::swap(data_, other.data_);
    std::swap(size_, other.size_);
    std::swap(capacity_, other.capacity_);
  }
  std::string str() const { return std::string(data_, size_); }

 private:
  char* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

class ByteWriter {
 public:
  // Appends to `out`; finish() (or the destructor) settles its size.
  explicit ByteWriter(Bytes& out) : out_(out) {
    out_.reserve(out_.size() + 512);
    p_ = out_.data() + out_.size();
    end_ = out_.data() + out_.capacity();
  }
  ~ByteWriter() { finish(); }
  ByteWriter(const ByteWriter&) = delete;
  ByteWriter& operator=(const ByteWriter&) = delete;

  void raw(const void* data, std::size_t size) {
    if (static_cast<std::size_t>(end_ - p_) < size) [[unlikely]] grow(size);
    std::memcpy(p_, data, size);
    p_ += size;
  }
  void byte(std::uint8_t b) {
    if (p_ == end_) [[unlikely]] grow(1);
    *p_++ = static_cast<char>(b);
  }
  void varint(std::uint64_t v) {
    if (end_ - p_ < 10) [[unlikely]] grow(10);
    while (v >= 0x80) {
      *p_++ = static_cast<char>(v | 0x80);
      v >>= 7;
    }
    *p_++ = static_cast<char>(v);
  }
  void finish() { out_.resize(static_cast<std::size_t>(p_ - out_.data())); }

 private:
  [[gnu::noinline]] void grow(std::size_t n) {
    const std::size_t used = static_cast<std::size_t>(p_ - out_.data());
    out_.reserve(used + n + 512);
    p_ = out_.data() + used;
    end_ = out_.data() + out_.capacity();
  }
  Bytes& out_;
  char* p_;
  char* end_;
};

class ByteReader {
 public:
  ByteReader(const char* data, std::size_t size) : p_(data), end_(data + size) {}
  void raw(void* data, std::size_t size) {
    need(size);
    std::memcpy(data, p_, size);
    p_ += size;
  }
  std::uint8_t byte() {
    need(1);
    return static_cast<std::uint8_t>(*p_++);
  }
  std::uint64_t varint() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      const std::uint8_t b = byte();
      v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return v;
    }
    throw CodecError("varint too long");
  }
  // A length that must fit in the remaining bytes (each element takes at least `min_each`).
  std::size_t length(std::size_t min_each = 1) {
    const std::uint64_t n = varint();
    if (min_each > 0 && n > static_cast<std::uint64_t>(end_ - p_) / min_each) {
      throw CodecError("length " + std::to_string(n) + " exceeds the remaining input");
    }
    return static_cast<std::size_t>(n);
  }
  bool at_end() const { return p_ == end_; }
  // The bytes not read yet, for a decoder that checks its input a part at a time (it then skips
  // what it read).
  const char* here() const { return p_; }
  std::size_t left() const { return static_cast<std::size_t>(end_ - p_); }
  void skip(std::size_t n) {
    need(n);
    p_ += n;
  }

 private:
  void need(std::size_t n) const {
    if (static_cast<std::size_t>(end_ - p_) < n) throw CodecError("input ends early");
  }
  const char* p_;
  const char* end_;
};

template <class T>
void encode(ByteWriter& w, const T& value);
template <class T>
void decode(ByteReader& r, T& value);

namespace detail {
template <class V, std::size_t I = 0>
void decode_variant(ByteReader& r, V& value, std::size_t index) {
  if constexpr (I < std::variant_size_v<V>) {
    if (index == I) {
      std::variant_alternative_t<I, V> alternative{};
      decode(r, alternative);
      value = std::move(alternative);
      return;
    }
    decode_variant<V, I + 1>(r, value, index);
  } else {
    throw CodecError("variant index " + std::to_string(index) + " out of range");
  }
}

// The count of a sequence, set or map about to be decoded; no more than an inline container holds.
template <class T>
std::size_t decode_count(ByteReader& r) {
  const std::size_t n = r.length(0);
  if constexpr (has_capacity<T>) {
    if (n > T::capacity()) throw CodecError("length " + std::to_string(n) + " exceeds the capacity");
  }
  return n;
}
}  // namespace detail

// A type can encode itself with lockstep_encode/lockstep_decode (found by ADL).
template <class T>
concept CustomCodec = requires(ByteWriter& w, ByteReader& r, const T& c, T& m) {
  lockstep_encode(w, c);
  lockstep_decode(r, m);
};

// What the codec encodes (and so fingerprints): a value of a reflected kind, or of a type with
// its own codec.
template <class T>
concept Encodable = CustomCodec<T> || Reflectable<T>;

template <class T>
void encode(ByteWriter& w, const T& value) {
  constexpr Kind kind = kind_of<T>;
  if constexpr (CustomCodec<T>) {
    lockstep_encode(w, value);
  } else if constexpr (kind == Kind::scalar) {
    encode(w, value.value);
  } else if constexpr (kind == Kind::boolean) {
    w.byte(value ? 1 : 0);
  } else if constexpr (kind == Kind::integer && sizeof(T) == 1) {
    w.byte(static_cast<std::uint8_t>(value));
  } else if constexpr (kind == Kind::integer) {
    w.raw(&value, sizeof(T));
  } else if constexpr (kind == Kind::enumeration) {
    encode(w, static_cast<std::underlying_type_t<T>>(value));
  } else if constexpr (kind == Kind::node_set) {
    w.raw(&value.bits, sizeof(value.bits));
  } else if constexpr (kind == Kind::per_node) {
    encode(w, value.items);
  } else if constexpr (kind == Kind::optional) {
    w.byte(value.has_value() ? 1 : 0);
    if (value) encode(w, *value);
  } else if constexpr (kind == Kind::variant) {
    w.byte(static_cast<std::uint8_t>(value.index()));
    std::visit([&](const auto& alternative) { encode(w, alternative); }, value);
  } else if constexpr (kind == Kind::sequence || kind == Kind::set || kind == Kind::map) {
    w.varint(value.size());
    for (const auto& element : value) encode(w, element);
  } else if constexpr (kind == Kind::array) {
    for (const auto& element : value) encode(w, element);
  } else if constexpr (kind == Kind::pair) {
    encode(w, value.first);
    encode(w, value.second);
  } else if constexpr (kind == Kind::record) {
    for_each_member(value, [&](const auto& field) { encode(w, field); });
  } else {
    static_assert(always_false<T>, "lockstep: no encoding for this type");
  }
}

template <class T>
void decode(ByteReader& r, T& value) {
  constexpr Kind kind = kind_of<T>;
  if constexpr (CustomCodec<T>) {
    lockstep_decode(r, value);
  } else if constexpr (kind == Kind::scalar) {
    decode(r, value.value);
  } else if constexpr (kind == Kind::boolean) {
    const std::uint8_t b = r.byte();
    if (b > 1) throw CodecError("bool byte out of range");
    value = b == 1;
  } else if constexpr (kind == Kind::integer && sizeof(T) == 1) {
    value = static_cast<T>(r.byte());
  } else if constexpr (kind == Kind::integer) {
    r.raw(&value, sizeof(T));
  } else if constexpr (kind == Kind::enumeration) {
    std::underlying_type_t<T> raw{};
    decode(r, raw);
    if (static_cast<std::size_t>(raw) >= lockstep_enum_names(T{}).size()) {
      throw CodecError("enum value out of range");
    }
    value = static_cast<T>(raw);
  } else if constexpr (kind == Kind::node_set) {
    r.raw(&value.bits, sizeof(value.bits));
  } else if constexpr (kind == Kind::per_node) {
    decode(r, value.items);
  } else if constexpr (kind == Kind::optional) {
    const std::uint8_t present = r.byte();
    if (present > 1) throw CodecError("optional flag out of range");
    if (present == 1) {
      typename T::value_type inner{};
      decode(r, inner);
      value = std::move(inner);
    } else {
      value.reset();
    }
  } else if constexpr (kind == Kind::variant) {
    detail::decode_variant(r, value, r.byte());
  } else if constexpr (kind == Kind::sequence) {
    const std::size_t n = detail::decode_count<T>(r);
    value.clear();
    if constexpr (is_vector<T>::value) value.reserve(std::min<std::size_t>(n, 1u << 16));
    for (std::size_t i = 0; i < n; ++i) {
      typename T::value_type element{};
      decode(r, element);
      value.push_back(std::move(element));
    }
  } else if constexpr (kind == Kind::set) {
    const std::size_t n = detail::decode_count<T>(r);
    value.clear();
    for (std::size_t i = 0; i < n; ++i) {
      typename T::value_type element{};
      decode(r, element);
      if constexpr (is_small_set<T>::value) {
        value.insert(element);
      } else {
        value.insert(value.end(), std::move(element));  // encoded in order: each goes last
      }
    }
  } else if constexpr (kind == Kind::map) {
    const std::size_t n = detail::decode_count<T>(r);
    value.clear();
    for (std::size_t i = 0; i < n; ++i) {
      std::pair<typename T::key_type, typename T::mapped_type> element{};
      decode(r, element);
      value.insert(value.end(), std::move(element));
    }
  } else if constexpr (kind == Kind::array) {
    for (auto& element : value) decode(r, element);
  } else if constexpr (kind == Kind::pair) {
    decode(r, value.first);
    decode(r, value.second);
  } else if constexpr (kind == Kind::record) {
    for_each_member(value, [&](auto& field) { decode(r, field); });
  } else {
    static_assert(always_false<T>, "lockstep: no decoding for this type");
  }
}

template <class T>
void encode_to(Bytes& out, const T& value) {
  ByteWriter w(out);
  encode(w, value);
  w.finish();
}

template <class T>
std::string encode_string(const T& value) {
  Bytes bytes;
  encode_to(bytes, value);
  return bytes.str();
}

template <class T>
T decode_from(const char* data, std::size_t size) {
  ByteReader r(data, size);
  T value{};
  decode(r, value);
  if (!r.at_end()) throw CodecError("trailing bytes after value");
  return value;
}

// Decodes over an existing value, without building a fresh one first: for types whose decoder
// overwrites every field (a model that declares decode_new_successors, checker/model.hpp).
template <class T>
void decode_over(T& value, const char* data, std::size_t size) {
  ByteReader r(data, size);
  decode(r, value);
  if (!r.at_end()) throw CodecError("trailing bytes after value");
}

template <class T>
T decode_from(const std::string& bytes) {
  return decode_from<T>(bytes.data(), bytes.size());
}

}  // namespace lockstep
