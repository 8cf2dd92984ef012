// The lock service's World: a consensus protocol replicating sm::Lock, with the lock's clients
// (spec/lock/clients.hpp) as its environment and spec/lock as its spec. Include this wherever a
// World of the lock is named, so that World<P> picks both by default.
#pragma once

#include "checker/world/environment.hpp"
#include "checker/world/world.hpp"
#include "spec/lock/clients.hpp"
#include "spec/lock/invariants.hpp"

namespace lockstep {
template <lock::LockProtocol P>
struct EnvFor<P> {
  using type = lock::LockClients<P>;
};
}  // namespace lockstep
