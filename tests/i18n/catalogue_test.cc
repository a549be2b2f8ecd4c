// The one message catalogue (i18n/catalogue.h) and the core's keyed statuses (base/status.h,
// base/message_keys.h): every key the core uses is in the catalogue in zh, mn and en with exactly its
// parameters, the catalogue is well formed, and a status is said in a language or falls back to English.
#include <algorithm>
#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <vector>

#include "base/message_keys.h"
#include "console/said_keys.h"
#include "i18n/catalogue.h"

namespace silian::i18n {
namespace {

std::set<std::string> SetOf(const std::vector<std::string>& v) { return {v.begin(), v.end()}; }

// Every key of `table` has zh, mn and en with exactly its parameters (each named once), and the
// catalogue's keys starting with `block` are exactly the table's.
void CheckTable(const std::vector<msg::KeySpec>& table, const std::string& block) {
  const Catalogue& c = Catalogue::Embedded();
  std::set<std::string> ids;
  for (const msg::KeySpec& key : table) {
    INFO("key " << key.id);
    CHECK(ids.insert(std::string(key.id)).second);
    const std::set<std::string> want(key.params.begin(), key.params.end());
    CHECK(want.size() == key.params.size());  // a parameter is named once
    for (Lang lang : {Lang::kZh, Lang::kMn, Lang::kEn}) {
      INFO("language " << LangName(lang));
      std::optional<std::string> text = c.Find(key.id, lang);
      REQUIRE(text.has_value());
      CHECK(!text->empty());
      CHECK(SetOf(Catalogue::Placeholders(*text)) == want);
    }
  }
  std::set<std::string> in_catalogue;
  for (const std::string& key : c.Keys())
    if (key.rfind(block, 0) == 0) in_catalogue.insert(key);
  CHECK(in_catalogue == ids);
}

}  // namespace

TEST_CASE("Catalogue: every key the core uses has zh, mn and en with exactly the parameters the code passes, and "
          "the err. block is exactly the core's table",
          "[i18n]") {
  REQUIRE(Catalogue::Parse(CatalogueJson()).ok());
  CheckTable(msg::AllMessageKeys(), "err.");
}

TEST_CASE("Catalogue: every success line the command line says has zh, mn and en with exactly its parameters, and "
          "the cli. block is exactly that table",
          "[i18n]") {
  CheckTable(console::said::AllSaidKeys(), "cli.");
}

TEST_CASE("Catalogue: a keyed status is said in the language asked, its parameters and enumerated values filled in",
          "[i18n]") {
  const Catalogue& c = Catalogue::Embedded();
  Status id = InvalidArgument("resident ID number \"152222198803150021\" has check character '1', expected 'X'")
                  .With(msg::kResidentIdCheck, "152222198803150021", "1", "X");
  CHECK(c.Render(id, Lang::kZh) == "身份证号“152222198803150021”的校验码是“1”，应为“X”");
  CHECK(c.Render(id, Lang::kEn) == "Resident ID number “152222198803150021” has check character “1”; it should be “X”");
  CHECK(c.Render(id, Lang::kMn).find("“152222198803150021”") != std::string::npos);

  Status forbids = FailedPrecondition("action \"approve\" is not allowed in status \"not_accepted\"")
                       .With(msg::kStatusForbids, "not-accept", "not_accepted");
  CHECK(c.Render(forbids, Lang::kZh) == "办件当前状态为“" + *c.Find("status.not_accepted", Lang::kZh) + "”，不能" +
                                          *c.Find("action.not_accept", Lang::kZh));
  // An unkeyed status is said as the core words it.
  CHECK(c.Render(NotFound("no ledger here"), Lang::kZh) == "no ledger here");
  // A value is shown at most 80 characters long.
  Status long_phone = InvalidArgument("phone ...").With(msg::kPhoneForm, std::string(200, '1'));
  CHECK(c.Render(long_phone, Lang::kEn).find(std::string(80, '1') + "…") != std::string::npos);
  CHECK(c.Render(long_phone, Lang::kEn).find(std::string(81, '1')) == std::string::npos);
}

TEST_CASE("Catalogue: a key with no text in the language asked falls back to the core's English message", "[i18n]") {
  auto c = Catalogue::Parse(R"({"languages": {"zh": {}, "mn": {}, "en": {}},
                               "messages": {"err.phone.form": {"zh": "电话“{value}”有误", "en": "Phone “{value}” is wrong"}}})");
  REQUIRE(c.ok());
  Status s = InvalidArgument("phone \"12\" must be a mainland mobile number").With(msg::kPhoneForm, "12");
  CHECK(c->Render(s, Lang::kZh) == "电话“12”有误");
  CHECK(c->Render(s, Lang::kMn) == "phone \"12\" must be a mainland mobile number");
  Status unknown = InvalidArgument("case \"x\" not found").With(msg::kCaseNotFound, "x");
  CHECK(c->Render(unknown, Lang::kZh) == "case \"x\" not found");
}

TEST_CASE("Catalogue: a malformed catalogue is refused naming the entry", "[i18n]") {
  auto brace = Catalogue::Parse(R"({"languages": {"en": {}}, "messages": {"a.b": {"en": "a {value"}}})");
  REQUIRE(!brace.ok());
  CHECK(brace.status().message().find("\"a.b\"") != std::string::npos);
  auto lang = Catalogue::Parse(R"({"languages": {"en": {}}, "messages": {"a.b": {"fr": "x"}}})");
  REQUIRE(!lang.ok());
  CHECK(lang.status().message().find("\"fr\"") != std::string::npos);
  CHECK(!Catalogue::Parse(R"({"languages": {"en": {}}, "messages": {"a.b": {"en": 3}}})").ok());
  CHECK(!Catalogue::Parse("[1]").ok());
}

TEST_CASE("Catalogue: languages by name and by locale", "[i18n]") {
  CHECK(*ParseLang("mn") == Lang::kMn);
  auto bad = ParseLang("xx");
  REQUIRE(!bad.ok());
  CHECK(bad.status().message().find("\"xx\"") != std::string::npos);
  CHECK(LangOfLocale(nullptr, nullptr, "zh_CN.UTF-8") == Lang::kZh);
  CHECK(LangOfLocale("mn_MN.UTF-8", nullptr, "zh_CN.UTF-8") == Lang::kMn);
  CHECK(LangOfLocale("", "en_US.UTF-8", "zh_CN.UTF-8") == Lang::kEn);
  CHECK(LangOfLocale(nullptr, nullptr, nullptr) == Lang::kEn);
  CHECK(LangOfLocale(nullptr, nullptr, "C.UTF-8") == Lang::kEn);
}

TEST_CASE("Status: a key keeps the English message and code, survives copies and added context", "[i18n]") {
  Status plain = InvalidArgument("phone \"1\" is wrong");
  Status keyed = InvalidArgument("phone \"1\" is wrong").With(msg::kPhoneForm, "1");
  CHECK(keyed.message() == plain.message());
  CHECK(keyed.code() == plain.code());
  CHECK(plain.key().empty());
  CHECK(plain.params().empty());
  Status copy = keyed;
  Status context = copy.WithMessage("case 7: " + copy.message());
  CHECK(context.message() == "case 7: phone \"1\" is wrong");
  CHECK(context.key() == "err.phone.form");
  REQUIRE(context.params().size() == 1);
  CHECK(context.params()[0].name == "value");
  CHECK(context.params()[0].value == "1");
  Result<int> failed = keyed;
  CHECK(failed.status().key() == "err.phone.form");
}

}  // namespace silian::i18n
