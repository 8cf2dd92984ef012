#include "checker/explore.hpp"
#include "checker/report.hpp"

#include <cmath>

namespace lockstep {

std::string_view outcome_name(Outcome outcome) {
  switch (outcome) {
    case Outcome::ok: return "ok";
    case Outcome::violation: return "violation";
    case Outcome::vacuous: return "vacuous";
    case Outcome::incomplete: return "incomplete";
  }
  return "?";
}

double table_bytes_per_state(const CheckReport& report) {
  if (report.stats.distinct_states == 0) return 0;
  return static_cast<double>(report.table_bytes) / static_cast<double>(report.stats.distinct_states);
}

double all_in_bytes_per_state(const CheckReport& report) {
  if (report.stats.distinct_states == 0) return 0;
  return static_cast<double>(report.table_bytes + report.frontier_bytes_peak) /
         static_cast<double>(report.stats.distinct_states);
}

double collision_probability(const CheckReport& report) {
  const double distinct = static_cast<double>(report.stats.distinct_states);
  const double generated = static_cast<double>(report.stats.states_generated);
  return std::min(1.0, distinct * std::max(0.0, generated - distinct) / std::ldexp(1.0, 64));
}

}  // namespace lockstep
