// Output people read (issue 11, item 9), through the real programs: a county hub with the sample
// catalogue works cases with the shared case commands (silian-hub case ...), and a village node that
// synced the catalogue shows its own. Times in China Standard Time, money in yuan, item names, CSV for
// Excel, supervision with the division and the responsible organ, hints that name real commands.
#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/files.h"
#include "support/hub_harness.h"
#include "support/ledger.h"
#include "support/process.h"
#include "support/programs.h"

namespace {

using nlohmann::json;
using namespace silian::test;

const std::string kCatalog = SourceFile("reference/catalog.json");
// County, two fees (90.00 yuan), lead department 科右中旗自然资源局.
const std::string kFeeItem = "11152222MA0Q7K1D6C4060058100100";
// County, parallel: lead 科右中旗市场监督管理局 and three departments.
const std::string kParallelItem = "11152222MA0Q7K4C7F4000047000100";
// Village, free: a village node may accept and decide it.
const std::string kVillageItem = "54152222MEA0Q7K6766040172800100";

bool Contains(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

// A county hub ledger with the sample catalogue; its own clerks work cases in a village's division.
struct CountyDesk {
  TempDir dir;
  LedgerCli hub{HubBin(), dir.File("county.db")};

  CountyDesk() {
    hub.Ok({"init", "--node-id", "c", "--level", "county", "--division", kCounty});
    LedgerCli(AdminBin(), hub.db()).Ok({"catalog", "import", kCatalog});
  }

  // A received case of `item` with `extra` options of `case new`; returns its case id.
  std::string Received(const std::string& item, std::vector<std::string> extra = {}) const {
    std::vector<std::string> args = {"case", "new", "--item", item, "--applicant-name", "乌云", "--applicant-id",
                                     "15222219880315002X", "--phone", "13800000000", "--division", kVillage};
    args.insert(args.end(), extra.begin(), extra.end());
    std::string id = hub.Json(args).at("case_id").get<std::string>();
    hub.Ok({"case", "act", id, "receive"});
    return id;
  }

  // A case of the fee item taken through acceptance, a site inspection, an extension, fees, approval,
  // certificate and delivery at the window.
  std::string Finished() const {
    std::string id = Received(kFeeItem);
    for (std::vector<std::string> step : std::vector<std::vector<std::string>>{
             {"case", "material", id, "不动产权籍调查表"},
             {"case", "act", id, "accept"},
             {"case", "act", id, "start-review"},
             {"case", "act", id, "suspend", "--reason", "现场核查", "--detail", "procedure=site_inspection"},
             {"case", "act", id, "resume"},
             {"case", "act", id, "extend", "--reason", "需补充调查", "--detail", "days=5"},
             {"case", "fee", id, "charge"},
             {"case", "fee", id, "payment", "--bank-receipt", "B123"},
             {"case", "act", id, "approve"},
             {"case", "act", id, "complete"},
             {"case", "act", id, "issue-certificate", "--detail", "certificate_name=不动产权证书", "--detail",
              "certificate_number=蒙2026-0001"},
             {"case", "act", id, "deliver", "--detail", "method=window"}})
      hub.Ok(step);
    return id;
  }
};

}  // namespace

TEST_CASE("silian-hub case show prints China Standard Time, yuan, the special procedure and the extension",
          "[output_cli]") {
  CountyDesk desk;
  std::string id = desk.Finished();
  std::string text = desk.hub.Ok({"case", "show", id});
  INFO(text);
  CHECK(Contains(text, " +08:00\n"));
  CHECK_FALSE(Contains(text, "Z  "));  // no UTC stamp in a column
  CHECK(Contains(text, "fees (yuan)"));
  CHECK(Contains(text, "charged   90.00"));
  CHECK(Contains(text, "suspended  site_inspection"));
  CHECK(Contains(text, "extended   +5 days"));
  CHECK(Contains(text, "stage     stopped"));
  CHECK(Contains(text, "working days ahead"));
  CHECK_FALSE(Contains(text, "working days left"));
  // The delivery time is a date and time, not milliseconds.
  json view = desk.hub.Json({"case", "show", id});
  std::string delivery_ms = std::to_string(view.at("delivery").at("time").get<uint64_t>());
  CHECK_FALSE(Contains(text, delivery_ms));
  // JSON keeps UTC, the offset stated by the "Z".
  CHECK(view.at("last_update").get<std::string>().back() == 'Z');
}

TEST_CASE("silian-hub case list names the item of each case", "[output_cli]") {
  CountyDesk desk;
  desk.Received(kFeeItem);
  std::string text = desk.hub.Ok({"case", "list"});
  INFO(text);
  CHECK(Contains(text, "不动产抵押权首次登记"));
  CHECK_FALSE(Contains(text, kFeeItem));
  CHECK(Contains(text, "UPDATED (+08:00)"));
}

TEST_CASE("silian-hub report --excel writes CSV that starts with a byte-order mark, and is refused without csv",
          "[output_cli]") {
  CountyDesk desk;
  desk.Finished();
  std::string csv = desk.hub.Ok({"report", "--from", "2020-01-01", "--to", "2040-12-31", "--format", "csv", "--excel"});
  CHECK(csv.rfind("\xEF\xBB\xBFgroup,", 0) == 0);
  std::string plain = desk.hub.Ok({"report", "--from", "2020-01-01", "--to", "2040-12-31", "--format", "csv"});
  CHECK(plain.rfind("group,", 0) == 0);
  CHECK(csv.substr(3) == plain);
  RequireRefused(desk.hub.Run({"report", "--from", "2020-01-01", "--to", "2040-12-31", "--excel"}), "silian-hub",
                 {"--excel needs --format csv", "\"text\""});
}

TEST_CASE("silian-hub supervise prints the division and the responsible organ of each overdue case", "[output_cli]") {
  CountyDesk desk;
  std::string id = desk.Received(kFeeItem);
  desk.hub.Ok({"case", "act", id, "accept"});
  std::string text = desk.hub.Ok({"supervise", "--today", "2040-06-01"});
  INFO(text);
  CHECK(Contains(text, "DIVISION"));
  CHECK(Contains(text, "RESPONSIBLE ORGAN"));
  CHECK(Contains(text, std::string("overdue  legal")));
  CHECK(Contains(text, kVillage));
  CHECK(Contains(text, "  c  "));  // the county node accepted it
}

TEST_CASE("the hint for a parallel item's decision names a command that works as written", "[output_cli]") {
  CountyDesk desk;
  std::string id = desk.Received(kParallelItem);
  desk.hub.Ok({"case", "act", id, "accept"});
  ProcessResult r = desk.hub.Run({"case", "act", id, "approve"});
  INFO(Describe(r));
  CHECK(r.exit_code != 0);
  CHECK(Contains(r.err, "`case decide REF DEPARTMENT approve|deny`"));
  // As the hint says: REF, the department, the decision.
  desk.hub.Ok({"case", "decide", id, "科右中旗市场监督管理局", "approve"});
}

TEST_CASE("silian-node case show on a village node prints China Standard Time", "[output_cli]") {
  TempDir dir;
  LedgerCli county(HubBin(), dir.File("county.db"));
  county.Ok({"init", "--node-id", "c", "--level", "county", "--division", kCounty});
  LedgerCli(AdminBin(), county.db()).Ok({"catalog", "import", kCatalog});
  LedgerCli village(NodeBin(), dir.File("v1.db"));
  county.Ok({"node", "add", "v1", "--level", "village", "--division", kVillage});
  village.Ok({"init", "--node-id", "v1", "--level", "village", "--division", kVillage});
  RegisterKey(county.db(), village.db());
  HubProcess served{"county hub", county.db(), dir.File("hub.log")};
  served.Start();
  village.Ok({"sync", "--hub", served.url()});
  std::string id = village.Json({"case", "new", "--item", kVillageItem, "--applicant-name", "乌云", "--applicant-id",
                                 "15222219880315002X"}).at("case_id").get<std::string>();
  village.Ok({"case", "act", id, "receive"});
  village.Ok({"case", "act", id, "accept"});
  std::string text = village.Ok({"case", "show", id});
  INFO(text);
  CHECK(Contains(text, " +08:00"));
  CHECK(Contains(text, "working days left"));
  std::string list = village.Ok({"case", "list"});
  CHECK_FALSE(Contains(list, kVillageItem));
  // The receipt voucher printed at the village point names the organ and the case number.
  std::string number = village.Json({"case", "show", id}).at("case_number").get<std::string>();
  std::string receipt = village.Ok({"case", "print", id, "--doc", "receipt"});
  INFO(receipt);
  CHECK(Contains(receipt, "<h1>收件回执</h1>"));
  CHECK(Contains(receipt, "办件编号：" + number));
}

TEST_CASE("silian-hub case print writes each document as HTML with the organ and the case number",
          "[output_cli]") {
  CountyDesk desk;
  std::string id = desk.Finished();
  std::string number = desk.hub.Json({"case", "show", id}).at("case_number").get<std::string>();
  for (const auto& [doc, title] : std::vector<std::pair<std::string, std::string>>{
           {"receipt", "收件回执"}, {"acceptance", "受理通知书"}, {"one-time-notice", "一次性告知书"},
           {"decision", "准予许可决定书"}}) {
    std::string html = desk.hub.Ok({"case", "print", id, "--doc", doc});
    INFO(doc << ":\n" << html);
    CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
    CHECK(Contains(html, "<h1>" + title + "</h1>"));
    CHECK(Contains(html, "科右中旗自然资源局"));
    CHECK(Contains(html, "办件编号：" + number));
    CHECK(Contains(html, "size: A4"));
  }
  CHECK(Contains(desk.hub.Ok({"case", "print", id, "--doc", "decision"}), "不动产权证书 蒙2026-0001"));
  // --out writes the file and says so.
  std::string out = desk.dir.File("receipt.html");
  CHECK(Contains(desk.hub.Ok({"case", "print", id, "--doc", "receipt", "--out", out}), "wrote receipt to " + out));
  CHECK(Contains(ReadFile(out), "办件编号：" + number));
}

TEST_CASE("silian-hub case print of a Mongolian-speaking applicant's case is vertical Mongolian", "[output_cli]") {
  CountyDesk desk;
  std::string id = desk.Received(kFeeItem, {"--lang", "mn"});
  CHECK(desk.hub.Json({"case", "show", id}).at("language") == "mn");
  std::string html = desk.hub.Ok({"case", "print", id, "--doc", "receipt"});
  INFO(html);
  CHECK(Contains(html, "writing-mode: vertical-lr"));
  CHECK(Contains(html, "Noto Sans Mongolian"));
  CHECK(Contains(html, "\xE1\xA0"));
  CHECK_FALSE(Contains(html, "收件回执"));
  // --lang overrides: the Chinese copy for the file.
  CHECK(Contains(desk.hub.Ok({"case", "print", id, "--doc", "receipt", "--lang", "zh"}), "收件回执"));
}

TEST_CASE("silian-hub case print and case new refuse what they do not know, naming the value", "[output_cli]") {
  CountyDesk desk;
  std::string id = desk.Received(kFeeItem);
  RequireRefused(desk.hub.Run({"case", "print", id, "--doc", "invoice"}), "silian-hub",
                 {"document \"invoice\" is not one of: receipt, acceptance, not-accepted, one-time-notice, decision"});
  RequireRefused(desk.hub.Run({"case", "print", id, "--doc", "receipt", "--lang", "en"}), "silian-hub",
                 {"language \"en\" is not one of: zh, mn"});
  std::string digest = desk.hub.Digest();
  RequireRefused(desk.hub.Run({"case", "new", "--item", kFeeItem, "--applicant-name", "乌云", "--applicant-id",
                               "15222219880315002X", "--division", kVillage, "--lang", "en"}),
                 "silian-hub", {"language \"en\""});
  CHECK(desk.hub.Digest() == digest);  // a refusal stores nothing
  ProcessResult early = desk.hub.Run({"case", "print", id, "--doc", "acceptance"});
  INFO(Describe(early));
  CHECK(early.exit_code != 0);
  CHECK(early.out.empty());
  CHECK(Contains(early.err, "(status received) has no acceptance document: it was never accepted"));
}

TEST_CASE("silian-hub makes a notice at every stage in the applicant's language, listed by notices list",
          "[output_cli]") {
  CountyDesk desk;
  desk.hub.Ok({"config", "set", "notify", "on"});
  std::string mn = desk.Received(kFeeItem, {"--lang", "mn"});
  desk.hub.Ok({"case", "act", mn, "accept"});
  desk.hub.Ok({"case", "act", mn, "start-review"});
  desk.hub.Ok({"case", "act", mn, "suspend", "--reason", "实地查看", "--detail", "procedure=site_inspection"});
  std::string zh = desk.Received(kFeeItem);
  desk.hub.Ok({"case", "act", zh, "withdraw", "--reason", "不办了"});
  json notices = desk.hub.Json({"notices", "list"});
  INFO(notices.dump(2));
  std::map<std::string, std::vector<std::string>> kinds_by_case;
  for (const auto& n : notices) {
    const std::string id = n.at("case_id"), text = n.at("text");
    kinds_by_case[id].push_back(n.at("kind"));
    CHECK(Contains(text, "不动产抵押权首次登记"));
    CHECK(Contains(text, "\xE1\xA0") == (id == mn));  // Mongolian script for the Mongolian speaker only
  }
  std::sort(kinds_by_case[mn].begin(), kinds_by_case[mn].end());
  CHECK(kinds_by_case[mn] == std::vector<std::string>{"accepted", "received", "suspended"});
  std::sort(kinds_by_case[zh].begin(), kinds_by_case[zh].end());
  CHECK(kinds_by_case[zh] == std::vector<std::string>{"received", "withdrawn"});
  std::string text = desk.hub.Ok({"notices", "list"});
  CHECK(Contains(text, "SENT (+08:00)"));
}
