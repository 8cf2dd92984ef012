#include "checker/check_paxos.hpp"

#include <stdexcept>

#include "checker/option_checks.hpp"
#include "checker/world_setup.hpp"
#include "spec/paxos/invariants.hpp"

namespace lockstep {

std::string validate(const PaxosCheckOptions& o) {
  return first_error({range_error("--nodes", o.nodes, 1, 9), range_error("--values", o.values, 0, 9),
                      range_error("--max-round", o.round_max, 1, 100),
                      fault_error(o.crashes, o.drops, o.duplicates, o.messages_max)});
}

namespace {

using PaxosWorld = World<paxos::Paxos>;

PaxosWorld make_world(const PaxosCheckOptions& o, bool symmetry) {
  const paxos::Config config = paxos::model_config(static_cast<std::size_t>(o.nodes), static_cast<std::uint8_t>(o.round_max), o.bug);
  std::vector<PendingRequest<paxos::Paxos>> requests;
  for (int v = 1; v <= o.values; ++v) {
    const NodeId target = o.any_node ? NodeId{} : NodeId::at(static_cast<std::size_t>((v - 1) % o.nodes));
    requests.push_back({target, paxos::request_for(static_cast<std::uint8_t>(v))});
  }
  return checked_world(config, o, std::move(requests), symmetry);
}

Json bounds_json(const PaxosCheckOptions& o, const PaxosWorld& world) {
  return with_world_bounds(Json{{"nodes", o.nodes}, {"values", o.values}, {"max_round", o.round_max}}, o, world);
}

}  // namespace

CheckReport check_paxos(const PaxosCheckOptions& o) {
  const PaxosWorld world = make_world(o, o.explore.symmetry);
  return make_report(world, explore(world, o.explore), bounds_json(o, world));
}

CheckReport simulate_paxos(const PaxosCheckOptions& o, const SimulateOptions& simulation) {
  const PaxosWorld world = make_world(o, false);
  return make_simulation_report(world, simulate(world, simulation), bounds_json(o, world), simulation);
}

}  // namespace lockstep
