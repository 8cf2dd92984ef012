// The generic machinery of model/core on sample structs with every kind of member: a change to
// any one field must be noticed by ==, ordering, the fingerprint, the codec and JSON.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>

#include "checker/symmetry.hpp"
#include "model/core/codec.hpp"
#include "model/core/fingerprint.hpp"
#include "model/core/json.hpp"
#include "model/core/print.hpp"
#include "tests/support/mutate.hpp"

namespace sample {
using namespace lockstep;

LOCKSTEP_ENUM(Color, red, green, blue)

struct Leaf {
  LOCKSTEP_STRUCT(Leaf, (std::uint8_t, a), (bool, b));
};
struct Other {
  LOCKSTEP_STRUCT(Other, (std::int32_t, x), (Color, color));
};
struct Nothing {
  LOCKSTEP_EMPTY_STRUCT(Nothing);
};
using Choice = std::variant<Leaf, Other, Nothing>;
using Table = std::map<std::uint8_t, Leaf>;

struct Sample {
  LOCKSTEP_STRUCT(Sample, (std::uint16_t, count), (bool, flag), (Color, color), (NodeId, node), (NodeSet, nodes),
                  (std::optional<Leaf>, maybe), (Choice, choice), (std::vector<Other>, list), (Table, table),
                  (std::set<std::int8_t>, set), (PerNode<std::uint8_t>, per_node), (SmallVec<Leaf, 4>, small),
                  (std::int64_t, big));
};

Sample make_sample() {
  Sample s;
  s.count = 7;
  s.flag = true;
  s.color = Color::green;
  s.node = NodeId{2};
  s.nodes.insert(NodeId{1});
  s.nodes.insert(NodeId{3});
  s.maybe = Leaf{4, false};
  s.choice = Other{-5, Color::blue};
  s.list = {Other{1, Color::red}, Other{2, Color::green}};
  s.table = {{1, Leaf{1, true}}, {9, Leaf{2, false}}};
  s.set = {-1, 4};
  s.per_node = PerNode<std::uint8_t>(3, 1);
  s.small.push_back(Leaf{3, true});
  s.big = std::int64_t{1} << 60;
  return s;
}
}  // namespace sample

namespace lockstep {
namespace {

using sample::Sample;

TEST(CoreReflection, every_single_field_change_is_noticed_by_equality_order_and_fingerprint) {
  const Sample original = sample::make_sample();
  const auto changes = testing::single_changes(original);
  ASSERT_GT(changes.size(), 30u);  // every field contributes at least one change
  for (const Sample& changed : changes) {
    SCOPED_TRACE(to_string(changed));
    EXPECT_FALSE(changed == original);
    EXPECT_TRUE((changed < original) != (original < changed));
    EXPECT_NE(fingerprint(changed), fingerprint(original));
    EXPECT_NE(encode_string(changed), encode_string(original));
    EXPECT_NE(to_json_value(changed), to_json_value(original));
  }
}

TEST(CoreReflection, equal_values_have_equal_fingerprints) {
  EXPECT_EQ(sample::make_sample(), sample::make_sample());
  EXPECT_EQ(fingerprint(sample::make_sample()), fingerprint(sample::make_sample()));
}

TEST(CoreReflection, fingerprint_is_stable_across_runs) {
  // Pinned: a change here means traces and stored fingerprints of earlier versions no longer match.
  EXPECT_EQ(fingerprint(sample::Leaf{1, true}), fingerprint(sample::Leaf{1, true}));
  EXPECT_EQ(encode_string(sample::Leaf{1, true}), std::string("\x01\x01", 2));
}

TEST(CoreReflection, codec_round_trips_every_changed_value) {
  const Sample original = sample::make_sample();
  for (const Sample& value : testing::single_changes(original)) {
    EXPECT_EQ(decode_from<Sample>(encode_string(value)), value);
  }
}

TEST(CoreReflection, json_round_trips_every_changed_value) {
  const Sample original = sample::make_sample();
  for (const Sample& value : testing::single_changes(original)) {
    EXPECT_EQ(from_json<Sample>(to_json_value(value)), value);
  }
}

TEST(CoreReflection, json_uses_itf_encodings) {
  const Json json = to_json_value(sample::make_sample());
  EXPECT_EQ(json["color"], "green");
  EXPECT_EQ(json["node"], 2);
  EXPECT_EQ(json["nodes"], Json::parse(R"({"#set": [1, 3]})"));
  EXPECT_EQ(json["maybe"]["tag"], "Some");
  EXPECT_EQ(json["choice"]["tag"], "Other");
  EXPECT_EQ(json["choice"]["value"]["x"], -5);
  EXPECT_EQ(json["table"]["#map"][0][0], 1);
  EXPECT_EQ(json["set"], Json::parse(R"({"#set": [-1, 4]})"));
  EXPECT_EQ(json["per_node"]["#map"][2], Json::parse("[3, 1]"));
  EXPECT_EQ(json["big"], Json::parse(R"({"#bigint": "1152921504606846976"})"));
}

TEST(CoreReflection, json_errors_name_the_bad_field) {
  Json json = to_json_value(sample::make_sample());
  json["choice"]["value"]["color"] = "purple";
  try {
    from_json<Sample>(json);
    FAIL() << "expected a JsonError";
  } catch (const JsonError& e) {
    EXPECT_NE(std::string(e.what()).find("choice.Other.color"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("purple"), std::string::npos) << e.what();
  }
  json = to_json_value(sample::make_sample());
  json.erase("count");
  EXPECT_THROW(from_json<Sample>(json), JsonError);
  json = to_json_value(sample::make_sample());
  json["count"] = 70000;  // out of range for uint16
  EXPECT_THROW(from_json<Sample>(json), JsonError);
}

// A record's optional field may be left out (None), so traces written before the field existed
// still read; any other missing field is an error.
TEST(CoreReflection, json_reads_a_left_out_optional_field_as_none) {
  Json json = to_json_value(sample::make_sample());
  ASSERT_TRUE(sample::make_sample().maybe.has_value());
  json.erase("maybe");
  const Sample read = from_json<Sample>(json);
  EXPECT_FALSE(read.maybe.has_value());
  EXPECT_EQ(read.count, sample::make_sample().count);
  json.erase("flag");
  EXPECT_THROW(from_json<Sample>(json), JsonError);
}

TEST(CoreReflection, decoding_truncated_or_corrupt_bytes_throws) {
  const std::string bytes = encode_string(sample::make_sample());
  for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
    EXPECT_THROW(decode_from<Sample>(bytes.substr(0, cut)), CodecError) << "cut at " << cut;
  }
  EXPECT_THROW(decode_from<Sample>(bytes + "x"), CodecError);
}

TEST(CoreReflection, prints_readably) {
  EXPECT_EQ(to_string(sample::Leaf{1, true}), "Leaf{a=1, b=true}");
  EXPECT_EQ(to_string(sample::Choice{sample::Nothing{}}), "Nothing");
  EXPECT_EQ(to_string(NodeId{3}), "n3");
  NodeSet set;
  set.insert(NodeId{2});
  EXPECT_EQ(to_string(set), "{n2}");
}

TEST(SmallVec, keeps_order_and_throws_when_full) {
  SmallVec<int, 3> v;
  v.push_back(1);
  v.push_back(3);
  v.insert(v.begin() + 1, 2);
  EXPECT_EQ(v, (SmallVec<int, 3>{1, 2, 3}));
  EXPECT_THROW(v.push_back(4), CapacityError);
  v.erase(v.begin());
  EXPECT_EQ(v, (SmallVec<int, 3>{2, 3}));
  SmallSet<int, 4> s;
  EXPECT_TRUE(s.insert(5));
  EXPECT_TRUE(s.insert(1));
  EXPECT_FALSE(s.insert(5));
  EXPECT_EQ(*s.begin(), 1);
}

}  // namespace
}  // namespace lockstep

// Symmetry reduction's representative (checker/symmetry.hpp): found with the renamed prefix
// deciding most comparisons, it is the same state the whole encodings pick. Sample states over a
// small alphabet, so that prefixes tie often, and of varying lengths.
namespace sample {
struct Split {
  LOCKSTEP_STRUCT(Split, (std::vector<std::uint8_t>, head), (std::vector<std::uint8_t>, tail));
};
}  // namespace sample

TEST(Symmetry, the_prefix_decides_as_the_whole_encoding_would) {
  using sample::Split;
  std::mt19937 random(17);
  // A renaming: add k to every element, modulo 3, and (odd k) reverse the tail.
  const auto rename_vector = [](std::vector<std::uint8_t> v, int k) {
    for (auto& x : v) x = static_cast<std::uint8_t>((x + k) % 3);
    return v;
  };
  const auto rename = [&](const Split& s, const int& k) {
    Split out{rename_vector(s.head, k), rename_vector(s.tail, k)};
    if (k % 2 == 1) std::reverse(out.tail.begin(), out.tail.end());
    return out;
  };
  const std::vector<int> renamings = {0, 1, 2, 3, 4, 5};
  for (int round = 0; round < 20000; ++round) {
    Split s;
    s.head.resize(random() % 3);
    s.tail.resize(random() % 4);
    for (auto& x : s.head) x = static_cast<std::uint8_t>(random() % 3);
    for (auto& x : s.tail) x = static_cast<std::uint8_t>(random() % 3);
    Split whole = s;
    lockstep::keep_smallest_renaming(whole, renamings, rename);
    Split by_prefix = s;
    lockstep::keep_smallest_renaming(
        by_prefix, renamings, [](const Split& x) -> const auto& { return x.head; },
        [&](const Split& x, const int& k) { return rename_vector(x.head, k); }, rename);
    ASSERT_EQ(by_prefix, whole) << "round " << round;
  }
}
