// The Partition of a distributed search (checker/engine/partition.hpp) over Open MPI: one rank
// per process of `mpirun -n N lockstep check ... --distributed`. Only the thread that started
// the run calls MPI (MPI_THREAD_FUNNELED); the workers of each rank never do.
#include <mpi.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

#include "checker/engine/partition.hpp"

namespace lockstep {

namespace {

void check(int code, const char* what) {
  if (code == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  throw std::runtime_error(std::string(what) + ": " + std::string(text, static_cast<std::size_t>(length)));
}

class MpiPartition final : public Partition {
 public:
  MpiPartition() {
    int initialized = 0;
    MPI_Initialized(&initialized);
    if (!initialized) {
      int provided = 0;
      check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
      if (provided < MPI_THREAD_FUNNELED) throw std::runtime_error("this MPI cannot host a threaded rank");
      owns_init_ = true;
    }
    // Errors come back as codes (and become exceptions, then a clear message and MPI_Abort).
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &ranks_);
  }
  ~MpiPartition() override {
    if (owns_init_) MPI_Finalize();
  }

  int rank() const override { return rank_; }
  int ranks() const override { return ranks_; }

  std::vector<Bytes> exchange(std::vector<Bytes>& out) override {
    const auto n = static_cast<std::size_t>(ranks_);
    std::vector<Bytes> in(n);
    in[static_cast<std::size_t>(rank_)] = std::move(out[static_cast<std::size_t>(rank_)]);
    out[static_cast<std::size_t>(rank_)].clear();
    // Counts travel first; then every buffer, as bytes, in pieces (MPI's counts and
    // displacements are ints), in as many rounds as the largest buffer needs.
    std::vector<unsigned long long> send_sizes(n), receive_sizes(n);
    for (std::size_t r = 0; r < n; ++r) send_sizes[r] = r == static_cast<std::size_t>(rank_) ? 0 : out[r].size();
    check(MPI_Alltoall(send_sizes.data(), 1, MPI_UNSIGNED_LONG_LONG, receive_sizes.data(), 1, MPI_UNSIGNED_LONG_LONG,
                       MPI_COMM_WORLD),
          "MPI_Alltoall");
    for (std::size_t r = 0; r < n; ++r) {
      if (r != static_cast<std::size_t>(rank_)) in[r].resize(receive_sizes[r]);
    }
    // A round's displacements are ints too: every rank's piece together stays under INT_MAX.
    const unsigned long long piece = static_cast<unsigned long long>(INT_MAX) / n;
    unsigned long long done = 0;
    for (;;) {
      std::vector<int> send_counts(n), send_offsets(n), receive_counts(n), receive_offsets(n);
      Bytes send, receive;
      std::size_t receive_total = 0;
      bool more = false;
      for (std::size_t r = 0; r < n; ++r) {
        const unsigned long long s = send_sizes[r] > done ? std::min(piece, send_sizes[r] - done) : 0;
        const unsigned long long g = receive_sizes[r] > done ? std::min(piece, receive_sizes[r] - done) : 0;
        more = more || send_sizes[r] > done + s || receive_sizes[r] > done + g;
        send_offsets[r] = static_cast<int>(send.size());
        send_counts[r] = static_cast<int>(s);
        if (s > 0) send.append(out[r].data() + done, s);
        receive_offsets[r] = static_cast<int>(receive_total);
        receive_counts[r] = static_cast<int>(g);
        receive_total += g;
      }
      receive.resize(receive_total);
      check(MPI_Alltoallv(send.data(), send_counts.data(), send_offsets.data(), MPI_BYTE, receive.data(),
                          receive_counts.data(), receive_offsets.data(), MPI_BYTE, MPI_COMM_WORLD),
            "MPI_Alltoallv");
      for (std::size_t r = 0; r < n; ++r) {
        if (receive_counts[r] > 0) {
          std::memcpy(in[r].data() + done, receive.data() + receive_offsets[r], static_cast<std::size_t>(receive_counts[r]));
        }
      }
      // Every rank loops the same number of times: `more` is agreed on.
      int local = more ? 1 : 0, global = 0;
      check(MPI_Allreduce(&local, &global, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD), "MPI_Allreduce");
      if (!global) break;
      done += piece;
    }
    for (std::size_t r = 0; r < n; ++r) {
      if (r != static_cast<std::size_t>(rank_)) out[r].clear();
    }
    return in;
  }

  void sum(std::span<std::uint64_t> values) override { reduce(values, MPI_SUM); }
  void max(std::span<std::uint64_t> values) override { reduce(values, MPI_MAX); }

  std::uint64_t broadcast(std::uint64_t value, int root) override {
    unsigned long long v = value;
    check(MPI_Bcast(&v, 1, MPI_UNSIGNED_LONG_LONG, root, MPI_COMM_WORLD), "MPI_Bcast");
    return v;
  }

  std::vector<std::uint64_t> gather_all(std::span<const std::uint64_t> values) override {
    std::vector<std::uint64_t> all(values.size() * static_cast<std::size_t>(ranks_));
    check(MPI_Allgather(values.data(), static_cast<int>(values.size()), MPI_UINT64_T, all.data(),
                        static_cast<int>(values.size()), MPI_UINT64_T, MPI_COMM_WORLD),
          "MPI_Allgather");
    return all;
  }

  [[noreturn]] void abort(int code) override {
    MPI_Abort(MPI_COMM_WORLD, code);
    std::_Exit(code);
  }

 private:
  void reduce(std::span<std::uint64_t> values, MPI_Op op) {
    check(MPI_Allreduce(MPI_IN_PLACE, values.data(), static_cast<int>(values.size()), MPI_UINT64_T, op, MPI_COMM_WORLD),
          "MPI_Allreduce");
  }

  int rank_ = 0;
  int ranks_ = 1;
  bool owns_init_ = false;
};

}  // namespace

std::unique_ptr<Partition> start_distributed() { return std::make_unique<MpiPartition>(); }
bool distributed_available() { return true; }

}  // namespace lockstep
