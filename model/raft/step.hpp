// The Raft step function (definitions of Raft<SM, Sizes>::init, step, obsolete, apply_persist).
// Include it only where Raft is instantiated (e.g. register.cpp, for both sizes); everything
// else includes raft.hpp. Pure: no I/O, clock, thread or randomness. The section numbers cite
// the paper.
#pragma once

#include <algorithm>

#include "model/core/check_quorum.hpp"
#include "model/core/expect.hpp"
#include "model/raft/raft.hpp"

namespace lockstep::raft {

template <class SM, class Sizes>
struct RaftStep {
  using R = Raft<SM, Sizes>;
  using Term = typename R::Term;
  using Index = typename R::Index;
  using Node = typename R::Node;
  using Entry = typename R::Entry;
  using Message = typename R::Message;
  using Config = typename R::Config;

  const Config& config;
  NodeId self;
  lockstep::Step<R>& out;
  LogEditTracker<Index> log_edits{};
  bool snapshot_changed = false;  // the step took or installed a snapshot (its Persist carries it)

  typename R::Durable& durable() { return out.node.durable; }
  typename R::Volatile& state() { return out.node.volatile_state; }
  Index last_index() { return durable().log.last_index(); }
  Term term_at(Index index) { return durable().log.term_at(index); }
  // A seeded bug, at model size; at runtime size there is none (compiled out).
  bool bug([[maybe_unused]] Bug b) const {
    if constexpr (Sizes::checked) return config.checks.bug == b;
    return false;
  }
  bool term_bound_reached() {
    if constexpr (Sizes::checked) return durable().current_term >= config.checks.term_max;
    return false;
  }
  bool log_bound_reached() {
    if constexpr (Sizes::checked) return last_index() >= config.checks.log_max;
    return false;
  }
  // Section 8: a new leader appends a no-op (at runtime size always; the checker may leave it out).
  bool leader_noop() const {
    if constexpr (Sizes::checked) return config.checks.leader_noop;
    return true;
  }
  // Check-quorum (ModelChecks): at runtime size always; the checker may leave it out.
  bool check_quorum() const { return check_quorum_on<Sizes>(config); }
  // Pre-vote (ModelChecks): at runtime size always; the checker may leave it out.
  bool pre_vote() const {
    if constexpr (Sizes::checked) return config.checks.pre_vote;
    return true;
  }
  Delay election_delay() const {
    return Delay::randomized(config.timing.election_min_ms, config.timing.election_max_ms);
  }
  Delay heartbeat_delay() const { return Delay::fixed(config.timing.heartbeat_ms); }

  // Every change of the log goes through these two, so the step's Persist can carry the edit.
  void append_entry(const Entry& entry) {
    log_edits.touched(last_index());
    durable().log.append(entry);
  }
  void truncate_after(Index index) {
    log_edits.touched(index);
    durable().log.truncate_after(index);
  }

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
    state().leader_hint.set(NodeId{});
    state().leader_recent = false;  // the leader heard from was of an earlier term
    out.mark_persist();
    if (bug(Bug::ignore_higher_term)) return;
    // A leader has no election timer running (it ignores it and lets it lapse): a leader that
    // steps down arms one, or it would never campaign again (found by the node tests: a deposed
    // leader whose successor then failed stayed a follower forever). Candidates and followers
    // have theirs armed already.
    if (state().role == Role::leader) out.set_timer(Timer::election, election_delay());
    become_follower();
  }

  void become_follower() {
    state().role = Role::follower;
    state().votes_granted = NodeSet{};
    state().next_index = typename R::Indexes{};
    state().match_index = typename R::Indexes{};
    state().answered = NodeSet{};
  }

  // Section 5.2: a follower (or candidate) whose election timer fires starts an election; with
  // pre-vote (thesis 9.6), first a pre-vote for the term it would campaign for.
  void on_election_timer() {
    if (state().role == Role::leader) return lockstep::check_the_quorum(*this, Timer::election);
    if (term_bound_reached()) return;
    if (pre_vote()) return pre_campaign();
    campaign();
  }

  // Asks the others whether they would vote for it in the next term, changing neither its term
  // nor its vote; a majority (itself counted) would: it campaigns. Else its election timer fires
  // again, and it asks again.
  void pre_campaign() {
    if (start_poll(Role::pre_candidate)) return campaign();
    send_to_others(typename R::PreVote{static_cast<Term>(durable().current_term + 1), last_index(), term_at(last_index())});
  }

  void campaign() {
    durable().current_term = static_cast<Term>(durable().current_term + 1);
    durable().voted_for = self;
    out.mark_persist();
    if (start_poll(Role::candidate)) {
      become_leader();
      return;
    }
    send_to_others(typename R::RequestVote{durable().current_term, last_index(), term_at(last_index())});
  }

  // Both rounds of an election (the pre-vote and the vote) start alike: no leader known (the one
  // heard from, if any, is not heard lately, or led an earlier term), only its own (pre-)vote
  // counted, a new election timeout. Whether that alone is a majority (a cluster of one).
  bool start_poll(Role role) {
    state().role = role;
    state().leader_hint.set(NodeId{});
    state().leader_recent = false;
    state().votes_granted = NodeSet{};
    state().votes_granted.insert(self);
    out.set_timer(Timer::election, election_delay());
    return polled_a_majority();
  }
  bool polled_a_majority() { return state().votes_granted.size() >= majority(config.node_count); }

  void become_leader() {
    state().role = Role::leader;
    state().leader_hint.set(self);
    state().votes_granted = NodeSet{};
    state().answered = NodeSet{};
    if (check_quorum()) out.set_timer(Timer::election, quorum_check_delay(config.timing));
    state().next_index = typename R::Indexes(config.node_count, static_cast<Index>(last_index() + 1));
    state().match_index = typename R::Indexes(config.node_count, Index{0});
    state().match_index[self] = last_index();
    state().watch = typename R::Watch{};
    // Section 8: the leader does not know which of its entries are committed until an entry of
    // its own term is (section 5.4.2 commits none of an earlier term by counting), so it appends
    // a no-op at once, and replicates it at once (the heartbeat falls due now): its predecessors'
    // entries commit with it, without waiting for a client. (In this very step: --refine reads it
    // as raft-log's Elect, then its Append.)
    const bool noop = leader_noop() && !log_bound_reached();
    out.set_timer(Timer::heartbeat, noop ? Delay::fixed(0) : heartbeat_delay());
    if constexpr (SM::has_housekeeping) out.set_timer(Timer::housekeeping, SM::housekeeping_delay(config.machine));
    if (noop) leader_append(Entry{durable().current_term, ClientId{}, typename R::Sequence{}, typename R::Command{}, true});
  }

  // A leader's own entry (a client's command, its no-op): appended durably, counted as stored on
  // the leader, committed at once when that is a majority (a cluster of one).
  void leader_append(const Entry& entry) {
    append_entry(entry);
    out.mark_persist();
    state().match_index[self] = last_index();
    advance_commit_index();
  }

  // The machine's housekeeping (model/sm/machine.hpp): the leader proposes what its machine asks
  // for (e.g. a session's expiry), and those commands go through the log like a client's.
  void on_housekeeping_timer() {
    if constexpr (SM::has_housekeeping) {
      if (state().role != Role::leader) return;
      SM::housekeeping(config.machine, state().machine, state().watch, [&](const typename R::Command& command) {
        if (log_bound_reached()) return;
        append_entry(Entry{durable().current_term, ClientId{}, typename R::Sequence{}, command, false});
        out.mark_persist();
      });
      state().match_index[self] = last_index();
      advance_commit_index();
      out.set_timer(Timer::housekeeping, SM::housekeeping_delay(config.machine));
    }
  }

  // Section 5.3: the leader sends each follower the entries it lacks (none: a heartbeat).
  void on_heartbeat_timer() {
    if (state().role != Role::leader) return;
    for (std::size_t i = 0; i < config.node_count; ++i) {
      const NodeId peer = NodeId::at(i);
      if (peer == self) continue;
      const Index next = state().next_index[peer];
      LOCKSTEP_EXPECT(next >= 1 && next <= last_index() + 1);
      if (next <= durable().log.base_index()) {
        // Section 7: the entries the follower lacks are compacted away; the snapshot replaces them.
        const auto& snapshot = durable().snapshot;
        out.send(peer, typename R::InstallSnapshot{durable().current_term, snapshot.index, snapshot.term,
                                                   snapshot.machine});
        continue;
      }
      typename R::AppendEntries message{durable().current_term, static_cast<Index>(next - 1),
                                        term_at(static_cast<Index>(next - 1)), {}, state().commit_index};
      durable().log.for_each_from(next, [&](const Entry& entry) { message.entries.push_back(entry); });
      out.send(peer, message);
    }
    out.set_timer(Timer::heartbeat, heartbeat_delay());
  }

  // Section 8: only the leader takes client commands; any other node redirects the client to
  // the leader it knows of.
  void on_client_request(const typename R::ClientRequest& request) {
    if (state().role != Role::leader) {
      // A machine may answer some commands from a replica's own applied state (a correct lock
      // answers none; model/sm/machine.hpp).
      if (auto local = SM::answer_locally(config.machine, state().machine, request.command)) {
        out.reply(request.client, request.sequence, typename R::Committed{state().last_applied, *local});
        return;
      }
      out.redirect(request.client, request.sequence, state().leader_hint.get());
      return;
    }
    if (log_bound_reached()) return;
    leader_append(Entry{durable().current_term, request.client, request.sequence, request.command, false});
    // Replicate now, not a heartbeat period later: the heartbeat falls due at once (every request
    // of a burst re-arms it, so their entries leave together in one AppendEntries). The checker
    // fires any timer at any time, so this changes nothing it explores.
    out.set_timer(Timer::heartbeat, Delay::fixed(0));
  }

  // Section 5.4.1: the up-to-date check of the voter's log against the candidate's (of a
  // RequestVote or a PreVote).
  template <class Request>
  bool candidate_log_up_to_date(const Request& request) {
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
      out.mark_persist();
    }
    if (grant) out.set_timer(Timer::election, election_delay());
    out.send(from, typename R::RequestVoteResponse{durable().current_term, grant});
  }

  // Thesis 9.6: granted to a candidate whose log is up to date for a term above this node's (with
  // check-quorum, a node that hears its leader disregarded it already); nothing of this node
  // changes: not its term, its vote or its election timer.
  void on_pre_vote(NodeId from, const typename R::PreVote& request) {
    const bool grant = request.term > durable().current_term && candidate_log_up_to_date(request);
    out.send(from, typename R::PreVoteResponse{grant ? request.term : durable().current_term, grant});
  }

  void on_pre_vote_response(NodeId from, const typename R::PreVoteResponse& response) {
    if (state().role != Role::pre_candidate || !response.granted) return;
    if (response.term != durable().current_term + 1 || state().votes_granted.contains(from)) return;
    state().votes_granted.insert(from);
    if (polled_a_majority()) campaign();
  }

  void on_request_vote_response(NodeId from, const typename R::RequestVoteResponse& response) {
    if (state().role != Role::candidate) return;
    // Seeded bug: a vote granted in an earlier term (a late response) counts in this one.
    if (response.term != durable().current_term && !bug(Bug::count_stale_votes)) return;
    if (!response.vote_granted || state().votes_granted.contains(from)) return;
    state().votes_granted.insert(from);
    if (polled_a_majority()) become_leader();
  }

  // A refusal names the end of this node's log (match_index of a refusal: a hint, not a match),
  // so a leader whose follower lags far behind backs next_index off to it at once instead of
  // one entry per round trip (each probe carrying the whole suffix: found by the node tests,
  // where a follower 150 entries behind took 15 s to catch up). A refusal for a stale term
  // names nothing (0).
  void refuse(NodeId from, Index log_end = 0) {
    out.send(from, typename R::AppendEntriesResponse{durable().current_term, false, log_end});
  }

  // A request of the current term's leader: it exists, so a candidate (or pre-candidate) steps
  // down (section 5.2).
  void heard_from_leader(NodeId from) {
    if (state().role == Role::candidate || state().role == Role::pre_candidate) become_follower();
    state().leader_hint.set(from);
    out.set_timer(Timer::election, election_delay());
    if (check_quorum()) {
      state().leader_recent = true;
      out.set_timer(Timer::leader_silence, Delay::fixed(config.timing.election_min_ms));
    }
  }

  // Section 4.2.3 (with check-quorum): a node that heard from its term's leader within the
  // minimum election timeout, or leads, disregards a RequestVote (or PreVote) of a higher term
  // (neither adopts the term nor answers): a server that cannot hear the leader does not depose
  // it.
  bool disregards(const Message& message) {
    if (!check_quorum()) return false;
    if (!std::holds_alternative<typename R::RequestVote>(message) && !std::holds_alternative<typename R::PreVote>(message)) {
      return false;
    }
    if (term_of(message) <= durable().current_term) return false;
    return state().role == Role::leader || state().leader_recent;
  }

  void on_leader_silence_timer() {
    if (!state().leader_recent) return;
    state().leader_recent = false;
  }

  void on_append_entries(NodeId from, const typename R::AppendEntries& request) {
    // Seeded bug: a deposed leader's request (of an earlier term) is taken like the current one's.
    if (request.term < durable().current_term && !bug(Bug::accept_stale_append)) return refuse(from);
    heard_from_leader(from);
    const bool consistent = request.prev_log_index <= last_index() &&
                            request.prev_log_index >= durable().log.base_index() &&
                            (term_at(request.prev_log_index) == request.prev_log_term ||
                             bug(Bug::append_without_prev_term_check));  // seeded bug: the index alone
    if (!consistent) return refuse(from, last_index());
    if (merge_entries(request)) out.mark_persist();
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
    bool changed = false;
    for (std::size_t k = 0; k < request.entries.size(); ++k) {
      const auto index = static_cast<Index>(request.prev_log_index + k + 1);
      const Entry& entry = request.entries[k];
      if (index <= last_index()) {
        if (term_at(index) == entry.term) continue;
        if (bug(Bug::append_without_truncate)) continue;  // keeps its own conflicting entry
        truncate_after(static_cast<Index>(index - 1));
      }
      append_entry(entry);
      changed = true;
    }
    return changed;
  }

  void on_append_entries_response(NodeId from, const typename R::AppendEntriesResponse& response) {
    if (state().role != Role::leader || response.term != durable().current_term) return;
    if (check_quorum()) state().answered.insert(from);
    if (response.success) {
      state().match_index[from] = std::max(state().match_index[from], response.match_index);
      state().next_index[from] = static_cast<Index>(state().match_index[from] + 1);
      advance_commit_index();
    } else if (bug(Bug::next_index_without_floor)) {
      // Seeded bug: back one entry, with no floor: a repeated or late refusal takes next_index to
      // 0, and the leader's next append reads before its log (LOCKSTEP_EXPECT in on_heartbeat_timer).
      state().next_index[from] = static_cast<Index>(state().next_index[from] - 1);
    } else if (state().next_index[from] > std::max<Index>(1, durable().log.base_index())) {
      // Back one entry (the paper's next_index > 1), or to just after the follower's log end when
      // that is lower, down to the base at the lowest: there the leader holds no entry before
      // next_index to send, and sends its snapshot instead. (It may go below match_index: a
      // follower whose disk lost the tail it had acknowledged, a torn WAL record, is repaired so;
      // in the model, where nothing durable is lost, that is a stale refusal, reordered.)
      const Index back = std::min<Index>(static_cast<Index>(state().next_index[from] - 1),
                                         static_cast<Index>(response.match_index + 1));
      state().next_index[from] = std::max<Index>(back, std::max<Index>(1, durable().log.base_index()));
    }
  }

  // Figure 13. A snapshot is installed only when it is newer than what the follower committed
  // (so never over applied entries); either way the follower holds, through its commit_index,
  // the leader's entries (committed), and answers so: the leader resumes after them.
  void on_install_snapshot(NodeId from, const typename R::InstallSnapshot& request) {
    if (request.term < durable().current_term) return refuse(from);
    heard_from_leader(from);
    const Index index = request.last_included_index;
    // Seeded bug: also over a newer applied state, rolling the machine and last_applied back.
    if (index > state().commit_index || bug(Bug::snapshot_over_newer)) {
      take_snapshot(typename R::Snapshot{index, request.last_included_term, request.machine});
      state().machine = request.machine;
      state().last_applied = index;
      // index > commit_index here unless the bug installed it: then the commit_index stays,
      // where the log still holds it.
      state().commit_index = std::max(index, std::min(state().commit_index, last_index()));
    }
    out.send(from, typename R::AppendEntriesResponse{durable().current_term, true, state().commit_index});
  }

  // The snapshot becomes durable and the log keeps only what follows it (Log::compact_through).
  void take_snapshot(const typename R::Snapshot& snapshot) {
    durable().snapshot = snapshot;
    durable().log.compact_through(snapshot.index, snapshot.term);
    snapshot_changed = true;
    out.mark_persist();
  }

  // Section 7: once the entries applied since the snapshot reach snapshot_every, snapshot the
  // machine at last_applied.
  void snapshot_if_due() {
    const Index every = config.snapshot_every;
    if (every == 0 || state().last_applied - durable().snapshot.index < every) return;
    take_snapshot(typename R::Snapshot{state().last_applied, term_at(state().last_applied), state().machine});
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
    LOCKSTEP_EXPECT(state().commit_index <= last_index());
    while (state().last_applied < state().commit_index) {
      state().last_applied = static_cast<Index>(state().last_applied + 1);
      const Index index = state().last_applied;
      const Entry& entry = durable().log.at(index);
      const bool leader = state().role == Role::leader;
      // The leader answers every client the entry answers (a waiter handed a lock, too), after
      // reporting the entry applied: observers see an entry's effect before its answers.
      typename Sizes::template Seq<Reply<typename R::Sequence, typename R::Committed>, 8> replies{};
      const bool took_effect =
          !entry.noop && SM::apply(config.machine, state().machine, index, entry.client, entry.sequence, entry.command,
                                   [&](ClientId client, typename R::Sequence sequence, const typename R::Output& output) {
                                     if (leader && !client.is_none()) {
                                       replies.push_back({client, sequence, typename R::Committed{index, output}});
                                     }
                                   });
      out.applied(typename R::AppliedEntry{index, entry.term, entry.client, entry.sequence, entry.command, took_effect,
                                           entry.noop});
      for (const auto& r : replies) out.reply(r.client, r.sequence, r.payload);
    }
    snapshot_if_due();
  }

  static Term term_of(const Message& message) {
    return std::visit([](const auto& m) { return m.term; }, message);
  }
  // Pre-vote changes no term (thesis 9.6): a PreVote carries the term its sender would campaign
  // for, a grant that term back; a refusal carries the refuser's own, adopted as any other.
  static bool is_a_term_to_adopt(const Message& message) {
    if (std::holds_alternative<typename R::PreVote>(message)) return false;
    if (const auto* response = std::get_if<typename R::PreVoteResponse>(&message)) return !response->granted;
    return true;
  }

  void on_message(NodeId from, const Message& message) {
    if (disregards(message)) return;
    if (is_a_term_to_adopt(message)) observe_term(term_of(message));
    std::visit(
        [&](const auto& m) {
          using M = std::decay_t<decltype(m)>;
          if constexpr (std::is_same_v<M, typename R::RequestVote>) on_request_vote(from, m);
          if constexpr (std::is_same_v<M, typename R::RequestVoteResponse>) on_request_vote_response(from, m);
          if constexpr (std::is_same_v<M, typename R::AppendEntries>) on_append_entries(from, m);
          if constexpr (std::is_same_v<M, typename R::AppendEntriesResponse>) on_append_entries_response(from, m);
          if constexpr (std::is_same_v<M, typename R::InstallSnapshot>) on_install_snapshot(from, m);
          if constexpr (std::is_same_v<M, typename R::PreVote>) on_pre_vote(from, m);
          if constexpr (std::is_same_v<M, typename R::PreVoteResponse>) on_pre_vote_response(from, m);
        },
        message);
  }

  void on_restarted() {
    // The machine restarts from the snapshot, everything it covers committed and applied.
    state() = typename R::Volatile{};
    // Seeded bug: the snapshot's index is taken as applied, but its machine is not loaded.
    if (!bug(Bug::restart_empty_machine)) state().machine = durable().snapshot.machine;
    state().commit_index = durable().snapshot.index;
    state().last_applied = durable().snapshot.index;
    // Seeded bug: the vote was only ever kept in memory, so a restart forgets it.
    if (bug(Bug::vote_not_durable) && !durable().voted_for.is_none()) {
      durable().voted_for = NodeId{};
      out.mark_persist();
    }
    out.set_timer(Timer::election, election_delay());
  }

  // The Persist effect for this step (used only when the step marked one).
  PersistOf<R> persist_effect() {
    using Snapshot = std::optional<typename R::Snapshot>;
    return PersistOf<R>{typename R::HardState{durable().current_term, durable().voted_for},
                        typename R::LogEdit{snapshot_changed ? Snapshot{durable().snapshot} : Snapshot{},
                                            log_edits.template edit<typename R::EntriesEdit::value_type>(durable().log)}};
  }
};

template <class SM, class Sizes>
typename Raft<SM, Sizes>::Node Raft<SM, Sizes>::init(const Config&, NodeId) {
  return Node{};
}

template <class SM, class Sizes>
lockstep::Step<Raft<SM, Sizes>> Raft<SM, Sizes>::step(const Config& config, NodeId self, const Node& node,
                                                      const Event& event) {
  lockstep::Step<Raft> out{node};
  RaftStep<SM, Sizes> s{config, self, out};
  std::visit(
      [&](const auto& e) {
        using E = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<E, MessageReceived>) s.on_message(e.from, e.message);
        if constexpr (std::is_same_v<E, TimerFired>) {
          if (e.timer == Timer::election) s.on_election_timer();
          if (e.timer == Timer::heartbeat) s.on_heartbeat_timer();
          if (e.timer == Timer::housekeeping) s.on_housekeeping_timer();
          if (e.timer == Timer::leader_silence) s.on_leader_silence_timer();
        }
        if constexpr (std::is_same_v<E, ClientRequest>) s.on_client_request(e);
        if constexpr (std::is_same_v<E, Restarted>) s.on_restarted();
      },
      event);
  if (out.persist_marked) out.finish_persist(s.persist_effect());
  return out;
}

template <class SM, class Sizes>
void Raft<SM, Sizes>::apply_persist(Durable& durable, const PersistOf<Raft>& persist) {
  durable.current_term = persist.hard_state.current_term;
  durable.voted_for = persist.hard_state.voted_for;
  if (const auto& snapshot = persist.log.snapshot) {
    durable.snapshot = *snapshot;
    durable.log.compact_through(snapshot->index, snapshot->term);
  }
  if (persist.log.entries) persist.log.entries->apply_to(durable.log);
}

template <class SM, class Sizes>
bool Raft<SM, Sizes>::obsolete(const Config&, const Node& receiver, NodeId from, const Message& message) {
  const Term current = receiver.durable.current_term;
  const auto& state = receiver.volatile_state;
  if (const auto* vote = std::get_if<RequestVoteResponse>(&message)) {
    if (vote->term < current) return true;
    if (vote->term > current) return false;  // it still makes the receiver adopt the term
    // Only a candidate counts votes, and only once per voter; a node becomes candidate again
    // only in a later term.
    return state.role != Role::candidate || !vote->vote_granted || state.votes_granted.contains(from);
  }
  if (const auto* pre = std::get_if<PreVoteResponse>(&message)) {
    // A refusal matters only by a higher term; a grant names the term its receiver would
    // campaign for (its own + 1 when asked), counted while it is a pre-candidate of a lower
    // term. Terms only grow.
    return pre->term <= current;
  }
  if (const auto* append = std::get_if<AppendEntriesResponse>(&message)) {
    if (append->term < current) return true;
    if (append->term > current) return false;
    // A follower leads again only in a later term (as a candidate first). A candidate may still
    // win this term's election and then act on the response (a refusal backs next_index off):
    // not obsolete.
    if (state.role == Role::candidate) return false;
    // To the leader no response of its term is dead: even a success already counted raises
    // next_index again after a refusal (a stale one, reordered) has taken it lower.
    return state.role != Role::leader;
  }
  return false;
}

template <class SM, class Sizes>
std::string_view Raft<SM, Sizes>::bug_description(Bug bug) {
  switch (bug) {
    case Bug::none: return "the correct protocol";
    case Bug::vote_not_durable: return "voted_for is kept only in memory, so a restarted node can vote twice in a term";
    case Bug::commit_previous_term:
      return "a leader commits an entry of an earlier term by counting replicas (Figure 8)";
    case Bug::vote_without_log_check: return "a vote is granted without checking that the candidate's log is up to date";
    case Bug::append_without_truncate: return "a follower appends entries without deleting a conflicting suffix";
    case Bug::ignore_higher_term: return "a node adopts a higher term but does not step down to follower";
    case Bug::snapshot_over_newer:
      return "a follower installs a snapshot older than its applied state, rolling its machine back";
    case Bug::count_stale_votes: return "a candidate counts a vote granted in an earlier term (a late response)";
    case Bug::append_without_prev_term_check:
      return "a follower accepts entries after checking only the index of the entry before them, not its term";
    case Bug::accept_stale_append:
      return "a follower takes entries from a deposed leader (a request of an earlier term) instead of refusing them";
    case Bug::next_index_without_floor:
      return "a leader backs next_index off by one on every refusal, with no floor: a repeated refusal takes it to 0";
    case Bug::restart_empty_machine:
      return "a restarted node resumes from its snapshot's index but with an empty machine (the snapshot's not loaded)";
  }
  return "?";
}

}  // namespace lockstep::raft
