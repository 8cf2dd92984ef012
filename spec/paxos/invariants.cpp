#include "spec/paxos/invariants.hpp"

#include <array>
#include <bit>
#include <optional>

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
  return durable_never_down(before, after, [](const Durable& d) { return d.promised_ballot; });
}

namespace {

using Slot = NodeSlot<Paxos>;

// The value of the first vote at `ballot` or Accept in flight for it, other than `value`, if any.
std::optional<Value> other_value_at(const PaxosSpec::State& state, Ballot ballot, Value value) {
  for (const Vote& vote : state.ghost.votes) {
    if (vote.ballot == ballot && vote.value != value) return vote.value;
  }
  for (const auto& envelope : state.network) {
    const auto* accept = std::get_if<Accept>(&envelope.message);
    if (accept != nullptr && accept->ballot == ballot && accept->value != value) return accept->value;
  }
  return std::nullopt;
}

bool voted_at(const Ghost& ghost, NodeId acceptor, Ballot ballot) {
  for (const Vote& vote : ghost.votes) {
    if (vote.acceptor == acceptor && vote.ballot == ballot) return true;
  }
  return false;
}

// The first ballot c below `vote`'s at which `vote` is not safe (no majority each voted its value
// at c, or did not vote at c and durably promised above c), if any. Ballots c are every
// round.node below the vote's, as the bounds allow them.
std::optional<Ballot> unsafe_below(const Config& config, const PaxosSpec::State& state, const Vote& vote) {
  const std::size_t n = state.nodes.size();
  for (int round = 1; round <= static_cast<int>(vote.ballot.round); ++round) {
    for (std::size_t k = 0; k < n; ++k) {
      const Ballot c{static_cast<Paxos::Round>(round), NodeId::at(k)};
      if (!(c < vote.ballot)) return std::nullopt;
      int blocking = 0;
      for (std::size_t q = 0; q < n; ++q) {
        const NodeId acceptor = NodeId::at(q);
        const bool voted_v = state.ghost.votes.contains(Vote{c, acceptor, vote.value});
        const bool cannot_vote = state.nodes.items[q].persisted().promised_ballot > c && !voted_at(state.ghost, acceptor, c);
        if (voted_v || cannot_vote) ++blocking;
      }
      if (blocking < majority(config.node_count)) return c;
    }
  }
  return std::nullopt;
}

}  // namespace

bool one_value_per_ballot(const Config&, const PaxosSpec::State& state) {
  for (const Vote& vote : state.ghost.votes) {
    if (other_value_at(state, vote.ballot, vote.value)) return false;
  }
  for (const auto& envelope : state.network) {
    const auto* accept = std::get_if<Accept>(&envelope.message);
    if (accept != nullptr && other_value_at(state, accept->ballot, accept->value)) return false;
  }
  return true;
}

bool votes_safe(const Config& config, const PaxosSpec::State& state) {
  for (const Vote& vote : state.ghost.votes) {
    if (!vote.ballot.is_none() && unsafe_below(config, state, vote)) return false;
  }
  return true;
}

bool max_bal_above_vote(const Config&, const PaxosSpec::State& state) {
  for (const Slot& slot : state.nodes.items) {
    if (slot.node.durable.promised_ballot < slot.node.durable.accepted_ballot) return false;
    if (slot.disk && slot.disk->promised_ballot < slot.disk->accepted_ballot) return false;
  }
  return true;
}

namespace {

// The acceptors that voted for `value` at one ballot, with a majority: "n1, n2 at ballot 1.2".
std::string majority_for(const Config& config, const Ghost& ghost, Value value) {
  const Vote* vote = ghost.votes.begin();
  while (vote != ghost.votes.end()) {
    const Ballot ballot = vote->ballot;
    std::string voters;
    std::size_t count = 0;
    for (; vote != ghost.votes.end() && vote->ballot == ballot; ++vote) {
      if (vote->value != value) continue;
      voters += (count++ == 0 ? "" : ", ") + to_string(vote->acceptor);
    }
    if (count >= static_cast<std::size_t>(majority(config.node_count))) return voters + " at ballot " + to_string(ballot);
  }
  return "a majority";
}

}  // namespace

std::vector<std::string> PaxosSpec::decided(const Config& config, const State& state) {
  std::vector<std::string> out;
  for (const Value& value : state.ghost.chosen) {
    out.push_back(to_string(value) + " is chosen (accepted by " + majority_for(config, state.ghost, value) + ")");
  }
  return out;
}

std::vector<std::string> PaxosSpec::explain(const Config& config, std::string_view property, const State* before,
                                            const State& after) {
  std::vector<std::string> out;
  const Ghost& ghost = after.ghost;
  if (property == "PAXOS-Agreement") {
    for (const Value& value : ghost.chosen) {
      out.push_back(to_string(value) + " is chosen: accepted by " + majority_for(config, ghost, value) + " (ghost.votes)");
    }
  } else if (property == "PAXOS-Validity") {
    for (const Value& value : ghost.chosen) {
      if (!ghost.proposed.contains(value)) {
        out.push_back(to_string(value) + " is chosen (ghost.chosen) but no client proposed it (ghost.proposed = " +
                      to_string(ghost.proposed) + ")");
      }
    }
  } else if (property == "PAXOS-LearnedIsChosen") {
    for (std::size_t i = 0; i < after.nodes.size(); ++i) {
      const Value learned = after.nodes.items[i].node.volatile_state.learned;
      if (!learned.is_none() && !ghost.chosen.contains(learned)) {
        out.push_back(to_string(NodeId::at(i)) + " learned " + to_string(learned) + " (" +
                      node_field(i, "volatile_state.learned") + "), which is not chosen (ghost.chosen = " +
                      to_string(ghost.chosen) + ")");
      }
    }
  } else if (property == "PAXOS-PromiseMonotone" && before != nullptr) {
    out = durable_went_down(*before, after, "promise", "durable.promised_ballot",
                            [](const Durable& d) { return d.promised_ballot; });
  } else if (property == "PAXOS-OneValuePerBallot") {
    for (const Vote& vote : ghost.votes) {
      if (const auto other = other_value_at(after, vote.ballot, vote.value)) {
        out.push_back("at ballot " + to_string(vote.ballot) + ", " + to_string(vote.acceptor) + " voted " + to_string(vote.value) +
                      " (ghost.votes) and " + to_string(*other) + " is voted for or proposed too (ghost.votes, network)");
        break;
      }
    }
  } else if (property == "PAXOS-VotesSafe") {
    for (const Vote& vote : ghost.votes) {
      if (vote.ballot.is_none()) continue;
      if (const auto c = unsafe_below(config, after, vote)) {
        out.push_back(to_string(vote.acceptor) + " voted " + to_string(vote.value) + " at ballot " + to_string(vote.ballot) +
                      " (ghost.votes), but at the lower ballot " + to_string(*c) + " no majority either voted " +
                      to_string(vote.value) + " or durably promised above " + to_string(*c) +
                      " without voting there (nodes.*.disk, nodes.*.node.durable.promised_ballot): another value "
                      "could be chosen at " + to_string(*c));
        break;
      }
    }
  } else if (property == "PAXOS-MaxBalAboveVote") {
    for (std::size_t i = 0; i < after.nodes.size(); ++i) {
      const Slot& slot = after.nodes.items[i];
      for (const bool disk : {false, true}) {
        if (disk && !slot.disk) continue;
        const Durable& d = disk ? *slot.disk : slot.node.durable;
        if (d.promised_ballot < d.accepted_ballot) {
          out.push_back(to_string(NodeId::at(i)) + " promised " + to_string(d.promised_ballot) + " but accepted at " +
                        to_string(d.accepted_ballot) + " (" +
                        (disk ? "nodes.n" + std::to_string(i + 1) + ".disk" : node_field(i, "durable")) + ")");
        }
      }
    }
  } else if (property == "PAXOS-RefinesVoting" || property == "PAXOS-VotingInvariant") {
    return explain_refinement(config, property, before, after);
  }
  return out;
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
      {"PAXOS-OneValuePerBallot", PropertyKind::always, "at most one value is voted for or proposed at each ballot",
       [config](const S& s) { return one_value_per_ballot(config, s); }},
      {"PAXOS-VotesSafe", PropertyKind::always,
       "every vote is safe: at each lower ballot a majority voted the same value or durably promised past it",
       [config](const S& s) { return votes_safe(config, s); }},
      {"PAXOS-MaxBalAboveVote", PropertyKind::always, "an acceptor's promise is never below the ballot it accepted at",
       [config](const S& s) { return max_bal_above_vote(config, s); }},
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
