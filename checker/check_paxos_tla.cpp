#include "checker/check_paxos.hpp"
#include "checker/paxos_tla_model.hpp"

namespace lockstep {

std::string validate(const PaxosTlaCheckOptions& o) {
  if (o.acceptors < 1 || o.ballots < 1 || o.values < 1 || o.acceptors > 255 || o.ballots > 255 || o.values > 255) {
    return "--acceptors, --ballots and --values must be positive";
  }
  return paxos_tla::validate(paxos_tla::Config{static_cast<std::uint8_t>(o.acceptors),
                                               static_cast<std::uint8_t>(o.ballots), static_cast<std::uint8_t>(o.values)});
}

namespace {

PaxosTlaModel make_model(const PaxosTlaCheckOptions& o, bool symmetry) {
  const paxos_tla::Config config{static_cast<std::uint8_t>(o.acceptors), static_cast<std::uint8_t>(o.ballots),
                                 static_cast<std::uint8_t>(o.values)};
  PaxosTlaModel model(config);
  if (symmetry) model.enable_symmetry();
  return model;
}

Json bounds_json(const PaxosTlaCheckOptions& o) {
  return Json{{"acceptors", o.acceptors},
              {"ballots", o.ballots},
              {"values", o.values},
              {"max_depth", o.explore.depth_max == 0 ? Json(nullptr) : Json(o.explore.depth_max)},
              {"symmetry", o.explore.symmetry}};
}

}  // namespace

CheckReport check_paxos_tla(const PaxosTlaCheckOptions& o) {
  const PaxosTlaModel model = make_model(o, o.explore.symmetry);
  return make_report(model, explore(model, o.explore), bounds_json(o));
}

CheckReport simulate_paxos_tla(const PaxosTlaCheckOptions& o, const SimulateOptions& simulation) {
  const PaxosTlaModel model = make_model(o, false);
  return make_simulation_report(model, simulate(model, simulation), bounds_json(o), simulation);
}

}  // namespace lockstep
