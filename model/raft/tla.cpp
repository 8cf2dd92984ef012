#include "model/raft/tla.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <type_traits>

namespace lockstep::raft_tla {

// ---- Names, printing and the codec of the parts ----

void lockstep_print(std::string& out, const Server& s) {
  out += s.value == 0 ? "Nil" : "s" + std::to_string(s.value);
}
Json lockstep_to_json(const Server& s) { return s.value == 0 ? Json("Nil") : Json("s" + std::to_string(s.value)); }

namespace {

// "<prefix>N" with 1 <= N <= 255, or -1.
int numbered(const Json& json, char prefix) {
  if (!json.is_string()) return -1;
  const std::string text = json.get<std::string>();
  if (text.size() < 2 || text.size() > 4 || text[0] != prefix) return -1;
  int n = 0;
  for (std::size_t k = 1; k < text.size(); ++k) {
    if (text[k] < '0' || text[k] > '9') return -1;
    n = n * 10 + (text[k] - '0');
  }
  return n >= 1 && n <= 255 && text[1] != '0' ? n : -1;
}

}  // namespace

void lockstep_from_json(const Json& json, Server& s, const std::string& path) {
  if (json == "Nil") {
    s.value = 0;
    return;
  }
  const int n = numbered(json, 's');
  if (n < 0) throw JsonError(path + ": expected a server s1, s2, ... or Nil");
  s.value = static_cast<std::uint8_t>(n);
}

void lockstep_print(std::string& out, const Value& v) { out += "v" + std::to_string(v.value); }
Json lockstep_to_json(const Value& v) { return Json("v" + std::to_string(v.value)); }
void lockstep_from_json(const Json& json, Value& v, const std::string& path) {
  const int n = numbered(json, 'v');
  if (n < 0 || n > values_max) throw JsonError(path + ": expected a value v1, v2, ...");
  v.value = static_cast<std::uint8_t>(n);
}

void lockstep_print(std::string& out, const Log& log) {
  out += "<<";
  for (int n = 1; n <= log.len; ++n) {
    if (n > 1) out += ", ";
    const std::uint8_t e = log.e[static_cast<std::size_t>(n - 1)];
    out += std::to_string(entry_term(e)) + ":v" + std::to_string(entry_value(e));
  }
  out += ">>";
}

namespace {

Json entry_json(std::uint8_t e) {
  return Json{{"term", entry_term(e)}, {"value", "v" + std::to_string(entry_value(e))}};
}

std::uint8_t entry_from_json(const Json& json, const std::string& path) {
  if (!json.is_object() || !json.contains("term") || !json.contains("value")) {
    throw JsonError(path + ": expected an entry {\"term\": t, \"value\": \"vN\"}");
  }
  if (!json["term"].is_number_integer() || json["term"].get<int>() < 1 || json["term"].get<int>() > term_max) {
    throw JsonError(path + ".term: expected a term 1.." + std::to_string(term_max));
  }
  Value v;
  lockstep_from_json(json["value"], v, path + ".value");
  return make_entry(json["term"].get<int>(), v.value);
}

}  // namespace

Json lockstep_to_json(const Log& log) {
  Json out = Json::array();
  for (int n = 0; n < log.len; ++n) out.push_back(entry_json(log.e[static_cast<std::size_t>(n)]));
  return out;
}

void lockstep_from_json(const Json& json, Log& log, const std::string& path) {
  if (!json.is_array()) throw JsonError(path + ": expected a sequence of entries");
  if (json.size() > static_cast<std::size_t>(log_max)) {
    throw JsonError(path + ": a log longer than " + std::to_string(log_max) + " entries");
  }
  log = Log{};
  log.len = static_cast<std::uint8_t>(json.size());
  for (std::size_t n = 0; n < json.size(); ++n) {
    log.e[n] = entry_from_json(json[n], path + "[" + std::to_string(n) + "]");
  }
}

void lockstep_encode(ByteWriter& w, const Log& log) {
  w.byte(log.len);
  w.raw(log.e.data(), log.len);
}

namespace {

bool has_log(MType type) { return type == MType::RequestVoteResponse || type == MType::AppendEntriesRequest; }

Json server_json(int index) { return lockstep_to_json(Server{static_cast<std::uint8_t>(index + 1)}); }

// Reads an encoding a part at a time, each part checked against the bytes left (a state's
// encoding may come from a checkpoint or spill file, so it is checked like any input), without a
// call per byte: the search decodes every state it expands and every new state it checks.
struct In {
  const std::uint8_t* p;
  const std::uint8_t* end;
  void need(std::size_t n) const {
    if (static_cast<std::size_t>(end - p) < n) throw CodecError("input ends early");
  }
  std::uint8_t byte() {
    need(1);
    return *p++;
  }
  template <std::size_t N>
  void bytes(std::uint8_t (&out)[N]) {
    need(N);
    std::memcpy(out, p, N);
    p += N;
  }
  // A log: its length, then that many entries (none 0); the entries past it are 0.
  void log(Log& log) {
    const std::size_t len = byte();
    if (len > log.e.size()) throw CodecError("a log longer than its capacity");
    need(len);
    log.len = static_cast<std::uint8_t>(len);
    log.e = {};
    for (std::size_t n = 0; n < len; ++n) {
      if (p[n] == 0) throw CodecError("a log entry with no value");
      log.e[n] = p[n];
    }
    p += len;
  }
  void voter_logs(std::uint8_t domain, std::array<Log, servers_max>& logs) {
    if (domain >> servers_max) throw CodecError("a set of servers names no server");
    logs.fill(Log{});
    for (std::uint32_t bits = domain; bits != 0; bits &= bits - 1) log(logs[std::countr_zero(bits)]);
  }
  // A message of `servers` servers: its 8 bytes (as lockstep_encode writes them), then its mlog
  // if its type has one.
  void message(Message& m, int servers) {
    need(8);
    if (p[0] > static_cast<std::uint8_t>(MType::AppendEntriesResponse)) throw CodecError("unknown message type");
    if (p[2] >= servers || p[3] >= servers) throw CodecError("a message names no server");
    m = Message{static_cast<MType>(p[0]), p[1], p[2], p[3], p[4], p[5], p[6], p[7], Log{}};
    p += 8;
    if (has_log(m.mtype)) log(m.mlog);
  }
  template <class Vec>
  std::size_t size() {
    const std::size_t n = byte();
    if (n > Vec::capacity()) throw CodecError("a set larger than its capacity");
    return n;
  }
};

// Decodes with read(In&) from where `r` is, then moves `r` past what it read.
template <class Read>
void read_in_parts(ByteReader& r, Read&& read) {
  const auto* start = reinterpret_cast<const std::uint8_t*>(r.here());
  In in{start, start + r.left()};
  read(in);
  r.skip(static_cast<std::size_t>(in.p - start));
}

}  // namespace

void lockstep_decode(ByteReader& r, Log& log) {
  read_in_parts(r, [&](In& in) { in.log(log); });
}

void lockstep_print(std::string& out, const Message& m) {
  out += enum_name(m.mtype);
  out += "{mterm=" + std::to_string(m.mterm);
  switch (m.mtype) {
    case MType::RequestVoteRequest:
      out += ", mlastLogTerm=" + std::to_string(m.a) + ", mlastLogIndex=" + std::to_string(m.b);
      break;
    case MType::RequestVoteResponse:
      out += std::string(", mvoteGranted=") + (m.a ? "TRUE" : "FALSE") + ", mlog=";
      lockstep_print(out, m.mlog);
      break;
    case MType::AppendEntriesRequest:
      out += ", mprevLogIndex=" + std::to_string(m.a) + ", mprevLogTerm=" + std::to_string(m.b) + ", mentries=";
      if (m.c == 0) {
        out += "<<>>";
      } else {
        Log one;
        one.len = 1;
        one.e[0] = m.c;
        lockstep_print(out, one);
      }
      out += ", mcommitIndex=" + std::to_string(m.d) + ", mlog=";
      lockstep_print(out, m.mlog);
      break;
    case MType::AppendEntriesResponse:
      out += std::string(", msuccess=") + (m.a ? "TRUE" : "FALSE") + ", mmatchIndex=" + std::to_string(m.b);
      break;
  }
  out += ", msource=s" + std::to_string(m.msource + 1) + ", mdest=s" + std::to_string(m.mdest + 1) + "}";
}

Json lockstep_to_json(const Message& m) {
  Json out{{"mtype", std::string(enum_name(m.mtype))}, {"mterm", m.mterm}};
  switch (m.mtype) {
    case MType::RequestVoteRequest:
      out["mlastLogTerm"] = m.a;
      out["mlastLogIndex"] = m.b;
      break;
    case MType::RequestVoteResponse:
      out["mvoteGranted"] = m.a != 0;
      out["mlog"] = lockstep_to_json(m.mlog);
      break;
    case MType::AppendEntriesRequest: {
      out["mprevLogIndex"] = m.a;
      out["mprevLogTerm"] = m.b;
      out["mentries"] = m.c == 0 ? Json::array() : Json::array({entry_json(m.c)});
      out["mcommitIndex"] = m.d;
      out["mlog"] = lockstep_to_json(m.mlog);
      break;
    }
    case MType::AppendEntriesResponse:
      out["msuccess"] = m.a != 0;
      out["mmatchIndex"] = m.b;
      break;
  }
  out["msource"] = server_json(m.msource);
  out["mdest"] = server_json(m.mdest);
  return out;
}

void lockstep_from_json(const Json& json, Message& m, const std::string& path) {
  if (!json.is_object()) throw JsonError(path + ": expected a message record");
  auto field = [&](const char* key) -> const Json& {
    if (!json.contains(key)) throw JsonError(path + ": missing \"" + key + "\"");
    return json[key];
  };
  auto small = [&](const char* key, int max) {
    const Json& v = field(key);
    if (!v.is_number_integer() || v.get<int>() < 0 || v.get<int>() > max) {
      throw JsonError(path + "." + key + ": expected an integer 0.." + std::to_string(max));
    }
    return static_cast<std::uint8_t>(v.get<int>());
  };
  auto flag = [&](const char* key) {
    const Json& v = field(key);
    if (!v.is_boolean()) throw JsonError(path + "." + key + ": expected TRUE or FALSE (true/false)");
    return static_cast<std::uint8_t>(v.get<bool>() ? 1 : 0);
  };
  auto server = [&](const char* key) {
    Server s;
    lockstep_from_json(field(key), s, path + "." + key);
    if (s.value == 0 || s.value > servers_max) throw JsonError(path + "." + key + ": expected a server s1..s5");
    return static_cast<std::uint8_t>(s.value - 1);
  };
  m = Message{};
  const Json& type = field("mtype");
  const auto& names = lockstep_enum_names(MType{});
  bool known = false;
  for (std::size_t k = 0; k < names.size(); ++k) {
    if (type == std::string(names[k])) {
      m.mtype = static_cast<MType>(k);
      known = true;
    }
  }
  if (!known) {
    throw JsonError(path + ".mtype: expected RequestVoteRequest, RequestVoteResponse, AppendEntriesRequest or "
                           "AppendEntriesResponse");
  }
  m.mterm = small("mterm", 255);
  m.msource = server("msource");
  m.mdest = server("mdest");
  switch (m.mtype) {
    case MType::RequestVoteRequest:
      m.a = small("mlastLogTerm", term_max);
      m.b = small("mlastLogIndex", log_max + 1);
      break;
    case MType::RequestVoteResponse:
      m.a = flag("mvoteGranted");
      lockstep_from_json(field("mlog"), m.mlog, path + ".mlog");
      break;
    case MType::AppendEntriesRequest: {
      m.a = small("mprevLogIndex", log_max + 1);
      m.b = small("mprevLogTerm", term_max);
      const Json& entries = field("mentries");
      if (!entries.is_array() || entries.size() > 1) {
        throw JsonError(path + ".mentries: expected a sequence of at most one entry");
      }
      if (!entries.empty()) m.c = entry_from_json(entries[0], path + ".mentries[0]");
      m.d = small("mcommitIndex", log_max + 1);
      lockstep_from_json(field("mlog"), m.mlog, path + ".mlog");
      break;
    }
    case MType::AppendEntriesResponse:
      m.a = flag("msuccess");
      m.b = small("mmatchIndex", log_max + 1);
      break;
  }
}

void lockstep_encode(ByteWriter& w, const Message& m) {
  const std::uint8_t head[8] = {static_cast<std::uint8_t>(m.mtype), m.mterm, m.msource, m.mdest, m.a, m.b, m.c, m.d};
  w.raw(head, sizeof head);
  if (has_log(m.mtype)) lockstep_encode(w, m.mlog);
}

void lockstep_decode(ByteReader& r, Message& m) {
  read_in_parts(r, [&](In& in) { in.message(m, static_cast<int>(servers_max)); });
}

// ---- The state's codec: only the servers in use, only the logs a domain holds ----

namespace {

int servers_in_use(const State& s) {
  int n = 0;
  while (n < static_cast<int>(servers_max) && s.servers[static_cast<std::size_t>(n)].current_term != 0) ++n;
  return n;
}

// The state's encoding is written through a pointer into a buffer of its largest size, then
// handed to the writer at once: the successor loop encodes millions of states a second.
struct Out {
  std::uint8_t* p;
  void byte(std::uint8_t b) { *p++ = b; }
  void raw(const void* data, std::size_t n) {
    std::memcpy(p, data, n);
    p += n;
  }
  // The first n bytes of a per-server array: the whole (fixed-size) array is copied, then only n
  // kept, which compiles to a few moves where a copy of variable size would call memcpy.
  void first(const std::array<std::uint8_t, servers_max>& a, int n) {
    std::memcpy(p, a.data(), a.size());
    p += n;
  }
  void log(const Log& log) {
    *p++ = log.len;
    std::memcpy(p, log.e.data(), log.e.size());  // the whole array (fixed size), then keep len
    p += log.len;
  }
  void voter_logs(std::uint8_t domain, const std::array<Log, servers_max>& logs) {
    for (std::uint32_t bits = domain; bits != 0; bits &= bits - 1) log(logs[std::countr_zero(bits)]);
  }
};

constexpr std::size_t log_bytes = 1 + log_max + 1;
constexpr std::size_t encoding_max =
    1 + servers_max * (6 + log_bytes * (1 + servers_max) + 2 * servers_max) + 1 + (messages_max + 1) * (8 + log_bytes + 1) +
    1 + elections_capacity * (3 + log_bytes * (1 + servers_max)) + 1 + all_logs_capacity * log_bytes +
    log_max + 1 + servers_max;  // slack: Out::log and Out::first copy whole arrays past what they keep

}  // namespace

void lockstep_encode(ByteWriter& w, const State& s) {
  std::uint8_t buffer[encoding_max];
  Out out{buffer};
  const int n = servers_in_use(s);
  out.byte(static_cast<std::uint8_t>(n));
  for (int i = 0; i < n; ++i) {
    const ServerVars& v = s.servers[static_cast<std::size_t>(i)];
    const std::uint8_t head[6] = {v.current_term, static_cast<std::uint8_t>(v.state), v.voted_for, v.commit_index,
                                  v.votes_responded, v.votes_granted};
    out.raw(head, sizeof head);
    out.log(v.log);
    out.voter_logs(v.votes_granted, v.voter_log);
    out.first(v.next_index, n);
    out.first(v.match_index, n);
  }
  out.byte(static_cast<std::uint8_t>(s.messages.size()));
  for (const BagItem& item : s.messages) {
    const Message& m = item.m;
    const std::uint8_t head[8] = {static_cast<std::uint8_t>(m.mtype), m.mterm, m.msource, m.mdest, m.a, m.b, m.c, m.d};
    out.raw(head, sizeof head);  // as lockstep_encode(ByteWriter&, const Message&) writes it
    if (has_log(m.mtype)) out.log(m.mlog);
    out.byte(item.count);
  }
  out.byte(static_cast<std::uint8_t>(s.elections.size()));
  for (const Election& e : s.elections) {
    const std::uint8_t head[3] = {e.eterm, e.eleader, e.evotes};
    out.raw(head, sizeof head);
    out.log(e.elog);
    out.voter_logs(e.evotes, e.evoter_log);
  }
  out.byte(static_cast<std::uint8_t>(s.all_logs.size()));
  for (const Log& log : s.all_logs) out.log(log);
  w.raw(buffer, static_cast<std::size_t>(out.p - buffer));
}

namespace {

void decode_state(In& in, State& s) {
  s.messages.clear();
  s.elections.clear();
  s.all_logs.clear();
  const int n = in.byte();
  if (n > static_cast<int>(servers_max)) throw CodecError("more servers than the reference mode holds");
  for (int i = n; i < static_cast<int>(servers_max); ++i) s.servers[static_cast<std::size_t>(i)] = ServerVars{};
  for (int i = 0; i < n; ++i) {
    ServerVars& v = s.servers[static_cast<std::size_t>(i)];
    std::uint8_t head[6];
    in.bytes(head);
    if (head[0] == 0 || head[1] > static_cast<std::uint8_t>(Role::Leader) || head[2] > n) {
      throw CodecError("a server's term, state or vote is out of range");
    }
    v.current_term = head[0];
    v.state = static_cast<Role>(head[1]);
    v.voted_for = head[2];
    v.commit_index = head[3];
    v.votes_responded = head[4];
    v.votes_granted = head[5];
    in.log(v.log);
    in.voter_logs(v.votes_granted, v.voter_log);
    in.need(2 * static_cast<std::size_t>(n));
    v.next_index = {};
    v.match_index = {};
    for (int j = 0; j < n; ++j) {
      const auto k = static_cast<std::size_t>(j);
      v.next_index[k] = in.p[k];
      v.match_index[k] = in.p[static_cast<std::size_t>(n) + k];
      if (v.next_index[k] < 1 || v.next_index[k] > log_max + 2 || v.match_index[k] > log_max + 1) {
        throw CodecError("a server's nextIndex or matchIndex is out of range");
      }
    }
    in.p += 2 * n;
  }
  const std::size_t messages = in.size<decltype(s.messages)>();
  for (std::size_t k = 0; k < messages; ++k) {
    BagItem item;
    in.message(item.m, n);
    item.count = in.byte();
    if (item.count == 0) throw CodecError("a message in the bag with no copy");
    s.messages.push_back(item);
  }
  const std::size_t elections = in.size<decltype(s.elections)>();
  for (std::size_t k = 0; k < elections; ++k) {
    Election e;
    std::uint8_t head[3];
    in.bytes(head);
    e.eterm = head[0];
    e.eleader = head[1];
    e.evotes = head[2];
    if (e.eleader >= servers_max) throw CodecError("an election names no leader");
    in.log(e.elog);
    in.voter_logs(e.evotes, e.evoter_log);
    s.elections.insert(e);
  }
  const std::size_t logs = in.size<decltype(s.all_logs)>();
  for (std::size_t k = 0; k < logs; ++k) {
    Log log;
    in.log(log);
    s.all_logs.insert(log);
  }
}

}  // namespace

void lockstep_decode(ByteReader& r, State& s) {
  read_in_parts(r, [&](In& in) { decode_state(in, s); });
}

// ---- Constants, Init and the constraint ----

std::string validate(const Config& c) {
  if (c.servers < 1 || c.servers > servers_max) {
    return "--servers must be between 1 and " + std::to_string(servers_max);
  }
  if (c.values < 1 || c.values > values_max) return "--values must be between 1 and " + std::to_string(values_max);
  if (c.max_term < 1 || c.max_term > term_max) return "--max-term must be between 1 and " + std::to_string(term_max);
  if (c.max_log > log_max) return "--max-log must be between 0 and " + std::to_string(log_max);
  if (c.max_dup < 1) return "--max-dup must be at least 1";
  if (c.max_msgs < 1 || c.max_msgs > messages_max) {
    return "--max-msgs must be between 1 and " + std::to_string(messages_max);
  }
  return "";
}

State initial_state(const Config& c) {
  State s;
  for (std::size_t i = 0; i < c.servers; ++i) {
    ServerVars& v = s.servers[i];
    v.current_term = 1;
    v.state = Role::Follower;
    for (std::size_t j = 0; j < c.servers; ++j) v.next_index[j] = 1;
  }
  return s;
}

bool within_constraint(const Config& c, const State& s) {
  for (std::size_t i = 0; i < c.servers; ++i) {
    if (s.servers[i].current_term > c.max_term || s.servers[i].log.len > c.max_log) return false;
  }
  if (s.messages.size() > c.max_msgs) return false;
  for (const BagItem& item : s.messages) {
    if (item.count > c.max_dup) return false;
  }
  return true;
}

// ---- Next ----

namespace {

// WithMessage(m, msgs): one more copy of m.
void with_message(State& s, const Message& m) {
  auto at = std::lower_bound(s.messages.begin(), s.messages.end(), m,
                             [](const BagItem& item, const Message& x) { return item.m < x; });
  if (at != s.messages.end() && at->m == m) {
    if (at->count == 255) throw CapacityError("a message has 255 copies in the bag");
    ++at->count;
    return;
  }
  s.messages.insert(at, BagItem{m, 1});
}

// WithoutMessage(m, msgs): one copy less (m leaves the bag's domain with its last copy).
void without_message(State& s, const Message& m) {
  auto at = std::lower_bound(s.messages.begin(), s.messages.end(), m,
                             [](const BagItem& item, const Message& x) { return item.m < x; });
  if (at == s.messages.end() || !(at->m == m)) return;
  if (at->count <= 1) {
    s.messages.erase(at);
  } else {
    --at->count;
  }
}


Server server(int i) { return Server{static_cast<std::uint8_t>(i + 1)}; }

bool is_quorum(const Config& c, std::uint32_t mask) { return std::popcount(mask) * 2 > c.servers; }

// A move of next_ must leave it as it was (Next::emit): every part of State copies as bytes.
static_assert(std::is_trivially_copyable_v<ServerVars> && std::is_trivially_copyable_v<BagItem> &&
              std::is_trivially_copyable_v<Election> && std::is_trivially_copyable_v<Log>);

class Next {
 public:
  Next(const Config& c, const State& s, void* context, Emit emit, Unchanged unchanged)
      : c_(c), s_(s), next_(s), context_(context), emit_(emit), unchanged_(unchanged) {
    // allLogs' = allLogs \cup {log[i] : i \in Server}: the same in every step, from this state's logs.
    for (std::size_t i = 0; i < c.servers; ++i) next_.all_logs.insert(s.servers[i].log);
    all_logs_unchanged_ = next_.all_logs.size() == s.all_logs.size();  // a set only grows
  }

  void all() {
    const int n = c_.servers;
    for (int i = 0; i < n; ++i) restart(i);
    for (int i = 0; i < n; ++i) timeout(i);
    for (int i = 0; i < n; ++i) {
      for (int j = 0; j < n; ++j) request_vote(i, j);
    }
    for (int i = 0; i < n; ++i) become_leader(i);
    for (int i = 0; i < n; ++i) {
      for (int v = 1; v <= c_.values; ++v) client_request(i, v);
    }
    for (int i = 0; i < n; ++i) advance_commit_index(i);
    for (int i = 0; i < n; ++i) {
      for (int j = 0; j < n; ++j) append_entries(i, j);
    }
    for (const BagItem& item : s_.messages) receive(item.m);
    for (const BagItem& item : s_.messages) {
      if (item.count >= c_.max_dup) continue;  // outside the constraint: not built
      with_message(next_, item.m);
      emit(DuplicateMessage{item.m}, bag);
    }
    for (const BagItem& item : s_.messages) {
      without_message(next_, item.m);
      emit(DropMessage{item.m}, bag);
    }
  }

 private:
  const ServerVars& at(int i) const { return s_.servers[static_cast<std::size_t>(i)]; }
  static ServerVars& at(State& s, int i) { return s.servers[static_cast<std::size_t>(i)]; }

  // What an action changed of next_, to be put back from s_ once its successor is emitted: a
  // server's variables (its index), the bag, or both.
  static constexpr int no_server = -1;
  static constexpr bool bag = true;

  // Emits next_ (if within the constraint), then puts back what the action changed. Every action
  // builds its successor in next_, so no step copies the whole state (about 3 KB, most of it the
  // history variables' capacity); the callee reads next_ or moves from it, and a move copies: all
  // of State's parts are trivially copyable (asserted below). A step that changed one server's
  // variables into what they were, and nothing else (allLogs included), is a stutter: it goes to
  // unchanged_ where given.
  void emit(const Action& action, int server, bool bag_changed = false, bool elections_changed = false) {
    if (unchanged_ != nullptr && server != no_server && !bag_changed && !elections_changed && all_logs_unchanged_ &&
        at(next_, server) == at(server)) {
      unchanged_(context_, action);
    } else if (within_constraint(c_, next_)) {
      emit_(context_, action, std::move(next_));
    }
    if (server != no_server) at(next_, server) = at(server);
    if (bag_changed) next_.messages = s_.messages;
  }
  void emit(const Action& action, bool bag_changed) { emit(action, no_server, bag_changed); }

  // Whether one more copy of m keeps the bag within MaxDup and MaxMsgs. The actions that only
  // send (RequestVote, AppendEntries) ask it before they build their successor: at tight bounds
  // most sends fall outside the constraint. emit() still checks the whole constraint.
  bool send_fits(const Message& m) const {
    auto at = std::lower_bound(s_.messages.begin(), s_.messages.end(), m,
                               [](const BagItem& item, const Message& x) { return item.m < x; });
    if (at != s_.messages.end() && at->m == m) return at->count < c_.max_dup;
    return s_.messages.size() < c_.max_msgs;
  }

  void restart(int i) {
    State& next = next_;
    ServerVars& v = at(next, i);
    v.state = Role::Follower;
    v.votes_responded = 0;
    v.votes_granted = 0;
    v.voter_log.fill(Log{});
    for (int j = 0; j < c_.servers; ++j) {
      v.next_index[static_cast<std::size_t>(j)] = 1;
      v.match_index[static_cast<std::size_t>(j)] = 0;
    }
    v.commit_index = 0;
    emit(Restart{server(i)}, i);
  }

  void timeout(int i) {
    if (at(i).state == Role::Leader) return;
    if (at(i).current_term >= c_.max_term) return;  // the new term is outside the constraint: not built
    State& next = next_;
    ServerVars& v = at(next, i);
    v.state = Role::Candidate;
    v.current_term = static_cast<std::uint8_t>(v.current_term + 1);
    v.voted_for = 0;
    v.votes_responded = 0;
    v.votes_granted = 0;
    v.voter_log.fill(Log{});
    emit(Timeout{server(i)}, i);
  }

  void request_vote(int i, int j) {
    const ServerVars& v = at(i);
    if (v.state != Role::Candidate || ((v.votes_responded >> j) & 1u)) return;
    Message m{MType::RequestVoteRequest, v.current_term, static_cast<std::uint8_t>(i), static_cast<std::uint8_t>(j),
              static_cast<std::uint8_t>(v.log.last_term()), v.log.len, 0, 0, Log{}};
    if (!send_fits(m)) return;
    State& next = next_;
    with_message(next, m);
    emit(RequestVote{server(i), server(j)}, bag);
  }

  void append_entries(int i, int j) {
    const ServerVars& v = at(i);
    if (i == j || v.state != Role::Leader) return;
    const int next_index = v.next_index[static_cast<std::size_t>(j)];
    const int prev_index = next_index - 1;
    const int prev_term = prev_index > 0 ? v.log.term_at(prev_index) : 0;
    const int last_entry = std::min<int>(v.log.len, next_index);
    // SubSeq(log[i], nextIndex[i][j], lastEntry): one entry, or none past the log's end.
    const std::uint8_t entry = last_entry >= next_index ? v.log.e[static_cast<std::size_t>(next_index - 1)] : 0;
    Message m{MType::AppendEntriesRequest,
              v.current_term,
              static_cast<std::uint8_t>(i),
              static_cast<std::uint8_t>(j),
              static_cast<std::uint8_t>(prev_index),
              static_cast<std::uint8_t>(prev_term),
              entry,
              static_cast<std::uint8_t>(std::min<int>(v.commit_index, last_entry)),
              v.log};
    if (!send_fits(m)) return;
    State& next = next_;
    with_message(next, m);
    emit(AppendEntries{server(i), server(j)}, bag);
  }

  void become_leader(int i) {
    const ServerVars& v = at(i);
    if (v.state != Role::Candidate || !is_quorum(c_, v.votes_granted)) return;
    State& next = next_;
    ServerVars& w = at(next, i);
    w.state = Role::Leader;
    for (int j = 0; j < c_.servers; ++j) {
      w.next_index[static_cast<std::size_t>(j)] = static_cast<std::uint8_t>(v.log.len + 1);
      w.match_index[static_cast<std::size_t>(j)] = 0;
    }
    Election e;
    e.eterm = v.current_term;
    e.eleader = static_cast<std::uint8_t>(i);
    e.evotes = v.votes_granted;
    e.elog = v.log;
    e.evoter_log = v.voter_log;
    next.elections.insert(e);
    emit(BecomeLeader{server(i)}, i, false, true);
    next_.elections = s_.elections;
  }

  void client_request(int i, int value) {
    const ServerVars& v = at(i);
    if (v.state != Role::Leader) return;
    if (v.log.len >= c_.max_log) return;  // the longer log is outside the constraint: not built
    State& next = next_;
    Log& log = at(next, i).log;
    log.e[log.len++] = make_entry(v.current_term, value);
    emit(ClientRequest{server(i), Value{static_cast<std::uint8_t>(value)}}, i);
  }

  void advance_commit_index(int i) {
    const ServerVars& v = at(i);
    if (v.state != Role::Leader) return;
    // Agree(index) = {i} \cup {k : matchIndex[i][k] >= index}; the largest index a quorum agrees
    // on, if its entry is of the leader's term.
    int agreed = 0;
    for (int index = v.log.len; index >= 1 && agreed == 0; --index) {
      std::uint32_t agree = 1u << i;
      for (int k = 0; k < c_.servers; ++k) {
        if (v.match_index[static_cast<std::size_t>(k)] >= index) agree |= 1u << k;
      }
      if (is_quorum(c_, agree)) agreed = index;
    }
    State& next = next_;
    if (agreed > 0 && v.log.term_at(agreed) == v.current_term) {
      at(next, i).commit_index = static_cast<std::uint8_t>(agreed);
    }
    emit(AdvanceCommitIndex{server(i)}, i);
  }

  // Receive(m): i = m.mdest, j = m.msource; at most one of the handlers is enabled.
  void receive(const Message& m) {
    const int i = m.mdest;
    const int j = m.msource;
    const ServerVars& v = at(i);
    if (m.mterm > v.current_term) {  // UpdateTerm: messages unchanged, so m is handled next
      State& next = next_;
      ServerVars& w = at(next, i);
      w.current_term = m.mterm;
      w.state = Role::Follower;
      w.voted_for = 0;
      emit(Receive{Handler::UpdateTerm, m}, i);
      return;
    }
    switch (m.mtype) {
      case MType::RequestVoteRequest:
        handle_request_vote_request(m, i, j);
        break;
      case MType::RequestVoteResponse:
      case MType::AppendEntriesResponse:
        if (m.mterm < v.current_term) {  // DropStaleResponse
          State& next = next_;
          without_message(next, m);
          emit(Receive{Handler::DropStaleResponse, m}, bag);
        } else if (m.mtype == MType::RequestVoteResponse) {
          handle_request_vote_response(m, i, j);
        } else {
          handle_append_entries_response(m, i, j);
        }
        break;
      case MType::AppendEntriesRequest:
        handle_append_entries_request(m, i, j);
        break;
    }
  }

  // Reply(response, request): the response in, then one copy of the request out.
  static void reply(State& next, const Message& response, const Message& request) {
    with_message(next, response);
    without_message(next, request);
  }

  void handle_request_vote_request(const Message& m, int i, int j) {
    const ServerVars& v = at(i);
    const bool log_ok = m.a > v.log.last_term() || (m.a == v.log.last_term() && m.b >= v.log.len);
    const bool grant = m.mterm == v.current_term && log_ok && (v.voted_for == 0 || v.voted_for == j + 1);
    State& next = next_;
    if (grant) at(next, i).voted_for = static_cast<std::uint8_t>(j + 1);
    reply(next,
          Message{MType::RequestVoteResponse, v.current_term, static_cast<std::uint8_t>(i),
                  static_cast<std::uint8_t>(j), static_cast<std::uint8_t>(grant ? 1 : 0), 0, 0, 0, v.log},
          m);
    emit(Receive{Handler::HandleRequestVoteRequest, m}, i, bag);
  }

  void handle_request_vote_response(const Message& m, int i, int j) {
    State& next = next_;
    ServerVars& w = at(next, i);
    w.votes_responded = static_cast<std::uint8_t>(w.votes_responded | 1u << j);
    if (m.a != 0) {
      // voterLog[i] @@ (j :> m.mlog): the left side wins, so a voter already counted keeps its log.
      if (!((w.votes_granted >> j) & 1u)) w.voter_log[static_cast<std::size_t>(j)] = m.mlog;
      w.votes_granted = static_cast<std::uint8_t>(w.votes_granted | 1u << j);
    }
    without_message(next, m);
    emit(Receive{Handler::HandleRequestVoteResponse, m}, i, bag);
  }

  void handle_append_entries_request(const Message& m, int i, int j) {
    const ServerVars& v = at(i);
    const int prev_index = m.a;
    const int prev_term = m.b;
    const bool log_ok = prev_index == 0 || (prev_index > 0 && prev_index <= v.log.len && prev_term == v.log.term_at(prev_index));
    const auto response = [&](bool success, int match_index) {
      return Message{MType::AppendEntriesResponse, v.current_term, static_cast<std::uint8_t>(i),
                     static_cast<std::uint8_t>(j), static_cast<std::uint8_t>(success ? 1 : 0),
                     static_cast<std::uint8_t>(match_index), 0, 0, Log{}};
    };
    const Receive label{Handler::HandleAppendEntriesRequest, m};
    if (m.mterm < v.current_term || (m.mterm == v.current_term && v.state == Role::Follower && !log_ok)) {
      State& next = next_;  // reject request
      reply(next, response(false, 0), m);
      emit(label, bag);
      return;
    }
    if (m.mterm == v.current_term && v.state == Role::Candidate) {
      State& next = next_;  // return to follower state; m stays in the bag
      at(next, i).state = Role::Follower;
      emit(label, i);
      return;
    }
    if (!(m.mterm == v.current_term && v.state == Role::Follower && log_ok)) return;  // a leader of m's term
    const int index = prev_index + 1;  // accept request
    const std::uint8_t entry = m.c;
    if (entry == 0 || (v.log.len >= index && v.log.term_at(index) == entry_term(entry))) {
      State& next = next_;  // already done with request
      at(next, i).commit_index = m.d;
      reply(next, response(true, prev_index + (entry == 0 ? 0 : 1)), m);
      emit(label, i, bag);
    } else if (v.log.len >= index && v.log.term_at(index) != entry_term(entry)) {
      State& next = next_;  // conflict: remove 1 entry (the last; [index2 \in 1..Len(log[i]) - 1 |-> ...])
      Log& log = at(next, i).log;
      log.e[--log.len] = 0;
      emit(label, i);
    } else if (v.log.len == prev_index) {
      State& next = next_;  // no conflict: append entry
      Log& log = at(next, i).log;
      if (log.len >= log.e.size()) return;
      log.e[log.len++] = entry;
      emit(label, i);
    }
  }

  void handle_append_entries_response(const Message& m, int i, int j) {
    State& next = next_;
    ServerVars& w = at(next, i);
    auto& next_index = w.next_index[static_cast<std::size_t>(j)];
    if (m.a != 0) {
      next_index = static_cast<std::uint8_t>(m.b + 1);
      w.match_index[static_cast<std::size_t>(j)] = m.b;
    } else {
      next_index = static_cast<std::uint8_t>(std::max(next_index - 1, 1));
    }
    without_message(next, m);
    emit(Receive{Handler::HandleAppendEntriesResponse, m}, i, bag);
  }

  const Config& c_;
  const State& s_;
  State next_;  // s_ with allLogs' (the same in every step); each action changes it and puts it back
  void* context_;
  Emit emit_;
  Unchanged unchanged_;
  bool all_logs_unchanged_ = false;
};

}  // namespace

void for_each_successor(const Config& config, const State& s, void* context, Emit emit, Unchanged unchanged) {
  Next(config, s, context, emit, unchanged).all();
}

void successors(const Config& config, const State& s, std::vector<Successor>& out) {
  out.clear();
  for_each_successor(config, s, &out, [](void* context, const Action& action, State&& next) {
    static_cast<std::vector<Successor>*>(context)->push_back({action, std::move(next)});
  });
}

}  // namespace lockstep::raft_tla
