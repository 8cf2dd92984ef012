// Raft replicating the lock service (model/sm/lock.hpp), at both sizes: the model the checker
// explores (`lockstep check lock --consensus raft`) and the runtime a lock node runs.
#include "model/sm/lock.hpp"

#include "model/raft/step.hpp"

namespace lockstep::raft {
template struct Raft<sm::ModelLock, ModelSizes>;
template struct Raft<sm::RuntimeLock, RuntimeSizes>;
}  // namespace lockstep::raft

#include "model/core/protocol.hpp"
static_assert(lockstep::CheckedProtocol<lockstep::raft::Raft<lockstep::sm::ModelLock>>);
static_assert(lockstep::Protocol<lockstep::raft::Raft<lockstep::sm::RuntimeLock, lockstep::RuntimeSizes>>);
