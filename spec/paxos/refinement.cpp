// `check paxos --refine`: World<Paxos> held to Lamport's Voting (spec/proofs/voting.hpp), the
// abstract protocol `lockstep prove` proves. The abstraction:
//   node     the acceptors n1..nN
//   ballot   every ballot of the bounds (rounds 1..R of every node), in the model's order
//   value    the values voted for (v1..vV, the highest seen)
//   quorum   every majority of the nodes (the smallest ones: any larger quorum holds one)
//   voted(n, b, v)   the ghost's record of every vote cast (Paxos.tla's 2b messages)
//   left(n, b)       b is below n's durable promise (promised_ballot): n will not vote at b
#include <algorithm>
#include <memory>

#include "model/core/codec.hpp"
#include "spec/paxos/invariants.hpp"
#include "spec/proofs/refinement.hpp"
#include "spec/proofs/registry.hpp"
#include "spec/proofs/voting.hpp"

namespace lockstep::paxos {

namespace {

using State = PaxosSpec::State;
namespace proofs = lockstep::proofs;

class VotingAbstraction {
 public:
  explicit VotingAbstraction(const Config& config)
      : protocol_(proofs::find_abstract_protocol("paxos-voting")),
        v_(proofs::voting_vocabulary(*protocol_)),
        nodes_(config.node_count),
        rounds_(std::max<int>(1, config.checks.round_max)),
        quorums_(proofs::subsets_of_size(static_cast<int>(config.node_count), majority(config.node_count))) {}

  std::shared_ptr<const proofs::Protocol> protocol() const { return protocol_; }

  // The model's names for the abstract elements: ballot r.k, value vN.
  void name_elements(proofs::Structure& s) const {
    const int node_count = static_cast<int>(nodes_);
    for (int b = 0; b < s.size(v_.ballot); ++b) {
      s.name(v_.ballot, b, std::to_string(b / node_count + 1) + "." + std::to_string(b % node_count + 1));
    }
  }

  proofs::Structure operator()(const State& before, const State& after) const {
    int rounds = rounds_, values = 1;
    for (const State* s : {&before, &after}) {
      for (const Vote& vote : s->ghost.votes) {
        rounds = std::max<int>(rounds, vote.ballot.round);
        values = std::max<int>(values, vote.value.value);
      }
      for (std::size_t i = 0; i < nodes_; ++i) rounds = std::max<int>(rounds, s->nodes[NodeId::at(i)].node.durable.promised_ballot.round);
    }
    const int node_count = static_cast<int>(nodes_);
    std::vector<int> sizes(protocol_->vocabulary.sorts().size(), 1);
    sizes[static_cast<std::size_t>(v_.value)] = values;
    proofs::Structure out = proofs::voting_structure(*protocol_, v_, sizes, node_count, rounds * node_count, quorums_);
    for (const bool after_step : {false, true}) {
      const State& s = after_step ? after : before;
      for (const Vote& vote : s.ghost.votes) {
        if (vote.ballot.is_none() || vote.value.is_none()) continue;
        out.set(v_.voted, {vote.acceptor.value - 1, proofs::ballot_index(vote.ballot, node_count), vote.value.value - 1}, true, after_step);
      }
      proofs::set_promises(out, v_, s, node_count, after_step);
    }
    return out;
  }

 private:
  std::shared_ptr<const proofs::Protocol> protocol_;
  proofs::VotingVocabulary v_;
  std::size_t nodes_;
  int rounds_;
  std::vector<std::vector<int>> quorums_;
};

// What alpha reads: the votes and the durable promises, as bytes.
std::string votes_and_promises(const State& s) {
  Bytes out;
  encode_to(out, s.ghost.votes);
  for (std::size_t i = 0; i < s.nodes.size(); ++i) encode_to(out, s.nodes.items[i].node.durable.promised_ballot);
  return std::string(out.data(), out.size());
}

std::shared_ptr<proofs::Refinement<State>> refinement_for(const Config& config) {
  const VotingAbstraction alpha(config);
  return std::make_shared<proofs::Refinement<State>>(alpha.protocol(), alpha, votes_and_promises);
}

}  // namespace

std::vector<std::string> explain_refinement(const Config& config, std::string_view property, const State* before,
                                            const State& after) {
  const VotingAbstraction alpha(config);
  const auto named = [&](const State& b, const State& a) {
    proofs::Structure pair = alpha(b, a);
    alpha.name_elements(pair);
    return pair;
  };
  return proofs::explain_through(*alpha.protocol(), named, property == "PAXOS-RefinesVoting", before, after);
}

std::vector<Property<PaxosSpec::State>> PaxosSpec::refinement_properties(const Config& config) {
  auto r = refinement_for(config);
  return {{"PAXOS-VotingInvariant", PropertyKind::always,
           "the state maps to a Voting state satisfying the inductive invariant that `lockstep prove` proves",
           [r](const State& s) { return r->invariant_holds(s); }}};
}

std::vector<TransitionProperty<PaxosSpec::State>> PaxosSpec::refinement_transition_properties(const Config& config) {
  auto r = refinement_for(config);
  return {{"PAXOS-RefinesVoting",
           "every step maps to a step of Voting (IncreaseMaxBal, VoteFor) or changes nothing of it",
           [r](const State& before, const State& after) { return r->step_refines(before, after); }}};
}

}  // namespace lockstep::paxos
