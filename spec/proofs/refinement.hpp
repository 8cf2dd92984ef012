// The code held to the proof (`lockstep check ... --refine`): an abstraction function maps each
// concrete model state to a finite state of an abstract protocol (spec/proofs/), and on every
// transition the checker explores, the pair (alpha(s), alpha(s')) must be a step of one of the
// protocol's actions, for some choice of its parameters (or of two, one after the other, each
// changing relations of its own), or a stutter (nothing abstract changed);
// and alpha(s) must satisfy the inductive invariant that Z3 proves. Each distinct abstract pair
// (and state) is decided once: a shared cache keyed by the pair's relations.
//
// Then the protocol that `lockstep prove` proves is the code's protocol at the bounds explored, and
// the proof carries its safety beyond them.
#pragma once

#include <array>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "spec/proofs/logic.hpp"
#include "spec/proofs/structure.hpp"

namespace lockstep::proofs {

class RefinementCache {
 public:
  // The cached answer for `key`, or the one `decide` gives (then cached).
  bool decide(const std::string& key, const std::function<bool()>& decide);

 private:
  static constexpr std::size_t shards = 64;
  static constexpr std::size_t entries_max = std::size_t{1} << 22;  // per shard: then decided anew each time
  struct Shard {
    std::mutex mutex;
    std::unordered_map<std::string, bool> known;
  };
  std::array<Shard, shards> shards_;
};

// Some action of `protocol`, with some parameters, holds of the pair, or two one after the other
// whose changes are to disjoint relations (the step's changed relations split in two, through
// the state between).
bool is_abstract_step(const Protocol& protocol, const Structure& pair);
// The name of the action that explains the pair ("" for a stutter, "A, then B" for two, "none"
// when none does).
std::string abstract_step_name(const Protocol& protocol, const Structure& pair);
// Every conjunct of the invariant (and the axioms) holds of the state before.
bool satisfies_invariant(const Protocol& protocol, const Structure& state);

template <class State>
class Refinement {
 public:
  // alpha(before, after): the abstract pair, both states over the same universes (for one state,
  // alpha(s, s)).
  using Abstraction = std::function<Structure(const State& before, const State& after)>;

  // `projection(state)`, optional: the bytes of what alpha reads of a state. Equal bytes mean a
  // stutter, with no structure built (most steps only move messages), and the bytes key the
  // caches, so alpha runs once per distinct abstract pair or state.
  using Projection = std::function<std::string(const State&)>;
  Refinement(std::shared_ptr<const Protocol> protocol, Abstraction alpha, Projection projection = {})
      : protocol_(std::move(protocol)), alpha_(std::move(alpha)), projection_(std::move(projection)) {}

  // Whether the step from `before` to `after` is a stutter or an abstract action.
  bool step_refines(const State& before, const State& after) const {
    if (projection_) {
      const std::string b = projection_(before), a = projection_(after);
      if (a == b) return true;
      return steps_.decide(std::to_string(b.size()) + ":" + b + a,
                           [&] { return is_abstract_step(*protocol_, alpha_(before, after)); });
    }
    const Structure pair = alpha_(before, after);
    if (pair.stutters()) return true;
    return steps_.decide(pair.key(true), [&] { return is_abstract_step(*protocol_, pair); });
  }
  // Whether alpha(state) satisfies every conjunct of the protocol's inductive invariant.
  bool invariant_holds(const State& state) const {
    if (projection_) return states_.decide(projection_(state), [&] { return satisfies_invariant(*protocol_, alpha_(state, state)); });
    const Structure single = alpha_(state, state);
    return states_.decide(single.key(false), [&] { return satisfies_invariant(*protocol_, single); });
  }
  const Protocol& protocol() const { return *protocol_; }

 private:
  std::shared_ptr<const Protocol> protocol_;
  Abstraction alpha_;
  Projection projection_;
  mutable RefinementCache steps_;
  mutable RefinementCache states_;
};


// For the trace views: what the step changed of the abstract state, and that no action allows it.
std::vector<std::string> explain_step(const Protocol& protocol, const Structure& pair);
// Which invariant conjuncts the abstract state breaks.
std::vector<std::string> explain_state(const Protocol& protocol, const Structure& state);
// Either, through an abstraction alpha(before, after): for a step property (`step`, with a state
// before) the abstract change no action allows, else the conjuncts alpha(after) breaks.
template <class Alpha, class State>
std::vector<std::string> explain_through(const Protocol& protocol, const Alpha& alpha, bool step, const State* before,
                                         const State& after) {
  if (step && before != nullptr) return explain_step(protocol, alpha(*before, after));
  return explain_state(protocol, alpha(after, after));
}

// Every subset of {0..n-1} with exactly `size` members, as index lists (a quorum universe).
std::vector<std::vector<int>> subsets_of_size(int n, int size);

}  // namespace lockstep::proofs
