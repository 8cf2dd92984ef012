// The checker on Multi-Paxos: the correct protocol passes at its default bounds and with
// snapshots, every "sometimes" property reached, with pinned state counts; every seeded bug is
// found with the invariant it breaks and a shortest trace of pinned length.
#include <gtest/gtest.h>

#include "checker/protocols/entry.hpp"
#include "checker/protocols/multipaxos.hpp"
#include "checker/world/world.hpp"
#include "model/sm/register.hpp"
#include "spec/multipaxos/invariants.hpp"
#include "tests/support/named_property.hpp"

namespace lockstep {
namespace {

TEST(MultiPaxosCheck, correct_protocol_passes_at_the_defaults_with_a_pinned_state_count) {
  MultiPaxosCheckOptions o;  // 3 nodes, rounds 2, 2 slots, 2 requests, 1 crash, 3 messages
  o.explore.workers = 2;
  const CheckReport report = check_multipaxos(o);
  EXPECT_EQ(report.outcome, Outcome::ok);
  EXPECT_EQ(report.stats.distinct_states, 8058208u);
  EXPECT_EQ(report.stats.depth, 53u);
  EXPECT_TRUE(report.sometimes_unreached.empty());
  // The defaults before they had a second slot.
  o.slot_max = 1;
  const CheckReport one_slot = check_multipaxos(o);
  EXPECT_EQ(one_slot.outcome, Outcome::ok);
  EXPECT_EQ(one_slot.stats.distinct_states, 1572432u);
  EXPECT_EQ(one_slot.stats.depth, 46u);
}

TEST(MultiPaxosCheck, correct_protocol_passes_with_snapshots_after_every_slot) {
  MultiPaxosCheckOptions o;
  o.round_max = 1;
  o.slot_max = 2;
  o.requests = 2;
  o.snapshot_every = 1;
  o.messages_max = 4;  // the leader's heartbeat reaches both replicas: room for a third message
  o.explore.workers = 2;
  const CheckReport report = check_multipaxos(o);
  EXPECT_EQ(report.outcome, Outcome::ok);
  EXPECT_EQ(report.stats.distinct_states, 3192226u);
  EXPECT_EQ(report.stats.depth, 52u);
  EXPECT_TRUE(report.sometimes_unreached.empty());
}

// One node: its own vote is a majority, so it votes, applies and snapshots a slot in one step, and
// the snapshot covers the vote at once. The vote is still cast: the step's Persist writes it, and
// the ghost counts it, so MULTIPAXOS-AppliedIsChosen holds (it was reported broken at 2 steps).
// Only recovery-reproposes-vote is out of reach (one node has nobody's vote to recover).
TEST(MultiPaxosCheck, one_node_that_snapshots_the_slot_it_voted_for_passes) {
  for (const int every : {1, 2}) {
    MultiPaxosCheckOptions o;
    o.nodes = 1;
    o.slot_max = 4;
    o.requests = 3;
    o.crashes = 2;
    o.snapshot_every = every;
    o.explore.workers = 2;
    const CheckReport report = check_multipaxos(o);
    EXPECT_NE(report.outcome, Outcome::violation) << every << ": " << report.property;
    EXPECT_EQ(report.sometimes_unreached, std::vector<std::string>{"recovery-reproposes-vote"}) << every;
  }
}

// Check-quorum (replicas answer every heartbeat; a leader no majority answered in a check period
// steps down) multiplies the world; every property holds in it, and each seeded bug is still found
// at the bounds it needs without it (an unsafe vote, a lowered promise, a machine rolled back).
TEST(MultiPaxosCheck, correct_protocol_with_check_quorum_passes_and_every_bug_is_still_found) {
  MultiPaxosCheckOptions o;
  o.slot_max = 1;
  o.requests = 1;
  o.messages_max = 2;
  o.check_quorum = 1;
  o.explore.workers = 2;
  const CheckReport report = check_multipaxos(o);
  EXPECT_EQ(report.outcome, Outcome::ok);
  EXPECT_EQ(report.stats.distinct_states, 274831u);
  EXPECT_EQ(report.stats.depth, 40u);

  const ProtocolEntry& entry = *find_protocol("multipaxos");
  for (const BugSpec& spec : entry.bugs) {
    MultiPaxosCheckOptions b = multipaxos_options(entry.args_for_bug(spec.name));
    b.check_quorum = 1;
    b.explore.workers = 2;
    const CheckReport found = check_multipaxos(b);
    EXPECT_EQ(found.outcome, Outcome::violation) << spec.name;
    EXPECT_EQ(found.property, spec.invariant) << spec.name;
  }
}

struct BugCase {
  multipaxos::Bug bug;
  int slot_max;
  int requests;
  int snapshot_every;
  int crashes;
  int max_messages;
  const char* invariant;
  std::size_t trace_steps;
  const char* only_property = "";  // checked alone (--property); "" = every property
};

class MultiPaxosSeededBug : public ::testing::TestWithParam<BugCase> {};

TEST_P(MultiPaxosSeededBug, is_found_with_a_shortest_trace) {
  const BugCase& b = GetParam();
  MultiPaxosCheckOptions o;
  o.round_max = 1;
  o.slot_max = b.slot_max;
  o.requests = b.requests;
  o.snapshot_every = b.snapshot_every;
  o.crashes = b.crashes;
  o.messages_max = b.max_messages;
  o.bug = b.bug;
  o.explore.workers = 2;
  if (*b.only_property != 0) o.explore.properties = {b.only_property};
  const CheckReport report = check_multipaxos(o);
  ASSERT_EQ(report.outcome, Outcome::violation);
  EXPECT_EQ(report.property, b.invariant);
  EXPECT_EQ(report.trace_lines.size(), b.trace_steps + 1);
  EXPECT_EQ(report.trace["#meta"]["protocol"], "multipaxos");
}

INSTANTIATE_TEST_SUITE_P(
    Bugs, MultiPaxosSeededBug,
    // With every property, the per-slot Paxos.tla invariants break first: skip-recovery's new leader
    // casts an unsafe vote over a chosen slot (2 steps before a second command is chosen), and
    // votes-not-durable's acceptor raised its promise with the vote and persisted neither, so a
    // crash lowers it. Checked alone, Agreement shows the harm: two commands chosen in one slot.
    ::testing::Values(BugCase{multipaxos::Bug::skip_recovery, 1, 2, 0, 0, 3, "MULTIPAXOS-VotesSafe", 14},
                      BugCase{multipaxos::Bug::votes_not_durable, 1, 2, 0, 1, 3, "MULTIPAXOS-PromiseMonotone", 8},
                      BugCase{multipaxos::Bug::snapshot_over_newer, 2, 2, 1, 0, 5, "MULTIPAXOS-AppliedMonotone", 23},
                      BugCase{multipaxos::Bug::skip_recovery, 1, 2, 0, 0, 3, "MULTIPAXOS-Agreement", 16, "MULTIPAXOS-Agreement"},
                      BugCase{multipaxos::Bug::votes_not_durable, 1, 2, 0, 1, 3, "MULTIPAXOS-Agreement", 17,
                              "MULTIPAXOS-Agreement"}),
    [](const auto& info) {
      return std::string(enum_name(info.param.bug)) + (*info.param.only_property != 0 ? "_agreement_alone" : "");
    });

TEST(MultiPaxosCheck, votes_that_survive_a_crash_keep_agreement_where_the_bug_breaks_it) {
  MultiPaxosCheckOptions o;
  o.round_max = 1;
  o.slot_max = 1;
  o.requests = 2;
  o.explore.workers = 2;
  EXPECT_EQ(check_multipaxos(o).outcome, Outcome::ok);
}

// Paxos.tla's invariants, per slot, and AppliedIsChosen (Paxos's LearnedIsChosen, per slot), on
// states made to break them.
TEST(MultiPaxosInvariants, per_slot_paxos_invariants_catch_states_that_break_them) {
  using MP = multipaxos::MultiPaxos<sm::Register>;
  using Spec = multipaxos::MultiPaxosSpec<sm::Register>;
  using Ballot = MP::Ballot;
  const World<MP> world(multipaxos::model_config<sm::Register>(3, 2, 2), WorldBounds{1, 0, 0, 3},
                        std::vector<PendingRequest<MP>>{});
  const auto& config = world.config();
  const auto initial = world.initial_states().front();
  const auto holds = [&](const auto& state, const std::string& name) { return testing::property_holds(world, state, name); };
  const auto explained = [&](const auto& state, const std::string& name) {
    return testing::first_explanation<Spec>(config, name, state);
  };
  const auto entry = [](std::uint8_t r) {
    const auto request = multipaxos::request_for<sm::Register>(r);
    return MP::Entry{request.client, request.sequence, request.command, false};
  };
  const auto vote = [](multipaxos::Slot slot, Ballot ballot, MP::Entry e, std::size_t acceptor) {
    return Spec::CastVote{slot, ballot, e, NodeId::at(acceptor)};
  };
  const Ballot b11{1, NodeId::at(0)}, b12{1, NodeId::at(1)}, b21{2, NodeId::at(0)};
  const auto e1 = entry(1), e2 = entry(2);
  for (const char* name : {"MULTIPAXOS-OneValuePerBallot", "MULTIPAXOS-VotesSafe", "MULTIPAXOS-MaxBalAboveVote"}) {
    EXPECT_TRUE(holds(initial, name)) << name;
  }

  // Two commands at one (slot, ballot); the same ballot in two slots is fine.
  auto two = initial;
  two.ghost.votes.insert(vote(1, b11, e1, 0));
  two.ghost.votes.insert(vote(2, b11, e2, 1));
  EXPECT_TRUE(holds(two, "MULTIPAXOS-OneValuePerBallot"));
  two.ghost.votes.insert(vote(1, b11, e2, 2));
  EXPECT_FALSE(holds(two, "MULTIPAXOS-OneValuePerBallot"));
  EXPECT_NE(explained(two, "MULTIPAXOS-OneValuePerBallot").find("in slot 1 at ballot 1.1"), std::string::npos)
      << explained(two, "MULTIPAXOS-OneValuePerBallot");
  // A vote, and an Accept in flight for another command at its slot and ballot.
  auto accept = initial;
  accept.ghost.votes.insert(vote(1, b11, e1, 0));
  accept.network.push_back(Envelope<MP::Message>{NodeId::at(0), NodeId::at(2), MP::Accept{b11, 2, e2}});
  EXPECT_TRUE(holds(accept, "MULTIPAXOS-OneValuePerBallot"));
  accept.network.push_back(Envelope<MP::Message>{NodeId::at(0), NodeId::at(1), MP::Accept{b11, 1, e2}});
  EXPECT_FALSE(holds(accept, "MULTIPAXOS-OneValuePerBallot"));

  // A vote above the promise, in memory, then on disk only.
  auto above = initial;
  above.nodes.items[1].node.durable.promised_ballot = b11;
  above.nodes.items[1].node.durable.votes.push_back(MP::Vote{1, b12, e1});
  EXPECT_FALSE(holds(above, "MULTIPAXOS-MaxBalAboveVote"));
  EXPECT_NE(explained(above, "MULTIPAXOS-MaxBalAboveVote").find("n2 promised 1.1 but voted in slot 1 at 1.2"),
            std::string::npos)
      << explained(above, "MULTIPAXOS-MaxBalAboveVote");
  auto on_disk = initial;
  MP::Durable disk{};
  disk.promised_ballot = b11;
  disk.votes.push_back(MP::Vote{2, b21, e2});
  on_disk.nodes.items[2].disk = disk;
  EXPECT_FALSE(holds(on_disk, "MULTIPAXOS-MaxBalAboveVote"));
  EXPECT_NE(explained(on_disk, "MULTIPAXOS-MaxBalAboveVote").find("nodes.n3.disk"), std::string::npos);

  // VotesSafe in slot 1: e2 voted at 1.2 while e1 can still be chosen there at 1.1 (n1 voted e1;
  // of n2 and n3, only n2 promised above 1.1). A vote at 1.1 in slot 2 does not count for slot 1.
  // Safe once n3 durably promised past 1.1 without voting there in slot 1; unsafe again when that
  // promise is in memory only (a crash would lose it).
  auto unsafe = initial;
  unsafe.ghost.votes.insert(vote(1, b11, e1, 0));
  unsafe.ghost.votes.insert(vote(1, b12, e2, 1));
  unsafe.nodes.items[0].node.durable.promised_ballot = b11;
  unsafe.nodes.items[1].node.durable.promised_ballot = b12;
  unsafe.nodes.items[2].node.durable.promised_ballot = b11;
  EXPECT_FALSE(holds(unsafe, "MULTIPAXOS-VotesSafe"));
  EXPECT_NE(explained(unsafe, "MULTIPAXOS-VotesSafe").find("n2 voted"), std::string::npos)
      << explained(unsafe, "MULTIPAXOS-VotesSafe");
  EXPECT_NE(explained(unsafe, "MULTIPAXOS-VotesSafe").find("in slot 1 at ballot 1.2"), std::string::npos);
  auto safe = unsafe;
  safe.nodes.items[2].node.durable.promised_ballot = b12;
  EXPECT_TRUE(holds(safe, "MULTIPAXOS-VotesSafe"));
  auto other_slot = safe;
  other_slot.ghost.votes.insert(vote(2, b11, e1, 2));  // n3 voted at 1.1, but in slot 2
  EXPECT_TRUE(holds(other_slot, "MULTIPAXOS-VotesSafe"));
  auto same_slot = safe;
  same_slot.ghost.votes.insert(vote(1, b11, e1, 2));  // n3 voted e1 at 1.1 in slot 1: e1 is chosen
  EXPECT_FALSE(holds(same_slot, "MULTIPAXOS-VotesSafe"));
  auto memory_only = safe;
  MP::Durable persisted = memory_only.nodes.items[2].node.durable;
  persisted.promised_ballot = b11;
  memory_only.nodes.items[2].disk = persisted;
  EXPECT_FALSE(holds(memory_only, "MULTIPAXOS-VotesSafe"));

  // AppliedIsChosen: a command applied in a slot must be one a majority voted for there at one
  // ballot (the ghost's chosen, which the votes make): two votes at different ballots do not choose.
  auto applied = initial;
  EXPECT_TRUE(holds(applied, "MULTIPAXOS-AppliedIsChosen"));
  applied.ghost.votes.insert(vote(1, b11, e1, 1));
  applied.ghost.votes.insert(vote(1, b21, e1, 0));
  applied.ghost.applied.insert(Spec::SlotEntry{1, e1});
  EXPECT_FALSE(holds(applied, "MULTIPAXOS-AppliedIsChosen"));
  EXPECT_NE(explained(applied, "MULTIPAXOS-AppliedIsChosen").find("slot 1 was applied as"), std::string::npos)
      << explained(applied, "MULTIPAXOS-AppliedIsChosen");
  EXPECT_NE(explained(applied, "MULTIPAXOS-AppliedIsChosen").find("was never chosen there"), std::string::npos);
  applied.ghost.chosen.insert(Spec::SlotEntry{1, e1});  // as a third vote at one ballot would make it
  EXPECT_TRUE(holds(applied, "MULTIPAXOS-AppliedIsChosen"));

  // PromiseMonotone: a crash that lowers a promise.
  const auto& monotone = world.transition_properties();
  const auto promise = std::find_if(monotone.begin(), monotone.end(),
                                    [](const auto& p) { return p.name == "MULTIPAXOS-PromiseMonotone"; });
  ASSERT_NE(promise, monotone.end());
  auto lowered = safe;
  lowered.nodes.items[2].node.durable.promised_ballot = b11;
  lowered.nodes.items[2].up = false;
  EXPECT_TRUE(promise->holds(lowered, safe));
  EXPECT_FALSE(promise->holds(safe, lowered));
  EXPECT_NE(Spec::explain(config, "MULTIPAXOS-PromiseMonotone", &safe, lowered).front().find("crash lost a promise"),
            std::string::npos);
}

TEST(MultiPaxosCheck, rejects_bounds_out_of_range) {
  MultiPaxosCheckOptions o;
  o.nodes = 0;
  EXPECT_FALSE(validate(o).empty());
  o.nodes = 3;
  o.slot_max = 99;
  EXPECT_FALSE(validate(o).empty());
  o.slot_max = 1;
  EXPECT_TRUE(validate(o).empty());
}

}  // namespace
}  // namespace lockstep
