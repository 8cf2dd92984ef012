// Storage<P> (impl/runtime/storage.hpp) with the protocols a lock node runs: a one-node Raft or
// Multi-Paxos cluster (it elects itself) is driven with real events (restart, election timer,
// clients opening sessions, acquiring and releasing locks), every Persist goes through Storage,
// and a fresh Storage on the same directory must recover exactly the node's Durable state: with
// no checkpoint, across checkpoints taken mid-run (with the protocols' snapshots in the Persist
// edits), after a torn tail (everything before it), and never past corruption or a record that
// does not decode.
#include <gtest/gtest.h>
#include <unistd.h>

#include <deque>
#include <fstream>

#include <fmt/format.h>

#include "impl/runtime/storage.hpp"
#include "tests/runtime/unit/temp_dir.hpp"
#include "model/multipaxos/multipaxos.hpp"
#include "model/raft/raft.hpp"
#include "model/sm/lock.hpp"

namespace lockstep::runtime {
namespace {

namespace fs = std::filesystem;
using RaftLock = raft::Raft<sm::RuntimeLock, RuntimeSizes>;
using PaxosLock = multipaxos::MultiPaxos<sm::RuntimeLock, RuntimeSizes>;
using sm::LockAnswer;
using sm::LockOp;

// A fresh directory per test (tests/runtime/unit/temp_dir.hpp).
struct TempDir : testing::TempDir {
  TempDir() : testing::TempDir("storage") {}
};
using testing::read_bytes;
using testing::wal_file;
using testing::write_bytes;

WalOptions options(std::uint64_t checkpoint_bytes = 8u << 20) {
  WalOptions options;
  options.fsync = false;
  options.checkpoint_bytes = checkpoint_bytes;
  return options;
}

sm::RuntimeLock::Config lock_config() { return {3, 1000, NoChecks{}}; }
// By field name, so fields the command may grow (e.g. open's time-to-live) keep their defaults.
sm::RuntimeLock::Command command(LockOp op, std::uint64_t session = 0, std::uint32_t lock = 0, std::uint64_t token = 0) {
  sm::RuntimeLock::Command c{};
  c.op = op;
  c.session = session;
  c.lock = lock;
  c.token = token;
  return c;
}
RaftLock::Config config_for(RaftLock*, std::uint64_t snapshot_every) {
  return {1, raft::default_timing, NoChecks{}, lock_config(), snapshot_every};
}
PaxosLock::Config config_for(PaxosLock*, std::uint64_t snapshot_every) {
  return {1, multipaxos::default_timing, NoChecks{}, snapshot_every, lock_config()};
}

// One node of a one-node cluster, its Persists going through Storage.
template <class P>
struct Driver {
  Driver(typename P::Config config_, Storage<P>& storage_) : config(config_), storage(storage_) {}
  typename P::Config config;
  Storage<P>& storage;
  typename P::Node node = P::init(config, self);
  std::vector<typename P::Durable> history;  // the Durable after each Persist
  std::size_t snapshots = 0;                  // Persists carrying a snapshot
  std::vector<Reply<typename P::Sequence, typename P::ReplyPayload>> replies;
  static constexpr NodeId self = NodeId::at(0);

  void feed(const typename P::Event& event) {
    std::deque<typename P::Event> inbox{event};
    while (!inbox.empty()) {
      const Step<P> step = P::step(config, self, node, inbox.front());
      inbox.pop_front();
      ASSERT_TRUE(step.persist_precedes_sends());
      node = step.node;
      for (const Effect<P>& effect : step.effects) {
        if (const auto* persist = std::get_if<PersistOf<P>>(&effect)) {
          storage.persist(*persist, node.durable);
          history.push_back(node.durable);
          snapshots += persist->log.snapshot ? 1 : 0;
        }
        if (const auto* send = std::get_if<Send<typename P::Message>>(&effect)) {
          ASSERT_EQ(send->to, self);
          inbox.push_back(typename P::MessageReceived{self, send->message});
        }
        if (const auto* reply = std::get_if<Reply<typename P::Sequence, typename P::ReplyPayload>>(&effect)) {
          replies.push_back(*reply);
        }
      }
    }
  }

  // The answer to the request (a release may answer a waiter too).
  sm::RuntimeLock::Output request(std::uint32_t client, std::uint64_t sequence, sm::RuntimeLock::Command command) {
    replies.clear();
    feed(typename P::ClientRequest{ClientId{client}, sequence, command});
    for (const auto& reply : replies) {
      if (reply.client == ClientId{client} && reply.sequence == sequence) return reply.payload.output;
    }
    ADD_FAILURE() << "no answer to client " << client << "'s request " << sequence;
    return {};
  }

  // Elects itself, then `clients` clients each open a session, acquire a lock (of three, so
  // some wait) and release it when granted, with heartbeats in between.
  void run(std::uint32_t clients) {
    feed(typename P::Restarted{});
    feed(typename P::TimerFired{P::Timer::election});
    for (std::uint32_t c = 1; c <= clients; ++c) {
      const auto opened = request(c, 1, command(LockOp::open));
      ASSERT_EQ(opened.answer, LockAnswer::opened);
      const auto acquired = request(c, 2, command(LockOp::acquire, opened.session, c % 3));
      ASSERT_TRUE(acquired.answer == LockAnswer::granted || acquired.answer == LockAnswer::queued);
      if (acquired.answer == LockAnswer::granted && c % 2 == 0) {
        EXPECT_EQ(request(c, 3, command(LockOp::release, opened.session, c % 3, acquired.token)).answer, LockAnswer::released);
      }
      if (c % 4 == 0) feed(typename P::TimerFired{P::Timer::heartbeat});
    }
  }
};

template <class P>
typename P::Durable recover_from(const fs::path& dir, std::uint64_t checkpoint_bytes = 8u << 20) {
  Storage<P> storage(dir, options(checkpoint_bytes), nullptr, nullptr);
  return storage.recover(typename P::Durable{});
}

// Runs a node on a fresh Storage in `dir`; returns its Persist history.
template <class P>
std::vector<typename P::Durable> run_node(const fs::path& dir, std::uint32_t clients, std::uint64_t snapshot_every,
                                          std::uint64_t checkpoint_bytes, std::size_t* snapshots = nullptr,
                                          std::uint64_t* checkpoint_size = nullptr) {
  Storage<P> storage(dir, options(checkpoint_bytes), nullptr, nullptr);
  const typename P::Durable initial{};
  EXPECT_EQ(storage.recover(initial), initial);
  Driver<P> driver(config_for(static_cast<P*>(nullptr), snapshot_every), storage);
  driver.run(clients);
  storage.wal().flush();
  EXPECT_EQ(driver.history.back(), driver.node.durable);
  if (snapshots) *snapshots = driver.snapshots;
  if (checkpoint_size) *checkpoint_size = storage.wal().checkpoint_bytes();
  return driver.history;
}

template <class P>
void recovers_every_persist() {
  TempDir dir;
  const auto history = run_node<P>(dir.path, 12, 0, 8u << 20);
  ASSERT_GT(history.size(), 20u);
  EXPECT_EQ(recover_from<P>(dir.path), history.back());
}
TEST(Storage, raft_recovers_every_persist) { recovers_every_persist<RaftLock>(); }
TEST(Storage, multipaxos_recovers_every_persist) { recovers_every_persist<PaxosLock>(); }

// A small checkpoint_bytes makes Storage checkpoint several times during the run, while the
// protocol snapshots every 5 applied entries (Persists that carry a snapshot).
template <class P>
void recovers_across_checkpoints_and_snapshots() {
  TempDir dir;
  std::size_t snapshots = 0;
  std::uint64_t checkpoint_size = 0;
  const auto history = run_node<P>(dir.path, 40, 5, 1024, &snapshots, &checkpoint_size);
  EXPECT_GT(snapshots, 3u);
  EXPECT_GT(checkpoint_size, 0u);
  Storage<P> storage(dir.path, options(1024), nullptr, nullptr);
  EXPECT_EQ(storage.recover(typename P::Durable{}), history.back());
  ASSERT_TRUE(storage.recovered().checkpoint.has_value());
  EXPECT_GT(storage.wal().generation(), 2u);  // checkpointed more than twice
  EXPECT_EQ(storage.recovered().notes, "");
}
TEST(Storage, raft_recovers_across_checkpoints_and_snapshots) { recovers_across_checkpoints_and_snapshots<RaftLock>(); }
TEST(Storage, multipaxos_recovers_across_checkpoints_and_snapshots) {
  recovers_across_checkpoints_and_snapshots<PaxosLock>();
}

template <class P>
void torn_tail_recovers_everything_before_it() {
  TempDir dir;
  const auto history = run_node<P>(dir.path, 8, 5, 8u << 20);
  const fs::path wal = wal_file(dir.path, 0);
  const std::string whole = read_bytes(wal);
  {  // the last record cut short: the state before the last Persist
    write_bytes(wal, whole.substr(0, whole.size() - 3));
    Storage<P> storage(dir.path, options(), nullptr, nullptr);
    EXPECT_EQ(storage.recover(typename P::Durable{}), history[history.size() - 2]);
    EXPECT_GT(storage.recovered().truncated_bytes, 0u);
    EXPECT_NE(storage.recovered().notes.find("truncated a torn tail"), std::string::npos);
  }
  {  // a zero-filled tail after the last record: every Persist
    write_bytes(wal, whole + std::string(1000, '\0'));
    Storage<P> storage(dir.path, options(), nullptr, nullptr);
    EXPECT_EQ(storage.recover(typename P::Durable{}), history.back());
    EXPECT_EQ(storage.recovered().truncated_bytes, 1000u);
  }
}
TEST(Storage, raft_torn_tail_recovers_everything_before_it) { torn_tail_recovers_everything_before_it<RaftLock>(); }
TEST(Storage, multipaxos_torn_tail_recovers_everything_before_it) {
  torn_tail_recovers_everything_before_it<PaxosLock>();
}

std::string recovery_error(const fs::path& dir) {
  try {
    recover_from<RaftLock>(dir);
  } catch (const StorageError& e) {
    return e.what();
  }
  return "";
}

TEST(Storage, a_corrupt_byte_in_a_middle_record_is_an_error_naming_file_and_offset) {
  TempDir dir;
  run_node<RaftLock>(dir.path, 8, 0, 8u << 20);
  std::vector<std::uint64_t> offsets;
  {
    Storage<RaftLock> storage(dir.path, options(), nullptr, nullptr);
    storage.recover(RaftLock::Durable{});
    offsets = storage.recovered().record_offsets;
  }
  ASSERT_GT(offsets.size(), 4u);
  const std::uint64_t middle = offsets[offsets.size() / 2];
  const fs::path wal = wal_file(dir.path, 0);
  std::string bytes = read_bytes(wal);
  bytes[middle + wal_record_header_bytes] ^= 0x20;
  write_bytes(wal, bytes);
  const std::string error = recovery_error(dir.path);
  EXPECT_NE(error.find(fmt::format("{}: record at offset {} fails its checksum", wal.string(), middle)),
            std::string::npos)
      << error;
}

TEST(Storage, a_record_that_passes_its_checksum_but_does_not_decode_is_an_error) {
  TempDir dir;
  run_node<RaftLock>(dir.path, 3, 0, 8u << 20);
  std::uint64_t offset = 0;
  {
    Wal wal(dir.path, options(), nullptr, nullptr);
    wal.recover();
    offset = wal.wal_bytes();  // where the next record goes
    wal.append("\xff\xff\xff");
  }
  const std::string error = recovery_error(dir.path);
  EXPECT_NE(error.find(fmt::format("{}: record at offset {} passes its checksum but does not decode as raft's Persist",
                                   wal_file(dir.path, 0).string(), offset)),
            std::string::npos)
      << error;
}

TEST(Storage, a_checkpoint_that_does_not_decode_is_an_error) {
  TempDir dir;
  {
    Wal wal(dir.path, options(), nullptr, nullptr);
    wal.recover();
    wal.checkpoint("not a durable state");
  }
  const std::string error = recovery_error(dir.path);
  EXPECT_NE(error.find("checkpoint-00000000000000000001: the checkpoint passes its checksum but does not decode"),
            std::string::npos)
      << error;
}

TEST(Storage, on_durable_reports_every_persist_ticket) {
  TempDir dir;
  std::uint64_t durable = 0;
  Storage<RaftLock> storage(dir.path, WalOptions{}, [&](std::uint64_t ticket) { durable = ticket; }, nullptr);
  storage.recover(RaftLock::Durable{});
  Driver<RaftLock> driver(config_for(static_cast<RaftLock*>(nullptr), 0), storage);
  driver.run(2);
  storage.wal().flush();
  EXPECT_EQ(durable, driver.history.size());
  EXPECT_EQ(storage.wal().durable_ticket(), driver.history.size());
}

}  // namespace
}  // namespace lockstep::runtime
