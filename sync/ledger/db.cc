#include "ledger/db.h"

namespace silian::sync {

Stmt::~Stmt() { sqlite3_finalize(stmt_); }

Status Stmt::Prepare(sqlite3* db, const char* sql) {
  db_ = db;
  if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr) != SQLITE_OK)
    return Internal(std::string("SQLite cannot prepare a statement: ") + sqlite3_errmsg(db));
  return Status::Ok();
}

Stmt& Stmt::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  return *this;
}

Stmt& Stmt::Bind(int i, int64_t v) {
  sqlite3_bind_int64(stmt_, i, v);
  return *this;
}

Stmt& Stmt::Bind(int i, std::string_view v) {
  sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}

Stmt& Stmt::BindBlob(int i, std::string_view v) {
  sqlite3_bind_blob(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}

Result<bool> Stmt::Step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return Internal(std::string("SQLite: ") + sqlite3_errmsg(db_));
}

Status Stmt::Run() {
  auto r = Step();
  if (!r.ok()) return r.status();
  return Status::Ok();
}

int64_t Stmt::Int(int col) const { return sqlite3_column_int64(stmt_, col); }

std::string Stmt::Text(int col) const {
  const auto* p = sqlite3_column_blob(stmt_, col);
  return p ? std::string(static_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(stmt_, col)))
           : std::string();
}

bool Stmt::IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

StmtCache::Lease::Lease(Lease&& other) noexcept
    : stmt_(other.stmt_), in_use_(other.in_use_), own_(std::move(other.own_)) {
  other.stmt_ = nullptr;
  other.in_use_ = nullptr;
}

StmtCache::Lease::~Lease() {
  if (stmt_ == nullptr) return;
  stmt_->Reset();
  if (in_use_ != nullptr) *in_use_ = false;
}

void StmtCache::Attach(sqlite3* db) {
  if (db == db_) return;
  Clear();
  db_ = db;
}

Result<StmtCache::Lease> StmtCache::Get(std::string_view sql) {
  auto it = entries_.find(sql);
  if (it != entries_.end() && !it->second->in_use) {
    it->second->in_use = true;
    return Lease(&it->second->stmt, &it->second->in_use);
  }
  const std::string text(sql);
  if (it != entries_.end()) {  // nested: a statement of this lease alone
    auto own = std::make_unique<Stmt>();
    SILIAN_RETURN_IF_ERROR(own->Prepare(db_, text.c_str()));
    return Lease(std::move(own));
  }
  auto entry = std::make_unique<Entry>();
  SILIAN_RETURN_IF_ERROR(entry->stmt.Prepare(db_, text.c_str()));
  entry->in_use = true;
  Entry* e = entry.get();
  entries_.emplace(text, std::move(entry));
  return Lease(&e->stmt, &e->in_use);
}

void StmtCache::Clear() { entries_.clear(); }

Status Exec(sqlite3* db, const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    return Internal("SQLite: " + msg);
  }
  return Status::Ok();
}

Result<uint64_t> QueryCount(sqlite3* db, const char* sql) {
  Stmt s;
  SILIAN_RETURN_IF_ERROR(s.Prepare(db, sql));
  SILIAN_ASSIGN_OR_RETURN(bool row, s.Step());
  return row ? static_cast<uint64_t>(s.Int(0)) : 0;
}

}  // namespace silian::sync
