// Multi-Paxos replicating the register (model/sm/register.hpp), instantiated here at both sizes:
// the model the checker explores and the runtime a node runs, from the same step code.
#include "model/sm/register.hpp"

#include "model/multipaxos/step.hpp"

namespace lockstep::multipaxos {
using sm::Register;
template struct MultiPaxos<Register, ModelSizes>;
template struct MultiPaxos<Register, RuntimeSizes>;
}  // namespace lockstep::multipaxos

#include "model/core/protocol.hpp"
static_assert(lockstep::CheckedProtocol<lockstep::multipaxos::MultiPaxos<lockstep::sm::Register>>);
static_assert(lockstep::Protocol<lockstep::multipaxos::MultiPaxos<lockstep::sm::Register, lockstep::RuntimeSizes>>);
