#include "sync/store.h"

#include <fcntl.h>
#include <sodium.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <map>
#include <set>

#include "sync/calendar.h"
#include "sync/catalog.h"

namespace silian::sync {
namespace {

constexpr int kSchemaVersion = 2;
constexpr size_t kHashBytes = 32;
const std::string kZeroHash(kHashBytes, '\0');

// Schema version 1. Ops are immutable rows; `id` is the local arrival order. Out-of-scope runs of an
// origin are `skips`; ops and skips together cover 1..frontier.seq of every origin with no gap and no
// overlap. A skip's `scope` is the division prefix none of its ops belongs to (see pb::Skip). `cases` and `conflicts` are projections, recomputed from `ops`.
constexpr const char* kOpsTableDdl = R"sql(
CREATE TABLE ops(
  id INTEGER PRIMARY KEY,
  origin TEXT NOT NULL,
  seq INTEGER NOT NULL,
  hlc INTEGER NOT NULL,
  case_id TEXT NOT NULL,
  division TEXT NOT NULL,
  chain_hash BLOB NOT NULL,
  bytes BLOB NOT NULL,
  UNIQUE(origin, seq));
CREATE INDEX ops_by_case ON ops(case_id);
)sql";

// The rest of schema version 1; kOpsTableDdl comes first.
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE skips(
  origin TEXT NOT NULL,
  from_seq INTEGER NOT NULL,
  to_seq INTEGER NOT NULL,
  hash BLOB NOT NULL,
  scope TEXT NOT NULL,
  PRIMARY KEY(origin, from_seq)) WITHOUT ROWID;
CREATE TABLE frontier(origin TEXT PRIMARY KEY, seq INTEGER NOT NULL, hash BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE pending(
  origin TEXT NOT NULL,
  seq INTEGER NOT NULL,
  to_seq INTEGER NOT NULL,
  hash BLOB,
  scope TEXT,
  bytes BLOB,
  PRIMARY KEY(origin, seq)) WITHOUT ROWID;
CREATE TABLE equivocations(
  id INTEGER PRIMARY KEY,
  origin TEXT NOT NULL,
  seq INTEGER NOT NULL,
  held BLOB NOT NULL,
  offered BLOB NOT NULL,
  seen_ms INTEGER NOT NULL);
CREATE TABLE cases(
  case_id TEXT PRIMARY KEY,
  case_number TEXT NOT NULL,
  division TEXT NOT NULL,
  status TEXT NOT NULL,
  applicant_name TEXT NOT NULL,
  applicant_id TEXT NOT NULL,
  item_code TEXT NOT NULL,
  last_hlc INTEGER NOT NULL,
  open_conflicts INTEGER NOT NULL,
  heads TEXT NOT NULL,
  view TEXT NOT NULL) WITHOUT ROWID;
CREATE INDEX cases_by_status ON cases(status, last_hlc);
CREATE INDEX cases_by_number ON cases(case_number);
CREATE INDEX cases_by_applicant ON cases(applicant_id);
CREATE TABLE conflicts(
  conflict_id TEXT PRIMARY KEY,
  case_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  detail TEXT NOT NULL) WITHOUT ROWID;
CREATE INDEX conflicts_by_case ON conflicts(case_id);
CREATE INDEX skips_by_end ON skips(origin, to_seq);
CREATE TABLE stale_cases(case_id TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE receipts(
  level TEXT NOT NULL,
  hub_id TEXT NOT NULL,
  origin TEXT NOT NULL,
  seq INTEGER NOT NULL,
  as_of_ms INTEGER NOT NULL,
  PRIMARY KEY(level, origin)) WITHOUT ROWID;
CREATE TABLE peers(
  node_id TEXT PRIMARY KEY,
  level TEXT NOT NULL,
  division TEXT NOT NULL,
  added_ms INTEGER NOT NULL,
  last_contact_ms INTEGER NOT NULL DEFAULT 0,
  ops_received INTEGER NOT NULL DEFAULT 0,
  ops_sent INTEGER NOT NULL DEFAULT 0,
  errors INTEGER NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '') WITHOUT ROWID;
)sql";

// Schema version 2 adds the reference data indexed from reference ops (the catalogue and calendars; the
// ops table stays the truth) and the hub's outbox of notices to applicants. A version-1 ledger is
// migrated by creating these tables: version 1 had no reference ops or notices.
constexpr const char* kSchemaV2 = R"sql(
CREATE TABLE catalog_items(
  code TEXT NOT NULL,
  version INTEGER NOT NULL,
  area TEXT NOT NULL,
  op_origin TEXT NOT NULL,
  op_seq INTEGER NOT NULL,
  hlc INTEGER NOT NULL,
  item BLOB NOT NULL,
  PRIMARY KEY(code, version)) WITHOUT ROWID;
CREATE TABLE calendars(
  area TEXT NOT NULL,
  name TEXT NOT NULL,
  version INTEGER NOT NULL,
  op_origin TEXT NOT NULL,
  op_seq INTEGER NOT NULL,
  hlc INTEGER NOT NULL,
  calendar BLOB NOT NULL,
  PRIMARY KEY(area, name, version)) WITHOUT ROWID;
CREATE TABLE outbox(
  notice_id TEXT PRIMARY KEY,
  case_id TEXT NOT NULL,
  case_number TEXT NOT NULL,
  kind TEXT NOT NULL,
  phone TEXT NOT NULL,
  text TEXT NOT NULL,
  event_ms INTEGER NOT NULL,
  created_ms INTEGER NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_ms INTEGER NOT NULL,
  sent_ms INTEGER NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '') WITHOUT ROWID;
CREATE INDEX outbox_due ON outbox(state, next_attempt_ms);
)sql";

// The per-scope indexes of a replica that serves pulls (county and city hubs): a pull for a village,
// township or county costs O(returned ops).
constexpr const char* kServingIndexes = R"sql(
CREATE INDEX ops_scope12 ON ops(division, id);
CREATE INDEX ops_scope9 ON ops(substr(division, 1, 9), id);
CREATE INDEX ops_scope6 ON ops(substr(division, 1, 6), id);
)sql";

std::string Quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

// A prepared statement; resets itself before each use.
class Stmt {
 public:
  Stmt() = default;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  ~Stmt() { sqlite3_finalize(stmt_); }

  Status Prepare(sqlite3* db, const char* sql) {
    db_ = db;
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr) != SQLITE_OK)
      return Internal(std::string("SQLite cannot prepare a statement: ") + sqlite3_errmsg(db));
    return Status::Ok();
  }
  Stmt& Reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    return *this;
  }
  Stmt& Bind(int i, int64_t v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  Stmt& Bind(int i, uint64_t v) { return Bind(i, static_cast<int64_t>(v)); }
  Stmt& Bind(int i, std::string_view v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& BindBlob(int i, std::string_view v) {
    sqlite3_bind_blob(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  // Returns true for a row, false when done.
  Result<bool> Step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return Internal(std::string("SQLite: ") + sqlite3_errmsg(db_));
  }
  Status Run() {
    auto r = Step();
    if (!r.ok()) return r.status();
    return Status::Ok();
  }
  int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }
  std::string Text(int col) const {
    const auto* p = sqlite3_column_blob(stmt_, col);
    return p ? std::string(static_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(stmt_, col)))
             : std::string();
  }
  bool IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
};

Status Exec(sqlite3* db, const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    return Internal("SQLite: " + msg);
  }
  return Status::Ok();
}

bool FileExists(const std::string& path) {
  struct stat st{};
  return ::stat(path.c_str(), &st) == 0;
}

// The calendar date in China Standard Time (UTC+8), where case numbers are read.
std::string CstDate(uint64_t now_ms) {
  std::time_t secs = static_cast<std::time_t>(now_ms / 1000 + 8 * 3600);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y%m%d", &tm);
  return buf;
}

bool IsReferenceOp(const pb::Op& op) { return op.has_item_published() || op.has_calendar_published(); }

struct FrontierPoint {
  uint64_t seq = 0;
  std::string hash = kZeroHash;
};

}  // namespace

std::string ChainHash(const std::string& prev, const std::string& op_bytes) {
  crypto_generichash_state st;
  crypto_generichash_init(&st, nullptr, 0, kHashBytes);
  crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(prev.data()), prev.size());
  crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(op_bytes.data()), op_bytes.size());
  std::string out(kHashBytes, '\0');
  crypto_generichash_final(&st, reinterpret_cast<unsigned char*>(out.data()), kHashBytes);
  return out;
}

std::string ToHex(const std::string& bytes) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

const char* OpsTableDdl() { return kOpsTableDdl; }

std::string LedgerDigest::ToLine() const {
  return "ops=" + std::to_string(ops) + " ledger=" + ledger_hex + " state=" + state_hex;
}

// ------------------------------------------------------------------------------------------------ Impl

struct LedgerStore::Impl {
  std::string path;
  sqlite3* db = nullptr;
  NodeConfig config;
  std::string scope;
  std::string epoch;
  Options options;
  SystemWallClock system_wall;
  WallClock* wall = nullptr;
  std::unique_ptr<HybridClock> clock;
  std::map<std::string, FrontierPoint> frontier;
  int64_t data_version = -1;
  bool notify = false;            // setting "notify": create notices to applicants (hubs)
  uint64_t notify_since_ms = 0;   // events before this time get no notice

  Stmt insert_op, select_op_bytes, select_case_ops, insert_skip, extend_skip, last_skip, upsert_frontier,
      insert_pending, next_pending, delete_pending, insert_equivocation, upsert_case, delete_conflicts,
      insert_conflict, get_meta, set_meta;

  ~Impl() {
    if (db != nullptr) sqlite3_close_v2(db);
  }

  Status PrepareAll() {
    SILIAN_RETURN_IF_ERROR(insert_op.Prepare(
        db, "INSERT INTO ops(origin, seq, hlc, case_id, division, chain_hash, bytes) VALUES(?,?,?,?,?,?,?)"));
    SILIAN_RETURN_IF_ERROR(select_op_bytes.Prepare(db, "SELECT bytes FROM ops WHERE origin=? AND seq=?"));
    SILIAN_RETURN_IF_ERROR(select_case_ops.Prepare(db, "SELECT bytes FROM ops WHERE case_id=?"));
    SILIAN_RETURN_IF_ERROR(
        insert_skip.Prepare(db, "INSERT INTO skips(origin, from_seq, to_seq, hash, scope) VALUES(?,?,?,?,?)"));
    SILIAN_RETURN_IF_ERROR(
        extend_skip.Prepare(db, "UPDATE skips SET to_seq=?, hash=? WHERE origin=? AND from_seq=?"));
    SILIAN_RETURN_IF_ERROR(last_skip.Prepare(
        db, "SELECT from_seq, to_seq, scope FROM skips WHERE origin=? ORDER BY from_seq DESC LIMIT 1"));
    SILIAN_RETURN_IF_ERROR(
        upsert_frontier.Prepare(db, "INSERT OR REPLACE INTO frontier(origin, seq, hash) VALUES(?,?,?)"));
    SILIAN_RETURN_IF_ERROR(insert_pending.Prepare(
        db, "INSERT OR IGNORE INTO pending(origin, seq, to_seq, hash, scope, bytes) VALUES(?,?,?,?,?,?)"));
    SILIAN_RETURN_IF_ERROR(next_pending.Prepare(
        db, "SELECT seq, to_seq, hash, scope, bytes FROM pending WHERE origin=? AND seq<=? ORDER BY seq LIMIT 1"));
    SILIAN_RETURN_IF_ERROR(delete_pending.Prepare(db, "DELETE FROM pending WHERE origin=? AND seq=?"));
    SILIAN_RETURN_IF_ERROR(insert_equivocation.Prepare(
        db, "INSERT INTO equivocations(origin, seq, held, offered, seen_ms) VALUES(?,?,?,?,?)"));
    SILIAN_RETURN_IF_ERROR(upsert_case.Prepare(
        db,
        "INSERT OR REPLACE INTO cases(case_id, case_number, division, status, applicant_name, applicant_id, "
        "item_code, last_hlc, open_conflicts, heads, view) VALUES(?,?,?,?,?,?,?,?,?,?,?)"));
    SILIAN_RETURN_IF_ERROR(delete_conflicts.Prepare(db, "DELETE FROM conflicts WHERE case_id=?"));
    SILIAN_RETURN_IF_ERROR(insert_conflict.Prepare(
        db, "INSERT OR REPLACE INTO conflicts(conflict_id, case_id, kind, detail) VALUES(?,?,?,?)"));
    SILIAN_RETURN_IF_ERROR(get_meta.Prepare(db, "SELECT value FROM meta WHERE key=?"));
    SILIAN_RETURN_IF_ERROR(set_meta.Prepare(db, "INSERT OR REPLACE INTO meta(key, value) VALUES(?,?)"));
    return Status::Ok();
  }

  Result<std::optional<std::string>> GetMeta(const std::string& key) {
    get_meta.Reset().Bind(1, key);
    SILIAN_ASSIGN_OR_RETURN(bool row, get_meta.Step());
    std::optional<std::string> value;
    if (row) value = get_meta.Text(0);
    get_meta.Reset();  // a statement left on a row would hold an old snapshot
    return value;
  }
  Status SetMeta(const std::string& key, const std::string& value) {
    return set_meta.Reset().Bind(1, key).Bind(2, value).Run();
  }

  Status LoadFrontier() {
    frontier.clear();
    Stmt s;
    SILIAN_RETURN_IF_ERROR(s.Prepare(db, "SELECT origin, seq, hash FROM frontier"));
    for (;;) {
      SILIAN_ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) break;
      frontier[s.Text(0)] = FrontierPoint{static_cast<uint64_t>(s.Int(1)), s.Text(2)};
    }
    return Status::Ok();
  }

  Status LoadClock() {
    SILIAN_ASSIGN_OR_RETURN(auto last, GetMeta("hlc_last"));
    SILIAN_ASSIGN_OR_RETURN(auto skew, GetMeta("max_skew_ms"));
    clock = std::make_unique<HybridClock>(*wall, Hlc{last ? std::stoull(*last) : 0}, options.max_forward_skew_ms);
    if (skew) clock->set_max_skew_seen_ms(std::stoull(*skew));
    return Status::Ok();
  }

  Status SaveClock() {
    SILIAN_RETURN_IF_ERROR(SetMeta("hlc_last", std::to_string(clock->last().value)));
    return SetMeta("max_skew_ms", std::to_string(clock->max_skew_seen_ms()));
  }

  Status SaveFrontier(const std::string& origin) {
    const FrontierPoint& f = frontier[origin];
    return upsert_frontier.Reset().Bind(1, origin).Bind(2, f.seq).BindBlob(3, f.hash).Run();
  }

  Status InsertOp(const pb::Op& op, const std::string& bytes, const std::string& chain_hash) {
    if (IsReferenceOp(op)) SILIAN_RETURN_IF_ERROR(IndexReference(op));
    return insert_op.Reset()
        .Bind(1, op.origin())
        .Bind(2, op.seq())
        .Bind(3, op.hlc())
        .Bind(4, op.case_id())
        .Bind(5, op.division())
        .BindBlob(6, chain_hash)
        .BindBlob(7, bytes)
        .Run();
  }

  // Keeps the catalogue and calendar tables equal to a fold of the reference ops: of two publications of
  // the same (code, version) or (area, name, version), the one with the greater (hlc, origin) stands. An
  // item or calendar that breaks the content rules is kept in the log but not indexed.
  Status IndexReference(const pb::Op& op) {
    Stmt s;
    if (op.has_item_published()) {
      const pb::Item& item = op.item_published();
      if (!ValidateItem(item).ok() || item.version() == 0) return Status::Ok();
      SILIAN_RETURN_IF_ERROR(s.Prepare(
          db,
          "INSERT INTO catalog_items(code, version, area, op_origin, op_seq, hlc, item) VALUES(?1,?2,?3,?4,?5,?6,?7) "
          "ON CONFLICT(code, version) DO UPDATE SET area=?3, op_origin=?4, op_seq=?5, hlc=?6, item=?7 "
          "WHERE (?6, ?4) > (hlc, op_origin)"));
      std::string bytes;
      item.SerializeToString(&bytes);
      return s.Bind(1, item.code()).Bind(2, static_cast<int64_t>(item.version())).Bind(3, op.division())
          .Bind(4, op.origin()).Bind(5, op.seq()).Bind(6, op.hlc()).BindBlob(7, bytes).Run();
    }
    const pb::Calendar& cal = op.calendar_published();
    if (!ValidateCalendar(cal).ok()) return Status::Ok();
    SILIAN_RETURN_IF_ERROR(s.Prepare(
        db,
        "INSERT INTO calendars(area, name, version, op_origin, op_seq, hlc, calendar) VALUES(?1,?2,?3,?4,?5,?6,?7) "
        "ON CONFLICT(area, name, version) DO UPDATE SET op_origin=?4, op_seq=?5, hlc=?6, calendar=?7 "
        "WHERE (?6, ?4) > (hlc, op_origin)"));
    std::string bytes;
    cal.SerializeToString(&bytes);
    return s.Bind(1, op.division()).Bind(2, cal.name()).Bind(3, static_cast<int64_t>(cal.version()))
        .Bind(4, op.origin()).Bind(5, op.seq()).Bind(6, op.hlc()).BindBlob(7, bytes).Run();
  }

  // Records seqs from..to of `origin` as skipped (none of them in `scope`), merging with an adjacent
  // earlier run of the same scope.
  Status AddSkip(const std::string& origin, uint64_t from, uint64_t to, const std::string& hash,
                 const std::string& skip_scope) {
    last_skip.Reset().Bind(1, origin);
    SILIAN_ASSIGN_OR_RETURN(bool row, last_skip.Step());
    if (row && static_cast<uint64_t>(last_skip.Int(1)) + 1 == from && last_skip.Text(2) == skip_scope) {
      int64_t run_from = last_skip.Int(0);
      return extend_skip.Reset().Bind(1, to).BindBlob(2, hash).Bind(3, origin).Bind(4, run_from).Run();
    }
    return insert_skip.Reset().Bind(1, origin).Bind(2, from).Bind(3, to).BindBlob(4, hash).Bind(5, skip_scope).Run();
  }

  Result<std::vector<pb::Op>> LoadCaseOps(const std::string& case_id) {
    std::vector<pb::Op> ops;
    select_case_ops.Reset().Bind(1, case_id);
    for (;;) {
      SILIAN_ASSIGN_OR_RETURN(bool row, select_case_ops.Step());
      if (!row) break;
      pb::Op op;
      std::string bytes = select_case_ops.Text(0);
      if (!op.ParseFromString(bytes)) return DataLoss("stored op of case " + Quote(case_id) + " does not parse");
      ops.push_back(std::move(op));
    }
    return ops;
  }

  Result<CaseProjection> Reproject(const std::string& case_id) {
    SILIAN_ASSIGN_OR_RETURN(std::vector<pb::Op> ops, LoadCaseOps(case_id));
    if (ops.empty()) return NotFound("no case " + Quote(case_id));
    std::string division = ops.front().division();
    CaseProjection p = ProjectCase(CaseId{case_id}, std::move(ops), ProjectionDetail::kSummary);
    if (p.division.empty()) p.division = division;
    SILIAN_RETURN_IF_ERROR(WriteCase(p));
    SILIAN_RETURN_IF_ERROR(CreateNotices(p));
    return p;
  }

  Status WriteCase(const CaseProjection& p) {
    nlohmann::json heads = nlohmann::json::array();
    for (const auto& h : p.heads) heads.push_back(h.ToString());
    SILIAN_RETURN_IF_ERROR(upsert_case.Reset()
                               .Bind(1, p.case_id.value)
                               .Bind(2, p.case_number)
                               .Bind(3, p.division)
                               .Bind(4, p.status)
                               .Bind(5, p.applicant_name)
                               .Bind(6, p.applicant_id)
                               .Bind(7, p.item_code)
                               .Bind(8, p.last_hlc)
                               .Bind(9, static_cast<int64_t>(p.conflicts.size()))
                               .Bind(10, heads.dump())
                               .Bind(11, p.view.dump())
                               .Run());
    SILIAN_RETURN_IF_ERROR(delete_conflicts.Reset().Bind(1, p.case_id.value).Run());
    for (const auto& c : p.conflicts)
      SILIAN_RETURN_IF_ERROR(
          insert_conflict.Reset().Bind(1, c.id).Bind(2, p.case_id.value).Bind(3, c.kind).Bind(4, c.detail.dump()).Run());
    return Status::Ok();
  }

  // Removes and returns the cases whose projection an earlier import deferred. REQUIRES: a transaction.
  Result<std::vector<std::string>> TakeStaleCases() {
    std::vector<std::string> out;
    Stmt s;
    SILIAN_RETURN_IF_ERROR(s.Prepare(db, "SELECT case_id FROM stale_cases"));
    for (;;) {
      SILIAN_ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) break;
      out.push_back(s.Text(0));
    }
    if (!out.empty()) SILIAN_RETURN_IF_ERROR(Exec(db, "DELETE FROM stale_cases"));
    return out;
  }

  // Receipts only move forward: a level that once held an op still holds it.
  Status SaveReceipts(const std::vector<pb::LevelReceipt>& receipts) {
    Stmt s;
    SILIAN_RETURN_IF_ERROR(s.Prepare(
        db,
        "INSERT INTO receipts(level, hub_id, origin, seq, as_of_ms) VALUES(?1,?2,?3,?4,?5) "
        "ON CONFLICT(level, origin) DO UPDATE SET hub_id=?2, seq=max(seq, ?4), as_of_ms=max(as_of_ms, ?5)"));
    for (const auto& r : receipts) {
      if (!ParseLevel(r.level()).ok()) continue;
      for (const auto& e : r.entries())
        SILIAN_RETURN_IF_ERROR(
            s.Reset().Bind(1, r.level()).Bind(2, r.hub_id()).Bind(3, e.origin()).Bind(4, e.seq()).Bind(5, r.as_of_ms()).Run());
    }
    return Status::Ok();
  }

  // Another process (silian-admin publishing a catalogue next to a serving hub) may have written since
  // this connection last did: PRAGMA data_version changes only for other connections' commits, and then
  // the cached frontier and clock are reloaded. REQUIRES: inside a write transaction.
  Status RefreshIfChangedElsewhere() {
    ResetStatements();
    Stmt v;
    SILIAN_RETURN_IF_ERROR(v.Prepare(db, "PRAGMA data_version"));
    SILIAN_ASSIGN_OR_RETURN(bool row, v.Step());
    int64_t now = row ? v.Int(0) : 0;
    if (now == data_version) return Status::Ok();
    data_version = now;
    SILIAN_RETURN_IF_ERROR(LoadFrontier());
    SILIAN_RETURN_IF_ERROR(LoadSettings());
    return LoadClock();
  }

  // A prepared statement left on a row holds a read transaction open, and with it an old snapshot of the
  // database: a serving hub would never see what another process wrote. Reads that serve peers start here.
  void ResetStatements() {
    for (Stmt* st : {&insert_op, &select_op_bytes, &select_case_ops, &insert_skip, &extend_skip, &last_skip,
                     &upsert_frontier, &insert_pending, &next_pending, &delete_pending, &insert_equivocation,
                     &upsert_case, &delete_conflicts, &insert_conflict, &get_meta, &set_meta})
      st->Reset();
  }

  Status LoadSettings() {
    SILIAN_ASSIGN_OR_RETURN(auto notify_setting, GetMeta("setting/notify"));
    notify = notify_setting && *notify_setting == "on";
    SILIAN_ASSIGN_OR_RETURN(auto since, GetMeta("notify_since_ms"));
    notify_since_ms = since ? std::stoull(*since) : 0;
    return Status::Ok();
  }

  // Runs `body` in one IMMEDIATE transaction; rolls back (and reloads cached state) on error.
  template <typename T>
  Result<T> InTransaction(const std::function<Result<T>()>& body) {
    SILIAN_RETURN_IF_ERROR(Exec(db, "BEGIN IMMEDIATE"));
    if (Status fresh = RefreshIfChangedElsewhere(); !fresh.ok()) {
      Exec(db, "ROLLBACK").IgnoreError();
      return fresh;
    }
    Result<T> r = body();
    if (!r.ok()) {
      ResetStatements();
      Exec(db, "ROLLBACK").IgnoreError();
      LoadFrontier().IgnoreError();
      LoadClock().IgnoreError();
      return r;
    }
    Status c = Exec(db, "COMMIT");
    ResetStatements();
    if (!c.ok()) {
      Exec(db, "ROLLBACK").IgnoreError();
      LoadFrontier().IgnoreError();
      LoadClock().IgnoreError();
      return c;
    }
    return r;
  }

  // Authors one op of this node. REQUIRES: inside a transaction. Fills envelope fields and stores it.
  Result<OpId> Author(pb::Op op, const std::string& actor, const std::string& case_id, const std::string& division,
                      const std::vector<OpId>& parents) {
    const std::string& self = config.node_id.value;
    FrontierPoint& f = frontier[self];
    op.set_origin(self);
    op.set_seq(f.seq + 1);
    op.set_hlc(clock->Now().value);
    op.set_actor(actor.empty() ? self : actor);
    const bool reference = IsReferenceOp(op);
    op.set_case_id(reference ? std::string() : case_id.empty() ? OpId{self, f.seq + 1}.ToString() : case_id);
    op.set_division(division);
    for (const auto& p : parents) {
      auto* ref = op.add_parents();
      ref->set_origin(p.origin);
      ref->set_seq(p.seq);
    }
    std::string bytes;
    if (!op.SerializeToString(&bytes)) return Internal("cannot serialize an op");
    std::string hash = ChainHash(f.hash, bytes);
    SILIAN_RETURN_IF_ERROR(InsertOp(op, bytes, hash));
    f = FrontierPoint{op.seq(), hash};
    SILIAN_RETURN_IF_ERROR(SaveFrontier(self));
    SILIAN_RETURN_IF_ERROR(SaveClock());
    if (!reference) SILIAN_RETURN_IF_ERROR(Reproject(op.case_id()).status());
    return OpId{self, op.seq()};
  }

  Result<CaseId> FindCase(const std::string& ref) {
    Stmt s;
    bool by_id = ref.find(':') != std::string::npos;
    SILIAN_RETURN_IF_ERROR(s.Prepare(db, by_id ? "SELECT case_id FROM cases WHERE case_id=?"
                                               : "SELECT case_id FROM cases WHERE case_number=? LIMIT 5"));
    s.Bind(1, ref);
    std::vector<std::string> found;
    for (;;) {
      SILIAN_ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) break;
      found.push_back(s.Text(0));
    }
    if (found.empty()) return NotFound("no case " + Quote(ref) + " in this ledger (give a case id or case number)");
    if (found.size() > 1) {
      std::string ids;
      for (const auto& f : found) ids += (ids.empty() ? "" : ", ") + f;
      return FailedPrecondition("case number " + Quote(ref) + " matches several cases; give a case id: " + ids);
    }
    return CaseId{found.front()};
  }

  // Loads the case and its projection for authoring a follow-up op.
  // The terms a new case (or a change of item code) records: those of the latest version of the item.
  // nullopt when this replica holds no catalogue at all (a laptop that has not synced yet);
  // kInvalidArgument when the catalogue lacks the code or it is withdrawn.
  Result<std::optional<pb::ItemTerms>> TermsForNewCase(const std::string& code) {
    Stmt any;
    SILIAN_RETURN_IF_ERROR(any.Prepare(db, "SELECT count(DISTINCT code) FROM catalog_items"));
    SILIAN_ASSIGN_OR_RETURN(bool row, any.Step());
    int64_t codes = row ? any.Int(0) : 0;
    if (codes == 0) return std::optional<pb::ItemTerms>();
    SILIAN_ASSIGN_OR_RETURN(std::optional<pb::Item> item, LatestItem(code));
    if (!item)
      return InvalidArgument("item code " + Quote(code) + " is not in this replica's catalogue (" +
                             std::to_string(codes) + " items; see `catalog list`)");
    if (item->withdrawn())
      return InvalidArgument("item " + Quote(code) + " (" + item->name() + ") is withdrawn from the catalogue");
    return std::optional<pb::ItemTerms>(TermsOf(*item));
  }

  Result<std::optional<pb::Item>> LatestItem(const std::string& code, std::optional<uint32_t> version = std::nullopt) {
    Stmt s;
    SILIAN_RETURN_IF_ERROR(s.Prepare(db, version ? "SELECT item FROM catalog_items WHERE code=?1 AND version=?2"
                                                 : "SELECT item FROM catalog_items WHERE code=?1 ORDER BY version DESC LIMIT 1"));
    s.Bind(1, code);
    if (version) s.Bind(2, static_cast<int64_t>(*version));
    SILIAN_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return std::optional<pb::Item>();
    pb::Item item;
    if (!item.ParseFromString(s.Text(0))) return DataLoss("stored catalogue item " + Quote(code) + " does not parse");
    return std::optional<pb::Item>(std::move(item));
  }

  Status CheckAuthorityFor(const CaseProjection& p, std::string_view action) {
    if (!p.terms) return Status::Ok();
    Status s = CheckAuthority(*p.terms, action, LevelName(config.level), p.item_code);
    if (!s.ok()) return Status(s.code(), "case " + p.case_number + ": " + s.message());
    return Status::Ok();
  }

  // The notices of a case's events (setting "notify"), once per event: the id is the event's op id.
  Status CreateNotices(const CaseProjection& p) {
    if (!notify) return Status::Ok();
    std::string item_name = p.terms ? p.terms->name() : p.item_code;
    bool denied = false;
    for (const auto& e : p.events) {
      uint64_t event_ms = e.hlc >> 16;
      if (e.to == "decided_denied") denied = true;
      if (e.to == "decided_approved" || e.to == "decided_approved_tolerance") denied = false;
      if (event_ms < notify_since_ms) continue;
      std::string kind, text;
      const std::string head = "【四联政务】您的" + item_name + "申请（办件编号" + p.case_number + "）";
      if (e.action == "accept") {
        kind = "accepted";
        text = head + "已受理。";
      } else if (e.action == "request-correction") {
        kind = "correction_needed";
        text = head + "需补正材料：" + MissingList(p) + "。请一次性补齐后提交。";
      } else if (e.action == "approve" || e.action == "approve-tolerant" || e.action == "deny" ||
                 e.action == "decided-by-departments") {
        kind = "decided";
        text = head + (e.to == "decided_denied" ? "经审查不予许可，理由详见决定书。" : "已审批通过。");
      } else if (e.action == "issue-certificate" || (e.action == "complete" && denied)) {
        kind = "ready_for_collection";
        text = head + (e.action == "complete" ? "的决定书已办结，请领取。" : "的证照已制发，请领取或等待送达。");
      } else {
        continue;
      }
      Notice n;
      n.id = e.op + "/" + kind;
      n.case_id = p.case_id.value;
      n.case_number = p.case_number;
      n.kind = kind;
      n.phone = p.phone;
      n.text = text;
      n.event_ms = event_ms;
      SILIAN_RETURN_IF_ERROR(InsertNotice(n).status());
    }
    return Status::Ok();
  }

  // "材料A（原件1份）、材料B（复印件2份）" from the catalogue item and the materials received so far.
  std::string MissingList(const CaseProjection& p) {
    if (!p.terms) return "详见一次性告知书";
    auto item = LatestItem(p.item_code, p.terms->version());
    if (!item.ok() || !*item) return "详见一次性告知书";
    std::vector<std::pair<std::string, uint32_t>> received;
    for (const auto& m : p.view["materials"]) received.emplace_back(m[1].get<std::string>(), m[2].get<uint32_t>());
    std::string out;
    for (const auto& m : MissingMaterials(**item, received))
      out += std::string(out.empty() ? "" : "、") + m.name + "（" + (m.form == "original" ? "原件" : "复印件") +
             std::to_string(m.count - m.received) + "份）";
    return out.empty() ? "详见一次性告知书" : out;
  }

  Result<bool> InsertNotice(const Notice& n) {
    Stmt s;
    SILIAN_RETURN_IF_ERROR(s.Prepare(
        db,
        "INSERT OR IGNORE INTO outbox(notice_id, case_id, case_number, kind, phone, text, event_ms, created_ms, "
        "state, next_attempt_ms, last_error) VALUES(?,?,?,?,?,?,?,?,?,?,?)"));
    uint64_t now = wall->NowMs();
    bool has_phone = !n.phone.empty();
    SILIAN_RETURN_IF_ERROR(s.Bind(1, n.id).Bind(2, n.case_id).Bind(3, n.case_number).Bind(4, n.kind)
                               .Bind(5, n.phone).Bind(6, n.text).Bind(7, n.event_ms).Bind(8, now)
                               .Bind(9, std::string_view(has_phone ? "pending" : "no_phone")).Bind(10, now)
                               .Bind(11, std::string_view(has_phone ? "" : "the case has no phone number"))
                               .Run());
    return sqlite3_changes(db) > 0;
  }

  Result<CaseProjection> CaseForWrite(const std::string& ref) {
    SILIAN_ASSIGN_OR_RETURN(CaseId id, FindCase(ref));
    SILIAN_ASSIGN_OR_RETURN(std::vector<pb::Op> ops, LoadCaseOps(id.value));
    std::string division = ops.empty() ? std::string() : ops.front().division();
    CaseProjection p = ProjectCase(id, std::move(ops), ProjectionDetail::kSummary);
    if (!p.created)
      return FailedPrecondition("case " + Quote(ref) + " has not been fully received here yet (its creation op is missing)");
    if (p.division.empty()) p.division = division;
    return p;
  }
};

// ------------------------------------------------------------------------------------------------ open

LedgerStore::LedgerStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LedgerStore::~LedgerStore() = default;

namespace {

Status Configure(sqlite3* db, bool durable) {
  sqlite3_busy_timeout(db, 10000);
  SILIAN_RETURN_IF_ERROR(Exec(db, "PRAGMA journal_mode=WAL"));
  // SQLite's default page cache (2 MiB) is far smaller than the pages one import touches in a hub's
  // ledger: a county catching up a million ops spent a third of its time re-reading pages with pread and
  // looking them up in the WAL. The limit is a cap; pages are allocated as they are used.
  SILIAN_RETURN_IF_ERROR(Exec(db, "PRAGMA cache_size=-65536"));
  return Exec(db, durable ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=OFF");
}

}  // namespace

Result<std::unique_ptr<LedgerStore>> LedgerStore::Create(const std::string& path, const NodeConfig& config,
                                                         Options options) {
  if (sodium_init() < 0) return Internal("libsodium failed to initialise");
  if (config.device.size() != 2 || !std::isdigit(static_cast<unsigned char>(config.device[0])) ||
      !std::isdigit(static_cast<unsigned char>(config.device[1])))
    return InvalidArgument("device number " + Quote(config.device) + " must have 2 digits");
  // O_EXCL: two concurrent inits cannot both succeed, and an existing ledger is never touched.
  int fd = ::open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return FailedPrecondition("a file already exists at " + Quote(path) + "; refusing to overwrite it");
    return InvalidArgument("cannot create ledger " + Quote(path) + ": " + std::strerror(errno));
  }
  ::close(fd);
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->options = options;
  impl->wall = options.wall ? options.wall : &impl->system_wall;
  impl->config = config;
  impl->scope = ScopeOf(config.level, config.division);
  auto fail = [&](Status s) -> Status {
    sqlite3_close_v2(impl->db);
    impl->db = nullptr;
    ::unlink(path.c_str());
    ::unlink((path + "-wal").c_str());
    ::unlink((path + "-shm").c_str());
    return s;
  };
  if (sqlite3_open_v2(path.c_str(), &impl->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, nullptr) != SQLITE_OK)
    return fail(Internal("SQLite cannot open " + Quote(path)));
  Status s = Configure(impl->db, options.durable);
  if (s.ok()) s = Exec(impl->db, std::string("BEGIN;") + kOpsTableDdl + kSchemaV1 + kSchemaV2 + "PRAGMA user_version=" + std::to_string(kSchemaVersion) + ";");
  if (s.ok()) s = impl->PrepareAll();
  if (s.ok()) s = impl->SetMeta("format", "silian-ledger");
  if (s.ok()) s = impl->SetMeta("node_id", config.node_id.value);
  if (s.ok()) s = impl->SetMeta("level", LevelName(config.level));
  if (s.ok()) s = impl->SetMeta("division", config.division.value);
  if (s.ok()) s = impl->SetMeta("device", config.device);
  if (s.ok()) s = impl->SetMeta("case_counter", "0");
  if (s.ok()) {
    unsigned char raw[16];
    randombytes_buf(raw, sizeof raw);
    impl->epoch = ToHex(std::string(reinterpret_cast<const char*>(raw), sizeof raw));
    s = impl->SetMeta("epoch", impl->epoch);
  }
  if (s.ok() && (config.level == Level::kCounty || config.level == Level::kCity)) s = Exec(impl->db, kServingIndexes);
  if (s.ok()) s = Exec(impl->db, "COMMIT");
  if (s.ok()) s = impl->LoadClock();
  if (!s.ok()) return fail(s);
  return std::unique_ptr<LedgerStore>(new LedgerStore(std::move(impl)));
}

Result<std::unique_ptr<LedgerStore>> LedgerStore::Open(const std::string& path, Options options) {
  if (sodium_init() < 0) return Internal("libsodium failed to initialise");
  if (!FileExists(path)) return NotFound("no ledger at " + Quote(path) + " (create it with `init`)");
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->options = options;
  impl->wall = options.wall ? options.wall : &impl->system_wall;
  if (sqlite3_open_v2(path.c_str(), &impl->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, nullptr) != SQLITE_OK)
    return Internal("SQLite cannot open " + Quote(path));
  int version = 0;
  {
    Stmt v;
    if (!v.Prepare(impl->db, "PRAGMA user_version").ok())
      return DataLoss(Quote(path) + " is not a Silian ledger (not an SQLite database)");
    auto row = v.Step();
    if (!row.ok()) return DataLoss(Quote(path) + " is not a Silian ledger (not an SQLite database)");
    version = static_cast<int>(v.Int(0));
  }
  if (version == 0) return DataLoss(Quote(path) + " is not a Silian ledger");
  if (version > kSchemaVersion)
    return DataLoss("ledger " + Quote(path) + " has schema version " + std::to_string(version) +
                    ", newer than this program's " + std::to_string(kSchemaVersion) + "; upgrade Silian");
  SILIAN_RETURN_IF_ERROR(Configure(impl->db, options.durable));
  if (version == 1)
    SILIAN_RETURN_IF_ERROR(Exec(impl->db, std::string("BEGIN IMMEDIATE;") + kSchemaV2 + "PRAGMA user_version=2; COMMIT;"));
  SILIAN_RETURN_IF_ERROR(impl->PrepareAll());
  SILIAN_ASSIGN_OR_RETURN(auto format, impl->GetMeta("format"));
  if (!format || *format != "silian-ledger") return DataLoss(Quote(path) + " is not a Silian ledger");
  SILIAN_ASSIGN_OR_RETURN(auto node_id, impl->GetMeta("node_id"));
  SILIAN_ASSIGN_OR_RETURN(auto level, impl->GetMeta("level"));
  SILIAN_ASSIGN_OR_RETURN(auto division, impl->GetMeta("division"));
  SILIAN_ASSIGN_OR_RETURN(auto device, impl->GetMeta("device"));
  if (!node_id || !level || !division || !device) return DataLoss("ledger " + Quote(path) + " lacks its node settings");
  SILIAN_ASSIGN_OR_RETURN(impl->config.node_id, ParseNodeId(*node_id));
  SILIAN_ASSIGN_OR_RETURN(impl->config.level, ParseLevel(*level));
  SILIAN_ASSIGN_OR_RETURN(impl->config.division, ParseDivisionCode(*division));
  impl->config.device = *device;
  impl->scope = ScopeOf(impl->config.level, impl->config.division);
  SILIAN_ASSIGN_OR_RETURN(auto epoch, impl->GetMeta("epoch"));
  if (!epoch) return DataLoss("ledger " + Quote(path) + " lacks its epoch");
  impl->epoch = *epoch;
  SILIAN_RETURN_IF_ERROR(impl->LoadFrontier());
  SILIAN_RETURN_IF_ERROR(impl->LoadClock());
  SILIAN_RETURN_IF_ERROR(impl->LoadSettings());
  auto store = std::unique_ptr<LedgerStore>(new LedgerStore(std::move(impl)));
  // A session cut between deferred imports leaves cases to re-project: do it before anyone reads them.
  SILIAN_RETURN_IF_ERROR(store->RefreshStaleCases());
  return store;
}

Status LedgerStore::RefreshStaleCases() {
  Impl& m = *impl_;
  {
    Stmt any;
    SILIAN_RETURN_IF_ERROR(any.Prepare(m.db, "SELECT 1 FROM stale_cases LIMIT 1"));
    SILIAN_ASSIGN_OR_RETURN(bool row, any.Step());
    if (!row) return Status::Ok();
  }
  auto done = m.InTransaction<bool>([&]() -> Result<bool> {
    SILIAN_ASSIGN_OR_RETURN(auto stale, m.TakeStaleCases());
    for (const auto& case_id : stale) SILIAN_RETURN_IF_ERROR(m.Reproject(case_id).status());
    return true;
  });
  return done.status();
}

const NodeConfig& LedgerStore::config() const { return impl_->config; }
const std::string& LedgerStore::scope() const { return impl_->scope; }

// ------------------------------------------------------------------------------------------------ authoring

Result<CaseProjection> LedgerStore::CreateCase(const NewCase& c) {
  Impl& m = *impl_;
  SILIAN_RETURN_IF_ERROR(ValidateField("item_code", c.item_code, ""));
  SILIAN_RETURN_IF_ERROR(ValidateField("applicant_name", c.applicant_name, ""));
  SILIAN_RETURN_IF_ERROR(ValidateField("applicant_id_type", c.applicant_id_type, ""));
  SILIAN_RETURN_IF_ERROR(ValidateField("applicant_id", c.applicant_id, c.applicant_id_type));
  for (const auto& [field, value] : {std::pair<const char*, const std::string&>{"phone", c.phone},
                                     {"address", c.address}, {"summary", c.summary}, {"channel", c.channel}})
    SILIAN_RETURN_IF_ERROR(ValidateField(field, value, ""));
  std::string division = c.division ? c.division->value : m.config.division.value;
  if (!InScope(division, m.scope))
    return InvalidArgument("division " + Quote(division) + " is outside this node's area " + Quote(m.scope));
  return m.InTransaction<CaseProjection>([&]() -> Result<CaseProjection> {
    SILIAN_ASSIGN_OR_RETURN(std::optional<pb::ItemTerms> terms, m.TermsForNewCase(c.item_code));
    SILIAN_ASSIGN_OR_RETURN(auto counter_text, m.GetMeta("case_counter"));
    uint64_t counter = (counter_text ? std::stoull(*counter_text) : 0) + 1;
    SILIAN_RETURN_IF_ERROR(m.SetMeta("case_counter", std::to_string(counter)));
    char seq[24];
    std::snprintf(seq, sizeof seq, "%04llu", static_cast<unsigned long long>(counter));
    std::string number =
        m.config.division.value + "-" + m.config.device + "-" + CstDate(m.wall->NowMs()) + "-" + seq;
    pb::Op op;
    auto* body = op.mutable_case_created();
    body->set_case_number(number);
    body->set_item_code(c.item_code);
    body->set_applicant_name(c.applicant_name);
    body->set_applicant_id_type(c.applicant_id_type);
    body->set_applicant_id(c.applicant_id);
    body->set_phone(c.phone);
    body->set_address(c.address);
    body->set_summary(c.summary);
    body->set_channel(c.channel);
    if (terms) *body->mutable_terms() = *terms;
    SILIAN_ASSIGN_OR_RETURN(OpId id, m.Author(std::move(op), c.actor, "", division, {}));
    return m.Reproject(id.ToString());
  });
}

Result<OpId> LedgerStore::SetFields(const std::string& case_ref,
                                    const std::vector<std::pair<std::string, std::string>>& values,
                                    const std::string& actor) {
  Impl& m = *impl_;
  if (values.empty()) return InvalidArgument("give at least one FIELD=VALUE");
  return m.InTransaction<OpId>([&]() -> Result<OpId> {
    SILIAN_ASSIGN_OR_RETURN(CaseProjection p, m.CaseForWrite(case_ref));
    std::string id_type = p.view["fields"].contains("applicant_id_type")
                              ? p.view["fields"]["applicant_id_type"]["value"].get<std::string>()
                              : "resident_id";
    for (const auto& [field, value] : values)
      if (field == "applicant_id_type") id_type = value;
    pb::Op op;
    std::set<std::string> seen;
    for (const auto& [field, value] : values) {
      SILIAN_RETURN_IF_ERROR(ValidateField(field, value, id_type));
      if (!seen.insert(field).second) return InvalidArgument("field " + Quote(field) + " is given twice");
      auto* fv = op.mutable_fields_set()->add_values();
      fv->set_field(field);
      fv->set_value(value);
      if (field == "item_code") {
        SILIAN_ASSIGN_OR_RETURN(std::optional<pb::ItemTerms> terms, m.TermsForNewCase(value));
        if (terms) *op.mutable_fields_set()->mutable_terms() = *terms;
      }
    }
    return m.Author(std::move(op), actor, p.case_id.value, p.division, p.heads);
  });
}

Result<OpId> LedgerStore::Act(const std::string& case_ref, Action action, const std::string& reason,
                              const std::string& actor, const std::vector<std::pair<std::string, std::string>>& details) {
  Impl& m = *impl_;
  SILIAN_RETURN_IF_ERROR(CheckDetails(action, details));
  return m.InTransaction<OpId>([&]() -> Result<OpId> {
    SILIAN_ASSIGN_OR_RETURN(CaseProjection p, m.CaseForWrite(case_ref));
    SILIAN_ASSIGN_OR_RETURN(CaseStatus status, ParseCaseStatus(p.status));
    SILIAN_RETURN_IF_ERROR(m.CheckAuthorityFor(p, ActionName(action)));
    if (p.terms && p.terms->departments_size() > 0 &&
        (action == Action::kApprove || action == Action::kApproveTolerant || action == Action::kDeny))
      return FailedPrecondition("case " + p.case_number + ": item " + Quote(p.terms->name()) +
                                " is a parallel item; each department records its decision with "
                                "`case decide REF --department NAME approve|deny`");
    Status check = CheckTransition(status, action, reason);
    if (!check.ok()) return Status(check.code(), "case " + p.case_number + ": " + check.message());
    pb::Op op;
    auto* t = op.mutable_transition();
    t->set_action(ActionName(action));
    t->set_reason(reason);
    t->set_level(LevelName(m.config.level));
    for (const auto& [name, value] : details) {
      auto* fv = t->add_details();
      fv->set_field(name);
      fv->set_value(value);
    }
    return m.Author(std::move(op), actor, p.case_id.value, p.division, p.heads);
  });
}

Result<OpId> LedgerStore::DecideDepartment(const std::string& case_ref, const std::string& department,
                                           const std::string& decision, const std::string& opinion,
                                           const std::string& actor) {
  Impl& m = *impl_;
  if (decision != "approve" && decision != "deny")
    return InvalidArgument("decision " + Quote(decision) + " is not one of: approve, deny");
  if (decision == "deny" && opinion.empty()) return InvalidArgument("a denial needs --opinion with the reasons");
  if (opinion.size() > 4000) return InvalidArgument("opinion has " + std::to_string(opinion.size()) + " bytes; at most 4000");
  return m.InTransaction<OpId>([&]() -> Result<OpId> {
    SILIAN_ASSIGN_OR_RETURN(CaseProjection p, m.CaseForWrite(case_ref));
    if (!p.terms || p.terms->departments_size() == 0)
      return FailedPrecondition("case " + p.case_number + " is not a parallel item; decide it with `case act`");
    std::vector<std::string> all = {p.terms->lead_department()};
    for (const auto& d : p.terms->departments()) all.push_back(d);
    if (std::find(all.begin(), all.end(), department) == all.end()) {
      std::string list;
      for (const auto& d : all) list += std::string(list.empty() ? "" : ", ") + d;
      return InvalidArgument("department " + Quote(department) + " has no part in item " + Quote(p.terms->name()) +
                             "; its departments: " + list);
    }
    SILIAN_RETURN_IF_ERROR(m.CheckAuthorityFor(p, "department-decision"));
    if (p.status != "accepted" && p.status != "in_review")
      return FailedPrecondition("case " + p.case_number + " is " + p.status +
                                "; departments decide while it is accepted or in review");
    pb::Op op;
    auto* d = op.mutable_department_decision();
    d->set_department(department);
    d->set_decision(decision);
    d->set_opinion(opinion);
    d->set_level(LevelName(m.config.level));
    return m.Author(std::move(op), actor, p.case_id.value, p.division, p.heads);
  });
}

Result<OpId> LedgerStore::RecordFee(const std::string& case_ref, const pb::FeeRecorded& fee, const std::string& actor) {
  Impl& m = *impl_;
  if (fee.kind() != "charge" && fee.kind() != "payment" && fee.kind() != "refund")
    return InvalidArgument("fee kind " + Quote(fee.kind()) + " is not one of: charge, payment, refund");
  if (fee.amount_fen() <= 0 || fee.amount_fen() > kMaxFeeFen)
    return InvalidArgument("amount " + FormatFen(fee.amount_fen()) + " must be more than 0 and at most " +
                           FormatFen(kMaxFeeFen) + " yuan");
  if (fee.kind() == "payment" && fee.bank_receipt().empty())
    return InvalidArgument("a payment needs --bank-receipt: windows only record what the bank collected");
  if (fee.kind() == "refund" && fee.reason().empty()) return InvalidArgument("a refund needs --reason");
  if (fee.bank_receipt().size() > 64) return InvalidArgument("bank receipt number " + Quote(fee.bank_receipt()) + " is longer than 64 bytes");
  if (fee.name().size() > 400 || fee.reason().size() > 2000) return InvalidArgument("fee name or reason is too long");
  return m.InTransaction<OpId>([&]() -> Result<OpId> {
    SILIAN_ASSIGN_OR_RETURN(CaseProjection p, m.CaseForWrite(case_ref));
    if (fee.kind() == "refund") {
      int64_t paid = 0, refunded = 0;
      if (p.view.contains("fees")) {
        paid = p.view["fees"]["paid_fen"].get<int64_t>();
        refunded = p.view["fees"]["refunded_fen"].get<int64_t>();
      }
      if (fee.amount_fen() > paid - refunded)
        return FailedPrecondition("case " + p.case_number + ": refund of " + FormatFen(fee.amount_fen()) +
                                  " yuan exceeds what was paid and not refunded (" + FormatFen(paid - refunded) + ")");
    }
    pb::Op op;
    *op.mutable_fee_recorded() = fee;
    return m.Author(std::move(op), actor, p.case_id.value, p.division, p.heads);
  });
}

Result<OpId> LedgerStore::Evaluate(const std::string& case_ref, const pb::EvaluationGiven& e, const std::string& actor) {
  Impl& m = *impl_;
  static const std::vector<std::string> kRatings = {"very_satisfied", "satisfied", "basically_satisfied",
                                                    "dissatisfied", "very_dissatisfied"};
  static const std::vector<std::string> kChannels = {"pc", "mobile", "qr_code", "hall_tablet", "hall_terminal",
                                                     "phone", "sms"};
  auto one_of = [](const std::vector<std::string>& set, const std::string& v) {
    return std::find(set.begin(), set.end(), v) != set.end();
  };
  if (!one_of(kRatings, e.rating()))
    return InvalidArgument("rating " + Quote(e.rating()) +
                           " is not one of: very_satisfied, satisfied, basically_satisfied, dissatisfied, very_dissatisfied");
  if (!one_of(kChannels, e.channel()))
    return InvalidArgument("channel " + Quote(e.channel()) +
                           " is not one of: pc, mobile, qr_code, hall_tablet, hall_terminal, phone, sms");
  if (e.target_kind() != "node" && e.target_kind() != "staff")
    return InvalidArgument("target kind " + Quote(e.target_kind()) + " is not one of: node, staff");
  if (e.target().empty() || e.target().size() > 64) return InvalidArgument("target " + Quote(e.target()) + " must have 1 to 64 bytes");
  if (e.stage() != "acceptance" && e.stage() != "completion")
    return InvalidArgument("stage " + Quote(e.stage()) + " is not one of: acceptance, completion");
  if (e.comment().size() > 4000) return InvalidArgument("comment is longer than 4000 bytes");
  return m.InTransaction<OpId>([&]() -> Result<OpId> {
    SILIAN_ASSIGN_OR_RETURN(CaseProjection p, m.CaseForWrite(case_ref));
    if (p.view.contains("evaluations"))
      for (const auto& prior : p.view["evaluations"])
        if (prior["stage"] == e.stage())
          return FailedPrecondition("case " + p.case_number + " already has an evaluation at " + e.stage() +
                                    " (op " + prior["op"].get<std::string>() + "): one per case and stage");
    pb::Op op;
    *op.mutable_evaluation_given() = e;
    return m.Author(std::move(op), actor, p.case_id.value, p.division, p.heads);
  });
}

Result<OpId> LedgerStore::Rectify(const std::string& case_ref, const OpId& evaluation, const std::string& step,
                                  const std::string& note, const std::string& due_date, const std::string& actor) {
  Impl& m = *impl_;
  static const std::vector<std::string> kSteps = {"call_back", "fix_now", "fix_by_deadline", "explain", "appeal", "close"};
  if (std::find(kSteps.begin(), kSteps.end(), step) == kSteps.end())
    return InvalidArgument("rectification step " + Quote(step) +
                           " is not one of: call_back, fix_now, fix_by_deadline, explain, appeal, close");
  if (step == "fix_by_deadline" && due_date.empty()) return InvalidArgument("fix_by_deadline needs --due YYYY-MM-DD");
  if (!due_date.empty()) SILIAN_RETURN_IF_ERROR(ParseDate(due_date).status());
  if (note.size() > 4000) return InvalidArgument("note is longer than 4000 bytes");
  return m.InTransaction<OpId>([&]() -> Result<OpId> {
    SILIAN_ASSIGN_OR_RETURN(CaseProjection p, m.CaseForWrite(case_ref));
    const nlohmann::json* found = nullptr;
    if (p.view.contains("evaluations"))
      for (const auto& e : p.view["evaluations"])
        if (e["op"] == evaluation.ToString()) found = &e;
    if (found == nullptr || !found->contains("rectification"))
      return NotFound("case " + p.case_number + " has no negative evaluation " + Quote(evaluation.ToString()));
    if ((*found)["rectification"]["state"] == "closed")
      return FailedPrecondition("the rectification of evaluation " + Quote(evaluation.ToString()) + " is closed");
    if (step == "close" && !(*found)["rectification"].contains("category"))
      return FailedPrecondition("choose fix_now, fix_by_deadline, explain or appeal before closing");
    pb::Op op;
    auto* r = op.mutable_rectification_step();
    r->mutable_evaluation()->set_origin(evaluation.origin);
    r->mutable_evaluation()->set_seq(evaluation.seq);
    r->set_step(step);
    r->set_note(note);
    r->set_due_date(due_date);
    return m.Author(std::move(op), actor, p.case_id.value, p.division, p.heads);
  });
}

Result<OpId> LedgerStore::AddNote(const std::string& case_ref, const std::string& text, const std::string& actor) {
  Impl& m = *impl_;
  if (text.empty()) return InvalidArgument("a note must not be empty");
  if (text.size() > 8000) return InvalidArgument("a note has " + std::to_string(text.size()) + " bytes; at most 8000 are allowed");
  return m.InTransaction<OpId>([&]() -> Result<OpId> {
    SILIAN_ASSIGN_OR_RETURN(CaseProjection p, m.CaseForWrite(case_ref));
    pb::Op op;
    op.mutable_note_added()->set_text(text);
    return m.Author(std::move(op), actor, p.case_id.value, p.division, p.heads);
  });
}

Result<OpId> LedgerStore::AddMaterial(const std::string& case_ref, const std::string& name, uint32_t copies,
                                      const std::string& actor) {
  Impl& m = *impl_;
  if (name.empty() || name.size() > 400) return InvalidArgument("material name must have 1 to 400 bytes");
  if (copies == 0 || copies > 1000) return InvalidArgument("copies " + std::to_string(copies) + " must be 1 to 1000");
  return m.InTransaction<OpId>([&]() -> Result<OpId> {
    SILIAN_ASSIGN_OR_RETURN(CaseProjection p, m.CaseForWrite(case_ref));
    pb::Op op;
    op.mutable_material_received()->set_name(name);
    op.mutable_material_received()->set_copies(copies);
    return m.Author(std::move(op), actor, p.case_id.value, p.division, p.heads);
  });
}

Result<OpId> LedgerStore::ResolveConflict(const std::string& conflict_id, std::optional<OpId> keep,
                                          std::optional<std::string> value, const std::string& actor) {
  Impl& m = *impl_;
  if (keep.has_value() == value.has_value()) return InvalidArgument("give exactly one of --keep OPID and --value V");
  return m.InTransaction<OpId>([&]() -> Result<OpId> {
    Stmt s;
    SILIAN_RETURN_IF_ERROR(s.Prepare(m.db, "SELECT case_id, kind, detail FROM conflicts WHERE conflict_id=?"));
    s.Bind(1, conflict_id);
    SILIAN_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return NotFound("no open conflict " + Quote(conflict_id) + " (list them with `conflicts`)");
    std::string case_id = s.Text(0);
    std::string kind = s.Text(1);
    nlohmann::json detail = nlohmann::json::parse(s.Text(2));
    SILIAN_ASSIGN_OR_RETURN(CaseProjection p, m.CaseForWrite(case_id));
    if (kind == "transition" && value) return InvalidArgument("a transition conflict is resolved with --keep OPID");
    if (keep) {
      bool candidate = false;
      std::string ids;
      for (const auto& c : detail["candidates"]) {
        ids += std::string(ids.empty() ? "" : ", ") + c["op"].get<std::string>();
        if (c["op"] == keep->ToString()) candidate = true;
      }
      if (!candidate)
        return InvalidArgument("op " + Quote(keep->ToString()) + " is not one of the competing ops of conflict " +
                               Quote(conflict_id) + ": " + ids);
    }
    if (value) {
      std::string field = detail["field"];
      std::string id_type = p.view["fields"].contains("applicant_id_type")
                                ? p.view["fields"]["applicant_id_type"]["value"].get<std::string>()
                                : "resident_id";
      SILIAN_RETURN_IF_ERROR(ValidateField(field, *value, id_type));
    }
    pb::Op op;
    auto* r = op.mutable_conflict_resolved();
    r->set_conflict_id(conflict_id);
    if (keep) {
      r->mutable_keep()->set_origin(keep->origin);
      r->mutable_keep()->set_seq(keep->seq);
    }
    if (value) r->set_value(*value);
    return m.Author(std::move(op), actor, p.case_id.value, p.division, p.heads);
  });
}

// ------------------------------------------------------------------------------------------------ reference

namespace {

// Two items (or calendars) are the same publication when they differ at most in version.
template <typename Message>
bool SameContent(Message a, Message b) {
  a.set_version(0);
  b.set_version(0);
  std::string x, y;
  a.SerializeToString(&x);
  b.SerializeToString(&y);
  return x == y;
}

}  // namespace

Result<LedgerStore::PublishResult> LedgerStore::PublishItems(std::vector<pb::Item> items, const std::string& actor) {
  Impl& m = *impl_;
  if (m.config.level != Level::kCounty && m.config.level != Level::kCity)
    return FailedPrecondition(std::string("the catalogue is published at a county or city hub; this is a ") +
                              LevelName(m.config.level) + " node");
  std::set<std::string> codes;
  for (const auto& item : items) {
    SILIAN_RETURN_IF_ERROR(ValidateItem(item));
    if (!codes.insert(item.code()).second) return InvalidArgument("item " + Quote(item.code()) + " is given twice");
  }
  return m.InTransaction<PublishResult>([&]() -> Result<PublishResult> {
    PublishResult out;
    for (auto& item : items) {
      SILIAN_ASSIGN_OR_RETURN(std::optional<pb::Item> latest, m.LatestItem(item.code()));
      uint32_t next = latest ? latest->version() + 1 : 1;
      if (latest && SameContent(*latest, item) && (item.version() == 0 || item.version() == latest->version())) {
        out.unchanged.push_back(item.code());
        continue;
      }
      if (item.version() != 0 && item.version() != next)
        return InvalidArgument("item " + Quote(item.code()) + " has version " + std::to_string(item.version()) +
                               " but the next version of this code is " + std::to_string(next) +
                               " (leave version out to take the next one)");
      item.set_version(next);
      pb::Op op;
      *op.mutable_item_published() = item;
      SILIAN_RETURN_IF_ERROR(m.Author(std::move(op), actor, "", m.scope, {}).status());
      out.published.push_back(item);
    }
    return out;
  });
}

Result<bool> LedgerStore::PublishCalendar(pb::Calendar calendar, const std::string& actor) {
  Impl& m = *impl_;
  if (m.config.level != Level::kCounty && m.config.level != Level::kCity)
    return FailedPrecondition(std::string("calendars are published at a county or city hub; this is a ") +
                              LevelName(m.config.level) + " node");
  return m.InTransaction<bool>([&]() -> Result<bool> {
    Stmt s;
    SILIAN_RETURN_IF_ERROR(s.Prepare(
        m.db, "SELECT calendar FROM calendars WHERE area=? AND name=? ORDER BY version DESC LIMIT 1"));
    s.Bind(1, m.scope).Bind(2, calendar.name());
    SILIAN_ASSIGN_OR_RETURN(bool row, s.Step());
    uint32_t next = 1;
    if (!row && calendar.name() == kNationalCalendarName && SameContent(BuiltInNationalCalendar(), calendar) &&
        calendar.version() <= BuiltInNationalCalendar().version())
      return false;  // the built-in calendar already says this
    if (row) {
      pb::Calendar latest;
      if (!latest.ParseFromString(s.Text(0))) return DataLoss("stored calendar " + Quote(calendar.name()) + " does not parse");
      if (SameContent(latest, calendar) && (calendar.version() == 0 || calendar.version() == latest.version()))
        return false;
      next = latest.version() + 1;
    }
    // The built-in national calendar is version 1: a published national calendar supersedes it only from 2.
    if (calendar.name() == kNationalCalendarName)
      next = std::max(next, BuiltInNationalCalendar().version() + 1);
    if (calendar.version() != 0 && calendar.version() < next)
      return InvalidArgument("calendar " + Quote(calendar.name()) + " has version " + std::to_string(calendar.version()) +
                             "; it must be at least " + std::to_string(next) + " (leave version out to take the next one)");
    if (calendar.version() == 0) calendar.set_version(next);
    // Checked once the version is known: version 0 ("the next one") is not a valid stored version.
    SILIAN_RETURN_IF_ERROR(ValidateCalendar(calendar));
    pb::Op op;
    *op.mutable_calendar_published() = calendar;
    SILIAN_RETURN_IF_ERROR(m.Author(std::move(op), actor, "", m.scope, {}).status());
    return true;
  });
}

Result<std::vector<pb::Item>> LedgerStore::CatalogItems(bool all_versions) {
  Stmt s;
  SILIAN_RETURN_IF_ERROR(s.Prepare(
      impl_->db, all_versions ? "SELECT item FROM catalog_items ORDER BY code, version"
                              : "SELECT item FROM catalog_items c WHERE version=(SELECT max(version) FROM "
                                "catalog_items WHERE code=c.code) ORDER BY code"));
  std::vector<pb::Item> out;
  for (;;) {
    SILIAN_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    pb::Item item;
    if (!item.ParseFromString(s.Text(0))) return DataLoss("a stored catalogue item does not parse");
    out.push_back(std::move(item));
  }
  return out;
}

Result<pb::Item> LedgerStore::FindItem(const std::string& code, std::optional<uint32_t> version) {
  SILIAN_ASSIGN_OR_RETURN(std::optional<pb::Item> item, impl_->LatestItem(code, version));
  if (!item)
    return NotFound("no item " + Quote(code) + (version ? " version " + std::to_string(*version) : std::string()) +
                    " in this replica's catalogue");
  return std::move(*item);
}

Result<std::vector<CalendarLayer>> LedgerStore::CalendarLayers() {
  Stmt s;
  SILIAN_RETURN_IF_ERROR(s.Prepare(impl_->db,
                                   "SELECT area, calendar FROM calendars c WHERE version=(SELECT max(version) FROM "
                                   "calendars WHERE area=c.area AND name=c.name) ORDER BY area, name"));
  std::vector<CalendarLayer> out;
  for (;;) {
    SILIAN_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    CalendarLayer layer;
    layer.area = s.Text(0);
    if (!layer.calendar.ParseFromString(s.Text(1))) return DataLoss("a stored calendar does not parse");
    out.push_back(std::move(layer));
  }
  return out;
}

Result<WorkingCalendar> LedgerStore::CalendarFor(const std::string& division) {
  SILIAN_ASSIGN_OR_RETURN(auto layers, CalendarLayers());
  return WorkingCalendar::Build(layers, division);
}

// ------------------------------------------------------------------------------------------------ notices

namespace {

LedgerStore::Notice ReadNotice(const Stmt& s) {
  LedgerStore::Notice n;
  n.id = s.Text(0);
  n.case_id = s.Text(1);
  n.case_number = s.Text(2);
  n.kind = s.Text(3);
  n.phone = s.Text(4);
  n.text = s.Text(5);
  n.state = s.Text(6);
  n.event_ms = static_cast<uint64_t>(s.Int(7));
  n.created_ms = static_cast<uint64_t>(s.Int(8));
  n.next_attempt_ms = static_cast<uint64_t>(s.Int(9));
  n.sent_ms = static_cast<uint64_t>(s.Int(10));
  n.attempts = static_cast<uint32_t>(s.Int(11));
  n.last_error = s.Text(12);
  return n;
}

constexpr const char* kNoticeColumns =
    "notice_id, case_id, case_number, kind, phone, text, state, event_ms, created_ms, next_attempt_ms, sent_ms, "
    "attempts, last_error";

}  // namespace

Result<bool> LedgerStore::AddNotice(const Notice& notice) {
  Impl& m = *impl_;
  return m.InTransaction<bool>([&]() -> Result<bool> { return m.InsertNotice(notice); });
}

Result<std::vector<LedgerStore::Notice>> LedgerStore::ListNotices(std::optional<std::string> state, size_t limit) {
  Stmt s;
  std::string sql = std::string("SELECT ") + kNoticeColumns + " FROM outbox" + (state ? " WHERE state=?1" : "") +
                    " ORDER BY created_ms DESC, notice_id LIMIT ?2";
  SILIAN_RETURN_IF_ERROR(s.Prepare(impl_->db, sql.c_str()));
  if (state) s.Bind(1, *state);
  s.Bind(2, static_cast<int64_t>(limit));
  std::vector<Notice> out;
  for (;;) {
    SILIAN_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    out.push_back(ReadNotice(s));
  }
  return out;
}

Result<std::vector<LedgerStore::Notice>> LedgerStore::DueNotices(uint64_t now_ms, size_t limit) {
  Stmt s;
  std::string sql = std::string("SELECT ") + kNoticeColumns +
                    " FROM outbox WHERE state='pending' AND next_attempt_ms<=?1 ORDER BY next_attempt_ms, notice_id LIMIT ?2";
  SILIAN_RETURN_IF_ERROR(s.Prepare(impl_->db, sql.c_str()));
  s.Bind(1, now_ms).Bind(2, static_cast<int64_t>(limit));
  std::vector<Notice> out;
  for (;;) {
    SILIAN_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    out.push_back(ReadNotice(s));
  }
  return out;
}

Status LedgerStore::MarkNoticeSent(const std::string& id, uint64_t now_ms) {
  Stmt s;
  SILIAN_RETURN_IF_ERROR(s.Prepare(impl_->db,
                                   "UPDATE outbox SET state='sent', sent_ms=?2, attempts=attempts+1, last_error='' "
                                   "WHERE notice_id=?1"));
  SILIAN_RETURN_IF_ERROR(s.Bind(1, id).Bind(2, now_ms).Run());
  if (sqlite3_changes(impl_->db) == 0) return NotFound("no notice " + Quote(id));
  return Status::Ok();
}

Status LedgerStore::MarkNoticeFailed(const std::string& id, const std::string& error, uint64_t next_attempt_ms,
                                     bool give_up) {
  Stmt s;
  SILIAN_RETURN_IF_ERROR(s.Prepare(impl_->db,
                                   "UPDATE outbox SET state=?2, next_attempt_ms=?3, attempts=attempts+1, "
                                   "last_error=?4 WHERE notice_id=?1"));
  SILIAN_RETURN_IF_ERROR(
      s.Bind(1, id).Bind(2, std::string_view(give_up ? "failed" : "pending")).Bind(3, next_attempt_ms).Bind(4, error).Run());
  if (sqlite3_changes(impl_->db) == 0) return NotFound("no notice " + Quote(id));
  return Status::Ok();
}

// ------------------------------------------------------------------------------------------------ reading

Status LedgerStore::ForEachCaseView(const std::string& scope, const std::function<Status(const nlohmann::json&)>& fn) {
  Stmt s;
  SILIAN_RETURN_IF_ERROR(
      s.Prepare(impl_->db, "SELECT view FROM cases WHERE substr(division, 1, length(?1))=?1 ORDER BY case_id"));
  s.Bind(1, scope);
  for (;;) {
    SILIAN_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    auto view = nlohmann::json::parse(s.Text(0), nullptr, false);
    if (view.is_discarded()) return DataLoss("a stored case view is not JSON");
    SILIAN_RETURN_IF_ERROR(fn(view));
  }
  return Status::Ok();
}

Result<CaseId> LedgerStore::FindCase(const std::string& case_ref) { return impl_->FindCase(case_ref); }

Result<nlohmann::json> LedgerStore::ShowCase(const std::string& case_ref) {
  SILIAN_ASSIGN_OR_RETURN(CaseId id, impl_->FindCase(case_ref));
  // The stored view has no history; the full view is folded again from the case's ops.
  SILIAN_ASSIGN_OR_RETURN(std::vector<pb::Op> ops, impl_->LoadCaseOps(id.value));
  if (ops.empty()) return NotFound("no case " + Quote(case_ref));
  return std::move(ProjectCase(id, std::move(ops), ProjectionDetail::kWithHistory).view);
}

Result<std::vector<CaseSummary>> LedgerStore::ListCases(const CaseFilter& filter) {
  std::string sql =
      "SELECT case_id, case_number, status, applicant_name, applicant_id, item_code, division, last_hlc, "
      "open_conflicts FROM cases WHERE 1";
  if (filter.status) {
    SILIAN_RETURN_IF_ERROR(ParseCaseStatus(*filter.status).status());
    sql += " AND status=?1";
  }
  if (filter.applicant_id) sql += " AND applicant_id=?2";
  if (filter.scope) sql += " AND substr(division, 1, length(?3))=?3";
  sql += " ORDER BY last_hlc DESC, case_id LIMIT ?4";
  Stmt s;
  SILIAN_RETURN_IF_ERROR(s.Prepare(impl_->db, sql.c_str()));
  if (filter.status) s.Bind(1, *filter.status);
  if (filter.applicant_id) s.Bind(2, *filter.applicant_id);
  if (filter.scope) s.Bind(3, *filter.scope);
  s.Bind(4, static_cast<int64_t>(filter.limit));
  std::vector<CaseSummary> out;
  for (;;) {
    SILIAN_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    out.push_back(CaseSummary{s.Text(0), s.Text(1), s.Text(2), s.Text(3), s.Text(4), s.Text(5), s.Text(6),
                              HlcToIso(static_cast<uint64_t>(s.Int(7))), static_cast<int>(s.Int(8))});
  }
  return out;
}

Result<std::vector<nlohmann::json>> LedgerStore::ListConflicts() {
  Stmt s;
  SILIAN_RETURN_IF_ERROR(s.Prepare(impl_->db, "SELECT detail FROM conflicts ORDER BY conflict_id"));
  std::vector<nlohmann::json> out;
  for (;;) {
    SILIAN_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    out.push_back(nlohmann::json::parse(s.Text(0)));
  }
  return out;
}

Result<LedgerDigest> LedgerStore::Digest(std::optional<std::string> scope) {
  std::string prefix = scope ? *scope : impl_->scope;
  LedgerDigest d;
  crypto_generichash_state ledger;
  crypto_generichash_init(&ledger, nullptr, 0, kHashBytes);
  Stmt s;
  SILIAN_RETURN_IF_ERROR(s.Prepare(
      impl_->db, "SELECT origin, seq, chain_hash FROM ops WHERE substr(division, 1, length(?1))=?1 ORDER BY origin, seq"));
  s.Bind(1, prefix);
  for (;;) {
    SILIAN_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    std::string origin = s.Text(0);
    uint64_t seq = static_cast<uint64_t>(s.Int(1));
    std::string hash = s.Text(2);
    unsigned char seq_be[8];
    for (int i = 0; i < 8; ++i) seq_be[i] = static_cast<unsigned char>(seq >> (56 - 8 * i));
    crypto_generichash_update(&ledger, reinterpret_cast<const unsigned char*>(origin.data()), origin.size() + 1);
    crypto_generichash_update(&ledger, seq_be, 8);
    crypto_generichash_update(&ledger, reinterpret_cast<const unsigned char*>(hash.data()), hash.size());
    ++d.ops;
  }
  std::string out(kHashBytes, '\0');
  crypto_generichash_final(&ledger, reinterpret_cast<unsigned char*>(out.data()), kHashBytes);
  d.ledger_hex = ToHex(out);

  crypto_generichash_state state;
  crypto_generichash_init(&state, nullptr, 0, kHashBytes);
  Stmt c;
  SILIAN_RETURN_IF_ERROR(c.Prepare(
      impl_->db, "SELECT case_id, view FROM cases WHERE substr(division, 1, length(?1))=?1 ORDER BY case_id"));
  c.Bind(1, prefix);
  for (;;) {
    SILIAN_ASSIGN_OR_RETURN(bool row, c.Step());
    if (!row) break;
    std::string id = c.Text(0);
    std::string view = c.Text(1);
    crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(id.data()), id.size() + 1);
    crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(view.data()), view.size() + 1);
  }
  crypto_generichash_final(&state, reinterpret_cast<unsigned char*>(out.data()), kHashBytes);
  d.state_hex = ToHex(out);
  return d;
}

Result<pb::Frontier> LedgerStore::GetFrontier() {
  SILIAN_RETURN_IF_ERROR(impl_->RefreshIfChangedElsewhere());
  pb::Frontier f;
  f.set_node_id(impl_->config.node_id.value);
  f.set_scope(impl_->scope);
  for (const auto& [origin, point] : impl_->frontier) {
    auto* e = f.add_entries();
    e->set_origin(origin);
    e->set_seq(point.seq);
    e->set_hash(point.hash);
  }
  return f;
}

Result<StoreStatus> LedgerStore::GetStatus() {
  StoreStatus st;
  st.config = impl_->config;
  st.scope = impl_->scope;
  auto count = [&](const char* sql) -> Result<uint64_t> {
    Stmt s;
    SILIAN_RETURN_IF_ERROR(s.Prepare(impl_->db, sql));
    SILIAN_ASSIGN_OR_RETURN(bool row, s.Step());
    return row ? static_cast<uint64_t>(s.Int(0)) : 0;
  };
  SILIAN_ASSIGN_OR_RETURN(st.op_count, count("SELECT count(*) FROM ops"));
  SILIAN_ASSIGN_OR_RETURN(st.case_count, count("SELECT count(*) FROM cases"));
  SILIAN_ASSIGN_OR_RETURN(st.pending_count, count("SELECT count(*) FROM pending"));
  SILIAN_ASSIGN_OR_RETURN(st.equivocation_count, count("SELECT count(*) FROM equivocations"));
  SILIAN_ASSIGN_OR_RETURN(st.open_conflicts, count("SELECT count(*) FROM conflicts"));
  st.max_skew_seen_ms = impl_->clock->max_skew_seen_ms();
  SILIAN_ASSIGN_OR_RETURN(st.frontier, GetFrontier());
  return st;
}

// ------------------------------------------------------------------------------------------------ export

Status LedgerStore::Export(const pb::Frontier& holder, const std::function<Status(pb::Entry)>& sink) {
  Impl& m = *impl_;
  SILIAN_RETURN_IF_ERROR(m.RefreshIfChangedElsewhere());
  const std::string holder_scope = holder.scope().empty() ? m.scope : holder.scope();
  std::map<std::string, uint64_t> held;
  for (const auto& e : holder.entries()) held[e.origin()] = e.seq();
  Stmt ops_stmt, skips_stmt;
  SILIAN_RETURN_IF_ERROR(ops_stmt.Prepare(
      m.db, "SELECT seq, division, chain_hash, bytes FROM ops WHERE origin=? AND seq>=? ORDER BY seq"));
  SILIAN_RETURN_IF_ERROR(skips_stmt.Prepare(
      m.db, "SELECT from_seq, to_seq, hash, scope FROM skips WHERE origin=? AND to_seq>=? ORDER BY from_seq"));
  for (const auto& [origin, point] : m.frontier) {
    uint64_t start = held.count(origin) ? held[origin] + 1 : 1;
    if (start > point.seq) continue;
    ops_stmt.Reset().Bind(1, origin).Bind(2, start);
    skips_stmt.Reset().Bind(1, origin).Bind(2, start);
    SILIAN_ASSIGN_OR_RETURN(bool have_op, ops_stmt.Step());
    SILIAN_ASSIGN_OR_RETURN(bool have_skip, skips_stmt.Step());
    // A run of seqs the holder gets as a skip, not yet emitted.
    std::optional<pb::Skip> run;
    auto flush = [&]() -> Status {
      if (!run) return Status::Ok();
      pb::Entry e;
      *e.mutable_skip() = std::move(*run);
      run.reset();
      return sink(std::move(e));
    };
    auto extend = [&](uint64_t from, uint64_t to, std::string hash) {
      if (!run) {
        run.emplace();
        run->set_origin(origin);
        run->set_from_seq(from);
        run->set_scope(holder_scope);
      }
      run->set_to_seq(to);
      run->set_hash(std::move(hash));
    };
    uint64_t pos = start;
    while (pos <= point.seq) {
      if (have_op && static_cast<uint64_t>(ops_stmt.Int(0)) == pos) {
        if (OpInScope(ops_stmt.Text(1), holder_scope)) {
          SILIAN_RETURN_IF_ERROR(flush());
          pb::Entry e;
          e.set_op(ops_stmt.Text(3));
          SILIAN_RETURN_IF_ERROR(sink(std::move(e)));
        } else {
          extend(pos, pos, ops_stmt.Text(2));
        }
        ++pos;
        SILIAN_ASSIGN_OR_RETURN(have_op, ops_stmt.Step());
      } else if (have_skip && static_cast<uint64_t>(skips_stmt.Int(0)) <= pos &&
                 static_cast<uint64_t>(skips_stmt.Int(1)) >= pos) {
        // This replica does not know what these ops are; it can vouch for them only to a holder whose
        // scope lies within the skip's. Otherwise the holder must get them from a replica that holds them,
        // so this origin stops here.
        if (!InScope(holder_scope, skips_stmt.Text(3))) break;
        uint64_t to = static_cast<uint64_t>(skips_stmt.Int(1));
        extend(pos, to, skips_stmt.Text(2));
        pos = to + 1;
        SILIAN_ASSIGN_OR_RETURN(have_skip, skips_stmt.Step());
      } else {
        return Internal("ledger has a gap in the ops of origin " + Quote(origin) + " at seq " + std::to_string(pos));
      }
    }
    SILIAN_RETURN_IF_ERROR(flush());
  }
  return Status::Ok();
}

// ------------------------------------------------------------------------------------------------ import

class ImportImpl final : public LedgerStore::Import {
 public:
  explicit ImportImpl(LedgerStore::Impl& m) : m_(m) {}
  ~ImportImpl() override {
    if (!done_) {
      Exec(m_.db, "ROLLBACK").IgnoreError();
      m_.LoadFrontier().IgnoreError();
      m_.LoadClock().IgnoreError();
    }
  }

  Status Begin() {
    SILIAN_RETURN_IF_ERROR(Exec(m_.db, "BEGIN IMMEDIATE"));
    SILIAN_RETURN_IF_ERROR(m_.RefreshIfChangedElsewhere());
    Stmt s;
    SILIAN_RETURN_IF_ERROR(s.Prepare(m_.db, "SELECT DISTINCT origin FROM pending"));
    for (;;) {
      SILIAN_ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) break;
      pending_origins_.insert(s.Text(0));
    }
    return Status::Ok();
  }

  Status Add(const pb::Batch& batch) override {
    if (done_) return FailedPrecondition("import already finished");
    for (const auto& e : batch.entries()) {
      ++entry_index_;
      if (e.has_op()) {
        SILIAN_RETURN_IF_ERROR(ApplyOp(e.op()));
      } else if (e.has_skip()) {
        SILIAN_RETURN_IF_ERROR(ApplySkip(e.skip()));
      } else {
        return DataLoss("entry " + std::to_string(entry_index_) + " is neither an op nor a skip");
      }
    }
    return Status::Ok();
  }

  Status RecordPull(const std::string& hub_key, const std::string& epoch, uint64_t cursor,
                    const std::vector<pb::LevelReceipt>& receipts) override {
    if (done_) return FailedPrecondition("import already finished");
    SILIAN_RETURN_IF_ERROR(m_.SetMeta("pull/" + hub_key, epoch + " " + std::to_string(cursor)));
    return m_.SaveReceipts(receipts);
  }

  void DeferProjection() override { defer_ = true; }

  Result<ImportStats> Commit(const pb::Frontier* sender_frontier) override {
    if (done_) return FailedPrecondition("import already finished");
    if (defer_) {
      Stmt mark;
      SILIAN_RETURN_IF_ERROR(mark.Prepare(m_.db, "INSERT OR IGNORE INTO stale_cases(case_id) VALUES(?)"));
      for (const auto& case_id : touched_) SILIAN_RETURN_IF_ERROR(mark.Reset().Bind(1, case_id).Run());
    } else {
      SILIAN_ASSIGN_OR_RETURN(auto stale, m_.TakeStaleCases());
      touched_.insert(stale.begin(), stale.end());
      for (const auto& case_id : touched_) {
        auto p = m_.Reproject(case_id);
        if (!p.ok()) return p.status();
        for (const auto& r : p->refused)
          if (new_ops_.count(r.op)) stats_.refused.push_back({r.op, r.rule});
      }
    }
    stats_.cases_touched = touched_.size();
    for (const auto& origin : dirty_origins_) SILIAN_RETURN_IF_ERROR(m_.SaveFrontier(origin));
    SILIAN_RETURN_IF_ERROR(m_.SaveClock());
    if (sender_frontier != nullptr) {
      for (const auto& e : sender_frontier->entries()) {
        auto it = m_.frontier.find(e.origin());
        if (!e.hash().empty() && it != m_.frontier.end() && it->second.seq == e.seq() &&
            it->second.hash != e.hash())
          stats_.warnings.push_back("the ops of origin " + Quote(e.origin()) + " up to seq " + std::to_string(e.seq()) +
                                    " differ between this ledger and the sender's (chain hashes differ): "
                                    "one side holds an equivocating op");
      }
    }
    {
      Stmt s;
      SILIAN_RETURN_IF_ERROR(s.Prepare(m_.db, "SELECT count(*) FROM pending"));
      SILIAN_ASSIGN_OR_RETURN(bool row, s.Step());
      stats_.pending = row ? static_cast<uint64_t>(s.Int(0)) : 0;
    }
    SILIAN_RETURN_IF_ERROR(Exec(m_.db, "COMMIT"));
    m_.ResetStatements();
    done_ = true;
    return stats_;
  }

 private:
  FrontierPoint& Point(const std::string& origin) { return m_.frontier[origin]; }

  Status ApplyOp(const std::string& bytes) {
    pb::Op op;
    if (!op.ParseFromString(bytes)) return DataLoss("entry " + std::to_string(entry_index_) + " is not a valid op");
    auto where = [&] {
      return "op " + Quote(op.origin() + ":" + std::to_string(op.seq())) + " (entry " + std::to_string(entry_index_) + ")";
    };
    if (!ParseNodeId(op.origin()).ok()) return DataLoss(where() + " has an invalid origin");
    if (op.seq() == 0) return DataLoss(where() + " has seq 0");
    if (IsReferenceOp(op)) {
      if (!op.case_id().empty()) return DataLoss(where() + " is reference data but names a case");
      if (op.division().empty() || !ParseScopePrefix(op.division()).ok())
        return DataLoss(where() + " is reference data for an invalid area " + Quote(op.division()));
    } else {
      if (op.case_id().empty() || op.case_id().size() > 100) return DataLoss(where() + " has an invalid case id");
      if (!ParseDivisionCode(op.division()).ok()) return DataLoss(where() + " has an invalid division code");
    }
    FrontierPoint& f = Point(op.origin());
    if (op.seq() <= f.seq) return CheckKnown(op, bytes);
    if (op.seq() > f.seq + 1) return AddPending(op.origin(), op.seq(), op.seq(), "", "", bytes);
    SILIAN_RETURN_IF_ERROR(Advance(op, bytes));
    return Drain(op.origin());
  }

  Status ApplySkip(const pb::Skip& skip) {
    std::string where = "skip of " + Quote(skip.origin()) + " seq " + std::to_string(skip.from_seq()) + ".." +
                        std::to_string(skip.to_seq());
    if (!ParseNodeId(skip.origin()).ok()) return DataLoss(where + " has an invalid origin");
    if (skip.from_seq() == 0 || skip.to_seq() < skip.from_seq()) return DataLoss(where + " has an invalid range");
    if (skip.hash().size() != kHashBytes) return DataLoss(where + " has a hash of the wrong size");
    if (!ParseScopePrefix(skip.scope()).ok()) return DataLoss(where + " has an invalid scope");
    FrontierPoint& f = Point(skip.origin());
    if (skip.to_seq() <= f.seq) {
      ++stats_.known;
      return Status::Ok();
    }
    if (!InScope(m_.scope, skip.scope())) {
      // The sender only knows these ops are outside `skip.scope()`; some may be ours. Wait for the ops.
      ++stats_.skips_refused;
      return Status::Ok();
    }
    if (skip.from_seq() > f.seq + 1)
      return AddPending(skip.origin(), skip.from_seq(), skip.to_seq(), skip.hash(), skip.scope(), std::nullopt);
    SILIAN_RETURN_IF_ERROR(m_.AddSkip(skip.origin(), f.seq + 1, skip.to_seq(), skip.hash(), skip.scope()));
    f = FrontierPoint{skip.to_seq(), skip.hash()};
    dirty_origins_.insert(skip.origin());
    ++stats_.skipped_runs;
    return Drain(skip.origin());
  }

  Status Advance(const pb::Op& op, const std::string& bytes) {
    FrontierPoint& f = Point(op.origin());
    std::string hash = ChainHash(f.hash, bytes);
    if (OpInScope(op.division(), m_.scope)) {
      SILIAN_RETURN_IF_ERROR(m_.InsertOp(op, bytes, hash));
      if (!op.case_id().empty()) touched_.insert(op.case_id());
      new_ops_.insert(OpId{op.origin(), op.seq()}.ToString());
      m_.clock->Observe(Hlc{op.hlc()});
      ++stats_.new_ops;
    } else {
      SILIAN_RETURN_IF_ERROR(m_.AddSkip(op.origin(), op.seq(), op.seq(), hash, m_.scope));
      ++stats_.out_of_scope;
    }
    f = FrontierPoint{op.seq(), hash};
    dirty_origins_.insert(op.origin());
    return Status::Ok();
  }

  Status CheckKnown(const pb::Op& op, const std::string& bytes) {
    m_.select_op_bytes.Reset().Bind(1, op.origin()).Bind(2, op.seq());
    SILIAN_ASSIGN_OR_RETURN(bool row, m_.select_op_bytes.Step());
    if (!row) {
      // Held as part of a skip (outside this replica's scope): already known all the same.
      ++stats_.known;
      return Status::Ok();
    }
    std::string held = m_.select_op_bytes.Text(0);
    if (held == bytes) {
      ++stats_.known;
      return Status::Ok();
    }
    ++stats_.equivocations;
    return m_.insert_equivocation.Reset()
        .Bind(1, op.origin())
        .Bind(2, op.seq())
        .BindBlob(3, held)
        .BindBlob(4, bytes)
        .Bind(5, m_.wall->NowMs())
        .Run();
  }

  Status AddPending(const std::string& origin, uint64_t seq, uint64_t to_seq, const std::string& hash,
                    const std::string& skip_scope, std::optional<std::string> bytes) {
    auto& s = m_.insert_pending.Reset().Bind(1, origin).Bind(2, seq).Bind(3, to_seq);
    if (bytes) {
      s.BindBlob(6, *bytes);
    } else {
      s.BindBlob(4, hash).Bind(5, skip_scope);
    }
    SILIAN_RETURN_IF_ERROR(s.Run());
    pending_origins_.insert(origin);
    if (sqlite3_changes(m_.db) > 0 || !bytes) return Status::Ok();
    // Already waiting: the same op again, or another version of it (an equivocation: kept as evidence).
    Stmt held;
    SILIAN_RETURN_IF_ERROR(held.Prepare(m_.db, "SELECT bytes FROM pending WHERE origin=? AND seq=?"));
    held.Bind(1, origin).Bind(2, seq);
    SILIAN_ASSIGN_OR_RETURN(bool row, held.Step());
    if (!row || held.IsNull(0)) return Status::Ok();
    std::string held_bytes = held.Text(0);
    if (held_bytes == *bytes) return Status::Ok();
    ++stats_.equivocations;
    return m_.insert_equivocation.Reset()
        .Bind(1, origin)
        .Bind(2, seq)
        .BindBlob(3, held_bytes)
        .BindBlob(4, *bytes)
        .Bind(5, m_.wall->NowMs())
        .Run();
  }

  // Applies pending entries of `origin` that the frontier has reached.
  Status Drain(const std::string& origin) {
    if (!pending_origins_.count(origin)) return Status::Ok();
    for (;;) {
      FrontierPoint& f = Point(origin);
      m_.next_pending.Reset().Bind(1, origin).Bind(2, f.seq + 1);
      SILIAN_ASSIGN_OR_RETURN(bool row, m_.next_pending.Step());
      if (!row) return Status::Ok();
      uint64_t seq = static_cast<uint64_t>(m_.next_pending.Int(0));
      uint64_t to_seq = static_cast<uint64_t>(m_.next_pending.Int(1));
      bool is_op = !m_.next_pending.IsNull(4);
      std::string hash = m_.next_pending.Text(2);
      std::string skip_scope = m_.next_pending.Text(3);
      std::string bytes = m_.next_pending.Text(4);
      SILIAN_RETURN_IF_ERROR(m_.delete_pending.Reset().Bind(1, origin).Bind(2, seq).Run());
      if (is_op) {
        pb::Op op;
        if (!op.ParseFromString(bytes)) continue;  // validated before it was stored
        if (op.seq() <= f.seq) {
          SILIAN_RETURN_IF_ERROR(CheckKnown(op, bytes));
        } else {
          SILIAN_RETURN_IF_ERROR(Advance(op, bytes));
        }
      } else if (to_seq > f.seq) {
        SILIAN_RETURN_IF_ERROR(m_.AddSkip(origin, f.seq + 1, to_seq, hash, skip_scope));
        f = FrontierPoint{to_seq, hash};
        dirty_origins_.insert(origin);
        ++stats_.skipped_runs;
      }
    }
  }

  LedgerStore::Impl& m_;
  bool done_ = false;
  bool defer_ = false;
  uint64_t entry_index_ = 0;
  ImportStats stats_;
  std::set<std::string> touched_;
  std::set<std::string> new_ops_;  // "origin:seq" of the ops this import stored
  std::set<std::string> dirty_origins_;
  std::set<std::string> pending_origins_;
};

Result<std::unique_ptr<LedgerStore::Import>> LedgerStore::BeginImport() {
  auto import = std::make_unique<ImportImpl>(*impl_);
  Status s = import->Begin();
  if (!s.ok()) return s;
  return std::unique_ptr<Import>(std::move(import));
}

// ------------------------------------------------------------------------------------------------ serving

const std::string& LedgerStore::epoch() const { return impl_->epoch; }

Result<LedgerStore::PullResult> LedgerStore::Pull(const std::string& child_scope, const pb::Frontier& child_frontier,
                                                  uint64_t cursor, size_t max_entries, size_t max_bytes) {
  Impl& m = *impl_;
  SILIAN_RETURN_IF_ERROR(m.RefreshIfChangedElsewhere());
  std::map<std::string, uint64_t> held;
  for (const auto& e : child_frontier.entries()) held[e.origin()] = e.seq();
  std::string sql = "SELECT id, origin, seq, bytes FROM ops WHERE ";
  if (child_scope.size() == 12) {
    sql += "division=?1";
  } else if (!child_scope.empty()) {
    sql += "substr(division, 1, " + std::to_string(child_scope.size()) + ")=?1";
  } else {
    sql += "?1=''";
  }
  sql += " AND id>?2 ORDER BY id LIMIT ?3";
  Stmt rows, op_hash, skip_hash;
  SILIAN_RETURN_IF_ERROR(rows.Prepare(m.db, sql.c_str()));
  SILIAN_RETURN_IF_ERROR(op_hash.Prepare(m.db, "SELECT chain_hash FROM ops WHERE origin=? AND seq=?"));
  SILIAN_RETURN_IF_ERROR(skip_hash.Prepare(m.db, "SELECT hash FROM skips WHERE origin=? AND to_seq=?"));
  rows.Bind(1, child_scope).Bind(2, cursor).Bind(3, static_cast<int64_t>(max_entries));
  // Reference ops of the areas that contain the child's scope (the city's catalogue for a village) are
  // not under the child's prefix: they come from a second, small query, merged in arrival order.
  struct Row {
    uint64_t id;
    std::string origin;
    uint64_t seq;
    std::string bytes;
  };
  std::vector<Row> wider;
  {
    std::string in;
    for (size_t digits : {4, 6, 9})
      if (digits < child_scope.size()) in += std::string(in.empty() ? "" : ",") + "'" + child_scope.substr(0, digits) + "'";
    if (!in.empty()) {
      Stmt ref;
      std::string ref_sql = "SELECT id, origin, seq, bytes FROM ops WHERE division IN (" + in + ") AND id>?1 ORDER BY id LIMIT ?2";
      SILIAN_RETURN_IF_ERROR(ref.Prepare(m.db, ref_sql.c_str()));
      ref.Bind(1, cursor).Bind(2, static_cast<int64_t>(max_entries));
      for (;;) {
        SILIAN_ASSIGN_OR_RETURN(bool row, ref.Step());
        if (!row) break;
        wider.push_back({static_cast<uint64_t>(ref.Int(0)), ref.Text(1), static_cast<uint64_t>(ref.Int(2)), ref.Text(3)});
      }
    }
  }
  PullResult out;
  out.next_cursor = cursor;
  size_t rows_read = 0;
  size_t bytes = 0;
  // Adds one stored op (and a skip before it when the child's frontier has a gap); true when the reply
  // is full.
  auto take = [&](Row r) -> Result<bool> {
    out.next_cursor = r.id;
    uint64_t& have = held[r.origin];
    if (r.seq > have) {
      if (r.seq > have + 1) {
        // Everything of this origin in the child's scope up to seq arrived here before this op, so it
        // was either pulled already (the child's frontier covers it) or is in this reply: the gap is
        // outside the child's scope.
        std::string hash;
        op_hash.Reset().Bind(1, r.origin).Bind(2, r.seq - 1);
        SILIAN_ASSIGN_OR_RETURN(bool found, op_hash.Step());
        if (found) {
          hash = op_hash.Text(0);
        } else {
          skip_hash.Reset().Bind(1, r.origin).Bind(2, r.seq - 1);
          SILIAN_ASSIGN_OR_RETURN(bool in_skip, skip_hash.Step());
          if (!in_skip)
            return Internal("ledger has no chain hash for " + Quote(r.origin) + " seq " + std::to_string(r.seq - 1));
          hash = skip_hash.Text(0);
        }
        pb::Skip* skip = out.batch.add_entries()->mutable_skip();
        skip->set_origin(r.origin);
        skip->set_from_seq(have + 1);
        skip->set_to_seq(r.seq - 1);
        skip->set_hash(hash);
        skip->set_scope(child_scope);
        bytes += r.origin.size() + 60;
      }
      bytes += r.bytes.size() + 4;
      out.batch.add_entries()->set_op(std::move(r.bytes));
      have = r.seq;
    }
    return bytes >= max_bytes || static_cast<size_t>(out.batch.entries_size()) >= max_entries;
  };
  size_t next_wider = 0;
  bool full = false;
  // When the wider query hit its limit, ops of it may follow its last row: no row of the prefix query
  // beyond that row may be taken now, or the cursor would pass reference ops never sent (and the next op
  // of their origin would cover them with a skip, as if they lay outside the child's scope).
  const uint64_t wider_cut = wider.size() == max_entries ? wider.back().id : UINT64_MAX;
  bool cut = false;
  for (;;) {
    SILIAN_ASSIGN_OR_RETURN(bool row, rows.Step());
    if (!row) break;
    ++rows_read;
    Row r{static_cast<uint64_t>(rows.Int(0)), rows.Text(1), static_cast<uint64_t>(rows.Int(2)), rows.Text(3)};
    while (!full && next_wider < wider.size() && wider[next_wider].id < r.id) {
      SILIAN_ASSIGN_OR_RETURN(full, take(std::move(wider[next_wider++])));
    }
    if (full) break;
    if (r.id > wider_cut) {
      cut = true;
      break;
    }
    SILIAN_ASSIGN_OR_RETURN(full, take(std::move(r)));
    if (full) break;
  }
  if (cut) out.more = true;
  // The prefix query ran dry before its limit: the wider ops after its last row come next.
  if (!full && rows_read < max_entries) {
    while (!full && next_wider < wider.size()) {
      SILIAN_ASSIGN_OR_RETURN(full, take(std::move(wider[next_wider++])));
    }
    if (next_wider < wider.size() || wider.size() == max_entries) out.more = true;
  }
  if (full) out.more = true;
  if (rows_read == max_entries) out.more = true;
  return out;
}

Result<pb::Frontier> LedgerStore::Receipt(const std::vector<std::string>& origins) {
  SILIAN_RETURN_IF_ERROR(impl_->RefreshIfChangedElsewhere());
  pb::Frontier f;
  f.set_node_id(impl_->config.node_id.value);
  f.set_scope(impl_->scope);
  std::set<std::string> unique(origins.begin(), origins.end());
  for (const auto& origin : unique) {
    auto it = impl_->frontier.find(origin);
    if (it == impl_->frontier.end()) continue;
    auto* e = f.add_entries();
    e->set_origin(origin);
    e->set_seq(it->second.seq);
  }
  return f;
}

// ------------------------------------------------------------------------------------------------ receipts

Result<LedgerStore::PullState> LedgerStore::GetPullState(const std::string& hub_key) {
  SILIAN_ASSIGN_OR_RETURN(auto v, impl_->GetMeta("pull/" + hub_key));
  PullState st;
  if (!v) return st;
  auto space = v->find(' ');
  if (space == std::string::npos) return st;
  st.epoch = v->substr(0, space);
  st.cursor = std::stoull(v->substr(space + 1));
  return st;
}

Result<std::vector<pb::LevelReceipt>> LedgerStore::Receipts(const std::vector<std::string>& origins) {
  std::set<std::string> wanted(origins.begin(), origins.end());
  Stmt s;
  SILIAN_RETURN_IF_ERROR(
      s.Prepare(impl_->db, "SELECT level, hub_id, origin, seq, as_of_ms FROM receipts ORDER BY level, origin"));
  std::map<std::string, pb::LevelReceipt> by_level;
  for (;;) {
    SILIAN_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    std::string origin = s.Text(2);
    if (!wanted.empty() && !wanted.count(origin)) continue;
    pb::LevelReceipt& r = by_level[s.Text(0)];
    r.set_level(s.Text(0));
    r.set_hub_id(s.Text(1));
    r.set_as_of_ms(std::max<uint64_t>(r.as_of_ms(), static_cast<uint64_t>(s.Int(4))));
    auto* e = r.add_entries();
    e->set_origin(origin);
    e->set_seq(static_cast<uint64_t>(s.Int(3)));
  }
  std::vector<pb::LevelReceipt> out;
  for (auto& [level, r] : by_level) out.push_back(std::move(r));
  return out;
}

Result<std::vector<LedgerStore::LevelStatus>> LedgerStore::LevelStatuses() {
  Impl& m = *impl_;
  const std::string& self = m.config.node_id.value;
  uint64_t own_seq = m.frontier.count(self) ? m.frontier[self].seq : 0;
  SILIAN_ASSIGN_OR_RETURN(auto receipts, Receipts({self}));
  std::vector<LevelStatus> out;
  for (Level level : {Level::kCounty, Level::kCity}) {
    if (level <= m.config.level) continue;
    LevelStatus st;
    st.level = LevelName(level);
    uint64_t held = 0;
    for (const auto& r : receipts) {
      if (r.level() != st.level) continue;
      st.hub_id = r.hub_id();
      st.heard_ms = r.as_of_ms();
      for (const auto& e : r.entries()) held = e.seq();
    }
    st.own_ops_missing = own_seq > held ? own_seq - held : 0;
    if (st.own_ops_missing > 0) {
      Stmt s;
      SILIAN_RETURN_IF_ERROR(s.Prepare(m.db, "SELECT hlc FROM ops WHERE origin=? AND seq=?"));
      s.Bind(1, self).Bind(2, held + 1);
      SILIAN_ASSIGN_OR_RETURN(bool row, s.Step());
      uint64_t now = m.wall->NowMs();
      uint64_t written = row ? Hlc{static_cast<uint64_t>(s.Int(0))}.physical_ms() : now;
      st.oldest_missing_age_ms = now > written ? now - written : 0;
    }
    out.push_back(st);
  }
  return out;
}

Result<uint64_t> LedgerStore::LastSyncMs(const std::string& hub_key) {
  SILIAN_ASSIGN_OR_RETURN(auto v, impl_->GetMeta("last_sync/" + hub_key));
  return v ? std::stoull(*v) : uint64_t{0};
}

Status LedgerStore::RecordSyncDone(const std::string& hub_key) {
  return impl_->SetMeta("last_sync/" + hub_key, std::to_string(impl_->wall->NowMs()));
}

Status LedgerStore::SetSetting(const std::string& key, const std::string& value) {
  Impl& m = *impl_;
  return m.InTransaction<bool>([&]() -> Result<bool> {
           SILIAN_RETURN_IF_ERROR(m.SetMeta("setting/" + key, value));
           // Turning notices on does not notify applicants of what happened before.
           if (key == "notify" && value == "on" && !m.notify)
             SILIAN_RETURN_IF_ERROR(m.SetMeta("notify_since_ms", std::to_string(m.wall->NowMs())));
           SILIAN_RETURN_IF_ERROR(m.LoadSettings());
           return true;
         })
      .status();
}

Result<std::optional<std::string>> LedgerStore::GetSetting(const std::string& key) {
  return impl_->GetMeta("setting/" + key);
}

// ------------------------------------------------------------------------------------------------ peers

namespace {

LedgerStore::Peer ReadPeer(const Stmt& s) {
  LedgerStore::Peer p;
  p.node_id = NodeId{s.Text(0)};
  auto level = ParseLevel(s.Text(1));
  p.level = level.ok() ? *level : Level::kVillage;
  p.division = DivisionCode{s.Text(2)};
  p.added_ms = static_cast<uint64_t>(s.Int(3));
  p.last_contact_ms = static_cast<uint64_t>(s.Int(4));
  p.ops_received = static_cast<uint64_t>(s.Int(5));
  p.ops_sent = static_cast<uint64_t>(s.Int(6));
  p.errors = static_cast<uint64_t>(s.Int(7));
  p.last_error = s.Text(8);
  return p;
}

constexpr const char* kPeerColumns =
    "node_id, level, division, added_ms, last_contact_ms, ops_received, ops_sent, errors, last_error";

}  // namespace

Status LedgerStore::AddPeer(const Peer& peer) {
  SILIAN_ASSIGN_OR_RETURN(auto existing, FindPeer(peer.node_id.value));
  if (existing) {
    if (existing->level == peer.level && existing->division == peer.division) return Status::Ok();
    return FailedPrecondition("node " + Quote(peer.node_id.value) + " is already registered as " +
                              LevelName(existing->level) + " " + existing->division.value +
                              "; remove it first to change it");
  }
  Stmt s;
  SILIAN_RETURN_IF_ERROR(s.Prepare(impl_->db, "INSERT INTO peers(node_id, level, division, added_ms) VALUES(?,?,?,?)"));
  return s.Bind(1, peer.node_id.value)
      .Bind(2, std::string_view(LevelName(peer.level)))
      .Bind(3, peer.division.value)
      .Bind(4, impl_->wall->NowMs())
      .Run();
}

Status LedgerStore::RemovePeer(const NodeId& node_id) {
  Stmt s;
  SILIAN_RETURN_IF_ERROR(s.Prepare(impl_->db, "DELETE FROM peers WHERE node_id=?"));
  SILIAN_RETURN_IF_ERROR(s.Bind(1, node_id.value).Run());
  if (sqlite3_changes(impl_->db) == 0) return NotFound("no registered node " + Quote(node_id.value));
  return Status::Ok();
}

Result<std::vector<LedgerStore::Peer>> LedgerStore::ListPeers() {
  Stmt s;
  SILIAN_RETURN_IF_ERROR(s.Prepare(impl_->db, (std::string("SELECT ") + kPeerColumns + " FROM peers ORDER BY node_id").c_str()));
  std::vector<Peer> out;
  for (;;) {
    SILIAN_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    out.push_back(ReadPeer(s));
  }
  return out;
}

Result<std::optional<LedgerStore::Peer>> LedgerStore::FindPeer(const std::string& node_id) {
  Stmt s;
  SILIAN_RETURN_IF_ERROR(
      s.Prepare(impl_->db, (std::string("SELECT ") + kPeerColumns + " FROM peers WHERE node_id=?").c_str()));
  s.Bind(1, node_id);
  SILIAN_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return std::optional<Peer>();
  return std::optional<Peer>(ReadPeer(s));
}

Status LedgerStore::RecordContact(const std::string& node_id, uint64_t ops_received, uint64_t ops_sent,
                                  const std::string& error) {
  Stmt s;
  SILIAN_RETURN_IF_ERROR(s.Prepare(impl_->db,
                                   "UPDATE peers SET last_contact_ms=?, ops_received=ops_received+?, "
                                   "ops_sent=ops_sent+?, errors=errors+?, last_error=CASE WHEN ?='' THEN "
                                   "last_error ELSE ? END WHERE node_id=?"));
  return s.Bind(1, impl_->wall->NowMs())
      .Bind(2, ops_received)
      .Bind(3, ops_sent)
      .Bind(4, static_cast<int64_t>(error.empty() ? 0 : 1))
      .Bind(5, error)
      .Bind(6, error)
      .Bind(7, node_id)
      .Run();
}

}  // namespace silian::sync
