// The trace tools on a trace file read a step at a time (traces/itf_reader.hpp), so that memory
// stays near the size of a few states however long the trace: `lockstep replay`, `show` (text)
// and `shrink`. (`show --html` draws the whole trace at once: load_trace_file.)
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>

#include "traces/replay.hpp"
#include "traces/shrink_itf.hpp"

namespace lockstep {

struct ReplayedFile {
  LoadedTrace trace;      // its model, invariant, "#meta" and "vars"; no steps
  std::size_t steps = 0;  // actions: states - 1
  ReplayResult result;
};

// replay(load_trace_file(path)), keeping a step or two.
ReplayedFile replay_file(const std::string& path, ReadProgress* progress = nullptr);

// show_text(...) of the trace file, handed to `print` a step at a time. The file is read twice:
// first to replay it (which checks every step, so that nothing is printed for a bad file, counts
// them and finds where it diverges, if it does), then to show them, the divergence at its step
// (each pass with its progress, if given). Returns the divergence.
std::optional<Divergence> show_text_file(const std::string& path, bool colour,
                                         const std::function<void(const std::string&)>& print,
                                         ReadProgress* checking = nullptr, ReadProgress* showing = nullptr);

struct ShrunkFile {
  LoadedTrace trace;  // its model, invariant, "#meta" and "vars"; no steps
  ShrinkItfResult result;
};

// shrink_itf(load_trace_file(path)), keeping the initial state and the actions (compactly).
ShrunkFile shrink_file(const std::string& path, const ShrinkOptions& options, ReadProgress* progress = nullptr);

}  // namespace lockstep
