// `lockstep show`: a trace for a person. One block per step (its action as a sentence, then only
// what changed), and a self-contained HTML page with a message-sequence diagram.
//
// Everything here comes from the model's views (checker/action_view.hpp) and diffs
// (model/core/diff.hpp) through AnyModel, so every protocol is shown alike.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "traces/replay.hpp"

namespace lockstep {

struct StepView {
  ActionView action;                    // step 0: "initial state"
  std::vector<FieldChange> changes;     // from the previous recorded state
  std::vector<std::string> violations;  // properties this state (or the step into it) violates
  std::vector<std::string> summary;     // what the state means, where the model says (AnyModel::summary)
};

std::vector<StepView> view_steps(const LoadedTrace& trace);
// One step's view (`previous`: the step before; null for the initial state).
StepView view_step(const AnyModel& model, const ItfStep* previous, const ItfStep& step);

// The text view; `colour` adds ANSI colours (for a terminal).
std::string show_text(const LoadedTrace& trace, const std::vector<StepView>& steps, bool colour);
// show_text in parts, for a trace read a step at a time: the header (`trace`'s steps are not
// looked at), then each step's block.
std::string show_text_header(const LoadedTrace& trace, std::size_t step_count, bool colour);
std::string show_text_step(std::size_t index, const StepView& step, bool colour);

// A message's journey, for the diagram: sent by `from` at `sent_step` (the step that put this copy
// in flight: its sender's step, or the network's duplication), and delivered to or lost on the way
// to `to` at `end_step`.
struct MessageFlight {
  std::size_t sent_step;
  std::size_t end_step;
  MessageView message;
  bool delivered;  // else lost (dropped)
};

// One flight per delivered or dropped message, matched to the copy in flight longest.
std::vector<MessageFlight> message_flights(const LoadedTrace& trace, const std::vector<StepView>& steps);

// The HTML page (no network access needed: styles, script and data inline).
std::string show_html(const LoadedTrace& trace, const std::vector<StepView>& steps);

}  // namespace lockstep
