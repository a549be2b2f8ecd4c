// Encrypting an existing ledger in place (Ledger::Encrypt): the ledger's own sealed columns are rewritten
// sealed, and every case is left for re-projection, which rewrites the projector's tables sealed when the
// ledger next opens with the sealer.
#include <tuple>
#include <vector>

#include "base/text.h"
#include "ledger/internal/ledger_impl.h"
#include "ledger/ledger.h"
#include "ledger/sealer.h"

namespace silian::sync {
namespace {

// Rewrites one byte column of `table` sealed, row by row. `select` yields (key1, key2 origin, seq, bytes);
// `update` takes (bytes, key1, key2).
Status SealColumn(Ledger::Impl& m, const Sealer& sealer, const char* context_table, const char* select,
                  const char* update) {
  std::vector<std::tuple<std::string, std::string, uint64_t, std::string>> rows;  // key, origin, seq, bytes
  {
    Stmt s;
    SILIAN_RETURN_IF_ERROR(s.Prepare(m.db, select));
    for (;;) {
      SILIAN_ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) break;
      rows.emplace_back(s.Text(0), s.Text(1), static_cast<uint64_t>(s.Int(2)), s.Text(3));
    }
  }
  Stmt u;
  SILIAN_RETURN_IF_ERROR(u.Prepare(m.db, update));
  for (const auto& [key, origin, seq, bytes] : rows) {
    const std::string context = std::string(context_table) + "\n" + origin + "\n" + std::to_string(seq);
    SILIAN_RETURN_IF_ERROR(u.Reset().BindBlob(1, sealer.Seal(bytes, context)).Bind(2, key).Bind(3, seq).Run());
  }
  return Status::Ok();
}

}  // namespace

Status Ledger::Encrypt(const Sealer& sealer, const std::function<Status()>& add_keyslots) {
  Impl& m = *impl_;
  SILIAN_ASSIGN_OR_RETURN(auto seal, m.GetMeta("seal"));
  if (seal) return FailedPrecondition("ledger " + Quote(m.path) + " is already encrypted");
  Status sealed = RunTransaction([&]() -> Status {
    SILIAN_RETURN_IF_ERROR(SealColumn(m, sealer, "op", "SELECT origin, origin, seq, bytes FROM ops",
                                      "UPDATE ops SET bytes=?1 WHERE origin=?2 AND seq=?3"));
    SILIAN_RETURN_IF_ERROR(SealColumn(m, sealer, "pending",
                                      "SELECT origin, origin, seq, bytes FROM pending WHERE bytes IS NOT NULL",
                                      "UPDATE pending SET bytes=?1 WHERE origin=?2 AND seq=?3"));
    SILIAN_RETURN_IF_ERROR(SealColumn(m, sealer, "equivocation/held", "SELECT id, origin, seq, held FROM equivocations",
                                      "UPDATE equivocations SET held=?1 WHERE id=?2 AND seq=?3"));
    SILIAN_RETURN_IF_ERROR(SealColumn(m, sealer, "equivocation/offered",
                                      "SELECT id, origin, seq, offered FROM equivocations",
                                      "UPDATE equivocations SET offered=?1 WHERE id=?2 AND seq=?3"));
    SILIAN_RETURN_IF_ERROR(SealColumn(m, sealer, "forgery", "SELECT id, origin, seq, entries FROM forgeries",
                                      "UPDATE forgeries SET entries=?1 WHERE id=?2 AND seq=?3"));
    SILIAN_RETURN_IF_ERROR(
        Exec(m.db, "INSERT OR IGNORE INTO stale_cases(case_id) SELECT DISTINCT case_id FROM ops WHERE case_id<>''"));
    SILIAN_RETURN_IF_ERROR(m.SetMeta("seal", kSealScheme));
    SILIAN_RETURN_IF_ERROR(m.SetMeta("seal_check", sealer.KeyCheck()));
    m.sealer = &sealer;
    Status key = m.SetMeta("signing_key", m.SealSecret(m.signing_key.secret()));
    m.sealer = nullptr;  // this Ledger is closed and opened again with the sealer
    SILIAN_RETURN_IF_ERROR(key);
    return add_keyslots();
  });
  return sealed;
}

Status Ledger::Compact() {
  Impl& m = *impl_;
  SILIAN_CHECK(!m.in_transaction);
  m.ResetStatements();
  SILIAN_RETURN_IF_ERROR(Exec(m.db, "PRAGMA wal_checkpoint(TRUNCATE)"));
  SILIAN_RETURN_IF_ERROR(Exec(m.db, kTempInFiles));  // VACUUM copies the whole file into temporary storage
  Status vacuumed = Exec(m.db, "VACUUM");
  SILIAN_RETURN_IF_ERROR(Exec(m.db, kTempInMemory));
  SILIAN_RETURN_IF_ERROR(vacuumed);
  return Exec(m.db, "PRAGMA wal_checkpoint(TRUNCATE)");
}

}  // namespace silian::sync
