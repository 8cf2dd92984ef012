// Random walks through World<Paxos> (RapidCheck picks every action): every state on the way
// satisfies the named invariants, round-trips through the codec and JSON, and every step keeps
// the effect-order contract. The fuller schedule generator with partitions comes with the
// property-testing issue; this one already covers crashes, drops and duplicates.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "checker/world/world.hpp"
#include "model/core/codec.hpp"
#include "spec/paxos/invariants.hpp"

namespace lockstep {
namespace {

using PaxosWorld = World<paxos::Paxos>;

PaxosWorld make_world(int nodes, int values, int rounds) {
  const paxos::Config config = paxos::model_config(static_cast<std::size_t>(nodes), static_cast<std::uint8_t>(rounds));
  std::vector<PendingRequest<paxos::Paxos>> requests;
  for (int v = 1; v <= values; ++v) {
    requests.push_back({NodeId{}, paxos::request_for(static_cast<std::uint8_t>(v))});
  }
  return PaxosWorld(config, WorldBounds{2, 3, 3, 0}, requests);
}

RC_GTEST_PROP(PaxosWorldProperty, random_walks_keep_every_invariant, ()) {
  const int nodes = *rc::gen::inRange(1, 6);
  const int values = *rc::gen::inRange(1, 4);
  const int rounds = *rc::gen::inRange(1, 4);
  const PaxosWorld world = make_world(nodes, values, rounds);
  auto state = world.initial_states().front();
  const int steps = *rc::gen::inRange(0, 60);
  for (int i = 0; i < steps; ++i) {
    std::vector<Successor<PaxosWorld>> enabled;
    successors(world, state, enabled);
    if (enabled.empty()) break;
    const std::size_t pick = *rc::gen::inRange<std::size_t>(0, enabled.size());
    RC_ASSERT(violated_transitions(world.transition_properties(), state, enabled[pick].second).empty());
    state = enabled[pick].second;
    RC_ASSERT(violated_always(world.properties(), state).empty());
    RC_ASSERT(decode_from<PaxosWorld::State>(encode_string(state)) == state);
    RC_ASSERT(from_json<PaxosWorld::State>(to_json_value(state)) == state);
  }
}

}  // namespace
}  // namespace lockstep
