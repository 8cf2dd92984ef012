// A breadth-first search spread over several processes (ranks), each owning the states whose
// fingerprint falls in its share (checker/engine/bfs.hpp runs partitioned when given one).
// This header is free of MPI: the implementation over Open MPI is
// checker/distributed/mpi_partition.cpp, built when CMake finds MPI; without it,
// start_distributed() says how to get it.
//
// Every call below is collective: every rank makes it, in the same order.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "model/core/codec.hpp"

namespace lockstep {

class Partition {
 public:
  virtual ~Partition() = default;
  virtual int rank() const = 0;
  virtual int ranks() const = 0;

  // The rank that owns a state, from its fingerprint's low 32 bits (the fingerprint table
  // places states by their high bits, so each rank's table still fills evenly).
  int owner(std::uint64_t fingerprint) const {
    return static_cast<int>(((fingerprint & 0xffffffffu) * static_cast<std::uint64_t>(ranks())) >> 32);
  }
  bool owns(std::uint64_t fingerprint) const { return owner(fingerprint) == rank(); }

  // Sends out[r] to rank r and returns what every rank sent to this one (in[r] from rank r).
  // out[rank()] stays here. Buffers are moved from.
  virtual std::vector<Bytes> exchange(std::vector<Bytes>& out) = 0;
  // Element-wise sum / maximum over the ranks, in place.
  virtual void sum(std::span<std::uint64_t> values) = 0;
  virtual void max(std::span<std::uint64_t> values) = 0;
  // Rank `root`'s value, on every rank.
  virtual std::uint64_t broadcast(std::uint64_t value, int root) = 0;
  // Every rank's `values` (the same count on each), rank after rank.
  virtual std::vector<std::uint64_t> gather_all(std::span<const std::uint64_t> values) = 0;
  // Stops every rank at once (after the caller printed why), as a failure.
  [[noreturn]] virtual void abort(int code) = 0;

  std::uint64_t sum(std::uint64_t value) {
    sum(std::span<std::uint64_t>(&value, 1));
    return value;
  }
};

// Joins the run started by mpirun (MPI_Init_thread); the run ends (MPI_Finalize) when the
// returned object is destroyed. Throws std::runtime_error when lockstep was built without MPI,
// saying how to get it.
std::unique_ptr<Partition> start_distributed();
// Whether this build has MPI.
bool distributed_available();

}  // namespace lockstep
