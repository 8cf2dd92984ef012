// Reading a history: the JSON shape of every event, and the pairing of completions with
// invocations (at most one outstanding operation per process).
#include "spec/linearizability/history.hpp"

#include <fmt/core.h>

#include <limits>
#include <map>

namespace lockstep::linearizability {

namespace {

// Deeper nesting than any history needs is refused before parsing (hostile input).
constexpr std::size_t nesting_max = 64;
constexpr std::size_t events_max = std::numeric_limits<EventIndex>::max() - 1;

[[noreturn]] void fail_at(std::size_t index, const std::string& message) {
  throw HistoryError(fmt::format("event {}: {}", index, message));
}

void check_nesting(std::string_view text) {
  std::size_t depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    else if (c == '[' || c == '{') {
      if (++depth > nesting_max) throw HistoryError(fmt::format("not a history: JSON nested deeper than {}", nesting_max));
    } else if ((c == ']' || c == '}') && depth > 0) --depth;
  }
}

Outcome parse_type(const Json& type, std::size_t index, bool& is_invoke) {
  if (!type.is_string()) fail_at(index, "\"type\" must be a string: invoke, ok, fail or info");
  const auto& name = type.get_ref<const std::string&>();
  is_invoke = name == "invoke";
  if (is_invoke) return Outcome::pending;
  if (name == "ok") return Outcome::ok;
  if (name == "fail") return Outcome::fail;
  if (name == "info") return Outcome::info;
  fail_at(index, fmt::format("unknown type \"{}\" (expected invoke, ok, fail or info)", name));
}

std::optional<std::string> parse_key(const Json& event, std::size_t index) {
  const auto it = event.find("key");
  if (it == event.end() || it->is_null()) return std::nullopt;
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_integer()) return it->dump();
  fail_at(index, "\"key\" must be a string or an integer");
}

}  // namespace

std::string_view outcome_name(Outcome outcome) {
  switch (outcome) {
    case Outcome::ok: return "ok";
    case Outcome::fail: return "fail";
    case Outcome::info: return "info";
    case Outcome::pending: return "pending";
  }
  return "?";
}

std::string describe_json(const Json& value) {
  if (value.is_string()) return value.get<std::string>();
  return value.dump();
}

ProcessId History::intern_process(const Json& process, EventIndex index) {
  if (!process.is_string() && !process.is_number_integer()) fail_at(index, "a process must be an integer or a string");
  const std::string name = describe_json(process);
  const auto [it, inserted] = process_ids.emplace(name, static_cast<ProcessId>(process_names.size()));
  if (inserted) process_names.push_back(name);
  return it->second;
}

History read_history(const Json& document) {
  History history;
  const Json* events = &document;
  if (document.is_object()) {
    const auto model = document.find("model");
    if (model != document.end() && !model->is_null()) {
      if (!model->is_string()) throw HistoryError("\"model\" must be a string");
      history.model = model->get<std::string>();
    }
    const auto list = document.find("history");
    if (list == document.end()) throw HistoryError("not a history: expected an array of events or {\"history\": [...]}");
    events = &*list;
  }
  if (!events->is_array()) throw HistoryError("not a history: expected an array of events or {\"history\": [...]}");
  if (events->size() > events_max) throw HistoryError("too many events");
  history.event_count = events->size();
  std::map<ProcessId, std::size_t> outstanding;  // process -> its call (index into calls)
  for (std::size_t i = 0; i < events->size(); ++i) {
    const Json& event = (*events)[i];
    const auto index = static_cast<EventIndex>(i);
    if (!event.is_object()) fail_at(i, "an event must be an object");
    if (!event.contains("process")) fail_at(i, "missing \"process\"");
    if (!event.contains("type")) fail_at(i, "missing \"type\"");
    if (!event.contains("f") || !event["f"].is_string()) fail_at(i, "missing \"f\" (a string)");
    const ProcessId process = history.intern_process(event["process"], index);
    bool is_invoke = false;
    const Outcome outcome = parse_type(event["type"], i, is_invoke);
    const std::string f = event["f"].get<std::string>();
    const auto key = parse_key(event, i);
    const Json value = event.contains("value") ? event["value"] : Json(nullptr);
    const auto open = outstanding.find(process);
    if (is_invoke) {
      if (open != outstanding.end()) {
        fail_at(i, fmt::format("process {} invokes while its operation invoked at event {} is outstanding",
                               history.process_names[process], history.calls[open->second].invoke_index));
      }
      outstanding.emplace(process, history.calls.size());
      history.calls.push_back(RawCall{process, f, key, value, Outcome::pending, Json(nullptr), index, std::nullopt});
      continue;
    }
    if (open == outstanding.end()) {
      fail_at(i, fmt::format("a completion ({}) by process {} without an outstanding invocation",
                             outcome_name(outcome), history.process_names[process]));
    }
    RawCall& call = history.calls[open->second];
    if (call.f != f) fail_at(i, fmt::format("completion f \"{}\" does not match its invocation's \"{}\" (event {})", f, call.f, call.invoke_index));
    if (key && call.key != key) fail_at(i, fmt::format("completion key does not match its invocation's (event {})", call.invoke_index));
    call.outcome = outcome;
    call.output = value;
    call.complete_index = index;
    outstanding.erase(open);
  }
  return history;
}

History parse_history(std::string_view text) {
  check_nesting(text);
  Json document;
  try {
    document = Json::parse(text.begin(), text.end());
  } catch (const Json::exception& e) {
    throw HistoryError(fmt::format("not JSON: {}", e.what()));
  }
  return read_history(document);
}

}  // namespace lockstep::linearizability
