// Every proof obligation `lockstep prove` knows, by name: quorum intersection (per size and for
// every size at once), and for each abstract protocol, Init => Inv and Inv & Action => Inv' for
// every conjunct of its inductive invariant and every action, then Inv => each safety property.
// Some obligations are broken on purpose (a quorum rule that does not intersect, an invariant
// without one of its strengthening conjuncts): Z3 must refute them with a counterexample, so that
// a prover that proves everything would be caught.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "spec/proofs/logic.hpp"
#include "spec/proofs/z3_backend.hpp"

namespace lockstep::proofs {

struct Obligation {
  std::string name;         // "paxos-voting/VoteFor/VotesSafe"
  std::string description;  // one line
  bool expect_refuted = false;
  std::function<Verdict()> run;
};

// The obligations of one protocol, named "<prefix>/init/<conjunct>", "<prefix>/<action>/<conjunct>"
// and "<prefix>/safety/<property>"; each query given up on after `timeout_ms`.
std::vector<Obligation> protocol_obligations(std::shared_ptr<const Protocol> protocol, const std::string& prefix,
                                             bool expect_refuted = false, unsigned timeout_ms = ValidityQuery{}.timeout_ms);

// A copy of `protocol` without the invariant conjunct `conjunct`.
Protocol without_conjunct(const Protocol& protocol, const std::string& conjunct);

// Every obligation, in the order `lockstep prove` runs them.
const std::vector<Obligation>& all_obligations();

}  // namespace lockstep::proofs
