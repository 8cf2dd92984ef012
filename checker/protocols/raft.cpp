// `lockstep check raft`: Raft replicating a register, in a World with faults; its registry entry.
#include "checker/protocols/raft.hpp"

#include <stdexcept>

#include "checker/protocols/entry.hpp"
#include "checker/world/world_setup.hpp"
#include "model/sm/register.hpp"
#include "spec/raft/invariants_impl.hpp"

namespace lockstep {

namespace {

using RaftRegister = raft::Raft<sm::Register>;
using RaftWorld = World<RaftRegister>;

const std::vector<IntField<RaftCheckOptions>>& fields() {
  static const std::vector<IntField<RaftCheckOptions>> list = [] {
    std::vector<IntField<RaftCheckOptions>> f{
        {"--nodes", "Nodes", &RaftCheckOptions::nodes, 1, static_cast<int>(node_count_max)},
        {"--max-term", "Highest term an election may reach", &RaftCheckOptions::term_max, 1, 30},
        {"--max-log", "Longest log a leader appends to", &RaftCheckOptions::log_max, 0, static_cast<int>(raft::log_capacity)},
        {"--requests", "Client commands, each sent once to any node", &RaftCheckOptions::requests, 0,
         static_cast<int>(requests_max)},
        {"--snapshot-every", "Applied entries between a node's snapshots (0: never)", &RaftCheckOptions::snapshot_every,
         0, static_cast<int>(raft::log_capacity)},
        {"--leader-noop", "1: a new leader appends a no-op entry (section 8; nodes always do), 0: it does not",
         &RaftCheckOptions::leader_noop, 0, 1},
        {"--check-quorum",
         "1: a leader unanswered by a majority for an election timeout steps down, and a node that heard from the "
         "leader disregards higher-term votes (nodes always do; about 20x the states), 0: neither",
         &RaftCheckOptions::check_quorum, 0, 1},
        {"--pre-vote",
         "1: a node whose election timer fires first asks whether a majority would vote for it in the next term, "
         "and campaigns only then (thesis 9.6; nodes always do), 0: it campaigns at once",
         &RaftCheckOptions::pre_vote, 0, 1}};
    add_fault_fields(f, RaftWorld::messages_capacity);
    return f;
  }();
  return list;
}

RaftCheckOptions options_of(const ProtocolArgs& args) {
  RaftCheckOptions o = options_from(args, fields());
  o.bug = bug_from<raft::Bug>(args.bug);
  o.refine = args.on(refine_switch().flag);
  o.keep_obsolete = args.on(keep_obsolete_switch().flag);
  return o;
}

RaftWorld make_world(const RaftCheckOptions& o, bool symmetry) {
  const auto config = raft::model_config<sm::Register>(static_cast<std::size_t>(o.nodes),
                                                        static_cast<raft::Term>(o.term_max),
                                                        static_cast<raft::Index>(o.log_max), o.bug, {},
                                                        static_cast<raft::Index>(o.snapshot_every), o.leader_noop != 0,
                                                        o.check_quorum != 0, o.pre_vote != 0);
  std::vector<PendingRequest<RaftRegister>> requests;
  for (int r = 1; r <= o.requests; ++r) {
    requests.push_back({NodeId{}, raft::request_for<sm::Register>(static_cast<std::uint8_t>(r))});
  }
  return checked_world(config, o, std::move(requests), symmetry);
}

Json bounds_json(const RaftCheckOptions& o, const RaftWorld& world) {
  return with_world_bounds(
      Json{{"nodes", o.nodes}, {"max_term", o.term_max}, {"max_log", o.log_max}, {"requests", o.requests},
           {"snapshot_every", o.snapshot_every}, {"leader_noop", o.leader_noop},
           {"check_quorum", o.check_quorum}, {"pre_vote", o.pre_vote}}, o, world);
}

}  // namespace

std::string validate(const RaftCheckOptions& o) {
  ProtocolArgs args = args_from(o, fields());
  return find_protocol("raft")->check_args(args);
}

CheckReport check_raft(const RaftCheckOptions& o) {
  const RaftWorld world = make_world(o, o.explore.symmetry);
  return make_report(world, explore(world, o.explore), bounds_json(o, world));
}

CheckReport simulate_raft(const std::vector<RaftCheckOptions>& variants, const SimulateOptions& simulation) {
  return simulate_variants(variants, simulation, [](const RaftCheckOptions& o) { return make_world(o, false); }, bounds_json);
}

CheckReport simulate_raft(const RaftCheckOptions& o, const SimulateOptions& simulation) {
  return simulate_raft(std::vector<RaftCheckOptions>{o}, simulation);
}

RaftCheckOptions raft_options(const ProtocolArgs& args) { return options_of(args); }

ProtocolEntry raft_protocol() {
  // Where each seeded bug is found: the smallest bounds that contain its scenario (Figure 8
  // needs four terms on three nodes: two leaders with diverging entries, then one that commits
  // an old entry by counting; the leaders' no-ops are such entries, so it is found with no client
  // request at all), the invariant it breaks, the shortest trace's length.
  // An old snapshot installed over newer state needs two entries, both snapshotted (one
  // InstallSnapshot of each in flight to a follower, delivered newest first): one term, no crash.
  const std::vector<BugFound> found{
      {{"--max-term", "3", "--max-log", "1", "--requests", "1", "--crashes", "1", "--max-messages", "3"},
       "RAFT-ElectionSafety", 8},
      {{"--max-term", "4", "--max-log", "1", "--requests", "2", "--crashes", "0", "--max-messages", "3"},
       "RAFT-LeaderCompleteness", 21},
      {{"--max-term", "3", "--max-log", "1", "--requests", "1", "--crashes", "1", "--max-messages", "3"},
       "RAFT-LeaderCompleteness", 10},
      // Two leaders' entries at one index: a follower keeps the old one under the new one's
      // successors, and the logs no longer match.
      {{"--max-term", "3", "--max-log", "2", "--requests", "2", "--crashes", "1", "--max-messages", "3"},
       "RAFT-LogMatching", 10},
      {{"--max-term", "3", "--max-log", "1", "--requests", "1", "--crashes", "1", "--max-messages", "3"},
       "RAFT-ElectionSafety", 7},
      {{"--max-term", "1", "--max-log", "2", "--requests", "2", "--crashes", "0", "--max-messages", "3",
        "--snapshot-every", "1"},
       "RAFT-AppliedMonotone", 16},
      // A late vote of term 1 counted in term 2: a candidate's two rounds of requests in flight.
      {{"--max-term", "2", "--max-log", "1", "--requests", "1", "--crashes", "0", "--max-messages", "4"},
       "RAFT-ElectionSafety", 8},
      // A follower holding another term's entry at the index before a leader's (empty) append
      // acknowledges it: the leader of term 3 counts the follower as holding its entries (three
      // leaders). Before RAFT-MatchIndexBacked: RAFT-StateMachineSafety, 20 steps.
      {{"--max-term", "4", "--max-log", "1", "--requests", "2", "--crashes", "0", "--max-messages", "3"},
       "RAFT-MatchIndexBacked", 14},
      // A deposed leader's entry replaces its successor's at a follower.
      {{"--max-term", "3", "--max-log", "1", "--requests", "2", "--crashes", "0", "--max-messages", "3"},
       "RAFT-LeaderAppendOnly", 9},
      // A leader re-elected with an entry its follower lacks is refused twice (a second append of
      // the same entries before the first refusal arrives): next_index goes to 0, and its next
      // heartbeat's expectation fails.
      {{"--max-term", "2", "--max-log", "1", "--requests", "1", "--crashes", "0", "--max-messages", "3"},
       "WORLD-StepsComplete", 19},
      // One term: a client's write committed (after the no-op), applied and snapshotted, then the
      // leader crashes and restarts with an empty machine at the snapshot's index.
      {{"--max-term", "1", "--max-log", "2", "--requests", "1", "--crashes", "1", "--max-messages", "3",
        "--snapshot-every", "1"},
       "RAFT-MachineAgreement", 9},
  };
  ProtocolEntry entry;
  entry.name = "raft";
  entry.description = "Raft replicating a register, with crashes, drops and duplicates";
  entry.options = option_specs(fields());
  entry.bugs = bug_specs<raft::Bug>(RaftRegister::bug_description, found);
  // Random walks go wide: more terms, entries, requests, messages in flight and faults than a
  // breadth-first search could enumerate, snapshots, check-quorum and pre-vote (as nodes run them:
  // walks do not pay for the width they add).
  entry.simulate_defaults = {"--max-term", "6", "--max-log", "4", "--requests", "4", "--snapshot-every", "2",
                             "--check-quorum", "1", "--pre-vote", "1", "--crashes", "3", "--drops", "2", "--duplicates", "2", "--max-messages", "8", "--keep-obsolete"};
  // 20,000 walks, about 9 s on 2 cores. Hand-written bugs took up to about 5,000 walks on seed 1
  // (a restart that forgets the vote: 4,825), so 10,000 left some seeds short.
  entry.simulate_runs = 20000;
  // --budget: one term of elections, then more messages in flight (late responses of an earlier
  // term), the features' other settings (a leader without its no-op, whose followers may hold
  // entries past its log's end; pre-vote and check-quorum, whose code the defaults never run),
  // entries, crashes, snapshots (a crash over one; one sent while the follower's acknowledgement of
  // entries past it is in flight), more terms and requests.
  entry.budget_ladder = {
      {"--max-term", "2", "--max-log", "1", "--requests", "1", "--crashes", "0", "--max-messages", "2"},
      {"--max-term", "2", "--max-log", "1", "--requests", "1", "--crashes", "0", "--max-messages", "4"},
      {"--max-term", "2", "--max-log", "2", "--requests", "1", "--crashes", "0", "--max-messages", "3", "--leader-noop", "0"},
      {"--max-term", "2", "--max-log", "1", "--requests", "1", "--crashes", "0", "--max-messages", "3", "--pre-vote", "1",
       "--check-quorum", "1"},
      {"--max-term", "3", "--max-log", "1", "--requests", "1", "--crashes", "0", "--max-messages", "3"},
      {"--max-term", "3", "--max-log", "1", "--requests", "1", "--crashes", "1", "--max-messages", "3"},
      {"--max-term", "1", "--max-log", "2", "--requests", "2", "--crashes", "1", "--max-messages", "3", "--snapshot-every", "1"},
      {"--max-term", "4", "--max-log", "1", "--requests", "2", "--crashes", "0", "--max-messages", "3"},
      {"--max-term", "1", "--max-log", "2", "--requests", "1", "--crashes", "0", "--max-messages", "5", "--snapshot-every", "1"},
      {"--max-term", "3", "--max-log", "2", "--requests", "2", "--crashes", "1", "--max-messages", "3"},
      {"--max-term", "3", "--max-log", "2", "--requests", "2", "--crashes", "1", "--max-messages", "3", "--snapshot-every", "1"},
      {"--max-term", "4", "--max-log", "2", "--requests", "2", "--crashes", "1", "--max-messages", "3"},
      {"--max-term", "4", "--max-log", "2", "--requests", "2", "--crashes", "1", "--drops", "1", "--max-messages", "4"},
      {"--max-term", "5", "--max-log", "3", "--requests", "3", "--crashes", "1", "--drops", "1", "--duplicates", "1",
       "--max-messages", "4"}};
  entry.switches = {refine_switch(), keep_obsolete_switch()};
  entry.check = [](const ProtocolArgs& args) { return check_raft(options_of(args)); };
  // Swarm runs also walk Raft without pre-vote, check-quorum or the leader's no-op: pre-vote's extra
  // round trip alone hid vote-not-durable from 7 of 8 seeds' 10,000 runs.
  entry.simulate_swarm = {{"--pre-vote", {0, 1}}, {"--check-quorum", {0, 1}}, {"--leader-noop", {0, 1}}};
  entry.simulate = [swarm = entry.simulate_swarm](const ProtocolArgs& args, const SimulateOptions& s) {
    return simulate_raft(swarm_options<RaftCheckOptions>(swarm, args, s.varied, options_of), s);
  };
  entry.model = [](const ProtocolArgs& args) -> std::unique_ptr<AnyModel> {
    return std::make_unique<AnyModelFor<RaftWorld>>(make_world(options_of(args), false));
  };
  entry.model_from_json = [](const Json& model) -> std::unique_ptr<AnyModel> {
    return std::make_unique<AnyModelFor<RaftWorld>>(RaftWorld::from_model_json(model));
  };
  return entry;
}

}  // namespace lockstep
