// `lockstep prove [--obligation NAME]... [--list] [--json]`: every proof obligation, decided by Z3
// (spec/proofs/): quorum intersection, and the inductive invariants of the abstract protocols the
// models refine (Init => Inv, Inv & Action => Inv' per action and conjunct, Inv => safety). Some
// obligations are broken on purpose and must be refuted with a counterexample.
//
// Exit codes: 0 every obligation as expected (proved, or refuted when broken on purpose); 1 one is
// not (a counterexample, or Z3 undecided); 2 bad usage (an unknown obligation name).
#include <fmt/core.h>

#include <z3_version.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "impl/cli/commands.hpp"
#include "model/core/json.hpp"
#include "spec/proofs/obligations.hpp"

namespace lockstep::cli {

namespace {

namespace proofs = lockstep::proofs;

struct ProveOptions {
  std::vector<std::string> obligations;
  bool list = false;
  bool json = false;
};

// An obligation is selected by its name, or by a prefix of it ending at a '/' ("paxos-voting",
// "quorums/majority").
bool selected(const std::string& name, const std::vector<std::string>& wanted) {
  if (wanted.empty()) return true;
  for (const std::string& w : wanted) {
    if (name == w) return true;
    const std::string prefix = w.back() == '/' ? w : w + "/";
    if (name.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

int run_prove(const ProveOptions& options) {
  const auto& all = proofs::all_obligations();
  for (const std::string& w : options.obligations) {
    if (std::none_of(all.begin(), all.end(), [&](const proofs::Obligation& o) { return selected(o.name, {w}); })) {
      std::string groups;
      std::vector<std::string> seen;
      for (const proofs::Obligation& o : all) {
        const std::string group = o.name.substr(0, o.name.find('/'));
        if (std::find(seen.begin(), seen.end(), group) != seen.end()) continue;
        groups += (groups.empty() ? "" : ", ") + group;
        seen.push_back(group);
      }
      throw UsageError("--obligation: no obligation is named '" + w + "' or starts with it (the groups: " + groups +
                       "; `lockstep prove --list` lists them all)");
    }
  }
  if (options.list) {
    Json list = Json::array();
    for (const proofs::Obligation& o : all) {
      if (!selected(o.name, options.obligations)) continue;
      if (options.json) {
        list.push_back({{"name", o.name}, {"description", o.description}, {"expected", o.expect_refuted ? "refuted" : "proved"}});
      } else {
        fmt::print("{:<60} {}{}\n", o.name, o.description, o.expect_refuted ? " (broken on purpose)" : "");
      }
    }
    if (options.json) fmt::print("{}\n", list.dump());
    return exit_ok;
  }
  Json results = Json::array();
  std::size_t proved = 0, refuted_as_expected = 0, failed = 0;
  double total = 0;
  for (const proofs::Obligation& o : all) {
    if (!selected(o.name, options.obligations)) continue;
    const proofs::Verdict v = o.run();
    const bool as_expected = o.expect_refuted ? v.result == proofs::Verdict::Result::refuted
                                              : v.result == proofs::Verdict::Result::proved;
    total += v.seconds;
    if (!as_expected) ++failed;
    else if (o.expect_refuted) ++refuted_as_expected;
    else ++proved;
    const std::string verdict = proofs::result_name(v.result);
    if (options.json) {
      results.push_back({{"name", o.name},
                         {"description", o.description},
                         {"verdict", verdict},
                         {"expected", o.expect_refuted ? "refuted" : "proved"},
                         {"as_expected", as_expected},
                         {"seconds", v.seconds},
                         {"counterexample", v.counterexample.empty() ? Json(nullptr) : Json(v.counterexample)}});
    } else {
      std::string shown = verdict;
      if (!as_expected) {
        for (char& c : shown) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      }
      fmt::print("{:<8} {:>8.3f} s  {}{}\n", shown, v.seconds, o.name,
                 o.expect_refuted ? (as_expected ? "  (broken on purpose: refuted, as it must be)" : "  (broken on purpose, yet not refuted!)") : "");
      if (!v.counterexample.empty() && (o.expect_refuted || !as_expected)) {
        fmt::print("{}", v.counterexample);
      }
      std::fflush(stdout);
    }
  }
  if (options.json) {
    fmt::print("{}\n", Json{{"obligations", results},
                            {"proved", proved},
                            {"refuted_as_expected", refuted_as_expected},
                            {"failed", failed},
                            {"seconds", total},
                            {"z3", "Z3 " Z3_FULL_VERSION}}
                           .dump());
  } else {
    fmt::print("{} obligations: {} proved, {} broken on purpose and refuted, {} not as expected; {:.2f} s in Z3 ({})\n",
               proved + refuted_as_expected + failed, proved, refuted_as_expected, failed, total, "Z3 " Z3_FULL_VERSION);
  }
  return failed == 0 ? exit_ok : exit_violation;
}

}  // namespace

Command add_prove_command(CLI::App& root) {
  auto options = std::make_shared<ProveOptions>();
  CLI::App* command = root.add_subcommand(
      "prove", "Prove with Z3: quorum intersection and the protocols' inductive invariants, beyond any bound");
  command->add_option("--obligation", options->obligations,
                      "Only this obligation, or those whose name starts with it followed by '/' (repeatable)")
      ->allow_extra_args(false);
  command->add_flag("--list", options->list, "List the obligations (name, what it says) and exit");
  command->add_flag("--json", options->json, "Print the verdicts as one JSON object");
  return {command, [options] { return run_prove(*options); }};
}

}  // namespace lockstep::cli
