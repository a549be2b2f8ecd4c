// The watch index: the open cases of a replica by status and due date, so that the window queue and
// supervision read only the cases that can need them instead of every stored case view.
//
// Table case_watch (derived data, like the case tables; no personal data):
//   case_id TEXT PRIMARY KEY, division TEXT, status TEXT, exercise_level TEXT ("" when the case has no
//   item), due TEXT (YYYY-MM-DD or ""), owed_due TEXT (OwedDueOf: the due day of owed materials still
//   outstanding, "" when the acceptance gave none; NULL when nothing is owed).
// A case has a row exactly when its status allows accept or request-correction (it waits for the window),
// it owes materials (OwedDueOf), or supervision (sync::Supervise) finds a problem with it three years after its latest op: a clock that
// runs, an acceptance awaited, owed materials, a correction or a rectification still open all become
// overdue by then, so a case without a row can need nobody until an op of it is stored again (which
// rewrites its row). `due` is the promised clock's due day, else the one-time notice
// window's, computed as of the day of the case's latest op with the calendar of its division: the day the
// case is next due if nothing happens. An open suspension or a deemed acceptance can make today's due
// later; readers that show a due compute it again from the view (the order of rows is by this key).
// Rows are rewritten in the transaction that stores the case (CaseProjector::ProjectAndStore) and all
// recomputed when a calendar layer is indexed. Table case_watch_version holds kVersion; a ledger whose
// table is missing (made before the index) or of another version has it rebuilt when it opens.
// Not thread-safe (as the Ledger).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "domain/calendar.h"
#include "domain/case_tables.h"
#include "domain/projection.h"
#include "domain/reference_index.h"
#include "ledger/ledger.h"

namespace silian::sync {

// Which watched cases to read: those of `scope` (a division prefix) whose status is one of `statuses`,
// plus those whose status is one of `statuses_if_level` and whose item's exercise level is one of
// `exercise_levels`; the first `limit` by due day (a case without one last), then case id.
struct WatchQuery {
  std::string scope;
  std::vector<std::string> statuses;
  std::vector<std::string> statuses_if_level;
  std::vector<std::string> exercise_levels;
  size_t limit = 500;
  // Instead of the statuses: the cases of `scope` that owe materials (OwedDueOf), by that due day (a case
  // without one last), then case id.
  bool owed = false;
};

// When the case of `view` owes materials (accepted tolerantly, not closed, owed materials not all received
// yet: OwedMaterialsOutstanding), their due day ("" when the acceptance gave none); nullopt otherwise. The
// one rule of "owed materials due", for the index and for the readers that judge its rows again. Pure.
std::optional<std::string> OwedDueOf(const pb::CaseFacts& facts);
std::optional<std::string> OwedDueOf(const nlohmann::json& view);

struct WatchPage {
  std::vector<std::string> case_ids;  // in the order of the query
  uint64_t total = 0;                 // how many cases match, `limit` aside
};

// The window queue's candidates at a node of level `node_level` (a level name) over `scope`: the cases
// whose clock runs (accepted, in review, suspended, waiting for correction), and the cases whose status
// allows accept or request-correction when their item's exercise level lets this level take them
// (CheckAuthority); `limit` of them by due day. The queue judges each candidate again from its view.
WatchQuery WindowQueueQuery(const std::string& scope, std::string_view node_level, size_t limit);

// The stored views a WatchQuery selects (LedgerStore::WatchedCaseViews).
struct WatchedViews {
  std::vector<nlohmann::json> views;
  uint64_t total = 0;
};

class CaseWatch {
 public:
  // 2: the column owed_due.
  static constexpr int kVersion = 2;

  // Creates the tables when absent and rebuilds the rows from the stored case views when the table was
  // missing or of another version (one transaction). `ledger`, `cases` and `reference` are borrowed and
  // must outlive the index. Returns the store's error.
  static Result<std::unique_ptr<CaseWatch>> Attach(Ledger& ledger, CaseTables& cases, ReferenceIndex& reference);

  // Writes (or deletes) the row of `p`'s case; `facts` are FactsOfView(p.view). REQUIRES: inside a write
  // transaction.
  Status Write(const CaseProjection& p, const pb::CaseFacts& facts);
  // Recomputes every row from the stored case views (a calendar layer changed). REQUIRES: inside a write
  // transaction.
  Status Rebuild();
  // Drops the working calendars cached by division: the calendar layers stored may have changed (a
  // transaction rolled back, another connection committed). Rebuild forgets them itself.
  void Forget();
  // The case ids that `query` selects. kInvalidArgument naming a status that is not a CaseStatus name.
  Result<WatchPage> Query(const WatchQuery& query);
  // Every watched case id of `scope`, by case id.
  Result<std::vector<std::string>> CaseIds(const std::string& scope);

 private:
  CaseWatch(Ledger& ledger, CaseTables& cases, ReferenceIndex& reference)
      : db_(ledger.db()), statements_(ledger.statements()), cases_(cases), reference_(reference) {}
  // Whether the tables exist at kVersion.
  Result<bool> Current();
  // Creates the tables and rows unless Current. REQUIRES: inside a write transaction.
  Status Create();
  // The row of the case of `view`, whose facts are `facts`.
  Status WriteView(const std::string& case_id, const nlohmann::json& view, const pb::CaseFacts& facts);
  Result<const WorkingCalendar*> CalendarOf(const std::string& division);
  // Query of a WatchQuery with `owed`.
  Result<WatchPage> QueryOwed(const WatchQuery& q);

  sqlite3* db_;
  StmtCache& statements_;  // the statements run per case written
  CaseTables& cases_;
  ReferenceIndex& reference_;
  std::optional<CalendarSet> calendars_;  // over the layers stored, until Forget
};

}  // namespace silian::sync
