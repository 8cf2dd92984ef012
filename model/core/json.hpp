// JSON for every model value, derived from reflection, in the value encoding of the Informal
// Trace Format (ITF, Apalache ADR-015) so that traces are readable by Apalache and Quint tools:
//   integers      -> numbers (beyond 2^53: {"#bigint": "..."}); bool -> true/false;
//   enums         -> their names; Scalars (NodeId, Value, ...) -> their integer;
//   records       -> objects keyed by field name;
//   variants      -> {"tag": "<alternative name>", "value": <record>} (Quint's sum types);
//   optional      -> {"tag": "Some", "value": v} or {"tag": "None", "value": {"#tup": []}} (a record's
//                    optional field may also be left out: None);
//   vector, array -> lists; pair -> {"#tup": [a, b]};
//   set, NodeSet  -> {"#set": [...]}; map, PerNode -> {"#map": [[k, v], ...]}.
// Reading back checks every shape and throws JsonError naming the path of the bad field.
#pragma once

#include <iterator>
#include <limits>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>

#include "model/core/ids.hpp"
#include "model/core/reflect.hpp"
#include "model/core/small_vec.hpp"

namespace lockstep {

using Json = nlohmann::ordered_json;

struct JsonError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

template <class T>
Json to_json_value(const T& value);
template <class T>
void from_json_value(const Json& json, T& value, const std::string& path);

namespace detail {

[[noreturn]] inline void json_fail(const std::string& path, const std::string& message) {
  throw JsonError((path.empty() ? std::string("value") : path) + ": " + message);
}

}  // namespace detail

// An optional's None as ITF writes it (see the table above): what a trace records for a variable
// that a state does not hold.
inline Json json_none() { return Json{{"tag", "None"}, {"value", Json{{"#tup", Json::array()}}}}; }

// What a value is, for a message that says what was found instead: `null`, `true`, `the number
// 7`, `a string "yes"` (long strings cut), `a list of 3`, `an object with "tag", "value"`.
inline std::string json_kind(const Json& json) {
  const auto cut = [](std::string text) { return text.size() > 40 ? text.substr(0, 37) + "..." : text; };
  switch (json.type()) {
    case Json::value_t::null: return "null";
    case Json::value_t::boolean: return json.get<bool>() ? "true" : "false";
    case Json::value_t::string: return "a string " + cut(json.dump());
    case Json::value_t::array: return json.empty() ? "an empty list" : "a list of " + std::to_string(json.size());
    case Json::value_t::object: {
      if (json.empty()) return "an empty object";
      std::string keys;
      std::size_t shown = 0;
      for (const auto& [key, value] : json.items()) {
        if (shown++ == 4) {
          keys += ", ...";
          break;
        }
        keys += (keys.empty() ? "\"" : ", \"") + cut(key) + "\"";
      }
      return "an object with " + keys;
    }
    case Json::value_t::binary: return "binary data";
    default: return "the number " + cut(json.dump());
  }
}

namespace detail {

// `path: expected <what>, found <what json is>`.
[[noreturn]] inline void json_fail_found(const std::string& path, const std::string& expected, const Json& json) {
  json_fail(path, "expected " + expected + ", found " + json_kind(json));
}

inline const Json& json_member(const Json& json, const char* key, const std::string& path) {
  if (!json.is_object()) json_fail_found(path, "an object", json);
  const auto it = json.find(key);
  if (it == json.end()) json_fail(path, std::string("missing \"") + key + "\" (found " + json_kind(json) + ")");
  return *it;
}

inline const Json& json_array(const Json& json, const char* wrapper, const std::string& path) {
  const Json& inner = wrapper ? json_member(json, wrapper, path) : json;
  if (!inner.is_array()) json_fail_found(wrapper ? path + "." + wrapper : path, "a list", inner);
  return inner;
}

inline std::int64_t json_integer(const Json& json, const std::string& path) {
  if (json.is_number_integer()) return json.get<std::int64_t>();
  if (json.is_object() && json.contains("#bigint") && json["#bigint"].is_string()) {
    try {
      return std::stoll(json["#bigint"].get<std::string>());
    } catch (const std::exception&) {
      json_fail(path, "bad #bigint");
    }
  }
  json_fail_found(path, "an integer", json);
}

template <class V, std::size_t I = 0>
void variant_from_json(const std::string& tag, const Json& json, V& value, const std::string& path) {
  if constexpr (I < std::variant_size_v<V>) {
    using Alternative = std::variant_alternative_t<I, V>;
    if (tag == record_name<Alternative>()) {
      Alternative alternative{};
      from_json_value(json, alternative, path + "." + tag);
      value = std::move(alternative);
      return;
    }
    variant_from_json<V, I + 1>(tag, json, value, path);
  } else {
    json_fail(path, "unknown tag \"" + tag + "\"");
  }
}

}  // namespace detail

// A record may name fields added after traces were first written
// (`static constexpr std::string_view lockstep_added_fields[] = {"pre_vote"};`): each reads as its
// value-initialized default (false, 0, empty) when a trace leaves it out, which must be what the
// model did before the field existed (a feature flag off, a set nobody was in). Every other
// field must be there.
template <class T>
concept HasAddedFields = requires { std::size(T::lockstep_added_fields); };

template <class T>
constexpr bool is_added_field(std::string_view name) {
  if constexpr (HasAddedFields<T>) {
    for (std::string_view added : T::lockstep_added_fields) {
      if (added == name) return true;
    }
  }
  return false;
}

// A type can give its own JSON with lockstep_to_json/lockstep_from_json (found by ADL).
template <class T>
concept CustomJson = requires(const Json& j, const T& c, T& m, const std::string& path) {
  { lockstep_to_json(c) } -> std::convertible_to<Json>;
  lockstep_from_json(j, m, path);
};

template <class T>
Json to_json_value(const T& value) {
  constexpr Kind kind = kind_of<T>;
  if constexpr (CustomJson<T>) {
    return lockstep_to_json(value);
  } else if constexpr (kind == Kind::scalar) {
    return to_json_value(value.value);
  } else if constexpr (kind == Kind::boolean) {
    return Json(value);
  } else if constexpr (kind == Kind::integer) {
    constexpr std::int64_t safe = std::int64_t{1} << 53;
    if constexpr (sizeof(T) >= 8) {
      if (static_cast<std::int64_t>(value) >= safe || static_cast<std::int64_t>(value) <= -safe) {
        return Json{{"#bigint", std::to_string(value)}};
      }
    }
    return Json(static_cast<std::int64_t>(value));
  } else if constexpr (kind == Kind::enumeration) {
    return Json(std::string(enum_name(value)));
  } else if constexpr (kind == Kind::node_set) {
    Json items = Json::array();
    for (std::size_t i = 0; i < node_count_max; ++i) {
      if (value.contains(NodeId::at(i))) items.push_back(i + 1);
    }
    return Json{{"#set", items}};
  } else if constexpr (kind == Kind::per_node) {
    Json items = Json::array();
    for (std::size_t i = 0; i < value.items.size(); ++i) {
      items.push_back(Json::array({i + 1, to_json_value(value.items[i])}));
    }
    return Json{{"#map", items}};
  } else if constexpr (kind == Kind::optional) {
    if (value) return Json{{"tag", "Some"}, {"value", to_json_value(*value)}};
    return json_none();
  } else if constexpr (kind == Kind::variant) {
    return std::visit(
        [](const auto& alternative) {
          using A = std::decay_t<decltype(alternative)>;
          return Json{{"tag", std::string(record_name<A>())}, {"value", to_json_value(alternative)}};
        },
        value);
  } else if constexpr (kind == Kind::sequence || kind == Kind::array) {
    Json items = Json::array();
    for (const auto& element : value) items.push_back(to_json_value(element));
    return items;
  } else if constexpr (kind == Kind::set) {
    Json items = Json::array();
    for (const auto& element : value) items.push_back(to_json_value(element));
    return Json{{"#set", items}};
  } else if constexpr (kind == Kind::map) {
    Json items = Json::array();
    for (const auto& [k, v] : value) items.push_back(Json::array({to_json_value(k), to_json_value(v)}));
    return Json{{"#map", items}};
  } else if constexpr (kind == Kind::pair) {
    return Json{{"#tup", Json::array({to_json_value(value.first), to_json_value(value.second)})}};
  } else if constexpr (kind == Kind::record) {
    Json object = Json::object();
    for_each_field(value, [&](std::string_view name, const auto& field) {
      object[std::string(name)] = to_json_value(field);
    });
    return object;
  } else {
    static_assert(always_false<T>, "lockstep: no JSON for this type");
  }
}

template <class T>
void from_json_value(const Json& json, T& value, const std::string& path) {
  using namespace detail;
  constexpr Kind kind = kind_of<T>;
  if constexpr (CustomJson<T>) {
    lockstep_from_json(json, value, path);
  } else if constexpr (kind == Kind::scalar) {
    from_json_value(json, value.value, path);
  } else if constexpr (kind == Kind::boolean) {
    if (!json.is_boolean()) json_fail_found(path, "true or false", json);
    value = json.get<bool>();
  } else if constexpr (kind == Kind::integer) {
    const std::int64_t n = json_integer(json, path);
    if constexpr (std::is_unsigned_v<T>) {
      if (n < 0 || static_cast<std::uint64_t>(n) > std::numeric_limits<T>::max()) {
        json_fail(path, "integer " + std::to_string(n) + " out of range");
      }
    } else {
      if (n < std::numeric_limits<T>::min() || n > std::numeric_limits<T>::max()) {
        json_fail(path, "integer " + std::to_string(n) + " out of range");
      }
    }
    value = static_cast<T>(n);
  } else if constexpr (kind == Kind::enumeration) {
    if (!json.is_string()) json_fail_found(path, "a name", json);
    const auto text = json.get<std::string>();
    const auto& names = lockstep_enum_names(T{});
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (names[i] == text) {
        value = static_cast<T>(i);
        return;
      }
    }
    json_fail(path, "unknown name \"" + text + "\"");
  } else if constexpr (kind == Kind::node_set) {
    value = NodeSet{};
    const Json& items = json_array(json, "#set", path);
    for (std::size_t i = 0; i < items.size(); ++i) {
      NodeId id;
      from_json_value(items[i], id, path + ".#set[" + std::to_string(i) + "]");
      if (id.value == 0 || id.value > node_count_max) json_fail(path, "node id out of range");
      value.insert(id);
    }
  } else if constexpr (kind == Kind::per_node) {
    const Json& items = json_array(json, "#map", path);
    if (items.size() > node_count_max) json_fail(path, "more than " + std::to_string(node_count_max) + " nodes");
    value.items = decltype(value.items)(items.size(), typename decltype(value.items)::value_type{});
    for (std::size_t i = 0; i < items.size(); ++i) {
      const std::string at = path + ".#map[" + std::to_string(i) + "]";
      if (!items[i].is_array() || items[i].size() != 2) json_fail_found(at, "[node, value]", items[i]);
      NodeId id;
      from_json_value(items[i][0], id, at + "[0]");
      if (id.value != i + 1) json_fail(at, "expected node " + std::to_string(i + 1));
      from_json_value(items[i][1], value.items[i], at + "[1]");
    }
  } else if constexpr (kind == Kind::optional) {
    const Json& tag = json_member(json, "tag", path);
    if (tag == "None") {
      value.reset();
    } else if (tag == "Some") {
      typename T::value_type inner{};
      from_json_value(json_member(json, "value", path), inner, path + ".Some");
      value = std::move(inner);
    } else {
      json_fail_found(path + ".tag", "Some or None", tag);
    }
  } else if constexpr (kind == Kind::variant) {
    const Json& tag = json_member(json, "tag", path);
    if (!tag.is_string()) json_fail_found(path + ".tag", "a string", tag);
    const Json empty = Json::object();
    const auto it = json.find("value");
    variant_from_json(tag.get<std::string>(), it == json.end() ? empty : *it, value, path);
  } else if constexpr (kind == Kind::sequence) {
    const Json& items = json_array(json, nullptr, path);
    if constexpr (has_capacity<T>) {
      if (items.size() > T::capacity()) json_fail(path, "more than " + std::to_string(T::capacity()) + " items");
    }
    value.clear();
    for (std::size_t i = 0; i < items.size(); ++i) {
      typename T::value_type element{};
      from_json_value(items[i], element, path + "[" + std::to_string(i) + "]");
      value.push_back(std::move(element));
    }
  } else if constexpr (kind == Kind::array) {
    const Json& items = json_array(json, nullptr, path);
    if (items.size() != value.size()) {
      json_fail(path, "expected " + std::to_string(value.size()) + " items, found " + std::to_string(items.size()));
    }
    for (std::size_t i = 0; i < items.size(); ++i) {
      from_json_value(items[i], value[i], path + "[" + std::to_string(i) + "]");
    }
  } else if constexpr (kind == Kind::set) {
    const Json& items = json_array(json, "#set", path);
    if constexpr (has_capacity<T>) {
      if (items.size() > T::capacity()) json_fail(path, "more than " + std::to_string(T::capacity()) + " items");
    }
    value.clear();
    for (std::size_t i = 0; i < items.size(); ++i) {
      typename T::value_type element{};
      from_json_value(items[i], element, path + ".#set[" + std::to_string(i) + "]");
      value.insert(std::move(element));
    }
  } else if constexpr (kind == Kind::map) {
    const Json& items = json_array(json, "#map", path);
    value.clear();
    for (std::size_t i = 0; i < items.size(); ++i) {
      const std::string at = path + ".#map[" + std::to_string(i) + "]";
      if (!items[i].is_array() || items[i].size() != 2) json_fail_found(at, "[key, value]", items[i]);
      typename T::key_type k{};
      typename T::mapped_type v{};
      from_json_value(items[i][0], k, at + "[0]");
      from_json_value(items[i][1], v, at + "[1]");
      value.emplace(std::move(k), std::move(v));
    }
  } else if constexpr (kind == Kind::pair) {
    const Json& items = json_array(json, "#tup", path);
    if (items.size() != 2) json_fail(path, "expected a pair, found " + std::to_string(items.size()) + " items");
    from_json_value(items[0], value.first, path + ".#tup[0]");
    from_json_value(items[1], value.second, path + ".#tup[1]");
  } else if constexpr (kind == Kind::record) {
    if (!json.is_object()) json_fail_found(path, "an object", json);
    for_each_field(value, [&](std::string_view name, auto& field) {
      const std::string key(name);
      // An optional field may be left out (None): traces written before it existed still read.
      if constexpr (is_optional<std::remove_cvref_t<decltype(field)>>::value) {
        if (!json.contains(key)) {
          field.reset();
          return;
        }
      }
      if (is_added_field<T>(name) && !json.contains(key)) {
        field = std::remove_cvref_t<decltype(field)>{};
        return;
      }
      from_json_value(json_member(json, key.c_str(), path), field, path.empty() ? key : path + "." + key);
    });
  } else {
    static_assert(always_false<T>, "lockstep: no JSON for this type");
  }
}

template <class T>
T from_json(const Json& json, const std::string& path = "") {
  T value{};
  from_json_value(json, value, path);
  return value;
}

}  // namespace lockstep
