// raft.tla's variables as trace JSON (the shapes TLC and Apalache use), and back.
#include <algorithm>
#include <bit>

#include "model/raft/tla.hpp"

namespace lockstep::raft_tla {

namespace {

Json server_name(int i) { return lockstep_to_json(Server{static_cast<std::uint8_t>(i + 1)}); }

Json server_set(const Config& c, std::uint32_t mask) {
  Json out = Json::array();
  for (int i = 0; i < c.servers; ++i) {
    if ((mask >> i) & 1u) out.push_back(server_name(i));
  }
  return Json{{"#set", out}};
}

Json voter_logs(const Config& c, std::uint32_t domain, const std::array<Log, servers_max>& logs) {
  Json out = Json::array();
  for (int i = 0; i < c.servers; ++i) {
    if ((domain >> i) & 1u) out.push_back(Json::array({server_name(i), lockstep_to_json(logs[static_cast<std::size_t>(i)])}));
  }
  return Json{{"#map", out}};
}

template <class F>
Json per_server(const Config& c, F&& value) {
  Json out = Json::array();
  for (int i = 0; i < c.servers; ++i) out.push_back(Json::array({server_name(i), value(i)}));
  return Json{{"#map", out}};
}

}  // namespace

Json state_to_json(const Config& c, const State& s) {
  const auto v = [&](int i) -> const ServerVars& { return s.servers[static_cast<std::size_t>(i)]; };
  Json bag = Json::array();
  for (const BagItem& item : s.messages) bag.push_back(Json::array({lockstep_to_json(item.m), item.count}));
  Json elections = Json::array();
  for (const Election& e : s.elections) {
    elections.push_back(Json{{"eterm", e.eterm},
                             {"eleader", server_name(e.eleader)},
                             {"elog", lockstep_to_json(e.elog)},
                             {"evotes", server_set(c, e.evotes)},
                             {"evoterLog", voter_logs(c, e.evotes, e.evoter_log)}});
  }
  Json all_logs = Json::array();
  for (const Log& log : s.all_logs) all_logs.push_back(lockstep_to_json(log));
  return Json{
      {"messages", {{"#map", bag}}},
      {"elections", {{"#set", elections}}},
      {"allLogs", {{"#set", all_logs}}},
      {"currentTerm", per_server(c, [&](int i) { return Json(v(i).current_term); })},
      {"state", per_server(c, [&](int i) { return Json(std::string(enum_name(v(i).state))); })},
      {"votedFor", per_server(c, [&](int i) { return lockstep_to_json(Server{v(i).voted_for}); })},
      {"log", per_server(c, [&](int i) { return lockstep_to_json(v(i).log); })},
      {"commitIndex", per_server(c, [&](int i) { return Json(v(i).commit_index); })},
      {"votesResponded", per_server(c, [&](int i) { return server_set(c, v(i).votes_responded); })},
      {"votesGranted", per_server(c, [&](int i) { return server_set(c, v(i).votes_granted); })},
      {"voterLog", per_server(c, [&](int i) { return voter_logs(c, v(i).votes_granted, v(i).voter_log); })},
      {"nextIndex", per_server(c, [&](int i) { return per_server(c, [&](int j) { return Json(v(i).next_index[static_cast<std::size_t>(j)]); }); })},
      {"matchIndex", per_server(c, [&](int i) { return per_server(c, [&](int j) { return Json(v(i).match_index[static_cast<std::size_t>(j)]); }); })},
  };
}

namespace {

int server_from(const Config& c, const Json& json, const std::string& path) {
  Server s;
  lockstep_from_json(json, s, path);
  if (s.value == 0 || s.value > c.servers) {
    throw JsonError(path + ": expected a server s1..s" + std::to_string(c.servers));
  }
  return s.value - 1;
}

int integer_from(const Json& json, const std::string& path, int min, int max) {
  if (!json.is_number_integer() || json.get<long long>() < min || json.get<long long>() > max) {
    throw JsonError(path + ": expected an integer " + std::to_string(min) + ".." + std::to_string(max));
  }
  return json.get<int>();
}

const Json& tagged(const Json& json, const char* tag, const std::string& path) {
  if (!json.is_object() || !json.contains(tag) || !json[tag].is_array()) {
    throw JsonError(path + ": expected {\"" + tag + "\": [...]}");
  }
  return json[tag];
}

std::uint8_t set_from(const Config& c, const Json& json, const std::string& path) {
  std::uint32_t mask = 0;
  const Json& items = tagged(json, "#set", path);
  for (std::size_t k = 0; k < items.size(); ++k) mask |= 1u << server_from(c, items[k], path + ".#set[" + std::to_string(k) + "]");
  return static_cast<std::uint8_t>(mask);
}

// A function of the servers: calls f(i, value, path) once for every server, in any order.
template <class F>
void function_from(const Config& c, const Json& json, const std::string& path, F&& f) {
  const Json& entries = tagged(json, "#map", path);
  std::uint32_t seen = 0;
  for (std::size_t k = 0; k < entries.size(); ++k) {
    const std::string at = path + ".#map[" + std::to_string(k) + "]";
    if (!entries[k].is_array() || entries[k].size() != 2) throw JsonError(at + ": expected [server, value]");
    const int i = server_from(c, entries[k][0], at + "[0]");
    if ((seen >> i) & 1u) throw JsonError(at + ": server " + entries[k][0].get<std::string>() + " appears twice");
    seen |= 1u << i;
    f(i, entries[k][1], at + "[1]");
  }
  if (std::popcount(seen) != c.servers) {
    throw JsonError(path + ": expected one entry for each of the " + std::to_string(c.servers) + " servers");
  }
}

// A function from a set of servers to logs (voterLog[i], evoterLog): its domain and logs.
std::uint8_t voter_logs_from(const Config& c, const Json& json, const std::string& path, std::array<Log, servers_max>& logs) {
  const Json& entries = tagged(json, "#map", path);
  std::uint32_t domain = 0;
  logs.fill(Log{});
  for (std::size_t k = 0; k < entries.size(); ++k) {
    const std::string at = path + ".#map[" + std::to_string(k) + "]";
    if (!entries[k].is_array() || entries[k].size() != 2) throw JsonError(at + ": expected [server, log]");
    const int i = server_from(c, entries[k][0], at + "[0]");
    if ((domain >> i) & 1u) throw JsonError(at + ": a server appears twice");
    domain |= 1u << i;
    lockstep_from_json(entries[k][1], logs[static_cast<std::size_t>(i)], at + "[1]");
  }
  return static_cast<std::uint8_t>(domain);
}

const Json& variable(const Json& json, const char* name) {
  if (!json.contains(name)) throw JsonError(std::string("state: missing the variable ") + name);
  return json[name];
}

template <class Set, class T>
void insert_new(Set& set, const T& value, const std::string& path) {
  if (set.contains(value)) throw JsonError(path + ": appears twice");
  if (set.size() == Set::capacity()) {
    throw JsonError(path + ": more elements than the reference mode holds (" + std::to_string(Set::capacity()) + ")");
  }
  set.insert(value);
}

}  // namespace

State state_from_json(const Config& c, const Json& json) {
  if (!json.is_object()) throw JsonError("state: expected an object");
  State s = initial_state(c);
  const auto v = [&](int i) -> ServerVars& { return s.servers[static_cast<std::size_t>(i)]; };
  function_from(c, variable(json, "currentTerm"), "currentTerm", [&](int i, const Json& x, const std::string& p) {
    v(i).current_term = static_cast<std::uint8_t>(integer_from(x, p, 1, 255));
  });
  function_from(c, variable(json, "state"), "state", [&](int i, const Json& x, const std::string& p) {
    const auto& names = lockstep_enum_names(Role{});
    for (std::size_t k = 0; k < names.size(); ++k) {
      if (x == std::string(names[k])) {
        v(i).state = static_cast<Role>(k);
        return;
      }
    }
    throw JsonError(p + ": expected Follower, Candidate or Leader");
  });
  function_from(c, variable(json, "votedFor"), "votedFor", [&](int i, const Json& x, const std::string& p) {
    v(i).voted_for = static_cast<std::uint8_t>(x == "Nil" ? 0 : server_from(c, x, p) + 1);
  });
  function_from(c, variable(json, "log"), "log", [&](int i, const Json& x, const std::string& p) {
    lockstep_from_json(x, v(i).log, p);
  });
  function_from(c, variable(json, "commitIndex"), "commitIndex", [&](int i, const Json& x, const std::string& p) {
    v(i).commit_index = static_cast<std::uint8_t>(integer_from(x, p, 0, log_max + 1));
  });
  function_from(c, variable(json, "votesResponded"), "votesResponded", [&](int i, const Json& x, const std::string& p) {
    v(i).votes_responded = set_from(c, x, p);
  });
  function_from(c, variable(json, "votesGranted"), "votesGranted", [&](int i, const Json& x, const std::string& p) {
    v(i).votes_granted = set_from(c, x, p);
  });
  function_from(c, variable(json, "voterLog"), "voterLog", [&](int i, const Json& x, const std::string& p) {
    if (voter_logs_from(c, x, p, v(i).voter_log) != v(i).votes_granted) {
      // Both grow together and are emptied together in every step of the spec.
      throw JsonError(p + ": its domain must be votesGranted[" + server_name(i).get<std::string>() +
                      "], as in every reachable state of the spec");
    }
  });
  for (const char* name : {"nextIndex", "matchIndex"}) {
    const bool next = std::string(name) == "nextIndex";
    function_from(c, variable(json, name), name, [&](int i, const Json& x, const std::string& p) {
      function_from(c, x, p, [&](int j, const Json& y, const std::string& q) {
        auto& slot = (next ? v(i).next_index : v(i).match_index)[static_cast<std::size_t>(j)];
        slot = static_cast<std::uint8_t>(integer_from(y, q, next ? 1 : 0, log_max + 2));
      });
    });
  }
  const Json& bag = tagged(variable(json, "messages"), "#map", "messages");
  for (std::size_t k = 0; k < bag.size(); ++k) {
    const std::string at = "messages.#map[" + std::to_string(k) + "]";
    if (!bag[k].is_array() || bag[k].size() != 2) throw JsonError(at + ": expected [message, count]");
    BagItem item;
    lockstep_from_json(bag[k][0], item.m, at + "[0]");
    if (item.m.msource >= c.servers || item.m.mdest >= c.servers) throw JsonError(at + "[0]: names a server out of range");
    item.count = static_cast<std::uint8_t>(integer_from(bag[k][1], at + "[1]", 1, dup_max));
    const auto* found = std::find_if(s.messages.begin(), s.messages.end(), [&](const BagItem& x) { return x.m == item.m; });
    if (found != s.messages.end()) throw JsonError(at + ": the message appears twice in the bag");
    if (s.messages.size() == s.messages.capacity()) {
      throw JsonError(at + ": more distinct messages than the reference mode holds (" +
                      std::to_string(s.messages.capacity()) + ")");
    }
    s.messages.insert(std::lower_bound(s.messages.begin(), s.messages.end(), item), item);
  }
  const Json& elections = tagged(variable(json, "elections"), "#set", "elections");
  for (std::size_t k = 0; k < elections.size(); ++k) {
    const std::string at = "elections.#set[" + std::to_string(k) + "]";
    const Json& r = elections[k];
    if (!r.is_object()) throw JsonError(at + ": expected an election record");
    for (const char* key : {"eterm", "eleader", "elog", "evotes", "evoterLog"}) {
      if (!r.contains(key)) throw JsonError(at + ": missing \"" + key + "\"");
    }
    Election e;
    e.eterm = static_cast<std::uint8_t>(integer_from(r["eterm"], at + ".eterm", 1, 255));
    e.eleader = static_cast<std::uint8_t>(server_from(c, r["eleader"], at + ".eleader"));
    lockstep_from_json(r["elog"], e.elog, at + ".elog");
    e.evotes = set_from(c, r["evotes"], at + ".evotes");
    if (voter_logs_from(c, r["evoterLog"], at + ".evoterLog", e.evoter_log) != e.evotes) {
      throw JsonError(at + ".evoterLog: its domain must be evotes, as in every reachable state of the spec");
    }
    insert_new(s.elections, e, at);
  }
  const Json& logs = tagged(variable(json, "allLogs"), "#set", "allLogs");
  for (std::size_t k = 0; k < logs.size(); ++k) {
    const std::string at = "allLogs.#set[" + std::to_string(k) + "]";
    Log log;
    lockstep_from_json(logs[k], log, at);
    insert_new(s.all_logs, log, at);
  }
  return s;
}

}  // namespace lockstep::raft_tla
