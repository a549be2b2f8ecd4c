#include "domain/case_tables.h"

#include "base/message_keys.h"
#include "base/text.h"
#include "domain/case_facts.h"
#include "domain/case_model.h"

namespace silian::sync {

namespace {

// The cases table as of schema 5, named `name`, and its indexes: what a new ledger gets, and what schema 5
// rebuilds an older one's table into.
std::string CasesTableDdl(const char* name) {
  return std::string("CREATE TABLE ") + name + R"sql((
  case_id TEXT NOT NULL UNIQUE,
  case_number TEXT NOT NULL,
  division TEXT NOT NULL,
  status TEXT NOT NULL,
  applicant_name TEXT NOT NULL,
  applicant_id TEXT NOT NULL,
  item_code TEXT NOT NULL,
  last_hlc INTEGER NOT NULL,
  open_conflicts INTEGER NOT NULL,
  heads TEXT NOT NULL,
  view TEXT NOT NULL);
)sql";
}
// cases_by_status holds the division too (schema 6): "my work" counts and lists a status within an area
// from the index alone, without reading each case's row (its view) to check its division.
constexpr const char* kCasesByStatus = "\nCREATE INDEX cases_by_status ON cases(status, last_hlc, division);";
// The other indexes of the cases table.
constexpr const char* kCaseIndexes = R"sql(
CREATE INDEX cases_by_number ON cases(case_number);
CREATE INDEX cases_by_applicant ON cases(applicant_id);
)sql";

}  // namespace

std::string CaseTables::SchemaStep(int version) {
  if (version == 6) {
    // Schema 6: each case keeps its facts (pb::CaseFacts, domain/case_facts.h) beside its view, for the
    // passes over many cases. Every case is marked stale: the ledger projects them again when it opens
    // (Ledger::Open, RefreshStaleCases), which writes their facts. Until then a row's empty facts are read
    // from its view (ForEachFactsText). The status index gets the division (kCasesByStatus).
    return R"sql(
ALTER TABLE cases ADD COLUMN facts BLOB NOT NULL DEFAULT x'';
INSERT OR IGNORE INTO stale_cases(case_id) SELECT case_id FROM cases;
DROP INDEX IF EXISTS cases_by_status;)sql" + std::string(kCasesByStatus) + "\n";
  }
  if (version == 5) {
    // Schema 5: the cases table keeps a rowid. A case's row is about 2 KB (its view); in a WITHOUT ROWID
    // table SQLite keeps at most about 1 KB of a row in the b-tree page and the rest in an overflow page of
    // its own, so every case took two pages and every projection wrote both (8.4 MB of pages for 3.9 MB of
    // rows in a 20,000-op ledger). The case_watch triggers go with the old table: dropping
    // case_watch_version makes CaseWatch rebuild its index and its triggers when the ledger next opens. (A
    // new ledger's table already has this shape: the copy is of an empty table.)
    return CasesTableDdl("cases_v5") + R"sql(
INSERT INTO cases_v5 SELECT case_id, case_number, division, status, applicant_name, applicant_id, item_code,
  last_hlc, open_conflicts, heads, view FROM cases ORDER BY case_id;
DROP TABLE cases;
ALTER TABLE cases_v5 RENAME TO cases;
DROP TABLE IF EXISTS case_watch_version;
)sql" + kCasesByStatus + kCaseIndexes;
  }
  if (version != 1) return "";
  // Steps run only forward from a file's version, so this one runs for new ledgers alone: they get the
  // cases table in its latest shape.
  return CasesTableDdl("cases") + kCasesByStatus + kCaseIndexes + R"sql(
CREATE TABLE conflicts(
  conflict_id TEXT PRIMARY KEY,
  case_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  detail TEXT NOT NULL) WITHOUT ROWID;
CREATE INDEX conflicts_by_case ON conflicts(case_id);
)sql";
}

namespace {

std::string CaseContext(const std::string& case_id, const char* column) { return "case\n" + case_id + "\n" + column; }

// The view, only for a row whose facts are not written yet (a ledger opened before its cases were projected
// again at schema 6): SQLite then reads no view text for the rows that have facts.
constexpr const char* kViewIfNoFacts = "CASE WHEN length(facts)=0 THEN view END";
std::string ConflictContext(const std::string& conflict_id) { return "conflict\n" + conflict_id; }

}  // namespace

std::string CaseTables::Seal(std::string_view plain, const std::string& context) const {
  return sealer_ == nullptr ? std::string(plain) : sealer_->Seal(plain, context);
}

std::string_view CaseTables::SealedText(const nlohmann::json& value, const std::string& context) {
  // What value.dump() gives, printed into a buffer that keeps its capacity from one case to the next: a
  // view is about 2 KB, and dump() grew a new string to it a few bytes at a time for every case.
  text_.clear();
  nlohmann::detail::serializer<nlohmann::json> printer(nlohmann::detail::output_adapter<char>(text_), ' ',
                                                       nlohmann::json::error_handler_t::strict);
  printer.dump(value, false, false, 0);
  if (sealer_ != nullptr) text_ = sealer_->Seal(text_, context);
  return text_;
}

Result<std::string> CaseTables::Open(std::string stored, const std::string& context) const {
  if (sealer_ == nullptr) return stored;
  return sealer_->Open(stored, context);
}

Result<nlohmann::json> CaseTables::OpenJson(std::string stored, const std::string& context) const {
  SILIAN_ASSIGN_OR_RETURN(std::string text, Open(std::move(stored), context));
  return ParseStored(text, context);
}

Result<nlohmann::json> CaseTables::ParseStored(std::string_view text, const std::string& context) {
  auto value = nlohmann::json::parse(text, nullptr, false);
  if (value.is_discarded()) return DataLoss("the stored " + Quote(context) + " is not JSON");
  return value;
}

Result<std::unique_ptr<CaseTables>> CaseTables::Attach(sqlite3* db, const Sealer* sealer) {
  std::unique_ptr<CaseTables> t(new CaseTables(db, sealer));
  SILIAN_RETURN_IF_ERROR(t->upsert_case_.Prepare(
      db,
      "INSERT INTO cases(case_id, case_number, division, status, applicant_name, applicant_id, item_code, "
      "last_hlc, open_conflicts, heads, view, facts) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12) ON "
      "CONFLICT(case_id) DO UPDATE SET case_number=?2, division=?3, status=?4, applicant_name=?5, applicant_id=?6, "
      "item_code=?7, last_hlc=?8, open_conflicts=?9, heads=?10, view=?11, facts=?12"));
  SILIAN_RETURN_IF_ERROR(t->delete_conflicts_.Prepare(db, "DELETE FROM conflicts WHERE case_id=?"));
  SILIAN_RETURN_IF_ERROR(t->select_view_.Prepare(db, "SELECT view FROM cases WHERE case_id=?"));
  SILIAN_RETURN_IF_ERROR(t->select_facts_.Prepare(
      db, (std::string("SELECT facts, ") + kViewIfNoFacts + " FROM cases WHERE case_id=?").c_str()));
  SILIAN_RETURN_IF_ERROR(t->insert_conflict_.Prepare(
      db, "INSERT OR REPLACE INTO conflicts(conflict_id, case_id, kind, detail) VALUES(?,?,?,?)"));
  return t;
}

Status CaseTables::Write(const CaseProjection& p, const pb::CaseFacts& facts) {
  nlohmann::json heads = nlohmann::json::array();
  for (const auto& h : p.heads) heads.push_back(h.ToString());
  SILIAN_RETURN_IF_ERROR(upsert_case_.Reset()
                             .Bind(1, p.case_id.value)
                             .Bind(2, p.case_number)
                             .Bind(3, p.division)
                             .Bind(4, p.status)
                             .BindBlob(5, sealer_ == nullptr
                                              ? p.applicant_name
                                              : Seal(p.applicant_name + "\n" + p.applicant_id,
                                                     CaseContext(p.case_id.value, "applicant")))
                             .Bind(6, sealer_ == nullptr ? p.applicant_id
                                                         : sealer_->BlindIndex("applicant_id", p.applicant_id))
                             .Bind(7, p.item_code)
                             .Bind(8, p.last_hlc)
                             .Bind(9, static_cast<int64_t>(p.conflicts.size()))
                             .Bind(10, heads.dump())
                             .BindBlob(11, SealedText(p.view, CaseContext(p.case_id.value, "view")))
                             .BindBlob(12, Seal(facts.SerializeAsString(), CaseContext(p.case_id.value, "facts")))
                             .Run());
  SILIAN_RETURN_IF_ERROR(delete_conflicts_.Reset().Bind(1, p.case_id.value).Run());
  for (const auto& c : p.conflicts)
    SILIAN_RETURN_IF_ERROR(
        insert_conflict_.Reset()
            .Bind(1, c.id)
            .Bind(2, p.case_id.value)
            .Bind(3, c.kind)
            .BindBlob(4, SealedText(c.detail, ConflictContext(c.id)))
            .Run());
  upsert_case_.Reset();
  delete_conflicts_.Reset();
  insert_conflict_.Reset();
  return Status::Ok();
}

Result<CaseId> CaseTables::Find(const std::string& ref) {
  Stmt s;
  bool by_id = ref.find(':') != std::string::npos;
  SILIAN_RETURN_IF_ERROR(s.Prepare(db_, by_id ? "SELECT case_id FROM cases WHERE case_id=?"
                                              : "SELECT case_id FROM cases WHERE case_number=? LIMIT 5"));
  s.Bind(1, ref);
  std::vector<std::string> found;
  for (;;) {
    SILIAN_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    found.push_back(s.Text(0));
  }
  if (found.empty())
    return NotFound("no case " + Quote(ref) + " in this ledger (give a case id or case number)").With(msg::kCaseNotFound, ref);
  if (found.size() > 1) {
    std::string ids;
    for (const auto& f : found) ids += (ids.empty() ? "" : ", ") + f;
    return FailedPrecondition("case number " + Quote(ref) + " matches several cases; give a case id: " + ids);
  }
  return CaseId{found.front()};
}

Status CaseTables::ForEachView(const std::string& scope, const std::function<Status(const nlohmann::json&)>& fn) {
  return ForEachViewText(scope, [&](const std::string& case_id, std::string text) -> Status {
    SILIAN_ASSIGN_OR_RETURN(nlohmann::json view, ParseView(case_id, text));
    return fn(view);
  });
}

Status CaseTables::ForEachViewText(const std::string& scope,
                                   const std::function<Status(const std::string& case_id, std::string text)>& fn) {
  Stmt s;
  SILIAN_RETURN_IF_ERROR(
      s.Prepare(db_, "SELECT view, case_id FROM cases WHERE substr(division, 1, length(?1))=?1 ORDER BY case_id"));
  s.Bind(1, scope);
  for (;;) {
    SILIAN_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    const std::string case_id = s.Text(1);
    SILIAN_ASSIGN_OR_RETURN(std::string text, Open(s.Text(0), CaseContext(case_id, "view")));
    SILIAN_RETURN_IF_ERROR(fn(case_id, std::move(text)));
  }
  return Status::Ok();
}

Status CaseTables::ForEachFactsText(
    const std::string& scope, const std::function<Status(const std::string& case_id, StoredFacts stored)>& fn) {
  Stmt s;
  SILIAN_RETURN_IF_ERROR(s.Prepare(db_, (std::string("SELECT facts, ") + kViewIfNoFacts +
                                         ", case_id FROM cases WHERE substr(division, 1, length(?1))=?1 ORDER BY case_id")
                                            .c_str()));
  s.Bind(1, scope);
  for (;;) {
    SILIAN_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    const std::string case_id = s.Text(2);
    SILIAN_ASSIGN_OR_RETURN(StoredFacts stored, OpenFacts(s, case_id));
    SILIAN_RETURN_IF_ERROR(fn(case_id, std::move(stored)));
  }
  return Status::Ok();
}

Result<StoredFacts> CaseTables::FactsText(const std::string& case_id) {
  Stmt& s = select_facts_.Reset();
  s.Bind(1, case_id);
  Result<bool> row = s.Step();
  Result<StoredFacts> stored = row.ok() && *row ? OpenFacts(s, case_id) : StoredFacts{};
  s.Reset();  // a statement left on its row would hold this connection's snapshot
  if (!row.ok()) return row.status();
  if (!*row) return NotFound("no case " + Quote(case_id) + " in this ledger").With(msg::kCaseNotFound, case_id);
  return stored;
}

Result<StoredFacts> CaseTables::OpenFacts(const Stmt& s, const std::string& case_id) const {
  StoredFacts out;
  std::string facts = s.Text(0);
  if (!facts.empty()) {
    SILIAN_ASSIGN_OR_RETURN(out.facts, Open(std::move(facts), CaseContext(case_id, "facts")));
  } else {
    SILIAN_ASSIGN_OR_RETURN(out.view_text, Open(s.Text(1), CaseContext(case_id, "view")));
  }
  return out;
}

Result<pb::CaseFacts> CaseTables::ParseFacts(const std::string& case_id, std::string_view stored,
                                             std::string_view view_text) {
  if (stored.empty()) {
    SILIAN_ASSIGN_OR_RETURN(nlohmann::json view, ParseView(case_id, view_text));
    return FactsOfView(view);
  }
  pb::CaseFacts facts;
  if (!facts.ParseFromArray(stored.data(), static_cast<int>(stored.size())))
    return DataLoss("the stored " + Quote(CaseContext(case_id, "facts")) + " is not a CaseFacts record");
  return facts;
}

Result<nlohmann::json> CaseTables::View(const std::string& case_id) {
  SILIAN_ASSIGN_OR_RETURN(std::string text, ViewText(case_id));
  return ParseView(case_id, text);
}

Result<std::string> CaseTables::ViewText(const std::string& case_id) {
  Stmt& s = select_view_.Reset();
  s.Bind(1, case_id);
  Result<bool> row = s.Step();
  std::string stored = row.ok() && *row ? s.Text(0) : std::string();
  s.Reset();  // a statement left on its row would hold this connection's snapshot
  if (!row.ok()) return row.status();
  if (!*row) return NotFound("no case " + Quote(case_id) + " in this ledger").With(msg::kCaseNotFound, case_id);
  return Open(std::move(stored), CaseContext(case_id, "view"));
}

Result<nlohmann::json> CaseTables::ParseView(const std::string& case_id, std::string_view text) {
  return ParseStored(text, CaseContext(case_id, "view"));
}

Result<std::string> CaseTables::Where(const CaseFilter& filter) const {
  std::string sql = " FROM cases WHERE 1";
  if (filter.status) {
    SILIAN_RETURN_IF_ERROR(ParseCaseStatus(*filter.status).status());
    sql += " AND status=?1";
  }
  if (filter.applicant_id) sql += " AND applicant_id=?2";
  if (filter.scope) sql += " AND substr(division, 1, length(?3))=?3";
  return sql;
}

void CaseTables::BindWhere(Stmt& s, const CaseFilter& filter) const {
  if (filter.status) s.Bind(1, *filter.status);
  if (filter.applicant_id)
    s.Bind(2, sealer_ == nullptr ? *filter.applicant_id : sealer_->BlindIndex("applicant_id", *filter.applicant_id));
  if (filter.scope) s.Bind(3, *filter.scope);
}

Result<uint64_t> CaseTables::Count(const CaseFilter& filter) {
  SILIAN_ASSIGN_OR_RETURN(std::string where, Where(filter));
  Stmt s;
  SILIAN_RETURN_IF_ERROR(s.Prepare(db_, ("SELECT count(*)" + where).c_str()));
  BindWhere(s, filter);
  SILIAN_ASSIGN_OR_RETURN(bool row, s.Step());
  return row ? static_cast<uint64_t>(s.Int(0)) : 0;
}

Result<std::vector<CaseSummary>> CaseTables::List(const CaseFilter& filter) {
  SILIAN_ASSIGN_OR_RETURN(std::string where, Where(filter));
  const std::string sql = "SELECT case_id, case_number, status, applicant_name, applicant_id, item_code, division, "
                          "last_hlc, open_conflicts" + where + " ORDER BY last_hlc DESC, case_id LIMIT ?4";
  Stmt s;
  SILIAN_RETURN_IF_ERROR(s.Prepare(db_, sql.c_str()));
  BindWhere(s, filter);
  s.Bind(4, static_cast<int64_t>(filter.limit));
  std::vector<CaseSummary> out;
  for (;;) {
    SILIAN_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    SILIAN_ASSIGN_OR_RETURN(CaseSummary summary, ReadSummary(s));
    out.push_back(std::move(summary));
  }
  return out;
}

Result<CaseSummary> CaseTables::ReadSummary(const Stmt& r) const {
  CaseSummary c{r.Text(0), r.Text(1), r.Text(2), r.Text(3), r.Text(4), r.Text(5), r.Text(6),
                HlcToIso(static_cast<uint64_t>(r.Int(7))), static_cast<int>(r.Int(8))};
  if (sealer_ == nullptr) return c;
  SILIAN_ASSIGN_OR_RETURN(std::string applicant, Open(c.applicant_name, CaseContext(c.case_id, "applicant")));
  const size_t cut = applicant.find('\n');
  if (cut == std::string::npos) return DataLoss("the sealed applicant of case " + Quote(c.case_id) + " lacks its ID number");
  c.applicant_name = applicant.substr(0, cut);
  c.applicant_id = applicant.substr(cut + 1);
  return c;
}

Result<std::vector<nlohmann::json>> CaseTables::ListConflicts() {
  Stmt s;
  SILIAN_RETURN_IF_ERROR(s.Prepare(db_, "SELECT detail, conflict_id FROM conflicts ORDER BY conflict_id"));
  std::vector<nlohmann::json> out;
  for (;;) {
    SILIAN_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    SILIAN_ASSIGN_OR_RETURN(nlohmann::json detail, OpenJson(s.Text(0), ConflictContext(s.Text(1))));
    out.push_back(std::move(detail));
  }
  return out;
}

Result<StoredConflict> CaseTables::FindConflict(const std::string& conflict_id) {
  Stmt s;
  SILIAN_RETURN_IF_ERROR(s.Prepare(db_, "SELECT case_id, kind, detail FROM conflicts WHERE conflict_id=?"));
  s.Bind(1, conflict_id);
  SILIAN_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return NotFound("no open conflict " + Quote(conflict_id) + " (list them with `conflicts`)");
  SILIAN_ASSIGN_OR_RETURN(nlohmann::json detail, OpenJson(s.Text(2), ConflictContext(conflict_id)));
  return StoredConflict{s.Text(0), s.Text(1), std::move(detail)};
}

Status CaseTables::HashState(const std::string& scope, const std::function<void(std::string_view)>& update) {
  Stmt c;
  SILIAN_RETURN_IF_ERROR(
      c.Prepare(db_, "SELECT case_id, view FROM cases WHERE substr(division, 1, length(?1))=?1 ORDER BY case_id"));
  c.Bind(1, scope);
  for (;;) {
    SILIAN_ASSIGN_OR_RETURN(bool row, c.Step());
    if (!row) return Status::Ok();
    std::string id = c.Text(0);
    SILIAN_ASSIGN_OR_RETURN(std::string view, Open(c.Text(1), CaseContext(id, "view")));
    update(std::string_view(id.c_str(), id.size() + 1));
    update(std::string_view(view.c_str(), view.size() + 1));
  }
}

Result<uint64_t> CaseTables::CaseCount() { return QueryCount(db_, "SELECT count(*) FROM cases"); }
Result<uint64_t> CaseTables::OpenConflictCount() { return QueryCount(db_, "SELECT count(*) FROM conflicts"); }

}  // namespace silian::sync
