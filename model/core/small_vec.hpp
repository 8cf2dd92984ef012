// Inline, fixed-capacity containers for model state: copying a state copies bytes, never the
// heap, which is what makes exploring millions of states a second possible. A push beyond the
// capacity throws CapacityError (a model bound, reported as such by the checker).
#pragma once

#include <algorithm>
#include <array>
#include <compare>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "model/core/expect.hpp"

namespace lockstep {

struct CapacityError : std::length_error {
  using std::length_error::length_error;
};

template <class T, std::size_t N>
class SmallVec {
 public:
  using value_type = T;
  using iterator = T*;
  using const_iterator = const T*;
  static constexpr std::size_t capacity() { return N; }

  // User-provided, so that value-initializing a SmallVec (as `Step{node}` does its effects)
  // does not zero the whole inline capacity: only the elements in use are ever read.
  SmallVec() noexcept {}
  SmallVec(std::initializer_list<T> items) {
    for (const T& item : items) push_back(item);
  }
  SmallVec(std::size_t count, const T& value) {
    if (count > N) overflow();
    for (std::size_t i = 0; i < count; ++i) push_back(value);
  }
  // Copies only the elements in use, not the whole capacity: one memcpy for trivially copyable
  // elements (std::uninitialized_copy copies element by element unless the type is also
  // trivially default-constructible, which a record with default member initializers is not).
  SmallVec(const SmallVec& other) { copy_from(other); }
  SmallVec(SmallVec&& other) noexcept(std::is_nothrow_move_constructible_v<T>) { move_from(other); }
  SmallVec& operator=(const SmallVec& other) {
    if (this != &other) {
      clear();
      copy_from(other);
    }
    return *this;
  }
  SmallVec& operator=(SmallVec&& other) noexcept(std::is_nothrow_move_constructible_v<T>) {
    if (this != &other) {
      clear();
      move_from(other);
    }
    return *this;
  }
  ~SmallVec() { clear(); }

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  T* begin() { return data(); }
  T* end() { return data() + size_; }
  const T* begin() const { return data(); }
  const T* end() const { return data() + size_; }
  T& operator[](std::size_t i) {
    LOCKSTEP_EXPECT(i < size_);
    return data()[i];
  }
  const T& operator[](std::size_t i) const {
    LOCKSTEP_EXPECT(i < size_);
    return data()[i];
  }
  T& front() { return (*this)[0]; }
  T& back() { return (*this)[size_ - 1u]; }
  const T& front() const { return (*this)[0]; }
  const T& back() const { return (*this)[size_ - 1u]; }

  void clear() {
    std::destroy(begin(), end());
    size_ = 0;
  }
  void reserve(std::size_t) {}
  void push_back(T value) {
    if (size_ == N) overflow();
    new (data() + size_) T(std::move(value));
    ++size_;
  }
  template <class... Args>
  T& emplace_back(Args&&... args) {
    push_back(T{std::forward<Args>(args)...});
    return back();
  }
  void pop_back() {
    LOCKSTEP_EXPECT(size_ > 0);
    std::destroy_at(data() + --size_);
  }
  T* insert(const T* position, T value) {
    if (size_ == N) overflow();
    const std::size_t at = static_cast<std::size_t>(position - begin());
    if (at == size_) {
      push_back(std::move(value));
      return begin() + at;
    }
    new (data() + size_) T(std::move(back()));
    std::move_backward(begin() + at, end() - 1, end());
    data()[at] = std::move(value);
    ++size_;
    return begin() + at;
  }
  T* erase(const T* position) {
    const std::size_t at = static_cast<std::size_t>(position - begin());
    std::move(begin() + at + 1, end(), begin() + at);
    pop_back();
    return begin() + at;
  }

  friend bool operator==(const SmallVec& a, const SmallVec& b) {
    return a.size_ == b.size_ && std::equal(a.begin(), a.end(), b.begin());
  }
  friend auto operator<=>(const SmallVec& a, const SmallVec& b) {
    return std::lexicographical_compare_three_way(a.begin(), a.end(), b.begin(), b.end());
  }

 private:
  void copy_from(const SmallVec& other) {
    if constexpr (std::is_trivially_copyable_v<T>) {
      if (other.size_ != 0) std::memcpy(storage_, other.storage_, other.size_ * sizeof(T));
    } else {
      std::uninitialized_copy(other.begin(), other.end(), data());
    }
    size_ = other.size_;
  }
  void move_from(SmallVec& other) {
    if constexpr (std::is_trivially_copyable_v<T>) {
      copy_from(other);
    } else {
      std::uninitialized_move(other.begin(), other.end(), data());
      size_ = other.size_;
    }
  }
  T* data() { return std::launder(reinterpret_cast<T*>(storage_)); }
  const T* data() const { return std::launder(reinterpret_cast<const T*>(storage_)); }
  [[noreturn]] static void overflow() {
    throw CapacityError("a model container is full (capacity " + std::to_string(N) + ")");
  }
  std::uint16_t size_ = 0;
  alignas(T) unsigned char storage_[N * sizeof(T)];
};

// A set kept as a sorted SmallVec (JSON: {"#set": [...]}).
template <class T, std::size_t N>
class SmallSet {
 public:
  using value_type = T;
  static constexpr std::size_t capacity() { return N; }
  std::size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  const T* begin() const { return items_.begin(); }
  const T* end() const { return items_.end(); }
  bool contains(const T& value) const { return std::binary_search(begin(), end(), value); }
  // Returns whether the value was new.
  bool insert(const T& value) {
    if (items_.empty() || items_.back() < value) {  // in order (e.g. decoding a sorted encoding): append
      items_.push_back(value);
      return true;
    }
    const T* at = std::lower_bound(begin(), end(), value);
    if (at != end() && *at == value) return false;
    items_.insert(at, value);
    return true;
  }
  void clear() { items_.clear(); }
  friend bool operator==(const SmallSet&, const SmallSet&) = default;
  friend auto operator<=>(const SmallSet&, const SmallSet&) = default;

 private:
  SmallVec<T, N> items_;
};

template <class T>
struct is_small_vec : std::false_type {};
template <class T, std::size_t N>
struct is_small_vec<SmallVec<T, N>> : std::true_type {};
template <class T>
struct is_small_set : std::false_type {};
template <class T, std::size_t N>
struct is_small_set<SmallSet<T, N>> : std::true_type {};

}  // namespace lockstep
