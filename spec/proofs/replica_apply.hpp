// A replicated state machine's replicas applying the agreed log (Multi-Paxos's slots): each
// replica applies chosen entries in slot order, from the first, and its applied prefix only grows
// while it lives; a crash loses it and a restart brings back a prefix of the chosen slots (its
// snapshot). With per-slot Voting (one entry chosen per slot) this is the state machine's safety:
// every replica's state is the agreed log's prefix, never rolled back.
//
//   sorts      node, slot (ordered), entry
//   chosen(s, e)     entry e is chosen at slot s (the agreed log)
//   applied(n, s)    replica n has applied slot s
//   down(n)          n is crashed
//
//   Step(n)     an up node steps: entries may be chosen at slots that had none; n applies chosen
//               slots past its prefix (each with every slot before it applied)
//   Crash(n), Recover(n)   n loses what it applied; n restarts with a prefix of the chosen slots
//
// Invariant: ChosenOnce, AppliedChosen, AppliedPrefix, DownForgets. Safety: AppliedChosen and
// ChosenOnce (what a replica applied is the agreed log's).
#pragma once

#include "spec/proofs/logic.hpp"

namespace lockstep::proofs {

Protocol replica_apply_protocol();

}  // namespace lockstep::proofs
