// The Paxos step function (definitions of PaxosOf<Sizes>::init, step, obsolete), instantiated
// at both sizes in step.cpp. Pure: no I/O, clock, thread or randomness. Each handler checks
// whether the event means anything first and returns early when it does not.
#pragma once

#include <algorithm>

#include "model/paxos/paxos.hpp"

namespace lockstep::paxos {

// The node being stepped. Messages a node sends to itself (its proposer to its own acceptor, its
// acceptor to its own learner) are handled within the same step, as the function calls they are
// in one process, instead of crossing the network.
template <class Sizes>
struct PaxosStep {
  using P = PaxosOf<Sizes>;
  using Value = typename P::Value;
  using Ballot = typename P::Ballot;
  using Message = typename P::Message;
  using Volatile = typename P::Volatile;
  using Durable = typename P::Durable;

  const typename P::Config& config;
  NodeId self;
  lockstep::Step<P>& out;
  SmallVec<Message, 2 * node_count_max> inbox{};

  // A seeded bug, at model size; at runtime size there is none (compiled out).
  bool bug([[maybe_unused]] Bug b) const {
    if constexpr (Sizes::checked) return config.checks.bug == b;
    return false;
  }
  bool round_bound_reached([[maybe_unused]] typename P::Round highest_round) const {
    if constexpr (Sizes::checked) return highest_round >= config.checks.round_max;
    return false;
  }

  void send(NodeId to, Message message) { send_or_queue(self, out, inbox, to, std::move(message)); }
  void broadcast(const Message& message) {
    for (std::size_t i = 0; i < config.node_count; ++i) send(NodeId::at(i), message);
  }

  // Phase 1a: pick the next round above every ballot this node has seen, and ask for promises.
  void start_round() {
    typename P::Node& node = out.node;
    Volatile& proposer = node.volatile_state;
    const auto highest_round = std::max(proposer.ballot.round, node.durable.promised_ballot.round);
    if (round_bound_reached(highest_round)) return;  // the model's bound on rounds: stop proposing
    proposer.ballot = next_ballot(highest_round, self);
    proposer.phase = Phase::preparing;
    proposer.promises = NodeSet{};
    proposer.highest_accepted_ballot = Ballot{};
    proposer.highest_accepted_value = Value{};
    broadcast(typename P::Prepare{proposer.ballot});
    out.set_timer(Timer::retry, Delay::randomized(config.timing.retry_min_ms, config.timing.retry_max_ms));
  }

  void on_client_request(const typename P::ClientRequest& request) {
    Volatile& state = out.node.volatile_state;
    if (!state.learned.is_none()) {
      out.reply(request.client, request.sequence, typename P::Chosen{state.learned});
      return;
    }
    if (!state.proposal.is_none()) return;  // already proposing a value
    if (request.value.is_none()) return;
    state.proposal = request.value;
    state.client = request.client;
    state.client_sequence = request.sequence;
    start_round();
  }

  void on_timer() {
    const Volatile& state = out.node.volatile_state;
    if (state.proposal.is_none() || !state.learned.is_none()) return;
    start_round();
  }

  // Phase 1b: promise a higher ballot, durably, and report the latest vote.
  void on_prepare(NodeId from, const typename P::Prepare& prepare) {
    Durable& acceptor = out.node.durable;
    if (!may_promise(acceptor.promised_ballot, prepare.ballot)) return;
    acceptor.promised_ballot = prepare.ballot;
    if (!bug(Bug::promise_not_durable)) out.mark_persist();
    send(from, typename P::Promise{prepare.ballot, acceptor.accepted_ballot, acceptor.accepted_value});
  }

  // Phase 2a: with promises from a majority, propose the value of the highest vote they report,
  // or the client's value when they report none.
  void on_promise(NodeId from, const typename P::Promise& promise) {
    Volatile& proposer = out.node.volatile_state;
    if (proposer.phase != Phase::preparing || promise.ballot != proposer.ballot) return;
    if (!count_once(proposer.promises, from)) return;
    keep_highest_vote(proposer.highest_accepted_ballot, proposer.highest_accepted_value, promise.accepted_ballot,
                      promise.accepted_value);
    if (!is_quorum(proposer.promises, config.node_count)) return;
    const bool free_choice = proposer.highest_accepted_value.is_none() || bug(Bug::ignore_accepted_value);
    const Value value = free_choice ? proposer.proposal : proposer.highest_accepted_value;
    proposer.phase = Phase::accepting;
    broadcast(typename P::Accept{proposer.ballot, value});
  }

  // Phase 2b: vote for a ballot no lower than the promise, durably, and tell the ballot's
  // proposer, the distinguished learner of its ballot ("Paxos Made Simple", section 2.3).
  void on_accept(const typename P::Accept& accept) {
    Durable& acceptor = out.node.durable;
    if (!may_accept(acceptor.promised_ballot, accept.ballot) && !bug(Bug::accept_below_promise)) return;
    if (accept.ballot == acceptor.accepted_ballot && accept.value == acceptor.accepted_value) return;
    acceptor.promised_ballot = std::max(acceptor.promised_ballot, accept.ballot);
    acceptor.accepted_ballot = accept.ballot;
    acceptor.accepted_value = accept.value;
    out.mark_persist();
    send(accept.ballot.node, typename P::Accepted{accept.ballot, accept.value});
  }

  // Learning: a majority of Accepted for one ballot means the value is chosen.
  void on_accepted(NodeId from, const typename P::Accepted& accepted) {
    Volatile& learner = out.node.volatile_state;
    if (!learner.learned.is_none() || accepted.ballot < learner.learning_ballot) return;
    if (accepted.ballot > learner.learning_ballot) {
      learner.learning_ballot = accepted.ballot;
      learner.accepted_by = NodeSet{};
    }
    if (!count_once(learner.accepted_by, from)) return;
    if (!is_quorum(learner.accepted_by, config.node_count)) return;
    learner.learned = accepted.value;
    out.applied(typename P::Chosen{accepted.value});
    if (!learner.proposal.is_none()) {
      out.reply(learner.client, learner.client_sequence, typename P::Chosen{accepted.value});
    }
  }

  void on_message(NodeId from, const Message& message) {
    std::visit(
        [&](const auto& m) {
          using M = std::decay_t<decltype(m)>;
          if constexpr (std::is_same_v<M, typename P::Prepare>) on_prepare(from, m);
          if constexpr (std::is_same_v<M, typename P::Promise>) on_promise(from, m);
          if constexpr (std::is_same_v<M, typename P::Accept>) on_accept(m);
          if constexpr (std::is_same_v<M, typename P::Accepted>) on_accepted(from, m);
        },
        message);
  }
};

template <class S>
typename PaxosOf<S>::Node PaxosOf<S>::init(const Config&, NodeId) {
  return Node{};
}

template <class S>
lockstep::Step<PaxosOf<S>> PaxosOf<S>::step(const Config& config, NodeId self, const Node& node, const Event& event) {
  lockstep::Step<PaxosOf> out{node};
  PaxosStep<S> c{config, self, out};
  std::visit(
      [&](const auto& e) {
        using E = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<E, MessageReceived>) c.on_message(e.from, e.message);
        if constexpr (std::is_same_v<E, TimerFired>) c.on_timer();
        if constexpr (std::is_same_v<E, ClientRequest>) c.on_client_request(e);
        if constexpr (std::is_same_v<E, Restarted>) out.node.volatile_state = Volatile{};
      },
      event);
  // Messages to itself, in the order sent; each handler runs at most a few times (one ballot).
  for (std::size_t i = 0; i < c.inbox.size(); ++i) {
    const Message message = c.inbox[i];
    c.on_message(self, message);
  }
  if (out.persist_marked) out.finish_persist(PersistOf<PaxosOf>{out.node.durable, NoLogEdit{}});
  return out;
}

template <class S>
bool PaxosOf<S>::obsolete(const Config&, const Node& receiver, NodeId, const Message& message) {
  const Durable& acceptor = receiver.durable;
  const Volatile& proposer = receiver.volatile_state;
  if (const auto* prepare = std::get_if<Prepare>(&message)) return !may_promise(acceptor.promised_ballot, prepare->ballot);
  if (const auto* accept = std::get_if<Accept>(&message)) {
    return !may_accept(acceptor.promised_ballot, accept->ballot) ||
           (accept->ballot == acceptor.accepted_ballot && accept->value == acceptor.accepted_value);
  }
  if (const auto* promise = std::get_if<Promise>(&message)) {
    return promise->ballot.node != proposer.ballot.node || promise->ballot < proposer.ballot ||
           (promise->ballot == proposer.ballot && proposer.phase != Phase::preparing);
  }
  return false;
}

template <class S>
std::string_view PaxosOf<S>::bug_description(Bug bug) {
  switch (bug) {
    case Bug::none: return "the correct protocol";
    case Bug::promise_not_durable: return "an acceptor's promise is not made durable, so a crash loses it";
    case Bug::ignore_accepted_value: return "a proposer ignores the highest accepted value reported in promises";
    case Bug::accept_below_promise: return "an acceptor accepts a ballot below its promise";
  }
  return "?";
}

}  // namespace lockstep::paxos
