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

// "head of "origin" at seq N", for messages.
std::string HeadName(const pb::SignedHead& head);
// A valid origin, seq in 1..kMaxSeq, a 32-byte hash and a 64-byte signature. kDataLoss naming the head and
// the field.
Status CheckHeadSyntax(const pb::SignedHead& head);

// Keeps `head` (verified or waiting for the entries below it). A verified head replaces a waiting one.
Status StoreHead(sqlite3* db, const pb::SignedHead& head, bool verified);
// The heads of `origin` after `after_seq` still waiting to be verified, by seq.
Result<std::map<uint64_t, pb::SignedHead>> WaitingHeads(sqlite3* db, const std::string& origin, uint64_t after_seq);
// Drops a waiting head that does not match the chain: whoever sent it is not the sender at hand.
Status DropWaitingHead(sqlite3* db, const std::string& origin, uint64_t seq);

// What a refused import leaves as evidence.
struct ForgeryEvidence {
  pb::SignedHead head;
  pb::Batch sample;  // some of the entries of that origin the head was offered with
  std::string sender;
  std::string reason;
};
// Records `evidence` in its own transaction. REQUIRES: no transaction open.
Status RecordForgery(sqlite3* db, const ForgeryEvidence& evidence, uint64_t now_ms);

}  // namespace silian::sync
