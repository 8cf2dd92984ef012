// The register and lock specifications: parsing their operations, stepping the lock, and
// describing both for humans.
#include <fmt/core.h>

#include <algorithm>
#include <vector>

#include "spec/linearizability/lock_spec.hpp"
#include "spec/linearizability/register_spec.hpp"

namespace lockstep::linearizability {

std::int64_t json_int64(const Json& value, std::string_view what) {
  if (value.is_number_integer()) {
    if (value.is_number_unsigned() && value.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)) {
      throw HistoryError(fmt::format("{} is out of range (a 64-bit integer)", what));
    }
    return value.get<std::int64_t>();
  }
  if (value.is_number_float()) throw HistoryError(fmt::format("{} must be an integer (64-bit), not {}", what, value.dump()));
  throw HistoryError(fmt::format("{} must be an integer, not {}", what, value.dump()));
}

namespace {

[[noreturn]] void unknown_f(const RawCall& raw, std::string_view model, std::string_view known) {
  throw HistoryError(fmt::format("unknown f \"{}\" for the {} model (expected {})", raw.f, model, known));
}

std::string describe_value(const std::optional<std::int64_t>& value) { return value ? std::to_string(*value) : "null"; }

// Widened so that `last + unknown_grants` cannot overflow.
__int128 token_floor(const LockSpec::State& state) {
  return (state.last ? __int128{*state.last} : __int128{INT64_MIN} - 1) + state.unknown_grants;
}

}  // namespace

// --- register -------------------------------------------------------------------------------

RegisterSpec::Operation RegisterSpec::parse_input(const RawCall& raw, History&) {
  Operation op;
  op.key = raw.key.value_or("");
  if (raw.f == "read") {
    op.kind = Kind::read;
  } else if (raw.f == "write") {
    op.kind = Kind::write;
    op.argument = json_int64(raw.input, "a write's value");
  } else if (raw.f == "cas") {
    op.kind = Kind::cas;
    if (!raw.input.is_array() || raw.input.size() != 2) throw HistoryError("a cas's value must be [old, new]");
    if (!raw.input[0].is_null()) op.argument = json_int64(raw.input[0], "a cas's old value");
    op.replacement = json_int64(raw.input[1], "a cas's new value");
  } else {
    unknown_f(raw, name, "read, write or cas");
  }
  return op;
}

void RegisterSpec::parse_output(Operation& op, const RawCall& raw) {
  if (op.kind != Kind::read) return;  // a write's or a cas's ok carries nothing to check
  op.output_known = true;
  if (!raw.output.is_null()) op.output = json_int64(raw.output, "a read's value");
}

std::string RegisterSpec::describe(const State& state, const History&) { return describe_value(state.value); }

std::string RegisterSpec::describe(const Operation& op, const History&) {
  switch (op.kind) {
    case Kind::read: return "read -> " + (op.output_known ? describe_value(op.output) : std::string("?"));
    case Kind::write: return "write " + describe_value(op.argument);
    case Kind::cas: return fmt::format("cas {} -> {}", describe_value(op.argument), describe_value(op.replacement));
  }
  return "?";
}

// --- lock -----------------------------------------------------------------------------------

namespace {

// The caller is granted `token` (known), or a symbolic one: the lock must be free.
std::optional<LockSpec::State> grant(const LockSpec::State& state, ProcessId process, std::optional<std::int64_t> token) {
  if (state.holder) return std::nullopt;
  LockSpec::State next = state;
  next.holder = process;
  if (!token) {
    next.holder_token.reset();
    ++next.unknown_grants;
    return next;
  }
  if (__int128{*token} <= token_floor(state)) return std::nullopt;  // a token going backwards
  next.holder_token = token;
  next.last = token;
  next.unknown_grants = 0;
  return next;
}

// Does the holder's token equal `token`? A symbolic token is pinned to it when it can be.
std::optional<LockSpec::State> holder_token_is(const LockSpec::State& state, std::int64_t token) {
  if (state.holder_token) {
    if (*state.holder_token != token) return std::nullopt;
    return state;
  }
  // Symbolic: it lies above every earlier token, and above the earlier symbolic ones.
  if (__int128{token} < token_floor(state)) return std::nullopt;
  LockSpec::State next = state;
  next.holder_token = token;
  next.last = token;
  next.unknown_grants = 0;
  return next;
}

}  // namespace

std::optional<LockSpec::State> LockSpec::step(const State& state, const Operation& op) {
  const bool holds = state.holder == op.process;
  switch (op.kind) {
    case Kind::acquire:
    case Kind::try_acquire:
      if (op.answer == Answer::busy) return state.holder && !holds ? std::optional<State>(state) : std::nullopt;
      if (op.answer == Answer::unknown) return grant(state, op.process, std::nullopt);
      if (holds) return holder_token_is(state, op.token);
      return grant(state, op.process, op.token);
    case Kind::release: {
      const std::optional<State> pinned = holds ? holder_token_is(state, op.token) : std::nullopt;
      if (op.answer == Answer::not_holder) {
        if (!holds || !state.holder_token || *state.holder_token != op.token) return state;
        return std::nullopt;
      }
      if (!pinned) return std::nullopt;  // "released" (or unknown) needs the holder's own token
      State next = *pinned;
      next.holder.reset();
      next.holder_token.reset();
      return next;
    }
    case Kind::expire:
    case Kind::close: {  // the same to the lock: the process's session ends
      if (state.holder != op.process) {
        if (op.answer == Answer::unknown) return std::nullopt;  // no effect: "never" covers it
        return state;
      }
      State next = state;
      next.holder.reset();
      next.holder_token.reset();
      return next;
    }
  }
  return std::nullopt;
}

// Why leaving these calls out keeps the verdict, for the key's history and each of its prefixes
// (a prefix only removes calls and turns outputs unknown, which keeps both conditions):
//  - An acquire c by process s with an unknown outcome. Without c, every linearization that
//    leaves c out remains. Take one, L, that linearizes c at a point t: the lock was free and s
//    holds it from t with a symbolic token until an expiry of s (or to the end). Drop c from L.
//    Until that expiry, the other calls L linearizes cannot be acquires, grants, "released"
//    answers or pins (they need the lock free or held by their caller), nor busy answers (none
//    returns after c's invocation), nor calls of s (its other calls returned before c was
//    invoked, so L placed them before t): they are "not_holder" releases and expiries, which
//    answer the same with the lock free, and s's expiry becomes a no-op. From then on the two
//    states differ only in one fewer symbolic grant without c, which lowers the floor that later
//    tokens must exceed: every later call L linearizes still may, to the same state once a token
//    is granted or pinned.
//    A close by s is, to the lock, an expiry of s (the same step), and is counted as one here.
//  - An expiry or a close of a process that never acquires the lock: it never holds it, so it
//    changes nothing (ok) or cannot take effect (unknown): the same as not being there.
// Sessions (SessionSpec) only remove linearizations, and neither argument needs one they remove:
// dropping c from L keeps every call of s before s's ends; and without acquires, s's calls on
// the lock are releases that change nothing anywhere ("not_holder"; the others cannot take
// effect), so each may sit right after its invocation, before every end that binds it (an end
// binds only calls invoked before it returned), and the end, a no-op, right before its return.
std::vector<bool> LockSpec::redundant(std::span<const KeyCall<Operation>> calls) {
  std::vector<bool> out(calls.size(), false);
  std::optional<EventIndex> last_busy_return;
  struct Calls {
    std::size_t last = 0;      // the process's last call on the lock (by invocation)
    std::size_t unknown = 0;   // how many of its calls have no return
  };
  ProcessId processes = 0;  // process ids are dense (History interns them)
  for (const KeyCall<Operation>& call : calls) processes = std::max(processes, call.op->process + 1);
  std::vector<Calls> by_process(processes);
  for (std::size_t i = 0; i < calls.size(); ++i) {
    const Operation& op = *calls[i].op;
    if (op.kind == Kind::expire || op.kind == Kind::close) continue;
    if (op.answer == Answer::busy) last_busy_return = std::max(last_busy_return.value_or(0), *calls[i].return_index);
    Calls& mine = by_process[op.process];
    mine.last = i;
    if (!calls[i].return_index) ++mine.unknown;
  }
  std::vector<bool> acquirers(processes, false);  // processes with an acquire that stays in the search
  for (std::size_t i = 0; i < calls.size(); ++i) {
    const Operation& op = *calls[i].op;
    if (op.kind != Kind::acquire && op.kind != Kind::try_acquire) continue;
    const Calls& mine = by_process[op.process];
    const bool left_out = !calls[i].return_index && mine.last == i && mine.unknown == 1 &&
                          (!last_busy_return || *last_busy_return < calls[i].invoke_index);
    if (left_out) out[i] = true;
    else acquirers[op.process] = true;
  }
  for (std::size_t i = 0; i < calls.size(); ++i) {
    const Operation& op = *calls[i].op;
    if ((op.kind == Kind::expire || op.kind == Kind::close) && !acquirers[op.process]) out[i] = true;
  }
  return out;
}

LockSpec::Operation LockSpec::parse_input(const RawCall& raw, History& history) {
  Operation op;
  op.key = raw.key;
  op.process = raw.process;
  if (raw.f == "acquire") {
    op.kind = Kind::acquire;
  } else if (raw.f == "try_acquire") {
    op.kind = Kind::try_acquire;
  } else if (raw.f == "release") {
    op.kind = Kind::release;
    op.token = json_int64(raw.input, "a release's value (the token released)");
  } else if (raw.f == "expire") {
    op.kind = Kind::expire;
    if (raw.input.is_null()) throw HistoryError("an expire's value must be the process whose session expired");
    op.process = history.intern_process(raw.input, raw.invoke_index);
    return op;  // no key: every lock
  } else if (raw.f == "close") {
    op.kind = Kind::close;
    op.key.reset();  // every lock (a key given is ignored)
    return op;
  } else {
    unknown_f(raw, name, "acquire, try_acquire, release, expire or close");
  }
  if (!op.key) op.key = "";  // one unnamed lock
  return op;
}

void LockSpec::parse_output(Operation& op, const RawCall& raw) {
  const Json& out = raw.output;
  switch (op.kind) {
    case Kind::acquire:
      op.token = json_int64(out, "an acquire's ok value (the token granted)");
      op.answer = Answer::token;
      return;
    case Kind::try_acquire:
      if (out.is_string() && out.get<std::string>() == "busy") {
        op.answer = Answer::busy;
        return;
      }
      op.token = json_int64(out, "a try_acquire's ok value (a token, or \"busy\")");
      op.answer = Answer::token;
      return;
    case Kind::release:
      if (out.is_string() && out.get<std::string>() == "released") op.answer = Answer::released;
      else if (out.is_string() && out.get<std::string>() == "not_holder") op.answer = Answer::not_holder;
      else throw HistoryError(fmt::format("a release's ok value must be \"released\" or \"not_holder\", not {}", out.dump()));
      return;
    case Kind::expire:
      op.answer = Answer::done;
      return;
    case Kind::close:
      if (!out.is_string() || (out.get<std::string>() != "closed" && out.get<std::string>() != "no_session")) {
        throw HistoryError(fmt::format("a close's ok value must be \"closed\" or \"no_session\", not {}", out.dump()));
      }
      op.answer = Answer::done;
      return;
  }
}

std::string LockSpec::describe(const State& state, const History& history) {
  const std::string last = state.last ? std::to_string(*state.last) : "none";
  const std::string symbolic = state.unknown_grants ? fmt::format(" + {} unseen", state.unknown_grants) : "";
  if (!state.holder) return fmt::format("free (last token {}{})", last, symbolic);
  return fmt::format("held by {} with token {} (last token {}{})", history.process_names[*state.holder],
                     state.holder_token ? std::to_string(*state.holder_token) : "unseen", last, symbolic);
}

std::string LockSpec::describe(const Operation& op, const History& history) {
  const std::string& process = history.process_names[op.process];
  switch (op.answer) {
    case Answer::unknown:
      if (op.kind == Kind::release) return fmt::format("{} release {} -> ?", process, op.token);
      break;
    case Answer::token: return fmt::format("{} {} -> {}", process, op.kind == Kind::acquire ? "acquire" : "try_acquire", op.token);
    case Answer::busy: return process + " try_acquire -> busy";
    case Answer::released: return fmt::format("{} release {} -> released", process, op.token);
    case Answer::not_holder: return fmt::format("{} release {} -> not_holder", process, op.token);
    case Answer::done: return op.kind == Kind::close ? process + " close" : "expire " + process;
  }
  if (op.kind == Kind::expire) return "expire " + process + " -> ?";
  if (op.kind == Kind::close) return process + " close -> ?";
  return fmt::format("{} {} -> ?", process, op.kind == Kind::acquire ? "acquire" : "try_acquire");
}

}  // namespace lockstep::linearizability
