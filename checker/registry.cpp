#include "checker/registry.hpp"

#include <algorithm>
#include <stdexcept>

namespace lockstep {

// Each protocol's entry, defined in checker/protocols/<name>.cpp.
ProtocolEntry paxos_protocol();
ProtocolEntry raft_protocol();
ProtocolEntry multipaxos_protocol();
ProtocolEntry lock_protocol();
ProtocolEntry paxos_tla_protocol();
ProtocolEntry raft_tla_protocol();

const std::vector<ProtocolEntry>& protocols() {
  static const std::vector<ProtocolEntry> registry{paxos_protocol(), paxos_tla_protocol(), raft_protocol(),
                                                   raft_tla_protocol(), multipaxos_protocol(), lock_protocol()};
  return registry;
}

const ProtocolEntry* find_protocol(std::string_view name) {
  for (const ProtocolEntry& entry : protocols()) {
    if (entry.name == name) return &entry;
  }
  return nullptr;
}

std::vector<std::string> protocol_names() {
  std::vector<std::string> names;
  for (const ProtocolEntry& entry : protocols()) names.push_back(entry.name);
  return names;
}

int ProtocolArgs::get(const std::string& flag) const {
  const auto found = values.find(flag);
  if (found == values.end()) throw std::logic_error("protocol option " + flag + " is not declared");
  return found->second;
}

const std::string& ProtocolArgs::choice(const std::string& flag) const {
  const auto found = choices.find(flag);
  if (found == choices.end()) throw std::logic_error("protocol option " + flag + " is not declared");
  return found->second;
}

ProtocolArgs ProtocolEntry::defaults() const {
  ProtocolArgs args;
  for (const OptionSpec& option : options) args.values[option.flag] = option.default_value;
  for (const ChoiceSpec& choice : choices) args.choices[choice.flag] = choice.choices.front();
  return args;
}

const BugSpec* ProtocolEntry::find_bug(std::string_view bug) const {
  for (const BugSpec& spec : bugs) {
    if (spec.name == bug) return &spec;
  }
  return nullptr;
}

ProtocolArgs ProtocolEntry::args_for_bug(std::string_view bug) const {
  const BugSpec* spec = find_bug(bug);
  if (spec == nullptr) throw std::invalid_argument("unknown bug '" + std::string(bug) + "' for " + name);
  ProtocolArgs args = defaults();
  apply_flags(args, spec->bounds);
  args.bug = spec->name;
  return args;
}

void ProtocolEntry::apply_flags(ProtocolArgs& args, const std::vector<std::string>& flags,
                                const std::set<std::string>& keep) const {
  for (std::size_t i = 0; i < flags.size(); ++i) {
    const std::string& flag = flags[i];
    if (std::any_of(switches.begin(), switches.end(), [&](const SwitchSpec& s) { return s.flag == flag; })) {
      if (!keep.count(flag)) args.switches.insert(flag);
      continue;
    }
    const bool is_choice = std::any_of(choices.begin(), choices.end(), [&](const ChoiceSpec& c) { return c.flag == flag; });
    if (!is_choice && std::none_of(options.begin(), options.end(), [&](const OptionSpec& o) { return o.flag == flag; })) {
      throw std::invalid_argument(name + ": unknown option " + flag);
    }
    if (i + 1 >= flags.size()) throw std::invalid_argument(name + ": " + flag + " needs a value");
    if (is_choice) {
      ++i;
      if (!keep.count(flag)) args.choices[flag] = flags[i];
      continue;
    }
    try {
      std::size_t used = 0;
      const int value = std::stoi(flags[i + 1], &used);
      if (used != flags[i + 1].size()) throw std::invalid_argument("trailing characters");
      if (!keep.count(flag)) args.values[flag] = value;
    } catch (const std::exception&) {
      throw std::invalid_argument(name + ": " + flag + " expects a number, got '" + flags[i + 1] + "'");
    }
    ++i;
  }
}

std::string ProtocolEntry::check_args(const ProtocolArgs& args) const {
  for (const OptionSpec& option : options) {
    const int value = args.get(option.flag);
    if (value < option.min || value > option.max) {
      return option.flag + " must be between " + std::to_string(option.min) + " and " + std::to_string(option.max) +
             " (got " + std::to_string(value) + ")";
    }
  }
  for (const ChoiceSpec& choice : choices) {
    const std::string& value = args.choice(choice.flag);
    if (std::find(choice.choices.begin(), choice.choices.end(), value) == choice.choices.end()) {
      std::string known;
      for (const std::string& c : choice.choices) known += (known.empty() ? "" : ", ") + c;
      return choice.flag + " must be one of " + known + " (got '" + value + "')";
    }
  }
  if (!args.bug.empty() && find_bug(args.bug) == nullptr) {
    return "unknown bug '" + args.bug + "' for " + name + " (`lockstep check " + name + " --bug list` lists them)";
  }
  return validate ? validate(args) : "";
}

Json registry_json() {
  Json out = Json::array();
  for (const ProtocolEntry& entry : protocols()) {
    Json options = Json::array();
    for (const OptionSpec& o : entry.options) {
      options.push_back({{"flag", o.flag}, {"help", o.help}, {"default", o.default_value}, {"min", o.min}, {"max", o.max}});
    }
    Json switches = Json::array();
    for (const SwitchSpec& s : entry.switches) switches.push_back({{"flag", s.flag}, {"help", s.help}});
    Json choices = Json::array();
    for (const ChoiceSpec& c : entry.choices) {
      choices.push_back({{"flag", c.flag}, {"help", c.help}, {"choices", c.choices}, {"default", c.choices.front()}});
    }
    Json bugs = Json::array();
    for (const BugSpec& b : entry.bugs) {
      bugs.push_back({{"name", b.name},
                      {"description", b.description},
                      {"bounds", b.bounds},
                      {"invariant", b.invariant},
                      {"trace_steps", b.trace_steps}});
    }
    out.push_back({{"name", entry.name},
                   {"description", entry.description},
                   {"options", options},
                   {"switches", switches},
                   {"choices", choices},
                   {"bugs", bugs}});
  }
  return out;
}

// The trace tools' view of the registry (checker/any_model.hpp): a trace's #meta names its
// protocol, whose registry entry rebuilds the model.
std::vector<std::string> known_protocols() { return protocol_names(); }

std::unique_ptr<AnyModel> model_from_trace_meta(const Json& meta) {
  if (!meta.is_object()) throw JsonError("#meta: expected an object");
  if (!meta.contains("protocol") || !meta["protocol"].is_string()) throw JsonError("#meta.protocol: missing");
  if (!meta.contains("model") || !meta["model"].is_object()) throw JsonError("#meta.model: missing");
  const std::string protocol = meta["protocol"].get<std::string>();
  const ProtocolEntry* entry = find_protocol(protocol);
  if (entry == nullptr) throw JsonError("#meta.protocol: unknown protocol \"" + protocol + "\"");
  try {
    return entry->model_from_json(meta["model"]);
  } catch (const nlohmann::json::exception& e) {
    throw JsonError("#meta.model: " + std::string(e.what()));
  } catch (const JsonError& e) {
    throw JsonError("#meta.model." + std::string(e.what()));
  }
}

std::string flag_name(std::string_view enum_name) {
  std::string name(enum_name);
  std::replace(name.begin(), name.end(), '_', '-');
  return name;
}

}  // namespace lockstep
