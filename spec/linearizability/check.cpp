// The models the command line knows, and the verdict as text and as JSON.
#include "spec/linearizability/check.hpp"

#include <fmt/core.h>

#include <stdexcept>

#include "spec/linearizability/check_impl.hpp"
#include "spec/linearizability/lock_spec.hpp"
#include "spec/linearizability/register_spec.hpp"

namespace lockstep::linearizability {

namespace {

std::string_view result_name(Result result) {
  switch (result) {
    case Result::linearizable: return "linearizable";
    case Result::not_linearizable: return "not_linearizable";
    case Result::unknown: return "unknown";
  }
  return "?";
}

std::string key_name(const std::string& key) { return key.empty() ? "(no key)" : fmt::format("\"{}\"", key); }

std::string window_line(const RawCall& call, const std::string& process) {
  const std::string completion =
      call.complete_index ? fmt::format("{} at {}", outcome_name(call.outcome), *call.complete_index) : "pending";
  std::string text = fmt::format("    invoke at {:<6} {:<14} process {:<8} {}", call.invoke_index, completion, process, call.f);
  // (appended piecewise: GCC 12 warns falsely on `" -> " + std::string&&`)
  if (call.key) text.append(" ").append(*call.key);
  if (!call.input.is_null()) text.append(" ").append(call.input.dump());
  if (call.outcome == Outcome::ok) text.append(" -> ").append(call.output.dump());
  return text;
}

// Which bound an unknown verdict gave up at.
const char* bound_reached(const Verdict& verdict) { return verdict.memory_bound ? "memory" : "time"; }

}  // namespace

std::vector<std::string> model_names() { return {std::string(LockSpec::name), std::string(RegisterSpec::name)}; }

Verdict check_history(History& history, const std::string& model, const CheckOptions& options) {
  if (model == LockSpec::name) return check_with<LockSpec>(history, options);
  if (model == RegisterSpec::name) return check_with<RegisterSpec>(history, options);
  throw std::invalid_argument(fmt::format("unknown model \"{}\" (known: lock, register)", model));
}

std::string verdict_text(const History& history, const Verdict& verdict) {
  const std::string left_out =
      verdict.left_out == 0 ? "" : fmt::format(" ({} left out of a key's search: they cannot change its verdict)", verdict.left_out);
  const std::string figures = fmt::format("{} calls in {} partition{}{}, {} configurations, {:.3f} s", verdict.operations,
                                          verdict.partitions, verdict.partitions == 1 ? "" : "s", left_out,
                                          verdict.configurations, verdict.seconds);
  if (verdict.result == Result::linearizable) return fmt::format("linearizable ({} model): {}\n", verdict.model, figures);
  if (verdict.result == Result::unknown) {
    return fmt::format("UNKNOWN ({} model): gave up at the {} bound before deciding: {}\n", verdict.model,
                       bound_reached(verdict), figures);
  }
  std::string text = fmt::format("NOT LINEARIZABLE ({} model): key {}\n", verdict.model, key_name(verdict.key.value_or("")));
  if (verdict.prefix_events) {
    text += fmt::format("  this key's calls are linearizable up to event {} (events 0..{}); not with event {}\n",
                        *verdict.prefix_events, *verdict.prefix_events == 0 ? 0 : *verdict.prefix_events - 1,
                        *verdict.prefix_events);
  }
  if (verdict.state_after_prefix) text += fmt::format("  one state consistent with that prefix: {}\n", *verdict.state_after_prefix);
  text += fmt::format("  {} window of {} call{}{}:\n", verdict.window_minimal ? "smallest non-linearizable" : "non-linearizable",
                      verdict.window.size(), verdict.window.size() == 1 ? "" : "s",
                      verdict.window_minimal ? " (if any one of them may not have taken effect, it is linearizable)"
                                             : " (not fully shrunk: time bound)");
  if (verdict.prefix_events) {
    text += fmt::format("  (the key's other calls invoked by event {} stay as context: each may or may not have taken effect)\n",
                        *verdict.prefix_events);
  }
  for (const std::size_t raw : verdict.window) {
    const RawCall& call = history.calls[raw];
    text += window_line(call, history.process_names[call.process]) + "\n";
  }
  return text + "  " + figures + "\n";
}

Json verdict_json(const History& history, const Verdict& verdict) {
  Json window = Json::array();
  for (std::size_t i = 0; i < verdict.window.size(); ++i) {
    const RawCall& call = history.calls[verdict.window[i]];
    window.push_back(Json{{"process", history.process_names[call.process]},
                          {"f", call.f},
                          {"key", call.key ? Json(*call.key) : Json(nullptr)},
                          {"value", call.input},
                          {"type", outcome_name(call.outcome)},
                          {"output", call.output},
                          {"invoke_index", call.invoke_index},
                          {"complete_index", call.complete_index ? Json(*call.complete_index) : Json(nullptr)},
                          {"description", verdict.window_descriptions[i]}});
  }
  const auto optional_json = [](const auto& value) { return value ? Json(*value) : Json(nullptr); };
  return Json{{"result", result_name(verdict.result)},
              {"model", verdict.model},
              {"operations", verdict.operations},
              {"partitions", verdict.partitions},
              {"left_out", verdict.left_out},
              {"configurations", verdict.configurations},
              {"seconds", verdict.seconds},
              {"gave_up", verdict.result != Result::unknown ? Json(nullptr) : Json(bound_reached(verdict))},
              {"key", optional_json(verdict.key)},
              {"linearizable_prefix_events", optional_json(verdict.prefix_events)},
              {"state_after_prefix", optional_json(verdict.state_after_prefix)},
              {"window_minimal", verdict.window_minimal},
              {"window", std::move(window)}};
}

}  // namespace lockstep::linearizability
