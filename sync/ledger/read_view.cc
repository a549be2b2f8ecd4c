#include "ledger/read_view.h"

#include "base/text.h"
#include "ledger/db.h"

namespace silian::sync {

Status MakeReadView(Ledger& ledger) {
  Stmt mode;
  SILIAN_RETURN_IF_ERROR(mode.Prepare(ledger.db(), "PRAGMA journal_mode"));
  SILIAN_ASSIGN_OR_RETURN(bool row, mode.Step());
  const std::string journal = row ? mode.Text(0) : std::string();
  mode.Reset();
  if (journal != "wal")
    return FailedPrecondition("ledger " + Quote(ledger.path()) + " is in journal mode " + Quote(journal) +
                              ", not wal: a read view would wait for the writer");
  return Exec(ledger.db(), "PRAGMA query_only=1");
}

Status RunRead(Ledger& ledger, const std::function<Status()>& fn) {
  SILIAN_RETURN_IF_ERROR(Exec(ledger.db(), "BEGIN"));
  // A receipt of no origin reads nothing: its effect is the reload of the cached frontier and settings when
  // another connection committed (Ledger::Impl::RefreshIfChangedElsewhere), inside this snapshot.
  Status s = ledger.Receipt({}).status();
  if (s.ok()) s = fn();
  Status end = Exec(ledger.db(), "COMMIT");  // a read transaction: COMMIT only ends the snapshot
  if (!end.ok()) Exec(ledger.db(), "ROLLBACK").IgnoreError();
  return s.ok() ? end : s;
}

Status TryTransaction(Ledger& ledger, const std::function<Status()>& body, int wait_ms) {
  sqlite3* db = ledger.db();
  SILIAN_ASSIGN_OR_RETURN(uint64_t busy_ms, QueryCount(db, "PRAGMA busy_timeout"));
  sqlite3_busy_timeout(db, wait_ms);
  bool began = false;
  Status s = ledger.RunTransaction([&] {
    began = true;
    return body();
  });
  sqlite3_busy_timeout(db, static_cast<int>(busy_ms));
  if (!began && !s.ok()) return Unavailable("the write lock of ledger " + Quote(ledger.path()) + " is taken: " + s.message());
  return s;
}

}  // namespace silian::sync
