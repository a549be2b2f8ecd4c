#include "domain/workflow.h"

#include <algorithm>
#include <cstdio>
#include <set>
#include <string_view>
#include <utility>

#include "base/text.h"
#include "domain/case_model.h"
#include "domain/catalog.h"
#include "domain/enums.h"
#include "domain/responsibility.h"
#include "domain/view.h"

namespace silian::sync {
namespace {

using nlohmann::json;

const json* Find(const json& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

const json* Path(const json& obj, std::initializer_list<std::string_view> keys) {
  const json* cur = &obj;
  for (auto k : keys) {
    cur = Find(*cur, k);
    if (cur == nullptr) return nullptr;
  }
  return cur;
}

std::string Text(const json& obj, std::initializer_list<std::string_view> keys) {
  const json* v = Path(obj, keys);
  return v != nullptr && v->is_string() ? v->get<std::string>() : std::string();
}

std::optional<uint64_t> Ms(const json* v) {
  if (v == nullptr || !v->is_number_integer() || v->get<int64_t>() < 0) return std::nullopt;
  return v->get<uint64_t>();
}

std::optional<Date> DateAt(const json& obj, std::initializer_list<std::string_view> keys) {
  auto ms = Ms(Path(obj, keys));
  if (!ms) return std::nullopt;
  return DateOfUnixMs(*ms);
}

std::optional<Date> Timeline(const json& view, std::string_view key) { return DateAt(view, {"timeline", key}); }

pb::Limit LimitOf(const json& item, std::string_view key) {
  pb::Limit l;
  const json* v = Path(item, {key, "value"});
  if (v != nullptr && v->is_number_integer())
    l.set_value(static_cast<uint32_t>(std::clamp<int64_t>(v->get<int64_t>(), 0, kMaxClockWorkingDays)));
  l.set_unit(Text(item, {key, "unit"}));
  return l;
}

bool InRange(std::optional<Date> d, const ReportOptions& o) { return d && *d >= o.from && *d <= o.to; }


// The due day of a rectification: its own deadline when fixed by deadline, else rectification_wd working days
// after the evaluation.
std::optional<Date> RectificationDue(const json& evaluation, const WorkingCalendar& calendar, int rectification_wd) {
  const json* rect = Find(evaluation, "rectification");
  if (rect == nullptr) return std::nullopt;
  auto category = ParseRectificationStep(Text(*rect, {"category"}));
  if (category.ok() && *category == RectificationStep::kFixByDeadline) {
    Result<Date> d = ParseDate(Text(*rect, {"due_date"}));
    if (d.ok()) return *d;
  }
  auto when = DateAt(evaluation, {"time"});
  if (!when) return std::nullopt;
  return calendar.AddWorkingDays(*when, rectification_wd);
}

bool RectificationOpen(const json& evaluation) {
  return Text(evaluation, {"rectification", "state"}) == RectificationStateName(RectificationState::kOpen);
}

bool Running(const CaseClocks& c) { return c.started && c.stage != "stopped"; }

// The extension limit of the item as the view shows it (catalog.h, ExtensionLimitWd).
int ViewExtensionLimitWd(const json& item) {
  const json* limit = Find(item, "extension_limit_wd");
  if (limit != nullptr && limit->is_number_integer() && limit->get<int64_t>() > 0)
    return static_cast<int>(std::min<int64_t>(limit->get<int64_t>(), kMaxExtensionWd));
  const json* d = Find(item, "departments");
  return d != nullptr && d->is_array() && !d->empty() ? kDefaultJointExtensionWd : kDefaultExtensionWd;
}

// Sets in.extension_days to the lawful extension of the case, or leaves it 0 and says why in
// c.extension_refused: only the first extension counts, of 1 to the item's limit, decided on or before the
// legal deadline as it stood without it. `in.limit` is the legal limit.
void LawfulExtension(const json& view, const json& item, const WorkingCalendar& calendar, Date today, int warning_wd,
                     ClockInput& in, CaseClocks& c) {
  const json* e = Find(view, "extensions");
  if (e == nullptr || !e->is_array() || e->empty()) return;
  const json& first = (*e)[0];
  const json* d = Find(first, "days");
  const int64_t days = d != nullptr && d->is_number_integer() ? d->get<int64_t>() : 0;
  const int limit = ViewExtensionLimitWd(item);
  if (days < 1 || days > limit) {
    c.extension_refused = "extension of " + std::to_string(days) + " working days exceeds the limit of " +
                          std::to_string(limit);
    return;
  }
  auto when = DateAt(first, {"time"});
  if (!when) {
    c.extension_refused = "extension without a time";
    return;
  }
  ClockInput before = in;
  before.extension_days = 0;
  if (!before.stopped || *before.stopped > *when) before.stopped = *when;
  ClockResult legal = ComputeClock(calendar, before, today, warning_wd);
  if (legal.due && *when > *legal.due) {
    c.extension_refused = "extension decided " + FormatDate(*when) + ", after the legal deadline " + FormatDate(*legal.due);
    return;
  }
  in.extension_days = static_cast<int>(days);
  c.extension_wd = static_cast<int>(days);
}

// The organ responsible (responsibility.h) and the node and actor who acted for it: who accepted; in
// transit, who received; awaiting the organ, whoever received it there (nobody when it was forwarded).
struct Responsible {
  Responsibility organ;
  std::string node, actor;
};

Responsible ResponsibleOf(const json& view, bool deemed_accepted) {
  Responsible r{ResponsibleFor(view, deemed_accepted), "", ""};
  r.node = r.organ.node;
  const char* handler = r.organ.stage == "handling" ? "accepted" : "received";
  if (!r.node.empty() && Text(view, {"handled_by", handler, "node"}) == r.node)
    r.actor = Text(view, {"handled_by", handler, "actor"});
  return r;
}

std::string Fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::vector<std::string> SplitOwed(const std::string& text) {
  std::vector<std::string> out;
  std::string cur;
  auto flush = [&] {
    size_t b = cur.find_first_not_of(" \t");
    size_t e = cur.find_last_not_of(" \t");
    if (b != std::string::npos) out.push_back(cur.substr(b, e - b + 1));
    cur.clear();
  };
  static const std::vector<std::string> kSeparators = {",", ";", "，", "；", "、"};
  for (size_t i = 0; i < text.size();) {
    bool sep = false;
    for (const auto& s : kSeparators) {
      if (text.compare(i, s.size(), s) == 0) {
        flush();
        i += s.size();
        sep = true;
        break;
      }
    }
    if (!sep) cur += text[i++];
  }
  flush();
  return out;
}

}  // namespace

std::vector<std::string> OwedMaterialsOutstanding(const json& view) {
  std::set<std::string> names;
  for (const auto& m : ViewMaterials(view)) names.insert(m.name);
  std::vector<std::string> out;
  for (auto& owed : SplitOwed(Text(view, {"owed", "materials"})))
    if (!names.contains(owed)) out.push_back(std::move(owed));
  return out;
}

namespace {

bool OwedSupplied(const json& view) { return OwedMaterialsOutstanding(view).empty(); }

}  // namespace

// ---- Clocks ----

CaseClocks ComputeCaseClocks(const json& view, const WorkingCalendar& calendar, Date today, int warning_wd) {
  CaseClocks c;
  const std::optional<Date> received = Timeline(view, "received");
  const std::optional<Date> forwarded = Timeline(view, "forwarded");
  const std::optional<Date> accepted = Timeline(view, "accepted");
  const std::optional<Date> first_response = Timeline(view, "first_response");
  const std::optional<Date> closed = Timeline(view, "closed");
  std::optional<Date> organ_receipt = forwarded ? forwarded : received;
  if (organ_receipt) {
    // A case closed (withdrawn) before any response stops the window at its closing.
    Date as_of = (!first_response && closed) ? std::min(today, *closed) : today;
    c.notice = OneTimeNoticeWindow(calendar, *organ_receipt, first_response, as_of, kNoticeWindowWd);
  }
  const json* item = Find(view, "item");
  if (item == nullptr || !item->is_object()) {
    c.stage = "no_item";
    return c;
  }
  if (accepted) {
    c.started = true;
    c.start = *accepted;
  } else if (c.notice && c.notice->deemed_accepted) {
    c.started = true;
    c.deemed_accepted = true;
    c.start = *organ_receipt;
  }
  if (!c.started) {
    c.stage = "before_acceptance";
    return c;
  }

  ClockInput in;
  in.start = c.start;
  if (auto d = Timeline(view, "decided")) {
    in.stopped = d;
  } else if (auto done = Timeline(view, "completed")) {
    in.stopped = done;
  } else if (closed) {
    in.stopped = closed;
  }
  bool open_suspension = false;
  if (const json* s = Find(view, "suspensions"); s != nullptr && s->is_array()) {
    for (const auto& susp : *s) {
      auto from = DateAt(susp, {"start"});
      if (!from) continue;
      auto to = DateAt(susp, {"end"});
      if (!to) open_suspension = true;
      in.suspensions.push_back({*from, to});
    }
  }
  in.limit = LimitOf(*item, "legal_limit");
  LawfulExtension(view, *item, calendar, today, warning_wd, in, c);
  c.legal = ComputeClock(calendar, in, today, warning_wd);
  in.limit = LimitOf(*item, "promised_limit");
  c.promised = ComputeClock(calendar, in, today, warning_wd);
  c.stage = in.stopped ? "stopped" : open_suspension ? "suspended" : "running";
  return c;
}

std::optional<Date> CorrectionDue(const json& view, const WorkingCalendar& calendar) {
  const json* c = Find(view, "correction");
  if (c == nullptr) return std::nullopt;
  if (Result<Date> due = ParseDate(Text(*c, {"due"})); due.ok()) return *due;
  auto requested = DateAt(*c, {"requested"});
  if (!requested) return std::nullopt;
  return calendar.AddWorkingDays(*requested, kCorrectionWindowWd);
}

json ClocksToJson(const CaseClocks& c) {
  json out = {{"stage", c.stage}, {"started", c.started}, {"deemed_accepted", c.deemed_accepted}};
  if (c.extension_wd > 0) out["extension_wd"] = c.extension_wd;
  if (!c.extension_refused.empty()) out["extension_not_counted"] = c.extension_refused;
  if (c.notice) out["notice"] = {{"due", FormatDate(c.notice->due)}, {"deemed_accepted", c.notice->deemed_accepted}};
  if (!c.started) return out;
  out["start"] = FormatDate(c.start);
  auto clock = [](const ClockResult& r) {
    return json{{"due", r.due ? json(FormatDate(*r.due)) : json(nullptr)},
                {"remaining_wd", r.remaining_wd},
                {"used_wd", r.used_wd},
                {"paused_wd", r.paused_wd},
                {"ahead_wd", r.ahead_wd},
                {"state", r.state},
                {"provisional", r.provisional},
                {"calendar", r.calendar}};
  };
  out["legal"] = clock(c.legal);
  out["promised"] = clock(c.promised);
  return out;
}

// ---- Report ----

Result<int> ParseRectificationDays(std::string_view what, std::string_view text) {
  bool digits = !text.empty() && text.size() <= 3 && std::all_of(text.begin(), text.end(), [](char c) {
    return c >= '0' && c <= '9';
  });
  int days = digits ? std::stoi(std::string(text)) : 0;
  if (days < 1 || days > 365)
    return InvalidArgument(std::string(what) + " " + Quote(text) + " must be a number of working days, 1 to 365");
  return days;
}

Status ValidateReportOptions(const ReportOptions& o) {
  static const std::set<std::string> kBy = {"", "node", "level", "item", "department", "staff", "county",
                                            "township", "organ"};
  if (!kBy.contains(o.by))
    return InvalidArgument("report grouping \"" + o.by +
                           "\" is not one of: node, level, item, department, staff, county, township, organ (or none)");
  if (o.to < o.from)
    return InvalidArgument("report period " + FormatDate(o.from) + ".." + FormatDate(o.to) + " ends before it starts");
  if (o.division_prefix.size() > 12 ||
      !std::all_of(o.division_prefix.begin(), o.division_prefix.end(), [](char ch) { return ch >= '0' && ch <= '9'; }))
    return InvalidArgument("report division prefix \"" + o.division_prefix + "\" must be up to 12 digits");
  if (o.warning_wd < 0) return InvalidArgument("report warning_wd " + std::to_string(o.warning_wd) + " must be >= 0");
  if (o.rectification_wd < 1)
    return InvalidArgument("report rectification_wd " + std::to_string(o.rectification_wd) + " must be >= 1");
  return Status::Ok();
}

ReportBuilder::ReportBuilder(ReportOptions options,
                             std::function<const WorkingCalendar&(const std::string& division)> calendar_for)
    : options_(std::move(options)), calendar_for_(std::move(calendar_for)) {
  SILIAN_CHECK(ValidateReportOptions(options_).ok());
  total_.row.group = "total";
}

namespace {

void AddInto(ReportBuilder::Sums& to, const ReportBuilder::Sums& c) {
  ReportRow& r = to.row;
  const ReportRow& x = c.row;
  r.received += x.received;
  r.accepted += x.accepted;
  r.not_accepted += x.not_accepted;
  r.completed += x.completed;
  r.completed_on_time += x.completed_on_time;
  r.ahead_wd_total += x.ahead_wd_total;
  r.overdue_now += x.overdue_now;
  r.warning_now += x.warning_now;
  r.fees_charged_fen += x.fees_charged_fen;
  r.fees_paid_fen += x.fees_paid_fen;
  r.fees_refunded_fen += x.fees_refunded_fen;
  r.evaluations += x.evaluations;
  r.negative_evaluations += x.negative_evaluations;
  r.rectifications_open += x.rectifications_open;
  r.rectifications_closed += x.rectifications_closed;
  r.rectifications_overdue += x.rectifications_overdue;
  r.subsidies += x.subsidies;
  r.subsidies_paid_fen += x.subsidies_paid_fen;
  r.evaluations_assisted += x.evaluations_assisted;
  to.handling_wd_sum += c.handling_wd_sum;
  to.handling_count += c.handling_count;
  to.satisfied += c.satisfied;
}

ReportRow Finish(const ReportBuilder::Sums& s) {
  ReportRow r = s.row;
  auto ratio = [](uint64_t n, uint64_t d) { return d == 0 ? 0.0 : static_cast<double>(n) / static_cast<double>(d); };
  r.completion_rate = ratio(r.completed, r.accepted);
  r.average_handling_wd = ratio(s.handling_wd_sum, s.handling_count);
  r.satisfaction_rate = ratio(s.satisfied, r.evaluations);
  return r;
}

std::string OrNone(std::string s) { return s.empty() ? "(none)" : s; }

std::vector<std::string> GroupsOf(const json& view, const std::string& by, bool deemed_accepted) {
  if (by == "county" || by == "township") {
    const std::string division = Text(view, {"division"});
    const size_t digits = by == "county" ? 6 : 9;
    return {OrNone(division.size() >= digits ? division.substr(0, digits) : std::string())};
  }
  if (by == "organ") return {OrNone(ResponsibleFor(view, deemed_accepted).organ)};
  if (by == "node") {
    std::string node = Text(view, {"handled_by", "received", "node"});
    if (node.empty()) {
      std::string id = Text(view, {"case_id"});
      node = id.substr(0, id.find(':'));
    }
    return {OrNone(node)};
  }
  if (by == "level") return {OrNone(Text(view, {"handled_by", "received", "level"}))};
  if (by == "item") {
    std::string code = Text(view, {"fields", "item_code", "value"});
    std::string name = Text(view, {"item", "name"});
    std::string g = code.empty() ? name : name.empty() ? code : code + " " + name;
    return {OrNone(g)};
  }
  if (by == "department") {
    std::vector<std::string> out = {OrNone(Text(view, {"item", "lead_department"}))};
    if (const json* d = Path(view, {"item", "departments"}); d != nullptr && d->is_array())
      for (const auto& dept : *d)
        if (dept.is_string() && std::find(out.begin(), out.end(), dept.get<std::string>()) == out.end())
          out.push_back(dept.get<std::string>());
    return out;
  }
  if (by == "staff") {
    std::string actor = Text(view, {"handled_by", "accepted", "actor"});
    if (actor.empty()) actor = Text(view, {"handled_by", "received", "actor"});
    return {OrNone(actor)};
  }
  return {};
}

}  // namespace

bool ReportBuilder::Counts(const json& view) const {
  return Text(view, {"division"}).rfind(options_.division_prefix, 0) == 0;
}

void ReportBuilder::Add(const json& view, const CaseClocks* given_clocks) {
  if (!Counts(view)) return;
  const std::string division = Text(view, {"division"});
  const WorkingCalendar& calendar = calendar_for_(division);
  CaseClocks computed;
  const CaseClocks& clocks = given_clocks != nullptr
                                 ? *given_clocks
                                 : (computed = ComputeCaseClocks(view, calendar, options_.today, options_.warning_wd));

  Sums c;
  ReportRow& r = c.row;
  if (InRange(Timeline(view, "received"), options_)) r.received = 1;
  if (InRange(Timeline(view, "accepted"), options_)) r.accepted = 1;
  if (Text(view, {"status"}) == CaseStatusName(CaseStatus::kNotAccepted) && InRange(Timeline(view, "closed"), options_)) r.not_accepted = 1;
  if (InRange(Timeline(view, "completed"), options_)) {
    r.completed = 1;
    if (clocks.started) {
      c.handling_wd_sum = static_cast<uint64_t>(clocks.legal.used_wd);
      c.handling_count = 1;
      if (clocks.promised.state == "met") {
        r.completed_on_time = 1;
        r.ahead_wd_total = static_cast<uint64_t>(clocks.promised.ahead_wd);
      }
    }
  }
  if (Running(clocks)) {
    if (clocks.legal.state == "overdue" || clocks.promised.state == "overdue") {
      r.overdue_now = 1;
    } else if (clocks.legal.state == "warning" || clocks.promised.state == "warning") {
      r.warning_now = 1;
    }
  }
  if (const json* entries = Path(view, {"fees", "entries"}); entries != nullptr && entries->is_array()) {
    for (const auto& e : *entries) {
      if (!InRange(DateAt(e, {"time"}), options_)) continue;
      const json* amount = Find(e, "amount_fen");
      if (amount == nullptr || !amount->is_number_integer()) continue;
      const int64_t fen = amount->get<int64_t>();
      auto kind = ParseFeeKind(Text(e, {"kind"}));
      if (!kind.ok()) continue;
      switch (*kind) {
        case FeeKind::kCharge: r.fees_charged_fen += fen; break;
        case FeeKind::kPayment: r.fees_paid_fen += fen; break;
        case FeeKind::kRefund: r.fees_refunded_fen += fen; break;
      }
    }
  }
  if (const json* evals = Find(view, "evaluations"); evals != nullptr && evals->is_array()) {
    for (const auto& e : *evals) {
      if (!InRange(DateAt(e, {"time"}), options_)) continue;
      ++r.evaluations;
      if (const json* a = Find(e, "assisted"); a != nullptr && a->is_boolean() && a->get<bool>()) ++r.evaluations_assisted;
      // A rating this version does not know counts as an evaluation, neither satisfied nor negative.
      if (auto rating = ParseRating(Text(e, {"rating"})); rating.ok())
        ++(IsNegativeRating(*rating) ? r.negative_evaluations : c.satisfied);
      if (Find(e, "rectification") == nullptr) continue;
      if (RectificationOpen(e)) {
        ++r.rectifications_open;
        auto due = RectificationDue(e, calendar, options_.rectification_wd);
        if (due && options_.today > *due) ++r.rectifications_overdue;
      } else {
        ++r.rectifications_closed;
      }
    }
  }

  if (const json* entries = Path(view, {"subsidies", "entries"}); entries != nullptr && entries->is_array()) {
    for (const auto& e : *entries) {
      const json* amount = Find(e, "amount_fen");
      if (!InRange(DateAt(e, {"time"}), options_) || amount == nullptr || !amount->is_number_integer()) continue;
      ++r.subsidies;
      r.subsidies_paid_fen += amount->get<int64_t>();
    }
  }

  AddInto(total_, c);
  for (const auto& g : GroupsOf(view, options_.by, clocks.deemed_accepted)) {
    Sums& s = groups_[g];
    s.row.group = g;
    AddInto(s, c);
  }
}

void ReportBuilder::Merge(const ReportBuilder& other) {
  AddInto(total_, other.total_);
  for (const auto& [group, sums] : other.groups_) {
    Sums& s = groups_[group];
    s.row.group = group;
    AddInto(s, sums);
  }
}

std::vector<ReportRow> ReportBuilder::Rows() const {
  std::vector<ReportRow> out;
  out.reserve(groups_.size());
  for (const auto& [name, sums] : groups_) out.push_back(Finish(sums));
  return out;
}

ReportRow ReportBuilder::Total() const { return Finish(total_); }

namespace {

std::vector<std::string> RowFields(const ReportRow& r) {
  return {r.group,
          std::to_string(r.received),
          std::to_string(r.accepted),
          std::to_string(r.not_accepted),
          std::to_string(r.completed),
          Fixed(r.completion_rate, 4),
          std::to_string(r.completed_on_time),
          std::to_string(r.ahead_wd_total),
          Fixed(r.average_handling_wd, 2),
          std::to_string(r.overdue_now),
          std::to_string(r.warning_now),
          FormatFen(r.fees_charged_fen),
          FormatFen(r.fees_paid_fen),
          FormatFen(r.fees_refunded_fen),
          std::to_string(r.evaluations),
          std::to_string(r.negative_evaluations),
          Fixed(r.satisfaction_rate, 4),
          std::to_string(r.rectifications_open),
          std::to_string(r.rectifications_closed),
          std::to_string(r.rectifications_overdue),
          std::to_string(r.evaluations_assisted),
          std::to_string(r.subsidies),
          FormatFen(r.subsidies_paid_fen)};
}

const std::vector<std::string>& CsvHeader() {
  static const std::vector<std::string> h = {
      "group",          "received",          "accepted",        "not_accepted",         "completed",
      "completion_rate", "completed_on_time", "ahead_wd_total",  "average_handling_wd",  "overdue_now",
      "warning_now",    "fees_charged_yuan", "fees_paid_yuan",  "fees_refunded_yuan",   "evaluations",
      "negative_evaluations", "satisfaction_rate", "rectifications_open", "rectifications_closed",
      "rectifications_overdue", "evaluations_assisted", "subsidies", "subsidies_paid_yuan"};
  return h;
}

// A number as the report writes one: an optional '-', digits, an optional fraction.
bool IsNumber(std::string_view f) {
  size_t i = !f.empty() && f[0] == '-' ? 1 : 0;
  size_t digits = 0, dots = 0;
  for (; i < f.size(); ++i) {
    if (f[i] == '.') {
      ++dots;
    } else if (f[i] >= '0' && f[i] <= '9') {
      ++digits;
    } else {
      return false;
    }
  }
  return digits > 0 && dots <= 1;
}

// A cell a spreadsheet would take as a formula (= + - @, or a leading tab or CR that some strip first) is
// written with a leading apostrophe, as OWASP advises against CSV injection (=cmd|' /C calc'!A0); numbers
// stay numbers.
std::string CsvText(const std::string& f) {
  if (f.empty() || IsNumber(f) || std::string_view("=+-@\t\r").find(f[0]) == std::string_view::npos) return f;
  return "'" + f;
}

std::string CsvField(const std::string& raw) {
  const std::string f = CsvText(raw);
  if (f.find_first_of(",\"\r\n") == std::string::npos) return f;
  std::string out = "\"";
  for (char ch : f) {
    if (ch == '"') out += '"';
    out += ch;
  }
  return out + "\"";
}

std::string CsvLine(const std::vector<std::string>& fields) {
  std::string out;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out += ',';
    out += CsvField(fields[i]);
  }
  return out + "\r\n";
}

}  // namespace

std::string RenderReportText(const ReportOptions& o, const std::vector<ReportRow>& rows, const ReportRow& total) {
  std::string out = "Report " + FormatDate(o.from) + ".." + FormatDate(o.to) +
                    (o.division_prefix.empty() ? "" : " division " + o.division_prefix + "*") +
                    (o.by.empty() ? "" : " by " + o.by) + " (now = " + FormatDate(o.today) + ")\n";
  std::vector<std::vector<std::string>> table = {{"group", "recv", "acc", "n/acc", "done", "rate", "ontime", "ahead",
                                                  "avg_wd", "overdue", "warn", "charged", "paid", "refunded", "evals",
                                                  "neg", "satisf", "rect_open", "rect_closed", "rect_late", "assisted",
                                                  "subs", "subs_paid"}};
  for (const auto& r : rows) table.push_back(RowFields(r));
  table.push_back(RowFields(total));
  std::vector<size_t> width(table[0].size(), 0);
  for (const auto& line : table)
    for (size_t i = 0; i < line.size(); ++i) width[i] = std::max(width[i], DisplayWidth(line[i]));
  for (const auto& line : table) {
    std::string text;
    for (size_t i = 0; i < line.size(); ++i) {
      if (i > 0) text += "  ";
      text += PadToWidth(line[i], width[i], i > 0 ? Align::kRight : Align::kLeft);
    }
    out += text.substr(0, text.find_last_not_of(' ') + 1) + "\n";
  }
  return out;
}

std::string RenderReportCsv(const std::vector<ReportRow>& rows, const ReportRow& total) {
  std::string out = CsvLine(CsvHeader());
  for (const auto& r : rows) out += CsvLine(RowFields(r));
  ReportRow t = total;
  t.group = "total";
  out += CsvLine(RowFields(t));
  return out;
}

namespace {

json RowToJson(const ReportRow& r) {
  return {{"group", r.group},
          {"received", r.received},
          {"accepted", r.accepted},
          {"not_accepted", r.not_accepted},
          {"completed", r.completed},
          {"completion_rate", r.completion_rate},
          {"completed_on_time", r.completed_on_time},
          {"ahead_wd_total", r.ahead_wd_total},
          {"average_handling_wd", r.average_handling_wd},
          {"overdue_now", r.overdue_now},
          {"warning_now", r.warning_now},
          {"fees_charged_fen", r.fees_charged_fen},
          {"fees_paid_fen", r.fees_paid_fen},
          {"fees_refunded_fen", r.fees_refunded_fen},
          {"evaluations", r.evaluations},
          {"negative_evaluations", r.negative_evaluations},
          {"satisfaction_rate", r.satisfaction_rate},
          {"rectifications_open", r.rectifications_open},
          {"rectifications_closed", r.rectifications_closed},
          {"rectifications_overdue", r.rectifications_overdue},
          {"evaluations_assisted", r.evaluations_assisted},
          {"subsidies", r.subsidies},
          {"subsidies_paid_fen", r.subsidies_paid_fen}};
}

}  // namespace

json ReportToJson(const ReportOptions& o, const std::vector<ReportRow>& rows, const ReportRow& total) {
  json list = json::array();
  for (const auto& r : rows) list.push_back(RowToJson(r));
  return {{"from", FormatDate(o.from)}, {"to", FormatDate(o.to)}, {"division_prefix", o.division_prefix},
          {"by", o.by}, {"today", FormatDate(o.today)}, {"rows", list}, {"total", RowToJson(total)}};
}

// ---- Supervision ----

std::vector<SupervisionItem> Supervise(const json& view, const WorkingCalendar& calendar, Date today, int warning_wd,
                                       int rectification_wd, int transit_wd, const CaseClocks* given_clocks) {
  std::vector<SupervisionItem> out;
  CaseClocks computed;
  const CaseClocks& clocks =
      given_clocks != nullptr ? *given_clocks : (computed = ComputeCaseClocks(view, calendar, today, warning_wd));
  const Responsible responsible = ResponsibleOf(view, clocks.deemed_accepted);
  std::string item = Text(view, {"item", "name"});
  if (item.empty()) item = Text(view, {"fields", "item_code", "value"});
  auto add = [&](std::string problem, std::string clock, std::optional<Date> due) {
    SupervisionItem s;
    s.case_id = Text(view, {"case_id"});
    s.case_number = Text(view, {"case_number"});
    s.division = Text(view, {"division"});
    s.status = Text(view, {"status"});
    s.item = item;
    s.problem = std::move(problem);
    s.clock = std::move(clock);
    s.due = due;
    s.remaining_wd = due ? calendar.WorkingDaysBetween(today, *due) : 0;
    s.responsible_node = responsible.node;
    s.responsible_actor = responsible.actor;
    s.responsible_organ = responsible.organ.organ;
    s.responsible_level = responsible.organ.level;
    s.step = s.status;
    out.push_back(std::move(s));
  };

  if (Running(clocks)) {
    for (const char* problem : {"overdue", "warning"}) {
      if (clocks.legal.state == problem) add(problem, "legal", clocks.legal.due);
      if (clocks.promised.state == problem) add(problem, "promised", clocks.promised.due);
    }
  }
  if (auto due = TransitOverdue(view, calendar, today, transit_wd)) {
    add("transit_overdue", "", due);
    // The late transit is the receiving point's, even once the case counts as accepted by the organ.
    const Responsible point = ResponsibleOf(view, false);
    out.back().responsible_organ = point.organ.organ;
    out.back().responsible_level = point.organ.level;
    out.back().responsible_node = point.node;
    out.back().responsible_actor = point.actor;
  }
  if (Find(view, "owed") != nullptr && !Timeline(view, "closed")) {
    Result<Date> due = ParseDate(Text(view, {"owed", "due"}));
    if (due.ok() && *due < today && !OwedSupplied(view)) add("owed_materials_overdue", "", *due);
  }
  if (clocks.deemed_accepted && clocks.stage != "stopped") add("deemed_accepted", "", clocks.notice->due);
  if (Text(view, {"status"}) == CaseStatusName(CaseStatus::kCorrectionPending)) {
    std::optional<Date> due = CorrectionDue(view, calendar);
    if (due && today > *due) add("correction_lapsed", "", due);
  }
  if (const json* evals = Find(view, "evaluations"); evals != nullptr && evals->is_array()) {
    for (const auto& e : *evals) {
      if (Find(e, "rectification") == nullptr || !RectificationOpen(e)) continue;
      auto due = RectificationDue(e, calendar, rectification_wd);
      if (due && today > *due) add("rectification_overdue", "", due);
    }
  }
  return out;
}

std::string RenderSupervisionText(const std::vector<SupervisionItem>& items) {
  if (items.empty()) return "No cases need supervision.\n";
  std::string out;
  for (const auto& s : items) {
    out += s.problem;
    if (!s.clock.empty()) out += " (" + s.clock + ")";
    out += "  " + (s.case_number.empty() ? s.case_id : s.case_number) + "  " + s.item;
    if (s.due) out += "  due " + FormatDate(*s.due) + " (" + std::to_string(s.remaining_wd) + " WD left)";
    out += "  responsible " + (s.responsible_organ.empty() ? std::string("?") : s.responsible_organ) + " (" +
           (s.responsible_node.empty() ? std::string("?") : s.responsible_node) + "/" +
           (s.responsible_actor.empty() ? std::string("?") : s.responsible_actor) + ")  step " + s.step + "\n";
  }
  return out;
}

json SupervisionToJson(const std::vector<SupervisionItem>& items) {
  json out = json::array();
  for (const auto& s : items)
    out.push_back({{"case_id", s.case_id}, {"case_number", s.case_number}, {"division", s.division},
                   {"status", s.status}, {"item", s.item}, {"problem", s.problem}, {"clock", s.clock},
                   {"due", s.due ? json(FormatDate(*s.due)) : json(nullptr)}, {"remaining_wd", s.remaining_wd},
                   {"responsible_node", s.responsible_node}, {"responsible_actor", s.responsible_actor},
                   {"responsible_organ", s.responsible_organ}, {"responsible_level", s.responsible_level},
                   {"step", s.step}});
  return out;
}

}  // namespace silian::sync
