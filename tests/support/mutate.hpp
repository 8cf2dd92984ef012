// Test support: every value that differs from a given one in exactly one leaf field, derived
// from reflection like everything else, so that a test can assert that ==, ordering, the
// fingerprint, the codec and JSON all notice a change anywhere.
#pragma once

#include <vector>

#include "model/core/ids.hpp"
#include "model/core/reflect.hpp"
#include "model/core/small_vec.hpp"

namespace lockstep::testing {

template <class T>
std::vector<T> single_changes(const T& value);

namespace detail {
template <class V, std::size_t I = 0>
void other_alternatives(const V& value, std::vector<V>& out) {
  if constexpr (I < std::variant_size_v<V>) {
    if (value.index() != I) out.push_back(V{std::in_place_index<I>});
    other_alternatives<V, I + 1>(value, out);
  }
}

template <class Container, class Element>
void changes_of_elements(const Container& value, std::vector<Container>& out) {
  for (std::size_t i = 0; i < value.size(); ++i) {
    for (const Element& changed : single_changes(value[i])) {
      Container copy = value;
      copy[i] = changed;
      out.push_back(copy);
    }
  }
}
}  // namespace detail

template <class T>
std::vector<T> single_changes(const T& value) {
  std::vector<T> out;
  constexpr Kind kind = kind_of<T>;
  if constexpr (kind == Kind::scalar) {
    T changed = value;
    ++changed.value;
    out.push_back(changed);
  } else if constexpr (kind == Kind::boolean) {
    out.push_back(!value);
  } else if constexpr (kind == Kind::integer) {
    out.push_back(static_cast<T>(value + 1));
  } else if constexpr (kind == Kind::enumeration) {
    const auto count = lockstep_enum_names(T{}).size();
    out.push_back(static_cast<T>((static_cast<std::size_t>(value) + 1) % count));
  } else if constexpr (kind == Kind::node_set) {
    T changed = value;
    changed.bits ^= 1u;
    out.push_back(changed);
  } else if constexpr (kind == Kind::per_node) {
    for (const auto& items : single_changes(value.items)) {
      T changed = value;
      changed.items = items;
      out.push_back(changed);
    }
  } else if constexpr (kind == Kind::optional) {
    if (value) {
      out.push_back(std::nullopt);
      for (const auto& inner : single_changes(*value)) out.push_back(inner);
    } else {
      out.push_back(typename T::value_type{});
    }
  } else if constexpr (kind == Kind::variant) {
    detail::other_alternatives(value, out);
    std::visit([&](const auto& alternative) {
      for (const auto& changed : single_changes(alternative)) out.push_back(T{changed});
    }, value);
  } else if constexpr (kind == Kind::sequence) {
    T longer = value;
    longer.push_back(typename T::value_type{});
    out.push_back(longer);
    detail::changes_of_elements<T, typename T::value_type>(value, out);
  } else if constexpr (kind == Kind::set) {
    auto fresh = typename T::value_type{};
    while (value.contains(fresh)) fresh = single_changes(fresh).front();
    T larger = value;
    larger.insert(fresh);
    out.push_back(larger);
  } else if constexpr (kind == Kind::map) {
    auto fresh = typename T::key_type{};
    while (value.contains(fresh)) fresh = single_changes(fresh).front();
    T larger = value;
    larger.emplace(fresh, typename T::mapped_type{});
    out.push_back(larger);
    for (const auto& [key, mapped] : value) {
      for (const auto& changed : single_changes(mapped)) {
        T copy = value;
        copy[key] = changed;
        out.push_back(copy);
      }
    }
  } else if constexpr (Reflected<T>) {
    // For each field, every single change of that field with the others kept.
    boost::hana::for_each(boost::hana::accessors<T>(), [&](auto pair) {
      const auto& field = boost::hana::second(pair)(value);
      for (const auto& changed : single_changes(field)) {
        T copy = value;
        boost::hana::second(pair)(copy) = changed;
        out.push_back(copy);
      }
    });
  }
  return out;
}

}  // namespace lockstep::testing
