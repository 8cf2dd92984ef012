// The command line as a user runs it: exit codes, one clear line on bad input, --json output,
// --bug list, and the trace file it writes.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "model/core/json.hpp"

namespace {

struct Outcome {
  int exit_code;
  std::string out;
  std::string err;
};

Outcome run(const std::string& args) {
  const std::string err_path = ::testing::TempDir() + "lockstep_cli_err.txt";
  const std::string command = std::string(LOCKSTEP_BINARY) + " " + args + " 2>" + err_path;
  FILE* pipe = popen(command.c_str(), "r");
  std::string out;
  std::array<char, 4096> buffer{};
  while (std::size_t n = std::fread(buffer.data(), 1, buffer.size(), pipe)) out.append(buffer.data(), n);
  const int status = pclose(pipe);
  std::ifstream err_file(err_path);
  std::stringstream err;
  err << err_file.rdbuf();
  return Outcome{WEXITSTATUS(status), out, err.str()};
}

int lines(const std::string& text) { return static_cast<int>(std::count(text.begin(), text.end(), '\n')); }

TEST(Cli, check_paxos_json_has_the_documented_keys) {
  const Outcome r = run("check paxos --max-round 1 --crashes 0 --drops 0 --duplicates 0 --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto json = lockstep::Json::parse(r.out);
  for (const char* key : {"result", "invariant", "states_generated", "distinct_states", "depth", "seconds",
                          "states_per_second", "trace", "bounds"}) {
    EXPECT_TRUE(json.contains(key)) << key;
  }
  EXPECT_EQ(json["result"], "ok");
  EXPECT_TRUE(json["invariant"].is_null());
  EXPECT_EQ(json["bounds"]["max_round"], 1);
}

TEST(Cli, violation_exits_1_and_writes_an_itf_trace) {
  const std::string trace = ::testing::TempDir() + "lockstep_cli_trace.itf.json";
  std::remove(trace.c_str());
  const Outcome r = run("check paxos --bug accept-below-promise --json --trace-out " + trace);
  ASSERT_EQ(r.exit_code, 1) << r.err;
  const auto json = lockstep::Json::parse(r.out);
  EXPECT_EQ(json["result"], "violation");
  EXPECT_EQ(json["invariant"], "PAXOS-VotesSafe");
  EXPECT_EQ(json["trace"], trace);
  std::ifstream file(trace);
  ASSERT_TRUE(file.good());
  const auto itf = lockstep::Json::parse(file);
  EXPECT_TRUE(itf.contains("#meta"));
  EXPECT_TRUE(itf["vars"].is_array());
  EXPECT_EQ(itf["states"].size(), 7u);
  EXPECT_EQ(itf["states"][0]["#meta"]["action"]["tag"], "Init");
  EXPECT_EQ(itf["states"][1]["#meta"]["action"]["tag"], "Request");
}

TEST(Cli, text_summary_names_the_invariant_and_the_figures) {
  const Outcome r = run("check paxos --bug promise-not-durable --trace-out " + ::testing::TempDir() + "t.itf.json");
  ASSERT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("VIOLATION of PAXOS-PromiseMonotone"), std::string::npos) << r.out;
  for (const char* word : {"bounds", "generated", "distinct", "depth", "states/s"}) {
    EXPECT_NE(r.out.find(word), std::string::npos) << word;
  }
}

TEST(Cli, bug_list_prints_one_bug_a_line_name_first) {
  const Outcome r = run("check paxos --bug list");
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_EQ(lines(r.out), 3);
  std::istringstream text(r.out);
  std::string line;
  std::vector<std::string> names;
  while (std::getline(text, line)) {
    const auto space = line.find(' ');
    ASSERT_NE(space, std::string::npos) << line;
    ASSERT_GT(line.size(), space + 2) << "a description follows the name: " << line;
    names.push_back(line.substr(0, space));
  }
  EXPECT_EQ(names, (std::vector<std::string>{"promise-not-durable", "ignore-accepted-value", "accept-below-promise"}));
}

TEST(Cli, bad_usage_exits_2_with_one_line_on_stderr) {
  for (const char* args : {"check frob", "check paxos --bug nope", "check paxos --nodes 0", "check paxos --nodes x",
                           "check paxos --frob", "check paxos --max-round 0", "check paxos --crashes -1",
                           "check paxos-tla --ballots 0", "check", "frobnicate", "check raft --por --symmetry",
                           "check raft --por --strategy dfs", "check raft --max-messages 2000000",
                           "check raft --check-quorum 2", "check multipaxos --check-quorum -1",
                           "check lock --consensus multipaxos --leader-noop 0"}) {
    const Outcome r = run(args);
    EXPECT_EQ(r.exit_code, 2) << args;
    EXPECT_EQ(lines(r.err), 1) << args << ": " << r.err;
    EXPECT_TRUE(r.out.empty()) << args;
  }
}

TEST(Cli, vacuous_model_is_not_a_pass) {
  const Outcome r = run("check paxos --values 0 --json");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(lockstep::Json::parse(r.out)["result"], "vacuous");
}

TEST(Cli, paxos_tla_reference_mode_reports_tlc_count) {
  const Outcome r = run("check paxos-tla --acceptors 3 --ballots 2 --values 2 --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto json = lockstep::Json::parse(r.out);
  EXPECT_EQ(json["distinct_states"], 3921);
  EXPECT_EQ(json["depth"], 16);  // steps (TLC counts 17 states on that path)
}

TEST(Cli, raft_tla_reference_mode_reports_tlc_count_and_refuses_bounds_it_cannot_hold) {
  const Outcome r = run("check raft-tla --json");  // the defaults are the reference bounds
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto json = lockstep::Json::parse(r.out);
  EXPECT_EQ(json["distinct_states"], 705532);
  EXPECT_EQ(json["depth"], 38);  // steps (TLC: 39 states on that path)
  EXPECT_EQ(json["bounds"]["servers"], 3);
  EXPECT_EQ(json["bounds"]["max_msgs"], 1);
  for (const std::string bad : {"--servers 6", "--servers 0", "--max-term 0", "--max-term 16", "--max-log 8",
                                "--max-dup 0", "--max-dup 255", "--max-msgs 13", "--values 0", "--symmetry", "--por", "--refine"}) {
    const Outcome refused = run("check raft-tla " + bad);
    EXPECT_EQ(refused.exit_code, 2) << bad << ": " << refused.out;
    EXPECT_EQ(lines(refused.err), 1) << bad << ": " << refused.err;
  }
  const Outcome vacuous = run("check raft-tla --max-term 1 --json");  // no election can start
  EXPECT_EQ(vacuous.exit_code, 1);
  EXPECT_EQ(lockstep::Json::parse(vacuous.out)["result"], "vacuous");
}

// --continue counts the violations under each property (a state under the first it breaks), in
// the JSON and the text, with either strategy; the counts add up to the total.
TEST(Cli, continue_counts_the_violations_of_each_property) {
  for (const std::string strategy : {"bfs", "dfs"}) {
    const std::string check =
        "check paxos --bug ignore-accepted-value --crashes 0 --continue --quiet --trace-out /dev/null --strategy " + strategy;
    const Outcome r = run(check + " --json");
    ASSERT_EQ(r.exit_code, 1) << r.err;
    const auto json = lockstep::Json::parse(r.out.substr(0, r.out.find('\n')));
    const auto& by = json["violations_by_property"];
    ASSERT_TRUE(by.is_object()) << r.out;
    std::uint64_t sum = 0;
    for (const auto& [name, n] : by.items()) {
      EXPECT_GT(n.get<std::uint64_t>(), 0u) << name;
      sum += n.get<std::uint64_t>();
    }
    EXPECT_EQ(sum, json["violations"].get<std::uint64_t>()) << r.out;
    EXPECT_TRUE(by.contains(json["invariant"].get<std::string>())) << r.out;
    const Outcome text = run(check);
    EXPECT_NE(text.out.find("(each under the first it breaks)"), std::string::npos) << text.out;
    EXPECT_NE(text.out.find("PAXOS-Agreement "), std::string::npos) << text.out;
  }
}

TEST(Cli, por_reports_the_transitions_it_prunes_and_keeps_every_state) {
  const Outcome r = run("check paxos-tla --ballots 3 --por --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto json = lockstep::Json::parse(r.out);
  EXPECT_EQ(json["distinct_states"], 185369);
  EXPECT_GT(json["transitions_pruned"].get<long>(), 0);
  const Outcome text = run("check paxos-tla --ballots 3 --por --quiet");
  EXPECT_NE(text.out.find("transitions not taken"), std::string::npos) << text.out;
}

// --keep-obsolete: the messages Raft declares obsolete stay in flight, so there are more states;
// the bounds say so, the trace's model records it, and the trace replays in that model.
TEST(Cli, keep_obsolete_keeps_more_states_and_its_traces_replay_with_it) {
  const std::string bounds = "check raft --max-term 2 --max-log 1 --requests 1 --crashes 1 --max-messages 2 --quiet --json";
  const Outcome collected = run(bounds);
  const Outcome kept = run(bounds + " --keep-obsolete");
  ASSERT_EQ(collected.exit_code, 0) << collected.err;
  ASSERT_EQ(kept.exit_code, 0) << kept.err;
  const auto a = lockstep::Json::parse(collected.out);
  const auto b = lockstep::Json::parse(kept.out);
  EXPECT_EQ(a["bounds"]["keep_obsolete"], false);
  EXPECT_EQ(b["bounds"]["keep_obsolete"], true);
  EXPECT_GT(b["distinct_states"].get<long>(), a["distinct_states"].get<long>());

  const std::string trace = ::testing::TempDir() + "lockstep_cli_keep_obsolete.itf.json";
  std::remove(trace.c_str());
  const Outcome found = run("check raft --bug next-index-without-floor --max-term 2 --max-log 1 --requests 1 --crashes 0 "
                            "--max-messages 3 --keep-obsolete --quiet --json --trace-out " + trace);
  ASSERT_EQ(found.exit_code, 1) << found.err;
  std::ifstream file(trace);
  const auto itf = lockstep::Json::parse(file);
  EXPECT_EQ(itf["#meta"]["model"]["keep_obsolete"], true) << itf["#meta"].dump();
  const Outcome replayed = run("replay " + trace);
  EXPECT_EQ(replayed.exit_code, 0) << replayed.out << replayed.err;

  const Outcome refused = run("check paxos-tla --keep-obsolete");
  EXPECT_EQ(refused.exit_code, 2) << refused.out;
}

// A step that fails ends the run in a state with no successors: --property naming other
// properties still reports it (WORLD-StepsComplete is always checked), instead of passing.
TEST(Cli, a_failed_step_is_reported_whatever_property_is_named) {
  const Outcome r = run("check raft --bug next-index-without-floor --max-term 2 --max-log 1 --requests 1 --crashes 0 "
                        "--max-messages 3 --property RAFT-ElectionSafety --quiet --json --trace-out /dev/null");
  ASSERT_EQ(r.exit_code, 1) << r.out << r.err;
  const auto json = lockstep::Json::parse(r.out);
  EXPECT_EQ(json["invariant"], "WORLD-StepsComplete") << r.out;
}

}  // namespace
