// Signed requests and replies of the sync protocol (version 2). docs/protocol.md ("Sync over HTTP",
// "Signed requests") is the normative description.
//
// A request carries `Authorization: Silian-Ed25519 node=ID, ts=MS, nonce=HEX32, sig=BASE64`, where sig is
// the sender's Ed25519 signature of RequestMessage (the body hashed as sent, i.e. compressed). The reply
// carries `X-Silian-Signature: BASE64`, the hub's signature of ReplyMessage (the request's nonce and the
// reply body as sent). Pure functions, except NewNonce (random) and the nonce table (the ledger's file).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "base/ids.h"
#include "base/keys.h"
#include "base/status.h"
#include "ledger/ledger.h"

namespace silian::sync {

inline constexpr const char* kSignedAuthScheme = "Silian-Ed25519";
inline constexpr const char* kReplySignatureHeader = "X-Silian-Signature";
// A request's timestamp may differ from the hub's clock by at most this much; its nonce is remembered
// for as long (a nonce older than the window can only come with a stale timestamp, refused anyway).
inline constexpr uint64_t kRequestWindowMs = 5 * 60 * 1000;
inline constexpr size_t kNonceHexDigits = 32;

struct RequestCredentials {
  std::string node_id;
  uint64_t ts_ms = 0;
  std::string nonce;      // 32 lowercase hex digits
  std::string signature;  // 64 raw bytes
};

// "silian-request-v1\n" METHOD "\n" PATH "\n" decimal(ts_ms) "\n" nonce "\n" hex(BLAKE2b-256(body)).
std::string RequestMessage(const std::string& method, const std::string& path, uint64_t ts_ms,
                           const std::string& nonce, const std::string& body);
// "silian-reply-v1\n" nonce "\n" hex(BLAKE2b-256(body)).
std::string ReplyMessage(const std::string& nonce, const std::string& body);

// 16 random bytes as 32 lowercase hex digits (libsodium randombytes). Thread-safe.
std::string NewNonce();

// The Authorization header value for a request `key` signs as `node_id`.
std::string SignRequest(const SigningKey& key, const std::string& node_id, const std::string& method,
                        const std::string& path, const std::string& body, uint64_t ts_ms, const std::string& nonce);

// Parses a Silian-Ed25519 header. kFailedPrecondition for the protocol-1 scheme ("Silian node=ID"),
// naming both versions; kInvalidArgument naming the parameter and its (cut) value for anything else.
Result<RequestCredentials> ParseSignedAuthorization(const std::string& header);

// The X-Silian-Signature value of a reply, and its check (false for an empty or malformed value).
std::string SignReply(const SigningKey& key, const std::string& nonce, const std::string& body);
bool VerifyReply(const std::string& public_key, const std::string& nonce, const std::string& body,
                 const std::string& signature_base64);

// What a replica's registry says of a node: the injected view of the domain's registry (sync/net may not
// depend on domain/; console/node_keys.h implements it with the domain Registry).
struct NodeKey {
  std::string public_key;  // 32 bytes; "" when the node has not enrolled
  Level level = Level::kVillage;
  bool removed = false;
  bool revoked = false;
};
// nullopt when `node_id` has no registration here. Called under the ledger's lock.
using NodeKeyLookup = std::function<Result<std::optional<NodeKey>>(Ledger& ledger, const std::string& node_id)>;

// The nonces of accepted requests, in a small file of their own beside the ledger (`LEDGER-nonces`,
// ledger/request_nonces.h), so that a restart does not reopen replays and recording one never waits for the
// ledger's writer. Records (`node_id`, `nonce`) and purges nonces whose timestamp is older than the window.
// Returns false when the pair was already recorded (a replay). `ledger` gives the file's path and the clock.
Result<bool> RecordNonce(Ledger& ledger, const std::string& node_id, const std::string& nonce, uint64_t ts_ms);

}  // namespace silian::sync
