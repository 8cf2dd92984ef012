// Reading traces back: the ITF shape is checked, and every way a file can fail to be a trace is
// reported with the step and the field (TraceError), never a crash.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "tests/support/trace_support.hpp"
#include "traces/itf_reader.hpp"
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
  EXPECT_EQ(error_of([](Json& j) { j = Json::array(); }),
            "trace: expected a JSON object with \"vars\" and \"states\", found an empty list");
  EXPECT_EQ(error_of([](Json& j) { j.erase("vars"); }), "vars: missing (expected a list of variable names)");
  EXPECT_EQ(error_of([](Json& j) { j["vars"] = "nodes"; }), "vars: expected a list of variable names, found a string \"nodes\"");
  EXPECT_EQ(error_of([](Json& j) { j["vars"][1] = 7; }), "vars[1]: expected a variable name, found the number 7");
  EXPECT_EQ(error_of([](Json& j) { j["states"] = Json::array(); }), "states: a trace has at least its initial state");
  EXPECT_EQ(error_of([](Json& j) { j["states"] = Json::object(); }), "states: expected a list of states, found an empty object");
  EXPECT_EQ(error_of([](Json& j) { j["states"][2].erase("network"); }),
            "step 2: variable \"network\" is missing (found an object with \"nodes\", \"budgets\", \"requests_pending\", "
            "\"ghost\", ...)");
  EXPECT_EQ(error_of([](Json& j) { j["states"][1]["clock"] = 3; }), "step 1: \"clock\" is not one of the trace's vars");
  EXPECT_EQ(error_of([](Json& j) { j["states"][1]["#meta"]["index"] = 7; }),
            "step 1: #meta.index: expected 1, found the number 7");
  EXPECT_EQ(error_of([](Json& j) { j["states"][1]["#meta"]["index"] = "1"; }),
            "step 1: #meta.index: expected 1, found a string \"1\"");
  EXPECT_EQ(error_of([](Json& j) { j["states"][2].erase("#meta"); }),
            "step 2: #meta: missing (found an object with \"nodes\", \"network\", \"budgets\", \"requests_pending\", ...)");
  EXPECT_EQ(error_of([](Json& j) { j["states"][2]["#meta"]["action"].erase("tag"); }),
            "step 2: #meta.action.tag: missing (found an object with \"value\")");
  EXPECT_EQ(error_of([](Json& j) { j["states"][2]["#meta"]["action"]["tag"] = Json::array({1}); }),
            "step 2: #meta.action.tag: expected an action name, found a list of 1");
  EXPECT_EQ(error_of([](Json& j) { j["states"][0]["#meta"]["action"]["tag"] = "Crash"; }),
            "step 0: #meta.action.tag: the first state's action must be \"Init\"");
  EXPECT_EQ(error_of([](Json& j) { j["states"][0] = 5; }), "step 0: expected an object of variables, found the number 5");
  EXPECT_EQ(error_of([](Json& j) { j["states"][2] = "n2 crashes"; }),
            "step 2: expected an object of variables, found a string \"n2 crashes\"");
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
  EXPECT_EQ(load_error(bad_state), "step 1: state.nodes.#map[1][1].up: expected true or false, found a string \"yes\"");

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

// The message of the TraceError that reading `text` throws ("" if none).
std::string read_error(const std::string& text) {
  try {
    read_itf_text(text);
  } catch (const TraceError& e) {
    return e.what();
  }
  return "";
}

void expect_same_trace(const ItfTrace& read, const ItfTrace& expected) {
  EXPECT_EQ(read.meta, expected.meta);
  EXPECT_EQ(read.vars, expected.vars);
  ASSERT_EQ(read.steps.size(), expected.steps.size());
  for (std::size_t i = 0; i < read.steps.size(); ++i) {
    EXPECT_EQ(read.steps[i].action, expected.steps[i].action) << i;
    EXPECT_EQ(read.steps[i].state, expected.steps[i].state) << i;
  }
}

TEST(ItfReader, reading_the_text_gives_what_parse_itf_gives_whatever_the_order_of_its_keys) {
  const Json json = counterexample();
  const ItfTrace expected = parse_itf(json);
  using Order = std::vector<const char*>;
  for (const Order& order : {Order{"#meta", "vars", "states"}, Order{"states", "vars", "#meta"},
                             Order{"vars", "states", "#meta"}, Order{"states", "vars"}}) {
    Json reordered = Json::object();
    for (const char* key : order) reordered[key] = json[key];
    reordered["extra"] = Json{{"ignored", Json::array({1, 2})}};
    const ItfTrace read = read_itf_text(reordered.dump(1));
    if (reordered.contains("#meta")) {
      expect_same_trace(read, expected);
    } else {
      EXPECT_EQ(read.meta, Json::object());
      EXPECT_EQ(read.steps.size(), expected.steps.size());
    }
  }
}

TEST(ItfReader, reads_a_state_at_a_time) {
  // Cut inside step 2 (its "#meta" comes last): steps 0 and 1 reach the visitor before the
  // reader finds that the text is not JSON.
  const std::string text = counterexample().dump();
  const std::string cut = text.substr(0, text.find("\"index\":2"));
  std::size_t headers = 0;
  std::vector<std::string> tags;
  try {
    read_itf_text(cut, {[&](const ItfHeader& header) {
                          ++headers;
                          EXPECT_EQ(header.vars.size(), 5u);
                        },
                        [&](ItfStep step) { tags.push_back(step.action["tag"].get<std::string>()); }});
    FAIL() << "no error";
  } catch (const TraceError& e) {
    EXPECT_TRUE(std::string(e.what()).starts_with("not JSON (parse error at line 1, column ")) << e.what();
  }
  EXPECT_EQ(headers, 1u);
  EXPECT_EQ(tags, (std::vector<std::string>{"Init", "Request"}));
}

TEST(ItfReader, values_nested_too_deep_are_refused_wherever_they_are) {
  using testing::DeepPlace;
  const std::string too_deep = ": a value nested deeper than " + std::to_string(itf_depth_max) + " levels";
  EXPECT_EQ(read_error(testing::deep_trace_text(counterexample(), DeepPlace::meta, 1'000'000)), "#meta" + too_deep);
  EXPECT_EQ(read_error(testing::deep_trace_text(counterexample(), DeepPlace::state, 1'000'000)), "step 1" + too_deep);
  EXPECT_EQ(read_error(testing::deep_trace_text(counterexample(), DeepPlace::vars, 1'000'000)), "vars" + too_deep);
  // As deep as allowed: the trace, "#meta", then 254 lists.
  EXPECT_EQ(read_error(testing::deep_trace_text(counterexample(), DeepPlace::meta, itf_depth_max - 2)), "");
  EXPECT_EQ(read_error(testing::deep_trace_text(counterexample(), DeepPlace::meta, itf_depth_max - 1)), "#meta" + too_deep);
  // Where the states come first (read twice: the first pass skips them).
  Json reordered = Json::object();
  for (const char* key : {"states", "vars", "#meta"}) reordered[key] = counterexample()[key];
  EXPECT_EQ(read_error(testing::deep_trace_text(reordered, DeepPlace::state, 1'000'000)), "step 1" + too_deep);
  EXPECT_EQ(read_error(testing::deep_trace_text(reordered, DeepPlace::meta, 1'000'000)), "#meta" + too_deep);
  EXPECT_EQ(read_error("{\"other\": " + std::string(1'000'000, '[')), "trace" + too_deep);
}

TEST(ItfReader, what_is_not_a_trace_is_said_with_what_was_found) {
  EXPECT_EQ(read_error("[1, 2]"), "trace: expected a JSON object with \"vars\" and \"states\", found a list");
  EXPECT_EQ(read_error("\"trace\""),
            "trace: expected a JSON object with \"vars\" and \"states\", found a string \"trace\"");
  EXPECT_EQ(read_error("{\"vars\": []}"), "states: missing (expected a list of states)");
  EXPECT_EQ(read_error("{\"vars\": [], \"states\": {\"0\": {}}}"), "states: expected a list of states, found an object");
  EXPECT_EQ(read_error("{\"vars\": [], \"states\": 3}"), "states: expected a list of states, found the number 3");
  EXPECT_EQ(read_error("{\"vars\": [], \"states\": []}"), "states: a trace has at least its initial state");
  EXPECT_EQ(read_error("{\"states\": [], \"vars\": []}"), "states: a trace has at least its initial state");
  EXPECT_EQ(read_error("{\"vars\": [], \"vars\": [], \"states\": []}"), "trace: \"vars\" is given twice");
  EXPECT_EQ(read_error("{\"#meta\": [], \"vars\": [], \"states\": [{}]}"), "#meta: expected an object, found an empty list");
  EXPECT_EQ(read_error("{\"vars\": [], \"states\": [\"x\"]}"), "step 0: expected an object of variables, found a string \"x\"");
  EXPECT_TRUE(read_error("{\"vars\": [], \"states\": [{}]} trailing").starts_with("not JSON (parse error at line 1, column 32: syntax error while parsing value - invalid literal"))
      << read_error("{\"vars\": [], \"states\": [{}]} trailing");
  EXPECT_TRUE(read_error("").starts_with("not JSON (")) << read_error("");
}

TEST(ItfReader, a_directory_or_an_unreadable_file_is_named) {
  const auto file_error = [](const std::string& path) {
    try {
      read_itf_file(path);
    } catch (const TraceError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  const std::string directory = ::testing::TempDir();
  EXPECT_EQ(file_error(directory), "cannot read " + directory + ": it is a directory, not a trace file");
  // Opens, but every read fails (EIO): not "not JSON".
  EXPECT_EQ(file_error("/proc/self/mem"), "cannot read /proc/self/mem: Input/output error");
  if (geteuid() != 0) {  // root reads it anyway
    const std::string locked = ::testing::TempDir() + "lockstep_reader_locked.itf.json";
    std::ofstream(locked) << counterexample().dump();
    ::chmod(locked.c_str(), 0);
    EXPECT_EQ(file_error(locked), "cannot read " + locked + ": Permission denied");
    std::remove(locked.c_str());
  }
  const std::string path = ::testing::TempDir() + "lockstep_reader_bad_state.itf.json";
  Json bad = counterexample();
  bad["states"][2] = "x";
  std::ofstream(path) << bad.dump();
  EXPECT_EQ(file_error(path), path + ": step 2: expected an object of variables, found a string \"x\"");
  std::remove(path.c_str());
}

}  // namespace
}  // namespace lockstep
