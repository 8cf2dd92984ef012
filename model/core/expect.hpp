// LOCKSTEP_EXPECT(condition): what a step function (and the containers it uses) relies on, such
// as an index inside a log. When it does not hold, the protocol's code has a bug: it throws
// ContractError, which whoever runs the step turns into a report. The checker's World reports
// it as a violation of WORLD-StepsComplete, with the trace that leads to it
// (checker/world/world.hpp), and a node stops with the message (impl/runtime/node_impl.hpp).
// An assert() would abort the whole process instead, taking a long search's results with it.
// Throwing is not an effect: a step that throws has no successor, and step functions stay pure.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace lockstep {

// A step function broke the effect contract (model/core/step.hpp: e.g. a Send before the
// Persist) or one of its own expectations: a bug in the protocol's code, reported by whoever
// interprets the step.
struct ContractError : std::logic_error {
  using std::logic_error::logic_error;
};

namespace detail {
// The path from the repository's root ("model/raft/step.hpp"), whatever the build's directory.
constexpr std::string_view source_path(std::string_view file) {
  for (const std::string_view root : {"model/", "checker/", "spec/", "impl/", "tests/"}) {
    for (std::size_t at = file.find(root); at != std::string_view::npos; at = file.find(root, at + 1)) {
      if (at == 0 || file[at - 1] == '/') return file.substr(at);
    }
  }
  return file;
}

[[noreturn, gnu::cold, gnu::noinline]] inline void expect_failed(const char* condition, const char* file, int line) {
  throw ContractError("expectation failed: " + std::string(condition) + " (" + std::string(source_path(file)) + ":" +
                      std::to_string(line) + ")");
}
}  // namespace detail

}  // namespace lockstep

#define LOCKSTEP_EXPECT(condition)                                                    \
  do {                                                                                \
    if (!(condition)) [[unlikely]]                                                    \
      ::lockstep::detail::expect_failed(#condition, __FILE__, __LINE__);              \
  } while (false)
