// Field-by-field diffs, from reflection and on ITF JSON: paths in the code's words, only the
// leaves that changed, sequences and sets as what was removed and what was added.
#include <gtest/gtest.h>

#include "model/core/diff.hpp"
#include "tests/support/trace_support.hpp"

namespace lockstep {
namespace {

using Changes = std::vector<FieldChange>;

TEST(Diff, typed_paths_name_records_nodes_and_options_and_print_leaves) {
  const testing::PaxosWorld world = testing::paxos_world();
  const auto before = world.initial_states().front();
  auto after = before;
  after.nodes[NodeId::at(1)].node.durable.promised_ballot = paxos::Ballot{2, NodeId::at(0)};
  after.nodes[NodeId::at(2)].up = false;
  after.nodes[NodeId::at(2)].disk = paxos::Durable{};
  after.budgets.crashes = 0;
  EXPECT_EQ(diff_values(before, after), (Changes{{"nodes.n2.node.durable.promised_ballot", "none", "2.1"},
                                                 {"nodes.n3.up", "true", "false"},
                                                 {"nodes.n3.disk", "none",
                                                  "Durable{promised_ballot=none, accepted_ballot=none, accepted_value=none}"},
                                                 {"budgets.crashes", "1", "0"}}));
  EXPECT_TRUE(diff_values(before, before).empty());
  auto persisted = after;
  persisted.nodes[NodeId::at(2)].disk->accepted_value = paxos::Value{2};  // Some -> Some: into the content
  EXPECT_EQ(diff_values(after, persisted), (Changes{{"nodes.n3.disk.accepted_value", "none", "v2"}}));
}

TEST(Diff, sequences_and_sets_show_what_was_removed_and_added) {
  using Env = testing::PaxosWorld::Env;
  const testing::PaxosWorld world = testing::paxos_world();
  auto before = world.initial_states().front();
  const Env a{NodeId::at(0), NodeId::at(1), paxos::Prepare{paxos::Ballot{1, NodeId::at(0)}}};
  const Env b{NodeId::at(0), NodeId::at(2), paxos::Prepare{paxos::Ballot{1, NodeId::at(0)}}};
  const Env c{NodeId::at(1), NodeId::at(0), paxos::Accepted{paxos::Ballot{1, NodeId::at(0)}, paxos::Value{1}}};
  before.network = {a, b, b};
  auto after = before;
  after.network = {b, c};  // a and one copy of b gone, c new
  after.ghost.proposed.insert(paxos::Value{1});
  EXPECT_EQ(diff_values(before, after),
            (Changes{{"network", "Envelope{from=n1, to=n2, message=Prepare{ballot=1.1}}", ""},
                     {"network", "Envelope{from=n1, to=n3, message=Prepare{ballot=1.1}}", ""},
                     {"network", "", "Envelope{from=n2, to=n1, message=Accepted{ballot=1.1, value=v1}}"},
                     {"ghost.proposed", "", "v1"}}));
}

TEST(Diff, itf_json_paths_follow_maps_sets_and_tags) {
  const Json before = Json::parse(R"({"maxBal": {"#map": [["a1", -1], ["a2", 0]]}, "msgs": {"#set": [{"type": "1a"}]},
                                      "role": {"tag": "Leader", "value": {"term": 2}}, "big": {"#bigint": "9007199254740993"}})");
  const Json after = Json::parse(R"({"maxBal": {"#map": [["a1", 0], ["a2", 0], ["a3", 1]]}, "msgs": {"#set": []},
                                     "role": {"tag": "Leader", "value": {"term": 3}}, "big": {"#bigint": "9007199254740994"}})");
  EXPECT_EQ(diff_json(before, after), (Changes{{"maxBal[a1]", "-1", "0"},
                                               {"maxBal[a3]", "", "1"},
                                               {"msgs", "{type=1a}", ""},
                                               {"role.term", "2", "3"},
                                               {"big", "9007199254740993", "9007199254740994"}}));
}

TEST(Diff, itf_text_reads_like_the_values) {
  EXPECT_EQ(itf_text(Json::parse(R"({"#set": [1, 2]})")), "{1, 2}");
  EXPECT_EQ(itf_text(Json::parse(R"({"#map": [[1, "x"], [2, "y"]]})")), "{1: x, 2: y}");
  EXPECT_EQ(itf_text(Json::parse(R"({"#tup": [1, true]})")), "(1, true)");
  EXPECT_EQ(itf_text(Json::parse(R"({"tag": "None", "value": {"#tup": []}})")), "None");
  EXPECT_EQ(itf_text(Json::parse(R"({"tag": "Some", "value": 3})")), "Some(3)");
  EXPECT_EQ(itf_text(Json::parse(R"({"tag": "Prepare", "value": {"ballot": 2}})")), "Prepare{ballot=2}");
  EXPECT_EQ(itf_text(Json::parse(R"([{"a": 1}, [2]])")), "[{a=1}, [2]]");
}

}  // namespace
}  // namespace lockstep
