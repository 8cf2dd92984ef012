#include "traces/shrink_itf.hpp"

namespace lockstep {

ShrinkItfResult shrink_replayed(const LoadedTrace& trace, const Json& initial, const PackedJsonList& actions,
                                const ReplayResult& replayed, const ShrinkOptions& options) {
  ShrinkItfResult result;
  result.steps_before = actions.size();
  result.replayed = replayed;
  if (result.replayed.divergence) {
    result.status = ShrinkStatus::diverges;
    return result;
  }
  result.property = trace.invariant;
  if (result.property.empty() && !result.replayed.violations.empty()) {
    result.property = result.replayed.violations.front().property;
  }
  const auto shrunk =
      result.property.empty() ? std::nullopt : trace.model->shrink(initial, actions, result.property, options);
  if (!shrunk) return result;  // violates_nothing
  result.status = ShrinkStatus::shrunk;
  result.stats = shrunk->stats;
  result.steps_after = shrunk->steps.size() - 1;
  std::vector<ItfStep> itf_steps;
  for (const auto& [action, state] : shrunk->steps) {
    itf_steps.push_back({action.is_null() ? Json{{"tag", "Init"}, {"value", Json::object()}} : action, state});
  }
  Json meta = trace.itf.meta;
  const bool has_source = meta.contains("source") && meta["source"].is_string();
  meta["source"] = "lockstep shrink" + (has_source ? " of " + meta["source"].get<std::string>() : std::string());
  meta["invariant"] = result.property;
  meta["shrunk_from"] = result.steps_before;
  result.itf = make_itf(std::move(meta), itf_steps);
  return result;
}

ShrinkItfResult shrink_itf(const LoadedTrace& trace, const ShrinkOptions& options) {
  const auto& steps = trace.itf.steps;
  PackedJsonList actions;
  for (std::size_t i = 1; i < steps.size(); ++i) actions.push_back(steps[i].action);
  return shrink_replayed(trace, steps.front().state, actions, replay(trace), options);
}

}  // namespace lockstep
