// What differs between two values, field by field, derived from reflection like everything
// else in model/core, so that replay and show explain a state change in the code's words:
//   nodes.n2.node.volatile_state.promises: {n2} -> {n2, n3}
//   network: + Envelope{from=n3, to=n2, message=Promise{ballot=1.2, ...}}
// Records descend into their fields, PerNode into its nodes (".n2"), optionals and variants of
// the same alternative into their content, arrays and maps into their entries ("[i]"); sequences
// and sets are multisets here (the network is one): what was removed, what was added. Everything
// else (numbers, names, node sets, ballots and other types that print themselves) is one leaf.
//
// diff_json does the same on ITF JSON, for models whose states have their own JSON shape.
#pragma once

#include <algorithm>
#include <boost/hana/accessors.hpp>
#include <boost/hana/for_each.hpp>
#include <boost/hana/second.hpp>
#include <boost/hana/zip.hpp>
#include <iterator>
#include <string>
#include <vector>

#include "model/core/json.hpp"
#include "model/core/print.hpp"

namespace lockstep {

struct FieldChange {
  std::string path;    // "nodes.n2.node.durable.promised_ballot"
  std::string before;  // printed; empty when the value was added
  std::string after;   // printed; empty when the value was removed
  friend bool operator==(const FieldChange&, const FieldChange&) = default;
};

template <class T>
void diff_into(const T& before, const T& after, const std::string& path, std::vector<FieldChange>& out);

namespace detail {

inline std::string child_path(const std::string& path, std::string_view name) {
  return path.empty() ? std::string(name) : path + "." + std::string(name);
}

// Elements of `before` not in `after` (removed) and of `after` not in `before` (added), as
// multisets, each in its own order.
template <class Sequence, class Print>
void diff_multiset(const Sequence& before, const Sequence& after, const std::string& path,
                   std::vector<FieldChange>& out, const Print& print) {
  std::vector<const std::decay_t<decltype(*std::begin(after))>*> unmatched;
  for (const auto& element : after) unmatched.push_back(&element);
  for (const auto& element : before) {
    const auto it = std::find_if(unmatched.begin(), unmatched.end(), [&](const auto* e) { return e && *e == element; });
    if (it == unmatched.end()) {
      out.push_back({path, print(element), ""});
    } else {
      *it = nullptr;
    }
  }
  for (const auto* element : unmatched) {
    if (element) out.push_back({path, "", print(*element)});
  }
}

template <class T>
void diff_record(const T& before, const T& after, const std::string& path, std::vector<FieldChange>& out) {
  boost::hana::for_each(boost::hana::accessors<T>(), [&](auto pair) {
    const auto& get = boost::hana::second(pair);
    const std::string name = boost::hana::to<const char*>(boost::hana::first(pair));
    diff_into(get(before), get(after), child_path(path, name), out);
  });
}

}  // namespace detail

template <class T>
void diff_into(const T& before, const T& after, const std::string& path, std::vector<FieldChange>& out) {
  if (before == after) return;
  constexpr Kind kind = kind_of<T>;
  if constexpr (CustomPrint<T> || kind == Kind::scalar || kind == Kind::boolean || kind == Kind::integer ||
                kind == Kind::enumeration || kind == Kind::node_set || kind == Kind::pair) {
    out.push_back({path, to_string(before), to_string(after)});
  } else if constexpr (kind == Kind::per_node) {
    const std::size_t count = std::max(before.size(), after.size());
    for (std::size_t i = 0; i < count; ++i) {
      const std::string at = path + "." + to_string(NodeId::at(i));
      if (i >= before.size()) {
        out.push_back({at, "", to_string(after.items[i])});
      } else if (i >= after.size()) {
        out.push_back({at, to_string(before.items[i]), ""});
      } else {
        diff_into(before.items[i], after.items[i], at, out);
      }
    }
  } else if constexpr (kind == Kind::optional) {
    if (before && after) {
      diff_into(*before, *after, path, out);
    } else {
      out.push_back({path, to_string(before), to_string(after)});
    }
  } else if constexpr (kind == Kind::variant) {
    if (before.index() != after.index()) {
      out.push_back({path, to_string(before), to_string(after)});
    } else {
      std::visit(
          [&](const auto& b) {
            using A = std::decay_t<decltype(b)>;
            diff_into(b, std::get<A>(after), path, out);
          },
          before);
    }
  } else if constexpr (kind == Kind::array) {
    for (std::size_t i = 0; i < before.size(); ++i) {
      diff_into(before[i], after[i], path + "[" + std::to_string(i) + "]", out);
    }
  } else if constexpr (kind == Kind::sequence || kind == Kind::set) {
    detail::diff_multiset(before, after, path, out, [](const auto& element) { return to_string(element); });
  } else if constexpr (kind == Kind::map) {
    for (const auto& [key, value] : before) {
      const std::string at = path + "[" + to_string(key) + "]";
      const auto it = after.find(key);
      if (it == after.end()) {
        out.push_back({at, to_string(value), ""});
      } else {
        diff_into(value, it->second, at, out);
      }
    }
    for (const auto& [key, value] : after) {
      if (!before.contains(key)) out.push_back({path + "[" + to_string(key) + "]", "", to_string(value)});
    }
  } else if constexpr (kind == Kind::record && Reflected<T>) {  // an empty record never differs
    detail::diff_record(before, after, path, out);
  } else {
    out.push_back({path, to_string(before), to_string(after)});
  }
}

// Every leaf that differs between two values, in field order.
template <class T>
std::vector<FieldChange> diff_values(const T& before, const T& after) {
  std::vector<FieldChange> out;
  diff_into(before, after, "", out);
  return out;
}

// The same on ITF JSON values: objects by key, {"#map"} by key, lists and {"#set"} as multisets,
// {"tag", "value"} of one tag by content; other values are leaves, printed by itf_text.
std::vector<FieldChange> diff_json(const Json& before, const Json& after);
// An ITF value, readably: {"#set": [1, 2]} -> {1, 2}; {"#map": [[1, x]]} -> {1: x}; records as
// {a=1, b=2}; {"tag": "Some", "value": x} -> Some(x).
std::string itf_text(const Json& value);

}  // namespace lockstep
