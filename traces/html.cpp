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

Json step_json(const StepView& view, const Json& state) {
  Json changes = Json::array();
  for (const auto& change : view.changes) changes.push_back(Json::array({change.path, change.before, change.after}));
  return Json{{"kind", std::string(action_kind_name(view.action.kind))},
              {"node", view.action.node.value},
              {"sentence", view.action.sentence},
              {"changes", std::move(changes)},
              {"violations", view.violations},
              {"summary", view.summary},
              {"state", state}};
}

Json trace_json(const LoadedTrace& trace, const std::vector<StepView>& steps) {
  Json nodes = Json::array();
  for (std::size_t i = 0; i < trace.model->node_count(); ++i) nodes.push_back(to_string(NodeId::at(i)));
  Json step_list = Json::array();
  for (std::size_t i = 0; i < steps.size(); ++i) step_list.push_back(step_json(steps[i], trace.itf.steps[i].state));
  Json flights = Json::array();
  for (const auto& flight : message_flights(trace, steps)) {
    flights.push_back(Json{{"sent", flight.sent_step},
                           {"end", flight.end_step},
                           {"from", flight.message.from.value},
                           {"to", flight.message.to.value},
                           {"message", flight.message.message},
                           {"delivered", flight.delivered}});
  }
  return Json{{"protocol", trace.model->protocol()},
              {"invariant", trace.invariant},
              {"meta", trace.itf.meta},
              {"nodes", std::move(nodes)},
              {"steps", std::move(step_list)},
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
  page += "<header><h1>" + escape_html(title) + "</h1><p id=\"summary\"></p></header>\n";
  page += "<main><div id=\"diagram\"></div><aside id=\"panel\"></aside></main>\n";
  page += "<script id=\"trace\" type=\"application/json\">" + script_safe(trace_json(trace, steps)) + "</script>\n";
  page += "<script>\n" + std::string(html_script) + "</script>\n</body>\n</html>\n";
  return page;
}

}  // namespace lockstep
