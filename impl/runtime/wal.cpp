// The write-ahead log (impl/runtime/wal.hpp): file formats, recovery and repair, and the writer
// thread that group-commits batches and writes checkpoints. Every POSIX call is checked; a
// failure becomes a StorageError naming the file (during recovery: thrown; on the writer thread:
// handed to on_error, after which the writer does no more I/O).
#include "impl/runtime/wal.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/crc.hpp>
#include <cassert>
#include <cerrno>
#include <cstring>
#include <map>

#include <fmt/format.h>

namespace lockstep::runtime {
namespace {

using Crc32c = boost::crc_optimal<32, 0x1EDC6F41, 0xFFFFFFFF, 0xFFFFFFFF, true, true>;
namespace fs = std::filesystem;

// The magic's last character is the format: the records' and checkpoints' payload encodings
// (impl/runtime/storage.hpp) changed with it. 2: Raft's log entries carry a no-op flag.
constexpr std::string_view wal_magic = "LKSTWAL2";
constexpr std::string_view checkpoint_magic = "LKSTCKP2";

// When `bytes` opens with `magic` but another format character, the error that says so.
std::optional<std::string> other_format(std::string_view bytes, std::string_view magic) {
  const std::size_t stem = magic.size() - 1;
  if (bytes.size() < magic.size() || bytes.substr(0, stem) != magic.substr(0, stem) || bytes[stem] == magic[stem]) {
    return std::nullopt;
  }
  return fmt::format("written in format {} by another build of lockstep (this build reads format {}); start the node "
                     "with the build that wrote it, or on an empty data directory",
                     bytes[stem], magic[stem]);
}
constexpr std::string_view wal_prefix = "wal-";
constexpr std::string_view checkpoint_prefix = "checkpoint-";
constexpr std::string_view tmp_suffix = ".tmp";
constexpr std::string_view lock_name = "lock";
constexpr std::size_t generation_digits = 20;  // every u64 fits

void put_u32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void put_u64(std::string& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
std::uint32_t get_u32(const char* p) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<std::uint32_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  return v;
}
std::uint64_t get_u64(const char* p) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<std::uint64_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  return v;
}

std::string file_name(std::string_view prefix, std::uint64_t generation) {
  return fmt::format("{}{:0{}}", prefix, generation, generation_digits);
}
// The generation of a file named `prefix` + 20 digits (+ ".tmp" when `tmp`), if it is one.
std::optional<std::uint64_t> parse_name(std::string_view name, std::string_view prefix, bool tmp) {
  if (!name.starts_with(prefix)) return std::nullopt;
  name.remove_prefix(prefix.size());
  if (tmp != name.ends_with(tmp_suffix)) return std::nullopt;
  if (tmp) name.remove_suffix(tmp_suffix.size());
  if (name.size() != generation_digits) return std::nullopt;
  std::uint64_t generation = 0;
  for (const char c : name) {
    if (c < '0' || c > '9') return std::nullopt;
    const std::uint64_t digit = static_cast<std::uint64_t>(c - '0');
    if (generation > (UINT64_MAX - digit) / 10) return std::nullopt;
    generation = generation * 10 + digit;
  }
  return generation;
}

[[noreturn]] void throw_errno(const fs::path& path, std::string_view what) {
  const int error = errno;
  throw StorageError(fmt::format("{}: {} failed: {}", path.string(), what, std::strerror(error)));
}

class Fd {
 public:
  Fd(const fs::path& path, int flags, mode_t mode = 0644) : path_(path) {
    do fd_ = ::open(path.c_str(), flags | O_CLOEXEC, mode);
    while (fd_ < 0 && errno == EINTR);
    if (fd_ < 0) throw_errno(path, "open");
  }
  ~Fd() { close_quietly(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }
  void close() {
    if (::close(release()) != 0) throw_errno(path_, "close");
  }

 private:
  void close_quietly() {
    if (fd_ >= 0) ::close(release());
  }
  fs::path path_;
  int fd_ = -1;
};

void write_all(int fd, const fs::path& path, std::string_view bytes) {
  const std::size_t total = bytes.size();
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_errno(path, fmt::format("write ({} of {} bytes written)", total - bytes.size(), total));
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

void sync_data(int fd, const fs::path& path) {
  if (::fdatasync(fd) != 0) throw_errno(path, "fdatasync");
}

// Makes the directory's entries (creations, renames, deletions) durable.
void sync_dir(const fs::path& dir) {
  Fd fd(dir, O_RDONLY | O_DIRECTORY);
  if (::fsync(fd.get()) != 0) throw_errno(dir, "fsync of the directory");
  fd.close();
}

std::string read_all(const fs::path& path) {
  Fd fd(path, O_RDONLY);
  std::string bytes;
  char buffer[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_errno(path, "read");
    if (n == 0) break;
    bytes.append(buffer, static_cast<std::size_t>(n));
  }
  fd.close();
  return bytes;
}

// Writes DIR/name whole or not at all: DIR/name.tmp first (fsync'd), then a rename, then the
// directory fsync'd.
void write_file_atomically(const fs::path& dir, const std::string& name, std::string_view bytes, bool fsync) {
  const fs::path tmp = dir / (name + std::string(tmp_suffix));
  Fd fd(tmp, O_WRONLY | O_CREAT | O_TRUNC);
  write_all(fd.get(), tmp, bytes);
  if (fsync) sync_data(fd.get(), tmp);
  fd.close();
  if (::rename(tmp.c_str(), (dir / name).c_str()) != 0) throw_errno(tmp, "rename to " + name);
  if (fsync) sync_dir(dir);
}

void remove_file(const fs::path& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) throw_errno(path, "unlink");
}

std::string wal_header(std::uint64_t generation) {
  std::string header(wal_magic);
  put_u64(header, generation);
  put_u32(header, crc32c(header));
  assert(header.size() == wal_header_bytes);
  return header;
}

std::uint32_t checkpoint_crc(std::string_view generation_and_length, std::string_view state) {
  Crc32c crc;
  crc.process_bytes(generation_and_length.data(), generation_and_length.size());
  crc.process_bytes(state.data(), state.size());
  return crc.checksum();
}

std::string checkpoint_file_bytes(std::uint64_t generation, std::string_view state) {
  std::string bytes(checkpoint_magic);
  put_u64(bytes, generation);
  put_u64(bytes, state.size());
  put_u32(bytes, checkpoint_crc(std::string_view(bytes).substr(checkpoint_magic.size()), state));
  assert(bytes.size() == checkpoint_header_bytes);
  bytes.append(state);
  return bytes;
}

// The state a checkpoint file holds; StorageError when it is not exactly what checkpoint()
// wrote for `generation`.
std::string read_checkpoint(const fs::path& path, std::uint64_t generation) {
  const std::string bytes = read_all(path);
  auto corrupt = [&](const std::string& why) {
    return StorageError(fmt::format(
        "{}: {}; it is the newest checkpoint and the log before it may be deleted, so the state cannot be "
        "recovered safely",
        path.string(), why));
  };
  if (const auto other = other_format(bytes, checkpoint_magic)) throw StorageError(path.string() + ": " + *other);
  if (bytes.size() < checkpoint_header_bytes || std::string_view(bytes).substr(0, 8) != checkpoint_magic) {
    throw corrupt("the checkpoint header is missing or garbled");
  }
  const std::uint64_t stored_generation = get_u64(bytes.data() + 8);
  const std::uint64_t length = get_u64(bytes.data() + 16);
  const std::uint32_t stored_crc = get_u32(bytes.data() + 24);
  if (length != bytes.size() - checkpoint_header_bytes) {
    throw corrupt(fmt::format("its length field says {} bytes but {} follow the header", length,
                              bytes.size() - checkpoint_header_bytes));
  }
  const std::string_view state = std::string_view(bytes).substr(checkpoint_header_bytes);
  const std::uint32_t computed = checkpoint_crc(std::string_view(bytes).substr(8, 16), state);
  if (computed != stored_crc) {
    throw corrupt(fmt::format("fails its checksum (CRC-32C stored {:08x}, computed {:08x})", stored_crc, computed));
  }
  if (stored_generation != generation) {
    throw corrupt(fmt::format("its header says generation {}", stored_generation));
  }
  return std::string(state);
}

// A record's checksum covers its length field too: a corrupt length is caught when the record
// fits in the file, and a zeroed header (length 0, CRC 0) is not a valid empty record.
std::uint32_t record_crc(std::uint32_t length, std::string_view payload) {
  std::string length_bytes;
  put_u32(length_bytes, length);
  Crc32c crc;
  crc.process_bytes(length_bytes.data(), length_bytes.size());
  crc.process_bytes(payload.data(), payload.size());
  return crc.checksum();
}

bool all_zero(std::string_view bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](char c) { return c == 0; });
}

// Why the record at `offset` is bad ("" when it is good), and where it would end.
struct RecordCheck {
  std::string problem;
  std::uint64_t length = 0;
  bool past_end = false;  // its extent reaches or passes the end of the file
};
RecordCheck check_record(std::string_view file, std::uint64_t offset) {
  const std::uint64_t remaining = file.size() - offset;
  if (remaining < wal_record_header_bytes) {
    return {fmt::format("has only {} of its {} header bytes", remaining, wal_record_header_bytes), 0, true};
  }
  const std::uint32_t length = get_u32(file.data() + offset);
  const std::uint32_t stored_crc = get_u32(file.data() + offset + 4);
  if (length > wal_record_bytes_max) {
    return {fmt::format("has an impossible length field ({} bytes)", length), length, true};
  }
  if (wal_record_header_bytes + length > remaining) {
    return {fmt::format("runs past the end of the file ({} bytes, {} remain)", length,
                        remaining - wal_record_header_bytes),
            length, true};
  }
  const std::uint32_t computed = record_crc(length, file.substr(offset + wal_record_header_bytes, length));
  if (computed != stored_crc) {
    return {fmt::format("fails its checksum (CRC-32C stored {:08x}, computed {:08x})", stored_crc, computed), length,
            wal_record_header_bytes + length == remaining};
  }
  return {"", length, false};
}

// One owner at a time: two nodes (or two Wal objects) appending to one log would corrupt it.
// Returns the descriptor holding the flock on DIR/lock.
int lock_directory(const fs::path& dir) {
  Fd lock(dir / lock_name, O_RDWR | O_CREAT);
  if (::flock(lock.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) {
      throw StorageError(
          fmt::format("{}: is in use by another process or Wal (flock on {} is held)", dir.string(), lock_name));
    }
    throw_errno(dir / lock_name, "flock");
  }
  return lock.release();
}

// The storage files a directory holds, by generation (other files are ignored).
struct Listing {
  std::map<std::uint64_t, fs::path> checkpoints;
  std::map<std::uint64_t, fs::path> wals;
  std::vector<fs::path> temporaries;  // checkpoint or wal files never renamed into place
};
Listing list_directory(const fs::path& dir) {
  Listing listing;
  std::error_code error;
  for (fs::directory_iterator it(dir, error), end; !error && it != end; it.increment(error)) {
    const std::string name = it->path().filename().string();
    if (auto g = parse_name(name, checkpoint_prefix, false)) listing.checkpoints[*g] = it->path();
    if (auto g = parse_name(name, wal_prefix, false)) listing.wals[*g] = it->path();
    if (parse_name(name, checkpoint_prefix, true) || parse_name(name, wal_prefix, true)) {
      listing.temporaries.push_back(it->path());
    }
  }
  if (error) throw StorageError(fmt::format("{}: cannot list the directory: {}", dir.string(), error.message()));
  std::sort(listing.temporaries.begin(), listing.temporaries.end());
  return listing;
}

// Removes what a crash during a checkpoint can leave besides the live generation's files: .tmp
// files and superseded checkpoints and wals. Returns one note per file removed.
std::vector<std::string> remove_leftovers(const Listing& listing, std::uint64_t generation) {
  std::vector<std::string> notes;
  for (const fs::path& tmp : listing.temporaries) {
    remove_file(tmp);
    notes.push_back(
        fmt::format("{}: removed a leftover of an unfinished checkpoint or log creation", tmp.filename().string()));
  }
  for (const auto* files : {&listing.checkpoints, &listing.wals}) {
    for (const auto& [g, path] : *files) {
      if (g >= generation) continue;
      remove_file(path);
      notes.push_back(
          fmt::format("{}: removed, superseded by checkpoint generation {}", path.filename().string(), generation));
    }
  }
  return notes;
}

// Reads the records of recovered.wal_file (of `generation`) into `recovered`, truncating a torn
// tail; returns the file's size after.
std::uint64_t replay_wal(Wal::Recovered& recovered, std::uint64_t generation, std::vector<std::string>& notes) {
  const fs::path& path = recovered.wal_file;
  const std::string file = read_all(path);
  if (const auto other = other_format(file, wal_magic)) throw StorageError(path.string() + ": " + *other);
  if (file.size() < wal_header_bytes || std::string_view(file).substr(0, wal_header_bytes) != wal_header(generation)) {
    throw StorageError(fmt::format("{}: the file header is missing or garbled (expected magic {}, generation {}, and "
                                   "its checksum); the log cannot be replayed safely",
                                   path.string(), wal_magic, generation));
  }
  std::uint64_t offset = wal_header_bytes;
  while (offset < file.size()) {
    const RecordCheck check = check_record(file, offset);
    if (check.problem.empty()) {
      recovered.records.emplace_back(file, offset + wal_record_header_bytes, check.length);
      recovered.record_offsets.push_back(offset);
      offset += wal_record_header_bytes + check.length;
      continue;
    }
    const bool torn = check.past_end || all_zero(std::string_view(file).substr(offset));
    if (!torn) {
      throw StorageError(fmt::format(
          "{}: record at offset {} {}; the log is corrupt in the middle and cannot be replayed safely", path.string(),
          offset, check.problem));
    }
    Fd fd(path, O_WRONLY);
    if (::ftruncate(fd.get(), static_cast<off_t>(offset)) != 0) throw_errno(path, "ftruncate");
    if (::fsync(fd.get()) != 0) throw_errno(path, "fsync");
    fd.close();
    recovered.truncated_bytes = file.size() - offset;
    notes.push_back(fmt::format("{}: truncated a torn tail of {} bytes at offset {} (the record there {})",
                                path.filename().string(), recovered.truncated_bytes, offset, check.problem));
    return offset;
  }
  return offset;
}

}  // namespace

std::uint32_t crc32c(std::string_view bytes) {
  Crc32c crc;
  crc.process_bytes(bytes.data(), bytes.size());
  return crc.checksum();
}

Wal::Wal(std::filesystem::path dir, WalOptions options, std::function<void(std::uint64_t)> on_durable,
         std::function<void(std::string)> on_error)
    : dir_(std::move(dir)),
      options_(std::move(options)),
      on_durable_(std::move(on_durable)),
      on_error_(std::move(on_error)) {}

Wal::~Wal() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (writer_.joinable()) writer_.join();
  if (fd_ >= 0) ::close(fd_);
  if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the flock
}

Wal::Recovered Wal::recover() {
  {
    std::lock_guard lock(mutex_);
    if (recovered_) throw std::logic_error("Wal::recover called twice");
  }
  std::error_code error;
  const bool created = fs::create_directories(dir_, error);
  if (error) throw StorageError(fmt::format("{}: cannot create the directory: {}", dir_.string(), error.message()));
  if (created && options_.fsync) sync_dir(fs::absolute(dir_).parent_path());
  lock_fd_ = lock_directory(dir_);
  const Listing listing = list_directory(dir_);

  // The live generation: the newest checkpoint's (0: none, the owner's initial state).
  const std::uint64_t generation = listing.checkpoints.empty() ? 0 : listing.checkpoints.rbegin()->first;
  if (!listing.wals.empty() && listing.wals.rbegin()->first > generation) {
    throw StorageError(fmt::format(
        "{}: is newer than the newest checkpoint (generation {}); its checkpoint is missing, so the log cannot be "
        "replayed safely",
        listing.wals.rbegin()->second.string(), generation));
  }
  Recovered recovered;
  recovered.wal_file = dir_ / file_name(wal_prefix, generation);
  if (generation > 0) {
    recovered.checkpoint_file = listing.checkpoints.at(generation);
    recovered.checkpoint = read_checkpoint(recovered.checkpoint_file, generation);
  }

  // Repairs, from here on (each idempotent, so a crash during recovery is recovered again).
  std::vector<std::string> notes = remove_leftovers(listing, generation);
  if (!notes.empty() && options_.fsync) sync_dir(dir_);
  std::uint64_t size = wal_header_bytes;
  if (listing.wals.count(generation) == 0) {
    // A fresh directory, or a crash after the checkpoint's rename and before its wal's: empty.
    write_file_atomically(dir_, file_name(wal_prefix, generation), wal_header(generation), options_.fsync);
    if (generation > 0) {
      notes.push_back(fmt::format("{}: was missing after its checkpoint; created it empty",
                                  recovered.wal_file.filename().string()));
    }
  } else {
    size = replay_wal(recovered, generation, notes);
  }
  for (const std::string& note : notes) {
    if (!recovered.notes.empty()) recovered.notes += '\n';
    recovered.notes += note;
  }

  Fd fd(recovered.wal_file, O_WRONLY | O_APPEND);
  fd_ = fd.release();
  writer_generation_ = generation;
  {
    std::lock_guard lock(mutex_);
    recovered_ = true;
    generation_ = generation;
    wal_bytes_ = size;
    checkpoint_bytes_ = recovered.checkpoint ? checkpoint_header_bytes + recovered.checkpoint->size() : 0;
  }
  writer_ = std::thread([this] { run_writer(); });
  return recovered;
}

std::uint64_t Wal::append(std::string_view record) {
  if (record.size() > wal_record_bytes_max) {
    throw StorageError(fmt::format("{}: a record of {} bytes exceeds the limit of {}", dir_.string(), record.size(),
                                   wal_record_bytes_max));
  }
  const std::uint32_t crc = record_crc(static_cast<std::uint32_t>(record.size()), record);
  std::uint64_t ticket = 0;
  {
    std::lock_guard lock(mutex_);
    if (!recovered_) throw std::logic_error("Wal::append before recover");
    if (queue_.empty() || !std::holds_alternative<Batch>(queue_.back())) queue_.emplace_back(Batch{});
    Batch& batch = std::get<Batch>(queue_.back());
    put_u32(batch.bytes, static_cast<std::uint32_t>(record.size()));
    put_u32(batch.bytes, crc);
    batch.bytes.append(record);
    ticket = ++appended_ticket_;
    batch.last_ticket = ticket;
    wal_bytes_ += wal_record_header_bytes + record.size();
  }
  wake_.notify_one();
  return ticket;
}

void Wal::checkpoint(std::string state) {
  {
    std::lock_guard lock(mutex_);
    if (!recovered_) throw std::logic_error("Wal::checkpoint before recover");
    checkpoint_bytes_ = checkpoint_header_bytes + state.size();
    queue_.emplace_back(CheckpointRequest{std::move(state)});
    ++generation_;
    wal_bytes_ = wal_header_bytes;
  }
  wake_.notify_one();
}

std::uint64_t Wal::wal_bytes() const {
  std::lock_guard lock(mutex_);
  return wal_bytes_;
}
std::uint64_t Wal::checkpoint_bytes() const {
  std::lock_guard lock(mutex_);
  return checkpoint_bytes_;
}
std::uint64_t Wal::durable_ticket() const {
  std::lock_guard lock(mutex_);
  return durable_ticket_;
}
std::uint64_t Wal::fsyncs() const {
  std::lock_guard lock(mutex_);
  return fsyncs_;
}
std::uint64_t Wal::generation() const {
  std::lock_guard lock(mutex_);
  return generation_;
}

void Wal::flush() {
  std::unique_lock lock(mutex_);
  idle_.wait(lock, [&] { return failure_.has_value() || (queue_.empty() && !writer_busy_); });
  if (failure_) throw StorageError(*failure_);
}

void Wal::run_writer() {
  for (;;) {
    std::deque<Work> work;
    bool failed = false;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything is written
      work.swap(queue_);
      writer_busy_ = true;
      failed = failure_.has_value();
    }
    // After a failure nothing more is written: the work is dropped, never reported durable.
    for (const Work& item : work) {
      if (failed) break;
      try {
        if (const auto* batch = std::get_if<Batch>(&item)) write_batch(*batch);
        if (const auto* request = std::get_if<CheckpointRequest>(&item)) write_checkpoint(*request);
      } catch (const StorageError& e) {
        fail(e.what());
        failed = true;
      }
    }
    {
      std::lock_guard lock(mutex_);
      writer_busy_ = false;
    }
    idle_.notify_all();
  }
}

void Wal::write_batch(const Batch& batch) {
  const fs::path path = dir_ / file_name(wal_prefix, writer_generation_);
  write_all(fd_, path, batch.bytes);
  if (options_.before_sync) options_.before_sync();
  if (options_.fsync) sync_data(fd_, path);
  {
    std::lock_guard lock(mutex_);
    ++fsyncs_;
    durable_ticket_ = batch.last_ticket;
  }
  if (on_durable_) on_durable_(batch.last_ticket);
}

// Every record queued before the request is durable in the current wal (write_batch ran first).
void Wal::write_checkpoint(const CheckpointRequest& request) {
  const std::uint64_t next = writer_generation_ + 1;
  write_file_atomically(dir_, file_name(checkpoint_prefix, next), checkpoint_file_bytes(next, request.state),
                        options_.fsync);
  const std::string wal_name = file_name(wal_prefix, next);
  write_file_atomically(dir_, wal_name, wal_header(next), options_.fsync);
  Fd fd(dir_ / wal_name, O_WRONLY | O_APPEND);
  const int old_fd = std::exchange(fd_, fd.release());
  const std::uint64_t old_generation = std::exchange(writer_generation_, next);
  if (::close(old_fd) != 0) throw_errno(dir_ / file_name(wal_prefix, old_generation), "close");
  // The older files are superseded; a crash before (or during) their deletion leaves them for
  // recovery to delete, so the directory need not be fsync'd after.
  remove_file(dir_ / file_name(wal_prefix, old_generation));
  if (old_generation > 0) remove_file(dir_ / file_name(checkpoint_prefix, old_generation));
}

// The owner hears of the failure (on_error) before flush() can return with it.
void Wal::fail(const std::string& message) {
  if (on_error_) on_error_(message);
  {
    std::lock_guard lock(mutex_);
    if (!failure_) failure_ = message;
  }
  idle_.notify_all();
}

}  // namespace lockstep::runtime
