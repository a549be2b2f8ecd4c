// The ledger store: one SQLite file holding a replica's op log, its frontier, and the case projections.
// Used by node and hub alike. docs/architecture.md ("Ledger store") describes the tables.
//
// Guarantees:
// - Ops are immutable and identified by (origin, seq). Inserting a known op is a no-op; the same id with
//   other bytes is an equivocation: refused, kept as evidence, counted.
// - Per origin, the store holds seq 1..N with no gap: in-scope ops in full, out-of-scope runs as skips
//   (their chain hash only). Ops or skips that arrive ahead of a gap wait in a pending area and are applied
//   when the gap fills. Ops outside this replica's scope are never stored in full.
// - Every authoring call is one durable transaction (synchronous=FULL): once it returns OK the op survives
//   a crash. An import is one transaction: it applies completely or not at all.
// - Case projections are recomputed from the ops of every case an op touched, so they always equal
//   ProjectCase() over the stored ops.
// Not thread-safe: one LedgerStore per process and file (SQLite's locking keeps other processes out while
// a write is in progress).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "silian.pb.h"
#include "domain/calendar.h"
#include "domain/case_model.h"
#include "base/hlc.h"
#include "base/ids.h"
#include "domain/projection.h"
#include "base/status.h"

namespace silian::sync {

struct NodeConfig {
  NodeId node_id;
  Level level = Level::kVillage;
  DivisionCode division;
  std::string device = "01";  // two digits, unique among the devices of one division
};

struct ImportStats {
  uint64_t new_ops = 0;        // in-scope ops stored now
  uint64_t known = 0;          // ops or skips already held
  uint64_t out_of_scope = 0;   // ops outside this replica's scope, kept as skips only
  uint64_t skipped_runs = 0;   // skip entries applied
  uint64_t skips_refused = 0;  // skips cut for a narrower scope than this replica's: not applied
  uint64_t pending = 0;        // entries waiting for a gap to fill
  uint64_t equivocations = 0;  // known ids offered with other bytes: refused
  uint64_t cases_touched = 0;
  // New ops this import stored whose author lacked authority: kept in the log, not applied to the case.
  std::vector<RefusedOp> refused;
  std::vector<std::string> warnings;  // e.g. chain divergence against the sender's frontier
};

struct LedgerDigest {
  uint64_t ops = 0;
  std::string ledger_hex;
  std::string state_hex;
  // "ops=N ledger=HEX state=HEX"
  std::string ToLine() const;
};

struct CaseFilter {
  std::optional<std::string> status;        // a CaseStatus name
  std::optional<std::string> applicant_id;
  std::optional<std::string> scope;         // a division prefix
  size_t limit = 1000;
};

struct CaseSummary {
  std::string case_id;
  std::string case_number;
  std::string status;
  std::string applicant_name;
  std::string applicant_id;
  std::string item_code;
  std::string division;
  std::string last_update;  // ISO time of the latest op
  int open_conflicts = 0;
};

struct StoreStatus {
  NodeConfig config;
  std::string scope;
  uint64_t op_count = 0;
  uint64_t case_count = 0;
  uint64_t pending_count = 0;
  uint64_t equivocation_count = 0;
  uint64_t open_conflicts = 0;
  uint64_t max_skew_seen_ms = 0;
  pb::Frontier frontier;
};

struct NewCase {
  std::string item_code;
  std::string applicant_name;
  std::string applicant_id_type = "resident_id";
  std::string applicant_id;
  std::string phone;
  std::string address;
  std::string summary;
  std::string channel;
  std::string actor;
  std::optional<DivisionCode> division;  // default: the node's own division
};

class LedgerStore {
 public:
  struct Options {
    bool durable = true;        // synchronous=FULL; off only for tests and benchmarks on throwaway files
    WallClock* wall = nullptr;  // borrowed; null means the system clock
    uint64_t max_forward_skew_ms = HybridClock::kDefaultMaxForwardSkewMs;
  };

  // Creates a new ledger file (mode 0600). kFailedPrecondition if `path` exists.
  static Result<std::unique_ptr<LedgerStore>> Create(const std::string& path, const NodeConfig& config,
                                                     Options options);
  // Opens an existing ledger, migrating its schema if older. kNotFound if `path` does not exist,
  // kDataLoss if it is not a Silian ledger or is newer than this program.
  static Result<std::unique_ptr<LedgerStore>> Open(const std::string& path, Options options);
  ~LedgerStore();

  const NodeConfig& config() const;
  // The division prefix this replica holds.
  const std::string& scope() const;

  // ---- Authoring: each call validates, writes one op in one durable transaction, and returns its id.
  // Returns the new case's projection (case id, case number).
  Result<CaseProjection> CreateCase(const NewCase& c);
  Result<OpId> SetFields(const std::string& case_ref, const std::vector<std::pair<std::string, std::string>>& values,
                         const std::string& actor);
  Result<OpId> AddNote(const std::string& case_ref, const std::string& text, const std::string& actor);
  Result<OpId> AddMaterial(const std::string& case_ref, const std::string& name, uint32_t copies,
                           const std::string& actor);
  // A transition with its details (docs/architecture.md, "Workflow"): certificate_name, certificate_number,
  // valid_until for issue-certificate; method (window, post, agent) and tracking_number for deliver; days for
  // extend; procedure for suspend; owed and owed_due for accept / approve-tolerant with owed materials.
  // kFailedPrecondition naming the status and the allowed actions when `action` is not allowed now, or
  // naming the rule when this node's level lacks authority for the case's item.
  Result<OpId> Act(const std::string& case_ref, Action action, const std::string& reason, const std::string& actor,
                   const std::vector<std::pair<std::string, std::string>>& details = {});
  // A department's decision ("approve" or "deny") on its part of a parallel item.
  Result<OpId> DecideDepartment(const std::string& case_ref, const std::string& department,
                                const std::string& decision, const std::string& opinion, const std::string& actor);
  // A fee record: kind "charge", "payment" (needs a bank receipt number) or "refund" (needs a reason and at
  // most what was paid and not yet refunded).
  Result<OpId> RecordFee(const std::string& case_ref, const pb::FeeRecorded& fee, const std::string& actor);
  Result<OpId> Evaluate(const std::string& case_ref, const pb::EvaluationGiven& evaluation, const std::string& actor);
  // A step of the rectification opened by negative evaluation `evaluation` (its op id) of the case.
  Result<OpId> Rectify(const std::string& case_ref, const OpId& evaluation, const std::string& step,
                       const std::string& note, const std::string& due_date, const std::string& actor);
  // Exactly one of keep / value. kNotFound for an unknown or already closed conflict.
  Result<OpId> ResolveConflict(const std::string& conflict_id, std::optional<OpId> keep,
                               std::optional<std::string> value, const std::string& actor);

  // ---- Reference data: the item catalogue and working-day calendars. County and city hubs publish them
  // as reference ops for their whole area; every replica in that area receives and reads them.
  struct PublishResult {
    std::vector<pb::Item> published;     // with the versions assigned
    std::vector<std::string> unchanged;  // codes whose latest version already had this content
  };
  // One op per changed item, all in one durable transaction. An item with version 0 gets the next version
  // of its code; an explicit version must be the next one. kFailedPrecondition at a village or township
  // node; kInvalidArgument naming the item for a content error.
  Result<PublishResult> PublishItems(std::vector<pb::Item> items, const std::string& actor);
  // Publishes a calendar layer for this replica's area (name "national" for the base). Returns false when
  // the latest version of that layer already has this content. Version 0 means the next version.
  Result<bool> PublishCalendar(pb::Calendar calendar, const std::string& actor);
  // The latest version of every item code, sorted by code (every version with all_versions).
  Result<std::vector<pb::Item>> CatalogItems(bool all_versions);
  // The item of `code` at `version` (the latest when absent). kNotFound naming the code.
  Result<pb::Item> FindItem(const std::string& code, std::optional<uint32_t> version);
  // The latest version of every calendar layer held, with its area.
  Result<std::vector<CalendarLayer>> CalendarLayers();
  // The working-day calendar of a division: the built-in national calendar and the layers held.
  Result<WorkingCalendar> CalendarFor(const std::string& division);

  // ---- Notices to applicants (a hub's transactional outbox). With setting "notify" = "on", re-projecting
  // a case creates one notice per event (accepted, correction_needed, decided, ready_for_collection) in the
  // same transaction, keyed by the event's op id, so an event that arrives twice makes one notice.
  struct Notice {
    std::string id;
    std::string case_id;
    std::string case_number;
    std::string kind;
    std::string phone;
    std::string text;
    std::string state;  // pending, sent, failed, no_phone
    uint64_t event_ms = 0;
    uint64_t created_ms = 0;
    uint64_t next_attempt_ms = 0;
    uint64_t sent_ms = 0;
    uint32_t attempts = 0;
    std::string last_error;
  };
  // Creates `notice` (state pending) unless a notice with its id exists. Returns whether it was created.
  Result<bool> AddNotice(const Notice& notice);
  // Notices by creation time, newest first; `state` filters.
  Result<std::vector<Notice>> ListNotices(std::optional<std::string> state, size_t limit);
  // Pending notices whose next attempt is due at `now_ms`, oldest first.
  Result<std::vector<Notice>> DueNotices(uint64_t now_ms, size_t limit);
  Status MarkNoticeSent(const std::string& id, uint64_t now_ms);
  // Records a failed attempt: pending again at next_attempt_ms, or failed for good when give_up.
  Status MarkNoticeFailed(const std::string& id, const std::string& error, uint64_t next_attempt_ms, bool give_up);

  // ---- Reading.
  // Stored case views (summary, no history) in `scope` (a division prefix; all when empty), by case id.
  Status ForEachCaseView(const std::string& scope, const std::function<Status(const nlohmann::json& view)>& fn);
  // A case reference is a case id ("origin:seq") or a case number. kNotFound when no case matches.
  Result<CaseId> FindCase(const std::string& case_ref);
  Result<nlohmann::json> ShowCase(const std::string& case_ref);
  Result<std::vector<CaseSummary>> ListCases(const CaseFilter& filter);
  // Open conflicts, as JSON objects (id, case, kind, field, candidates), ordered by id.
  Result<std::vector<nlohmann::json>> ListConflicts();
  // Over the ops and cases whose division starts with `scope` (default: this replica's scope).
  Result<LedgerDigest> Digest(std::optional<std::string> scope);
  Result<StoreStatus> GetStatus();
  Result<pb::Frontier> GetFrontier();

  // ---- Exchange.
  // Feeds `sink`, in seq order per origin, every op and skip this replica holds beyond `holder`'s frontier;
  // ops outside holder.scope() (or this replica's scope when it is empty) become skips. An empty holder
  // frontier means everything.
  Status Export(const pb::Frontier& holder, const std::function<Status(pb::Entry)>& sink);

  // An import transaction. Destroying it without Commit() rolls everything back.
  class Import {
   public:
    virtual ~Import() = default;
    // Applies one batch. kDataLoss for a malformed op (the whole import must then be abandoned).
    virtual Status Add(const pb::Batch& batch) = 0;
    // Compares the result with the sender's frontier (warnings on divergence), recomputes touched cases,
    // commits durably.
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
  Result<std::unique_ptr<Import>> BeginImport();
  // Re-projects the cases left by deferred imports (also done by Open and by every non-deferred Commit).
  Status RefreshStaleCases();

  // ---- Serving pulls (hubs; any replica can serve a narrower one).
  // A random id of this ledger file, made at Create: a pull cursor is meaningful only with its epoch.
  const std::string& epoch() const;
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
  // This replica's frontier restricted to `origins` (seq only, no hashes): a receipt.
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
    uint64_t own_ops_missing = 0;     // this node's own ops that level does not hold yet
    uint64_t oldest_missing_age_ms = 0;  // age of the oldest of them, 0 when none
    uint64_t heard_ms = 0;            // when that level last said what it holds
  };
  Result<std::vector<LevelStatus>> LevelStatuses();
  // When this replica last completed a sync with `hub_key`, 0 if never.
  Result<uint64_t> LastSyncMs(const std::string& hub_key);
  Status RecordSyncDone(const std::string& hub_key);

  // ---- Settings of the program using this ledger (hub URL, parent URL, ...), kept in the ledger file.
  Status SetSetting(const std::string& key, const std::string& value);
  Result<std::optional<std::string>> GetSetting(const std::string& key);

  // ---- Peers allowed to sync with this replica (a hub's registry).
  struct Peer {
    NodeId node_id;
    Level level = Level::kVillage;
    DivisionCode division;
    uint64_t added_ms = 0;
    uint64_t last_contact_ms = 0;
    uint64_t ops_received = 0;
    uint64_t ops_sent = 0;
    uint64_t errors = 0;
    std::string last_error;
  };
  // kFailedPrecondition when the peer exists with another level or division.
  Status AddPeer(const Peer& peer);
  // kNotFound when absent.
  Status RemovePeer(const NodeId& node_id);
  Result<std::vector<Peer>> ListPeers();
  Result<std::optional<Peer>> FindPeer(const std::string& node_id);
  Status RecordContact(const std::string& node_id, uint64_t ops_received, uint64_t ops_sent, const std::string& error);

 private:
  struct Impl;
  friend class ImportImpl;
  explicit LedgerStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// BLAKE2b-256 chain step: H(prev ‖ op_bytes). The chain starts from 32 zero bytes.
std::string ChainHash(const std::string& prev, const std::string& op_bytes);
std::string ToHex(const std::string& bytes);
// The DDL of the ops table and its index, for benchmarks that compare with plain SQLite inserts.
const char* OpsTableDdl();

}  // namespace silian::sync
