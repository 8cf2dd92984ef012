// What every protocol's check takes the same way from its options (crashes, drops, duplicates,
// messages_max, explore): the World's budgets and message bound, symmetry on request, and the
// same keys, in the same order, at the end of the printed bounds.
#pragma once

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "checker/explore.hpp"
#include "checker/world/world.hpp"
#include "model/core/json.hpp"

namespace lockstep {

template <class Options>
WorldBounds world_bounds(const Options& o) {
  return WorldBounds{static_cast<std::uint8_t>(o.crashes), static_cast<std::uint8_t>(o.drops),
                     static_cast<std::uint8_t>(o.duplicates), static_cast<std::uint32_t>(o.messages_max)};
}

// The World to check, with its environment (by default its fixed client requests); with
// `symmetry`, renamings enabled, or a usage error saying why not.
template <class P, class Options, class Env>
World<P> checked_world(const typename P::Config& config, const Options& o, Env env, bool symmetry) {
  World<P> world(config, world_bounds(o), std::move(env));
  if constexpr (requires { o.refine; }) {
    if (o.refine) {
      if (const std::string error = world.enable_refinement(); !error.empty()) throw std::invalid_argument("--refine: " + error);
    }
  }
  if constexpr (requires { o.keep_obsolete; }) {
    if (o.keep_obsolete) {
      if (const std::string error = world.keep_obsolete_messages(); !error.empty()) {
        throw std::invalid_argument("--keep-obsolete: " + error);
      }
    }
  }
  if (symmetry) {
    if (const std::string error = world.enable_symmetry(); !error.empty()) {
      throw std::invalid_argument("--symmetry: " + error);
    }
  }
  return world;
}
template <class P, class Options>
World<P> checked_world(const typename P::Config& config, const Options& o, std::vector<PendingRequest<P>> requests,
                       bool symmetry) {
  return checked_world<P>(config, o, FixedRequests<P>{std::move(requests)}, symmetry);
}

// Appends the budgets, the message bound in effect, the depth bound, symmetry and whether
// obsolete messages are kept to `bounds`.
template <class P, class Options>
Json with_world_bounds(Json bounds, const Options& o, const World<P>& world) {
  bounds["crashes"] = o.crashes;
  bounds["drops"] = o.drops;
  bounds["duplicates"] = o.duplicates;
  bounds["max_messages"] = world.messages_max();
  bounds["max_depth"] = o.explore.depth_max == 0 ? Json(nullptr) : Json(o.explore.depth_max);
  bounds["symmetry"] = o.explore.symmetry;
  bounds["keep_obsolete"] = world.keeps_obsolete();
  return bounds;
}

}  // namespace lockstep
