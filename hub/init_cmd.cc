// The hub's ledger: `init` creates it, every other command opens it with OpenHubLedger.
#include <filesystem>
#include <iostream>

#include "console/enrol_client.h"

#include "hub/commands.h"
#include "http/curl_transport.h"

namespace silian::hub {

Result<std::unique_ptr<sync::LedgerStore>> OpenHubLedger(const GlobalOptions& g) {
  SILIAN_ASSIGN_OR_RETURN(auto store, console::OpenLedger(g));
  if (store->config().level != sync::Level::kCounty && store->config().level != sync::Level::kCity)
    return InvalidArgument("ledger " + Quote(g.db_path) + " belongs to a " + sync::LevelName(store->config().level) +
                           " node; silian-hub serves county and city ledgers");
  return store;
}

Status RunInit(const GlobalOptions& g, const InitOptions& o) {
  if (g.db_path.empty()) return InvalidArgument("no ledger given: pass --db PATH or set SILIAN_DB");
  SILIAN_ASSIGN_OR_RETURN(sync::NodeId id, sync::ParseNodeId(o.node_id));
  SILIAN_ASSIGN_OR_RETURN(sync::Level level, sync::ParseLevel(o.level));
  if (level != sync::Level::kCounty && level != sync::Level::kCity)
    return InvalidArgument("level " + Quote(o.level) + " is not a hub level: use county or city");
  SILIAN_ASSIGN_OR_RETURN(sync::DivisionCode division, sync::ParseDivisionCode(o.division));
  if (!o.parent.empty()) SILIAN_RETURN_IF_ERROR(sync::ValidateHubUrl(o.parent));
  if (!o.parent.empty()) SILIAN_RETURN_IF_ERROR(sync::CheckPlainHttp(o.parent));
  SILIAN_ASSIGN_OR_RETURN(const std::string hub_ca, sync::HubTrustSettingValue(sync::kHubCaSetting, o.hub_ca));
  SILIAN_ASSIGN_OR_RETURN(const std::string hub_pin, sync::HubTrustSettingValue(sync::kHubPinSetting, o.hub_pin));
  sync::LedgerStore::Options options;
  options.signing_key = sync::SigningKey::Generate();
  nlohmann::json answer;
  std::string device = "01";
  if (!o.enrol.empty()) {
    // Enrolment at the parent comes first: the ledger is made only with the device the parent allocated.
    if (o.parent.empty()) return InvalidArgument("--enrol needs --parent URL, the hub that gave the code");
    if (std::filesystem::exists(g.db_path))
      return FailedPrecondition("ledger " + Quote(g.db_path) + " already exists; init never overwrites one");
    nlohmann::json request = console::EnrolRequestJson(id.value, o.level, division.value,
                                                       options.signing_key->public_key(), o.enrol);
    SILIAN_ASSIGN_OR_RETURN(answer, console::PostEnrol(o.parent, hub_ca, hub_pin, request));
    SILIAN_ASSIGN_OR_RETURN(device, console::AnswerDevice(answer, id.value));
  }
  sync::NodeConfig config{id, level, division, device};
  SILIAN_ASSIGN_OR_RETURN(auto store, sync::LedgerStore::Create(g.db_path, config, options));
  if (!o.enrol.empty()) SILIAN_RETURN_IF_ERROR(console::ApplyEnrolAnswer(*store, answer));
  if (!o.parent.empty()) SILIAN_RETURN_IF_ERROR(store->SetSetting("parent", o.parent));
  if (!hub_ca.empty()) SILIAN_RETURN_IF_ERROR(store->SetSetting(sync::kHubCaSetting, hub_ca));
  if (!hub_pin.empty()) SILIAN_RETURN_IF_ERROR(store->SetSetting(sync::kHubPinSetting, hub_pin));
  // A hub without a parent is the root of its network's node registry: it registers itself and pins itself
  // as root. A hub with a parent pins the root its parent's registry names, on first contact.
  if (o.parent.empty()) SILIAN_RETURN_IF_ERROR(store->RegisterSelfAsRoot(id.value));
  const std::string& key = store->ledger().signing_key().public_key();
  if (g.json) {
    console::PrintJson({{"node", id.value}, {"level", o.level}, {"division", division.value},
                        {"scope", store->scope()}, {"parent", o.parent}, {"db", g.db_path},
                        {"device", device}, {"enrolled", !o.enrol.empty()},
                        {"public_key", sync::ToBase64(key)}, {"key_fingerprint", sync::KeyFingerprint(key)}});
  } else {
    std::cout << "created " << o.level << " hub " << id.value << " for area " << store->scope() << " in "
              << g.db_path << (o.parent.empty() ? "" : ", parent " + o.parent) << "\n"
              << "public key " << sync::ToBase64(key) << " (fingerprint " << sync::KeyFingerprint(key) << ")\n";
  }
  return Status::Ok();
}

}  // namespace silian::hub
