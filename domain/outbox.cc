#include "domain/outbox.h"

#include <algorithm>
#include <map>

#include "base/text.h"
#include "domain/catalog.h"
#include "domain/view.h"
#include "ledger/db.h"
#include "ledger/ledger.h"

namespace silian::sync {
namespace {

Notice ReadNotice(const Stmt& s) {
  Notice n;
  n.id = s.Text(0);
  n.case_id = s.Text(1);
  n.case_number = s.Text(2);
  n.kind = s.Text(3);
  n.phone = s.Text(4);
  n.text = s.Text(5);
  n.state = s.Text(6);
  n.event_ms = static_cast<uint64_t>(s.Int(7));
  n.created_ms = static_cast<uint64_t>(s.Int(8));
  n.next_attempt_ms = static_cast<uint64_t>(s.Int(9));
  n.sent_ms = static_cast<uint64_t>(s.Int(10));
  n.attempts = static_cast<uint32_t>(s.Int(11));
  n.last_error = s.Text(12);
  return n;
}

constexpr const char* kNoticeColumns =
    "notice_id, case_id, case_number, kind, phone, text, state, event_ms, created_ms, next_attempt_ms, sent_ms, "
    "attempts, last_error";

}  // namespace

std::string Outbox::SchemaStep(int version) {
  if (version != 2) return "";
  return R"sql(
CREATE TABLE outbox(
  notice_id TEXT PRIMARY KEY,
  case_id TEXT NOT NULL,
  case_number TEXT NOT NULL,
  kind TEXT NOT NULL,
  phone TEXT NOT NULL,
  text TEXT NOT NULL,
  event_ms INTEGER NOT NULL,
  created_ms INTEGER NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_ms INTEGER NOT NULL,
  sent_ms INTEGER NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '') WITHOUT ROWID;
CREATE INDEX outbox_due ON outbox(state, next_attempt_ms);
)sql";
}

Status Outbox::Reload() {
  SILIAN_ASSIGN_OR_RETURN(auto notify_setting, ledger_.GetSetting("notify"));
  notify_ = notify_setting.value_or(std::string()) == "on";
  SILIAN_ASSIGN_OR_RETURN(auto since, ledger_.GetMeta("notify_since_ms"));
  notify_since_ms_ = since ? std::stoull(*since) : 0;
  SILIAN_ASSIGN_OR_RETURN(overrides_, ReadNoticeTemplateOverrides([&](const std::string& key) {
                            return ledger_.GetSetting(key);
                          }));
  return Status::Ok();
}

Status Outbox::OnNotifySetting(const std::string& value) {
  if (value == "on" && !notify_)
    SILIAN_RETURN_IF_ERROR(ledger_.SetMeta("notify_since_ms", std::to_string(ledger_.wall().NowMs())));
  return Status::Ok();
}

std::string NoticeHead(const std::optional<pb::Item>& item, const std::string& case_number) {
  bool number_ok = !case_number.empty() && case_number.size() <= 64 &&
                   case_number.find_first_not_of("0123456789-") == std::string::npos;
  return "【四联政务】您的" + (item ? item->name() : std::string()) + "申请" +
         (number_ok ? "（办件编号" + case_number + "）" : std::string());
}

std::string OverdueApologyText(const std::optional<pb::Item>& item, const std::string& case_number,
                               Language language, const NoticeTemplateOverrides* overrides) {
  NoticeFacts facts;
  facts.item_name = item ? item->name() : "";
  facts.case_number = case_number;
  auto text = RenderNotice("overdue_apology", language, facts, overrides);
  SILIAN_CHECK(text.ok());  // a built-in template
  return *text;
}

std::optional<pb::Item> Outbox::CatalogueItem(const CaseProjection& p) {
  if (p.item_code.empty()) return std::nullopt;
  if (p.terms) {
    auto exact = reference_.Item(p.item_code, p.terms->version());
    if (exact.ok() && *exact) return **exact;
  }
  auto latest = reference_.Item(p.item_code);
  if (latest.ok() && *latest) return **latest;
  return std::nullopt;
}

namespace {

// The view's entry of `array_key` whose "op" is `op` (a suspension, an extension), or null.
const nlohmann::json& EntryOfOp(const nlohmann::json& view, const char* array_key, const std::string& op) {
  static const nlohmann::json kNull;
  auto it = view.find(array_key);
  if (it == view.end() || !it->is_array()) return kNull;
  for (const auto& e : *it)
    if (e.is_object() && e.value("op", "") == op) return e;
  return kNull;
}

uint64_t MsOf(const nlohmann::json& entry, const char* key) {
  auto it = entry.find(key);
  return it != entry.end() && it->is_number_unsigned() ? it->get<uint64_t>() : 0;
}

// The template of a transition event, "" for one that makes no notice (forward, start-review, resume,
// supply-correction). `denied`: the case's latest decision denied it.
std::string TemplateOfEvent(const CaseEvent& e, bool denied) {
  static const std::map<std::string, std::string> kByAction = {
      {"receive", "received"},   {"accept", "accepted"},     {"not-accept", "not_accepted"},
      {"request-correction", "correction_needed"},           {"suspend", "suspended"},
      {"extend", "extended"},    {"issue-certificate", "ready_for_collection"},
      {"deliver", "delivered"},  {"withdraw", "withdrawn"},  {"revoke", "revoked"},
      {"terminate", "terminated"}};
  if (e.action == "approve" || e.action == "approve-tolerant" || e.action == "deny" ||
      e.action == kDecidedByDepartments)
    return e.to == "decided_denied" ? "decided_denied" : "decided_approved";
  if (e.action == "complete") return denied ? "decision_ready" : "";
  auto it = kByAction.find(e.action);
  return it == kByAction.end() ? "" : it->second;
}

}  // namespace

std::vector<PlannedNotice> PlanNotices(const CaseProjection& p, const std::optional<pb::Item>& item) {
  std::vector<PlannedNotice> out;
  bool denied = false;
  for (const auto& e : p.events) {
    if (e.to == "decided_denied") denied = true;
    if (e.to == "decided_approved" || e.to == "decided_approved_tolerance") denied = false;
    if (e.action == kSubsidyPaidEvent) {
      auto subsidies = p.view.find("subsidies");
      const nlohmann::json& paid = subsidies == p.view.end() ? nlohmann::json() : EntryOfOp(*subsidies, "entries", e.op);
      out.push_back(SubsidyPaidNotice(e.op, e.hlc >> 16, paid.value("amount_fen", int64_t{0})));
      continue;
    }
    // A lapsed correction the organ withdrew: the applicant learns the application is deemed withdrawn. One
    // it continued sets a new due date, which the staff tell the applicant with the one-time notice.
    if (e.action == "correction-lapse-withdraw") {
      out.push_back(CorrectionLapsedNotice(e.op, e.hlc >> 16));
      continue;
    }
    PlannedNotice n{e.op, TemplateOfEvent(e, denied), e.hlc >> 16, {}};
    if (n.template_id.empty()) continue;
    if (e.action == "suspend") n.facts.procedure = EntryOfOp(p.view, "suspensions", e.op).value("procedure", "");
    if (e.action == "extend") n.facts.days = EntryOfOp(p.view, "extensions", e.op).value("days", int64_t{0});
    out.push_back(std::move(n));
  }
  // Fees: a charge tells what to pay (at the bank), a refund what came back.
  if (auto fees = p.view.find("fees"); fees != p.view.end() && fees->contains("entries"))
    for (const auto& f : (*fees)["entries"]) {
      std::string kind = f.value("kind", "");
      if (kind != "charge" && kind != "refund") continue;
      PlannedNotice n{f.value("op", ""), kind == "charge" ? "fee_due" : "refunded", MsOf(f, "time"), {}};
      n.facts.amount_fen = f.value("amount_fen", int64_t{0});
      out.push_back(std::move(n));
    }
  // Each department's part of a parallel item, named only when the catalogue names the department.
  if (auto departments = p.view.find("departments"); departments != p.view.end() && departments->is_object())
    for (const auto& [name, d] : departments->items()) {
      if (d.contains("conflict")) continue;  // undecided until a person resolves it
      PlannedNotice n{d.value("op", ""), d.value("decision", "") == "deny" ? "department_denied" : "department_approved",
                      MsOf(d, "time"), {}};
      bool listed = item && (item->lead_department() == name ||
                             std::find(item->departments().begin(), item->departments().end(), name) !=
                                 item->departments().end());
      if (listed) n.facts.department = name;
      out.push_back(std::move(n));
    }
  return out;
}

PlannedNotice SubsidyPaidNotice(const std::string& op, uint64_t event_ms, int64_t amount_fen) {
  PlannedNotice n{op, "subsidy_paid", event_ms, {}};
  n.facts.amount_fen = amount_fen;
  return n;
}

PlannedNotice CorrectionLapsedNotice(const std::string& op, uint64_t event_ms) {
  return PlannedNotice{op, "correction_lapsed", event_ms, {}};
}

Result<std::vector<Notice>> Outbox::Compose(const CaseProjection& p) {
  std::vector<Notice> out;
  const std::optional<pb::Item> item = CatalogueItem(p);
  const Language language = LanguageOfCase(p.language);
  for (PlannedNotice& planned : PlanNotices(p, item)) {
    if (planned.op.empty()) continue;
    planned.facts.item_name = item ? item->name() : "";
    planned.facts.case_number = p.case_number;
    if (planned.template_id == "correction_needed")
      planned.facts.missing = MissingList(p, language, HlcToIso(planned.event_ms << 16));
    SILIAN_ASSIGN_OR_RETURN(std::string text, RenderNotice(planned.template_id, language, planned.facts, &overrides_));
    std::string kind;
    for (const auto& t : NoticeTemplates())
      if (planned.template_id == t.id) kind = t.kind;
    Notice n;
    n.id = planned.op + "/" + kind;
    n.case_id = p.case_id.value;
    n.case_number = p.case_number;
    n.kind = kind;
    n.phone = p.phone;
    n.text = std::move(text);
    n.event_ms = planned.event_ms;
    out.push_back(std::move(n));
  }
  return out;
}

Status Outbox::CreateNotices(const CaseProjection& p) {
  if (!notify_) return Status::Ok();
  SILIAN_ASSIGN_OR_RETURN(std::vector<Notice> notices, Compose(p));
  for (const Notice& n : notices) {
    if (n.event_ms < notify_since_ms_) continue;
    SILIAN_RETURN_IF_ERROR(Insert(n).status());
  }
  return Status::Ok();
}

// zh: "材料A（原件1份）、材料B（复印件2份）"; mn: "材料A 1᠂ 材料B 2" (the catalogue names its materials in
// Chinese only). From the catalogue item and the materials received so far; "" when unknown.
std::string Outbox::MissingList(const CaseProjection& p, Language language, const std::string& as_of) {
  if (!p.terms) return "";
  auto item = reference_.Item(p.item_code, p.terms->version());
  if (!item.ok() || !*item) return "";
  std::vector<std::pair<std::string, uint32_t>> received;
  for (const auto& m : ViewMaterials(p.view))
    if (m.time.empty() || m.time <= as_of) received.emplace_back(m.name, m.copies);
  std::string out;
  const bool mn = language == Language::kMongolian;
  for (const auto& m : MissingMaterials(**item, received)) {
    std::string count = std::to_string(m.count - m.received);
    out += std::string(out.empty() ? "" : mn ? "\u1802 " : "、") + m.name +
           (mn ? " " + count : "（" + std::string(m.form == "original" ? "原件" : "复印件") + count + "份）");
  }
  return out;
}

Result<bool> Outbox::Insert(const Notice& n) {
  Stmt s;
  SILIAN_RETURN_IF_ERROR(s.Prepare(
      ledger_.db(),
      "INSERT OR IGNORE INTO outbox(notice_id, case_id, case_number, kind, phone, text, event_ms, created_ms, "
      "state, next_attempt_ms, last_error) VALUES(?,?,?,?,?,?,?,?,?,?,?)"));
  uint64_t now = ledger_.wall().NowMs();
  bool has_phone = !n.phone.empty();
  SILIAN_RETURN_IF_ERROR(s.Bind(1, n.id).Bind(2, n.case_id).Bind(3, n.case_number).Bind(4, n.kind)
                             .Bind(5, n.phone).Bind(6, n.text).Bind(7, n.event_ms).Bind(8, now)
                             .Bind(9, std::string_view(has_phone ? "pending" : "no_phone")).Bind(10, now)
                             .Bind(11, std::string_view(has_phone ? "" : "the case has no phone number"))
                             .Run());
  return sqlite3_changes(ledger_.db()) > 0;
}


Result<std::vector<Notice>> Outbox::List(std::optional<std::string> state, size_t limit) {
  Stmt s;
  std::string sql = std::string("SELECT ") + kNoticeColumns + " FROM outbox" + (state ? " WHERE state=?1" : "") +
                    " ORDER BY created_ms DESC, notice_id LIMIT ?2";
  SILIAN_RETURN_IF_ERROR(s.Prepare(ledger_.db(), sql.c_str()));
  if (state) s.Bind(1, *state);
  s.Bind(2, static_cast<int64_t>(limit));
  return CollectRows<Notice>(s, ReadNotice);
}

Result<std::vector<Notice>> Outbox::Due(uint64_t now_ms, size_t limit) {
  Stmt s;
  std::string sql = std::string("SELECT ") + kNoticeColumns +
                    " FROM outbox WHERE state='pending' AND next_attempt_ms<=?1 ORDER BY next_attempt_ms, notice_id LIMIT ?2";
  SILIAN_RETURN_IF_ERROR(s.Prepare(ledger_.db(), sql.c_str()));
  s.Bind(1, now_ms).Bind(2, static_cast<int64_t>(limit));
  return CollectRows<Notice>(s, ReadNotice);
}

Status Outbox::MarkSent(const std::string& id, uint64_t now_ms) {
  Stmt s;
  SILIAN_RETURN_IF_ERROR(s.Prepare(ledger_.db(),
                                   "UPDATE outbox SET state='sent', sent_ms=?2, attempts=attempts+1, last_error='' "
                                   "WHERE notice_id=?1"));
  SILIAN_RETURN_IF_ERROR(s.Bind(1, id).Bind(2, now_ms).Run());
  if (sqlite3_changes(ledger_.db()) == 0) return NotFound("no notice " + Quote(id));
  return Status::Ok();
}

Status Outbox::MarkFailed(const std::string& id, const std::string& error, uint64_t next_attempt_ms,
                                     bool give_up) {
  Stmt s;
  SILIAN_RETURN_IF_ERROR(s.Prepare(ledger_.db(),
                                   "UPDATE outbox SET state=?2, next_attempt_ms=?3, attempts=attempts+1, "
                                   "last_error=?4 WHERE notice_id=?1"));
  SILIAN_RETURN_IF_ERROR(
      s.Bind(1, id).Bind(2, std::string_view(give_up ? "failed" : "pending")).Bind(3, next_attempt_ms).Bind(4, error).Run());
  if (sqlite3_changes(ledger_.db()) == 0) return NotFound("no notice " + Quote(id));
  return Status::Ok();
}

}  // namespace silian::sync
