// Checks of numeric command-line options, shared by the protocols' option validation.
#pragma once

#include <initializer_list>
#include <string>

namespace lockstep {

// "" when low <= value <= high, else one line naming the flag, the range and the value.
inline std::string range_error(const char* flag, int value, int low, int high) {
  if (value >= low && value <= high) return "";
  return std::string(flag) + " must be between " + std::to_string(low) + " and " + std::to_string(high) + " (got " +
         std::to_string(value) + ")";
}

// The first non-empty error, or "".
inline std::string first_error(std::initializer_list<std::string> errors) {
  for (const std::string& error : errors) {
    if (!error.empty()) return error;
  }
  return "";
}

// The budgets and bound every World takes: --crashes, --drops, --duplicates, --max-messages.
inline std::string fault_error(int crashes, int drops, int duplicates, int messages_max) {
  return first_error({range_error("--crashes", crashes, 0, 100), range_error("--drops", drops, 0, 100),
                      range_error("--duplicates", duplicates, 0, 100),
                      range_error("--max-messages", messages_max, 0, 1000000)});
}

}  // namespace lockstep
