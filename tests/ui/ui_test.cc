// The web app's parts that need no browser: pinyin, item search, the request guard, JSON bodies, and the
// embedded assets and message catalogue (every page names only assets that exist, every text key the
// pages use is in the catalogue in all three languages).
#include <catch2/catch.hpp>

#include <regex>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "ui/assets.h"
#include "ui/item_search.h"
#include "ui/pinyin.h"
#include "ui/web.h"

namespace silian::ui {
namespace {

std::string AssetText(const char* name) {
  const Asset* a = FindAsset(name);
  REQUIRE(a != nullptr);
  return std::string(a->bytes);
}

pb::Item MakeItem(const std::string& code, const std::string& name, const std::string& department,
                  const std::string& material, bool withdrawn = false) {
  pb::Item item;
  item.set_code(code);
  item.set_name(name);
  item.set_lead_department(department);
  item.add_materials()->set_name(material);
  item.set_withdrawn(withdrawn);
  return item;
}

std::vector<std::string> Codes(const std::vector<ItemHit>& hits) {
  std::vector<std::string> out;
  for (const auto& h : hits) out.push_back(h.entry->item.code());
  return out;
}

TEST_CASE("Pinyin: Chinese names get toneless syllables and their initials", "[ui]") {
  auto pinyin = Pinyin::Create();
  REQUIRE(pinyin.ok());
  PinyinText p = (*pinyin)->Of("宅基地审批");
  CHECK(p.initials == "zjdsp");
  CHECK(p.joined.rfind("zhaiji", 0) == 0);
  CHECK((*pinyin)->Of("居民身份证申领").initials == "jmsfzsl");
  CHECK((*pinyin)->Of("嘎查（村）居住证明").initials == "gccjzzm");  // punctuation separates, adds nothing
  CHECK((*pinyin)->Of("ABC 12").initials == "a12");  // a Latin word gives its initial, digits are kept
}

TEST_CASE("Item search: by code, name, pinyin initials, full pinyin or keyword, and never a withdrawn item",
          "[ui]") {
  auto pinyin = Pinyin::Create();
  REQUIRE(pinyin.ok());
  std::vector<SearchableItem> items;
  for (auto item : {MakeItem("C-HOMESTEAD", "农村宅基地用地审批", "苏木人民政府", "申请表"),
                    MakeItem("C-ID", "居民身份证申领", "公安局", "户口簿"),
                    MakeItem("C-OLD", "宅基地旧事项", "苏木人民政府", "申请表", true)}) {
    PinyinText p = (*pinyin)->Of(item.name());
    items.push_back({item, p});
  }
  CHECK(Codes(SearchItems(items, "nczjd", 10)) == std::vector<std::string>{"C-HOMESTEAD"});
  CHECK(Codes(SearchItems(items, "NCZJD", 10)) == std::vector<std::string>{"C-HOMESTEAD"});
  CHECK(Codes(SearchItems(items, "zjd", 10)) == std::vector<std::string>{"C-HOMESTEAD"});
  CHECK(SearchItems(items, "zjd", 10)[0].matched_by == "initials");
  CHECK(Codes(SearchItems(items, "宅基地", 10)) == std::vector<std::string>{"C-HOMESTEAD"});
  CHECK(Codes(SearchItems(items, "c-id", 10)) == std::vector<std::string>{"C-ID"});
  CHECK(Codes(SearchItems(items, "shen fen", 10)) == std::vector<std::string>{"C-ID"});
  CHECK(Codes(SearchItems(items, "户口簿", 10)) == std::vector<std::string>{"C-ID"});
  CHECK(SearchItems(items, "户口簿", 10)[0].matched_by == "keyword");
  CHECK(SearchItems(items, "旧事项", 10).empty());
  CHECK(SearchItems(items, "", 10).size() == 2);
  CHECK(SearchItems(items, "", 1).size() == 1);
  CHECK(SearchItems(items, "qqqq", 10).empty());
}

WebRequest Request(const std::string& method, const std::string& host, std::optional<std::string> origin) {
  WebRequest r;
  r.method = method;
  r.path = "/api/cases";
  r.host = host;
  r.origin = std::move(origin);
  return r;
}

TEST_CASE("OriginGuard: only this server's Host, only its own Origin, and an Origin on every change", "[ui]") {
  OriginGuard guard(OriginGuard::LoopbackHosts(8790));
  CHECK(!guard.Check(Request("GET", "127.0.0.1:8790", std::nullopt)));
  CHECK(!guard.Check(Request("GET", "localhost:8790", std::string("http://localhost:8790"))));
  CHECK(!guard.Check(Request("POST", "127.0.0.1:8790", std::string("http://127.0.0.1:8790"))));
  auto host = guard.Check(Request("GET", "attacker.example:8790", std::nullopt));
  REQUIRE(host);
  CHECK(host->status == 403);
  CHECK(host->body.find("attacker.example:8790") != std::string::npos);
  auto origin = guard.Check(Request("GET", "127.0.0.1:8790", std::string("http://attacker.example")));
  REQUIRE(origin);
  CHECK(origin->body.find("origin_refused") != std::string::npos);
  auto other_port = guard.Check(Request("POST", "127.0.0.1:8790", std::string("http://127.0.0.1:9999")));
  CHECK(other_port);
  auto none = guard.Check(Request("POST", "127.0.0.1:8790", std::nullopt));
  REQUIRE(none);
  CHECK(none->body.find("needs an Origin") != std::string::npos);
}

TEST_CASE("ParseJsonBody: one JSON object of application/json, within the limit, without repeated keys", "[ui]") {
  WebRequest r;
  r.content_type = "application/json; charset=utf-8";
  r.body = R"({"a": "b"})";
  REQUIRE(ParseJsonBody(r).ok());
  r.body = R"({"a": "b", "a": "c"})";
  CHECK(ParseJsonBody(r).status().message().find("\"a\"") != std::string::npos);
  r.body = "[1]";
  CHECK(ParseJsonBody(r).status().code() == StatusCode::kInvalidArgument);
  r.body = std::string(kMaxApiBodyBytes + 1, ' ');
  CHECK(ParseJsonBody(r).status().code() == StatusCode::kResourceExhausted);
  r.body = R"({"a": 1})";
  r.content_type = "text/plain";
  CHECK(ParseJsonBody(r).status().message().find("text/plain") != std::string::npos);
  auto member = StringMember(nlohmann::json{{"a", 1}}, "a");
  CHECK(member.status().message().find("\"a\" must be a string") != std::string::npos);
}

TEST_CASE("Assets: the pages are compiled in and name only assets that are", "[ui]") {
  for (const char* page : {"index.html", "hub.html"}) {
    std::string html = AssetText(page);
    std::regex ref(R"re((?:href|src)="([^"]+)")re");
    int refs = 0;
    for (auto it = std::sregex_iterator(html.begin(), html.end(), ref); it != std::sregex_iterator(); ++it) {
      std::string name = (*it)[1];
      INFO(page << " names " << name);
      CHECK(name.find("//") == std::string::npos);  // nothing from another server
      CHECK(FindAsset(name) != nullptr);
      ++refs;
    }
    CHECK(refs >= 3);
  }
  CHECK(FindAsset("no-such.js") == nullptr);
  CHECK(FindAsset("app.js")->content_type == "text/javascript; charset=utf-8");
}

TEST_CASE("Messages: every text key the pages and scripts use is in the catalogue in zh, mn and en", "[ui]") {
  nlohmann::json catalogue = nlohmann::json::parse(AssetText("messages.json"));
  const nlohmann::json& messages = catalogue.at("messages");
  std::set<std::string> used;
  std::regex attr(R"re(data-i18n(?:-placeholder)?="([a-z_.]+)")re");
  std::regex call(R"re(I18N\.t\("([a-z_]+(?:\.[a-z_]+)+)")re");
  for (const char* file : {"index.html", "hub.html", "app.js", "case.js", "hub.js"}) {
    std::string text = AssetText(file);
    for (const auto* re : {&attr, &call})
      for (auto it = std::sregex_iterator(text.begin(), text.end(), *re); it != std::sregex_iterator(); ++it)
        used.insert((*it)[1]);
  }
  CHECK(used.size() > 40);
  for (const auto& key : used) {
    INFO("key " << key);
    REQUIRE(messages.contains(key));
    for (const char* lang : {"zh", "mn", "en"}) CHECK(messages.at(key).contains(lang));
  }
  // Mongolian texts are in the traditional script (U+1800..U+18AF), not Cyrillic or Latin.
  std::string title = messages.at("app.title").at("mn");
  CHECK(title.find("\xe1\xa0") != std::string::npos);  // UTF-8 lead bytes of U+1800..U+183F
}

}  // namespace
}  // namespace silian::ui
