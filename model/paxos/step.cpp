// Single-decree Paxos instantiated at both sizes: the model the checker explores and the
// runtime a node runs, from the same step code (model/paxos/step.hpp).
#include "model/paxos/step.hpp"

namespace lockstep::paxos {
template struct PaxosOf<ModelSizes>;
template struct PaxosOf<RuntimeSizes>;
}  // namespace lockstep::paxos

#include "model/core/protocol.hpp"
static_assert(lockstep::CheckedProtocol<lockstep::paxos::Paxos>);
static_assert(lockstep::Protocol<lockstep::paxos::PaxosOf<lockstep::RuntimeSizes>>);
