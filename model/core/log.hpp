// A replicated log of entries with terms, 1-based (index 0 is "before the first entry"), in the
// two sizes of model/core/sizes.hpp, behind one interface that the step code uses:
//   InlineLog  the model's: at most N entries inline after the base;
//   BasedLog   the runtime's: entries on the heap after the base, so millions of entries fit.
// Both start after a base index (the last index a snapshot covers, and its term; 0 without one),
// and a prefix can be dropped (compaction). Both: last_index(), base_index(), term_at(i) for
// base <= i <= last, at(i) for base < i <= last, append(entry), truncate_after(i) (keep entries
// up to i), for_each_from(i, f), holds(i, term) and compact_through(i, term).
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <vector>

#include "model/core/expect.hpp"
#include "model/core/reflect.hpp"
#include "model/core/small_vec.hpp"

namespace lockstep {

// Both sizes are one template over the container of the entries after the base.
template <class Entry, class Index, class Term, class Entries_ = std::vector<Entry>>
struct BasedLog {
  using Entries = Entries_;
  LOCKSTEP_STRUCT(BasedLog, (Index, base), (Term, base_term), (Entries, entries));

  Index base_index() const { return base; }
  Index last_index() const { return static_cast<Index>(base + entries.size()); }
  Term term_at(Index index) const { return index == base ? base_term : at(index).term; }
  const Entry& at(Index index) const {
    LOCKSTEP_EXPECT(index > base && index <= last_index());
    return entries[static_cast<std::size_t>(index - base) - 1u];
  }
  void append(const Entry& entry) { entries.push_back(entry); }
  void truncate_after(Index index) {
    LOCKSTEP_EXPECT(index >= base && index <= last_index());
    while (entries.size() > static_cast<std::size_t>(index - base)) entries.pop_back();
  }
  template <class F>
  void for_each_from(Index first, F&& f) const {
    LOCKSTEP_EXPECT(first > base);
    for (std::size_t k = static_cast<std::size_t>(first - base); k <= entries.size(); ++k) f(entries[k - 1]);
  }
  // Whether the log holds position `index` with term `term` (at the base or after it).
  bool holds(Index index, Term term) const { return index >= base && index <= last_index() && term_at(index) == term; }
  // Compaction (a snapshot covers everything through `index`, of term `term`): when the log
  // holds that entry, the entries after it stay; otherwise the whole log is discarded. Either
  // way the log then starts after `index`.
  void compact_through(Index index, Term term) {
    Entries kept{};
    if (holds(index, term) && index < last_index()) for_each_from(static_cast<Index>(index + 1), [&](const Entry& e) { kept.push_back(e); });
    base = index;
    base_term = term;
    entries = std::move(kept);
  }
};

// The model's log: at most N entries after the base, inline.
template <class Entry, class Index, class Term, std::size_t N>
using InlineLog = BasedLog<Entry, Index, Term, SmallVec<Entry, N>>;

// A step's edit of a log, as data (the Persist effect's log part): keep the entries up to
// keep_through, drop the rest, then append `appended`. An append alone keeps through the old
// last index; a truncation alone appends nothing.
template <class Entries, class Index>
struct LogEdit {
  LOCKSTEP_STRUCT(LogEdit, (Index, keep_through), (Entries, appended));

  template <class Log>
  void apply_to(Log& log) const {
    LOCKSTEP_EXPECT(keep_through <= log.last_index());
    log.truncate_after(keep_through);
    for (const auto& entry : appended) log.append(entry);
  }
};

// Records, while a step runs, the lowest index below which a log stayed as it was, so that the
// step's edit copies only what it changed (the runtime's log may hold millions of entries).
template <class Index>
struct LogEditTracker {
  bool changed = false;
  Index keep_through = 0;

  void touched(Index kept) {
    keep_through = changed ? std::min(keep_through, kept) : kept;
    changed = true;
  }
  template <class Edit, class Log>
  std::optional<Edit> edit(const Log& log) const {
    if (!changed) return std::nullopt;
    // Never below the base: a compaction in the same step travels with the edit, applied first.
    Edit edit{std::max<Index>(keep_through, log.base_index()), {}};
    if (edit.keep_through < log.last_index()) {
      log.for_each_from(static_cast<decltype(log.last_index())>(edit.keep_through + 1),
                        [&](const auto& entry) { edit.appended.push_back(entry); });
    }
    return edit;
  }
};

}  // namespace lockstep
