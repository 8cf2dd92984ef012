#include "checker/engine/progress.hpp"

#include <fmt/core.h>
#include <unistd.h>

namespace lockstep {

Progress::Mode Progress::mode_for_stderr(bool quiet) {
  if (quiet) return Mode::quiet;
  return isatty(STDERR_FILENO) ? Mode::terminal : Mode::log;
}

double Progress::seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void Progress::report(const ExploreStats& stats, bool final) {
  const auto now = std::chrono::steady_clock::now();
  const double since_last = std::chrono::duration<double>(now - last_).count();
  const double interval = mode_ == Mode::terminal ? 0.25 : 10.0;
  if (!final && since_last < interval) return;
  last_ = now;
  const double elapsed = std::max(seconds(), 1e-9);
  const std::string line = simulation_ ? fmt::format("runs {:>10}  steps {:>12}  steps/s {:>10.0f}  {:.1f}s",
                                                     stats.distinct_states, stats.states_generated,
                                                     static_cast<double>(stats.states_generated) / elapsed, elapsed)
                                       : fmt::format(
      "states {:>12}  distinct {:>11}  states/s {:>10.0f}  depth {:>4}  queue {:>10}  {:.1f}s", stats.states_generated,
      stats.distinct_states, static_cast<double>(stats.states_generated) / elapsed, stats.depth, stats.queue, elapsed);
  if (mode_ == Mode::terminal) {
    fmt::print(stderr, "\r{}\x1b[K", line);
    printed_ = true;
  } else if (!final) {
    fmt::print(stderr, "progress: {}\n", line);
  }
  std::fflush(stderr);
}

void Progress::finish(const ExploreStats& stats) {
  if (mode_ == Mode::terminal && printed_) {
    report(stats, true);
    fmt::print(stderr, "\n");
  }
}

}  // namespace lockstep
