#include "console/enrol_client.h"

#include "base/keys.h"
#include "base/text.h"
#include "domain/registry.h"
#include "domain/validation.h"
#include "http/curl_transport.h"

namespace silian::console {
namespace {

constexpr const char* kEnrolPath = "/v1/enrol";
constexpr uint64_t kMaxAnswerBytes = 16 * 1024;

Result<std::string> StringField(const nlohmann::json& j, const char* name) {
  if (!j.is_object() || !j.contains(name) || !j[name].is_string())
    return InvalidArgument(std::string("the enrolment answer has no field \"") + name + "\"");
  return j[name].get<std::string>();
}

}  // namespace

nlohmann::json EnrolRequestJson(const std::string& node_id, const std::string& level, const std::string& division,
                                const std::string& public_key, const std::string& code) {
  return {{"node", node_id}, {"level", level}, {"division", division},
          {"public_key", sync::ToBase64(public_key)}, {"code", code}};
}

std::string EnrolAnswerSignedMessage(const nlohmann::json& answer_without_signature) {
  return "silian-enrol-answer-v1\n" + answer_without_signature.dump();
}

Status VerifyEnrolAnswer(const nlohmann::json& answer, const std::string& node_public_key,
                         const std::string& pinned_hub_key_b64) {
  const std::string hub = answer.is_object() && answer.contains("hub") && answer["hub"].is_string()
                              ? Quote(answer["hub"].get<std::string>())
                              : std::string("(unnamed)");
  if (!answer.is_object() || !answer.contains("signature") || !answer["signature"].is_string())
    return PermissionDenied("the enrolment answer of hub " + hub +
                            " is not signed (no \"signature\"): refused, nothing stored; is it an older hub, or "
                            "not the hub at all?");
  SILIAN_ASSIGN_OR_RETURN(std::string hub_key_b64, StringField(answer, "hub_public_key"));
  SILIAN_ASSIGN_OR_RETURN(std::string hub_key, sync::FromBase64(hub_key_b64, "hub_public_key"));
  if (hub_key.size() != sync::kPublicKeyBytes)
    return PermissionDenied("hub_public_key of the enrolment answer of hub " + hub + " is not a 32-byte Ed25519 key");
  if (!pinned_hub_key_b64.empty() && hub_key_b64 != pinned_hub_key_b64) {
    auto pinned = sync::FromBase64(pinned_hub_key_b64, "the pinned hub key");
    return PermissionDenied("the enrolment answer is signed by hub key " + sync::KeyFingerprint(hub_key) +
                            ", not the pinned hub key " +
                            (pinned.ok() ? sync::KeyFingerprint(*pinned) : Quote(pinned_hub_key_b64)) +
                            ": refused, nothing stored");
  }
  SILIAN_ASSIGN_OR_RETURN(std::string signature,
                          sync::FromBase64(answer["signature"].get<std::string>(), "signature"));
  nlohmann::json unsigned_answer = answer;
  unsigned_answer.erase("signature");
  if (!sync::VerifySignature(hub_key, EnrolAnswerSignedMessage(unsigned_answer), signature))
    return PermissionDenied("the signature of the enrolment answer of hub " + hub + " does not verify with its key " +
                            sync::KeyFingerprint(hub_key) + " (changed on the way, or forged): refused, nothing stored");
  SILIAN_ASSIGN_OR_RETURN(std::string for_key_b64, StringField(answer, "public_key"));
  if (for_key_b64 != sync::ToBase64(node_public_key))
    return PermissionDenied("the enrolment answer of hub " + hub + " is for key " + Quote(for_key_b64) +
                            ", not this node's key " + sync::KeyFingerprint(node_public_key) + ": refused");
  return Status::Ok();
}

Result<nlohmann::json> PostEnrol(const std::string& hub_url, const std::string& ca_file, const std::string& pin,
                                 const nlohmann::json& request, const std::string& pinned_hub_key_b64) {
  sync::CurlTransport::Options options;
  options.trust = sync::HubTrust{ca_file, pin};
  options.max_reply_bytes = kMaxAnswerBytes;
  SILIAN_ASSIGN_OR_RETURN(auto transport, sync::CurlTransport::Create(hub_url, options));
  SILIAN_ASSIGN_OR_RETURN(auto reply, transport->Post(kEnrolPath, request.dump(), request["node"].get<std::string>()));
  auto body = nlohmann::json::parse(reply.body, nullptr, false);
  if (reply.http_status == 200) {
    if (body.is_discarded() || !body.is_object())
      return Unavailable("hub " + hub_url + " answered the enrolment with a body that is not a JSON object");
    SILIAN_ASSIGN_OR_RETURN(std::string node_key, sync::FromBase64(request["public_key"].get<std::string>(), "public_key"));
    SILIAN_RETURN_IF_ERROR(VerifyEnrolAnswer(body, node_key, pinned_hub_key_b64));
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

}  // namespace silian::console
