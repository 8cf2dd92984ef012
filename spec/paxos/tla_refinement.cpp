#include "spec/paxos/tla_refinement.hpp"

#include "spec/proofs/registry.hpp"
#include "spec/proofs/voting.hpp"

namespace lockstep::paxos_tla {

namespace {

int majority_of(int n) { return n / 2 + 1; }

class VotingAbstraction {
 public:
  explicit VotingAbstraction(const Config& config)
      : protocol_(proofs::find_abstract_protocol("paxos-voting")),
        v_(proofs::voting_vocabulary(*protocol_)),
        config_(config),
        universe_(config),
        quorums_(proofs::subsets_of_size(config.acceptors, majority_of(config.acceptors))) {}

  std::shared_ptr<const proofs::Protocol> protocol() const { return protocol_; }

  proofs::Structure operator()(const State& before, const State& after) const {
    const int acceptors = config_.acceptors, ballots = config_.ballots, values = config_.values;
    std::vector<int> sizes(protocol_->vocabulary.sorts().size(), 1);
    sizes[static_cast<std::size_t>(v_.value)] = values;
    proofs::Structure out = proofs::voting_structure(*protocol_, v_, sizes, acceptors, ballots, quorums_);
    for (int a = 0; a < acceptors; ++a) out.name(v_.node, a, "a" + std::to_string(a + 1));
    for (int b = 0; b < ballots; ++b) out.name(v_.ballot, b, std::to_string(b));
    for (const bool after_step : {false, true}) {
      const State& s = after_step ? after : before;
      for (int a = 0; a < acceptors; ++a) {
        for (int b = 0; b < s.max_bal[static_cast<std::size_t>(a)]; ++b) out.set(v_.left, {a, b}, true, after_step);
        for (int b = 0; b < ballots; ++b) {
          for (int v = 1; v <= values; ++v) {
            if (has(s, universe_.of_2b(a, b, v))) out.set(v_.voted, {a, b, v - 1}, true, after_step);
          }
        }
      }
    }
    return out;
  }

  // What alpha reads: maxBal and the 2b messages, as bytes.
  std::string projection(const State& s) const {
    std::string out;
    for (int a = 0; a < config_.acceptors; ++a) {
      out.push_back(static_cast<char>(s.max_bal[static_cast<std::size_t>(a)]));
      for (int b = 0; b < config_.ballots; ++b) {
        for (int v = 1; v <= config_.values; ++v) out.push_back(has(s, universe_.of_2b(a, b, v)) ? '1' : '0');
      }
    }
    return out;
  }

 private:
  std::shared_ptr<const proofs::Protocol> protocol_;
  proofs::VotingVocabulary v_;
  Config config_;
  Universe universe_;
  std::vector<std::vector<int>> quorums_;
};

}  // namespace

std::shared_ptr<proofs::Refinement<State>> voting_refinement(const Config& config) {
  const auto alpha = std::make_shared<const VotingAbstraction>(config);
  return std::make_shared<proofs::Refinement<State>>(
      alpha->protocol(), [alpha](const State& before, const State& after) { return (*alpha)(before, after); },
      [alpha](const State& s) { return alpha->projection(s); });
}

std::vector<std::string> explain_refinement(const Config& config, std::string_view property, const State* before,
                                            const State& after) {
  if (property != "PAXOS-RefinesVoting" && property != "PAXOS-VotingInvariant") return {};
  const VotingAbstraction alpha(config);
  return proofs::explain_through(*alpha.protocol(), alpha, property == "PAXOS-RefinesVoting", before, after);
}

}  // namespace lockstep::paxos_tla
