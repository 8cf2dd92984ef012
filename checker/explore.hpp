// Exhaustive exploration of a model (checker/model.hpp), to exhaustion or to the first violation:
// explore(model, options) runs the search the options ask for.
//   breadth-first (the default; checker/engine/bfs.hpp): on every worker, shortest traces, the
//     same result whatever the number of workers; symmetry and partial-order reduction;
//   depth-first (checker/engine/dfs.hpp): one worker, to a depth bound, little memory.
// The options, the result and the verdict are the same for both (checker/engine/search.hpp).
#pragma once

#include "checker/engine/bfs.hpp"
#include "checker/engine/dfs.hpp"
#include "checker/engine/search.hpp"
#include "checker/model.hpp"

namespace lockstep {

template <Model M>
ExploreResult<M> explore(const M& model, const ExploreOptions& options = {}) {
  if (options.strategy == Strategy::dfs) return detail::DepthFirst<M>(model, options).run();
  return detail::BreadthFirst<M>(model, options).run();
}

}  // namespace lockstep
