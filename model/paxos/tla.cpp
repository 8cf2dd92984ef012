#include "model/paxos/tla.hpp"

#include <algorithm>
#include <bit>

namespace lockstep::paxos_tla {

void lockstep_print(std::string& out, const Acceptor& a) { out += "a" + std::to_string(a.value); }
void lockstep_print(std::string& out, const Value& v) { out += v.value == 0 ? "None" : "v" + std::to_string(v.value); }

void lockstep_encode(ByteWriter& w, const State& s) {
  w.raw(s.max_bal.data(), s.max_bal.size());
  w.raw(s.max_vbal.data(), s.max_vbal.size());
  w.raw(s.max_val.data(), s.max_val.size());
  std::size_t words = s.msgs.size();
  while (words > 0 && s.msgs[words - 1] == 0) --words;
  w.byte(static_cast<std::uint8_t>(words));
  w.raw(s.msgs.data(), words * sizeof(std::uint64_t));
}

void lockstep_decode(ByteReader& r, State& s) {
  r.raw(s.max_bal.data(), s.max_bal.size());
  r.raw(s.max_vbal.data(), s.max_vbal.size());
  r.raw(s.max_val.data(), s.max_val.size());
  const std::size_t words = r.byte();
  if (words > s.msgs.size()) throw CodecError("msgs has too many words");
  s.msgs.fill(0);
  r.raw(s.msgs.data(), words * sizeof(std::uint64_t));
}

Universe::Universe(const Config& config)
    : a_(config.acceptors), b_(config.ballots), v_(config.values) {
  base_1b_ = static_cast<std::size_t>(b_);
  base_2a_ = base_1b_ + static_cast<std::size_t>(a_) * b_ * (b_ + 1) * (v_ + 1);
  base_2b_ = base_2a_ + static_cast<std::size_t>(b_) * v_;
  per_value_ = ((std::size_t{1} << 20) + static_cast<std::size_t>(v_) - 1) / static_cast<std::size_t>(v_);
  per_ballot_ = ((std::size_t{1} << 20) + static_cast<std::size_t>(b_) - 1) / static_cast<std::size_t>(b_);
}

std::string validate(const Config& config) {
  if (config.acceptors < 1 || config.acceptors > acceptors_max) {
    return "--acceptors must be between 1 and " + std::to_string(acceptors_max);
  }
  if (config.ballots < 1 || config.ballots > ballots_max) {
    return "--ballots must be between 1 and " + std::to_string(ballots_max);
  }
  if (config.values < 1 || config.values > values_max) {
    return "--values must be between 1 and " + std::to_string(values_max);
  }
  if (Universe(config).size() > words_max * 64) {
    return "the message universe of these constants (" + std::to_string(Universe(config).size()) +
           " messages) exceeds the reference mode's limit of " + std::to_string(words_max * 64);
  }
  return "";
}

State initial_state(const Config& config) {
  State s;
  for (std::size_t a = 0; a < config.acceptors; ++a) {
    s.max_bal[a] = -1;
    s.max_vbal[a] = -1;
  }
  return s;
}

namespace {

// Phase2a(b, v)'s guard: the values v it allows for ballot b (bit v set), given msgs.
std::uint32_t phase2a_values(const Config& config, const Universe& u, const State& s, int b) {
  const int acceptors = config.acceptors;
  std::uint32_t has_1b = 0;
  std::array<int, acceptors_max> mbal{};
  std::array<int, acceptors_max> mval{};
  // Acceptor a's 1b messages for ballot b, 1b(a, b, m, v) for m = -1..b-1, are consecutive bits,
  // m-major: the first that Phase1b can send (v = None exactly when m = -1) is the one heard.
  const auto per_mbal = static_cast<std::size_t>(config.values) + 1;
  const std::size_t count = static_cast<std::size_t>(b + 1) * per_mbal;
  for (int a = 0; a < acceptors; ++a) {
    const std::size_t first = u.of_1b(a, b, -1, 0);
    for (std::size_t start = 0; start < count && !((has_1b >> a) & 1u); start += 64) {
      for (std::uint64_t bits = bits_at(s, first + start, std::min<std::size_t>(64, count - start)); bits != 0;
           bits &= bits - 1) {
        const std::size_t i = start + static_cast<std::size_t>(std::countr_zero(bits));
        const int m = static_cast<int>(i / per_mbal) - 1;
        const int v = static_cast<int>(i % per_mbal);
        if ((m < 0) != (v == 0)) continue;  // not a message Phase1b sends
        has_1b |= 1u << a;
        mbal[a] = m;
        mval[a] = v;
        break;
      }
    }
  }
  const int quorum = acceptors / 2 + 1;
  if (std::popcount(has_1b) < quorum) return 0;
  const std::uint32_t all_values = ((1u << config.values) - 1) << 1;
  std::uint32_t allowed = 0;
  for (std::uint32_t q = has_1b;; q = (q - 1) & has_1b) {  // every subset of the acceptors heard
    if (std::popcount(q) >= quorum) {
      int highest = -1;
      for (int a = 0; a < acceptors; ++a) {
        if ((q >> a) & 1u) highest = std::max(highest, mbal[a]);
      }
      if (highest < 0) return all_values;
      for (int a = 0; a < acceptors; ++a) {
        if (((q >> a) & 1u) && mbal[a] == highest) allowed |= 1u << mval[a];
      }
    }
    if (q == 0) break;
  }
  return allowed;
}

}  // namespace

void for_each_successor(const Config& config, const Universe& u, const State& s, void* context, Emit emit) {
  const int ballots = config.ballots;
  for (int b = 0; b < ballots; ++b) {  // Phase1a(b)
    if (has(s, u.of_1a(b))) continue;
    State next = s;
    add(next, u.of_1a(b));
    emit(context, Phase1a{static_cast<std::int8_t>(b)}, std::move(next));
  }
  for (int a = 0; a < config.acceptors; ++a) {  // Phase1b(a)
    for (int b = s.max_bal[a] + 1; b < ballots; ++b) {
      if (!has(s, u.of_1a(b))) continue;
      State next = s;
      next.max_bal[a] = static_cast<std::int8_t>(b);
      add(next, u.of_1b(a, b, s.max_vbal[a], s.max_val[a]));
      emit(context, Phase1b{Acceptor{static_cast<std::uint8_t>(a + 1)}, static_cast<std::int8_t>(b)}, std::move(next));
    }
  }
  for (int b = 0; b < ballots; ++b) {  // Phase2a(b, v)
    if (bits_at(s, u.of_2a(b, 1), config.values) != 0) continue;  // a 2a message of ballot b was sent
    const std::uint32_t allowed = phase2a_values(config, u, s, b);
    for (int v = 1; v <= config.values; ++v) {
      if (!((allowed >> v) & 1u)) continue;
      State next = s;
      add(next, u.of_2a(b, v));
      emit(context, Phase2a{static_cast<std::int8_t>(b), Value{static_cast<std::uint8_t>(v)}}, std::move(next));
    }
  }
  for (int a = 0; a < config.acceptors; ++a) {  // Phase2b(a)
    for (int b = std::max<int>(s.max_bal[a], 0); b < ballots; ++b) {
      for (int v = 1; v <= config.values; ++v) {
        if (!has(s, u.of_2a(b, v))) continue;
        // A vote it already cast, with nothing above it since, changes nothing: left out.
        if (s.max_bal[a] == b && s.max_vbal[a] == b && s.max_val[a] == v && has(s, u.of_2b(a, b, v))) continue;
        State next = s;
        next.max_bal[a] = static_cast<std::int8_t>(b);
        next.max_vbal[a] = static_cast<std::int8_t>(b);
        next.max_val[a] = static_cast<std::uint8_t>(v);
        add(next, u.of_2b(a, b, v));
        emit(context,
             Phase2b{Acceptor{static_cast<std::uint8_t>(a + 1)}, static_cast<std::int8_t>(b), Value{static_cast<std::uint8_t>(v)}},
             std::move(next));
      }
    }
  }
}

std::vector<Renaming> all_renamings(const Config& config) {
  const Universe u(config);
  std::vector<int> acceptors(config.acceptors);
  std::vector<int> values(config.values);
  for (int a = 0; a < config.acceptors; ++a) acceptors[a] = a;
  std::vector<Renaming> out;
  do {
    for (int v = 0; v < config.values; ++v) values[v] = v + 1;
    do {
      Renaming r;
      for (int a = 0; a < config.acceptors; ++a) r.acceptor[a] = static_cast<std::uint8_t>(acceptors[a]);
      for (int v = 1; v <= config.values; ++v) r.value[v] = static_cast<std::uint8_t>(values[v - 1]);
      r.message.assign(u.size(), 0);
      for (int b = 0; b < config.ballots; ++b) {
        r.message[u.of_1a(b)] = static_cast<std::uint16_t>(u.of_1a(b));
        for (int v = 1; v <= config.values; ++v) {
          r.message[u.of_2a(b, v)] = static_cast<std::uint16_t>(u.of_2a(b, r.value[v]));
        }
        for (int a = 0; a < config.acceptors; ++a) {
          for (int v = 1; v <= config.values; ++v) {
            r.message[u.of_2b(a, b, v)] = static_cast<std::uint16_t>(u.of_2b(r.acceptor[a], b, r.value[v]));
          }
          for (int m = -1; m < config.ballots; ++m) {
            for (int v = 0; v <= config.values; ++v) {
              r.message[u.of_1b(a, b, m, v)] = static_cast<std::uint16_t>(u.of_1b(r.acceptor[a], b, m, r.value[v]));
            }
          }
        }
      }
      out.push_back(std::move(r));
    } while (std::next_permutation(values.begin(), values.end()));
  } while (std::next_permutation(acceptors.begin(), acceptors.end()));
  return out;
}

State rename(const Config& config, const Renaming& r, const State& s) {
  State out = s;
  for (int a = 0; a < config.acceptors; ++a) {
    out.max_bal[r.acceptor[a]] = s.max_bal[a];
    out.max_vbal[r.acceptor[a]] = s.max_vbal[a];
    out.max_val[r.acceptor[a]] = r.value[s.max_val[a]];
  }
  out.msgs.fill(0);
  for (std::size_t w = 0; w < s.msgs.size(); ++w) {
    for (std::uint64_t bits = s.msgs[w]; bits != 0; bits &= bits - 1) {
      add(out, r.message[w * 64 + static_cast<std::size_t>(std::countr_zero(bits))]);
    }
  }
  return out;
}

namespace {

std::string acceptor_name(int a) { return "a" + std::to_string(a + 1); }
Json value_json(int v) { return v == 0 ? Json("None") : Json("v" + std::to_string(v)); }

int value_from_json(const Config& config, const Json& json, const std::string& path) {
  if (json == "None") return 0;
  if (json.is_string()) {
    const std::string text = json.get<std::string>();
    for (int v = 1; v <= config.values; ++v) {
      if (text == "v" + std::to_string(v)) return v;
    }
  }
  throw JsonError(path + ": expected None or a value v1..v" + std::to_string(config.values));
}

int acceptor_from_json(const Config& config, const Json& json, const std::string& path) {
  if (json.is_string()) {
    for (int a = 0; a < config.acceptors; ++a) {
      if (json == acceptor_name(a)) return a;
    }
  }
  throw JsonError(path + ": expected an acceptor a1..a" + std::to_string(config.acceptors));
}

int ballot_from_json(const Config& config, const Json& json, const std::string& path, bool allow_none) {
  if (json.is_number_integer()) {
    const int b = json.get<int>();
    if (b >= (allow_none ? -1 : 0) && b < config.ballots) return b;
  }
  throw JsonError(path + ": expected a ballot " + (allow_none ? "-1" : "0") + ".." +
                  std::to_string(config.ballots - 1));
}

}  // namespace

Json state_to_json(const Config& config, const State& s) {
  const Universe u(config);
  Json max_bal = Json::array(), max_vbal = Json::array(), max_val = Json::array();
  for (int a = 0; a < config.acceptors; ++a) {
    max_bal.push_back(Json::array({acceptor_name(a), s.max_bal[a]}));
    max_vbal.push_back(Json::array({acceptor_name(a), s.max_vbal[a]}));
    max_val.push_back(Json::array({acceptor_name(a), value_json(s.max_val[a])}));
  }
  Json msgs = Json::array();
  for (int b = 0; b < config.ballots; ++b) {
    if (has(s, u.of_1a(b))) msgs.push_back({{"type", "1a"}, {"bal", b}});
  }
  for (int a = 0; a < config.acceptors; ++a) {
    for (int b = 0; b < config.ballots; ++b) {
      for (int m = -1; m < config.ballots; ++m) {
        for (int v = 0; v <= config.values; ++v) {
          if (!has(s, u.of_1b(a, b, m, v))) continue;
          msgs.push_back({{"type", "1b"}, {"acc", acceptor_name(a)}, {"bal", b}, {"mbal", m}, {"mval", value_json(v)}});
        }
      }
    }
  }
  for (int b = 0; b < config.ballots; ++b) {
    for (int v = 1; v <= config.values; ++v) {
      if (has(s, u.of_2a(b, v))) msgs.push_back({{"type", "2a"}, {"bal", b}, {"val", value_json(v)}});
    }
  }
  for (int a = 0; a < config.acceptors; ++a) {
    for (int b = 0; b < config.ballots; ++b) {
      for (int v = 1; v <= config.values; ++v) {
        if (has(s, u.of_2b(a, b, v))) {
          msgs.push_back({{"type", "2b"}, {"acc", acceptor_name(a)}, {"bal", b}, {"val", value_json(v)}});
        }
      }
    }
  }
  return Json{{"maxBal", {{"#map", max_bal}}},
              {"maxVBal", {{"#map", max_vbal}}},
              {"maxVal", {{"#map", max_val}}},
              {"msgs", {{"#set", msgs}}}};
}

namespace {

std::size_t message_from_json(const Config& config, const Universe& u, const Json& m, const std::string& path) {
  if (!m.is_object() || !m.contains("type")) throw JsonError(path + ": expected a message record with a type");
  auto field = [&](const char* key) -> const Json& {
    if (!m.contains(key)) throw JsonError(path + ": missing \"" + key + "\"");
    return m[key];
  };
  const std::string at = path + ".";
  if (m["type"] == "1a") return u.of_1a(ballot_from_json(config, field("bal"), at + "bal", false));
  if (m["type"] == "1b") {
    return u.of_1b(acceptor_from_json(config, field("acc"), at + "acc"),
                   ballot_from_json(config, field("bal"), at + "bal", false),
                   ballot_from_json(config, field("mbal"), at + "mbal", true),
                   value_from_json(config, field("mval"), at + "mval"));
  }
  if (m["type"] == "2a") {
    const int v = value_from_json(config, field("val"), at + "val");
    if (v == 0) throw JsonError(at + "val: a 2a message carries a value");
    return u.of_2a(ballot_from_json(config, field("bal"), at + "bal", false), v);
  }
  if (m["type"] == "2b") {
    const int v = value_from_json(config, field("val"), at + "val");
    if (v == 0) throw JsonError(at + "val: a 2b message carries a value");
    return u.of_2b(acceptor_from_json(config, field("acc"), at + "acc"),
                   ballot_from_json(config, field("bal"), at + "bal", false), v);
  }
  throw JsonError(path + ".type: expected 1a, 1b, 2a or 2b");
}

const Json& function_entries(const Config& config, const Json& json, const char* name) {
  if (!json.contains(name) || !json[name].contains("#map") || !json[name]["#map"].is_array()) {
    throw JsonError(std::string(name) + ": expected {\"#map\": [[acceptor, value], ...]}");
  }
  const Json& entries = json[name]["#map"];
  if (entries.size() != config.acceptors) {
    throw JsonError(std::string(name) + ": expected one entry per acceptor (" + std::to_string(config.acceptors) + ")");
  }
  for (const Json& entry : entries) {
    if (!entry.is_array() || entry.size() != 2) throw JsonError(std::string(name) + ": expected [acceptor, value] pairs");
  }
  return entries;
}

}  // namespace

State state_from_json(const Config& config, const Json& json) {
  if (!json.is_object()) throw JsonError("state: expected an object");
  const Universe u(config);
  State s = initial_state(config);
  for (const Json& entry : function_entries(config, json, "maxBal")) {
    s.max_bal[acceptor_from_json(config, entry[0], "maxBal")] =
        static_cast<std::int8_t>(ballot_from_json(config, entry[1], "maxBal", true));
  }
  for (const Json& entry : function_entries(config, json, "maxVBal")) {
    s.max_vbal[acceptor_from_json(config, entry[0], "maxVBal")] =
        static_cast<std::int8_t>(ballot_from_json(config, entry[1], "maxVBal", true));
  }
  for (const Json& entry : function_entries(config, json, "maxVal")) {
    s.max_val[acceptor_from_json(config, entry[0], "maxVal")] =
        static_cast<std::uint8_t>(value_from_json(config, entry[1], "maxVal"));
  }
  if (!json.contains("msgs") || !json["msgs"].contains("#set") || !json["msgs"]["#set"].is_array()) {
    throw JsonError("msgs: expected {\"#set\": [...]}");
  }
  const Json& msgs = json["msgs"]["#set"];
  for (std::size_t i = 0; i < msgs.size(); ++i) {
    add(s, message_from_json(config, u, msgs[i], "msgs.#set[" + std::to_string(i) + "]"));
  }
  return s;
}

}  // namespace lockstep::paxos_tla
