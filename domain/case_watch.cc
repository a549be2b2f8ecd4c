#include "domain/case_watch.h"

#include <algorithm>

#include "base/text.h"
#include "domain/case_facts.h"
#include "domain/case_model.h"
#include "domain/catalog.h"
#include "domain/workflow.h"
#include "ledger/db.h"

namespace silian::sync {
namespace {

// How far past a case's latest op the membership test looks: beyond every limit (45 + 15 working days),
// the notice window, a correction or rectification deadline.
constexpr int kHorizonDays = 3 * 366;

constexpr const char* kTables = R"sql(
CREATE TABLE IF NOT EXISTS case_watch(
  case_id TEXT PRIMARY KEY,
  division TEXT NOT NULL,
  status TEXT NOT NULL,
  exercise_level TEXT NOT NULL,
  due TEXT NOT NULL,
  owed_due TEXT) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS case_watch_by_due ON case_watch(due = '', due, case_id);
CREATE INDEX IF NOT EXISTS case_watch_by_owed ON case_watch(owed_due = '', owed_due, case_id) WHERE owed_due IS NOT NULL;
CREATE INDEX IF NOT EXISTS case_watch_by_status ON case_watch(status, division);
CREATE TABLE IF NOT EXISTS case_watch_version(version INTEGER NOT NULL);
CREATE TRIGGER IF NOT EXISTS case_watch_stale_insert AFTER INSERT ON cases BEGIN DELETE FROM case_watch_version; END;
CREATE TRIGGER IF NOT EXISTS case_watch_stale_update AFTER UPDATE ON cases BEGIN DELETE FROM case_watch_version; END;
CREATE TRIGGER IF NOT EXISTS case_watch_stale_delete AFTER DELETE ON cases BEGIN DELETE FROM case_watch_version; END;
)sql";

// A program that knows the index writes a case's row right after its case (CaseWatch::Write) and marks the
// index current again; an older program, which writes the case only, leaves it marked stale (the triggers
// above), and the next open by this program rebuilds it.
// Two statements rather than one INSERT ... WHERE NOT EXISTS, which has SQLite build a temporary b-tree on
// every call (once per case written).
constexpr const char* kIsCurrent = "SELECT 1 FROM case_watch_version LIMIT 1";
constexpr const char* kMarkCurrent = "INSERT INTO case_watch_version(version) VALUES(?1)";

// The SQL list "?a,?b,..." of parameters first..first+n-1 ("NULL" for none, which matches nothing).
std::string Params(int first, size_t n) {
  if (n == 0) return "NULL";
  std::string out;
  for (size_t i = 0; i < n; ++i) out += (i ? ",?" : "?") + std::to_string(first + static_cast<int>(i));
  return out;
}

const std::vector<Action>& WindowActions() {
  static const std::vector<Action> kWindow = {Action::kAccept, Action::kRequestCorrection};
  return kWindow;
}

// Whether a case in `status` waits for the window: its status allows accept or request-correction (a case
// received again after a correction waits for acceptance with no clock running and nothing overdue).
bool AwaitsTheWindow(const std::string& status) {
  auto parsed = ParseCaseStatus(status);
  if (!parsed.ok()) return false;
  for (Action a : AllowedActions(*parsed))
    if (std::find(WindowActions().begin(), WindowActions().end(), a) != WindowActions().end()) return true;
  return false;
}

Status MarkCurrent(StmtCache& statements) {
  {
    SILIAN_ASSIGN_OR_RETURN(StmtCache::Lease current, statements.Get(kIsCurrent));
    SILIAN_ASSIGN_OR_RETURN(bool row, current->Step());
    if (row) return Status::Ok();
  }
  SILIAN_ASSIGN_OR_RETURN(StmtCache::Lease s, statements.Get(kMarkCurrent));
  return s->Bind(1, static_cast<int64_t>(CaseWatch::kVersion)).Run();
}

Status CheckStatuses(const std::vector<std::string>& statuses) {
  for (const auto& s : statuses) SILIAN_RETURN_IF_ERROR(ParseCaseStatus(s).status());
  return Status::Ok();
}

}  // namespace

std::optional<std::string> OwedDueOf(const pb::CaseFacts& facts) {
  if (!facts.has_owed() || facts.timeline().has_closed()) return std::nullopt;
  if (OwedMaterialsOutstanding(facts).empty()) return std::nullopt;
  return facts.owed().due();
}

std::optional<std::string> OwedDueOf(const nlohmann::json& view) { return OwedDueOf(FactsOfView(view)); }

WatchQuery WindowQueueQuery(const std::string& scope, std::string_view node_level, size_t limit) {
  WatchQuery q;
  q.scope = scope;
  q.limit = limit;
  for (CaseStatus s : {CaseStatus::kAccepted, CaseStatus::kInReview, CaseStatus::kSuspended,
                       CaseStatus::kCorrectionPending})
    q.statuses.push_back(CaseStatusName(s));
  for (int i = 0; i < kCaseStatusCount; ++i) {
    const std::string status = CaseStatusName(static_cast<CaseStatus>(i));
    if (AwaitsTheWindow(status)) q.statuses_if_level.push_back(status);
  }
  for (const char* level : {"village", "township", "county", "city"}) {
    pb::ItemTerms terms;
    terms.set_exercise_level(level);
    for (Action a : WindowActions())
      if (CheckAuthority(terms, ActionName(a), node_level).ok()) {
        q.exercise_levels.push_back(level);
        break;
      }
  }
  return q;
}

Result<bool> CaseWatch::Current() {
  Stmt t;
  SILIAN_RETURN_IF_ERROR(t.Prepare(db_, "SELECT 1 FROM sqlite_master WHERE type='table' AND name='case_watch_version'"));
  SILIAN_ASSIGN_OR_RETURN(bool exists, t.Step());
  if (!exists) return false;
  Stmt v;
  SILIAN_RETURN_IF_ERROR(v.Prepare(db_, "SELECT version FROM case_watch_version"));
  SILIAN_ASSIGN_OR_RETURN(bool row, v.Step());
  return row && v.Int(0) == kVersion;
}

Result<std::unique_ptr<CaseWatch>> CaseWatch::Attach(Ledger& ledger, CaseTables& cases, ReferenceIndex& reference) {
  std::unique_ptr<CaseWatch> w(new CaseWatch(ledger, cases, reference));
  SILIAN_ASSIGN_OR_RETURN(bool current, w->Current());
  if (current) return w;  // the common open: no write lock taken
  CaseWatch* watch = w.get();
  SILIAN_RETURN_IF_ERROR(ledger.RunTransaction([watch] { return watch->Create(); }));
  return w;
}

Status CaseWatch::Create() {
  SILIAN_ASSIGN_OR_RETURN(bool current, Current());  // another process may have built it meanwhile
  if (current) return Status::Ok();
  SILIAN_RETURN_IF_ERROR(Exec(db_, "DROP TABLE IF EXISTS case_watch; DROP TABLE IF EXISTS case_watch_version;"));
  SILIAN_RETURN_IF_ERROR(Exec(db_, kTables));
  SILIAN_RETURN_IF_ERROR(Rebuild());
  return Exec(db_, "INSERT INTO case_watch_version VALUES(" + std::to_string(kVersion) + ")");
}

Result<const WorkingCalendar*> CaseWatch::CalendarOf(const std::string& division) {
  // The cache holds until Forget: a calendar layer indexed here (Rebuild), a transaction rolled back or
  // another connection's commit (CaseProjector::Reload).
  if (!calendars_) {
    SILIAN_ASSIGN_OR_RETURN(auto layers, reference_.CalendarLayers());
    calendars_.emplace(std::move(layers));
  }
  return &calendars_->For(division);
}

void CaseWatch::Forget() { calendars_.reset(); }

Status CaseWatch::Write(const CaseProjection& p, const pb::CaseFacts& facts) {
  SILIAN_RETURN_IF_ERROR(WriteView(p.case_id.value, p.view, facts));
  return MarkCurrent(statements_);
}



Status CaseWatch::WriteView(const std::string& case_id, const nlohmann::json& view, const pb::CaseFacts& facts) {
  {
    SILIAN_ASSIGN_OR_RETURN(StmtCache::Lease del, statements_.Get("DELETE FROM case_watch WHERE case_id=?"));
    SILIAN_RETURN_IF_ERROR(del->Bind(1, case_id).Run());
  }
  const std::string& division = facts.division();
  const auto last_update = view.is_object() ? view.find("last_update") : view.end();
  auto as_of = last_update != view.end() && last_update->is_string()
                   ? ParseDate(last_update->get_ref<const std::string&>().substr(0, 10))
                   : Result<Date>(InvalidArgument("no last_update"));
  if (division.empty() || !as_of.ok()) return Status::Ok();  // a case without a division or date: nobody's
  SILIAN_ASSIGN_OR_RETURN(const WorkingCalendar* calendar, CalendarOf(division));
  const std::optional<std::string> owed_due = OwedDueOf(facts);
  if (!AwaitsTheWindow(facts.status()) && !owed_due &&
      Supervise(facts, *calendar, AddDays(*as_of, kHorizonDays)).empty())
    return Status::Ok();
  const CaseClocks clocks = ComputeCaseClocks(facts, *calendar, *as_of);
  std::optional<Date> due;
  if (clocks.started) {
    due = clocks.promised.due;
  } else if (clocks.notice) {
    due = clocks.notice->due;
  }
  SILIAN_ASSIGN_OR_RETURN(
      StmtCache::Lease ins,
      statements_.Get("INSERT INTO case_watch(case_id, division, status, exercise_level, due, owed_due) VALUES(?,?,?,?,?,?)"));
  ins->Bind(1, case_id).Bind(2, division).Bind(3, facts.status()).Bind(4, facts.item().exercise_level());
  ins->Bind(5, due ? FormatDate(*due) : std::string());
  if (owed_due) ins->Bind(6, *owed_due);  // unbound: NULL, nothing owed
  return ins->Run();
}

Status CaseWatch::Rebuild() {
  Forget();  // a calendar layer changed
  SILIAN_RETURN_IF_ERROR(Exec(db_, "DELETE FROM case_watch"));
  SILIAN_RETURN_IF_ERROR(cases_.ForEachView("", [this](const nlohmann::json& view) {
    const pb::CaseFacts facts = FactsOfView(view);
    return WriteView(facts.case_id(), view, facts);
  }));
  return MarkCurrent(statements_);
}

Result<WatchPage> CaseWatch::QueryOwed(const WatchQuery& q) {
  const std::string where = " FROM case_watch WHERE substr(division, 1, length(?1))=?1 AND owed_due IS NOT NULL";
  Stmt count, rows;
  SILIAN_RETURN_IF_ERROR(count.Prepare(db_, ("SELECT count(*)" + where).c_str()));
  count.Bind(1, q.scope);
  SILIAN_ASSIGN_OR_RETURN(bool counted, count.Step());
  WatchPage page;
  page.total = counted ? static_cast<uint64_t>(count.Int(0)) : 0;
  SILIAN_RETURN_IF_ERROR(
      rows.Prepare(db_, ("SELECT case_id" + where + " ORDER BY owed_due = '', owed_due, case_id LIMIT ?2").c_str()));
  rows.Bind(1, q.scope).Bind(2, static_cast<int64_t>(q.limit));
  SILIAN_ASSIGN_OR_RETURN(page.case_ids, CollectRows<std::string>(rows, [](const Stmt& r) { return r.Text(0); }));
  return page;
}

Result<WatchPage> CaseWatch::Query(const WatchQuery& q) {
  if (q.owed) return QueryOwed(q);
  SILIAN_RETURN_IF_ERROR(CheckStatuses(q.statuses));
  SILIAN_RETURN_IF_ERROR(CheckStatuses(q.statuses_if_level));
  const int a = 2;
  const int b = a + static_cast<int>(q.statuses.size());
  const int c = b + static_cast<int>(q.statuses_if_level.size());
  const std::string where = " FROM case_watch WHERE substr(division, 1, length(?1))=?1 AND (status IN (" +
                            Params(a, q.statuses.size()) + ") OR (status IN (" +
                            Params(b, q.statuses_if_level.size()) + ") AND exercise_level IN (" +
                            Params(c, q.exercise_levels.size()) + ")))";
  auto bind = [&](Stmt& s) {
    s.Bind(1, q.scope);
    int i = a;
    for (const auto* list : {&q.statuses, &q.statuses_if_level, &q.exercise_levels})
      for (const auto& v : *list) s.Bind(i++, v);
  };
  Stmt count, rows;
  SILIAN_RETURN_IF_ERROR(count.Prepare(db_, ("SELECT count(*)" + where).c_str()));
  bind(count);
  SILIAN_ASSIGN_OR_RETURN(bool counted, count.Step());
  WatchPage page;
  page.total = counted ? static_cast<uint64_t>(count.Int(0)) : 0;
  const int limit_param = c + static_cast<int>(q.exercise_levels.size());
  SILIAN_RETURN_IF_ERROR(rows.Prepare(
      db_, ("SELECT case_id" + where + " ORDER BY due = '', due, case_id LIMIT ?" + std::to_string(limit_param)).c_str()));
  bind(rows);
  rows.Bind(limit_param, static_cast<int64_t>(q.limit));
  SILIAN_ASSIGN_OR_RETURN(page.case_ids, CollectRows<std::string>(rows, [](const Stmt& r) { return r.Text(0); }));
  return page;
}

Result<std::vector<std::string>> CaseWatch::CaseIds(const std::string& scope) {
  Stmt s;
  SILIAN_RETURN_IF_ERROR(
      s.Prepare(db_, "SELECT case_id FROM case_watch WHERE substr(division, 1, length(?1))=?1 ORDER BY case_id"));
  s.Bind(1, scope);
  return CollectRows<std::string>(s, [](const Stmt& r) { return r.Text(0); });
}

}  // namespace silian::sync
