#include "net/request_auth.h"

#include <sodium.h>

#include <map>

#include "base/keys.h"
#include "base/text.h"
#include "ledger/db.h"
#include "ledger/request_nonces.h"

namespace silian::sync {
namespace {

// A value from a header as a message shows it: quoted, and cut to 40 bytes.
std::string Shown(const std::string& value) {
  return Quote(value.size() <= 40 ? value : value.substr(0, 40) + "...");
}

bool IsLowerHex(const std::string& text) {
  for (char c : text)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

// "k1=v1, k2=v2, ..." -> map; kInvalidArgument on a part without '=' or a repeated name.
Result<std::map<std::string, std::string>> SplitParameters(const std::string& text) {
  std::map<std::string, std::string> out;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t comma = text.find(',', pos);
    std::string part = text.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    while (!part.empty() && part.front() == ' ') part.erase(0, 1);
    while (!part.empty() && part.back() == ' ') part.pop_back();
    size_t eq = part.find('=');
    if (eq == std::string::npos || eq == 0)
      return InvalidArgument("Authorization parameter " + Shown(part) + " must be NAME=VALUE");
    if (!out.emplace(part.substr(0, eq), part.substr(eq + 1)).second)
      return InvalidArgument("Authorization parameter " + Shown(part.substr(0, eq)) + " appears twice");
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return out;
}

Result<uint64_t> ParseTimestamp(const std::string& text) {
  if (text.empty() || text.size() > 15) return InvalidArgument("Authorization ts " + Shown(text) + " must be milliseconds since 1970");
  uint64_t n = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return InvalidArgument("Authorization ts " + Shown(text) + " must be milliseconds since 1970");
    n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  return n;
}

}  // namespace

std::string RequestMessage(const std::string& method, const std::string& path, uint64_t ts_ms,
                           const std::string& nonce, const std::string& body) {
  return "silian-request-v1\n" + method + "\n" + path + "\n" + std::to_string(ts_ms) + "\n" + nonce + "\n" +
         ToHex(Blake2b256(body));
}

std::string ReplyMessage(const std::string& nonce, const std::string& body) {
  return "silian-reply-v1\n" + nonce + "\n" + ToHex(Blake2b256(body));
}

std::string NewNonce() {
  SILIAN_CHECK(sodium_init() >= 0);
  unsigned char bytes[kNonceHexDigits / 2];
  randombytes_buf(bytes, sizeof bytes);
  return ToHex(std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
}

std::string SignRequest(const SigningKey& key, const std::string& node_id, const std::string& method,
                        const std::string& path, const std::string& body, uint64_t ts_ms, const std::string& nonce) {
  std::string sig = key.Sign(RequestMessage(method, path, ts_ms, nonce, body));
  return std::string(kSignedAuthScheme) + " node=" + node_id + ", ts=" + std::to_string(ts_ms) + ", nonce=" + nonce +
         ", sig=" + ToBase64(sig);
}

Result<RequestCredentials> ParseSignedAuthorization(const std::string& header) {
  const std::string scheme = std::string(kSignedAuthScheme) + " ";
  if (header.rfind("Silian node=", 0) == 0)
    return FailedPrecondition(
        "the Authorization scheme \"Silian node=ID\" is sync protocol version 1, no longer accepted; this hub "
        "speaks protocol version 2 and needs signed requests (\"Silian-Ed25519 node=ID, ts=MS, nonce=HEX32, "
        "sig=BASE64\"): upgrade the program");
  if (header.rfind(scheme, 0) != 0)
    return InvalidArgument("Authorization header " + Shown(header) + " must start with \"" + scheme + "\"");
  SILIAN_ASSIGN_OR_RETURN(auto params, SplitParameters(header.substr(scheme.size())));
  for (const char* name : {"node", "ts", "nonce", "sig"})
    if (!params.count(name)) return InvalidArgument(std::string("Authorization header has no parameter ") + name);
  if (params.size() != 4) return InvalidArgument("Authorization header has parameters other than node, ts, nonce, sig");
  RequestCredentials c;
  auto node = ParseNodeId(params["node"]);
  if (!node.ok()) return InvalidArgument("Authorization node: " + node.status().message());
  c.node_id = node->value;
  SILIAN_ASSIGN_OR_RETURN(c.ts_ms, ParseTimestamp(params["ts"]));
  c.nonce = params["nonce"];
  if (c.nonce.size() != kNonceHexDigits || !IsLowerHex(c.nonce))
    return InvalidArgument("Authorization nonce " + Shown(c.nonce) + " must be 32 lowercase hex digits");
  auto sig = FromBase64(params["sig"], "Authorization sig");
  if (!sig.ok()) return InvalidArgument("Authorization sig " + Shown(params["sig"]) + " is not base64");
  if (sig->size() != kSignatureBytes)
    return InvalidArgument("Authorization sig has " + std::to_string(sig->size()) + " bytes; an Ed25519 signature has " +
                           std::to_string(kSignatureBytes));
  c.signature = std::move(*sig);
  return c;
}

std::string SignReply(const SigningKey& key, const std::string& nonce, const std::string& body) {
  return ToBase64(key.Sign(ReplyMessage(nonce, body)));
}

bool VerifyReply(const std::string& public_key, const std::string& nonce, const std::string& body,
                 const std::string& signature_base64) {
  if (signature_base64.empty() || signature_base64.size() > 200) return false;
  auto sig = FromBase64(signature_base64, "reply signature");
  return sig.ok() && VerifySignature(public_key, ReplyMessage(nonce, body), *sig);
}

// The nonces live in a file of their own beside the ledger (ledger/request_nonces.h), not in the ledger
// file: recording one must not wait behind the ledger's writer, so this works on a read view too.
Result<bool> RecordNonce(Ledger& ledger, const std::string& node_id, const std::string& nonce, uint64_t ts_ms) {
  SILIAN_ASSIGN_OR_RETURN(RequestNonces * nonces, RequestNonces::ForLedger(ledger.path()));
  const uint64_t now = ledger.wall().NowMs();
  return nonces->Record(node_id, nonce, ts_ms, now > kRequestWindowMs ? now - kRequestWindowMs : 0);
}

}  // namespace silian::sync
