// `lockstep show --html` in a real browser: headless Chromium loads the page (which fetches
// nothing), the script runs without errors, and the diagram has exactly one arrow per delivered
// message (and a lost-message mark per drop, a crash mark per crash), for a run with every kind of
// fault and for every stored regression trace.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <regex>
#include <unistd.h>

#include "tests/support/run_command.hpp"
#include "tests/support/trace_support.hpp"

namespace lockstep {
namespace {

using testing::lockstep;

std::string temp_path(const std::string& name) { return ::testing::TempDir() + "lockstep_trace_html_" + name; }

bool chromium_installed() { return testing::run_command("command -v chromium >/dev/null").exit_code == 0; }

// The DOM after load, as headless Chromium dumps it.
std::string rendered_dom(const std::string& html_path) {
  // One profile per test process: another run of these tests (another checkout) may share TempDir.
  const std::string profile = temp_path("chromium-profile-" + std::to_string(::getpid()));
  const std::string command =
      "timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
      "--disable-background-networking --disable-component-update --disable-sync --disable-extensions "
      "--user-data-dir=" + profile + " --dump-dom file://" + html_path;
  const auto r = testing::run_command(command);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.out;
}

std::size_t count(const std::string& text, const std::string& pattern) {
  const std::regex expression(pattern);
  return static_cast<std::size_t>(
      std::distance(std::sregex_iterator(text.begin(), text.end(), expression), std::sregex_iterator()));
}

std::size_t actions_tagged(const Json& itf, const std::string& tag) {
  std::size_t n = 0;
  for (const auto& state : itf["states"]) n += state["#meta"]["action"]["tag"] == tag ? 1 : 0;
  return n;
}

void expect_page_shows(const std::string& name, const Json& itf) {
  const std::string trace_path = temp_path(name + ".itf.json");
  const std::string html_path = temp_path(name + ".html");
  write_json_file(trace_path, itf);
  const auto r = lockstep("show " + trace_path + " --html " + html_path);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string html = testing::read_file(html_path);
  // Nothing to fetch: no src or href attributes, no imports, url() only for the page's own ids.
  EXPECT_EQ(count(html, R"((src|href)\s*=|@import|<link|url\((?!#))"), 0u) << name;
  const std::string dom = rendered_dom(html_path);
  EXPECT_EQ(count(dom, "<body[^>]*data-status=\"ready\""), 1u) << name << ": the script did not finish";
  EXPECT_NE(dom.find("<pre id=\"errors\"></pre>"), std::string::npos) << name << ": script errors";
  EXPECT_EQ(count(dom, "<body[^>]*data-errors"), 0u) << name;
  EXPECT_EQ(count(dom, "class=\"arrow[ \"]"), actions_tagged(itf, "Deliver")) << name;
  EXPECT_EQ(count(dom, "<path class=\"lost\""), actions_tagged(itf, "Drop")) << name;
  EXPECT_EQ(count(dom, "class=\"crash\""), actions_tagged(itf, "Crash")) << name;
  EXPECT_EQ(count(dom, "class=\"recover\""), actions_tagged(itf, "Recover")) << name;
  const Json& config = itf["#meta"]["model"]["config"];
  EXPECT_EQ(count(dom, "class=\"node-name\""), config.contains("node_count") ? config["node_count"].get<std::size_t>() : 0);
  EXPECT_EQ(count(dom, "class=\"row[ \"]"), itf["states"].size()) << name;
  EXPECT_NE(dom.find("id=\"panel\"><h2>step " + std::to_string(itf["states"].size() - 1)), std::string::npos) << name;
}

TEST(HtmlView, renders_in_headless_chromium_with_one_arrow_per_delivered_message) {
  if (!chromium_installed()) GTEST_SKIP() << "chromium is not installed (./run installs it)";
  expect_page_shows("faults", testing::paxos_faults_trace());
  expect_page_shows("paxos-tla", testing::paxos_tla_trace(6));  // no nodes: no lifelines, no arrows
  expect_page_shows("raft-tla", testing::raft_tla_trace());       // likewise
  // and every stored regression trace, of every protocol
  const auto directory = std::filesystem::path(LOCKSTEP_SOURCE_DIR) / "traces" / "regressions";
  std::size_t pages = 0;
  for (const auto& entry : std::filesystem::directory_iterator(directory)) {
    if (entry.path().extension() != ".json") continue;
    expect_page_shows(entry.path().stem().stem().string(), Json::parse(testing::read_file(entry.path().string())));
    ++pages;
  }
  EXPECT_GE(pages, 8u);
}

TEST(HtmlView, a_trace_that_does_not_replay_shows_where_in_a_banner_and_on_the_diagram) {
  if (!chromium_installed()) GTEST_SKIP() << "chromium is not installed (./run installs it)";
  Json itf = testing::paxos_faults_trace();
  itf["states"][4]["#meta"]["action"]["value"]["envelope"]["from"] = 99;  // a 3-node trace
  const std::string trace_path = temp_path("n99.itf.json");
  const std::string html_path = temp_path("n99.html");
  write_json_file(trace_path, itf);
  ASSERT_EQ(lockstep("show " + trace_path + " --html " + html_path).exit_code, 1);
  const std::string dom = rendered_dom(html_path);
  EXPECT_EQ(count(dom, "<body[^>]*data-status=\"ready\""), 1u) << "the script did not finish";
  EXPECT_NE(dom.find("<pre id=\"errors\"></pre>"), std::string::npos) << "script errors";
  EXPECT_EQ(count(dom, "class=\"divergence-banner\">This trace does not replay: at step 4 "), 1u);
  EXPECT_EQ(count(dom, "class=\"divergence-mark\""), 1u);
  EXPECT_EQ(count(dom, "class=\"divergence-label\">[^<]*does not replay from here: the action is not enabled"), 1u);
  EXPECT_EQ(count(dom, "class=\"row unreplayed"), itf["states"].size() - 4);  // steps 4 to the end
  EXPECT_NE(dom.find("Not a run of the model: the trace diverged at step 4"), std::string::npos);  // the last step's panel
}

// The page of a stored regression trace, rendered; exit 0 expected (it replays).
std::string rendered_regression(const std::string& name, Json* itf) {
  const std::string source = std::string(LOCKSTEP_SOURCE_DIR) + "/traces/regressions/" + name + ".itf.json";
  *itf = Json::parse(testing::read_file(source));
  const std::string html_path = temp_path(name + "-views.html");
  const auto r = lockstep("show " + source + " --html " + html_path);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const std::string dom = rendered_dom(html_path);
  EXPECT_EQ(count(dom, "<body[^>]*data-status=\"ready\""), 1u) << name << ": the script did not finish";
  EXPECT_NE(dom.find("<pre id=\"errors\"></pre>"), std::string::npos) << name << ": script errors";
  return dom;
}

// Issue 14, items 15 and 16: Figure 8 (raft --bug commit-previous-term) at a glance. At the last
// step n2 leads term 4 with an entry of term 2 at index 1 (its no-op); n3 (term 4) holds the entry
// of term 1 (its own no-op of term 1) that it committed as the leader of term 3; the violation is explained with the fields; the commit is
// marked at its step; the messages still in flight are drawn.
TEST(HtmlView, figure_8_reads_at_a_glance_roles_terms_logs_commits_and_why) {
  if (!chromium_installed()) GTEST_SKIP() << "chromium is not installed (./run installs it)";
  Json itf;
  const std::string dom = rendered_regression("raft-commit-previous-term", &itf);
  // A strip per node: role (its class, for the colour), term, log entries labelled by term.
  EXPECT_EQ(count(dom, "<div class=\"strip role-[a-z]+\" data-node=\"n[123]\">"), 3u);
  EXPECT_EQ(count(dom, "<div class=\"strip role-leader\" data-node=\"n2\"><span class=\"strip-node\">n2</span>"
                       "<span class=\"strip-role\">leader</span><span class=\"strip-term\"[^>]*>term 4</span>"
                       "<span class=\"strip-log\"><span class=\"entry\" title=\"index 1: no-op \\(term 2\\)\"[^>]*>2</span>"),
            1u);
  EXPECT_EQ(count(dom, "<div class=\"strip role-follower\" data-node=\"n3\">.{0,200}?<span class=\"entry committed\" "
                       "title=\"index 1: no-op \\(term 1\\), committed\"[^>]*>1</span>"),
            1u);
  // Lifelines coloured by role, labelled where the role or term changes: the four leaders.
  EXPECT_EQ(count(dom, "<text class=\"term-label role-leader\"[^>]*>leader \u00b7 term [1-4]</text>"), 4u);
  EXPECT_GE(count(dom, "<line class=\"lifeline role-leader\""), 4u);
  // The commit marked at its step, once; the violation in words, naming the fields.
  EXPECT_EQ(count(dom, "<text class=\"decision\""), 1u);
  EXPECT_EQ(count(dom, "<tspan class=\"decision-label\">  \u2605 entry 1 \\(no-op, term 1\\) is committed</tspan>"), 1u);
  EXPECT_NE(dom.find("<p class=\"violates\">violates RAFT-LeaderCompleteness: committed entries are in every later "
                     "leader's log</p>"),
            std::string::npos);
  EXPECT_EQ(count(dom, "<ul class=\"because\"><li>entry 1 \\(no-op, term 1\\) was committed in term 3 "
                       "\\(ghost.committed\\)</li><li>but n2, leader of the later term 4 [^<]*\\(nodes.n2.node.durable.log\\)</li>"),
            1u);
  // Messages still in flight: a pending arrow each, and listed for the step.
  EXPECT_EQ(count(dom, "<path class=\"pending\""), 2u);
  EXPECT_NE(dom.find("<h3>in flight (2)</h3>"), std::string::npos);
}

// Issue 14, item 17: the state panel prints values as the text view does; paths break only after
// a dot; no sentence is cut off; a lost message's mark sits at the end of its sender's arrow.
TEST(HtmlView, the_state_is_printed_as_the_text_view_prints_it_and_nothing_is_cut) {
  if (!chromium_installed()) GTEST_SKIP() << "chromium is not installed (./run installs it)";
  Json itf;
  const std::string dom = rendered_regression("raft-commit-previous-term", &itf);
  const std::string panel = dom.substr(dom.find("<aside id=\"panel\">"));
  for (const char* encoding : {"#bigint", "#tup", "#map", "#set", "{&quot;tag", "\"tag\""}) {
    EXPECT_EQ(panel.find(encoding), std::string::npos) << encoding;
  }
  EXPECT_NE(panel.find("<span class=\"key\">voted_for: </span><span class=\"value\">n3</span>"), std::string::npos);
  EXPECT_GE(count(panel, "<span class=\"type\">Envelope</span>"), 1u);  // an opened value keeps its type
  EXPECT_NE(panel.find("entries: </span><span class=\"value\">[Entry{term=1, client=none, sequence=0, command=write(0), noop=true}]"),
            std::string::npos);
  EXPECT_NE(panel.find("<td class=\"path\">nodes.<wbr>n2.<wbr>node.<wbr>volatile_state.<wbr>role</td>"),
            std::string::npos);
  EXPECT_EQ(dom.find("overflow-wrap: anywhere"), std::string::npos);
  EXPECT_EQ(dom.find("word-break: break-all"), std::string::npos);
  EXPECT_EQ(count(dom, "<body[^>]*data-sentences-cut=\"0\""), 1u);

  // Lost messages (the faults trace has one): the mark at the end of the lost arrow.
  const std::string trace_path = temp_path("lost.itf.json");
  const std::string html_path = temp_path("lost.html");
  write_json_file(trace_path, testing::paxos_faults_trace());
  ASSERT_EQ(lockstep("show " + trace_path + " --html " + html_path).exit_code, 0);
  const std::string faults = rendered_dom(html_path);
  const std::regex lost(R"re(<g class="lost-flight"><path class="lost" d="M[-0-9.]+,[-0-9.]+ L([-0-9.]+),([-0-9.]+)"[^>]*>)re"
                        R"re(<title>[^<]*</title></path><text class="lost-mark" x="([-0-9.]+)" y="([-0-9.]+)">)re");
  std::size_t marks = 0;
  for (auto it = std::sregex_iterator(faults.begin(), faults.end(), lost); it != std::sregex_iterator(); ++it, ++marks) {
    EXPECT_NEAR(std::stod((*it)[1]), std::stod((*it)[3]), 0.1);
    EXPECT_NEAR(std::stod((*it)[2]), std::stod((*it)[4]), 0.1);
  }
  EXPECT_EQ(marks, 1u);
}

TEST(HtmlView, a_script_error_is_visible_in_the_page) {
  if (!chromium_installed()) GTEST_SKIP() << "chromium is not installed (./run installs it)";
  const std::string trace_path = temp_path("broken.itf.json");
  const std::string html_path = temp_path("broken.html");
  write_json_file(trace_path, testing::paxos_faults_trace());
  ASSERT_EQ(lockstep("show " + trace_path + " --html " + html_path).exit_code, 0);
  std::string html = testing::read_file(html_path);
  const std::string marker = "drawDiagram();\n";
  const auto at = html.rfind(marker);
  ASSERT_NE(at, std::string::npos);
  html.insert(at, "undefinedFunction();\n");  // the page must not hide its own failure
  write_text_file(html_path, html);
  const std::string dom = rendered_dom(html_path);
  EXPECT_EQ(count(dom, "<body[^>]*data-errors=\"1\""), 1u);
  EXPECT_NE(dom.find("undefinedFunction is not defined"), std::string::npos);
  EXPECT_EQ(count(dom, "<body[^>]*data-status"), 0u);
}

}  // namespace
}  // namespace lockstep
