// Bundles sealed for one recipient (docs/protocol.md, "Sealed bundle file"): what a USB stick carries is
// readable only by the node it was cut for. The exporter wraps a fresh stream key for the recipient's
// registered Ed25519 key (converted to X25519, libsodium crypto_box_seal) and encrypts the bundle's bytes in
// chunks with crypto_secretstream_xchacha20poly1305; the last chunk carries the final tag, so a truncated,
// reordered or changed file does not open. Inside is a plain bundle (format 1), read as before.
//
//   bytes 0..5  "SILIAN"   magic
//   byte  6     'S'        kind: sealed bundle
//   byte  7     1          format version
//   byte  8     L          length of the recipient's node id (1..64), then L bytes of it
//   80 bytes               crypto_box_seal of the 32-byte stream key
//   24 bytes               secretstream header
//   then chunks: u32 little-endian length N (17..kMaxSealedChunk), N bytes of ciphertext
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/keys.h"
#include "base/status.h"
#include "ledger/bundle.h"

namespace silian::sync {

inline constexpr char kSealedBundleKind = 'S';
inline constexpr uint8_t kSealedBundleVersion = 1;

// Whether `first_bytes` (at least 8 bytes of a file) begin a sealed bundle.
bool IsSealedBundle(std::string_view first_bytes);

// Encrypts what a BundleWriter writes into `out` for `recipient_id`, whose Ed25519 public key is
// `recipient_key`. Call Finish() after the writer's Finish(): it writes the final chunk.
class StickSealer {
 public:
  // kInvalidArgument naming the node for a key that is not a valid Ed25519 public key or an id out of range.
  static Result<std::unique_ptr<StickSealer>> Start(ByteSink out, const std::string& recipient_id,
                                                    std::string_view recipient_key);
  ~StickSealer();
  ByteSink sink();
  Status Finish();

 private:
  struct Impl;
  explicit StickSealer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Decrypts a sealed bundle read from `in` with this node's key. Open() reads the recipient and the key:
// kPermissionDenied naming both ids when the stick was sealed for another node, or when it does not open
// with this node's key; kDataLoss for a malformed header. Errors of the source: kDataLoss naming the
// chunk for a changed or truncated file.
class StickOpener {
 public:
  static Result<std::unique_ptr<StickOpener>> Open(ByteSource in, const std::string& own_id, const SigningKey& own_key);
  ~StickOpener();
  const std::string& recipient() const;
  // The plain bundle's bytes, for BundleReader::Open.
  ByteSource source();

 private:
  struct Impl;
  explicit StickOpener(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace silian::sync
