#include "checker/check_raft.hpp"

#include <stdexcept>

#include "checker/option_checks.hpp"
#include "checker/world_setup.hpp"
#include "model/raft/register.hpp"
#include "spec/raft/invariants_impl.hpp"

namespace lockstep {

std::string validate(const RaftCheckOptions& o) {
  return first_error({range_error("--nodes", o.nodes, 1, static_cast<int>(node_count_max)),
                      range_error("--max-term", o.term_max, 1, 30),
                      range_error("--max-log", o.log_max, 0, static_cast<int>(raft::log_capacity)),
                      range_error("--requests", o.requests, 0, static_cast<int>(requests_max)),
                      fault_error(o.crashes, o.drops, o.duplicates, o.messages_max)});
}

namespace {

using RaftRegister = raft::Raft<raft::Register>;
using RaftWorld = World<RaftRegister>;

RaftWorld make_world(const RaftCheckOptions& o, bool symmetry) {
  const auto config = raft::model_config<raft::Register>(static_cast<std::size_t>(o.nodes),
                                                        static_cast<raft::Term>(o.term_max),
                                                        static_cast<raft::Index>(o.log_max), o.bug);
  std::vector<PendingRequest<RaftRegister>> requests;
  for (int r = 1; r <= o.requests; ++r) {
    requests.push_back({NodeId{}, raft::request_for<raft::Register>(static_cast<std::uint8_t>(r))});
  }
  return checked_world(config, o, std::move(requests), symmetry);
}

Json bounds_json(const RaftCheckOptions& o, const RaftWorld& world) {
  return with_world_bounds(
      Json{{"nodes", o.nodes}, {"max_term", o.term_max}, {"max_log", o.log_max}, {"requests", o.requests}}, o, world);
}

}  // namespace

CheckReport check_raft(const RaftCheckOptions& o) {
  const RaftWorld world = make_world(o, o.explore.symmetry);
  return make_report(world, explore(world, o.explore), bounds_json(o, world));
}

CheckReport simulate_raft(const RaftCheckOptions& o, const SimulateOptions& simulation) {
  const RaftWorld world = make_world(o, false);
  return make_simulation_report(world, simulate(world, simulation), bounds_json(o, world), simulation);
}

}  // namespace lockstep
