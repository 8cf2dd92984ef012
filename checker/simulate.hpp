// Random simulation: many random walks through a model, every property checked on every state
// (transition properties on every step). Each run is deterministic in its seed, and run i of
// `--seed S` uses seed S + i, so a failing run reproduces alone with `--seed S+i --runs 1`. In
// swarm mode (Groce et al., "Swarm testing") each run also draws its own mix of action kinds
// from its seed: some kinds (crashes, drops, timers...) are switched off and the others get
// random weights, which reaches corners a uniform mix rarely does. The kinds are fine-grained
// where the model names them: a delivery by its message's type, a timer by its name, a client's
// move by what it does (checker/model.hpp, action_subkind), so a swarm run may, say, fire
// heartbeats often and elections never. A swarm run may also walk a variant of the model: the
// options the command line left to the defaults (pre-vote, check-quorum, a leader's no-op, the
// lock's third client) set otherwise as its seed draws (a feature of the configuration is a
// feature too), given as models of the same type, the first the one configured. The first
// failing run (the lowest run number, whatever the number of workers) is reported, with the
// variant it walked, and its trace is shrunk.
#pragma once

#include <array>
#include <atomic>
#include <mutex>
#include <cstdint>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "model/core/mix.hpp"
#include "checker/action_view.hpp"
#include "checker/engine/search.hpp"
#include "checker/model.hpp"
#include "checker/engine/progress.hpp"
#include "spec/property.hpp"
#include "checker/shrink.hpp"
#include "checker/walk.hpp"

namespace lockstep {

struct SimulateOptions {
  std::uint64_t runs = 1000;
  std::uint32_t depth = 100;  // steps per run at most
  std::uint64_t seed = 1;
  bool swarm = false;  // every run draws its own mix of action kinds (swarm testing)
  bool mixed = false;  // runs of odd seed draw a swarm mix, the others weigh every kind alike
  bool shrink = true;
  unsigned workers = 1;
  Progress::Mode progress = Progress::Mode::quiet;
  const std::atomic<bool>* interrupt = nullptr;  // set (Ctrl-C, SIGTERM): stop after the runs under way
  std::vector<std::string> properties;           // the properties to check (--property); empty = all
  // The options a swarm run may set otherwise (the protocol's, less those the command line gave),
  // for the report; the protocol's simulate builds the variants from them.
  std::vector<std::string> varied;
};

template <class M>
struct SimulateResult {
  Outcome outcome = Outcome::ok;
  std::string property;
  std::uint64_t failing_run = 0;
  std::uint64_t failing_seed = 0;
  std::size_t variant = 0;  // the model the failing run walked (an index into the variants given)
  std::vector<TraceStep<typename M::State, typename M::Action>> trace;  // shrunk when asked
  std::size_t original_length = 0;                                      // steps before shrinking
  std::uint64_t runs = 0;                                               // runs completed
  std::uint64_t steps = 0;
  double seconds = 0;
  std::vector<std::string> sometimes_unreached;
};

namespace detail {

template <Model M>
class Simulator {
 public:
  using State = typename M::State;
  using Action = typename M::Action;
  using Step = TraceStep<State, Action>;

  // models: the configured model first, then the variants a swarm run may walk instead; every one
  // checks the same properties.
  Simulator(std::vector<const M*> models, const SimulateOptions& options)
      : models_(std::move(models)),
        options_(options),
        progress_(options.progress, true),
        seen_(models_.front()->properties().size()),
        checked_(checked_properties(*models_.front(), options.properties)) {
    checked_.mark_unchecked(seen_);
    for (const M* model : models_) {
      const auto& a = model->properties();
      const auto& b = models_.front()->properties();
      bool same = a.size() == b.size() && model->transition_properties().size() == models_.front()->transition_properties().size();
      for (std::size_t i = 0; same && i < a.size(); ++i) same = a[i].name == b[i].name;
      if (!same) throw std::logic_error("simulate: the model's variants check different properties");
    }
  }

  SimulateResult<M> run() {
    std::vector<std::thread> threads;
    for (unsigned i = 1; i < std::max(1u, options_.workers); ++i) threads.emplace_back([this] { work(false); });
    work(true);
    for (auto& thread : threads) thread.join();
    if (error_) std::rethrow_exception(error_);
    return finish();
  }

 private:
  void work(bool reports) {
    try {
      std::vector<Step> trace;
      for (std::uint64_t run = next_run_++;
           run < options_.runs && run < first_failure_.load() && !interrupted(options_.interrupt); run = next_run_++) {
        const std::uint64_t seed = options_.seed + run;
        std::size_t variant = 0;
        if (auto property = walk(seed, trace, variant)) record_failure(run, seed, variant, *property, trace);
        runs_done_.fetch_add(1);
        if (reports) report();
      }
    } catch (...) {
      std::lock_guard lock(mutex_);
      if (!error_) error_ = std::current_exception();
      first_failure_.store(0);
    }
  }

  // One random walk; the violated property, if any (the walk stops there). Only steps that stay
  // within the model's bounds are taken, so that walks go on where the explorer would (and a
  // failing walk shrinks to a run the explorer could find).
  std::optional<std::string> walk(std::uint64_t seed, std::vector<Step>& trace, std::size_t& variant) {
    std::mt19937_64 rng(splitmix64(seed));
    const bool swarm = options_.swarm || (options_.mixed && (seed & 1) != 0);
    const auto weights = draw_weights(rng, swarm);
    variant = swarm ? static_cast<std::size_t>(rng() % models_.size()) : 0;
    const M& model = *models_[variant];
    const auto initial = model.initial_states();
    trace.clear();
    trace.push_back(Step{std::nullopt, initial[rng() % initial.size()]});
    std::optional<std::string> property = violated(model, trace.back().state);
    if (property) return property;
    lockstep::walk(
        model, trace, options_.depth, WalkBounds::successors,
        [&](const std::vector<Successor<M>>& successors) { return choose(successors, weights, rng); },
        [&](const State& before, const State& after) {
          steps_.fetch_add(1, std::memory_order_relaxed);
          property = violated(model, before, after);
          return property.has_value();
        });
    return property;
  }

  // The first "always" property `state` violates; marks the "sometimes" properties it reaches.
  std::optional<std::string> violated(const M& model, const State& state) {
    const auto p = first_violated(model.properties(), state, seen_, checked_.always_or_all());
    if (!p) return std::nullopt;
    return std::string(model.properties()[*p].name);
  }
  // The first property a step violates: a transition property, else one of the state it reaches.
  std::optional<std::string> violated(const M& model, const State& before, const State& after) {
    if (const auto p = first_violated_transition(model.transition_properties(), before, after, checked_.transition_or_all())) {
      return std::string(model.transition_properties()[*p].name);
    }
    return violated(model, after);
  }

  // An action's feature: its kind and, within it, its subkind (below action_subkinds).
  static constexpr std::size_t kinds = static_cast<std::size_t>(ActionKind::client) + 1;
  static constexpr std::size_t features = kinds * action_subkinds;
  // Uniform weights, or for a swarm run each feature off with probability 1/3 and otherwise 1..8;
  // deliveries always stay on (without them nothing happens), and so does every action of a
  // model that names no kinds (its actions are all of kind other: switching one off could stop
  // every run, so a swarm only weighs them).
  std::array<unsigned, features> draw_weights(std::mt19937_64& rng, bool swarm) const {
    std::array<unsigned, features> weights;
    weights.fill(1);
    if (!swarm) return weights;
    for (std::size_t f = 0; f < features; ++f) {
      const auto kind = static_cast<ActionKind>(f / action_subkinds);
      const bool stays_on = kind == ActionKind::deliver || kind == ActionKind::other;
      weights[f] = (!stays_on && rng() % 3 == 0) ? 0 : static_cast<unsigned>(1 + rng() % 8);
    }
    return weights;
  }

  std::size_t choose(const std::vector<Successor<M>>& successors, const std::array<unsigned, features>& weights,
                     std::mt19937_64& rng) const {
    std::uint64_t total = 0;
    for (const auto& s : successors) total += weights[kind_index(s.first)];
    if (total == 0) return rng() % successors.size();
    std::uint64_t pick = rng() % total;
    for (std::size_t i = 0; i < successors.size(); ++i) {
      const unsigned w = weights[kind_index(successors[i].first)];
      if (pick < w) return i;
      pick -= w;
    }
    return successors.size() - 1;
  }

  // The action's feature: with a network view, its kind and subkind; without, kind other and, for
  // an action that is a variant (Paxos.tla's Phase1a..Phase2b), the alternative it holds.
  static std::size_t kind_index(const Action& action) {
    if constexpr (M::has_network_view) {
      return static_cast<std::size_t>(M::action_kind(action)) * action_subkinds + M::action_subkind(action) % action_subkinds;
    } else {
      std::size_t sub = 0;
      if constexpr (requires { action.index(); }) sub = action.index() % action_subkinds;
      return static_cast<std::size_t>(ActionKind::other) * action_subkinds + sub;
    }
  }

  void record_failure(std::uint64_t run, std::uint64_t seed, std::size_t variant, const std::string& property,
                      const std::vector<Step>& trace) {
    std::lock_guard lock(mutex_);
    if (run >= first_failure_.load()) return;
    first_failure_.store(run);
    result_.outcome = Outcome::violation;
    result_.property = property;
    result_.failing_run = run;
    result_.failing_seed = seed;
    result_.variant = variant;
    result_.trace = trace;
    result_.original_length = trace.size() - 1;
  }

  void report() {
    ExploreStats stats;
    stats.states_generated = steps_.load(std::memory_order_relaxed);
    stats.distinct_states = runs_done_.load(std::memory_order_relaxed);
    progress_.tick(stats);
  }

  SimulateResult<M> finish() {
    ExploreStats stats;
    stats.states_generated = steps_.load();
    stats.distinct_states = runs_done_.load();
    progress_.finish(stats);
    result_.runs = runs_done_.load();
    result_.steps = steps_.load();
    result_.seconds = progress_.seconds();
    result_.sometimes_unreached = sometimes_unreached(models_.front()->properties(), seen_);
    if (result_.outcome == Outcome::violation && options_.shrink) {
      if (auto shrunk = shrink_trace(*models_[result_.variant], result_.trace, result_.property)) result_.trace = std::move(shrunk->trace);
    } else if (result_.outcome == Outcome::ok && result_.runs < options_.runs && interrupted(options_.interrupt)) {
      result_.outcome = Outcome::incomplete;  // interrupted: the runs done found nothing
    } else if (result_.outcome == Outcome::ok && !result_.sometimes_unreached.empty()) {
      result_.outcome = Outcome::vacuous;
    }
    return std::move(result_);
  }

  std::vector<const M*> models_;
  SimulateOptions options_;
  Progress progress_;
  std::vector<std::atomic<bool>> seen_;
  CheckedProperties checked_;
  std::atomic<std::uint64_t> next_run_ = 0;
  std::atomic<std::uint64_t> first_failure_ = UINT64_MAX;
  std::atomic<std::uint64_t> runs_done_ = 0;
  std::atomic<std::uint64_t> steps_ = 0;
  std::mutex mutex_;
  std::exception_ptr error_;
  SimulateResult<M> result_;
};

}  // namespace detail

template <Model M>
SimulateResult<M> simulate(const M& model, const SimulateOptions& options) {
  return detail::Simulator<M>({&model}, options).run();
}

// The same over variants of the model (the configured one first): a swarm run walks the one its
// seed draws, a uniform run the first.
template <Model M>
SimulateResult<M> simulate(const std::vector<M>& variants, const SimulateOptions& options) {
  std::vector<const M*> models;
  for (const M& model : variants) models.push_back(&model);
  if (models.empty()) throw std::logic_error("simulate: no model");
  return detail::Simulator<M>(std::move(models), options).run();
}

}  // namespace lockstep
