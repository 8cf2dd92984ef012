// Raft replicating the register (model/raft/register.hpp), instantiated here at both sizes: the
// model the checker explores and the runtime a node runs, from the same step code.
#include "model/raft/register.hpp"

#include "model/raft/step.hpp"

namespace lockstep::raft {
template struct Raft<Register, ModelSizes>;
template struct Raft<Register, RuntimeSizes>;
}  // namespace lockstep::raft

#include "model/core/protocol.hpp"
static_assert(lockstep::CheckedProtocol<lockstep::raft::Raft<lockstep::raft::Register>>);
static_assert(lockstep::Protocol<lockstep::raft::Raft<lockstep::raft::Register, lockstep::RuntimeSizes>>);
