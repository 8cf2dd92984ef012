// `lockstep check paxos`: single-decree Paxos in a World with faults; its registry entry.
#include "checker/protocols/paxos.hpp"

#include <stdexcept>

#include "checker/protocols/entry.hpp"
#include "checker/world/world_setup.hpp"
#include "spec/paxos/invariants.hpp"

namespace lockstep {

namespace {

using PaxosWorld = World<paxos::Paxos>;

const std::vector<IntField<PaxosCheckOptions>>& fields() {
  static const std::vector<IntField<PaxosCheckOptions>> list = [] {
    std::vector<IntField<PaxosCheckOptions>> f{
        {"--nodes", "Nodes (each proposes, accepts and learns)", &PaxosCheckOptions::nodes, 1, 9},
        {"--values", "Values that clients propose", &PaxosCheckOptions::values, 0, 9},
        {"--max-round", "Highest ballot round", &PaxosCheckOptions::round_max, 1, 100}};
    add_fault_fields(f, PaxosWorld::messages_capacity);
    return f;
  }();
  return list;
}
constexpr const char* any_node_flag = "--any-node";

PaxosCheckOptions options_of(const ProtocolArgs& args) {
  PaxosCheckOptions o = options_from(args, fields());
  o.any_node = args.on(any_node_flag);
  o.refine = args.on(refine_switch().flag);
  o.keep_obsolete = args.on(keep_obsolete_switch().flag);
  o.bug = bug_from<paxos::Bug>(args.bug);
  return o;
}

PaxosWorld make_world(const PaxosCheckOptions& o, bool symmetry) {
  const paxos::Config config =
      paxos::model_config(static_cast<std::size_t>(o.nodes), static_cast<std::uint8_t>(o.round_max), o.bug);
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

std::string validate(const PaxosCheckOptions& o) {
  ProtocolArgs args = args_from(o, fields());
  return find_protocol("paxos")->check_args(args);
}

CheckReport check_paxos(const PaxosCheckOptions& o) {
  const PaxosWorld world = make_world(o, o.explore.symmetry);
  return make_report(world, explore(world, o.explore), bounds_json(o, world));
}

CheckReport simulate_paxos(const PaxosCheckOptions& o, const SimulateOptions& simulation) {
  const PaxosWorld world = make_world(o, false);
  return make_simulation_report(world, simulate(world, simulation), bounds_json(o, world), simulation);
}

ProtocolEntry paxos_protocol() {
  // Every seeded Paxos bug is found at the default bounds: the two that break agreement first as
  // an unsafe vote (Paxos.tla's VotesSafe), two steps before two values are chosen.
  const std::vector<BugFound> found{
      {{}, "PAXOS-PromiseMonotone", 2},
      {{}, "PAXOS-VotesSafe", 6},
      {{}, "PAXOS-VotesSafe", 6},
  };
  ProtocolEntry entry;
  entry.name = "paxos";
  entry.description = "Single-decree Paxos with crashes, drops and duplicates";
  entry.options = option_specs(fields());
  entry.switches = {{any_node_flag, "Clients may send to any node (default: client i talks to node i; equal up to renaming)"},
                    refine_switch(), keep_obsolete_switch()};
  entry.bugs = bug_specs<paxos::Bug>(paxos::Paxos::bug_description, found);
  // Random walks go wide: more rounds and faults than a breadth-first search could enumerate, and
  // clients that send to any node (a restarted proposer may be handed another client's value).
  entry.simulate_defaults = {"--max-round", "5", "--crashes", "3", "--drops", "3", "--duplicates", "3", "--keep-obsolete",
                             "--any-node"};
  // A walk of Paxos is cheap (100,000 in about 2 s on 2 cores): walk many.
  entry.simulate_runs = 100000;
  // --budget: no faults, then each fault, then more rounds and faults. The fourth rung trusts
  // neither the clients' routing nor the protocol's word on obsolete messages: clients send to any
  // node and obsolete messages stay in flight. A proposer that forgets its ballot in a crash and
  // reuses it with another client's value shows only so: the first incarnation's duplicate
  // Promise is obsolete for the correct protocol, and counted by that one (0.3 s).
  entry.budget_ladder = {{"--max-round", "1", "--crashes", "0", "--drops", "0", "--duplicates", "0"},
                         {"--max-round", "2", "--crashes", "0", "--drops", "0", "--duplicates", "0"},
                         {"--max-round", "2", "--crashes", "1", "--drops", "0", "--duplicates", "0"},
                         {"--max-round", "1", "--crashes", "1", "--drops", "0", "--duplicates", "1", "--any-node", "--keep-obsolete"},
                         {"--max-round", "2", "--crashes", "1", "--drops", "1", "--duplicates", "1"},
                         {"--max-round", "3", "--crashes", "1", "--drops", "1", "--duplicates", "1"},
                         {"--max-round", "3", "--crashes", "2", "--drops", "1", "--duplicates", "1"},
                         {"--max-round", "4", "--crashes", "2", "--drops", "2", "--duplicates", "2"}};
  entry.check = [](const ProtocolArgs& args) { return check_paxos(options_of(args)); };
  entry.simulate = [](const ProtocolArgs& args, const SimulateOptions& s) { return simulate_paxos(options_of(args), s); };
  entry.model = [](const ProtocolArgs& args) -> std::unique_ptr<AnyModel> {
    return std::make_unique<AnyModelFor<PaxosWorld>>(make_world(options_of(args), false));
  };
  entry.model_from_json = [](const Json& model) -> std::unique_ptr<AnyModel> {
    return std::make_unique<AnyModelFor<PaxosWorld>>(PaxosWorld::from_model_json(model));
  };
  return entry;
}

}  // namespace lockstep
