// A World's environment: the clients around the protocol's nodes. The World (checker/world/
// world.hpp) owns the nodes, the network between them and the faults; the environment owns what
// the clients are and do, and sees what the nodes answer. Two environments exist:
//   FixedRequests<P>  (this file, the default) a fixed multiset of client requests, each issued
//                     once to some node; answers are only observed by the spec (a consensus
//                     check needs no more);
//   LockClients<P>    (spec/lock/clients.hpp) clients of the lock service that open sessions,
//                     acquire, write to a fenced resource, release, retry, pause; answers travel
//                     back to them.
//
// An environment E provides:
//   State, and WorldStateOf<S> (the World's state type with E::State in it) with of(world state);
//   initial() -> State; canonicalize(State&) (sort its multisets, after a renaming);
//   symmetric_values(): how many client values may be renamed (0: none);
//   for_each_request(state, node, f): f(request, take) for each client request that may reach
//       `node` now; take(State&) records that it was sent (the World delivers it as the node's
//       ClientRequest event, and keeps the request only if the step does something);
//   observe_step(state, node, step): what the environment sees of a node's step (its answers);
//   ClientAction and for_each_client_action(state, emit): the clients' own moves
//       (emit(action, next environment state));
//   to_model_json(Json&) / from_model_json(Json): its parameters in a trace's model.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "model/core/json.hpp"
#include "model/core/permute.hpp"
#include "model/core/print.hpp"
#include "spec/world_state.hpp"

namespace lockstep {

struct NoClientAction {
  LOCKSTEP_EMPTY_STRUCT(NoClientAction);
};
inline void lockstep_print(std::string& out, const NoClientAction&) { out += "nothing"; }

template <class P>
struct FixedRequests {
  using State = SmallVec<PendingRequest<P>, requests_max>;
  template <class S>
  using WorldStateOf = WorldState<P, S>;
  template <class WS>
  static auto& of(WS& state) {
    return state.requests_pending;
  }
  using ClientAction = NoClientAction;

  std::vector<PendingRequest<P>> requests;

  State initial() const {
    State state{};
    for (const auto& request : requests) state.push_back(request);
    std::sort(state.begin(), state.end());  // a multiset
    return state;
  }
  static void canonicalize(State& state) { std::sort(state.begin(), state.end()); }
  std::size_t symmetric_values() const { return max_symmetric_value(requests); }

  template <class F>
  void for_each_request(const State& state, NodeId node, F&& f) const {
    for (std::size_t r = 0; r < state.size(); ++r) {
      const auto& pending = state[r];
      if (!pending.target.is_none() && pending.target != node) continue;
      f(pending.request, [r](State& next) { next.erase(next.begin() + static_cast<std::ptrdiff_t>(r)); });
    }
  }
  template <class Step>
  static void observe_step(State&, NodeId, const Step&) {}
  template <class F>
  static void for_each_client_action(const State&, F&&) {}
  template <class Emit>
  static void apply_client_action(const State&, const ClientAction&, Emit&&) {}

  void to_model_json(Json& model) const {
    Json list = Json::array();
    for (const auto& request : requests) list.push_back(to_json_value(request));
    model["requests"] = list;
  }
  static FixedRequests from_model_json(const Json& model) {
    FixedRequests env;
    const Json& list = model.at("requests");
    if (!list.is_array()) throw JsonError("requests: expected a list");
    // The world holds them inline (WorldState::Requests): more would overflow its initial state.
    if (list.size() > requests_max) {
      throw JsonError("requests: " + std::to_string(list.size()) + " requests, more than the model's capacity of " +
                      std::to_string(requests_max));
    }
    for (std::size_t i = 0; i < list.size(); ++i) {
      env.requests.push_back(from_json<PendingRequest<P>>(list[i], "requests[" + std::to_string(i) + "]"));
    }
    return env;
  }
};

// The environment a World of protocol P gets by default; specialized for the lock service.
template <class P>
struct EnvFor {
  using type = FixedRequests<P>;
};

}  // namespace lockstep
