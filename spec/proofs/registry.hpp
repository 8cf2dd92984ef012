// The abstract protocols `lockstep prove` proves and `check --refine` holds the code to.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "spec/proofs/logic.hpp"

namespace lockstep::proofs {

struct AbstractProtocolEntry {
  std::shared_ptr<const Protocol> protocol;
  // Strengthening conjuncts whose removal must leave a non-inductive invariant (`prove` shows
  // the counterexample to induction; a test checks that one is found).
  std::vector<std::string> removable;
};

const std::vector<AbstractProtocolEntry>& abstract_protocols();
// nullptr when none has that name.
std::shared_ptr<const Protocol> find_abstract_protocol(const std::string& name);

}  // namespace lockstep::proofs
