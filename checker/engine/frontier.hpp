// The states of one BFS level waiting to be expanded: their encodings, back to back in blocks
// (each record: a 16-bit length, then the bytes). A state's slot in the fingerprint table is not
// stored: it is found again from the fingerprint of its bytes, so table growth never has to
// touch the frontier. Blocks beyond the in-memory budget are written to an unlinked temporary
// file (in SpillPolicy::dir: --spill-dir, else $TMPDIR, else /tmp) and read back when their
// level is expanded, so memory holds only the fingerprint table and a bounded amount of
// frontier, however wide a level grows. The disk taken has a bound of its own (--spill-max).
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "model/core/codec.hpp"

namespace lockstep {

// Where the frontiers of one search spill, and how much disk they may take together.
struct SpillPolicy {
  std::string dir;                           // "" = $TMPDIR, else /tmp
  std::size_t bytes_max = 0;                 // 0 = no bound
  std::atomic<std::size_t> on_disk = 0;      // bytes spilled by the frontiers alive now
  std::atomic<std::size_t> on_disk_peak = 0;
};

// Thrown when spilling would pass SpillPolicy::bytes_max, or when the disk refuses a block under a
// hard memory budget: the search stops as incomplete, with the figures so far.
struct SpillBoundReached : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Frontier {
 public:
  static constexpr std::size_t block_bytes = 16 * 1024;

  // `memory_budget` bytes of blocks stay in memory; `resident` counts the bytes in memory
  // across every frontier sharing it (for the all-in memory figure). When the disk refuses a
  // block (full, or a file size limit), a soft budget keeps that block and the later ones in
  // memory and says so (spill_error()); a hard one (the user's --memory) throws.
  Frontier(std::size_t memory_budget, std::atomic<std::size_t>* resident, bool hard_budget = false,
           SpillPolicy* spill = nullptr);
  ~Frontier();
  Frontier(Frontier&& other) noexcept;
  Frontier& operator=(Frontier&& other) noexcept;
  Frontier(const Frontier&) = delete;
  Frontier& operator=(const Frontier&) = delete;

  void push(const char* bytes, std::size_t size);
  // Closes the open block; call before reading.
  void seal();
  std::size_t size() const { return states_; }
  std::size_t blocks() const { return blocks_.size(); }
  // Calls f(bytes, size) for each state of block `b`; `buffer` holds a block read back from disk.
  template <class F>
  void for_each_in_block(std::size_t b, Bytes& buffer, F&& f) const {
    const Bytes& data = load(b, buffer);
    const char* p = data.data();
    const char* end = p + data.size();
    while (p < end) {
      std::uint16_t size;
      std::memcpy(&size, p, sizeof(size));
      p += sizeof(size);
      f(p, size);
      p += size;
    }
  }
  std::size_t spilled_bytes() const { return spilled_bytes_; }
  // Why blocks beyond the budget stayed in memory ("" when the disk took every one).
  const std::string& spill_error() const { return spill_error_; }

 private:
  struct Block {
    Bytes data;                 // empty when spilled
    std::size_t offset = 0;     // in the file, when spilled
    std::size_t size = 0;
    bool spilled = false;
  };
  const Bytes& load(std::size_t b, Bytes& buffer) const;
  void close_block();
  std::string spill(Block& block);
  void release();

  std::vector<Block> blocks_;
  Bytes open_;
  std::size_t states_ = 0;
  std::size_t in_memory_ = 0;
  std::size_t memory_budget_;
  std::atomic<std::size_t>* resident_;
  SpillPolicy* spill_ = nullptr;
  std::FILE* file_ = nullptr;
  std::size_t file_size_ = 0;
  std::size_t spilled_bytes_ = 0;
  bool hard_budget_ = false;
  std::string spill_error_;
};

}  // namespace lockstep
