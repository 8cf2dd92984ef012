#include "checker/engine/frontier.hpp"

#include <fcntl.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <unistd.h>

namespace lockstep {

Frontier::Frontier(std::size_t memory_budget, std::atomic<std::size_t>* resident, bool hard_budget,
                   SpillPolicy* spill)
    : memory_budget_(memory_budget), resident_(resident), spill_(spill), hard_budget_(hard_budget) {}

Frontier::~Frontier() { release(); }

Frontier::Frontier(Frontier&& other) noexcept { *this = std::move(other); }

Frontier& Frontier::operator=(Frontier&& other) noexcept {
  if (this == &other) return *this;
  release();
  blocks_ = std::move(other.blocks_);
  open_ = std::move(other.open_);
  states_ = other.states_;
  in_memory_ = other.in_memory_;
  memory_budget_ = other.memory_budget_;
  resident_ = other.resident_;
  spill_ = other.spill_;
  file_ = other.file_;
  file_size_ = other.file_size_;
  spilled_bytes_ = other.spilled_bytes_;
  hard_budget_ = other.hard_budget_;
  spill_error_ = std::move(other.spill_error_);
  other.spill_error_.clear();
  other.blocks_.clear();
  other.states_ = other.in_memory_ = other.file_size_ = other.spilled_bytes_ = 0;
  other.file_ = nullptr;
  return *this;
}

void Frontier::release() {
  if (resident_ != nullptr && in_memory_ > 0) resident_->fetch_sub(in_memory_, std::memory_order_relaxed);
  in_memory_ = 0;
  if (spill_ != nullptr && file_size_ > 0) spill_->on_disk.fetch_sub(file_size_, std::memory_order_relaxed);
  file_size_ = 0;
  if (file_ != nullptr) std::fclose(file_);
  file_ = nullptr;
}

void Frontier::push(const char* bytes, std::size_t size) {
  if (size > UINT16_MAX) throw std::length_error("a state encodes to more than 64 KiB");
  const auto length = static_cast<std::uint16_t>(size);
  if (open_.size() == 0) open_.reserve(block_bytes + 1024);
  open_.append(reinterpret_cast<const char*>(&length), sizeof(length));
  open_.append(bytes, size);
  ++states_;
  if (open_.size() >= block_bytes) close_block();
}

void Frontier::seal() {
  if (open_.size() > 0) close_block();
}

void Frontier::close_block() {
  Block block;
  block.size = open_.size();
  if (in_memory_ + block.size > memory_budget_ && spill_error_.empty()) {
    if (const std::string error = spill(block); error.empty()) {
      blocks_.push_back(std::move(block));
      open_ = Bytes{};
      return;
    } else if (hard_budget_) {
      throw SpillBoundReached(error);  // under the user's --memory: stop, incomplete
    } else {
      spill_error_ = error;  // keep this block and the next ones in memory
    }
  }
  block.data = std::move(open_);
  in_memory_ += block.size;
  if (resident_ != nullptr) resident_->fetch_add(block.size, std::memory_order_relaxed);
  blocks_.push_back(std::move(block));
  open_ = Bytes{};
}

// Writes the open block at the end of the temporary file; "" or what went wrong.
std::string Frontier::spill(Block& block) {
  if (spill_ != nullptr && spill_->bytes_max != 0 &&
      spill_->on_disk.load(std::memory_order_relaxed) + open_.size() > spill_->bytes_max) {
    throw SpillBoundReached("the frontier's disk bound (--spill-max) is reached");
  }
  if (file_ == nullptr) {
    std::string dir = spill_ != nullptr ? spill_->dir : "";
    if (dir.empty()) {
      const char* tmpdir = std::getenv("TMPDIR");
      dir = tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp";
    }
    std::string path = dir + "/lockstep-frontier-XXXXXX";
    const int fd = ::mkostemp(path.data(), O_CLOEXEC);
    if (fd < 0) return "cannot create a file for the frontier in " + dir + ": " + std::strerror(errno);
    ::unlink(path.c_str());  // gone when closed, even if the process is killed
    file_ = ::fdopen(fd, "w+b");
    if (file_ == nullptr) {
      ::close(fd);
      return std::string("cannot open the frontier's file: ") + std::strerror(errno);
    }
  }
  errno = 0;
  if (std::fwrite(open_.data(), 1, open_.size(), file_) != open_.size() || std::fflush(file_) != 0) {
    const std::string error = std::string("cannot write the frontier to disk: ") + std::strerror(errno);
    std::clearerr(file_);
    return error;
  }
  block.offset = file_size_;
  block.spilled = true;
  file_size_ += block.size;
  spilled_bytes_ += block.size;
  if (spill_ != nullptr) {
    const std::size_t now = spill_->on_disk.fetch_add(block.size, std::memory_order_relaxed) + block.size;
    std::size_t peak = spill_->on_disk_peak.load(std::memory_order_relaxed);
    while (now > peak && !spill_->on_disk_peak.compare_exchange_weak(peak, now, std::memory_order_relaxed)) {
    }
  }
  return "";
}

const Bytes& Frontier::load(std::size_t b, Bytes& buffer) const {
  const Block& block = blocks_[b];
  if (!block.spilled) return block.data;
  buffer.resize(block.size);
  std::size_t done = 0;
  while (done < block.size) {
    const ssize_t n = ::pread(fileno(file_), buffer.data() + done, block.size - done,
                              static_cast<off_t>(block.offset + done));
    if (n <= 0) throw std::runtime_error(std::string("cannot read the frontier back from disk: ") + std::strerror(errno));
    done += static_cast<std::size_t>(n);
  }
  return buffer;
}

}  // namespace lockstep
