// The runtime's write-ahead log: records of bytes made durable in order, group-committed with one
// fdatasync per batch, and a checkpoint that replaces the log written before it. It knows nothing
// of protocols (impl/runtime/storage.hpp turns a step's Persist into a record).
//
// Files in DIR, every number little-endian, every checksum CRC-32C (Castagnoli):
//   wal-<generation>          header: "LKSTWAL2" | u64 generation | u32 CRC of the 16 bytes before;
//                             then records: u32 length | u32 CRC of (length, payload) | payload.
//   checkpoint-<generation>   "LKSTCKP2" | u64 generation | u64 length | u32 CRC of (generation,
//                             length, payload) | payload: the owner's whole durable state before
//                             wal-<generation>'s first record. Generation 0 has no checkpoint file:
//                             its state is the owner's initial one.
// Generations are 20 zero-padded digits, so `ls` sorts them. At any moment the live files are the
// newest checkpoint (none in generation 0) and the wal of the same generation. DIR/lock is flock'd
// while a Wal owns the directory, so a second owner (another node given the same directory) is
// refused instead of interleaving its records.
//
// The rules it keeps:
//   - A record is durable (on_durable, durable_ticket) only after the write of its batch and the
//     fdatasync after it returned. A failed write or fsync calls on_error and stops the writer for
//     good (a failed fsync is never retried: the kernel may have dropped the dirty pages), so
//     nothing appended after it is ever reported durable.
//   - Checkpoint g+1 is written to checkpoint-<g+1>.tmp, fsync'd, renamed into place and the
//     directory fsync'd, only after every record appended before it is durable in wal-g; wal-<g+1>
//     is created the same way (.tmp, header fsync'd, rename), then the older files are deleted. So
//     a crash between any two steps leaves files that recover to the same state: a .tmp is
//     ignored and removed, a checkpoint without its wal means an empty wal, older files are
//     leftovers and removed.
//   - Recovery uses the newest checkpoint only. It was fsync'd before its rename, so a crash
//     cannot tear it: when it fails its checksum, the disk corrupted it, and since the older wal
//     may already be deleted there is nothing safe to fall back to: StorageError. (Older
//     checkpoints are superseded and deleted unread.) A wal file newer than the newest checkpoint
//     cannot arise from a crash either (it is created after its checkpoint): StorageError.
//   - A bad record (impossible length, checksum mismatch, or running past the end of the file) is
//     a torn tail when it is the last thing in the file: its extent reaches or passes the end, or
//     every byte from its start to the end is zero (a file extended but never written). The file
//     is then truncated at the record's start (ftruncate, fsync) and Recovered::notes says so.
//     Any other bad record is corruption in the middle: StorageError naming the file and offset.
//     Data is never silently dropped. (A torn write whose sectors landed out of order can leave a
//     bad record followed by good bytes of the same batch; that too is refused, conservatively,
//     for an operator to look at. The rule's one blind spot: a length field corrupted to point
//     past the end of the file reads as a torn tail, so the records after it would be cut; the
//     checksum covers the length, so a corrupt length that stays inside the file is caught.)
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <variant>
#include <vector>

namespace lockstep::runtime {

// A storage file is unreadable, corrupt in the middle, or an I/O call failed; the message names
// the file (and the byte offset, when one is at fault).
struct StorageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct WalOptions {
  bool fsync = true;                          // fdatasync each batch (false only for tests that measure nothing durable)
  std::uint64_t checkpoint_bytes = 8u << 20;  // the owner checkpoints when the current WAL file exceeds this
  // Tests only: runs on the writer thread before each batch's fdatasync (e.g. to hold the writer
  // while other threads append, so group commit can be observed without sleeping).
  std::function<void()> before_sync;
};

// CRC-32C (Castagnoli, reflected, as iSCSI and ext4 use) of `bytes`.
std::uint32_t crc32c(std::string_view bytes);

inline constexpr std::uint64_t wal_header_bytes = 20;        // magic 8, generation 8, CRC 4
inline constexpr std::uint64_t wal_record_header_bytes = 8;  // length 4, CRC 4
inline constexpr std::uint64_t checkpoint_header_bytes = 28;  // magic 8, generation 8, length 8, CRC 4
inline constexpr std::uint32_t wal_record_bytes_max = 1u << 30;  // a longer length field is impossible

class Wal {
 public:
  struct Recovered {
    std::optional<std::string> checkpoint;  // the newest valid checkpoint's bytes, if any
    std::vector<std::string> records;       // every record after it, in order
    std::uint64_t truncated_bytes = 0;      // a torn tail cut off (0: none)
    std::string notes;                      // one human line per repair made, empty if none
    // Where they came from (for the owner's own error messages): the checkpoint file (empty
    // without one), the wal file, and each record's byte offset in it.
    std::filesystem::path checkpoint_file;
    std::filesystem::path wal_file;
    std::vector<std::uint64_t> record_offsets;
  };

  // on_durable(ticket) runs on the writer thread after the batch holding every record up to
  // `ticket` is durable; on_error(message) on the writer thread when a write or fsync fails (the
  // owner must stop: nothing after it can be trusted).
  Wal(std::filesystem::path dir, WalOptions options, std::function<void(std::uint64_t)> on_durable,
      std::function<void(std::string)> on_error);
  ~Wal();  // flushes what was appended (unless the writer failed), joins the writer thread
  Wal(const Wal&) = delete;
  Wal& operator=(const Wal&) = delete;

  // Call once, before append: reads (and repairs) DIR, creating it when missing, and starts the
  // writer. Throws StorageError on corruption in the middle or an I/O failure.
  Recovered recover();
  // Queues the record for the next batch and returns its ticket (1, 2, 3, ...); never blocks on
  // disk. Throws StorageError for a record over wal_record_bytes_max.
  std::uint64_t append(std::string_view record);
  // `state` = the owner's whole durable state after every record appended so far. Queued like a
  // record (never blocks on disk): the writer writes it atomically once those records are
  // durable; records appended after this call go to the next generation's wal.
  void checkpoint(std::string state);
  std::uint64_t wal_bytes() const;         // bytes in the current WAL file (appended, durable or not)
  std::uint64_t checkpoint_bytes() const;  // size of the newest checkpoint file (queued or written; 0: none)
  std::uint64_t durable_ticket() const;
  std::uint64_t fsyncs() const;      // batches made durable (one fdatasync each, when options.fsync)
  std::uint64_t generation() const;  // of the current WAL file
  // Blocks until everything appended (and every queued checkpoint) is durable. Throws
  // StorageError when the writer failed.
  void flush();

 private:
  struct Batch {
    std::string bytes;  // framed records
    std::uint64_t last_ticket = 0;
  };
  struct CheckpointRequest {
    std::string state;
  };
  using Work = std::variant<Batch, CheckpointRequest>;

  void run_writer();
  void write_batch(const Batch& batch);
  void write_checkpoint(const CheckpointRequest& request);
  void fail(const std::string& message);

  std::filesystem::path dir_;
  WalOptions options_;
  std::function<void(std::uint64_t)> on_durable_;
  std::function<void(std::string)> on_error_;

  int lock_fd_ = -1;  // DIR/lock, flock'd from recover() to the destructor

  // The writer thread's own (no lock): the open wal file and its generation.
  int fd_ = -1;
  std::uint64_t writer_generation_ = 0;

  mutable std::mutex mutex_;
  std::condition_variable wake_;  // the writer: work queued, or stop
  std::condition_variable idle_;  // flush(): the writer finished what it took
  std::deque<Work> queue_;
  bool writer_busy_ = false;
  bool stop_ = false;
  bool recovered_ = false;
  std::optional<std::string> failure_;
  std::uint64_t appended_ticket_ = 0;
  std::uint64_t durable_ticket_ = 0;
  std::uint64_t fsyncs_ = 0;
  std::uint64_t wal_bytes_ = 0;
  std::uint64_t checkpoint_bytes_ = 0;
  std::uint64_t generation_ = 0;  // the generation appends go to
  std::thread writer_;
};

}  // namespace lockstep::runtime
