// Notice template overrides (issue 11: a hub setting), through the real programs: a county hub sets its own
// text for one notice, refuses a text that names a value the notice does not have (exit 2, naming the
// template and the placeholder, nothing stored), and the notices it makes use the text it kept.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "support/files.h"
#include "support/ledger.h"
#include "support/process.h"
#include "support/programs.h"

namespace {

using nlohmann::json;
using namespace silian::test;

const std::string kCatalog = SourceFile("reference/catalog.json");
// County, two fees, item name 不动产抵押权首次登记.
const std::string kFeeItem = "11152222MA0Q7K1D6C4060058100100";

bool Contains(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

}  // namespace

TEST_CASE("silian-hub config set notice-template replaces one notice text, and refuses a placeholder the notice lacks",
          "[notice_template_cli]") {
  TempDir dir;
  LedgerCli hub(HubBin(), dir.File("county.db"));
  hub.Ok({"init", "--node-id", "c", "--level", "county", "--division", kCounty});
  LedgerCli(AdminBin(), hub.db()).Ok({"catalog", "import", kCatalog});
  hub.Ok({"config", "set", "notify", "on"});

  const std::string text = "【科右中旗政务服务中心】您的{application}{number}已受理，咨询电话0482-1234567。";
  CHECK(Contains(hub.Ok({"config", "set", "notice-template.accepted.zh", text}), "notice-template.accepted.zh = "));
  const std::string digest = hub.Digest();
  const json before = hub.Json({"config", "show"});
  RequireRefused(hub.Run({"config", "set", "notice-template.accepted.zh", "请缴纳{amount}元"}), "silian-hub",
                 {"notice template accepted.zh", "{amount}"});
  RequireRefused(hub.Run({"config", "set", "notice-template.received.zh", "收件\u202e moc.evil"}), "silian-hub",
                 {"notice template received.zh", "U+202E"});
  RequireRefused(hub.Run({"config", "set", "notice-template.approved.zh", "批了"}), "silian-hub",
                 {"\"approved\"", "decided_approved"});
  RequireRefused(hub.Run({"config", "set", "notice-template.accepted.fr", "ok"}), "silian-hub", {"\"fr\""});
  CHECK(hub.Digest() == digest);  // a refusal stores nothing
  CHECK(hub.Json({"config", "show"}) == before);
  CHECK(before.at("notice-template.accepted.zh") == text);

  std::string id = hub.Json({"case", "new", "--item", kFeeItem, "--applicant-name", "乌云", "--applicant-id",
                             "15222219880315002X", "--phone", "13800000000", "--division", kVillage})
                       .at("case_id");
  hub.Ok({"case", "act", id, "receive"});
  hub.Ok({"case", "material", id, "不动产权籍调查表"});
  hub.Ok({"case", "act", id, "accept"});
  json notices = hub.Json({"notices", "list"});
  INFO(notices.dump(2));
  REQUIRE(notices.size() == 2);
  for (const auto& n : notices) {
    const std::string body = n.at("text");
    if (n.at("kind") == "accepted") {
      CHECK(body.starts_with("【科右中旗政务服务中心】您的不动产抵押权首次登记申请（办件编号"));
      CHECK(body.ends_with("）已受理，咨询电话0482-1234567。"));
    } else {
      CHECK(n.at("kind") == "received");
      CHECK(body.starts_with("【四联政务】"));  // no override: the built-in text
    }
  }

  // An empty text goes back to the built-in one.
  hub.Ok({"config", "set", "notice-template.accepted.zh", ""});
  CHECK_FALSE(hub.Json({"config", "show"}).contains("notice-template.accepted.zh"));
}
