#include "bench/bench_util.h"

#include "domain/store.h"
#include "ledger/ledger.h"

#include <sqlite3.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace silian::bench {

double Seconds(Clock::time_point from, Clock::time_point to) { return std::chrono::duration<double>(to - from).count(); }

std::string Fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string Grouped(uint64_t v) {
  std::string digits = std::to_string(v);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string Rate(double per_s) { return Grouped(static_cast<uint64_t>(per_s + 0.5)); }

std::string FileSystemName(const std::string& path) {
  struct statfs st{};
  if (::statfs(path.c_str(), &st) != 0) return "unknown";
  switch (static_cast<unsigned long>(st.f_type)) {
    case 0xEF53: return "ext4";
    case 0x01021994: return "tmpfs";
    case 0x58465342: return "xfs";
    case 0x9123683E: return "btrfs";
    case 0x794C7630: return "overlayfs";
    case 0x6969: return "nfs";
    default: break;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%lx", static_cast<unsigned long>(st.f_type));
  return buf;
}

ScratchDir::~ScratchDir() {
  if (!path_.empty() && remove_) {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
}

Status ScratchDir::Make(const std::string& parent, bool remove) {
  std::string templ = (parent.empty() ? std::string("/tmp") : parent) + "/silian-bench-XXXXXX";
  std::vector<char> buf(templ.begin(), templ.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr)
    return InvalidArgument("cannot make a scratch directory under " + Quote(parent.empty() ? "/tmp" : parent) +
                           ": " + std::strerror(errno));
  path_ = buf.data();
  remove_ = remove;
  return Status::Ok();
}

Latencies Summarize(std::vector<double> ms) {
  Latencies l;
  if (ms.empty()) return l;
  std::sort(ms.begin(), ms.end());
  auto pct = [&](double p) { return ms[std::min(ms.size() - 1, static_cast<size_t>(p * static_cast<double>(ms.size())))]; };
  l.p50_ms = pct(0.5);
  l.p90_ms = pct(0.9);
  l.p99_ms = pct(0.99);
  l.max_ms = ms.back();
  return l;
}

std::string Verdict(bool pass) { return pass ? "PASS" : "MISS"; }

std::string Percent(uint64_t part, uint64_t whole) {
  return whole == 0 ? "0%" : Fixed(100.0 * static_cast<double>(part) / static_cast<double>(whole), 1) + "%";
}

std::string Cell(const std::string& text, size_t width) {
  size_t shown = 0;
  for (unsigned char c : text)
    if ((c & 0xC0) != 0x80) ++shown;
  return text + std::string(shown < width ? width - shown : 1, ' ');
}

std::string Row(const std::string& label, const std::string& value) { return "  " + Cell(label, 40) + value + "\n"; }

Result<std::string> LocateProgram(const std::string& given, const std::string& relative, const std::string& option) {
  std::string path = given;
  if (path.empty()) {
    std::error_code ec;
    auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (ec) return InvalidArgument("cannot tell where silian-bench is (" + ec.message() + "); pass " + option + " PATH");
    path = (self.parent_path() / relative).lexically_normal().string();
  }
  if (::access(path.c_str(), X_OK) != 0)
    return InvalidArgument("no executable program at " + Quote(path) + "; build it or pass " + option + " PATH");
  return path;
}

std::string FindOnPath(const std::string& name) {
  const char* env = std::getenv("PATH");
  std::string dirs = env ? env : "/usr/local/bin:/usr/bin:/bin";
  size_t from = 0;
  while (from <= dirs.size()) {
    size_t to = dirs.find(':', from);
    if (to == std::string::npos) to = dirs.size();
    const std::string dir = dirs.substr(from, to - from);
    const std::string path = (dir.empty() ? "." : dir) + "/" + name;
    if (::access(path.c_str(), X_OK) == 0) return path;
    from = to + 1;
  }
  return "";
}

namespace {

// ---------------------------------------------------------------------------------------------- SQLite

class Db {
 public:
  Db() = default;
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  ~Db() {
    if (db_ != nullptr) sqlite3_close_v2(db_);
  }
  Status Open(const std::string& path, int flags) {
    if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK)
      return Internal("SQLite cannot open " + Quote(path) + ": " + sqlite3_errmsg(db_));
    return Status::Ok();
  }
  Status Exec(const std::string& sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err != nullptr ? err : sqlite3_errmsg(db_);
      sqlite3_free(err);
      return Internal("SQLite: " + msg + " in " + Quote(sql.substr(0, 60)));
    }
    return Status::Ok();
  }
  sqlite3* get() const { return db_; }

 private:
  sqlite3* db_ = nullptr;
};

class Statement {
 public:
  Statement() = default;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement() { sqlite3_finalize(stmt_); }
  Status Prepare(sqlite3* db, const char* sql) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK)
      return Internal(std::string("SQLite cannot prepare ") + Quote(sql) + ": " + sqlite3_errmsg(db));
    return Status::Ok();
  }
  sqlite3_stmt* get() const { return stmt_; }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

std::string ColumnBytes(sqlite3_stmt* s, int col) {
  const void* p = sqlite3_column_blob(s, col);
  return p != nullptr ? std::string(static_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(s, col)))
                      : std::string();
}

}  // namespace

Result<std::vector<OpRow>> ReadOpRows(const std::string& ledger_path) {
  Db db;
  SILIAN_RETURN_IF_ERROR(db.Open(ledger_path, SQLITE_OPEN_READONLY));
  Statement s;
  SILIAN_RETURN_IF_ERROR(
      s.Prepare(db.get(), "SELECT origin, seq, hlc, case_id, division, chain_hash, bytes FROM ops ORDER BY id"));
  std::vector<OpRow> rows;
  for (;;) {
    int rc = sqlite3_step(s.get());
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) return Internal(std::string("SQLite: ") + sqlite3_errmsg(db.get()));
    OpRow r;
    r.origin = ColumnBytes(s.get(), 0);
    r.seq = sqlite3_column_int64(s.get(), 1);
    r.hlc = sqlite3_column_int64(s.get(), 2);
    r.case_id = ColumnBytes(s.get(), 3);
    r.division = ColumnBytes(s.get(), 4);
    r.chain_hash = ColumnBytes(s.get(), 5);
    r.bytes = ColumnBytes(s.get(), 6);
    rows.push_back(std::move(r));
  }
  return rows;
}

Result<BaselineFigures> RunBaseline(const std::string& path, const std::vector<OpRow>& rows) {
  Db db;
  SILIAN_RETURN_IF_ERROR(db.Open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE));
  SILIAN_RETURN_IF_ERROR(db.Exec("PRAGMA journal_mode=WAL"));
  SILIAN_RETURN_IF_ERROR(db.Exec("PRAGMA synchronous=FULL"));
  SILIAN_RETURN_IF_ERROR(db.Exec(sync::OpsTableDdl()));
  BaselineFigures f;
  auto t0 = Clock::now();
  SILIAN_RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE"));
  Statement insert;
  SILIAN_RETURN_IF_ERROR(insert.Prepare(
      db.get(), "INSERT INTO ops(origin, seq, hlc, case_id, division, chain_hash, bytes) VALUES(?,?,?,?,?,?,?)"));
  sqlite3_stmt* s = insert.get();
  for (const OpRow& r : rows) {
    sqlite3_bind_text(s, 1, r.origin.data(), static_cast<int>(r.origin.size()), SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, r.seq);
    sqlite3_bind_int64(s, 3, r.hlc);
    sqlite3_bind_text(s, 4, r.case_id.data(), static_cast<int>(r.case_id.size()), SQLITE_STATIC);
    sqlite3_bind_text(s, 5, r.division.data(), static_cast<int>(r.division.size()), SQLITE_STATIC);
    sqlite3_bind_blob(s, 6, r.chain_hash.data(), static_cast<int>(r.chain_hash.size()), SQLITE_STATIC);
    sqlite3_bind_blob(s, 7, r.bytes.data(), static_cast<int>(r.bytes.size()), SQLITE_STATIC);
    if (sqlite3_step(s) != SQLITE_DONE) return Internal(std::string("SQLite insert: ") + sqlite3_errmsg(db.get()));
    sqlite3_reset(s);
  }
  auto t1 = Clock::now();
  SILIAN_RETURN_IF_ERROR(db.Exec("COMMIT"));
  auto t2 = Clock::now();
  f.rows = rows.size();
  f.insert_s = Seconds(t0, t1);
  f.commit_s = Seconds(t1, t2);
  f.seconds = Seconds(t0, t2);
  SILIAN_RETURN_IF_ERROR(db.Exec("PRAGMA wal_checkpoint(TRUNCATE)"));
  std::error_code ec;
  f.file_bytes = std::filesystem::file_size(path, ec);
  return f;
}
std::string Mix(const std::map<std::string, uint64_t>& counts, const std::function<std::string(uint64_t)>& show) {
  std::vector<std::pair<uint64_t, std::string>> sorted;
  for (const auto& [k, n] : counts) sorted.push_back({n, k});
  std::sort(sorted.rbegin(), sorted.rend());
  std::string mix;
  for (const auto& [n, k] : sorted) mix += (mix.empty() ? "" : ", ") + k + " " + show(n);
  return mix;
}

}  // namespace silian::bench
