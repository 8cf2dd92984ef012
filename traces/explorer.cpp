#include "traces/explorer.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <thread>

#include "checker/engine/deadline.hpp"
#include "traces/replay.hpp"
#include "traces/show.hpp"

namespace lockstep {

// One model the page may walk: its AnyModel and where it came from.
struct Explorer::Slot {
  std::unique_ptr<AnyModel> model;
  std::string origin;  // "the command line" or "trace <name>"
};

namespace {

// Paths longer than this are refused: no trace the checker writes comes near it, and each view
// replays the whole path.
constexpr std::size_t path_steps_max = 20000;

const Json& member(const Json& object, const char* key, const std::string& where) {
  if (!object.is_object() || !object.contains(key)) throw ExplorerError(where + ": expected an object with \"" + key + "\"");
  return object[key];
}

std::size_t model_id(const Json& request) {
  const Json& id = member(request, "model", "request");
  if (!id.is_number_integer() || id.get<std::int64_t>() < 0) {
    throw ExplorerError("request.model: expected a model's id (a whole number), found " + id.dump());
  }
  return id.get<std::size_t>();
}

bool is_init(const Json& action) {
  return action.is_null() || (action.is_object() && action.contains("tag") && action["tag"] == "Init");
}

// The path in canonical form (decoded and encoded again); ExplorerError naming the step and the
// field for what does not decode.
std::vector<ItfStep> canonical_path(const AnyModel& model, const Json& path) {
  if (!path.is_array() || path.empty()) throw ExplorerError("request.path: expected a non-empty list of steps");
  if (path.size() > path_steps_max) {
    throw ExplorerError(fmt::format("request.path: {} steps; the explorer walks at most {}", path.size(), path_steps_max));
  }
  std::vector<ItfStep> steps;
  steps.reserve(path.size());
  for (std::size_t i = 0; i < path.size(); ++i) {
    const std::string where = fmt::format("request.path[{}]", i);
    ItfStep step;
    try {
      step.state = model.canonical_state(member(path[i], "state", where));
      const Json& action = member(path[i], "action", where);
      if (i == 0) {
        if (!is_init(action)) throw ExplorerError(where + ".action: the first step is an initial state: its action is null");
        step.action = Json{{"tag", "Init"}, {"value", Json::object()}};
      } else {
        step.action = model.canonical_action(action);
      }
    } catch (const ExplorerError&) {
      throw;
    } catch (const std::exception& e) {  // JsonError, a container's CapacityError, nlohmann's errors
      throw ExplorerError(where + ": " + e.what());
    }
    steps.push_back(std::move(step));
  }
  return steps;
}

Json divergence_json(const std::optional<Divergence>& divergence) {
  if (!divergence) return nullptr;
  return Json{{"step", divergence->step},
              {"action", divergence->action},
              {"reason", divergence->reason},
              {"changes", divergence_changes(*divergence)}};
}

// Each property's status along the path: an "always" property "violated" in the last state,
// else "violated earlier" (at "step"), else "holds"; a transition property the same for the
// steps; a "sometimes" property "reached" (first at "step") or "not reached".
Json property_statuses(const AnyModel& model, const std::vector<ItfStep>& steps) {
  const Json list = model.property_list();
  const std::size_t last = steps.size() - 1;
  std::vector<std::vector<std::string>> violated(steps.size());
  std::vector<std::vector<std::string>> reached(steps.size());
  for (std::size_t i = 0; i < steps.size(); ++i) {
    violated[i] = violations_at(model, i == 0 ? nullptr : &steps[i - 1].state, steps[i].state);
    reached[i] = model.sometimes_reached(steps[i].state);
  }
  const auto first_in = [&](const std::vector<std::vector<std::string>>& per_step, const std::string& name) -> std::optional<std::size_t> {
    for (std::size_t i = 0; i < per_step.size(); ++i) {
      if (std::find(per_step[i].begin(), per_step[i].end(), name) != per_step[i].end()) return i;
    }
    return std::nullopt;
  };
  Json out = Json::array();
  for (const Json& property : list) {
    const std::string name = property["name"].get<std::string>();
    Json status = property;
    if (property["kind"] == "sometimes") {
      const auto step = first_in(reached, name);
      status["status"] = step ? "reached" : "not reached";
      status["step"] = step ? Json(*step) : Json();
    } else {
      const bool now = std::find(violated[last].begin(), violated[last].end(), name) != violated[last].end();
      const auto step = first_in(violated, name);
      status["status"] = now ? "violated" : step ? "violated earlier" : "holds";
      status["step"] = step ? Json(*step) : Json();
    }
    out.push_back(std::move(status));
  }
  return out;
}

Json path_json(const std::vector<ItfStep>& steps) {
  Json path = Json::array();
  for (std::size_t i = 0; i < steps.size(); ++i) {
    path.push_back(Json{{"action", i == 0 ? Json() : steps[i].action}, {"state", steps[i].state}});
  }
  return path;
}

}  // namespace

Explorer::Explorer(const ProtocolEntry& entry, ProtocolArgs args, std::string command)
    : entry_(entry), args_(std::move(args)), command_(std::move(command)) {
  models_.push_back(std::make_shared<const Slot>(Slot{entry_.model(args_), "the command line"}));
}

std::shared_ptr<const Explorer::Slot> Explorer::slot(std::size_t id) const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (id >= models_.size()) throw ExplorerError(fmt::format("model {}: no such model (there are {})", id, models_.size()));
  return models_[id];
}

Json Explorer::model_json(const Slot& slot) const {
  const AnyModel& model = *slot.model;
  Json nodes = Json::array();
  for (std::size_t i = 0; i < model.node_count(); ++i) nodes.push_back(to_string(NodeId::at(i)));
  return Json{{"protocol", model.protocol()},
              {"origin", slot.origin},
              {"parameters", model.model_json()},
              {"properties", model.property_list()},
              {"nodes", std::move(nodes)},
              {"initial", model.initial_states()}};
}

Json Explorer::session() const {
  Json models = Json::array();
  std::size_t count = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    count = models_.size();
  }
  for (std::size_t i = 0; i < count; ++i) models.push_back(model(i));
  return Json{{"protocol", entry_.name},
              {"description", entry_.description},
              {"command", command_},
              {"bug", args_.bug},
              {"models", std::move(models)}};
}

Json Explorer::model(std::size_t id) const {
  Json out = model_json(*slot(id));
  out["id"] = id;
  out["checkable"] = id == 0;
  return out;
}

Json Explorer::view(const Json& request) const {
  const auto held = slot(model_id(request));
  const AnyModel& model = *held->model;
  const std::vector<ItfStep> steps = canonical_path(model, member(request, "path", "request"));

  // Replayed as `replay` replays a trace: where the path stops being a run of the model.
  Replayer replayer(model);
  for (const ItfStep& step : steps) {
    replayer.add(step);
    if (replayer.result().divergence) break;
  }
  const std::optional<Divergence> divergence = replayer.result().divergence;

  // The last step's view, as `show` computes it (decisions marked where they first appear).
  std::vector<std::string> decided;
  for (std::size_t i = 0; i + 1 < steps.size(); ++i) {
    for (std::string& decision : model.decided(steps[i].state)) {
      if (std::find(decided.begin(), decided.end(), decision) == decided.end()) decided.push_back(std::move(decision));
    }
  }
  const std::size_t index = steps.size() - 1;
  const ItfStep& last = steps[index];
  const StepView step = view_step(model, index == 0 ? nullptr : &steps[index - 1], last, index, decided, divergence);

  Json sentences = Json::array();
  for (std::size_t i = 0; i < steps.size(); ++i) sentences.push_back(i == 0 ? std::string("initial state") : model.describe(steps[i].action));

  // What each next step would break that the last state does not break already (a state that
  // violates an invariant passes it on to most of its successors: that is no news).
  const std::vector<std::string> already = model.violated(last.state);
  Json enabled = Json::array();
  for (EnabledStep& next : model.enabled(last.state)) {
    const ActionView action = model.action_view(next.action);
    std::vector<std::string> violates = violations_at(model, &last.state, next.next);
    std::erase_if(violates, [&](const std::string& name) {
      return std::find(already.begin(), already.end(), name) != already.end();
    });
    Json item{{"action", std::move(next.action)},
              {"sentence", action.sentence},
              {"kind", std::string(action_kind_name(action.kind))},
              {"node", action.node.value},
              {"within_bounds", next.within_bounds},
              {"violates", std::move(violates)}};
    item["state"] = std::move(next.next);
    enabled.push_back(std::move(item));
  }
  return Json{{"model", model_id(request)},
              {"index", index},
              {"step", step_view_json(step, model.state_tree(last.state))},
              {"text", show_text_step(index, step, false)},
              {"sentences", std::move(sentences)},
              {"replayed", !divergence || index < divergence->step},
              {"divergence", divergence_json(divergence)},
              {"within_bounds", model.within_bounds(last.state)},
              {"properties", property_statuses(model, steps)},
              {"enabled", std::move(enabled)}};
}

Json Explorer::check(double seconds_max, std::atomic<bool>& stop) const {
  ProtocolArgs args = args_;
  args.explore.progress = Progress::Mode::quiet;
  args.explore.workers = std::max(1u, std::thread::hardware_concurrency());
  args.explore.interrupt = &stop;
  CheckReport report;
  {
    Deadline deadline(seconds_max, stop);
    report = entry_.check(args);
  }
  Json out{{"outcome", std::string(outcome_name(report.outcome))},
           {"property", report.property},
           {"distinct_states", report.stats.distinct_states},
           {"depth", report.stats.depth},
           {"seconds", report.seconds},
           {"stop_reason", report.stop_reason},
           {"sometimes_unreached", report.sometimes_unreached},
           {"model", 0},
           {"path", nullptr}};
  if (report.trace.is_object()) {
    const LoadedTrace trace = lockstep::load_trace(parse_itf(report.trace));
    out["path"] = path_json(trace.itf.steps);
  }
  return out;
}

Json Explorer::load_trace(std::string_view text, const std::string& name) {
  LoadedTrace trace;
  try {
    trace = lockstep::load_trace(read_itf_text(text));
  } catch (const std::exception& e) {  // TraceError, and what a model throws on parameters it refuses
    throw ExplorerError((name.empty() ? std::string("the trace") : name) + ": " + e.what());
  }
  const ReplayResult replayed = replay(trace);
  // The model that wrote it: one the explorer has (same protocol, same parameters), or a new one.
  std::size_t id = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    const Json parameters = trace.model->model_json();
    const auto same = std::find_if(models_.begin(), models_.end(), [&](const std::shared_ptr<const Slot>& s) {
      return s->model->protocol() == trace.model->protocol() && s->model->model_json() == parameters;
    });
    if (same != models_.end()) {
      id = static_cast<std::size_t>(same - models_.begin());
    } else {
      if (models_.size() >= models_max) {
        throw ExplorerError(fmt::format("{}: the explorer holds {} models already; restart it to load traces of others",
                                        name, models_max));
      }
      id = models_.size();
      models_.push_back(std::make_shared<const Slot>(Slot{std::move(trace.model), "trace " + name}));
    }
  }
  return Json{{"model", id},
              {"name", name},
              {"invariant", trace.invariant},
              {"path", path_json(trace.itf.steps)},
              {"divergence", divergence_json(replayed.divergence)}};
}

}  // namespace lockstep
