// The case tables: each case's stored projection (its summary view, status, number, applicant, heads) and
// its open conflicts, kept in the ledger's SQLite file by the case projector (domain/case_projector.h).
// They are derived data: always equal to ProjectCase over the case's stored ops, rewritten in the
// transaction that stores an op of the case. Not thread-safe (as the Ledger).
//
// In an encrypted ledger (ledger/sealer.h) the personal columns are sealed, each bound to its row: cases.view
// (context "case\n" + case_id + "\nview"), cases.facts (the case's facts, domain/case_facts.h: context
// "case\n" + case_id + "\nfacts"), cases.applicant_name (holds the sealed "name\nID number",
// context "case\n" + case_id + "\napplicant"), conflicts.detail ("conflict\n" + conflict_id); and
// cases.applicant_id holds the blind index of the ID number (Sealer::BlindIndex, domain "applicant_id"), so
// that a lookup by ID number still uses its index. Readers get plaintext either way.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/ids.h"
#include "base/status.h"
#include "domain/projection.h"
#include "ledger/db.h"
#include "ledger/sealer.h"
#include "stored.pb.h"

namespace silian::sync {

struct CaseFilter {
  std::optional<std::string> status;  // a CaseStatus name
  std::optional<std::string> applicant_id;
  std::optional<std::string> scope;  // a division prefix
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

// An open conflict as stored: its case, kind and the JSON shown to a person.
struct StoredConflict {
  std::string case_id;
  std::string kind;
  nlohmann::json detail;
};

// A case's facts as stored (serialized pb::CaseFacts, unsealed), or, for a row whose facts are not written
// yet (facts empty), its view's JSON text.
struct StoredFacts {
  std::string facts;
  std::string view_text;
};

class CaseTables {
 public:
  // The DDL schema version `version` of the ledger file adds for these tables ("" for none).
  static std::string SchemaStep(int version);

  // `db` and `sealer` (null for a plain ledger) are borrowed from the ledger. Prepares the statements that
  // every write uses.
  static Result<std::unique_ptr<CaseTables>> Attach(sqlite3* db, const Sealer* sealer);

  // Replaces the stored projection, facts and conflicts of `p`'s case; `facts` are FactsOfView(p.view).
  // REQUIRES: inside a write transaction.
  Status Write(const CaseProjection& p, const pb::CaseFacts& facts);
  // A case reference is a case id ("origin:seq") or a case number. kNotFound when no case matches;
  // kFailedPrecondition listing the ids when a case number matches several.
  Result<CaseId> Find(const std::string& case_ref);
  // Stored case views (summary, no history) in `scope` (a division prefix; all when empty), by case id.
  Status ForEachView(const std::string& scope, const std::function<Status(const nlohmann::json& view)>& fn);
  // The stored view (summary, no history) of case `case_id`. kNotFound naming it when not stored.
  Result<nlohmann::json> View(const std::string& case_id);
  // As ForEachView and View, the views as JSON text (unsealed in an encrypted ledger), not parsed: for
  // readers that parse them on other threads (domain/view_scan.h) while this connection reads on.
  Status ForEachViewText(const std::string& scope,
                         const std::function<Status(const std::string& case_id, std::string text)>& fn);
  Result<std::string> ViewText(const std::string& case_id);
  // `text` (what ViewText gave for `case_id`) parsed; kDataLoss naming the case when it is not JSON.
  // Thread-safe (it touches no connection).
  static Result<nlohmann::json> ParseView(const std::string& case_id, std::string_view text);
  // As ForEachViewText and ViewText, each case's facts (domain/case_facts.h) as stored, not parsed.
  Status ForEachFactsText(const std::string& scope,
                          const std::function<Status(const std::string& case_id, StoredFacts stored)>& fn);
  Result<StoredFacts> FactsText(const std::string& case_id);
  // The facts of what FactsText gave for `case_id` (`facts` and `view_text` of its StoredFacts) parsed, or
  // FactsOfView of its view when `facts` is empty; kDataLoss naming the case when they do not parse.
  // Thread-safe (it touches no connection).
  static Result<pb::CaseFacts> ParseFacts(const std::string& case_id, std::string_view facts,
                                          std::string_view view_text);
  Result<std::vector<CaseSummary>> List(const CaseFilter& filter);
  // How many cases `filter` selects, its limit aside (one count over the cases table).
  Result<uint64_t> Count(const CaseFilter& filter);
  // Open conflicts, as JSON objects (id, case, kind, field, candidates), ordered by id.
  Result<std::vector<nlohmann::json>> ListConflicts();
  // kNotFound naming the id when no such conflict is open.
  Result<StoredConflict> FindConflict(const std::string& conflict_id);
  // Feeds `update` with (case id, view) of every case in `scope`, by case id, each with its NUL.
  Status HashState(const std::string& scope, const std::function<void(std::string_view)>& update);
  Result<uint64_t> CaseCount();
  Result<uint64_t> OpenConflictCount();

 private:
  CaseTables(sqlite3* db, const Sealer* sealer) : db_(db), sealer_(sealer) {}
  // The FROM and WHERE of `filter` (parameters ?1 status, ?2 applicant id, ?3 scope), and their binding.
  // kInvalidArgument naming a status that is not a CaseStatus name.
  Result<std::string> Where(const CaseFilter& filter) const;
  void BindWhere(Stmt& s, const CaseFilter& filter) const;
  // A personal value as stored / as read (sealed with `context` in an encrypted ledger).
  std::string Seal(std::string_view plain, const std::string& context) const;
  // `value` printed as JSON (as dump() prints it) and, in an encrypted ledger, sealed with `context`; valid
  // until the next call (it is text_).
  std::string_view SealedText(const nlohmann::json& value, const std::string& context);
  Result<std::string> Open(std::string stored, const std::string& context) const;
  Result<nlohmann::json> OpenJson(std::string stored, const std::string& context) const;
  // The StoredFacts of the row `s` is on: its columns 0 (facts) and 1 (the view when facts is empty).
  Result<StoredFacts> OpenFacts(const Stmt& s, const std::string& case_id) const;
  // `text` (unsealed) parsed; kDataLoss naming `context` when it is not JSON.
  static Result<nlohmann::json> ParseStored(std::string_view text, const std::string& context);
  Result<CaseSummary> ReadSummary(const Stmt& r) const;
  sqlite3* db_;
  const Sealer* sealer_;
  Stmt upsert_case_, delete_conflicts_, insert_conflict_;
  Stmt select_view_;   // View: once per watched case in supervision
  Stmt select_facts_;  // FactsText: once per watched case in the dashboard's pass
  std::string text_;   // SealedText's buffer
};

}  // namespace silian::sync
