// `lockstep show --html`: one self-contained page. The trace's views go in as JSON (in a script
// element of type application/json); the script draws the diagram from them. Nothing is fetched.
#include <fmt/core.h>

#include "traces/html_page.hpp"
#include "traces/show.hpp"

namespace lockstep {

namespace {

std::string escape_html(const std::string& text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

// JSON that can sit inside a <script> element: '<' appears only inside strings, as \u003c.
std::string script_safe(const Json& json) {
  const std::string text = json.dump();
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (c == '<') {
      out += "\\u003c";
    } else {
      out += c;
    }
  }
  return out;
}

Json node_json(const NodeView& node) {
  Json log = Json::array();
  for (const auto& entry : node.log) log.push_back(Json{{"index", entry.index}, {"term", entry.term}, {"text", entry.text}});
  return Json{{"up", node.up},         {"role", node.role},         {"term_name", node.term_name},
              {"term", node.term},     {"has_log", node.has_log},   {"log_base", node.log_base},
              {"log", std::move(log)}, {"committed", node.committed}, {"notes", node.notes}};
}

std::string flight_label(const MessageView& message) {
  return to_string(message.from) + " \u2192 " + to_string(message.to) + ": " + message.message;
}

}  // namespace

Json step_view_json(const StepView& view, Json tree) {
  Json changes = Json::array();
  for (const auto& change : view.changes) changes.push_back(Json::array({change.path, change.before, change.after}));
  Json violations = Json::array();
  for (const auto& v : view.explained) {
    violations.push_back(Json{{"property", v.property}, {"description", v.description}, {"because", v.because}});
  }
  Json nodes = Json::array();
  for (const auto& node : view.nodes) nodes.push_back(node_json(node));
  Json in_flight = Json::array();
  for (const auto& message : view.in_flight) in_flight.push_back(flight_label(message));
  return Json{{"kind", std::string(action_kind_name(view.action.kind))},
              {"node", view.action.node.value},
              {"sentence", view.action.sentence},
              {"changes", std::move(changes)},
              {"violations", std::move(violations)},
              {"decisions", view.decisions},
              {"nodes", std::move(nodes)},
              {"in_flight", std::move(in_flight)},
              {"summary", view.summary},
              {"replayed", view.replayed},
              {"tree", std::move(tree)}};
}

namespace {

const Divergence* divergence_of(const std::vector<StepView>& steps) {
  for (const auto& step : steps) {
    if (step.divergence) return &*step.divergence;
  }
  return nullptr;
}

Json divergence_json(const Divergence* divergence) {
  if (divergence == nullptr) return nullptr;
  return Json{{"step", divergence->step},
              {"action", divergence->action},
              {"reason", divergence->reason},
              {"changes", divergence_changes(*divergence)}};
}

// Said in the page itself (not only by its script): the drawing from that step on is the record,
// not a run of the model.
std::string divergence_banner(const Divergence* divergence) {
  if (divergence == nullptr) return "";
  return fmt::format(
      "<p id=\"divergence\" class=\"divergence-banner\">This trace does not replay: at step {} ({}) {}. From step {} "
      "on, the drawing is the recorded trace, not a run of the model.</p>",
      divergence->step, escape_html(divergence->action), escape_html(divergence->reason), divergence->step);
}

Json trace_json(const LoadedTrace& trace, const std::vector<StepView>& steps) {
  Json nodes = Json::array();
  for (std::size_t i = 0; i < trace.model->node_count(); ++i) nodes.push_back(to_string(NodeId::at(i)));
  Json step_list = Json::array();
  for (std::size_t i = 0; i < steps.size(); ++i) step_list.push_back(step_view_json(steps[i], trace.model->state_tree(trace.itf.steps[i].state)));
  Json flights = Json::array();
  const auto is_node = [&](NodeId id) { return id.value >= 1 && id.value <= trace.model->node_count(); };
  for (const auto& flight : message_flights(trace, steps, true)) {
    if (!is_node(flight.message.from) || !is_node(flight.message.to)) continue;  // a record that does not replay
    flights.push_back(Json{{"sent", flight.sent_step},
                           {"end", flight.end_step},
                           {"from", flight.message.from.value},
                           {"to", flight.message.to.value},
                           {"message", flight.message.message},
                           {"delivered", flight.delivered},
                           {"pending", flight.pending}});
  }
  return Json{{"protocol", trace.model->protocol()},
              {"invariant", trace.invariant},
              {"meta", trace.itf.meta},
              {"nodes", std::move(nodes)},
              {"steps", std::move(step_list)},
              {"divergence", divergence_json(divergence_of(steps))},
              {"flights", std::move(flights)}};
}

}  // namespace

std::string show_html(const LoadedTrace& trace, const std::vector<StepView>& steps) {
  const std::string title =
      fmt::format("{} trace, {} steps{}", trace.model->protocol(), steps.size() - 1,
                  trace.invariant.empty() ? "" : ", violating " + trace.invariant);
  std::string page;
  page += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  page += "<title>" + escape_html(title) + "</title>\n<style>\n" + std::string(html_style) + "</style>\n</head>\n";
  page += "<body>\n<pre id=\"errors\"></pre>\n<script>\n" + std::string(html_error_sink) + "</script>\n";
  page += "<header><h1>" + escape_html(title) + "</h1><p id=\"summary\"></p>" + divergence_banner(divergence_of(steps)) +
          "</header>\n";
  page += "<main><div id=\"diagram\"></div><aside id=\"panel\"></aside></main>\n";
  page += "<script id=\"trace\" type=\"application/json\">" + script_safe(trace_json(trace, steps)) + "</script>\n";
  page += "<script>\n" + std::string(html_panel_script) + std::string(html_script) + "</script>\n</body>\n</html>\n";
  return page;
}

}  // namespace lockstep
