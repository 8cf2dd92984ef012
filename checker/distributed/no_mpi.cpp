// start_distributed() in a build without MPI: says how to get it (checker/engine/partition.hpp).
#include <stdexcept>

#include "checker/engine/partition.hpp"

namespace lockstep {

std::unique_ptr<Partition> start_distributed() {
  throw std::runtime_error(
      "--distributed needs MPI, and this lockstep was built without it: install Open MPI "
      "(apt-get install libopenmpi-dev openmpi-bin), rebuild (./run build), then run "
      "mpirun -n N lockstep check ... --distributed");
}
bool distributed_available() { return false; }

}  // namespace lockstep
