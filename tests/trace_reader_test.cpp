// Reading traces back: the ITF shape is checked, and every way a file can fail to be a trace is
// reported with the step and the field (TraceError), never a crash.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "tests/support/trace_support.hpp"
#include "traces/replay.hpp"

namespace lockstep {
namespace {

const Json& counterexample() {
  static const Json trace = testing::paxos_counterexample(paxos::Bug::promise_not_durable);
  return trace;
}

// The message of the TraceError that parsing and loading `json` throws ("" if none).
std::string load_error(const Json& json) {
  try {
    load_trace(parse_itf(json));
  } catch (const TraceError& e) {
    return e.what();
  }
  return "";
}

TEST(ItfReader, reads_back_what_the_writer_wrote) {
  const ItfTrace itf = parse_itf(counterexample());
  EXPECT_EQ(itf.vars, (std::vector<std::string>{"nodes", "network", "budgets", "requests_pending", "ghost"}));
  ASSERT_EQ(itf.steps.size(), 3u);
  EXPECT_EQ(itf.steps[0].action, Json::parse(R"({"tag": "Init", "value": {}})"));
  EXPECT_EQ(itf.steps[2].action["tag"], "Crash");
  EXPECT_FALSE(itf.steps[1].state.contains("#meta"));
  EXPECT_EQ(itf.meta["protocol"], "paxos");
  EXPECT_EQ(itf.meta["invariant"], "PAXOS-PromiseMonotone");
  EXPECT_EQ(make_itf(itf.meta, itf.steps), counterexample());  // and writes it again, byte for byte
}

TEST(ItfReader, loading_rebuilds_the_model_from_meta) {
  const LoadedTrace trace = load_trace(parse_itf(counterexample()));
  EXPECT_EQ(trace.model->protocol(), "paxos");
  EXPECT_EQ(trace.model->model_json(), counterexample()["#meta"]["model"]);
  EXPECT_EQ(trace.invariant, "PAXOS-PromiseMonotone");
  EXPECT_EQ(trace.model->node_count(), 3u);
}

TEST(ItfReader, accepts_itf_bigints_and_any_key_order) {
  Json json = counterexample();
  json["states"][1]["budgets"]["crashes"] = Json{{"#bigint", "1"}};
  Json reordered = Json::object();
  for (const char* key : {"states", "vars", "#meta"}) reordered[key] = json[key];
  const LoadedTrace trace = load_trace(parse_itf(reordered));
  EXPECT_EQ(trace.itf.steps[1].state["budgets"]["crashes"], 1);  // canonical form
}

TEST(ItfReader, wrong_shapes_name_the_step_and_the_field) {
  const auto error_of = [](auto&& change) {
    Json json = counterexample();
    change(json);
    try {
      parse_itf(json);
    } catch (const TraceError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_EQ(error_of([](Json& j) { j = Json::array(); }), "trace: expected a JSON object with \"vars\" and \"states\"");
  EXPECT_EQ(error_of([](Json& j) { j.erase("vars"); }), "vars: expected a list of variable names");
  EXPECT_EQ(error_of([](Json& j) { j["vars"][1] = 7; }), "vars[1]: expected a variable name");
  EXPECT_EQ(error_of([](Json& j) { j["states"] = Json::array(); }), "states: a trace has at least its initial state");
  EXPECT_EQ(error_of([](Json& j) { j["states"][2].erase("network"); }), "step 2: variable \"network\" is missing");
  EXPECT_EQ(error_of([](Json& j) { j["states"][1]["clock"] = 3; }), "step 1: \"clock\" is not one of the trace's vars");
  EXPECT_EQ(error_of([](Json& j) { j["states"][1]["#meta"]["index"] = 7; }), "step 1: #meta.index: expected 1");
  EXPECT_EQ(error_of([](Json& j) { j["states"][2].erase("#meta"); }), "step 2: #meta: missing (it records the action)");
  EXPECT_EQ(error_of([](Json& j) { j["states"][2]["#meta"]["action"].erase("tag"); }),
            "step 2: #meta.action.tag: expected an action name");
  EXPECT_EQ(error_of([](Json& j) { j["states"][0]["#meta"]["action"]["tag"] = "Crash"; }),
            "step 0: #meta.action.tag: the first state's action must be \"Init\"");
  EXPECT_EQ(error_of([](Json& j) { j["states"][0] = 5; }), "step 0: expected an object of variables");
}

TEST(ItfReader, what_the_model_cannot_decode_names_the_step_and_the_field) {
  Json unknown_protocol = counterexample();
  unknown_protocol["#meta"]["protocol"] = "zab";
  EXPECT_EQ(load_error(unknown_protocol), "#meta.protocol: unknown protocol \"zab\"");

  Json unknown_action = counterexample();
  unknown_action["states"][2]["#meta"]["action"]["tag"] = "Teleport";
  EXPECT_EQ(load_error(unknown_action), "step 2: #meta.action: unknown tag \"Teleport\"");

  Json bad_state = counterexample();
  bad_state["states"][1]["nodes"]["#map"][1][1]["up"] = "yes";
  EXPECT_EQ(load_error(bad_state), "step 1: state.nodes.#map[1][1].up: expected true or false");

  Json bad_message = counterexample();
  bad_message["states"][1]["network"][0]["message"]["tag"] = "Gossip";
  EXPECT_EQ(load_error(bad_message), "step 1: state.network[0].message: unknown tag \"Gossip\"");

  Json unknown_invariant = counterexample();
  unknown_invariant["#meta"]["invariant"] = "PAXOS-Liveness";
  EXPECT_NE(load_error(unknown_invariant).find("#meta.invariant: \"PAXOS-Liveness\" is not a property of paxos"),
            std::string::npos);

  Json bad_parameters = counterexample();
  bad_parameters["#meta"]["model"]["config"]["node_count"] = 0;
  EXPECT_EQ(load_error(bad_parameters), "#meta.model.config.node_count: out of range");

  Json foreign_variable = counterexample();
  foreign_variable["vars"].push_back("clock");
  for (auto& state : foreign_variable["states"]) state["clock"] = 0;
  EXPECT_TRUE(load_error(foreign_variable).starts_with("vars: \"clock\" is not a variable of paxos (its variables: nodes"))
      << load_error(foreign_variable);
}

TEST(ItfReader, files_that_are_not_json_or_not_there) {
  const std::string path = ::testing::TempDir() + "lockstep_not_json.itf.json";
  std::ofstream(path) << "{\"vars\": [";
  try {
    read_itf_file(path);
    FAIL() << "no error";
  } catch (const TraceError& e) {
    EXPECT_TRUE(std::string(e.what()).starts_with(path + ": not JSON (parse error at line 1, column 11")) << e.what();
  }
  std::remove(path.c_str());
  EXPECT_THROW(read_itf_file(path), TraceError);
}

}  // namespace
}  // namespace lockstep
