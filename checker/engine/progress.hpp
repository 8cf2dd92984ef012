// Live progress of a long check: on a terminal, one line rewritten in place; elsewhere, a line
// every ten seconds (so CI logs show that work goes on); nothing when quiet.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>

namespace lockstep {

struct ExploreStats {
  std::uint64_t states_generated = 0;
  std::uint64_t distinct_states = 0;
  std::uint32_t depth = 0;
  std::uint64_t queue = 0;
};

class Progress {
 public:
  enum class Mode { quiet, terminal, log };
  static Mode mode_for_stderr(bool quiet);

  // `simulation`: the figures are runs and steps, not states.
  explicit Progress(Mode mode, bool simulation = false)
      : mode_(mode), simulation_(simulation), start_(std::chrono::steady_clock::now()), last_(start_) {}
  // Cheap enough to call often: it looks at the clock only every few thousand calls.
  void tick(const ExploreStats& stats) {
    if (mode_ == Mode::quiet || (++calls_ & 0xfff) != 0) return;
    report(stats, false);
  }
  // For callers that call rarely (a distributed search, once a round): looks at the clock now.
  void tick_now(const ExploreStats& stats) {
    if (mode_ != Mode::quiet) report(stats, false);
  }
  void finish(const ExploreStats& stats);
  double seconds() const;
  // Counts `seconds` spent before this process started (a run resumed from a checkpoint).
  void add_elapsed(double seconds) {
    start_ -= std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(seconds));
  }

 private:
  void report(const ExploreStats& stats, bool final);
  Mode mode_;
  bool simulation_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_;
  std::uint64_t calls_ = 0;
  bool printed_ = false;
};

}  // namespace lockstep
