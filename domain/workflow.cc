#include "domain/workflow.h"

#include <algorithm>
#include <cstdio>
#include <set>
#include <string_view>
#include <utility>

#include "base/text.h"
#include "domain/case_facts.h"
#include "domain/case_model.h"
#include "domain/catalog.h"
#include "domain/enums.h"
#include "domain/responsibility.h"

namespace silian::sync {
namespace {

using nlohmann::json;
using Facts = pb::CaseFacts;

std::optional<Date> DateOf(bool has, uint64_t ms) {
  if (!has) return std::nullopt;
  return DateOfUnixMs(ms);
}

#define SILIAN_TIMELINE(name) \
  std::optional<Date> name(const Facts& f) { return DateOf(f.timeline().has_##name(), f.timeline().name()); }
SILIAN_TIMELINE(received)
SILIAN_TIMELINE(forwarded)
SILIAN_TIMELINE(accepted)
SILIAN_TIMELINE(first_response)
SILIAN_TIMELINE(closed)
SILIAN_TIMELINE(decided)
SILIAN_TIMELINE(completed)
#undef SILIAN_TIMELINE

bool InRange(std::optional<Date> d, const ReportOptions& o) { return d && *d >= o.from && *d <= o.to; }
bool InRange(uint64_t ms, const ReportOptions& o) { return InRange(DateOfUnixMs(ms), o); }

// The due day of a rectification: its own deadline when fixed by deadline, else rectification_wd working days
// after the evaluation. REQUIRES: e.has_rectification().
std::optional<Date> RectificationDue(const Facts::Evaluation& e, const WorkingCalendar& calendar, int rectification_wd) {
  auto category = ParseRectificationStep(e.rectification().category());
  if (category.ok() && *category == RectificationStep::kFixByDeadline) {
    Result<Date> d = ParseDate(e.rectification().due_date());
    if (d.ok()) return *d;
  }
  auto when = DateOf(e.has_time(), e.time());
  if (!when) return std::nullopt;
  return calendar.AddWorkingDays(*when, rectification_wd);
}

bool RectificationOpen(const Facts::Evaluation& e) {
  return e.rectification().state() == RectificationStateName(RectificationState::kOpen);
}

bool Running(const CaseClocks& c) { return c.started && c.stage != "stopped"; }

// The extension limit of the item as the case holds it (catalog.h, ExtensionLimitWd).
int ExtensionLimitWd(const Facts::Item& item) {
  if (item.extension_limit_wd() > 0)
    return static_cast<int>(std::min<int64_t>(item.extension_limit_wd(), kMaxExtensionWd));
  return item.departments_size() > 0 ? kDefaultJointExtensionWd : kDefaultExtensionWd;
}

// Sets in.extension_days to the lawful extension of the case, or leaves it 0 and says why in
// c.extension_refused: only the first extension counts, of 1 to the item's limit, decided on or before the
// legal deadline as it stood without it. `in.limit` is the legal limit.
void LawfulExtension(const Facts& f, const WorkingCalendar& calendar, Date today, int warning_wd, ClockInput& in,
                     CaseClocks& c) {
  if (!f.has_first_extension()) return;
  const Facts::Extension& first = f.first_extension();
  const int64_t days = first.days();
  const int limit = ExtensionLimitWd(f.item());
  if (days < 1 || days > limit) {
    c.extension_refused = "extension of " + std::to_string(days) + " working days exceeds the limit of " +
                          std::to_string(limit);
    return;
  }
  auto when = DateOf(first.has_time(), first.time());
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

Responsible ResponsibleOf(const Facts& f, bool deemed_accepted) {
  Responsible r{ResponsibleFor(f, deemed_accepted), "", ""};
  r.node = r.organ.node;
  const Facts::Handler& handler = r.organ.stage == "handling" ? f.accepted_by() : f.received_by();
  if (!r.node.empty() && handler.node() == r.node) r.actor = handler.actor();
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

std::vector<std::string> OwedMaterialsOutstanding(const Facts& f) {
  const std::set<std::string> names(f.materials().begin(), f.materials().end());
  std::vector<std::string> out;
  for (auto& owed : SplitOwed(f.owed().materials()))
    if (!names.contains(owed)) out.push_back(std::move(owed));
  return out;
}

std::vector<std::string> OwedMaterialsOutstanding(const json& view) { return OwedMaterialsOutstanding(FactsOfView(view)); }

// ---- Clocks ----

CaseClocks ComputeCaseClocks(const Facts& f, const WorkingCalendar& calendar, Date today, int warning_wd) {
  CaseClocks c;
  const std::optional<Date> closed_on = closed(f);
  const std::optional<Date> responded = first_response(f);
  const std::optional<Date> organ_receipt = f.timeline().has_forwarded() ? forwarded(f) : received(f);
  if (organ_receipt) {
    // A case closed (withdrawn) before any response stops the window at its closing.
    Date as_of = (!responded && closed_on) ? std::min(today, *closed_on) : today;
    c.notice = OneTimeNoticeWindow(calendar, *organ_receipt, responded, as_of, kNoticeWindowWd);
  }
  if (!f.has_item()) {
    c.stage = "no_item";
    return c;
  }
  if (auto a = accepted(f)) {
    c.started = true;
    c.start = *a;
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
  if (auto d = decided(f)) {
    in.stopped = d;
  } else if (auto done = completed(f)) {
    in.stopped = done;
  } else if (closed_on) {
    in.stopped = closed_on;
  }
  bool open_suspension = false;
  for (const Facts::Suspension& s : f.suspensions()) {
    auto to = DateOf(s.has_end(), s.end());
    if (!to) open_suspension = true;
    in.suspensions.push_back({DateOfUnixMs(s.start()), to});
  }
  in.limit = f.item().legal_limit();
  LawfulExtension(f, calendar, today, warning_wd, in, c);
  c.legal = ComputeClock(calendar, in, today, warning_wd);
  in.limit = f.item().promised_limit();
  c.promised = ComputeClock(calendar, in, today, warning_wd);
  c.stage = in.stopped ? "stopped" : open_suspension ? "suspended" : "running";
  return c;
}

CaseClocks ComputeCaseClocks(const json& view, const WorkingCalendar& calendar, Date today, int warning_wd) {
  return ComputeCaseClocks(FactsOfView(view), calendar, today, warning_wd);
}

std::optional<Date> CorrectionDue(const Facts& f, const WorkingCalendar& calendar) {
  if (!f.has_correction()) return std::nullopt;
  if (Result<Date> due = ParseDate(f.correction().due()); due.ok()) return *due;
  auto requested = DateOf(f.correction().has_requested(), f.correction().requested());
  if (!requested) return std::nullopt;
  return calendar.AddWorkingDays(*requested, kCorrectionWindowWd);
}

std::optional<Date> CorrectionDue(const json& view, const WorkingCalendar& calendar) {
  return CorrectionDue(FactsOfView(view), calendar);
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

std::vector<std::string> GroupsOf(const Facts& f, const std::string& by, bool deemed_accepted) {
  if (by == "county" || by == "township") {
    const size_t digits = by == "county" ? 6 : 9;
    return {OrNone(f.division().size() >= digits ? f.division().substr(0, digits) : std::string())};
  }
  if (by == "organ") return {OrNone(ResponsibleFor(f, deemed_accepted).organ)};
  if (by == "node") {
    std::string node = f.received_by().node();
    if (node.empty()) node = f.case_id().substr(0, f.case_id().find(':'));
    return {OrNone(node)};
  }
  if (by == "level") return {OrNone(f.received_by().level())};
  if (by == "item") {
    const std::string& code = f.item_code();
    const std::string& name = f.item().name();
    std::string g = code.empty() ? name : name.empty() ? code : code + " " + name;
    return {OrNone(g)};
  }
  if (by == "department") {
    std::vector<std::string> out = {OrNone(f.item().lead_department())};
    for (const auto& dept : f.item().departments())
      if (std::find(out.begin(), out.end(), dept) == out.end()) out.push_back(dept);
    return out;
  }
  if (by == "staff") {
    std::string actor = f.accepted_by().actor();
    if (actor.empty()) actor = f.received_by().actor();
    return {OrNone(actor)};
  }
  return {};
}

}  // namespace

bool ReportBuilder::Counts(const Facts& f) const { return f.division().rfind(options_.division_prefix, 0) == 0; }

bool ReportBuilder::Counts(const json& view) const { return Counts(FactsOfView(view)); }

void ReportBuilder::Add(const Facts& f, const CaseClocks* given_clocks) {
  if (!Counts(f)) return;
  const WorkingCalendar& calendar = calendar_for_(f.division());
  CaseClocks computed;
  const CaseClocks& clocks = given_clocks != nullptr
                                 ? *given_clocks
                                 : (computed = ComputeCaseClocks(f, calendar, options_.today, options_.warning_wd));

  Sums c;
  ReportRow& r = c.row;
  if (InRange(received(f), options_)) r.received = 1;
  if (InRange(accepted(f), options_)) r.accepted = 1;
  if (f.status() == CaseStatusName(CaseStatus::kNotAccepted) && InRange(closed(f), options_)) r.not_accepted = 1;
  if (InRange(completed(f), options_)) {
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
  for (const Facts::Money& e : f.fees()) {
    if (!InRange(e.time(), options_)) continue;
    auto kind = ParseFeeKind(e.kind());
    if (!kind.ok()) continue;
    switch (*kind) {
      case FeeKind::kCharge: r.fees_charged_fen += e.amount_fen(); break;
      case FeeKind::kPayment: r.fees_paid_fen += e.amount_fen(); break;
      case FeeKind::kRefund: r.fees_refunded_fen += e.amount_fen(); break;
    }
  }
  for (const Facts::Evaluation& e : f.evaluations()) {
    if (!InRange(DateOf(e.has_time(), e.time()), options_)) continue;
    ++r.evaluations;
    if (e.assisted()) ++r.evaluations_assisted;
    // A rating this version does not know counts as an evaluation, neither satisfied nor negative.
    if (auto rating = ParseRating(e.rating()); rating.ok()) ++(IsNegativeRating(*rating) ? r.negative_evaluations : c.satisfied);
    if (!e.has_rectification()) continue;
    if (RectificationOpen(e)) {
      ++r.rectifications_open;
      auto due = RectificationDue(e, calendar, options_.rectification_wd);
      if (due && options_.today > *due) ++r.rectifications_overdue;
    } else {
      ++r.rectifications_closed;
    }
  }
  for (const Facts::Money& e : f.subsidies()) {
    if (!InRange(e.time(), options_)) continue;
    ++r.subsidies;
    r.subsidies_paid_fen += e.amount_fen();
  }

  AddInto(total_, c);
  for (const auto& g : GroupsOf(f, options_.by, clocks.deemed_accepted)) {
    Sums& s = groups_[g];
    s.row.group = g;
    AddInto(s, c);
  }
}

void ReportBuilder::Add(const json& view, const CaseClocks* clocks) { Add(FactsOfView(view), clocks); }

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

std::vector<SupervisionItem> Supervise(const Facts& f, const WorkingCalendar& calendar, Date today, int warning_wd,
                                       int rectification_wd, int transit_wd, const CaseClocks* given_clocks) {
  std::vector<SupervisionItem> out;
  CaseClocks computed;
  const CaseClocks& clocks =
      given_clocks != nullptr ? *given_clocks : (computed = ComputeCaseClocks(f, calendar, today, warning_wd));
  const Responsible responsible = ResponsibleOf(f, clocks.deemed_accepted);
  const std::string& item = f.item().name().empty() ? f.item_code() : f.item().name();
  auto add = [&](std::string problem, std::string clock, std::optional<Date> due) {
    SupervisionItem s;
    s.case_id = f.case_id();
    s.case_number = f.case_number();
    s.division = f.division();
    s.status = f.status();
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
  if (auto due = TransitOverdue(f, calendar, today, transit_wd)) {
    add("transit_overdue", "", due);
    // The late transit is the receiving point's, even once the case counts as accepted by the organ.
    const Responsible point = ResponsibleOf(f, false);
    out.back().responsible_organ = point.organ.organ;
    out.back().responsible_level = point.organ.level;
    out.back().responsible_node = point.node;
    out.back().responsible_actor = point.actor;
  }
  if (f.has_owed() && !closed(f)) {
    Result<Date> due = ParseDate(f.owed().due());
    if (due.ok() && *due < today && !OwedMaterialsOutstanding(f).empty()) add("owed_materials_overdue", "", *due);
  }
  if (clocks.deemed_accepted && clocks.stage != "stopped") add("deemed_accepted", "", clocks.notice->due);
  if (f.status() == CaseStatusName(CaseStatus::kCorrectionPending)) {
    std::optional<Date> due = CorrectionDue(f, calendar);
    if (due && today > *due) add("correction_lapsed", "", due);
  }
  for (const Facts::Evaluation& e : f.evaluations()) {
    if (!e.has_rectification() || !RectificationOpen(e)) continue;
    auto due = RectificationDue(e, calendar, rectification_wd);
    if (due && today > *due) add("rectification_overdue", "", due);
  }
  return out;
}

std::vector<SupervisionItem> Supervise(const json& view, const WorkingCalendar& calendar, Date today, int warning_wd,
                                       int rectification_wd, int transit_wd, const CaseClocks* clocks) {
  return Supervise(FactsOfView(view), calendar, today, warning_wd, rectification_wd, transit_wd, clocks);
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
