// Building a registry entry (checker/registry.hpp) from a protocol's typed options: each integer
// option is declared once, with its flag, help, range and the member it sets; its default is
// the member's in a default-constructed Options. The typed options stay what the tests use.
#pragma once

#include <string>
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
