// A value as a tree, for the HTML trace view's state panel: each node printed as the text view
// prints it (model/core/print.hpp: v1, none, n1, write(1), 2.1), never as its JSON encoding.
//   {"text": "Envelope{from=n3, to=n1, message=...}", "type": "Envelope", "children": [[label, tree], ...]}
// "type" names a record (for a variant, its alternative: "RequestVote"), so that a value shown
// opened keeps its type; "children" is absent for a leaf. Labels are the diff's path steps
// (model/core/diff.hpp): field names, "n2" for a node, "[i]" for an element or a key.
//
// json_tree does the same on ITF JSON, for models whose states have their own JSON shape
// (printed by itf_text).
#pragma once

#include <string>

#include "model/core/json.hpp"
#include "model/core/print.hpp"

namespace lockstep {

template <class T>
Json print_tree(const T& value);

namespace detail {

// "[text]", built so that GCC 12 sees no overlapping copy (its -Wrestrict false positive on
// "literal" + std::string).
inline std::string bracketed(const std::string& text) {
  std::string out;
  out.reserve(text.size() + 2);
  out += '[';
  out += text;
  out += ']';
  return out;
}

inline Json tree_node(std::string text, std::string type, Json children) {
  Json node{{"text", std::move(text)}};
  if (!type.empty()) node["type"] = std::move(type);
  if (!children.empty()) node["children"] = std::move(children);
  return node;
}

template <class Range>
Json element_trees(const Range& range) {
  Json children = Json::array();
  std::size_t i = 0;
  for (const auto& element : range) children.push_back(Json::array({bracketed(std::to_string(i++)), print_tree(element)}));
  return children;
}

}  // namespace detail

template <class T>
Json print_tree(const T& value) {
  constexpr Kind kind = kind_of<T>;
  if constexpr (kind == Kind::optional) {
    if (value) return print_tree(*value);
    return detail::tree_node("none", "", Json::array());
  } else if constexpr (kind == Kind::variant) {
    return std::visit([](const auto& alternative) { return print_tree(alternative); }, value);
  } else if constexpr (CustomPrint<T> || (kind != Kind::per_node && kind != Kind::sequence && kind != Kind::array &&
                                              kind != Kind::set && kind != Kind::map && kind != Kind::record)) {
    return detail::tree_node(to_string(value), "", Json::array());
  } else if constexpr (kind == Kind::per_node) {
    Json children = Json::array();
    for (std::size_t i = 0; i < value.items.size(); ++i) {
      children.push_back(Json::array({to_string(NodeId::at(i)), print_tree(value.items[i])}));
    }
    return detail::tree_node(to_string(value), "", std::move(children));
  } else if constexpr (kind == Kind::map) {
    Json children = Json::array();
    for (const auto& [k, v] : value) children.push_back(Json::array({detail::bracketed(to_string(k)), print_tree(v)}));
    return detail::tree_node(to_string(value), "", std::move(children));
  } else if constexpr (kind == Kind::record) {
    Json children = Json::array();
    if constexpr (Reflected<T>) {
      for_each_field(value, [&](std::string_view name, const auto& field) {
        children.push_back(Json::array({std::string(name), print_tree(field)}));
      });
    }
    return detail::tree_node(to_string(value), std::string(record_name<T>()), std::move(children));
  } else {
    return detail::tree_node(to_string(value), "", detail::element_trees(value));
  }
}

Json json_tree(const Json& value);

}  // namespace lockstep
