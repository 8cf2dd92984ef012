// Checkpoints of a breadth-first search (`check ... --checkpoint DIR`, `--resume DIR`; TLC's
// -checkpoint and -recover): everything the search needs to go on where it stopped, written to a
// folder every few minutes at the end of a level, and when the run is interrupted (Ctrl-C,
// SIGTERM) in the middle of one.
//
// A checkpoint is a manifest, DIR/checkpoint.json, and the binary files it names (the
// fingerprint table with its parent links, the next level's bits, the frontier still to expand and the
// next level found so far), each with its size and CRC-32 (Boost.CRC) in the manifest. The files
// of a checkpoint are new files with a generation number in their names, written and synced
// before the manifest is replaced (atomically: written beside it, synced, renamed); the files of
// the previous generation are removed only after that. So a crash at any moment leaves either the
// old checkpoint or the new one whole, never a mix.
//
// The manifest also holds what shapes the state space (the protocol, its bounds, the search's
// reductions, the build's version: CheckpointOptions::identity) and the fingerprints of the
// initial states; a resume with anything different is refused, naming what differs, since the
// table's fingerprints would mean nothing to it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

#include "model/core/json.hpp"

namespace lockstep {

struct CheckpointOptions {
  std::string dir;             // write checkpoints here ("" = none)
  double every_seconds = 600;  // at the end of the first level this long after the last one (0 = every level)
  bool resume = false;         // start from the checkpoint in `dir`
  Json identity;               // what shapes the state space; a resume must have the same
};

// What the checkpoints of a run did (ExploreResult::checkpoint).
struct CheckpointFigures {
  std::string dir;
  bool resumed = false;                 // the run went on from a checkpoint
  std::uint32_t resumed_depth = 0;      // the level (steps from an initial state) it went on from
  std::uint64_t resumed_distinct = 0;   // distinct states the checkpoint had found
  std::uint64_t written = 0;            // checkpoints written by this run
  std::uint32_t last_depth = 0;         // the level being expanded at the last one
  bool last_mid_level = false;          // the last one was taken inside a level (interrupted)
  std::size_t last_bytes = 0;           // its size on disk
  double seconds_writing = 0;           // time spent writing them
  std::string error;                    // why one could not be written ("" = none failed)
};

// Bad or mismatched checkpoints met by --resume: bad input, exit 2.
struct CheckpointError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct CheckpointCrc;  // Boost.CRC's CRC-32, kept out of this header

// One binary file of a checkpoint, written piece by piece, its CRC computed on the way.
class CheckpointFileWriter {
 public:
  // Creates DIR/name (which must not exist). Throws std::runtime_error naming the path.
  CheckpointFileWriter(const std::string& dir, const std::string& name);
  ~CheckpointFileWriter();
  CheckpointFileWriter(const CheckpointFileWriter&) = delete;
  CheckpointFileWriter& operator=(const CheckpointFileWriter&) = delete;
  void write(const void* data, std::size_t size);
  template <class T>
  void write_value(const T& value) {
    write(&value, sizeof(value));
  }
  // Flushes and syncs the file; its entry for the manifest: {"file", "bytes", "crc32"}.
  Json finish();

 private:
  void flush();
  std::string path_;
  std::string name_;
  int fd_ = -1;
  std::string buffer_;
  std::size_t bytes_ = 0;
  std::unique_ptr<CheckpointCrc> crc_;
};

// One binary file of a checkpoint, read back against its manifest entry.
class CheckpointFileReader {
 public:
  // Opens DIR/<entry.file>; throws CheckpointError if it is missing or its size is not the
  // manifest's.
  CheckpointFileReader(const std::string& dir, const Json& entry);
  ~CheckpointFileReader();
  CheckpointFileReader(const CheckpointFileReader&) = delete;
  CheckpointFileReader& operator=(const CheckpointFileReader&) = delete;
  void read(void* data, std::size_t size);
  template <class T>
  T read_value() {
    T value;
    read(&value, sizeof(value));
    return value;
  }
  std::size_t remaining() const { return bytes_ - done_; }
  // Throws CheckpointError unless every byte was read and the CRC is the manifest's.
  void finish();

 private:
  std::string path_;
  int fd_ = -1;
  std::size_t bytes_ = 0;
  std::size_t done_ = 0;
  std::uint32_t crc_expected_ = 0;
  std::unique_ptr<CheckpointCrc> crc_;
  std::string buffer_;
  std::size_t buffer_at_ = 0;
};

// Makes DIR (and checks it is a writable folder); throws std::runtime_error.
void prepare_checkpoint_dir(const std::string& dir);
// Replaces DIR/checkpoint.json by `manifest` atomically, then removes the files of DIR whose
// names start with "lockstep-" and that the manifest does not name (earlier generations, and the
// pieces of a checkpoint that failed half-way).
void commit_checkpoint(const std::string& dir, const Json& manifest);
// Reads DIR/checkpoint.json; throws CheckpointError with a clear message when there is none or it
// is not a lockstep checkpoint of this format.
Json read_checkpoint_manifest(const std::string& dir);
// Throws CheckpointError when `saved` and `wanted` (identities) differ, naming each key that does.
void check_checkpoint_identity(const Json& saved, const Json& wanted, const std::string& dir);

// 2: one bit map (next-bits.bin), no level bits; 3: a World state ends with `failed` (its
// encoding, so its fingerprint, changed: a format-2 frontier would not decode as such).
inline constexpr int checkpoint_format = 3;

}  // namespace lockstep
