// The fixed parts of the HTML trace view (traces/html.cpp): styles, an error sink that makes
// script errors visible in the page (and so to a headless browser's DOM dump), and the script
// that draws the message-sequence diagram from the trace's JSON.
//
// The script reads <script id="trace" type="application/json"> and draws into #diagram: a
// lifeline per node (dashed while the node is down), per delivered message one element of class
// "arrow" (and nothing else has that class), per lost message one of class "lost", crashes,
// restarts, timers and client requests as marks; #panel shows the step under the pointer in
// full. When done it sets <body data-status="ready">.
#pragma once

namespace lockstep {

extern const char html_style[];
extern const char html_error_sink[];
extern const char html_script[];

}  // namespace lockstep
