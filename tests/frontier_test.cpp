// The BFS frontier: records come back in order whether they stayed in memory or went to disk,
// and a disk that refuses a block (here a file size limit) keeps the records in memory under a
// soft budget, or stops the run under a hard one (--memory).
#include <gtest/gtest.h>

#include <sys/resource.h>

#include <csignal>
#include <stdexcept>
#include <string>
#include <vector>

#include "checker/engine/frontier.hpp"

namespace lockstep {
namespace {

std::string record(int i) { return "state-" + std::to_string(i) + std::string(static_cast<std::size_t>(i % 97), 'x'); }

void fill(Frontier& frontier, int count) {
  for (int i = 0; i < count; ++i) {
    const std::string r = record(i);
    frontier.push(r.data(), r.size());
  }
  frontier.seal();
}

void expect_all_back(const Frontier& frontier, int count) {
  std::vector<std::string> back;
  Bytes buffer;
  for (std::size_t b = 0; b < frontier.blocks(); ++b) {
    frontier.for_each_in_block(b, buffer, [&](const char* data, std::size_t size) { back.emplace_back(data, size); });
  }
  ASSERT_EQ(back.size(), static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) ASSERT_EQ(back[static_cast<std::size_t>(i)], record(i)) << i;
}

constexpr int records = 20000;  // about 2 MB: several blocks

TEST(Frontier, records_come_back_in_order_from_memory_and_from_disk) {
  std::atomic<std::size_t> resident = 0;
  {
    Frontier in_memory(std::size_t{1} << 30, &resident);
    fill(in_memory, records);
    EXPECT_EQ(in_memory.spilled_bytes(), 0u);
    EXPECT_GT(resident.load(), 0u);
    expect_all_back(in_memory, records);
  }
  EXPECT_EQ(resident.load(), 0u);  // released with the frontier
  Frontier spilling(Frontier::block_bytes, &resident);
  fill(spilling, records);
  EXPECT_GT(spilling.spilled_bytes(), 0u);
  EXPECT_LE(resident.load(), Frontier::block_bytes);
  EXPECT_TRUE(spilling.spill_error().empty());
  expect_all_back(spilling, records);
}

// Limits the size of files this process writes (a full disk, as far as write() can tell).
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    getrlimit(RLIMIT_FSIZE, &saved_);
    previous_ = std::signal(SIGXFSZ, SIG_IGN);  // fail the write with EFBIG instead of killing us
    rlimit limited = saved_;
    limited.rlim_cur = bytes;
    setrlimit(RLIMIT_FSIZE, &limited);
  }
  ~FileSizeLimit() {
    setrlimit(RLIMIT_FSIZE, &saved_);
    std::signal(SIGXFSZ, previous_);
  }

 private:
  rlimit saved_{};
  void (*previous_)(int) = nullptr;
};

TEST(Frontier, a_disk_that_refuses_blocks_keeps_them_in_memory_under_a_soft_budget) {
  std::atomic<std::size_t> resident = 0;
  FileSizeLimit limit(3 * Frontier::block_bytes / 2);
  Frontier frontier(Frontier::block_bytes, &resident);
  fill(frontier, records);
  EXPECT_NE(frontier.spill_error().find("cannot write the frontier to disk"), std::string::npos) << frontier.spill_error();
  EXPECT_GT(frontier.spilled_bytes(), 0u);  // the first block fitted under the limit
  expect_all_back(frontier, records);
}

TEST(Frontier, a_disk_that_refuses_blocks_stops_a_run_under_a_hard_budget) {
  std::atomic<std::size_t> resident = 0;
  FileSizeLimit limit(Frontier::block_bytes / 2);
  Frontier frontier(Frontier::block_bytes, &resident, /*hard_budget=*/true);
  EXPECT_THROW(fill(frontier, records), std::runtime_error);
}

}  // namespace
}  // namespace lockstep
