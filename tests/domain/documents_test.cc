// Printable documents (domain/documents.h) rendered from case views as `case show --json` gives them.
#include "domain/documents.h"

#include <catch2/catch.hpp>
#include <string>

namespace silian::sync {
namespace {

using nlohmann::json;

// 2026-03-02 01:30 UTC = 09:30 China Standard Time.
constexpr uint64_t kReceivedMs = 1772415000000ull;
constexpr uint64_t kDayMs = 86400000ull;

pb::Item SampleItem() {
  pb::Item item;
  item.set_code("11152222MB0000001X2000000001");
  item.set_name("个体工商户设立登记");
  item.set_lead_department("科右中旗市场监督管理局");
  auto* m = item.add_materials();
  m->set_name("身份证");
  m->set_form("original");
  m->set_count(1);
  m = item.add_materials();
  m->set_name("经营场所证明");
  m->set_form("copy");
  m->set_count(2);
  return item;
}

json History(const std::string& action, const std::string& reason, const std::string& time) {
  return {{"kind", "transition"}, {"action", action}, {"reason", reason}, {"outcome", "applied"}, {"time", time}};
}

DocumentInput Sample(const std::string& status) {
  DocumentInput in;
  in.item = SampleItem();
  in.view = {{"case_number", "152222104200-01-20260302-0001"},
             {"status", status},
             {"division", "152222104200"},
             {"fields", {{"applicant_name", {{"value", "乌云"}}}, {"item_code", {{"value", SampleItem().code()}}}}},
             {"materials", json::array({{{"name", "身份证"}, {"copies", 1}, {"op", "v:2"}, {"actor", "a"},
                                         {"time", "2026-03-02T01:30:00.000Z"}}})},
             {"item", {{"name", "个体工商户设立登记"}, {"version", 1}, {"lead_department", "科右中旗市场监督管理局"},
                       {"legal_limit", {{"value", 20}, {"unit", "working_days"}}},
                       {"promised_limit", {{"value", 9}, {"unit", "working_days"}}}}},
             {"timeline", {{"received", kReceivedMs}}},
             {"history", json::array()}};
  in.correction_due = "2026-03-09";
  return in;
}

TEST_CASE("Documents: a receipt names the organ, the case number, the applicant and the materials, for A4",
          "[documents]") {
  std::string html = *RenderDocumentHtml(DocumentKind::kReceipt, Sample("received"));
  INFO(html);
  CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK_THAT(html, Catch::Contains("@page { size: A4; margin: 20mm; }"));
  CHECK_THAT(html, Catch::Contains("<h1>收件回执</h1>"));
  CHECK_THAT(html, Catch::Contains("科右中旗市场监督管理局"));
  CHECK_THAT(html, Catch::Contains("办件编号：152222104200-01-20260302-0001"));
  CHECK_THAT(html, Catch::Contains("<td>乌云</td>"));
  CHECK_THAT(html, Catch::Contains("<tr><th>身份证</th><td>1</td></tr>"));
  CHECK_THAT(html, Catch::Contains("<td>2026-03-02</td>"));
  CHECK_THAT(html, Catch::Contains("9个工作日"));
  CHECK_THAT(html, Catch::Contains("lang=\"zh-CN\""));
}

TEST_CASE("Documents: the organ is the one the case's terms name for its division, not the catalogue's",
          "[documents]") {
  DocumentInput in = Sample("received");
  in.view["item"]["lead_department"] = "巴彦呼舒苏木人民政府";  // the implementing township's own government
  const std::string html = *RenderDocumentHtml(DocumentKind::kReceipt, in);
  CHECK_THAT(html, Catch::Contains("巴彦呼舒苏木人民政府"));
  CHECK_THAT(html, !Catch::Contains("科右中旗市场监督管理局"));
}

TEST_CASE("Documents: a Mongolian document is written vertically in Noto Sans Mongolian", "[documents]") {
  DocumentInput in = Sample("received");
  in.language = Language::kMongolian;
  std::string html = *RenderDocumentHtml(DocumentKind::kReceipt, in);
  INFO(html);
  CHECK_THAT(html, Catch::Contains("writing-mode: vertical-lr"));
  CHECK_THAT(html, Catch::Contains("font-family: \"Noto Sans Mongolian\""));
  CHECK_THAT(html, Catch::Contains("lang=\"mn-Mong\""));
  CHECK_THAT(html, Catch::Contains("152222104200-01-20260302-0001"));
  CHECK_THAT(html, Catch::Contains("科右中旗市场监督管理局"));
  CHECK(html.find("\xE1\xA0") != std::string::npos);  // Mongolian script
  CHECK(html.find("收件回执") == std::string::npos);
}

TEST_CASE("Documents: values written inside the case are escaped, never markup", "[documents]") {
  DocumentInput in = Sample("not_accepted");
  in.view["fields"]["applicant_name"]["value"] = "<script>alert('x')</script>";
  in.view["history"].push_back(History("not-accept", "材料\"造假\" & <b>bold</b>", "2026-03-03T02:00:00.000Z"));
  std::string html = *RenderDocumentHtml(DocumentKind::kNotAccepted, in);
  INFO(html);
  CHECK(html.find("<script>") == std::string::npos);
  CHECK(html.find("<b>") == std::string::npos);
  CHECK_THAT(html, Catch::Contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
  CHECK_THAT(html, Catch::Contains("材料&quot;造假&quot; &amp; &lt;b&gt;bold&lt;/b&gt;"));
  CHECK_THAT(html, Catch::Contains("不予受理决定书"));
  CHECK_THAT(html, Catch::Contains("行政复议"));
  CHECK_THAT(html, Catch::Contains("日期：2026-03-03"));
}

TEST_CASE("Documents: a document the case has not reached is refused naming the case and its status",
          "[documents]") {
  for (DocumentKind kind : {DocumentKind::kAcceptance, DocumentKind::kNotAccepted, DocumentKind::kDecision}) {
    auto r = RenderDocumentHtml(kind, Sample("received"));
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == StatusCode::kFailedPrecondition);
    CHECK_THAT(r.status().message(), Catch::Contains("case 152222104200-01-20260302-0001 (status received)"));
  }
  DocumentInput no_item = Sample("received");
  no_item.item.reset();
  CHECK_FALSE(RenderDocumentHtml(DocumentKind::kOneTimeNotice, no_item).ok());
}

TEST_CASE("Documents: the one-time notice lists every missing material with its copies and the supply date",
          "[documents]") {
  DocumentInput in = Sample("correction_pending");
  in.view["history"].push_back(History("request-correction", "", "2026-03-02T02:00:00.000Z"));
  std::string html = *RenderDocumentHtml(DocumentKind::kOneTimeNotice, in);
  INFO(html);
  CHECK_THAT(html, Catch::Contains("一次性告知书"));
  CHECK_THAT(html, Catch::Contains("<tr><th>经营场所证明（复印件）</th><td>2</td></tr>"));
  CHECK(html.find("身份证（原件）") == std::string::npos);  // received already
  CHECK_THAT(html, Catch::Contains("<tr><th>补正期限</th><td>2026-03-09</td></tr>"));
  CHECK_THAT(html, Catch::Contains("视为撤回申请"));
}

TEST_CASE("Documents: the acceptance notice gives the due days, the decision the certificate or the reason",
          "[documents]") {
  DocumentInput in = Sample("decided_approved");
  in.view["timeline"]["accepted"] = kReceivedMs + kDayMs;
  in.view["timeline"]["decided"] = kReceivedMs + 5 * kDayMs;
  in.view["certificate"] = {{"name", "营业执照"}, {"number", "N-0001"}};
  in.promised_due = "2026-03-16";
  in.legal_due = "2026-03-31";
  std::string acceptance = *RenderDocumentHtml(DocumentKind::kAcceptance, in);
  INFO(acceptance);
  CHECK_THAT(acceptance, Catch::Contains("受理通知书"));
  CHECK_THAT(acceptance, Catch::Contains("<td>2026-03-16</td>"));
  CHECK_THAT(acceptance, Catch::Contains("<td>2026-03-31</td>"));
  std::string approved = *RenderDocumentHtml(DocumentKind::kDecision, in);
  CHECK_THAT(approved, Catch::Contains("准予许可决定书") && Catch::Contains("营业执照 N-0001"));
  CHECK_THAT(approved, Catch::Contains("日期：2026-03-07"));
  in.view["status"] = "decided_denied";
  in.view["history"].push_back(History("deny", "经营场所不符合规定", "2026-03-07T01:00:00.000Z"));
  std::string denied = *RenderDocumentHtml(DocumentKind::kDecision, in);
  CHECK_THAT(denied, Catch::Contains("不予许可决定书") && Catch::Contains("经营场所不符合规定"));
  CHECK_THAT(denied, Catch::Contains("行政复议"));
  CHECK(denied.find("营业执照") == std::string::npos);
}

TEST_CASE("Documents: a parallel item's decision lists each department's part", "[documents]") {
  DocumentInput in = Sample("decided_denied");
  in.view["timeline"]["decided"] = kReceivedMs + 5 * kDayMs;
  in.view["departments"] = {{"公安局", {{"decision", "approve"}, {"opinion", "同意"}}},
                            {"住建局", {{"decision", "deny"}, {"opinion", "不符合消防要求"}}}};
  std::string html = *RenderDocumentHtml(DocumentKind::kDecision, in);
  INFO(html);
  CHECK_THAT(html, Catch::Contains("<tr><td>住建局</td><td>不予许可</td><td>不符合消防要求</td></tr>"));
  CHECK_THAT(html, Catch::Contains("<tr><td>公安局</td><td>准予</td><td>同意</td></tr>"));
}

TEST_CASE("Documents: document kinds are named as the command line takes them", "[documents]") {
  for (const char* name : {"receipt", "acceptance", "not-accepted", "one-time-notice", "decision"})
    CHECK(DocumentKindName(*ParseDocumentKind(name)) == std::string(name));
  auto bad = ParseDocumentKind("invoice");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message() ==
        "document \"invoice\" is not one of: receipt, acceptance, not-accepted, one-time-notice, decision");
}

}  // namespace
}  // namespace silian::sync
