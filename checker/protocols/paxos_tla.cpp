// `lockstep check paxos-tla`: Lamport's Paxos.tla, action for action; its registry entry.
#include "checker/protocols/paxos_tla_model.hpp"
#include "checker/protocols/entry.hpp"
#include "checker/protocols/paxos.hpp"

namespace lockstep {

namespace {

const std::vector<IntField<PaxosTlaCheckOptions>>& fields() {
  static const std::vector<IntField<PaxosTlaCheckOptions>> list{
      {"--acceptors", "Acceptors", &PaxosTlaCheckOptions::acceptors, 1, 255},
      {"--ballots", "Ballots 0..B-1 (B = MaxBallot + 1)", &PaxosTlaCheckOptions::ballots, 1, 255},
      {"--values", "Values", &PaxosTlaCheckOptions::values, 1, 255}};
  return list;
}

paxos_tla::Config config_of(const PaxosTlaCheckOptions& o) {
  return paxos_tla::Config{static_cast<std::uint8_t>(o.acceptors), static_cast<std::uint8_t>(o.ballots),
                           static_cast<std::uint8_t>(o.values)};
}

PaxosTlaModel make_model(const PaxosTlaCheckOptions& o, bool symmetry) {
  PaxosTlaModel model(config_of(o));
  if (symmetry) model.enable_symmetry();
  if (o.refine) model.enable_refinement();
  return model;
}

PaxosTlaCheckOptions options_of(const ProtocolArgs& args) {
  PaxosTlaCheckOptions o = options_from(args, fields());
  o.refine = args.on(refine_switch().flag);
  return o;
}

Json bounds_json(const PaxosTlaCheckOptions& o) {
  return Json{{"acceptors", o.acceptors},
              {"ballots", o.ballots},
              {"values", o.values},
              {"max_depth", o.explore.depth_max == 0 ? Json(nullptr) : Json(o.explore.depth_max)},
              {"symmetry", o.explore.symmetry},
              {"refine", o.refine}};
}

}  // namespace

std::string validate(const PaxosTlaCheckOptions& o) {
  ProtocolArgs args = args_from(o, fields());
  return find_protocol("paxos-tla")->check_args(args);
}

CheckReport check_paxos_tla(const PaxosTlaCheckOptions& o) {
  const PaxosTlaModel model = make_model(o, o.explore.symmetry);
  return make_report(model, explore(model, o.explore), bounds_json(o));
}

CheckReport simulate_paxos_tla(const PaxosTlaCheckOptions& o, const SimulateOptions& simulation) {
  const PaxosTlaModel model = make_model(o, false);
  return make_simulation_report(model, simulate(model, simulation), bounds_json(o), simulation);
}

ProtocolEntry paxos_tla_protocol() {
  ProtocolEntry entry;
  entry.name = "paxos-tla";
  entry.description = "Lamport's Paxos.tla, action for action (TLC's state count)";
  entry.options = option_specs(fields());
  entry.switches = {refine_switch()};
  entry.simulate_defaults = {"--ballots", "8", "--values", "3"};
  entry.simulate_runs = 100000;  // about 1 s on 2 cores
  entry.budget_ladder = {{"--ballots", "2"}, {"--ballots", "3"}, {"--ballots", "4"}, {"--ballots", "5"}};
  entry.validate = [](const ProtocolArgs& args) {
    return paxos_tla::validate(config_of(options_from(args, fields())));
  };
  entry.check = [](const ProtocolArgs& args) { return check_paxos_tla(options_of(args)); };
  entry.simulate = [](const ProtocolArgs& args, const SimulateOptions& s) {
    return simulate_paxos_tla(options_of(args), s);
  };
  entry.model = [](const ProtocolArgs& args) -> std::unique_ptr<AnyModel> {
    return std::make_unique<AnyModelFor<PaxosTlaModel>>(make_model(options_of(args), false));
  };
  entry.model_from_json = [](const Json& model) -> std::unique_ptr<AnyModel> {
    return std::make_unique<AnyModelFor<PaxosTlaModel>>(PaxosTlaModel::from_model_json(model));
  };
  return entry;
}

}  // namespace lockstep
