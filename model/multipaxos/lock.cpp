// Multi-Paxos replicating the lock service (model/sm/lock.hpp), at both sizes: the model the
// checker explores (`lockstep check lock --consensus multipaxos`) and the runtime a lock node runs.
#include "model/sm/lock.hpp"

#include "model/multipaxos/step.hpp"

namespace lockstep::multipaxos {
template struct MultiPaxos<sm::ModelLock, ModelSizes>;
template struct MultiPaxos<sm::RuntimeLock, RuntimeSizes>;
}  // namespace lockstep::multipaxos

#include "model/core/protocol.hpp"
static_assert(lockstep::CheckedProtocol<lockstep::multipaxos::MultiPaxos<lockstep::sm::ModelLock>>);
static_assert(lockstep::Protocol<lockstep::multipaxos::MultiPaxos<lockstep::sm::RuntimeLock, lockstep::RuntimeSizes>>);
