// Signed chain heads: attaching them to what a replica sends, keeping those it received, and the evidence
// of forgeries. (Verification is in import.cc.)
#include "ledger/internal/heads.h"

#include <map>

#include "base/text.h"
#include "ledger/chain.h"
#include "ledger/db.h"
#include "ledger/internal/ledger_impl.h"
#include "ledger/ledger.h"

namespace silian::sync {

std::string HeadName(const pb::SignedHead& head) {
  return "head of " + Quote(head.origin()) + " at seq " + std::to_string(head.seq());
}

Status CheckHeadSyntax(const pb::SignedHead& head) {
  if (head.origin().empty() || head.origin().size() > 64)
    return DataLoss("a signed head names origin " + Quote(head.origin()) + ": an origin has 1 to 64 characters");
  if (head.seq() == 0 || head.seq() > kMaxSeq)
    return DataLoss(HeadName(head) + ": a head's seq must be in 1.." + std::to_string(kMaxSeq));
  if (head.hash().size() != kHashBytes)
    return DataLoss(HeadName(head) + " has a hash of " + std::to_string(head.hash().size()) + " bytes, not " +
                    std::to_string(kHashBytes));
  if (head.signature().size() != kSignatureBytes)
    return DataLoss(HeadName(head) + " has a signature of " + std::to_string(head.signature().size()) +
                    " bytes, not " + std::to_string(kSignatureBytes));
  return Status::Ok();
}

Status StoreHead(StmtCache& statements, const pb::SignedHead& head, bool verified) {
  SILIAN_ASSIGN_OR_RETURN(
      StmtCache::Lease s,
      statements.Get(verified ? "INSERT OR REPLACE INTO heads(origin, seq, hash, signature, verified) VALUES(?,?,?,?,1)"
                              : "INSERT OR IGNORE INTO heads(origin, seq, hash, signature, verified) VALUES(?,?,?,?,0)"));
  s->Bind(1, head.origin()).Bind(2, head.seq()).BindBlob(3, head.hash()).BindBlob(4, head.signature());
  return s->Run();
}

Result<std::map<uint64_t, HeldHead>> HeldHeads(StmtCache& statements, const std::string& origin, uint64_t after_seq) {
  SILIAN_ASSIGN_OR_RETURN(
      StmtCache::Lease s,
      statements.Get("SELECT seq, hash, signature, verified FROM heads WHERE origin=? AND seq>? ORDER BY seq"));
  s->Bind(1, origin).Bind(2, after_seq);
  std::map<uint64_t, HeldHead> out;
  for (;;) {
    SILIAN_ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) return out;
    HeldHead h;
    h.head.set_origin(origin);
    h.head.set_seq(static_cast<uint64_t>(s->Int(0)));
    h.head.set_hash(s->Text(1));
    h.head.set_signature(s->Text(2));
    h.verified = s->Int(3) != 0;
    out.emplace(h.head.seq(), std::move(h));
  }
}

Status DropWaitingHead(StmtCache& statements, const std::string& origin, uint64_t seq) {
  SILIAN_ASSIGN_OR_RETURN(StmtCache::Lease s, statements.Get("DELETE FROM heads WHERE origin=? AND seq=? AND verified=0"));
  return s->Bind(1, origin).Bind(2, seq).Run();
}

Status RecordForgery(sqlite3* db, const ForgeryEvidence& evidence, const std::string& sealed_sample, uint64_t now_ms) {
  SILIAN_RETURN_IF_ERROR(Exec(db, "BEGIN IMMEDIATE"));
  Status st;
  {
    Stmt s;
    st = s.Prepare(db,
                   "INSERT INTO forgeries(origin, seq, head, entries, sender, reason, seen_ms) VALUES(?,?,?,?,?,?,?)");
    if (st.ok()) {
      s.Bind(1, evidence.head.origin())
          .Bind(2, evidence.head.seq())
          .BindBlob(3, evidence.head.SerializeAsString())
          .BindBlob(4, sealed_sample)
          .Bind(5, evidence.sender)
          .Bind(6, evidence.reason)
          .Bind(7, now_ms);
      st = s.Run();
    }
  }
  if (!st.ok()) {
    Exec(db, "ROLLBACK").IgnoreError();
    return st;
  }
  return Exec(db, "COMMIT");
}

namespace {

// The seqs of one origin's entries in a batch.
struct Span {
  uint64_t first = 0;
  uint64_t last = 0;
};

// The origin and the seqs each entry covers, by origin. Entries that do not parse are left to the receiver.
std::map<std::string, Span> Spans(const pb::Batch& batch) {
  std::map<std::string, Span> out;
  auto note = [&](const std::string& origin, uint64_t from, uint64_t to) {
    auto [it, fresh] = out.try_emplace(origin, Span{from, to});
    if (!fresh) {
      it->second.first = std::min(it->second.first, from);
      it->second.last = std::max(it->second.last, to);
    }
  };
  for (const auto& e : batch.entries()) {
    if (e.has_skip()) {
      note(e.skip().origin(), e.skip().from_seq(), e.skip().to_seq());
    } else if (e.has_op()) {
      pb::Op op;
      if (op.ParseFromString(e.op())) note(op.origin(), op.seq(), op.seq());
    }
  }
  return out;
}

}  // namespace

Status Ledger::AttachHeads(pb::Batch* batch) {
  Impl& m = *impl_;
  Stmt own_hash, forwarded;
  SILIAN_RETURN_IF_ERROR(own_hash.Prepare(m.db, "SELECT chain_hash FROM ops WHERE origin=? AND seq=?"));
  SILIAN_RETURN_IF_ERROR(forwarded.Prepare(
      m.db,
      "SELECT seq, hash, signature FROM heads WHERE origin=? AND verified=1 AND seq>=? AND seq<=? "
      "ORDER BY seq DESC LIMIT 1"));
  for (const auto& [origin, span] : Spans(*batch)) {
    pb::SignedHead head;
    head.set_origin(origin);
    if (origin == m.config.node_id.value) {
      head.set_seq(span.last);
      own_hash.Reset().Bind(1, origin).Bind(2, span.last);
      SILIAN_ASSIGN_OR_RETURN(bool row, own_hash.Step());
      if (!row) return Internal("this replica holds no chain hash of its own origin at seq " + std::to_string(span.last));
      head.set_hash(own_hash.Text(0));
      head.set_signature(m.signing_key.Sign(SignedHeadMessage(origin, head.seq(), head.hash())));
    } else {
      forwarded.Reset().Bind(1, origin).Bind(2, span.first).Bind(3, span.last);
      SILIAN_ASSIGN_OR_RETURN(bool row, forwarded.Step());
      if (!row) continue;
      head.set_seq(static_cast<uint64_t>(forwarded.Int(0)));
      head.set_hash(forwarded.Text(1));
      head.set_signature(forwarded.Text(2));
    }
    *batch->add_heads() = std::move(head);
  }
  own_hash.Reset();
  forwarded.Reset();
  return Status::Ok();
}

}  // namespace silian::sync
