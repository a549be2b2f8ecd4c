#include "ledger/ledger.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/text.h"
#include "ledger/chain.h"
#include "ledger/internal/ledger_impl.h"
#include "ledger/reader.h"

namespace silian::sync {
namespace {

// Schema version 1. Ops are immutable rows; `id` is the local arrival order. Out-of-scope runs of an
// origin are `skips`; ops and skips together cover 1..frontier.seq of every origin with no gap and no
// overlap. A skip's `scope` is the division prefix none of its ops belongs to (see pb::Skip).
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

// The rest of the ledger's tables of schema version 1; kOpsTableDdl comes first. Version 2 added none.
constexpr const char* kLedgerV1 = R"sql(
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

// Schema version 3: when each pending entry arrived (the purge), and the chain hash each receipt names
// (a client compares it with its own chain). Rows of older versions read as arrived at 0 (purged first)
// and as receipts without a hash (not compared).
constexpr const char* kLedgerV3 = R"sql(
ALTER TABLE pending ADD COLUMN added_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE receipts ADD COLUMN hash BLOB NOT NULL DEFAULT x'';
)sql";

// Schema version 4: signed chain heads (docs/protocol.md, "Signatures"). `heads` holds the heads this
// replica received: verified ones (verified=1) it forwards with its batches; others wait, like pending
// entries, for the entries below them. `forgeries` keeps the evidence of refused imports.
constexpr const char* kLedgerV4 = R"sql(
CREATE TABLE heads(
  origin TEXT NOT NULL,
  seq INTEGER NOT NULL,
  hash BLOB NOT NULL,
  signature BLOB NOT NULL,
  verified INTEGER NOT NULL,
  PRIMARY KEY(origin, seq)) WITHOUT ROWID;
CREATE TABLE forgeries(
  id INTEGER PRIMARY KEY,
  origin TEXT NOT NULL,
  seq INTEGER NOT NULL,
  head BLOB NOT NULL,
  entries BLOB NOT NULL,
  sender TEXT NOT NULL,
  reason TEXT NOT NULL,
  seen_ms INTEGER NOT NULL);
)sql";

// The per-scope indexes of a replica that serves pulls (county and city hubs): a pull for a village,
// township or county costs O(returned ops).
constexpr const char* kServingIndexes = R"sql(
CREATE INDEX ops_scope12 ON ops(division, id);
CREATE INDEX ops_scope9 ON ops(substr(division, 1, 9), id);
CREATE INDEX ops_scope6 ON ops(substr(division, 1, 6), id);
)sql";

// The DDL of schema version `version` for the ledger and its projector.
std::string SchemaStep(int version, const Projector& projector) {
  std::string ddl = version == 1 ? std::string(kOpsTableDdl) + kLedgerV1 : version == 3   ? kLedgerV3
                    : version == 4 ? kLedgerV4
                                   : std::string();
  return ddl + projector.SchemaStep(version);
}

bool FileExists(const std::string& path) {
  struct stat st{};
  return ::stat(path.c_str(), &st) == 0;
}

Status Configure(sqlite3* db, bool durable) {
  sqlite3_busy_timeout(db, 10000);
  SILIAN_RETURN_IF_ERROR(Exec(db, "PRAGMA journal_mode=WAL"));
  // SQLite's default page cache (2 MiB) is far smaller than the pages one import touches in a hub's
  // ledger: a county catching up a million ops spent a third of its time re-reading pages with pread and
  // looking them up in the WAL. The limit is a cap; pages are allocated as they are used.
  SILIAN_RETURN_IF_ERROR(Exec(db, "PRAGMA cache_size=-65536"));
  return Exec(db, durable ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=OFF");
}

std::unique_ptr<Ledger::Impl> NewImpl(const std::string& path, const Ledger::Options& options, Projector& projector) {
  auto impl = std::make_unique<Ledger::Impl>();
  impl->path = path;
  impl->options = options;
  impl->projector = &projector;
  impl->wall = options.wall ? options.wall : &impl->system_wall;
  return impl;
}

Status Open(Ledger::Impl& impl) {
  if (sqlite3_open_v2(impl.path.c_str(), &impl.db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, nullptr) != SQLITE_OK)
    return Internal("SQLite cannot open " + Quote(impl.path));
  // Before the first read (the schema version): another process writing the ledger at that moment makes
  // the read wait, instead of failing as "not an SQLite database". Configure sets it again.
  sqlite3_busy_timeout(impl.db, 10000);
  impl.peers = std::make_unique<PeerRegistry>(impl.db, *impl.wall);
  return Status::Ok();
}

Status WriteNewFile(Ledger::Impl& impl, const NodeConfig& config) {
  std::string ddl = "BEGIN;";
  for (int v = 1; v <= Ledger::kSchemaVersion; ++v) ddl += SchemaStep(v, *impl.projector);
  SILIAN_RETURN_IF_ERROR(Exec(impl.db, ddl + "PRAGMA user_version=" + std::to_string(Ledger::kSchemaVersion) + ";"));
  SILIAN_RETURN_IF_ERROR(impl.PrepareAll());
  for (const auto& [key, value] : {std::pair<const char*, std::string>{"format", "silian-ledger"},
                                   {"node_id", config.node_id.value},
                                   {"level", LevelName(config.level)},
                                   {"division", config.division.value},
                                   {"device", config.device},
                                   {"case_counter", "0"}})
    SILIAN_RETURN_IF_ERROR(impl.SetMeta(key, value));
  unsigned char raw[16];
  randombytes_buf(raw, sizeof raw);
  impl.epoch = ToHex(std::string(reinterpret_cast<const char*>(raw), sizeof raw));
  SILIAN_RETURN_IF_ERROR(impl.SetMeta("epoch", impl.epoch));
  impl.signing_key = impl.options.signing_key ? *impl.options.signing_key : SigningKey::Generate();
  if (impl.options.sealer != nullptr) {
    impl.sealer = impl.options.sealer;
    SILIAN_RETURN_IF_ERROR(impl.SetMeta("seal", kSealScheme));
    SILIAN_RETURN_IF_ERROR(impl.SetMeta("seal_check", impl.sealer->KeyCheck()));
  }
  SILIAN_RETURN_IF_ERROR(impl.SetMeta("signing_key", impl.SealSecret(impl.signing_key.secret())));
  if (config.level == Level::kCounty || config.level == Level::kCity)
    SILIAN_RETURN_IF_ERROR(Exec(impl.db, kServingIndexes));
  SILIAN_RETURN_IF_ERROR(Exec(impl.db, "COMMIT"));
  return impl.LoadClock();
}

// The file's schema version, migrated to this program's. kDataLoss when it is not a ledger or is newer.
Status CheckAndMigrate(Ledger::Impl& impl) {
  const std::string& path = impl.path;
  Stmt v;
  if (!v.Prepare(impl.db, "PRAGMA user_version").ok() || !v.Step().ok())
    return DataLoss(Quote(path) + " is not a Silian ledger (not an SQLite database)");
  const int version = static_cast<int>(v.Int(0));
  v.Reset();
  if (version == 0) return DataLoss(Quote(path) + " is not a Silian ledger");
  if (version > Ledger::kSchemaVersion)
    return DataLoss("ledger " + Quote(path) + " has schema version " + std::to_string(version) +
                    ", newer than this program's " + std::to_string(Ledger::kSchemaVersion) + "; upgrade Silian");
  SILIAN_RETURN_IF_ERROR(Configure(impl.db, impl.options.durable));
  if (version == Ledger::kSchemaVersion) return Status::Ok();
  std::string ddl = "BEGIN IMMEDIATE;";
  for (int step = version + 1; step <= Ledger::kSchemaVersion; ++step) ddl += SchemaStep(step, *impl.projector);
  return Exec(impl.db, ddl + "PRAGMA user_version=" + std::to_string(Ledger::kSchemaVersion) + "; COMMIT;");
}

Status LoadConfig(Ledger::Impl& impl) {
  const std::string& path = impl.path;
  SILIAN_ASSIGN_OR_RETURN(auto format, impl.GetMeta("format"));
  if (!format || *format != "silian-ledger") return DataLoss(Quote(path) + " is not a Silian ledger");
  SILIAN_ASSIGN_OR_RETURN(auto node_id, impl.GetMeta("node_id"));
  SILIAN_ASSIGN_OR_RETURN(auto level, impl.GetMeta("level"));
  SILIAN_ASSIGN_OR_RETURN(auto division, impl.GetMeta("division"));
  SILIAN_ASSIGN_OR_RETURN(auto device, impl.GetMeta("device"));
  if (!node_id || !level || !division || !device) return DataLoss("ledger " + Quote(path) + " lacks its node settings");
  SILIAN_ASSIGN_OR_RETURN(impl.config.node_id, ParseNodeId(*node_id));
  SILIAN_ASSIGN_OR_RETURN(impl.config.level, ParseLevel(*level));
  SILIAN_ASSIGN_OR_RETURN(impl.config.division, ParseDivisionCode(*division));
  impl.config.device = *device;
  impl.scope = ScopeOf(impl.config.level, impl.config.division);
  SILIAN_ASSIGN_OR_RETURN(auto epoch, impl.GetMeta("epoch"));
  if (!epoch) return DataLoss("ledger " + Quote(path) + " lacks its epoch");
  impl.epoch = *epoch;
  return Status::Ok();
}

// The replica's signing key (meta "signing_key", the 64-byte Ed25519 secret). A ledger made before keys
// existed gets one the first time it opens.
Status LoadSigningKey(Ledger::Impl& impl) {
  SILIAN_ASSIGN_OR_RETURN(auto stored, impl.GetMeta("signing_key"));
  if (stored) {
    SILIAN_ASSIGN_OR_RETURN(std::string secret, impl.OpenSecret(*stored));
    SILIAN_ASSIGN_OR_RETURN(impl.signing_key, SigningKey::FromSecret(secret, "the signing key of " + Quote(impl.path)));
    return Status::Ok();
  }
  impl.signing_key = SigningKey::Generate();
  SILIAN_RETURN_IF_ERROR(Exec(impl.db, "BEGIN IMMEDIATE"));
  Status s = impl.SetMeta("signing_key", impl.SealSecret(impl.signing_key.secret()));
  return Exec(impl.db, s.ok() ? "COMMIT" : "ROLLBACK").ok() ? s : Internal("cannot store a new signing key");
}

// An encrypted ledger (meta "seal") opens only with the sealer of its key.
Status LoadSealer(Ledger::Impl& impl) {
  SILIAN_ASSIGN_OR_RETURN(auto seal, impl.GetMeta("seal"));
  if (!seal) return Status::Ok();
  if (*seal != kSealScheme)
    return DataLoss("ledger " + Quote(impl.path) + " is sealed with " + Quote(*seal) +
                    ", which this program does not know; upgrade Silian");
  if (impl.options.sealer == nullptr)
    return FailedPrecondition("ledger " + Quote(impl.path) +
                              " is encrypted and locked: unlock it with `silian-node unlock STAFF_ID` first");
  SILIAN_ASSIGN_OR_RETURN(auto check, impl.GetMeta("seal_check"));
  if (!check || *check != impl.options.sealer->KeyCheck())
    return PermissionDenied("the unlocked key is not the key of ledger " + Quote(impl.path) +
                            ": lock, then unlock it with `silian-node unlock STAFF_ID` again");
  impl.sealer = impl.options.sealer;
  return Status::Ok();
}

bool ValidDevice(const std::string& device) {
  return device.size() == 2 && std::isdigit(static_cast<unsigned char>(device[0])) &&
         std::isdigit(static_cast<unsigned char>(device[1]));
}

}  // namespace

const char* OpsTableDdl() { return kOpsTableDdl; }

std::string LedgerDigest::ToLine() const {
  return "ops=" + std::to_string(ops) + " ledger=" + ledger_hex + " state=" + state_hex;
}

// ------------------------------------------------------------------------------------------------ Impl

Ledger::Impl::~Impl() {
  statements.Clear();
  if (db != nullptr) sqlite3_close_v2(db);
}

Status Ledger::Impl::PrepareAll() {
  statements.Attach(db);
  const std::pair<Stmt*, const char*> own[] = {
      {&insert_op, "INSERT INTO ops(origin, seq, hlc, case_id, division, chain_hash, bytes) VALUES(?,?,?,?,?,?,?)"},
      {&select_op_bytes, "SELECT bytes FROM ops WHERE origin=? AND seq=?"},
      {&select_case_ops, "SELECT bytes, origin, seq FROM ops WHERE case_id=?"},
      {&insert_skip, "INSERT INTO skips(origin, from_seq, to_seq, hash, scope) VALUES(?,?,?,?,?)"},
      {&extend_skip, "UPDATE skips SET to_seq=?, hash=? WHERE origin=? AND from_seq=?"},
      {&last_skip, "SELECT from_seq, to_seq, scope FROM skips WHERE origin=? ORDER BY from_seq DESC LIMIT 1"},
      {&upsert_frontier, "INSERT OR REPLACE INTO frontier(origin, seq, hash) VALUES(?,?,?)"},
      {&insert_pending,
       "INSERT OR IGNORE INTO pending(origin, seq, to_seq, hash, scope, bytes, added_ms) VALUES(?,?,?,?,?,?,?)"},
      {&next_pending, "SELECT seq, to_seq, hash, scope, bytes FROM pending WHERE origin=? AND seq<=? ORDER BY seq LIMIT 1"},
      {&delete_pending, "DELETE FROM pending WHERE origin=? AND seq=?"},
      {&insert_equivocation, "INSERT INTO equivocations(origin, seq, held, offered, seen_ms) VALUES(?,?,?,?,?)"},
      {&get_meta, "SELECT value FROM meta WHERE key=?"},
      {&set_meta, "INSERT OR REPLACE INTO meta(key, value) VALUES(?,?)"},
      {&select_op_case, "SELECT division, case_id FROM ops WHERE origin=? AND seq=?"},
      {&select_chain_hash_for_head,
       "SELECT chain_hash FROM ops WHERE origin=?1 AND seq=?2 UNION ALL SELECT hash FROM skips WHERE origin=?1 AND to_seq=?2"},
  };
  for (const auto& [stmt, sql] : own) SILIAN_RETURN_IF_ERROR(stmt->Prepare(db, sql));
  return Status::Ok();
}

std::string Ledger::Impl::SealStored(std::string_view table, const std::string& origin, uint64_t seq,
                                     std::string_view bytes) const {
  if (sealer == nullptr) return std::string(bytes);
  return sealer->Seal(bytes, std::string(table) + "\n" + origin + "\n" + std::to_string(seq));
}

Result<std::string> Ledger::Impl::OpenStored(std::string_view table, const std::string& origin, uint64_t seq,
                                             std::string bytes) const {
  if (sealer == nullptr) return bytes;
  return sealer->Open(bytes, std::string(table) + "\n" + origin + "\n" + std::to_string(seq));
}

// Meta "signing_key" of an encrypted ledger: "sealed:" + base64 of the secret sealed with context
// "meta\nsigning_key" (meta values are text).
constexpr std::string_view kSealedSecretPrefix = "sealed:";

std::string Ledger::Impl::SealSecret(const std::string& secret) const {
  if (sealer == nullptr) return secret;
  return std::string(kSealedSecretPrefix) + ToBase64(sealer->Seal(secret, "meta\nsigning_key"));
}

Result<std::string> Ledger::Impl::OpenSecret(const std::string& stored) const {
  if (stored.rfind(kSealedSecretPrefix, 0) != 0) return stored;
  if (sealer == nullptr) return DataLoss("the signing key of " + Quote(path) + " is sealed but the ledger is not encrypted");
  SILIAN_ASSIGN_OR_RETURN(std::string sealed,
                          FromBase64(std::string_view(stored).substr(kSealedSecretPrefix.size()), "the sealed signing key"));
  return sealer->Open(sealed, "meta\nsigning_key");
}

Result<std::optional<std::string>> Ledger::Impl::GetMeta(const std::string& key) {
  get_meta.Reset().Bind(1, key);
  SILIAN_ASSIGN_OR_RETURN(bool row, get_meta.Step());
  std::optional<std::string> value;
  if (row) value = get_meta.Text(0);
  get_meta.Reset();  // a statement left on a row would hold an old snapshot
  return value;
}

Status Ledger::Impl::SetMeta(const std::string& key, const std::string& value) {
  return set_meta.Reset().Bind(1, key).Bind(2, value).Run();
}

Status Ledger::Impl::LoadFrontier() {
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

Status Ledger::Impl::LoadClock() {
  SILIAN_ASSIGN_OR_RETURN(auto last, GetMeta("hlc_last"));
  SILIAN_ASSIGN_OR_RETURN(auto skew, GetMeta("max_skew_ms"));
  clock = std::make_unique<HybridClock>(*wall, Hlc{last ? std::stoull(*last) : 0}, options.max_forward_skew_ms);
  if (skew) clock->set_max_skew_seen_ms(std::stoull(*skew));
  return Status::Ok();
}

Status Ledger::Impl::SaveClock() {
  SILIAN_RETURN_IF_ERROR(SetMeta("hlc_last", std::to_string(clock->last().value)));
  return SetMeta("max_skew_ms", std::to_string(clock->max_skew_seen_ms()));
}

FrontierPoint& Ledger::Impl::Point(const std::string& origin) {
  auto [it, added] = frontier.try_emplace(origin);
  if (added) it->second.hash = ZeroHash();
  return it->second;
}

Status Ledger::Impl::SaveFrontier(const std::string& origin) {
  const FrontierPoint& f = Point(origin);
  return upsert_frontier.Reset().Bind(1, origin).Bind(2, f.seq).BindBlob(3, f.hash).Run();
}

Status Ledger::Impl::InsertOp(const pb::Op& op, const std::string& bytes, const std::string& chain_hash) {
  if (projector->IsReference(op)) SILIAN_RETURN_IF_ERROR(projector->OnReferenceOp(op));
  return insert_op.Reset()
      .Bind(1, op.origin())
      .Bind(2, op.seq())
      .Bind(3, op.hlc())
      .Bind(4, op.case_id())
      .Bind(5, op.division())
      .BindBlob(6, chain_hash)
      .BindBlob(7, SealStored("op", op.origin(), op.seq(), bytes))
      .Run();
}

Status Ledger::Impl::AddSkip(const std::string& origin, uint64_t from, uint64_t to, const std::string& hash,
                             const std::string& skip_scope) {
  last_skip.Reset().Bind(1, origin);
  SILIAN_ASSIGN_OR_RETURN(bool row, last_skip.Step());
  if (row && static_cast<uint64_t>(last_skip.Int(1)) + 1 == from && last_skip.Text(2) == skip_scope) {
    int64_t run_from = last_skip.Int(0);
    return extend_skip.Reset().Bind(1, to).BindBlob(2, hash).Bind(3, origin).Bind(4, run_from).Run();
  }
  return insert_skip.Reset().Bind(1, origin).Bind(2, from).Bind(3, to).BindBlob(4, hash).Bind(5, skip_scope).Run();
}

Status Ledger::Impl::AddEquivocation(const std::string& origin, uint64_t seq, const std::string& held,
                                     const std::string& offered) {
  return insert_equivocation.Reset()
      .Bind(1, origin)
      .Bind(2, seq)
      .BindBlob(3, SealStored("equivocation/held", origin, seq, held))
      .BindBlob(4, SealStored("equivocation/offered", origin, seq, offered))
      .Bind(5, wall->NowMs())
      .Run();
}

namespace {
// Pending entries older than the cut, or malformed (a seq outside 1..2^63-1 reads as negative).
constexpr const char* kStalePending = "added_ms < ?1 OR seq < 1 OR to_seq < seq";
}  // namespace

uint64_t Ledger::Impl::PurgeCutMs() {
  const uint64_t now = wall->NowMs();
  const uint64_t max_age = options.pending.max_age_ms;
  return now > max_age ? now - max_age : 0;
}

Result<bool> Ledger::Impl::HasPendingToPurge() {
  Stmt any;
  SILIAN_RETURN_IF_ERROR(any.Prepare(db, (std::string("SELECT 1 FROM pending WHERE ") + kStalePending + " LIMIT 1").c_str()));
  any.Bind(1, PurgeCutMs());
  SILIAN_ASSIGN_OR_RETURN(bool row, any.Step());
  last_purge_ms = wall->NowMs();
  return row;
}

Status Ledger::Impl::PurgePending() {
  last_purge_ms = wall->NowMs();
  Stmt purge;
  SILIAN_RETURN_IF_ERROR(purge.Prepare(db, (std::string("DELETE FROM pending WHERE ") + kStalePending).c_str()));
  return purge.Bind(1, PurgeCutMs()).Run();
}

Status Ledger::Impl::PurgePendingNowAndThen() {
  constexpr uint64_t kPurgeEveryMs = 3600ull * 1000;
  const uint64_t now = wall->NowMs();
  if (last_purge_ms != 0 && now >= last_purge_ms && now - last_purge_ms < kPurgeEveryMs) return Status::Ok();
  return PurgePending();
}

Result<std::vector<pb::Op>> Ledger::Impl::CaseOps(const std::string& case_id) {
  std::vector<pb::Op> ops;
  select_case_ops.Reset().Bind(1, case_id);
  for (;;) {
    SILIAN_ASSIGN_OR_RETURN(bool row, select_case_ops.Step());
    if (!row) break;
    SILIAN_ASSIGN_OR_RETURN(std::string bytes, OpenStored("op", select_case_ops.Text(1),
                                                          static_cast<uint64_t>(select_case_ops.Int(2)),
                                                          select_case_ops.Text(0)));
    pb::Op op;
    if (!op.ParseFromString(bytes)) return DataLoss("stored op of case " + Quote(case_id) + " does not parse");
    ops.push_back(std::move(op));
  }
  select_case_ops.Reset();
  return ops;
}

Result<std::vector<Refusal>> Ledger::Impl::Reproject(const std::string& case_id) {
  SILIAN_ASSIGN_OR_RETURN(std::vector<pb::Op> ops, CaseOps(case_id));
  if (ops.empty()) return NotFound("no case " + Quote(case_id));
  return projector->Project(case_id, std::move(ops));
}

Status Ledger::Impl::InsertStale(const std::string& case_id) {
  SILIAN_ASSIGN_OR_RETURN(StmtCache::Lease mark, statements.Get("INSERT OR IGNORE INTO stale_cases(case_id) VALUES(?)"));
  return mark->Bind(1, case_id).Run();
}

Status Ledger::Impl::ProjectMarkedStale() {
  while (!marked_stale.empty()) {
    const std::string id = *marked_stale.begin();
    marked_stale.erase(marked_stale.begin());
    {
      SILIAN_ASSIGN_OR_RETURN(StmtCache::Lease done, statements.Get("DELETE FROM stale_cases WHERE case_id=?"));
      SILIAN_RETURN_IF_ERROR(done->Bind(1, id).Run());
    }
    SILIAN_RETURN_IF_ERROR(Reproject(id).status());
  }
  return Status::Ok();
}

Result<std::vector<std::string>> Ledger::Impl::TakeStaleCases() {
  marked_stale.clear();  // every stale case, marked in this transaction or before, is the caller's now
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

Status Ledger::Impl::RefreshIfChangedElsewhere() {
  ResetStatements();
  Stmt v;
  SILIAN_RETURN_IF_ERROR(v.Prepare(db, "PRAGMA data_version"));
  SILIAN_ASSIGN_OR_RETURN(bool row, v.Step());
  int64_t now = row ? v.Int(0) : 0;
  if (now == data_version) return Status::Ok();
  data_version = now;
  SILIAN_RETURN_IF_ERROR(LoadFrontier());
  SILIAN_RETURN_IF_ERROR(projector->Reload());
  return LoadClock();
}

void Ledger::Impl::ResetStatements() {
  for (Stmt* st : {&insert_op, &select_op_bytes, &select_case_ops, &insert_skip, &extend_skip, &last_skip,
                   &upsert_frontier, &insert_pending, &next_pending, &delete_pending, &insert_equivocation,
                   &get_meta, &set_meta, &select_op_case, &select_chain_hash_for_head})
    st->Reset();
}

void Ledger::Impl::ReloadAfterRollback() {
  ResetStatements();
  marked_stale.clear();
  LoadFrontier().IgnoreError();
  LoadClock().IgnoreError();
  projector->Reload().IgnoreError();
}

// ------------------------------------------------------------------------------------------------ open

Ledger::Ledger(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Ledger::~Ledger() = default;

Result<std::unique_ptr<Ledger>> Ledger::Create(const std::string& path, const NodeConfig& config, Options options,
                                               Projector& projector) {
  if (sodium_init() < 0) return Internal("libsodium failed to initialise");
  if (!ValidDevice(config.device)) return InvalidArgument("device number " + Quote(config.device) + " must have 2 digits");
  // O_EXCL: two concurrent inits cannot both succeed, and an existing ledger is never touched.
  int fd = ::open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return FailedPrecondition("a file already exists at " + Quote(path) + "; refusing to overwrite it");
    return InvalidArgument("cannot create ledger " + Quote(path) + ": " + std::strerror(errno));
  }
  ::close(fd);
  auto impl = NewImpl(path, options, projector);
  impl->config = config;
  impl->scope = ScopeOf(config.level, config.division);
  Status s = sync::Open(*impl);
  if (s.ok()) s = Configure(impl->db, options.durable);
  if (s.ok()) s = Exec(impl->db, kTempInMemory);  // a new file: no migration to run with it in files
  if (s.ok()) s = WriteNewFile(*impl, config);
  std::unique_ptr<Ledger> ledger(new Ledger(std::move(impl)));
  if (s.ok()) s = projector.Attach(*ledger);
  if (!s.ok()) {
    ledger.reset();  // closes the file before it is removed
    for (const char* suffix : {"", "-wal", "-shm"}) ::unlink((path + suffix).c_str());
    return s;
  }
  return ledger;
}

Result<std::unique_ptr<Ledger>> Ledger::Open(const std::string& path, Options options, Projector& projector) {
  if (sodium_init() < 0) return Internal("libsodium failed to initialise");
  if (!FileExists(path)) return NotFound("no ledger at " + Quote(path) + " (create it with `init`)");
  auto impl = NewImpl(path, options, projector);
  SILIAN_RETURN_IF_ERROR(sync::Open(*impl));
  SILIAN_RETURN_IF_ERROR(CheckAndMigrate(*impl));
  SILIAN_RETURN_IF_ERROR(Exec(impl->db, kTempInMemory));  // after the migration's CREATE INDEX sorts
  SILIAN_RETURN_IF_ERROR(impl->PrepareAll());
  SILIAN_RETURN_IF_ERROR(LoadConfig(*impl));
  SILIAN_RETURN_IF_ERROR(LoadSealer(*impl));
  SILIAN_RETURN_IF_ERROR(LoadSigningKey(*impl));
  SILIAN_RETURN_IF_ERROR(impl->LoadFrontier());
  SILIAN_RETURN_IF_ERROR(impl->LoadClock());
  std::unique_ptr<Ledger> ledger(new Ledger(std::move(impl)));
  SILIAN_RETURN_IF_ERROR(projector.Attach(*ledger));
  SILIAN_RETURN_IF_ERROR(projector.Reload());
  // A session cut between deferred imports leaves cases to re-project: do it before anyone reads them.
  SILIAN_RETURN_IF_ERROR(ledger->RefreshStaleCases());
  // Purging takes the write lock: only when there is something to purge, so that reading commands next to
  // a busy hub do not wait for it.
  Ledger::Impl& m = *ledger->impl_;
  SILIAN_ASSIGN_OR_RETURN(bool stale, m.HasPendingToPurge());
  if (stale) SILIAN_RETURN_IF_ERROR(ledger->RunTransaction([&m] { return m.PurgePending(); }));
  return ledger;
}

const NodeConfig& Ledger::config() const { return impl_->config; }
const std::string& Ledger::scope() const { return impl_->scope; }
const std::string& Ledger::epoch() const { return impl_->epoch; }
const SigningKey& Ledger::signing_key() const { return impl_->signing_key; }
const Sealer* Ledger::sealer() const { return impl_->sealer; }
WallClock& Ledger::wall() { return *impl_->wall; }
sqlite3* Ledger::db() { return impl_->db; }
StmtCache& Ledger::statements() { return impl_->statements; }
const std::string& Ledger::path() const { return impl_->path; }
bool Ledger::IsReference(const pb::Op& op) const { return impl_->projector->IsReference(op); }
PeerRegistry& Ledger::peers() { return *impl_->peers; }

// ------------------------------------------------------------------------------------------------ writing

Status Ledger::RunTransaction(const std::function<Status()>& body) {
  Impl& m = *impl_;
  SILIAN_CHECK(!m.in_transaction);
  SILIAN_RETURN_IF_ERROR(Exec(m.db, "BEGIN IMMEDIATE"));
  m.in_transaction = true;
  Status s = m.RefreshIfChangedElsewhere();
  if (s.ok()) s = body();
  if (s.ok()) s = m.ProjectMarkedStale();
  if (s.ok()) {
    s = Exec(m.db, "COMMIT");
    m.ResetStatements();
  }
  m.in_transaction = false;
  if (!s.ok()) {
    m.ResetStatements();
    Exec(m.db, "ROLLBACK").IgnoreError();
    m.ReloadAfterRollback();
  }
  return s;
}

Result<OpId> Ledger::Append(pb::Op op, const std::string& actor, const std::string& case_id,
                            const std::string& division, const std::vector<OpId>& parents) {
  Impl& m = *impl_;
  SILIAN_CHECK(m.in_transaction);
  const std::string& self = m.config.node_id.value;
  FrontierPoint& f = m.Point(self);
  if (f.seq >= kMaxSeq) return FailedPrecondition("node " + Quote(self) + " has written its last seq " + std::to_string(f.seq));
  op.set_origin(self);
  op.set_seq(f.seq + 1);
  op.set_hlc(m.clock->Now().value);
  op.set_actor(actor.empty() ? self : actor);
  const bool reference = m.projector->IsReference(op);
  op.set_case_id(reference ? std::string() : case_id.empty() ? OpId{self, f.seq + 1}.ToString() : case_id);
  op.set_division(division);
  for (const auto& p : parents) {
    auto* ref = op.add_parents();
    ref->set_origin(p.origin);
    ref->set_seq(p.seq);
  }
  std::string bytes;
  if (!op.SerializeToString(&bytes)) return Internal("cannot serialize an op");
  if (bytes.size() > kMaxOpBytes)
    return ResourceExhausted("op of " + std::to_string(bytes.size()) + " bytes exceeds the limit of " +
                             std::to_string(kMaxOpBytes) + " bytes per op");
  std::string hash = ChainHash(f.hash, bytes);
  SILIAN_RETURN_IF_ERROR(m.InsertOp(op, bytes, hash));
  f = FrontierPoint{op.seq(), hash};
  SILIAN_RETURN_IF_ERROR(m.SaveFrontier(self));
  SILIAN_RETURN_IF_ERROR(m.SaveClock());
  if (!reference) SILIAN_RETURN_IF_ERROR(m.Reproject(op.case_id()).status());
  return OpId{self, op.seq()};
}

Result<std::vector<pb::Op>> Ledger::LoadCaseOps(const std::string& case_id) { return impl_->CaseOps(case_id); }

Status Ledger::MarkStale(const std::vector<std::string>& case_ids) {
  Impl& m = *impl_;
  for (const auto& id : case_ids) {
    SILIAN_RETURN_IF_ERROR(m.InsertStale(id));
    m.marked_stale.insert(id);
  }
  return Status::Ok();
}

Status Ledger::RefreshStaleCases() {
  Impl& m = *impl_;
  {
    Stmt any;
    SILIAN_RETURN_IF_ERROR(any.Prepare(m.db, "SELECT 1 FROM stale_cases LIMIT 1"));
    SILIAN_ASSIGN_OR_RETURN(bool row, any.Step());
    if (!row) return Status::Ok();
  }
  return RunTransaction([&]() -> Status {
    SILIAN_ASSIGN_OR_RETURN(auto stale, m.TakeStaleCases());
    for (const auto& case_id : stale) SILIAN_RETURN_IF_ERROR(m.Reproject(case_id).status());
    return Status::Ok();
  });
}

Result<std::optional<std::string>> Ledger::GetMeta(const std::string& key) { return impl_->GetMeta(key); }
Status Ledger::SetMeta(const std::string& key, const std::string& value) { return impl_->SetMeta(key, value); }
Result<std::optional<std::string>> Ledger::GetSetting(const std::string& key) {
  return impl_->GetMeta("setting/" + key);
}

// ------------------------------------------------------------------------------------------------ reading

namespace {

// BLAKE2b-256 over what `feed` gives it.
std::string HashOf(const std::function<Status(const std::function<void(std::string_view)>&)>& feed, Status* status) {
  crypto_generichash_state st;
  crypto_generichash_init(&st, nullptr, 0, kHashBytes);
  *status = feed([&st](std::string_view bytes) {
    crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  });
  std::string out(kHashBytes, '\0');
  crypto_generichash_final(&st, reinterpret_cast<unsigned char*>(out.data()), kHashBytes);
  return ToHex(out);
}

}  // namespace

Result<LedgerDigest> Ledger::Digest(std::optional<std::string> scope) {
  const std::string prefix = scope ? *scope : impl_->scope;
  LedgerDigest d;
  Status s;
  d.ledger_hex = HashOf(
      [&](const std::function<void(std::string_view)>& update) -> Status {
        Stmt q;
        SILIAN_RETURN_IF_ERROR(q.Prepare(
            impl_->db, "SELECT origin, seq, chain_hash FROM ops WHERE substr(division, 1, length(?1))=?1 ORDER BY origin, seq"));
        q.Bind(1, prefix);
        for (;;) {
          SILIAN_ASSIGN_OR_RETURN(bool row, q.Step());
          if (!row) return Status::Ok();
          std::string origin = q.Text(0);
          uint64_t seq = static_cast<uint64_t>(q.Int(1));
          char seq_be[8];
          for (int i = 0; i < 8; ++i) seq_be[i] = static_cast<char>(seq >> (56 - 8 * i));
          update(std::string_view(origin.c_str(), origin.size() + 1));  // with its NUL: origins are delimited
          update(std::string_view(seq_be, 8));
          update(q.Text(2));
          ++d.ops;
        }
      },
      &s);
  SILIAN_RETURN_IF_ERROR(s);
  d.state_hex = HashOf(
      [&](const std::function<void(std::string_view)>& update) { return impl_->projector->HashState(prefix, update); }, &s);
  SILIAN_RETURN_IF_ERROR(s);
  return d;
}

Result<LedgerCounts> Ledger::Counts() {
  SILIAN_ASSIGN_OR_RETURN(LedgerCounts c, ReadLedgerCounts(impl_->db));
  c.max_skew_seen_ms = impl_->clock->max_skew_seen_ms();
  return c;
}

Result<pb::Frontier> Ledger::GetFrontier() {
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

}  // namespace silian::sync
