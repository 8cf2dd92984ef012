// `check multipaxos --refine`: World<MultiPaxos> held to per-slot Voting (spec/proofs/voting.hpp;
// `lockstep prove` proves AgreementPerSlot) and, for the replicas, to replica-apply (below).
// Voting's abstraction:
//   node     the acceptors n1..nN
//   ballot   every ballot up to the highest round seen (at least --max-round), in the model's order
//   value    the commands voted for (noops included), in their order
//   slot     the slots voted in
//   quorum   the smallest majorities of the nodes
//   voted(n, s, b, v)  the ghost's record of every vote cast (a crash or a snapshot may erase it
//                      from the acceptor, not from history)
//   left(n, b)         b is below n's durable promise, which covers every slot
#pragma once

#include <algorithm>
#include <memory>
#include <vector>

#include "model/core/codec.hpp"
#include "spec/proofs/refinement.hpp"
#include "spec/proofs/registry.hpp"
#include "spec/proofs/voting.hpp"
#include "model/core/print.hpp"

namespace lockstep::multipaxos {

template <class Spec>
class PerSlotVotingAbstraction {
 public:
  using State = typename Spec::State;
  using Config = typename Spec::Config;
  using Entry = typename Spec::Entry;
  using Ballot = typename Spec::Ballot;

  explicit PerSlotVotingAbstraction(const Config& config)
      : protocol_(proofs::find_abstract_protocol("multipaxos-voting")),
        v_(proofs::voting_vocabulary(*protocol_)),
        slot_sort_(protocol_->vocabulary.sorts().size() - 1),
        nodes_(config.node_count),
        rounds_(std::max<int>(1, config.checks.round_max)),
        quorums_(proofs::subsets_of_size(static_cast<int>(config.node_count), majority(config.node_count))) {}

  std::shared_ptr<const proofs::Protocol> protocol() const { return protocol_; }

  proofs::Structure operator()(const State& before, const State& after) const {
    int rounds = rounds_;
    std::vector<Entry> entries;
    std::vector<int> slots;
    for (const State* s : {&before, &after}) {
      for (const auto& vote : s->ghost.votes) {
        rounds = std::max<int>(rounds, vote.ballot.round);
        entries.push_back(vote.entry);
        slots.push_back(static_cast<int>(vote.slot));
      }
      for (std::size_t i = 0; i < nodes_; ++i) rounds = std::max<int>(rounds, s->nodes[NodeId::at(i)].node.durable.promised_ballot.round);
    }
    std::sort(entries.begin(), entries.end());
    entries.erase(std::unique(entries.begin(), entries.end()), entries.end());
    std::sort(slots.begin(), slots.end());
    slots.erase(std::unique(slots.begin(), slots.end()), slots.end());
    const int node_count = static_cast<int>(nodes_);
    std::vector<int> sizes(protocol_->vocabulary.sorts().size(), 1);
    sizes[static_cast<std::size_t>(v_.value)] = std::max<int>(1, static_cast<int>(entries.size()));
    sizes[slot_sort_] = std::max<int>(1, static_cast<int>(slots.size()));
    proofs::Structure out = proofs::voting_structure(*protocol_, v_, sizes, node_count, rounds * node_count, quorums_);
    const auto index_in = [](const auto& list, const auto& item) {
      return static_cast<int>(std::lower_bound(list.begin(), list.end(), item) - list.begin());
    };
    for (const bool after_step : {false, true}) {
      const State& s = after_step ? after : before;
      for (const auto& vote : s.ghost.votes) {
        if (vote.ballot.is_none()) continue;
        out.set(v_.voted,
                {vote.acceptor.value - 1, index_in(slots, static_cast<int>(vote.slot)), proofs::ballot_index(vote.ballot, node_count),
                 index_in(entries, vote.entry)},
                true, after_step);
      }
      proofs::set_promises(out, v_, s, node_count, after_step);
    }
    return out;
  }

 private:
  std::shared_ptr<const proofs::Protocol> protocol_;
  proofs::VotingVocabulary v_;
  int slot_sort_;
  std::size_t nodes_;
  int rounds_;
  std::vector<std::vector<int>> quorums_;
};

template <class Spec>
std::shared_ptr<proofs::Refinement<typename Spec::State>> per_slot_voting_refinement(const typename Spec::Config& config) {
  const PerSlotVotingAbstraction<Spec> alpha(config);
  // What alpha reads: the votes and the durable promises, as bytes.
  const auto projection = [](const typename Spec::State& s) {
    Bytes out;
    encode_to(out, s.ghost.votes);
    for (std::size_t i = 0; i < s.nodes.size(); ++i) encode_to(out, s.nodes.items[i].node.durable.promised_ballot);
    return std::string(out.data(), out.size());
  };
  return std::make_shared<proofs::Refinement<typename Spec::State>>(alpha.protocol(), alpha, projection);
}

// `check multipaxos --refine`, the replicas' side: World<MultiPaxos> held to replica-apply
// (spec/proofs/replica_apply.hpp). The abstraction:
//   node     the replicas n1..nN; slot: 1 .. the highest slot chosen or applied; entry: the
//            entries chosen, in their order
//   chosen(s, e)    the ghost's chosen (slot, entry) pairs
//   applied(n, s)   every slot through n's applied one (its volatile `applied`)
//   down(n)         n is crashed
template <class Spec>
class ReplicaApplyAbstraction {
 public:
  using State = typename Spec::State;
  using Config = typename Spec::Config;
  using Entry = typename Spec::Entry;

  explicit ReplicaApplyAbstraction(const Config& config)
      : protocol_(proofs::find_abstract_protocol("replica-apply")), nodes_(static_cast<int>(config.node_count)) {
    const proofs::Vocabulary& v = protocol_->vocabulary;
    node_ = v.find_sort("node"), slot_ = v.find_sort("slot"), entry_ = v.find_sort("entry");
    chosen_ = v.find_relation("chosen"), applied_ = v.find_relation("applied"), down_ = v.find_relation("down");
  }
  std::shared_ptr<const proofs::Protocol> protocol() const { return protocol_; }

  proofs::Structure operator()(const State& before, const State& after) const {
    int slots = 1;
    std::vector<Entry> entries;
    for (const State* s : {&before, &after}) {
      for (const auto& c : s->ghost.chosen) {
        slots = std::max<int>(slots, static_cast<int>(c.slot));
        entries.push_back(c.entry);
      }
      for (const auto& slot : s->nodes.items) slots = std::max<int>(slots, static_cast<int>(slot.node.volatile_state.applied));
    }
    std::sort(entries.begin(), entries.end());
    entries.erase(std::unique(entries.begin(), entries.end()), entries.end());
    std::vector<int> sizes(protocol_->vocabulary.sorts().size(), 1);
    sizes[static_cast<std::size_t>(node_)] = nodes_;
    sizes[static_cast<std::size_t>(slot_)] = slots;
    sizes[static_cast<std::size_t>(entry_)] = std::max<int>(1, static_cast<int>(entries.size()));
    proofs::Structure out(protocol_->vocabulary, sizes);
    for (int i = 0; i < slots; ++i) out.name(slot_, i, "slot " + std::to_string(i + 1));
    for (std::size_t i = 0; i < entries.size(); ++i) out.name(entry_, static_cast<int>(i), to_string(entries[i]));
    for (const bool after_step : {false, true}) {
      const State& s = after_step ? after : before;
      for (const auto& c : s.ghost.chosen) {
        const int e = static_cast<int>(std::lower_bound(entries.begin(), entries.end(), c.entry) - entries.begin());
        out.set(chosen_, {static_cast<int>(c.slot) - 1, e}, true, after_step);
      }
      for (int n = 0; n < nodes_; ++n) {
        const auto& slot = s.nodes.items[static_cast<std::size_t>(n)];
        if (!slot.up) out.set(down_, {n}, true, after_step);
        for (int j = 0; j < static_cast<int>(slot.node.volatile_state.applied); ++j) out.set(applied_, {n, j}, true, after_step);
      }
    }
    return out;
  }

 private:
  std::shared_ptr<const proofs::Protocol> protocol_;
  int nodes_;
  int node_, slot_, entry_, chosen_, applied_, down_;
};

template <class Spec>
std::shared_ptr<proofs::Refinement<typename Spec::State>> replica_apply_refinement(const typename Spec::Config& config) {
  const ReplicaApplyAbstraction<Spec> alpha(config);
  // What alpha reads: the chosen pairs, and each replica's liveness and applied slot, as bytes.
  const auto projection = [](const typename Spec::State& s) {
    Bytes out;
    encode_to(out, s.ghost.chosen);
    for (const auto& slot : s.nodes.items) {
      encode_to(out, slot.up);
      encode_to(out, slot.node.volatile_state.applied);
    }
    return std::string(out.data(), out.size());
  };
  return std::make_shared<proofs::Refinement<typename Spec::State>>(alpha.protocol(), alpha, projection);
}

}  // namespace lockstep::multipaxos
