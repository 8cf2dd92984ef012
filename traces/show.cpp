#include "traces/show.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cassert>
#include <deque>
#include <map>

namespace lockstep {

StepView view_step(const AnyModel& model, const ItfStep* previous, const ItfStep& step, std::size_t index,
                   std::vector<std::string>& decided, const std::optional<Divergence>& divergence) {
  StepView view;
  if (previous == nullptr) {
    view.action.sentence = "initial state";
  } else {
    view.action = model.action_view(step.action);
    view.changes = model.diff(previous->state, step.state);
  }
  const Json* before = previous == nullptr ? nullptr : &previous->state;
  view.violations = violations_at(model, before, step.state);
  for (const auto& property : view.violations) {
    view.explained.push_back({property, model.property_description(property), model.explain(property, before, step.state)});
  }
  view.summary = model.summary(step.state);
  view.nodes = model.node_views(step.state);
  view.in_flight = model.in_flight(step.state);
  for (std::string& decision : model.decided(step.state)) {
    if (std::find(decided.begin(), decided.end(), decision) != decided.end()) continue;
    view.decisions.push_back(decision);
    decided.push_back(std::move(decision));
  }
  if (divergence && index >= divergence->step) {
    view.replayed = false;
    if (index == divergence->step) view.divergence = divergence;
  }
  return view;
}

std::vector<StepView> view_steps(const LoadedTrace& trace, const std::optional<Divergence>& divergence) {
  const auto& steps = trace.itf.steps;
  std::vector<StepView> out;
  std::vector<std::string> decided;  // everything decided up to the step before
  for (std::size_t i = 0; i < steps.size(); ++i) {
    out.push_back(view_step(*trace.model, i == 0 ? nullptr : &steps[i - 1], steps[i], i, decided, divergence));
  }
  return out;
}

namespace {

std::vector<MessageView> sorted(std::vector<MessageView> messages) {
  std::sort(messages.begin(), messages.end());
  return messages;
}

std::vector<MessageView> minus(const std::vector<MessageView>& a, const std::vector<MessageView>& b) {
  std::vector<MessageView> out;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

// The copies of each message in flight, by the step that sent each (oldest first).
using SendSteps = std::map<MessageView, std::deque<std::size_t>>;

std::size_t take_oldest(SendSteps& in_flight, const MessageView& message, std::size_t otherwise) {
  auto& copies = in_flight[message];
  if (copies.empty()) return otherwise;
  const std::size_t sent = copies.front();
  copies.pop_front();
  return sent;
}

}  // namespace

std::vector<MessageFlight> message_flights(const LoadedTrace& trace, const std::vector<StepView>& steps, bool pending) {
  const AnyModel& model = *trace.model;
  std::vector<MessageFlight> flights;
  SendSteps in_flight;
  std::vector<MessageView> previous = sorted(model.in_flight(trace.itf.steps.front().state));
  for (const auto& message : previous) in_flight[message].push_back(0);
  for (std::size_t i = 1; i < steps.size(); ++i) {
    const std::vector<MessageView> current = sorted(model.in_flight(trace.itf.steps[i].state));
    const ActionView& action = steps[i].action;
    const bool ends_flight = action.kind == ActionKind::deliver || action.kind == ActionKind::drop;
    bool ended = false;
    for (const auto& message : minus(previous, current)) {
      const std::size_t sent = take_oldest(in_flight, message, i);
      if (ends_flight && !ended && action.message == message) {
        flights.push_back({sent, i, message, action.kind == ActionKind::deliver, false});
        ended = true;
      }
    }
    for (const auto& message : minus(current, previous)) in_flight[message].push_back(i);
    if (ends_flight && !ended && action.message) {
      // The step consumed one copy and sent an equal one (or the model shows no network).
      flights.push_back({take_oldest(in_flight, *action.message, i), i, *action.message,
                         action.kind == ActionKind::deliver, false});
      if (std::binary_search(current.begin(), current.end(), *action.message)) in_flight[*action.message].push_back(i);
    }
    previous = current;
  }
  if (pending) {
    for (const auto& [message, sent_steps] : in_flight) {
      for (const std::size_t sent : sent_steps) flights.push_back({sent, steps.size() - 1, message, false, true});
    }
  }
  for (const auto& flight : flights) assert(flight.sent_step <= flight.end_step);
  return flights;
}

std::vector<std::string> divergence_changes(const Divergence& divergence) {
  std::vector<std::string> out;
  for (const auto& change : divergence.changes) {
    out.push_back(fmt::format("{}: {} -> {}", change.path.empty() ? "state" : change.path,
                              change.before.empty() ? "(absent)" : change.before,
                              change.after.empty() ? "(absent)" : change.after));
  }
  return out;
}

namespace {

struct Style {
  bool colour;
  std::string paint(const std::string& text, const char* code) const {
    return colour ? std::string("\x1b[") + code + "m" + text + "\x1b[0m" : text;
  }
  std::string bold(const std::string& text) const { return paint(text, "1"); }
  std::string dim(const std::string& text) const { return paint(text, "2"); }
  std::string red(const std::string& text) const { return paint(text, "31"); }
  std::string green(const std::string& text) const { return paint(text, "32"); }
  std::string cyan(const std::string& text) const { return paint(text, "36"); }
};

std::string header(const LoadedTrace& trace, std::size_t step_count, const std::optional<Divergence>& divergence,
                   const Style& style) {
  const Json& meta = trace.itf.meta;
  std::string out = style.bold(fmt::format("{} trace, {} steps", trace.model->protocol(), step_count));
  out += trace.invariant.empty() ? "; it records no violation\n"
                                 : "; it records a violation of " + style.bold(trace.invariant) + "\n";
  if (meta.contains("bounds") && meta["bounds"].is_object()) {
    std::string bounds;
    for (const auto& [key, value] : meta["bounds"].items()) {
      bounds += fmt::format("{}{}={}", bounds.empty() ? "" : " ", key, value.is_null() ? "none" : itf_text(value));
    }
    out += style.dim("  bounds  " + bounds) + "\n";
  }
  if (meta.contains("source") && meta["source"].is_string()) {
    out += style.dim("  source  " + meta["source"].get<std::string>()) + "\n";
  }
  if (divergence) {
    out += style.bold(style.red(fmt::format("  it does not replay: the model diverges at step {}", divergence->step))) + "\n";
  }
  return out;
}

std::string change_line(const FieldChange& change, std::size_t width, const Style& style) {
  std::string what;
  if (change.before.empty()) {
    what = style.green("+ " + change.after);
  } else if (change.after.empty()) {
    what = style.red("- " + change.before);
  } else {
    what = style.red(change.before) + " -> " + style.green(change.after);
  }
  return fmt::format("        {:<{}}  {}\n", change.path, width, what);
}

// The step where the replay diverges: why, and that what follows is not a run of the model.
std::string divergence_lines(const Divergence& divergence, const Style& style) {
  std::string out = "        " + style.bold(style.red("DIVERGES here: " + divergence.reason)) + "\n";
  out += "        " + style.red("from this step on, this is the recorded trace, not a run of the model") + "\n";
  if (!divergence.changes.empty()) out += "        recorded -> replayed:\n";
  for (const auto& line : divergence_changes(divergence)) out += "          " + line + "\n";
  return out;
}

std::string step_block(std::size_t index, const StepView& step, const Style& style) {
  std::string out = fmt::format("\n{} {}\n", style.bold(fmt::format("step {:<3}", index)), style.cyan(step.action.sentence));
  if (step.divergence) out += divergence_lines(*step.divergence, style);
  std::size_t width = 0;
  for (const auto& change : step.changes) width = std::max(width, change.path.size());
  width = std::min<std::size_t>(width, 56);
  for (const auto& change : step.changes) out += change_line(change, width, style);
  for (const auto& line : step.summary) out += "        | " + line + "\n";
  for (const auto& decision : step.decisions) out += "        " + style.green("* " + decision) + "\n";
  for (const auto& violation : step.explained) {
    out += "        " + style.bold(style.red("violates " + violation.property)) +
           (violation.description.empty() ? "" : ": " + violation.description) + "\n";
    for (const auto& line : violation.because) out += "          " + style.red(line) + "\n";
  }
  return out;
}

}  // namespace

std::string show_text(const LoadedTrace& trace, const std::vector<StepView>& steps, bool colour) {
  std::optional<Divergence> divergence;
  for (const auto& step : steps) {
    if (step.divergence) divergence = step.divergence;
  }
  std::string out = show_text_header(trace, steps.size() - 1, divergence, colour);
  for (std::size_t i = 0; i < steps.size(); ++i) out += show_text_step(i, steps[i], colour);
  return out;
}

std::string show_text_header(const LoadedTrace& trace, std::size_t step_count,
                             const std::optional<Divergence>& divergence, bool colour) {
  return header(trace, step_count, divergence, Style{colour});
}

std::string show_text_step(std::size_t index, const StepView& step, bool colour) {
  return step_block(index, step, Style{colour});
}

}  // namespace lockstep
