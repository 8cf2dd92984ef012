// A deadline for a search: sets the interrupt flag the search polls (ExploreOptions::interrupt)
// once `seconds` have passed, unless it is destroyed first. Whoever else may stop the search
// (Ctrl-C, a Stop button) sets the same flag; expired() tells the deadline's doing from theirs.
// Used by `check --budget` (impl/cli/check_command.cpp) and the explorer's Check (traces/explorer.cpp).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace lockstep {

class Deadline {
 public:
  Deadline(double seconds, std::atomic<bool>& flag)
      : until_(std::chrono::steady_clock::now() +
               std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(seconds))),
        thread_([this, &flag] {
          std::unique_lock<std::mutex> lock(mutex_);
          if (!done_changed_.wait_until(lock, until_, [this] { return done_; })) {
            expired_ = true;
            flag.store(true);
          }
        }) {}
  ~Deadline() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      done_ = true;
    }
    done_changed_.notify_all();
    thread_.join();
  }
  Deadline(const Deadline&) = delete;
  Deadline& operator=(const Deadline&) = delete;

  // Whether the deadline passed (and so set the flag).
  bool expired() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return expired_;
  }
  // Seconds until the deadline (negative once past).
  double left() const { return std::chrono::duration<double>(until_ - std::chrono::steady_clock::now()).count(); }

 private:
  std::chrono::steady_clock::time_point until_;
  mutable std::mutex mutex_;
  std::condition_variable done_changed_;
  bool done_ = false;
  bool expired_ = false;
  std::thread thread_;  // last: started once the members it reads are
};

}  // namespace lockstep
