// The lock service as its clients, replicas and resource see it (one lock; `check lock --refine`
// checks each lock of a world against it). lock-service (spec/proofs/lock_service.hpp) is the
// table alone; this adds who may believe what, the replicas' own tables, the fenced resource and
// exactly-once execution, over the agreed log that the consensus proofs give.
//
//   sorts      client (a session), token (ordered), node, request (a client's call), position
//              (ordered: a log position)
//   agreed     holder(c), granted(c, k)   the table the agreed log gives: its holder, every grant
//              took(r, p)                 request r took effect at position p
//   clients    has(c, k)                  c is in its critical section with token k (its lease may
//                                         have run out while it was paused)
//              believes(c, k)             ... and its lease is still valid
//   resource   highest(k)                 the highest token the resource accepted a write with
//              below(k)                   a write below a token already accepted was accepted
//   replicas   down(n); held(n, c), last(n, k)   n's own table: its holder and the lock's last token
//
// Actions:
//   Apply(n)          an up node steps: the agreed table may advance by any run of grants (each
//                     token above all before) and releases; requests take effect once, at new
//                     positions; n's table moves forward to a state of granted tokens; a client
//                     learns a grant the agreed table holds for it, and loses its belief only
//                     when its grant is released (its session expired);
//   Crash(n), Recover(n)   n's table is lost; n restarts with a table of granted tokens;
//   WriteAccepted(c, k), WriteRejected(c, k)   the client in its critical section writes with
//                     its token and leaves: the resource accepts tokens not below its highest.
//
// Invariant: lock-service's three conjuncts, BelieverHolds, TokensWereGranted,
// OneTokenPerClient, ReplicaTablesGranted, ReplicaHolderHasToken, ReplicaTableFunctional,
// DownNodeForgets, HighestIsOne, NoWriteBelow, EffectOnce. Safety: MutualExclusion (of beliefs),
// FencingMonotone, ResourceSafety, ExactlyOnce.
#pragma once

#include "spec/proofs/logic.hpp"

namespace lockstep::proofs {

Protocol lock_clients_protocol();

}  // namespace lockstep::proofs
