// The first administrator of a new hub (issue 10: the staff bootstrap path), through the real programs:
// `silian-hub staff bootstrap` on the hub's own ledger makes one administrator working at the hub, who can
// then log in there; it is refused, changing nothing, once any staff account is held, with a --role (the first
// account is always an administrator), and on a node's ledger.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "support/files.h"
#include "support/ledger.h"
#include "support/process.h"
#include "support/programs.h"
#include "support/staff.h"

namespace {

using nlohmann::json;
using namespace silian::test;

ProcessResult Bootstrap(const LedgerCli& hub, const std::string& id, std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"--db", hub.db(), "staff", "bootstrap", id, "--name", "其木格", "--passphrase-stdin"};
  args.insert(args.end(), extra.begin(), extra.end());
  return RunProgram(hub.program(), args, {}, std::string(kStaffPassphrase) + "\n");
}

}  // namespace

TEST_CASE("silian-hub staff bootstrap makes the first administrator, who logs in at the hub, and only once",
          "[staff_bootstrap_cli]") {
  TempDir dir;
  LedgerCli hub(HubBin(), dir.File("county.db"));
  hub.Ok({"init", "--node-id", "county-a", "--level", "county", "--division", kCounty});

  const std::string before = hub.Digest();
  RequireRefused(Bootstrap(hub, "adm1", {"--role", "agent"}), "silian-hub", {"--role"});
  CHECK(hub.Digest() == before);

  ProcessResult made = Bootstrap(hub, "adm1");
  INFO(Describe(made));
  REQUIRE(made.exit_code == 0);
  CHECK_THAT(made.out, Catch::Contains("bootstrapped administrator staff adm1") &&
                           Catch::Contains("silian-hub login adm1"));
  json accounts = hub.Json({"staff", "list"});
  REQUIRE(accounts.size() == 1);
  CHECK(accounts[0].at("staff_id") == "adm1");
  CHECK(accounts[0].at("node") == "county-a");
  CHECK(accounts[0].at("division") == kCounty);
  CHECK(accounts[0].at("roles") == json::array({"administrator"}));

  // The administrator logs in at the hub with the passphrase given.
  const std::string sessions = dir.File("sessions");
  ProcessResult login = LoginAtNode(HubBin(), hub.db(), "adm1", sessions);
  INFO(Describe(login));
  CHECK(login.exit_code == 0);
  CHECK(RunJson(HubBin(), {"--db", hub.db(), "--json", "whoami"}, StaffEnv(sessions)).dump().find("adm1") !=
        std::string::npos);

  // Once an account is held, bootstrap is refused and changes nothing.
  const std::string after = hub.Digest();
  RequireRefused(Bootstrap(hub, "adm2"), "silian-hub", {"only the first account", "\"adm1\"", "staff add"});
  CHECK(hub.Digest() == after);
  CHECK(hub.Json({"staff", "list"}).size() == 1);
}

TEST_CASE("silian-hub staff bootstrap is refused on a node's ledger", "[staff_bootstrap_cli]") {
  TempDir dir;
  LedgerCli node(NodeBin(), dir.File("v1.db"));
  node.Ok({"init", "--node-id", "v1", "--level", "village", "--division", kVillage});
  const std::string before = node.Digest();
  ProcessResult r = Bootstrap(LedgerCli(HubBin(), node.db()), "adm1");
  INFO(Describe(r));
  CHECK(r.exit_code == 2);
  CHECK(node.Digest() == before);
}
