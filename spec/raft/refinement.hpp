// `check raft --refine`: World<Raft> held to Raft's two abstract protocols, whose safety
// `lockstep prove` proves: raft-election (spec/proofs/raft_election.hpp: ElectionSafety) and
// raft-log (spec/proofs/raft_log.hpp: LogMatching). Every step must be a step of each, or change
// nothing of it. The abstraction reads only what the nodes, the network and the spec's ghost
// (elections, committed entries) hold, so --refine leaves the state space as it is.
//   node     n1..nN; term 0..the highest seen (at least --max-term); index 0..the highest seen
//            (at least --max-log)
//   quorum   every majority of the nodes (the smallest ones: any larger one holds one)
//   left(n, t)          t is below n's current term
//   leader(t, c)        the elections ghost (every leader ever), and a node leading in its term
// raft-election:
//   voted(n, t, c)      n's durable votedFor while its term is t; a candidate c's tally in its
//                       term; a granted RequestVoteResponse of term t from n to c in flight
//   asked(c, t, i, u)   a RequestVote of c in flight: its term and log end
//   last(n, i, u)       n's last log index and that entry's term
// raft-log:
//   log(n, i, u)        n's log entries; under its snapshot, the committed entries' terms (ghost)
//   sent(t, p, k, j, u) each AppendEntries in flight: its term, previous index, last index, and
//                       the previous entry's and the entries' terms; an InstallSnapshot as the
//                       message (t, 0, last included index) with the committed entries' terms
//   committed(i, u)     the committed-entries ghost
//   applied(n, i, u)    a live node's entries (as log has them) through its commit index
#pragma once

#include <algorithm>
#include <array>
#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "spec/proofs/refinement.hpp"
#include "spec/proofs/registry.hpp"
#include "spec/raft/invariants.hpp"

namespace lockstep::raft {

// The tuples of an abstract state's mutable relations, by relation index, and each node's term
// (left(n, t) for every t below it).
struct AbstractSummary {
  using Tuple = std::array<int, 5>;
  std::vector<std::vector<Tuple>> tuples;
  std::vector<int> term;

  explicit AbstractSummary(std::size_t relations) : tuples(relations) {}
  void add(int relation, Tuple t) {
    auto& list = tuples[static_cast<std::size_t>(relation)];
    const auto at = std::lower_bound(list.begin(), list.end(), t);
    if (at == list.end() || *at != t) list.insert(at, t);
  }
  std::string bytes() const {
    std::string out;
    for (const auto& list : tuples) {
      out += std::to_string(list.size()) + ":";
      for (const Tuple& t : list) out.append(t.begin(), t.end());
    }
    out.append(term.begin(), term.end());
    return out;
  }
};

// Builds the structure of a pair of summaries over one protocol whose sorts are node, term,
// index and quorum and which has left(node, term) and member(node, quorum).
class RaftStructureBuilder {
 public:
  // The relations the summaries write, looked up once (-1: not in this protocol).
  struct Relations {
    int leader, voted, asked, last, log, sent, committed, applied;
  };

  RaftStructureBuilder(std::shared_ptr<const proofs::Protocol> protocol, int nodes, int term_max, int log_max)
      : protocol_(std::move(protocol)),
        nodes_(nodes),
        terms_(term_max),
        indexes_(log_max),
        quorums_(proofs::subsets_of_size(nodes, majority(static_cast<std::size_t>(nodes)))) {
    const proofs::Vocabulary& v = protocol_->vocabulary;
    node_ = v.find_sort("node"), term_ = v.find_sort("term"), index_ = v.find_sort("index"), quorum_ = v.find_sort("quorum");
    member_ = v.find_relation("member"), left_ = v.find_relation("left");
    relations_ = {v.find_relation("leader"), v.find_relation("voted"), v.find_relation("asked"),    v.find_relation("last"),
                  v.find_relation("log"),    v.find_relation("sent"),  v.find_relation("committed"),
                  v.find_relation("applied")};
  }
  const std::shared_ptr<const proofs::Protocol>& protocol() const { return protocol_; }
  const Relations& relations() const { return relations_; }
  AbstractSummary summary() const { return AbstractSummary(protocol_->vocabulary.relations().size()); }

  proofs::Structure build(const AbstractSummary& before, const AbstractSummary& after) const {
    const proofs::Vocabulary& v = protocol_->vocabulary;
    int terms = terms_, indexes = indexes_;
    for (const AbstractSummary* s : {&before, &after}) {
      for (const int t : s->term) terms = std::max(terms, t);
      for (std::size_t r = 0; r < s->tuples.size(); ++r) {
        const auto& sorts = v.relations()[r].sorts;
        for (const auto& tuple : s->tuples[r]) {
          for (std::size_t a = 0; a < sorts.size(); ++a) {
            if (sorts[a] == term_) terms = std::max(terms, tuple[a]);
            if (sorts[a] == index_) indexes = std::max(indexes, tuple[a]);
          }
        }
      }
    }
    std::vector<int> sizes(v.sorts().size(), 1);
    sizes[static_cast<std::size_t>(node_)] = nodes_;
    sizes[static_cast<std::size_t>(term_)] = terms + 1;
    sizes[static_cast<std::size_t>(index_)] = indexes + 1;
    sizes[static_cast<std::size_t>(quorum_)] = static_cast<int>(quorums_.size());
    proofs::Structure out(v, std::move(sizes));
    for (int t = 0; t <= terms; ++t) out.name(term_, t, "term " + std::to_string(t));
    for (int i = 0; i <= indexes; ++i) out.name(index_, i, "index " + std::to_string(i));
    for (std::size_t q = 0; q < quorums_.size(); ++q) {
      for (int n : quorums_[q]) out.set(member_, {n, static_cast<int>(q)}, true);
    }
    for (const bool after_step : {false, true}) {
      const AbstractSummary& s = after_step ? after : before;
      for (std::size_t r = 0; r < s.tuples.size(); ++r) {
        const std::size_t arity = v.relations()[r].sorts.size();
        for (const auto& tuple : s.tuples[r]) {
          out.set(static_cast<int>(r), std::vector<int>(tuple.begin(), tuple.begin() + static_cast<std::ptrdiff_t>(arity)), true, after_step);
        }
      }
      for (std::size_t n = 0; n < s.term.size(); ++n) {
        for (int t = 0; t < s.term[n]; ++t) out.set(left_, {static_cast<int>(n), t}, true, after_step);
      }
    }
    return out;
  }

 private:
  std::shared_ptr<const proofs::Protocol> protocol_;
  int nodes_, terms_, indexes_;
  std::vector<std::vector<int>> quorums_;
  int node_ = -1, term_ = -1, index_ = -1, quorum_ = -1, member_ = -1, left_ = -1;
  Relations relations_{};
};

template <class SM>
struct RaftAbstractions {
  using Spec = RaftSpec<SM>;
  using R = Raft<SM>;
  using State = typename Spec::State;

  static RaftStructureBuilder builder(const char* protocol, const typename R::Config& config) {
    return RaftStructureBuilder(proofs::find_abstract_protocol(protocol), config.node_count, config.checks.term_max,
                                config.checks.log_max);
  }

  // What both protocols read: each node's term, and leader(t, c).
  static void terms_and_leaders(const State& s, int leader, AbstractSummary& out) {
    for (std::size_t i = 0; i < s.nodes.size(); ++i) {
      const auto& slot = s.nodes.items[i];
      out.term.push_back(slot.node.durable.current_term);
      if (slot.up && slot.node.volatile_state.role == Role::leader) {
        out.add(leader, {slot.node.durable.current_term, static_cast<int>(i)});
      }
    }
    for (const auto& e : s.ghost.leaders) out.add(leader, {e.term, static_cast<int>(e.leader.index())});
  }

  static AbstractSummary election(const State& s, const RaftStructureBuilder& b) {
    const auto& r = b.relations();
    const int voted = r.voted, asked = r.asked, last = r.last;
    AbstractSummary out = b.summary();
    terms_and_leaders(s, r.leader, out);
    for (std::size_t i = 0; i < s.nodes.size(); ++i) {
      const auto& slot = s.nodes.items[i];
      const auto& durable = slot.node.durable;
      const int n = static_cast<int>(i), term = durable.current_term;
      out.add(last, {n, durable.log.last_index(), durable.log.term_at(durable.log.last_index())});
      if (!durable.voted_for.is_none()) out.add(voted, {n, term, static_cast<int>(durable.voted_for.index())});
      if (slot.up && slot.node.volatile_state.role == Role::candidate) {
        for (std::size_t x = 0; x < s.nodes.size(); ++x) {
          if (slot.node.volatile_state.votes_granted.contains(NodeId::at(x))) out.add(voted, {static_cast<int>(x), term, n});
        }
      }
    }
    for (const auto& envelope : s.network) {
      const int from = static_cast<int>(envelope.from.index()), to = static_cast<int>(envelope.to.index());
      if (const auto* request = std::get_if<typename R::RequestVote>(&envelope.message)) {
        out.add(asked, {from, request->term, request->last_log_index, request->last_log_term});
      } else if (const auto* response = std::get_if<typename R::RequestVoteResponse>(&envelope.message)) {
        if (response->vote_granted) out.add(voted, {from, response->term, to});
      }
    }
    return out;
  }

  static AbstractSummary log(const State& s, const RaftStructureBuilder& b) {
    const auto& r = b.relations();
    const int log = r.log, sent = r.sent, committed = r.committed, applied = r.applied;
    AbstractSummary out = b.summary();
    terms_and_leaders(s, r.leader, out);
    std::map<int, int> committed_term;  // index -> term, what snapshots cover
    for (const auto& c : s.ghost.committed) {
      out.add(committed, {c.index, c.term});
      committed_term.emplace(c.index, c.term);
    }
    for (std::size_t i = 0; i < s.nodes.size(); ++i) {
      const auto& slot = s.nodes.items[i];
      const auto& l = slot.node.durable.log;
      const int n = static_cast<int>(i);
      const int base = static_cast<int>(l.base_index());
      // A live node's entries through its commit index are applied(n, j, u) as well.
      const int commit = slot.up ? static_cast<int>(slot.node.volatile_state.commit_index) : 0;
      const auto entry = [&](int j, int u) {
        out.add(log, {n, j, u});
        if (j <= commit) out.add(applied, {n, j, u});
      };
      for (int j = 1; j < base; ++j) {
        if (const auto it = committed_term.find(j); it != committed_term.end()) entry(j, it->second);
      }
      if (base > 0) entry(base, l.term_at(l.base_index()));
      for (int j = static_cast<int>(l.base_index()) + 1; j <= static_cast<int>(l.last_index()); ++j) {
        entry(j, l.at(static_cast<Index>(j)).term);
      }
    }
    for (const auto& envelope : s.network) {
      if (const auto* append = std::get_if<typename R::AppendEntries>(&envelope.message)) {
        const int t = append->term, p = append->prev_log_index, k = p + static_cast<int>(append->entries.size());
        if (p > 0) out.add(sent, {t, p, k, p, append->prev_log_term});
        for (std::size_t x = 0; x < append->entries.size(); ++x) out.add(sent, {t, p, k, p + 1 + static_cast<int>(x), append->entries[x].term});
      } else if (const auto* install = std::get_if<typename R::InstallSnapshot>(&envelope.message)) {
        const int t = install->term, k = install->last_included_index;
        if (k == 0) continue;
        for (int j = 1; j < k; ++j) {
          if (const auto it = committed_term.find(j); it != committed_term.end()) out.add(sent, {t, 0, k, j, it->second});
        }
        out.add(sent, {t, 0, k, k, install->last_included_term});
      }
    }
    return out;
  }
};

template <class SM>
std::shared_ptr<proofs::Refinement<typename RaftSpec<SM>::State>> raft_refinement(const typename Raft<SM>::Config& config, bool log) {
  using A = RaftAbstractions<SM>;
  using State = typename A::State;
  const auto b = std::make_shared<const RaftStructureBuilder>(A::builder(log ? "raft-log" : "raft-election", config));
  const auto summarize = [b, log](const State& s) { return log ? A::log(s, *b) : A::election(s, *b); };
  return std::make_shared<proofs::Refinement<State>>(
      b->protocol(), [b, summarize](const State& before, const State& after) { return b->build(summarize(before), summarize(after)); },
      [summarize](const State& s) { return summarize(s).bytes(); });
}

template <class SM>
std::vector<Property<typename RaftSpec<SM>::State>> RaftSpec<SM>::refinement_properties(const Config& config) {
  auto election = raft_refinement<SM>(config, false);
  auto log = raft_refinement<SM>(config, true);
  return {{"RAFT-ElectionInvariant", PropertyKind::always,
           "the state maps to a raft-election state satisfying the inductive invariant that `lockstep prove` proves",
           [election](const State& s) { return election->invariant_holds(s); }},
          {"RAFT-LogInvariant", PropertyKind::always,
           "the state maps to a raft-log state satisfying the inductive invariant that `lockstep prove` proves",
           [log](const State& s) { return log->invariant_holds(s); }}};
}

template <class SM>
std::vector<TransitionProperty<typename RaftSpec<SM>::State>> RaftSpec<SM>::refinement_transition_properties(const Config& config) {
  auto election = raft_refinement<SM>(config, false);
  auto log = raft_refinement<SM>(config, true);
  return {{"RAFT-RefinesElection",
           "every step maps to a step of raft-election (UpdateTerm, Campaign, Vote, BecomeLeader) or changes nothing of it",
           [election](const State& before, const State& after) { return election->step_refines(before, after); }},
          {"RAFT-RefinesLog",
           "every step maps to a step of raft-log (UpdateTerm, Elect, Append, Send, Replicate, Commit) or changes nothing of it",
           [log](const State& before, const State& after) { return log->step_refines(before, after); }}};
}

template <class SM>
std::vector<std::string> RaftSpec<SM>::explain_refinement(const Config& config, std::string_view property, const State* before,
                                                          const State& after) {
  using A = RaftAbstractions<SM>;
  const bool log = property == "RAFT-RefinesLog" || property == "RAFT-LogInvariant";
  const RaftStructureBuilder b = A::builder(log ? "raft-log" : "raft-election", config);
  const auto summarize = [&](const State& s) { return log ? A::log(s, b) : A::election(s, b); };
  const auto alpha = [&](const State& x, const State& y) { return b.build(summarize(x), summarize(y)); };
  return proofs::explain_through(*b.protocol(), alpha, property == "RAFT-RefinesLog" || property == "RAFT-RefinesElection",
                                 before, after);
}

}  // namespace lockstep::raft
