// Integration tests of a `lockstep node` given bad input: damaged write-ahead logs (a torn tail is
// repaired and logged, a corrupt record in the middle refuses the start naming file and offset),
// malformed frames on raw TCP (one logged reason, that connection closed, the node serving on),
// a node and a client of another cluster (refused at the handshake), and bad flags or a data
// directory of another node (exit 2, one line). Real processes on loopback; every wait bounded.
#include <gtest/gtest.h>

#include <fstream>

#include "impl/runtime/client.hpp"
#include "impl/runtime/wal.hpp"
#include "impl/runtime/wire.hpp"
#include <fmt/format.h>

#include "tests/support/processes.hpp"

namespace lockstep::testing {
namespace {

using namespace std::chrono_literals;
using runtime::ClientError;
using runtime::ClientErrorKind;

// Some lock traffic, so that every node's WAL holds a few records.
void traffic(TestCluster& cluster, int rounds) {
  auto client = cluster.client();
  client->open(10s);
  for (int i = 0; i < rounds; ++i) ASSERT_TRUE(client->release("w", client->acquire("w")));
}

// Waits until node `id` answers status, names a leader, and has applied what the leader had
// committed when the wait began.
bool caught_up(TestCluster& cluster, int id, std::chrono::milliseconds timeout = 10s) {
  std::uint64_t target = 0;
  return wait_until(
      [&] {
        if (target == 0) {
          const std::uint8_t leader = cluster.leader();
          const auto status = leader ? cluster.status(leader) : std::nullopt;
          if (!status) return false;
          target = std::max<std::uint64_t>(1, status->value("commit", std::uint64_t{0}));
        }
        const auto status = cluster.status(id);
        return status && status->value("leader", 0) != 0 && status->value("applied", std::uint64_t{0}) >= target;
      },
      timeout);
}

std::string frame(std::uint32_t length, const std::string& body) {
  std::string out(4, '\0');
  for (int i = 0; i < 4; ++i) out[i] = static_cast<char>((length >> (8 * i)) & 0xff);
  return out + body;
}

template <class T>
std::string encoded_frame(runtime::FrameKind kind, const T& payload) {
  lockstep::Bytes bytes;
  runtime::append_frame(bytes, kind, payload);
  return std::string(bytes.data(), bytes.size());
}

// ---------------------------------------------------------------------------------------------
// The write-ahead log.

TEST(NodeWal, TornTailIsTruncatedLoggedAndTheNodeServes) {
  TestCluster cluster;
  const std::uint8_t leader = cluster.wait_for_leader();
  ASSERT_NE(leader, 0) << logs(cluster);
  traffic(cluster, 5);
  // Two followers, stopped: one gets garbage appended to its newest WAL, the other loses the
  // last bytes of its last record.
  const int garbage = leader % 3 + 1;
  const int cut = garbage % 3 + 1;
  ASSERT_NE(cut, leader);
  ASSERT_EQ(cluster.stop(garbage), 0);
  ASSERT_EQ(cluster.stop(cut), 0);
  const fs::path wal_g = cluster.newest_wal(garbage);
  const fs::path wal_c = cluster.newest_wal(cut);
  ASSERT_FALSE(wal_g.empty());
  ASSERT_FALSE(wal_c.empty());
  const auto size_g = fs::file_size(wal_g);
  const auto size_c = fs::file_size(wal_c);
  ASSERT_GT(size_c, runtime::wal_header_bytes + 3 * runtime::wal_record_header_bytes);
  { std::ofstream(wal_g, std::ios::binary | std::ios::app) << std::string("\x13\x07\xfe\x01\x99", 5); }
  fs::resize_file(wal_c, size_c - 3);

  cluster.start(garbage);
  cluster.start(cut);
  const bool repaired = wait_until(
      [&] {
        return count_of(cluster.log(garbage), "torn tail") == 1 && count_of(cluster.log(cut), "torn tail") == 1;
      },
      10s);
  EXPECT_TRUE(repaired) << logs(cluster);
  EXPECT_NE(cluster.log(garbage).find("truncated a torn tail of 5 bytes at offset " + std::to_string(size_g)),
            std::string::npos)
      << cluster.log(garbage);
  EXPECT_NE(cluster.log(cut).find(wal_c.filename().string()), std::string::npos) << cluster.log(cut);
  // The cluster serves, and the repaired nodes catch up (a leader elected meanwhile, when the
  // restarts outrun the old leader's heartbeats as under the sanitizers, commits what came before
  // with its no-op).
  traffic(cluster, 1);
  EXPECT_TRUE(caught_up(cluster, garbage)) << logs(cluster);
  EXPECT_TRUE(caught_up(cluster, cut)) << logs(cluster);
  EXPECT_TRUE(cluster.running(garbage));
  EXPECT_TRUE(cluster.running(cut));

  // The repaired nodes are a majority without the leader: they serve alone.
  cluster.kill9(leader);
  ASSERT_NE(cluster.wait_for_leader(10s, leader), 0) << logs(cluster);
  traffic(cluster, 2);
}

TEST(NodeWal, CorruptRecordInTheMiddleRefusesToStart) {
  TestCluster cluster;
  const std::uint8_t leader = cluster.wait_for_leader();
  ASSERT_NE(leader, 0) << logs(cluster);
  traffic(cluster, 5);
  const int victim = leader % 3 + 1;
  ASSERT_EQ(cluster.stop(victim), 0);
  const fs::path wal = cluster.newest_wal(victim);
  ASSERT_GT(fs::file_size(wal), 400u);
  {
    // Flip a byte inside the first record's payload.
    std::fstream file(wal, std::ios::binary | std::ios::in | std::ios::out);
    const auto at = static_cast<std::streamoff>(runtime::wal_header_bytes + runtime::wal_record_header_bytes + 1);
    file.seekg(at);
    char c = 0;
    file.read(&c, 1);
    c = static_cast<char>(c ^ 0x5a);
    file.seekp(at);
    file.write(&c, 1);
  }
  const std::size_t logged_before = cluster.log(victim).size();
  cluster.start(victim);
  const std::optional<int> code = cluster.wait_exit(victim, 10s);
  ASSERT_TRUE(code.has_value()) << "the node started on a corrupt log";
  EXPECT_EQ(*code, 1);
  const std::string err = cluster.log(victim).substr(logged_before);
  EXPECT_EQ(count_of(err, "\n"), 1u) << err;
  EXPECT_NE(err.find(wal.string()), std::string::npos) << err;
  EXPECT_NE(err.find("offset " + std::to_string(runtime::wal_header_bytes)), std::string::npos) << err;
  EXPECT_NE(err.find("corrupt in the middle"), std::string::npos) << err;
}

// ---------------------------------------------------------------------------------------------
// The wire.

TEST(NodeWire, MalformedFramesCloseTheirConnectionWithOneReason) {
  TestCluster cluster;
  ASSERT_NE(cluster.wait_for_leader(), 0) << logs(cluster);
  const std::uint16_t port = cluster.cluster().member(1).port;
  const std::string version(1, static_cast<char>(runtime::wire_version));  // this build's
  const std::string hello = encoded_frame(runtime::FrameKind::hello,
                                          runtime::Hello{cluster.cluster().id(), runtime::WireProtocol::raft, 0});
  {
    // A length over the frame limit (16 MiB).
    RawSocket socket(port);
    ASSERT_TRUE(socket.write(frame(100u << 20, std::string("\x01\x00", 2))));
    EXPECT_TRUE(socket.closed_by_peer());
  }
  {
    // Another wire version.
    RawSocket socket(port);
    ASSERT_TRUE(socket.write(frame(2, std::string("\x09\x00", 2))));
    EXPECT_TRUE(socket.closed_by_peer());
  }
  {
    // A valid Hello, then garbage: a request frame whose payload does not decode.
    RawSocket socket(port);
    ASSERT_TRUE(socket.write(hello));
    const auto answer = socket.read_frame();
    ASSERT_TRUE(answer.has_value());
    EXPECT_EQ(answer->first, static_cast<std::uint8_t>(runtime::FrameKind::hello));
    ASSERT_TRUE(socket.write(frame(5, version + std::string("\x03\xff\xff\xff", 4))));
    EXPECT_TRUE(socket.closed_by_peer());
  }
  {
    // A valid Hello, then a kind no build knows.
    RawSocket socket(port);
    ASSERT_TRUE(socket.write(hello));
    ASSERT_TRUE(socket.read_frame().has_value());
    ASSERT_TRUE(socket.write(frame(2, version + std::string("\xc8", 1))));
    EXPECT_TRUE(socket.closed_by_peer());
  }
  const bool logged = wait_until(
      [&] {
        const std::string log = cluster.log(1);
        return count_of(log, "exceeds the limit") == 1 && count_of(log, "wire version 9") == 1 &&
               count_of(log, "malformed request frame") == 1 && count_of(log, "unknown frame kind 200") == 1;
      },
      5s);
  EXPECT_TRUE(logged) << cluster.log(1);
  // Each reason on one line of its own.
  for (const char* reason : {"exceeds the limit", "wire version 9", "malformed request frame", "unknown frame kind 200"}) {
    const std::string log = cluster.log(1);
    const auto at = log.find(reason);
    if (at == std::string::npos) continue;
    const auto start = log.rfind('\n', at);
    const std::string line = log.substr(start + 1, log.find('\n', at) - start - 1);
    EXPECT_NE(line.find("closed"), std::string::npos) << line;
  }
  // Node 1 still serves: status, and a lock through it.
  EXPECT_TRUE(cluster.status(1).has_value());
  EXPECT_TRUE(cluster.running(1));
  traffic(cluster, 2);
}

TEST(NodeWire, NodeAndClientOfAnotherClusterAreRefusedAtTheHandshake) {
  TestCluster cluster;
  ASSERT_NE(cluster.wait_for_leader(), 0) << logs(cluster);
  // A node of another cluster whose member 1 is our node 1's address.
  const auto ports = free_ports(1);
  const std::string foreign_spec =
      fmt::format("1=127.0.0.1:{},2=127.0.0.1:{}", cluster.cluster().member(1).port, ports[0]);
  Process foreign = Process::spawn({lockstep_binary(), "node", "--id", "2", "--cluster", foreign_spec, "--data",
                                    (cluster.dir() / "foreign").string()},
                                   cluster.dir() / "foreign.out", cluster.dir() / "foreign.log");
  const bool refused = wait_until([&] { return count_of(cluster.log(1), "hello from another cluster") >= 1; }, 10s);
  EXPECT_TRUE(refused) << cluster.log(1) << "\n--- foreign ---\n" << read_text(cluster.dir() / "foreign.log");
  EXPECT_EQ(foreign.kill9(), 128 + SIGKILL);

  // A client configured for another cluster (the same addresses, numbered otherwise) is refused
  // by every member.
  runtime::ClientOptions options = TestCluster::default_client_options();
  options.call_timeout = 5s;
  const auto& m = cluster.cluster().members;
  runtime::LockClient stranger(runtime::Cluster::parse(fmt::format("1={},2={},3={}", m[1].address(), m[0].address(),
                                                                   m[2].address())),
                               options);
  try {
    stranger.open(10s);
    ADD_FAILURE() << "a client of another cluster opened a session";
  } catch (const ClientError& e) {
    EXPECT_EQ(e.kind, ClientErrorKind::wrong_cluster) << e.what();
  }
  // Our cluster is unharmed.
  ASSERT_NE(cluster.wait_for_leader(), 0);
  traffic(cluster, 1);
}

// ---------------------------------------------------------------------------------------------
// Bad flags and data directories: exit 2 with one line.

struct NodeRun {
  std::optional<int> code;
  std::string err;
};

NodeRun run_node(const fs::path& dir, const std::string& name, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {lockstep_binary(), "node"};
  argv.insert(argv.end(), args.begin(), args.end());
  Process p = Process::spawn(argv, dir / (name + ".out"), dir / (name + ".err"));
  NodeRun run{p.wait_exit(10s), {}};
  run.err = read_text(dir / (name + ".err"));
  return run;
}

TEST(NodeInput, BadFlagsAndAnotherNodesDataDirectoryExitTwoWithOneLine) {
  TestDir dir;
  const auto ports = free_ports(3);
  const std::string spec =
      fmt::format("1=127.0.0.1:{},2=127.0.0.1:{},3=127.0.0.1:{}", ports[0], ports[1], ports[2]);

  const NodeRun bad_cluster = run_node(dir.path(), "bad-cluster", {"--id", "1", "--cluster", "1=nowhere", "--data",
                                                               (dir / "a").string()});
  EXPECT_EQ(bad_cluster.code, 2) << bad_cluster.err;
  EXPECT_EQ(count_of(bad_cluster.err, "\n"), 1u) << bad_cluster.err;

  const NodeRun not_member = run_node(dir.path(), "not-member", {"--id", "4", "--cluster", spec, "--data", (dir / "b").string()});
  EXPECT_EQ(not_member.code, 2) << not_member.err;
  EXPECT_EQ(count_of(not_member.err, "\n"), 1u) << not_member.err;
  EXPECT_NE(not_member.err.find("--id 4"), std::string::npos) << not_member.err;

  const NodeRun bad_protocol = run_node(dir.path(), "bad-protocol", {"--id", "1", "--cluster", spec, "--data",
                                                                 (dir / "c").string(), "--protocol", "zab"});
  EXPECT_EQ(bad_protocol.code, 2) << bad_protocol.err;
  EXPECT_EQ(count_of(bad_protocol.err, "\n"), 1u) << bad_protocol.err;

  // Node 1's directory, given to node 2 (node 1 ran there first and stopped).
  {
    Process one = Process::spawn({lockstep_binary(), "node", "--id", "1", "--cluster", spec, "--data",
                                  (dir / "n1").string()},
                                 dir / "n1.out", dir / "n1.err");
    ASSERT_TRUE(wait_until([&] { return fs::exists(dir / "n1" / "node.json"); }, 10s)) << read_text(dir / "n1.err");
    one.signal(SIGTERM);
    ASSERT_EQ(one.wait_exit(10s), 0) << read_text(dir / "n1.err");
  }
  const NodeRun other_node = run_node(dir.path(), "other-node", {"--id", "2", "--cluster", spec, "--data", (dir / "n1").string()});
  EXPECT_EQ(other_node.code, 2) << other_node.err;
  EXPECT_EQ(count_of(other_node.err, "\n"), 1u) << other_node.err;
  EXPECT_NE(other_node.err.find("belongs to node 1"), std::string::npos) << other_node.err;

  // The same directory, another cluster (node 1 of a cluster with other ports).
  const std::string other_spec = fmt::format("1=127.0.0.1:{},2=127.0.0.1:{},3=127.0.0.1:{}", ports[0], ports[1], ports[2] + 1);
  const NodeRun other_cluster =
      run_node(dir.path(), "other-cluster", {"--id", "1", "--cluster", other_spec, "--data", (dir / "n1").string()});
  EXPECT_EQ(other_cluster.code, 2) << other_cluster.err;
  EXPECT_EQ(count_of(other_cluster.err, "\n"), 1u) << other_cluster.err;
}

}  // namespace
}  // namespace lockstep::testing
