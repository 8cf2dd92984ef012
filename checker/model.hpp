// What a model gives the tools that check it: the searches (checker/engine/), random simulation
// (checker/simulate.hpp), shrinking (checker/shrink.hpp) and the trace tools (checker/any_model.hpp,
// traces/). World<P> (checker/world/world.hpp) and PaxosTlaModel (checker/protocols/paxos_tla_model.hpp) are models.
//
// A Model M provides:
//   State                            a value type that encodes (model/core/codec.hpp: reflected,
//                                    or with its own codec) and compares with ==;
//   Action                           a reflected value type (model/core/reflect.hpp), so that it
//                                    encodes, prints and has JSON; actions compare with ==;
//   initial_states()                 the states every run starts from;
//   for_each_successor(state, emit)  emit(const Action&, State&&) for every enabled action, in a
//                                    deterministic order; a step that changes nothing (a
//                                    stutter) may go to emit.unchanged(const Action&) instead,
//                                    without its state, where emit offers it (TakesStutters:
//                                    the breadth-first search does), and in full where not;
//   within_bounds(state)             whether a state is expanded (a state beyond the bounds is
//                                    checked, not expanded);
//   properties(), transition_properties()   the named properties (spec/property.hpp);
//   protocol, state_json(state), state_from_json(json), model_json(), from_model_json(json)
//                                    for the trace tools: the protocol's name, states as trace
//                                    JSON, and the parameters from which the same model is rebuilt.
// It also declares each optional capability, true or false: a declaration, never a probe, so that
// a misspelt member is a compile error rather than a capability silently off. A model that
// declares one static_asserts its concept:
//   has_symmetry      SymmetryModel: enable_symmetry(), symmetric(), canonicalize(State&);
//   has_independence  IndependenceModel: independent(a, b), for partial-order reduction;
//   has_network_view  NetworkViewModel: node_count(), action_view(a), action_kind(a),
//                     action_subkind(a) and in_flight(state): the nodes and messages the trace
//                     viewers draw, and the kinds (and subkinds) of action swarm simulation weighs.
// And one choice of the search's, declared the same way:
//   decode_new_successors  the breadth-first search decodes a new successor back from its
//                     encoding rather than keeping every successor's state until it is inserted,
//                     and checks a new state's properties when it expands it (decoded once for
//                     both): right for a state much larger than its encoding and quick to decode.
#pragma once

#include <concepts>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "checker/action_view.hpp"
#include "spec/property.hpp"
#include "model/core/codec.hpp"
#include "model/core/json.hpp"
#include "model/core/reflect.hpp"

namespace lockstep {

namespace detail {
template <class M>
struct IgnoreSuccessor {
  void operator()(const typename M::Action&, typename M::State&&) const {}
};
}  // namespace detail

// A successor callback that also takes stutters (steps whose successor is the state itself) as
// unchanged(action), without a copy of the state, and what makes one of two callables.
template <class Emit, class Action>
concept TakesStutters = requires(Emit& emit, const Action& action) { emit.unchanged(action); };

template <class Take, class Stutter>
struct WithStutters {
  Take& take;
  Stutter& stutter;
  template <class Action, class State>
  void operator()(const Action& action, State&& next) {
    take(action, std::forward<State>(next));
  }
  template <class Action>
  void unchanged(const Action& action) {
    stutter(action);
  }
};
template <class Take, class Stutter>
WithStutters(Take&, Stutter&) -> WithStutters<Take, Stutter>;

// Symmetry reduction: enable_symmetry() turns it on (or says why it cannot: an error message, ""
// when on), symmetric() tells whether it is on, and canonicalize(state) replaces a state by the
// representative of its orbit (a no-op while off).
template <class M>
concept SymmetryModel = requires(M& model, const M& reader, typename M::State& state) {
  { model.enable_symmetry() } -> std::same_as<std::string>;
  { reader.symmetric() } -> std::same_as<bool>;
  reader.canonicalize(state);
};

// Partial-order reduction: whether two actions commute and neither disables the other, in every
// state where both are enabled (tests/por_test.cpp checks the claim on small worlds).
template <class M>
concept IndependenceModel = requires(const typename M::Action& action) {
  { M::independent(action, action) } -> std::same_as<bool>;
};

// Nodes and messages: how many nodes actions name, an action as the viewers show it
// (checker/action_view.hpp) and, cheaply, its kind alone and its subkind within the kind (below
// action_subkinds); the messages in flight in a state.
template <class M>
concept NetworkViewModel = requires(const M& model, const typename M::State& state, const typename M::Action& action) {
  { model.node_count() } -> std::same_as<std::size_t>;
  { model.action_view(action) } -> std::same_as<ActionView>;
  { M::action_kind(action) } -> std::same_as<ActionKind>;
  { M::action_subkind(action) } -> std::same_as<std::size_t>;
  { model.in_flight(state) } -> std::same_as<std::vector<MessageView>>;
};

template <class M>
concept Model = requires(const M& model, const typename M::State& state, const Json& json) {
  requires Encodable<typename M::State> && std::equality_comparable<typename M::State>;
  requires Reflectable<typename M::Action> && std::equality_comparable<typename M::Action>;
  { model.initial_states() } -> std::same_as<std::vector<typename M::State>>;
  model.for_each_successor(state, detail::IgnoreSuccessor<M>{});
  { model.within_bounds(state) } -> std::same_as<bool>;
  { model.properties() } -> std::same_as<const std::vector<Property<typename M::State>>&>;
  { model.transition_properties() } -> std::same_as<const std::vector<TransitionProperty<typename M::State>>&>;
  { M::protocol } -> std::convertible_to<std::string_view>;
  { model.state_json(state) } -> std::same_as<Json>;
  { model.state_from_json(json) } -> std::same_as<typename M::State>;
  { model.model_json() } -> std::same_as<Json>;
  { M::from_model_json(json) } -> std::same_as<M>;
  // Every capability declared, and each one declared true provided.
  requires std::same_as<decltype(M::has_symmetry), const bool>;
  requires std::same_as<decltype(M::has_independence), const bool>;
  requires std::same_as<decltype(M::has_network_view), const bool>;
  requires std::same_as<decltype(M::decode_new_successors), const bool>;
  requires(!M::has_symmetry || SymmetryModel<M>);
  requires(!M::has_independence || IndependenceModel<M>);
  requires(!M::has_network_view || NetworkViewModel<M>);
};

// An enabled action and the state it leads to.
template <class M>
using Successor = std::pair<typename M::Action, typename M::State>;

// Appends every enabled action from `state` with the state it leads to, in the model's order.
template <Model M>
void successors(const M& model, const typename M::State& state, std::vector<Successor<M>>& out) {
  model.for_each_successor(state, [&](const typename M::Action& action, typename M::State&& next) {
    out.emplace_back(action, std::move(next));
  });
}

// The same, keeping only the successors within the model's bounds: the steps a run may take to go
// on where the explorer would.
template <Model M>
void successors_within_bounds(const M& model, const typename M::State& state, std::vector<Successor<M>>& out) {
  model.for_each_successor(state, [&](const typename M::Action& action, typename M::State&& next) {
    if (model.within_bounds(next)) out.emplace_back(action, std::move(next));
  });
}

// The first enabled action from `state`, in the model's order, for which wanted(action, next)
// holds, with the state it leads to.
template <Model M, class Wanted>
std::optional<Successor<M>> first_successor(const M& model, const typename M::State& state, Wanted&& wanted) {
  std::optional<Successor<M>> found;
  model.for_each_successor(state, [&](const typename M::Action& action, typename M::State&& next) {
    if (!found && wanted(action, std::as_const(next))) found.emplace(action, std::move(next));
  });
  return found;
}

// The state that `action` leads to from `state`, if it is enabled there.
template <Model M>
std::optional<typename M::State> successor_by_action(const M& model, const typename M::State& state,
                                                     const typename M::Action& action) {
  auto found = first_successor(model, state, [&](const typename M::Action& a, const typename M::State&) { return a == action; });
  if (!found) return std::nullopt;
  return std::move(found->second);
}

}  // namespace lockstep
