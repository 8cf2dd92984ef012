// Test support for tests that use a web page as a person would: a real headless Chromium, driven
// over the Chrome DevTools Protocol (CDP: JSON messages on a WebSocket to the page), every wait
// bounded.
//
//   Browser              starts `chromium --headless` with a fresh profile, connects to its one
//                        page; open a URL, evaluate JavaScript in the page (a click is
//                        `evaluate("document.querySelector('#go').click()")`), wait for a condition
//                        (polled inside the page), put a file into an <input type=file>, and list
//                        the errors the page reported; chromium killed (its whole process group)
//                        and its profile removed when destroyed;
//   chromium_available   whether there is a `chromium` on the PATH (tests skip without one).
//
// One thread at a time: a Browser reads its socket only while one of its calls runs (events that
// arrive meanwhile wait in the socket, none is lost). The implementation uses Boost.Beast: a
// program that uses this needs -pthread, nothing more (Beast and Asio are header-only).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "model/core/json.hpp"

namespace lockstep::testing {

class Browser {
 public:
  // Starts chromium (headless, no sandbox, no GPU, no first-run, background networking, component
  // updates, sync and extensions off, a fresh temporary --user-data-dir, --remote-debugging-port=0,
  // about:blank), waits for the "DevTools listening on ws://..." line on its stderr, finds its page
  // (GET /json/list on the debugging port) and connects to it. `timeout` bounds the start and, from
  // then on, every single call (open, evaluate, set_file_input; wait_for has its own). Throws
  // std::runtime_error, with the end of chromium's stderr, when chromium cannot be started, exits
  // or does not answer in time.
  explicit Browser(std::chrono::milliseconds timeout = std::chrono::seconds(60));
  // Closes the connection, kills chromium and all it started (SIGKILL to its process group),
  // reaps it and removes the profile.
  ~Browser();
  Browser(Browser&& other) noexcept;
  Browser& operator=(Browser&& other) noexcept;
  Browser(const Browser&) = delete;
  Browser& operator=(const Browser&) = delete;

  // Navigates the page to `url` (http://, file://, data:...) and returns when that document has
  // loaded (its load event fired, document.readyState == "complete"). Throws when the navigation
  // fails (e.g. net::ERR_FILE_NOT_FOUND) or does not finish in time.
  void open(const std::string& url);

  // Evaluates a JavaScript expression in the page, as a user gesture (so that what it clicks
  // counts as the user's click); a promise is awaited. Returns its value as JSON (undefined:
  // null; NaN, Infinity, -0 and bigints: their text; DOM nodes and functions: {}). Throws
  // std::runtime_error with the JavaScript exception (message and stack) when it throws or the
  // promise rejects.
  Json evaluate(const std::string& expression);

  // Waits until the JavaScript expression `condition` is truthy: it is checked inside the page at
  // every animation frame (and at least every 20 ms), not from here. A condition that throws
  // counts as false (`document.querySelector('#x').textContent == 'done'` may throw until #x
  // exists). Still waits when the page navigates meanwhile (checked again in the new document).
  // Throws std::runtime_error naming the condition (and its last exception) when `timeout` passed.
  void wait_for(const std::string& condition, std::chrono::milliseconds timeout = std::chrono::seconds(30));

  // Puts the file `path` (made absolute; it must exist) into the <input type=file> that `selector`
  // (CSS) matches first, as if the user had chosen it: Chromium fires the input's input and
  // change events. Throws when nothing matches or it is not a file input.
  void set_file_input(const std::string& selector, const std::string& path);

  // What the page reported so far, in order: its uncaught exceptions and unhandled rejections
  // ("Uncaught Error: boom\n    at ... (file:///...:12:5)") and its console.error and failed
  // console.assert calls ("console.error: ..."). Exceptions thrown by evaluate() are not here (the
  // call threw them). A round trip to the page first, so that whatever it reported before now has
  // arrived; when that fails the list ends with a line saying why (so it is not empty).
  std::vector<std::string> page_errors() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Whether `chromium` is on the PATH (what `command -v chromium` says).
bool chromium_available();

}  // namespace lockstep::testing
