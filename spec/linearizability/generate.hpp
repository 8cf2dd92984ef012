// Concurrent histories generated from a real sequential execution, for tests and benchmarks:
// clients invoke operations on a lock service or a register store; each operation takes effect
// atomically at a random instant between its invocation and its completion, so every history
// generated is linearizable. Some operations complete as info (a timeout: they may have taken
// effect or not) and some are left pending at the end. Deterministic for a seed.
#pragma once

#include <cstdint>
#include <string>

#include "model/core/json.hpp"

namespace lockstep::linearizability {

struct GenerateOptions {
  std::string model = "lock";      // "lock" or "register"
  std::uint32_t clients = 16;
  std::uint32_t keys = 16;
  std::size_t operations = 1000;   // invocations by clients (the service's expiries not counted)
  std::uint64_t seed = 1;
  double info_probability = 0.01;  // a completion is info instead of its real answer
  double expire_probability = 0.002;  // per step, the lock service expires a random session
};

// {"model": ..., "history": [events]}, in the input format of `lockstep linearizable`.
Json generate_history(const GenerateOptions& options);

}  // namespace lockstep::linearizability
