// The Raft step function (definitions of Raft<SM>::init and Raft<SM>::step). Include it only
// where Raft is instantiated for a state machine (e.g. register.cpp); everything else includes
// raft.hpp. Pure: no I/O, clock, thread or randomness. The section numbers cite the paper.
#pragma once

#include <algorithm>

#include "model/raft/raft.hpp"

namespace lockstep::raft {

template <class SM>
struct RaftStep {
  using R = Raft<SM>;
  using Node = typename R::Node;
  using Entry = typename R::Entry;
  using Log = typename R::Log;
  using Message = typename R::Message;

  const Config& config;
  NodeId self;
  lockstep::Step<R>& out;

  typename R::Durable& durable() { return out.node.durable; }
  typename R::Volatile& state() { return out.node.volatile_state; }
  Index last_index() { return static_cast<Index>(durable().log.size()); }
  Term term_at(Index index) { return index == 0 ? Term{0} : durable().log[index - 1u].term; }
  bool bug(Bug b) const { return config.bug == b; }

  void send_to_others(const Message& message) {
    for (std::size_t i = 0; i < config.node_count; ++i) {
      if (NodeId::at(i) != self) out.send(NodeId::at(i), message);
    }
  }

  // All servers, section 5.1: a higher term in any message makes the node adopt it and revert
  // to follower; handled here once for every role and message.
  void observe_term(Term term) {
    if (term <= durable().current_term) return;
    durable().current_term = term;
    durable().voted_for = NodeId{};
    out.persist();
    if (!bug(Bug::ignore_higher_term)) become_follower();
  }

  void become_follower() {
    state().role = Role::follower;
    state().votes_granted = NodeSet{};
    state().next_index = typename R::Indexes{};
    state().match_index = typename R::Indexes{};
  }

  // Section 5.2: a follower (or candidate) whose election timer fires starts an election.
  void on_election_timer() {
    if (state().role == Role::leader) return;
    if (durable().current_term >= config.term_max) return;  // the bound on terms
    durable().current_term = static_cast<Term>(durable().current_term + 1);
    durable().voted_for = self;
    out.persist();
    state().role = Role::candidate;
    state().votes_granted = NodeSet{};
    state().votes_granted.insert(self);
    out.set_timer(Timer::election);
    if (state().votes_granted.size() >= majority(config.node_count)) {
      become_leader();
      return;
    }
    send_to_others(typename R::RequestVote{durable().current_term, last_index(), term_at(last_index())});
  }

  void become_leader() {
    state().role = Role::leader;
    state().votes_granted = NodeSet{};
    state().next_index = typename R::Indexes(config.node_count, static_cast<Index>(last_index() + 1));
    state().match_index = typename R::Indexes(config.node_count, Index{0});
    state().match_index[self] = last_index();
    out.set_timer(Timer::heartbeat);
  }

  // Section 5.3: the leader sends each follower the entries it lacks (none: a heartbeat).
  void on_heartbeat_timer() {
    if (state().role != Role::leader) return;
    for (std::size_t i = 0; i < config.node_count; ++i) {
      const NodeId peer = NodeId::at(i);
      if (peer == self) continue;
      const Index next = state().next_index[peer];
      typename R::AppendEntries message{durable().current_term, static_cast<Index>(next - 1),
                                        term_at(static_cast<Index>(next - 1)), Log{}, state().commit_index};
      for (Index k = next; k <= last_index(); ++k) message.entries.push_back(durable().log[k - 1u]);
      out.send(peer, message);
    }
    out.set_timer(Timer::heartbeat);
  }

  void on_client_request(const typename R::ClientRequest& request) {
    if (state().role != Role::leader) return;     // the runtime redirects the client
    if (last_index() >= config.log_max) return;  // the bound on log length
    durable().log.push_back(Entry{durable().current_term, request.command});
    out.persist();
    state().match_index[self] = last_index();
    advance_commit_index();
  }

  // Section 5.4.1: the up-to-date check of the voter's log against the candidate's.
  bool candidate_log_up_to_date(const typename R::RequestVote& request) {
    const Term my_last_term = term_at(last_index());
    if (request.last_log_term != my_last_term) return request.last_log_term > my_last_term;
    return request.last_log_index >= last_index();
  }

  void on_request_vote(NodeId from, const typename R::RequestVote& request) {
    bool grant = false;
    if (request.term == durable().current_term) {
      const bool free = durable().voted_for.is_none() || durable().voted_for == from;
      const bool log_ok = bug(Bug::vote_without_log_check) || candidate_log_up_to_date(request);
      grant = free && log_ok;
    }
    if (grant && durable().voted_for != from) {
      durable().voted_for = from;
      out.persist();
    }
    if (grant) out.set_timer(Timer::election);
    out.send(from, typename R::RequestVoteResponse{durable().current_term, grant});
  }

  void on_request_vote_response(NodeId from, const typename R::RequestVoteResponse& response) {
    if (state().role != Role::candidate || response.term != durable().current_term) return;
    if (!response.vote_granted || state().votes_granted.contains(from)) return;
    state().votes_granted.insert(from);
    if (state().votes_granted.size() >= majority(config.node_count)) become_leader();
  }

  void on_append_entries(NodeId from, const typename R::AppendEntries& request) {
    if (request.term < durable().current_term) {
      out.send(from, typename R::AppendEntriesResponse{durable().current_term, false, 0});
      return;
    }
    if (state().role == Role::candidate) become_follower();  // section 5.2: a leader of this term exists
    out.set_timer(Timer::election);
    const bool consistent = request.prev_log_index <= last_index() &&
                            term_at(request.prev_log_index) == request.prev_log_term;
    if (!consistent) {
      out.send(from, typename R::AppendEntriesResponse{durable().current_term, false, 0});
      return;
    }
    if (merge_entries(request)) out.persist();
    const Index last_new = static_cast<Index>(request.prev_log_index + request.entries.size());
    if (request.leader_commit > state().commit_index) {
      state().commit_index = std::max(state().commit_index, std::min(request.leader_commit, last_new));
      apply_committed();
    }
    out.send(from, typename R::AppendEntriesResponse{durable().current_term, true, last_new});
  }

  // Receiver rule 3 and 4: delete a conflicting entry and all that follow it, append new ones.
  // Returns whether the log changed.
  bool merge_entries(const typename R::AppendEntries& request) {
    Log& log = durable().log;
    bool changed = false;
    for (std::size_t k = 0; k < request.entries.size(); ++k) {
      const std::size_t index = request.prev_log_index + k + 1;
      const Entry& entry = request.entries[k];
      if (index <= log.size()) {
        if (log[index - 1].term == entry.term) continue;
        if (bug(Bug::append_without_truncate)) continue;  // keeps its own conflicting entry
        while (log.size() >= index) log.pop_back();
      }
      log.push_back(entry);
      changed = true;
    }
    return changed;
  }

  void on_append_entries_response(NodeId from, const typename R::AppendEntriesResponse& response) {
    if (state().role != Role::leader || response.term != durable().current_term) return;
    if (response.success) {
      state().match_index[from] = std::max(state().match_index[from], response.match_index);
      state().next_index[from] = static_cast<Index>(state().match_index[from] + 1);
      advance_commit_index();
    } else if (state().next_index[from] > 1) {
      state().next_index[from] = static_cast<Index>(state().next_index[from] - 1);
    }
  }

  // Section 5.4.2: commit the highest index stored on a majority whose entry is of the
  // current term (which commits every entry before it too).
  void advance_commit_index() {
    for (Index n = last_index(); n > state().commit_index; --n) {
      if (term_at(n) != durable().current_term && !bug(Bug::commit_previous_term)) continue;
      int replicas = 0;
      for (const Index match : state().match_index.items) replicas += match >= n ? 1 : 0;
      if (replicas < majority(config.node_count)) continue;
      state().commit_index = n;
      apply_committed();
      return;
    }
  }

  void apply_committed() {
    while (state().last_applied < state().commit_index) {
      state().last_applied = static_cast<Index>(state().last_applied + 1);
      const Entry& entry = durable().log[state().last_applied - 1u];
      const auto output = SM::apply(state().machine, entry.command);
      out.applied(typename R::AppliedEntry{state().last_applied, entry.term, entry.command});
      if (state().role == Role::leader) out.reply(typename R::Committed{state().last_applied, output});
    }
  }

  static Term term_of(const Message& message) {
    return std::visit([](const auto& m) { return m.term; }, message);
  }

  void on_message(NodeId from, const Message& message) {
    observe_term(term_of(message));
    std::visit(
        [&](const auto& m) {
          using M = std::decay_t<decltype(m)>;
          if constexpr (std::is_same_v<M, typename R::RequestVote>) on_request_vote(from, m);
          if constexpr (std::is_same_v<M, typename R::RequestVoteResponse>) on_request_vote_response(from, m);
          if constexpr (std::is_same_v<M, typename R::AppendEntries>) on_append_entries(from, m);
          if constexpr (std::is_same_v<M, typename R::AppendEntriesResponse>) on_append_entries_response(from, m);
        },
        message);
  }

  void on_restarted() {
    state() = typename R::Volatile{};
    // Seeded bug: the vote was only ever kept in memory, so a restart forgets it.
    if (bug(Bug::vote_not_durable) && !durable().voted_for.is_none()) {
      durable().voted_for = NodeId{};
      out.persist();
    }
    out.set_timer(Timer::election);
  }
};

template <class SM>
typename Raft<SM>::Node Raft<SM>::init(const Config&, NodeId) {
  return Node{};
}

template <class SM>
lockstep::Step<Raft<SM>> Raft<SM>::step(const Config& config, NodeId self, const Node& node, const Event& event) {
  lockstep::Step<Raft> out{node, {}};
  RaftStep<SM> s{config, self, out};
  std::visit(
      [&](const auto& e) {
        using E = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<E, MessageReceived>) s.on_message(e.from, e.message);
        if constexpr (std::is_same_v<E, TimerFired>) {
          if (e.timer == Timer::election) s.on_election_timer();
          if (e.timer == Timer::heartbeat) s.on_heartbeat_timer();
        }
        if constexpr (std::is_same_v<E, ClientRequest>) s.on_client_request(e);
        if constexpr (std::is_same_v<E, Restarted>) s.on_restarted();
      },
      event);
  out.hoist_persist();
  return out;
}

template <class SM>
bool Raft<SM>::obsolete(const Config&, const Node& receiver, NodeId from, const Message& message) {
  const Term current = receiver.durable.current_term;
  const auto& state = receiver.volatile_state;
  if (const auto* vote = std::get_if<RequestVoteResponse>(&message)) {
    if (vote->term < current) return true;
    if (vote->term > current) return false;  // it still makes the receiver adopt the term
    // Only a candidate counts votes, and only once per voter; a node becomes candidate again
    // only in a later term.
    return state.role != Role::candidate || !vote->vote_granted || state.votes_granted.contains(from);
  }
  if (const auto* append = std::get_if<AppendEntriesResponse>(&message)) {
    if (append->term < current) return true;
    if (append->term > current) return false;
    if (state.role != Role::leader) return true;  // leader again only in a later term
    // A success the leader has already counted (match_index only grows while it leads).
    return append->success && append->match_index <= state.match_index[from];
  }
  return false;
}

template <class SM>
std::string_view Raft<SM>::bug_description(Bug bug) {
  switch (bug) {
    case Bug::none: return "the correct protocol";
    case Bug::vote_not_durable: return "voted_for is kept only in memory, so a restarted node can vote twice in a term";
    case Bug::commit_previous_term:
      return "a leader commits an entry of an earlier term by counting replicas (Figure 8)";
    case Bug::vote_without_log_check: return "a vote is granted without checking that the candidate's log is up to date";
    case Bug::append_without_truncate: return "a follower appends entries without deleting a conflicting suffix";
    case Bug::ignore_higher_term: return "a node adopts a higher term but does not step down to follower";
  }
  return "?";
}

}  // namespace lockstep::raft
