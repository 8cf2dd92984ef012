// The outcome of one `lockstep check`, independent of the model's types: what the command line
// prints (text or --json) and the trace it writes.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "checker/explore.hpp"
#include "checker/simulate.hpp"
#include "model/core/json.hpp"
#include "model/core/print.hpp"
#include "traces/itf.hpp"

namespace lockstep {

// What a `simulate` run adds to its report (the failing_* fields only on a violation).
struct SimulationFigures {
  std::uint64_t runs = 0;
  std::uint64_t runs_asked = 0;
  std::uint32_t depth = 0;
  std::uint64_t seed = 0;
  bool swarm = false;
  bool mixed = false;  // odd seeds swarm, even seeds uniform
  std::uint64_t steps = 0;
  std::uint64_t failing_run = 0;
  std::uint64_t failing_seed = 0;
  std::size_t original_length = 0;
  bool shrunk = false;
  std::size_t length = 0;
  std::vector<std::string> varied;  // the options swarm runs set otherwise as their seeds drew

  Json to_json(bool violation) const {
    Json out{{"runs", runs}, {"runs_asked", runs_asked}, {"depth", depth}, {"seed", seed}, {"swarm", swarm},
             {"mix", swarm ? "swarm" : mixed ? "mixed" : "uniform"}, {"steps", steps}, {"varied", varied}};
    if (violation) {
      out["failing_run"] = failing_run;
      out["failing_seed"] = failing_seed;
      out["original_length"] = original_length;
      out["shrunk"] = shrunk;
      out["length"] = length;
    }
    return out;
  }
};

struct CheckReport {
  std::string protocol;
  Outcome outcome = Outcome::ok;
  std::string property;  // the violated property
  std::string stop_reason;
  std::string warning;
  std::vector<std::string> sometimes_unreached;
  ExploreStats stats;
  double seconds = 0;
  std::size_t table_bytes = 0;
  std::size_t frontier_bytes_peak = 0;
  std::size_t frontier_spilled_bytes = 0;
  std::uint64_t violations = 0;
  std::map<std::string, std::uint64_t> violations_by_property;  // each violation under the first property it breaks
  std::uint64_t transitions_pruned = 0;
  bool depth_bounded = false;
  std::uint64_t states_beyond_bounds = 0;   // checked but not expanded: beyond the model's bounds
  std::uint64_t states_at_depth_bound = 0;  // not expanded: at --max-depth
  std::map<std::string, std::uint64_t> coverage;  // --coverage: transitions per kind of action
  Json search;                           // how the search ran (strategy, workers, reductions, bounds on memory)
  std::vector<RankFigures> ranks;        // a distributed run's ranks (empty for one process)
  std::vector<LevelFigures> levels;      // a distributed run's levels
  Json bounds;                           // printed with every result
  Json trace;                            // ITF, null when there is no counterexample
  std::vector<std::string> trace_lines;  // one readable line per step
  std::vector<std::string> why;          // why the trace's last step violates `property` (the model's explain)
  CheckpointFigures checkpoint;          // --checkpoint / --resume: what was written and resumed
  SimulationFigures simulation;          // for `simulate`: runs, seeds, lengths before and after shrinking
};

// Bytes of memory per distinct state: the fingerprint table alone, and all-in (the table plus
// the frontier held in memory at its widest).
double table_bytes_per_state(const CheckReport& report);
double all_in_bytes_per_state(const CheckReport& report);
// The probability that two distinct states shared a fingerprint in this run (so that one was
// wrongly taken as visited): TLC's optimistic estimate, distinct x (generated - distinct) / 2^64.
double collision_probability(const CheckReport& report);

// Puts `trace` into the report, as ITF and as readable lines.
template <class M, class Trace>
void add_trace(const M& model, const Trace& trace, CheckReport& report, const std::string& source) {
  if (trace.empty()) return;
  std::vector<ItfStep> steps;
  for (const auto& step : trace) {
    Json action = step.action ? to_json_value(*step.action) : Json{{"tag", "Init"}, {"value", Json::object()}};
    steps.push_back({std::move(action), model.state_json(step.state)});
    report.trace_lines.push_back(step.action ? to_string(*step.action) : "Init");
  }
  if constexpr (requires(const typename M::State& state) { model.explain(report.property, &state, state); }) {
    const auto* before = trace.size() > 1 ? &trace[trace.size() - 2].state : nullptr;
    if (!report.property.empty()) report.why = model.explain(report.property, before, trace.back().state);
  }
  Json meta{{"source", source},
            {"protocol", report.protocol},
            {"model", model.model_json()},
            {"bounds", report.bounds},
            {"invariant", report.property}};
  report.trace = make_itf(std::move(meta), steps);
}

// Builds the report of exploring `model` (which names its protocol and gives its states and
// parameters as JSON: see checker/model.hpp).
template <Model M>
CheckReport make_report(const M& model, const ExploreResult<M>& result, Json bounds) {
  CheckReport report;
  report.protocol = std::string(M::protocol);
  report.outcome = result.outcome;
  report.property = result.property;
  report.stop_reason = result.stop_reason;
  report.warning = result.warning;
  report.sometimes_unreached = result.sometimes_unreached;
  report.stats = result.stats;
  report.seconds = result.seconds;
  report.table_bytes = result.table_bytes;
  report.frontier_bytes_peak = result.frontier_bytes_peak;
  report.frontier_spilled_bytes = result.frontier_spilled_bytes;
  report.violations = result.violations;
  report.violations_by_property = result.violations_by_property;
  report.transitions_pruned = result.transitions_pruned;
  report.depth_bounded = result.depth_bounded;
  report.states_beyond_bounds = result.states_beyond_bounds;
  report.states_at_depth_bound = result.states_at_depth_bound;
  report.coverage = result.coverage;
  report.ranks = result.ranks;
  report.levels = result.levels;
  report.checkpoint = result.checkpoint;
  report.bounds = std::move(bounds);
  add_trace(model, result.trace, report, "lockstep check " + report.protocol);
  return report;
}

// The report of a random simulation.
template <Model M>
CheckReport make_simulation_report(const M& model, const SimulateResult<M>& result, Json bounds,
                                   const SimulateOptions& options) {
  CheckReport report;
  report.protocol = std::string(M::protocol);
  report.outcome = result.outcome;
  report.property = result.property;
  report.sometimes_unreached = result.sometimes_unreached;
  report.stats.states_generated = result.steps;
  report.seconds = result.seconds;
  report.bounds = std::move(bounds);
  SimulationFigures& sim = report.simulation;
  sim.runs = result.runs;
  sim.runs_asked = options.runs;
  sim.depth = options.depth;
  sim.seed = options.seed;
  sim.swarm = options.swarm;
  sim.mixed = options.mixed;
  sim.steps = result.steps;
  if (options.swarm || options.mixed) sim.varied = options.varied;
  if (result.outcome == Outcome::violation) {
    sim.failing_run = result.failing_run;
    sim.failing_seed = result.failing_seed;
    sim.original_length = result.original_length;
    sim.shrunk = options.shrink;
    sim.length = result.trace.size() - 1;
  }
  add_trace(model, result.trace, report, "lockstep simulate " + report.protocol);
  return report;
}

// `simulate` over variants of one protocol's options (the configured ones first; see
// ProtocolEntry::simulate_swarm): a world each, walked as the runs' seeds draw, and the
// report of the variant the failing run walked (its bounds and its trace's model).
template <class Options, class MakeWorld, class BoundsJson>
CheckReport simulate_variants(const std::vector<Options>& variants, const SimulateOptions& options, MakeWorld&& make_world,
                              BoundsJson&& bounds_json) {
  using W = std::decay_t<decltype(make_world(variants.front()))>;
  std::vector<W> worlds;
  for (const Options& o : variants) worlds.push_back(make_world(o));
  const SimulateResult<W> result = simulate(worlds, options);
  const std::size_t v = result.variant;
  return make_simulation_report(worlds[v], result, bounds_json(variants[v], worlds[v]), options);
}

}  // namespace lockstep
