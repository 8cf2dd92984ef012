// The explorer's answers (traces/explorer.hpp), without HTTP: the views it gives of paths, the
// enabled actions (exactly the model's, each leading where the model leads), property statuses
// along a path, paths that are not runs of the model said to be so, `check` jumping to the
// shortest counterexample, traces loaded (with their own model where their parameters differ),
// and bad requests refused with a message naming the field.
#include <gtest/gtest.h>

#include <atomic>
#include <string>

#include "checker/registry.hpp"
#include "traces/explorer.hpp"
#include "traces/replay.hpp"

namespace lockstep {
namespace {

const ProtocolEntry& entry(const std::string& name) {
  const ProtocolEntry* found = find_protocol(name);
  if (found == nullptr) throw std::runtime_error("no protocol " + name);
  return *found;
}

Json initial_path(const Explorer& explorer, std::size_t model = 0) {
  return Json::array({Json{{"action", nullptr}, {"state", explorer.model(model)["initial"][0]}}});
}

Json view_of(const Explorer& explorer, const Json& path, std::size_t model = 0) {
  return explorer.view(Json{{"model", model}, {"path", path}});
}

// Takes enabled action `index` of `view`: the path one step longer.
Json extended(Json path, const Json& view, std::size_t index) {
  const Json& next = view["enabled"].at(index);
  path.push_back(Json{{"action", next["action"]}, {"state", next["state"]}});
  return path;
}

const Json& property(const Json& view, const std::string& name) {
  for (const Json& p : view["properties"]) {
    if (p["name"] == name) return p;
  }
  throw std::runtime_error("no property " + name);
}

std::string error_of(const std::function<void()>& body) {
  try {
    body();
  } catch (const ExplorerError& e) {
    return e.what();
  }
  return "(no error)";
}

// On every protocol at its defaults: the enabled actions are the model's, in its order, each
// leading to the state the model's step function gives; a walk of a few steps replays.
TEST(Explorer, lists_exactly_the_models_enabled_actions_on_every_protocol) {
  for (const ProtocolEntry& protocol : protocols()) {
    SCOPED_TRACE(protocol.name);
    const Explorer explorer(protocol, protocol.defaults(), "lockstep explore " + protocol.name);
    const std::unique_ptr<AnyModel> model = protocol.model(protocol.defaults());
    const Json session = explorer.session();
    ASSERT_EQ(session["protocol"], protocol.name);
    ASSERT_EQ(session["models"].size(), 1u);
    EXPECT_EQ(session["models"][0]["initial"], Json(model->initial_states()));
    EXPECT_EQ(session["models"][0]["properties"], model->property_list());
    Json path = initial_path(explorer);
    for (std::size_t step = 0; step < 6; ++step) {
      const Json view = view_of(explorer, path);
      ASSERT_EQ(view["index"], step);
      EXPECT_TRUE(view["replayed"].get<bool>());
      EXPECT_TRUE(view["divergence"].is_null());
      ASSERT_EQ(view["sentences"].size(), step + 1);
      EXPECT_EQ(view["text"].get<std::string>().rfind("\nstep " + std::to_string(step), 0), 0u) << view["text"];
      const Json& state = path.back()["state"];
      const std::vector<EnabledStep> expected = model->enabled(state);
      ASSERT_EQ(view["enabled"].size(), expected.size());
      for (std::size_t i = 0; i < expected.size(); ++i) {
        const Json& next = view["enabled"][i];
        EXPECT_EQ(next["action"], expected[i].action);
        EXPECT_EQ(next["state"], *model->successor(state, next["action"]));
        EXPECT_EQ(next["sentence"], model->describe(next["action"]));
        EXPECT_EQ(next["within_bounds"].get<bool>(), model->within_bounds(next["state"]));
        std::vector<std::string> fresh = violations_at(*model, &state, next["state"]);
        const std::vector<std::string> already = model->violated(state);
        std::erase_if(fresh, [&](const std::string& p) { return std::find(already.begin(), already.end(), p) != already.end(); });
        EXPECT_EQ(next["violates"], Json(fresh));
      }
      if (expected.empty()) break;
      // Walk on through the middle action: not always the first kind of step.
      path = extended(path, view, expected.size() / 2);
    }
  }
}

// Properties along a path: Paxos with the promise not kept across a crash breaks
// PAXOS-PromiseMonotone in 2 steps; walking there by hand shows it violated, and one step on
// "violated earlier", with the step it first was.
TEST(Explorer, says_each_propertys_status_along_the_path_and_marks_the_steps_that_violate) {
  const ProtocolEntry& paxos = entry("paxos");
  const ProtocolArgs args = paxos.args_for_bug("promise-not-durable");
  const Explorer explorer(paxos, args, "lockstep explore paxos --bug promise-not-durable");
  std::atomic<bool> stop{false};
  const Json found = explorer.check(60, stop);
  ASSERT_EQ(found["outcome"], "violation");
  ASSERT_EQ(found["property"], "PAXOS-PromiseMonotone");
  const Json& path = found["path"];
  ASSERT_EQ(path.size(), 3u);  // the shortest counterexample: 2 steps
  // The step before the last lists the last one as violating, then the view of it says so.
  const Json before = view_of(explorer, Json::array({path[0], path[1]}));
  bool marked = false;
  for (const Json& next : before["enabled"]) {
    if (next["action"] == path[2]["action"]) marked = next["violates"] == Json::array({"PAXOS-PromiseMonotone"});
  }
  EXPECT_TRUE(marked) << before["enabled"].dump();
  EXPECT_EQ(property(before, "PAXOS-PromiseMonotone")["status"], "holds");
  const Json at = view_of(explorer, path);
  EXPECT_EQ(property(at, "PAXOS-PromiseMonotone")["status"], "violated");
  EXPECT_EQ(property(at, "PAXOS-PromiseMonotone")["step"], 2);
  EXPECT_EQ(at["step"]["violations"][0]["property"], "PAXOS-PromiseMonotone");
  EXPECT_NE(at["text"].get<std::string>().find("violates PAXOS-PromiseMonotone"), std::string::npos) << at["text"];
  // One step further: violated earlier (a transition property holds again on the next step).
  ASSERT_FALSE(at["enabled"].empty());
  const Json later = view_of(explorer, extended(path, at, 0));
  const std::string status = property(later, "PAXOS-PromiseMonotone")["status"];
  EXPECT_TRUE(status == "violated earlier" || status == "violated") << status;
  EXPECT_EQ(property(later, "PAXOS-PromiseMonotone")["step"], 2);
  // A "sometimes" property is "not reached" until it is, then "reached" at its step.
  for (const Json& p : at["properties"]) {
    if (p["kind"] == "sometimes") {
      EXPECT_TRUE(p["status"] == "reached" || p["status"] == "not reached") << p.dump();
    }
  }
}

// `check` from the page: on a correct model it passes with no path; on a seeded Raft bug it
// gives the shortest counterexample, which the views replay to the violation.
TEST(Explorer, check_jumps_to_the_shortest_counterexample_of_a_seeded_bug) {
  const ProtocolEntry& raft = entry("raft");
  ASSERT_FALSE(raft.bugs.empty());
  const BugSpec& bug = raft.bugs.front();
  const Explorer explorer(raft, raft.args_for_bug(bug.name), "lockstep explore raft --bug " + bug.name);
  std::atomic<bool> stop{false};
  const Json found = explorer.check(120, stop);
  ASSERT_EQ(found["outcome"], "violation") << found.dump();
  EXPECT_EQ(found["property"], bug.invariant);
  ASSERT_TRUE(found["path"].is_array());
  EXPECT_EQ(found["path"].size(), bug.trace_steps + 1);
  const Json view = view_of(explorer, found["path"]);
  EXPECT_TRUE(view["replayed"].get<bool>());
  EXPECT_EQ(property(view, bug.invariant)["status"], "violated");
  // The next steps are not marked with the violation the state has already.
  ASSERT_EQ(property(view, bug.invariant)["kind"], "always");
  for (const Json& next : view["enabled"]) {
    EXPECT_EQ(std::count(next["violates"].begin(), next["violates"].end(), Json(bug.invariant)), 0) << next.dump();
  }

  const ProtocolEntry& paxos = entry("paxos");
  const Explorer correct(paxos, paxos.defaults(), "lockstep explore paxos");
  const Json passed = correct.check(120, stop);
  EXPECT_EQ(passed["outcome"], "ok");
  EXPECT_TRUE(passed["path"].is_null());
  EXPECT_GT(passed["distinct_states"].get<std::uint64_t>(), 1000u);
}

// The deadline stops a search that would take long: incomplete, no path.
TEST(Explorer, check_stops_at_its_deadline) {
  const ProtocolEntry& raft = entry("raft");
  ProtocolArgs args = raft.defaults();
  raft.apply_flags(args, {"--max-term", "4", "--max-log", "3", "--requests", "3"});
  ASSERT_EQ(raft.check_args(args), "");
  const Explorer explorer(raft, args, "lockstep explore raft");
  std::atomic<bool> stop{false};
  const Json result = explorer.check(0.3, stop);
  EXPECT_EQ(result["outcome"], "incomplete") << result.dump();
  EXPECT_TRUE(result["path"].is_null());
  EXPECT_LT(result["seconds"].get<double>(), 30.0);
}

// A path that is not a run of the model (a state edited, an action not enabled, a first state
// that is not initial) is viewed, and said to diverge at its step, as `show` says it.
TEST(Explorer, a_path_that_is_not_a_run_is_said_to_diverge_at_its_step) {
  const ProtocolEntry& paxos = entry("paxos");
  const Explorer explorer(paxos, paxos.defaults(), "lockstep explore paxos");
  Json path = initial_path(explorer);
  for (int i = 0; i < 3; ++i) path = extended(path, view_of(explorer, path), 0);
  ASSERT_TRUE(view_of(explorer, path)["divergence"].is_null());
  // The state at step 2 replaced by the state at step 3: step 2 no longer follows from step 1.
  Json edited = path;
  edited[2]["state"] = path[3]["state"];
  const Json view = view_of(explorer, edited);
  ASSERT_FALSE(view["divergence"].is_null());
  EXPECT_EQ(view["divergence"]["step"], 2);
  EXPECT_FALSE(view["replayed"].get<bool>());
  EXPECT_FALSE(view["step"]["replayed"].get<bool>());
  // At the step that diverges, the `show` block says so.
  const Json at = view_of(explorer, Json::array({edited[0], edited[1], edited[2]}));
  EXPECT_EQ(at["divergence"]["step"], 2);
  EXPECT_NE(at["text"].get<std::string>().find("DIVERGES here"), std::string::npos) << at["text"];
  // An action not enabled at the step.
  Json disabled = Json::array({path[0], path[2]});
  disabled[1]["action"] = path[3]["action"];
  const Json not_enabled = view_of(explorer, disabled);
  if (!not_enabled["divergence"].is_null()) {
    EXPECT_EQ(not_enabled["divergence"]["step"], 1);
  }
}

TEST(Explorer, refuses_bad_requests_naming_the_field) {
  const ProtocolEntry& paxos = entry("paxos");
  const Explorer explorer(paxos, paxos.defaults(), "lockstep explore paxos");
  const Json good = initial_path(explorer);
  EXPECT_NE(error_of([&] { explorer.view(Json::array()); }).find("request: expected an object with \"model\""), std::string::npos);
  EXPECT_NE(error_of([&] { explorer.view(Json{{"model", 7}, {"path", good}}); }).find("model 7: no such model"), std::string::npos);
  EXPECT_NE(error_of([&] { explorer.view(Json{{"model", "0"}, {"path", good}}); }).find("request.model"), std::string::npos);
  EXPECT_NE(error_of([&] { explorer.view(Json{{"model", 0}, {"path", Json::array()}}); }).find("request.path"), std::string::npos);
  Json bad_state = good;
  bad_state[0]["state"] = Json{{"nonsense", 1}};
  EXPECT_NE(error_of([&] { view_of(explorer, bad_state); }).find("request.path[0]"), std::string::npos);
  Json bad_action = extended(good, view_of(explorer, good), 0);
  bad_action[1]["action"] = Json{{"tag", "NoSuchAction"}, {"value", Json::object()}};
  EXPECT_NE(error_of([&] { view_of(explorer, bad_action); }).find("request.path[1]"), std::string::npos);
  Json no_state = good;
  no_state[0].erase("state");
  EXPECT_NE(error_of([&] { view_of(explorer, no_state); }).find("request.path[0]: expected an object with \"state\""),
            std::string::npos);
  Json initial_with_action = extended(good, view_of(explorer, good), 0);
  initial_with_action[0]["action"] = initial_with_action[1]["action"];
  EXPECT_NE(error_of([&] { view_of(explorer, initial_with_action); }).find("the first step is an initial state"),
            std::string::npos);
}

// A trace `check` wrote opens on the model it was written for: the explorer's own when the
// parameters are the same, a new one (rebuilt from its #meta) when they differ; text that is
// not a trace is refused with the reader's message.
TEST(Explorer, loads_traces_with_the_model_that_wrote_them) {
  const ProtocolEntry& paxos = entry("paxos");
  const ProtocolArgs args = paxos.args_for_bug("accept-below-promise");
  Explorer explorer(paxos, args, "lockstep explore paxos --bug accept-below-promise");
  ProtocolArgs run = args;
  run.explore.progress = Progress::Mode::quiet;
  const CheckReport same = paxos.check(run);
  ASSERT_TRUE(same.trace.is_object());
  const Json loaded = explorer.load_trace(same.trace.dump(), "same.itf.json");
  EXPECT_EQ(loaded["model"], 0);
  EXPECT_EQ(loaded["invariant"], same.property);
  EXPECT_TRUE(loaded["divergence"].is_null());
  EXPECT_EQ(loaded["path"].size(), same.trace["states"].size());
  EXPECT_EQ(property(view_of(explorer, loaded["path"]), same.property)["status"], "violated");

  // Another bug: other parameters, so a model of its own; walking it goes on with that model.
  ProtocolArgs other = paxos.args_for_bug("ignore-accepted-value");
  other.explore.progress = Progress::Mode::quiet;
  const CheckReport different = paxos.check(other);
  ASSERT_TRUE(different.trace.is_object());
  const Json second = explorer.load_trace(different.trace.dump(), "other.itf.json");
  EXPECT_EQ(second["model"], 1);
  const Json session = explorer.session();
  ASSERT_EQ(session["models"].size(), 2u);
  EXPECT_EQ(session["models"][1]["origin"], "trace other.itf.json");
  EXPECT_FALSE(session["models"][1]["checkable"].get<bool>());
  const Json view = view_of(explorer, second["path"], 1);
  EXPECT_TRUE(view["replayed"].get<bool>());
  EXPECT_EQ(property(view, different.property)["status"], "violated");
  // The same trace again: the same model, not a third.
  EXPECT_EQ(explorer.load_trace(different.trace.dump(), "again.itf.json")["model"], 1);

  EXPECT_NE(error_of([&] { explorer.load_trace("{", "broken.json"); }).find("broken.json: "), std::string::npos);
  EXPECT_NE(error_of([&] { explorer.load_trace("{\"states\": []}", "empty.json"); }).find("empty.json: "), std::string::npos);
  Json edited = same.trace;
  edited["#meta"]["protocol"] = "no-such-protocol";
  EXPECT_NE(error_of([&] { explorer.load_trace(edited.dump(), "unknown.json"); }).find("no-such-protocol"), std::string::npos);
}

TEST(Explorer, serves_a_self_contained_page) {
  const std::string page = explorer_page();
  EXPECT_EQ(page.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_EQ(page.find(" src="), std::string::npos);
  EXPECT_EQ(page.find("<link"), std::string::npos);
  EXPECT_NE(page.find("lockstepPanel"), std::string::npos);
}

}  // namespace
}  // namespace lockstep
