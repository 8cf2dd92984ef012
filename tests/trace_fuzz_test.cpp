// Fuzzing the trace reader (issue 14): RapidCheck-generated JSON, and random mutations of valid
// traces of every protocol (fields deleted, duplicated, retyped; huge numbers; deep nesting; the
// text cut short or garbled), fed to everything a trace command runs: the reader (from text and
// from a file), the loader, replay, the views (text and HTML) and shrink. Each input must be
// read or refused with a TraceError: never a crash, never another exception.
//
// The number of inputs is RapidCheck's (RC_PARAMS="max_success=N"; ctest sets it so that the
// run takes well under a minute).
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <typeinfo>

#include "tests/support/trace_support.hpp"
#include "traces/itf_reader.hpp"
#include "traces/replay.hpp"
#include "traces/show.hpp"
#include "traces/shrink_itf.hpp"

namespace lockstep {
namespace {

// Valid traces: the stored counterexamples of every protocol's seeded bugs, a Paxos run with every
// kind of fault, and a Paxos.tla run.
const std::vector<Json>& seeds() {
  static const std::vector<Json> traces = [] {
    std::vector<Json> out{testing::paxos_faults_trace(), testing::paxos_tla_trace(6)};
    for (const auto& entry : std::filesystem::directory_iterator(std::string(LOCKSTEP_SOURCE_DIR) + "/traces/regressions")) {
      if (entry.path().string().ends_with(".itf.json")) out.push_back(Json::parse(std::ifstream(entry.path())));
    }
    return out;
  }();
  return traces;
}

const std::vector<std::string>& words() {
  static const std::vector<std::string> list{
      "#meta", "vars", "states", "index", "action", "tag", "value", "Init", "#set", "#map", "#tup", "#bigint",
      "protocol", "model", "invariant", "paxos", "raft", "lock", "multipaxos", "paxos-tla", "Some", "None",
      "Deliver", "Crash", "Recover", "Timer", "Request", "nodes", "network", "from", "to", "message", "",
      "\xff\xfe", "99999999999999999999999999", "-1"};
  return list;
}

rc::Gen<Json> scalar() {
  return rc::gen::oneOf(
      rc::gen::just(Json(nullptr)), rc::gen::map(rc::gen::arbitrary<bool>(), [](bool b) { return Json(b); }),
      rc::gen::map(rc::gen::inRange<std::int64_t>(-3, 70), [](std::int64_t n) { return Json(n); }),
      rc::gen::map(rc::gen::arbitrary<std::int64_t>(), [](std::int64_t n) { return Json(n); }),
      rc::gen::map(rc::gen::arbitrary<std::uint64_t>(), [](std::uint64_t n) { return Json(n); }),
      rc::gen::map(rc::gen::arbitrary<double>(), [](double n) { return Json(n); }),
      rc::gen::map(rc::gen::elementOf(words()), [](const std::string& s) { return Json(s); }),
      rc::gen::map(rc::gen::arbitrary<std::string>(), [](const std::string& s) { return Json(s); }),
      rc::gen::map(rc::gen::elementOf(words()), [](const std::string& s) { return Json{{"#bigint", s}}; }));
}

// A random value at most `depth` containers deep, with ITF's words among its keys and strings.
rc::Gen<Json> value(int depth) {
  if (depth == 0) return scalar();
  const auto key = rc::gen::oneOf(rc::gen::elementOf(words()), rc::gen::arbitrary<std::string>());
  return rc::gen::oneOf(
      scalar(), scalar(),
      rc::gen::map(rc::gen::resize(4, rc::gen::container<std::vector<Json>>(value(depth - 1))),
                   [](std::vector<Json> items) { return Json(std::move(items)); }),
      rc::gen::map(rc::gen::resize(4, rc::gen::container<std::vector<std::pair<std::string, Json>>>(
                                          rc::gen::pair(key, value(depth - 1)))),
                   [](const std::vector<std::pair<std::string, Json>>& members) {
                     Json object = Json::object();
                     for (const auto& [k, v] : members) object[k] = v;
                     return object;
                   }));
}

// Runs `text` through what the trace commands run; TraceError is the one answer to a bad trace.
void feed(const std::string& text, bool from_file) {
  try {
    ItfTrace itf;
    if (from_file) {
      const std::string path = ::testing::TempDir() + "lockstep_trace_fuzz_" + std::to_string(::getpid()) + ".itf.json";
      std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
      itf = read_itf_file(path);
      std::remove(path.c_str());
    } else {
      itf = read_itf_text(text);
    }
    const LoadedTrace trace = load_trace(std::move(itf));
    replay(trace);
    const std::vector<StepView> views = view_steps(trace);
    show_text(trace, views, true);
    show_html(trace, views);
    if (trace.itf.steps.size() <= 30) shrink_itf(trace, ShrinkOptions{300});
    RC_TAG("read");
  } catch (const TraceError&) {
    RC_TAG("refused");
  } catch (const std::exception& e) {
    RC_FAIL(std::string("not a TraceError: ") + typeid(e).name() + ": " + e.what());
  }
}

// Walks into `json` along `choices` (each one picks a member or an element, modulo the count) and
// returns the value it stops at and its parent (null at the root).
std::pair<Json*, Json*> walk_to(Json& json, const std::vector<std::size_t>& choices) {
  Json* parent = nullptr;
  Json* at = &json;
  for (const std::size_t choice : choices) {
    if (!at->is_structured() || at->empty()) break;
    parent = at;
    at = at->is_array() ? &(*at)[choice % at->size()]
                        : &std::next(at->begin(), static_cast<std::ptrdiff_t>(choice % at->size())).value();
  }
  return {at, parent};
}

enum class Edit { erase, duplicate, retype, huge_number, nest, swap, rename };

void apply(Json& json, Edit edit, const std::vector<std::size_t>& choices, const Json& replacement, std::size_t amount) {
  auto [at, parent] = walk_to(json, choices);
  switch (edit) {
    case Edit::erase:
      if (parent == nullptr) return;
      if (parent->is_array()) {
        parent->erase(static_cast<std::size_t>(at - &(*parent)[0]));
      } else {
        for (auto it = parent->begin(); it != parent->end(); ++it) {
          if (&it.value() == at) {
            parent->erase(it);
            break;
          }
        }
      }
      return;
    case Edit::duplicate:
      if (parent != nullptr && parent->is_array()) {
        const Json copy = *at;
        parent->insert(parent->begin() + (at - &(*parent)[0]), copy);
      } else if (parent != nullptr) {
        (*parent)["copy"] = *at;
      }
      return;
    case Edit::retype: *at = replacement; return;
    case Edit::huge_number: {
      const Json numbers[] = {Json(std::numeric_limits<std::uint64_t>::max()), Json(std::numeric_limits<std::int64_t>::min()),
                              Json(1e308), Json(-1e308), Json(0.5), Json{{"#bigint", "123456789012345678901234567890"}},
                              Json{{"#bigint", "-9223372036854775808"}}, Json(255), Json(256), Json(65536)};
      *at = numbers[amount % std::size(numbers)];
      return;
    }
    case Edit::nest:
      for (std::size_t i = 0; i < amount % 300; ++i) *at = Json::array({std::move(*at)});
      return;
    case Edit::swap:
      if (parent != nullptr && parent->size() > 1) {
        std::swap(*at, std::next(parent->begin(), static_cast<std::ptrdiff_t>(amount % parent->size())).value());
      }
      return;
    case Edit::rename:
      if (at->is_string()) *at = words()[amount % words().size()];
      return;
  }
}

enum class Garble { none, cut, flip, splice_deep, splice_number };

std::string garble(std::string text, Garble how, std::size_t where, std::size_t amount) {
  const std::size_t at = text.empty() ? 0 : where % text.size();
  switch (how) {
    case Garble::none: break;
    case Garble::cut: text.resize(at); break;
    case Garble::flip:
      if (!text.empty()) text[at] = static_cast<char>(text[at] ^ static_cast<char>(1 + amount % 255));
      break;
    case Garble::splice_deep: {
      const std::size_t depth = amount % 2 == 0 ? amount % 400 : 100'000;
      text.insert(at, std::string(depth, '[') + std::string(depth, ']'));
      break;
    }
    case Garble::splice_number: {
      const char* numbers[] = {"1e999999", "-123456789012345678901234567890", "18446744073709551616", "-0", "1.5e-400"};
      text.insert(at, numbers[amount % std::size(numbers)]);
      break;
    }
  }
  return text;
}

RC_GTEST_PROP(TraceFuzz, mutated_traces_are_read_or_refused_with_a_trace_error, ()) {
  Json json = seeds()[*rc::gen::inRange<std::size_t>(0, seeds().size())];
  const auto edits = *rc::gen::resize(4, rc::gen::container<std::vector<std::tuple<Edit, std::vector<std::size_t>, std::size_t>>>(
      rc::gen::tuple(rc::gen::element(Edit::erase, Edit::duplicate, Edit::retype, Edit::huge_number, Edit::nest,
                                      Edit::swap, Edit::rename),
                     rc::gen::container<std::vector<std::size_t>>(rc::gen::arbitrary<std::size_t>()),
                     rc::gen::arbitrary<std::size_t>())));
  for (const auto& [edit, choices, amount] : edits) apply(json, edit, choices, *value(2), amount);
  const Garble how = *rc::gen::weightedElement<Garble>(
      {{6, Garble::none}, {1, Garble::cut}, {1, Garble::flip}, {1, Garble::splice_deep}, {1, Garble::splice_number}});
  const std::string text = garble(json.dump(*rc::gen::element(-1, 1), ' ', false, Json::error_handler_t::replace), how, *rc::gen::arbitrary<std::size_t>(),
                                  *rc::gen::arbitrary<std::size_t>());
  feed(text, *rc::gen::inRange(0, 8) == 0);
}

RC_GTEST_PROP(TraceFuzz, random_json_is_read_or_refused_with_a_trace_error, ()) {
  // A trace's outline with random parts: a valid "#meta" or a random one, random "vars" and states.
  const Json& seed = seeds()[*rc::gen::inRange<std::size_t>(0, seeds().size())];
  Json json = Json::object();
  if (*rc::gen::arbitrary<bool>()) json["#meta"] = *rc::gen::arbitrary<bool>() ? seed["#meta"] : *value(3);
  if (*rc::gen::arbitrary<bool>()) json["vars"] = *rc::gen::arbitrary<bool>() ? seed["vars"] : *value(2);
  json["states"] = *rc::gen::container<std::vector<Json>>(value(4));
  const Json whole = *rc::gen::arbitrary<bool>() ? json : *value(4);
  feed(whole.dump(-1, ' ', false, Json::error_handler_t::replace), false);  // random strings: not all UTF-8
}

}  // namespace
}  // namespace lockstep
