#include "spec/proofs/registry.hpp"

#include "spec/proofs/lock_clients.hpp"
#include "spec/proofs/lock_service.hpp"
#include "spec/proofs/raft_election.hpp"
#include "spec/proofs/raft_log.hpp"
#include "spec/proofs/replica_apply.hpp"
#include "spec/proofs/voting.hpp"

namespace lockstep::proofs {

namespace {

std::vector<AbstractProtocolEntry> make_entries() {
  std::vector<AbstractProtocolEntry> out;
  for (const bool per_slot : {false, true}) {
    auto p = std::make_shared<const Protocol>(voting_protocol(per_slot));
    out.push_back({p, {"OneValuePerBallot", "LeftDownwardClosed"}});
  }
  out.push_back({std::make_shared<const Protocol>(raft_election_protocol()), {"OneVotePerTerm", "LeftDownwardClosed"}});
  out.push_back({std::make_shared<const Protocol>(raft_log_protocol()), {"EntriesHaveLeaders", "OneLeaderPerTerm"}});
  out.push_back({std::make_shared<const Protocol>(replica_apply_protocol()), {"ChosenOnce"}});
  out.push_back({std::make_shared<const Protocol>(lock_service_protocol()), {"HolderHasNewestToken"}});
  out.push_back({std::make_shared<const Protocol>(lock_clients_protocol()), {"BelieverHolds", "TokensUnique"}});
  return out;
}

}  // namespace

const std::vector<AbstractProtocolEntry>& abstract_protocols() {
  static const std::vector<AbstractProtocolEntry> entries = make_entries();
  return entries;
}

std::shared_ptr<const Protocol> find_abstract_protocol(const std::string& name) {
  for (const AbstractProtocolEntry& e : abstract_protocols()) {
    if (e.protocol->name == name) return e.protocol;
  }
  return nullptr;
}

}  // namespace lockstep::proofs
