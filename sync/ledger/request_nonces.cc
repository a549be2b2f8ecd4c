#include "ledger/request_nonces.h"

#include <map>

#include "base/text.h"

namespace silian::sync {

namespace {

// Another connection records a nonce in microseconds; this only bounds a stuck one.
constexpr int kNonceBusyTimeoutMs = 2000;
// Forgetting old nonces scans the table: once in a while is enough, the window refuses them anyway.
constexpr uint64_t kPurgeEveryMs = 10 * 1000;

}  // namespace

Result<RequestNonces*> RequestNonces::ForLedger(const std::string& ledger_path) {
  static std::mutex mu;
  static std::map<std::string, std::unique_ptr<RequestNonces>>* open = new std::map<std::string, std::unique_ptr<RequestNonces>>();
  std::lock_guard<std::mutex> lock(mu);
  auto it = open->find(ledger_path);
  if (it != open->end()) return it->second.get();
  SILIAN_ASSIGN_OR_RETURN(auto nonces, Open(PathFor(ledger_path)));
  RequestNonces* raw = nonces.get();
  open->emplace(ledger_path, std::move(nonces));
  return raw;
}

Result<std::unique_ptr<RequestNonces>> RequestNonces::Open(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr) !=
      SQLITE_OK) {
    std::string message = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return Internal("SQLite cannot open the nonce file " + Quote(path) + ": " + message);
  }
  std::unique_ptr<RequestNonces> nonces(new RequestNonces(db));
  sqlite3_busy_timeout(db, kNonceBusyTimeoutMs);
  SILIAN_RETURN_IF_ERROR(Exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"));
  SILIAN_RETURN_IF_ERROR(Exec(db,
                              "CREATE TABLE IF NOT EXISTS request_nonces(node_id TEXT NOT NULL, nonce TEXT NOT NULL, "
                              "ts_ms INTEGER NOT NULL, PRIMARY KEY(node_id, nonce)) WITHOUT ROWID"));
  SILIAN_RETURN_IF_ERROR(
      nonces->insert_.Prepare(db, "INSERT OR IGNORE INTO request_nonces(node_id, nonce, ts_ms) VALUES(?,?,?)"));
  SILIAN_RETURN_IF_ERROR(nonces->purge_.Prepare(db, "DELETE FROM request_nonces WHERE ts_ms < ?"));
  return nonces;
}

// close_v2: the connection closes once the members' statements are finalized, after this body.
RequestNonces::~RequestNonces() { sqlite3_close_v2(db_); }

Result<bool> RequestNonces::Record(const std::string& node_id, const std::string& nonce, uint64_t ts_ms,
                                   uint64_t forget_before_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  if (forget_before_ms >= last_purge_ms_ + kPurgeEveryMs) {
    SILIAN_RETURN_IF_ERROR(purge_.Reset().Bind(1, forget_before_ms).Run());
    purge_.Reset();
    last_purge_ms_ = forget_before_ms;
  }
  SILIAN_RETURN_IF_ERROR(insert_.Reset().Bind(1, node_id).Bind(2, nonce).Bind(3, ts_ms).Run());
  insert_.Reset();
  return sqlite3_changes(db_) == 1;
}

}  // namespace silian::sync
