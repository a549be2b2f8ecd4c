#include "domain/documents.h"

#include <algorithm>

#include "base/text.h"
#include "domain/catalog.h"
#include "domain/local_time.h"
#include "domain/store.h"
#include "domain/view.h"
#include "domain/workflow.h"

namespace silian::sync {
namespace {

using nlohmann::json;

// The words of the documents, in Chinese and in Mongolian (traditional script, logical order, U+202F
// before case suffixes, U+180E before a separated final vowel).
struct Labels {
  const char* receipt;
  const char* acceptance;
  const char* not_accepted;
  const char* one_time_notice;
  const char* decision_approved;
  const char* decision_denied;
  const char* case_number;
  const char* applicant;
  const char* item;
  const char* organ;
  const char* received_on;
  const char* accepted_on;
  const char* decided_on;
  const char* materials;
  const char* copies;
  const char* missing;
  const char* legal_limit;
  const char* promised_limit;
  const char* working_days;
  const char* due;
  const char* reason;
  const char* department;
  const char* decision;
  const char* opinion;
  const char* certificate;
  const char* seal;
  const char* date;
  const char* supply_by;
  const char* approve;
  const char* deny;
  const char* receipt_body;
  const char* acceptance_body;
  const char* not_accepted_body;
  const char* rights;
  const char* one_time_body;
  const char* lapse;
  const char* complete;
  const char* approve_body;
  const char* deny_body;
};

const Labels kZh = {
    "收件回执",
    "受理通知书",
    "不予受理决定书",
    "一次性告知书",
    "准予许可决定书",
    "不予许可决定书",
    "办件编号",
    "申请人",
    "申请事项",
    "办理机关",
    "收件日期",
    "受理日期",
    "决定日期",
    "已收材料",
    "份数",
    "需补正材料",
    "法定办理时限",
    "承诺办理时限",
    "个工作日",
    "办结期限",
    "理由",
    "部门",
    "决定",
    "审查意见",
    "证照",
    "（印章）",
    "日期",
    "补正期限",
    "准予",
    "不予许可",
    "您提交的申请材料已收到，清单如下。本回执仅证明材料已收到，不表示申请已受理。",
    "经审查，您的申请材料齐全、符合法定形式，本机关决定予以受理。",
    "经审查，您的申请不符合受理条件，本机关决定不予受理。",
    "如不服本决定，可以自收到本决定书之日起六十日内依法申请行政复议，或者在六个月内依法提起行政诉讼。",
    "您的申请材料不齐全或者不符合法定形式，请在补正期限内一次性补正下列材料。",
    "逾期未补正的，视为撤回申请。",
    "申请材料齐全。",
    "经审查，您的申请符合法定条件、标准，本机关决定准予许可。",
    "经审查，您的申请不符合法定条件、标准，本机关决定不予许可。",
};

const Labels kMn = {
    "ᠮᠠᠲᠡᠷᠢᠠᠯ ᠬᠦᠯᠢᠶᠡᠨ ᠠᠪᠤᠭᠰᠠᠨ ᠲᠡᠮᠳᠡᠭᠯᠡᠯ",
    "ᠬᠦᠯᠢᠶᠡᠨ ᠠᠪᠤᠭᠰᠠᠨ ᠮᠡᠳᠡᠭᠳᠡᠯ",
    "ᠬᠦᠯᠢᠶᠡᠨ ᠠᠪᠬᠤ ᠦᠭᠡᠢ ᠱᠢᠢᠳᠪᠦᠷᠢ",
    "ᠨᠢᠭᠡ ᠤᠳᠠᠭ᠎ᠠ ᠮᠡᠳᠡᠭᠳᠡᠬᠦ ᠪᠢᠴᠢᠭ",
    "ᠪᠠᠲᠤᠯᠠᠭᠰᠠᠨ ᠱᠢᠢᠳᠪᠦᠷᠢ ᠶᠢᠨ ᠪᠢᠴᠢᠭ",
    "ᠵᠥᠪᠰᠢᠶᠡᠷᠡᠭᠰᠡᠨ ᠦᠭᠡᠢ ᠱᠢᠢᠳᠪᠦᠷᠢ ᠶᠢᠨ ᠪᠢᠴᠢᠭ",
    "ᠬᠡᠷᠡᠭ ᠦᠨ ᠳ᠋ᠤᠭᠠᠷ",
    "ᠭᠤᠶᠤᠴᠢᠯᠠᠭᠴᠢ",
    "ᠬᠡᠷᠡᠭ ᠦᠨ ᠵᠦᠢᠯ",
    "ᠠᠯᠪᠠᠨ ᠪᠠᠶᠢᠭᠤᠯᠯᠠᠭ᠎ᠠ",
    "ᠬᠦᠯᠢᠶᠡᠨ ᠠᠪᠤᠭᠰᠠᠨ ᠡᠳᠦᠷ",
    "ᠠᠯᠪᠠᠨ ᠶᠣᠰᠤᠭᠠᠷ ᠬᠦᠯᠢᠶᠡᠨ ᠠᠪᠤᠭᠰᠠᠨ ᠡᠳᠦᠷ",
    "ᠱᠢᠢᠳᠪᠦᠷᠢᠯᠡᠭᠰᠡᠨ ᠡᠳᠦᠷ",
    "ᠬᠦᠯᠢᠶᠡᠨ ᠠᠪᠤᠭᠰᠠᠨ ᠮᠠᠲᠡᠷᠢᠠᠯ",
    "ᠬᠤᠪᠢ",
    "ᠳᠤᠲᠠᠭᠤ ᠮᠠᠲᠡᠷᠢᠠᠯ",
    "ᠬᠠᠤᠯᠢ ᠶᠢᠨ ᠬᠤᠭᠤᠴᠠᠭ᠎ᠠ",
    "ᠠᠮᠠᠯᠠᠭᠰᠠᠨ ᠬᠤᠭᠤᠴᠠᠭ᠎ᠠ",
    "ᠠᠵᠢᠯ ᠤᠨ ᠡᠳᠦᠷ",
    "ᠡᠴᠦᠰ ᠦᠨ ᠡᠳᠦᠷ",
    "ᠰᠢᠯᠲᠠᠭᠠᠨ",
    "ᠬᠡᠯᠲᠡᠰ",
    "ᠱᠢᠢᠳᠪᠦᠷᠢ",
    "ᠰᠠᠨᠠᠯ",
    "ᠭᠡᠷᠡᠴᠢᠯᠡᠭᠡ",
    "ᠲᠠᠮᠠᠭ᠎ᠠ",
    "ᠣᠨ ᠰᠠᠷ᠎ᠠ ᠡᠳᠦᠷ",
    "ᠨᠥᠬᠦᠨ ᠥᠭᠬᠦ ᠡᠴᠦᠰ ᠦᠨ ᠡᠳᠦᠷ",
    "ᠪᠠᠲᠤᠯᠠᠪᠠ",
    "ᠵᠥᠪᠰᠢᠶᠡᠷᠡᠭᠰᠡᠨ ᠦᠭᠡᠢ",
    "ᠲᠠᠨ ᠤ ᠭᠤᠶᠤᠴᠢᠯᠠᠯ ᠤᠨ ᠮᠠᠲᠡᠷᠢᠠᠯ ᠢ ᠬᠦᠯᠢᠶᠡᠨ ᠠᠪᠤᠪᠠ᠃ ᠡᠨᠡ ᠲᠡᠮᠳᠡᠭᠯᠡᠯ ᠠᠯᠪᠠᠨ ᠶᠣᠰᠤᠭᠠᠷ ᠬᠦᠯᠢᠶᠡᠨ ᠠᠪᠤᠭᠰᠠᠨ ᠢ ᠢᠯᠡᠳᠬᠡᠬᠦ ᠦᠭᠡᠢ᠃",
    "ᠲᠠᠨ ᠤ ᠭᠤᠶᠤᠴᠢᠯᠠᠯ ᠤᠨ ᠮᠠᠲᠡᠷᠢᠠᠯ ᠪᠦᠷᠢᠨ ᠪᠣᠯᠬᠤ ᠲᠤᠯᠠ ᠠᠯᠪᠠᠨ ᠶᠣᠰᠤᠭᠠᠷ ᠬᠦᠯᠢᠶᠡᠨ ᠠᠪᠤᠪᠠ᠃",
    "ᠲᠠᠨ ᠤ ᠭᠤᠶᠤᠴᠢᠯᠠᠯ ᠢ ᠬᠦᠯᠢᠶᠡᠨ ᠠᠪᠬᠤ ᠦᠭᠡᠢ ᠭᠡjᠦ ᠱᠢᠢᠳᠪᠦᠷᠢᠯᠡᠪᠡ᠃",
    "ᠡᠨᠡ ᠱᠢᠢᠳᠪᠦᠷᠢ ᠳᠦ ᠰᠠᠨᠠᠯ ᠦᠭᠡᠢ ᠪᠣᠯ ᠬᠠᠤᠯᠢ ᠶᠢᠨ ᠳᠠᠭᠤ ᠭᠣᠮᠳᠠᠯ ᠭᠠᠷᠭᠠᠵᠤ ᠪᠣᠯᠣᠨ᠎ᠠ᠃",
    "ᠲᠠᠨ ᠤ ᠭᠤᠶᠤᠴᠢᠯᠠᠯ ᠳᠤ ᠳᠤᠲᠠᠭᠤ ᠮᠠᠲᠡᠷᠢᠠᠯ ᠢ ᠨᠢᠭᠡ ᠤᠳᠠᠭ᠎ᠠ ᠨᠥᠬᠦᠨ ᠥᠭᠬᠦᠨ᠎ᠡ ᠦᠦ᠃",
    "ᠬᠤᠭᠤᠴᠠᠭ᠎ᠠ ᠳᠣᠲᠣᠷ᠎ᠠ ᠨᠥᠬᠦᠨ ᠥᠭᠬᠡᠭᠦᠢ ᠪᠣᠯ ᠭᠤᠶᠤᠴᠢᠯᠠᠯ ᠢᠶᠠᠨ ᠲᠠᠲᠠᠵᠤ ᠠᠪᠤᠭᠰᠠᠨ ᠳᠤ ᠲᠣᠭᠠᠴᠠᠬᠤ᠃",
    "ᠮᠠᠲᠡᠷᠢᠠᠯ ᠪᠦᠷᠢᠨ ᠪᠤᠢ᠃",
    "ᠲᠠᠨ ᠤ ᠭᠤᠶᠤᠴᠢᠯᠠᠯ ᠢ ᠪᠠᠲᠤᠯᠠᠪᠠ᠃",
    "ᠲᠠᠨ ᠤ ᠭᠤᠶᠤᠴᠢᠯᠠᠯ ᠢ ᠵᠥᠪᠰᠢᠶᠡᠷᠡᠭᠰᠡᠨ ᠦᠭᠡᠢ᠃",
};

const Labels& LabelsOf(Language language) { return language == Language::kMongolian ? kMn : kZh; }

// A4 portrait with 20 mm margins. Mongolian runs in vertical lines from left to right.
std::string Style(Language language) {
  std::string css =
      "@page { size: A4; margin: 20mm; }\n"
      "body { margin: 0; font-size: 12pt; line-height: 1.8; color: #000; }\n"
      "h1 { text-align: center; font-size: 20pt; letter-spacing: 0.2em; margin: 6mm 0; }\n"
      ".organ { text-align: center; font-size: 14pt; }\n"
      ".number { text-align: right; }\n"
      "table { border-collapse: collapse; margin: 4mm 0; }\n"
      "th, td { border: 1px solid #000; padding: 1.5mm 3mm; text-align: left; vertical-align: top; }\n"
      ".sign { margin-top: 16mm; text-align: right; }\n"
      ".seal { color: #888; }\n";
  if (language == Language::kMongolian)
    return css +
           "html { writing-mode: vertical-lr; }\n"
           "body { font-family: \"Noto Sans Mongolian\", \"Noto Sans CJK SC\", sans-serif; height: 257mm; }\n"
           ".number, .sign { text-align: end; }\n"
           ".sign { margin-top: 0; margin-left: 16mm; }\n";
  return css +
         "body { font-family: \"Noto Serif CJK SC\", \"Noto Sans CJK SC\", \"Source Han Serif SC\", serif; "
         "width: 170mm; }\n"
         "table { width: 100%; }\n";
}

std::string Row(const std::string& label, const std::string& value) {
  return "<tr><th>" + EscapeHtml(label) + "</th><td>" + EscapeHtml(value) + "</td></tr>\n";
}

std::string Paragraph(const std::string& text) { return "<p>" + EscapeHtml(text) + "</p>\n"; }

std::string StringAt(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

// The China Standard Time day of a timeline milestone, "" when absent.
std::string MilestoneDay(const json& view, const char* milestone) {
  auto t = view.find("timeline");
  if (t == view.end() || !t->contains(milestone) || !(*t)[milestone].is_number_unsigned()) return "";
  return CstDateText((*t)[milestone].get<uint64_t>());
}

// The last applied transition `action` in the history: its reason and its China Standard Time day.
std::pair<std::string, std::string> LastTransition(const json& view, const std::string& action) {
  std::pair<std::string, std::string> out;
  auto history = view.find("history");
  if (history == view.end() || !history->is_array()) return out;
  for (const auto& h : *history)
    if (StringAt(h, "kind") == "transition" && StringAt(h, "action") == action && StringAt(h, "outcome") == "applied") {
      out.first = StringAt(h, "reason");
      auto ms = ParseUtcIso(StringAt(h, "time"));
      out.second = ms ? CstDateText(*ms) : "";
    }
  return out;
}

std::string LimitText(const json& limit, const Labels& l) {
  if (!limit.is_object()) return "";
  std::string unit = StringAt(limit, "unit");
  std::string value = limit.contains("value") ? limit["value"].dump() : "";
  if (unit == "working_days") return value + (l.working_days == kZh.working_days ? "" : " ") + l.working_days;
  return value + " " + unit;
}

std::string MaterialsTable(const json& view, const Labels& l) {
  std::string rows = "<tr><th>" + EscapeHtml(l.materials) + "</th><th>" + EscapeHtml(l.copies) + "</th></tr>\n";
  for (const auto& m : ViewMaterials(view)) rows += Row(m.name, std::to_string(m.copies));
  return "<table>\n" + rows + "</table>\n";
}

std::string MissingTable(const DocumentInput& in, const Labels& l) {
  std::vector<std::pair<std::string, uint32_t>> received;
  for (const auto& m : ViewMaterials(in.view)) received.emplace_back(m.name, m.copies);
  auto missing = MissingMaterials(*in.item, received);
  if (missing.empty()) return Paragraph(l.complete);
  std::string rows = "<tr><th>" + EscapeHtml(l.missing) + "</th><th>" + EscapeHtml(l.copies) + "</th></tr>\n";
  const bool zh = in.language == Language::kChinese;
  for (const auto& m : missing)
    rows += Row(m.name + (zh ? (m.form == "original" ? "（原件）" : "（复印件）") : ""),
                std::to_string(m.count - m.received));
  return Paragraph(l.one_time_body) + "<table>\n" + rows + Row(l.supply_by, in.correction_due) + "</table>\n" +
         Paragraph(l.lapse);
}

// The departments' parts of a parallel item: department, decision, opinion.
std::string DepartmentsTable(const json& view, const Labels& l) {
  auto d = view.find("departments");
  if (d == view.end() || !d->is_object() || d->empty()) return "";
  std::string rows = "<tr><th>" + EscapeHtml(l.department) + "</th><th>" + EscapeHtml(l.decision) + "</th><th>" +
                     EscapeHtml(l.opinion) + "</th></tr>\n";
  for (const auto& [name, part] : d->items())
    rows += "<tr><td>" + EscapeHtml(name) + "</td><td>" +
            EscapeHtml(StringAt(part, "decision") == "deny" ? l.deny : l.approve) + "</td><td>" +
            EscapeHtml(StringAt(part, "opinion")) + "</td></tr>\n";
  return "<table>\n" + rows + "</table>\n";
}

// Refuses a document whose stage the case has not reached.
Status CheckStage(DocumentKind kind, const DocumentInput& in) {
  const std::string status = StringAt(in.view, "status");
  const std::string number = StringAt(in.view, "case_number");
  auto refuse = [&](const std::string& needs) {
    return FailedPrecondition("case " + number + " (status " + status + ") has no " + DocumentKindName(kind) +
                              " document: " + needs);
  };
  switch (kind) {
    case DocumentKind::kReceipt:
      return MilestoneDay(in.view, "received").empty() ? refuse("it was never received") : Status::Ok();
    case DocumentKind::kAcceptance:
      return MilestoneDay(in.view, "accepted").empty() ? refuse("it was never accepted") : Status::Ok();
    case DocumentKind::kNotAccepted:
      return status != "not_accepted" ? refuse("it was not refused acceptance") : Status::Ok();
    case DocumentKind::kOneTimeNotice:
      return !in.item ? refuse("the catalogue item it was received under is not held here") : Status::Ok();
    case DocumentKind::kDecision:
      return MilestoneDay(in.view, "decided").empty() ? refuse("it has not been decided") : Status::Ok();
  }
  return Status::Ok();
}

}  // namespace

Result<DocumentKind> ParseDocumentKind(std::string_view text) {
  for (DocumentKind k : {DocumentKind::kReceipt, DocumentKind::kAcceptance, DocumentKind::kNotAccepted,
                         DocumentKind::kOneTimeNotice, DocumentKind::kDecision})
    if (text == DocumentKindName(k)) return k;
  return InvalidArgument("document " + Quote(text) +
                         " is not one of: receipt, acceptance, not-accepted, one-time-notice, decision");
}

const char* DocumentKindName(DocumentKind kind) {
  switch (kind) {
    case DocumentKind::kReceipt: return "receipt";
    case DocumentKind::kAcceptance: return "acceptance";
    case DocumentKind::kNotAccepted: return "not-accepted";
    case DocumentKind::kOneTimeNotice: return "one-time-notice";
    case DocumentKind::kDecision: return "decision";
  }
  return "?";
}

std::string EscapeHtml(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

namespace {

// The title, the stage's day and the body of document `kind`.
struct Part {
  std::string title, day, body;
};

Part KindPart(DocumentKind kind, const DocumentInput& in, const Labels& l) {
  const json& v = in.view;
  switch (kind) {
    case DocumentKind::kReceipt:
      return {l.receipt, MilestoneDay(v, "received"), Paragraph(l.receipt_body) + MaterialsTable(v, l)};
    case DocumentKind::kAcceptance: {
      std::string table = "<table>\n" + Row(l.accepted_on, MilestoneDay(v, "accepted"));
      if (!in.promised_due.empty()) table += Row(l.promised_limit + std::string(" / ") + l.due, in.promised_due);
      if (!in.legal_due.empty()) table += Row(l.legal_limit + std::string(" / ") + l.due, in.legal_due);
      return {l.acceptance, MilestoneDay(v, "accepted"), Paragraph(l.acceptance_body) + table + "</table>\n"};
    }
    case DocumentKind::kNotAccepted: {
      auto [reason, day] = LastTransition(v, "not-accept");
      return {l.not_accepted, day,
              Paragraph(l.not_accepted_body) + "<table>\n" + Row(l.reason, reason) + "</table>\n" + Paragraph(l.rights)};
    }
    case DocumentKind::kOneTimeNotice: {
      auto [reason, day] = LastTransition(v, "request-correction");
      return {l.one_time_notice, day.empty() ? MilestoneDay(v, "received") : day, MissingTable(in, l)};
    }
    case DocumentKind::kDecision: {
      const bool denied = StringAt(v, "status") == "decided_denied" || LastTransition(v, "deny").second.size() > 0 ||
                          [&] {
                            auto d = v.find("departments");
                            if (d == v.end() || !d->is_object()) return false;
                            return std::any_of(d->begin(), d->end(),
                                               [](const json& p) { return StringAt(p, "decision") == "deny"; });
                          }();
      std::string body = Paragraph(denied ? l.deny_body : l.approve_body) + "<table>\n" +
                         Row(l.decided_on, MilestoneDay(v, "decided"));
      if (denied) body += Row(l.reason, LastTransition(v, "deny").first);
      auto cert = v.find("certificate");
      if (!denied && cert != v.end() && cert->is_object())
        body += Row(l.certificate, StringAt(*cert, "name") + " " + StringAt(*cert, "number"));
      body += "</table>\n" + DepartmentsTable(v, l);
      if (denied) body += Paragraph(l.rights);
      return {denied ? l.decision_denied : l.decision_approved, MilestoneDay(v, "decided"), body};
    }
  }
  return {};
}

}  // namespace

Result<std::string> RenderDocumentHtml(DocumentKind kind, const DocumentInput& in) {
  SILIAN_RETURN_IF_ERROR(CheckStage(kind, in));
  const Labels& l = LabelsOf(in.language);
  const json& v = in.view;
  const json item_terms = v.contains("item") ? v["item"] : json::object();
  // The organ the case's terms name (resolved per implementing division, e.g. the township's own
  // government for a township item), else the catalogue item's lead department.
  std::string organ = StringAt(item_terms, "lead_department");
  if (organ.empty() && in.item) organ = in.item->lead_department();
  std::string item_name = in.item ? in.item->name() : StringAt(item_terms, "name");
  const std::string number = StringAt(v, "case_number");
  Part part = KindPart(kind, in, l);
  const std::string sep = in.language == Language::kChinese ? "：" : "\u1804 ";
  std::string html = "<!DOCTYPE html>\n<html lang=\"" +
                     std::string(in.language == Language::kChinese ? "zh-CN" : "mn-Mong") +
                     "\">\n<head>\n<meta charset=\"utf-8\">\n<title>" + EscapeHtml(part.title + " " + number) +
                     "</title>\n<style>\n" + Style(in.language) + "</style>\n</head>\n<body>\n";
  html += "<p class=\"organ\">" + EscapeHtml(organ) + "</p>\n<h1>" + EscapeHtml(part.title) + "</h1>\n";
  html += "<p class=\"number\">" + EscapeHtml(l.case_number + sep + number) + "</p>\n<table>\n";
  html += Row(l.applicant, ViewFieldValue(v, "applicant_name").value_or(""));
  html += Row(l.item, item_name);
  html += Row(l.organ, organ);
  html += Row(l.received_on, MilestoneDay(v, "received"));
  if (item_terms.contains("promised_limit")) html += Row(l.promised_limit, LimitText(item_terms["promised_limit"], l));
  if (item_terms.contains("legal_limit")) html += Row(l.legal_limit, LimitText(item_terms["legal_limit"], l));
  html += "</table>\n" + part.body;
  html += "<div class=\"sign\">\n<p>" + EscapeHtml(organ) + "</p>\n<p>" + EscapeHtml(l.date + sep + part.day) +
          "</p>\n<p class=\"seal\">" + EscapeHtml(l.seal) + "</p>\n</div>\n</body>\n</html>\n";
  return html;
}

Result<std::string> RenderDocument(LedgerStore& store, const std::string& case_ref, DocumentKind kind,
                                   std::optional<Language> language, Date today) {
  DocumentInput in;
  SILIAN_ASSIGN_OR_RETURN(in.view, store.ShowCase(case_ref));
  in.language = language ? *language : LanguageOfCase(StringAt(in.view, "language"));
  const std::string code = ViewFieldValue(in.view, "item_code").value_or("");
  std::optional<uint32_t> version;
  if (in.view.contains("item") && in.view["item"].contains("version")) version = in.view["item"]["version"].get<uint32_t>();
  if (auto item = store.FindItem(code, version); item.ok()) in.item = *item;
  if (in.view.contains("division")) {
    SILIAN_ASSIGN_OR_RETURN(WorkingCalendar calendar, store.CalendarFor(StringAt(in.view, "division")));
    CaseClocks clocks = ComputeCaseClocks(in.view, calendar, today);
    if (clocks.started && clocks.legal.due) in.legal_due = FormatDate(*clocks.legal.due);
    if (clocks.started && clocks.promised.due) in.promised_due = FormatDate(*clocks.promised.due);
    // Materials are due within the one-time-notice window: 5 working days from the notice (as `case notice`).
    auto [reason, day] = LastTransition(in.view, "request-correction");
    auto from = ParseDate(day);
    in.correction_due = FormatDate(calendar.AddWorkingDays(from.ok() ? *from : today, kNoticeWindowWd));
  }
  return RenderDocumentHtml(kind, in);
}

}  // namespace silian::sync
