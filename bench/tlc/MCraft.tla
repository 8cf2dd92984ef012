------------------------------- MODULE MCraft -------------------------------
\* Bounded model-checking wrapper around Diego Ongaro's raft.tla
\* (github.com/ongardie/raft.tla, commit 6ecbdbcf1bcde2910367cdfd67f31b0bae447ddd).
\* raft.tla itself is NOT part of this repository; run-tlc.sh copies it in.
\* Used to obtain TLC reference distinct-state counts for `lockstep check raft-tla`.
EXTENDS raft

CONSTANTS MaxTerm, MaxLogLen, MaxDup, MaxMsgs

\* TLC only explores (and only counts as distinct) states satisfying this.
StateConstraint == /\ \A i \in Server : currentTerm[i] <= MaxTerm
                   /\ \A i \in Server : Len(log[i]) <= MaxLogLen
                   /\ \A m \in DOMAIN messages : messages[m] <= MaxDup
                   /\ Cardinality(DOMAIN messages) <= MaxMsgs

OneLeaderPerTerm ==
    \A i, j \in Server :
        (/\ state[i] = Leader
         /\ state[j] = Leader
         /\ currentTerm[i] = currentTerm[j]) => i = j
=============================================================================
