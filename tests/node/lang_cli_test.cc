// The command line speaks the user's language (console/program.h, i18n/catalogue.h): --lang, SILIAN_LANG and
// the locale choose zh, mn or en for the one-line error; --json keeps the English message beside the key
// and its parameters; an unknown language is refused naming it. Real silian-node processes.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/files.h"
#include "support/ledger.h"
#include "support/process.h"
#include "support/programs.h"

namespace silian::test {
namespace {

// A resident ID number whose check character is wrong: the right one is 'X'.
constexpr const char* kBadId = "152222198803150021";

struct Village {
  TempDir dir;
  LedgerCli node{NodeBin(), dir.File("village.db")};
  Village() { node.Ok({"init", "--node-id", "gacha200", "--level", "village", "--division", kVillage, "--device", "01"}); }

  std::vector<std::string> NewCase(std::vector<std::string> before) const {
    std::vector<std::string> args = std::move(before);
    args.insert(args.end(), {"case", "new", "--item", "ITEM-001", "--applicant-name", "乌云", "--applicant-id", kBadId});
    return args;
  }
  nlohmann::json Cases() const { return node.Json({"case", "list"}); }
};

}  // namespace

TEST_CASE_METHOD(Village, "Languages: --lang zh says a core refusal in Chinese naming the value, stores nothing") {
  ProcessResult r = node.Run(NewCase({"--lang", "zh"}));
  INFO(Describe(r));
  RequireRefused(r, "silian-node", {"身份证号“152222198803150021”的校验码是“1”，应为“X”"});
  CHECK(Cases().empty());
}

TEST_CASE_METHOD(Village, "Languages: SILIAN_LANG=mn says it in Mongolian, and --lang wins over it") {
  ProcessResult mn = node.Run(NewCase({}), {{"SILIAN_LANG", "mn"}});
  INFO(Describe(mn));
  RequireRefused(mn, "silian-node", {"ᠪᠠᠲᠠᠯᠭᠠᠨ ᠤ ᠳᠤᠭᠠᠠᠷ “152222198803150021”", "“X”"});
  ProcessResult en = node.Run(NewCase({"--lang", "en"}), {{"SILIAN_LANG", "mn"}});
  INFO(Describe(en));
  // In English the core's own message, as before the catalogue.
  RequireRefused(en, "silian-node", {"resident ID number \"152222198803150021\" has check character '1', expected 'X'"});
  CHECK(Cases().empty());
}

TEST_CASE_METHOD(Village, "Languages: the locale chooses the language when neither --lang nor SILIAN_LANG is given") {
  ProcessResult r = node.Run(NewCase({}), {{"SILIAN_LANG", ""}, {"LC_ALL", ""}, {"LC_MESSAGES", ""}, {"LANG", "zh_CN.UTF-8"}});
  INFO(Describe(r));
  RequireRefused(r, "silian-node", {"校验码"});
}

TEST_CASE_METHOD(Village, "Languages: an unknown --lang or SILIAN_LANG is refused naming it, before any command runs") {
  ProcessResult flag = node.Run(NewCase({"--lang", "xx"}));
  INFO(Describe(flag));
  RequireRefused(flag, "silian-node", {"\"xx\"", "zh, mn, en"});
  ProcessResult env = node.Run(NewCase({}), {{"SILIAN_LANG", "fr"}});
  INFO(Describe(env));
  RequireRefused(env, "silian-node", {"\"fr\""});
  CHECK(Cases().empty());
}

TEST_CASE_METHOD(Village, "Languages: --json prints the English error with its key and parameters, whatever the language") {
  ProcessResult r = node.Run(NewCase({"--lang", "zh", "--json"}));
  INFO(Describe(r));
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("校验码") != std::string::npos);
  nlohmann::json doc = nlohmann::json::parse(r.out);
  CHECK(doc.at("error").get<std::string>().find("expected 'X'") != std::string::npos);
  CHECK(doc.at("code") == "invalid_argument");
  CHECK(doc.at("key") == "err.resident_id.check");
  CHECK(doc.at("params") == nlohmann::json{{"value", kBadId}, {"found", "1"}, {"expected", "X"}});
  CHECK(Cases().empty());
}

TEST_CASE_METHOD(Village, "Languages: case new says the new case's number and id in the language asked") {
  const std::vector<std::string> good = {"case", "new", "--item", "ITEM-001", "--applicant-name", "乌云",
                                         "--applicant-id", ResidentId(1)};
  auto with = [&](const std::string& lang) {
    std::vector<std::string> args = {"--lang", lang};
    args.insert(args.end(), good.begin(), good.end());
    ProcessResult r = node.Run(args);
    INFO(Describe(r));
    REQUIRE(r.exit_code == 0);
    return r.out;
  };
  const std::string zh = with("zh");
  CHECK_THAT(zh, Catch::StartsWith("办件编号：" + std::string(kVillage)));
  CHECK_THAT(zh, Catch::Contains("\n办件标识：gacha200:"));
  const std::string mn = with("mn");
  CHECK_THAT(mn, Catch::StartsWith("ᠬᠡᠷᠡᠭ ᠦᠨ ᠳᠤᠭᠠᠠᠷ: "));
  // English is what scripts have always read.
  const std::string en = with("en");
  CHECK_THAT(en, Catch::StartsWith("case number: "));
  CHECK_THAT(en, Catch::Contains("\ncase id: gacha200:"));
  CHECK(Cases().size() == 3);
}

TEST_CASE_METHOD(Village, "Languages: a refusal without a key is headed by its kind in the language asked, the English "
                          "message after it") {
  ProcessResult zh = node.Run({"--lang", "zh", "sync", "--interval", "999999"});
  INFO(Describe(zh));
  CHECK(zh.exit_code == 2);
  CHECK_THAT(zh.err, Catch::Contains("填写的内容有误 详情：--interval 999999 must be between 0 and 86400 seconds"));
  ProcessResult en = node.Run({"--lang", "en", "sync", "--interval", "999999"});
  CHECK_THAT(en.err, Catch::Contains("silian-node: --interval 999999 must be between 0 and 86400 seconds"));
}

TEST_CASE_METHOD(Village, "Languages: init says the ledger it created in the language asked, English as before") {
  LedgerCli zh_node{NodeBin(), dir.File("zh.db")};
  ProcessResult zh = zh_node.Run({"--lang", "zh", "init", "--node-id", "gacha202", "--level", "village", "--division",
                                  kVillage, "--device", "03"});
  INFO(Describe(zh));
  REQUIRE(zh.exit_code == 0);
  CHECK_THAT(zh.out, Catch::StartsWith("已为节点 gacha202 建立台账 ") &&
                         Catch::Contains("（嘎查村 " + std::string(kVillage) + "，设备 03，") && Catch::Contains("\n公钥 "));
  // A path longer than a refusal would quote is printed whole, as before.
  const std::string long_db = dir.File(std::string(100, 'l') + ".db");
  LedgerCli en_node{NodeBin(), long_db};
  ProcessResult en = en_node.Run({"--lang", "en", "init", "--node-id", "gacha203", "--level", "village", "--division",
                                  kVillage, "--device", "04"});
  REQUIRE(en.exit_code == 0);
  CHECK_THAT(en.out, Catch::StartsWith("created ledger " + long_db + " for node gacha203 (village " +
                                       std::string(kVillage) + ", device 04, scope "));
}

TEST_CASE_METHOD(Village, "Languages: a bundle's export and import say what they moved in the language asked") {
  node.Ok({"case", "new", "--item", "ITEM-001", "--applicant-name", "乌云", "--applicant-id", ResidentId(1)});
  LedgerCli other{NodeBin(), dir.File("other.db")};
  other.Ok({"init", "--node-id", "gacha201", "--level", "village", "--division", kVillage, "--device", "01"});
  const std::string bundle = dir.File("out.bundle");
  ProcessResult exported = node.Run({"--lang", "zh", "bundle", "export", bundle});
  INFO(Describe(exported));
  REQUIRE(exported.exit_code == 0);
  CHECK_THAT(exported.out, Catch::StartsWith("已导出 ") && Catch::Contains("条操作和 0 条跳过记录到 " + bundle));
  ProcessResult zh = other.Run({"--lang", "zh", "bundle", "import", bundle});
  INFO(Describe(zh));
  REQUIRE(zh.exit_code == 0);
  CHECK_THAT(zh.out, Catch::StartsWith("新增 ") && Catch::Contains("，涉及办件 1 件"));
  // English is what scripts have always read: the same bundle again, all of it known now.
  ProcessResult en = other.Run({"--lang", "en", "bundle", "import", bundle});
  REQUIRE(en.exit_code == 0);
  CHECK_THAT(en.out, Catch::StartsWith("new 0, already known ") && Catch::EndsWith(", cases touched 0\n"));
}

}  // namespace silian::test
