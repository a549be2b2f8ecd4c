// The service-centre workflow run as a user runs it: silian-admin publishing the catalogue and calendars
// into a county hub's ledger, silian-hub answering calendar, report and settings commands, and
// silian-node recording fees, evaluations, rectifications and actions on cases. Real processes, real
// files in a temporary directory; a node learns the catalogue by syncing with a county hub served on a
// loopback port (silian-hub cannot export bundles).
#include <algorithm>
#include <catch2/catch.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "domain/calendar.h"
#include "support/files.h"
#include "support/hub_harness.h"
#include "support/ledger.h"
#include "support/process.h"
#include "support/programs.h"

namespace {

using nlohmann::json;
using namespace silian::test;  // the support library: programs, hubs, files, the tests' divisions

const std::string kCatalog = SourceFile("reference/catalog.json");
const std::string kNational = SourceFile("reference/calendars/national.json");
const std::string kNaadam = SourceFile("reference/calendars/152222-naadam.json");

constexpr size_t kSampleItems = 47;

// Items of reference/catalog.json the tests rely on.
// County, not parallel, two fees: 不动产登记费 80.00 and 证书工本费 10.00 yuan.
const std::string kFeeItem = "11152222MA0Q7K1D6C4060058100100";
constexpr int64_t kFeeItemFen = 9000;
// Village, free, legal limit 5 working days, promised 2: a village node may accept it.
const std::string kVillageItem = "54152222MEA0Q7K6766040172800100";
constexpr int kVillageItemLegalWd = 5;
constexpr int kVillageItemPromisedWd = 2;

bool Contains(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

// A county hub ledger (area 152222) in a temporary directory, with silian-hub and silian-admin on it.
struct County {
  explicit County(const TempDir& dir) : hub(HubBin(), dir.File("county.db")), admin(AdminBin(), hub.db()) {
    hub.Ok({"init", "--node-id", "c", "--level", "county", "--division", kCounty});
  }

  const std::string& db() const { return hub.db(); }
  std::string Digest() const { return hub.Digest(); }

  // Publishes the sample catalogue and the Naadam overlay.
  void Publish() const {
    admin.Ok({"catalog", "import", kCatalog});
    admin.Ok({"calendar", "import", kNaadam});
  }

  LedgerCli hub;
  LedgerCli admin;
};

// A village node ledger driven through silian-node.
class Village : public LedgerCli {
 public:
  Village(const TempDir& dir, std::string name)
      : LedgerCli(NodeBin(), dir.File(name + ".db")), name_(std::move(name)) {}

  void Init() const { Ok({"init", "--node-id", name_, "--level", "village", "--division", kVillage}); }
  const std::string& name() const { return name_; }
  json Show(const std::string& ref) const { return Json({"case", "show", ref}); }

  // Registers a case of `item`; returns its case id.
  std::string NewCase(const std::string& item) const {
    json j = Json({"case", "new", "--item", item, "--applicant-name", "Wang Fang", "--applicant-id",
                   "152222198001010017", "--phone", "13800000000", "--channel", "agent"});
    return j.at("case_id").get<std::string>();
  }
  // Registers a case of `item` and receives it; returns its case id.
  std::string ReceivedCase(const std::string& item) const {
    const std::string id = NewCase(item);
    Ok({"case", "act", id, "receive"});
    return id;
  }

 private:
  std::string name_;
};

// A county hub with the sample catalogue and the Naadam overlay, and a village node that learned them by
// syncing with the hub served on loopback. The hub keeps serving until the object goes away.
struct PublishedWorld {
  TempDir dir;
  County county{dir};
  Village village{dir, "v1"};
  HubProcess served{"county hub", county.db(), dir.File("hub.log")};

  PublishedWorld() {
    county.Publish();
    county.hub.Ok({"node", "add", village.name(), "--level", "village", "--division", kVillage});
    village.Init();
    RegisterKey(county.db(), village.db());
    served.Start();
    CHECK(Contains(served.log(), " serving area 152222 on " + served.url()));
    Sync();
    REQUIRE(village.Json({"catalog", "list"}).at("items").size() == kSampleItems);
  }

  void Sync() const {
    std::string out = village.Ok({"sync", "--hub", served.url()});
    INFO(out);
    CHECK(Contains(out, "synced with county hub c"));
  }
};

// reference/catalog.json, parsed, to derive bad files from.
json SampleCatalog() { return json::parse(ReadFile(kCatalog)); }

}  // namespace

// ---------------------------------------------------------------------------------------------------
// silian-admin catalog import

TEST_CASE("silian-admin catalog import publishes the sample catalogue once and then reports it unchanged",
          "[workflow_cli]") {
  TempDir dir;
  County county(dir);
  std::string empty = county.Digest();
  CHECK(Contains(empty, "ops=1 "));  // the hub's registration of itself as the registry's root

  std::string first = county.admin.Ok({"catalog", "import", kCatalog});
  INFO(first);
  CHECK(Contains(first, "47 items published, 0 unchanged"));
  CHECK(Contains(first, "published " + kFeeItem + " version 1"));
  std::string after_first = county.Digest();
  CHECK(Contains(after_first, "ops=48 "));

  std::string second = county.admin.Ok({"catalog", "import", kCatalog});
  INFO(second);
  CHECK(Contains(second, "0 items published, 47 unchanged"));
  CHECK(county.Digest() == after_first);

  json third = RunJson(AdminBin(), {"--db", county.db(), "--json", "catalog", "import", kCatalog});
  CHECK(third.at("published").empty());
  CHECK(third.at("unchanged").size() == kSampleItems);
  CHECK(county.Digest() == after_first);

  // The hub holds what was published, at version 1.
  json listed = RunJson(HubBin(), {"--db", county.db(), "--json", "catalog", "list"});
  REQUIRE(listed.at("items").size() == kSampleItems);
  for (const auto& item : listed.at("items")) CHECK(item.at("version") == 1);
}

TEST_CASE("silian-admin catalog import --dry-run checks the file and publishes nothing", "[workflow_cli]") {
  TempDir dir;
  County county(dir);
  std::string before = county.Digest();

  std::string out = county.admin.Ok({"catalog", "import", kCatalog, "--dry-run"});
  INFO(out);
  CHECK(Contains(out, "47 items, all valid"));
  CHECK(Contains(out, "--dry-run"));
  CHECK(county.Digest() == before);

  json doc = RunJson(AdminBin(), {"--db", county.db(), "--json", "catalog", "import", kCatalog, "--dry-run"});
  CHECK(doc.at("dry_run") == true);
  CHECK(doc.at("items") == kSampleItems);
  CHECK(county.Digest() == before);

  // What a dry run accepted, a real run publishes in full.
  CHECK(Contains(county.admin.Ok({"catalog", "import", kCatalog}), "47 items published"));
}

TEST_CASE("silian-admin catalog import refuses a bad file with exit 2 naming the file and the fault",
          "[workflow_cli]") {
  TempDir dir;
  County county(dir);
  // Refusals at a hub that already holds the catalogue must not publish anything either.
  SECTION("at an empty hub") {}
  SECTION("at a hub holding the catalogue") { county.admin.Ok({"catalog", "import", kCatalog}); }
  const std::string before = county.Digest();
  json sample = SampleCatalog();
  const std::string code1 = sample["items"][1]["code"];
  const std::string code2 = sample["items"][2]["code"];
  const std::string code3 = sample["items"][3]["code"];
  const std::string code5 = sample["items"][5]["code"];

  struct Bad {
    std::string file;
    std::string text;
    std::vector<std::string> needles;
  };
  std::vector<Bad> bad;
  bad.push_back({"syntax.json", "{\"format\": 1,\n \"items\": [\n  {\"code\": \"X\",\n   \"version\": 3,,\n }]}\n",
                 {"syntax.json:4: JSON syntax error"}});
  {
    json doc = sample;
    doc["items"][3]["legal_limit"]["unit"] = "weeks";
    bad.push_back({"unit.json", doc.dump(1),
                   {"unit.json: items[3] (\"" + code3 + "\") legal_limit.unit \"weeks\" is not one of: working_days, "
                    "natural_days, hours"}});
  }
  {
    json doc = sample;
    doc["items"][2]["colour"] = "red";
    bad.push_back({"key.json", doc.dump(1), {"key.json: items[2] (\"" + code2 + "\")", "unknown key \"colour\""}});
  }
  {
    json doc = sample;
    doc["items"][5]["promised_limit"] = {{"value", 99}, {"unit", "working_days"}};
    bad.push_back({"promised.json", doc.dump(1),
                   {"promised.json: items[5] (\"" + code5 + "\")", "promised_limit", "99", "legal_limit"}});
  }
  {
    json doc = sample;
    doc["items"][7]["code"] = code1;
    bad.push_back({"dup.json", doc.dump(1), {"dup.json: items[7]", "\"" + code1 + "\"", "items[1]"}});
  }
  {
    json doc = sample;
    doc["items"][0]["version"] = 2.0;  // dumped as 2.0: not an integer
    bad.push_back({"float.json", doc.dump(1), {"float.json: items[0]", "version 2.0"}});
  }
  bad.push_back({"repeat.json", "{\"format\": 1, \"format\": 1, \"items\": []}", {"repeat.json", "\"format\" appears twice"}});

  for (const auto& b : bad) {
    WriteFile(dir.File(b.file), b.text);
    INFO(b.file);
    RequireRefused(county.admin.Run({"catalog", "import", dir.File(b.file)}), "silian-admin", b.needles);
    RequireRefused(county.admin.Run({"catalog", "import", dir.File(b.file), "--dry-run"}), "silian-admin", b.needles);
    CHECK(county.Digest() == before);
  }

  RequireRefused(county.admin.Run({"catalog", "import", dir.File("no-such-catalog.json")}), "silian-admin",
                 {dir.File("no-such-catalog.json")});
  CHECK(county.Digest() == before);
}

TEST_CASE("silian-admin refuses to publish into a village ledger", "[workflow_cli]") {
  TempDir dir;
  Village village(dir, "v1");
  village.Init();
  const std::string before = village.Digest();
  const std::string db = dir.File("v1.db");
  RequireRefused(RunProgram(AdminBin(), {"--db", db, "catalog", "import", kCatalog}), "silian-admin",
                 {"county or city hub"});
  RequireRefused(RunProgram(AdminBin(), {"--db", db, "calendar", "import", kNaadam}), "silian-admin",
                 {"county or city hub"});
  CHECK(village.Digest() == before);
  CHECK(village.Json({"catalog", "list"}).at("items").empty());
}

// ---------------------------------------------------------------------------------------------------
// silian-admin calendar import

TEST_CASE("silian-admin calendar import publishes the Naadam overlay once and national.json is unchanged",
          "[workflow_cli]") {
  TempDir dir;
  County county(dir);
  const std::string empty = county.Digest();

  std::string first = county.admin.Ok({"calendar", "import", kNaadam});
  INFO(first);
  CHECK(Contains(first, "published calendar naadam for area 152222"));
  const std::string published = county.Digest();
  CHECK(published != empty);
  CHECK(Contains(published, "ops=2 "));  // the root registration and the calendar

  std::string again = county.admin.Ok({"calendar", "import", kNaadam});
  INFO(again);
  CHECK(Contains(again, "naadam"));
  CHECK(Contains(again, "unchanged"));
  CHECK(county.Digest() == published);

  // national.json equals the built-in national calendar: nothing to publish.
  std::string national = county.admin.Ok({"calendar", "import", kNational});
  INFO(national);
  CHECK(Contains(national, "national"));
  CHECK(Contains(national, "unchanged"));
  CHECK(county.Digest() == published);

  json doc = RunJson(AdminBin(), {"--db", county.db(), "--json", "calendar", "import", kNational});
  CHECK(doc.at("calendar") == "national");
  CHECK(doc.at("published") == false);
  CHECK(county.Digest() == published);
}

TEST_CASE("silian-admin calendar import refuses a bad date or an unknown key naming the field and value",
          "[workflow_cli]") {
  TempDir dir;
  County county(dir);
  const std::string before = county.Digest();

  WriteFile(dir.File("bad-date.json"),
            R"({"name": "naadam", "version": 3, "years": [2026],
 "days": [{"date": "2026-07-13", "working": false, "reason": "Naadam"},
          {"date": "2026-02-30", "working": false, "reason": "Naadam"}]})");
  RequireRefused(county.admin.Run({"calendar", "import", dir.File("bad-date.json")}), "silian-admin",
                 {"bad-date.json: days[1].date \"2026-02-30\" is not a real date"});

  WriteFile(dir.File("top-key.json"),
            R"({"name": "naadam", "version": 3, "years": [2026], "colour": "red", "days": []})");
  RequireRefused(county.admin.Run({"calendar", "import", dir.File("top-key.json")}), "silian-admin",
                 {"top-key.json", "unknown key \"colour\""});

  WriteFile(dir.File("entry-key.json"), R"({"name": "naadam", "version": 3, "years": [2026],
 "days": [{"date": "2026-07-13", "working": false, "reason": "Naadam", "holiday": true}]})");
  RequireRefused(county.admin.Run({"calendar", "import", dir.File("entry-key.json")}), "silian-admin",
                 {"entry-key.json: days[0]", "unknown key \"holiday\""});

  CHECK(county.Digest() == before);
}

// ---------------------------------------------------------------------------------------------------
// calendar check

TEST_CASE("silian-hub calendar check explains make-up days, holidays, the Naadam overlay and provisional years",
          "[workflow_cli]") {
  TempDir dir;
  County county(dir);
  county.admin.Ok({"calendar", "import", kNaadam});

  std::string makeup = county.hub.Ok({"calendar", "check", "2026-10-10"});
  INFO(makeup);
  CHECK(Contains(makeup, "2026-10-10 is a working day"));
  CHECK(Contains(makeup, "make-up working day for National Day"));

  std::string national_day = county.hub.Ok({"calendar", "check", "2026-10-01"});
  INFO(national_day);
  CHECK(Contains(national_day, "2026-10-01 is a rest day"));
  CHECK(Contains(national_day, "National Day"));

  std::string naadam = county.hub.Ok({"calendar", "check", "2026-07-14", "--division", kVillage});
  INFO(naadam);
  CHECK(Contains(naadam, "2026-07-14 is a rest day in " + std::string(kVillage)));
  CHECK(Contains(naadam, "Naadam"));
  CHECK(Contains(naadam, "152222/naadam v2"));

  // The overlay belongs to 152222 only: the neighbouring banner works on that Tuesday.
  std::string neighbour = county.hub.Ok({"calendar", "check", "2026-07-14", "--division", "152221104200"});
  INFO(neighbour);
  CHECK(Contains(neighbour, "2026-07-14 is a working day in 152221104200"));
  CHECK(!Contains(neighbour, "Naadam"));

  std::string next_year = county.hub.Ok({"calendar", "check", "2027-03-03"});
  INFO(next_year);
  CHECK(Contains(next_year, "provisional"));

  json j =
      RunJson(HubBin(), {"--db", county.db(), "--json", "calendar", "check", "2026-07-14", "--division", kVillage});
  CHECK(j.at("date") == "2026-07-14");
  CHECK(j.at("division") == kVillage);
  CHECK(j.at("working") == false);
  CHECK(j.at("provisional") == false);
  CHECK(j.at("source") == "152222/naadam v2");
  CHECK(j.at("calendar") == "national v1 + 152222/naadam v2");
  CHECK(Contains(j.at("why").get<std::string>(), "Naadam"));

  json makeup_json = RunJson(HubBin(), {"--db", county.db(), "--json", "calendar", "check", "2026-10-10"});
  CHECK(makeup_json.at("working") == true);
  CHECK(makeup_json.at("source") == "national v1");

  json provisional = RunJson(HubBin(), {"--db", county.db(), "--json", "calendar", "check", "2027-03-03"});
  CHECK(provisional.at("provisional") == true);
  CHECK(provisional.at("working") == true);  // a Wednesday, by the weekday rule

  RequireRefused(county.hub.Run({"calendar", "check", "2026-02-30"}), "silian-hub", {"\"2026-02-30\""});
}

TEST_CASE("silian-node calendar check on a node that never synced uses the built-in national calendar",
          "[workflow_cli]") {
  TempDir dir;
  Village village(dir, "v1");
  village.Init();
  std::string out = village.Ok({"calendar", "check", "2026-10-10"});
  INFO(out);
  CHECK(Contains(out, "2026-10-10 is a working day"));
  CHECK(Contains(out, "make-up working day for National Day"));

  json j = village.Json({"calendar", "check", "2026-10-10"});
  CHECK(j.at("working") == true);
  CHECK(j.at("calendar") == "national v1");
  CHECK(j.at("division") == kVillage);

  // Without the overlay, Naadam is an ordinary Tuesday.
  CHECK(village.Json({"calendar", "check", "2026-07-14"}).at("working") == true);
}

// ---------------------------------------------------------------------------------------------------
// silian-node workflow commands

TEST_CASE_METHOD(PublishedWorld,
                 "silian-node workflow commands refuse bad input with exit 2 and leave the ledger unchanged",
                 "[workflow_cli]") {
  // A county item with fees, received and paid in full at the village point.
  const std::string fee_case = village.ReceivedCase(kFeeItem);
  village.Ok({"case", "fee", fee_case, "charge"});
  village.Ok({"case", "fee", fee_case, "payment", "--bank-receipt", "B-0001"});
  // A village item accepted at the village point.
  const std::string accepted = village.ReceivedCase(kVillageItem);
  village.Ok({"case", "act", accepted, "accept"});
  const std::string before = village.Digest();

  struct Bad {
    std::vector<std::string> args;
    std::vector<std::string> needles;
  };
  const std::vector<Bad> bad = {
      {{"case", "fee", fee_case, "payment", "--amount", "12.345", "--bank-receipt", "B-0002"}, {"\"12.345\""}},
      {{"case", "fee", fee_case, "payment", "--amount", "-5", "--bank-receipt", "B-0002"}, {"\"-5\""}},
      {{"case", "fee", fee_case, "payment", "--amount", "5"}, {"--bank-receipt"}},
      {{"case", "fee", fee_case, "refund", "--amount", "90.01", "--reason", "overcharged"}, {"90.01", "90.00"}},
      {{"case", "fee", fee_case, "bogus", "--amount", "5"}, {"\"bogus\"", "charge, payment, refund"}},
      {{"case", "evaluate", fee_case, "excellent", "--channel", "sms", "--node", "x"},
       {"\"excellent\"", "very_satisfied, satisfied, basically_satisfied, dissatisfied, very_dissatisfied"}},
      {{"case", "evaluate", fee_case, "satisfied", "--channel", "sms", "--node", "x", "--staff", "y"},
       {"--staff", "--node"}},
      {{"case", "rectify", fee_case, "not-an-op", "close"}, {"\"not-an-op\""}},
      {{"case", "act", accepted, "extend"}, {"\"days\""}},
      {{"case", "act", accepted, "extend", "--detail", "days=99"}, {"\"99\""}},
      {{"case", "act", accepted, "extend", "--detail", "bogus=1"}, {"\"bogus\""}},
      {{"case", "decide", accepted, "科右中旗公安局", "approve"}, {"not a parallel item"}},
      {{"catalog", "show", "NOPE"}, {"\"NOPE\""}},
  };
  for (const auto& b : bad) {
    std::string command;
    for (const auto& a : b.args) command += a + " ";
    INFO("silian-node " << command);
    RequireRefused(village.Run(b.args), "silian-node", b.needles);
    CHECK(village.Digest() == before);
  }
}

TEST_CASE_METHOD(PublishedWorld,
                 "silian-node fee charge without --amount takes the catalogue's fees and payment pays what is owed",
                 "[workflow_cli]") {
  const std::string id = village.ReceivedCase(kFeeItem);

  std::string charged = village.Ok({"case", "fee", id, "charge"});
  INFO(charged);
  CHECK(Contains(charged, "charge 90.00 yuan"));
  json fees = village.Show(id).at("fees");
  CHECK(fees.at("charged_fen") == kFeeItemFen);
  CHECK(fees.at("paid_fen") == 0);

  std::string paid = village.Ok({"case", "fee", id, "payment", "--bank-receipt", "B-0001"});
  INFO(paid);
  CHECK(Contains(paid, "payment 90.00 yuan"));
  fees = village.Show(id).at("fees");
  CHECK(fees.at("charged_fen") == kFeeItemFen);
  CHECK(fees.at("paid_fen") == kFeeItemFen);
  CHECK(fees.at("refunded_fen") == 0);
  REQUIRE(fees.at("entries").size() == 2);
  CHECK(fees["entries"][0].at("kind") == "charge");
  CHECK(fees["entries"][0].at("amount_fen") == kFeeItemFen);
  CHECK(fees["entries"][1].at("kind") == "payment");
  CHECK(fees["entries"][1].at("bank_receipt") == "B-0001");

  // A refund of part of it is recorded; more than what is left is refused.
  village.Ok({"case", "fee", id, "refund", "--amount", "10", "--reason", "no certificate needed"});
  CHECK(village.Show(id).at("fees").at("refunded_fen") == 1000);
  const std::string before = village.Digest();
  RequireRefused(village.Run({"case", "fee", id, "refund", "--amount", "80.01", "--reason", "again"}), "silian-node",
                 {"80.01", "80.00"});
  CHECK(village.Digest() == before);

  // A free item has no fees to take.
  const std::string free_case = village.NewCase(kVillageItem);
  const std::string free_before = village.Digest();
  RequireRefused(village.Run({"case", "fee", free_case, "charge"}), "silian-node", {"free of charge"});
  CHECK(village.Digest() == free_before);
}

TEST_CASE_METHOD(PublishedWorld,
                 "silian-node case show --json shows the fees and the legal and promised clocks of an accepted case",
                 "[workflow_cli]") {
  const std::string id = village.ReceivedCase(kVillageItem);
  json before_acceptance = village.Show(id).at("clocks");
  CHECK(before_acceptance.at("started") == false);
  CHECK(before_acceptance.at("stage") == "before_acceptance");

  village.Ok({"case", "act", id, "accept"});
  village.Ok({"case", "fee", id, "charge", "--amount", "12.50", "--name", "copying"});
  village.Ok({"case", "fee", id, "payment", "--bank-receipt", "B-0007"});

  json shown = village.Show(id);
  INFO(shown.dump(1));
  CHECK(shown.at("status") == "accepted");
  json fees = shown.at("fees");
  CHECK(fees.at("charged_fen") == 1250);
  CHECK(fees.at("paid_fen") == 1250);

  json clocks = shown.at("clocks");
  CHECK(clocks.at("started") == true);
  CHECK(clocks.at("stage") == "running");
  CHECK(clocks.at("calendar") == "national v1 + 152222/naadam v2");
  // The clocks start on the day of acceptance; due = that day + the limit in working days of the village's
  // calendar (the national base with the Naadam overlay).
  auto start = silian::sync::ParseDate(clocks.at("start").get<std::string>());
  REQUIRE(start.ok());
  auto naadam = silian::sync::ParseCalendarJson(ReadFile(kNaadam), "152222-naadam.json");
  REQUIRE(naadam.ok());
  auto calendar = silian::sync::WorkingCalendar::Build({{"152222", *naadam}}, kVillage);
  const json& legal = clocks.at("legal");
  const json& promised = clocks.at("promised");
  CHECK(legal.at("due") == silian::sync::FormatDate(calendar.AddWorkingDays(*start, kVillageItemLegalWd)));
  CHECK(promised.at("due") == silian::sync::FormatDate(calendar.AddWorkingDays(*start, kVillageItemPromisedWd)));
  CHECK(legal.at("remaining_wd") == kVillageItemLegalWd);
  CHECK(promised.at("remaining_wd") == kVillageItemPromisedWd);
  CHECK(legal.at("used_wd") == 0);
  CHECK(legal.at("state") == "normal");
  CHECK(promised.at("provisional") == false);
}

// ---------------------------------------------------------------------------------------------------
// silian-hub report, supervise, config, notices

TEST_CASE_METHOD(PublishedWorld,
                 "silian-hub report --format csv prints a header row and a total row counting synced cases",
                 "[workflow_cli]") {
  const std::string id = village.ReceivedCase(kFeeItem);
  village.Ok({"case", "fee", id, "charge"});
  Sync();

  // The case's receipt falls on today (China Standard Time): report on the year it falls in.
  const std::string received_day =
      silian::sync::FormatDate(silian::sync::DateOfUnixMs(
          village.Show(id).at("timeline").at("received").get<uint64_t>()));
  const std::string year = received_day.substr(0, 4);
  std::string csv = county.hub.Ok({"report", "--from", year + "-01-01", "--to", year + "-12-31", "--format", "csv"});
  INFO(csv);
  std::vector<std::string> lines;
  for (size_t start = 0, end; (end = csv.find('\n', start)) != std::string::npos; start = end + 1) {
    std::string line = csv.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();  // RFC 4180 rows end in CRLF
    lines.push_back(line);
  }
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].rfind("group,received,accepted,", 0) == 0);
  CHECK(Contains(lines[0], "fees_charged_yuan"));
  CHECK(lines[1].rfind("total,1,0,", 0) == 0);
  CHECK(Contains(lines[1], ",90.00,"));
  CHECK(std::count(lines[0].begin(), lines[0].end(), ',') == std::count(lines[1].begin(), lines[1].end(), ','));

  // Another year has nothing in it.
  const std::string other = std::to_string(std::stoi(year) - 1);
  std::string empty =
      county.hub.Ok({"report", "--from", other + "-01-01", "--to", other + "-12-31", "--format", "csv"});
  CHECK(Contains(empty, "total,0,0,"));
}

TEST_CASE("silian-hub report, supervise, config and notices refuse bad arguments with exit 2", "[workflow_cli]") {
  TempDir dir;
  County county(dir);
  county.Publish();
  const std::string before = county.Digest();
  const std::string settings = county.hub.Ok({"config", "show"});

  RequireRefused(county.hub.Run({"report", "--from", "2026-01-01", "--to", "2026-12-31", "--format", "xml"}),
                 "silian-hub", {"\"xml\""});
  RequireRefused(county.hub.Run({"report", "--from", "2026-13-01", "--to", "2026-12-31"}), "silian-hub",
                 {"\"2026-13-01\""});
  RequireRefused(county.hub.Run({"report", "--from", "2026-01-01", "--to", "2026-12-31", "--by", "color"}),
                 "silian-hub", {"\"color\""});
  RequireRefused(county.hub.Run({"config", "set", "notify", "maybe"}), "silian-hub", {"\"maybe\""});
  RequireRefused(county.hub.Run({"config", "set", "notify-url", "ftp://x"}), "silian-hub", {"\"ftp://x\""});
  RequireRefused(county.hub.Run({"notices", "list", "--state", "bogus"}), "silian-hub", {"\"bogus\""});
  CHECK(county.hub.Ok({"config", "show"}) == settings);
  CHECK(county.Digest() == before);

  // Supervision of a hub without cases: an empty JSON array.
  json problems = RunJson(HubBin(), {"--db", county.db(), "supervise", "--json"});
  CHECK(problems.is_array());
  CHECK(problems.empty());
}
