// The Ledger's state, shared by its implementation files (ledger.cc, exchange.cc, serving.cc,
// sync_state.cc). Private to the ledger module.
#pragma once

#include <map>
#include <set>
#include <memory>
#include <string>

#include "ledger/db.h"
#include "ledger/ledger.h"
#include "ledger/sealer.h"

namespace silian::sync {

// Where SQLite keeps the writer's temporary data. A statement that changes a case row (its indexes, the
// watch index's triggers) keeps the pages it changes in a statement journal until it ends; once one such
// journal outgrew 64 KiB, SQLite moved it to a file for the rest of the transaction, and every later
// statement wrote its pages there: 22,000 pwrite calls into /var/tmp for a 20,000-op import, about a tenth
// of its time. In memory, a statement journal holds one statement's pages. Sorts and VACUUM's copy of the
// file would be held whole in memory too: schema migrations (CREATE INDEX over a filled table) and
// Ledger::Compact run with kTempInFiles, everything after the file is open and current with kTempInMemory.
inline constexpr const char* kTempInMemory = "PRAGMA temp_store=MEMORY";
inline constexpr const char* kTempInFiles = "PRAGMA temp_store=FILE";

struct FrontierPoint {
  uint64_t seq = 0;
  std::string hash;  // the chain hash at seq; ZeroHash() at 0
};

struct Ledger::Impl {
  std::string path;
  sqlite3* db = nullptr;
  Projector* projector = nullptr;
  NodeConfig config;
  std::string scope;
  std::string epoch;
  SigningKey signing_key;  // meta "signing_key"
  const Sealer* sealer = nullptr;  // set when the ledger is encrypted (meta "seal")
  Options options;
  SystemWallClock system_wall;
  WallClock* wall = nullptr;
  std::unique_ptr<HybridClock> clock;
  std::map<std::string, FrontierPoint> frontier;
  std::unique_ptr<PeerRegistry> peers;
  int64_t data_version = -1;
  bool in_transaction = false;

  Stmt insert_op, select_op_bytes, select_case_ops, insert_skip, extend_skip, last_skip, upsert_frontier,
      insert_pending, next_pending, delete_pending, insert_equivocation, get_meta, set_meta, select_op_case,
      select_chain_hash_for_head;
  StmtCache statements;  // the collaborators' hot statements (Ledger::statements)
  uint64_t last_purge_ms = 0;

  ~Impl();

  Status PrepareAll();
  // Op bytes as stored in `table` (ops, pending, equivocations/held, ...) at row (origin, seq): sealed
  // when the ledger is encrypted, else as given. OpenStored is the inverse (kDataLoss when it does not open).
  std::string SealStored(std::string_view table, const std::string& origin, uint64_t seq, std::string_view bytes) const;
  Result<std::string> OpenStored(std::string_view table, const std::string& origin, uint64_t seq,
                                 std::string bytes) const;
  // The signing key's secret as meta holds it (sealed in an encrypted ledger), and back.
  std::string SealSecret(const std::string& secret) const;
  Result<std::string> OpenSecret(const std::string& stored) const;
  Result<std::optional<std::string>> GetMeta(const std::string& key);
  Status SetMeta(const std::string& key, const std::string& value);
  Status LoadFrontier();
  Status LoadClock();
  Status SaveClock();
  Status SaveFrontier(const std::string& origin);
  FrontierPoint& Point(const std::string& origin);
  // Stores an op in scope (and tells the projector of a reference op).
  Status InsertOp(const pb::Op& op, const std::string& bytes, const std::string& chain_hash);
  // Records seqs from..to of `origin` as skipped (none of them in `skip_scope`), merging with an adjacent
  // earlier run of the same scope.
  Status AddSkip(const std::string& origin, uint64_t from, uint64_t to, const std::string& hash,
                 const std::string& skip_scope);
  Status AddEquivocation(const std::string& origin, uint64_t seq, const std::string& held, const std::string& offered);
  // The stored ops of `case_id` (opened when sealed). kDataLoss when one does not open or parse.
  Result<std::vector<pb::Op>> CaseOps(const std::string& case_id);
  // Loads the case's ops and has the projector store its projection; returns the projector's refusals.
  Result<std::vector<Refusal>> Reproject(const std::string& case_id);
  // Removes and returns the cases whose projection an earlier import deferred. REQUIRES: a transaction.
  Result<std::vector<std::string>> TakeStaleCases();
  // Adds `case_id` to stale_cases (left for a later projection). REQUIRES: a write transaction.
  Status InsertStale(const std::string& case_id);
  // Ledger::MarkStale's cases not yet projected in this transaction.
  std::set<std::string> marked_stale;
  // Projects marked_stale's cases and takes them out of stale_cases (the end of an authoring transaction).
  Status ProjectMarkedStale();
  // Deletes pending entries older than options.pending.max_age_ms, and malformed ones. REQUIRES: a
  // write transaction.
  Status PurgePending();
  // Whether PurgePending would delete anything (a read).
  Result<bool> HasPendingToPurge();
  uint64_t PurgeCutMs();
  // PurgePending when this process has not purged for an hour.
  Status PurgePendingNowAndThen();
  Status SaveReceipts(const std::vector<pb::LevelReceipt>& receipts);
  // Another process (silian-admin publishing a catalogue next to a serving hub) may have written since
  // this connection last did: PRAGMA data_version changes only for other connections' commits, and then
  // the cached frontier, clock and the projector's settings are reloaded. REQUIRES: inside a write
  // transaction, or before a read that serves peers.
  Status RefreshIfChangedElsewhere();
  // A prepared statement left on a row holds a read transaction open, and with it an old snapshot of the
  // database: a serving hub would never see what another process wrote. Reads that serve peers start here.
  void ResetStatements();
  // After a rollback: the cached frontier, clock and settings are those of the file again.
  void ReloadAfterRollback();
};

}  // namespace silian::sync
