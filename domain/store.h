// The store: the front that silian-node, silian-hub and silian-admin use. It owns a generic Ledger
// (ledger/ledger.h: op log, frontier, exchange) with the service domain's CaseProjector plugged in (case
// tables, reference index, outbox), and adds what the service centre authors: cases and their follow-up
// ops, the catalogue and calendars. Each authoring call validates its input, then writes one op in one
// durable transaction of the ledger; reads go to the collaborator that holds the table. Generic calls are
// passed to the ledger unchanged (sync code takes the Ledger itself: ledger()).
// Not thread-safe: one LedgerStore per process and file (a hub's HubLedger holds the lock).
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
#include "base/hlc.h"
#include "base/ids.h"
#include "base/status.h"
#include "domain/calendar.h"
#include "domain/case_model.h"
#include "domain/case_projector.h"
#include "domain/case_tables.h"
#include "domain/outbox.h"
#include "domain/projection.h"
#include "domain/staff.h"
#include "domain/store_reader.h"
#include "domain/view_scan.h"
#include "ledger/ledger.h"

namespace silian::sync {

struct StoreStatus {
  NodeConfig config;
  std::string scope;
  uint64_t op_count = 0;
  uint64_t case_count = 0;
  uint64_t pending_count = 0;
  uint64_t equivocation_count = 0;
  uint64_t forgery_count = 0;  // imports refused for a forged head (table forgeries)
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
  std::string language = "zh";  // the applicant's language: "zh" or "mn" (domain/notice_templates.h)
  std::string actor;
  std::optional<DivisionCode> division;  // default: the node's own division
};

class LedgerStore {
 public:
  using Options = Ledger::Options;
  using Import = Ledger::Import;
  using PullResult = Ledger::PullResult;
  using PullState = Ledger::PullState;
  using LevelStatus = Ledger::LevelStatus;
  using Peer = sync::Peer;
  using Notice = sync::Notice;

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
  // Second pass of the workflow (issue 11; docs/architecture.md, "Workflow"). Each is refused with
  // kFailedPrecondition naming the rule when this replica's own projection would refuse the op.
  // A review step of the item: `step` the pending one of its steps, `outcome` "pass" or "return" (which
  // needs an opinion); the reviewer is the actor.
  Result<OpId> RecordReviewStep(const std::string& case_ref, const std::string& step, const std::string& outcome,
                                const std::string& opinion, const std::string& actor);
  // A correction past its due day: "withdraw" it (the case is withdrawn) or "continue" with `new_due`
  // (YYYY-MM-DD, after today); `reason` required.
  Result<OpId> DecideLapsedCorrection(const std::string& case_ref, const std::string& decision,
                                      const std::string& reason, const std::string& new_due, const std::string& actor);
  // A subsidy paid by bank transfer on an approved case: name, amount (fen) and transfer reference required.
  Result<OpId> RecordSubsidy(const std::string& case_ref, const pb::SubsidyPaid& subsidy, const std::string& actor);
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
  // Creates `notice` (state pending) unless a notice with its id exists. Returns whether it was created.
  Result<bool> AddNotice(const Notice& notice);
  // Notices by creation time, newest first; `state` filters.
  Result<std::vector<Notice>> ListNotices(std::optional<std::string> state, size_t limit);
  // The notices to the applicant the events of case `case_ref` call for, as the outbox of a hub with
  // notify on composes them (Outbox::Compose), in event order, whether or not this ledger notifies.
  // kNotFound naming an unknown case. Writes nothing.
  Result<std::vector<Notice>> CaseNotices(const std::string& case_ref);
  // Pending notices whose next attempt is due at `now_ms`, oldest first.
  Result<std::vector<Notice>> DueNotices(uint64_t now_ms, size_t limit);
  Status MarkNoticeSent(const std::string& id, uint64_t now_ms);
  // Records a failed attempt: pending again at next_attempt_ms, or failed for good when give_up.
  Status MarkNoticeFailed(const std::string& id, const std::string& error, uint64_t next_attempt_ms, bool give_up);

  // ---- Reading.
  // Stored case views (summary, no history) in `scope` (a division prefix; all when empty), by case id.
  Status ForEachCaseView(const std::string& scope, const std::function<Status(const nlohmann::json& view)>& fn);
  // The stored views of the open cases `query` selects (domain/case_watch.h: by status and due day, the
  // index of the window queue), in its order, and how many match. kInvalidArgument naming a bad status.
  Result<WatchedViews> WatchedCaseViews(const WatchQuery& query);
  // Stored views of every case of `scope` that supervision can find a problem with (case_watch.h), by
  // case id: what sync::Supervise needs, without reading the closed cases.
  Status ForEachWatchedCaseView(const std::string& scope, const std::function<Status(const nlohmann::json& view)>& fn);
  // One pass over many views, parsed on `workers` threads (domain/view_scan.h): the watched cases of
  // `scope` (as ForEachWatchedCaseView) when `watched_only`, else every case of `scope`, each marked with
  // whether it is watched; ordinals in case id order. This connection reads on the calling thread only.
  Status ScanCaseViews(const std::string& scope, bool watched_only, int workers, const ViewSink& sink);
  // As ScanCaseViews, each case's facts (domain/case_facts.h): what the report and supervision read, a
  // small record per case instead of its JSON view (hub/area_pass.h).
  Status ScanCaseFacts(const std::string& scope, bool watched_only, int workers, const FactsSink& sink);
  // A case reference is a case id ("origin:seq") or a case number. kNotFound when no case matches.
  Result<CaseId> FindCase(const std::string& case_ref);
  Result<nlohmann::json> ShowCase(const std::string& case_ref);
  Result<std::vector<CaseSummary>> ListCases(const CaseFilter& filter);
  // How many cases `filter` selects, its limit aside (a count, no case is read).
  Result<uint64_t> CountCases(const CaseFilter& filter);
  // Open conflicts, as JSON objects (id, case, kind, field, candidates), ordered by id.
  Result<std::vector<nlohmann::json>> ListConflicts();
  // Over the ops and cases whose division starts with `scope` (default: this replica's scope).
  Result<LedgerDigest> Digest(std::optional<std::string> scope);
  Result<StoreStatus> GetStatus();
  Result<pb::Frontier> GetFrontier();
  // A read path of its own (domain/store_reader.h): a second, read-only connection to this ledger file
  // that sees each commit and never waits for this store's writes. Usable from any thread; it may outlive
  // this store only if the sealer (of an encrypted ledger) does. kFailedPrecondition when the file is not
  // in WAL mode; kInternal naming SQLite's message.
  Result<std::unique_ptr<StoreReader>> OpenReader();

  // ---- Exchange.
  // Feeds `sink`, in seq order per origin, every op and skip this replica holds beyond `holder`'s frontier;
  // ops outside holder.scope() (or this replica's scope when it is empty) become skips. An empty holder
  // frontier means everything.
  Status Export(const pb::Frontier& holder, const std::function<Status(pb::Entry)>& sink);

  // An import transaction. Destroying it without Commit() rolls everything back.
  Result<std::unique_ptr<Import>> BeginImport();
  // Re-projects the cases left by deferred imports (also done by Open and by every non-deferred Commit).
  Status RefreshStaleCases();

  // ---- Serving pulls (hubs; any replica can serve a narrower one).
  // A random id of this ledger file, made at Create: a pull cursor is meaningful only with its epoch.
  const std::string& epoch() const;
  // The ops in `child_scope` that arrived here after `cursor` (local arrival order), minus those the child
  // holds per `child_frontier`, with skips before them wherever the child's frontier has a gap, so the
  // child's frontier stays contiguous. Costs O(returned ops) given the per-scope indexes of a hub.
  Result<PullResult> Pull(const std::string& child_scope, const pb::Frontier& child_frontier, uint64_t cursor,
                          size_t max_entries, size_t max_bytes);
  // This replica's frontier restricted to `origins` (seq only, no hashes): a receipt.
  Result<pb::Frontier> Receipt(const std::vector<std::string>& origins);

  // ---- What this replica heard from the hubs it syncs with.
  Result<PullState> GetPullState(const std::string& hub_key);
  // Receipts of each level above, as last recorded, restricted to `origins` (all when empty).
  Result<std::vector<pb::LevelReceipt>> Receipts(const std::vector<std::string>& origins);
  Result<std::vector<LevelStatus>> LevelStatuses();
  // When this replica last completed a sync with `hub_key`, 0 if never.
  Result<uint64_t> LastSyncMs(const std::string& hub_key);
  Status RecordSyncDone(const std::string& hub_key);

  // ---- Settings of the program using this ledger (hub URL, parent URL, ...), kept in the ledger file.
  Status SetSetting(const std::string& key, const std::string& value);
  Result<std::optional<std::string>> GetSetting(const std::string& key);

  // ---- Peers allowed to sync with this replica (a hub's registry).
  // kFailedPrecondition when the peer exists with another level or division.
  Status AddPeer(const Peer& peer);
  // kNotFound when absent.
  Status RemovePeer(const NodeId& node_id);
  Result<std::vector<Peer>> ListPeers();
  Result<std::optional<Peer>> FindPeer(const std::string& node_id);
  Status RecordContact(const std::string& node_id, uint64_t ops_received, uint64_t ops_sent, const std::string& error);

  // ---- The node registry (domain/registry.h): registrations are reference ops every replica of their
  // area holds; authority and publisher rights are judged from them.
  // At a county or city hub: allows `peer` to sync here and, when its Ed25519 `public_key` is given, publishes
  // its registration (area = the node's scope), in one transaction. `device` is "" or two digits. Returns
  // false when nothing was published (no key yet, or the registry already said so). kFailedPrecondition below county level; kInvalidArgument for a node not of a
  // lower level or outside this hub's area; AddPeer's errors.
  // `also`, when given, runs inside the same transaction after the registration (the enrolment code's
  // bookkeeping); its failure undoes everything.
  Result<bool> RegisterNode(const Peer& peer, const std::string& device, const std::string& actor,
                            const std::string& public_key = "", const std::function<Status()>& also = nullptr);
  // Publishes the registration of `node_id` (held here) with status "revoked" after `after_seq`: its ops
  // with a greater seq are refused by every replica that holds it (Registry::AdmitOrigin). kNotFound when
  // no registration of it is held; RegisterNode's errors.
  Status RevokeNode(const NodeId& node_id, uint64_t after_seq, const std::string& actor);
  // Raises the counter of this node's case numbers to the highest its own cases held here carry: after a
  // restored ledger took its own ops back from its hub (Options::adopt_own_up_to), no number repeats.
  Status RaiseCaseCounterToHeld();
  // The device-number rules of domain/registry.h at this hub: kPermissionDenied naming the responsible hub
  // when it is not this one; otherwise the smallest free device of `division` besides `also_taken`.
  // `node` is the node the device is for.
  Result<std::string> AllocateDevice(const NodeId& node, const DivisionCode& division,
                                     const std::vector<std::string>& also_taken);
  // Removes the peer and publishes its registration with status "removed", in one transaction.
  // kNotFound when it is not a peer here.
  Status DeregisterNode(const NodeId& node_id, const std::string& actor);
  // The root hub (a hub without a parent) registers itself and pins itself as this replica's root.
  // kPermissionDenied when another root is pinned here.
  Status RegisterSelfAsRoot(const std::string& actor);
  // Every registration held, by node id.
  Result<std::vector<Registration>> Registrations();
  // The pinned registry root; nullopt when none is pinned yet.
  Result<std::optional<std::string>> RegistryRoot();

  // ---- Staff accounts, sessions and the staff audit (domain/staff.h; domain/staff_store.cc).
  // At a county or city hub: publishes account `account` (its op in force: status, roles, verifier).
  // With a node id, the node must be registered here and the account's division becomes the node's.
  // Returns false when the account held already says so. kFailedPrecondition below county level;
  // kInvalidArgument for a division outside this hub's area, an unknown node, bad content.
  Result<bool> PublishStaff(StaffAccount account, const std::string& actor);
  Result<std::optional<StaffAccount>> FindStaff(const std::string& staff_id);
  Result<std::vector<StaffAccount>> StaffAccounts();
  // Audit records held, newest first.
  Result<std::vector<AuditRecord>> AuditRecords(size_t limit);
  // Whether this node's ops are judged by staff accounts (a login is required to author case ops).
  Result<bool> StaffRequired();
  // Checks `passphrase` for account `staff_id` at this node and, when it matches, starts a session of
  // `ttl_ms` keyed by `token_hash` (SessionTokenHash). Either way one audit op (login / login_failed) is
  // written, and nothing else. kInvalidArgument naming the staff id for a wrong passphrase or an unknown
  // account; kPermissionDenied for a disabled account or one of another node.
  Result<Session> Login(const std::string& staff_id, const std::string& passphrase, uint64_t ttl_ms,
                        const std::string& token_hash);
  // The session of `token_hash` when it is in force: not expired, its account active at this node.
  // kFailedPrecondition naming the staff id and why otherwise; kNotFound when there is none.
  Result<Session> ActiveSession(const std::string& token_hash);
  // Ends the session (an audit op "logout"). OK when there was none.
  Status Logout(const std::string& token_hash);
  // Writes the audit op of the last role refusal of an authoring call, if any (the refused call rolled
  // back everything it wrote; this is its one trace). Clears it.
  Status AuditLastRefusal();

  // The generic ledger, for sync sessions, serving and exchange. Borrowed; lives as long as this store.
  Ledger& ledger() { return *ledger_; }

 private:
  LedgerStore(std::unique_ptr<CaseProjector> projector, std::unique_ptr<Ledger> ledger);
  // The source of ScanCaseViews (facts false) and ScanCaseFacts (true): the cases of `scope`, or only
  // `watched` (the watch index's ids in scope, by case id) when `watched_only`. Borrows scope and watched.
  ViewSource StoredCases(const std::string& scope, bool watched_only, bool facts, std::vector<std::string>& watched);
  // The terms a new case of item `code` in `division` records: the latest version's, with the lead
  // department of the implementation for that division (catalog.h, TermsFor). REQUIRES: inside a transaction.
  Result<std::optional<pb::ItemTerms>> TermsForDivision(const std::string& code, const std::string& division);
  // The case and its projection, for authoring a follow-up op. REQUIRES: inside a transaction.
  Result<CaseProjection> CaseForWrite(const std::string& ref);
  // kFailedPrecondition naming the rule when this node's level lacks authority for `action` on the case.
  Status CheckAuthorityFor(const CaseProjection& p, std::string_view action);
  // Publishes registration `r` unless the registry already says so. REQUIRES: inside a transaction.
  Result<bool> PublishRegistration(const Registration& r, const std::string& actor);
  // Whether this hub may register `peer` (a node of a lower level inside its area).
  Status CheckHubRegisters(const Peer& peer);
  // kFailedPrecondition naming the rule when the fold of case `p` with `op` appended (by `actor`, now) would
  // refuse it: the rules of the projection are the rules of authoring. REQUIRES: inside a transaction.
  Status CheckFoldAccepts(const CaseProjection& p, const pb::Op& op, const std::string& actor);
  // The rules of transition `action` on case `p` that need its calendar: an extension before the legal
  // deadline; a correction's due day (`*due`, filled with 5 working days from today when empty) after today.
  Status CheckDatedRules(const CaseProjection& p, Action action, std::string* due);
  // Appends `op` to case `p` (its heads as parents); with `fold_check`, only when CheckFoldAccepts.
  // REQUIRES: inside a transaction.
  Result<OpId> AppendToCase(pb::Op op, const std::string& actor, const CaseProjection& p, bool fold_check = false);
  // kPermissionDenied naming staff, roles and action when `actor` may not author `body` at this node
  // (StaffRegistry::Judge); remembers the refusal for AuditLastRefusal. REQUIRES: inside a transaction.
  Status CheckActorMay(const pb::Op& body, const std::string& actor);
  // Appends audit op `audit` in its own durable transaction.
  Status WriteAudit(const pb::StaffAudit& audit);

  std::optional<pb::StaffAudit> last_refusal_;

  // Declared first: the ledger calls the projector until it is destroyed.
  std::unique_ptr<CaseProjector> projector_;
  std::unique_ptr<Ledger> ledger_;
};


}  // namespace silian::sync
