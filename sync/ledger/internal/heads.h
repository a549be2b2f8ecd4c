// Signed chain heads (docs/protocol.md, "Signatures"): their syntax, the `heads` table, and the evidence of
// forgeries. Private to the ledger module; Import verifies, AttachHeads signs and forwards.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <map>
#include <string>

#include "silian.pb.h"
#include "base/status.h"

namespace silian::sync {

class StmtCache;

// "head of "origin" at seq N", for messages.
std::string HeadName(const pb::SignedHead& head);
// A valid origin, seq in 1..kMaxSeq, a 32-byte hash and a 64-byte signature. kDataLoss naming the head and
// the field.
Status CheckHeadSyntax(const pb::SignedHead& head);

// These three run once per origin of every batch imported: their statements come from the ledger's cache.
// Keeps `head` (verified or waiting for the entries below it). A verified head replaces a waiting one.
Status StoreHead(StmtCache& statements, const pb::SignedHead& head, bool verified);
// A head held in the `heads` table: verified (its signature checked against a chain that matched it), or
// waiting for the entries below it.
struct HeldHead {
  pb::SignedHead head;
  bool verified = false;
};
// The heads of `origin` after `after_seq`, by seq: those waiting, and those verified ahead of the frontier
// (an op inside a verified run that could not apply yet leaves the frontier between heads).
Result<std::map<uint64_t, HeldHead>> HeldHeads(StmtCache& statements, const std::string& origin, uint64_t after_seq);
// Drops a waiting head that does not match the chain: whoever sent it is not the sender at hand.
Status DropWaitingHead(StmtCache& statements, const std::string& origin, uint64_t seq);

// What a refused import leaves as evidence.
struct ForgeryEvidence {
  pb::SignedHead head;
  pb::Batch sample;  // some of the entries of that origin the head was offered with
  std::string sender;
  std::string reason;
};
// Records `evidence` in its own transaction. REQUIRES: no transaction open.
// `sealed_sample` is evidence.sample serialized and sealed like every stored op (Impl::SealStored).
Status RecordForgery(sqlite3* db, const ForgeryEvidence& evidence, const std::string& sealed_sample, uint64_t now_ms);

}  // namespace silian::sync
