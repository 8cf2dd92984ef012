// `lockstep explore`: a model walked by hand in the browser. This is what the explorer's page asks
// and what it is answered, as JSON; the HTTP server (impl/cli/explore_command.cpp) only carries
// it. Nothing here keeps a walk: the page sends the path it has walked (states and actions, as
// traces hold them) and gets back the view of its last state, so that stepping back is the page
// dropping a step, and two tabs never disturb each other.
//
// Every view is computed as `lockstep show` computes a step (traces/show.hpp): the action as a
// sentence, what changed, decisions, violations explained, nodes, messages in flight, the state
// as the text view prints values, and the text block `show` prints for the step. The path is
// replayed on the way, so a path that is not a run of the model (a hand-edited request, a trace
// that diverges) is said to be one, at its step, as `show` says it.
//
// Models: model 0 is the one `check` would explore with the command line's bounds. A trace loaded
// into the page whose parameters differ (other bounds, another bug) adds its own model, rebuilt
// from its "#meta" as `replay` rebuilds it; the page then walks on with that one.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "checker/registry.hpp"

namespace lockstep {

// A request the explorer cannot answer: the message says what is wrong with it (HTTP 400).
struct ExplorerError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Explorer {
 public:
  // `args`: the protocol's options as the command line gave them (checked by the caller);
  // `command`: that command line, shown on the page.
  Explorer(const ProtocolEntry& entry, ProtocolArgs args, std::string command);

  // {"protocol", "description", "command", "bug", "models": [model(0), ...]}.
  Json session() const;
  // {"id", "protocol", "origin", "parameters" (the model's JSON), "properties" (every property:
  // name, kind, description), "nodes" (their names), "initial" (the initial states), "checkable"
  // (whether `check` runs on it: model 0)}. ExplorerError for an unknown id.
  Json model(std::size_t id) const;
  // The view of a path's last state. `request`: {"model": id, "path": [{"action": a, "state": s}, ...]}
  // where path[0] is an initial state (its action null or {"tag": "Init"}) and each later step an
  // action and the state it led to. Answers {"index", "step" (the step's view as `show --html`
  // draws it), "text" (as `show` prints it), "sentences" (each step's, for the path), "replayed", "divergence", "within_bounds",
  // "properties" (each with its status along the path), "enabled" (every enabled action: its
  // sentence, the state it leads to, whether that is within the bounds, what it would violate
  // that the last state does not violate already)}.
  Json view(const Json& request) const;
  // `lockstep check` on model 0 with the command line's bounds, on every core. The search polls
  // `stop`: the explorer sets it once `seconds_max` passed, the caller to cancel. Answers
  // {"outcome", "property", "distinct_states", "depth", "seconds", "stop_reason",
  // "sometimes_unreached", "model": 0, "path" (the counterexample, when there is one)}.
  Json check(double seconds_max, std::atomic<bool>& stop) const;
  // A trace file's text (ITF, as `check` writes it): {"model" (its model's id), "path",
  // "invariant" (what it records), "divergence" (where it stops replaying, or null), "name"}.
  // ExplorerError (the trace reader's message) for text that is not a trace of a known protocol.
  Json load_trace(std::string_view text, const std::string& name);

  // At most this many models (a trace with new parameters adds one).
  static constexpr std::size_t models_max = 64;

 private:
  struct Slot;
  std::shared_ptr<const Slot> slot(std::size_t id) const;
  Json model_json(const Slot& slot) const;

  const ProtocolEntry& entry_;
  ProtocolArgs args_;
  std::string command_;
  mutable std::mutex mutex_;
  std::vector<std::shared_ptr<const Slot>> models_;
};

// The explorer's page: self-contained (styles and scripts inline); it talks to the server that
// served it (GET /api/session, POST /api/view, /api/check, /api/trace).
std::string explorer_page();

}  // namespace lockstep
