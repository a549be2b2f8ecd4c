// The enrolling side of enrolment (hub/enrol.h), shared by silian-node (`init --enrol`, `enrol FILE`) and
// silian-hub (`init --parent URL --enrol CODE`): the request, the POST to the hub's /v1/enrol, and applying
// the answer. Formats: docs/protocol.md, "Enrolment".
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "domain/store.h"

namespace silian::console {

// Settings written from an enrolment answer: the id and key of the hub that enrolled this replica.
inline constexpr const char* kHubNodeSetting = "hub_node";
inline constexpr const char* kHubPublicKeySetting = "hub_public_key";
// The hub key an offline enrolment expects its answer to be signed by (init --hub-key), base64.
inline constexpr const char* kHubKeyPinSetting = "enrol_hub_key";

// The request JSON (hub/enrol.h's format).
nlohmann::json EnrolRequestJson(const std::string& node_id, const std::string& level, const std::string& division,
                                const std::string& public_key, const std::string& code);
// The bytes the hub signs in an enrolment answer: "silian-enrol-answer-v1\n" + the answer JSON without its
// "signature", compact (docs/protocol.md, "Enrolment").
std::string EnrolAnswerSignedMessage(const nlohmann::json& answer_without_signature);
// Checks that `answer` is signed by the hub that made it: a "signature" (base64 Ed25519 over
// EnrolAnswerSignedMessage) that verifies with the answer's "hub_public_key", an answer for `node_public_key`
// (raw; its "public_key"), and, when `pinned_hub_key_b64` is not empty, a hub_public_key equal to that
// pinned key. kPermissionDenied naming what is wrong (unsigned, wrongly signed, another hub's key, another
// node's key). The answer is used only after this passed, so a refusal changes nothing.
Status VerifyEnrolAnswer(const nlohmann::json& answer, const std::string& node_public_key,
                         const std::string& pinned_hub_key_b64);
// POSTs `request` to HUB/v1/enrol, verifying an https hub with `ca_file` / `pin` (settings hub_ca, hub_pin),
// and returns the answer once VerifyEnrolAnswer passed (with `pinned_hub_key_b64`, "" for none).
// kPermissionDenied (403: the hub's reason and message; an answer not signed by the hub), kInvalidArgument
// (other 4xx), kUnavailable (no answer, 5xx).
Result<nlohmann::json> PostEnrol(const std::string& hub_url, const std::string& ca_file, const std::string& pin,
                                 const nlohmann::json& request, const std::string& pinned_hub_key_b64 = "");
// The device of an answer for `node_id`; kInvalidArgument naming the field when the answer is malformed.
Result<std::string> AnswerDevice(const nlohmann::json& answer, const std::string& node_id);
// Pins the root and records the hub from `answer`. kInvalidArgument naming a malformed field;
// kPermissionDenied when another root is pinned.
Status ApplyEnrolAnswer(sync::LedgerStore& store, const nlohmann::json& answer);

}  // namespace silian::console
