// The Multi-Paxos step function (definitions of MultiPaxos<SM, Sizes>::init, step, obsolete,
// apply_persist). Include it only where Multi-Paxos is instantiated (register.cpp, both sizes).
// Pure: no I/O, clock, thread or randomness. Messages a node sends to itself (its proposer to its
// own acceptor, its acceptor to its own proposer) are handled within the same step, as the
// function calls they are in one process, as single-decree Paxos does.
#pragma once

#include <algorithm>

#include "model/core/check_quorum.hpp"
#include "model/core/expect.hpp"
#include "model/multipaxos/multipaxos.hpp"

namespace lockstep::multipaxos {

template <class SM, class Sizes>
struct MultiPaxosStep {
  using M = MultiPaxos<SM, Sizes>;
  using Index = typename M::Index;
  using Ballot = typename M::Ballot;
  using Entry = typename M::Entry;
  using Vote = typename M::Vote;
  using Snapshot = typename M::Snapshot;
  using Message = typename M::Message;
  using Round = typename M::Round;

  const typename M::Config& config;
  NodeId self;
  lockstep::Step<M>& out;
  typename Sizes::template Seq<Message, 4 * slot_capacity> inbox{};
  // What the step's Persist must carry: the votes cast in this step (the last in each slot), and
  // whether the snapshot changed.
  typename Sizes::template Seq<Vote, slot_capacity> cast{};
  bool snapshot_changed = false;

  typename M::Durable& durable() { return out.node.durable; }
  typename M::Volatile& state() { return out.node.volatile_state; }
  // A seeded bug, at model size; at runtime size there is none (compiled out).
  bool bug([[maybe_unused]] Bug b) const {
    if constexpr (Sizes::checked) return config.checks.bug == b;
    return false;
  }
  bool round_bound_reached([[maybe_unused]] Round highest_round) const {
    if constexpr (Sizes::checked) return highest_round >= config.checks.round_max;
    return false;
  }
  bool slot_bound_reached() {
    if constexpr (Sizes::checked) return state().next_slot > config.checks.slot_max;
    return false;
  }
  // Check-quorum (ModelChecks): at runtime size always; the checker may leave it out.
  bool check_quorum() const { return check_quorum_on<Sizes>(config); }
  Delay election_delay() const {
    return Delay::randomized(config.timing.election_min_ms, config.timing.election_max_ms);
  }

  void send(NodeId to, Message message) { paxos::send_or_queue(self, out, inbox, to, std::move(message)); }
  void broadcast(const Message& message) {
    for (std::size_t i = 0; i < config.node_count; ++i) send(NodeId::at(i), message);
  }

  // --- Acceptor: one promise for every slot, one vote per slot (durable). ---

  const Vote* vote_at(Index slot) const {
    const auto& votes = out.node.durable.votes;
    for (const Vote& vote : votes) {
      if (vote.slot == slot) return &vote;
    }
    return nullptr;
  }

  void set_vote(const Vote& vote) {
    auto& votes = durable().votes;
    auto at = std::find_if(votes.begin(), votes.end(), [&](const Vote& v) { return v.slot >= vote.slot; });
    if (at != votes.end() && at->slot == vote.slot) {
      *at = vote;
    } else {
      votes.insert(at, vote);
    }
    auto same_slot = std::find_if(cast.begin(), cast.end(), [&](const Vote& v) { return v.slot == vote.slot; });
    if (same_slot != cast.end()) {
      *same_slot = vote;
    } else {
      cast.push_back(vote);
    }
  }

  // Phase 1b ("Paxos Made Simple" 3): promise a higher ballot for every slot, durably, and report
  // the votes from the first slot the proposer lacks (and the snapshot, if it covers that slot).
  void on_prepare(NodeId from, const typename M::Prepare& prepare) {
    if (!would_promise(prepare.ballot)) return;
    durable().promised_ballot = prepare.ballot;
    out.mark_persist();
    typename M::Promise promise{prepare.ballot, {}, {}, {}, {}};
    if (durable().snapshot.slot >= prepare.first_slot) promise.snapshot = durable().snapshot;
    for (const Vote& vote : durable().votes) {
      if (vote.slot >= prepare.first_slot) promise.votes.push_back(vote);
    }
    // What this replica applied from the first slot on; chosen_from stays 0 when it has nothing
    // to report.
    const auto& learned = state().learned;
    const std::size_t first_learned = first_learned_slot();
    for (std::size_t k = prepare.first_slot > first_learned ? prepare.first_slot - first_learned : 0; k < learned.size(); ++k) {
      if (promise.chosen.empty()) promise.chosen_from = static_cast<Index>(first_learned + k);
      promise.chosen.push_back(learned[k]);
    }
    send(from, std::move(promise));
  }

  // Phase 2b in one slot: vote for a ballot no lower than the promise, durably, and tell the
  // ballot's leader. A slot the snapshot covers is chosen and applied: nothing to vote on. An
  // Accept this acceptor voted for already is the leader's retransmission (its Accepted was
  // lost): the vote stands, and the leader hears it again.
  void on_accept(const typename M::Accept& accept) {
    if (!paxos::may_accept(durable().promised_ballot, accept.ballot)) return;
    if (accept.slot <= durable().snapshot.slot) return;
    const Vote* voted = vote_at(accept.slot);
    if (voted != nullptr && voted->ballot == accept.ballot && voted->entry == accept.entry) {
      send(accept.ballot.node, typename M::Accepted{accept.ballot, accept.slot});
      return;
    }
    durable().promised_ballot = std::max(durable().promised_ballot, accept.ballot);
    set_vote(Vote{accept.slot, accept.ballot, accept.entry});
    if (!bug(Bug::votes_not_durable)) out.mark_persist();
    send(accept.ballot.node, typename M::Accepted{accept.ballot, accept.slot});
  }

  // The lease (Chubby's master lease; the Raft thesis 4.2.3): a leader promises no other node's
  // ballot while it leads, nor does a replica whose lease on a leader runs, but to that leader.
  // Refusing a promise is always safe; it keeps a node that lost touch with a live leader (cut
  // off, or behind a bridge) from taking over from it when its ever higher ballots reach the
  // others.
  // Whether a Prepare of `ballot` would be promised now: a probe is granted on the same test.
  bool would_promise(const Ballot& ballot) const {
    return paxos::may_promise(out.node.durable.promised_ballot, ballot) && helps_preempt(ballot.node);
  }
  bool helps_preempt(NodeId proposer) const {
    const auto& s = out.node.volatile_state;
    if (proposer == self) return true;
    if (s.phase == Phase::leading) return false;
    return !(s.phase == Phase::idle && has_lease() && proposer != s.lease.node);
  }

  // --- Proposer: phase 1 once for all slots, recovery, then phase 2 per slot. ---

  void become_follower() {
    state().phase = Phase::idle;
    state().promises = NodeSet{};
    state().recovered = typename M::Votes{};
    state().proposals = typename M::Proposals{};
    state().learned_through = typename M::Indexes{};
    state().answered = NodeSet{};
  }

  // A node whose election timer fires, and that does not lead, probes a ballot above every ballot
  // it has seen (pre-vote): with a majority of grants it prepares it, for every slot from its
  // first unchosen one.
  void on_election_timer() {
    if (state().phase == Phase::leading) return lockstep::check_the_quorum(*this, Timer::election);
    state().lease = Ballot{};  // no leader heard for an election timeout: its lease ran out
    const Round highest_round = std::max(state().ballot.round, durable().promised_ballot.round);
    if (new_ballot(highest_round, Phase::probing)) broadcast(typename M::Probe{state().ballot});
  }

  // This node's next ballot, above `highest_round`, in `phase` (probing or preparing); false at the
  // round bound.
  bool new_ballot(Round highest_round, Phase phase) {
    if (round_bound_reached(highest_round)) return false;
    become_follower();
    state().ballot = paxos::next_ballot(highest_round, self);
    state().phase = phase;
    state().leader_hint.set(NodeId{});
    out.set_timer(Timer::election, election_delay());
    return true;
  }

  void on_probe(NodeId from, const typename M::Probe& probe) {
    if (would_promise(probe.ballot)) send(from, typename M::ProbeGranted{probe.ballot});
  }

  // A majority would promise: prepare the probed ballot.
  void on_probe_granted(NodeId from, const typename M::ProbeGranted& granted) {
    if (state().phase != Phase::probing || granted.ballot != state().ballot) return;
    if (!paxos::count_once(state().promises, from)) return;
    if (!paxos::is_quorum(state().promises, config.node_count)) return;
    state().promises = NodeSet{};
    state().phase = Phase::preparing;
    broadcast_prepare();
  }

  void broadcast_prepare() { broadcast(typename M::Prepare{state().ballot, static_cast<Index>(state().applied + 1)}); }

  void on_promise(NodeId from, const typename M::Promise& promise) {
    if (state().phase != Phase::preparing || promise.ballot != state().ballot) return;
    if (!paxos::count_once(state().promises, from)) return;
    install(promise.snapshot);  // slots it covers are chosen: this node need not recover them
    apply_from(promise.chosen_from, promise.chosen);  // nor these
    forget_recovered_through_applied();
    for (const Vote& vote : promise.votes) keep_highest_vote(vote);
    if (paxos::is_quorum(state().promises, config.node_count)) become_leader();
  }

  // The highest-ballot vote reported for each slot this node has not applied.
  void keep_highest_vote(const Vote& vote) {
    if (vote.slot <= state().applied) return;
    auto& recovered = state().recovered;
    auto at = std::find_if(recovered.begin(), recovered.end(), [&](const Vote& v) { return v.slot >= vote.slot; });
    if (at == recovered.end() || at->slot != vote.slot) {
      recovered.insert(at, vote);
      return;
    }
    paxos::keep_highest_vote(at->ballot, at->entry, vote.ballot, vote.entry);
  }

  // Recovery ("Paxos Made Simple" 3): every slot up to the highest voted one may have been
  // chosen, so the new leader proposes in each the highest-ballot vote reported, or a no-op where
  // none is, before any new command.
  void become_leader() {
    state().phase = Phase::leading;
    state().lease = Ballot{};  // a leader follows no one
    state().promises = NodeSet{};
    state().next_slot = static_cast<Index>(state().applied + 1);
    state().learned_through = typename M::Indexes(config.node_count, Index{0});
    state().leader_hint.set(self);
    state().watch = typename M::Watch{};
    state().answered = NodeSet{};
    if (check_quorum()) out.set_timer(Timer::election, quorum_check_delay(config.timing));
    const typename M::Votes recovered = state().recovered;
    state().recovered = typename M::Votes{};
    if (!bug(Bug::skip_recovery)) {
      for (const Vote& vote : recovered) {
        while (state().next_slot < vote.slot) propose(Entry{ClientId{}, {}, {}, true});
        propose(vote.entry);
      }
    }
    out.set_timer(Timer::heartbeat, Delay::fixed(config.timing.heartbeat_ms));
    if constexpr (SM::has_housekeeping) out.set_timer(Timer::housekeeping, SM::housekeeping_delay(config.machine));
  }

  // Phase 2a in the next free slot.
  void propose(const Entry& entry) {
    const Index slot = state().next_slot;
    state().next_slot = static_cast<Index>(slot + 1);
    state().proposals.push_back(typename M::Proposal{slot, entry, NodeSet{}});
    broadcast(typename M::Accept{state().ballot, slot, entry});
  }

  // A slot is chosen when a majority voted for it in this leader's ballot.
  void on_accepted(NodeId from, const typename M::Accepted& accepted) {
    if (state().phase != Phase::leading || accepted.ballot != state().ballot) return;
    // An acceptor that votes in this ballot answered this leader (check-quorum), as one that
    // acknowledges a heartbeat does: a leader busy recovering many slots hears Accepteds first.
    if (check_quorum() && from != self) state().answered.insert(from);
    auto& proposals = state().proposals;
    auto proposal = std::find_if(proposals.begin(), proposals.end(),
                                 [&](const typename M::Proposal& p) { return p.slot == accepted.slot; });
    if (proposal == proposals.end() || !paxos::count_once(proposal->accepted_by, from)) return;
    apply_chosen_proposals();
  }

  void apply_chosen_proposals() {
    auto& proposals = state().proposals;
    while (!proposals.empty() && paxos::is_quorum(proposals.front().accepted_by, config.node_count)) {
      LOCKSTEP_EXPECT(proposals.front().slot == state().applied + 1);
      const typename M::Proposal chosen = proposals.front();
      proposals.erase(proposals.begin());
      apply(chosen.slot, chosen.entry);
    }
  }

  // Section 8 of the Raft paper, as Raft does: only the leader takes client commands; any other
  // node answers what its machine answers locally (a correct machine: nothing) or redirects.
  void on_client_request(const typename M::ClientRequest& request) {
    if (state().phase != Phase::leading) {
      if (auto local = SM::answer_locally(config.machine, state().machine, request.command)) {
        out.reply(request.client, request.sequence, typename M::Committed{state().applied, *local});
        return;
      }
      out.redirect(request.client, request.sequence, state().leader_hint.get());
      return;
    }
    if (slot_bound_reached()) return;
    propose(Entry{request.client, request.sequence, request.command, false});
  }

  // The machine's housekeeping: the leader proposes what its machine asks for.
  void on_housekeeping_timer() {
    if constexpr (SM::has_housekeeping) {
      if (state().phase != Phase::leading) return;
      SM::housekeeping(config.machine, state().machine, state().watch, [&](const typename M::Command& command) {
        if (!slot_bound_reached()) propose(Entry{ClientId{}, {}, command, false});
      });
      out.set_timer(Timer::housekeeping, SM::housekeeping_delay(config.machine));
    }
  }

  // --- Learning: the leader tells the replicas what is chosen. ---

  // To each other replica, what it has not acknowledged: the Accepts of the slots still open it
  // has not voted for, the snapshot, if it lacks slots the leader compacted, then the chosen
  // entries after it. A replica that lacks nothing still hears from the leader (a Decided with
  // no entries): without it, an idle replica's election timer fires while the leader is alive,
  // and the replicas take the leadership from each other in turn (found by running the lock
  // nodes: an idle 3-node cluster changed leader every ~100 ms). Without the Accepts a slot whose
  // Accept or Accepted was lost stays open for ever, and every slot after it waits (found by the
  // nemesis: after a one-way fault had dropped every frame to the leader for 2 s, the lock nodes
  // served nothing until another node took over). At most accepts_resent_max Accepts to each,
  // the oldest: slots are applied in order, and resending every open slot each period floods the
  // replicas when many are open (found by the nemesis: a new leader's housekeeping proposed ~1,800
  // expiries at once, every heartbeat sent them all again to each replica, whose Accepteds then
  // kept the leader from its timers for seconds).
  void on_heartbeat_timer() {
    if (state().phase != Phase::leading) return;
    const Snapshot& snapshot = durable().snapshot;
    for (std::size_t i = 0; i < config.node_count; ++i) {
      const NodeId peer = NodeId::at(i);
      if (peer == self) continue;
      std::size_t resent = 0;
      for (const typename M::Proposal& proposal : state().proposals) {
        if (resent == accepts_resent_max) break;
        if (!proposal.accepted_by.contains(peer)) {
          out.send(peer, typename M::Accept{state().ballot, proposal.slot, proposal.entry});
          ++resent;
        }
      }
      Index from = state().learned_through[peer];
      if (from < snapshot.slot) {
        out.send(peer, typename M::InstallSnapshot{state().ballot, snapshot});
        from = snapshot.slot;
      }
      typename M::Decided decided{state().ballot, static_cast<Index>(from + 1), {}};
      for (std::size_t k = static_cast<std::size_t>(from - snapshot.slot); k < state().learned.size(); ++k) {
        decided.entries.push_back(state().learned[k]);
      }
      out.send(peer, std::move(decided));
    }
    out.set_timer(Timer::heartbeat, Delay::fixed(config.timing.heartbeat_ms));
  }

  // A message from a leader. A leader of a lower ballot steps down; one of a higher ballot ignores
  // it (it learns what is chosen as leader itself). A node preparing a ballot defers to a live
  // leader, whatever their ballots: its prepare would only preempt it (the lease). A replica
  // whose lease on a leader of a higher ballot runs ignores it (a stale leader, healed). The
  // follower renews its lease, and if its acceptor promised above this leader's ballot it tells
  // the leader (Preempted), whose Accepts it would otherwise ignore for ever in silence. Returns
  // whether to go on.
  bool heard_from_leader(NodeId from, const Ballot& ballot) {
    if (state().phase == Phase::leading) {
      if (!(ballot > state().ballot)) return false;
      become_follower();
    } else if (state().phase == Phase::preparing || state().phase == Phase::probing) {
      become_follower();
    } else if (has_lease() && ballot < state().lease) {
      return false;
    }
    state().leader_hint.set(from);
    state().lease = ballot;
    renew_lease();
    if (durable().promised_ballot > ballot) out.send(from, typename M::Preempted{ballot, durable().promised_ballot});
    return true;
  }

  // An acceptor of this leader's ballot has promised a higher one: the leader's acceptor promises
  // it too (as a Raft leader adopts a higher term), which steps the leader down (on_message), and
  // its next probe goes above it. Preparing again at once instead ("Paxos Made Moderately
  // Complex"'s preempted leader) duels with a live leader of that ballot: each one's followers
  // preempt the other, ballot after ballot (found by the nemesis: two nodes leading in turn every
  // heartbeat, rounds climbing by thirty a second, nothing served for seconds). A node that lost
  // touch with this leader and prepared costs one election timeout instead.
  void on_preempted(const typename M::Preempted& preempted) {
    if (state().phase != Phase::leading || preempted.ballot != state().ballot) return;
    if (!(preempted.promised > durable().promised_ballot)) return;
    durable().promised_ballot = preempted.promised;
    out.mark_persist();
  }

  void renew_lease() {
    out.set_timer(Timer::lease, Delay::fixed(config.timing.election_min_ms));
    out.set_timer(Timer::election, election_delay());
  }
  void on_lease_timer() { state().lease = Ballot{}; }
  bool has_lease() const { return out.node.volatile_state.lease.round != 0; }

  void on_decided(NodeId from, const typename M::Decided& decided) {
    if (!heard_from_leader(from, decided.ballot)) return;
    const Index applied_before = state().applied;
    apply_from(decided.first_slot, decided.entries);
    // Acknowledge progress, or a gap (after a restart): the leader resends from there; with
    // check-quorum, every heartbeat (the leader counts who answered).
    if (check_quorum() || state().applied != applied_before || decided.first_slot > state().applied + 1) {
      out.send(from, typename M::Learned{decided.ballot, state().applied});
    }
  }

  // Chosen entries from `first_slot` on: applies those after this replica's applied slot, when
  // they follow it without a gap.
  void apply_from(Index first_slot, const typename M::Entries& entries) {
    if (first_slot > state().applied + 1) return;
    for (std::size_t k = 0; k < entries.size(); ++k) {
      const auto slot = static_cast<Index>(first_slot + k);
      if (slot > state().applied) apply(slot, entries[k]);
    }
  }

  void on_install_snapshot(NodeId from, const typename M::InstallSnapshot& message) {
    if (!heard_from_leader(from, message.ballot)) return;
    if (install(message.snapshot)) out.send(from, typename M::Learned{message.ballot, state().applied});
  }

  void on_learned(NodeId from, const typename M::Learned& learned) {
    if (state().phase != Phase::leading || learned.ballot != state().ballot) return;
    state().learned_through[from] = learned.applied;
    if (check_quorum()) state().answered.insert(from);
  }

  // --- Replica: apply chosen slots in order; snapshots. ---

  void apply(Index slot, const Entry& entry) {
    LOCKSTEP_EXPECT(slot == state().applied + 1);
    bool took_effect = false;
    // The leader answers every client the slot answers, after reporting the slot applied:
    // observers see a slot's effect before its answers (as Raft's do).
    typename Sizes::template Seq<Reply<typename M::Sequence, typename M::Committed>, 8> replies{};
    if (!entry.noop) {
      const bool leader = state().phase == Phase::leading;
      took_effect = SM::apply(config.machine, state().machine, slot, entry.client, entry.sequence, entry.command,
                              [&](ClientId client, typename M::Sequence sequence, const typename M::Output& output) {
                                if (leader && !client.is_none()) {
                                  replies.push_back({client, sequence, typename M::Committed{slot, output}});
                                }
                              });
    }
    state().applied = slot;
    state().learned.push_back(entry);
    out.applied(typename M::AppliedSlot{slot, entry.client, entry.sequence, entry.command, took_effect, entry.noop});
    for (const auto& r : replies) out.reply(r.client, r.sequence, r.payload);
    if (config.snapshot_every > 0 && state().applied - durable().snapshot.slot >= config.snapshot_every) {
      take_snapshot(Snapshot{state().applied, state().machine});
    }
  }

  // The durable snapshot moves to `snapshot`; the votes it covers and the entries applied
  // through it are dropped.
  void take_snapshot(const Snapshot& snapshot) {
    durable().snapshot = snapshot;
    auto& votes = durable().votes;
    while (!votes.empty() && votes.front().slot <= snapshot.slot) votes.erase(votes.begin());
    // Drop the learned entries the snapshot covers.
    auto& learned = state().learned;
    const std::size_t first_learned = first_learned_slot();
    const std::size_t dropped =
        std::min<std::size_t>(learned.size(), snapshot.slot >= first_learned ? snapshot.slot + 1 - first_learned : 0);
    for (std::size_t k = 0; k < dropped; ++k) learned.erase(learned.begin());
    snapshot_changed = true;
    out.mark_persist();
  }

  // The slot of learned[0]: `learned` holds the entries applied after the snapshot, through
  // `applied`.
  std::size_t first_learned_slot() { return state().applied + 1 - state().learned.size(); }

  // A snapshot from another replica: installed only over older applied state (or, with the
  // seeded bug, over any other). Returns whether it was installed.
  bool install(const Snapshot& snapshot) {
    if (snapshot.slot == 0 || snapshot.slot == state().applied) return false;
    if (snapshot.slot < state().applied && !bug(Bug::snapshot_over_newer)) return false;
    state().machine = snapshot.machine;
    state().applied = snapshot.slot;
    state().learned = typename M::Entries{};
    if (snapshot.slot > durable().snapshot.slot) take_snapshot(snapshot);
    return true;
  }

  // A candidate recovers only the slots after those it applied (from a promise's snapshot or its
  // chosen entries; only a candidate, preparing, holds recovered votes).
  void forget_recovered_through_applied() {
    auto& recovered = state().recovered;
    while (!recovered.empty() && recovered.front().slot <= state().applied) recovered.erase(recovered.begin());
  }

  void on_restarted() {
    out.node.volatile_state = typename M::Volatile{};
    // Seeded bug: the snapshot's slot is taken as applied, but its machine is not loaded.
    if (!bug(Bug::restart_empty_machine)) state().machine = durable().snapshot.machine;
    state().applied = durable().snapshot.slot;
    out.set_timer(Timer::election, election_delay());
  }

  void on_message(NodeId from, const Message& message) {
    std::visit(
        [&](const auto& m) {
          using T = std::decay_t<decltype(m)>;
          if constexpr (std::is_same_v<T, typename M::Prepare>) on_prepare(from, m);
          if constexpr (std::is_same_v<T, typename M::Promise>) on_promise(from, m);
          if constexpr (std::is_same_v<T, typename M::Accept>) on_accept(m);
          if constexpr (std::is_same_v<T, typename M::Accepted>) on_accepted(from, m);
          if constexpr (std::is_same_v<T, typename M::Decided>) on_decided(from, m);
          if constexpr (std::is_same_v<T, typename M::InstallSnapshot>) on_install_snapshot(from, m);
          if constexpr (std::is_same_v<T, typename M::Learned>) on_learned(from, m);
          if constexpr (std::is_same_v<T, typename M::Preempted>) on_preempted(m);
          if constexpr (std::is_same_v<T, typename M::Probe>) on_probe(from, m);
          if constexpr (std::is_same_v<T, typename M::ProbeGranted>) on_probe_granted(from, m);
        },
        message);
    // A leader or candidate whose acceptor promised a higher ballot has been preempted. A leader
    // has no election timer running: it arms one, or it would never prepare again should its
    // successor fail before leading (a candidate's is armed already).
    if (state().phase != Phase::idle && durable().promised_ballot > state().ballot) {
      if (state().phase == Phase::leading) {
        out.set_timer(Timer::election, election_delay());
        state().leader_hint.set(NodeId{});
      }
      become_follower();
    }
  }

  // Every vote cast in the step is written, a vote the step's own snapshot covers too (a replica
  // whose vote alone is a majority, one node, votes, applies and snapshots in one step): the WAL
  // records the vote as cast, and the checker's ghost sees it (spec/multipaxos/invariants.hpp).
  // apply_persist drops it under the snapshot, as the step did.
  typename M::VoteEdit vote_edit() {
    typename M::VoteEdit edit{};
    if (snapshot_changed) edit.snapshot = durable().snapshot;
    std::sort(cast.begin(), cast.end(), [](const Vote& a, const Vote& b) { return a.slot < b.slot; });
    for (const Vote& vote : cast) edit.written.push_back(vote);
    return edit;
  }
};

template <class SM, class Sizes>
typename MultiPaxos<SM, Sizes>::Node MultiPaxos<SM, Sizes>::init(const Config&, NodeId) {
  return Node{};
}

template <class SM, class Sizes>
lockstep::Step<MultiPaxos<SM, Sizes>> MultiPaxos<SM, Sizes>::step(const Config& config, NodeId self,
                                                                  const Node& node, const Event& event) {
  lockstep::Step<MultiPaxos> out{node};
  MultiPaxosStep<SM, Sizes> s{config, self, out};
  std::visit(
      [&](const auto& e) {
        using E = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<E, MessageReceived>) s.on_message(e.from, e.message);
        if constexpr (std::is_same_v<E, TimerFired>) {
          if (e.timer == Timer::election) s.on_election_timer();
          if (e.timer == Timer::heartbeat) s.on_heartbeat_timer();
          if (e.timer == Timer::housekeeping) s.on_housekeeping_timer();
          if (e.timer == Timer::lease) s.on_lease_timer();
        }
        if constexpr (std::is_same_v<E, ClientRequest>) s.on_client_request(e);
        if constexpr (std::is_same_v<E, Restarted>) s.on_restarted();
      },
      event);
  // Messages to itself, in the order sent (each a bounded cascade: a Prepare, its Promise, the
  // recovery's Accepts and their Accepted).
  for (std::size_t i = 0; i < s.inbox.size(); ++i) {
    const Message message = s.inbox[i];
    s.on_message(self, message);
  }
  if (out.persist_marked) out.finish_persist(PersistOf<MultiPaxos>{HardState{out.node.durable.promised_ballot}, s.vote_edit()});
  return out;
}

template <class SM, class Sizes>
void MultiPaxos<SM, Sizes>::apply_persist(Durable& durable, const PersistOf<MultiPaxos>& persist) {
  durable.promised_ballot = persist.hard_state.promised_ballot;
  if (persist.log.snapshot) durable.snapshot = *persist.log.snapshot;
  auto& votes = durable.votes;
  while (!votes.empty() && votes.front().slot <= durable.snapshot.slot) votes.erase(votes.begin());
  for (const Vote& vote : persist.log.written) {
    if (vote.slot <= durable.snapshot.slot) continue;  // cast, then covered by the snapshot in its step
    auto at = std::find_if(votes.begin(), votes.end(), [&](const Vote& v) { return v.slot >= vote.slot; });
    if (at != votes.end() && at->slot == vote.slot) {
      *at = vote;
    } else {
      votes.insert(at, vote);
    }
  }
}

template <class SM, class Sizes>
bool MultiPaxos<SM, Sizes>::obsolete(const Config& config, const Node& receiver, NodeId from, const Message& message) {
  const Durable& acceptor = receiver.durable;
  const Volatile& state = receiver.volatile_state;
  if (const auto* prepare = std::get_if<Prepare>(&message)) {
    return !paxos::may_promise(acceptor.promised_ballot, prepare->ballot);
  }
  if (const auto* accept = std::get_if<Accept>(&message)) {
    if (!paxos::may_accept(acceptor.promised_ballot, accept->ballot) || accept->slot <= acceptor.snapshot.slot) {
      return true;
    }
    return std::any_of(acceptor.votes.begin(), acceptor.votes.end(), [&](const Vote& v) {
      return v.slot == accept->slot && v.ballot == accept->ballot && v.entry == accept->entry;
    });
  }
  if (const auto* promise = std::get_if<Promise>(&message)) {
    return state.phase != Phase::preparing || promise->ballot != state.ballot;
  }
  if (const auto* accepted = std::get_if<Accepted>(&message)) {
    if (state.phase != Phase::leading || accepted->ballot != state.ballot) return true;
    if (check_quorum_on<Sizes>(config) && !state.answered.contains(from)) return false;  // an answer still
    return std::none_of(state.proposals.begin(), state.proposals.end(), [&](const Proposal& p) {
      return p.slot == accepted->slot && !p.accepted_by.contains(from);
    });
  }
  if (const auto* learned = std::get_if<Learned>(&message)) {
    return state.phase == Phase::idle || learned->ballot != state.ballot;
  }
  if (const auto* preempted = std::get_if<Preempted>(&message)) {
    return state.phase != Phase::leading || preempted->ballot != state.ballot ||
           !(preempted->promised > acceptor.promised_ballot);
  }
  if (const auto* probe = std::get_if<Probe>(&message)) return !paxos::may_promise(acceptor.promised_ballot, probe->ballot);
  // A probe promises nothing, so a node that crashes may probe the same ballot again: a grant
  // is dead only once the receiver's promise reached its ballot (every later probe is above it).
  if (const auto* granted = std::get_if<ProbeGranted>(&message)) return !(granted->ballot > acceptor.promised_ballot);
  return false;
}

template <class SM, class Sizes>
std::string_view MultiPaxos<SM, Sizes>::bug_description(Bug bug) {
  switch (bug) {
    case Bug::none: return "the correct protocol";
    case Bug::skip_recovery:
      return "a new leader skips recovery of voted slots and proposes new commands from its first unchosen slot";
    case Bug::votes_not_durable: return "an acceptor's votes are kept only in memory, so a crash forgets them";
    case Bug::snapshot_over_newer: return "a replica installs a snapshot over newer applied state, rolling back";
    case Bug::restart_empty_machine:
      return "a restarted replica resumes from its snapshot's slot but with an empty machine (the snapshot's not "
             "loaded)";
  }
  return "?";
}

}  // namespace lockstep::multipaxos
