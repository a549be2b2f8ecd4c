#include "console/render.h"

#include "console/case_facts.h"
#include "ledger/chain.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <set>

#include "base/ids.h"
#include "base/text.h"
#include "domain/calendar.h"
#include "domain/case_model.h"
#include "domain/catalog.h"
#include "domain/local_time.h"
#include "domain/view.h"

namespace silian::console {
namespace {

using nlohmann::json;

// The text of `j[key]`: strings as they are, other values as compact JSON, "" when absent. For messages
// that quote it (Quote escapes what a terminal would act on) and for comparisons.
std::string Raw(const json& j, const std::string& key) {
  if (!j.is_object()) return "";
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return "";
  if (it->is_string()) return it->get<std::string>();
  return it->dump(-1, ' ', false, json::error_handler_t::replace);
}

// Raw(j, key) safe to print: what came from the ledger never reaches the terminal with its control
// characters (base/text.h Printable).
std::string Str(const json& j, const std::string& key) { return Printable(Raw(j, key)); }

// A time of the view in China Standard Time: an ISO UTC text (`j[key]` a string) or Unix milliseconds (a
// number), as "2026-11-30 09:30 +08:00"; "" when absent.
std::string Time(const json& j, const std::string& key) {
  if (!j.is_object() || !j.contains(key)) return "";
  const json& v = j[key];
  if (v.is_number_unsigned()) return sync::CstDateTime(v.get<uint64_t>());
  if (v.is_string()) return Printable(sync::CstFromIso(v.get<std::string>()));
  return Str(j, key);
}

// The China Standard Time day of Unix milliseconds `j[key]`; "" when absent or not a number.
std::string Day(const json& j, const std::string& key) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_number_unsigned()) return "";
  return sync::CstDateText(j[key].get<uint64_t>());
}

// Fen `j[key]` as yuan ("80.00"); "" when absent.
std::string Yuan(const json& j, const std::string& key) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_number_integer()) return Str(j, key);
  return sync::FormatFen(j[key].get<int64_t>());
}

const json& Member(const json& j, const std::string& key) {
  static const json kNull;
  if (!j.is_object()) return kNull;
  auto it = j.find(key);
  return it == j.end() ? kNull : *it;
}

// The elements of an array member, comma separated.
std::string Join(const json& j, const std::string& key) {
  const json& items = Member(j, key);
  if (!items.is_array()) return Str(j, key);
  std::string out;
  for (const auto& item : items)
    out += (out.empty() ? "" : ", ") + (item.is_string() ? item.get<std::string>() : item.dump());
  return Printable(out);
}

// "  label       value" lines, labels padded to one width.
std::string RenderPairs(const std::vector<std::pair<std::string, std::string>>& pairs, const std::string& indent) {
  size_t width = 0;
  for (const auto& [label, value] : pairs) width = std::max(width, DisplayWidth(Printable(label)));
  std::string out;
  for (const auto& [label, value] : pairs)
    out += indent + PadToWidth(Printable(label), width) + "  " + Printable(value) + "\n";
  return out;
}

std::string Indent(const std::string& block, const std::string& indent) {
  std::string out;
  size_t start = 0;
  while (start < block.size()) {
    size_t end = block.find('\n', start);
    if (end == std::string::npos) end = block.size();
    out += indent + block.substr(start, end - start) + "\n";
    start = end + 1;
  }
  return out;
}

std::string FieldsDetail(const json& fields) {
  std::string out;
  if (!fields.is_object()) return out;
  for (const auto& [name, value] : fields.items())
    out += (out.empty() ? "" : ", ") + Printable(name) + "=" + Quote(value.is_string() ? value.get<std::string>() : value.dump());
  return out;
}

// The kind-specific part of one history entry.
std::string HistoryDetail(const json& h) {
  std::string kind = Str(h, "kind");
  std::string out;
  if (kind == "case_created") {
    out = "case number " + Str(h, "case_number");
  } else if (kind == "fields_set") {
    out = FieldsDetail(Member(h, "fields"));
    if (Member(h, "ignored_fields").is_array()) out += "; ignored fields " + Join(h, "ignored_fields");
  } else if (kind == "material_received") {
    out = Quote(Raw(h, "material")) + " copies " + Str(h, "copies");
  } else if (kind == "note_added") {
    out = Quote(Raw(h, "text"));
  } else if (kind == "transition") {
    out = Str(h, "action") + ": " + Str(h, "from");
    if (h.contains("to")) out += " -> " + Str(h, "to");
    if (h.contains("reason")) out += "; reason " + Quote(Raw(h, "reason"));
    if (h.contains("duplicate_of")) out += "; duplicate of " + Str(h, "duplicate_of");
    if (h.contains("conflict")) out += "; conflict " + Str(h, "conflict");
  } else if (kind == "fee_recorded") {
    out = Str(h, "fee") + " " + Yuan(h, "amount_fen") + " yuan";
  } else if (kind == "department_decision") {
    out = Str(h, "department") + ": " + Str(h, "decision");
    if (h.contains("opinion")) out += "; opinion " + Quote(Raw(h, "opinion"));
  } else if (kind == "evaluation_given") {
    out = Str(h, "rating");
  } else if (kind == "rectification_step") {
    out = Str(h, "step") + " of evaluation " + Str(h, "evaluation");
  } else if (kind == "conflict_resolved") {
    out = Str(h, "conflict");
    if (h.contains("keep")) out += "; keep " + Str(h, "keep");
    if (h.contains("value")) out += "; value " + Quote(Raw(h, "value"));
    if (h.contains("forced")) out += "; status forced to " + Str(h, "forced");
    if (h.contains("dismissed")) out += "; dismissed";
  }
  if (h.contains("why")) out += (out.empty() ? "" : "; ") + std::string("why: ") + Str(h, "why");
  return out;
}

}  // namespace

class TerminalGuard::Filter final : public std::streambuf {
 public:
  explicit Filter(std::streambuf* out) : out_(out) {}
  // Writes what is held, the incomplete tail too (as U+FFFD or an escaped CR).
  void Finish() {
    if (Drain(true)) out_->pubsync();
  }

 protected:
  int_type overflow(int_type c) override {
    if (traits_type::eq_int_type(c, traits_type::eof())) return traits_type::not_eof(c);
    held_ += traits_type::to_char_type(c);
    if ((c == '\n' || held_.size() >= kChunk) && !Drain(false)) return traits_type::eof();
    return c;
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    held_.append(s, static_cast<size_t>(n));
    // Whole lines go on at once, so the stream below buffers as it did without the guard (by line on a
    // terminal: `sync --watch` and `serve` print as they go).
    bool line = std::memchr(s, '\n', static_cast<size_t>(n)) != nullptr;
    if ((line || held_.size() >= kChunk) && !Drain(false)) return 0;
    return n;
  }
  int sync() override { return Drain(false) ? out_->pubsync() : -1; }

 private:
  static constexpr size_t kChunk = 8192;

  // Bytes a UTF-8 sequence starting with `lead` has; 1 for anything that cannot start one.
  static size_t SequenceLength(unsigned char lead) {
    return lead >= 0xF0 && lead < 0xF8 ? 4 : lead >= 0xE0 && lead < 0xF0 ? 3 : lead >= 0xC0 && lead < 0xE0 ? 2 : 1;
  }

  // Escapes and writes `held_`, keeping back (unless `all`) a tail that may still be completed: part of a
  // UTF-8 sequence, or a CR whose LF has not come yet. False when the stream below refused bytes.
  bool Drain(bool all) {
    size_t end = held_.size();
    if (!all && end > 0) {
      size_t lead = end - 1;
      while (lead > 0 && end - lead < 4 && (static_cast<unsigned char>(held_[lead]) & 0xC0) == 0x80) --lead;
      if (SequenceLength(static_cast<unsigned char>(held_[lead])) > end - lead) end = lead;
      else if (held_[end - 1] == '\r') end -= 1;
    }
    std::string out;
    size_t start = 0;
    for (size_t i = 0; i <= end; ++i) {
      bool line_end = i < end && (held_[i] == '\n' || (held_[i] == '\r' && i + 1 < held_.size() && held_[i + 1] == '\n'));
      if (i < end && !line_end) continue;
      out += Printable(std::string_view(held_).substr(start, i - start));
      if (i < end) out += held_[i];
      start = i + 1;
    }
    held_.erase(0, end);
    return out_->sputn(out.data(), static_cast<std::streamsize>(out.size())) == static_cast<std::streamsize>(out.size());
  }

  std::streambuf* out_;
  std::string held_;
};

TerminalGuard::TerminalGuard(std::ostream& stream)
    : stream_(stream), filter_(std::make_unique<Filter>(stream.rdbuf())), original_(stream.rdbuf(filter_.get())) {}

TerminalGuard::~TerminalGuard() {
  stream_.flush();
  filter_->Finish();
  stream_.rdbuf(original_);
}

std::string RenderTable(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], DisplayWidth(Printable(row[i])));
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      std::string cell = Printable(row[i]);
      line += i + 1 == row.size() ? cell : PadToWidth(cell, widths[i]) + "  ";
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

json CaseSummaryJson(const sync::CaseSummary& c) {
  return {{"case_id", c.case_id},       {"case_number", c.case_number},       {"status", c.status},
          {"applicant_name", c.applicant_name}, {"applicant_id", c.applicant_id}, {"item_code", c.item_code},
          {"division", c.division},     {"last_update", c.last_update},       {"open_conflicts", c.open_conflicts}};
}

std::string RenderCaseList(const std::vector<sync::CaseSummary>& cases,
                           const std::map<std::string, std::string>& item_names) {
  if (cases.empty()) return "no cases\n";
  std::vector<std::vector<std::string>> rows = {
      {"CASE NUMBER", "CASE ID", "STATUS", "ITEM", "APPLICANT", "UPDATED (+08:00)", "CONFLICTS"}};
  for (const auto& c : cases) {
    auto name = item_names.find(c.item_code);
    std::string updated = sync::CstFromIso(c.last_update);
    if (updated.size() > 7 && updated.ends_with(" +08:00")) updated.resize(updated.size() - 7);
    rows.push_back({c.case_number, c.case_id, c.status, name == item_names.end() ? c.item_code : name->second,
                    c.applicant_name, updated, std::to_string(c.open_conflicts)});
  }
  return RenderTable(rows);
}

std::string RenderConflict(const json& conflict) {
  std::string case_id = Str(conflict, "case_id");
  if (case_id.empty()) case_id = Str(conflict, "case");
  std::string case_number = Str(conflict, "case_number");
  std::vector<std::pair<std::string, std::string>> pairs;
  pairs.push_back({"case", case_number.empty() ? case_id : case_number + " (" + case_id + ")"});
  bool transition = Str(conflict, "kind") == "transition";
  if (transition) {
    std::string what = Str(conflict, "field") + " rejected";
    if (conflict.contains("status_then")) what += " in status " + Quote(Raw(conflict, "status_then"));
    pairs.push_back({"transition", what});
  } else {
    std::string what = Str(conflict, "field");
    if (conflict.contains("provisional")) what += ", provisional value " + Quote(Raw(conflict, "provisional"));
    pairs.push_back({"field", what});
  }
  const json& candidates = Member(conflict, "candidates");
  if (candidates.is_array()) {
    for (const auto& c : candidates) {
      std::string line = Str(c, "op") + " by " + Str(c, "actor") + ": ";
      if (transition) {
        line += Str(c, "action");
        if (c.contains("outcome")) line += " (" + Str(c, "outcome") + ")";
      } else {
        line += Quote(Raw(c, "value"));
      }
      if (c.contains("time")) line += " at " + Time(c, "time");
      pairs.push_back({"candidate", line});
    }
  }
  pairs.push_back({"resolve", "silian-node conflicts resolve " + Str(conflict, "id") +
                                  (transition ? " --keep OP" : " --value VALUE | --keep OP")});
  return Str(conflict, "id") + "\n" + RenderPairs(pairs, "  ");
}

namespace {

using Rows = std::vector<std::vector<std::string>>;

// "\n<title>\n" and the rows as an indented table, or "  none" without rows.
std::string ListSection(const std::string& title, const Rows& rows) {
  return "\n" + title + "\n" + (rows.empty() ? "  none\n" : Indent(RenderTable(rows), "  "));
}

bool IsTrue(const json& j, const std::string& key) { return Member(j, key).is_boolean() && j[key].get<bool>(); }

std::string FieldsSection(const json& view) {
  const json& fields = Member(view, "fields");
  Rows rows;
  std::set<std::string> shown;
  auto add_field = [&](const std::string& name) {
    const json& f = Member(fields, name);
    if (f.is_null() || !shown.insert(name).second) return;
    std::string value = Str(f, "value");
    std::vector<std::string> row = {name, value.empty() ? "-" : value, Str(f, "op")};
    if (f.contains("conflict")) row.push_back("CONFLICT " + Str(f, "conflict"));
    rows.push_back(std::move(row));
  };
  for (const auto& name : sync::AllFieldNames()) add_field(name);
  if (fields.is_object())
    for (const auto& [name, value] : fields.items()) add_field(name);
  return ListSection("fields", rows);
}

std::string ItemSection(const json& view) {
  const json& item = Member(view, "item");
  if (!item.is_object()) return "";
  auto limit = [&](const char* key) {
    const json& l = Member(item, key);
    std::string unit = Str(l, "unit");
    std::replace(unit.begin(), unit.end(), '_', ' ');  // "working_days" reads "working days"
    return Str(l, "value") + " " + unit;
  };
  std::vector<std::pair<std::string, std::string>> pairs = {
      {"name", Str(item, "name") + " (version " + Str(item, "version") + ")"},
      {"exercise level", Str(item, "exercise_level") + (IsTrue(item, "instant") ? ", instant item" : "")},
      {"legal limit", limit("legal_limit")},
      {"promised limit", limit("promised_limit")}};
  if (item.contains("lead_department")) pairs.push_back({"lead department", Str(item, "lead_department")});
  if (item.contains("departments")) pairs.push_back({"parallel with", Join(item, "departments")});
  return "\nitem\n" + RenderPairs(pairs, "  ");
}

// The working days the case's extensions add ("extensions"[].days), as the clocks count them.
int64_t ExtensionDays(const json& view) {
  int64_t days = 0;
  const json& extensions = Member(view, "extensions");
  if (extensions.is_array())
    for (const auto& e : extensions)
      if (Member(e, "days").is_number_integer()) days += e["days"].get<int64_t>();
  return days;
}

// The day a stopped case's clocks stopped: the decision, else completion, else the closing (as
// sync::ComputeCaseClocks takes it); "" when none is on the timeline.
std::string StoppedDay(const json& view) {
  const json& timeline = Member(view, "timeline");
  for (const char* m : {"decided", "completed", "closed"})
    if (Member(timeline, m).is_number_unsigned()) return Day(timeline, m);
  return "";
}

// One clock as a person reads it: running, "due D, N working days left (normal)"; stopped, "due D, met:
// finished D2, N working days ahead" (a stopped clock has no days left); then the paused and extension
// days that moved the due day.
std::string ClockLine(const json& view, const json& c, bool stopped) {
  std::string line = "due " + (Str(c, "due").empty() ? std::string("none (no limit in working days)") : Str(c, "due"));
  if (stopped) {
    std::string day = StoppedDay(view);
    line += ", " + Str(c, "state") + (day.empty() ? "" : ": finished " + day);
    if (Str(c, "state") == "met") line += ", " + Str(c, "ahead_wd") + " working days ahead";
    line += "; used " + Str(c, "used_wd") + " working days";
  } else {
    line += ", " + Str(c, "remaining_wd") + " working days left (" + Str(c, "state") + ")";
  }
  if (Raw(c, "paused_wd") != "0" && !Raw(c, "paused_wd").empty())
    line += "; paused " + Str(c, "paused_wd") + " working days";
  if (int64_t ext = ExtensionDays(view); ext > 0) line += "; extended " + std::to_string(ext) + " days";
  if (IsTrue(c, "provisional")) line += " (provisional: calendar not published)";
  return line;
}

std::string ClocksSection(const json& view) {
  const json& clocks = Member(view, "clocks");
  if (!clocks.is_object()) return "";
  std::vector<std::pair<std::string, std::string>> pairs;
  bool started = IsTrue(clocks, "started");
  std::string stage = Str(clocks, "stage");
  if (Member(clocks, "started").is_boolean() && !started)
    pairs.push_back({"stage", stage + (stage == "no_item" ? " (no catalogue item: no clocks)"
                                                          : " (the clocks start at acceptance)")});
  else if (!stage.empty())
    pairs.push_back({"stage", stage + (stage == "stopped" ? " (decided or closed: the clocks no longer run)" : "")});
  if (started) pairs.push_back({"start", Str(clocks, "start") + " (day 1 is the next working day)"});
  if (IsTrue(clocks, "deemed_accepted"))
    pairs.push_back({"acceptance", "deemed accepted: no one-time notice within 5 working days of receipt"});
  for (const char* which : {"legal", "promised"}) {
    const json& c = Member(clocks, which);
    if (!c.is_object() || !started) continue;
    pairs.push_back({which, ClockLine(view, c, stage == "stopped")});
  }
  if (clocks.contains("calendar")) pairs.push_back({"calendar", Str(clocks, "calendar")});
  if (clocks.contains("as_of")) pairs.push_back({"as of", Str(clocks, "as_of")});
  return "\nclocks\n" + (pairs.empty() ? "" : RenderPairs(pairs, "  "));
}

// Special procedures (the clocks pause) and extensions.
std::string PausesSection(const json& view) {
  Rows rows;
  const json& suspensions = Member(view, "suspensions");
  if (suspensions.is_array())
    for (const auto& s : suspensions)
      rows.push_back({"suspended", Str(s, "procedure").empty() ? "-" : Str(s, "procedure"), Time(s, "start"),
                      s.contains("end") ? Time(s, "end") : "ongoing", Quote(Raw(s, "reason")), Str(s, "op")});
  const json& extensions = Member(view, "extensions");
  if (extensions.is_array())
    for (const auto& e : extensions)
      rows.push_back({"extended", "+" + Str(e, "days") + " days", "", "", Quote(Raw(e, "reason")), Str(e, "op")});
  if (rows.empty()) return "";
  return "\nsuspensions and extensions\n" + Indent(RenderTable(rows), "  ");
}

// The moments of the case (view "timeline", Unix ms) and who handled them.
std::string TimelineSection(const json& view) {
  const json& timeline = Member(view, "timeline");
  if (!timeline.is_object() || timeline.empty()) return "";
  std::vector<std::pair<uint64_t, std::string>> moments;
  for (const auto& [name, ms] : timeline.items())
    if (ms.is_number_unsigned()) moments.push_back({ms.get<uint64_t>(), name});
  std::sort(moments.begin(), moments.end());
  Rows rows;
  const json& handled_by = Member(view, "handled_by");
  for (const auto& [ms, name] : moments) {
    const json& h = Member(handled_by, name);
    std::string who = h.is_object() ? Str(h, "node") + "/" + Str(h, "actor") : "";
    if (h.is_object() && h.contains("level")) who += " (" + Str(h, "level") + ")";
    rows.push_back({name, sync::CstDateTime(ms), who});
  }
  return "\ntimeline\n" + Indent(RenderTable(rows), "  ");
}

std::string DepartmentsSection(const json& view) {
  const json& departments = Member(view, "departments");
  if (!departments.is_object() || departments.empty()) return "";
  Rows rows;
  for (const auto& [name, d] : departments.items()) {
    std::vector<std::string> row = {name, Str(d, "decision"), Str(d, "opinion"), Str(d, "op"), Str(d, "actor")};
    if (d.contains("conflict")) row.push_back("CONFLICT " + Str(d, "conflict"));
    rows.push_back(std::move(row));
  }
  return "\ndepartments\n" + Indent(RenderTable(rows), "  ");
}

std::string FeesSection(const json& view) {
  const json& fees = Member(view, "fees");
  if (!fees.is_object()) return "";
  std::string out = "\nfees (yuan)\n" + RenderPairs({{"charged", Yuan(fees, "charged_fen")},
                                                       {"paid", Yuan(fees, "paid_fen")},
                                                       {"refunded", Yuan(fees, "refunded_fen")}},
                                                      "  ");
  Rows rows;
  if (Member(fees, "entries").is_array())
    for (const auto& e : fees["entries"])
      rows.push_back({Str(e, "kind"), Str(e, "name"), Yuan(e, "amount_fen"), Str(e, "bank_receipt"), Time(e, "time"),
                      Str(e, "op")});
  return rows.empty() ? out : out + Indent(RenderTable(rows), "  ");
}

// certificate, delivery, owed: their non-empty members.
std::string RecordSections(const json& view) {
  std::string out;
  for (const char* key : {"certificate", "delivery", "owed"}) {
    const json& o = Member(view, key);
    if (!o.is_object()) continue;
    std::vector<std::pair<std::string, std::string>> pairs;
    for (const auto& [k, v] : o.items()) {
      if (v.is_string() && v.get<std::string>().empty()) continue;
      if (k == "time") pairs.push_back({k, Time(o, k)});
      else pairs.push_back({k, v.is_string() ? v.get<std::string>() : v.dump()});
    }
    out += "\n" + std::string(key) + "\n" + RenderPairs(pairs, "  ");
  }
  return out;
}

std::string EvaluationsSection(const json& view) {
  const json& evaluations = Member(view, "evaluations");
  if (!evaluations.is_array() || evaluations.empty()) return "";
  Rows rows;
  for (const auto& e : evaluations) {
    std::string rect;
    if (e.contains("rectification")) {
      const json& r = e["rectification"];
      rect = "rectification " + Str(r, "state") + (r.contains("category") ? " (" + Str(r, "category") + ")" : "");
    }
    rows.push_back({Str(e, "op"), Str(e, "rating"), Str(e, "channel"), Str(e, "target_kind") + " " + Str(e, "target"),
                    Str(e, "stage"), Time(e, "time"), rect});
  }
  return "\nevaluations\n" + Indent(RenderTable(rows), "  ");
}

std::string RefusedSection(const json& view) {
  const json& refused = Member(view, "refused");
  if (!refused.is_array() || refused.empty()) return "";
  std::string out = "\nrefused ops (no authority; kept in the log, not applied)\n";
  for (const auto& r : refused) out += "  " + Str(r, "op") + ": " + Str(r, "rule") + "\n";
  return out;
}

// materials, notes, history and open conflicts.
std::string LogSections(const json& view) {
  Rows rows;
  for (const auto& m : sync::ViewMaterials(view))
    rows.push_back({m.name, "copies " + std::to_string(m.copies), m.op, m.actor, Printable(sync::CstFromIso(m.time))});
  std::string out = ListSection("materials", rows);
  rows.clear();
  const json& notes = Member(view, "notes");
  if (notes.is_array())
    for (const auto& n : notes) rows.push_back({Time(n, "time"), Str(n, "op"), Str(n, "actor"), Str(n, "text")});
  out += ListSection("notes", rows);
  rows.clear();
  const json& history = Member(view, "history");
  if (history.is_array())
    for (const auto& h : history)
      rows.push_back({Str(h, "op"), Time(h, "time"), Str(h, "actor"), Str(h, "kind"), Str(h, "outcome"),
                      HistoryDetail(h)});
  out += ListSection("history", rows);
  out += "\nopen conflicts\n";
  const json& conflicts = Member(view, "conflicts");
  if (!conflicts.is_array() || conflicts.empty()) return out + "  none\n";
  for (const auto& c : conflicts) out += Indent(RenderConflict(c), "  ");
  return out;
}

}  // namespace

std::string RenderCase(const json& view) {
  std::string out = "case " + Str(view, "case_number") + "\n";
  out += RenderPairs({{"case id", Str(view, "case_id")},
                      {"status", Str(view, "status")},
                      {"division", Str(view, "division")},
                      {"last update", Time(view, "last_update")},
                      {"ops", Str(view, "op_count")},
                      {"heads", Join(view, "heads")}},
                     "  ");
  if (Member(view, "created").is_boolean() && !Member(view, "created").get<bool>())
    out += "  (the creation op of this case has not arrived yet)\n";
  return out + FieldsSection(view) + ItemSection(view) + TimelineSection(view) + ClocksSection(view) +
         PausesSection(view) + DepartmentsSection(view) + RenderCaseFacts(view) +
         FeesSection(view) + RecordSections(view) + EvaluationsSection(view) + RefusedSection(view) +
         LogSections(view);
}

std::string RenderSupervision(const std::vector<sync::SupervisionItem>& items) {
  if (items.empty()) return "No cases need supervision.\n";
  Rows rows = {{"PROBLEM", "CLOCK", "CASE NUMBER", "DIVISION", "ITEM", "DUE", "WD LEFT", "RESPONSIBLE ORGAN", "STAFF",
                "STEP"}};
  for (const auto& s : items)
    rows.push_back({s.problem, s.clock.empty() ? "-" : s.clock, s.case_number.empty() ? s.case_id : s.case_number,
                    s.division, s.item, s.due ? sync::FormatDate(*s.due) : "-",
                    s.due ? std::to_string(s.remaining_wd) : "-",
                    s.responsible_node.empty() ? "?" : s.responsible_node,
                    s.responsible_actor.empty() ? "?" : s.responsible_actor, s.step});
  return RenderTable(rows);
}

void WriteUtf8Bom() {
  std::cout.flush();
  std::fwrite("\xEF\xBB\xBF", 1, 3, stdout);
}

json StatusJson(const sync::StoreStatus& s) {
  json frontier = json::array();
  for (const auto& e : s.frontier.entries())
    frontier.push_back({{"origin", e.origin()}, {"seq", e.seq()}, {"hash", sync::ToHex(e.hash())}});
  return {{"node", s.config.node_id.value},
          {"level", sync::LevelName(s.config.level)},
          {"division", s.config.division.value},
          {"device", s.config.device},
          {"scope", s.scope},
          {"op_count", s.op_count},
          {"case_count", s.case_count},
          {"pending", s.pending_count},
          {"equivocations", s.equivocation_count},
          {"forgeries", s.forgery_count},
          {"open_conflicts", s.open_conflicts},
          {"max_skew_seen_ms", s.max_skew_seen_ms},
          {"frontier", frontier}};
}

std::string RenderStatus(const sync::StoreStatus& s) {
  std::string skew = "none";
  if (s.max_skew_seen_ms > 0)
    skew = std::to_string(s.max_skew_seen_ms) + " ms beyond the limit (remote clocks ahead; not followed)";
  std::string out = RenderPairs({{"node", s.config.node_id.value},
                                 {"level", sync::LevelName(s.config.level)},
                                 {"division", s.config.division.value},
                                 {"device", s.config.device},
                                 {"scope", s.scope},
                                 {"ops", std::to_string(s.op_count)},
                                 {"cases", std::to_string(s.case_count)},
                                 {"pending", std::to_string(s.pending_count)},
                                 {"equivocations", std::to_string(s.equivocation_count)},
                                 {"forgeries refused", std::to_string(s.forgery_count)},
                                 {"open conflicts", std::to_string(s.open_conflicts)},
                                 {"clock skew seen", skew}},
                                "");
  out += "frontier\n";
  if (s.frontier.entries_size() == 0) return out + "  empty\n";
  std::vector<std::vector<std::string>> rows = {{"ORIGIN", "SEQ", "HASH"}};
  for (const auto& e : s.frontier.entries())
    rows.push_back({e.origin(), std::to_string(e.seq()), sync::ToHex(e.hash()).substr(0, 12)});
  return out + Indent(RenderTable(rows), "  ");
}

}  // namespace silian::console
