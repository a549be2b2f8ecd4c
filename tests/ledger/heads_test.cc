// Signed chain heads (docs/protocol.md, "Signatures"): every batch carries, per origin, a head its origin
// signed; a receiver applies only what a verified head covers, and refuses a batch whose head does not match
// its entries or its signature, keeping the evidence. Tampering here is done at the protobuf level: decode
// the batch, change one field, encode again.
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "domain/store.h"
#include "ledger/chain.h"
#include "ledger/ledger.h"
#include "support/test_util.h"

namespace silian::sync {
namespace {

using test::MakeReplica;
using test::NodeAt;
using test::Replica;
using test::TempDir;

// What a refused import must leave unchanged.
std::string Fingerprint(LedgerStore& s) {
  pb::Frontier f = SILIAN_TAKE(s.GetFrontier());
  StoreStatus st = SILIAN_TAKE(s.GetStatus());
  return test::DigestOf(s) + " " + f.SerializeAsString() + " pending=" + std::to_string(st.pending_count) +
         " ops=" + std::to_string(st.op_count);
}

// Everything `from` holds beyond `to`'s frontier, in one batch with `from`'s heads attached.
pb::Batch BatchFor(LedgerStore& from, LedgerStore& to) {
  pb::Batch batch;
  for (auto& e : test::ExportEntries(from, SILIAN_TAKE(to.GetFrontier()))) *batch.add_entries() = std::move(e);
  SILIAN_REQUIRE_OK(from.ledger().AttachHeads(&batch));
  return batch;
}

Status ImportBatch(LedgerStore& to, const pb::Batch& batch, const std::string& sender = "village-1") {
  ImportSender s;
  s.node_id = sender;
  SILIAN_ASSIGN_OR_RETURN(auto import, to.ledger().BeginImport(std::move(s)));
  SILIAN_RETURN_IF_ERROR(import->Add(batch));
  return import->Commit(nullptr).status();
}

// The index of the first op entry of `origin` in `batch`.
int FirstOpOf(const pb::Batch& batch, const std::string& origin) {
  for (int i = 0; i < batch.entries_size(); ++i) {
    pb::Op op;
    if (batch.entries(i).has_op() && op.ParseFromString(batch.entries(i).op()) && op.origin() == origin) return i;
  }
  return -1;
}

// A county (registry root) and a registered village with two cases; `county` has the village's key.
struct Pair {
  TempDir dir;
  Replica county;
  Replica village;
  Pair() {
    village = MakeReplica(dir, NodeAt("village-1"));
    county = test::MakeCountyFor(dir, {village.store.get()});
    SILIAN_TAKE(village->CreateCase(test::SampleCase(1)));
    SILIAN_TAKE(village->CreateCase(test::SampleCase(2)));
  }
};

TEST_CASE("Heads: a batch carries its origin's signed head and applies at the receiver") {
  Pair p;
  pb::Batch batch = BatchFor(*p.village, *p.county);
  REQUIRE(batch.heads_size() == 1);
  const pb::SignedHead& head = batch.heads(0);
  CHECK(head.origin() == "village-1");
  CHECK(head.seq() == test::OwnSeq(*p.village));
  CHECK(VerifySignature(p.village->ledger().signing_key().public_key(),
                        SignedHeadMessage(head.origin(), head.seq(), head.hash()), head.signature()));
  SILIAN_REQUIRE_OK(ImportBatch(*p.county, batch));
  CHECK(test::FrontierSeq(*p.county, "village-1") == test::OwnSeq(*p.village));
}

TEST_CASE("Heads: entries no head covers wait in pending and apply when a head arrives") {
  Pair p;
  pb::Batch batch = BatchFor(*p.village, *p.county);
  pb::Batch headless = batch;
  headless.clear_heads();
  SILIAN_REQUIRE_OK(ImportBatch(*p.county, headless));
  CHECK(test::FrontierSeq(*p.county, "village-1") == 0);
  CHECK(SILIAN_TAKE(p.county->GetStatus()).pending_count > 0);
  pb::Batch only_head;
  *only_head.add_heads() = batch.heads(0);
  *only_head.add_entries() = batch.entries(batch.entries_size() - 1);
  SILIAN_REQUIRE_OK(ImportBatch(*p.county, only_head));
  CHECK(test::FrontierSeq(*p.county, "village-1") == test::OwnSeq(*p.village));
  CHECK(SILIAN_TAKE(p.county->GetStatus()).pending_count == 0);
}

// Each tampering, applied to the decoded batch; the import must be refused as forged.
void ExpectForged(const std::function<void(pb::Batch&)>& tamper, const std::string& expected) {
  Pair p;
  pb::Batch batch = BatchFor(*p.village, *p.county);
  tamper(batch);
  const std::string before = Fingerprint(*p.county);
  Status s = ImportBatch(*p.county, batch);
  INFO(s.ToString());
  CHECK(s.code() == StatusCode::kPermissionDenied);
  CHECK_THAT(s.message(), Catch::Contains("forged") && Catch::Contains(expected));
  CHECK(Fingerprint(*p.county) == before);
  CHECK(SILIAN_TAKE(p.county->ledger().Counts()).forgery_count == 1);
}

TEST_CASE("Heads: an op with a changed field under its original head is refused as forged, evidence kept") {
  ExpectForged(
      [](pb::Batch& b) {
        int i = FirstOpOf(b, "village-1");
        pb::Op op;
        REQUIRE(op.ParseFromString(b.entries(i).op()));
        op.set_actor("someone-else");
        b.mutable_entries(i)->set_op(op.SerializeAsString());
      },
      "does not match the chain");
}

TEST_CASE("Heads: a head with a changed hash is refused as forged") {
  ExpectForged(
      [](pb::Batch& b) {
        std::string h = b.heads(0).hash();
        h[0] = static_cast<char>(h[0] ^ 1);
        b.mutable_heads(0)->set_hash(h);
      },
      "does not match the chain");
}

TEST_CASE("Heads: a head with a bad signature is refused as forged") {
  ExpectForged(
      [](pb::Batch& b) {
        std::string sig = b.heads(0).signature();
        sig[5] = static_cast<char>(sig[5] ^ 1);
        b.mutable_heads(0)->set_signature(sig);
      },
      "does not verify");
}

TEST_CASE("Heads: ops re-signed by another key under the village's name are refused as forged") {
  ExpectForged(
      [](pb::Batch& b) {
        SigningKey other = SigningKey::Generate();
        pb::SignedHead& h = *b.mutable_heads(0);
        h.set_signature(other.Sign(SignedHeadMessage(h.origin(), h.seq(), h.hash())));
      },
      "does not verify");
}

TEST_CASE("Heads: a replica forwards the heads it received, and they verify two hops on") {
  TempDir dir;
  Replica village = MakeReplica(dir, NodeAt("village-1"));
  Replica other = MakeReplica(dir, NodeAt("village-2", Level::kVillage, test::kOtherVillage, "02"));
  Replica county = test::MakeCountyFor(dir, {village.store.get(), other.store.get()});
  SILIAN_TAKE(village->CreateCase(test::SampleCase(1)));
  SILIAN_REQUIRE_OK(ImportBatch(*county, BatchFor(*village, *county)));
  // The county forwards the village's head; the neighbour (registry pinned) verifies it.
  pb::Frontier wide;
  pb::Batch batch;
  for (auto& e : test::ExportEntries(*county, SILIAN_TAKE(other->GetFrontier()))) *batch.add_entries() = std::move(e);
  SILIAN_REQUIRE_OK(county->ledger().AttachHeads(&batch));
  bool has_village_head = false;
  for (const auto& h : batch.heads()) has_village_head |= h.origin() == "village-1";
  CHECK(has_village_head);
  SILIAN_REQUIRE_OK(ImportBatch(*other, batch, "county"));
  CHECK(test::FrontierSeq(*other, "village-1") == test::FrontierSeq(*county, "village-1"));
}

}  // namespace
}  // namespace silian::sync
