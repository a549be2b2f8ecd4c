// The ledger commands of silian-node: init, case ..., conflicts, status, digest.
#include <cstdint>
#include <filesystem>
#include <iostream>

#include "node/commands.h"
#include "node/enrol.h"
#include "base/files.h"
#include "base/keys.h"
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



// The enrolment of `init`, before the ledger exists: online, the hub's answer (device, root, hub key);
// offline (--enrol-request), an empty answer. `key` is the key the ledger will hold.
Result<nlohmann::json> EnrolAtInit(const InitOptions& o, const sync::SigningKey& key, const sync::HubTrust& trust) {
  nlohmann::json request = console::EnrolRequestJson(o.node_id, o.level, o.division, key.public_key(), o.enrol);
  if (!o.enrol_request.empty()) return nlohmann::json::object();
  if (o.hub.empty()) return InvalidArgument("--enrol needs --hub URL (or --enrol-request FILE to enrol offline)");
  return console::PostEnrol(o.hub, trust.ca_file, trust.pin, request, o.hub_key);
}

Status WriteEnrolRequest(const InitOptions& o, const sync::SigningKey& key) {
  nlohmann::json request = console::EnrolRequestJson(o.node_id, o.level, o.division, key.public_key(), o.enrol);
  const std::string message = "silian-enrol-request-v1\n" + request.dump();  // hub/enrol.h, EnrolRequestSignedMessage
  request["signature"] = sync::ToBase64(key.Sign(message));
  return WriteFileAtomically(o.enrol_request, "enrolment request", request.dump(2) + "\n");
}

Status PrintInit(const GlobalOptions& g, sync::LedgerStore& store, const InitOptions& o) {
  const sync::NodeConfig& c = store.config();
  const std::string& scope = store.scope();
  const std::string& key = store.ledger().signing_key().public_key();
  const std::string enrolled = o.enrol.empty() ? "no" : o.enrol_request.empty() ? "yes" : "requested";
  if (g.json) {
    PrintJson({{"db", g.db_path},
               {"node", c.node_id.value},
               {"level", sync::LevelName(c.level)},
               {"division", c.division.value},
               {"device", c.device},
               {"scope", scope},
               {"enrolled", enrolled},
               {"public_key", sync::ToBase64(key)},
               {"key_fingerprint", sync::KeyFingerprint(key)}});
    return Status::Ok();
  }
  std::cout << Said(g, said::kLedgerCreated, g.db_path, c.node_id.value, LevelSaid(g, sync::LevelName(c.level)),
                    c.division.value, c.device, scope)
            << '\n'
            << Said(g, said::kPublicKey, sync::ToBase64(key), sync::KeyFingerprint(key)) << '\n';
  if (enrolled == "yes") std::cout << Said(g, said::kEnrolledAt, o.hub) << '\n';
  if (enrolled == "requested") std::cout << Said(g, said::kEnrolRequestWritten, o.enrol_request) << '\n';
  return Status::Ok();
}

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
  if (!o.enrol.empty() && !o.device.empty())
    return InvalidArgument("--device " + Quote(o.device) + " cannot go with --enrol: the hub allocates the device");
  if (o.enrol.empty() && !o.enrol_request.empty()) return InvalidArgument("--enrol-request needs --enrol CODE");
  if (!o.hub_key.empty()) {
    if (o.enrol.empty()) return InvalidArgument("--hub-key pins the key of the hub's enrolment answer: it needs --enrol CODE");
    SILIAN_ASSIGN_OR_RETURN(std::string raw, sync::FromBase64(o.hub_key, "--hub-key"));
    if (raw.size() != sync::kPublicKeyBytes)
      return InvalidArgument("--hub-key " + Quote(o.hub_key) + " is not a 32-byte Ed25519 public key in base64");
  }
  std::string device = o.device.empty() ? "01" : o.device;
  SILIAN_RETURN_IF_ERROR(sync::CheckDeviceNumber(device));
  if (!o.hub.empty()) SILIAN_RETURN_IF_ERROR(sync::ValidateHubUrl(o.hub));
  if (!o.hub.empty()) SILIAN_RETURN_IF_ERROR(sync::CheckPlainHttp(o.hub));
  SILIAN_ASSIGN_OR_RETURN(const std::string hub_ca, sync::HubTrustSettingValue(sync::kHubCaSetting, o.hub_ca));
  SILIAN_ASSIGN_OR_RETURN(const std::string hub_pin, sync::HubTrustSettingValue(sync::kHubPinSetting, o.hub_pin));
  if (!o.enrol.empty() && std::filesystem::exists(g.db_path))
    return FailedPrecondition("ledger " + Quote(g.db_path) + " already exists; init never overwrites one");
  if (!o.enrol_request.empty()) SILIAN_RETURN_IF_ERROR(CheckWriteTarget(o.enrol_request, "enrolment request"));

  sync::LedgerStore::Options options;
  options.signing_key = sync::SigningKey::Generate();
  nlohmann::json answer;
  if (!o.enrol.empty()) {
    SILIAN_ASSIGN_OR_RETURN(answer, EnrolAtInit(o, *options.signing_key, sync::HubTrust{hub_ca, hub_pin}));
    if (o.enrol_request.empty()) {
      SILIAN_ASSIGN_OR_RETURN(device, console::AnswerDevice(answer, node_id.value));
    }
  }
  sync::NodeConfig config{node_id, level, division, device};
  auto store = sync::LedgerStore::Create(g.db_path, config, options);
  if (!store.ok()) return WithContext(store.status(), g.db_path, "ledger " + Quote(g.db_path));
  if (!o.hub.empty()) SILIAN_RETURN_IF_ERROR((*store)->SetSetting("hub", o.hub));
  if (!hub_ca.empty()) SILIAN_RETURN_IF_ERROR((*store)->SetSetting(sync::kHubCaSetting, hub_ca));
  if (!hub_pin.empty()) SILIAN_RETURN_IF_ERROR((*store)->SetSetting(sync::kHubPinSetting, hub_pin));
  if (!o.enrol.empty() && o.enrol_request.empty()) SILIAN_RETURN_IF_ERROR(console::ApplyEnrolAnswer(**store, answer));
  if (!o.enrol_request.empty()) {
    SILIAN_RETURN_IF_ERROR((*store)->SetSetting(kEnrolPendingSetting, o.enrol_request));
    if (!o.hub_key.empty()) SILIAN_RETURN_IF_ERROR((*store)->SetSetting(console::kHubKeyPinSetting, o.hub_key));
    SILIAN_RETURN_IF_ERROR(WriteEnrolRequest(o, *options.signing_key));
  }
  return PrintInit(g, **store, o);
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
