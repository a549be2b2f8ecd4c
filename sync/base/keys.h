// Ed25519 signing keys (libsodium crypto_sign_*): the identity of a replica, and of what it signs.
// Every replica has one key pair, made when its ledger is created (Ledger::signing_key); its public key
// travels in its registration (pb::NodeRegistered.public_key), so any replica can verify what it signed.
// Messages are always domain-separated: a signature over one kind of message (a chain head, a request,
// a bundle) can never be replayed as another (docs/protocol.md, "Signatures").
// Pure functions and immutable values; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "base/status.h"

namespace silian::sync {

inline constexpr size_t kPublicKeyBytes = 32;
inline constexpr size_t kSecretKeyBytes = 64;  // libsodium's: the 32-byte seed followed by the public key
inline constexpr size_t kSignatureBytes = 64;

class SigningKey {
 public:
  // A new random key pair.
  static SigningKey Generate();
  // The key pair of a 32-byte seed: the same seed gives the same keys (deterministic simulation only;
  // a real replica's key comes from Generate). Aborts on a seed of another size.
  static SigningKey FromSeed(std::string_view seed);
  // The key pair of a stored secret key. kDataLoss naming `what` when it is not 64 bytes or its public half
  // does not match its seed.
  static Result<SigningKey> FromSecret(std::string_view secret, std::string_view what);

  const std::string& public_key() const { return public_key_; }
  // The secret key, for storing it (mode 0600, or inside the ledger). Never sent.
  const std::string& secret() const { return secret_; }
  // The detached signature of `message` (kSignatureBytes).
  std::string Sign(std::string_view message) const;

 private:
  std::string public_key_;
  std::string secret_;
};

// Whether `signature` is `public_key`'s signature of `message`. False for keys or signatures of the wrong
// size.
bool VerifySignature(std::string_view public_key, std::string_view message, std::string_view signature);

// A short printable name of a public key for people: the first 16 hex digits of its BLAKE2b-256 hash.
std::string KeyFingerprint(std::string_view public_key);

// Lower-case hexadecimal, two digits a byte.
std::string ToHex(std::string_view bytes);

// Standard base64 (with padding), and back. FromBase64: kInvalidArgument naming `what` and the value.
std::string ToBase64(std::string_view bytes);
Result<std::string> FromBase64(std::string_view text, std::string_view what);

// BLAKE2b-256 of `bytes` (libsodium crypto_generichash), 32 raw bytes.
std::string Blake2b256(std::string_view bytes);

}  // namespace silian::sync
