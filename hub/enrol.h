// Enrolment: how a node (or a child hub) gets its key registered without an administrator copying it.
//
// `silian-hub node add ID --level L --division D` (no --public-key) lets the node sync here, allocates its
// device number (domain/registry.h: only the hub with the smallest area containing the division does) and
// issues a one-time enrolment code: 120 random bits, shown as 6 groups of 4 Crockford base-32 characters
// ("7KQ2-..."), stored only as BLAKE2b-256("silian-enrol-v1\n" + node id + "\n" + normalised code) with the
// node id, its device, its expiry (default 72 h) and the time it was used. Issuing again replaces the code.
//
// The node presents the code with its public key, online (POST /v1/enrol, the one request not signed by a
// key: the code authenticates it) or offline (a request file the node signs, answered by
// `silian-hub node enrol FILE --out FILE`). Both run Enrol: the code must be the node's, unused and
// unexpired, and the level and division must be those given at `node add`; a refusal (403 with a reason)
// changes nothing. On success the hub publishes the registration (key, device) and marks the code used in
// one transaction, and answers with what the node needs: its device, the root's id and key, and this hub's
// id and key. Formats: docs/protocol.md, "Enrolment".
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "domain/store.h"
#include "hub/hub_ledger.h"
#include "hub/metrics.h"

namespace web::http {
class http_request;
}

namespace silian::hub {

inline constexpr const char* kEnrolPath = "/v1/enrol";

inline constexpr uint64_t kDefaultEnrolTtlMs = 72ull * 3600 * 1000;
inline constexpr size_t kMaxEnrolBodyBytes = 4096;  // a request is a few hundred bytes

// A code as issued: `code` is shown once and never stored.
struct IssuedCode {
  std::string code;
  std::string device;
  uint64_t expires_ms = 0;
};

// The device of `peer`: the one promised to its code or held in its registration, else a free one
// (LedgerStore::AllocateDevice, with the devices promised to unused codes taken).
Result<std::string> DeviceFor(sync::LedgerStore& store, const sync::Peer& peer);

// The devices promised to codes not used yet, by node id.
Result<std::map<std::string, std::string>> PromisedDevicesByNode(sync::LedgerStore& store);

// Lets `peer` sync here (as RegisterNode without a key), allocates its device (or keeps the one promised to
// it or registered for it) and stores a new code's hash, in one transaction. kPermissionDenied naming the
// responsible hub when this hub does not allocate devices of the division; RegisterNode's errors.
Result<IssuedCode> IssueEnrolCode(sync::LedgerStore& store, const sync::Peer& peer, uint64_t ttl_ms, uint64_t now_ms);

// What a node presents.
struct EnrolRequest {
  std::string node_id, level, division;
  std::string public_key;  // 32 raw bytes
  std::string code;        // as typed: groups, spaces and case do not matter
};
// The request's JSON form {"node","level","division","public_key" (base64),"code"}. kInvalidArgument naming
// the field and the value.
Result<EnrolRequest> ParseEnrolRequest(const nlohmann::json& j);
nlohmann::json EnrolRequestJson(const EnrolRequest& r);

// The outcome of Enrol: http_status 200 with `answer`, or 4xx with a `reason` (unknown_code, wrong_code,
// used_code, expired_code, mismatch) and a message naming the node and the value.
struct EnrolOutcome {
  int http_status = 200;
  std::string reason;
  std::string message;
  nlohmann::json answer;
};
// Checks `r` against the stored code and enrols the node. Nothing changes unless it succeeds.
EnrolOutcome Enrol(sync::LedgerStore& store, const EnrolRequest& r, uint64_t now_ms);

// Enrolment attempts allowed per minute at one hub (all clients together): a guessing client is slowed
// to that; 120-bit codes are not guessed anyway. Thread-safe.
class EnrolRateLimit {
 public:
  static constexpr int kPerMinute = 30;
  // Whether one more attempt may run now.
  bool Allow(uint64_t now_ms);

 private:
  std::mutex mu_;
  uint64_t window_start_ms_ = 0;
  int count_ = 0;
};

// Serves POST /v1/enrol: 405 for another method, 413 for a body over kMaxEnrolBodyBytes (by its
// Content-Length, before reading it), 429 beyond the rate limit, 400 for a malformed request, then Enrol.
// Replies JSON: the answer, or {"error": reason, "message": ...}.
void ServeEnrol(HubLedger& ledger, Metrics& metrics, EnrolRateLimit& limit, const web::http::http_request& request);

// The offline request file: the request JSON plus "signature" (base64 Ed25519 over
// "silian-enrol-request-v1\n" + the request JSON's dump without it), made with the node's key.
// ParseEnrolRequestFile checks the signature with the key the file names. kInvalidArgument otherwise.
std::string EnrolRequestSignedMessage(const nlohmann::json& request);
Result<EnrolRequest> ParseEnrolRequestFile(const std::string& text);

}  // namespace silian::hub
