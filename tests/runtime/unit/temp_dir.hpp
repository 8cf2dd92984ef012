// Test support for the storage tests (wal_test.cpp, storage_test.cpp): a fresh directory path per
// test (not created: recovery creates it), removed after; the name of a WAL generation file; a
// file's bytes, read and written whole.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <iterator>
#include <string>

namespace lockstep::runtime::testing {

struct TempDir {
  std::filesystem::path path;
  explicit TempDir(const std::string& prefix) {
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    path = std::filesystem::temp_directory_path() /
           fmt::format("lockstep-{}-{}-{}-{}", prefix, ::getpid(), test->name(), counter++);
    std::filesystem::remove_all(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  static inline int counter = 0;
};

inline std::filesystem::path wal_file(const std::filesystem::path& dir, std::uint64_t generation) {
  return dir / fmt::format("wal-{:020}", generation);
}

inline std::string read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}
inline void write_bytes(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

}  // namespace lockstep::runtime::testing
