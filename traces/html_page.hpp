// The fixed parts of the HTML trace view (traces/html.cpp): styles, an error sink that makes
// script errors visible in the page (and so to a headless browser's DOM dump), and the script
// that draws the message-sequence diagram from the trace's JSON.
//
// The script reads <script id="trace" type="application/json"> and draws into #diagram: a
// lifeline per node (coloured by the node's role, labelled where its role or term changes,
// dashed while it is down), per delivered message one element of class "arrow" (and nothing else
// has that class), per lost message a group "lost-flight" (the sender's arrow cut short, class
// "lost", and its mark at the arrow's end), per message still in flight at the end one of class
// "pending", a star (class "decision") where a value is chosen or an entry committed, crashes,
// restarts, timers and client requests as marks, and, for a trace that does not replay, a red
// line (class "divergence-mark") above the step where it diverges. #panel shows the step under
// the pointer: its decisions, violations explained, a strip per node (role, term, log by index,
// committed part underlined), what changed, the messages in flight, and the state printed as
// the text view prints values (html_panel_script's lockstepPanel.render, which the explorer's
// page draws its state with too). When done it sets <body data-status="ready"> (and
// data-sentences-cut: how many sentences run past the diagram's width, 0).
#pragma once

namespace lockstep {

extern const char html_style[];
extern const char html_error_sink[];
// window.lockstepPanel: html(parent, tag, class, text); termColourer(steps) (a colour per term, in
// the order terms appear); render(panel, step, context) (a step view as the panel shows it).
extern const char html_panel_script[];
extern const char html_script[];

}  // namespace lockstep
