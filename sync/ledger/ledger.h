// The ledger: one SQLite file holding a replica's op log, its frontier, and what it heard from its peers.
// Generic: it knows nothing of cases, catalogues or calendars; the application's Projector
// (ledger/projector.h) gives ops their meaning and keeps its tables in the same file and transactions.
// docs/architecture.md ("The ledger") describes the tables.
//
// Guarantees:
// - Ops are immutable and identified by (origin, seq). Inserting a known op is a no-op; the same id with
//   other bytes is an equivocation: refused, kept as evidence, counted.
// - Per origin, the ledger holds seq 1..N with no gap: in-scope ops in full, out-of-scope runs as skips
//   (their chain hash only). Ops or skips that arrive ahead of a gap wait in a pending area and are applied
//   when the gap fills. Ops outside this replica's scope are never stored in full.
// - Every write transaction is durable when Options::durable (synchronous=FULL): once it returns OK, it
//   survives a crash. An import is one transaction: it applies completely or not at all.
// - Every case an op touched is re-projected (Projector::Project) in the transaction that stored the op,
//   or, for a deferred import, before anyone reads it after the session (RefreshStaleCases).
// Not thread-safe: one Ledger per process and file, used by one thread at a time (the hub's owner object
// holds the lock; hub/hub_ledger.h). SQLite's locking keeps other processes out while a write is in
// progress, and every write transaction first notices what another process committed.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "silian.pb.h"
#include "base/hlc.h"
#include "base/ids.h"
#include "base/keys.h"
#include "base/status.h"
#include "ledger/peers.h"
#include "ledger/projector.h"

namespace silian::sync {

class Sealer;
class StmtCache;

struct NodeConfig {
  NodeId node_id;
  Level level = Level::kVillage;
  DivisionCode division;
  std::string device = "01";  // two digits, unique among the devices of one division
};

// The envelope limits every replica enforces on every path (push, pull, bundle, pending drain) and on
// what it authors itself. docs/protocol.md ("Envelope rules", "Limits") is the normative table.
inline constexpr uint64_t kMaxSeq = (uint64_t{1} << 63) - 1;  // seqs are 1..2^63-1 (SQLite integers are signed)
inline constexpr uint64_t kMaxOpBytes = 64u << 10;             // one serialized op
// An op stamped further ahead of this replica's wall clock than this is stored but does not move its clock.
inline constexpr uint64_t kMaxForwardSkewMs = 10ull * 60 * 1000;

// What the pending area (entries waiting ahead of a gap, or for a fact they need) may hold. Checked when
// an import commits; pending entries older than max_age_ms are purged when the ledger opens and when an
// import begins (at most once an hour).
struct PendingLimits {
  uint64_t max_entries_per_origin = 20000;
  uint64_t max_bytes_per_origin = 16ull << 20;
  uint64_t max_entries = 100000;
  uint64_t max_bytes = 64ull << 20;
  uint64_t max_age_ms = 30ull * 24 * 3600 * 1000;
};

// Who handed an import its entries: what it may vouch for when it sends a skip (docs/protocol.md, "Who may
// vouch for a skip"). Build it with one of the functions below; the default (kUnchecked) is for a replica
// importing entries it exported itself or a test: the rules that need no sender still hold.
struct ImportSender {
  enum class Kind { kUnchecked, kPush, kPull, kBundle };
  Kind kind = Kind::kUnchecked;
  std::string node_id;
  // The division prefix the sender holds: it can vouch only for skips whose scope lies within it.
  std::string scope;
  // The sender's frontier: a skip may not move a frontier past what the sender itself holds.
  pb::Frontier frontier;
};
// A child's push: its scope from the registry (never from the request), its frontier from the request.
ImportSender PushSender(const Peer& peer, const pb::Frontier& request_frontier);
// A hub's pull reply: the hub's scope and its receipt (its frontier for the origins it sends).
ImportSender PullSender(const std::string& hub_id, const std::string& hub_scope, const pb::Frontier& receipt);
// A bundle: the sender and frontier its header names.
ImportSender BundleSender(const pb::BundleHeader& header);

struct ImportStats {
  uint64_t new_ops = 0;        // in-scope ops stored now
  uint64_t known = 0;          // ops or skips already held
  uint64_t out_of_scope = 0;   // ops outside this replica's scope, kept as skips only
  uint64_t skipped_runs = 0;   // skip entries applied
  uint64_t skips_refused = 0;  // skips cut for a narrower scope than this replica's: not applied
  uint64_t pending = 0;        // entries waiting for a gap to fill
  uint64_t equivocations = 0;  // known ids offered with other bytes: refused
  uint64_t cases_touched = 0;
  uint64_t skewed = 0;         // new ops stamped more than max_forward_skew_ms ahead: clock not moved
  // New ops this import stored that the projection refused (no authority): kept in the log, not applied.
  std::vector<Refusal> refused;
  std::vector<std::string> warnings;  // e.g. chain divergence against the sender's frontier
};

struct LedgerDigest {
  uint64_t ops = 0;
  std::string ledger_hex;
  std::string state_hex;
  // "ops=N ledger=HEX state=HEX"
  std::string ToLine() const;
};

// The ledger's own counters (the projection's are added by its owner).
struct LedgerCounts {
  uint64_t op_count = 0;
  uint64_t pending_count = 0;
  uint64_t equivocation_count = 0;
  uint64_t forgery_count = 0;  // imports refused for a head that does not match its chain or its signature
  uint64_t max_skew_seen_ms = 0;
};

class Ledger {
 public:
  struct Options {
    bool durable = true;        // synchronous=FULL; off only for tests and benchmarks on throwaway files
    WallClock* wall = nullptr;  // borrowed; null means the system clock
    uint64_t max_forward_skew_ms = kMaxForwardSkewMs;
    PendingLimits pending;
    // Create only: the key pair the new ledger signs with instead of a new random one (the simulator's
    // replicas derive theirs from their ids, so that a seed replays byte for byte).
    std::optional<SigningKey> signing_key;
    // Borrowed; outlives the ledger. Create: the new ledger is encrypted with it (ledger/sealer.h). Open: an
    // encrypted ledger needs the sealer of its key (kFailedPrecondition "... is encrypted and locked"
    // without one, kPermissionDenied with another key's); a plain ledger ignores it.
    const Sealer* sealer = nullptr;
    // Benchmarks only (silian-bench measures what signatures cost): imports take every entry as covered
    // by a verified head without checking signatures. No program's command line reaches it.
    bool skip_head_verification_for_benchmark = false;
  };
  // The schema version this program writes: `PRAGMA user_version` of the file. Each version step adds the
  // ledger's tables and the projector's (Projector::SchemaStep).
  // Version 3 added pending.added_ms (purge) and receipts.hash (receipts that cannot be fooled).
  // Version 4 added heads (signed chain heads received) and forgeries (evidence of refused imports).
  // Version 5 rebuilt the projector's cases table with a rowid (CaseTables::SchemaStep).
  // Version 6 added the cases' facts (CaseTables::SchemaStep) and projects every case again on open.
  static constexpr int kSchemaVersion = 6;

  // Creates a new ledger file (mode 0600, O_EXCL). kFailedPrecondition if `path` exists; kInvalidArgument
  // naming the device number when it is not two digits. `projector` is borrowed and outlives the ledger.
  static Result<std::unique_ptr<Ledger>> Create(const std::string& path, const NodeConfig& config, Options options,
                                                Projector& projector);
  // Opens an existing ledger, migrating its schema if older, and re-projects cases a cut session left.
  // kNotFound if `path` does not exist, kDataLoss if it is not a Silian ledger or is newer than this program.
  static Result<std::unique_ptr<Ledger>> Open(const std::string& path, Options options, Projector& projector);
  ~Ledger();

  const NodeConfig& config() const;
  // The division prefix this replica holds.
  const std::string& scope() const;
  // A random id of this ledger file, made at Create: a pull cursor is meaningful only with its epoch.
  const std::string& epoch() const;
  // This replica's Ed25519 key pair, made at Create and kept in the ledger file (mode 0600): what it signs
  // (its chain heads, its requests, its bundles) is verified with the public key of its registration.
  const SigningKey& signing_key() const;
  WallClock& wall();
  // The sealer of an encrypted ledger; null for a plain one. Collaborators that keep personal data in this
  // file seal it with this (the case projection).
  const Sealer* sealer() const;
  // The connection, for collaborators that keep their tables in this file. Borrowed.
  sqlite3* db();
  // Statements prepared once on that connection, for the collaborators' per-op and per-case statements.
  StmtCache& statements();
  // The path of the ledger file.
  const std::string& path() const;
  // Whether `op` is reference data by its kind (the projector's rule). Pure; thread-safe.
  bool IsReference(const pb::Op& op) const;

  // ---- Transactions and authoring.
  // Runs `body` in one IMMEDIATE write transaction, after reloading what another process committed;
  // commits when it returns OK, else rolls back and reloads cached state. Not re-entrant.
  Status RunTransaction(const std::function<Status()>& body);
  template <typename T>
  Result<T> InTransaction(const std::function<Result<T>()>& body) {
    std::optional<Result<T>> out;
    Status s = RunTransaction([&]() -> Status {
      out.emplace(body());
      return out->status();
    });
    if (!s.ok()) return s;
    return std::move(*out);
  }
  // Authors one op of this node: fills origin, seq, hlc, actor (this node's id when empty), case id (a new
  // case's is the op's own id), division and parents, stores it and re-projects its case.
  // REQUIRES: inside RunTransaction.
  Result<OpId> Append(pb::Op op, const std::string& actor, const std::string& case_id, const std::string& division,
                      const std::vector<OpId>& parents);
  // The stored ops of `case_id`, in arrival order; empty when none. kDataLoss when one does not parse.
  Result<std::vector<pb::Op>> LoadCaseOps(const std::string& case_id);
  // Re-projects the cases left by deferred imports (also done by Open and by every non-deferred Commit).
  Status RefreshStaleCases();
  // For the projector, when a reference op changes what cases already stored project to (a registration or a
  // staff account): `case_ids` are projected once before the transaction commits (an authoring transaction,
  // an import's Commit) or, in a deferred import, with its other touched cases. REQUIRES: inside a write
  // transaction.
  Status MarkStale(const std::vector<std::string>& case_ids);
  // Encrypts this plain ledger with `sealer` in one transaction (the op bytes of ops, pending and
  // equivocations, meta "seal" and "seal_check", then `add_keyslots`, which must store at least one way to
  // unlock it: ledger/keyslots.h) and leaves every case for re-projection. kFailedPrecondition when already
  // encrypted; on any error nothing changed.
  // REQUIRES: outside a transaction. Then close this Ledger, open it again with the sealer (which
  // re-projects the cases sealed before anyone reads them) and Compact it.
  Status Encrypt(const Sealer& sealer, const std::function<Status()>& add_keyslots);
  // Rebuilds the file (WAL checkpoint, VACUUM): no replaced or deleted row survives in free pages or the
  // WAL. REQUIRES: outside a transaction.
  Status Compact();

  // ---- Small persistent values. Keys of the application are kept apart from the ledger's own.
  Result<std::optional<std::string>> GetMeta(const std::string& key);
  Status SetMeta(const std::string& key, const std::string& value);
  // Settings of the program using this ledger (hub URL, parent URL, ...): meta "setting/KEY".
  Result<std::optional<std::string>> GetSetting(const std::string& key);

  // ---- Reading.
  // Over the ops and cases whose division starts with `scope` (default: this replica's scope).
  Result<LedgerDigest> Digest(std::optional<std::string> scope);
  Result<LedgerCounts> Counts();
  Result<pb::Frontier> GetFrontier();

  // ---- Exchange.
  // Feeds `sink`, in seq order per origin, every op and skip this replica holds beyond `holder`'s frontier;
  // ops outside holder.scope() (or this replica's scope when it is empty) become skips. An empty holder
  // frontier means everything.
  Status Export(const pb::Frontier& holder, const std::function<Status(pb::Entry)>& sink);

  // Adds to `batch` a signed chain head for each origin with entries in it (docs/protocol.md,
  // "Signatures"): this replica's own origin signs its head at its last entry now; for another origin, the
  // verified head this replica received at the highest seq among the batch's entries of that origin, none
  // when it holds none there (the receiver keeps those entries waiting until a later batch covers them).
  Status AttachHeads(pb::Batch* batch);

  // An import transaction. Destroying it without Commit() rolls everything back.
  // An import checks every entry against the envelope rules (docs/protocol.md "Envelope rules"): seqs in
  // 1..kMaxSeq, ops at most kMaxOpBytes, an op's division equal to its case's, no op of this replica's own
  // origin beyond what it wrote, and skips only as the sender may vouch for them.
  class Import {
   public:
    virtual ~Import() = default;
    // Applies one batch, then retries what waits in `pending` until nothing more applies. Only entries
    // covered by a verified signed head (the batch's `heads` or one received before) apply; the others
    // wait in `pending`. A head that does not match its origin's chain, or whose signature fails, refuses
    // the import with kPermissionDenied naming the origin, the seq and what failed; the evidence is kept
    // (table forgeries, LedgerCounts::forgery_count) once the import is rolled back. Errors abandon
    // the whole import: kDataLoss for a malformed entry, kResourceExhausted for an op over kMaxOpBytes,
    // kPermissionDenied for a skip the sender may not vouch for or an op that lies about its case or its
    // author, kInvalidArgument for content the projector refuses.
    virtual Status Add(const pb::Batch& batch) = 0;
    // Add, for a caller that has parsed the batch's ops already (a hub parses a push before it takes the
    // writer's lock): `ops[i]` is entry i's op parsed from its bytes, an empty op for a skip. Every other
    // check is made as by Add. REQUIRES: ops.size() == batch.entries_size(), each parsed from that entry.
    virtual Status AddParsed(const pb::Batch& batch, std::vector<pb::Op> ops) = 0;
    // Retries what waits in `pending`, checks the pending limits (kResourceExhausted naming the limit;
    // kPermissionDenied for an origin this replica does not know waiting ahead of a gap), compares the
    // result with the sender's frontier (warnings on divergence), re-projects touched cases, commits durably.
    virtual Result<ImportStats> Commit(const pb::Frontier* sender_frontier) = 0;
    // Leaves the touched cases' projections for a later Commit without this call (or RefreshStaleCases):
    // a session of many batches then re-projects each case once instead of once per batch. Until then
    // list, conflict and digest reads may show those cases as they were.
    virtual void DeferProjection() = 0;
    // Records, in the same transaction, how far this replica has pulled from hub `hub_key` (a URL or
    // node id) and what it heard there: its pull cursor in `epoch` and the receipts of every level.
    virtual Status RecordPull(const std::string& hub_key, const std::string& epoch, uint64_t cursor,
                              const std::vector<pb::LevelReceipt>& receipts) = 0;
  };
  // `sender` decides which skips are accepted (ImportSender); without one, kUnchecked.
  Result<std::unique_ptr<Import>> BeginImport(ImportSender sender);
  Result<std::unique_ptr<Import>> BeginImport() { return BeginImport(ImportSender{}); }

  // ---- Serving pulls (hubs; any replica can serve a narrower one).
  struct PullResult {
    pb::Batch batch;
    uint64_t next_cursor = 0;
    bool more = false;
  };
  // The ops in `child_scope` that arrived here after `cursor` (local arrival order), minus those the child
  // holds per `child_frontier`, with skips before them wherever the child's frontier has a gap, so the
  // child's frontier stays contiguous. Costs O(returned ops) given the per-scope indexes of a hub.
  Result<PullResult> Pull(const std::string& child_scope, const pb::Frontier& child_frontier, uint64_t cursor,
                          size_t max_entries, size_t max_bytes);
  // The bytes of stored op `id`; nullopt when this replica does not hold it in full.
  Result<std::optional<std::string>> OpBytes(const OpId& id);
  // This replica's frontier restricted to `origins`, with chain hashes: a receipt. A client compares the
  // hash at its own origin with its own chain (CheckReceipt).
  Result<pb::Frontier> Receipt(const std::vector<std::string>& origins);

  // ---- What this replica heard from the hubs it syncs with.
  struct PullState {
    std::string epoch;
    uint64_t cursor = 0;
  };
  Result<PullState> GetPullState(const std::string& hub_key);
  // Receipts of each level above, as last recorded, restricted to `origins` (all when empty).
  Result<std::vector<pb::LevelReceipt>> Receipts(const std::vector<std::string>& origins);
  struct LevelStatus {
    std::string level;
    std::string hub_id;
    uint64_t own_ops_missing = 0;        // this node's own ops that level does not hold yet
    uint64_t oldest_missing_age_ms = 0;  // age of the oldest of them, 0 when none
    uint64_t heard_ms = 0;               // when that level last said what it holds
    std::string equivocation;            // "" or what CheckReceipt last found wrong at that level
  };
  Result<std::vector<LevelStatus>> LevelStatuses();
  // Compares what `hub_id` at `level` says it holds of this replica's own origin (seq and chain hash) with
  // this replica's own chain. Returns "" when they agree (or the receipt has no hash), else a message naming
  // the origin, the seq and both hashes, which is also recorded for LevelStatuses / status until a later
  // receipt agrees. REQUIRES: inside a write transaction (an Import).
  Result<std::string> CheckReceipt(const std::string& level, const std::string& hub_id, const pb::FrontierEntry& entry);
  // When this replica last completed a sync with `hub_key`, 0 if never.
  Result<uint64_t> LastSyncMs(const std::string& hub_key);
  Status RecordSyncDone(const std::string& hub_key);

  // ---- Peers allowed to sync with this replica (a hub's registry), in the same file.
  PeerRegistry& peers();

  struct Impl;

 private:
  explicit Ledger(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The DDL of the ops table and its index, for benchmarks that compare with plain SQLite inserts.
const char* OpsTableDdl();

}  // namespace silian::sync
