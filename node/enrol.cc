#include "node/enrol.h"

#include <iostream>

#include "base/files.h"
#include "base/text.h"
#include "domain/registry.h"
#include "domain/validation.h"
#include "http/curl_transport.h"

namespace silian::node {
namespace {

constexpr const char* kEnrolPath = "/v1/enrol";
constexpr uint64_t kMaxAnswerBytes = 16 * 1024;

Result<std::string> StringField(const nlohmann::json& j, const char* name) {
  if (!j.is_object() || !j.contains(name) || !j[name].is_string())
    return InvalidArgument(std::string("the enrolment answer has no field \"") + name + "\"");
  return j[name].get<std::string>();
}

bool ParseUnsigned(const std::string& text, uint64_t* out) {
  if (text.empty() || text.size() > 19 || text.find_first_not_of("0123456789") != std::string::npos) return false;
  *out = std::stoull(text);
  return true;
}

Result<uint64_t> OwnSeq(sync::LedgerStore& store) {
  SILIAN_ASSIGN_OR_RETURN(auto st, store.GetStatus());
  for (const auto& e : st.frontier.entries())
    if (e.origin() == store.config().node_id.value) return e.seq();
  return uint64_t{0};
}

}  // namespace

nlohmann::json EnrolRequestJson(const std::string& node_id, const std::string& level, const std::string& division,
                                const std::string& public_key, const std::string& code) {
  return {{"node", node_id}, {"level", level}, {"division", division},
          {"public_key", sync::ToBase64(public_key)}, {"code", code}};
}

Result<nlohmann::json> PostEnrol(const std::string& hub_url, const sync::HubTrust& trust, const nlohmann::json& request) {
  sync::CurlTransport::Options options;
  options.trust = trust;
  options.max_reply_bytes = kMaxAnswerBytes;
  SILIAN_ASSIGN_OR_RETURN(auto transport, sync::CurlTransport::Create(hub_url, options));
  SILIAN_ASSIGN_OR_RETURN(auto reply, transport->Post(kEnrolPath, request.dump(), request["node"].get<std::string>()));
  auto body = nlohmann::json::parse(reply.body, nullptr, false);
  if (reply.http_status == 200) {
    if (body.is_discarded() || !body.is_object())
      return Unavailable("hub " + hub_url + " answered the enrolment with a body that is not a JSON object");
    return body;
  }
  std::string reason = "http_" + std::to_string(reply.http_status), message = reply.body.substr(0, 512);
  if (!body.is_discarded() && body.is_object()) {
    if (body.contains("error") && body["error"].is_string()) reason = body["error"].get<std::string>();
    if (body.contains("message") && body["message"].is_string()) message = body["message"].get<std::string>();
  }
  const std::string text = "hub " + hub_url + " refused the enrolment (" + reason + "): " + message;
  if (reply.http_status == 403) return PermissionDenied(text);
  if (reply.http_status >= 400 && reply.http_status < 500) return InvalidArgument(text);
  return Unavailable(text);
}

Result<std::string> AnswerDevice(const nlohmann::json& answer, const std::string& node_id) {
  SILIAN_ASSIGN_OR_RETURN(std::string node, StringField(answer, "node"));
  if (node != node_id)
    return InvalidArgument("the enrolment answer is for node " + Quote(node) + ", not " + Quote(node_id));
  SILIAN_ASSIGN_OR_RETURN(std::string device, StringField(answer, "device"));
  SILIAN_RETURN_IF_ERROR(sync::CheckDeviceNumber(device));
  return device;
}

Status ApplyEnrolAnswer(sync::LedgerStore& store, const nlohmann::json& answer) {
  SILIAN_ASSIGN_OR_RETURN(std::string hub, StringField(answer, "hub"));
  SILIAN_RETURN_IF_ERROR(sync::ParseNodeId(hub).status());
  SILIAN_ASSIGN_OR_RETURN(std::string hub_key, StringField(answer, "hub_public_key"));
  SILIAN_ASSIGN_OR_RETURN(std::string hub_key_raw, sync::FromBase64(hub_key, "hub_public_key"));
  if (hub_key_raw.size() != sync::kPublicKeyBytes)
    return InvalidArgument("hub_public_key of the enrolment answer is not a 32-byte Ed25519 key");
  if (answer.contains("root")) {
    SILIAN_ASSIGN_OR_RETURN(std::string root, StringField(answer, "root"));
    SILIAN_ASSIGN_OR_RETURN(std::string root_key, StringField(answer, "root_public_key"));
    SILIAN_ASSIGN_OR_RETURN(std::string root_key_raw, sync::FromBase64(root_key, "root_public_key"));
    if (root_key_raw.size() != sync::kPublicKeyBytes)
      return InvalidArgument("root_public_key of the enrolment answer is not a 32-byte Ed25519 key");
    SILIAN_ASSIGN_OR_RETURN(auto pinned, store.RegistryRoot());
    if (pinned && *pinned != root)
      return PermissionDenied("the enrolment answer names root " + Quote(root) + ", but this ledger's root is " +
                              Quote(*pinned));
    SILIAN_RETURN_IF_ERROR(store.SetSetting(sync::kRegistryRootKeySetting, root_key));
    SILIAN_RETURN_IF_ERROR(store.SetSetting(sync::kRegistryRootSetting, root));
  }
  SILIAN_RETURN_IF_ERROR(store.SetSetting(kHubNodeSetting, hub));
  return store.SetSetting(kHubPublicKeySetting, hub_key);
}

Status RunEnrol(const console::GlobalOptions& g, const std::string& file) {
  SILIAN_ASSIGN_OR_RETURN(std::string text, ReadFileBounded(file, "enrolment answer", kMaxAnswerBytes));
  auto answer = nlohmann::json::parse(text, nullptr, false);
  if (answer.is_discarded() || !answer.is_object())
    return InvalidArgument("enrolment answer " + Quote(file) + " is not a JSON object");
  SILIAN_ASSIGN_OR_RETURN(auto store, console::OpenLedger(g));
  SILIAN_ASSIGN_OR_RETURN(std::string device, AnswerDevice(answer, store->config().node_id.value));
  SILIAN_ASSIGN_OR_RETURN(auto pending, store->GetSetting(kEnrolPendingSetting));
  if (!pending || pending->empty())
    return FailedPrecondition("ledger " + Quote(g.db_path) + " has no enrolment request out (init --enrol-request)");
  SILIAN_ASSIGN_OR_RETURN(uint64_t own, OwnSeq(*store));
  if (own != 0) return FailedPrecondition("ledger " + Quote(g.db_path) + " already authored ops; its device stays");
  SILIAN_RETURN_IF_ERROR(ApplyEnrolAnswer(*store, answer));
  // Nothing was authored yet, so no case number used the provisional device.
  SILIAN_RETURN_IF_ERROR(store->ledger().SetMeta("device", device));
  SILIAN_RETURN_IF_ERROR(store->SetSetting(kEnrolPendingSetting, ""));
  if (g.json) {
    console::PrintJson({{"node", store->config().node_id.value}, {"device", device}, {"enrolled", true}});
  } else {
    std::cout << "enrolled node " << store->config().node_id.value << " as device " << device << "\n";
  }
  return Status::Ok();
}

std::string SentMarkPath(const std::string& db_path) { return db_path + ".sent"; }

Status RecordSent(const std::string& db_path, sync::LedgerStore& store) {
  SILIAN_ASSIGN_OR_RETURN(uint64_t own, OwnSeq(store));
  if (own == 0) return Status::Ok();
  return WriteFileAtomically(SentMarkPath(db_path), "sent mark",
                                   "silian-sent-v1\n" + store.config().node_id.value + " " + std::to_string(own) + "\n");
}

Status CheckNotRestored(const std::string& db_path, sync::LedgerStore& store) {
  SILIAN_ASSIGN_OR_RETURN(auto pending, store.GetSetting(kEnrolPendingSetting));
  if (pending && !pending->empty())
    return FailedPrecondition("node " + Quote(store.config().node_id.value) +
                              " waits for its enrolment answer: run `silian-node enrol FILE` with the hub's answer first");
  const std::string path = SentMarkPath(db_path);
  auto text = ReadFileBounded(path, "sent mark", 256);
  if (!text.ok() && text.status().code() == StatusCode::kNotFound) return Status::Ok();
  if (!text.ok()) return text.status();
  const std::string prefix = "silian-sent-v1\n" + store.config().node_id.value + " ";
  uint64_t sent = 0;
  if (text->rfind(prefix, 0) != 0 || !ParseUnsigned(text->substr(prefix.size(), text->size() - prefix.size() - 1), &sent))
    return DataLoss("sent mark " + Quote(path) + " is not this node's (" + Quote(store.config().node_id.value) + ")");
  SILIAN_ASSIGN_OR_RETURN(uint64_t own, OwnSeq(store));
  if (own >= sent) return Status::Ok();
  return FailedPrecondition("ledger " + Quote(db_path) + " looks restored from an older copy: its own ops end at seq " +
                            std::to_string(own) + ", but seq " + std::to_string(sent) + " was already sent to the hub (" +
                            path + "); run `silian-node sync` first to fetch this node's own ops back, then try again");
}

Status CheckBeforeAuthoring(const console::GlobalOptions& g) {
  if (g.db_path.empty()) return Status::Ok();
  auto store = console::OpenLedger(g);
  if (!store.ok()) return Status::Ok();  // the command itself reports the ledger's problem
  return CheckNotRestored(g.db_path, **store);
}

}  // namespace silian::node
