// The runtime's wire format, shared by lock nodes (impl/runtime/node.hpp), the client library
// (impl/runtime/client.hpp) and the tools (status, nemesis, benchmark).
//
// A frame on a TCP connection is
//     u32 little-endian body length | body = u8 version | u8 kind | payload
// where the payload is the reflection codec's encoding (model/core/codec.hpp) of the kind's
// struct, except `status` (JSON text: read by people and scripts, never on a hot path). The
// body length is at most the receiver's frame limit; a frame over it, of another version, of
// an unknown kind, or whose payload does not decode (or leaves trailing bytes) closes the
// connection with one logged reason.
//
// Every connection opens with a Hello from the side that dialled: the cluster id (a hash of the
// member list and the protocol, so a process configured for another cluster is refused), the
// protocol, and the sender's node id (0 for a client). A node answers a client's Hello with its
// own Hello; peers never answer (each direction between two nodes has its own connection: a
// node dials every other node to send, and receives on the connections others dialled).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

#include "model/core/codec.hpp"
#include "model/core/ids.hpp"
#include "model/core/names.hpp"
#include "model/core/reflect.hpp"
#include "model/sm/lock.hpp"

namespace lockstep::runtime {

// 2: Raft's log entries carry a no-op flag (a frame of 1 would decode misaligned).
inline constexpr std::uint8_t wire_version = 2;
inline constexpr std::uint32_t frame_limit_default = 16u << 20;  // 16 MiB (a snapshot travels whole)
inline constexpr std::size_t frame_header_bytes = 4;

LOCKSTEP_ENUM(WireProtocol, raft, multipaxos)

// hello      Hello                    first frame of every connection
// peer       P::Message               node to node (the step function's messages)
// ping       Ping                     node to node when nothing else was sent for a while
//                                     (the passive failure detector: a silent peer is suspected)
// request    Request                  client to node: a lock command
// reply      Reply                    node to client: the answer (possibly long after: a grant)
// redirect   Redirect                 node to client: ask that node (0: no leader known)
// status_request  StatusRequest      anyone to node
// status     JSON text                node's answer (see impl/runtime/status.hpp)
// fault      Fault                    test-only (nodes started with --allow-faults): drop every
//                                     frame to some peers and from some (perhaps others) until
//                                     the next Fault
// error      ErrorFrame               node to client: why the request was refused (bad lock id…)
LOCKSTEP_ENUM(FrameKind, hello, peer, ping, request, reply, redirect, status_request, status, fault, error)

using LockMachine = sm::RuntimeLock;
using LockCommand = LockMachine::Command;
using LockOutput = LockMachine::Output;
using LockOp = sm::LockOp;
using LockAnswer = sm::LockAnswer;

struct Hello {
  LOCKSTEP_STRUCT(Hello, (std::uint64_t, cluster_id), (WireProtocol, protocol), (std::uint8_t, node));
};
struct Ping {
  LOCKSTEP_STRUCT(Ping, (std::uint64_t, sent_us));
};
struct Request {
  LOCKSTEP_STRUCT(Request, (ClientId, client), (std::uint64_t, sequence), (LockCommand, command));
};
// position: the log position (Raft index, Multi-Paxos slot) whose application produced it.
struct Reply {
  LOCKSTEP_STRUCT(Reply, (ClientId, client), (std::uint64_t, sequence), (std::uint64_t, position),
                  (LockOutput, output));
};
struct Redirect {
  LOCKSTEP_STRUCT(Redirect, (ClientId, client), (std::uint64_t, sequence), (std::uint8_t, leader));
};
struct StatusRequest {
  LOCKSTEP_STRUCT(StatusRequest, (std::uint8_t, unused));
};
// Bit i of no_send set: drop frames to node i+1; of no_receive: drop frames from it. A cut link
// is both; a one-way fault is one at each end (the sender's no_send, the receiver's no_receive).
struct Fault {
  LOCKSTEP_STRUCT(Fault, (std::uint32_t, no_send), (std::uint32_t, no_receive));
};
struct ErrorFrame {
  LOCKSTEP_STRUCT(ErrorFrame, (ClientId, client), (std::uint64_t, sequence), (std::uint8_t, code));
};
// ErrorFrame codes.
inline constexpr std::uint8_t error_bad_request = 1;  // the command is not one a client may send
inline constexpr std::uint8_t error_overloaded = 2;
inline constexpr std::uint8_t error_wrong_cluster = 3;  // the Hello named another cluster id

// Lock names: a node's table has lock_slots locks (numbered 0..lock_slots-1); a client maps a
// name to its slot by hashing (XXH3). Two names that share a slot exclude each other (safe, never
// the reverse): with 100 names in use the chance of any sharing is about 3 in 10,000.
inline constexpr std::uint32_t lock_slots = 1u << 24;
std::uint32_t lock_slot(std::string_view name);

// The status frame's JSON (impl/runtime/node.hpp writes it; `lockstep status` prints it):
//   {"node": 1, "protocol": "raft", "role": "leader", "term": 3, "leader": 1, "commit": 120,
//    "applied": 120, "log_entries": 20, "snapshot_index": 100, "wal_bytes": 4096,
//    "checkpoint_bytes": 512, "sessions": 2, "locks_held": 1, "uptime_ms": 5123,
//    "steps": 812, "wal_fsyncs": 240, "wal_records": 310, "held_outputs": 0,
//    "peers": [{"node": 2, "connected": true, "suspected": false, "suspected_for_ms": 0,
//               "last_heard_ms": 12, "dropped": 0}, ...],
//    "locks": [{"lock": 123, "holder": 7, "token": 2063597691, "waiters": 0}, ...]}
// (steps: events fed to the step function; wal_fsyncs and wal_records: batches made durable
// and records in them since the node started (records per fsync: the group commit at work);
// held_outputs: messages and replies waiting for a Persist to be durable. locks: the node's applied lock table, the first 1,000 locks by slot; holder is a session id,
// 0 when free; token the holder's or the last holder's fencing token.)
// role is the protocol's own word (Raft: follower/candidate/leader; Multi-Paxos: idle/preparing/
// leading); term is Raft's term or Multi-Paxos's ballot round; leader 0 = none known. A peer is
// suspected when the connection to it failed or nothing was heard from it for longer than
// suspect_after_ms; suspected_for_ms says since when.

struct WireError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Appends one frame (header and body) to `out`.
template <class T>
void append_frame(Bytes& out, FrameKind kind, const T& payload) {
  const std::size_t start = out.size();
  out.resize(start + frame_header_bytes);
  {
    ByteWriter w(out);
    w.byte(wire_version);
    w.byte(static_cast<std::uint8_t>(kind));
    encode(w, payload);
  }
  const auto body = static_cast<std::uint32_t>(out.size() - start - frame_header_bytes);
  for (int i = 0; i < 4; ++i) out.data()[start + i] = static_cast<char>((body >> (8 * i)) & 0xff);
}
// A frame whose payload is raw text (the status frame's JSON).
inline void append_text_frame(Bytes& out, FrameKind kind, std::string_view text) {
  const auto body = static_cast<std::uint32_t>(text.size() + 2);
  char header[6];
  for (int i = 0; i < 4; ++i) header[i] = static_cast<char>((body >> (8 * i)) & 0xff);
  header[4] = static_cast<char>(wire_version);
  header[5] = static_cast<char>(kind);
  out.append(header, sizeof header);
  out.append(text.data(), text.size());
}

// The body length a frame header announces; throws WireError over `limit`.
inline std::uint32_t frame_body_length(const char* header, std::uint32_t limit) {
  std::uint32_t body = 0;
  for (int i = 0; i < 4; ++i) body |= static_cast<std::uint32_t>(static_cast<unsigned char>(header[i])) << (8 * i);
  if (body < 2) throw WireError("frame of " + std::to_string(body) + " bytes is shorter than its version and kind");
  if (body > limit) {
    throw WireError("frame of " + std::to_string(body) + " bytes exceeds the limit of " + std::to_string(limit));
  }
  return body;
}

// A frame's body split into kind and payload; throws WireError on another version or an
// unknown kind.
struct FrameBody {
  FrameKind kind;
  const char* payload;
  std::size_t size;
};
inline FrameBody parse_body(const char* body, std::size_t size) {
  if (size < 2) throw WireError("frame body too short");
  if (static_cast<std::uint8_t>(body[0]) != wire_version) {
    throw WireError("wire version " + std::to_string(static_cast<unsigned char>(body[0])) + " (this build speaks " +
                    std::to_string(wire_version) + ")");
  }
  const auto kind = static_cast<std::uint8_t>(body[1]);
  if (kind >= lockstep_enum_names(FrameKind{}).size()) throw WireError("unknown frame kind " + std::to_string(kind));
  return FrameBody{static_cast<FrameKind>(kind), body + 2, size - 2};
}

// Decodes a payload, turning a codec failure into a WireError naming the frame kind.
template <class T>
T decode_payload(const FrameBody& body) {
  try {
    return decode_from<T>(body.payload, body.size);
  } catch (const CodecError& e) {
    throw WireError("malformed " + std::string(enum_name(body.kind)) + " frame: " + e.what());
  }
}

}  // namespace lockstep::runtime
