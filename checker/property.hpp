// Named properties the explorer checks. Names are the ids that specs, proofs, tests and traces
// cite (e.g. PAXOS-Agreement).
//   always:     must hold in every reachable state (an invariant);
//   sometimes:  must hold in at least one reachable state, else the run is vacuous (it passed
//               because nothing happened, e.g. no value could ever be chosen);
//   transition: must hold for every step from a state to its successor (e.g. a promise never
//               decreases, across crashes too).
#pragma once

#include <functional>
#include <string_view>
#include <vector>

namespace lockstep {

enum class PropertyKind { always, sometimes };

template <class State>
struct Property {
  std::string_view name;
  PropertyKind kind;
  std::string_view description;
  std::function<bool(const State&)> holds;
};

template <class State>
struct TransitionProperty {
  std::string_view name;
  std::string_view description;
  std::function<bool(const State& before, const State& after)> holds;
};

}  // namespace lockstep
