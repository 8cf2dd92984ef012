// `lockstep explore` as a user meets it: a real process serving on a free loopback port, its page
// in headless Chromium driven over the DevTools protocol (tests/support/browser.hpp). The page
// starts at the initial state and lists the enabled actions as the server computed them; clicking
// one steps forward (the path, the panel and the `show` block follow), Back and Backspace step
// back, clicking a step of the path goes back to it, Check jumps to the counterexample `lockstep
// check` finds (the same length), Load trace walks a trace file, a bad file is said in the page,
// the server refuses malformed requests with 400 and a message, and Ctrl-C stops it (exit 0).
// Every wait is bounded; none is a sleep.
#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <regex>
#include <string>

#include "model/core/json.hpp"
#include "tests/support/browser.hpp"
#include "tests/support/processes.hpp"

namespace lockstep::testing {
namespace {

// `lockstep explore ARGS --port 0`, up and listening: its URL.
struct Explorer {
  Process process;
  std::string url;
  fs::path out;
};

Explorer start_explorer(const TestDir& dir, const std::vector<std::string>& args) {
  static int runs = 0;
  const std::string name = "explore" + std::to_string(++runs);
  std::vector<std::string> argv{lockstep_binary(), "explore"};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.insert(argv.end(), {"--port", "0"});
  Explorer explorer{Process::spawn(argv, dir / (name + ".out"), dir / (name + ".err")), "", dir / (name + ".out")};
  const std::regex address(R"(at (http://127\.0\.0\.1:[0-9]+/))");
  std::smatch match;
  const bool up = wait_until([&] {
    const std::string text = read_text(explorer.out);
    if (!std::regex_search(text, match, address)) return false;
    explorer.url = match[1];
    return true;
  }, Milliseconds{30000});
  EXPECT_TRUE(up) << "explore never said where it listens: " << read_text(explorer.out) << read_text(dir / (name + ".err"));
  return explorer;
}

// The page idle, with a path of `steps` + 1 states.
std::string ready_at(std::size_t steps) {
  return "document.body.dataset.status === 'ready' && document.querySelectorAll('#path li').length === " +
         std::to_string(steps + 1);
}

std::size_t count(Browser& browser, const std::string& selector) {
  return browser.evaluate("document.querySelectorAll(" + Json(selector).dump() + ").length").get<std::size_t>();
}

std::string text_of(Browser& browser, const std::string& selector) {
  return browser.evaluate("document.querySelector(" + Json(selector).dump() + ").textContent").get<std::string>();
}

void click(Browser& browser, const std::string& selector) {
  browser.evaluate("document.querySelector(" + Json(selector).dump() + ").click()");
}

// `lockstep check ARGS --json --trace-out FILE`: its report; the trace in FILE.
Json check_run(const TestDir& dir, const std::vector<std::string>& args, const fs::path& trace) {
  std::vector<std::string> argv{lockstep_binary(), "check"};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.insert(argv.end(), {"--json", "--quiet", "--trace-out", trace.string()});
  Process process = Process::spawn(argv, dir / "check.out", dir / "check.err");
  const auto code = process.wait_exit(Milliseconds{120000});
  EXPECT_EQ(code, std::optional<int>(1)) << read_text(dir / "check.err");
  return Json::parse(read_text(dir / "check.out"));
}

TEST(ExploreBrowser, steps_back_and_forth_checks_and_loads_traces_in_headless_chromium) {
  if (!chromium_available()) GTEST_SKIP() << "chromium is not installed (./run installs it)";
  TestDir dir;
  // Raft with a vote that is not durable: found by check at the defaults.
  const std::vector<std::string> model{"raft", "--bug", "vote-not-durable"};
  const fs::path trace = dir / "counterexample.itf.json";
  const Json report = check_run(dir, model, trace);
  const std::string invariant = report["invariant"];
  const std::size_t trace_steps = Json::parse(read_text(trace))["states"].size() - 1;

  Explorer explorer = start_explorer(dir, model);
  ASSERT_FALSE(explorer.url.empty());
  Browser browser;
  browser.open(explorer.url);
  browser.wait_for(ready_at(0));
  EXPECT_EQ(text_of(browser, "#title"), "lockstep explore raft --bug vote-not-durable");

  // The enabled actions are the server's, one button each, as sentences.
  const Json view = browser.evaluate(
      "fetch('/api/session').then((r) => r.json()).then((s) => fetch('/api/view', {method: 'POST', body: "
      "JSON.stringify({model: 0, path: [{action: null, state: s.models[0].initial[0]}]})})).then((r) => r.json())");
  const std::size_t enabled = view["enabled"].size();
  ASSERT_GT(enabled, 0u);
  EXPECT_EQ(count(browser, "#enabled button.action"), enabled);
  EXPECT_NE(text_of(browser, "#enabled button.action").find(view["enabled"][0]["sentence"].get<std::string>()), std::string::npos);
  EXPECT_EQ(count(browser, "#properties tr"), view["properties"].size());

  // Forward: the first action, then the last one listed there.
  click(browser, "[data-action-index=\"0\"]");
  browser.wait_for(ready_at(1));
  const std::string first = view["enabled"][0]["sentence"];
  EXPECT_NE(text_of(browser, "#path li[data-step=\"1\"]").find(first), std::string::npos);
  EXPECT_EQ(text_of(browser, "#panel h2"), "step 1");
  EXPECT_EQ(text_of(browser, "#show-text").rfind("step 1", 0), 0u) << text_of(browser, "#show-text");
  EXPECT_NE(text_of(browser, "#show-text").find(first), std::string::npos);
  browser.evaluate("document.querySelectorAll('#enabled button.action')[document.querySelectorAll('#enabled button.action').length - 1].click()");
  browser.wait_for(ready_at(2));
  EXPECT_EQ(text_of(browser, "#panel h2"), "step 2");

  // Back (the button, then the key), and back to a step by clicking it in the path.
  click(browser, "#back");
  browser.wait_for(ready_at(1));
  browser.evaluate("document.dispatchEvent(new KeyboardEvent('keydown', {key: 'Backspace'}))");
  browser.wait_for(ready_at(0));
  EXPECT_EQ(count(browser, "#enabled button.action"), enabled);
  browser.evaluate("document.dispatchEvent(new KeyboardEvent('keydown', {key: '1'}))");
  browser.wait_for(ready_at(1));
  click(browser, "[data-action-index=\"0\"]");
  browser.wait_for(ready_at(2));
  // The walk is in the address: a fresh page at it walks the same path.
  const std::string hash = browser.evaluate("location.hash").get<std::string>();
  EXPECT_EQ(hash.rfind("#path=0.0.", 0), 0u) << hash;
  const std::string last = text_of(browser, "#path li[data-step=\"2\"]");
  browser.open("about:blank");  // a new document, not a jump within this one
  browser.open(explorer.url + hash);
  browser.wait_for(ready_at(2));
  EXPECT_EQ(text_of(browser, "#path li[data-step=\"2\"]"), last);
  browser.open("about:blank");
  browser.open(explorer.url + "#path=0.999");
  browser.wait_for("document.querySelector('#notice').className === 'error'");
  EXPECT_NE(text_of(browser, "#notice").find("names action 999"), std::string::npos) << text_of(browser, "#notice");
  browser.wait_for(ready_at(0));
  click(browser, "[data-action-index=\"0\"]");
  browser.wait_for(ready_at(1));
  click(browser, "#path li[data-step=\"0\"]");
  browser.wait_for(ready_at(0));
  EXPECT_EQ(browser.evaluate("location.hash"), "#path=0");

  // Check: the counterexample `lockstep check` finds, as long, its last state violating.
  click(browser, "#check");
  browser.wait_for("document.querySelector('#notice').className === 'found'", std::chrono::seconds(120));
  browser.wait_for(ready_at(trace_steps));
  EXPECT_NE(text_of(browser, "#notice").find("violation of " + invariant), std::string::npos) << text_of(browser, "#notice");
  EXPECT_EQ(browser.evaluate("document.querySelector('#properties tr[data-property=\"" + invariant + "\"] td:last-child').className"),
            "status-violated");
  EXPECT_NE(text_of(browser, "#panel").find("violates " + invariant), std::string::npos);
  EXPECT_NE(text_of(browser, "#show-text").find("violates " + invariant), std::string::npos);

  // Back to the start, then the trace file `check` wrote: walked from its last step.
  click(browser, "#restart");
  browser.wait_for(ready_at(0));
  browser.set_file_input("#trace-file", trace.string());
  browser.wait_for("document.querySelector('#notice').textContent.startsWith('trace counterexample.itf.json')");
  browser.wait_for(ready_at(trace_steps));
  EXPECT_NE(text_of(browser, "#notice").find("records a violation of " + invariant), std::string::npos);

  // A file that is not a trace: said in the page, the path kept.
  const fs::path bad = dir / "not-a-trace.json";
  std::ofstream(bad) << "{\"states\": 3}";
  browser.set_file_input("#trace-file", bad.string());
  browser.wait_for("document.querySelector('#notice').className === 'error'");
  EXPECT_NE(text_of(browser, "#notice").find("not-a-trace.json"), std::string::npos) << text_of(browser, "#notice");
  browser.wait_for(ready_at(trace_steps));

  // Malformed requests: 400 and a message.
  const Json refused = browser.evaluate(
      "Promise.all([fetch('/api/view', {method: 'POST', body: '{'}), fetch('/api/view', {method: 'POST', body: "
      "'{\"model\": 0, \"path\": [{\"action\": null, \"state\": {\"x\": 1}}]}'}), fetch('/api/nothing'), "
      "fetch('/api/view')]).then((rs) => Promise.all(rs.map((r) => r.json().then((j) => [r.status, j.error]))))");
  ASSERT_EQ(refused.size(), 4u);
  EXPECT_EQ(refused[0][0], 400);
  EXPECT_NE(refused[0][1].get<std::string>().find("not JSON"), std::string::npos);
  EXPECT_EQ(refused[1][0], 400);
  EXPECT_NE(refused[1][1].get<std::string>().find("request.path[0]"), std::string::npos);
  EXPECT_EQ(refused[2][0], 404);
  EXPECT_EQ(refused[3][0], 405);

  EXPECT_EQ(text_of(browser, "#errors"), "");
  EXPECT_TRUE(browser.page_errors().empty()) << browser.page_errors().front();

  explorer.process.signal(SIGINT);
  EXPECT_EQ(explorer.process.wait_exit(Milliseconds{20000}), std::optional<int>(0));
  EXPECT_NE(read_text(explorer.out).find("lockstep explore: stopped"), std::string::npos);
}

// A check that would take long is stopped from the page: incomplete, interrupted, the figures so far.
TEST(ExploreBrowser, a_running_check_is_stopped_from_the_page) {
  if (!chromium_available()) GTEST_SKIP() << "chromium is not installed (./run installs it)";
  TestDir dir;
  Explorer explorer = start_explorer(dir, {"raft", "--max-term", "4", "--max-log", "3", "--requests", "3", "--crashes", "2"});
  ASSERT_FALSE(explorer.url.empty());
  Browser browser;
  browser.open(explorer.url);
  browser.wait_for(ready_at(0));
  click(browser, "#check");
  browser.wait_for("!document.querySelector('#stop').hidden");
  click(browser, "#stop");
  browser.wait_for("document.body.dataset.status === 'ready' && document.querySelector('#stop').hidden", std::chrono::seconds(60));
  EXPECT_NE(text_of(browser, "#notice").find("check: incomplete (interrupted)"), std::string::npos) << text_of(browser, "#notice");
  EXPECT_EQ(count(browser, "#path li"), 1u);  // the walk is left as it was
  EXPECT_TRUE(browser.page_errors().empty());
}

// `--trace FILE` opens the page at that trace; a trace of other bounds is walked with its own model.
TEST(ExploreBrowser, opens_at_the_trace_given_on_the_command_line) {
  if (!chromium_available()) GTEST_SKIP() << "chromium is not installed (./run installs it)";
  TestDir dir;
  const fs::path trace = dir / "paxos.itf.json";
  check_run(dir, {"paxos", "--bug", "accept-below-promise"}, trace);
  const std::size_t steps = Json::parse(read_text(trace))["states"].size() - 1;
  Explorer explorer = start_explorer(dir, {"paxos", "--trace", trace.string()});
  ASSERT_FALSE(explorer.url.empty());
  Browser browser;
  browser.open(explorer.url);
  browser.wait_for(ready_at(steps));
  EXPECT_NE(text_of(browser, "#model-line").find("the model of trace"), std::string::npos) << text_of(browser, "#model-line");
  EXPECT_TRUE(browser.evaluate("document.querySelector('#check').disabled").get<bool>());
  click(browser, "#back");
  browser.wait_for(ready_at(steps - 1));
  EXPECT_TRUE(browser.page_errors().empty());
}

// Bad usage: exit 2 and one line saying why, before serving anything.
TEST(ExploreBrowser, refuses_bad_usage) {
  TestDir dir;
  const auto run = [&](const std::vector<std::string>& args) {
    std::vector<std::string> argv{lockstep_binary(), "explore"};
    argv.insert(argv.end(), args.begin(), args.end());
    static int runs = 0;
    const std::string name = "bad" + std::to_string(++runs);
    Process process = Process::spawn(argv, dir / (name + ".out"), dir / (name + ".err"));
    const auto code = process.wait_exit(Milliseconds{30000});
    return std::make_pair(code.value_or(-1), read_text(dir / (name + ".err")));
  };
  auto [code, err] = run({"paxos", "--trace", (dir / "missing.itf.json").string()});
  EXPECT_EQ(code, 2);
  EXPECT_NE(err.find("missing.itf.json"), std::string::npos) << err;
  std::tie(code, err) = run({"nosuch"});
  EXPECT_EQ(code, 2);
  std::tie(code, err) = run({"paxos", "--bug", "nosuch"});
  EXPECT_EQ(code, 2);
  EXPECT_NE(err.find("nosuch"), std::string::npos) << err;
  // A port another process listens on.
  Explorer first = start_explorer(dir, {"paxos"});
  ASSERT_FALSE(first.url.empty());
  const std::string port = first.url.substr(first.url.rfind(':') + 1, first.url.size() - first.url.rfind(':') - 2);
  std::tie(code, err) = run({"paxos", "--port", port});
  EXPECT_EQ(code, 2);
  EXPECT_NE(err.find("cannot listen on 127.0.0.1:" + port), std::string::npos) << err;
}

}  // namespace
}  // namespace lockstep::testing
