#include "spec/proofs/quorums.hpp"

#include <z3++.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

namespace lockstep::proofs {

namespace {
std::string set_text(const std::vector<int>& ids) {
  std::string out = "{";
  for (std::size_t i = 0; i < ids.size(); ++i) out += (i ? ", n" : "n") + std::to_string(ids[i]);
  return out + "}";
}
}  // namespace

std::vector<int> nodes_up_to(int n) {
  std::vector<int> out;
  for (int i = 1; i <= n; ++i) out.push_back(i);
  return out;
}

QuorumRule majority_of(const std::vector<int>& members) {
  return {"majorities of " + set_text(members), {{members, static_cast<int>(members.size()) / 2 + 1}}};
}

QuorumRule at_least_of(const std::vector<int>& members, int count) {
  return {"sets of " + std::to_string(count) + " of " + set_text(members), {{members, count}}};
}

QuorumRule joint_majority(const std::vector<int>& old_members, const std::vector<int>& new_members) {
  QuorumRule rule{"joint majorities of " + set_text(old_members) + " and " + set_text(new_members), {}};
  rule.parts.push_back(majority_of(old_members).parts.front());
  rule.parts.push_back(majority_of(new_members).parts.front());
  return rule;
}

std::string QuorumCheck::text() const {
  if (unknown) return "undecided";
  if (intersect) return "every two quorums share a member";
  return set_text(first) + " and " + set_text(second) + " are quorums that share no member";
}

QuorumCheck check_intersection(const QuorumRule& a, const QuorumRule& b) {
  const auto start = std::chrono::steady_clock::now();
  std::set<int> universe;
  for (const QuorumRule* rule : {&a, &b}) {
    for (const QuorumPart& part : rule->parts) universe.insert(part.members.begin(), part.members.end());
  }
  z3::context ctx;
  z3::solver solver(ctx);
  std::map<int, z3::expr> in_a, in_b;
  for (int id : universe) {
    in_a.emplace(id, ctx.bool_const(("a" + std::to_string(id)).c_str()));
    in_b.emplace(id, ctx.bool_const(("b" + std::to_string(id)).c_str()));
    solver.add(!(in_a.at(id) && in_b.at(id)));  // disjoint
  }
  const auto require = [&](const QuorumRule& rule, std::map<int, z3::expr>& in) {
    for (const QuorumPart& part : rule.parts) {
      z3::expr_vector members(ctx);
      for (int id : part.members) members.push_back(in.at(id));
      if (part.at_least > static_cast<int>(part.members.size())) {
        solver.add(ctx.bool_val(false));  // no quorum at all: vacuously intersecting
      } else if (part.at_least > 0) {
        solver.add(z3::atleast(members, static_cast<unsigned>(part.at_least)));
      }
    }
  };
  require(a, in_a);
  require(b, in_b);
  QuorumCheck out;
  switch (solver.check()) {
    case z3::unsat:
      out.intersect = true;
      break;
    case z3::sat: {
      const z3::model model = solver.get_model();
      for (int id : universe) {
        if (model.eval(in_a.at(id), true).is_true()) out.first.push_back(id);
        if (model.eval(in_b.at(id), true).is_true()) out.second.push_back(id);
      }
      break;
    }
    case z3::unknown:
      out.unknown = true;
      break;
  }
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

std::string prove_sizes_intersect_symbolically(bool majorities) {
  z3::context ctx;
  z3::solver solver(ctx);
  const z3::expr n = ctx.int_const("n"), q1 = ctx.int_const("q1"), q2 = ctx.int_const("q2");
  const z3::expr a = ctx.int_const("A"), b = ctx.int_const("B"), both = ctx.int_const("AnB");
  solver.add(n >= 1 && q1 >= 0 && q2 >= 0);
  if (majorities) {
    solver.add(2 * q1 > n && 2 * q2 > n);  // both at least a majority
  } else {
    solver.add(q1 + q2 > n);  // Flexible Paxos's condition
  }
  // Two sets of sizes A >= q1 and B >= q2 in a universe of n, with AnB common members:
  // inclusion-exclusion, |A u B| = A + B - AnB, and |A u B| <= n.
  solver.add(a >= q1 && b >= q2 && a <= n && b <= n && both >= 0 && both <= a && both <= b);
  solver.add(a + b - both <= n);
  solver.add(both == 0);  // and yet disjoint?
  switch (solver.check()) {
    case z3::unsat: return "";
    case z3::sat: return "Z3 found sizes with no common member: " + solver.get_model().to_string();
    case z3::unknown: return "Z3 answered unknown: " + solver.reason_unknown();
  }
  return "unreachable";
}

}  // namespace lockstep::proofs
