// The Paxos step function. Pure: no I/O, clock, thread or randomness. Each handler checks
// whether the event means anything first and returns early when it does not.
#include <algorithm>

#include "model/paxos/paxos.hpp"

namespace lockstep::paxos {

void lockstep_print(std::string& out, const Value& value) {
  if (value.is_none()) {
    out += "none";
  } else {
    out += 'v';
    out += std::to_string(value.value);
  }
}

void lockstep_print(std::string& out, const Ballot& ballot) {
  if (ballot.is_none()) {
    out += "none";
  } else {
    out += std::to_string(ballot.round);
    out += '.';
    out += std::to_string(ballot.node.value);
  }
}

namespace {

// The node being stepped. Messages a node sends to itself (its proposer to its own acceptor, its
// acceptor to its own learner) are handled within the same step, as the function calls they are
// in one process, instead of crossing the network.
struct Context {
  const Config& config;
  NodeId self;
  Step& out;
  SmallVec<Message, 2 * node_count_max> inbox{};

  void send(NodeId to, Message message) {
    if (to == self) {
      inbox.push_back(std::move(message));
    } else {
      out.send(to, std::move(message));
    }
  }
  void broadcast(const Message& message) {
    for (std::size_t i = 0; i < config.node_count; ++i) send(NodeId::at(i), message);
  }
};

// Phase 1a: pick the next round above every ballot this node has seen, and ask for promises.
void start_round(Context& c) {
  Node& node = c.out.node;
  Volatile& proposer = node.volatile_state;
  const std::uint8_t highest_round = std::max(proposer.ballot.round, node.durable.promised_ballot.round);
  if (highest_round >= c.config.round_max) return;  // the bound on rounds: stop proposing
  proposer.ballot = Ballot{static_cast<std::uint8_t>(highest_round + 1), c.self};
  proposer.phase = Phase::preparing;
  proposer.promises = NodeSet{};
  proposer.highest_accepted_ballot = Ballot{};
  proposer.highest_accepted_value = Value{};
  c.broadcast(Prepare{proposer.ballot});
  c.out.set_timer(Timer::retry);
}

void on_client_request(Context& c, const ClientRequest& request) {
  Volatile& state = c.out.node.volatile_state;
  if (!state.learned.is_none()) {
    c.out.reply(Chosen{state.learned});
    return;
  }
  if (!state.proposal.is_none()) return;  // already proposing a value
  if (request.value.is_none()) return;
  state.proposal = request.value;
  start_round(c);
}

void on_timer(Context& c) {
  const Volatile& state = c.out.node.volatile_state;
  if (state.proposal.is_none() || !state.learned.is_none()) return;
  start_round(c);
}

// Phase 1b: promise a higher ballot, durably, and report the latest vote.
void on_prepare(Context& c, NodeId from, const Prepare& prepare) {
  Durable& acceptor = c.out.node.durable;
  if (prepare.ballot <= acceptor.promised_ballot) return;
  acceptor.promised_ballot = prepare.ballot;
  if (c.config.bug != Bug::promise_not_durable) c.out.persist();
  c.send(from, Promise{prepare.ballot, acceptor.accepted_ballot, acceptor.accepted_value});
}

// Phase 2a: with promises from a majority, propose the value of the highest vote they report,
// or the client's value when they report none.
void on_promise(Context& c, NodeId from, const Promise& promise) {
  Volatile& proposer = c.out.node.volatile_state;
  if (proposer.phase != Phase::preparing || promise.ballot != proposer.ballot) return;
  if (proposer.promises.contains(from)) return;
  proposer.promises.insert(from);
  if (promise.accepted_ballot > proposer.highest_accepted_ballot) {
    proposer.highest_accepted_ballot = promise.accepted_ballot;
    proposer.highest_accepted_value = promise.accepted_value;
  }
  if (proposer.promises.size() < majority(c.config.node_count)) return;
  const bool free_choice = proposer.highest_accepted_value.is_none() || c.config.bug == Bug::ignore_accepted_value;
  const Value value = free_choice ? proposer.proposal : proposer.highest_accepted_value;
  proposer.phase = Phase::accepting;
  c.broadcast(Accept{proposer.ballot, value});
}

// Phase 2b: vote for a ballot no lower than the promise, durably, and tell the ballot's
// proposer, the distinguished learner of its ballot ("Paxos Made Simple", section 2.3).
void on_accept(Context& c, const Accept& accept) {
  Durable& acceptor = c.out.node.durable;
  if (accept.ballot < acceptor.promised_ballot && c.config.bug != Bug::accept_below_promise) return;
  if (accept.ballot == acceptor.accepted_ballot && accept.value == acceptor.accepted_value) return;
  acceptor.promised_ballot = std::max(acceptor.promised_ballot, accept.ballot);
  acceptor.accepted_ballot = accept.ballot;
  acceptor.accepted_value = accept.value;
  c.out.persist();
  c.send(accept.ballot.node, Accepted{accept.ballot, accept.value});
}

// Learning: a majority of Accepted for one ballot means the value is chosen.
void on_accepted(Context& c, NodeId from, const Accepted& accepted) {
  Volatile& learner = c.out.node.volatile_state;
  if (!learner.learned.is_none() || accepted.ballot < learner.learning_ballot) return;
  if (accepted.ballot > learner.learning_ballot) {
    learner.learning_ballot = accepted.ballot;
    learner.accepted_by = NodeSet{};
  }
  if (learner.accepted_by.contains(from)) return;
  learner.accepted_by.insert(from);
  if (learner.accepted_by.size() < majority(c.config.node_count)) return;
  learner.learned = accepted.value;
  c.out.applied(Chosen{accepted.value});
  if (!learner.proposal.is_none()) c.out.reply(Chosen{accepted.value});
}

void on_message(Context& c, NodeId from, const Message& message) {
  std::visit(
      [&](const auto& m) {
        using M = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<M, Prepare>) on_prepare(c, from, m);
        if constexpr (std::is_same_v<M, Promise>) on_promise(c, from, m);
        if constexpr (std::is_same_v<M, Accept>) on_accept(c, m);
        if constexpr (std::is_same_v<M, Accepted>) on_accepted(c, from, m);
      },
      message);
}

}  // namespace

Node Paxos::init(const Config&, NodeId) { return Node{}; }

lockstep::Step<Paxos> Paxos::step(const Config& config, NodeId self, const Node& node, const Event& event) {
  Step out{node, {}};
  Context c{config, self, out};
  std::visit(
      [&](const auto& e) {
        using E = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<E, MessageReceived>) on_message(c, e.from, e.message);
        if constexpr (std::is_same_v<E, TimerFired>) on_timer(c);
        if constexpr (std::is_same_v<E, ClientRequest>) on_client_request(c, e);
        if constexpr (std::is_same_v<E, Restarted>) out.node.volatile_state = Volatile{};
      },
      event);
  // Messages to itself, in the order sent; each handler runs at most a few times (one ballot).
  for (std::size_t i = 0; i < c.inbox.size(); ++i) {
    const Message message = c.inbox[i];
    on_message(c, self, message);
  }
  out.hoist_persist();
  return out;
}

bool Paxos::obsolete(const Config&, const Node& receiver, NodeId, const Message& message) {
  const Durable& acceptor = receiver.durable;
  const Volatile& proposer = receiver.volatile_state;
  if (const auto* prepare = std::get_if<Prepare>(&message)) return prepare->ballot <= acceptor.promised_ballot;
  if (const auto* accept = std::get_if<Accept>(&message)) {
    return accept->ballot < acceptor.promised_ballot ||
           (accept->ballot == acceptor.accepted_ballot && accept->value == acceptor.accepted_value);
  }
  if (const auto* promise = std::get_if<Promise>(&message)) {
    return promise->ballot.node != proposer.ballot.node || promise->ballot < proposer.ballot ||
           (promise->ballot == proposer.ballot && proposer.phase != Phase::preparing);
  }
  return false;
}

std::string_view Paxos::bug_description(Bug bug) {
  switch (bug) {
    case Bug::none: return "the correct protocol";
    case Bug::promise_not_durable: return "an acceptor's promise is not made durable, so a crash loses it";
    case Bug::ignore_accepted_value: return "a proposer ignores the highest accepted value reported in promises";
    case Bug::accept_below_promise: return "an acceptor accepts a ballot below its promise";
  }
  return "?";
}

}  // namespace lockstep::paxos
