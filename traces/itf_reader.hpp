// Reading a trace a state at a time (nlohmann's SAX interface), so that memory stays near the
// size of a few states however long the trace is; and no value nested deeper than
// itf_depth_max levels is ever built (it is refused, since copying, comparing or printing such
// a value recurses once a level, and 200,000 levels overflow the stack).
//
// The file is read once when "#meta" and "vars" come before "states" (as make_itf writes them);
// otherwise twice: first for "#meta" and "vars", skipping the states, then for the states.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "checker/engine/progress.hpp"
#include "traces/itf.hpp"

namespace lockstep {

// Deeper than our traces nest (14 levels at most) by far; shallow enough for every recursion
// over a value.
inline constexpr std::size_t itf_depth_max = 256;

struct ItfHeader {
  Json meta;  // the trace's "#meta" (an object; {} when absent)
  std::vector<std::string> vars;
};

// Progress of reading a big trace, on stderr, once reading has taken `after_seconds`: on a
// terminal one line rewritten in place (erased when done), elsewhere a line every ten seconds:
//   progress: replay big.itf.json: 41000 states, 42% of 200.1 MB, 12.0s
// (the style of checker/engine/progress.hpp).
class ReadProgress {
 public:
  ReadProgress(Progress::Mode mode, std::string what, double after_seconds = 2.0);
  ReadProgress(const ReadProgress&) = delete;
  ReadProgress& operator=(const ReadProgress&) = delete;
  ~ReadProgress() { finish(); }
  const std::string& what() const { return what_; }
  void set_what(std::string what) { what_ = std::move(what); }
  // What the reader adds: which of its two passes, for a file that gives its states first.
  void set_pass(std::string pass) { pass_ = std::move(pass); }
  void update(std::uint64_t states, std::uint64_t bytes, std::uint64_t total_bytes);
  void finish();

 private:
  Progress::Mode mode_;
  std::string what_;
  std::string pass_;
  double after_seconds_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_;
  bool printed_ = false;
};

struct ItfVisitor {
  std::function<void(const ItfHeader&)> header;  // once, before any state
  std::function<void(ItfStep)> step;             // each state, in order (steps[0]: the initial state)
};

// Reads the trace file at `path`: the visitor's header, then each state checked as parse_itf
// checks it. Returns the number of states. Throws TraceError, whose message names the file:
// it cannot be read (missing, a directory, no permission, a read error), is not JSON, nests
// deeper than itf_depth_max, or is not a trace; a TraceError the visitor throws gets the path too.
std::size_t read_itf_file(const std::string& path, const ItfVisitor& visitor, ReadProgress* progress = nullptr);
// The same for a trace in memory (messages without a path).
std::size_t read_itf_text(std::string_view text, const ItfVisitor& visitor);

// The whole trace in memory, as parse_itf gives it.
ItfTrace read_itf_file(const std::string& path);
ItfTrace read_itf_text(std::string_view text);

}  // namespace lockstep
