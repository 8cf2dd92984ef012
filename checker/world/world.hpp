// World<P>: a protocol's nodes, the network and the faults, as a model the explorer can check.
//
// Actions (each one atomic step of one node, or one fault):
//   Deliver(e)    a message in flight reaches an up node and is consumed. A delivery that the
//                 node ignores (its step changes nothing and has no effect) is not taken: the
//                 message stays in flight, which allows every behaviour the consumed one would
//                 (for safety, a message that is never delivered is the same as a lost one), and
//                 it can still matter later (e.g. to a node whose promise a crash erased);
//   Drop(e)       a message is lost (budgeted);
//   Duplicate(e)  a message is copied (budgeted);
//   Timer(n, t)   a timer fires at an up node (any timer, any time; no-op firings are skipped);
//   Request(n, r) a client's request reaches an up node: which requests exist, and to which nodes
//                 they may go, is the environment's (checker/world/environment.hpp; by default
//                 each of a fixed set of requests once, to its client's node or to any);
//   Crash(n)      an up node stops and loses what it did not persist (budgeted);
//   Recover(n)    a crashed node restarts from its durable state (the Restarted event);
//   Client(a)     a move of the environment's own clients (none by default; the lock service's
//                 clients receive answers, write to the resource, pause and resume).
// Durability is modelled exactly: a node's durable state survives a crash only as of its last
// Persist effect, so a step that forgets to persist is a bug the checker can find.
//
// A step that fails (it throws ContractError: one of the step function's own expectations,
// LOCKSTEP_EXPECT in model/core/expect.hpp, does not hold, or its effects break the contract of
// model/core/step.hpp) is a bug the checker reports like any other: the action leads to the state
// it was taken from with `failed` naming the node, a state that has no successors and violates
// WORLD-StepsComplete. So a long search ends with a trace instead of an abort.
//
// A message sent while an identical one (same sender, receiver and content) is still in flight
// adds no second copy: the network holds one copy of what the protocol sent, and more copies
// only through the Duplicate budget. Without this, a leader's repeated heartbeats would pile up
// identical copies without end; with it, delivering "the same message twice" is explored as
// exactly what it is, a duplication.
//
// A protocol may declare messages obsolete (P::obsolete): such a message, once its receiver
// ignores it, is removed from the network (see collect_obsolete).
#pragma once

#include <algorithm>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "checker/model.hpp"
#include "checker/world/environment.hpp"
#include "spec/property.hpp"
#include "checker/symmetry.hpp"
#include "spec/world_state.hpp"
#include "checker/world/world_view.hpp"
#include "model/core/codec.hpp"
#include "model/core/json.hpp"
#include "model/core/node_view.hpp"
#include "model/core/permute.hpp"
#include "model/core/protocol.hpp"

namespace lockstep {

struct WorldBounds {
  LOCKSTEP_STRUCT(WorldBounds, (std::uint8_t, crashes), (std::uint8_t, drops), (std::uint8_t, duplicates),
                  // states with more messages in flight are checked but not expanded; 0 = no bound
                  (std::uint32_t, messages_max));
};

template <class P, class ClientAction = NoClientAction>
struct WorldActions {
  using E = Envelope<typename P::Message>;
  struct Deliver {
    LOCKSTEP_STRUCT(Deliver, (E, envelope));
  };
  struct Drop {
    LOCKSTEP_STRUCT(Drop, (E, envelope));
  };
  struct Duplicate {
    LOCKSTEP_STRUCT(Duplicate, (E, envelope));
  };
  struct Timer {
    using T = typename P::Timer;
    LOCKSTEP_STRUCT(Timer, (NodeId, node), (T, timer));
  };
  struct Request {
    using R = typename P::ClientRequest;
    LOCKSTEP_STRUCT(Request, (NodeId, node), (R, request));
  };
  struct Crash {
    LOCKSTEP_STRUCT(Crash, (NodeId, node));
  };
  struct Recover {
    LOCKSTEP_STRUCT(Recover, (NodeId, node));
  };
  struct Client {
    LOCKSTEP_STRUCT(Client, (ClientAction, action));
  };
  using Action = std::variant<Deliver, Drop, Duplicate, Timer, Request, Crash, Recover, Client>;
};

// What a protocol's spec (spec/<protocol>/) provides the World: ghost (history) variables, how
// each step updates them, and the named properties; observes_crashes declares observe_crash.
template <class S, class P>
concept ProtocolSpec = requires(const typename P::Config& config, typename S::Ghost& ghost, NodeId node,
                            const typename P::Event& event, const typename P::Node& before, const Step<P>& step) {
  { S::initial_ghost(config) } -> std::same_as<typename S::Ghost>;
  S::observe(config, ghost, node, event, before, step);
  S::properties(config);
  S::transition_properties(config);
  { S::observes_crashes } -> std::convertible_to<bool>;
} && (!S::observes_crashes || requires(const typename P::Config& config, typename S::Ghost& ghost, NodeId node,
                                         const typename P::Node& crashed) { S::observe_crash(config, ghost, node, crashed); });

template <class P, class S = typename SpecFor<P>::type, class E = typename EnvFor<P>::type>
class World {
  static_assert(CheckedProtocol<P>, "World<P>: P must satisfy the Protocol contract (model/core/protocol.hpp) at model size");
  static_assert(ProtocolSpec<S, P>, "World<P, S>: S must provide the spec's ghost, observe and properties");

 public:
  using Protocol = P;
  using Spec = S;
  using Environment = E;
  using State = typename E::template WorldStateOf<S>;
  using Actions = WorldActions<P, typename E::ClientAction>;
  using Action = typename Actions::Action;
  using Config = typename P::Config;
  using Message = typename P::Message;
  using Env = Envelope<Message>;

  World(Config config, WorldBounds bounds, std::vector<PendingRequest<P>> requests)
    requires std::is_same_v<E, FixedRequests<P>>
      : World(std::move(config), bounds, E{std::move(requests)}) {}
  World(Config config, WorldBounds bounds, E env)
      : config_(std::move(config)),
        bounds_(bounds),
        env_(std::move(env)),
        properties_(S::properties(config_)),
        transition_properties_(S::transition_properties(config_)) {
    properties_.push_back(Property<State>{steps_complete, PropertyKind::always,
                                          "every step runs to its end: no expectation in the step function fails, "
                                          "and its effects keep the contract",
                                          [](const State& state) { return !state.failed.has_value(); }});
    static_assert(Model<World>);  // here, where World is a complete type
    static_assert(SymmetryModel<World>);
    static_assert(IndependenceModel<World>);
    static_assert(NetworkViewModel<World>);
  }

  // What World gives beyond a model's basics (checker/model.hpp).
  static constexpr bool has_symmetry = true;      // enable_symmetry: nodes and values renamed
  static constexpr bool has_independence = true;  // independent: local steps at different nodes
  static constexpr bool has_network_view = true;  // nodes, messages in flight, action kinds
  static constexpr bool decode_new_successors = false;  // a World state copies faster than it decodes

  // The name traces and reports give (the registry entry that rebuilds the model): the
  // protocol's, or the environment's when it makes a service of it (the lock over Raft: "lock").
  static constexpr std::string_view protocol = [] {
    if constexpr (requires { E::protocol_name; }) {
      return E::protocol_name;
    } else {
      return P::name;
    }
  }();
  const Config& config() const { return config_; }
  // The property every World checks, whatever --property names (checker/engine/search.hpp): a
  // state where a step failed has no successors, so leaving it out would hide the failure.
  static constexpr std::string_view steps_complete = "WORLD-StepsComplete";

  // Trace variables and actions as JSON (model/core/json.hpp), and the model's parameters, from
  // which from_model_json rebuilds the same model (e.g. to replay a trace).
  // (`failed` is written only when a step failed: traces of correct runs keep their variables.)
  Json state_json(const State& state) const {
    Json json = to_json_value(state);
    if (!state.failed) json.erase("failed");
    return json;
  }
  // A state read from a trace: it decodes, and it has this model's nodes, and its messages go
  // between them (the step functions and the properties index nodes by id).
  State state_from_json(const Json& json) const {
    State state = from_json<State>(json, "state");
    if (state.nodes.size() != node_count()) {
      throw JsonError("nodes: " + std::to_string(state.nodes.size()) + " nodes, but the model has " +
                      std::to_string(node_count()));
    }
    for (std::size_t i = 0; i < state.network.size(); ++i) {
      const auto& envelope = state.network[i];
      const auto valid = [&](NodeId id) { return id.value >= 1 && id.value <= node_count(); };
      if (!valid(envelope.from) || !valid(envelope.to)) {
        throw JsonError("network[" + std::to_string(i) + "]: a message between " + to_string(envelope.from) + " and " +
                        to_string(envelope.to) + ", but the model has nodes n1..n" + std::to_string(node_count()));
      }
    }
    if (state.failed && (state.failed->value < 1 || state.failed->value > node_count())) {
      throw JsonError("failed: " + to_string(*state.failed) + ", but the model has nodes n1..n" +
                      std::to_string(node_count()));
    }
    return state;
  }
  Json model_json() const {
    Json model{{"config", to_json_value(config_)}, {"world", to_json_value(bounds_)}};
    env_.to_model_json(model);
    if (refines_) model["refine"] = true;
    if (keeps_obsolete_) model["keep_obsolete"] = true;
    return model;
  }
  static World from_model_json(const Json& json) {
    const auto config = from_json<Config>(json.at("config"), "config");
    if (config.node_count < 1 || config.node_count > node_count_max) throw JsonError("config.node_count: out of range");
    const auto bounds = from_json<WorldBounds>(json.at("world"), "world");
    World world(config, bounds, E::from_model_json(json));
    const auto switched_on = [&](const char* key) {
      if (!json.contains(key)) return false;
      if (!json[key].is_boolean()) throw JsonError(std::string(key) + ": expected true or false");
      return json[key].get<bool>();
    };
    if (switched_on("refine")) {
      if (const std::string error = world.enable_refinement(); !error.empty()) throw JsonError("refine: " + error);
    }
    if (switched_on("keep_obsolete")) {
      if (const std::string error = world.keep_obsolete_messages(); !error.empty()) throw JsonError("keep_obsolete: " + error);
    }
    return world;
  }

  // `--keep-obsolete`: messages the protocol declares obsolete (P::obsolete) stay in flight
  // instead of being collected once their receiver ignores them. Their deliveries are then
  // explored at every later state, so a handler that mishandles stale messages (a check the
  // protocol's claim relies on, written wrong) is found, at the price of more states. While a
  // kept message stays dead it does not count against the bound on messages in flight
  // (within_bounds), so every path the default explores is explored too. "" or why this model
  // cannot.
  std::string keep_obsolete_messages() {
    if constexpr (P::has_obsolete) {
      keeps_obsolete_ = true;
      return "";
    } else {
      return std::string(P::name) + " declares no message obsolete: every message already stays in flight";
    }
  }
  bool keeps_obsolete() const { return keeps_obsolete_; }

  // `check --refine` (spec/proofs/): the spec's refinement properties join the model's: every
  // step maps to a step of the abstract protocol that `lockstep prove` proves (or to none), and
  // every state to one that satisfies its inductive invariant. "" or why this model cannot.
  std::string enable_refinement() {
    if constexpr (requires(const Config& c) {
                    S::refinement_properties(c);
                    S::refinement_transition_properties(c);
                  }) {
      if (refines_) return "";
      for (auto& p : S::refinement_properties(config_)) properties_.push_back(std::move(p));
      for (auto& p : S::refinement_transition_properties(config_)) transition_properties_.push_back(std::move(p));
      refines_ = true;
      return "";
    } else {
      return std::string(protocol) + " has no abstract protocol to be checked against yet";
    }
  }
  bool refines() const { return refines_; }
  const WorldBounds& bounds() const { return bounds_; }
  const E& env() const { return env_; }
  // For the trace tools (checker/world/world_view.hpp): an action as a sentence, the messages in flight.
  std::size_t node_count() const { return config_.node_count; }
  ActionView action_view(const Action& action) const { return world_action_view<Actions>(action); }
  // The kind of an action and the node it acts on, cheaply (for random simulation and
  // partial-order reduction). The node is the receiver for deliveries, drops and duplicates.
  static ActionKind action_kind(const Action& action) {
    static constexpr ActionKind kinds[] = {ActionKind::deliver, ActionKind::drop,    ActionKind::duplicate,
                                           ActionKind::timer,   ActionKind::request, ActionKind::crash,
                                           ActionKind::recover, ActionKind::client};
    return kinds[action.index()];
  }
  // Within its kind: a delivery, drop or duplicate by its message's type, a timer by its name, a
  // client's own move by what it does (the lock's: write, pause, resume, give up, lose an answer).
  static std::size_t action_subkind(const Action& action) {
    return std::visit(
        [](const auto& a) -> std::size_t {
          if constexpr (requires { a.envelope.message.index(); }) {
            return a.envelope.message.index();
          } else if constexpr (requires { a.timer; }) {
            return static_cast<std::size_t>(a.timer);
          } else if constexpr (requires { a.action.index(); }) {
            return a.action.index();
          } else {
            return 0;
          }
        },
        action);
  }
  // Whether two actions commute and neither disables the other, for partial-order reduction:
  // deliveries, timers and client requests at different nodes (each changes only its own node,
  // adds messages to the multiset, and its enabledness depends only on its own node; two client
  // requests may take the same pending request, so they are not independent). Drops,
  // duplicates, crashes and restarts spend shared budgets: never independent.
  // A delivery is not independent of a step of the message's sender either: the sender may send
  // an identical message, which collapses with the one in flight (see above) only while it is
  // still there.
  static bool independent(const Action& a, const Action& b) {
    const auto local = [](ActionKind kind) {
      return kind == ActionKind::deliver || kind == ActionKind::timer || kind == ActionKind::request;
    };
    const ActionKind ka = action_kind(a);
    const ActionKind kb = action_kind(b);
    if (!local(ka) || !local(kb)) return false;
    if (ka == ActionKind::request && kb == ActionKind::request) return false;
    if (action_node(a) == action_node(b)) return false;
    return sender(a) != action_node(b) && sender(b) != action_node(a);
  }
  static NodeId sender(const Action& action) {
    if (const auto* deliver = std::get_if<typename Actions::Deliver>(&action)) return deliver->envelope.from;
    return NodeId{};
  }
  static NodeId action_node(const Action& action) {
    return std::visit(
        [](const auto& a) -> NodeId {
          if constexpr (requires { a.envelope; }) {
            return a.envelope.to;
          } else if constexpr (requires { a.node; }) {
            return a.node;
          } else {
            return NodeId{};  // a client's own move: no node acts
          }
        },
        action);
  }
  std::vector<MessageView> in_flight(const State& state) const { return world_in_flight(state.network); }
  // What the environment says the state means, for the trace tools (none by default).
  std::vector<std::string> summary(const State& state) const {
    std::vector<std::string> out;
    if (state.failed) out.push_back(to_string(*state.failed) + "'s step failed: the run ends here (WORLD-StepsComplete)");
    if constexpr (requires { env_.summary(state); }) {
      for (std::string& line : env_.summary(state)) out.push_back(std::move(line));
    }
    return out;
  }
  // For the trace viewers: each node as its protocol draws it (model/core/node_view.hpp), and
  // whether it is up.
  std::vector<NodeView> node_views(const State& state) const {
    std::vector<NodeView> out;
    if constexpr (requires(const typename P::Node& node) {
                    { lockstep_node_view(P{}, node) } -> std::same_as<NodeView>;
                  }) {
      for (const auto& slot : state.nodes.items) {
        NodeView view = lockstep_node_view(P{}, slot.node);
        view.up = slot.up;
        out.push_back(std::move(view));
      }
    }
    return out;
  }
  // What is decided in `state`, one sentence per decision (a value chosen, an entry committed):
  // the spec's account where it keeps one (S::decided), else the entries the nodes hold committed.
  std::vector<std::string> decided(const State& state) const {
    if constexpr (requires { S::decided(config_, state); }) {
      return S::decided(config_, state);
    } else {
      std::vector<std::string> out;
      for (const NodeView& view : node_views(state)) {
        for (const LogEntryView& entry : view.log) {
          if (entry.index > view.committed || entry.text.empty()) continue;
          std::string sentence = "entry " + std::to_string(entry.index) + " (" + entry.text +
                                 (entry.term.empty() ? "" : ", " + view.term_name + " " + entry.term) + ") is committed";
          if (std::find(out.begin(), out.end(), sentence) == out.end()) out.push_back(std::move(sentence));
        }
      }
      return out;
    }
  }
  // Why `after` (or the step into it from `before`, for a transition property) violates
  // `property`, in words that name the fields (S::explain); empty where the spec says nothing.
  std::vector<std::string> explain(std::string_view property, const State* before, const State& after) const {
    if (property == steps_complete) return failure_explained(before, after);
    if constexpr (requires { S::explain(config_, property, before, after); }) {
      return S::explain(config_, property, before, after);
    } else {
      return {};
    }
  }
  const std::vector<Property<State>>& properties() const { return properties_; }
  const std::vector<TransitionProperty<State>>& transition_properties() const { return transition_properties_; }

  std::vector<State> initial_states() const {
    State state{};
    for (std::size_t i = 0; i < config_.node_count; ++i) {
      state.nodes.items.push_back(NodeSlot<P>{true, P::init(config_, NodeId::at(i)), std::nullopt});
    }
    state.budgets = Budgets{bounds_.crashes, bounds_.drops, bounds_.duplicates};
    E::of(state) = env_.initial();
    state.ghost = S::initial_ghost(config_);
    // A spec whose refinement needs history the plain check does not keep records it from here.
    if constexpr (requires(typename S::Ghost& ghost) { S::start_refinement(ghost); }) {
      if (refines_) S::start_refinement(state.ghost);
    }
    return {state};
  }

  // Messages in flight beyond which a state is not expanded: the --max-messages bound, or else
  // what the network's capacity leaves room for after one more step.
  static constexpr std::size_t messages_capacity = P::network_capacity - 2 * node_count_max;
  std::size_t messages_max() const {
    return bounds_.messages_max == 0 ? messages_capacity : std::min<std::size_t>(bounds_.messages_max, messages_capacity);
  }
  // With obsolete messages kept, the bound counts only the live ones: a message the default would
  // have collected (dead: see `dead`) is not counted, so every state the default expands is
  // expanded with its dead messages too (collect_obsolete removes them when they would fill the
  // network past its capacity).
  bool within_bounds(const State& state) const {
    if (state.network.size() <= messages_max()) return true;
    if (!keeps_obsolete_ || state.network.size() > messages_capacity) return false;
    std::size_t live = 0;
    for (const Env& envelope : state.network) live += dead(state, envelope) ? 0 : 1;
    return live <= messages_max();
  }
  // Whether `envelope` can never change its receiver, on the protocol's word (P::obsolete, a claim
  // that holds whatever the receiver does later, crashes included) and as its delivery to the
  // receiver's node now confirms. A down receiver's node is what it restarts from.
  bool dead(const State& state, const Env& envelope) const {
    if constexpr (P::has_obsolete) {
      const auto& receiver = state.nodes[envelope.to];
      return P::obsolete(config_, receiver.node, envelope.from, envelope.message) &&
             delivery_is_noop(envelope, receiver.node);
    } else {
      return false;
    }
  }

  // Symmetry reduction over node ids, for protocols whose nodes are interchangeable
  // (P::node_symmetric: no behaviour depends on the order or value of ids, as Paxos's ballots
  // do), and over the values clients propose where the protocol declares them interchangeable
  // (P::symmetric_values). The canonical form of a state is, of all its renamings, the one with
  // the smallest encoding; every property is invariant under renaming, so checking one state of
  // each orbit is enough. Returns an error message when nothing is interchangeable.
  static constexpr std::size_t symmetry_nodes_max = 6;
  std::string enable_symmetry() {
    const bool nodes = P::node_symmetric;
    const std::size_t values = std::min(env_.symmetric_values(), NodePermutation::values_max - 1);
    if (nodes && config_.node_count > symmetry_nodes_max) {
      return "symmetry reduction handles at most " + std::to_string(symmetry_nodes_max) + " nodes";
    }
    // Keep the renamings that leave the initial state as it is (its stabilizer): the transition
    // relation commutes with every renaming, so those map reachable states to reachable states.
    const State initial = initial_states().front();
    std::vector<NodePermutation> kept;
    for (const NodePermutation& pi : all_node_permutations(config_.node_count, nodes, values)) {
      if (renamed(initial, pi) == initial) kept.push_back(pi);
    }
    if (kept.size() <= 1) {
      return "no renaming of " + std::string(P::name) + "'s " + (nodes ? "nodes or values" : "values") +
             " leaves its initial state unchanged" + (nodes ? "" : " (its node ids are not interchangeable)") +
             "; clients bound to given nodes single them out (try --any-node)";
    }
    permutations_ = std::move(kept);
    return "";
  }
  bool symmetric() const { return !permutations_.empty(); }
  void canonicalize(State& state) const {
    // The nodes come first in a state's encoding: most renamings lose on them alone.
    keep_smallest_renaming(
        state, permutations_, [](const State& s) -> const auto& { return s.nodes; },
        [](const State& s, const NodePermutation& pi) {
          auto nodes = s.nodes;
          permute(nodes, pi);
          return nodes;
        },
        [](const State& s, const NodePermutation& pi) { return renamed(s, pi); });
  }
  // `state` with its nodes and values renamed by `pi`, its multisets sorted again.
  static State renamed(const State& state, const NodePermutation& pi) {
    State out = state;
    permute(out, pi);
    std::sort(out.network.begin(), out.network.end());
    E::canonicalize(E::of(out));
    return out;
  }

  // Calls emit(action, next_state) for every enabled action, in a deterministic order.
  template <class F>
  void for_each_successor(const State& state, F&& emit) const {
    if (state.failed) return;  // a step failed: the run ends there
    network_successors(state, emit);
    for (std::size_t i = 0; i < state.nodes.size(); ++i) {
      const NodeId id = NodeId::at(i);
      if (state.nodes[id].up) {
        timer_successors(state, id, emit);
        request_successors(state, id, emit);
        if (state.budgets.crashes > 0) emit(Action{typename Actions::Crash{id}}, crash(state, id));
      } else {
        State next = state;
        next.nodes[id].up = true;
        if (!apply_event(next, id, typename P::Restarted{})) collect_obsolete(next);
        emit(Action{typename Actions::Recover{id}}, std::move(next));
      }
    }
    env_.for_each_client_action(E::of(state), [&](const typename E::ClientAction& action, auto&& env_next) {
      State next = state;
      E::of(next) = std::forward<decltype(env_next)>(env_next);
      emit(Action{typename Actions::Client{action}}, std::move(next));
    });
  }

 private:
  template <class F>
  void network_successors(const State& state, F& emit) const {
    const auto& network = state.network;
    for (std::size_t i = 0; i < network.size(); ++i) {
      if (i > 0 && network[i] == network[i - 1]) continue;  // one choice per distinct message
      const Env& envelope = network[i];
      bool deliverable = false;
      if (state.nodes[envelope.to].up) {
        State next = state;
        next.network.erase(next.network.begin() + static_cast<std::ptrdiff_t>(i));
        deliverable = apply_event(next, envelope.to, typename P::MessageReceived{envelope.from, envelope.message});
        if (deliverable) emit(Action{typename Actions::Deliver{envelope}}, std::move(next));
      }
      // A drop or duplicate is taken only while the message is deliverable: a message that its
      // receiver would ignore lingers anyway (which subsumes losing it), and it can be dropped
      // or duplicated later, when it matters, with the same budget.
      if (!deliverable) continue;
      if (state.budgets.drops > 0) {
        State next = state;
        next.network.erase(next.network.begin() + static_cast<std::ptrdiff_t>(i));
        --next.budgets.drops;
        emit(Action{typename Actions::Drop{envelope}}, std::move(next));
      }
      if (state.budgets.duplicates > 0) {
        State next = state;
        next.network.insert(next.network.begin() + static_cast<std::ptrdiff_t>(i), envelope);
        --next.budgets.duplicates;
        emit(Action{typename Actions::Duplicate{envelope}}, std::move(next));
      }
    }
  }

  template <class F>
  void timer_successors(const State& state, NodeId id, F& emit) const {
    const auto& names = lockstep_enum_names(typename P::Timer{});
    for (std::size_t t = 0; t < names.size(); ++t) {
      const auto timer = static_cast<typename P::Timer>(t);
      State next = state;
      if (apply_event(next, id, typename P::TimerFired{timer})) {
        emit(Action{typename Actions::Timer{id, timer}}, std::move(next));
      }
    }
  }

  template <class F>
  void request_successors(const State& state, NodeId id, F& emit) const {
    env_.for_each_request(E::of(state), id, [&](const typename P::ClientRequest& request, auto&& take) {
      State next = state;
      take(E::of(next));
      if (apply_event(next, id, request)) emit(Action{typename Actions::Request{id, request}}, std::move(next));
    });
  }

  State crash(const State& state, NodeId id) const {
    State next = state;
    auto& slot = next.nodes[id];
    if constexpr (S::observes_crashes) {
      S::observe_crash(config_, next.ghost, id, slot.node);
    }
    typename P::Node fresh = P::init(config_, id);
    fresh.durable = slot.persisted();
    slot = NodeSlot<P>{false, std::move(fresh), std::nullopt};
    --next.budgets.crashes;
    return next;
  }

  // Feeds one event to one node and performs the step's effects on the world. Returns false
  // (and leaves `next` unchanged) when the step changes nothing (Step::is_noop). A step that
  // fails (ContractError) leaves the node and the world as they were, but for `failed`.
  bool apply_event(State& next, NodeId id, const typename P::Event& event) const {
    try {
      return perform_step(next, id, event);
    } catch (const ContractError&) {
      next.failed = id;
      return true;
    }
  }
  // apply_event's work: everything that may fail comes before the first change to `next`.
  bool perform_step(State& next, NodeId id, const typename P::Event& event) const {
    auto& slot = next.nodes[id];
    auto step = P::step(config_, id, slot.node, event);
    if (step.is_noop(slot.node)) return false;
    auto disk = disk_after(slot, step);
    for (const auto& effect : step.effects) {
      if (const auto* send = std::get_if<Send<Message>>(&effect)) {
        Env envelope{id, send->to, send->message};
        const auto at = std::lower_bound(next.network.begin(), next.network.end(), envelope);
        if (at == next.network.end() || !(*at == envelope)) next.network.insert(at, std::move(envelope));
      }
    }
    slot.disk = std::move(disk);
    S::observe(config_, next.ghost, id, event, slot.node, step);
    env_.observe_step(E::of(next), id, step);
    slot.node = std::move(step.node);
    collect_obsolete(next);
    return true;
  }

  // Removes the messages in flight that can never change their receiver again: those that the
  // protocol declares obsolete (P::obsolete, a claim that stays true whatever the receiver does
  // later, crashes included) AND whose delivery the step function confirms is a no-op now.
  // They would otherwise linger and multiply the states by every combination of dead messages.
  void collect_obsolete(State& next) const {
    if constexpr (P::has_obsolete) {
      // Kept (--keep-obsolete), they are collected only when the network would otherwise pass its
      // capacity (and no longer be expanded): as the default does, and no sooner.
      if (keeps_obsolete_ && next.network.size() <= messages_capacity) return;
      for (std::size_t i = 0; i < next.network.size();) {
        if (next.nodes[next.network[i].to].up && dead(next, next.network[i])) {
          next.network.erase(next.network.begin() + static_cast<std::ptrdiff_t>(i));
          continue;
        }
        ++i;
      }
    }
  }

  // Whether delivering `envelope` to `receiver` changes nothing. A delivery whose step fails is
  // not a no-op: the message stays, and its delivery is explored (and reported).
  bool delivery_is_noop(const Env& envelope, const typename P::Node& receiver) const {
    try {
      return P::step(config_, envelope.to, receiver, typename P::MessageReceived{envelope.from, envelope.message})
          .is_noop(receiver);
    } catch (const ContractError&) {
      return false;
    }
  }

  // What the node's disk holds after `step` (NodeSlot::disk: empty when it holds the durable
  // state): a crash recovers it. A Persist applies the step's edits to it, exactly as a
  // write-ahead log would; durable changes without a Persist never reach it. Throws
  // ContractError when the step breaks the effect contract (model/core/step.hpp): a Send before
  // its Persist, or Persist edits that do not give the step's durable state.
  typename NodeSlot<P>::Disk disk_after(const NodeSlot<P>& slot, const Step<P>& step) const {
    if (!step.persist_precedes_sends()) throw ContractError(std::string(P::name) + ": a step sends before it persists");
    if (const auto* persist = step.persist_effect()) {
      if (!slot.disk) {
        // Edits as data: applied to a disk that held every earlier change, they give exactly the
        // step's durable state (what lets a write-ahead log append instead of rewriting), so the
        // disk stays in sync.
        typename P::Durable disk = slot.node.durable;
        P::apply_persist(disk, *persist);
        if (!(disk == step.node.durable)) {
          throw ContractError(std::string(P::name) + ": a step's Persist edits do not give its durable state");
        }
        return std::nullopt;
      }
      typename P::Durable disk = *slot.disk;
      P::apply_persist(disk, *persist);
      if (disk == step.node.durable) return std::nullopt;
      return disk;
    }
    if (!slot.disk && step.node.durable != slot.node.durable) return slot.node.durable;
    if (slot.disk && *slot.disk == step.node.durable) return std::nullopt;
    return slot.disk;
  }

  // WORLD-StepsComplete explained: the node whose step failed, and, from the state before, each
  // of the actions that take it to a failure, with why (perform_step run again on a copy: a state
  // keeps only the node). The actions are for_each_successor's own, so the two cannot disagree.
  std::vector<std::string> failure_explained(const State* before, const State& after) const {
    if (!after.failed) return {};
    const NodeId id = *after.failed;
    std::vector<std::string> out;
    if (before != nullptr && id.value >= 1 && id.value <= before->nodes.size() && !before->failed) {
      for_each_successor(*before, [&](const Action& action, const State& next) {
        if (next.failed != id) return;
        const std::optional<typename P::Event> event = event_of(action);
        if (!event) return;
        try {
          State scratch = *before;
          perform_step(scratch, id, *event);
        } catch (const ContractError& e) {
          out.push_back(action_view(action).sentence + ": the step failed: " + e.what());
        }
      });
    }
    if (out.empty()) out.push_back(to_string(id) + "'s step failed (the step into this state says which event)");
    return out;
  }
  // The event an action feeds its node (none for crashes, drops, duplicates and clients' moves).
  static std::optional<typename P::Event> event_of(const Action& action) {
    using Event = typename P::Event;
    if (const auto* deliver = std::get_if<typename Actions::Deliver>(&action)) {
      return Event{typename P::MessageReceived{deliver->envelope.from, deliver->envelope.message}};
    }
    if (const auto* timer = std::get_if<typename Actions::Timer>(&action)) return Event{typename P::TimerFired{timer->timer}};
    if (const auto* request = std::get_if<typename Actions::Request>(&action)) return Event{request->request};
    if (std::holds_alternative<typename Actions::Recover>(action)) return Event{typename P::Restarted{}};
    return std::nullopt;
  }

  Config config_;
  WorldBounds bounds_;
  bool refines_ = false;
  bool keeps_obsolete_ = false;
  E env_;
  std::vector<Property<State>> properties_;
  std::vector<TransitionProperty<State>> transition_properties_;
  std::vector<NodePermutation> permutations_;  // the renamings kept, the identity first; empty: no symmetry
};

}  // namespace lockstep
