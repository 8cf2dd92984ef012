// The generic Host (impl/runtime/host.hpp): nothing leaves before the Persist it follows is
// durable, later outputs keep their order behind it, timers arm at once with delays drawn in
// range, and every way a step can break the effect contract stops the host (ContractError).
// A toy protocol does exactly what each test's client command asks; the real protocols are
// driven through the same Host by the storage tests and the node integration tests.
#include <gtest/gtest.h>

#include <string>
#include <variant>
#include <vector>

#include "impl/runtime/host.hpp"
#include "model/core/sizes.hpp"

namespace lockstep::runtime {
namespace {

LOCKSTEP_ENUM(ToyTimer, tick)
// What a client command makes the toy's step do.
LOCKSTEP_ENUM(ToyAction, persist_then_send, send_only, send_then_persist, change_without_persist, persist_wrong_edit,
              reply_only, arm_timer)

struct Toy {
  using Sizes = RuntimeSizes;
  struct Config {
    LOCKSTEP_STRUCT(Config, (std::uint8_t, node_count));
  };
  struct Durable {
    LOCKSTEP_STRUCT(Durable, (std::uint64_t, value));
  };
  struct Volatile {
    LOCKSTEP_STRUCT(Volatile, (std::uint64_t, steps));
  };
  struct Node {
    LOCKSTEP_STRUCT(Node, (Durable, durable), (Volatile, volatile_state));
  };
  struct HardState {
    LOCKSTEP_STRUCT(HardState, (std::uint64_t, value));
  };
  using LogEdit = NoLogEdit;
  struct Ping {
    LOCKSTEP_STRUCT(Ping, (std::uint64_t, n));
  };
  using Message = std::variant<Ping>;
  using Timer = ToyTimer;
  using Sequence = std::uint64_t;
  using ReplyPayload = std::uint64_t;
  using AppliedCommand = std::uint64_t;
  struct MessageReceived {
    LOCKSTEP_STRUCT(MessageReceived, (NodeId, from), (Message, message));
  };
  struct TimerFired {
    LOCKSTEP_STRUCT(TimerFired, (ToyTimer, timer));
  };
  struct ClientRequest {
    LOCKSTEP_STRUCT(ClientRequest, (ClientId, client), (Sequence, sequence), (ToyAction, command));
  };
  struct Restarted {
    LOCKSTEP_EMPTY_STRUCT(Restarted);
  };
  using Event = std::variant<MessageReceived, TimerFired, ClientRequest, Restarted>;
  static constexpr std::string_view name = "toy";
  static constexpr bool node_symmetric = false;
  static constexpr bool has_obsolete = false;

  static Node init(const Config&, NodeId) { return Node{}; }
  static void apply_persist(Durable& durable, const PersistOf<Toy>& persist) { durable.value = persist.hard_state.value; }
  static lockstep::Step<Toy> step(const Config&, NodeId, const Node& node, const Event& event) {
    lockstep::Step<Toy> out{node};
    ++out.node.volatile_state.steps;
    const auto* request = std::get_if<ClientRequest>(&event);
    if (!request) return out;
    const auto persist = [&](std::uint64_t value) {
      out.effects.push_back(PersistOf<Toy>{HardState{value}, NoLogEdit{}});
    };
    const std::uint64_t next = node.durable.value + 1;
    switch (request->command) {
      case ToyAction::persist_then_send:
        out.node.durable.value = next;
        persist(next);
        out.send(NodeId{2}, Ping{next});
        out.reply(request->client, request->sequence, next);
        break;
      case ToyAction::send_only: out.send(NodeId{2}, Ping{0}); break;
      case ToyAction::send_then_persist:
        out.node.durable.value = next;
        out.send(NodeId{2}, Ping{next});
        persist(next);
        break;
      case ToyAction::change_without_persist: out.node.durable.value = next; break;
      case ToyAction::persist_wrong_edit:
        out.node.durable.value = next;
        persist(next + 1);
        break;
      case ToyAction::reply_only: out.reply(request->client, request->sequence, node.durable.value); break;
      case ToyAction::arm_timer: out.set_timer(ToyTimer::tick, Delay::randomized(100, 200)); break;
    }
    return out;
  }
};
static_assert(Protocol<Toy>);

// Records what left, in order, as text.
struct Recorder {
  std::vector<std::string> out;
  std::uint64_t tickets = 0;
  std::vector<std::uint32_t> delays;
  Host<Toy>::Io io() {
    Host<Toy>::Io io;
    io.persist = [this](const PersistOf<Toy>& p, const Toy::Durable& after) {
      EXPECT_EQ(p.hard_state.value, after.value);
      out.push_back("persist " + std::to_string(p.hard_state.value));
      return ++tickets;
    };
    io.send = [this](const Host<Toy>::SendEffect& s) {
      out.push_back("send " + std::to_string(std::get<Toy::Ping>(s.message).n));
    };
    io.reply = [this](const Host<Toy>::ReplyEffect& r) { out.push_back("reply " + std::to_string(r.payload)); };
    io.redirect = [this](const Host<Toy>::RedirectEffect&) { out.push_back("redirect"); };
    io.set_timer = [this](ToyTimer, std::uint32_t ms) { delays.push_back(ms); };
    return io;
  }
};

Toy::ClientRequest request(ToyAction action, std::uint64_t sequence = 1) {
  return Toy::ClientRequest{ClientId{7}, sequence, action};
}

TEST(Host, holds_what_follows_a_persist_until_it_is_durable_then_releases_in_order) {
  Recorder r;
  Host<Toy> host(Toy::Config{3}, NodeId{1}, Toy::Node{}, r.io(), 1);
  host.feed(request(ToyAction::persist_then_send));
  EXPECT_EQ(r.out, (std::vector<std::string>{"persist 1"}));  // the send and the reply wait
  host.feed(request(ToyAction::send_only, 2));                // a later step's send waits behind them
  host.feed(request(ToyAction::persist_then_send, 3));        // a second persist: the same batch
  EXPECT_EQ(host.held(), 5u);
  host.durable(1);  // the first persist is durable: its outputs and the send after it leave
  EXPECT_EQ(r.out, (std::vector<std::string>{"persist 1", "persist 2", "send 1", "reply 1", "send 0"}));
  host.durable(2);
  EXPECT_EQ(r.out.back(), "reply 2");
  EXPECT_EQ(host.held(), 0u);
  host.feed(request(ToyAction::reply_only, 4));  // nothing pending: leaves at once
  EXPECT_EQ(r.out.back(), "reply 2");
  EXPECT_EQ(r.out.size(), 8u);
}

TEST(Host, arms_timers_at_once_with_a_delay_drawn_in_range) {
  Recorder r;
  Host<Toy> host(Toy::Config{3}, NodeId{1}, Toy::Node{}, r.io(), 42);
  for (int i = 0; i < 200; ++i) host.feed(request(ToyAction::arm_timer, static_cast<std::uint64_t>(i)));
  ASSERT_EQ(r.delays.size(), 200u);
  std::uint32_t low = 1000, high = 0;
  for (const std::uint32_t d : r.delays) {
    low = std::min(low, d);
    high = std::max(high, d);
  }
  EXPECT_GE(low, 100u);
  EXPECT_LE(high, 200u);
  EXPECT_LT(low, 120u);  // drawn, not fixed
  EXPECT_GT(high, 180u);
}

TEST(Host, every_broken_contract_stops_the_host) {
  for (const ToyAction action :
       {ToyAction::send_then_persist, ToyAction::change_without_persist, ToyAction::persist_wrong_edit}) {
    Recorder r;
    Host<Toy> host(Toy::Config{3}, NodeId{1}, Toy::Node{}, r.io(), 1);
    EXPECT_THROW(host.feed(request(action)), ContractError) << enum_name(action);
    EXPECT_TRUE(r.out.empty()) << enum_name(action);  // nothing was performed
    EXPECT_EQ(host.node().durable.value, 0u);
  }
}

}  // namespace
}  // namespace lockstep::runtime
