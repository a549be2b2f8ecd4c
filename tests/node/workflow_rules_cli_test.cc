// The workflow's second pass (issue 11) through the real programs: silian-node refusing a second or too
// long extension and recording a lawful one, review steps in order, a refused self-evaluation, and a
// correction past its deadline listed by silian-hub supervise. Every refusal exits non-zero, names the rule
// and stores nothing.
#include <chrono>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "domain/calendar.h"
#include "support/files.h"
#include "support/hub_harness.h"
#include "support/ledger.h"
#include "support/process.h"
#include "support/programs.h"

namespace {

using nlohmann::json;
using namespace silian::test;

const std::string kCatalog = SourceFile("reference/catalog.json");
// Village, free, legal limit 5 working days, one review step ("review"): a village node may accept it.
const std::string kVillageItem = "54152222MEA0Q7K6766040172800100";

bool Contains(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

silian::sync::Date Today() {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::system_clock::now().time_since_epoch()).count();
  return silian::sync::DateOfUnixMs(static_cast<uint64_t>(ms));
}

std::string Day(int from_today) { return silian::sync::FormatDate(silian::sync::Date{Today().days + from_today}); }

// A county hub with the sample catalogue, and a village node that learned it by syncing.
struct World {
  TempDir dir;
  LedgerCli hub{HubBin(), dir.File("county.db")};
  LedgerCli village{NodeBin(), dir.File("v1.db")};
  std::unique_ptr<HubProcess> served;

  World() {
    hub.Ok({"init", "--node-id", "c", "--level", "county", "--division", kCounty});
    LedgerCli(AdminBin(), hub.db()).Ok({"catalog", "import", kCatalog});
    hub.Ok({"node", "add", "v1", "--level", "village", "--division", kVillage});
    village.Ok({"init", "--node-id", "v1", "--level", "village", "--division", kVillage});
    RegisterKey(hub.db(), village.db());
    served = std::make_unique<HubProcess>("county hub", hub.db(), dir.File("hub.log"));
    served->Start();
    Sync();
  }

  void Sync() const { village.Ok({"sync", "--hub", served->url()}); }

  std::string Received() const {
    json j = village.Json({"case", "new", "--item", kVillageItem, "--applicant-name", "Wang Fang", "--applicant-id",
                           "152222198001010017", "--channel", "agent", "--actor", "agent-1"});
    const std::string id = j.at("case_id").get<std::string>();
    village.Ok({"case", "act", id, "receive", "--actor", "agent-1"});
    return id;
  }

  // Runs a command that must be refused with exit `code` (2: bad input or a rule broken) and a message containing `rule`; the ledger's
  // digest is unchanged.
  void Refused(const std::vector<std::string>& args, int code, const std::string& rule) const {
    const std::string before = village.Digest();
    ProcessResult r = village.Run(args);
    INFO(Describe(r));
    CHECK(r.exit_code == code);
    CHECK(Contains(r.err, rule));
    CHECK(village.Digest() == before);
  }
};

}  // namespace

TEST_CASE("silian-node extends a case once, within the item's limit, and the clocks count it",
          "[workflow_cli][rules]") {
  World w;
  const std::string id = w.Received();
  w.village.Ok({"case", "act", id, "accept", "--actor", "clerk-1"});
  json before = w.village.Json({"case", "show", id}).at("clocks");
  w.Refused({"case", "act", id, "extend", "--detail", "days=11", "--reason", "site visit", "--actor", "approver-1"}, 2,
            "the item's limit of 10 working days");
  w.village.Ok({"case", "act", id, "extend", "--detail", "days=3", "--reason", "site visit", "--actor", "approver-1"});
  w.Refused({"case", "act", id, "extend", "--detail", "days=2", "--reason", "more", "--actor", "approver-1"}, 2,
            "extended at most once");
  json clocks = w.village.Json({"case", "show", id}).at("clocks");
  INFO(clocks.dump(1));
  CHECK(clocks.at("extension_wd") == 3);
  CHECK(clocks.at("legal").at("remaining_wd").get<int>() == before.at("legal").at("remaining_wd").get<int>() + 3);
  CHECK(clocks.at("promised").at("remaining_wd").get<int>() == before.at("promised").at("remaining_wd").get<int>() + 3);
  CHECK(Contains(w.village.Ok({"case", "show", id}), "3 working days, decided"));
}

TEST_CASE("silian-node records the item's review steps in order and case show lists them done and pending",
          "[workflow_cli][rules]") {
  World w;
  const std::string id = w.Received();
  w.Refused({"case", "step", id, "review", "pass", "--actor", "clerk-1"}, 2, "accepted or in review");
  w.village.Ok({"case", "act", id, "accept", "--actor", "clerk-1"});
  w.village.Ok({"case", "act", id, "start-review", "--actor", "clerk-1"});
  json review = w.village.Json({"case", "show", id}).at("review");
  CHECK(review.at("pending") == json::array({"review"}));
  w.Refused({"case", "step", id, "approval", "pass", "--actor", "clerk-1"}, 2, "not the pending step \"review\"");
  // The rule the projection applies is said in the clerk's language, naming both steps.
  w.Refused({"--lang", "zh", "case", "step", id, "approval", "pass", "--actor", "clerk-1"}, 2,
            "审查环节“approval”不是当前待办的“review”");
  w.Refused({"case", "step", id, "review", "return", "--actor", "clerk-1"}, 2, "opinion");
  w.Refused({"case", "step", id, "review", "maybe", "--actor", "clerk-1"}, 2, "not one of: pass, return");
  w.village.Ok({"case", "step", id, "review", "pass", "--opinion", "materials complete", "--actor", "reviewer-7"});
  review = w.village.Json({"case", "show", id}).at("review");
  CHECK(review.at("passed") == json::array({"review"}));
  CHECK(review.at("pending") == json::array());
  CHECK(review.at("taken").at(0).at("reviewer") == "reviewer-7");
  const std::string text = w.village.Ok({"case", "show", id});
  CHECK(Contains(text, "review steps"));
  CHECK(Contains(text, "review pass by reviewer-7: materials complete"));
}

TEST_CASE("silian-node refuses an evaluation by the staff member evaluated and a staff-typed one not flagged",
          "[workflow_cli][rules]") {
  World w;
  const std::string id = w.Received();
  w.Refused({"case", "evaluate", id, "very_satisfied", "--channel", "sms", "--staff", "agent-1", "--actor", "agent-1"}, 2,
            "may not record the evaluation of themselves");
  w.Refused({"--lang", "zh", "case", "evaluate", id, "very_satisfied", "--channel", "sms", "--staff", "agent-1", "--actor",
             "agent-1"}, 2, "工作人员 agent-1 不能录入对自己的评价");
  w.Refused({"case", "evaluate", id, "very_satisfied", "--channel", "qr_code", "--node", "v1", "--actor", "agent-1"}, 2,
            "handled this case at node \"v1\"");
  w.Refused({"case", "evaluate", id, "satisfied", "--channel", "paper", "--staff", "agent-1", "--actor", "clerk-2"}, 2,
            "--assisted");
  w.village.Ok({"case", "evaluate", id, "satisfied", "--channel", "paper", "--assisted", "--staff", "agent-1",
                "--actor", "clerk-2", "--stage", "acceptance"});
  json e = w.village.Json({"case", "show", id}).at("evaluations").at(0);
  CHECK(e.at("assisted") == true);
}

TEST_CASE("silian-hub supervise lists a correction past its deadline, and the node refuses to decide it before",
          "[workflow_cli][rules]") {
  World w;
  const std::string id = w.Received();
  w.Refused({"case", "act", id, "request-correction", "--reason", "household register missing", "--detail",
             "due=" + Day(0), "--actor", "clerk-1"},
            2, "must be after today");
  w.village.Ok({"case", "act", id, "request-correction", "--reason", "household register missing", "--detail",
                "due=" + Day(1), "--actor", "clerk-1"});
  json correction = w.village.Json({"case", "show", id}).at("correction");
  CHECK(correction.at("due") == Day(1));
  w.Refused({"case", "lapse", id, "withdraw", "--reason", "nothing came", "--actor", "approver-1"}, 2,
            "it has not lapsed today");
  w.Refused({"case", "lapse", id, "continue", "--reason", "more time", "--actor", "approver-1"}, 2, "--due");
  w.Sync();
  json none = RunJson(HubBin(), {"--db", w.hub.db(), "supervise", "--json", "--today", Day(1)});
  CHECK(none.empty());
  json problems = RunJson(HubBin(), {"--db", w.hub.db(), "supervise", "--json", "--today", Day(2)});
  INFO(problems.dump(1));
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].at("problem") == "correction_lapsed");
  CHECK(problems[0].at("due") == Day(1));
  CHECK(problems[0].at("case_id") == id);
}

TEST_CASE("silian-node records the lead department of the item's implementation for the case's division",
          "[workflow_cli][rules]") {
  World w;
  json catalog = json::parse(ReadFile(kCatalog));
  for (auto& item : catalog.at("items"))
    if (item.at("code") == kVillageItem)
      item["implementations"] = json::array({{{"division", std::string(kVillage).substr(0, 9)},
                                              {"lead_department", "巴彦淖尔苏木人民政府"}},
                                             {{"division", "152222105"}, {"lead_department", "代钦塔拉苏木人民政府"}}});
  const std::string file = w.dir.File("catalog-v2.json");
  WriteFile(file, catalog.dump());
  LedgerCli(AdminBin(), w.hub.db()).Ok({"catalog", "import", file});
  w.Sync();
  const std::string id = w.Received();
  CHECK(w.village.Json({"case", "show", id}).at("item").at("lead_department") == "巴彦淖尔苏木人民政府");
}
