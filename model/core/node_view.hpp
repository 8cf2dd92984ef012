// What a node is, as a distributed-systems engineer reads a trace (the HTML view's strips, the
// text view's summary): its role, its term (or ballot), its log with each entry's term, and how
// much of the log it knows to be committed. Each protocol says it of its own nodes, with
//   NodeView lockstep_node_view(const P&, const typename P::Node&)
// found by argument-dependent lookup (model/raft, model/multipaxos, model/paxos), so that the
// viewers never guess field names. World<P> adds whether the node is up.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace lockstep {

struct LogEntryView {
  std::uint64_t index = 0;
  std::string term;  // the term (Raft) or ballot (Multi-Paxos) it was written in; "" for an empty slot
  std::string text;  // the command, printed ("write(1)", "no-op"); "" for an empty slot
  friend bool operator==(const LogEntryView&, const LogEntryView&) = default;
};

struct NodeView {
  bool up = true;
  std::string role;       // one word: "leader", "candidate", "follower"; "replica"; "proposer", "acceptor"
  std::string term_name;  // what the protocol calls its epochs: "term" or "ballot"
  std::string term;       // printed: "3", "2.1"; "none" before any
  bool has_log = true;    // false for single-decree Paxos
  std::uint64_t log_base = 0;      // the entries through this index are in a snapshot (not listed)
  std::vector<LogEntryView> log;   // the entries after the base, in index order
  std::uint64_t committed = 0;     // the entries through this index are committed, as far as the node knows
  std::vector<std::string> notes;  // what else matters: "voted for n3", "accepted v1 at 1.1", "learned v1"
  friend bool operator==(const NodeView&, const NodeView&) = default;
};

}  // namespace lockstep
