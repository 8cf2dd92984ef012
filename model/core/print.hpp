// Readable printing of every model value, derived from reflection:
//   Promise{ballot=2.1, accepted_ballot=1.1, accepted_value=v1}
// A type can print itself by providing `lockstep_print(std::string&, const T&)` (found by
// argument-dependent lookup), as NodeId ("n2") and Paxos ballots ("2.1") do.
#pragma once

#include <string>

#include "model/core/ids.hpp"
#include "model/core/reflect.hpp"
#include "model/core/small_vec.hpp"

namespace lockstep {

template <class T>
concept CustomPrint = requires(std::string& out, const T& value) { lockstep_print(out, value); };

template <class T>
void print_to(std::string& out, const T& value);

namespace detail {
template <class Range>
void print_sequence(std::string& out, const Range& range, char open, char close) {
  out += open;
  bool first = true;
  for (const auto& element : range) {
    if (!first) out += ", ";
    first = false;
    print_to(out, element);
  }
  out += close;
}
}  // namespace detail

template <class T>
void print_to(std::string& out, const T& value) {
  constexpr Kind kind = kind_of<T>;
  if constexpr (CustomPrint<T>) {
    lockstep_print(out, value);
  } else if constexpr (kind == Kind::scalar) {
    out += std::to_string(value.value);
  } else if constexpr (kind == Kind::boolean) {
    out += value ? "true" : "false";
  } else if constexpr (kind == Kind::integer) {
    out += std::to_string(value);
  } else if constexpr (kind == Kind::enumeration) {
    out += enum_name(value);
  } else if constexpr (kind == Kind::node_set) {
    out += '{';
    bool first = true;
    for (std::size_t i = 0; i < node_count_max; ++i) {
      if (!value.contains(NodeId::at(i))) continue;
      if (!first) out += ", ";
      first = false;
      print_to(out, NodeId::at(i));
    }
    out += '}';
  } else if constexpr (kind == Kind::per_node) {
    out += '{';
    for (std::size_t i = 0; i < value.items.size(); ++i) {
      if (i > 0) out += ", ";
      print_to(out, NodeId::at(i));
      out += ": ";
      print_to(out, value.items[i]);
    }
    out += '}';
  } else if constexpr (kind == Kind::optional) {
    if (value) {
      print_to(out, *value);
    } else {
      out += "none";
    }
  } else if constexpr (kind == Kind::variant) {
    std::visit([&](const auto& alternative) { print_to(out, alternative); }, value);
  } else if constexpr (kind == Kind::sequence || kind == Kind::array) {
    detail::print_sequence(out, value, '[', ']');
  } else if constexpr (kind == Kind::set) {
    detail::print_sequence(out, value, '{', '}');
  } else if constexpr (kind == Kind::map) {
    out += '{';
    bool first = true;
    for (const auto& [k, v] : value) {
      if (!first) out += ", ";
      first = false;
      print_to(out, k);
      out += ": ";
      print_to(out, v);
    }
    out += '}';
  } else if constexpr (kind == Kind::pair) {
    out += '(';
    print_to(out, value.first);
    out += ", ";
    print_to(out, value.second);
    out += ')';
  } else if constexpr (kind == Kind::record) {
    out += record_name<T>();
    if constexpr (Reflected<T>) {
      out += '{';
      bool first = true;
      for_each_field(value, [&](std::string_view name, const auto& field) {
        if (!first) out += ", ";
        first = false;
        out += name;
        out += '=';
        print_to(out, field);
      });
      out += '}';
    }
  } else {
    static_assert(always_false<T>, "lockstep: no printing for this type");
  }
}

template <class T>
std::string to_string(const T& value) {
  std::string out;
  print_to(out, value);
  return out;
}

// A log entry or slot (Raft's, Multi-Paxos's, their specs' ghosts) in words: its command, or
// "no-op" for the no-op a new leader appends or recovers.
template <class Entry>
std::string entry_text(const Entry& entry) {
  return entry.noop ? std::string("no-op") : to_string(entry.command);
}

}  // namespace lockstep
