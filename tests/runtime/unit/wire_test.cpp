// The wire format: frames round-trip, and every kind of bad frame is refused with a reason.
#include <gtest/gtest.h>

#include "impl/runtime/cluster.hpp"
#include "impl/runtime/wire.hpp"

namespace lockstep::runtime {
namespace {

FrameBody body_of(const Bytes& frame, std::uint32_t limit = frame_limit_default) {
  const std::uint32_t length = frame_body_length(frame.data(), limit);
  EXPECT_EQ(length + frame_header_bytes, frame.size());
  return parse_body(frame.data() + frame_header_bytes, length);
}

TEST(Wire, RequestRoundTrips) {
  Bytes frame;
  const Request request{ClientId{7}, 42, LockCommand{LockOp::acquire, 3, 5, 0, 0}};
  append_frame(frame, FrameKind::request, request);
  const FrameBody body = body_of(frame);
  EXPECT_EQ(body.kind, FrameKind::request);
  EXPECT_EQ(decode_payload<Request>(body), request);
}

TEST(Wire, OversizedFrameIsRefused) {
  Bytes frame;
  append_frame(frame, FrameKind::ping, Ping{1});
  EXPECT_THROW(frame_body_length(frame.data(), 3), WireError);
}

TEST(Wire, OtherVersionAndUnknownKindAreRefused) {
  Bytes frame;
  append_frame(frame, FrameKind::ping, Ping{1});
  frame.data()[frame_header_bytes] = 9;
  EXPECT_THROW(body_of(frame), WireError);
  frame.data()[frame_header_bytes] = wire_version;
  frame.data()[frame_header_bytes + 1] = 100;
  EXPECT_THROW(body_of(frame), WireError);
}

TEST(Wire, TruncatedOrTrailingPayloadIsRefused) {
  Bytes frame;
  append_frame(frame, FrameKind::request, Request{ClientId{7}, 1u << 20, LockCommand{LockOp::open, 0, 0, 0, 0}});
  const FrameBody body = body_of(frame);
  EXPECT_THROW(decode_payload<Request>(FrameBody{body.kind, body.payload, body.size - 1}), WireError);
  std::string longer(body.payload, body.size);
  longer += '\0';
  EXPECT_THROW(decode_payload<Request>(FrameBody{body.kind, longer.data(), longer.size()}), WireError);
  std::string bad_enum(body.payload, body.size);
  EXPECT_THROW(decode_payload<Ping>(FrameBody{body.kind, "", 0}), WireError);
}

TEST(Cluster, ParsesAndRefusesBadSpecs) {
  const Cluster c = Cluster::parse("2=127.0.0.1:7002,1=127.0.0.1:7001,3=localhost:7003");
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c.member(3).host, "localhost");
  EXPECT_EQ(c.spec(), "1=127.0.0.1:7001,2=127.0.0.1:7002,3=localhost:7003");
  EXPECT_EQ(c.id(), Cluster::parse(c.spec()).id());
  EXPECT_NE(c.id(), Cluster::parse("1=127.0.0.1:7001,2=127.0.0.1:7002").id());
  for (const char* bad : {"", "1=127.0.0.1", "0=a:1", "1=a:1,1=a:2", "1=a:1,3=a:3", "1=a:99999", "x=a:1", "1=:5"}) {
    EXPECT_THROW(Cluster::parse(bad), ClusterError) << bad;
  }
}

// The loader runs the quorum check `lockstep prove` runs (Z3): the members' majorities meet; a
// configuration change straight from {1,2,3} to {3,4,5}, without the joint configuration, is
// refused with two quorums that share no member.
TEST(Cluster, QuorumsAreCheckedToIntersect) {
  const Cluster c = Cluster::parse("1=a:1,2=a:2,3=a:3,4=a:4,5=a:5");
  EXPECT_EQ(c.quorums().parts.front().at_least, 3);
  EXPECT_NO_THROW(Cluster::require_intersecting(c.quorums(), c.quorums()));
  try {
    Cluster::require_intersecting(proofs::majority_of({1, 2, 3}), proofs::majority_of({3, 4, 5}));
    ADD_FAILURE() << "disjoint quorums accepted";
  } catch (const ClusterError& e) {
    EXPECT_NE(std::string(e.what()).find("share no member"), std::string::npos) << e.what();
  }
  EXPECT_NO_THROW(Cluster::require_intersecting(proofs::joint_majority({1, 2, 3}, {3, 4, 5}), proofs::majority_of({3, 4, 5})));
}

TEST(Duration, Parses) {
  EXPECT_EQ(parse_duration_ms("10s"), 10000u);
  EXPECT_EQ(parse_duration_ms("250ms"), 250u);
  EXPECT_EQ(parse_duration_ms("2m"), 120000u);
  EXPECT_EQ(parse_duration_ms("1.5"), 1500u);
  for (const char* bad : {"", "s", "-1s", "ten", "5h"}) EXPECT_THROW(parse_duration_ms(bad), std::invalid_argument) << bad;
}

}  // namespace
}  // namespace lockstep::runtime
