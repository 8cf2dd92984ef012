// The write-ahead log (impl/runtime/wal.hpp) alone, on real files in a temporary directory:
// records round-trip across reopenings; a checkpoint replaces the older files, and every file
// layout a crash can leave between its steps (made by hand) recovers to the same state; a torn
// tail is truncated and reported, corruption in the middle refused with the file and offset;
// group commit makes one fdatasync cover many records; a failed write reaches on_error and is
// never reported durable. A test's "state" is its records concatenated onto the checkpoint.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <condition_variable>
#include <fstream>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "impl/runtime/wal.hpp"
#include "tests/runtime/unit/temp_dir.hpp"

namespace lockstep::runtime {
namespace {

namespace fs = std::filesystem;

// A fresh directory per test (tests/runtime/unit/temp_dir.hpp).
struct TempDir : testing::TempDir {
  TempDir() : testing::TempDir("wal") {}
};
using testing::read_bytes;
using testing::wal_file;
using testing::write_bytes;

WalOptions quiet() {
  WalOptions options;
  options.fsync = false;
  return options;
}

fs::path checkpoint_file(const fs::path& dir, std::uint64_t generation) {
  return dir / fmt::format("checkpoint-{:020}", generation);
}

std::set<std::string> files_in(const fs::path& dir) {
  std::set<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.insert(entry.path().filename().string());
  return names;
}

Wal::Recovered recover_dir(const fs::path& dir) {
  Wal wal(dir, quiet(), nullptr, nullptr);
  return wal.recover();
}
std::string state_of(const Wal::Recovered& recovered) {
  std::string state = recovered.checkpoint.value_or("");
  for (const auto& record : recovered.records) state += record;
  return state;
}
void append_records(const fs::path& dir, const std::vector<std::string>& records) {
  Wal wal(dir, quiet(), nullptr, nullptr);
  wal.recover();
  for (const auto& record : records) wal.append(record);
  wal.flush();
}
// The message of the StorageError that recovering `dir` throws ("" if none).
std::string recovery_error(const fs::path& dir) {
  try {
    recover_dir(dir);
  } catch (const StorageError& e) {
    return e.what();
  }
  return "";
}

TEST(Wal, crc32c_has_the_castagnoli_check_value) {
  EXPECT_EQ(crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(crc32c(""), 0u);
}

TEST(Wal, fresh_directory_is_created_and_recovers_empty) {
  TempDir dir;
  const fs::path nested = dir.path / "node" / "1";
  Wal wal(nested, quiet(), nullptr, nullptr);
  const Wal::Recovered recovered = wal.recover();
  EXPECT_FALSE(recovered.checkpoint);
  EXPECT_TRUE(recovered.records.empty());
  EXPECT_EQ(recovered.truncated_bytes, 0u);
  EXPECT_EQ(recovered.notes, "");
  EXPECT_EQ(files_in(nested), (std::set<std::string>{"lock", "wal-00000000000000000000"}));
  EXPECT_EQ(wal.wal_bytes(), wal_header_bytes);
  EXPECT_EQ(wal.checkpoint_bytes(), 0u);
  EXPECT_EQ(wal.generation(), 0u);
}

TEST(Wal, records_round_trip_across_reopenings_with_increasing_tickets) {
  TempDir dir;
  std::vector<std::uint64_t> durable;
  {
    Wal wal(dir.path, WalOptions{}, [&](std::uint64_t ticket) { durable.push_back(ticket); }, nullptr);
    wal.recover();
    EXPECT_EQ(wal.append("a"), 1u);
    EXPECT_EQ(wal.append("bb"), 2u);
    EXPECT_EQ(wal.append(""), 3u);  // an empty record is a record
    wal.flush();
    EXPECT_EQ(wal.durable_ticket(), 3u);
    EXPECT_EQ(wal.wal_bytes(), wal_header_bytes + 3 * wal_record_header_bytes + 3);
  }
  ASSERT_FALSE(durable.empty());
  EXPECT_TRUE(std::is_sorted(durable.begin(), durable.end()));
  EXPECT_EQ(durable.back(), 3u);
  {
    Wal wal(dir.path, quiet(), nullptr, nullptr);
    const Wal::Recovered recovered = wal.recover();
    EXPECT_EQ(recovered.records, (std::vector<std::string>{"a", "bb", ""}));
    EXPECT_EQ(recovered.record_offsets,
              (std::vector<std::uint64_t>{wal_header_bytes, wal_header_bytes + 9, wal_header_bytes + 19}));
    EXPECT_EQ(wal.append("c"), 1u);  // tickets count this process's appends
  }  // the destructor flushes
  EXPECT_EQ(recover_dir(dir.path).records, (std::vector<std::string>{"a", "bb", "", "c"}));
}

TEST(Wal, checkpoint_replaces_the_older_files) {
  TempDir dir;
  {
    Wal wal(dir.path, quiet(), nullptr, nullptr);
    wal.recover();
    wal.append("a");
    wal.append("b");
    wal.checkpoint("ab");
    EXPECT_EQ(wal.wal_bytes(), wal_header_bytes);  // appends now go to the next generation
    EXPECT_EQ(wal.checkpoint_bytes(), checkpoint_header_bytes + 2);
    EXPECT_EQ(wal.generation(), 1u);
    wal.append("c");
    wal.flush();
    EXPECT_EQ(wal.durable_ticket(), 3u);
  }
  EXPECT_EQ(files_in(dir.path),
            (std::set<std::string>{"lock", "checkpoint-00000000000000000001", "wal-00000000000000000001"}));
  {
    Wal wal(dir.path, quiet(), nullptr, nullptr);
    const Wal::Recovered recovered = wal.recover();
    EXPECT_EQ(recovered.checkpoint, "ab");
    EXPECT_EQ(recovered.records, std::vector<std::string>{"c"});
    EXPECT_EQ(recovered.notes, "");
    EXPECT_EQ(wal.checkpoint_bytes(), checkpoint_header_bytes + 2);
    wal.checkpoint("abc");
    wal.append("d");
  }
  EXPECT_EQ(files_in(dir.path),
            (std::set<std::string>{"lock", "checkpoint-00000000000000000002", "wal-00000000000000000002"}));
  EXPECT_EQ(state_of(recover_dir(dir.path)), "abcd");
}

// The files of a checkpoint's two sides: before (wal-0 = [a, b]) and after (checkpoint-1 = "ab",
// wal-1 = [c]); a crash layout is composed from them by hand.
struct CheckpointSides {
  TempDir before, after;
  CheckpointSides() {
    append_records(before.path, {"a", "b"});
    fs::copy(before.path, after.path);
    Wal wal(after.path, quiet(), nullptr, nullptr);
    wal.recover();
    wal.checkpoint("ab");
    wal.append("c");
    wal.flush();
  }
  std::string checkpoint() const { return read_bytes(checkpoint_file(after.path, 1)); }
  std::string wal1() const { return read_bytes(wal_file(after.path, 1)); }
};

// Recovers `dir` to `expected`, and then again with nothing left to repair.
void expect_recovers_to(const fs::path& dir, const std::string& expected, const std::string& note_part) {
  const Wal::Recovered first = recover_dir(dir);
  EXPECT_EQ(state_of(first), expected);
  EXPECT_NE(first.notes.find(note_part), std::string::npos) << first.notes;
  const Wal::Recovered second = recover_dir(dir);
  EXPECT_EQ(state_of(second), expected);
  EXPECT_EQ(second.notes, "");
  for (const auto& name : files_in(dir)) EXPECT_EQ(name.find(".tmp"), std::string::npos) << name;
}

TEST(Wal, every_crash_layout_during_a_checkpoint_recovers_the_same_state) {
  const CheckpointSides sides;
  {  // crashed while writing the checkpoint: the .tmp (whole or partial) is ignored
    TempDir dir;
    fs::copy(sides.before.path, dir.path);
    write_bytes(dir.path / "checkpoint-00000000000000000001.tmp", sides.checkpoint().substr(0, 17));
    expect_recovers_to(dir.path, "ab", "checkpoint-00000000000000000001.tmp: removed");
    EXPECT_FALSE(recover_dir(dir.path).checkpoint);
  }
  {
    TempDir dir;
    fs::copy(sides.before.path, dir.path);
    write_bytes(dir.path / "checkpoint-00000000000000000001.tmp", sides.checkpoint());
    expect_recovers_to(dir.path, "ab", "removed");
  }
  {  // crashed after the rename, before the new wal: an empty wal
    TempDir dir;
    fs::copy(sides.before.path, dir.path);
    write_bytes(checkpoint_file(dir.path, 1), sides.checkpoint());
    expect_recovers_to(dir.path, "ab", "wal-00000000000000000001: was missing");
    const Wal::Recovered recovered = recover_dir(dir.path);
    EXPECT_EQ(recovered.checkpoint, "ab");
    EXPECT_TRUE(recovered.records.empty());
    EXPECT_EQ(files_in(dir.path),
              (std::set<std::string>{"lock", "checkpoint-00000000000000000001", "wal-00000000000000000001"}));
  }
  {  // crashed while creating the new wal
    TempDir dir;
    fs::copy(sides.before.path, dir.path);
    write_bytes(checkpoint_file(dir.path, 1), sides.checkpoint());
    write_bytes(dir.path / "wal-00000000000000000001.tmp", sides.wal1().substr(0, 5));
    expect_recovers_to(dir.path, "ab", "wal-00000000000000000001.tmp: removed");
  }
  {  // crashed before deleting the older files (with c appended since)
    TempDir dir;
    fs::copy(sides.before.path, dir.path);
    write_bytes(checkpoint_file(dir.path, 1), sides.checkpoint());
    write_bytes(wal_file(dir.path, 1), sides.wal1());
    expect_recovers_to(dir.path, "abc", "wal-00000000000000000000: removed, superseded");
    EXPECT_EQ(files_in(dir.path),
              (std::set<std::string>{"lock", "checkpoint-00000000000000000001", "wal-00000000000000000001"}));
  }
  {  // the finished checkpoint
    const Wal::Recovered recovered = recover_dir(sides.after.path);
    EXPECT_EQ(state_of(recovered), "abc");
    EXPECT_EQ(recovered.notes, "");
  }
}

TEST(Wal, a_corrupt_newest_checkpoint_is_an_error_naming_it) {
  const CheckpointSides sides;
  std::string bytes = sides.checkpoint();
  bytes.back() ^= 0x01;
  write_bytes(checkpoint_file(sides.after.path, 1), bytes);
  const std::string error = recovery_error(sides.after.path);
  EXPECT_NE(error.find(checkpoint_file(sides.after.path, 1).string() + ": fails its checksum"), std::string::npos)
      << error;
  write_bytes(checkpoint_file(sides.after.path, 1), sides.checkpoint().substr(0, checkpoint_header_bytes + 1));
  EXPECT_NE(recovery_error(sides.after.path).find("its length field says 2 bytes but 1 follow"), std::string::npos);
}

TEST(Wal, a_wal_newer_than_the_newest_checkpoint_is_an_error) {
  const CheckpointSides sides;
  fs::remove(checkpoint_file(sides.after.path, 1));
  const std::string error = recovery_error(sides.after.path);
  EXPECT_NE(error.find(wal_file(sides.after.path, 1).string() + ": is newer than the newest checkpoint"),
            std::string::npos)
      << error;
}

TEST(Wal, a_garbled_wal_header_is_an_error_naming_the_file) {
  TempDir dir;
  append_records(dir.path, {"a"});
  std::string bytes = read_bytes(wal_file(dir.path, 0));
  bytes[9] ^= 0x40;  // the generation
  write_bytes(wal_file(dir.path, 0), bytes);
  const std::string error = recovery_error(dir.path);
  EXPECT_NE(error.find(wal_file(dir.path, 0).string() + ": the file header is missing or garbled"), std::string::npos)
      << error;
  write_bytes(wal_file(dir.path, 0), "LKSTWAL2");
  EXPECT_NE(recovery_error(dir.path).find("header is missing or garbled"), std::string::npos);
}

// Files of another format (another build's encoding of the durable state) are refused by name,
// not decoded: format 1's Raft entries had no no-op flag, and would decode misaligned.
TEST(Wal, a_file_of_another_format_is_refused_as_such) {
  TempDir dir;
  append_records(dir.path, {"a"});
  std::string bytes = read_bytes(wal_file(dir.path, 0));
  bytes[7] = '1';
  write_bytes(wal_file(dir.path, 0), bytes);
  const std::string error = recovery_error(dir.path);
  EXPECT_NE(error.find(wal_file(dir.path, 0).string() + ": written in format 1 by another build of lockstep (this build "
                                                          "reads format 2)"),
            std::string::npos)
      << error;
}

// A wal-0 of five 100-byte records; returns their offsets.
std::vector<std::uint64_t> five_records(const fs::path& dir) {
  std::vector<std::string> records;
  for (char c = '1'; c <= '5'; ++c) records.push_back(std::string(100, c));
  append_records(dir, records);
  return recover_dir(dir).record_offsets;
}

TEST(Wal, a_torn_tail_is_truncated_and_reported) {
  struct Case {
    const char* name;
    std::function<void(std::string&, std::uint64_t last)> tear;
    std::size_t records_kept;
  };
  const std::vector<Case> cases{
      {"last record cut short", [](std::string& f, std::uint64_t) { f.resize(f.size() - 3); }, 4},
      {"record header cut short", [](std::string& f, std::uint64_t last) { f.resize(last + 5); }, 4},
      {"last record's checksum fails", [](std::string& f, std::uint64_t) { f.back() ^= 0x10; }, 4},
      {"impossible length", [](std::string& f, std::uint64_t last) { f.replace(last, 4, "\xff\xff\xff\xff"); }, 4},
      {"zero-filled tail", [](std::string& f, std::uint64_t) { f.append(4096, '\0'); }, 5},
      {"last record zeroed and more zeros",
       [](std::string& f, std::uint64_t last) {
         f.replace(last, f.size() - last, std::string(f.size() - last, '\0'));
         f.append(512, '\0');
       },
       4},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    TempDir dir;
    const std::vector<std::uint64_t> offsets = five_records(dir.path);
    ASSERT_EQ(offsets.size(), 5u);
    const std::uint64_t torn_at = c.records_kept == 5 ? offsets[4] + 108 : offsets[4];
    std::string file = read_bytes(wal_file(dir.path, 0));
    c.tear(file, offsets[4]);
    write_bytes(wal_file(dir.path, 0), file);

    const Wal::Recovered recovered = recover_dir(dir.path);
    ASSERT_EQ(recovered.records.size(), c.records_kept);
    EXPECT_EQ(recovered.records.back(), std::string(100, static_cast<char>('0' + c.records_kept)));
    EXPECT_EQ(recovered.truncated_bytes, file.size() - torn_at);
    EXPECT_NE(recovered.notes.find(fmt::format("wal-00000000000000000000: truncated a torn tail of {} bytes at offset {}",
                                               file.size() - torn_at, torn_at)),
              std::string::npos)
        << recovered.notes;
    EXPECT_EQ(fs::file_size(wal_file(dir.path, 0)), torn_at);
    // Appending continues after the cut, and the repair is not repeated.
    append_records(dir.path, {"next"});
    const Wal::Recovered again = recover_dir(dir.path);
    EXPECT_EQ(again.records.size(), c.records_kept + 1);
    EXPECT_EQ(again.records.back(), "next");
    EXPECT_EQ(again.notes, "");
  }
}

TEST(Wal, corruption_in_the_middle_is_refused_with_file_and_offset) {
  TempDir dir;
  const std::vector<std::uint64_t> offsets = five_records(dir.path);
  const std::string good = read_bytes(wal_file(dir.path, 0));
  {
    std::string file = good;
    file[offsets[2] + 50] ^= 0x01;
    write_bytes(wal_file(dir.path, 0), file);
    const std::string error = recovery_error(dir.path);
    EXPECT_NE(error.find(fmt::format("{}: record at offset {} fails its checksum (CRC-32C stored ",
                                     wal_file(dir.path, 0).string(), offsets[2])),
              std::string::npos)
        << error;
    EXPECT_NE(error.find("the log is corrupt in the middle and cannot be replayed safely"), std::string::npos);
    EXPECT_EQ(read_bytes(wal_file(dir.path, 0)), file);  // nothing was cut
  }
  {  // zeros in the middle are not a torn tail: good records follow them
    std::string file = good;
    file.replace(offsets[1], 108, std::string(108, '\0'));
    write_bytes(wal_file(dir.path, 0), file);
    EXPECT_NE(recovery_error(dir.path).find(fmt::format("record at offset {} fails its checksum", offsets[1])),
              std::string::npos);
  }
  {  // a length pointing inside the file at the wrong place
    std::string file = good;
    file[offsets[3]] = 50;
    write_bytes(wal_file(dir.path, 0), file);
    EXPECT_NE(recovery_error(dir.path).find(fmt::format("record at offset {}", offsets[3])), std::string::npos);
  }
}

TEST(Wal, group_commit_covers_records_appended_while_the_writer_syncs) {
  TempDir dir;
  std::mutex mutex;
  std::condition_variable changed;
  bool holding = false;
  bool released = false;
  int syncs = 0;
  WalOptions options;  // real fdatasync
  options.before_sync = [&] {
    std::unique_lock lock(mutex);
    if (++syncs > 1) return;
    holding = true;  // the first batch's sync waits until the appenders are done
    changed.notify_all();
    changed.wait(lock, [&] { return released; });
  };
  std::vector<std::uint64_t> durable;
  auto wal_owner = std::make_unique<Wal>(dir.path, options, [&](std::uint64_t ticket) { durable.push_back(ticket); },
                                         nullptr);
  Wal& wal = *wal_owner;
  wal.recover();
  wal.append("first");
  {
    std::unique_lock lock(mutex);
    changed.wait(lock, [&] { return holding; });
  }
  std::vector<std::thread> appenders;
  for (int t = 0; t < 4; ++t) {
    appenders.emplace_back([&wal, t] {
      for (int i = 0; i < 50; ++i) wal.append(fmt::format("t{} r{}", t, i));
    });
  }
  for (auto& thread : appenders) thread.join();  // append never waited for the disk
  EXPECT_EQ(wal.durable_ticket(), 0u);
  {
    std::lock_guard lock(mutex);
    released = true;
  }
  changed.notify_all();
  wal.flush();
  EXPECT_EQ(wal.durable_ticket(), 201u);
  EXPECT_EQ(wal.fsyncs(), 2u);  // 201 records, two fdatasyncs
  EXPECT_EQ(durable, (std::vector<std::uint64_t>{1, 201}));
  wal_owner.reset();

  const Wal::Recovered recovered = recover_dir(dir.path);
  ASSERT_EQ(recovered.records.size(), 201u);
  EXPECT_EQ(recovered.records[0], "first");
  for (int t = 0; t < 4; ++t) {  // each thread's records in its own order
    int next = 0;
    for (const auto& record : recovered.records) {
      if (record.starts_with(fmt::format("t{} ", t))) {
        EXPECT_EQ(record, fmt::format("t{} r{}", t, next++));
      }
    }
    EXPECT_EQ(next, 50);
  }
}

TEST(Wal, a_failed_write_reaches_on_error_and_is_never_durable) {
  TempDir dir;
  std::string error;
  std::vector<std::uint64_t> durable;
  {
    Wal wal(dir.path, WalOptions{}, [&](std::uint64_t ticket) { durable.push_back(ticket); },
            [&](std::string message) { error = std::move(message); });
    wal.recover();
    // A file size limit makes the write fail with EFBIG after a partial write.
    rlimit saved{};
    ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
    const auto saved_handler = ::signal(SIGXFSZ, SIG_IGN);
    rlimit limited = saved;
    limited.rlim_cur = 64;
    ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &limited), 0);
    wal.append(std::string(200, 'x'));
    EXPECT_THROW(wal.flush(), StorageError);
    ::setrlimit(RLIMIT_FSIZE, &saved);
    ::signal(SIGXFSZ, saved_handler);
    EXPECT_EQ(wal.durable_ticket(), 0u);
    wal.append("after the failure");
    EXPECT_THROW(wal.flush(), StorageError);
    EXPECT_EQ(wal.durable_ticket(), 0u);
  }
  EXPECT_TRUE(durable.empty());
  EXPECT_NE(error.find(wal_file(dir.path, 0).string() + ": write (44 of 208 bytes written) failed: File too large"),
            std::string::npos)
      << error;
  // What reached the disk is a torn tail.
  const Wal::Recovered recovered = recover_dir(dir.path);
  EXPECT_TRUE(recovered.records.empty());
  EXPECT_EQ(recovered.truncated_bytes, 64 - wal_header_bytes);
}

TEST(Wal, a_directory_has_one_owner_at_a_time) {
  TempDir dir;
  Wal first(dir.path, quiet(), nullptr, nullptr);
  first.recover();
  Wal second(dir.path, quiet(), nullptr, nullptr);
  try {
    second.recover();
    ADD_FAILURE() << "a second owner recovered";
  } catch (const StorageError& e) {
    EXPECT_EQ(std::string(e.what()), dir.path.string() + ": is in use by another process or Wal (flock on lock is held)");
  }
}

TEST(Wal, append_before_recover_is_a_programming_error) {
  TempDir dir;
  Wal wal(dir.path, quiet(), nullptr, nullptr);
  EXPECT_THROW(wal.append("x"), std::logic_error);
  EXPECT_FALSE(fs::exists(dir.path));  // nothing touched the disk
}

}  // namespace
}  // namespace lockstep::runtime
