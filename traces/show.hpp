// `lockstep show`: a trace for a person. One block per step (its action as a sentence, then only
// what changed), and a self-contained HTML page with a message-sequence diagram.
//
// Everything here comes from the model's views (checker/action_view.hpp, model/core/node_view.hpp),
// diffs (model/core/diff.hpp), decisions and explanations (the spec's) through AnyModel, so every
// protocol is shown alike. `lockstep show` replays the trace first (traces/replay.hpp) and passes
// the divergence, if any, to view_steps: the views say where the drawing stops being a run of
// the model.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "traces/replay.hpp"

namespace lockstep {

// A property a step violates, said in words: its description, and why this state breaks it,
// naming the fields (AnyModel::explain; empty where the spec says nothing more).
struct ViolationView {
  std::string property;
  std::string description;
  std::vector<std::string> because;
};

struct StepView {
  ActionView action;                    // step 0: "initial state"
  std::vector<FieldChange> changes;     // from the previous recorded state
  std::vector<std::string> violations;  // properties this state (or the step into it) violates
  std::vector<ViolationView> explained; // the same, explained
  std::vector<NodeView> nodes;          // each node as its protocol draws it (role, term, log, commit)
  std::vector<std::string> decisions;   // what is decided first at this step (a value chosen, an entry committed)
  std::vector<MessageView> in_flight;   // the messages in flight after this step
  std::vector<std::string> summary;     // what the state means, where the model says (AnyModel::summary)
  // Where the trace does not replay (traces/replay.hpp): the divergence at its step, and from
  // that step on `replayed` is false (what is drawn is the record, not a run of the model).
  std::optional<Divergence> divergence;
  bool replayed = true;
};

// `divergence`: what replay(trace) found, if anything (the views say where the drawing stops
// being a run of the model).
std::vector<StepView> view_steps(const LoadedTrace& trace, const std::optional<Divergence>& divergence = std::nullopt);
// One step's view, for a trace read a step at a time: `previous` is the step before (null for the
// initial state); `decided` carries what the steps before decided (each decision is marked once).
StepView view_step(const AnyModel& model, const ItfStep* previous, const ItfStep& step, std::size_t index,
                   std::vector<std::string>& decided, const std::optional<Divergence>& divergence);

// A divergence's field-by-field difference, one line a field: "path: recorded -> replayed".
std::vector<std::string> divergence_changes(const Divergence& divergence);

// The text view; `colour` adds ANSI colours (for a terminal).
std::string show_text(const LoadedTrace& trace, const std::vector<StepView>& steps, bool colour);
// show_text in parts, for a trace read a step at a time: the header (`trace`'s steps are not
// looked at), then each step's block.
std::string show_text_header(const LoadedTrace& trace, std::size_t step_count,
                             const std::optional<Divergence>& divergence, bool colour);
std::string show_text_step(std::size_t index, const StepView& step, bool colour);

// A message's journey, for the diagram: sent by `from` at `sent_step` (the step that put this copy
// in flight: its sender's step, or the network's duplication), and delivered to or lost on the way
// to `to` at `end_step`.
struct MessageFlight {
  std::size_t sent_step;
  std::size_t end_step;
  MessageView message;
  bool delivered;  // else lost (dropped), or still in flight when the trace ends
  bool pending;    // still in flight at the last step (end_step is the last step)
};

// One flight per delivered or dropped message, matched to the copy in flight longest; with
// `pending`, also one per copy still in flight at the end.
std::vector<MessageFlight> message_flights(const LoadedTrace& trace, const std::vector<StepView>& steps,
                                           bool pending = false);

// One step's view as the HTML page's panel draws it (html_panel_script's lockstepPanel.render):
// its sentence, kind and node, changes, violations explained, decisions, nodes, messages in
// flight, summary, whether it replayed, and `tree` (the state as AnyModel::state_tree gives it).
Json step_view_json(const StepView& view, Json tree);

// The HTML page (no network access needed: styles, script and data inline).
std::string show_html(const LoadedTrace& trace, const std::vector<StepView>& steps);

}  // namespace lockstep
