// Test support for the trace tools: Paxos worlds at the command line's default bounds, traces
// built step by step from readable sentences, and typed traces written as ITF.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "checker/protocols/paxos.hpp"
#include "checker/explore.hpp"
#include "checker/protocols/paxos_tla_model.hpp"
#include "checker/protocols/raft_tla_model.hpp"
#include "checker/world/world.hpp"
#include "model/core/json.hpp"
#include "spec/paxos/invariants.hpp"
#include "traces/itf.hpp"

namespace lockstep::testing {

using PaxosWorld = World<paxos::Paxos>;
using PaxosTrace = std::vector<TraceStep<PaxosWorld::State, PaxosWorld::Action>>;

// `lockstep check paxos`'s defaults: 3 nodes, 2 rounds, client i proposes vi to node i.
inline PaxosWorld paxos_world(paxos::Bug bug = paxos::Bug::none, WorldBounds bounds = WorldBounds{1, 1, 1, 8}) {
  return PaxosWorld(paxos::model_config(3, 2, bug), bounds,
                    {{NodeId::at(0), paxos::request_for(1)},
                     {NodeId::at(1), paxos::request_for(2)}});
}

// The counterexample `lockstep check paxos --bug <bug>` writes (one worker: always the same).
inline Json paxos_counterexample(paxos::Bug bug, const std::string& property = "") {
  PaxosCheckOptions options;
  options.bug = bug;
  options.explore.workers = 1;
  if (!property.empty()) options.explore.properties = {property};
  return check_paxos(options).trace;
}

// A typed trace as ITF, with the "#meta" that `lockstep check` writes.
template <class M>
Json itf_of(const M& model, const std::vector<TraceStep<typename M::State, typename M::Action>>& trace,
            const std::string& invariant) {
  std::vector<ItfStep> steps;
  for (const auto& step : trace) {
    Json action = step.action ? to_json_value(*step.action) : Json{{"tag", "Init"}, {"value", Json::object()}};
    steps.push_back({std::move(action), model.state_json(step.state)});
  }
  Json meta{{"source", "test"}, {"protocol", std::string(M::protocol)}, {"model", model.model_json()}};
  if (!invariant.empty()) meta["invariant"] = invariant;
  return make_itf(std::move(meta), steps);
}

// Starts a trace at the model's initial state.
template <class M>
std::vector<TraceStep<typename M::State, typename M::Action>> start(const M& model) {
  return {{std::nullopt, model.initial_states().front()}};
}

// Extends a trace by the enabled action that reads `sentence` (checker/world/world_view.hpp).
template <class M>
void take(const M& model, std::vector<TraceStep<typename M::State, typename M::Action>>& trace,
          const std::string& sentence) {
  auto taken = first_successor(model, trace.back().state, [&](const typename M::Action& action, const auto&) {
    return model.action_view(action).sentence == sentence;
  });
  if (taken) {
    trace.push_back({std::move(taken->first), std::move(taken->second)});
    return;
  }
  std::vector<Successor<M>> enabled;
  successors(model, trace.back().state, enabled);
  std::string list;
  for (const auto& [action, next] : enabled) list += "\n  " + model.action_view(action).sentence;
  ADD_FAILURE() << "not enabled: " << sentence << "\nenabled:" << list;
}

// A Paxos run with every kind of fault, as ITF (recording no invariant, violating none): a
// Prepare duplicated, one copy lost and the other delivered, a crash and a restart. 4 messages
// delivered, 1 lost.
inline Json paxos_faults_trace() {
  const PaxosWorld world = paxos_world();
  auto trace = start(world);
  for (const char* sentence : {"a client sends n1 ClientRequest{client=c1, sequence=1, value=v1}",
                               "the network duplicates Prepare{ballot=1.1} from n1 to n3",
                               "the network loses Prepare{ballot=1.1} from n1 to n3",
                               "n3 receives Prepare{ballot=1.1} from n1", "n2 crashes",
                               "n2 restarts from its durable state", "n2 receives Prepare{ballot=1.1} from n1",
                               "n1 receives Promise{ballot=1.1, accepted_ballot=none, accepted_value=none} from n3"}) {
    take(world, trace, sentence);
  }
  return itf_of(world, trace, "");
}

// Paxos.tla (no nodes, no network, states with their own JSON): its first enabled action, `steps`
// times, as ITF.
inline Json paxos_tla_trace(std::size_t steps) {
  const PaxosTlaModel model(paxos_tla::Config{2, 2, 1});
  auto trace = start(model);
  for (std::size_t i = 0; i < steps; ++i) {
    auto first = first_successor(model, trace.back().state, [](const auto&, const auto&) { return true; });
    if (!first) break;
    trace.push_back({std::move(first->first), std::move(first->second)});
  }
  return itf_of(model, trace, "");
}

// raft.tla at the reference bounds (3 servers, MaxTerm 2, one message in flight): s1 times out,
// asks itself and s2 for votes (s2 first updates its term), and becomes leader; 9 steps, as ITF.
inline Json raft_tla_trace() {
  using namespace raft_tla;
  const RaftTlaModel model(raft_tla::Config{3, 1, 2, 0, 1, 1});
  auto trace = start(model);
  const auto take_if = [&](const char* what, auto pick) {
    auto taken = first_successor(model, trace.back().state, [&](const Action& a, const auto&) { return pick(a); });
    if (!taken) {
      ADD_FAILURE() << "not enabled: " << what;
      return;
    }
    trace.push_back({std::move(taken->first), std::move(taken->second)});
  };
  const auto is = [](auto type, int i, int j = 0) {
    return [i, j](const Action& a) {
      const auto* x = std::get_if<decltype(type)>(&a);
      if (x == nullptr || x->i.value != i) return false;
      if constexpr (requires { x->j; }) return x->j.value == j;
      return true;
    };
  };
  const auto receive = [](Handler h) {
    return [h](const Action& a) { return std::holds_alternative<Receive>(a) && std::get<Receive>(a).handler == h; };
  };
  take_if("Timeout(s1)", is(Timeout{}, 1));
  take_if("RequestVote(s1, s1)", is(RequestVote{}, 1, 1));
  take_if("s1 votes for itself", receive(Handler::HandleRequestVoteRequest));
  take_if("s1 counts its vote", receive(Handler::HandleRequestVoteResponse));
  take_if("RequestVote(s1, s2)", is(RequestVote{}, 1, 2));
  take_if("s2 updates its term", receive(Handler::UpdateTerm));
  take_if("s2 votes for s1", receive(Handler::HandleRequestVoteRequest));
  take_if("s1 counts s2's vote", receive(Handler::HandleRequestVoteResponse));
  take_if("BecomeLeader(s1)", is(BecomeLeader{}, 1));
  return itf_of(model, trace, "");
}

// A trace's text with one value replaced by `depth` nested lists ([[[...]]]): in the trace's
// "#meta", in step 1's variable "nodes", or in "vars" (spliced into the text: a Json that deep
// could not even be printed).
enum class DeepPlace { meta, state, vars };
inline std::string deep_trace_text(Json trace, DeepPlace place, std::size_t depth) {
  const std::string marker = "lockstep-deep-value";
  switch (place) {
    case DeepPlace::meta: trace["#meta"]["deep"] = marker; break;
    case DeepPlace::state: trace["states"][1]["nodes"] = marker; break;
    case DeepPlace::vars: trace["vars"][1] = marker; break;
  }
  std::string text = trace.dump();
  text.replace(text.find('"' + marker + '"'), marker.size() + 2, std::string(depth, '[') + std::string(depth, ']'));
  return text;
}

}  // namespace lockstep::testing
