#include "support/hub_harness.h"

#include <catch2/catch.hpp>

#include "support/ledger.h"
#include "support/process.h"
#include "support/programs.h"
#include "support/status.h"
#include "support/sync_requests.h"

namespace silian::test {
namespace {

constexpr int kStopGraceS = 30;

launch::HubProcess::Options KillOnDestruction() {
  launch::HubProcess::Options o;
  o.destroy_grace_s = 0;
  return o;
}

}  // namespace

HubProcess::HubProcess(std::string name, std::string db, std::string log)
    : process_(HubBin(), std::move(name), std::move(db), std::move(log), KillOnDestruction()) {}

void HubProcess::Start(const std::vector<std::string>& extra) {
  REQUIRE_FALSE(running());
  const silian::Status started = process_.Start(extra);
  if (!started.ok()) FAIL(name() << " did not start: " << started.ToString() << "\nits log:\n" << log());
}

int HubProcess::Checked(launch::HubProcess::Exit exit) {
  if (exit.forced) FAIL_CHECK(name() << " did not stop within " << kStopGraceS << " s of SIGTERM; killed");
  return exit.code;
}

int HubProcess::Terminate() {
  REQUIRE(running());
  return Checked(process_.Stop(kStopGraceS));
}

void HubProcess::Kill() {
  REQUIRE(running());
  process_.Stop(0);
}

int HubProcess::Wait() {
  REQUIRE(running());
  return Checked(process_.Wait(kStopGraceS));
}

nlohmann::json HubProcess::Status() const { return SILIAN_TAKE(process_.StatusJson()); }

void InitHub(const std::string& db, const std::string& id, const std::string& level, const std::string& division,
             const std::vector<PeerSpec>& peers, const std::string& parent) {
  std::vector<std::string> args = {"--db", db, "init", "--node-id", id, "--level", level, "--division", division};
  if (!parent.empty()) args.insert(args.end(), {"--parent", parent});
  RunOk(HubBin(), args);
  for (const auto& p : peers)
    RunOk(HubBin(), {"--db", db, "node", "add", p.id, "--level", p.level, "--division", p.division});
}

namespace {

// `silian-hub node add ID --level L --division D --public-key KEY` at the hub whose ledger is `hub_db`.
void AddNodeKey(const std::string& hub_db, const std::string& id, const std::string& level,
                const std::string& division, const std::string& key_b64) {
  RunOk(HubBin(), {"--db", hub_db, "node", "add", id, "--level", level, "--division", division, "--public-key",
                   key_b64});
}

}  // namespace

std::string RegisterKey(const std::string& hub_db, const std::string& node_db) {
  nlohmann::json id = RunJson(NodeBin(), {"--db", node_db, "--json", "identity"});
  std::string key = id.at("public_key").get<std::string>();
  AddNodeKey(hub_db, id.at("node").get<std::string>(), id.at("level").get<std::string>(),
             id.at("division").get<std::string>(), key);
  RememberKey(id.at("node").get<std::string>(), OpenLedger(node_db)->ledger().signing_key());
  return key;
}

void RegisterTestKey(const std::string& hub_db, const std::string& id, const std::string& level,
                     const std::string& division) {
  const sync::SigningKey key = TestKeyOf(id);
  AddNodeKey(hub_db, id, level, division, sync::ToBase64(key.public_key()));
  RememberKey(id, key);
}

}  // namespace silian::test
