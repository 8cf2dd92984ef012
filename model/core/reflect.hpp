// Reflection over the model's value types: which kind a type is, and a walk over a record's
// fields. Every generic operation (codec, fingerprint, JSON, printing, node permutation) is
// written once on top of these, for every protocol.
//
// Kinds of value:
//   Scalar  - a strong integer (NodeId, Value, ...): `lockstep_scalar` tag and a `value` member;
//   integral and bool; enums declared with LOCKSTEP_ENUM;
//   std::optional, std::variant, std::vector, std::array, std::set, std::map, std::pair;
//   NodeSet and PerNode<T> (model/core/ids.hpp);
//   Record  - a struct declared with LOCKSTEP_STRUCT (BOOST_HANA_DEFINE_STRUCT underneath) or
//             LOCKSTEP_EMPTY_STRUCT.
#pragma once

#include <array>
#include <boost/hana/accessors.hpp>
#include <boost/hana/concept/struct.hpp>
#include <boost/hana/define_struct.hpp>
#include <boost/hana/first.hpp>
#include <boost/hana/for_each.hpp>
#include <boost/hana/second.hpp>
#include <boost/hana/string.hpp>
#include <boost/hana/core/to.hpp>
#include <compare>
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "model/core/names.hpp"

// Declares the fields of a record with Hana and gives it a name (the tag in JSON and printing)
// and derived comparisons. Never hand-write ==, <, hash or JSON for a model type.
// The fields have no default initializers: always value-initialize records (`Node node{};`,
// `Node{}`), which zeroes them; `Node node;` would leave integers indeterminate.
#define LOCKSTEP_STRUCT(Name, ...)                                   \
  static constexpr std::string_view lockstep_name = #Name;           \
  BOOST_HANA_DEFINE_STRUCT(Name, __VA_ARGS__);                       \
  friend bool operator==(const Name&, const Name&) = default;        \
  friend auto operator<=>(const Name&, const Name&) = default

// A record without fields (an event such as Restarted).
#define LOCKSTEP_EMPTY_STRUCT(Name)                                  \
  static constexpr std::string_view lockstep_name = #Name;           \
  friend bool operator==(const Name&, const Name&) = default;        \
  friend auto operator<=>(const Name&, const Name&) = default

namespace lockstep {

template <class T>
concept Reflected = boost::hana::Struct<T>::value;
template <class T>
concept Named = requires { T::lockstep_name; };
template <class T>
concept Record = Reflected<T> || (std::is_empty_v<T> && Named<T>);
template <class T>
concept Scalar = requires(T t) {
  T::lockstep_scalar;
  t.value;
};
template <class T>
concept Enum = std::is_enum_v<T>;

template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};
template <class T>
struct is_variant : std::false_type {};
template <class... Ts>
struct is_variant<std::variant<Ts...>> : std::true_type {};
template <class T>
struct is_vector : std::false_type {};
template <class T, class A>
struct is_vector<std::vector<T, A>> : std::true_type {};
template <class T>
struct is_std_array : std::false_type {};
template <class T, std::size_t N>
struct is_std_array<std::array<T, N>> : std::true_type {};
template <class T>
struct is_set : std::false_type {};
template <class T, class C, class A>
struct is_set<std::set<T, C, A>> : std::true_type {};
template <class T>
struct is_map : std::false_type {};
template <class K, class V, class C, class A>
struct is_map<std::map<K, V, C, A>> : std::true_type {};
template <class T>
struct is_pair : std::false_type {};
template <class A, class B>
struct is_pair<std::pair<A, B>> : std::true_type {};

template <class T>
inline constexpr bool always_false = false;

// Calls f(name, field) for each field of a record, in declaration order.
template <class T, class F>
void for_each_field(T& record, F&& f) {
  using Plain = std::remove_const_t<T>;
  if constexpr (Reflected<Plain>) {
    boost::hana::for_each(boost::hana::accessors<Plain>(), [&](auto pair) {
      f(std::string_view(boost::hana::to<const char*>(boost::hana::first(pair))),
        boost::hana::second(pair)(record));
    });
  }
}

// Calls f(field) for each field of a record, in declaration order (no names: the fast path).
template <class T, class F>
void for_each_member(T& record, F&& f) {
  using Plain = std::remove_const_t<T>;
  if constexpr (Reflected<Plain>) {
    boost::hana::for_each(boost::hana::accessors<Plain>(),
                          [&](auto pair) { f(boost::hana::second(pair)(record)); });
  }
}

template <class T>
std::string_view record_name() {
  if constexpr (Named<T>) {
    return T::lockstep_name;
  } else {
    return "";
  }
}

template <Enum E>
std::string_view enum_name(E value) {
  const auto& names = lockstep_enum_names(E{});
  const auto index = static_cast<std::size_t>(value);
  return index < names.size() ? names[index] : std::string_view("?");
}

}  // namespace lockstep
