#include "checker/check_paxos.hpp"
#include "checker/property.hpp"
#include "spec/paxos/tla_invariants.hpp"

namespace lockstep {

namespace {

// Paxos.tla as a model for the explorer.
class PaxosTlaModel {
 public:
  using State = paxos_tla::State;
  using Action = paxos_tla::Action;

  explicit PaxosTlaModel(const paxos_tla::Config& config) : config_(config), universe_(config) {
    const auto c = config_;
    const auto u = universe_;
    properties_ = {
        {"PAXOS-Agreement", PropertyKind::always, "at most one value is chosen",
         [c, u](const State& s) { return paxos_tla::agreement(c, u, s); }},
        {"PAXOS-OneValuePerBallot", PropertyKind::always, "at most one 2a message per ballot",
         [c, u](const State& s) { return paxos_tla::one_value_per_ballot(c, u, s); }},
        {"PAXOS-VotesSafe", PropertyKind::always, "every vote is safe at its ballot",
         [c, u](const State& s) { return paxos_tla::votes_safe(c, u, s); }},
        {"PAXOS-MaxBalAboveVote", PropertyKind::always, "maxBal[a] >= maxVBal[a]",
         [c](const State& s) { return paxos_tla::max_bal_above_vote(c, s); }},
        {"value-chosen", PropertyKind::sometimes, "a value is chosen",
         [c, u](const State& s) { return paxos_tla::chosen_count(c, u, s) > 0; }},
    };
  }

  std::vector<State> initial_states() const { return {paxos_tla::initial_state(config_)}; }
  bool within_bounds(const State&) const { return true; }
  const std::vector<Property<State>>& properties() const { return properties_; }
  const std::vector<TransitionProperty<State>>& transition_properties() const { return transition_properties_; }

  template <class F>
  void for_each_successor(const State& state, F&& emit) const {
    thread_local std::vector<paxos_tla::Successor> buffer;
    std::vector<paxos_tla::Successor> successors;
    successors.swap(buffer);
    paxos_tla::successors(config_, universe_, state, successors);
    for (auto& s : successors) emit(s.action, std::move(s.state));
    successors.swap(buffer);
  }

 private:
  paxos_tla::Config config_;
  paxos_tla::Universe universe_;
  std::vector<Property<State>> properties_;
  std::vector<TransitionProperty<State>> transition_properties_;
};

}  // namespace

std::string validate(const PaxosTlaCheckOptions& o) {
  if (o.acceptors < 1 || o.ballots < 1 || o.values < 1 || o.acceptors > 255 || o.ballots > 255 || o.values > 255) {
    return "--acceptors, --ballots and --values must be positive";
  }
  return paxos_tla::validate(paxos_tla::Config{static_cast<std::uint8_t>(o.acceptors),
                                               static_cast<std::uint8_t>(o.ballots), static_cast<std::uint8_t>(o.values)});
}

CheckReport check_paxos_tla(const PaxosTlaCheckOptions& o) {
  const paxos_tla::Config config{static_cast<std::uint8_t>(o.acceptors), static_cast<std::uint8_t>(o.ballots),
                                 static_cast<std::uint8_t>(o.values)};
  const PaxosTlaModel model(config);
  const auto result = explore(model, o.explore);
  Json bounds{{"acceptors", o.acceptors}, {"ballots", o.ballots}, {"values", o.values},
              {"max_depth", o.explore.depth_max == 0 ? Json(nullptr) : Json(o.explore.depth_max)}};
  return make_report("paxos-tla", result, std::move(bounds), to_json_value(config),
                     [config](const paxos_tla::State& s) { return paxos_tla::state_to_json(config, s); });
}

}  // namespace lockstep
