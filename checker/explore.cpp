#include "checker/explore.hpp"

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

}  // namespace lockstep
