// Building a registry entry (checker/registry.hpp) from a protocol's typed options: each integer
// option is declared once, with its flag, help, range and the member it sets; its default is
// the member's in a default-constructed Options. The typed options stay what the tests use.
#pragma once

#include <algorithm>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "checker/registry.hpp"

namespace lockstep {

// `--refine`: the World also checks that every step refines the abstract protocol that `lockstep
// prove` proves, and every state its inductive invariant (spec/proofs/refinement.hpp).
inline SwitchSpec refine_switch() {
  return {"--refine",
          "Also check every step against the abstract protocol `lockstep prove` proves (a step of it, or no "
          "change of it), and every state against its inductive invariant"};
}

// `--keep-obsolete`: messages the protocol declares obsolete stay in flight, their deliveries
// explored at every later state (checker/world/world.hpp, keep_obsolete_messages).
inline SwitchSpec keep_obsolete_switch() {
  return {"--keep-obsolete",
          "Keep the messages the protocol declares obsolete in flight (else they are removed once their "
          "receiver ignores them; dead, they do not count against --max-messages): more states, and a handler "
          "that mishandles stale messages is explored"};
}

template <class Options>
struct IntField {
  const char* flag;
  const char* help;
  int Options::*member;
  int min;
  int max;
};

template <class Options>
std::vector<OptionSpec> option_specs(const std::vector<IntField<Options>>& fields) {
  const Options defaults{};
  std::vector<OptionSpec> specs;
  for (const auto& f : fields) specs.push_back({f.flag, f.help, defaults.*f.member, f.min, f.max});
  return specs;
}

// The typed options a run's args stand for (the bug and switches are the entry's to map).
template <class Options>
Options options_from(const ProtocolArgs& args, const std::vector<IntField<Options>>& fields) {
  Options options{};
  for (const auto& f : fields) options.*f.member = args.get(f.flag);
  options.explore = args.explore;
  return options;
}

template <class Options>
ProtocolArgs args_from(const Options& options, const std::vector<IntField<Options>>& fields) {
  ProtocolArgs args;
  for (const auto& f : fields) args.values[f.flag] = options.*f.member;
  args.explore = options.explore;
  return args;
}

// The args of each variant a swarm run of `simulate` may walk (ProtocolEntry::simulate_swarm):
// every combination of the values of the options named in `flags` (their own and the entry's
// alternatives), `args` itself first, less the combinations `validate` refuses (e.g. fewer clients
// than --try-clients names).
inline std::vector<ProtocolArgs> swarm_variants(const std::vector<ProtocolEntry::SwarmOption>& swarm,
                                                const ProtocolArgs& args, const std::vector<std::string>& flags,
                                                const std::function<std::string(const ProtocolArgs&)>& validate = {}) {
  std::vector<std::pair<std::string, std::vector<int>>> axes;
  for (const std::string& flag : flags) {
    std::vector<int> values{args.get(flag)};
    for (const auto& option : swarm) {
      if (option.flag != flag) continue;
      for (int v : option.values) {
        if (std::find(values.begin(), values.end(), v) == values.end()) values.push_back(v);
      }
    }
    axes.emplace_back(flag, std::move(values));
  }
  std::vector<ProtocolArgs> out{args};
  for (const auto& [flag, values] : axes) {
    const std::size_t before = out.size();
    for (std::size_t v = 1; v < values.size(); ++v) {
      for (std::size_t i = 0; i < before; ++i) {
        ProtocolArgs variant = out[i];
        variant.values[flag] = values[v];
        out.push_back(std::move(variant));
      }
    }
  }
  if (!validate) return out;
  std::vector<ProtocolArgs> valid{out.front()};  // the configured args, validated already
  for (std::size_t i = 1; i < out.size(); ++i) {
    if (validate(out[i]).empty()) valid.push_back(std::move(out[i]));
  }
  return valid;
}

// The typed options of each of those variants (options_of of each), in the same order.
template <class Options, class OptionsOf>
std::vector<Options> swarm_options(const std::vector<ProtocolEntry::SwarmOption>& swarm, const ProtocolArgs& args,
                                   const std::vector<std::string>& flags, OptionsOf&& options_of,
                                   const std::function<std::string(const ProtocolArgs&)>& validate = {}) {
  std::vector<Options> out;
  for (const ProtocolArgs& variant : swarm_variants(swarm, args, flags, validate)) out.push_back(options_of(variant));
  return out;
}

// The BugSpecs of a LOCKSTEP_ENUM whose first value is `none`: names and descriptions from the
// enum; where each is found, from `found` (in enum order, without `none`). A bug added to the
// enum without an entry in `found` yet is listed with no invariant (the registry's tests ask for
// one): the checker runs it like any other.
struct BugFound {
  std::vector<std::string> bounds;
  std::string invariant;
  std::size_t trace_steps;
};
template <class Bug, class Describe>
std::vector<BugSpec> bug_specs(Describe describe, const std::vector<BugFound>& found) {
  const auto& names = lockstep_enum_names(Bug{});
  std::vector<BugSpec> specs;
  for (std::size_t i = 1; i < names.size(); ++i) {
    const BugFound f = i - 1 < found.size() ? found[i - 1] : BugFound{{}, "", 0};
    specs.push_back({flag_name(names[i]), std::string(describe(static_cast<Bug>(i))), f.bounds, f.invariant, f.trace_steps});
  }
  return specs;
}

template <class Bug>
Bug bug_from(const std::string& name) {
  const auto& names = lockstep_enum_names(Bug{});
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (flag_name(names[i]) == name) return static_cast<Bug>(i);
  }
  return Bug{};
}

// The budgets and bound every World takes; more messages in flight than the network holds
// (`messages_capacity`) is refused, not clamped.
template <class Options>
void add_fault_fields(std::vector<IntField<Options>>& fields, std::size_t messages_capacity) {
  fields.push_back({"--crashes", "Crash budget", &Options::crashes, 0, 100});
  fields.push_back({"--drops", "Message drop budget", &Options::drops, 0, 100});
  fields.push_back({"--duplicates", "Message duplication budget", &Options::duplicates, 0, 100});
  fields.push_back({"--max-messages", "States with more messages in flight are not expanded (0 = up to the network's capacity)",
                    &Options::messages_max, 0, static_cast<int>(messages_capacity)});
}

}  // namespace lockstep
