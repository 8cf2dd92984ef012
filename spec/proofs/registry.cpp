#include "spec/proofs/registry.hpp"

#include "spec/proofs/voting.hpp"

namespace lockstep::proofs {

namespace {

CounterexamplePrinter voting_printer(std::shared_ptr<const Protocol> protocol) {
  return [protocol](Structure& s, const std::vector<int>& free) {
    const VotingVocabulary v = voting_vocabulary(*protocol);
    const Vocabulary& voc = protocol->vocabulary;
    const char* prefixes[] = {"n", "b", "v", "Q", "s"};
    for (std::size_t sort = 0; sort < voc.sorts().size(); ++sort) {
      const std::string prefix = sort < 5 ? prefixes[sort] : voc.sorts()[sort].name;
      for (int e = 0; e < s.size(static_cast<int>(sort)); ++e) s.name(static_cast<int>(sort), e, prefix + std::to_string(e + 1));
    }
    std::string out;
    out += "  quorums:";
    for (int q = 0; q < s.size(v.quorum); ++q) {
      out += std::string(q ? ";" : "") + " " + s.element_name(v.quorum, q) + " = {";
      bool first = true;
      for (int n = 0; n < s.size(v.node); ++n) {
        if (!s.get(v.member, {n, q})) continue;
        out += std::string(first ? "" : ", ") + s.element_name(v.node, n);
        first = false;
      }
      out += "}";
    }
    out += "\n";
    (void)free;
    return out;
  };
}

std::vector<AbstractProtocolEntry> make_entries() {
  std::vector<AbstractProtocolEntry> out;
  for (const bool per_slot : {false, true}) {
    auto p = std::make_shared<const Protocol>(voting_protocol(per_slot));
    out.push_back({p, {"OneValuePerBallot", "LeftDownwardClosed"}, voting_printer(p)});
  }
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
