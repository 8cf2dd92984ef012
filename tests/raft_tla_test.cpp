// `check raft-tla`: Ongaro's raft.tla, action for action. TLC's own counts at several bounds, the
// spec's less obvious clauses one by one (each test names the clause), the invariants on states
// that break them, and the state's codec and JSON on every state of a small world.
#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <random>
#include <set>
#include <string>

#include "checker/protocols/raft.hpp"
#include "checker/protocols/raft_tla_model.hpp"
#include "model/core/codec.hpp"
#include "model/raft/tla.hpp"
#include "spec/raft/tla_invariants.hpp"

namespace lockstep {
namespace {

using namespace raft_tla;

Config config(int servers, int values, int max_term, int max_log, int max_dup, int max_msgs) {
  const auto b = [](int x) { return static_cast<std::uint8_t>(x); };
  return Config{b(servers), b(values), b(max_term), b(max_log), b(max_dup), b(max_msgs)};
}

Log log_of(std::initializer_list<std::pair<int, int>> entries) {
  Log log;
  for (const auto& [term, value] : entries) log.e[log.len++] = make_entry(term, value);
  return log;
}

std::vector<raft_tla::Successor> next_of(const Config& c, const State& s) {
  std::vector<raft_tla::Successor> out;
  raft_tla::successors(c, s, out);
  return out;
}

// The successor by the first action of type A for which pick(action) holds.
template <class A, class Pick>
std::optional<State> step(const Config& c, const State& s, Pick pick) {
  for (auto& [action, next] : next_of(c, s)) {
    if (const A* a = std::get_if<A>(&action); a != nullptr && pick(*a)) return next;
  }
  return std::nullopt;
}

void put(State& s, const Message& m, int count = 1) {
  s.messages.push_back(BagItem{m, static_cast<std::uint8_t>(count)});
  std::sort(s.messages.begin(), s.messages.end());
}

const BagItem* find(const State& s, MType type) {
  for (const BagItem& item : s.messages) {
    if (item.m.mtype == type) return &item;
  }
  return nullptr;
}

CheckReport check(const Config& c, int workers = 2) {
  RaftTlaCheckOptions o;
  o.servers = c.servers;
  o.values = c.values;
  o.max_term = c.max_term;
  o.max_log = c.max_log;
  o.max_dup = c.max_dup;
  o.max_msgs = c.max_msgs;
  o.explore.workers = static_cast<std::size_t>(workers);
  return check_raft_tla(o);
}

// The reference: TLC (built from source, OpenJDK 17) finds 705,532 distinct states and a
// depth of 39 (TLC counts states on the longest path; the kit counts steps: 38).
TEST(RaftTla, reaches_tlcs_distinct_states_at_the_reference_bounds) {
  for (int workers : {1, 2}) {
    const CheckReport report = check(config(3, 1, 2, 0, 1, 1), workers);
    EXPECT_EQ(report.outcome, Outcome::ok);
    EXPECT_EQ(report.stats.distinct_states, 705532u) << workers << " workers";
    EXPECT_EQ(report.stats.depth, 38u) << workers << " workers";
  }
}

// TLC's counts at other bounds (bench/tlc/README.md: TLC built from source, one worker, the same
// state constraint): log entries, conflicts, duplicates, two values, two messages in flight.
TEST(RaftTla, reaches_tlcs_distinct_states_and_depth_at_other_bounds) {
  struct Case {
    Config config;
    std::uint64_t distinct;
    std::uint64_t tlc_depth;  // states on the longest shortest path: steps + 1
  };
  const std::vector<Case> cases{
      {config(2, 1, 2, 0, 1, 1), 1340, 20},    {config(2, 1, 3, 1, 1, 2), 689211, 47},
      {config(2, 2, 2, 1, 2, 2), 124698, 34},  {config(2, 1, 2, 2, 1, 2), 41952, 43},
      {config(2, 1, 2, 1, 1, 1), 1760, 28},    {config(2, 1, 2, 0, 2, 1), 3566, 24},
      {config(2, 2, 2, 1, 1, 1), 2180, 28},    {config(2, 1, 3, 0, 1, 1), 10312, 30},
      {config(1, 1, 3, 2, 1, 1), 104, 15},     {config(2, 1, 2, 1, 2, 2), 83866, 34},
  };
  for (const Case& c : cases) {
    const CheckReport report = check(c.config);
    const std::string bounds = to_json_value(c.config).dump();
    EXPECT_EQ(report.outcome, Outcome::ok) << bounds;
    EXPECT_EQ(report.stats.distinct_states, c.distinct) << bounds;
    EXPECT_EQ(report.stats.depth + 1, c.tlc_depth) << bounds;
  }
}

// Init and the history variable allLogs: allLogs' = allLogs \cup {log[i] : i \in Server} in every
// step, so even Restart of a fresh server leads to a new state (allLogs = {<< >>}).
TEST(RaftTla, init_enables_restart_and_timeout_and_every_step_records_the_logs) {
  const Config c = config(3, 1, 2, 0, 1, 1);
  const auto next = next_of(c, initial_state(c));
  ASSERT_EQ(next.size(), 6u);  // Restart(i), Timeout(i)
  for (const auto& [action, s] : next) {
    EXPECT_TRUE(std::holds_alternative<Restart>(action) || std::holds_alternative<Timeout>(action));
    ASSERT_EQ(s.all_logs.size(), 1u);
    EXPECT_EQ(*s.all_logs.begin(), Log{});
  }
  EXPECT_NE(next[0].state, initial_state(c));  // Restart(s1) changes allLogs only
}

// Timeout does not vote for itself: the candidate sends itself a RequestVote like anyone else.
TEST(RaftTla, a_candidate_asks_itself_for_its_vote) {
  const Config c = config(3, 1, 2, 0, 1, 1);
  State s = *step<Timeout>(c, initial_state(c), [](const Timeout& t) { return t.i.value == 1; });
  EXPECT_EQ(s.servers[0].current_term, 2);
  EXPECT_EQ(s.servers[0].voted_for, 0);
  s = *step<RequestVote>(c, s, [](const RequestVote& r) { return r.i.value == 1 && r.j.value == 1; });
  s = *step<Receive>(c, s, [](const Receive&) { return true; });
  EXPECT_EQ(s.servers[0].voted_for, 1);  // granted its own vote on receipt
  ASSERT_NE(find(s, MType::RequestVoteResponse), nullptr);
  EXPECT_EQ(find(s, MType::RequestVoteResponse)->m.a, 1);
}

// UpdateTerm leaves the message in the bag ("messages is unchanged so m can be processed further").
TEST(RaftTla, update_term_keeps_the_message_for_its_handler) {
  const Config c = config(3, 1, 2, 0, 1, 1);
  State s = *step<Timeout>(c, initial_state(c), [](const Timeout& t) { return t.i.value == 1; });
  s = *step<RequestVote>(c, s, [](const RequestVote& r) { return r.j.value == 2; });
  const auto updated = step<Receive>(c, s, [](const Receive& r) { return r.handler == Handler::UpdateTerm; });
  ASSERT_TRUE(updated);
  EXPECT_EQ(updated->servers[1].current_term, 2);
  EXPECT_EQ(updated->messages, s.messages);
  const auto handled = step<Receive>(c, *updated, [](const Receive& r) { return r.handler == Handler::HandleRequestVoteRequest; });
  ASSERT_TRUE(handled);
  EXPECT_EQ(handled->servers[1].voted_for, 1);
  ASSERT_EQ(handled->messages.size(), 1u);  // Reply: the response in, the request out
  EXPECT_EQ(handled->messages[0].m.mtype, MType::RequestVoteResponse);
}

// voterLog[i] @@ (j :> m.mlog): @@ keeps the left function's value, so a second granted response
// from a voter already counted leaves its recorded log alone.
TEST(RaftTla, a_voters_first_recorded_log_stays) {
  const Config c = config(2, 1, 3, 2, 2, 2);
  State s = initial_state(c);
  s.servers[0].current_term = 2;
  s.servers[0].state = Role::Candidate;
  s.servers[0].votes_responded = 0b10;
  s.servers[0].votes_granted = 0b10;
  s.servers[0].voter_log[1] = log_of({{1, 1}});
  put(s, Message{MType::RequestVoteResponse, 2, 1, 0, 1, 0, 0, 0, log_of({{1, 1}, {1, 1}})});
  const auto next = step<Receive>(c, s, [](const Receive& r) { return r.handler == Handler::HandleRequestVoteResponse; });
  ASSERT_TRUE(next);
  EXPECT_EQ(next->servers[0].voter_log[1], log_of({{1, 1}}));
  EXPECT_TRUE(next->messages.empty());
}

// "conflict: remove 1 entry": the spec drops the log's last entry (1..Len(log[i]) - 1), not the
// entries from the conflicting index on; the request stays in the bag to be handled again.
TEST(RaftTla, a_conflict_removes_the_last_entry_and_keeps_the_request) {
  const Config c = config(2, 2, 3, 2, 1, 2);
  State s = initial_state(c);
  for (auto& v : s.servers) v.current_term = 3;
  s.servers[1].log = log_of({{1, 1}, {2, 2}});
  const Message request{MType::AppendEntriesRequest, 3, 0, 1, 0, 0, make_entry(3, 1), 0, log_of({{3, 1}})};
  put(s, request);
  const auto next = step<Receive>(c, s, [](const Receive&) { return true; });
  ASSERT_TRUE(next);
  EXPECT_EQ(next->servers[1].log, log_of({{1, 1}}));
  EXPECT_EQ(next->messages, s.messages);
}

// A candidate that hears from a leader of its own term becomes a follower and keeps the request.
TEST(RaftTla, a_candidate_returns_to_follower_and_keeps_the_request) {
  const Config c = config(2, 1, 3, 1, 1, 2);
  State s = initial_state(c);
  for (auto& v : s.servers) v.current_term = 2;
  s.servers[1].state = Role::Candidate;
  put(s, Message{MType::AppendEntriesRequest, 2, 0, 1, 0, 0, 0, 0, Log{}});
  const auto next = step<Receive>(c, s, [](const Receive&) { return true; });
  ASSERT_TRUE(next);
  EXPECT_EQ(next->servers[1].state, Role::Follower);
  EXPECT_EQ(next->messages, s.messages);
}

// AdvanceCommitIndex commits by counting only an entry of the leader's own term.
TEST(RaftTla, a_leader_commits_by_counting_only_entries_of_its_term) {
  const Config c = config(3, 1, 3, 2, 1, 1);
  State s = initial_state(c);
  for (auto& v : s.servers) v.current_term = 3;
  s.servers[0].state = Role::Leader;
  s.servers[0].log = log_of({{2, 1}});
  s.servers[0].match_index = {0, 1, 1};
  const auto stale = step<AdvanceCommitIndex>(c, s, [](const AdvanceCommitIndex&) { return true; });
  ASSERT_TRUE(stale);
  EXPECT_EQ(stale->servers[0].commit_index, 0);
  s.servers[0].log = log_of({{2, 1}, {3, 1}});
  s.servers[0].match_index = {0, 2, 0};
  const auto current = step<AdvanceCommitIndex>(c, s, [](const AdvanceCommitIndex&) { return true; });
  EXPECT_EQ(current->servers[0].commit_index, 2);  // {s1, s2} agree up to 2: a quorum of 3
}

// The state constraint: a successor outside it is neither stored nor explored (DuplicateMessage
// exists only with MaxDup >= 2; ClientRequest only below MaxLogLen).
TEST(RaftTla, successors_outside_the_constraint_are_not_emitted) {
  State s = initial_state(config(2, 1, 2, 0, 1, 2));
  s.servers[0].state = Role::Leader;
  put(s, Message{MType::AppendEntriesResponse, 1, 1, 0, 1, 0, 0, 0, Log{}});
  const auto count = [&](const Config& c, auto type) {
    std::size_t n = 0;
    for (const auto& [action, next] : next_of(c, s)) n += std::holds_alternative<decltype(type)>(action);
    return n;
  };
  EXPECT_EQ(count(config(2, 1, 2, 0, 1, 2), DuplicateMessage{}), 0u);
  EXPECT_EQ(count(config(2, 1, 2, 0, 2, 2), DuplicateMessage{}), 1u);
  EXPECT_EQ(count(config(2, 1, 2, 0, 1, 2), ClientRequest{}), 0u);
  EXPECT_EQ(count(config(2, 2, 2, 1, 1, 2), ClientRequest{}), 2u);
  EXPECT_EQ(count(config(2, 1, 2, 0, 1, 1), AppendEntries{}), 0u);  // a second distinct message
  EXPECT_EQ(count(config(2, 1, 1, 0, 1, 2), Timeout{}), 0u);        // term 2 > MaxTerm
}

TEST(RaftTla, the_invariants_catch_states_that_break_them) {
  const Config c = config(3, 2, 3, 2, 1, 2);
  State s = initial_state(c);
  EXPECT_TRUE(one_leader_per_term(c, s) && election_safety(s) && log_matching(c, s) && state_machine_safety(c, s));
  State two = s;
  two.servers[0].state = two.servers[2].state = Role::Leader;
  EXPECT_FALSE(one_leader_per_term(c, two));
  two.servers[2].current_term = 2;
  EXPECT_TRUE(one_leader_per_term(c, two));
  State elections = s;
  elections.elections.insert(Election{2, 0, 0b011, Log{}, {}});
  elections.elections.insert(Election{2, 1, 0b110, Log{}, {}});
  EXPECT_FALSE(election_safety(elections));
  State logs = s;
  logs.servers[0].log = log_of({{1, 1}, {2, 1}});
  logs.servers[1].log = log_of({{1, 2}, {2, 1}});
  EXPECT_FALSE(log_matching(c, logs));
  logs.servers[1].log = log_of({{1, 1}});
  EXPECT_TRUE(log_matching(c, logs));
  logs.all_logs.insert(log_of({{1, 2}, {2, 1}}));  // a log of the past counts too
  EXPECT_FALSE(log_matching(c, logs));
  State committed = s;
  committed.servers[0].log = log_of({{2, 1}});
  committed.servers[1].log = log_of({{2, 2}});
  committed.servers[0].commit_index = 1;
  EXPECT_TRUE(state_machine_safety(c, committed));
  committed.servers[1].commit_index = 1;
  EXPECT_FALSE(state_machine_safety(c, committed));
}

// The first `limit` states of a world, breadth-first: visit(state, its successors) for each.
// Returns how many it visited; stops at a fatal failure.
template <class Visit>
std::size_t visit_breadth_first(const Config& c, std::size_t limit, Visit visit) {
  std::set<std::string> seen;
  std::deque<State> queue{initial_state(c)};
  seen.insert(encode_string(queue.front()));
  std::size_t visited = 0;
  while (!queue.empty() && visited < limit && !::testing::Test::HasFatalFailure()) {
    const State s = queue.front();
    queue.pop_front();
    ++visited;
    const std::vector<raft_tla::Successor> successors = next_of(c, s);
    visit(s, successors);
    for (const auto& successor : successors) {
      if (seen.insert(encode_string(successor.state)).second) queue.push_back(successor.state);
    }
  }
  return visited;
}

// Every state of a world with entries, duplicates, two values and two messages in flight
// (breadth-first, the first 30,000): the codec and the trace JSON give the state back, and the
// encoding is canonical (equal states, equal bytes).
TEST(RaftTla, every_state_encodes_and_reads_back_from_json) {
  const Config c = config(2, 2, 3, 2, 2, 2);
  const std::size_t visited = visit_breadth_first(c, 30000, [&](const State& s, const auto& successors) {
    ASSERT_EQ(decode_from<State>(encode_string(s)), s);
    ASSERT_EQ(state_from_json(c, Json::parse(state_to_json(c, s).dump())), s) << state_to_json(c, s).dump();
    for (const auto& successor : successors) ASSERT_TRUE(within_constraint(c, successor.state));
  });
  EXPECT_EQ(visited, 30000u);
}

// Every action builds its successor in one working state, hands it over, and puts back what it
// changed (model/raft/tla.hpp, Emit). A callee that moves from it (as next_of's does) must see the
// same successors as one that copies it, and the state expanded must stay as it was, at every
// state of a small world with logs, conflicts, duplicates and two values.
TEST(RaftTla, successors_are_the_same_whether_the_callee_moves_or_copies_them) {
  const Config c = config(3, 2, 3, 1, 2, 2);
  const std::size_t visited = visit_breadth_first(c, 20000, [&](const State& s, const auto& moved) {
    const State before = s;
    std::vector<raft_tla::Successor> copied;
    for_each_successor(c, s, &copied, [](void* context, const Action& action, State&& next) {
      const State copy = next;  // reads only
      static_cast<std::vector<raft_tla::Successor>*>(context)->push_back({action, copy});
    });
    ASSERT_EQ(s, before);
    ASSERT_EQ(moved.size(), copied.size());
    for (std::size_t k = 0; k < moved.size(); ++k) {
      ASSERT_EQ(moved[k].action, copied[k].action) << k;
      ASSERT_EQ(moved[k].state, copied[k].state) << k;
    }
  });
  EXPECT_EQ(visited, 20000u);
}

// A step that changes nothing may be reported without its state (the breadth-first search takes
// it so: model/raft/tla.hpp, Unchanged). The steps reported so must be exactly those whose
// successor equals the state, in the same order among the others, at every state of a small
// world with logs, conflicts, duplicates and two values; and a search must count them as
// generated, as TLC does.
TEST(RaftTla, stutters_reported_without_their_state_are_exactly_the_steps_that_change_nothing) {
  const Config c = config(3, 2, 3, 1, 2, 2);
  std::size_t stutters = 0;
  const std::size_t visited = visit_breadth_first(c, 20000, [&](const State& s, const auto& full) {
    struct Seen {
      std::vector<raft_tla::Successor> emitted;
      std::vector<std::pair<std::size_t, Action>> unchanged;  // at which place among all steps
    } seen;
    for_each_successor(
        c, s, &seen,
        [](void* context, const Action& action, State&& next) {
          static_cast<Seen*>(context)->emitted.push_back({action, std::move(next)});
        },
        [](void* context, const Action& action) {
          auto* seen = static_cast<Seen*>(context);
          seen->unchanged.emplace_back(seen->emitted.size() + seen->unchanged.size(), action);
        });
    ASSERT_EQ(seen.emitted.size() + seen.unchanged.size(), full.size());
    std::size_t e = 0, u = 0;
    for (std::size_t k = 0; k < full.size(); ++k) {
      if (u < seen.unchanged.size() && seen.unchanged[u].first == k) {
        ASSERT_EQ(seen.unchanged[u].second, full[k].action) << k;
        ASSERT_EQ(full[k].state, s) << k;
        ++u;
      } else {
        ASSERT_EQ(seen.emitted[e].action, full[k].action) << k;
        ASSERT_EQ(seen.emitted[e].state, full[k].state) << k;
        ASSERT_NE(seen.emitted[e].state, s) << k;
        ++e;
      }
    }
    stutters += u;
  });
  EXPECT_EQ(visited, 20000u);
  EXPECT_GT(stutters, 1000u);  // Restart of a fresh Follower, AdvanceCommitIndex with nothing new
  // TLC's figures at the reference bounds: 3,792,304 states generated, 705,532 distinct.
  const CheckReport report = check(config(3, 1, 2, 0, 1, 1), 1);
  EXPECT_EQ(report.stats.states_generated, 3792304u);
}

// A state's bytes may come from a checkpoint or spill file: corrupted bytes are read back as a
// state or refused with CodecError, never read out of bounds (`LOCKSTEP_SANITIZE=1 ./run test`
// runs this under AddressSanitizer). What is read back reads back the same once re-encoded.
TEST(RaftTla, corrupted_state_bytes_are_read_back_or_refused) {
  const Config c = config(3, 2, 3, 1, 2, 2);
  std::vector<std::string> encodings;
  visit_breadth_first(c, 2000, [&](const State& s, const auto&) { encodings.push_back(encode_string(s)); });
  std::mt19937_64 random(20261203);
  std::size_t refused = 0, read = 0;
  for (int round = 0; round < 40000; ++round) {
    std::string bytes = encodings[random() % encodings.size()];
    const int flips = 1 + static_cast<int>(random() % 3);
    for (int f = 0; f < flips; ++f) bytes[random() % bytes.size()] = static_cast<char>(random());
    if (random() % 4 == 0) bytes.resize(random() % (bytes.size() + 1));
    State s;
    try {
      s = decode_from<State>(bytes);
    } catch (const CodecError&) {
      ++refused;
      continue;
    }
    ++read;
    ASSERT_EQ(decode_from<State>(encode_string(s)), s) << "round " << round;
  }
  EXPECT_GT(refused, 0u);
  EXPECT_GT(read, 0u);
}

TEST(RaftTla, bad_state_json_and_bytes_are_refused_with_the_field_named) {
  const Config c = config(2, 1, 2, 1, 1, 2);
  State s = initial_state(c);
  put(s, Message{MType::RequestVoteRequest, 1, 0, 1, 0, 0, 0, 0, Log{}});
  const Json good = state_to_json(c, s);
  const auto error = [&](Json bad) {
    try {
      state_from_json(c, bad);
    } catch (const JsonError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  Json bad = good;
  bad["currentTerm"]["#map"][0][0] = "s7";
  EXPECT_NE(error(bad).find("currentTerm"), std::string::npos) << error(bad);
  bad = good;
  bad["messages"]["#map"][0][0]["mtype"] = "Gossip";
  EXPECT_NE(error(bad).find("mtype"), std::string::npos) << error(bad);
  bad = good;
  bad["messages"]["#map"].push_back(bad["messages"]["#map"][0]);
  EXPECT_NE(error(bad).find("twice"), std::string::npos) << error(bad);
  bad = good;
  bad["voterLog"]["#map"][0][1]["#map"].push_back(Json::array({"s2", Json::array()}));
  EXPECT_NE(error(bad).find("votesGranted"), std::string::npos) << error(bad);
  bad = good;
  bad.erase("allLogs");
  EXPECT_NE(error(bad).find("allLogs"), std::string::npos) << error(bad);
  const std::string bytes = encode_string(s);
  for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
    EXPECT_THROW(decode_from<State>(bytes.substr(0, cut)), CodecError) << cut;
  }
}

}  // namespace
}  // namespace lockstep
