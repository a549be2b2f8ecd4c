// The notice texts (domain/notice_templates.h): every template rendered for a sample case in Chinese and
// in Mongolian, compared with tests/domain/golden/notices.txt (the file a reader reviews; rewrite it with
// SILIAN_WRITE_GOLDEN=1 after changing a text on purpose), and the rules every text keeps.
#include "domain/notice_templates.h"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <map>
#include <set>
#include <string>

#include "support/files.h"

namespace silian::sync {
namespace {

const std::string kGoldenPath = test::SourceFile("tests/domain/golden/notices.txt");

NoticeFacts SampleFacts() {
  NoticeFacts f;
  f.item_name = "高龄津贴申请";  // ends with 申请: the text must not say 申请申请
  f.case_number = "152222104200-01-20260302-0001";
  f.missing = "户口簿（原件1份）、居民身份证（复印件1份）";
  f.procedure = "public_notice";
  f.days = 10;
  f.amount_fen = 12050;
  f.department = "科右中旗民政局";
  return f;
}

// Every template in both languages, one "id language: text" line each.
std::string RenderAll(const NoticeFacts& facts) {
  std::string out;
  for (const auto& t : NoticeTemplates())
    for (Language language : {Language::kChinese, Language::kMongolian}) {
      auto text = RenderNotice(t.id, language, facts);
      REQUIRE(text.ok());
      out += std::string(t.id) + " " + LanguageName(language) + ": " + *text + "\n";
    }
  return out;
}

// The first run of two equal neighbouring pieces of 2 to 4 CJK characters ("申请申请"), or "".
std::string DoubledWord(const std::string& text) {
  std::u32string cps;
  for (size_t i = 0; i < text.size();) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    char32_t cp = len == 1 ? c : len == 2 ? c & 0x1F : len == 3 ? c & 0x0F : c & 0x07;
    for (size_t k = 1; k < len && i + k < text.size(); ++k) cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
    cps.push_back(cp);
    i += len;
  }
  auto cjk = [](char32_t cp) { return cp >= 0x4E00 && cp <= 0x9FFF; };
  for (size_t n = 2; n <= 4; ++n)
    for (size_t i = 0; i + 2 * n <= cps.size(); ++i) {
      bool all = true;
      for (size_t k = 0; k < n && all; ++k) all = cjk(cps[i + k]) && cps[i + k] == cps[i + n + k];
      if (all) return "at code point " + std::to_string(i);
    }
  return "";
}

TEST_CASE("Notices: every template renders in Chinese and Mongolian as the reviewed golden file says",
          "[notices]") {
  const std::string all = RenderAll(SampleFacts());
  const char* write = std::getenv("SILIAN_WRITE_GOLDEN");
  if (write != nullptr && std::string(write) == "1") {
    test::WriteFile(kGoldenPath, all);
    WARN("wrote " << kGoldenPath);
    return;
  }
  CHECK(all == test::ReadFile(kGoldenPath));
}

TEST_CASE("Notices: every text names the item and the case number once, with no placeholder and no doubled word",
          "[notices]") {
  const NoticeFacts facts = SampleFacts();
  for (const auto& t : NoticeTemplates())
    for (Language language : {Language::kChinese, Language::kMongolian}) {
      std::string text = *RenderNotice(t.id, language, facts);
      INFO(t.id << " " << LanguageName(language) << ": " << text);
      CHECK(text.rfind("【四联政务】", 0) == 0);
      CHECK_THAT(text, Catch::Contains(facts.case_number));
      CHECK_THAT(text, Catch::Contains("高龄津贴申请"));
      CHECK_THAT(text, !Catch::Contains("申请申请"));
      CHECK(DoubledWord(text).empty());
      CHECK(text.find('{') == std::string::npos);
      bool mongolian_script = text.find("\xE1\xA0") != std::string::npos;  // U+1800..U+183F
      CHECK(mongolian_script == (language == Language::kMongolian));
    }
}

TEST_CASE("Notices: the stage's own facts appear in the text of its stage", "[notices]") {
  const NoticeFacts f = SampleFacts();
  auto zh = [&](const char* id) { return *RenderNotice(id, Language::kChinese, f); };
  auto mn = [&](const char* id) { return *RenderNotice(id, Language::kMongolian, f); };
  CHECK_THAT(zh("suspended"), Catch::Contains("进入公示程序"));
  CHECK_THAT(mn("suspended"), Catch::Contains(ProcedureName("public_notice", Language::kMongolian)));
  CHECK_THAT(zh("extended"), Catch::Contains("延长办理期限10个工作日"));
  CHECK_THAT(mn("extended"), Catch::Contains(" 10 "));
  for (const char* id : {"fee_due", "refunded", "subsidy_paid"}) {
    CHECK_THAT(zh(id), Catch::Contains("120.50元"));
    CHECK_THAT(mn(id), Catch::Contains("120.50"));
  }
  CHECK_THAT(zh("correction_needed"), Catch::Contains("户口簿（原件1份）") && Catch::Contains("视为撤回申请"));
  CHECK_THAT(zh("department_denied"), Catch::Contains("科右中旗民政局") && Catch::Contains("不予许可"));
  CHECK_THAT(zh("department_approved"), Catch::Contains("科右中旗民政局") && Catch::Contains("审批通过"));
}

TEST_CASE("Notices: an item name without 申请 gets it once, and a case without a catalogue item the generic "
          "heading", "[notices]") {
  NoticeFacts f = SampleFacts();
  f.item_name = "个体工商户登记";
  CHECK(*RenderNotice("accepted", Language::kChinese, f) ==
        "【四联政务】您的个体工商户登记申请（办件编号152222104200-01-20260302-0001）已受理。");
  f.item_name = "";
  CHECK(*RenderNotice("accepted", Language::kChinese, f) ==
        "【四联政务】您的申请（办件编号152222104200-01-20260302-0001）已受理。");
  CHECK_THAT(*RenderNotice("accepted", Language::kMongolian, f), !Catch::Contains("《"));
}

TEST_CASE("Notices: a case number that is not digits and dashes is left out of every text", "[notices]") {
  NoticeFacts f = SampleFacts();
  f.case_number = "请点击 http://x 验证";
  for (const auto& t : NoticeTemplates())
    for (Language language : {Language::kChinese, Language::kMongolian})
      CHECK_THAT(*RenderNotice(t.id, language, f), !Catch::Contains("http"));
}

TEST_CASE("Notices: languages are zh and mn, anything else is refused naming the value", "[notices]") {
  CHECK(*ParseLanguage("zh") == Language::kChinese);
  CHECK(*ParseLanguage("mn") == Language::kMongolian);
  auto en = ParseLanguage("en");
  REQUIRE_FALSE(en.ok());
  CHECK(en.status().message() == "language \"en\" is not one of: zh, mn");
  CHECK(LanguageOfCase("") == Language::kChinese);  // a case created before the field
  CHECK(LanguageOfCase("mn") == Language::kMongolian);
  CHECK_FALSE(RenderNotice("no_such_stage", Language::kChinese, SampleFacts()).ok());
}

TEST_CASE("Notices: every stage of the seed has a template", "[notices]") {
  std::set<std::string> ids;
  for (const auto& t : NoticeTemplates()) ids.insert(t.id);
  for (const char* stage : {"received", "accepted", "not_accepted", "correction_needed", "correction_lapsed",
                            "suspended", "extended", "decided_approved", "decided_denied", "department_approved",
                            "department_denied", "fee_due", "refunded", "subsidy_paid", "ready_for_collection",
                            "delivered", "withdrawn", "revoked", "overdue_apology"})
    CHECK(ids.count(stage) == 1);
}

}  // namespace
}  // namespace silian::sync

#include "domain/outbox.h"

namespace silian::sync {
namespace {

TEST_CASE("Notices: the subsidy and lapsed-correction notices render with their facts", "[notices]") {
  PlannedNotice subsidy = SubsidyPaidNotice("h:9", 1000, 30000);
  subsidy.facts.item_name = "高龄津贴申请";
  subsidy.facts.case_number = "1-2";
  CHECK(*RenderNotice(subsidy.template_id, Language::kChinese, subsidy.facts) ==
        "【四联政务】您的高龄津贴申请（办件编号1-2）补贴300.00元已拨付至您的银行账户。");
  PlannedNotice lapsed = CorrectionLapsedNotice("h:10", 2000);
  CHECK_THAT(*RenderNotice(lapsed.template_id, Language::kMongolian, lapsed.facts), Catch::StartsWith("【四联政务】"));
  bool subsidy_kind = false;
  for (const auto& t : NoticeTemplates())
    if (std::string(t.id) == "subsidy_paid") subsidy_kind = std::string(t.kind) == "subsidy_paid" && t.wired;
  CHECK(subsidy_kind);
}

TEST_CASE("Notices: a lapsed correction the organ withdrew tells the applicant, one it continued does not",
          "[notices]") {
  CaseProjection p;
  p.view = nlohmann::json::object();
  p.events.push_back(CaseEvent{"h:3", "correction-lapse-continue", "correction_pending", uint64_t{1000} << 16});
  p.events.push_back(CaseEvent{"h:4", "correction-lapse-withdraw", "withdrawn", uint64_t{2000} << 16});
  std::vector<PlannedNotice> planned = PlanNotices(p, std::nullopt);
  REQUIRE(planned.size() == 1);
  CHECK(planned[0].template_id == "correction_lapsed");
  CHECK(planned[0].op == "h:4");
  CHECK(planned[0].event_ms == 2000);
}

}  // namespace
}  // namespace silian::sync

namespace silian::sync {
namespace {

TEST_CASE("Notices: a hub's override replaces one template in one language and fills the same vouched values",
          "[notices][notice_overrides]") {
  NoticeTemplateOverrides overrides;
  overrides[{"accepted", Language::kChinese}] = "【科右中旗政务】{application}{number}已受理，请留意后续短信。";
  const NoticeFacts f = SampleFacts();
  CHECK(*RenderNotice("accepted", Language::kChinese, f, &overrides) ==
        "【科右中旗政务】高龄津贴申请（办件编号152222104200-01-20260302-0001）已受理，请留意后续短信。");
  // The other language and the other templates keep their built-in texts.
  CHECK(*RenderNotice("accepted", Language::kMongolian, f, &overrides) ==
        *RenderNotice("accepted", Language::kMongolian, f));
  CHECK(*RenderNotice("received", Language::kChinese, f, &overrides) == *RenderNotice("received", Language::kChinese, f));
  // A template's own facts: fee_due may name the amount.
  overrides[{"fee_due", Language::kChinese}] = "请缴纳{amount}元（{item}）";
  CHECK(*RenderNotice("fee_due", Language::kChinese, f, &overrides) == "请缴纳120.50元（《高龄津贴申请》 ）");
}

TEST_CASE("Notices: an override is refused naming the template and the placeholder it has no value for",
          "[notices][notice_overrides]") {
  auto refused = [](const char* id, Language language, const std::string& text) {
    Status s = CheckNoticeTemplate({id, language}, text);
    INFO(text);
    REQUIRE_FALSE(s.ok());
    CHECK(s.code() == StatusCode::kInvalidArgument);
    return s.message();
  };
  CHECK_THAT(refused("accepted", Language::kChinese, "您需缴纳{amount}元"),
             Catch::Contains("notice template accepted.zh") && Catch::Contains("{amount}") &&
                 Catch::Contains("{application}, {item}, {number}"));
  CHECK_THAT(refused("accepted", Language::kMongolian, "{applicant_name} ok"), Catch::Contains("accepted.mn") &&
                                                                                 Catch::Contains("{applicant_name}"));
  CHECK_THAT(refused("extended", Language::kChinese, "延长{days天"), Catch::Contains("without a closing"));
  CHECK_THAT(refused("extended", Language::kChinese, "延长}天"), Catch::Contains("closes no placeholder"));
  CHECK_THAT(refused("extended", Language::kChinese, "延长{Days}天"), Catch::Contains("not a placeholder"));
  CHECK_THAT(refused("received", Language::kChinese, "收件\x1b[31m"), Catch::Contains("U+001B"));
  CHECK_THAT(refused("received", Language::kChinese, "收件\u202e点击"), Catch::Contains("U+202E"));
  CHECK_THAT(refused("received", Language::kChinese, "  "), Catch::Contains("received.zh"));
  CHECK_THAT(refused("received", Language::kChinese, std::string(kMaxNoticeTemplateChars + 1, 'a')),
             Catch::Contains("received.zh"));
  CHECK(CheckNoticeTemplate({"received", Language::kChinese}, std::string(kMaxNoticeTemplateChars, 'a')).ok());
  // Placeholders are those the template has values for.
  CHECK(CheckNoticeTemplate({"department_denied", Language::kChinese}, "{department}不予许可{number}").ok());
  CHECK(CheckNoticeTemplate({"suspended", Language::kMongolian}, "{item}{procedure}").ok());
  CHECK_FALSE(CheckNoticeTemplate({"suspended", Language::kChinese}, "{department}").ok());
}

TEST_CASE("Notices: a template setting names a known template and language, else it is refused naming them",
          "[notices][notice_overrides]") {
  auto key = ParseNoticeTemplateSetting("notice-template.correction_lapsed.mn");
  REQUIRE(key.ok());
  CHECK(key->id == "correction_lapsed");
  CHECK(key->language == Language::kMongolian);
  CHECK(NoticeTemplateSetting("correction_lapsed", Language::kMongolian) == "notice-template.correction_lapsed.mn");
  CHECK_THAT(ParseNoticeTemplateSetting("notice-template.approved.zh").status().message(),
             Catch::Contains("\"approved\"") && Catch::Contains("decided_approved"));
  CHECK_THAT(ParseNoticeTemplateSetting("notice-template.accepted.en").status().message(), Catch::Contains("\"en\""));
  CHECK_FALSE(ParseNoticeTemplateSetting("notice-template.accepted").ok());
  CHECK_FALSE(IsNoticeTemplateSetting("notify"));
}

TEST_CASE("Notices: a stored override that breaks the rules is not used, the built-in text goes out",
          "[notices][notice_overrides]") {
  std::map<std::string, std::string> settings = {
      {"notice-template.accepted.zh", "坏的{amount}"},        // no amount in an acceptance
      {"notice-template.received.zh", "已收件{number}"},      // fine
      {"notice-template.withdrawn.zh", ""},                   // unset
  };
  auto overrides = ReadNoticeTemplateOverrides([&](const std::string& k) -> Result<std::optional<std::string>> {
    auto it = settings.find(k);
    if (it == settings.end()) return std::optional<std::string>();
    return std::optional<std::string>(it->second);
  });
  REQUIRE(overrides.ok());
  REQUIRE(overrides->size() == 1);
  CHECK(overrides->count({"received", Language::kChinese}) == 1);
  // Even handed straight to the renderer, a breaking override is not used.
  NoticeTemplateOverrides bad = {{{"accepted", Language::kChinese}, "坏的{amount}"}};
  CHECK(*RenderNotice("accepted", Language::kChinese, SampleFacts(), &bad) ==
        *RenderNotice("accepted", Language::kChinese, SampleFacts()));
}

}  // namespace
}  // namespace silian::sync
