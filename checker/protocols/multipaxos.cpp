// `lockstep check multipaxos`: Multi-Paxos replicating a register, in a World with faults; its
// registry entry.
#include "checker/protocols/multipaxos.hpp"

#include "checker/protocols/entry.hpp"
#include "checker/world/world_setup.hpp"
#include "model/sm/register.hpp"
#include "spec/multipaxos/invariants.hpp"

namespace lockstep {

namespace {

using MultiPaxosRegister = multipaxos::MultiPaxos<sm::Register>;
using MultiPaxosWorld = World<MultiPaxosRegister>;

const std::vector<IntField<MultiPaxosCheckOptions>>& fields() {
  static const std::vector<IntField<MultiPaxosCheckOptions>> list = [] {
    std::vector<IntField<MultiPaxosCheckOptions>> f{
        {"--nodes", "Nodes (each proposes, accepts and learns)", &MultiPaxosCheckOptions::nodes, 1,
         static_cast<int>(node_count_max)},
        {"--max-round", "Highest ballot round", &MultiPaxosCheckOptions::round_max, 1, 30},
        {"--max-slot", "Highest slot a leader proposes a client command in", &MultiPaxosCheckOptions::slot_max, 0,
         static_cast<int>(multipaxos::slot_capacity)},
        {"--requests", "Client commands, each sent once to any node", &MultiPaxosCheckOptions::requests, 0,
         static_cast<int>(requests_max)},
        {"--snapshot-every", "A replica snapshots every this many applied slots (0 = never)",
         &MultiPaxosCheckOptions::snapshot_every, 0, static_cast<int>(multipaxos::slot_capacity)},
        {"--check-quorum",
         "1: replicas answer every heartbeat and a leader unanswered by a majority for an election timeout steps "
         "down (nodes always do; many more states), 0: neither",
         &MultiPaxosCheckOptions::check_quorum, 0, 1}};
    add_fault_fields(f, MultiPaxosWorld::messages_capacity);
    return f;
  }();
  return list;
}

MultiPaxosCheckOptions options_of(const ProtocolArgs& args) {
  MultiPaxosCheckOptions o = options_from(args, fields());
  o.bug = bug_from<multipaxos::Bug>(args.bug);
  o.refine = args.on(refine_switch().flag);
  o.keep_obsolete = args.on(keep_obsolete_switch().flag);
  return o;
}

MultiPaxosWorld make_world(const MultiPaxosCheckOptions& o, bool symmetry) {
  const auto config = multipaxos::model_config<sm::Register>(
      static_cast<std::size_t>(o.nodes), static_cast<multipaxos::Round>(o.round_max),
      static_cast<multipaxos::Slot>(o.slot_max), o.bug, static_cast<multipaxos::Slot>(o.snapshot_every), {},
      o.check_quorum != 0);
  std::vector<PendingRequest<MultiPaxosRegister>> requests;
  for (int r = 1; r <= o.requests; ++r) {
    requests.push_back({NodeId{}, multipaxos::request_for<sm::Register>(static_cast<std::uint8_t>(r))});
  }
  return checked_world(config, o, std::move(requests), symmetry);
}

Json bounds_json(const MultiPaxosCheckOptions& o, const MultiPaxosWorld& world) {
  return with_world_bounds(Json{{"nodes", o.nodes},
                                {"max_round", o.round_max},
                                {"max_slot", o.slot_max},
                                {"requests", o.requests},
                                {"snapshot_every", o.snapshot_every},
                                {"check_quorum", o.check_quorum}},
                           o, world);
}

}  // namespace

std::string validate(const MultiPaxosCheckOptions& o) {
  ProtocolArgs args = args_from(o, fields());
  return find_protocol("multipaxos")->check_args(args);
}

MultiPaxosCheckOptions multipaxos_options(const ProtocolArgs& args) { return options_of(args); }

CheckReport check_multipaxos(const MultiPaxosCheckOptions& o) {
  const MultiPaxosWorld world = make_world(o, o.explore.symmetry);
  return make_report(world, explore(world, o.explore), bounds_json(o, world));
}

CheckReport simulate_multipaxos(const std::vector<MultiPaxosCheckOptions>& variants, const SimulateOptions& simulation) {
  return simulate_variants(variants, simulation, [](const MultiPaxosCheckOptions& o) { return make_world(o, false); },
                           bounds_json);
}

CheckReport simulate_multipaxos(const MultiPaxosCheckOptions& o, const SimulateOptions& simulation) {
  return simulate_multipaxos(std::vector<MultiPaxosCheckOptions>{o}, simulation);
}

ProtocolEntry multipaxos_protocol() {
  // Where each seeded bug is found: the smallest bounds that contain its scenario, the invariant
  // it breaks there, the shortest trace's length.
  const std::vector<BugFound> found{
      // Two commands, one slot, one round each: a second leader votes over a chosen slot, an
      // unsafe vote (two steps later, a second command is chosen: MULTIPAXOS-Agreement at 16). Six
      // steps of it are the pre-vote's: each leader's probe and a grant delivered, and the leases
      // on the first leader running out, so that a majority grants and promises the second.
      {{"--max-round", "1", "--max-slot", "1", "--requests", "2", "--crashes", "0"}, "MULTIPAXOS-VotesSafe", 14},
      // The same, with a crash that erases one vote of the chosen slot's majority. The vote raised
      // the acceptor's promise, and that was not persisted either: the crash lowers it first
      // (two commands chosen in one slot: MULTIPAXOS-Agreement at 17).
      {{"--max-round", "1", "--max-slot", "1", "--requests", "2"}, "MULTIPAXOS-PromiseMonotone", 8},
      // Two slots, each applied and snapshotted: the older snapshot arrives after the newer one
      // (five messages in flight: the leader's heartbeats reach every replica, even up-to-date ones).
      {{"--max-round", "1", "--max-slot", "2", "--requests", "2", "--snapshot-every", "1", "--crashes", "0",
        "--max-messages", "5"},
       "MULTIPAXOS-AppliedMonotone", 23},
      // One slot chosen, applied and snapshotted, then a replica crashes and restarts with an
      // empty machine at the snapshot's slot.
      {{"--max-round", "1", "--max-slot", "1", "--requests", "1", "--snapshot-every", "1"}, "MULTIPAXOS-MachineAgreement", 10},
  };
  ProtocolEntry entry;
  entry.name = "multipaxos";
  entry.description = "Multi-Paxos replicating a register, with crashes, drops, duplicates and snapshots";
  entry.options = option_specs(fields());
  entry.bugs = bug_specs<multipaxos::Bug>(MultiPaxosRegister::bug_description, found);
  // Random walks go wide: more rounds, slots, requests, messages in flight, faults, snapshots.
  entry.simulate_defaults = {"--max-round", "5", "--max-slot", "4", "--requests", "4", "--snapshot-every", "2",
                             "--check-quorum", "1", "--crashes", "3", "--drops", "2", "--duplicates", "2", "--max-messages", "8", "--keep-obsolete"};
  // 20,000 walks, about 13 s on 2 cores (recovery that keeps the last vote reported, written by
  // hand: 4,951 walks on seed 1).
  entry.simulate_runs = 20000;
  // --budget: one round, then more requests, crashes, a crash over a snapshot, slots with
  // snapshots, rounds, check-quorum (whose code the defaults never run), faults.
  entry.budget_ladder = {
      {"--max-round", "1", "--max-slot", "1", "--requests", "1", "--crashes", "0"},
      {"--max-round", "1", "--max-slot", "1", "--requests", "2", "--crashes", "0"},
      {"--max-round", "1", "--max-slot", "1", "--requests", "2", "--crashes", "1"},
      {"--max-round", "1", "--max-slot", "1", "--requests", "1", "--crashes", "1", "--snapshot-every", "1"},
      {"--max-round", "1", "--max-slot", "2", "--requests", "2", "--crashes", "0", "--max-messages", "5", "--snapshot-every", "1"},
      {"--max-round", "2", "--max-slot", "1", "--requests", "1", "--crashes", "1"},
      {"--max-round", "2", "--max-slot", "1", "--requests", "1", "--crashes", "0", "--check-quorum", "1"},
      {"--max-round", "2", "--max-slot", "2", "--requests", "2", "--crashes", "1", "--max-messages", "4"},
      {"--max-round", "3", "--max-slot", "2", "--requests", "2", "--crashes", "1", "--drops", "1", "--max-messages", "4"}};
  entry.switches = {refine_switch(), keep_obsolete_switch()};
  entry.check = [](const ProtocolArgs& args) { return check_multipaxos(options_of(args)); };
  entry.simulate_swarm = {{"--check-quorum", {0, 1}}};
  entry.simulate = [swarm = entry.simulate_swarm](const ProtocolArgs& args, const SimulateOptions& s) {
    return simulate_multipaxos(swarm_options<MultiPaxosCheckOptions>(swarm, args, s.varied, options_of), s);
  };
  entry.model = [](const ProtocolArgs& args) -> std::unique_ptr<AnyModel> {
    return std::make_unique<AnyModelFor<MultiPaxosWorld>>(make_world(options_of(args), false));
  };
  entry.model_from_json = [](const Json& model) -> std::unique_ptr<AnyModel> {
    return std::make_unique<AnyModelFor<MultiPaxosWorld>>(MultiPaxosWorld::from_model_json(model));
  };
  return entry;
}

}  // namespace lockstep
