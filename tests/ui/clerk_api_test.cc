// The parts of the clerk's calls that need no browser: the owed materials still outstanding (the rule
// supervision uses), the lists cut at their limit with their counts and narrowed by division, and the USB
// calls' checks of the directory and file a user names (ui/internal/usb_api.h)
// with a stand-in for the program they run.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "domain/case_model.h"
#include "domain/workflow.h"
#include "support/files.h"
#include "support/ledger.h"
#include "support/status.h"
#include "ui/assets.h"
#include "ui/internal/case_api.h"
#include "ui/internal/clerk_api.h"
#include "ui/internal/usb_api.h"

namespace silian::ui::internal {
namespace {

using nlohmann::json;

json TolerantView(const std::string& owed, std::vector<std::string> received) {
  json materials = json::array();
  for (const auto& name : received) materials.push_back({{"name", name}, {"copies", 1}});
  return {{"owed", {{"materials", owed}, {"due", "2026-01-05"}}}, {"materials", materials}};
}

TEST_CASE("Owed materials: the ones not yet received, in the order owed, whatever the separator", "[ui]") {
  CHECK(sync::OwedMaterialsOutstanding(TolerantView("户口簿复印件、建房设计图；结婚证", {})) ==
        std::vector<std::string>{"户口簿复印件", "建房设计图", "结婚证"});
  CHECK(sync::OwedMaterialsOutstanding(TolerantView("户口簿复印件, 建房设计图", {"建房设计图"})) ==
        std::vector<std::string>{"户口簿复印件"});
  CHECK(sync::OwedMaterialsOutstanding(TolerantView("建房设计图", {"建房设计图"})).empty());
  CHECK(sync::OwedMaterialsOutstanding(json{{"materials", json::array()}}).empty());  // nothing owed
}

TEST_CASE("Lists of the app: a cut list says how many there are, and a division narrows it within the area",
          "[ui]") {
  test::TempDir dir(test::TempDir::Where::kMemory);
  test::Replica village = test::MakeReplica(dir, test::NodeAt("agent", sync::Level::kVillage, test::kVillage));
  test::Replica county = test::MakeCountyFor(dir, {village.store.get()});
  test::Exchange(*county, *village);
  std::vector<std::string> ids;
  for (uint32_t n = 1; n <= 3; ++n) {
    sync::CaseProjection p = SILIAN_TAKE(village->CreateCase(test::SampleCase(n)));
    SILIAN_TAKE(village->Act(p.case_id.value, sync::Action::kReceive, "", "agent-1"));
    ids.push_back(p.case_id.value);
  }
  const ListWindow whole = SILIAN_TAKE(ListWindowOf(*village, {}));
  CHECK(whole.scope == village->scope());
  CHECK(whole.limit == kListLimit);
  const ListWindow one = SILIAN_TAKE(ListWindowOf(*village, {{"limit", "1"}, {"division", test::kVillage}}));
  json work = SILIAN_TAKE(WorkQueues(*village, one));
  CHECK(work["received"].size() == 1);  // cut at the limit, and counted
  CHECK(work["totals"]["received"] == 3);
  CHECK(work["totals"]["drafts"] == 0);
  CHECK(SILIAN_TAKE(WorkQueues(*village, whole))["received"].size() == 3);

  SILIAN_TAKE(village->Act(ids[0], sync::Action::kAccept, "", "agent-1", {{"owed", "结婚证"}, {"owed_due", "2026-02-01"}}));
  SILIAN_TAKE(village->Act(ids[1], sync::Action::kAccept, "", "agent-1", {{"owed", "结婚证"}, {"owed_due", "2026-01-20"}}));
  json queue = SILIAN_TAKE(ClerkQueue(*village, one));
  CHECK(queue["candidates"] == 3);  // two accepted, one waiting for acceptance: one shown
  CHECK(queue["cases"].size() <= 1);
  CHECK(queue["limit"] == 1);
  json owed = SILIAN_TAKE(OwedDue(*village, one));
  CHECK(owed["total"] == 2);
  REQUIRE(owed["owed"].size() == 1);
  CHECK(owed["owed"][0]["case_id"] == ids[1]);  // the earlier due day first
  CHECK(SILIAN_TAKE(OwedDue(*village, whole))["owed"].size() == 2);

  for (const auto& [key, value] : std::vector<std::pair<std::string, std::string>>{
           {"division", "152222104201"}, {"division", "1522221042x0"}, {"division", "1522221042000"},
           {"limit", "0"}, {"limit", "501"}, {"limit", "ten"}}) {
    INFO(key << "=" << value);
    auto refused = ListWindowOf(*village, {{key, value}});
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.status().code() == StatusCode::kInvalidArgument);
    CHECK_THAT(refused.status().message(), Catch::Contains("\"" + value + "\""));
  }
}

TEST_CASE("USB: the stick's directory must be absolute and exist, and only its own bundles are imported", "[ui]") {
  test::TempDir dir;
  test::WriteFile(dir.File("a.bundle"), "bytes");
  test::WriteFile(dir.File("sumu104.frontier"), "bytes");
  test::WriteFile(dir.File("notes.txt"), "bytes");
  auto listed = ListStick(dir.path().string());
  REQUIRE(listed.ok());
  CHECK((*listed)["bundles"].size() == 1);
  CHECK((*listed)["bundles"][0]["name"] == "a.bundle");
  CHECK((*listed)["frontiers"][0]["name"] == "sumu104.frontier");

  CHECK(ListStick("stick").status().message().find("\"stick\" must be an absolute path") != std::string::npos);
  CHECK(ListStick(dir.File("missing")).status().code() == StatusCode::kInvalidArgument);

  std::vector<std::vector<std::string>> ran;
  RunSelf run = [&ran](const std::vector<std::string>& args) -> Result<json> {
    ran.push_back(args);
    return json{{"file", args.back()}};
  };
  const std::string d = dir.path().string();
  for (const char* name : {"../a.bundle", "notes.txt", "missing.bundle", ".bundle"}) {
    INFO(name);
    CHECK(ImportFromStick(run, json{{"dir", d}, {"name", name}}).status().code() == StatusCode::kInvalidArgument);
  }
  CHECK(ran.empty());  // nothing was run for a refused name
  REQUIRE(ImportFromStick(run, json{{"dir", d}, {"name", "a.bundle"}}).ok());
  CHECK(ran.back() == std::vector<std::string>{"bundle", "import", dir.File("a.bundle")});

  ran.clear();
  auto exported = ExportToStick(run, json{{"dir", d}, {"for", "sumu104.frontier"}}, "gacha200", 1796148771000);
  REQUIRE(exported.ok());
  REQUIRE(ran.size() == 2);
  CHECK(ran[0] == std::vector<std::string>{"bundle", "export", dir.File("silian-gacha200-20261201-181251.bundle"), "--for",
                                           dir.File("sumu104.frontier")});
  CHECK(ran[1] == std::vector<std::string>{"frontier", "export", dir.File("gacha200.frontier")});
  CHECK(ExportToStick(run, json{{"dir", d}, {"for", "../x.frontier"}}, "gacha200", 0).status().code() ==
        StatusCode::kInvalidArgument);
  CHECK(ExportToStick(nullptr, json{{"dir", d}}, "gacha200", 0).status().code() == StatusCode::kFailedPrecondition);
}

TEST_CASE("Messages: every action, status and error code the case page names has a text in zh, mn and en",
          "[ui]") {
  const Asset* asset = FindAsset("messages.json");
  REQUIRE(asset != nullptr);
  const json messages = json::parse(std::string(asset->bytes)).at("messages");
  std::vector<std::string> keys;  // the core's refusal keys: tests/i18n/catalogue_test.cc
  for (int i = 0; i < sync::kActionCount; ++i) {
    std::string name = sync::ActionName(static_cast<sync::Action>(i));
    std::replace(name.begin(), name.end(), '-', '_');
    keys.push_back("action." + name);
  }
  for (int i = 0; i < sync::kCaseStatusCount; ++i)
    keys.push_back(std::string("status.") + sync::CaseStatusName(static_cast<sync::CaseStatus>(i)));
  for (const char* code : {"bad_input", "not_found", "refused", "forbidden", "too_large", "unavailable"})
    keys.push_back(std::string("error.") + code);
  for (const auto& key : keys) {
    INFO("key " << key);
    REQUIRE(messages.contains(key));
    for (const char* lang : {"zh", "mn", "en"}) CHECK(!messages.at(key).value(lang, "").empty());
  }
}

}  // namespace
}  // namespace silian::ui::internal
