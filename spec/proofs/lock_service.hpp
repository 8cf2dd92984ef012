// The lock service's state machine, abstractly, over a log the replicas agree on (which the
// consensus proofs give): commands applied in log order grant the lock with a fencing token.
//
//   sorts      client, token (totally ordered: a grant's log position)
//   holder(c)          c holds the lock
//   granted(c, k)      c was granted the lock with token k (every grant ever made)
//
//   Acquire(c, k)   nobody holds the lock and k is above every token granted: c holds it with k
//   Release(c)      the holder lets go (a release, or its session's lease expiring)
//
// Invariant: AtMostOneHolder, TokensUnique, HolderHasNewestToken. Safety: MutualExclusion and
// FencingMonotone (a later grant has a greater token, so a resource that remembers the highest
// token it saw refuses a stale holder).
#pragma once

#include "spec/proofs/logic.hpp"

namespace lockstep::proofs {

Protocol lock_service_protocol();

}  // namespace lockstep::proofs
