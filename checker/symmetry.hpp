// Symmetry reduction's representative of an orbit, for every model alike: of all the renamings of
// a state (node ids, acceptors, values...), the one with the smallest encoding. Equal states
// encode to equal bytes and every renaming of a state has the same orbit, so states of one orbit
// get one representative, and a search that stores representatives stores one state per orbit.
#pragma once

#include <algorithm>
#include <utility>
#include <vector>

#include "model/core/codec.hpp"

namespace lockstep {

// Replaces `state` by the renaming of it with the smallest encoding. `renamings` starts with the
// identity (the state itself competes as it is); rename(state, renaming) returns the renamed state
// in its normal form (e.g. with its multisets sorted again), ready to encode.
template <class State, class Renaming, class Rename>
void keep_smallest_renaming(State& state, const std::vector<Renaming>& renamings, Rename&& rename) {
  if (renamings.size() <= 1) return;
  thread_local Bytes best;
  thread_local Bytes candidate;
  best.clear();
  encode_to(best, state);
  State best_state = state;
  for (std::size_t k = 1; k < renamings.size(); ++k) {
    State renamed = rename(std::as_const(state), renamings[k]);
    candidate.clear();
    encode_to(candidate, renamed);
    if (std::lexicographical_compare(candidate.data(), candidate.data() + candidate.size(), best.data(),
                                     best.data() + best.size())) {
      best.swap(candidate);
      best_state = std::move(renamed);
    }
  }
  state = std::move(best_state);
}

}  // namespace lockstep
