// What every exhaustive search of a model (checker/model.hpp) takes and returns: the options, the
// result with its trace and figures, and the verdict. The searches themselves: breadth-first
// (checker/engine/bfs.hpp, the default: parallel, shortest traces) and depth-first
// (checker/engine/dfs.hpp); checker/explore.hpp chooses between them.
#pragma once

#include <cstdint>
#include <optional>
#include <atomic>
#include <map>
#include <string>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "checker/model.hpp"
#include "checker/engine/checkpoint.hpp"
#include "checker/engine/partition.hpp"
#include "checker/engine/progress.hpp"

namespace lockstep {

template <class State, class Action>
struct TraceStep {
  std::optional<Action> action;  // empty for the initial state
  State state;
};

enum class Outcome { ok, violation, vacuous, incomplete };
std::string_view outcome_name(Outcome outcome);

enum class Strategy { bfs, dfs };

struct ExploreOptions {
  Strategy strategy = Strategy::bfs;
  bool keep_going = false;          // do not stop at the first violation (count them all)
  bool coverage = false;            // count the transitions of each kind of action (breadth-first)
  // The properties to check, by name (--property); empty = every one.
  std::vector<std::string> properties;
  // Set (by a signal handler: Ctrl-C, SIGTERM) to stop soon with the figures so far, incomplete.
  const std::atomic<bool>* interrupt = nullptr;
  std::uint32_t depth_max = 0;      // explore states at most this many steps from an initial one; 0 = no bound
  std::size_t memory_bytes_max = 0; // bound on the fingerprint table; 0 = none
  // --expect-states: the fingerprint table starts with room for this many states (as SPIN's -w
  // and TLC's -fpmem size theirs up front), within the memory bound; it still grows past them.
  // 0 = start small (FingerprintTable::initial_buckets) and grow.
  std::uint64_t expected_states = 0;
  std::size_t frontier_memory = std::size_t{16} << 20;  // frontier bytes kept in memory; the rest spills to disk
  std::string spill_dir;            // where the frontier spills ("" = $TMPDIR, else /tmp)
  std::size_t spill_bytes_max = 0;  // disk the spilled frontier may take at once; 0 = no bound
  Progress::Mode progress = Progress::Mode::quiet;
  unsigned workers = 1;             // threads exploring each level
  bool symmetry = false;            // store one state per orbit (a SymmetryModel's canonicalize)
  // Partial-order reduction with sleep sets (an IndependenceModel's independent). Sound for
  // invariants (every state is reached) and for transition properties that judge each node's own
  // change (as all of spec/'s do): a transition skipped from one state is taken from another with
  // the same change at its node.
  bool por = false;
  // A search spread over ranks (checker/engine/partition.hpp; `--distributed`): breadth-first,
  // each rank owning its share of the states; nullptr = this process alone.
  Partition* partition = nullptr;
  // Checkpoints (breadth-first, one process): written every so often, and read back by a resume.
  CheckpointOptions checkpoint;
};

// What each rank of a distributed search held and sent (ExploreResult::ranks).
struct RankFigures {
  std::uint64_t distinct_states = 0;   // states this rank owns
  std::uint64_t states_generated = 0;  // successors it generated
  std::size_t table_bytes = 0;         // its fingerprint table and parent links
  std::size_t frontier_bytes_peak = 0;
  std::size_t frontier_spilled_bytes = 0;
  std::uint64_t states_sent = 0;       // successors sent to the rank owning them
  std::uint64_t bytes_sent = 0;

  std::size_t memory_bytes() const { return table_bytes + frontier_bytes_peak; }
  double bytes_per_state() const {
    return static_cast<double>(memory_bytes()) / static_cast<double>(distinct_states == 0 ? 1 : distinct_states);
  }
};

// One level of a distributed search: its new states and what the ranks sent each other.
struct LevelFigures {
  std::uint32_t depth = 0;
  std::uint64_t distinct_states = 0;
  std::uint64_t states_sent = 0;
  std::uint64_t bytes_sent = 0;
  std::uint32_t rounds = 0;  // exchanges between the ranks during the level
};

template <class M>
struct ExploreResult {
  Outcome outcome = Outcome::ok;
  std::string property;                      // the violated property
  std::string stop_reason;                   // why an incomplete run stopped
  std::string warning;                       // something the user should know (e.g. a full disk)
  std::vector<std::string> sometimes_unreached;
  std::vector<TraceStep<typename M::State, typename M::Action>> trace;
  ExploreStats stats;
  double seconds = 0;
  std::size_t table_bytes = 0;
  std::size_t frontier_bytes_peak = 0;       // frontier bytes held in memory at the widest point
  std::size_t frontier_spilled_bytes = 0;    // frontier bytes written to disk, all levels together
  std::uint64_t violations = 0;
  // With --continue: violating states (transitions) by the property each breaks first.
  std::map<std::string, std::uint64_t> violations_by_property;
  std::uint64_t transitions_pruned = 0;      // by partial-order reduction
  bool depth_bounded = false;                // states beyond depth_max were not explored
  std::uint64_t states_beyond_bounds = 0;    // distinct states checked but not expanded: !within_bounds
  std::uint64_t states_at_depth_bound = 0;   // distinct states not expanded because of depth_max
  std::map<std::string, std::uint64_t> coverage;  // with options.coverage: transitions per kind of action
  std::vector<RankFigures> ranks;            // distributed only: per rank, in rank order
  std::vector<LevelFigures> levels;          // distributed only: per level
  CheckpointFigures checkpoint;              // with options.checkpoint: what was written, what resumed
};

namespace detail {

// A search's verdict: a violation first, then a search the memory bound cut short, then a
// "sometimes" property never reached (vacuous), else ok.
template <class M>
Outcome outcome_of(bool violated, bool memory_exhausted, const ExploreResult<M>& result) {
  if (violated) return Outcome::violation;
  if (memory_exhausted) return Outcome::incomplete;
  if (!result.sometimes_unreached.empty()) return Outcome::vacuous;
  return Outcome::ok;
}

// With symmetry reduction asked for (and declared by the model), replaces a state by the
// representative of its orbit, which is what the searches store.
template <Model M>
void to_representative(const M& model, const ExploreOptions& options, typename M::State& state) {
  if constexpr (M::has_symmetry) {
    if (options.symmetry) model.canonicalize(state);
  }
}

inline constexpr char memory_bound_reached[] = "the memory bound was reached";
inline constexpr char interrupted_reason[] = "interrupted";

// Which of a model's properties a run checks (ExploreOptions::properties): per list, a flag per
// property. Throws std::invalid_argument for a name the model does not have.
struct CheckedProperties {
  std::vector<char> always;      // indexed like model.properties()
  std::vector<char> transition;  // indexed like model.transition_properties()
  const std::vector<char>* always_or_all() const { return always.empty() ? nullptr : &always; }
  const std::vector<char>* transition_or_all() const { return transition.empty() ? nullptr : &transition; }
  // A "sometimes" property left out counts as reached: a run is not vacuous for it.
  template <class Flags>
  void mark_unchecked(Flags& reached) const {
    for (std::size_t p = 0; p < always.size(); ++p) {
      if (!always[p]) reached[p] = true;
    }
  }
};

template <class M>
CheckedProperties checked_properties(const M& model, const std::vector<std::string>& names) {
  CheckedProperties out;
  if (names.empty()) return out;
  out.always.assign(model.properties().size(), 0);
  out.transition.assign(model.transition_properties().size(), 0);
  for (const std::string& name : names) {
    bool found = false;
    for (std::size_t p = 0; p < model.properties().size(); ++p) {
      if (model.properties()[p].name == name) out.always[p] = found = true;
    }
    for (std::size_t p = 0; p < model.transition_properties().size(); ++p) {
      if (model.transition_properties()[p].name == name) out.transition[p] = found = true;
    }
    if (!found) {
      std::string known;
      for (const auto& p : model.properties()) known += (known.empty() ? "" : ", ") + std::string(p.name);
      for (const auto& p : model.transition_properties()) known += (known.empty() ? "" : ", ") + std::string(p.name);
      throw std::invalid_argument("--property: " + std::string(M::protocol) + " has no property '" + name +
                                  "' (it has: " + known + ")");
    }
  }
  // A model's contract property (a World's WORLD-StepsComplete) is checked whatever the names:
  // the state that breaks it has no successors, so a run that left it out would end there silently.
  if constexpr (requires { M::steps_complete; }) {
    for (std::size_t p = 0; p < model.properties().size(); ++p) {
      if (model.properties()[p].name == M::steps_complete) out.always[p] = true;
    }
  }
  return out;
}

inline bool interrupted(const std::atomic<bool>* flag) { return flag != nullptr && flag->load(std::memory_order_relaxed); }

}  // namespace detail

}  // namespace lockstep
