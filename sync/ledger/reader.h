// A read-only connection to a ledger file, beside the one connection that writes it (ledger/ledger.h).
// The ledger runs in WAL mode: a read transaction here sees the last commit as of its first read and
// neither waits for the writer nor makes it wait, however long the writer's transaction runs (a county
// re-projecting a million ops). Readers of a serving hub (status, reports, the dashboard) use it without
// the writer's lock (hub/hub_ledger.h), so they never queue behind an import.
// Thread-safe: calls on one LedgerReader are serialized among themselves (one connection), never with the
// writer.
#pragma once

#include <sqlite3.h>

#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "silian.pb.h"
#include "base/status.h"
#include "ledger/ledger.h"

namespace silian::sync {

class LedgerReader {
 public:
  // Opens `path` for reading (PRAGMA query_only: no statement on this connection can write).
  // kNotFound if `path` does not exist; kFailedPrecondition when the file is not in WAL mode (a reader
  // would then wait for the writer); kInternal naming SQLite's message otherwise.
  static Result<std::unique_ptr<LedgerReader>> Open(const std::string& path);
  ~LedgerReader();
  LedgerReader(const LedgerReader&) = delete;
  LedgerReader& operator=(const LedgerReader&) = delete;

  // Runs `fn` with this reader's connection inside one read transaction: every query `fn` makes sees
  // the same commit. Returns fn's status. `fn` must not keep the connection or a statement past its call.
  Status Read(const std::function<Status(sqlite3* db)>& fn);

 private:
  explicit LedgerReader(sqlite3* db) : db_(db) {}
  std::mutex mu_;
  sqlite3* db_;
};

// The ledger's row counters as the file holds them (max_skew_seen_ms, kept by the writer's clock, is 0).
// One definition for the writer (Ledger::Counts) and the readers. REQUIRES: `db` is a ledger's connection.
Result<LedgerCounts> ReadLedgerCounts(sqlite3* db);
// The frontier as the file holds it (table frontier), by origin, named `node_id` and `scope`.
Result<pb::Frontier> ReadFrontier(sqlite3* db, const std::string& node_id, const std::string& scope);

}  // namespace silian::sync
