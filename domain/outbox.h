// The outbox of notices to applicants (a hub's transactional outbox), in the ledger's SQLite file. With
// setting "notify" = "on", re-projecting a case creates one notice per stage event (PlanNotices: received,
// accepted, not accepted, correction needed, suspended, extended, decided, each department's part, fee due,
// refunded, ready for collection, delivered, withdrawn, revoked, terminated) in the same transaction, keyed
// by the event's op id and the notice kind, so an event that arrives twice makes one notice; events from
// before notices were turned on make none. Texts come from domain/notice_templates.h in the applicant's
// language. A collaborator of the case projector. Not thread-safe (as the Ledger).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "domain/notice_templates.h"
#include "domain/projection.h"
#include "domain/reference_index.h"

namespace silian::sync {

class Ledger;

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

// Notice texts are made only of the catalogue's name of the case's item and the case number, never of text
// written inside a case (a forged case's terms could say anything): `item` is the catalogue entry held for
// the case's item code (items are admitted only from their publishers, domain/registry.h), nullopt when the
// catalogue lacks it, which gives the generic heading. A case number that is not digits and dashes is left
// out. Pure. "【四联政务】您的<name>申请（办件编号<number>）".
std::string NoticeHead(const std::optional<pb::Item>& item, const std::string& case_number);
// The overdue apology for a case of `item` (as NoticeHead), in `language`, with the hub's template
// `overrides` (notice_templates.h) when given.
std::string OverdueApologyText(const std::optional<pb::Item>& item, const std::string& case_number,
                               Language language = Language::kChinese,
                               const NoticeTemplateOverrides* overrides = nullptr);

// A notice a case's facts call for: the op it answers, its template (domain/notice_templates.h), when the
// event happened (Unix ms) and the facts beyond the item and case number (procedure, days, amount,
// department).
struct PlannedNotice {
  std::string op;
  std::string template_id;
  uint64_t event_ms = 0;
  NoticeFacts facts;
};
// The notices of `p`, in order: its transition events, then its fees (charge, refund), then its departments'
// decisions. `item` is the catalogue entry of the case's item (a department is named only when it lists
// it). Pure. At merge, an op kind added later (subsidy paid, correction lapsed) adds its line here.
std::vector<PlannedNotice> PlanNotices(const CaseProjection& p, const std::optional<pb::Item>& item);

// The notices of stages whose ops come with another branch (issue 11 items 5 and 7), for PlanNotices to
// push at merge: a subsidy of `amount_fen` paid by op `op` at `event_ms`; a correction deadline that lapsed,
// recorded by op `op` (the case counts as withdrawn). Pure.
PlannedNotice SubsidyPaidNotice(const std::string& op, uint64_t event_ms, int64_t amount_fen);
PlannedNotice CorrectionLapsedNotice(const std::string& op, uint64_t event_ms);

class Outbox {
 public:
  // The DDL schema version `version` of the ledger file adds for the outbox ("" for none).
  static std::string SchemaStep(int version);
  // `ledger` and `reference` are borrowed (the connection, the clock and the settings are the ledger's).
  Outbox(Ledger& ledger, ReferenceIndex& reference) : ledger_(ledger), reference_(reference) {}

  // Reads the settings "notify", the notice template overrides and the time notices were turned on.
  Status Reload();
  // Setting "notify" changes to `value` now: turning it on does not notify applicants of what happened
  // before. REQUIRES: inside a write transaction.
  Status OnNotifySetting(const std::string& value);
  // The notices of `p`'s events, once per event. REQUIRES: inside a write transaction.
  Status CreateNotices(const CaseProjection& p);
  // The notices `p`'s events call for, as CreateNotices would create them (id, kind, text, phone,
  // event_ms; state empty), whatever the setting "notify" and the time it was turned on: what the
  // applicant is told by the hub of the area that notifies. Reads the catalogue; writes nothing. Given a
  // view with history, a correction notice lists what was missing when it was requested.
  Result<std::vector<Notice>> Compose(const CaseProjection& p);

  // Creates `notice` (state pending, or no_phone) unless a notice with its id exists. Returns whether it
  // was created. REQUIRES: inside a write transaction.
  Result<bool> Insert(const Notice& notice);
  // Notices by creation time, newest first; `state` filters.
  Result<std::vector<Notice>> List(std::optional<std::string> state, size_t limit);
  // Pending notices whose next attempt is due at `now_ms`, oldest first.
  Result<std::vector<Notice>> Due(uint64_t now_ms, size_t limit);
  // kNotFound naming the id when there is no such notice.
  Status MarkSent(const std::string& id, uint64_t now_ms);
  // Records a failed attempt: pending again at next_attempt_ms, or failed for good when give_up.
  Status MarkFailed(const std::string& id, const std::string& error, uint64_t next_attempt_ms, bool give_up);

 private:
  // The materials still missing, as the notice in `language` lists them ("" when unknown). A view with
  // history dates its materials: those received after `as_of` (ISO 8601 UTC, HlcToIso) are left out, so
  // the list is the one of the request; the stored summary has no dates and counts every one.
  std::string MissingList(const CaseProjection& p, Language language, const std::string& as_of);
  // The catalogue entry the notices of `p` name: the version the case was received under, else the latest.
  std::optional<pb::Item> CatalogueItem(const CaseProjection& p);

  Ledger& ledger_;
  ReferenceIndex& reference_;
  bool notify_ = false;           // setting "notify": create notices to applicants (hubs)
  uint64_t notify_since_ms_ = 0;  // events before this time get no notice
  NoticeTemplateOverrides overrides_;  // settings notice-template.ID.LANG
};

}  // namespace silian::sync
