// Named properties the explorer checks. Names are the ids that specs, proofs, tests and traces
// cite (e.g. PAXOS-Agreement).
//   always:     must hold in every reachable state (an invariant);
//   sometimes:  must hold in at least one reachable state, else the run is vacuous (it passed
//               because nothing happened, e.g. no value could ever be chosen);
//   transition: must hold for every step from a state to its successor (e.g. a promise never
//               decreases, across crashes too).
//
// Every search and tool evaluates a model's property lists through the functions below, so that
// "which property does this state violate" has one meaning everywhere: properties are judged in
// their list's order, and the first violated one is the one reported.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
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

// The first "always" property (its index) that `state` violates. On the way, each "sometimes"
// property before it that is not yet marked in `reached` (flags indexed like `properties`: bool,
// char or atomic<bool>) is evaluated, and marked when it holds; one already marked is not
// evaluated again.
// `checked` (flags indexed like `properties`; nullptr = all) leaves the others out: a run that
// checks a chosen subset (--property).
template <class State, class Flags>
std::optional<std::size_t> first_violated(const std::vector<Property<State>>& properties, const State& state,
                                          Flags& reached, const std::vector<char>* checked = nullptr) {
  for (std::size_t p = 0; p < properties.size(); ++p) {
    const Property<State>& property = properties[p];
    if (checked != nullptr && !(*checked)[p]) continue;
    if (property.kind == PropertyKind::sometimes) {
      if (!reached[p] && property.holds(state)) reached[p] = true;
    } else if (!property.holds(state)) {
      return p;
    }
  }
  return std::nullopt;
}

// Marks in `reached` every "sometimes" property that `state` satisfies (and that is not marked yet).
template <class State, class Flags>
void mark_reached(const std::vector<Property<State>>& properties, const State& state, Flags& reached) {
  for (std::size_t p = 0; p < properties.size(); ++p) {
    if (properties[p].kind == PropertyKind::sometimes && !reached[p] && properties[p].holds(state)) reached[p] = true;
  }
}

// The first transition property (its index) that the step from `before` to `after` violates.
template <class State>
std::optional<std::size_t> first_violated_transition(const std::vector<TransitionProperty<State>>& properties,
                                                     const State& before, const State& after,
                                                     const std::vector<char>* checked = nullptr) {
  for (std::size_t p = 0; p < properties.size(); ++p) {
    if (checked != nullptr && !(*checked)[p]) continue;
    if (!properties[p].holds(before, after)) return p;
  }
  return std::nullopt;
}

// The names of every "always" property that `state` violates, in order.
template <class State>
std::vector<std::string> violated_always(const std::vector<Property<State>>& properties, const State& state) {
  std::vector<std::string> out;
  for (const auto& property : properties) {
    if (property.kind == PropertyKind::always && !property.holds(state)) out.emplace_back(property.name);
  }
  return out;
}

// The names of every transition property that the step from `before` to `after` violates.
template <class State>
std::vector<std::string> violated_transitions(const std::vector<TransitionProperty<State>>& properties,
                                              const State& before, const State& after) {
  std::vector<std::string> out;
  for (const auto& property : properties) {
    if (!property.holds(before, after)) out.emplace_back(property.name);
  }
  return out;
}

// The names of every "sometimes" property that `state` satisfies.
template <class State>
std::vector<std::string> sometimes_holding(const std::vector<Property<State>>& properties, const State& state) {
  std::vector<std::string> out;
  for (const auto& property : properties) {
    if (property.kind == PropertyKind::sometimes && property.holds(state)) out.emplace_back(property.name);
  }
  return out;
}

// The names of the "sometimes" properties not marked in `reached` (flags indexed like
// `properties`; missing flags count as unmarked): a run that leaves any is vacuous.
template <class State, class Flags>
std::vector<std::string> sometimes_unreached(const std::vector<Property<State>>& properties, const Flags& reached) {
  std::vector<std::string> out;
  for (std::size_t p = 0; p < properties.size(); ++p) {
    const bool marked = p < reached.size() && reached[p];
    if (properties[p].kind == PropertyKind::sometimes && !marked) out.emplace_back(properties[p].name);
  }
  return out;
}

}  // namespace lockstep
