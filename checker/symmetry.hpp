// Symmetry reduction's representative of an orbit, for every model alike: of all the renamings of
// a state (node ids, acceptors, values...), the one with the smallest encoding. Equal states
// encode to equal bytes and every renaming of a state has the same orbit, so states of one orbit
// get one representative, and a search that stores representatives stores one state per orbit.
#pragma once

#include <algorithm>
#include <optional>
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

// The same representative, found with less work when the state's encoding begins with a part
// that is cheap to rename on its own (a World's nodes, before its network): prefix(state) is that
// part as it is, rename_prefix(state, renaming) that part renamed, equal to the corresponding part
// of rename(state, renaming). A renaming whose part encodes differently from the best one's, at a
// byte within both, is decided by that byte alone: the rest of it is never renamed (nor, for a
// World, its network sorted again). Only a tie, or one part's encoding a prefix of the other's,
// compares whole encodings.
template <class State, class Renaming, class Prefix, class RenamePrefix, class Rename>
void keep_smallest_renaming(State& state, const std::vector<Renaming>& renamings, Prefix&& prefix,
                            RenamePrefix&& rename_prefix, Rename&& rename) {
  if (renamings.size() <= 1) return;
  thread_local Bytes best_part;
  thread_local Bytes candidate_part;
  thread_local Bytes best_whole;
  thread_local Bytes candidate_whole;
  best_part.clear();
  encode_to(best_part, prefix(std::as_const(state)));
  std::size_t best = 0;           // the renaming that wins so far (0: the state itself)
  bool best_whole_known = false;  // best_whole holds its whole encoding
  std::optional<State> best_state;  // its whole renamed state, when one was built
  for (std::size_t k = 1; k < renamings.size(); ++k) {
    candidate_part.clear();
    encode_to(candidate_part, rename_prefix(std::as_const(state), renamings[k]));
    const std::size_t common = std::min(candidate_part.size(), best_part.size());
    const auto [c, b] = std::mismatch(candidate_part.data(), candidate_part.data() + common, best_part.data());
    if (c != candidate_part.data() + common) {  // decided by the parts alone
      if (static_cast<unsigned char>(*c) < static_cast<unsigned char>(*b)) {
        best = k;
        best_part.swap(candidate_part);
        best_whole_known = false;
        best_state.reset();
      }
      continue;
    }
    if (!best_whole_known) {
      best_whole.clear();
      if (best == 0) {
        encode_to(best_whole, state);
      } else {
        best_state = rename(std::as_const(state), renamings[best]);
        encode_to(best_whole, *best_state);
      }
      best_whole_known = true;
    }
    State renamed = rename(std::as_const(state), renamings[k]);
    candidate_whole.clear();
    encode_to(candidate_whole, renamed);
    if (std::lexicographical_compare(candidate_whole.data(), candidate_whole.data() + candidate_whole.size(),
                                     best_whole.data(), best_whole.data() + best_whole.size())) {
      best = k;
      best_part.swap(candidate_part);
      best_whole.swap(candidate_whole);
      best_state = std::move(renamed);
    }
  }
  if (best == 0) return;
  state = best_state ? std::move(*best_state) : rename(std::as_const(state), renamings[best]);
}

}  // namespace lockstep
