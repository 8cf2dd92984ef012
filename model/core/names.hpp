// Names for enums and reflected structs, so JSON, traces and printing share the code's words.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace lockstep::detail {
// Splits the text of an enum's enumerator list ("idle, preparing, accepting") into names.
std::vector<std::string_view> split_enum_names(std::string_view text);
}  // namespace lockstep::detail

// Declares `enum class Name : std::uint8_t { ... }` together with the names of its values,
// found by argument-dependent lookup through `lockstep_enum_names(Name{})`. Enumerators must
// take the default values 0, 1, 2, ... (the names are indexed by value).
#define LOCKSTEP_ENUM(Name, ...)                                                       \
  enum class Name : std::uint8_t { __VA_ARGS__ };                                      \
  inline const std::vector<std::string_view>& lockstep_enum_names(Name) {              \
    static const std::vector<std::string_view> names =                                 \
        ::lockstep::detail::split_enum_names(#__VA_ARGS__);                            \
    return names;                                                                      \
  }
