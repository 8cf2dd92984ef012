// The linearizability checker (spec/linearizability/): hand-made histories for the register and
// the lock, generated histories that must be linearizable, and a brute-force checker (every
// order consistent with real time) that must agree with the WGL search on small histories.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <chrono>
#include <random>

#include "spec/linearizability/check.hpp"
#include "spec/linearizability/generate.hpp"
#include "spec/linearizability/lock_spec.hpp"
#include "spec/linearizability/register_spec.hpp"

namespace lockstep::linearizability {
namespace {

Json event(const Json& process, const char* type, const char* f, const Json& value = nullptr, const Json& key = nullptr) {
  Json e{{"process", process}, {"type", type}, {"f", f}, {"value", value}};
  if (!key.is_null()) e["key"] = key;
  return e;
}

struct Checked {
  History history;
  Verdict verdict;
};

Checked check(const std::string& model, const Json& events) {
  Checked checked{read_history(events), {}};
  checked.verdict = check_history(checked.history, model, CheckOptions{});
  return checked;
}

Result result_of(const std::string& model, const Json& events) { return check(model, events).verdict.result; }

// The window's calls as "f@invoke_index".
std::vector<std::string> window_of(const Checked& checked) {
  std::vector<std::string> calls;
  for (const std::size_t raw : checked.verdict.window) {
    const RawCall& call = checked.history.calls[raw];
    calls.push_back(call.f + "@" + std::to_string(call.invoke_index));
  }
  return calls;
}

// --- register --------------------------------------------------------------------------------

TEST(Register, sequential_write_then_read_is_linearizable) {
  const Json h = {event(0, "invoke", "write", 1), event(0, "ok", "write", 1), event(1, "invoke", "read"),
                  event(1, "ok", "read", 1)};
  EXPECT_EQ(result_of("register", h), Result::linearizable);
}

TEST(Register, reading_null_before_any_write_is_linearizable_and_after_one_is_not) {
  EXPECT_EQ(result_of("register", Json{event(1, "invoke", "read"), event(1, "ok", "read", nullptr)}), Result::linearizable);
  const Json h = {event(0, "invoke", "write", 1), event(0, "ok", "write", 1), event(1, "invoke", "read"),
                  event(1, "ok", "read", nullptr)};
  EXPECT_EQ(result_of("register", h), Result::not_linearizable);
}

TEST(Register, stale_read_is_not_linearizable_and_the_window_is_the_overwrite_and_the_read) {
  const Json h = {event(0, "invoke", "write", 1), event(0, "ok", "write", 1), event(1, "invoke", "write", 2),
                  event(1, "ok", "write", 2),     event(2, "invoke", "read"),  event(2, "ok", "read", 1)};
  const Checked checked = check("register", h);
  ASSERT_EQ(checked.verdict.result, Result::not_linearizable);
  EXPECT_EQ(window_of(checked), (std::vector<std::string>{"write@2", "read@4"}));
  EXPECT_TRUE(checked.verdict.window_minimal);
  EXPECT_EQ(checked.verdict.prefix_events, 5u);
}

TEST(Register, a_read_overlapping_a_write_may_see_either_value) {
  for (const Json& seen : {Json(nullptr), Json(1)}) {
    const Json h = {event(0, "invoke", "write", 1), event(1, "invoke", "read"), event(1, "ok", "read", seen),
                    event(0, "ok", "write", 1)};
    EXPECT_EQ(result_of("register", h), Result::linearizable) << seen;
  }
}

TEST(Register, a_write_that_never_returned_may_take_effect_but_not_be_undone) {
  const Json seen = {event(0, "invoke", "write", 1), event(1, "invoke", "read"), event(1, "ok", "read", 1)};
  EXPECT_EQ(result_of("register", seen), Result::linearizable);
  Json unseen = seen;
  unseen.push_back(event(1, "invoke", "read"));
  unseen.push_back(event(1, "ok", "read", nullptr));
  EXPECT_EQ(result_of("register", unseen), Result::not_linearizable);
}

TEST(Register, an_info_write_may_take_effect_long_after_or_never) {
  const Json h = {event(0, "invoke", "write", 1), event(0, "info", "write", 1), event(1, "invoke", "read"),
                  event(1, "ok", "read", nullptr), event(1, "invoke", "write", 2), event(1, "ok", "write", 2),
                  event(1, "invoke", "read"),      event(1, "ok", "read", 1)};
  EXPECT_EQ(result_of("register", h), Result::linearizable);
}

TEST(Register, concurrent_cas_must_be_ordered_by_their_values) {
  Json h = {event(0, "invoke", "cas", Json::array({1, 2})), event(1, "invoke", "cas", Json::array({nullptr, 1})),
            event(0, "ok", "cas", Json::array({1, 2})),     event(1, "ok", "cas", Json::array({nullptr, 1})),
            event(2, "invoke", "read")};
  Json ordered = h;
  ordered.push_back(event(2, "ok", "read", 2));
  EXPECT_EQ(result_of("register", ordered), Result::linearizable);
  h.push_back(event(2, "ok", "read", 1));
  EXPECT_EQ(result_of("register", h), Result::not_linearizable);
}

TEST(Register, a_failed_cas_took_no_effect) {
  const Json h = {event(0, "invoke", "cas", Json::array({nullptr, 5})), event(0, "fail", "cas", Json::array({nullptr, 5})),
                  event(1, "invoke", "read"), event(1, "ok", "read", nullptr)};
  EXPECT_EQ(result_of("register", h), Result::linearizable);
}

TEST(Register, keys_are_independent_and_the_failing_key_is_named) {
  const Json h = {event(0, "invoke", "write", 1, "x"), event(0, "ok", "write", 1, "x"), event(1, "invoke", "read", nullptr, "y"),
                  event(1, "ok", "read", 1, "y")};
  const Checked checked = check("register", h);
  ASSERT_EQ(checked.verdict.result, Result::not_linearizable);
  EXPECT_EQ(checked.verdict.key, "y");
  EXPECT_EQ(checked.verdict.partitions, 2u);
}

// --- bad histories ---------------------------------------------------------------------------

std::string error_of(const std::string& model, const std::string& text) {
  try {
    History history = parse_history(text);
    check_history(history, model, CheckOptions{});
  } catch (const HistoryError& e) {
    return e.what();
  }
  return "";
}

TEST(History, errors_name_the_event_index) {
  EXPECT_EQ(error_of("register", R"([{"process":1,"type":"ok","f":"read"}])"),
            "event 0: a completion (ok) by process 1 without an outstanding invocation");
  EXPECT_EQ(error_of("register", R"([{"process":1,"type":"invoke","f":"read"},{"process":1,"type":"invoke","f":"read"}])"),
            "event 1: process 1 invokes while its operation invoked at event 0 is outstanding");
  EXPECT_EQ(error_of("register", R"([{"process":1,"type":"invoke","f":"read"},{"process":2,"type":"invoke","f":"frob"}])"),
            "event 1: unknown f \"frob\" for the register model (expected read, write or cas)");
  EXPECT_EQ(error_of("lock", R"([{"process":1,"type":"invoke","f":"acquire"},{"process":1,"type":"ok","f":"acquire","value":"x"}])"),
            "event 1: an acquire's ok value (the token granted) must be an integer, not \"x\"");
  EXPECT_EQ(error_of("register", R"([{"process":1,"type":"invoke","f":"write","value":1e400}])").substr(0, 10), "not JSON: ");
  EXPECT_EQ(error_of("register", R"([{"process":1,"type":"invoke","f":"write","value":99999999999999999999}])"),
            "event 0: a write's value must be an integer (64-bit), not 1e+20");
  EXPECT_EQ(error_of("register", R"([{"process":1.5,"type":"invoke","f":"read"}])"),
            "event 0: a process must be an integer or a string");
  EXPECT_EQ(error_of("register", R"({"history": 3})").substr(0, 14), "not a history:");
  EXPECT_EQ(error_of("register", std::string(100000, '[')).substr(0, 14), "not a history:");
  EXPECT_EQ(error_of("register", R"([{"process":1,"type":"invoke","f":"wri)").substr(0, 10), "not JSON: ");
}

TEST(History, truncated_files_are_errors_never_crashes) {
  const std::string text = generate_history(GenerateOptions{"lock", 4, 2, 40, 3}).dump();
  for (std::size_t length = 0; length < text.size(); length += 7) {
    const std::string message = error_of("lock", text.substr(0, length));
    EXPECT_FALSE(message.empty()) << length;
  }
}

// --- lock ------------------------------------------------------------------------------------

TEST(Lock, two_holders_at_once_is_not_linearizable) {
  const Json h = {event("a", "invoke", "acquire", nullptr, "L"), event("a", "ok", "acquire", 1, "L"),
                  event("b", "invoke", "acquire", nullptr, "L"), event("b", "ok", "acquire", 2, "L")};
  const Checked checked = check("lock", h);
  ASSERT_EQ(checked.verdict.result, Result::not_linearizable);
  EXPECT_EQ(checked.verdict.key, "L");
  EXPECT_EQ(window_of(checked), (std::vector<std::string>{"acquire@0", "acquire@2"}));
}

TEST(Lock, an_expiry_frees_the_lock_for_another_client) {
  const Json h = {event("a", "invoke", "acquire", nullptr, "L"), event("a", "ok", "acquire", 1, "L"),
                  event("service", "invoke", "expire", "a"),     event("service", "ok", "expire", "a"),
                  event("b", "invoke", "acquire", nullptr, "L"), event("b", "ok", "acquire", 2, "L"),
                  event("a", "invoke", "release", 1, "L"),       event("a", "ok", "release", "not_holder", "L")};
  EXPECT_EQ(result_of("lock", h), Result::linearizable);
}

TEST(Lock, a_token_going_backwards_is_not_linearizable) {
  const Json h = {event("a", "invoke", "acquire", nullptr, "L"), event("a", "ok", "acquire", 5, "L"),
                  event("a", "invoke", "release", 5, "L"),       event("a", "ok", "release", "released", "L"),
                  event("b", "invoke", "acquire", nullptr, "L"), event("b", "ok", "acquire", 3, "L")};
  EXPECT_EQ(result_of("lock", h), Result::not_linearizable);
}

TEST(Lock, a_release_by_a_non_holder_answered_released_is_not_linearizable) {
  const Json h = {event("a", "invoke", "acquire", nullptr, "L"), event("a", "ok", "acquire", 1, "L"),
                  event("b", "invoke", "release", 1, "L"),       event("b", "ok", "release", "released", "L")};
  EXPECT_EQ(result_of("lock", h), Result::not_linearizable);
}

TEST(Lock, busy_needs_another_holder_and_reacquire_keeps_the_token) {
  const Json held = {event("a", "invoke", "acquire", nullptr, "L"), event("a", "ok", "acquire", 1, "L"),
                     event("b", "invoke", "try_acquire", nullptr, "L"), event("b", "ok", "try_acquire", "busy", "L"),
                     event("a", "invoke", "acquire", nullptr, "L"), event("a", "ok", "acquire", 1, "L")};
  EXPECT_EQ(result_of("lock", held), Result::linearizable);
  const Json free = {event("b", "invoke", "try_acquire", nullptr, "L"), event("b", "ok", "try_acquire", "busy", "L")};
  EXPECT_EQ(result_of("lock", free), Result::not_linearizable);
  Json moved = held;
  moved[5]["value"] = 2;
  EXPECT_EQ(result_of("lock", moved), Result::not_linearizable);
}

TEST(Lock, an_unseen_grant_is_pinned_by_a_later_release_and_bounds_later_tokens) {
  // a's acquire timed out, yet a releases token 4: it was granted 4.
  const Json pinned = {event("a", "invoke", "acquire", nullptr, "L"), event("a", "info", "acquire", nullptr, "L"),
                       event("a", "invoke", "release", 4, "L"),       event("a", "ok", "release", "released", "L"),
                       event("b", "invoke", "acquire", nullptr, "L"), event("b", "ok", "acquire", 5, "L")};
  EXPECT_EQ(result_of("lock", pinned), Result::linearizable);
  Json backwards = pinned;
  backwards[5]["value"] = 4;
  EXPECT_EQ(result_of("lock", backwards), Result::not_linearizable);
  // An expiry frees an unseen grant; the next grant needs room above it: 1 < unseen < 3.
  const Json expired = {event("c", "invoke", "acquire", nullptr, "L"), event("c", "ok", "acquire", 1, "L"),
                        event("c", "invoke", "release", 1, "L"),       event("c", "ok", "release", "released", "L"),
                        event("a", "invoke", "acquire", nullptr, "L"), event("a", "info", "acquire", nullptr, "L"),
                        event("s", "invoke", "expire", "a"),           event("s", "ok", "expire", "a"),
                        event("b", "invoke", "acquire", nullptr, "L"), event("b", "ok", "acquire", 3, "L"),
                        event("a", "invoke", "release", 2, "L"),       event("a", "ok", "release", "not_holder", "L")};
  EXPECT_EQ(result_of("lock", expired), Result::linearizable);
}

TEST(Lock, an_expiry_without_a_key_belongs_to_every_lock) {
  const Json h = {event("a", "invoke", "acquire", nullptr, "L"), event("a", "ok", "acquire", 1, "L"),
                  event("a", "invoke", "acquire", nullptr, "M"), event("a", "ok", "acquire", 1, "M"),
                  event("s", "invoke", "expire", "a"),           event("s", "ok", "expire", "a"),
                  event("b", "invoke", "acquire", nullptr, "L"), event("b", "ok", "acquire", 2, "L"),
                  event("b", "invoke", "acquire", nullptr, "M"), event("b", "ok", "acquire", 2, "M")};
  EXPECT_EQ(result_of("lock", h), Result::linearizable);
}

// A close (LockClient::close, recorded by its history hook) is of no key: it frees every lock
// its caller holds, answered "closed" or "no_session" alike; without it, b's grants are a second
// holder. One with an unknown outcome may or may not have taken effect.
TEST(Lock, a_close_frees_every_lock_of_its_caller) {
  const Json h = {event("a", "invoke", "acquire", nullptr, "L"), event("a", "ok", "acquire", 1, "L"),
                  event("a", "invoke", "acquire", nullptr, "M"), event("a", "ok", "acquire", 1, "M"),
                  event("a", "invoke", "close", nullptr),        event("a", "ok", "close", "closed"),
                  event("b", "invoke", "acquire", nullptr, "L"), event("b", "ok", "acquire", 2, "L"),
                  event("b", "invoke", "acquire", nullptr, "M"), event("b", "ok", "acquire", 2, "M")};
  EXPECT_EQ(result_of("lock", h), Result::linearizable);
  Json gone = h;
  gone[5]["value"] = "no_session";
  EXPECT_EQ(result_of("lock", gone), Result::linearizable);
  Json unknown = h;
  unknown[5] = event("a", "info", "close", nullptr);
  EXPECT_EQ(result_of("lock", unknown), Result::linearizable);
  Json without = h;
  without.erase(5);
  without.erase(4);
  EXPECT_EQ(result_of("lock", without), Result::not_linearizable);
  // b's grant before a's close was invoked: still two holders.
  const Json early = {event("a", "invoke", "acquire", nullptr, "L"), event("a", "ok", "acquire", 1, "L"),
                      event("b", "invoke", "acquire", nullptr, "L"), event("b", "ok", "acquire", 2, "L"),
                      event("a", "invoke", "close", nullptr),        event("a", "ok", "close", "closed")};
  EXPECT_EQ(result_of("lock", early), Result::not_linearizable);
  Json bad = h;
  bad[5]["value"] = "maybe";
  EXPECT_THROW(result_of("lock", bad), HistoryError);
}

// A call of a session takes effect before the session's end (an expiry, a close) or never: the
// service answers a command of an ended session no_session. Here a's acquire timed out; had it
// been granted after a's close (or expiry), b's busy answer would be explained by a dead session
// holding the lock. A call invoked after the end returned is of a new session, not bound.
TEST(Lock, a_call_takes_effect_before_its_session_ends_or_never) {
  const Json closed = {event("a", "invoke", "acquire", nullptr, "L"), event("a", "info", "acquire", nullptr, "L"),
                       event("a", "invoke", "close", nullptr),        event("a", "ok", "close", "closed"),
                       event("b", "invoke", "try_acquire", nullptr, "L"), event("b", "ok", "try_acquire", "busy", "L")};
  EXPECT_EQ(result_of("lock", closed), Result::not_linearizable);
  // b's try overlapping the close: the grant, then busy, then the close.
  Json overlapping = closed;
  std::swap(overlapping[3], overlapping[4]);
  EXPECT_EQ(result_of("lock", overlapping), Result::linearizable);
  // An expiry instead of the close, invoked before the acquire (when a was last known alive).
  const Json expired = {event("s", "invoke", "expire", "a"),              event("a", "invoke", "acquire", nullptr, "L"),
                        event("a", "info", "acquire", nullptr, "L"),      event("s", "ok", "expire", "a"),
                        event("b", "invoke", "try_acquire", nullptr, "L"), event("b", "ok", "try_acquire", "busy", "L")};
  EXPECT_EQ(result_of("lock", expired), Result::not_linearizable);
  // The expiry never completed: it may come later than b's answer.
  Json pending = expired;
  pending.erase(3);
  EXPECT_EQ(result_of("lock", pending), Result::linearizable);
  // An ok grant that returned after the expiry: granted before it, then freed by it.
  const Json granted = {event("s", "invoke", "expire", "a"),          event("a", "invoke", "acquire", nullptr, "L"),
                        event("s", "ok", "expire", "a"),              event("a", "ok", "acquire", 4, "L"),
                        event("b", "invoke", "acquire", nullptr, "L"), event("b", "ok", "acquire", 5, "L")};
  EXPECT_EQ(result_of("lock", granted), Result::linearizable);
  Json busy = granted;
  busy[4] = event("b", "invoke", "try_acquire", nullptr, "L");
  busy[5] = event("b", "ok", "try_acquire", "busy", "L");
  EXPECT_EQ(result_of("lock", busy), Result::not_linearizable);
  // a's next session: its acquire invoked after the close returned holds the lock.
  Json next_session = closed;
  next_session[0] = event("a", "invoke", "close", nullptr);
  next_session[1] = event("a", "ok", "close", "closed");
  next_session[2] = event("a", "invoke", "acquire", nullptr, "L");
  next_session[3] = event("a", "ok", "acquire", 1, "L");
  EXPECT_EQ(result_of("lock", next_session), Result::linearizable);
}

// --- generated histories ---------------------------------------------------------------------

RC_GTEST_PROP(Generated, histories_of_a_real_execution_are_linearizable, ()) {
  GenerateOptions options;
  options.model = *rc::gen::element<std::string>("lock", "register");
  options.clients = *rc::gen::inRange<std::uint32_t>(1, 9);
  options.keys = *rc::gen::inRange<std::uint32_t>(1, 4);
  options.operations = *rc::gen::inRange<std::size_t>(0, 300);
  options.seed = *rc::gen::arbitrary<std::uint64_t>();
  options.info_probability = *rc::gen::element(0.0, 0.05, 0.2);
  options.expire_probability = *rc::gen::element(0.0, 0.01, 0.05);
  History history = read_history(generate_history(options));
  const Verdict verdict = check_history(history, options.model, CheckOptions{});
  RC_ASSERT(verdict.result == Result::linearizable);
}

// Every order of the calls (and every choice of optional calls taking effect) consistent with
// real time, for histories of at most 7 calls: independent of the WGL search.
// With `sessions` false, a call may also take effect after its session's end (SessionSpec).
template <SequentialSpec S>
bool brute_force_linearizable(History& history, bool sessions = true) {
  struct Call {
    typename S::Operation op;
    EventIndex invoke_index;
    std::optional<EventIndex> return_index;
  };
  std::vector<Call> calls;
  for (const RawCall& raw : history.calls) {
    if (raw.outcome == Outcome::fail) continue;
    auto op = S::parse_input(raw, history);
    if (raw.outcome == Outcome::ok) S::parse_output(op, raw);
    calls.push_back(Call{op, raw.invoke_index, raw.outcome == Outcome::ok ? raw.complete_index : std::nullopt});
  }
  const std::size_t n = calls.size();
  for (std::uint32_t mask = 0; mask < (1u << n); ++mask) {
    std::vector<std::size_t> order;
    bool complete = true;
    for (std::size_t i = 0; i < n; ++i) {
      if (mask & (1u << i)) order.push_back(i);
      else complete = complete && !calls[i].return_index;
    }
    if (!complete) continue;
    do {
      bool possible = true;
      auto state = S::init();
      for (std::size_t i = 0; i < order.size() && possible; ++i) {
        for (std::size_t j = i + 1; j < order.size(); ++j) {
          const auto& later = calls[order[j]];
          possible = possible && !(later.return_index && *later.return_index < calls[order[i]].invoke_index);
          if constexpr (SessionSpec<S>) {  // a call after the end of its session
            if (!sessions) continue;
            const auto& earlier = calls[order[i]];
            const auto ended = S::ends_session_of(earlier.op);
            const bool bound = !earlier.return_index || *earlier.return_index > later.invoke_index;
            possible = possible && !(ended && S::session_of(later.op) == ended && bound);
          }
        }
        auto next = possible ? S::step(state, calls[order[i]].op) : std::nullopt;
        possible = next.has_value();
        if (possible) state = *next;
      }
      if (possible) return true;
    } while (std::next_permutation(order.begin(), order.end()));
  }
  return false;
}

// Changes one output at random (a read's value, a token, a release's answer), or none.
void corrupt(Json& events, std::mt19937_64& random) {
  std::vector<std::size_t> completions;
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (events[i]["type"] == "ok" && events[i]["f"] != "write" && events[i]["f"] != "expire") completions.push_back(i);
  }
  if (completions.empty() || random() % 4 == 0) return;
  Json& completion = events[completions[random() % completions.size()]];
  Json& value = completion["value"];
  if (completion["f"] == "release") value = value == "released" ? "not_holder" : "released";
  else if (completion["f"] == "try_acquire" && random() % 2) value = "busy";
  else if (completion["f"] != "cas") value = static_cast<std::int64_t>(random() % 5);
}

TEST(BruteForce, agrees_with_the_search_on_small_possibly_corrupted_histories) {
  std::mt19937_64 random(20240611);
  int disagreements = 0;
  int violations = 0;
  int compared = 0;
  for (int round = 0; round < 1000; ++round) {
    GenerateOptions options;
    options.model = round % 2 ? "lock" : "register";
    options.clients = 1 + random() % 4;
    options.keys = 1;
    options.operations = 1 + random() % 6;
    options.seed = random();
    options.info_probability = 0.15;
    options.expire_probability = 0.02;
    Json document = generate_history(options);
    corrupt(document["history"], random);
    History history = read_history(document);
    if (history.calls.size() > 7) continue;
    History copy = history;
    const bool expected = options.model == "lock" ? brute_force_linearizable<LockSpec>(copy)
                                                  : brute_force_linearizable<RegisterSpec>(copy);
    const Result result = check_history(history, options.model, CheckOptions{}).result;
    violations += !expected;
    ++compared;
    if ((result == Result::linearizable) != expected) {
      ++disagreements;
      ADD_FAILURE() << "seed " << options.seed << " model " << options.model << ": brute force says " << expected
                    << "\n" << document.dump();
    }
  }
  EXPECT_EQ(disagreements, 0);
  EXPECT_GT(compared, 800);
  EXPECT_GT(violations, 100);  // the corruptions do break histories: the comparison is not vacuous
  EXPECT_LT(violations, compared - 100);
}

// Small lock histories shaped like a nemesis run's end: clients whose last acquire timed out
// (info) or never returned and then stopped, their sessions' expiries pending or done, busy
// answers, tokens at random. The calls the lock leaves out of its search (LockSpec::redundant)
// must not change one verdict: the brute force above never leaves any out.
Json nemesis_like_lock_history(std::mt19937_64& random) {
  const char* processes[] = {"a", "b", "c"};
  enum class Stage { idle, busy, stopped };
  Stage stage[3] = {Stage::idle, Stage::idle, Stage::idle};
  const char* outstanding_f[3] = {};
  Json events = Json::array();
  int calls = 0;
  int expiries = 0;
  std::vector<std::string> pending_expiries;
  const auto pick = [&](int n) { return static_cast<int>(random() % static_cast<std::uint64_t>(n)); };
  for (int step = 0; step < 40 && calls < 6; ++step) {
    const int p = pick(3);
    if (pick(6) == 0) {  // the service expires a session
      const std::string service = "expire-" + std::to_string(expiries++);
      events.push_back(event(service, "invoke", "expire", processes[pick(3)]));
      if (pick(2)) events.push_back(event(service, "ok", "expire", events.back()["value"]));
      ++calls;
      continue;
    }
    if (stage[p] == Stage::idle) {
      static const char* fs[] = {"acquire", "acquire", "try_acquire", "release"};
      outstanding_f[p] = fs[pick(4)];
      const Json value = std::string(outstanding_f[p]) == "release" ? Json(1 + pick(3)) : Json(nullptr);
      events.push_back(event(processes[p], "invoke", outstanding_f[p], value, "L"));
      stage[p] = Stage::busy;
      ++calls;
    } else if (stage[p] == Stage::busy) {
      const std::string f = outstanding_f[p];
      if (f != "release" && pick(3) == 0) {
        events.push_back(event(processes[p], "info", outstanding_f[p], nullptr, "L"));
        stage[p] = pick(4) ? Stage::stopped : Stage::idle;  // most clients give up on the session
        continue;
      }
      Json out;
      if (f == "release") out = pick(2) ? "released" : "not_holder";
      else if (f == "try_acquire" && pick(3) == 0) out = "busy";
      else out = 1 + pick(3);
      events.push_back(event(processes[p], "ok", outstanding_f[p], out, "L"));
      stage[p] = Stage::idle;
    }
  }
  return Json{{"model", "lock"}, {"history", events}};
}

TEST(BruteForce, the_calls_the_lock_leaves_out_never_change_the_verdict) {
  std::mt19937_64 random(20261205);
  int compared = 0;
  int with_left_out[2] = {0, 0};  // [not linearizable, linearizable]
  int decided_by_sessions = 0;    // linearizable only if calls may outlive their sessions
  for (int round = 0; round < 3000; ++round) {
    const Json document = nemesis_like_lock_history(random);
    History history = read_history(document);
    if (history.calls.size() > 7) continue;
    History copy = history;
    const bool expected = brute_force_linearizable<LockSpec>(copy);
    const Verdict verdict = check_history(history, "lock", CheckOptions{});
    ++compared;
    History unbound = history;
    if (brute_force_linearizable<LockSpec>(unbound, false) != expected) ++decided_by_sessions;
    if (verdict.left_out > 0) ++with_left_out[expected ? 1 : 0];
    if ((verdict.result == Result::linearizable) != expected) {
      ADD_FAILURE() << "brute force says " << expected << ", " << verdict.left_out << " calls left out:\n" << document.dump();
    }
  }
  EXPECT_GT(compared, 2000);
  // Not vacuous: calls were left out of histories that are linearizable and of some that are not.
  EXPECT_GT(with_left_out[1], 200) << with_left_out[0] << " " << with_left_out[1];
  EXPECT_GT(with_left_out[0], 100) << with_left_out[0] << " " << with_left_out[1];
  EXPECT_GT(decided_by_sessions, 10);  // and the sessions' rule is exercised (17)
}

// The pattern of a long nemesis run: a client's acquire times out after the lock was taken
// from it, the client stops, and its session's expiry never completes. That pair is left out of
// the lock's search (and the expiry out of every other lock's): the verdict is the same, and
// fourteen such pairs no longer multiply the configurations.
TEST(Lock, a_timed_out_last_acquire_and_its_pending_expiry_are_left_out) {
  Json events = Json::array();
  std::int64_t token = 0;
  for (int session = 0; session < 14; ++session) {
    const std::string gone = "gone-" + std::to_string(session);
    events.push_back(event(gone, "invoke", "acquire", nullptr, "L"));
    events.push_back(event("expire:" + gone, "invoke", "expire", gone));
    events.push_back(event(gone, "info", "acquire", nullptr, "L"));
  }
  for (int round = 0; round < 400; ++round) {
    const std::string client = "c" + std::to_string(round % 4);
    events.push_back(event(client, "invoke", "acquire", nullptr, round % 2 ? "L" : "M"));
    events.push_back(event(client, "ok", "acquire", ++token, round % 2 ? "L" : "M"));
    events.push_back(event(client, "invoke", "release", token, round % 2 ? "L" : "M"));
    events.push_back(event(client, "ok", "release", "released", round % 2 ? "L" : "M"));
  }
  const Checked checked = check("lock", events);
  EXPECT_EQ(checked.verdict.result, Result::linearizable);
  EXPECT_EQ(checked.verdict.left_out, 14u * 3);  // 14 acquires on L, 14 expiries on L and on M
  EXPECT_LT(checked.verdict.configurations, 2000u);
  EXPECT_EQ(verdict_json(checked.history, checked.verdict)["left_out"], 14 * 3);
  // A token going backwards after them is still found, and the search that must rule out every
  // order stays small: with the pairs in it, each could take effect at any point (2^14 subsets).
  Json broken = events;
  broken[broken.size() - 3]["value"] = 1;
  // (With them, this check did not end within minutes; now it takes a fraction of a second.)
  History failed_history = read_history(broken);
  CheckOptions bounded;
  bounded.timeout_seconds = 60;
  const Verdict failed = check_history(failed_history, "lock", bounded);
  EXPECT_EQ(failed.result, Result::not_linearizable);
  EXPECT_EQ(failed.left_out, 14u * 3);
}

// A search whose cache of configurations passes the memory bound gives up (unknown, saying it was
// the memory), where it would otherwise have been killed for lack of memory; without the bound
// the same history is linearizable.
TEST(Bounds, a_search_past_its_memory_bound_gives_up_and_says_so) {
  const Json document = generate_history(GenerateOptions{"register", 16, 1, 1000, 7});
  History bounded_history = read_history(document);
  CheckOptions bounded;
  bounded.memory_bytes = 64 << 10;
  const Verdict gave_up = check_history(bounded_history, "register", bounded);
  EXPECT_EQ(gave_up.result, Result::unknown);
  EXPECT_TRUE(gave_up.memory_bound);
  EXPECT_NE(verdict_text(bounded_history, gave_up).find("gave up at the memory bound"), std::string::npos)
      << verdict_text(bounded_history, gave_up);
  EXPECT_EQ(verdict_json(bounded_history, gave_up)["gave_up"], "memory");
  History history = read_history(document);
  const Verdict verdict = check_history(history, "register", CheckOptions{});
  EXPECT_EQ(verdict.result, Result::linearizable);
  EXPECT_FALSE(verdict.memory_bound);
  EXPECT_GT(verdict.configurations, 10000u);  // more than the bound above holds
  EXPECT_TRUE(verdict_json(history, verdict)["gave_up"].is_null());
}

// The cache keeps each configuration in a few indices, not a bit per call of the key: a long
// history on one lock is checked in a small fraction of the memory that a bitset per
// configuration took (at least a configuration per call, each of calls/8 bytes: here about 3 GB).
TEST(Bounds, a_long_history_on_one_key_fits_a_small_memory_bound) {
  GenerateOptions options{"lock", 8, 1, 100000, 11};
  options.info_probability = 0;
  History history = read_history(generate_history(options));
  CheckOptions bounded;
  bounded.memory_bytes = 128 << 20;
  const Verdict verdict = check_history(history, "lock", bounded);
  EXPECT_EQ(verdict.result, Result::linearizable) << verdict_text(history, verdict);
  EXPECT_GT(verdict.configurations, 100000u);
  const double bitset_bytes = static_cast<double>(verdict.configurations) * static_cast<double>(verdict.operations) / 8;
  EXPECT_GT(bitset_bytes, 10.0 * static_cast<double>(bounded.memory_bytes));
}

// --- smoke: the scale the benchmark measures ---------------------------------------------------

TEST(Smoke, ten_thousand_lock_operations_are_checked_in_seconds) {
  History history = read_history(generate_history(GenerateOptions{"lock", 16, 16, 10000, 7}));
  const auto start = std::chrono::steady_clock::now();
  const Verdict verdict = check_history(history, "lock", CheckOptions{});
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(verdict.result, Result::linearizable);
  EXPECT_EQ(verdict.partitions, 16u);
  EXPECT_LT(seconds, 20.0);
}

}  // namespace
}  // namespace lockstep::linearizability
