#include "ledger/sealer.h"

#include <sodium.h>

#include "base/keys.h"
#include "base/text.h"
#include "ledger/chain.h"

namespace silian::sync {
namespace {

constexpr unsigned char kVersion = 1;
constexpr char kKdfContext[crypto_kdf_CONTEXTBYTES] = {'s', 'i', 'l', 'i', 'a', 'n', 'L', 'K'};
constexpr size_t kNonceBytes = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr size_t kTagBytes = crypto_aead_xchacha20poly1305_ietf_ABYTES;

const unsigned char* U(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

std::string Derive(std::string_view data_key, uint64_t id, size_t size) {
  std::string out(size, '\0');
  crypto_kdf_derive_from_key(reinterpret_cast<unsigned char*>(out.data()), size, id, kKdfContext, U(data_key));
  return out;
}

class XChaChaSealer final : public Sealer {
 public:
  explicit XChaChaSealer(std::string_view data_key)
      : seal_key_(Derive(data_key, 1, crypto_aead_xchacha20poly1305_ietf_KEYBYTES)),
        index_key_(Derive(data_key, 2, crypto_generichash_KEYBYTES)),
        check_(ToHex(Derive(data_key, 3, 16))) {}
  ~XChaChaSealer() override {
    sodium_memzero(seal_key_.data(), seal_key_.size());
    sodium_memzero(index_key_.data(), index_key_.size());
  }

  std::string Seal(std::string_view plain, std::string_view context) const override {
    std::string out(1 + kNonceBytes + plain.size() + kTagBytes, '\0');
    auto* p = reinterpret_cast<unsigned char*>(out.data());
    p[0] = kVersion;
    randombytes_buf(p + 1, kNonceBytes);
    unsigned long long written = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(p + 1 + kNonceBytes, &written, U(plain), plain.size(), U(context),
                                               context.size(), nullptr, p + 1, U(seal_key_));
    return out;
  }

  Result<std::string> Open(std::string_view sealed, std::string_view context) const override {
    if (sealed.size() < 1 + kNonceBytes + kTagBytes || static_cast<unsigned char>(sealed[0]) != kVersion)
      return DataLoss("sealed value of " + Quote(context) + " is not a version-1 sealed value (" +
                      std::to_string(sealed.size()) + " bytes)");
    std::string out(sealed.size() - 1 - kNonceBytes - kTagBytes, '\0');
    unsigned long long written = 0;
    const auto* p = U(sealed);
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(reinterpret_cast<unsigned char*>(out.data()), &written, nullptr,
                                                   p + 1 + kNonceBytes, sealed.size() - 1 - kNonceBytes, U(context),
                                                   context.size(), p + 1, U(seal_key_)) != 0)
      return DataLoss("sealed value of " + Quote(context) +
                      " does not open with this ledger's key (changed, or moved from another row)");
    return out;
  }

  std::string BlindIndex(std::string_view domain, std::string_view value) const override {
    crypto_generichash_state st;
    crypto_generichash_init(&st, U(index_key_), index_key_.size(), 16);
    crypto_generichash_update(&st, U(domain), domain.size());
    const unsigned char zero = 0;
    crypto_generichash_update(&st, &zero, 1);
    crypto_generichash_update(&st, U(value), value.size());
    std::string out(16, '\0');
    crypto_generichash_final(&st, reinterpret_cast<unsigned char*>(out.data()), out.size());
    return ToHex(out);
  }

  std::string KeyCheck() const override { return check_; }

 private:
  std::string seal_key_;
  std::string index_key_;
  std::string check_;
};

}  // namespace

Result<std::unique_ptr<Sealer>> MakeSealer(std::string_view data_key) {
  if (data_key.size() != kDataKeyBytes)
    return InvalidArgument("a data key has " + std::to_string(kDataKeyBytes) + " bytes, not " +
                           std::to_string(data_key.size()));
  if (sodium_init() < 0) return Internal("libsodium cannot initialise");
  return std::unique_ptr<Sealer>(new XChaChaSealer(data_key));
}

std::string NewDataKey() {
  std::string key(kDataKeyBytes, '\0');
  randombytes_buf(key.data(), key.size());
  return key;
}

}  // namespace silian::sync
