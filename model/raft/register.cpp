// Raft replicating the register (model/sm/register.hpp), instantiated here at both sizes: the
// model the checker explores and the runtime a node runs, from the same step code.
#include "model/sm/register.hpp"

#include "model/raft/step.hpp"

namespace lockstep::raft {
using sm::Register;
template struct Raft<Register, ModelSizes>;
template struct Raft<Register, RuntimeSizes>;
}  // namespace lockstep::raft

#include "model/core/protocol.hpp"
static_assert(lockstep::CheckedProtocol<lockstep::raft::Raft<lockstep::sm::Register>>);
static_assert(lockstep::Protocol<lockstep::raft::Raft<lockstep::sm::Register, lockstep::RuntimeSizes>>);
