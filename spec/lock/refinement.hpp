// `check lock --refine`: a lock World held, lock by lock, to lock-clients
// (spec/proofs/lock_clients.hpp), whose safety (MutualExclusion of beliefs, FencingMonotone,
// ResourceSafety, ExactlyOnce) `lockstep prove` proves. The abstraction of one lock:
//   client     the sessions seen (the agreed table's, the replicas', the clients')
//   token      the tokens seen, in order; position: the agreed log's positions, in order
//   request    the (client, sequence) pairs that took effect
//   node       n1..nN
//   holder, granted, took   the agreed log applied by the lock's own code, in log order: the
//                           ghost's record (`agreed`), kept only under --refine; each entry is
//                           applied there when the first replica applies it
//   has, believes           a client of this lock in its critical section (phase hold or keep_alive) with its
//                           token; believes while its lease is valid (not expired while paused)
//   highest, below          the lock's resource: its highest accepted token; below(highest) when
//                           it accepted a write below one it had accepted
//   down, held, last        a crashed replica; each replica's own applied table: the lock's holder
//                           and its last token
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "spec/proofs/refinement.hpp"
#include "spec/proofs/registry.hpp"

namespace lockstep::lock {

// One lock's abstract state, in the concrete values (sessions, tokens, positions).
struct LockSummary {
  using Pair = std::pair<std::uint64_t, std::uint64_t>;
  using Effect = std::tuple<std::uint64_t, std::uint64_t, std::uint64_t>;  // client, sequence, position
  std::uint64_t holder = 0;  // 0: none
  std::vector<Pair> granted;
  std::vector<Effect> took;
  std::vector<Pair> has, believes;
  std::uint64_t highest = 0;  // 0: no write accepted
  bool below = false;
  std::vector<std::uint64_t> down, held, last;  // per node (held, last: 0 for none)

  std::string bytes() const {
    std::string out;
    const auto put = [&](std::uint64_t x) { out.append(reinterpret_cast<const char*>(&x), sizeof x); };
    const auto pairs = [&](const std::vector<Pair>& list) {
      put(list.size());
      for (const auto& [a, b] : list) put(a), put(b);
    };
    put(holder);
    pairs(granted);
    put(took.size());
    for (const auto& [c, q, p] : took) put(c), put(q), put(p);
    pairs(has);
    pairs(believes);
    put(highest);
    put(below);
    for (const auto* list : {&down, &held, &last}) {
      for (std::uint64_t x : *list) put(x);
    }
    return out;
  }
};

// Builds the lock-clients structure of a pair of summaries.
class LockClientsBuilder {
 public:
  explicit LockClientsBuilder(int nodes) : protocol_(proofs::find_abstract_protocol("lock-clients")), nodes_(nodes) {
    const proofs::Vocabulary& v = protocol_->vocabulary;
    client_ = v.find_sort("client"), token_ = v.find_sort("token"), node_ = v.find_sort("node");
    request_ = v.find_sort("request"), position_ = v.find_sort("position");
    holder_ = v.find_relation("holder"), granted_ = v.find_relation("granted"), took_ = v.find_relation("took");
    has_ = v.find_relation("has"), believes_ = v.find_relation("believes"), highest_ = v.find_relation("highest");
    below_ = v.find_relation("below"), down_ = v.find_relation("down"), held_ = v.find_relation("held");
    last_ = v.find_relation("last");
  }
  std::shared_ptr<const proofs::Protocol> protocol() const { return protocol_; }

  proofs::Structure build(const LockSummary& before, const LockSummary& after) const {
    std::vector<std::uint64_t> sessions, tokens, positions;
    std::vector<LockSummary::Pair> requests;
    for (const LockSummary* s : {&before, &after}) {
      if (s->holder != 0) sessions.push_back(s->holder);
      for (const auto* list : {&s->granted, &s->has, &s->believes}) {
        for (const auto& [c, k] : *list) sessions.push_back(c), tokens.push_back(k);
      }
      for (const auto& [c, q, p] : s->took) requests.emplace_back(c, q), positions.push_back(p);
      if (s->highest != 0) tokens.push_back(s->highest);
      for (std::uint64_t c : s->held) {
        if (c != 0) sessions.push_back(c);
      }
      for (std::uint64_t k : s->last) {
        if (k != 0) tokens.push_back(k);
      }
    }
    const auto unique = [](auto& list) {
      std::sort(list.begin(), list.end());
      list.erase(std::unique(list.begin(), list.end()), list.end());
    };
    unique(sessions), unique(tokens), unique(positions), unique(requests);
    std::vector<int> sizes(protocol_->vocabulary.sorts().size(), 1);
    const auto size_of = [](std::size_t n) { return std::max(1, static_cast<int>(n)); };
    sizes[static_cast<std::size_t>(client_)] = size_of(sessions.size());
    sizes[static_cast<std::size_t>(token_)] = size_of(tokens.size());
    sizes[static_cast<std::size_t>(position_)] = size_of(positions.size());
    sizes[static_cast<std::size_t>(request_)] = size_of(requests.size());
    sizes[static_cast<std::size_t>(node_)] = nodes_;
    proofs::Structure out(protocol_->vocabulary, sizes);
    const auto at = [](const auto& list, const auto& x) {
      return static_cast<int>(std::lower_bound(list.begin(), list.end(), x) - list.begin());
    };
    for (std::size_t i = 0; i < sessions.size(); ++i) out.name(client_, static_cast<int>(i), "s" + std::to_string(sessions[i]));
    for (std::size_t i = 0; i < tokens.size(); ++i) out.name(token_, static_cast<int>(i), "token " + std::to_string(tokens[i]));
    for (std::size_t i = 0; i < positions.size(); ++i) out.name(position_, static_cast<int>(i), "p" + std::to_string(positions[i]));
    for (std::size_t i = 0; i < requests.size(); ++i) {
      out.name(request_, static_cast<int>(i), "c" + std::to_string(requests[i].first) + "#" + std::to_string(requests[i].second));
    }
    for (const bool after_step : {false, true}) {
      const LockSummary& s = after_step ? after : before;
      if (s.holder != 0) out.set(holder_, {at(sessions, s.holder)}, true, after_step);
      for (const auto& [c, k] : s.granted) out.set(granted_, {at(sessions, c), at(tokens, k)}, true, after_step);
      for (const auto& [c, k] : s.has) out.set(has_, {at(sessions, c), at(tokens, k)}, true, after_step);
      for (const auto& [c, k] : s.believes) out.set(believes_, {at(sessions, c), at(tokens, k)}, true, after_step);
      for (const auto& [c, q, p] : s.took) {
        out.set(took_, {at(requests, LockSummary::Pair{c, q}), at(positions, p)}, true, after_step);
      }
      if (s.highest != 0) {
        out.set(highest_, {at(tokens, s.highest)}, true, after_step);
        if (s.below) out.set(below_, {at(tokens, s.highest)}, true, after_step);
      }
      for (int n = 0; n < nodes_; ++n) {
        const auto i = static_cast<std::size_t>(n);
        if (s.down[i] != 0) out.set(down_, {n}, true, after_step);
        if (s.held[i] != 0) out.set(held_, {n, at(sessions, s.held[i])}, true, after_step);
        if (s.last[i] != 0) out.set(last_, {n, at(tokens, s.last[i])}, true, after_step);
      }
    }
    return out;
  }

 private:
  std::shared_ptr<const proofs::Protocol> protocol_;
  int nodes_;
  int client_, token_, node_, request_, position_;
  int holder_, granted_, took_, has_, believes_, highest_, below_, down_, held_, last_;
};

// One Refinement per lock of the world: `summarize(state, lock)` is the spec's abstraction.
template <class State, class Summarize>
std::vector<std::shared_ptr<proofs::Refinement<State>>> lock_refinements(int nodes, int locks, Summarize summarize) {
  const auto builder = std::make_shared<const LockClientsBuilder>(nodes);
  std::vector<std::shared_ptr<proofs::Refinement<State>>> out;
  for (int lock = 0; lock < locks; ++lock) {
    out.push_back(std::make_shared<proofs::Refinement<State>>(
        builder->protocol(),
        [builder, summarize, lock](const State& before, const State& after) {
          return builder->build(summarize(before, lock), summarize(after, lock));
        },
        [summarize, lock](const State& s) { return summarize(s, lock).bytes(); }));
  }
  return out;
}

}  // namespace lockstep::lock
