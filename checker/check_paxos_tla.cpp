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

CheckReport check_paxos_tla(const PaxosTlaCheckOptions& o) {
  const paxos_tla::Config config{static_cast<std::uint8_t>(o.acceptors), static_cast<std::uint8_t>(o.ballots),
                                 static_cast<std::uint8_t>(o.values)};
  PaxosTlaModel model(config);
  if (o.explore.symmetry) model.enable_symmetry();
  const auto result = explore(model, o.explore);
  Json bounds{{"acceptors", o.acceptors}, {"ballots", o.ballots}, {"values", o.values},
              {"max_depth", o.explore.depth_max == 0 ? Json(nullptr) : Json(o.explore.depth_max)},
              {"symmetry", o.explore.symmetry}};
  return make_report(model, result, std::move(bounds));
}

}  // namespace lockstep
