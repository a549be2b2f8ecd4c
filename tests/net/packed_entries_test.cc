// Packed entries (sync/net/packed_entries.h): what a sync message carries instead of each op's leading
// origin, seq and hlc, and its refusal of packing that does not add up.
#include "net/packed_entries.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "net/protocol.h"
#include "support/ledger.h"
#include "support/ops.h"
#include "support/sync_requests.h"
#include "support/test_util.h"

namespace silian::sync {
namespace {

using namespace test;

// Ops of two origins (a village and a hall), a skip between them, the way a county's pull reply mixes them.
pb::Batch MixedBatch(const TempDir& dir) {
  Replica village = MakeReplica(dir, NodeAt("village-1", Level::kVillage, kVillage));
  Replica hall = MakeReplica(dir, NodeAt("hall-1", Level::kTownship, kTownship));
  for (uint32_t i = 0; i < 20; ++i) {
    std::string id = SILIAN_TAKE(village->CreateCase(SampleCase(i))).case_id.value;
    SILIAN_TAKE(village->AddNote(id, "called back " + std::to_string(i), "agent-1"));
    std::string other = SILIAN_TAKE(hall->CreateCase(CaseIn(100 + i, kVillage))).case_id.value;
    SILIAN_TAKE(hall->AddNote(other, "at the window", "clerk-1"));
  }
  pb::Batch batch;
  for (auto& e : ExportAll(*village)) *batch.add_entries() = std::move(e);
  *batch.add_entries() = SkipEntry("hall-0", 1, 7, kCounty);
  for (auto& e : ExportAll(*hall)) *batch.add_entries() = std::move(e);
  return batch;
}

size_t CompressedSize(const pb::Batch& batch) { return CompressBody(batch.SerializeAsString(), 3).size(); }

TEST_CASE("Packed entries: a batch packed, sent and unpacked holds every op byte for byte as its author wrote it, "
          "and is smaller on the wire",
          "[packed_entries]") {
  TempDir dir;
  const pb::Batch original = MixedBatch(dir);
  pb::Batch packed = original;
  PackEntries(&packed);
  int tails = 0;
  for (const auto& e : packed.entries()) tails += e.has_op_tail() ? 1 : 0;
  CHECK(tails == original.entries_size() - 1);  // every op; the skip stays as it is
  CHECK(CompressedSize(packed) < CompressedSize(original));

  pb::Batch received;
  REQUIRE(received.ParseFromString(packed.SerializeAsString()));
  SILIAN_REQUIRE_OK(UnpackEntries(&received));
  REQUIRE(received.SerializeAsString() == original.SerializeAsString());
}

TEST_CASE("Packed entries: an op not written in field order stays a plain op and its neighbours still unpack",
          "[packed_entries]") {
  TempDir dir;
  pb::Batch original = MixedBatch(dir);
  // The same op with its hlc moved behind its body: valid protobuf, but not the canonical prefix.
  pb::Op op;
  REQUIRE(op.ParseFromString(original.entries(3).op()));
  const uint64_t hlc = op.hlc();
  op.clear_hlc();
  std::string bytes = op.SerializeAsString();
  pb::Op hlc_only;
  hlc_only.set_hlc(hlc);
  bytes += hlc_only.SerializeAsString();
  original.mutable_entries(3)->set_op(bytes);

  pb::Batch packed = original;
  PackEntries(&packed);
  CHECK(packed.entries(3).has_op());
  CHECK(packed.entries(4).has_op_tail());
  SILIAN_REQUIRE_OK(UnpackEntries(&packed));
  REQUIRE(packed.SerializeAsString() == original.SerializeAsString());
}

TEST_CASE("Packed entries: packing that does not add up is refused naming the entry", "[packed_entries]") {
  TempDir dir;
  pb::Batch packed = MixedBatch(dir);
  PackEntries(&packed);
  auto refused = [](pb::Batch batch, const std::string& words) {
    Status s = UnpackEntries(&batch);
    CHECK(s.code() == StatusCode::kInvalidArgument);
    CHECK_THAT(s.message(), Catch::Contains(words));
  };
  SECTION("a first packed op with no origin") {
    packed.mutable_entries(0)->clear_packed_origin();
    refused(packed, "packed entry 1 names no origin and follows no op");
  }
  SECTION("an origin that is no node id, or far too long") {
    packed.mutable_entries(0)->set_packed_origin("village 1");
    refused(packed, "packed entry 1 has a bad origin: node id \"village 1\"");
    packed.mutable_entries(0)->set_packed_origin(std::string(100000, 'v'));
    refused(packed, "packed entry 1 has an origin of 100000 bytes");
  }
  SECTION("a change of origin without a seq") {
    packed.mutable_entries(0)->clear_packed_seq();
    refused(packed, "packed entry 1 changes origin to \"village-1\" without a seq");
  }
  SECTION("a seq after the largest one") {
    packed.mutable_entries(0)->set_packed_seq(~uint64_t{0});
    refused(packed, "packed entry 2 follows the largest seq");
  }
  SECTION("packing fields on a plain op or on a skip") {
    pb::Batch plain = packed;
    SILIAN_REQUIRE_OK(UnpackEntries(&plain));
    plain.mutable_entries(0)->set_packed_seq(5);
    refused(plain, "packed entry 1 is a plain op with packing fields");
    pb::Batch skip = packed;
    skip.mutable_entries(40)->set_packed_hlc_delta(-1);
    refused(skip, "packed entry 41 is a skip with packing fields");
  }
}

}  // namespace
}  // namespace silian::sync
