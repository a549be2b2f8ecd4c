#include "domain/catalog.h"

#include <functional>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <google/protobuf/util/message_differencer.h>

#include "support/files.h"

namespace silian::sync {
namespace {

using nlohmann::json;

// A valid county item in the file's shape; tests break one thing at a time.
json GoodItem(const std::string& code = "11152222MA0Q7K4C4X4000023700100") {
  return json{{"code", code},
              {"version", 2},
              {"name", "个体工商户设立登记"},
              {"exercise_level", "county"},
              {"instant", false},
              {"legal_limit", {{"value", 20}, {"unit", "working_days"}}},
              {"promised_limit", {{"value", 9}, {"unit", "working_days"}}},
              {"lead_department", "科右中旗市场监督管理局"},
              {"materials",
               json::array({{{"name", "申请表"}, {"form", "original"}, {"count", 1}, {"optional", false}},
                            {{"name", "居民身份证复印件"}, {"form", "copy"}, {"count", 2}, {"optional", false}},
                            {{"name", "代办委托书"}, {"form", "original"}, {"count", 1}, {"optional", true}}})},
              {"fees", json::array({{{"name", "证书工本费"}, {"amount_fen", 1000}, {"basis", "发改价格规〔2016〕2559号"}},
                                    {{"name", "登记费"}, {"amount_fen", 250}}})},
              {"steps", json::array({"review", "approval"})}};
}

std::string FileOf(const std::vector<json>& items) {
  return json{{"format", 1}, {"items", items}}.dump(2);
}

// Parses a file expected to be refused and returns the message.
std::string Refusal(const std::string& text) {
  auto parsed = ParseCatalogJson(text, "catalog.json");
  REQUIRE_FALSE(parsed.ok());
  CHECK(parsed.status().code() == StatusCode::kInvalidArgument);
  INFO(parsed.status().message());
  CHECK(parsed.status().message().rfind("catalog.json", 0) == 0);
  return parsed.status().message();
}

pb::Item ParsedGoodItem() {
  auto parsed = ParseCatalogJson(FileOf({GoodItem()}), "good.json");
  INFO(parsed.status().message());
  REQUIRE(parsed.ok());
  REQUIRE(parsed->size() == 1);
  return parsed->front();
}

pb::ItemTerms TermsAt(const std::string& level) {
  pb::ItemTerms terms;
  terms.set_version(1);
  terms.set_name("个体工商户设立登记");
  terms.set_exercise_level(level);
  return terms;
}

TEST_CASE("Catalog: the sample catalogue loads and has the promised variety", "[catalog]") {
  auto parsed = ParseCatalogJson(test::ReadFile(test::SourceFile("reference/catalog.json")), "reference/catalog.json");
  INFO(parsed.status().message());
  REQUIRE(parsed.ok());
  const std::vector<pb::Item>& items = *parsed;
  CHECK(items.size() >= 32);
  std::map<std::string, int> per_level;
  std::set<std::string> departments;
  std::set<std::string> units;
  int instant = 0;
  int parallel = 0;
  int charged = 0;
  int legal_20 = 0;
  int with_optional = 0;
  for (const pb::Item& item : items) {
    INFO(item.code());
    CHECK(ValidateItem(item).ok());
    CHECK(item.code().size() == 31);  // credit code 18 + level digit + basic code 12
    ++per_level[item.exercise_level()];
    departments.insert(item.lead_department());
    for (const auto& d : item.departments()) departments.insert(d);
    units.insert(item.legal_limit().unit());
    units.insert(item.promised_limit().unit());
    if (item.instant()) ++instant;
    if (item.departments_size() > 0) {
      ++parallel;
      CHECK(item.departments_size() >= 3);
      CHECK(item.departments_size() <= 5);
    }
    if (TotalFeesFen(item) > 0) ++charged;
    if (item.legal_limit().value() == 20 && item.legal_limit().unit() == "working_days") ++legal_20;
    CHECK(item.materials_size() >= 2);
    CHECK(item.materials_size() <= 8);
    for (const auto& m : item.materials()) with_optional += m.optional() ? 1 : 0;
  }
  for (const char* level : {"village", "township", "county", "city"}) {
    INFO(level);
    CHECK(per_level[level] >= 3);
  }
  CHECK(instant >= 6);
  CHECK(parallel >= 4);
  CHECK(departments.size() >= 8);
  CHECK(units == std::set<std::string>{"working_days", "natural_days", "hours"});
  CHECK(charged >= 3);
  CHECK(charged < static_cast<int>(items.size()) / 2);  // most items are free
  CHECK(legal_20 * 2 > static_cast<int>(items.size()));
  CHECK(with_optional >= 5);
}

TEST_CASE("Catalog: a good file parses into items in file order", "[catalog]") {
  json second = GoodItem("11152222011580234D4000011900100");
  second.erase("version");
  second.erase("fees");
  second.erase("steps");
  second["name"] = "最低生活保障审核确认";
  second["departments"] = json::array({"科右中旗民政局分中心", "科右中旗财政局"});
  auto parsed = ParseCatalogJson(FileOf({GoodItem(), second}), "catalog.json");
  INFO(parsed.status().message());
  REQUIRE(parsed.ok());
  REQUIRE(parsed->size() == 2);
  const pb::Item& a = (*parsed)[0];
  CHECK(a.code() == "11152222MA0Q7K4C4X4000023700100");
  CHECK(a.version() == 2);
  CHECK(a.exercise_level() == "county");
  CHECK(a.legal_limit().value() == 20);
  CHECK(a.promised_limit().unit() == "working_days");
  REQUIRE(a.materials_size() == 3);
  CHECK(a.materials(1).form() == "copy");
  CHECK(a.materials(1).count() == 2);
  CHECK(a.materials(2).optional());
  CHECK(a.fees(1).basis().empty());
  const pb::Item& b = (*parsed)[1];
  CHECK(b.version() == 0);  // absent: the importer assigns the next version
  CHECK(b.fees_size() == 0);
  CHECK(b.departments_size() == 2);
}

TEST_CASE("Catalog: a JSON syntax error names the source and the line", "[catalog]") {
  const std::string text = "{\n  \"format\": 1,\n  \"items\": [\n    {\"code\": \"A1\",}\n  ]\n}\n";
  std::string message = Refusal(text);
  CHECK_THAT(message, Catch::StartsWith("catalog.json:4: JSON syntax error"));

  std::string truncated = Refusal("{\"format\": 1,\n\"items\": [\n");
  CHECK_THAT(truncated, Catch::StartsWith("catalog.json:3: JSON syntax error"));

  CHECK_THAT(Refusal("{\"format\": 1, \"format\": 1, \"items\": []}"), Catch::Contains("\"format\" appears twice"));
}

TEST_CASE("Catalog: the top level must be format 1 with items", "[catalog]") {
  CHECK_THAT(Refusal("[]"), Catch::Contains("must be an object"));
  CHECK_THAT(Refusal("{\"format\": 2, \"items\": []}"), Catch::Contains("format 2 is not supported"));
  CHECK_THAT(Refusal("{\"format\": 1}"), Catch::Contains("missing required key \"items\""));
  CHECK_THAT(Refusal("{\"format\": 1, \"items\": [], \"itmes\": []}"), Catch::Contains("unknown key \"itmes\""));
  CHECK_THAT(Refusal("{\"format\": 1, \"items\": {}}"), Catch::Contains("items {} must be an array"));
  auto empty = ParseCatalogJson("{\"format\": 1, \"items\": []}", "empty.json");
  REQUIRE(empty.ok());
  CHECK(empty->empty());
}

TEST_CASE("Catalog: an unknown key is refused with its path, at every level", "[catalog]") {
  json item = GoodItem();
  item["exercise_levle"] = "county";
  CHECK_THAT(Refusal(FileOf({GoodItem("A1"), item})),
             Catch::Contains("catalog.json: items[1] (\"11152222MA0Q7K4C4X4000023700100\") has unknown key "
                             "\"exercise_levle\""));
  item = GoodItem();
  item["materials"][1]["copies"] = 2;
  CHECK_THAT(Refusal(FileOf({item})), Catch::Contains("materials[1] has unknown key \"copies\""));
  item = GoodItem();
  item["legal_limit"]["units"] = "hours";
  CHECK_THAT(Refusal(FileOf({item})), Catch::Contains("legal_limit has unknown key \"units\""));
  item = GoodItem();
  item["fees"][0]["amount"] = 1;
  CHECK_THAT(Refusal(FileOf({item})), Catch::Contains("fees[0] has unknown key \"amount\""));
}

TEST_CASE("Catalog: a missing required key is named", "[catalog]") {
  json item = GoodItem();
  item.erase("name");
  CHECK_THAT(Refusal(FileOf({item})),
             Catch::Contains("items[0] (\"11152222MA0Q7K4C4X4000023700100\") is missing required key \"name\""));
  item = GoodItem();
  item.erase("code");
  CHECK_THAT(Refusal(FileOf({item})), Catch::Contains("catalog.json: items[0] is missing required key \"code\""));
  item = GoodItem();
  item["materials"][0].erase("form");
  CHECK_THAT(Refusal(FileOf({item})), Catch::Contains("materials[0] is missing required key \"form\""));
  item = GoodItem();
  item["promised_limit"].erase("value");
  CHECK_THAT(Refusal(FileOf({item})), Catch::Contains("promised_limit is missing required key \"value\""));
}

TEST_CASE("Catalog: a value of the wrong type names the path and the value", "[catalog]") {
  struct Bad {
    std::function<void(json&)> spoil;  // applied to GoodItem()
    std::string message;
  };
  const std::vector<Bad> bad = {
      {[](json& i) { i["legal_limit"]["value"] = "20"; }, "legal_limit.value \"20\" must be a whole number"},
      {[](json& i) { i["materials"][0]["count"] = 1.5; }, "materials[0].count 1.5 must be a whole number"},
      {[](json& i) { i["instant"] = "no"; }, "instant \"no\" must be true or false"},
      {[](json& i) { i["fees"][0]["amount_fen"] = -1; }, "fees[0].amount_fen -1 must be a whole number from 0"},
      {[](json& i) { i["fees"][0]["amount_fen"] = 1000000001; }, "fees[0].amount_fen 1000000001 must be"},
      {[](json& i) { i["departments"] = "科右中旗民政局"; }, "departments \"科右中旗民政局\" must be an array"},
      {[](json& i) { i["version"] = -1; }, "version -1 must be a whole number"},
  };
  for (const Bad& b : bad) {
    json item = GoodItem();
    b.spoil(item);
    CHECK_THAT(Refusal(FileOf({item})), Catch::Contains(b.message));
  }
}

TEST_CASE("Catalog: a bad unit or level is refused naming the value and the choices", "[catalog]") {
  json item = GoodItem();
  item["legal_limit"]["unit"] = "weeks";
  CHECK(Refusal(FileOf({GoodItem("A1"), GoodItem("A2"), GoodItem("A3"), item})) ==
        "catalog.json: items[3] (\"11152222MA0Q7K4C4X4000023700100\") legal_limit.unit \"weeks\" is not one of: "
        "working_days, natural_days, hours");
  item = GoodItem();
  item["exercise_level"] = "province";
  CHECK_THAT(Refusal(FileOf({item})),
             Catch::Contains("exercise_level \"province\" is not one of: village, township, county, city"));
  item = GoodItem();
  item["materials"][2]["form"] = "scan";
  CHECK_THAT(Refusal(FileOf({item})), Catch::Contains("materials[2].form \"scan\" is not one of: original, copy"));
  item = GoodItem();
  item["steps"] = json::array({"review", "sign"});
  CHECK_THAT(Refusal(FileOf({item})), Catch::Contains("steps[1] \"sign\" is not one of"));
}

TEST_CASE("Catalog: limits are checked against each other and the instant rule", "[catalog]") {
  json item = GoodItem();
  item["promised_limit"]["value"] = 25;
  CHECK_THAT(Refusal(FileOf({item})),
             Catch::Contains("promised_limit 25 working_days exceeds legal_limit 20 working_days"));

  item = GoodItem();
  item["promised_limit"]["value"] = 0;
  CHECK_THAT(Refusal(FileOf({item})), Catch::Contains("promised_limit.value 0 is allowed only for an instant item"));

  item = GoodItem();
  item["legal_limit"]["value"] = 0;
  CHECK_THAT(Refusal(FileOf({item})), Catch::Contains("legal_limit.value 0 must be 1 to 1000"));

  // Different units are not compared: 20 working days may be promised as 30 natural days.
  item = GoodItem();
  item["promised_limit"] = {{"value", 30}, {"unit", "natural_days"}};
  CHECK(ParseCatalogJson(FileOf({item}), "catalog.json").ok());

  item = GoodItem();
  item["instant"] = true;
  item["legal_limit"] = {{"value", 1}, {"unit", "working_days"}};
  item["promised_limit"] = {{"value", 0}, {"unit", "working_days"}};
  CHECK(ParseCatalogJson(FileOf({item}), "catalog.json").ok());
  item["promised_limit"] = {{"value", 2}, {"unit", "hours"}};
  CHECK(ParseCatalogJson(FileOf({item}), "catalog.json").ok());
  item["promised_limit"] = {{"value", 1}, {"unit", "working_days"}};
  CHECK_THAT(Refusal(FileOf({item})),
             Catch::Contains("promised_limit 1 working_days of an instant item must be 0 or counted in hours"));
}

TEST_CASE("Catalog: a duplicate code in one file is refused naming both places", "[catalog]") {
  json other = GoodItem();
  other["name"] = "个体工商户变更登记";
  CHECK_THAT(Refusal(FileOf({GoodItem(), GoodItem("A1"), other})),
             Catch::Contains("items[2] (\"11152222MA0Q7K4C4X4000023700100\") code "
                             "\"11152222MA0Q7K4C4X4000023700100\" repeats items[0]"));
}

TEST_CASE("Catalog: a duplicate material in one item is refused, spaces trimmed", "[catalog]") {
  json item = GoodItem();
  item["materials"].push_back({{"name", " 申请表　"}, {"form", "copy"}, {"count", 1}});
  CHECK_THAT(Refusal(FileOf({item})), Catch::Contains("materials[3].name \" 申请表　\" repeats materials[0]"));
  // The same material name in two items is fine.
  CHECK(ParseCatalogJson(FileOf({GoodItem("A1"), GoodItem("A2")}), "catalog.json").ok());
}

TEST_CASE("Catalog: code, name and department text rules", "[catalog]") {
  json item = GoodItem("bad code!");
  CHECK_THAT(Refusal(FileOf({item})),
             Catch::Contains("catalog.json: items[0] code \"bad code!\" must be 1 to 50 characters"));
  CHECK_THAT(Refusal(FileOf({GoodItem(std::string(51, 'A'))})), Catch::Contains("must be 1 to 50 characters"));
  CHECK(ParseCatalogJson(FileOf({GoodItem(std::string(50, 'A'))}), "catalog.json").ok());

  item = GoodItem();
  item["name"] = "";
  CHECK_THAT(Refusal(FileOf({item})), Catch::Contains("name \"\" must be 1 to 100 characters"));
  // 100 Chinese characters are 300 bytes and still fit: the limit is in characters.
  std::string hundred;
  for (int i = 0; i < 100; ++i) hundred += "证";
  item["name"] = hundred;
  CHECK(ParseCatalogJson(FileOf({item}), "catalog.json").ok());
  item["name"] = hundred + "明";
  CHECK_THAT(Refusal(FileOf({item})), Catch::Contains("(it has 101)"));
  item["name"] = "登记\n表";
  CHECK_THAT(Refusal(FileOf({item})), Catch::Contains("name holds U+000A (a control character) at character 3"));

  item = GoodItem();
  item["departments"] = json::array({"科右中旗公安局", "科右中旗市场监督管理局"});
  CHECK_THAT(Refusal(FileOf({item})),
             Catch::Contains("departments[1] \"科右中旗市场监督管理局\" repeats the lead_department"));
  item["departments"] = json::array({"科右中旗公安局", "科右中旗人社局", "科右中旗公安局"});
  CHECK_THAT(Refusal(FileOf({item})), Catch::Contains("departments[2] \"科右中旗公安局\" repeats departments[0]"));
}

TEST_CASE("Catalog: ValidateItem applies the same rules to protobuf items", "[catalog]") {
  pb::Item item = ParsedGoodItem();
  CHECK(ValidateItem(item).ok());

  pb::Item bad = item;
  bad.mutable_legal_limit()->set_unit("weeks");
  Status s = ValidateItem(bad);
  CHECK(s.code() == StatusCode::kInvalidArgument);
  CHECK(s.message() ==
        "item \"11152222MA0Q7K4C4X4000023700100\" legal_limit.unit \"weeks\" is not one of: working_days, "
        "natural_days, hours");

  bad = item;
  bad.mutable_materials(0)->set_count(100);
  CHECK_THAT(ValidateItem(bad).message(), Catch::Contains("materials[0].count 100 must be 1 to 99"));
  bad.mutable_materials(0)->set_count(0);
  CHECK_THAT(ValidateItem(bad).message(), Catch::Contains("materials[0].count 0 must be 1 to 99"));

  bad = item;
  bad.mutable_fees(0)->set_amount_fen(-5);
  CHECK_THAT(ValidateItem(bad).message(), Catch::Contains("fees[0].amount_fen -5 must be 0 to 1000000000"));

  bad = item;
  bad.set_code("");
  CHECK_THAT(ValidateItem(bad).message(), Catch::StartsWith("item code \"\" must be"));

  bad = item;
  bad.set_name(std::string("\xff\xfe", 2));
  CHECK_THAT(ValidateItem(bad).message(), Catch::Contains("name is not valid UTF-8 (byte 1)"));

  bad = item;
  bad.set_version(0);
  CHECK(ValidateItem(bad).ok());
}

TEST_CASE("Catalog: ItemToJson then parsing gives the same items", "[catalog]") {
  std::vector<pb::Item> items;
  items.push_back(ParsedGoodItem());
  pb::Item parallel = items.front();
  parallel.set_code("1115220001157101XP3000013700100");
  parallel.set_version(0);
  parallel.set_name("企业投资项目核准");
  parallel.set_exercise_level("city");
  parallel.mutable_legal_limit()->set_value(45);
  parallel.add_departments("兴安盟自然资源局");
  parallel.add_departments("兴安盟生态环境局");
  parallel.set_withdrawn(true);
  parallel.clear_fees();
  items.push_back(parallel);
  pb::Item instant = items.front();
  instant.set_code("A.instant-1");
  instant.set_instant(true);
  instant.mutable_promised_limit()->set_value(0);
  instant.clear_steps();
  instant.clear_materials();
  items.push_back(instant);

  json one = ItemToJson(items[1]);
  CHECK(one["departments"] == json::array({"兴安盟自然资源局", "兴安盟生态环境局"}));
  CHECK(one["version"] == 0);
  CHECK(one["withdrawn"] == true);

  const std::string text = CatalogToJson(items).dump(2);
  auto back = ParseCatalogJson(text, "roundtrip.json");
  INFO(back.status().message());
  REQUIRE(back.ok());
  REQUIRE(back->size() == items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    INFO(i);
    CHECK(google::protobuf::util::MessageDifferencer::Equals((*back)[i], items[i]));
  }
}

TEST_CASE("Catalog: TermsOf copies what a case keeps", "[catalog]") {
  pb::Item item = ParsedGoodItem();
  item.add_departments("科右中旗公安局");
  pb::ItemTerms terms = TermsOf(item);
  CHECK(terms.version() == 2);
  CHECK(terms.name() == item.name());
  CHECK(terms.exercise_level() == "county");
  CHECK_FALSE(terms.instant());
  CHECK(terms.legal_limit().value() == 20);
  CHECK(terms.promised_limit().value() == 9);
  CHECK(terms.lead_department() == "科右中旗市场监督管理局");
  REQUIRE(terms.departments_size() == 1);
  CHECK(terms.departments(0) == "科右中旗公安局");
}

TEST_CASE("Catalog: LevelRank orders village to city", "[catalog]") {
  CHECK(LevelRank("village") == 0);
  CHECK(LevelRank("township") == 1);
  CHECK(LevelRank("county") == 2);
  CHECK(LevelRank("city") == 3);
  CHECK(LevelRank("province") == -1);
  CHECK(LevelRank("County") == -1);
  CHECK(LevelRank("") == -1);
}

TEST_CASE("Catalog: which actions need authority", "[catalog]") {
  for (const char* action : {"accept", "request-correction", "not-accept", "start-review", "suspend", "resume",
                             "extend", "approve", "approve-tolerant", "deny", "complete", "issue-certificate",
                             "revoke", "terminate", "department-decision"}) {
    INFO(action);
    CHECK(NeedsAuthority(action));
  }
  for (const char* action : {"receive", "forward", "supply-correction", "deliver", "withdraw"}) {
    INFO(action);
    CHECK_FALSE(NeedsAuthority(action));
  }
  CHECK(NeedsAuthority("some-future-action"));  // fail closed
}

TEST_CASE("Catalog: authority for every level pair and action class", "[catalog]") {
  const std::vector<std::string> levels = {"village", "township", "county", "city"};
  for (size_t item_rank = 0; item_rank < levels.size(); ++item_rank) {
    for (size_t node_rank = 0; node_rank < levels.size(); ++node_rank) {
      const pb::ItemTerms terms = TermsAt(levels[item_rank]);
      INFO("item " << levels[item_rank] << ", node " << levels[node_rank]);
      for (const char* action : {"receive", "forward", "supply-correction", "deliver", "withdraw"}) {
        CHECK(CheckAuthority(terms, action, levels[node_rank]).ok());
      }
      for (const char* action : {"accept", "approve", "deny", "department-decision", "issue-certificate"}) {
        Status s = CheckAuthority(terms, action, levels[node_rank]);
        if (node_rank >= item_rank) {
          CHECK(s.ok());
        } else {
          CHECK(s.code() == StatusCode::kFailedPrecondition);
        }
      }
    }
  }
}

TEST_CASE("Catalog: a village may not accept a county item, and the message says why", "[catalog]") {
  Status s = CheckAuthority(TermsAt("county"), "accept", "village", "11152222MA0Q7K4C4X4000023700100");
  REQUIRE(s.code() == StatusCode::kFailedPrecondition);
  CHECK(s.message() ==
        "action \"accept\" on item \"个体工商户设立登记\" (11152222MA0Q7K4C4X4000023700100) needs a county node or "
        "above (exercise level county); this is a village node: a village point receives and forwards");
  Status township = CheckAuthority(TermsAt("city"), "approve", "township");
  CHECK_THAT(township.message(), Catch::Contains("(version 1) needs a city node or above"));
  CHECK_THAT(township.message(), Catch::Contains("this is a township node"));

  CHECK(CheckAuthority(TermsAt("township"), "accept", "county").ok());
  CHECK(CheckAuthority(TermsAt("county"), "department-decision", "city").ok());
  CHECK(CheckAuthority(TermsAt("village"), "complete", "village").ok());
}

TEST_CASE("Catalog: an unknown level is an invalid argument naming the value", "[catalog]") {
  Status s = CheckAuthority(TermsAt("county"), "receive", "town");
  CHECK(s.code() == StatusCode::kInvalidArgument);
  CHECK(s.message() == "node level \"town\" is not one of: village, township, county, city");
  Status item = CheckAuthority(TermsAt("banner"), "accept", "city");
  CHECK(item.code() == StatusCode::kInvalidArgument);
  CHECK_THAT(item.message(), Catch::Contains("exercise_level \"banner\""));
}

TEST_CASE("Catalog: missing materials count partial copies and skip optional ones", "[catalog]") {
  const pb::Item item = ParsedGoodItem();  // 申请表 x1, 居民身份证复印件 x2, 代办委托书 x1 optional
  std::vector<MissingMaterial> all = MissingMaterials(item, {});
  REQUIRE(all.size() == 2);
  CHECK(all[0].name == "申请表");
  CHECK(all[0].form == "original");
  CHECK(all[0].count == 1);
  CHECK(all[0].received == 0);
  CHECK(all[1].name == "居民身份证复印件");

  std::vector<MissingMaterial> partial = MissingMaterials(item, {{"申请表", 1}, {"居民身份证复印件", 1}});
  REQUIRE(partial.size() == 1);
  CHECK(partial[0].name == "居民身份证复印件");
  CHECK(partial[0].count == 2);
  CHECK(partial[0].received == 1);

  // Records of one material add up: materials are append-only on a case.
  CHECK(MissingMaterials(item, {{"申请表", 1}, {"居民身份证复印件", 1}, {"居民身份证复印件", 1}}).empty());
  CHECK(MissingMaterials(item, {{"申请表", 3}, {"居民身份证复印件", 5}}).empty());
}

TEST_CASE("Catalog: an item received as an op is refused for a bidirectional override in any text field",
          "[catalog]") {
  const pb::Item item = ParsedGoodItem();
  pb::Item bad = item;
  bad.set_name("\xE2\x80\xAE" "abc");
  CHECK_THAT(ValidateItem(bad).message(), Catch::Contains("name holds U+202E (right-to-left override) at character 1"));
  bad = item;
  bad.mutable_materials(0)->set_name("x\xE2\x81\xA7y");
  CHECK_THAT(ValidateItem(bad).message(), Catch::Contains("materials[0].name holds U+2067"));
  bad = item;
  bad.mutable_fees(0)->set_basis("law\xC2\x9B");
  CHECK_THAT(ValidateItem(bad).message(), Catch::Contains("fees[0].basis holds U+009B (a control character)"));
}

TEST_CASE("Catalog: material names match exactly after trimming spaces", "[catalog]") {
  const pb::Item item = ParsedGoodItem();
  CHECK(MissingMaterials(item, {{"  申请表 ", 1}, {"\t居民身份证复印件　", 2}}).empty());
  // A near name is not the material: no fuzzy matching.
  auto missing = MissingMaterials(item, {{"申请表", 1}, {"居民身份证", 2}, {"身份证复印件", 2}});
  REQUIRE(missing.size() == 1);
  CHECK(missing[0].name == "居民身份证复印件");
  CHECK(missing[0].received == 0);
  // A record that is not in the catalogue is ignored, and the optional material is never owed.
  CHECK(MissingMaterials(item, {{"申请表", 1}, {"居民身份证复印件", 2}, {"结婚证", 1}}).empty());
}

TEST_CASE("Catalog: the one-time notice lists every missing material and the due date", "[catalog]") {
  const pb::Item item = ParsedGoodItem();
  std::vector<MissingMaterial> missing = MissingMaterials(item, {{"居民身份证复印件", 1}});
  REQUIRE(missing.size() == 2);
  // A long name wraps under its number instead of running past 80 columns.
  missing.push_back({"与食品经营相适应的主要设备设施布局、操作流程等文件以及食品安全自查、从业人员健康管理、"
                     "进货查验记录等保证食品安全的规章制度",
                     "original", 1, 0});
  const std::string text =
      OneTimeNoticeText(item, "152222104200-01-20260302-0007", "巴特尔", missing, "2026-03-06");
  INFO(text);
  CHECK_THAT(text, Catch::Contains("一次性告知书"));
  CHECK_THAT(text, Catch::Contains("152222104200-01-20260302-0007"));
  CHECK_THAT(text, Catch::Contains("巴特尔"));
  CHECK_THAT(text, Catch::Contains("个体工商户设立登记"));
  CHECK_THAT(text, Catch::Contains("1. 申请表（原件，需 1 份，尚缺 1 份）"));
  CHECK_THAT(text, Catch::Contains("2. 居民身份证复印件（复印件，需 2 份，已收 1 份，尚缺 1 份）"));
  CHECK_THAT(text, Catch::Contains("2026年3月6日"));
  size_t third = text.find("\n  3. 与食品经营相适应的");
  REQUIRE(third != std::string::npos);
  size_t next_line = text.find('\n', third + 1) + 1;
  CHECK(text.substr(next_line, 5) == "     ");  // the hanging indent of its second line
  CHECK(text[next_line + 5] != ' ');
  CHECK_THAT(text, Catch::Contains("科右中旗市场监督管理局（盖章）"));
  CHECK(text.find("代办委托书") == std::string::npos);  // optional: never owed

  // Every line fits 80 display columns (a CJK character is 2).
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    size_t columns = 0;
    for (size_t i = 0; i < line.size();) {
      unsigned char c = static_cast<unsigned char>(line[i]);
      size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
      columns += len >= 3 ? 2 : 1;
      i += len;
    }
    INFO(line);
    CHECK(columns <= 80);
  }

  const std::string other_date = OneTimeNoticeText(item, "N-1", "张三", missing, "三个工作日内");
  CHECK_THAT(other_date, Catch::Contains("三个工作日内"));
  std::string complete = OneTimeNoticeText(item, "N-1", "张三", {}, "2026-03-06");
  std::erase(complete, '\n');  // the sentence may wrap anywhere
  CHECK_THAT(complete, Catch::Contains("申请材料齐全，无需补正"));
}

TEST_CASE("Catalog: fee totals and yuan formatting", "[catalog]") {
  pb::Item item = ParsedGoodItem();
  CHECK(TotalFeesFen(item) == 1250);
  CHECK(FormatFen(TotalFeesFen(item)) == "12.50");
  item.clear_fees();
  CHECK(TotalFeesFen(item) == 0);
  CHECK(FormatFen(0) == "0.00");
  CHECK(FormatFen(5) == "0.05");
  CHECK(FormatFen(8000) == "80.00");
  CHECK(FormatFen(1000000000) == "10000000.00");
  CHECK(FormatFen(-5) == "-0.05");
  CHECK(FormatFen(-1250) == "-12.50");
  CHECK(FormatFen(std::numeric_limits<int64_t>::min()) == "-92233720368547758.08");
}

}  // namespace
}  // namespace silian::sync
