// A replicated log of entries with terms, 1-based (index 0 is "before the first entry"), in the
// two sizes of model/core/sizes.hpp, behind one interface that the step code uses:
//   InlineLog  the model's: at most N entries inline, always starting at index 1;
//   BasedLog   the runtime's: entries on the heap after a base index (the last index a snapshot
//              covers, and its term), so millions of entries fit and a prefix can be dropped.
// Both: last_index(), base_index(), term_at(i) for base <= i <= last, at(i) for base < i <= last,
// append(entry), truncate_after(i) (keep entries up to i), and for_each_from(i, f).
#pragma once

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <optional>
#include <vector>

#include "model/core/reflect.hpp"
#include "model/core/small_vec.hpp"

namespace lockstep {

template <class Entry, class Index, class Term, std::size_t N>
struct InlineLog {
  using Entries = SmallVec<Entry, N>;
  LOCKSTEP_STRUCT(InlineLog, (Entries, entries));

  Index base_index() const { return 0; }
  Index last_index() const { return static_cast<Index>(entries.size()); }
  Term term_at(Index index) const { return index == 0 ? Term{0} : at(index).term; }
  const Entry& at(Index index) const {
    assert(index >= 1 && index <= last_index());
    return entries[static_cast<std::size_t>(index) - 1u];
  }
  void append(const Entry& entry) { entries.push_back(entry); }
  void truncate_after(Index index) {
    assert(index <= last_index());
    while (entries.size() > static_cast<std::size_t>(index)) entries.pop_back();
  }
  template <class F>
  void for_each_from(Index first, F&& f) const {
    for (std::size_t k = static_cast<std::size_t>(first); k <= entries.size(); ++k) f(entries[k - 1]);
  }
};

template <class Entry, class Index, class Term>
struct BasedLog {
  using Entries = std::vector<Entry>;
  LOCKSTEP_STRUCT(BasedLog, (Index, base), (Term, base_term), (Entries, entries));

  Index base_index() const { return base; }
  Index last_index() const { return static_cast<Index>(base + entries.size()); }
  Term term_at(Index index) const { return index == base ? base_term : at(index).term; }
  const Entry& at(Index index) const {
    assert(index > base && index <= last_index());
    return entries[static_cast<std::size_t>(index - base) - 1u];
  }
  void append(const Entry& entry) { entries.push_back(entry); }
  void truncate_after(Index index) {
    assert(index >= base && index <= last_index());
    entries.resize(static_cast<std::size_t>(index - base));
  }
  template <class F>
  void for_each_from(Index first, F&& f) const {
    assert(first > base);
    for (std::size_t k = static_cast<std::size_t>(first - base); k <= entries.size(); ++k) f(entries[k - 1]);
  }
};

// A step's edit of a log, as data (the Persist effect's log part): keep the entries up to
// keep_through, drop the rest, then append `appended`. An append alone keeps through the old
// last index; a truncation alone appends nothing.
template <class Entries, class Index>
struct LogEdit {
  LOCKSTEP_STRUCT(LogEdit, (Index, keep_through), (Entries, appended));

  template <class Log>
  void apply_to(Log& log) const {
    assert(keep_through <= log.last_index());
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
    Edit edit{keep_through, {}};
    if (keep_through < log.last_index()) {
      log.for_each_from(static_cast<decltype(log.last_index())>(keep_through + 1),
                        [&](const auto& entry) { edit.appended.push_back(entry); });
    }
    return edit;
  }
};

}  // namespace lockstep
