// `lockstep replay`, `show` and `shrink` as a user runs them: exit codes, what they print, the
// files they write, and one clear line on stderr (exit 2) for every kind of bad trace file.
#include <fcntl.h>
#include <fmt/core.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <tuple>

#include "checker/engine/search.hpp"
#include "model/sm/register.hpp"
#include "spec/raft/invariants_impl.hpp"
#include "tests/support/random_walk.hpp"
#include "tests/support/run_command.hpp"
#include "tests/support/trace_support.hpp"

namespace lockstep {
namespace {

using testing::lockstep;
using testing::line_count;

std::string temp_path(const std::string& name) { return ::testing::TempDir() + "lockstep_trace_cli_" + name; }

std::string write_trace(const std::string& name, const Json& json) {
  const std::string path = temp_path(name);
  write_json_file(path, json);
  return path;
}

// The counterexample `lockstep check paxos --bug ignore-accepted-value --property PAXOS-Agreement`
// writes (8 steps: two values chosen; without --property the check stops 2 steps earlier, at the
// first unsafe vote, PAXOS-VotesSafe).
const std::string& counterexample_path() {
  static const std::string path = [] {
    const std::string out = temp_path("ignore-accepted-value.itf.json");
    const auto r = lockstep("check paxos --bug ignore-accepted-value --property PAXOS-Agreement --quiet --workers 1 --trace-out " + out);
    EXPECT_EQ(r.exit_code, 1) << r.err;
    return out;
  }();
  return path;
}

Json counterexample() { return Json::parse(testing::read_file(counterexample_path())); }

TEST(ReplayCommand, a_counterexample_that_still_fails_exits_0) {
  const auto r = lockstep("replay " + counterexample_path());
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("paxos trace, 8 of 8 steps reproduced; it reproduces its record"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("violates PAXOS-Agreement (first at step 8), as the trace records"), std::string::npos) << r.out;
  EXPECT_TRUE(r.err.empty()) << r.err;
}

TEST(ReplayCommand, a_step_that_differs_exits_1_with_the_step_the_action_and_the_diff) {
  Json json = counterexample();
  json["states"][4]["budgets"]["drops"] = 0;
  const std::string path = write_trace("tampered.itf.json", json);
  const auto r = lockstep("replay " + path);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.out.find("3 of 8 steps reproduced"), std::string::npos) << r.out;  // 1..3 match, 4 differs
  EXPECT_NE(r.out.find("DIVERGES at step 4: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("    budgets.drops: 0 -> 1\n"), std::string::npos) << r.out;

  const auto j = lockstep("replay --json " + path);
  EXPECT_EQ(j.exit_code, 1);
  const Json result = Json::parse(j.out);
  EXPECT_EQ(result["divergence"]["step"], 4);
  EXPECT_EQ(result["divergence"]["changes"], Json::parse(R"([{"path": "budgets.drops", "recorded": "0", "replayed": "1"}])"));
  EXPECT_EQ(result["reproduces_record"], false);
}

TEST(ReplayCommand, a_trace_that_no_longer_violates_its_invariant_exits_1) {
  // The check's own counterexample, all properties checked: the first unsafe vote (6 steps), and
  // no property broken before its last step.
  const std::string out = temp_path("first-violation.itf.json");
  ASSERT_EQ(lockstep("check paxos --bug ignore-accepted-value --quiet --workers 1 --trace-out " + out).exit_code, 1);
  Json json = Json::parse(testing::read_file(out));
  ASSERT_EQ(json["#meta"]["invariant"], "PAXOS-VotesSafe");
  json["states"].erase(json["states"].size() - 1);
  const auto r = lockstep("replay " + write_trace("cut.itf.json", json));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("does NOT violate PAXOS-VotesSafe, which the trace records"), std::string::npos) << r.out;

  json["#meta"].erase("invariant");
  const auto none = lockstep("replay --json " + write_trace("cut-none.itf.json", json));
  EXPECT_EQ(none.exit_code, 0);  // records no violation, has none
  EXPECT_EQ(Json::parse(none.out)["violations"], Json::array());
}

TEST(ReplayCommand, lists_the_protocols_whose_traces_replay) {
  const auto r = lockstep("replay --list-protocols");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("paxos\n"), std::string::npos);
  EXPECT_NE(r.out.find("paxos-tla\n"), std::string::npos);
}

// raft.tla's traces: its variables by the spec's names, replayed step by step and shown.
TEST(ReplayCommand, a_raft_tla_trace_replays_and_shows_the_specs_variables) {
  const Json trace = testing::raft_tla_trace();
  ASSERT_EQ(trace["states"].size(), 10u);
  const std::string path = write_trace("raft-tla.itf.json", trace);
  const auto r = lockstep("replay " + path);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("raft-tla trace, 9 of 9 steps reproduced"), std::string::npos) << r.out;
  const auto shown = lockstep("show " + path);
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  for (const char* text : {"BecomeLeader", "UpdateTerm", "votesGranted", "voterLog", "RequestVoteResponse", "elections"}) {
    EXPECT_NE(shown.out.find(text), std::string::npos) << text << "\n" << shown.out;
  }
  Json changed = trace;
  changed["states"][6]["currentTerm"]["#map"][1][1] = 1;  // s2 did update its term
  const auto diverged = lockstep("replay " + write_trace("raft-tla-changed.itf.json", changed));
  EXPECT_EQ(diverged.exit_code, 1) << diverged.out << diverged.err;
  EXPECT_NE(diverged.out.find("5 of 9 steps reproduced"), std::string::npos) << diverged.out;
  EXPECT_NE(diverged.out.find("DIVERGES at step 6: "), std::string::npos) << diverged.out;
  Json bad = trace;
  bad["states"][3]["messages"]["#map"][0][0]["mtype"] = "Gossip";
  const auto refused = lockstep("replay " + write_trace("raft-tla-bad.itf.json", bad));
  EXPECT_EQ(refused.exit_code, 2) << refused.out;
  EXPECT_NE(refused.err.find("mtype"), std::string::npos) << refused.err;
  EXPECT_EQ(line_count(refused.err), 1u) << refused.err;
}

TEST(TraceCommands, bad_trace_files_exit_2_with_one_line_naming_the_step_and_the_field) {
  const auto tampered = [](const std::string& name, auto&& change) {
    Json json = counterexample();
    change(json);
    return write_trace(name, json);
  };
  const std::string not_json = temp_path("not-json.itf.json");
  std::ofstream(not_json) << "{\"states\": [";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {temp_path("missing.itf.json"), "cannot read"},
      {not_json, "not JSON"},
      {tampered("array.itf.json", [](Json& j) { j = Json::array({1}); }), "trace: expected a JSON object"},
      {tampered("protocol.itf.json", [](Json& j) { j["#meta"]["protocol"] = "zab"; }), "unknown protocol \"zab\""},
      {tampered("action.itf.json", [](Json& j) { j["states"][3]["#meta"]["action"]["tag"] = "Teleport"; }),
       "step 3: #meta.action: unknown tag \"Teleport\""},
      {tampered("state.itf.json", [](Json& j) { j["states"][2]["budgets"]["drops"] = -1; }),
       "step 2: state.budgets.drops: integer -1 out of range"},
      {tampered("vars.itf.json", [](Json& j) { j["states"][5].erase("ghost"); }), "step 5: variable \"ghost\" is missing"},
  };
  for (const auto& [path, message] : cases) {
    for (const char* command : {"replay ", "show ", "shrink "}) {
      const auto r = lockstep(command + path);
      EXPECT_EQ(r.exit_code, 2) << command << path;
      EXPECT_EQ(line_count(r.err), 1) << command << path << ": " << r.err;
      EXPECT_NE(r.err.find(message), std::string::npos) << r.err;
      EXPECT_TRUE(r.out.empty()) << r.out;
    }
  }
  for (const char* args : {"replay", "show", "shrink", "show x --color purple", "shrink x --max-tests 0"}) {
    const auto r = lockstep(args);
    EXPECT_EQ(r.exit_code, 2) << args;
    EXPECT_EQ(line_count(r.err), 1) << args << ": " << r.err;
  }
}

TEST(ShowCommand, piped_it_shows_one_block_per_step_without_colour) {
  const auto r = lockstep("show " + counterexample_path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.find('\x1b'), std::string::npos);
  EXPECT_EQ(r.out.find("paxos trace, 8 steps; it records a violation of PAXOS-Agreement\n"), 0u) << r.out;
  for (int step = 0; step <= 8; ++step) {
    EXPECT_NE(r.out.find("\nstep " + std::to_string(step) + " "), std::string::npos) << step;
  }
  EXPECT_NE(r.out.find("\nstep 0   initial state\n"), std::string::npos);
  EXPECT_NE(r.out.find(" -> "), std::string::npos);
  EXPECT_NE(r.out.find("violates PAXOS-Agreement: at most one value is chosen\n"
                       "          v1 is chosen: accepted by n1, n3 at ballot 2.1 (ghost.votes)\n"),
            std::string::npos)
      << r.out;
  const auto coloured = lockstep("show --color always " + counterexample_path());
  EXPECT_NE(coloured.out.find("\x1b[1m"), std::string::npos);
}

// Issue 14, item 9: a trace that does not replay is still drawn, but the view says, at the step
// where it diverges, that from there on it is the record and not a run of the model; exit 1.
Json with_sender_n99() {
  Json json = counterexample();
  json["states"][2]["#meta"]["action"]["value"]["envelope"]["from"] = 99;  // a 3-node trace
  return json;
}
// Who receives the message of step 2 (which acceptor the shortest trace picks is the search's).
std::string step_2_receiver() {
  return "n" + std::to_string(counterexample()["states"][2]["#meta"]["action"]["value"]["envelope"]["to"].get<int>());
}

Json with_actions_4_and_5_swapped() {
  Json json = counterexample();
  std::swap(json["states"][4]["#meta"]["action"], json["states"][5]["#meta"]["action"]);
  return json;
}

// Found by the fuzz test under AddressSanitizer: a state whose nodes or messages are not the
// model's reached the properties, which index nodes by id (an assertion, abort). Bad input: exit 2.
TEST(TraceCommands, a_state_with_other_nodes_than_the_model_is_a_bad_trace) {
  Json fewer = counterexample();
  Json& entries = fewer["states"][3]["nodes"]["#map"];  // [[1, node], [2, node], [3, node]]
  entries.erase(entries.size() - 1);
  Json stray = counterexample();
  Json& network = stray["states"][3]["network"];
  ASSERT_FALSE(network.empty()) << network.dump();
  network[0]["to"] = 99;
  Json failed = counterexample();  // a step failed at a node the model lacks
  failed["vars"].push_back("failed");
  for (Json& state : failed["states"]) state["failed"] = json_none();
  failed["states"][3]["failed"] = Json{{"tag", "Some"}, {"value", 99}};
  for (const auto& [name, json, field] : {std::tuple{"fewer", fewer, "nodes: 2 nodes, but the model has 3"},
                                          std::tuple{"stray", stray, "network[0]: a message between"},
                                          std::tuple{"failed", failed, "failed: n99, but the model has nodes n1..n3"}}) {
    const std::string path = write_trace(std::string(name) + "-nodes.itf.json", json);
    for (const char* command : {"replay ", "show ", "shrink "}) {
      const auto r = lockstep(command + path);
      EXPECT_EQ(r.exit_code, 2) << command << name << ": " << r.out << r.err;
      EXPECT_NE(r.err.find(field), std::string::npos) << command << name << ": " << r.err;
    }
  }
}

TEST(ShowCommand, a_trace_that_does_not_replay_is_shown_with_the_divergence_at_its_step_and_exits_1) {
  const auto n99 = lockstep("show " + write_trace("n99.itf.json", with_sender_n99()));
  EXPECT_EQ(n99.exit_code, 1) << n99.err;
  EXPECT_NE(n99.out.find("it does not replay: the model diverges at step 2\n"), std::string::npos) << n99.out;
  EXPECT_NE(n99.out.find("\nstep 2   " + step_2_receiver() + " receives Prepare{ballot=1.2} from n99\n"
                         "        DIVERGES here: the action is not enabled in the previous state\n"
                         "        from this step on, this is the recorded trace, not a run of the model\n"),
            std::string::npos)
      << n99.out;
  EXPECT_NE(n99.out.find("\nstep 8 "), std::string::npos) << "the whole trace is still shown";

  const auto swapped = lockstep("show " + write_trace("swapped.itf.json", with_actions_4_and_5_swapped()));
  EXPECT_EQ(swapped.exit_code, 1) << swapped.err;
  const auto at = swapped.out.find("\nstep 4   a client sends n1 ClientRequest{client=c1, sequence=1, value=v1}\n"
                                   "        DIVERGES here: the state the action leads to differs from the recorded one\n");
  EXPECT_NE(at, std::string::npos) << swapped.out;
  EXPECT_NE(swapped.out.find("        recorded -> replayed:\n", at), std::string::npos) << swapped.out;
  const auto first = swapped.out.find("DIVERGES here");
  EXPECT_EQ(swapped.out.find("DIVERGES here", first + 1), std::string::npos) << "said once, at its step";

  EXPECT_EQ(lockstep("show " + counterexample_path()).exit_code, 0);  // one that replays
}

TEST(ShowCommand, html_of_a_trace_that_does_not_replay_is_written_carries_the_divergence_and_exits_1) {
  const std::string html = temp_path("n99.html");
  std::remove(html.c_str());
  const auto r = lockstep("show " + write_trace("n99-html.itf.json", with_sender_n99()) + " --html " + html);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.out.find("the trace does not replay: from step 2 on, the page draws the record"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("DIVERGES at step 2: " + step_2_receiver() + " receives Prepare{ballot=1.2} from n99"),
            std::string::npos)
      << r.out;
  const std::string page = testing::read_file(html);
  EXPECT_NE(page.find("class=\"divergence-banner\">This trace does not replay: at step 2 (" + step_2_receiver() +
                      " receives Prepare{ballot=1.2} from n99) the action is not enabled in the previous state."),
            std::string::npos);
  const auto start = page.find("<script id=\"trace\" type=\"application/json\">");
  ASSERT_NE(start, std::string::npos);
  const auto open = page.find('>', start) + 1;
  const Json data = Json::parse(page.substr(open, page.find("</script>", open) - open));
  EXPECT_EQ(data["divergence"]["step"], 2);
  EXPECT_EQ(data["divergence"]["reason"], "the action is not enabled in the previous state");
  EXPECT_EQ(data["steps"][1]["replayed"], true);
  EXPECT_EQ(data["steps"][2]["replayed"], false);
  for (const auto& flight : data["flights"]) EXPECT_NE(flight["from"], 99) << "no arrow from a node not drawn";
}

TEST(TraceCommands, requests_beyond_the_model_capacity_are_a_bad_trace_naming_the_field) {
  Json json = counterexample();
  Json requests = Json::array();
  for (int i = 0; i < 30; ++i) requests.push_back(json["#meta"]["model"]["requests"][0]);
  json["#meta"]["model"]["requests"] = requests;
  const std::string path = write_trace("requests.itf.json", json);
  for (const char* command : {"replay ", "show ", "shrink "}) {
    const auto r = lockstep(command + path);
    EXPECT_EQ(r.exit_code, 2) << command << r.err;  // was 3, "a model container is full", naming nothing
    EXPECT_EQ(line_count(r.err), 1) << r.err;
    EXPECT_NE(r.err.find("#meta.model.requests: 30 requests, more than the model's capacity of 16"), std::string::npos)
        << r.err;
  }
}

TEST(ShowCommand, on_a_terminal_it_is_coloured) {
  if (testing::run_command("command -v script >/dev/null").exit_code != 0) GTEST_SKIP() << "no `script` command";
  // A container without /dev/pts cannot give `script` a pseudo-terminal: nothing to test there.
  const int pty = posix_openpt(O_RDWR | O_NOCTTY);
  if (pty < 0) GTEST_SKIP() << "no pseudo-terminal can be created here (" << std::strerror(errno) << ")";
  close(pty);
  if (testing::run_command("script -qec true /dev/null").exit_code != 0) GTEST_SKIP() << "`script` cannot open a pseudo-terminal here";
  const std::string command = std::string(LOCKSTEP_BINARY) + " show " + counterexample_path();
  const auto r = testing::run_command("script -qec '" + command + "' /dev/null");  // runs it on a pseudo-terminal
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\x1b[1mstep 8"), std::string::npos) << r.out;
  const auto plain = testing::run_command("NO_COLOR=1 script -qec '" + command + "' /dev/null");
  EXPECT_EQ(plain.out.find('\x1b'), std::string::npos);
}

TEST(ShrinkCommand, writes_a_shorter_trace_that_still_fails) {
  const testing::PaxosWorld world = testing::paxos_world(paxos::Bug::ignore_accepted_value);
  const auto walk = testing::find_violating_walk(world, "PAXOS-Agreement", 1, 200, 5000);
  ASSERT_TRUE(walk);
  const std::string path = write_trace("walk.itf.json", testing::itf_of(world, *walk, "PAXOS-Agreement"));
  const std::string out = temp_path("walk.shrunk.itf.json");
  std::remove(out.c_str());
  const auto r = lockstep("shrink " + path);  // default output: walk.shrunk.itf.json
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const Json shrunk = Json::parse(testing::read_file(out));
  const std::size_t steps = shrunk["states"].size() - 1;
  EXPECT_LT(steps, walk->size() - 1);
  const std::string figures = std::to_string(walk->size() - 1) + " -> " + std::to_string(steps) + " steps";
  EXPECT_NE(r.out.find(figures + ", still violating PAXOS-Agreement"), std::string::npos) << r.out;
  EXPECT_EQ(lockstep("replay " + out).exit_code, 0);

  const std::string chosen = temp_path("chosen-name.itf.json");
  EXPECT_EQ(lockstep("shrink " + path + " -o " + chosen).exit_code, 0);
  EXPECT_EQ(Json::parse(testing::read_file(chosen)), shrunk);  // deterministic
}

TEST(ShrinkCommand, nothing_to_shrink_exits_1) {
  Json json = counterexample();
  json["states"].erase(json["states"].size() - 1);
  const auto r = lockstep("shrink " + write_trace("nothing.itf.json", json));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("the trace does not violate PAXOS-Agreement, so there is nothing to shrink"), std::string::npos)
      << r.out;
}

TEST(TraceCommands, values_nested_a_million_levels_deep_exit_2_with_one_line) {
  using testing::DeepPlace;
  const std::vector<std::pair<DeepPlace, std::string>> places = {
      {DeepPlace::meta, "#meta"}, {DeepPlace::state, "step 1"}, {DeepPlace::vars, "vars"}};
  for (const auto& [place, where] : places) {
    const std::string path = temp_path("deep-" + where.substr(0, 4) + ".itf.json");  // "#met", "step", "vars"
    std::ofstream(path) << testing::deep_trace_text(counterexample(), place, 1'000'000);
    for (const char* command : {"replay ", "show ", "shrink ", "show --html /dev/null "}) {
      const auto r = lockstep(command + path);
      EXPECT_EQ(r.exit_code, 2) << command << where;  // not 139: no stack overflow
      EXPECT_EQ(r.err, "lockstep: " + path + ": " + where + ": a value nested deeper than 256 levels\n") << command;
      EXPECT_TRUE(r.out.empty()) << r.out;
    }
  }
}

TEST(TraceCommands, a_directory_or_an_unreadable_file_is_named_exit_2) {
  std::vector<std::pair<std::string, std::string>> cases = {
      {::testing::TempDir(), "lockstep: cannot read " + ::testing::TempDir() + ": it is a directory, not a trace file\n"},
      {"/proc/self/mem", "lockstep: cannot read /proc/self/mem: Input/output error\n"}};
  const std::string locked = temp_path("locked.itf.json");
  if (geteuid() != 0) {  // root reads it anyway
    std::ofstream(locked) << counterexample().dump();
    ::chmod(locked.c_str(), 0);
    cases.emplace_back(locked, "lockstep: cannot read " + locked + ": Permission denied\n");
  }
  for (const auto& [path, message] : cases) {
    for (const char* command : {"replay ", "show ", "shrink "}) {
      const auto r = lockstep(command + path);
      EXPECT_EQ(r.exit_code, 2) << command << path;
      EXPECT_EQ(r.err, message) << command;
      EXPECT_TRUE(r.out.empty()) << r.out;
    }
  }
  std::remove(locked.c_str());
}

// A long legal run of Raft as `lockstep simulate raft` walks one (a seeded random step within the
// bounds at each, for as long as asked: Raft's heartbeats never run out), written a state at a
// time with make_itf's layout. Returns the file's size.
std::uintmax_t write_raft_walk(const std::string& path, std::size_t steps, std::uint64_t seed) {
  using RaftRegister = raft::Raft<sm::Register>;
  std::vector<PendingRequest<RaftRegister>> requests;
  for (std::uint8_t r = 1; r <= 2; ++r) requests.push_back({NodeId{}, raft::request_for<sm::Register>(r)});
  const World<RaftRegister> world(raft::model_config<sm::Register>(3, 3, 2, raft::Bug::none, {}, 0),
                                  WorldBounds{1, 0, 0, 6}, requests);
  std::mt19937_64 random(seed);
  auto state = world.initial_states().front();
  Json action{{"tag", "Init"}, {"value", Json::object()}};
  Json meta{{"source", "test: a random walk"}, {"protocol", "raft"}, {"model", world.model_json()}};
  meta["format"] = "ITF";
  Json vars = Json::array();
  const Json initial = world.state_json(state);
  for (const auto& [name, value] : initial.items()) vars.push_back(name);
  std::ofstream out(path, std::ios::trunc);
  out << "{\n \"#meta\": " << meta.dump() << ",\n \"vars\": " << vars.dump() << ",\n \"states\": [\n";
  std::vector<Successor<World<RaftRegister>>> choices;
  for (std::size_t i = 0; i <= steps; ++i) {
    Json json = world.state_json(state);
    json["#meta"] = Json{{"index", i}, {"action", action}};
    out << (i == 0 ? "  " : ",\n  ") << json.dump(1);
    if (i == steps) break;
    choices.clear();
    successors_within_bounds(world, state, choices);
    if (choices.empty()) ADD_FAILURE() << "the walk ends at step " << i;
    if (choices.empty()) break;
    auto& [taken, next] = choices[std::uniform_int_distribution<std::size_t>(0, choices.size() - 1)(random)];
    action = to_json_value(taken);
    state = std::move(next);
  }
  out << "\n ]\n}\n";
  out.close();
  return std::filesystem::file_size(path);
}

// Issue 14: a 200 MB trace took 2.4-2.9 GB in every trace command. Read a state at a time, the
// memory `replay`, `show` and `shrink` need hardly grows with the trace: on a long trace it stays
// within a tenth of the file's size over what a short trace takes (the whole trace as Json took
// about twelve times the file's size).
TEST(TraceCommands, a_long_trace_is_replayed_and_shown_in_little_memory_with_progress) {
  if (!testing::can_measure_memory()) GTEST_SKIP() << "no /usr/bin/time to measure memory with (apt-get install time)";
  const std::string path = temp_path("long-raft.itf.json");
  // By hand, a longer one: LOCKSTEP_LONG_TRACE_STEPS=40000 (about 200 MB) prints its figures.
  const char* asked = std::getenv("LOCKSTEP_LONG_TRACE_STEPS");
  const std::size_t steps = asked != nullptr ? std::stoul(asked) : 6000;
  const std::string step_count = std::to_string(steps);
  const auto started = std::chrono::steady_clock::now();
  const std::uintmax_t bytes = write_raft_walk(path, steps, 7);
  const double written = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const std::string binary = "timeout 120 " + std::string(LOCKSTEP_BINARY);
#ifdef LOCKSTEP_SANITIZED
  // AddressSanitizer's shadow memory and quarantine keep freed states resident (hundreds of MB on
  // this trace), so peak memory says nothing about the reader here; the plain build checks it.
  constexpr bool measure_memory = false;
#else
  constexpr bool measure_memory = true;
#endif
  const auto short_run = testing::run_measured(binary + " replay " + counterexample_path());
  ASSERT_EQ(short_run.exit_code, 0) << short_run.err;
  ASSERT_GT(short_run.peak_rss_kib, 0);
  // --progress-after 0: progress from the first state, one line (ending in a newline) every ten seconds off a terminal.
  const auto long_run = testing::run_measured(binary + " replay " + path + " --progress-after 0");
  const double replayed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count() - written;
  ASSERT_EQ(long_run.exit_code, 0) << long_run.out << long_run.err;
  EXPECT_NE(long_run.out.find("raft trace, " + step_count + " of " + step_count + " steps reproduced"), std::string::npos)
      << long_run.out;
  const std::string& progress = long_run.err;
  EXPECT_TRUE(progress.starts_with("progress: replay " + path + ": 1 states, ")) << progress;
  EXPECT_NE(progress.find("% of " + fmt::format("{:.1f} MB", static_cast<double>(bytes) / 1e6)), std::string::npos) << progress;
  EXPECT_TRUE(progress.ends_with("s\n")) << progress;
  std::printf("long trace: %zu steps, %.1f MB written in %.1f s; replay: peak %ld KiB (a short trace's: %ld KiB) in %.1f s\n",
              steps, static_cast<double>(bytes) / 1e6, written, long_run.peak_rss_kib, short_run.peak_rss_kib, replayed);
  if (measure_memory) {
    EXPECT_LT(long_run.peak_rss_kib - short_run.peak_rss_kib, static_cast<long>(bytes / 1024 / 10))
        << "replay's peak grows with the trace";
  }

  const auto shown = testing::run_measured(binary + " show " + path);
  const double all = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("show: peak %ld KiB in %.1f s\n", shown.peak_rss_kib, all - written - replayed);
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  if (measure_memory) {
    EXPECT_LT(shown.peak_rss_kib - short_run.peak_rss_kib, static_cast<long>(bytes / 1024 / 10))
        << "show's peak grows with the trace";
  }
  EXPECT_NE(shown.out.find("\nstep " + step_count + " "), std::string::npos);

  // shrink keeps the actions (packed) to shrink them; this run violates nothing, so it stops there.
  const auto shrunk = testing::run_measured(binary + " shrink " + path);
  std::printf("shrink: peak %ld KiB\n", shrunk.peak_rss_kib);
  EXPECT_EQ(shrunk.exit_code, 1) << shrunk.err;
  EXPECT_NE(shrunk.out.find("the trace violates no property, so there is nothing to shrink"), std::string::npos);
  if (measure_memory) {
    EXPECT_LT(shrunk.peak_rss_kib - short_run.peak_rss_kib, static_cast<long>(bytes / 1024 / 10))
        << "shrink's peak grows with the trace's states";
  }
  std::remove(path.c_str());
}

}  // namespace
}  // namespace lockstep
