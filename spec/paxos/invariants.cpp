#include "spec/paxos/invariants.hpp"

#include <array>
#include <bit>

namespace lockstep::paxos {

void PaxosSpec::observe(const Config& config, Ghost& ghost, NodeId node, const Event& event, const Node& before,
                        const Step& step) {
  if (const auto* request = std::get_if<ClientRequest>(&event)) ghost.proposed.insert(request->value);
  const Durable& after = step.node.durable;
  if (after.accepted_ballot != before.durable.accepted_ballot ||
      after.accepted_value != before.durable.accepted_value) {
    ghost.votes.insert(Vote{after.accepted_ballot, node, after.accepted_value});
    const std::uint32_t chosen = chosen_values(config, ghost);
    for (unsigned v = 1; v < 32; ++v) {
      if ((chosen >> v) & 1u) ghost.chosen.insert(Value{static_cast<std::uint8_t>(v)});
    }
  }
}

std::uint32_t chosen_values(const Config& config, const Ghost& ghost) {
  // Votes are sorted by ballot first: count the votes for each value within each ballot's run.
  std::uint32_t chosen = 0;
  const Vote* vote = ghost.votes.begin();
  while (vote != ghost.votes.end()) {
    std::array<std::uint8_t, 32> voters{};
    const Ballot ballot = vote->ballot;
    for (; vote != ghost.votes.end() && vote->ballot == ballot; ++vote) {
      const unsigned value = vote->value.value & 31u;
      if (++voters[value] >= majority(config.node_count)) chosen |= 1u << value;
    }
  }
  return chosen;
}

bool agreement(const Config&, const PaxosSpec::State& state) { return state.ghost.chosen.size() <= 1; }

namespace {
std::uint32_t bits_of(const Ghost::Values& values) {
  std::uint32_t bits = 0;
  for (const Value& value : values) bits |= 1u << (value.value & 31u);
  return bits;
}
}  // namespace

bool validity(const Config&, const PaxosSpec::State& state) {
  return (bits_of(state.ghost.chosen) & ~bits_of(state.ghost.proposed)) == 0;
}

bool learned_is_chosen(const Config&, const PaxosSpec::State& state) {
  std::uint32_t learned = 0;
  for (const auto& slot : state.nodes.items) {
    const Value value = slot.node.volatile_state.learned;
    if (!value.is_none()) learned |= 1u << value.value;
  }
  return (learned & ~bits_of(state.ghost.chosen)) == 0;
}

bool promise_monotone(const PaxosSpec::State& before, const PaxosSpec::State& after) {
  for (std::size_t i = 0; i < before.nodes.size(); ++i) {
    const NodeId id = NodeId::at(i);
    if (after.nodes[id].node.durable.promised_ballot < before.nodes[id].node.durable.promised_ballot) return false;
  }
  return true;
}

std::vector<Property<PaxosSpec::State>> PaxosSpec::properties(const Config& config) {
  using S = PaxosSpec::State;
  return {
      {"PAXOS-Agreement", PropertyKind::always, "at most one value is chosen",
       [config](const S& s) { return agreement(config, s); }},
      {"PAXOS-Validity", PropertyKind::always, "a chosen value was proposed",
       [config](const S& s) { return validity(config, s); }},
      {"PAXOS-LearnedIsChosen", PropertyKind::always, "a learned value is chosen",
       [config](const S& s) { return learned_is_chosen(config, s); }},
      {"value-chosen", PropertyKind::sometimes, "some run chooses a value",
       [](const S& s) { return !s.ghost.chosen.empty(); }},
  };
}

std::vector<TransitionProperty<PaxosSpec::State>> PaxosSpec::transition_properties(const Config&) {
  return {
      {"PAXOS-PromiseMonotone", "an acceptor's promise never decreases, across crashes too", promise_monotone},
  };
}

}  // namespace lockstep::paxos
