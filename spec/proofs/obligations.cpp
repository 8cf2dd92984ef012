#include "spec/proofs/obligations.hpp"

#include <chrono>

#include "spec/proofs/quorums.hpp"
#include "spec/proofs/registry.hpp"

namespace lockstep::proofs {

namespace {

double since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

Verdict from_quorums(const QuorumCheck& check) {
  Verdict v;
  v.seconds = check.seconds;
  v.result = check.unknown ? Verdict::Result::unknown : check.intersect ? Verdict::Result::proved : Verdict::Result::refuted;
  if (!check.intersect) v.counterexample = "  " + check.text() + "\n";
  return v;
}

// Runs every check of a family; proved when all are, else the first that is not.
Verdict all_intersect(const std::vector<std::pair<QuorumRule, QuorumRule>>& pairs) {
  Verdict out;
  out.result = Verdict::Result::proved;
  for (const auto& [a, b] : pairs) {
    const QuorumCheck check = check_intersection(a, b);
    out.seconds += check.seconds;
    if (!check.intersect) {
      out.result = check.unknown ? Verdict::Result::unknown : Verdict::Result::refuted;
      out.counterexample = "  " + a.name + " against " + b.name + ": " + check.text() + "\n";
      return out;
    }
  }
  return out;
}

std::vector<std::vector<int>> nonempty_subsets(int n) {
  std::vector<std::vector<int>> out;
  for (int mask = 1; mask < (1 << n); ++mask) {
    std::vector<int> set;
    for (int i = 0; i < n; ++i) {
      if (mask & (1 << i)) set.push_back(i + 1);
    }
    out.push_back(set);
  }
  return out;
}

void add_quorum_obligations(std::vector<Obligation>& out) {
  for (int n = 1; n <= 9; ++n) {
    out.push_back({"quorums/majority/n=" + std::to_string(n), "any two majorities of " + std::to_string(n) + " nodes intersect",
                   false, [n] { return from_quorums(check_intersection(majority_of(nodes_up_to(n)), majority_of(nodes_up_to(n)))); }});
  }
  out.push_back({"quorums/majority/every-n", "for every n, two sets each larger than n/2 intersect (linear arithmetic)", false, [] {
                   const auto start = std::chrono::steady_clock::now();
                   const std::string why = prove_sizes_intersect_symbolically(true);
                   return Verdict{why.empty() ? Verdict::Result::proved : Verdict::Result::refuted, since(start), why};
                 }});
  out.push_back({"quorums/flexible/every-n", "for every n, q1 + q2 > n: a set of q1 and one of q2 intersect (Flexible Paxos)", false, [] {
                   const auto start = std::chrono::steady_clock::now();
                   const std::string why = prove_sizes_intersect_symbolically(false);
                   return Verdict{why.empty() ? Verdict::Result::proved : Verdict::Result::refuted, since(start), why};
                 }});
  for (int n = 2; n <= 7; ++n) {
    out.push_back({"quorums/flexible/n=" + std::to_string(n),
                   "with " + std::to_string(n) + " nodes, every phase-1 size q1 and phase-2 size n + 1 - q1 intersect", false, [n] {
                     std::vector<std::pair<QuorumRule, QuorumRule>> pairs;
                     for (int q1 = 1; q1 <= n; ++q1) pairs.push_back({at_least_of(nodes_up_to(n), q1), at_least_of(nodes_up_to(n), n + 1 - q1)});
                     return all_intersect(pairs);
                   }});
  }
  out.push_back({"quorums/joint/up-to-4-nodes",
                 "for every old and new member set within 4 nodes, a joint quorum (majorities of both) intersects every "
                 "joint, old and new quorum",
                 false, [] {
                   std::vector<std::pair<QuorumRule, QuorumRule>> pairs;
                   for (const auto& old_members : nonempty_subsets(4)) {
                     for (const auto& new_members : nonempty_subsets(4)) {
                       const QuorumRule joint = joint_majority(old_members, new_members);
                       pairs.push_back({joint, joint});
                       pairs.push_back({joint, majority_of(old_members)});
                       pairs.push_back({joint, majority_of(new_members)});
                     }
                   }
                   return all_intersect(pairs);
                 }});
  // Broken on purpose: Z3 must answer with two disjoint quorums.
  out.push_back({"broken/quorums/flexible-5-nodes-3-and-2", "phase-1 quorums of 3 and phase-2 quorums of 2 out of 5 (3 + 2 = 5)",
                 true, [] { return from_quorums(check_intersection(at_least_of(nodes_up_to(5), 3), at_least_of(nodes_up_to(5), 2))); }});
  out.push_back({"broken/quorums/old-to-new-without-joint",
                 "switching from {1,2,3} to {3,4,5} without the joint configuration: a majority of each need not meet",
                 true, [] { return from_quorums(check_intersection(majority_of({1, 2, 3}), majority_of({3, 4, 5}))); }});
}

}  // namespace

Protocol without_conjunct(const Protocol& protocol, const std::string& conjunct) {
  Protocol out = protocol;
  out.name = protocol.name + "-without-" + conjunct;
  std::erase_if(out.invariant, [&](const NamedFormula& f) { return f.name == conjunct; });
  return out;
}

std::vector<Obligation> protocol_obligations(std::shared_ptr<const Protocol> p, const std::string& prefix, bool expect_refuted,
                                             unsigned timeout_ms) {
  std::vector<Obligation> out;
  const auto base = [p, timeout_ms] {
    ValidityQuery q;
    q.vocabulary = &p->vocabulary;
    q.timeout_ms = timeout_ms;
    for (const NamedFormula& axiom : p->axioms) q.hypotheses.push_back(axiom.formula);
    return q;
  };
  for (const NamedFormula& conjunct : p->invariant) {
    out.push_back({prefix + "/init/" + conjunct.name, "the initial states satisfy " + conjunct.name, expect_refuted, [p, base, conjunct] {
                     ValidityQuery q = base();
                     q.hypotheses.push_back(p->init);
                     q.goal = conjunct.formula;
                     return check_validity(q);
                   }});
  }
  for (const Action& action : p->actions) {
    for (const NamedFormula& conjunct : p->invariant) {
      out.push_back({prefix + "/" + action.name + "/" + conjunct.name, action.name + " keeps " + conjunct.name + " (given the invariant)",
                     expect_refuted, [p, base, action, conjunct] {
                       ValidityQuery q = base();
                       for (const NamedFormula& c : p->invariant) q.hypotheses.push_back(c.formula);
                       q.hypotheses.push_back(action.formula);
                       q.goal = primed(p->vocabulary, conjunct.formula);
                       q.step = true;
                       q.shown = action.params;
                       return check_validity(q);
                     }});
    }
  }
  for (const NamedFormula& property : p->safety) {
    out.push_back({prefix + "/safety/" + property.name, "the invariant implies " + property.name + ": " + property.description,
                   expect_refuted, [p, base, property] {
                     ValidityQuery q = base();
                     for (const NamedFormula& c : p->invariant) q.hypotheses.push_back(c.formula);
                     q.goal = property.formula;
                     return check_validity(q);
                   }});
  }
  return out;
}

const std::vector<Obligation>& all_obligations() {
  static const std::vector<Obligation> list = [] {
    std::vector<Obligation> out;
    add_quorum_obligations(out);
    for (const AbstractProtocolEntry& entry : abstract_protocols()) {
      for (Obligation& o : protocol_obligations(entry.protocol, entry.protocol->name)) out.push_back(std::move(o));
    }
    // Broken on purpose: an invariant without one of its strengthening conjuncts is not inductive,
    // and Z3 must say where, with a counterexample to induction. Some obligation must be refuted;
    // one Z3 cannot decide quickly (it may hold even so) is passed over for the next.
    for (const AbstractProtocolEntry& entry : abstract_protocols()) {
      for (const std::string& conjunct : entry.removable) {
        auto broken = std::make_shared<const Protocol>(without_conjunct(*entry.protocol, conjunct));
        std::vector<Obligation> parts = protocol_obligations(broken, broken->name, true, 10000);
        out.push_back({"broken/" + broken->name, entry.protocol->name + " without its conjunct " + conjunct + " is not inductive", true,
                       [parts] {
                         Verdict total;
                         total.result = Verdict::Result::proved;
                         for (const Obligation& part : parts) {
                           Verdict v = part.run();
                           total.seconds += v.seconds;
                           if (v.result == Verdict::Result::unknown) {
                             total.result = Verdict::Result::unknown;
                             const std::size_t text = v.counterexample.find_first_not_of(' ');
                             total.counterexample += "  " + part.name + ": " + (text == std::string::npos ? "\n" : v.counterexample.substr(text));
                           } else if (v.result == Verdict::Result::refuted) {
                             v.seconds = total.seconds;
                             v.counterexample = "  " + part.name + " fails:\n" + v.counterexample;
                             return v;
                           }
                         }
                         return total;
                       }});
      }
    }
    return out;
  }();
  return list;
}

}  // namespace lockstep::proofs
