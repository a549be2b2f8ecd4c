// SQLite helpers shared by the ledger and the collaborators that keep their tables in the same file (the
// service domain's case tables, reference index and outbox): a prepared statement that resets itself, and
// one-shot execution. Errors are values; nothing throws.
// Not thread-safe: a statement belongs to one connection, used by one thread at a time.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>
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
