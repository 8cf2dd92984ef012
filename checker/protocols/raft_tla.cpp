// `lockstep check raft-tla`: Ongaro's raft.tla, action for action; its registry entry.
#include <stdexcept>

#include "checker/protocols/entry.hpp"
#include "checker/protocols/raft.hpp"
#include "checker/protocols/raft_tla_model.hpp"

namespace lockstep {

namespace {

const std::vector<IntField<RaftTlaCheckOptions>>& fields() {
  static const std::vector<IntField<RaftTlaCheckOptions>> list{
      {"--servers", "Servers (the constant Server)", &RaftTlaCheckOptions::servers, 1, static_cast<int>(raft_tla::servers_max)},
      {"--values", "Values a client may request (the constant Value)", &RaftTlaCheckOptions::values, 1, raft_tla::values_max},
      {"--max-term", "State constraint: every currentTerm <= MaxTerm (terms start at 1)", &RaftTlaCheckOptions::max_term, 1,
       raft_tla::term_max},
      {"--max-log", "State constraint: every Len(log[i]) <= MaxLogLen", &RaftTlaCheckOptions::max_log, 0, raft_tla::log_max},
      {"--max-dup", "State constraint: no message more than MaxDup times in the bag", &RaftTlaCheckOptions::max_dup, 1,
       raft_tla::dup_max},
      {"--max-msgs", "State constraint: at most MaxMsgs distinct messages in the bag", &RaftTlaCheckOptions::max_msgs, 1,
       raft_tla::messages_max}};
  return list;
}

raft_tla::Config config_of(const RaftTlaCheckOptions& o) {
  const auto byte = [](int x) { return static_cast<std::uint8_t>(x); };
  return raft_tla::Config{byte(o.servers), byte(o.values),  byte(o.max_term),
                          byte(o.max_log), byte(o.max_dup), byte(o.max_msgs)};
}

RaftTlaCheckOptions options_of(const ProtocolArgs& args) { return options_from(args, fields()); }

Json bounds_json(const RaftTlaCheckOptions& o) {
  return Json{{"servers", o.servers},
              {"values", o.values},
              {"max_term", o.max_term},
              {"max_log", o.max_log},
              {"max_dup", o.max_dup},
              {"max_msgs", o.max_msgs},
              {"max_depth", o.explore.depth_max == 0 ? Json(nullptr) : Json(o.explore.depth_max)}};
}

}  // namespace

std::string validate(const RaftTlaCheckOptions& o) {
  ProtocolArgs args = args_from(o, fields());
  return find_protocol("raft-tla")->check_args(args);
}

CheckReport check_raft_tla(const RaftTlaCheckOptions& o) {
  if (o.explore.symmetry) {
    throw std::invalid_argument("--symmetry: raft-tla has no symmetry reduction (it counts TLC's states, without symmetry sets)");
  }
  if (o.explore.por) throw std::invalid_argument("--por: raft-tla declares no independent actions");
  const RaftTlaModel model(config_of(o));
  return make_report(model, explore(model, o.explore), bounds_json(o));
}

CheckReport simulate_raft_tla(const RaftTlaCheckOptions& o, const SimulateOptions& simulation) {
  const RaftTlaModel model(config_of(o));
  return make_simulation_report(model, simulate(model, simulation), bounds_json(o), simulation);
}

ProtocolEntry raft_tla_protocol() {
  ProtocolEntry entry;
  entry.name = "raft-tla";
  entry.description = "Ongaro's raft.tla, action for action, under TLC's state constraint (TLC's state count)";
  entry.options = option_specs(fields());
  entry.simulate_defaults = {"--max-term", "6", "--max-log", "4", "--values", "2", "--max-dup", "2", "--max-msgs", "6"};
  entry.simulate_runs = 100000;  // about 5 s on 2 cores
  entry.budget_ladder = {{"--max-term", "2", "--max-log", "0", "--max-msgs", "1"},
                         {"--max-term", "2", "--max-log", "1", "--max-msgs", "1"},
                         {"--max-term", "3", "--max-log", "1", "--max-msgs", "1"},
                         {"--max-term", "3", "--max-log", "1", "--max-msgs", "2"},
                         {"--max-term", "3", "--max-log", "2", "--max-msgs", "2"}};
  entry.validate = [](const ProtocolArgs& args) { return raft_tla::validate(config_of(options_from(args, fields()))); };
  entry.check = [](const ProtocolArgs& args) { return check_raft_tla(options_of(args)); };
  entry.simulate = [](const ProtocolArgs& args, const SimulateOptions& s) { return simulate_raft_tla(options_of(args), s); };
  entry.model = [](const ProtocolArgs& args) -> std::unique_ptr<AnyModel> {
    return std::make_unique<AnyModelFor<RaftTlaModel>>(RaftTlaModel(config_of(options_of(args))));
  };
  entry.model_from_json = [](const Json& model) -> std::unique_ptr<AnyModel> {
    return std::make_unique<AnyModelFor<RaftTlaModel>>(RaftTlaModel::from_model_json(model));
  };
  return entry;
}

}  // namespace lockstep
