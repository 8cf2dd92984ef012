// Raft replicating the register (model/raft/register.hpp), instantiated once here.
#include "model/raft/register.hpp"

#include "model/raft/step.hpp"

namespace lockstep::raft {
template struct Raft<Register>;
}  // namespace lockstep::raft
