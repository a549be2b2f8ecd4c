// The hash chain of an origin's ops: chain(origin, n) = BLAKE2b-256(chain(origin, n-1) || bytes(op n)),
// starting from 32 zero bytes (libsodium crypto_generichash). docs/architecture.md ("The op log").
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace silian::sync {

inline constexpr size_t kHashBytes = 32;

// The chain hash before an origin's first op: 32 zero bytes.
const std::string& ZeroHash();
// One chain step: H(prev || op_bytes).
std::string ChainHash(const std::string& prev, const std::string& op_bytes);
// The message an origin signs for its chain head at `seq` (docs/protocol.md, "Signatures"):
// "silian-head-v1\n" + origin + "\n" + decimal(seq) + "\n" + hash (kHashBytes raw bytes).
std::string SignedHeadMessage(const std::string& origin, uint64_t seq, const std::string& hash);
// Lower-case hexadecimal of `bytes`.
std::string ToHex(const std::string& bytes);

}  // namespace silian::sync
