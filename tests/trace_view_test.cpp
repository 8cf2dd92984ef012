// What `lockstep show` shows: World actions as sentences, per step only what changed, colour only
// when asked, and the message flights the HTML diagram draws as arrows; each node as its protocol
// draws it (role, term, log, commit), what is decided at which step, why a violation breaks its
// property, and the state printed as the text view prints values.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <tuple>

#include "tests/support/trace_support.hpp"
#include "traces/show.hpp"

namespace lockstep {
namespace {

using testing::PaxosWorld;
using Actions = PaxosWorld::Actions;
using Envelope = PaxosWorld::Env;

const paxos::Ballot ballot_2_1{2, NodeId::at(0)};

TEST(ActionView, every_world_action_reads_as_a_sentence) {
  const PaxosWorld world = testing::paxos_world();
  const Envelope promise{NodeId::at(2), NodeId::at(1), paxos::Promise{ballot_2_1, {}, {}}};
  const auto sentence = [&](PaxosWorld::Action action) { return world.action_view(action).sentence; };
  EXPECT_EQ(sentence(Actions::Deliver{promise}),
            "n2 receives Promise{ballot=2.1, accepted_ballot=none, accepted_value=none} from n3");
  EXPECT_EQ(sentence(Actions::Drop{promise}),
            "the network loses Promise{ballot=2.1, accepted_ballot=none, accepted_value=none} from n3 to n2");
  EXPECT_EQ(sentence(Actions::Duplicate{promise}),
            "the network duplicates Promise{ballot=2.1, accepted_ballot=none, accepted_value=none} from n3 to n2");
  EXPECT_EQ(sentence(Actions::Timer{NodeId::at(0), paxos::Timer::retry}), "n1's retry timer fires");
  EXPECT_EQ(sentence(Actions::Request{NodeId::at(1), paxos::request_for(2)}),
            "a client sends n2 ClientRequest{client=c2, sequence=1, value=v2}");
  EXPECT_EQ(sentence(Actions::Crash{NodeId::at(2)}), "n3 crashes");
  EXPECT_EQ(sentence(Actions::Recover{NodeId::at(2)}), "n3 restarts from its durable state");
}

TEST(ActionView, says_who_acts_and_which_message) {
  const PaxosWorld world = testing::paxos_world();
  const Envelope prepare{NodeId::at(0), NodeId::at(1), paxos::Prepare{ballot_2_1}};
  const ActionView deliver = world.action_view(Actions::Deliver{prepare});
  EXPECT_EQ(deliver.kind, ActionKind::deliver);
  EXPECT_EQ(deliver.node, NodeId::at(1));
  EXPECT_EQ(deliver.message, (MessageView{NodeId::at(0), NodeId::at(1), "Prepare{ballot=2.1}"}));
  const ActionView drop = world.action_view(Actions::Drop{prepare});
  EXPECT_EQ(drop.kind, ActionKind::drop);
  EXPECT_TRUE(drop.node.is_none());
  EXPECT_EQ(world.action_view(Actions::Crash{NodeId::at(2)}).kind, ActionKind::crash);
  EXPECT_FALSE(world.action_view(Actions::Crash{NodeId::at(2)}).message);
}

LoadedTrace faults_trace() { return load_trace(parse_itf(testing::paxos_faults_trace())); }

TEST(MessageFlights, one_per_delivered_or_lost_message_from_the_step_that_sent_it) {
  const LoadedTrace trace = faults_trace();
  ASSERT_EQ(trace.itf.steps.size(), 9u);
  const auto flights = message_flights(trace, view_steps(trace));
  const MessageView to_n2{NodeId::at(0), NodeId::at(1), "Prepare{ballot=1.1}"};
  const MessageView to_n3{NodeId::at(0), NodeId::at(2), "Prepare{ballot=1.1}"};
  const MessageView promise{NodeId::at(2), NodeId::at(0), "Promise{ballot=1.1, accepted_ballot=none, accepted_value=none}"};
  const auto flight = [](std::size_t sent, std::size_t end, const MessageView& message, bool delivered) {
    return std::tuple(sent, end, message, delivered);
  };
  std::vector<std::tuple<std::size_t, std::size_t, MessageView, bool>> found;
  for (const auto& f : flights) found.push_back(flight(f.sent_step, f.end_step, f.message, f.delivered));
  // Copies are matched oldest first: the loss takes the client step's copy, the delivery the
  // duplicate; n2's Prepare waits out its crash; n3's Promise flies from step 4 to 8.
  EXPECT_EQ(found, (decltype(found){flight(1, 3, to_n3, false), flight(2, 4, to_n3, true), flight(1, 7, to_n2, true),
                                    flight(4, 8, promise, true)}));
}

TEST(StepViews, each_step_shows_its_sentence_only_what_changed_and_its_violations) {
  const LoadedTrace trace = load_trace(parse_itf(testing::paxos_counterexample(paxos::Bug::promise_not_durable)));
  const auto steps = view_steps(trace);
  ASSERT_EQ(steps.size(), 3u);
  EXPECT_EQ(steps[0].action.sentence, "initial state");
  EXPECT_TRUE(steps[0].changes.empty());
  EXPECT_EQ(steps[2].action.sentence, trace.model->describe(trace.itf.steps[2].action));
  EXPECT_EQ(steps[2].action.kind, ActionKind::crash);
  const auto& changes = steps[2].changes;
  EXPECT_NE(std::find(changes.begin(), changes.end(), FieldChange{"budgets.crashes", "1", "0"}), changes.end());
  for (const auto& change : changes) EXPECT_NE(change.before, change.after) << change.path;
  EXPECT_TRUE(steps[1].violations.empty());
  EXPECT_EQ(steps[2].violations, std::vector<std::string>{"PAXOS-PromiseMonotone"});
}

TEST(ShowText, one_block_per_step_and_colour_only_when_asked) {
  const LoadedTrace trace = faults_trace();
  const auto steps = view_steps(trace);
  const std::string plain = show_text(trace, steps, false);
  EXPECT_EQ(plain.find('\x1b'), std::string::npos);
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const std::string header = "\nstep " + std::to_string(i) + "   " + steps[i].action.sentence + "\n";
    EXPECT_NE(plain.find(header), std::string::npos) << header;
  }
  EXPECT_NE(plain.find("        budgets.duplicates  1 -> 0\n"), std::string::npos) << plain;
  EXPECT_NE(plain.find("        network        - Envelope{from=n1, to=n3, message=Prepare{ballot=1.1}}\n"),
            std::string::npos) << plain;
  EXPECT_EQ(plain.find("violates"), std::string::npos) << plain;
  const std::string coloured = show_text(trace, steps, true);
  EXPECT_NE(coloured.find("\x1b[32m"), std::string::npos);
  EXPECT_NE(coloured.find("\x1b[31m"), std::string::npos);
}

LoadedTrace stored(const std::string& name) {
  return load_trace_file(std::string(LOCKSTEP_SOURCE_DIR) + "/traces/regressions/" + name + ".itf.json");
}

// Paxos's two values chosen: the counterexample of ignore-accepted-value when agreement alone is
// checked (8 steps; the stored one stops at the first unsafe vote, 2 steps earlier).
LoadedTrace two_values_chosen() {
  return load_trace(parse_itf(testing::paxos_counterexample(paxos::Bug::ignore_accepted_value, "PAXOS-Agreement")));
}

std::vector<std::string> stored_names() {
  return {"raft-commit-previous-term", "raft-vote-without-log-check", "raft-ignore-higher-term",
          "raft-append-without-truncate", "raft-snapshot-over-newer", "raft-vote-not-durable",
          "paxos-ignore-accepted-value", "paxos-promise-not-durable", "paxos-accept-below-promise",
          "multipaxos-skip-recovery", "multipaxos-snapshot-over-newer", "multipaxos-votes-not-durable",
          "lock-follower-answers-locally", "lock-local-expiry", "lock-no-dedup", "lock-paxos-snapshot-over-newer",
          "lock-resource-ignores-fencing", "lock-skip-recovery", "lock-snapshot-over-newer", "lock-votes-not-durable"};
}

// Issue 14, item 15: Figure 8 (raft --bug commit-previous-term) as the model says it: n2 leads
// term 4 with an entry of term 2 at index 1 (its no-op of term 2), which the entry of term 1 (n3's
// no-op of term 1) committed in term 3 (at n3) is not.
TEST(NodeViews, raft_gives_each_node_its_role_term_log_and_commit) {
  const LoadedTrace trace = stored("raft-commit-previous-term");
  const auto nodes = trace.model->node_views(trace.itf.steps.back().state);
  ASSERT_EQ(nodes.size(), 3u);
  EXPECT_EQ(nodes[1].role, "leader");
  EXPECT_EQ(nodes[1].term_name, "term");
  EXPECT_EQ(nodes[1].term, "4");
  EXPECT_TRUE(nodes[1].has_log);
  EXPECT_EQ(nodes[1].log, (std::vector<LogEntryView>{{1, "2", "no-op"}}));
  EXPECT_EQ(nodes[1].committed, 0u);
  EXPECT_EQ(nodes[2].role, "follower");
  EXPECT_EQ(nodes[2].log, (std::vector<LogEntryView>{{1, "1", "no-op"}}));
  EXPECT_EQ(nodes[2].committed, 1u);
  EXPECT_TRUE(nodes[2].up);
  for (const auto& node : nodes) EXPECT_FALSE(node.notes.empty()) << "each voted: " << node.role;
}

TEST(NodeViews, paxos_has_a_ballot_and_a_vote_instead_of_a_term_and_a_log) {
  const LoadedTrace trace = two_values_chosen();
  const auto nodes = trace.model->node_views(trace.itf.steps.back().state);
  ASSERT_EQ(nodes.size(), 3u);
  for (const auto& node : nodes) {
    EXPECT_EQ(node.term_name, "ballot");
    EXPECT_FALSE(node.has_log);
    EXPECT_TRUE(node.log.empty());
  }
  EXPECT_EQ(nodes[2].term, "2.1");
  EXPECT_NE(std::find(nodes[2].notes.begin(), nodes[2].notes.end(), "accepted v1 at 2.1"), nodes[2].notes.end());
  EXPECT_EQ(nodes[1].role, "proposer");  // n2 still runs its ballot 1.2
}

TEST(NodeViews, multipaxos_and_the_lock_models_give_roles_ballots_or_terms_and_slots) {
  for (const std::string name : {"multipaxos-skip-recovery", "lock-skip-recovery", "lock-paxos-snapshot-over-newer"}) {
    const LoadedTrace trace = stored(name);
    bool leader = false, entries = false;
    for (const auto& step : trace.itf.steps) {
      for (const auto& node : trace.model->node_views(step.state)) {
        EXPECT_TRUE(node.has_log) << name;
        EXPECT_FALSE(node.term.empty()) << name;
        leader |= node.role == "leader";
        for (const auto& entry : node.log) entries |= !entry.text.empty() && entry.text.find('#') == std::string::npos;
      }
    }
    EXPECT_TRUE(leader) << name;
    EXPECT_TRUE(entries) << name;
  }
  EXPECT_TRUE(load_trace(parse_itf(testing::paxos_tla_trace(3))).model->node_views(
                  testing::paxos_tla_trace(3)["states"][0]).empty());  // no nodes
}

// Issue 14, item 16: the moment a value is chosen or an entry committed, once each.
TEST(StepViews, each_decision_is_marked_at_the_step_it_first_appears) {
  const LoadedTrace paxos = two_values_chosen();
  const auto steps = view_steps(paxos);
  std::vector<std::pair<std::size_t, std::string>> decisions;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    for (const auto& d : steps[i].decisions) decisions.emplace_back(i, d);
  }
  ASSERT_EQ(decisions.size(), 2u);
  EXPECT_EQ(decisions[0].second, "v2 is chosen (accepted by n1, n2 at ballot 1.2)");
  EXPECT_EQ(decisions[1], (std::pair<std::size_t, std::string>{8, "v1 is chosen (accepted by n1, n3 at ballot 2.1)"}));
  EXPECT_LT(decisions[0].first, 8u);

  const LoadedTrace raft = stored("raft-commit-previous-term");
  std::size_t committed = 0;
  for (const auto& step : view_steps(raft)) {
    for (const auto& d : step.decisions) committed += d == "entry 1 (no-op, term 1) is committed" ? 1 : 0;
  }
  EXPECT_EQ(committed, 1u);
}

TEST(StepViews, every_recorded_violation_is_explained_with_the_fields_that_break_it) {
  for (const std::string& name : stored_names()) {
    const LoadedTrace trace = stored(name);
    const StepView last = view_steps(trace).back();
    const auto it = std::find_if(last.explained.begin(), last.explained.end(),
                                 [&](const ViolationView& v) { return v.property == trace.invariant; });
    ASSERT_NE(it, last.explained.end()) << name;
    EXPECT_EQ(it->description, trace.model->property_description(trace.invariant)) << name;
    EXPECT_FALSE(it->description.empty()) << name;
    ASSERT_FALSE(it->because.empty()) << name;
    const bool names_a_field = std::any_of(it->because.begin(), it->because.end(), [](const std::string& line) {
      return line.find("nodes.n") != std::string::npos || line.find("ghost.") != std::string::npos ||
             line.find("clients.") != std::string::npos;
    });
    EXPECT_TRUE(names_a_field) << name << ": " << it->because.front();
  }
  const auto raft = view_steps(stored("raft-commit-previous-term")).back().explained.front().because;
  EXPECT_EQ(raft, (std::vector<std::string>{
                      "entry 1 (no-op, term 1) was committed in term 3 (ghost.committed)",
                      "but n2, leader of the later term 4 (nodes.n2.node.volatile_state.role, "
                      "nodes.n2.node.durable.current_term), has at index 1 an entry of term 2 (no-op) "
                      "(nodes.n2.node.durable.log)"}));
}

TEST(ShowText, says_what_is_decided_and_why_a_violation_breaks_its_property) {
  const LoadedTrace trace = two_values_chosen();
  const std::string text = show_text(trace, view_steps(trace), false);
  EXPECT_NE(text.find("        * v1 is chosen (accepted by n1, n3 at ballot 2.1)\n"
                      "        violates PAXOS-Agreement: at most one value is chosen\n"
                      "          v1 is chosen: accepted by n1, n3 at ballot 2.1 (ghost.votes)\n"),
            std::string::npos)
      << text;
}

// Messages still in flight when the trace ends are flights too (pending), from the step that sent them.
TEST(MessageFlights, with_pending_the_copies_still_in_flight_at_the_end) {
  const LoadedTrace trace = stored("raft-commit-previous-term");
  const auto steps = view_steps(trace);
  const auto ended = message_flights(trace, steps);
  const auto all = message_flights(trace, steps, true);
  std::vector<MessageView> pending;
  for (const auto& f : all) {
    if (!f.pending) continue;
    EXPECT_EQ(f.end_step, steps.size() - 1);
    EXPECT_FALSE(f.delivered);
    EXPECT_LE(f.sent_step, f.end_step);
    pending.push_back(f.message);
  }
  EXPECT_EQ(all.size(), ended.size() + pending.size());
  std::vector<MessageView> at_end = steps.back().in_flight;
  std::sort(at_end.begin(), at_end.end());
  std::sort(pending.begin(), pending.end());
  EXPECT_EQ(pending, at_end);
  EXPECT_EQ(at_end.size(), 2u);
}

// Issue 14, item 17: the state as the text view prints it, never as its ITF encoding.
TEST(StateTree, prints_every_value_as_the_text_view_does_and_keeps_types) {
  const LoadedTrace trace = stored("raft-commit-previous-term");
  const Json tree = trace.model->state_tree(trace.itf.steps.back().state);
  const std::string dump = tree.dump();
  for (const char* encoding : {"#bigint", "#tup", "#map", "#set", "\"tag\""}) {
    EXPECT_EQ(dump.find(encoding), std::string::npos) << encoding;
  }
  const Json& n1 = tree["children"][0][1]["children"][0][1];  // nodes -> n1
  EXPECT_EQ(tree["children"][0][1]["children"][0][0], "n1");
  EXPECT_EQ(n1["type"], "NodeSlot");
  const Json& durable = n1["children"][1][1]["children"][0][1];
  EXPECT_EQ(durable["type"], "Durable");
  EXPECT_EQ(durable["children"][1], Json::parse(R"(["voted_for", {"text": "n3"}])"));
  const Json& network = tree["children"][1][1];
  ASSERT_EQ(network["children"].size(), 2u);
  EXPECT_EQ(network["children"][0][1]["type"], "Envelope");
  EXPECT_EQ(network["children"][0][1]["children"][2][1]["type"], "RequestVote");  // the message's type, kept
  EXPECT_EQ(network["children"][0][1]["children"][2][1]["text"],
            "RequestVote{term=4, last_log_index=1, last_log_term=2}");

  // A model with its own JSON (Paxos.tla): the same, from the ITF values.
  const Json tla = testing::paxos_tla_trace(3);
  const Json tla_tree = load_trace(parse_itf(tla)).model->state_tree(tla["states"][3]);
  EXPECT_EQ(tla_tree.dump().find("#set"), std::string::npos) << tla_tree.dump();
}

}  // namespace
}  // namespace lockstep
