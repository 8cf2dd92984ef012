// `lockstep shrink`: a trace's run made as short as delta debugging can (checker/shrink.hpp),
// still violating the same property, written as a trace again.
#pragma once

#include <cstddef>
#include <string>

#include "checker/shrink.hpp"
#include "traces/replay.hpp"

namespace lockstep {

enum class ShrinkStatus {
  shrunk,            // `itf` holds the shrunk trace (possibly as long as the original)
  diverges,          // the trace does not replay (replayed.divergence says where)
  violates_nothing,  // the trace does not violate the property to keep
};

struct ShrinkItfResult {
  ShrinkStatus status = ShrinkStatus::violates_nothing;
  ReplayResult replayed;       // the original trace replayed
  std::string property;        // kept violated: the recorded invariant, else the first violated
  std::size_t steps_before = 0;  // actions in the original trace
  std::size_t steps_after = 0;   // actions in the shrunk trace
  ShrinkStats stats;
  Json itf;  // the shrunk trace; its "#meta" is the original's, with "source" and "shrunk_from"
};

ShrinkItfResult shrink_itf(const LoadedTrace& trace, const ShrinkOptions& options = {});
// The same from what shrinking needs of a trace: its model and "#meta" (`trace`'s steps are not
// looked at), its initial state, its actions, and how it replayed (a trace file read a step at a
// time: traces/trace_file.hpp).
ShrinkItfResult shrink_replayed(const LoadedTrace& trace, const Json& initial, const PackedJsonList& actions,
                                const ReplayResult& replayed, const ShrinkOptions& options = {});

}  // namespace lockstep
