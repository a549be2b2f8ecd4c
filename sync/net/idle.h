// The idle probe of the sync protocol (docs/protocol.md, "Idle probe"): before a full session, a replica
// that has nothing to push asks its hub, in one small request, whether a full session would move anything.
// This header holds what both ends compute: the state digest, the key the two ends derive from their
// Ed25519 keys, and the MACs of the probe and of its answer. Pure functions (libsodium only), thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/keys.h"
#include "base/status.h"
#include "silian.pb.h"

namespace silian::sync {

inline constexpr const char* kIdlePath = "/v1/idle";
inline constexpr size_t kIdleDigestBytes = 16;
inline constexpr size_t kIdleMacBytes = 16;
inline constexpr size_t kIdleNonceBytes = 16;
// The largest IdleRequest body a hub reads (a node id of 64 bytes makes one of about 130).
inline constexpr size_t kMaxIdleBodyBytes = 512;

// The two MAC keys of one (node, hub) pair, 32 bytes each: `request` authenticates probes (node to hub),
// `reply` the hub's answers. Each end derives the same pair: X25519 of its own key and the other's
// (the Ed25519 keys converted, crypto_kx), then crypto_kdf with the context "silidle1".
struct IdleKeys {
  std::string request;
  std::string reply;
};
// At the node: from its own signing key and the hub's Ed25519 public key. kInvalidArgument when the hub's
// key is not a usable Ed25519 public key.
Result<IdleKeys> NodeIdleKeys(const SigningKey& node, const std::string& hub_public_key);
// At the hub: from its own signing key and the node's registered Ed25519 public key. kInvalidArgument when
// the node's key is not usable.
Result<IdleKeys> HubIdleKeys(const SigningKey& hub, const std::string& node_public_key);

// BLAKE2b-128 of what a full session would send and expect: the sender's level and division, the hub epoch
// and cursor of its pull state, and its frontier as (origin, seq) pairs in origin order (hashes and
// entries of seq 0 are left out). The node computes it from its ledger; the hub from what it sent.
std::string IdleDigest(const std::string& level, const std::string& division, const std::string& epoch,
                       uint64_t cursor, const pb::Frontier& frontier);
// BLAKE2b-128 of receipts a hub sends: its own (origin, seq, hash) and each upstream level's, in a fixed
// order; the upstream `as_of_ms` is left out (it changes with every relay session, the receipts need not).
std::string ReceiptsDigest(const pb::Frontier& receipt, const std::vector<pb::LevelReceipt>& upstream);

// Keyed BLAKE2b-128 of "silian-idle-v1\nPOST\n/v1/idle\n" + the serialized IdleProbe (which carries the node
// id, digest, timestamp and nonce), with `request_key`.
std::string ProbeMac(const std::string& request_key, const std::string& probe_bytes);
// Keyed BLAKE2b-128 of "silian-idle-answer-v1\n" + the probe's nonce + "\n" + "unchanged" or "changed",
// with `reply_key`.
std::string AnswerMac(const std::string& reply_key, const std::string& nonce, bool unchanged);
// Constant-time comparison of two MACs; false unless both have kIdleMacBytes.
bool IdleMacEqual(const std::string& a, const std::string& b);

// 16 random bytes (libsodium randombytes).
std::string NewIdleNonce();

}  // namespace silian::sync
