// The ledger commands of silian-node: init, case ..., conflicts, status, digest.
#include <cstdint>
#include <iostream>

#include "node/commands.h"
#include "console/render.h"
#include "console/support.h"
#include "domain/case_model.h"
#include "http/curl_transport.h"
#include "base/ids.h"
#include "domain/store.h"
#include "domain/validation.h"

namespace silian::node {
namespace {

using namespace console;  // NOLINT: the shared console helpers are this file's vocabulary

using nlohmann::json;

}  // namespace

Status RunInit(const GlobalOptions& g, const InitOptions& o) {
  if (g.db_path.empty()) return InvalidArgument("no ledger given: pass --db PATH or set SILIAN_DB");
  SILIAN_ASSIGN_OR_RETURN(sync::NodeId node_id, sync::ParseNodeId(o.node_id));
  SILIAN_ASSIGN_OR_RETURN(sync::Level level, sync::ParseLevel(o.level));
  if (level != sync::Level::kVillage && level != sync::Level::kTownship)
    return InvalidArgument("level " + Quote(o.level) +
                           " is not for silian-node, which runs at village or township level (county and city run "
                           "silian-hub)");
  SILIAN_ASSIGN_OR_RETURN(sync::DivisionCode division, sync::ParseDivisionCode(o.division));
  SILIAN_RETURN_IF_ERROR(sync::CheckDeviceNumber(o.device));
  if (!o.hub.empty()) SILIAN_RETURN_IF_ERROR(sync::ValidateHubUrl(o.hub));
  if (!o.hub.empty()) SILIAN_RETURN_IF_ERROR(sync::CheckPlainHttp(o.hub));
  SILIAN_ASSIGN_OR_RETURN(const std::string hub_ca, sync::HubTrustSettingValue(sync::kHubCaSetting, o.hub_ca));
  SILIAN_ASSIGN_OR_RETURN(const std::string hub_pin, sync::HubTrustSettingValue(sync::kHubPinSetting, o.hub_pin));

  sync::NodeConfig config{node_id, level, division, o.device};
  auto store = sync::LedgerStore::Create(g.db_path, config, sync::LedgerStore::Options());
  if (!store.ok()) return WithContext(store.status(), g.db_path, "ledger " + Quote(g.db_path));
  if (!o.hub.empty()) SILIAN_RETURN_IF_ERROR((*store)->SetSetting("hub", o.hub));
  if (!hub_ca.empty()) SILIAN_RETURN_IF_ERROR((*store)->SetSetting(sync::kHubCaSetting, hub_ca));
  if (!hub_pin.empty()) SILIAN_RETURN_IF_ERROR((*store)->SetSetting(sync::kHubPinSetting, hub_pin));
  const std::string& scope = (*store)->scope();
  const std::string& key = (*store)->ledger().signing_key().public_key();
  if (g.json) {
    PrintJson({{"db", g.db_path},
               {"node", node_id.value},
               {"level", sync::LevelName(level)},
               {"division", division.value},
               {"device", o.device},
               {"scope", scope},
               {"public_key", sync::ToBase64(key)},
               {"key_fingerprint", sync::KeyFingerprint(key)}});
  } else {
    std::cout << "created ledger " << g.db_path << " for node " << node_id.value << " (" << sync::LevelName(level)
              << " " << division.value << ", scope " << scope << ")\n"
              << "public key " << sync::ToBase64(key) << " (fingerprint " << sync::KeyFingerprint(key) << ")\n";
  }
  return Status::Ok();
}

Status RunConflicts(const GlobalOptions& g) {
  SILIAN_ASSIGN_OR_RETURN(auto store, OpenLedger(g));
  SILIAN_ASSIGN_OR_RETURN(std::vector<json> conflicts, store->ListConflicts());
  if (g.json) {
    PrintJson(json(conflicts));
    return Status::Ok();
  }
  if (conflicts.empty()) {
    std::cout << "no open conflicts\n";
    return Status::Ok();
  }
  for (size_t i = 0; i < conflicts.size(); ++i) std::cout << (i == 0 ? "" : "\n") << RenderConflict(conflicts[i]);
  return Status::Ok();
}

Status RunConflictsResolve(const GlobalOptions& g, const ResolveOptions& o) {
  if (o.value.has_value() == o.keep.has_value())
    return InvalidArgument("conflicts resolve " + Quote(o.conflict_id) +
                           " needs exactly one of --value VALUE or --keep OPID");
  std::optional<sync::OpId> keep;
  if (o.keep) {
    SILIAN_ASSIGN_OR_RETURN(keep, sync::ParseOpId(*o.keep));
  }
  return AuthorOp(g, o.actor, [&](sync::LedgerStore& store, const std::string& actor) {
    return store.ResolveConflict(o.conflict_id, keep, o.value, actor);
  });
}



}  // namespace silian::node
