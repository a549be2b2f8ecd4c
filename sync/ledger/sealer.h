// Sealing personal data at rest (docs/architecture.md, "Encrypted laptops"). A node ledger made with a
// Sealer keeps every column that can hold personal data (op bytes in ops, pending and equivocations; the
// case projection's applicant name, ID number, view and conflict details) encrypted with the ledger's data
// key; what a replica exchanges, hashes and digests is always the plaintext, so an encrypted replica
// converges with a plain one. The ledger and the projection call Seal where they write such a column and
// Open where they read it; nothing else changes.
//
// Sealed value format (version 1): 0x01 | nonce (24 random bytes) | XChaCha20-Poly1305 ciphertext and tag
// (libsodium crypto_aead_xchacha20poly1305_ietf), with the row's identity as associated data ("op\n" +
// origin + "\n" + seq, "case\n" + case_id + "\n" + column, ...): a value moved to another row does not open.
// Keys: the 32-byte data key is never used directly; crypto_kdf derives the sealing key (id 1), the
// blind-index key (id 2) and the key check (id 3), context "silianLK".
// Thread-safe: every method is const and touches no shared state.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"

namespace silian::sync {

inline constexpr size_t kDataKeyBytes = 32;

class Sealer {
 public:
  virtual ~Sealer() = default;
  // `plain` encrypted and bound to `context` (the row identity).
  virtual std::string Seal(std::string_view plain, std::string_view context) const = 0;
  // The plaintext of `sealed`. kDataLoss naming `context` when it does not open (another key, changed bytes,
  // a value moved from another row).
  virtual Result<std::string> Open(std::string_view sealed, std::string_view context) const = 0;
  // A keyed hash (hex, 32 digits) of `value` in lookup domain `domain`, for equality lookups of a sealed
  // value (an applicant's ID number): equal values give equal indexes under one key only.
  virtual std::string BlindIndex(std::string_view domain, std::string_view value) const = 0;
  // A public value that identifies the data key (hex): stored in the ledger (meta "seal_check") so that a
  // wrong key is refused when the ledger opens instead of failing on the first sealed read.
  virtual std::string KeyCheck() const = 0;
};

// The libsodium sealer over `data_key` (kDataKeyBytes bytes). kInvalidArgument naming the size otherwise.
Result<std::unique_ptr<Sealer>> MakeSealer(std::string_view data_key);

// A fresh random data key (libsodium's randombytes).
std::string NewDataKey();

// The name written in meta "seal" of an encrypted ledger.
inline constexpr const char* kSealScheme = "xchacha20poly1305-ietf/v1";

}  // namespace silian::sync
