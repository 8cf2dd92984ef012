// A model's property by name, for tests that hold one property against states made to break it.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace lockstep::testing {

// Whether `state` satisfies the "always" property `name` of `model`; throws if it has none.
template <class Model, class State>
bool property_holds(const Model& model, const State& state, std::string_view name) {
  for (const auto& p : model.properties()) {
    if (p.name == name) return p.holds(state);
  }
  throw std::runtime_error("no property " + std::string(name));
}

// The first line of the spec's explanation of why `state` violates `name` ("" if none).
template <class Spec, class Config, class State>
std::string first_explanation(const Config& config, std::string_view name, const State& state) {
  const auto lines = Spec::explain(config, name, nullptr, state);
  return lines.empty() ? std::string() : lines.front();
}

}  // namespace lockstep::testing
