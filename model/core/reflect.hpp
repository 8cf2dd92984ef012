// Reflection over the model's value types: which kind a type is (kind_of<T>, the one
// classification), and a walk over a record's fields. Every generic operation (codec and so
// fingerprint, JSON, printing, renaming, diff) is written once on top of these, for every
// protocol: each dispatches on kind_of<T>, after the type's own override if it has one (e.g.
// lockstep_print, lockstep_encode).
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

#include "model/core/ids.hpp"
#include "model/core/names.hpp"
#include "model/core/small_vec.hpp"

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

// The kinds of value, each handled alike by every generic operation.
enum class Kind {
  scalar,       // a strong integer (NodeId, Value, ...): `lockstep_scalar` tag and a `value` member
  boolean,      // bool
  integer,      // any other integral type
  enumeration,  // an enum declared with LOCKSTEP_ENUM
  node_set,     // NodeSet (model/core/ids.hpp): node ids as a bit mask
  per_node,     // PerNode<T> (model/core/ids.hpp): one T per node, indexed by NodeId
  optional,     // std::optional
  variant,      // std::variant (of records: the alternative's name is its tag)
  sequence,     // std::vector, SmallVec: any number of elements, in order
  array,        // std::array: a fixed number of elements
  set,          // std::set, SmallSet: distinct elements, sorted
  map,          // std::map
  pair,         // std::pair
  record,       // a struct declared with LOCKSTEP_STRUCT (BOOST_HANA_DEFINE_STRUCT underneath) or
                // LOCKSTEP_EMPTY_STRUCT
  none,         // not a model value
};

namespace detail {
template <class T>
consteval Kind classify() {
  if constexpr (Scalar<T>) {
    return Kind::scalar;
  } else if constexpr (std::is_same_v<T, bool>) {
    return Kind::boolean;
  } else if constexpr (std::is_integral_v<T>) {
    return Kind::integer;
  } else if constexpr (Enum<T>) {
    return Kind::enumeration;
  } else if constexpr (std::is_same_v<T, NodeSet>) {
    return Kind::node_set;
  } else if constexpr (is_per_node<T>::value) {
    return Kind::per_node;
  } else if constexpr (is_optional<T>::value) {
    return Kind::optional;
  } else if constexpr (is_variant<T>::value) {
    return Kind::variant;
  } else if constexpr (is_vector<T>::value || is_small_vec<T>::value) {
    return Kind::sequence;
  } else if constexpr (is_std_array<T>::value) {
    return Kind::array;
  } else if constexpr (is_set<T>::value || is_small_set<T>::value) {
    return Kind::set;
  } else if constexpr (is_map<T>::value) {
    return Kind::map;
  } else if constexpr (is_pair<T>::value) {
    return Kind::pair;
  } else if constexpr (Record<T>) {
    return Kind::record;
  } else {
    return Kind::none;
  }
}
}  // namespace detail

// The kind of T (without const): what every generic operation dispatches on.
template <class T>
inline constexpr Kind kind_of = detail::classify<std::remove_cv_t<T>>();

// A model value: a type of one of the kinds above.
template <class T>
concept Reflectable = kind_of<T> != Kind::none;

// Whether a sequence or set holds at most T::capacity() elements (SmallVec, SmallSet: inline).
template <class T>
inline constexpr bool has_capacity = is_small_vec<T>::value || is_small_set<T>::value;

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
