// `lockstep linearizable` as a user runs it: exit codes 0/1/2/3 on history files written to a
// temporary directory, the --json verdict's shape, and one clear line on a malformed file.
#include <gtest/gtest.h>

#include <algorithm>

#include <fstream>
#include <string>

#include "model/core/json.hpp"
#include "spec/linearizability/generate.hpp"
#include "tests/support/run_command.hpp"

namespace {

using lockstep::Json;
using lockstep::testing::lockstep;

std::string write_history(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + "lockstep_linearizable_" + name + ".json";
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

const char* const stale_read = R"({"model": "register", "history": [
  {"process": 0, "type": "invoke", "f": "write", "value": 1}, {"process": 0, "type": "ok", "f": "write", "value": 1},
  {"process": 1, "type": "invoke", "f": "write", "value": 2}, {"process": 1, "type": "ok", "f": "write", "value": 2},
  {"process": 2, "type": "invoke", "f": "read"}, {"process": 2, "type": "ok", "f": "read", "value": 1}]})";

const char* const lock_handover = R"([
  {"process": "a", "type": "invoke", "f": "acquire", "key": "L"}, {"process": "a", "type": "ok", "f": "acquire", "key": "L", "value": 1},
  {"process": "service", "type": "invoke", "f": "expire", "value": "a"}, {"process": "service", "type": "ok", "f": "expire", "value": "a"},
  {"process": "b", "type": "invoke", "f": "acquire", "key": "L"}, {"process": "b", "type": "ok", "f": "acquire", "key": "L", "value": 2}])";

TEST(LinearizableCli, a_linearizable_history_exits_0) {
  const auto r = lockstep("linearizable " + write_history("handover", lock_handover) + " --model lock");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("linearizable (lock model)"), std::string::npos) << r.out;
}

TEST(LinearizableCli, a_stale_read_exits_1_and_prints_the_key_and_the_window) {
  const auto r = lockstep("linearizable " + write_history("stale", stale_read));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.out.find("NOT LINEARIZABLE (register model)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("smallest non-linearizable window of 2 calls"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("read -> 1"), std::string::npos) << r.out;
}

TEST(LinearizableCli, json_verdict_has_the_documented_keys) {
  const auto r = lockstep("linearizable " + write_history("stale_json", stale_read) + " --json");
  ASSERT_EQ(r.exit_code, 1) << r.err;
  const Json verdict = Json::parse(r.out);
  for (const char* key : {"result", "model", "operations", "partitions", "left_out", "configurations", "seconds", "gave_up", "key",
                          "linearizable_prefix_events", "state_after_prefix", "window_minimal", "window"}) {
    EXPECT_TRUE(verdict.contains(key)) << key;
  }
  EXPECT_EQ(verdict["result"], "not_linearizable");
  EXPECT_EQ(verdict["key"], "");
  EXPECT_EQ(verdict["linearizable_prefix_events"], 5);
  ASSERT_EQ(verdict["window"].size(), 2u);
  const Json& read = verdict["window"][1];
  for (const char* key : {"process", "f", "key", "value", "type", "output", "invoke_index", "complete_index", "description"}) {
    EXPECT_TRUE(read.contains(key)) << key;
  }
  EXPECT_EQ(read["f"], "read");
  EXPECT_EQ(read["output"], 1);
  EXPECT_EQ(read["invoke_index"], 4);
  EXPECT_EQ(read["complete_index"], 5);
  const auto ok = lockstep("linearizable " + write_history("handover_json", lock_handover) + " --model lock --json");
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_EQ(Json::parse(ok.out)["result"], "linearizable");
  EXPECT_TRUE(Json::parse(ok.out)["window"].empty());
}

TEST(LinearizableCli, a_malformed_file_exits_2_with_one_line_naming_the_event) {
  const std::string path = write_history(
      "two_outstanding", R"([{"process": 3, "type": "invoke", "f": "read"}, {"process": 3, "type": "invoke", "f": "read"}])");
  const auto r = lockstep("linearizable " + path + " --model register");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "lockstep: " + path + ": event 1: process 3 invokes while its operation invoked at event 0 is outstanding\n");
  EXPECT_TRUE(r.out.empty());
}

TEST(LinearizableCli, bad_input_of_every_kind_exits_2_on_one_line) {
  const std::string deep = std::string(50000, '[') + std::string(50000, ']');
  for (const std::string& text : {std::string("not json"), std::string(stale_read).substr(0, 120), deep,
                                  std::string(R"([{"process": 1, "type": "invoke", "f": "write", "value": 123456789012345678901234567890}])"),
                                  std::string(R"([{"process": 1, "type": "invoke", "f": "fly"}])"),
                                  std::string(R"([{"process": 1, "type": "ok", "f": "read"}])")}) {
    const auto r = lockstep("linearizable " + write_history("bad", text) + " --model register");
    EXPECT_EQ(r.exit_code, 2) << text.substr(0, 80);
    EXPECT_EQ(lockstep::testing::line_count(r.err), 1) << r.err;
  }
}

TEST(LinearizableCli, usage_errors_exit_2) {
  const std::string no_model = write_history("no_model", lock_handover);
  EXPECT_EQ(lockstep("linearizable " + no_model).exit_code, 2);  // no "model" field, no --model
  EXPECT_EQ(lockstep("linearizable " + no_model + " --model queue").exit_code, 2);
  EXPECT_EQ(lockstep("linearizable /nonexistent/history.json --model lock").exit_code, 2);
}

// A history whose search is long and large: 3,000 calls on one lock, a tenth of them info.
std::string hard_history(const std::string& name) {
  lockstep::linearizability::GenerateOptions options{"lock", 16, 1, 3000, 11};
  options.info_probability = 0.1;
  return write_history(name, lockstep::linearizability::generate_history(options).dump());
}

TEST(LinearizableCli, the_time_bound_exits_3) {
  const std::string path = hard_history("large");
  const auto r = lockstep("linearizable " + path + " --timeout-s 0.000001");
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_NE(r.out.find("UNKNOWN"), std::string::npos) << r.out;
}

TEST(LinearizableCli, the_memory_bound_exits_3_and_a_bad_size_exits_2) {
  const std::string path = hard_history("large_memory");
  const auto r = lockstep("linearizable " + path + " --memory 1M --json");
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_EQ(Json::parse(r.out)["gave_up"], "memory") << r.out;
  for (const char* size : {"12Q", "0", "-5M", "1K"}) {
    const auto bad = lockstep("linearizable " + path + " --memory " + size);
    EXPECT_EQ(bad.exit_code, 2) << size << ": " << bad.out << bad.err;
    EXPECT_NE(bad.err.find("--memory"), std::string::npos) << bad.err;
    EXPECT_EQ(std::count(bad.err.begin(), bad.err.end(), '\n'), 1) << bad.err;
  }
}

}  // namespace
