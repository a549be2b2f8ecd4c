// SQLite helpers shared by the ledger and the collaborators that keep their tables in the same file (the
// service domain's case tables, reference index and outbox): a prepared statement that resets itself, and
// one-shot execution. Errors are values; nothing throws.
// Not thread-safe: a statement belongs to one connection, used by one thread at a time.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/status.h"

namespace silian::sync {

// A prepared statement. Bind* and Step follow SQLite's rules; Reset() before each reuse. A statement left
// on a row holds a read transaction (an old snapshot) open: reset it once the rows are read.
class Stmt {
 public:
  Stmt() = default;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  ~Stmt();

  // kInternal naming SQLite's message when `sql` does not compile.
  Status Prepare(sqlite3* db, const char* sql);
  Stmt& Reset();
  Stmt& Bind(int i, int64_t v);
  Stmt& Bind(int i, uint64_t v) { return Bind(i, static_cast<int64_t>(v)); }
  Stmt& Bind(int i, std::string_view v);
  Stmt& BindBlob(int i, std::string_view v);
  // True for a row, false when done; kInternal on an SQLite error.
  Result<bool> Step();
  // Steps once and discards a row: for statements that write.
  Status Run();
  int64_t Int(int col) const;
  // The column's bytes (text or blob); "" for NULL.
  std::string Text(int col) const;
  bool IsNull(int col) const;

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
};

// Statements prepared once per connection and kept, for the statements a hot path runs per op or per case
// (SQLite's parser costs more than a point lookup). Get hands a statement out on a lease; the statement is
// reset and unbound when the lease ends, so a lease left on a row holds no snapshot beyond its scope. Asking
// for the same SQL while it is leased (a nested use) prepares a fresh statement for that lease alone.
// Belongs to one connection, used by one thread at a time, like Stmt.
class StmtCache {
 public:
  class Lease {
   public:
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    Stmt& operator*() const { return *stmt_; }
    Stmt* operator->() const { return stmt_; }

   private:
    friend class StmtCache;
    Lease(Stmt* stmt, bool* in_use) : stmt_(stmt), in_use_(in_use) {}
    explicit Lease(std::unique_ptr<Stmt> own) : stmt_(own.get()), own_(std::move(own)) {}
    Stmt* stmt_ = nullptr;
    bool* in_use_ = nullptr;  // the cached entry's flag; null for a statement of this lease alone
    std::unique_ptr<Stmt> own_;
  };

  explicit StmtCache(sqlite3* db = nullptr) : db_(db) {}
  StmtCache(const StmtCache&) = delete;
  StmtCache& operator=(const StmtCache&) = delete;
  // The connection; statements prepared on an earlier one are dropped.
  void Attach(sqlite3* db);
  // kInternal naming SQLite's message when `sql` does not compile.
  Result<Lease> Get(std::string_view sql);
  // Finalizes every statement (before the connection closes). REQUIRES: no lease outstanding.
  void Clear();
  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    Stmt stmt;
    bool in_use = false;
  };
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  sqlite3* db_ = nullptr;
  std::unordered_map<std::string, std::unique_ptr<Entry>, Hash, std::equal_to<>> entries_;
};

// Every row of `s` (already bound), each turned into a T by `read(const Stmt&)`. Resets `s` at the end.
template <typename T, typename Read>
Result<std::vector<T>> CollectRows(Stmt& s, Read&& read) {
  std::vector<T> out;
  for (;;) {
    Result<bool> row = s.Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    out.push_back(read(static_cast<const Stmt&>(s)));
  }
  s.Reset();
  return out;
}

// Runs `sql` (one or more statements). kInternal naming SQLite's message on failure.
Status Exec(sqlite3* db, const std::string& sql);

// The single integer of `sql` (a count), 0 when it returns no row.
Result<uint64_t> QueryCount(sqlite3* db, const char* sql);

}  // namespace silian::sync
