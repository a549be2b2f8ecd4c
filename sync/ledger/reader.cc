#include "ledger/reader.h"

#include <sys/stat.h>

#include "base/text.h"
#include "ledger/db.h"

namespace silian::sync {

namespace {

// Reads never wait for the writer in WAL mode; this bounds the rare moments SQLite itself asks a reader
// to retry (a checkpoint resetting the WAL, another process recovering it).
constexpr int kReaderBusyTimeoutMs = 1000;

}  // namespace

Result<std::unique_ptr<LedgerReader>> LedgerReader::Open(const std::string& path) {
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0) return NotFound("no ledger file " + Quote(path));
  sqlite3* db = nullptr;
  // Read-write at the file level so that the reader can map the WAL index; query_only forbids writes.
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
    std::string message = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return Internal("SQLite cannot open " + Quote(path) + " for reading: " + message);
  }
  std::unique_ptr<LedgerReader> reader(new LedgerReader(db));
  sqlite3_busy_timeout(db, kReaderBusyTimeoutMs);
  SILIAN_RETURN_IF_ERROR(Exec(db, "PRAGMA query_only=1"));
  Stmt mode;
  SILIAN_RETURN_IF_ERROR(mode.Prepare(db, "PRAGMA journal_mode"));
  SILIAN_ASSIGN_OR_RETURN(bool row, mode.Step());
  const std::string journal = row ? mode.Text(0) : std::string();
  if (journal != "wal")
    return FailedPrecondition("ledger " + Quote(path) + " is in journal mode " + Quote(journal) +
                              ", not wal: a reader would wait for the writer");
  return reader;
}

LedgerReader::~LedgerReader() { sqlite3_close(db_); }

Status LedgerReader::Read(const std::function<Status(sqlite3* db)>& fn) {
  std::lock_guard<std::mutex> lock(mu_);
  SILIAN_RETURN_IF_ERROR(Exec(db_, "BEGIN"));
  Status s = fn(db_);
  Status end = Exec(db_, "COMMIT");  // a read transaction: COMMIT only ends the snapshot
  if (!end.ok()) (void)Exec(db_, "ROLLBACK");
  return s.ok() ? end : s;
}

Result<LedgerCounts> ReadLedgerCounts(sqlite3* db) {
  LedgerCounts c;
  SILIAN_ASSIGN_OR_RETURN(c.op_count, QueryCount(db, "SELECT count(*) FROM ops"));
  SILIAN_ASSIGN_OR_RETURN(c.pending_count, QueryCount(db, "SELECT count(*) FROM pending"));
  SILIAN_ASSIGN_OR_RETURN(c.equivocation_count, QueryCount(db, "SELECT count(*) FROM equivocations"));
  SILIAN_ASSIGN_OR_RETURN(c.forgery_count, QueryCount(db, "SELECT count(*) FROM forgeries"));
  return c;
}

Result<pb::Frontier> ReadFrontier(sqlite3* db, const std::string& node_id, const std::string& scope) {
  pb::Frontier f;
  f.set_node_id(node_id);
  f.set_scope(scope);
  Stmt s;
  SILIAN_RETURN_IF_ERROR(s.Prepare(db, "SELECT origin, seq, hash FROM frontier ORDER BY origin"));
  for (;;) {
    SILIAN_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    auto* e = f.add_entries();
    e->set_origin(s.Text(0));
    e->set_seq(static_cast<uint64_t>(s.Int(1)));
    e->set_hash(s.Text(2));
  }
  return f;
}

}  // namespace silian::sync
