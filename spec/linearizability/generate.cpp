// The generator of linearizable histories (generate.hpp): a sequential lock service or register
// store, clients that each have at most one operation in flight, and a random schedule.
#include "spec/linearizability/generate.hpp"

#include <map>
#include <optional>
#include <random>
#include <vector>

namespace lockstep::linearizability {

namespace {

struct InFlight {
  std::string f;
  std::string key;
  Json input;
  bool applied = false;
  Json output;
  bool failed = false;  // applied, and the answer is "did not take effect" (a cas that missed)
  bool ended = false;   // its session expired before it took effect: it never will (no_session)
};

InFlight in_flight(std::string f, std::string key, Json input) {
  InFlight call;
  call.f = std::move(f);
  call.key = std::move(key);
  call.input = std::move(input);
  return call;
}

// The real objects, one operation at a time.
struct World {
  struct Lock {
    std::optional<std::uint32_t> holder;
    std::int64_t token = 0;
    std::int64_t last = 0;
  };
  std::map<std::string, Lock> locks;
  std::map<std::string, std::optional<std::int64_t>> registers;

  // Performs `call` by `process`; false if it cannot happen yet (a blocking acquire).
  bool apply(std::uint32_t process, InFlight& call, std::mt19937_64& random) {
    if (call.f == "read") call.output = registers[call.key] ? Json(*registers[call.key]) : Json(nullptr);
    else if (call.f == "write") registers[call.key] = call.input.get<std::int64_t>();
    else if (call.f == "cas") {
      auto& value = registers[call.key];
      const std::optional<std::int64_t> expected =
          call.input[0].is_null() ? std::nullopt : std::optional<std::int64_t>(call.input[0].get<std::int64_t>());
      call.failed = value != expected;
      if (!call.failed) value = call.input[1].get<std::int64_t>();
    } else if (call.f == "expire") {
      for (auto& [key, lock] : locks) {
        if (lock.holder == call.input.get<std::uint32_t>()) lock.holder.reset();
      }
    } else if (call.f == "release") {
      Lock& lock = locks[call.key];
      const bool holds = lock.holder == process && lock.token == call.input.get<std::int64_t>();
      call.output = holds ? "released" : "not_holder";
      if (holds) lock.holder.reset();
    } else {  // acquire, try_acquire
      Lock& lock = locks[call.key];
      if (lock.holder && lock.holder != process) {
        if (call.f == "acquire") return false;
        call.output = "busy";
      } else {
        if (!lock.holder) {
          lock.last += 1 + static_cast<std::int64_t>(random() % 3);  // tokens may skip
          lock.holder = process;
          lock.token = lock.last;
        }
        call.output = lock.token;
      }
    }
    call.applied = true;
    return true;
  }
};

struct Client {
  std::optional<InFlight> call;
  std::optional<std::pair<std::string, std::int64_t>> held;  // what this client believes it holds
};

class Generator {
 public:
  explicit Generator(const GenerateOptions& options) : options_(options), random_(options.seed) {}

  Json run() {
    clients_.resize(options_.clients);
    std::size_t invoked = 0;
    const std::size_t steps_max = options_.operations * 64 + 1024;
    for (std::size_t step = 0; step < steps_max; ++step) {
      if (options_.model == "lock" && chance(options_.expire_probability)) service_step();
      const auto c = static_cast<std::uint32_t>(random_() % clients_.size());
      Client& client = clients_[c];
      if (!client.call) {
        if (invoked == options_.operations) {
          if (all_idle()) break;
          continue;
        }
        ++invoked;
        invoke(c, choose(client));
      } else if (client.call->ended) {  // answered no_session, or timed out
        complete(c, chance(options_.info_probability) ? "info" : "fail");
      } else if (!client.call->applied) {
        if (chance(options_.info_probability / 4)) complete(c, "info");  // timed out, never happened
        else if (chance(0.5)) world_.apply(c, *client.call, random_);
      } else if (chance(0.5)) {
        complete(c, chance(options_.info_probability) ? "info" : client.call->failed ? "fail" : "ok");
      }
    }
    return Json{{"model", options_.model}, {"history", std::move(events_)}};
  }

 private:
  bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(random_) < p; }
  std::string random_key() { return "k" + std::to_string(random_() % options_.keys); }
  bool all_idle() const {
    for (const Client& client : clients_) {
      if (client.call && client.call->applied) return false;  // unapplied ones may stay pending
    }
    return true;
  }

  InFlight choose(const Client& client) {
    if (options_.model == "register") {
      const int roll = static_cast<int>(random_() % 10);
      const std::string key = random_key();
      if (roll < 5) return in_flight("read", key, nullptr);
      if (roll < 8) return in_flight("write", key, ++next_value_);
      const std::int64_t old_value = static_cast<std::int64_t>(random_() % (next_value_ + 1));
      return in_flight("cas", key, Json::array({old_value == 0 ? Json(nullptr) : Json(old_value), ++next_value_}));
    }
    const int roll = static_cast<int>(random_() % 20);
    if (client.held) {
      const auto& [key, token] = *client.held;
      if (roll < 14) return in_flight("release", key, roll == 0 ? token + 1 : token);
      if (roll < 17) return in_flight("acquire", key, nullptr);
      return in_flight("try_acquire", key, nullptr);  // a client holds at most one lock
    }
    if (roll < 11) return in_flight("acquire", random_key(), nullptr);
    if (roll < 19) return in_flight("try_acquire", random_key(), nullptr);
    return in_flight("release", random_key(), static_cast<std::int64_t>(random_() % 8));
  }

  void invoke(std::uint32_t c, InFlight call) {
    events_.push_back(Json{{"process", c}, {"type", "invoke"}, {"f", call.f}, {"key", call.key}, {"value", call.input}});
    clients_[c].call = std::move(call);
  }

  void complete(std::uint32_t c, const char* type) {
    Client& client = clients_[c];
    InFlight& call = *client.call;
    const bool ok = std::string(type) == "ok";
    events_.push_back(Json{{"process", c}, {"type", type}, {"f", call.f}, {"key", call.key},
                           {"value", ok ? call.output : call.input}});
    if (ok && call.output.is_number_integer()) client.held = std::pair{call.key, call.output.get<std::int64_t>()};
    // "not_holder" for a wrong token (a deliberate mistake) leaves the lock held: keep it.
    if (ok && call.f == "release" && client.held && (call.output == "released" || call.input == client.held->second)) {
      client.held.reset();
    }
    client.call.reset();
  }

  // The lock service expires a random client's session: invoke, take effect, complete at once.
  void service_step() {
    const auto victim = static_cast<std::uint32_t>(random_() % clients_.size());
    InFlight call = in_flight("expire", "", victim);
    events_.push_back(Json{{"process", "service"}, {"type", "invoke"}, {"f", "expire"}, {"value", victim}});
    world_.apply(0, call, random_);
    events_.push_back(Json{{"process", "service"}, {"type", "ok"}, {"f", "expire"}, {"value", victim}});
    // A command of the ended session still on its way is answered no_session. The client goes
    // on in a new session under the same process (calls invoked from now on are not bound).
    if (auto& pending = clients_[victim].call; pending && !pending->applied) pending->ended = true;
  }

  GenerateOptions options_;
  std::mt19937_64 random_;
  World world_;
  std::vector<Client> clients_;
  Json events_ = Json::array();
  std::int64_t next_value_ = 0;
};

}  // namespace

Json generate_history(const GenerateOptions& options) { return Generator(options).run(); }

}  // namespace lockstep::linearizability
