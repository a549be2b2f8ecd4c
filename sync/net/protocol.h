// The sync protocol's constants and body codec, shared by the server side (SyncService) and the client
// side (SyncClient). docs/protocol.md ("Sync over HTTP") is the normative description.
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"

namespace silian::sync {

// Version log (keep in step with docs/protocol.md):
//   1  first version: POST /v1/sync with a zstd-compressed SyncRequest, one reply per request.
//   2  signed requests and replies (net/request_auth.h): "Authorization: Silian-Ed25519 ...", the reply's
//      X-Silian-Signature. A version-1 request (its Authorization scheme or protocol_version 1) is refused
//      with 426 naming both versions.
inline constexpr uint32_t kSyncProtocolVersion = 2;
inline constexpr const char* kSyncPath = "/v1/sync";
inline constexpr const char* kSyncContentType = "application/x-silian-sync";

struct SyncLimits {
  uint64_t max_body_bytes = 8ull << 20;           // compressed request or reply body
  uint64_t max_decompressed_bytes = 16ull << 20;  // the same body decompressed
  uint32_t max_push_entries = 100000;
  uint32_t max_pull_entries = 20000;
  uint64_t max_pull_bytes = 8ull << 20;
};

// zstd of a whole message body.
std::string CompressBody(const std::string& plain, int level);
// Decompresses a body in a stream: refuses (kResourceExhausted) one that would decompress beyond
// `max_bytes` (before allocating for a frame that states its size, else as soon as the output passes the
// limit) or whose zstd window exceeds 8 MiB; its memory never exceeds max_bytes + 1 plus the window.
// kInvalidArgument for bytes that are not complete zstd frames. Thread-safe. The hub bounds how many run at
// once (hub/server.cc).
Result<std::string> DecompressBody(const std::string& compressed, uint64_t max_bytes);

}  // namespace silian::sync
