#include "base/keys.h"

#include <sodium.h>

#include <cstdlib>

#include "base/text.h"

namespace silian::sync {
namespace {

const unsigned char* Bytes(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

void InitSodium() {
  static const bool ready = sodium_init() >= 0;
  if (!ready) std::abort();  // libsodium cannot run without a working random source: nothing is safe
}

}  // namespace

SigningKey SigningKey::Generate() {
  InitSodium();
  SigningKey k;
  k.public_key_.resize(crypto_sign_PUBLICKEYBYTES);
  k.secret_.resize(crypto_sign_SECRETKEYBYTES);
  crypto_sign_keypair(reinterpret_cast<unsigned char*>(k.public_key_.data()),
                      reinterpret_cast<unsigned char*>(k.secret_.data()));
  return k;
}

SigningKey SigningKey::FromSeed(std::string_view seed) {
  InitSodium();
  if (seed.size() != crypto_sign_SEEDBYTES) std::abort();
  SigningKey k;
  k.public_key_.resize(crypto_sign_PUBLICKEYBYTES);
  k.secret_.resize(crypto_sign_SECRETKEYBYTES);
  crypto_sign_seed_keypair(reinterpret_cast<unsigned char*>(k.public_key_.data()),
                           reinterpret_cast<unsigned char*>(k.secret_.data()), Bytes(seed));
  return k;
}

Result<SigningKey> SigningKey::FromSecret(std::string_view secret, std::string_view what) {
  InitSodium();
  if (secret.size() != crypto_sign_SECRETKEYBYTES)
    return DataLoss(std::string(what) + " holds " + std::to_string(secret.size()) + " bytes, not an Ed25519 secret key of " +
                    std::to_string(crypto_sign_SECRETKEYBYTES));
  SigningKey k;
  k.secret_ = std::string(secret);
  k.public_key_.resize(crypto_sign_PUBLICKEYBYTES);
  crypto_sign_ed25519_sk_to_pk(reinterpret_cast<unsigned char*>(k.public_key_.data()), Bytes(k.secret_));
  std::string seed(crypto_sign_SEEDBYTES, '\0');
  crypto_sign_ed25519_sk_to_seed(reinterpret_cast<unsigned char*>(seed.data()), Bytes(k.secret_));
  std::string pk(crypto_sign_PUBLICKEYBYTES, '\0'), sk(crypto_sign_SECRETKEYBYTES, '\0');
  crypto_sign_seed_keypair(reinterpret_cast<unsigned char*>(pk.data()), reinterpret_cast<unsigned char*>(sk.data()),
                           Bytes(seed));
  sodium_memzero(seed.data(), seed.size());
  bool same = sodium_memcmp(pk.data(), k.public_key_.data(), pk.size()) == 0;
  sodium_memzero(sk.data(), sk.size());
  if (!same) return DataLoss(std::string(what) + " is not a consistent Ed25519 key pair");
  return k;
}

std::string SigningKey::Sign(std::string_view message) const {
  std::string sig(crypto_sign_BYTES, '\0');
  crypto_sign_detached(reinterpret_cast<unsigned char*>(sig.data()), nullptr, Bytes(message), message.size(),
                       Bytes(secret_));
  return sig;
}

bool VerifySignature(std::string_view public_key, std::string_view message, std::string_view signature) {
  InitSodium();
  if (public_key.size() != crypto_sign_PUBLICKEYBYTES || signature.size() != crypto_sign_BYTES) return false;
  return crypto_sign_verify_detached(Bytes(signature), Bytes(message), message.size(), Bytes(public_key)) == 0;
}

std::string Blake2b256(std::string_view bytes) {
  std::string out(32, '\0');
  crypto_generichash(reinterpret_cast<unsigned char*>(out.data()), out.size(), Bytes(bytes), bytes.size(), nullptr, 0);
  return out;
}

std::string KeyFingerprint(std::string_view public_key) {
  static const char* kHex = "0123456789abcdef";
  std::string h = Blake2b256(public_key), out;
  for (size_t i = 0; i < 8; ++i) {
    out += kHex[static_cast<unsigned char>(h[i]) >> 4];
    out += kHex[static_cast<unsigned char>(h[i]) & 15];
  }
  return out;
}

std::string ToHex(std::string_view bytes) {
  std::string out(bytes.size() * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  out.resize(bytes.size() * 2);
  return out;
}

std::string ToBase64(std::string_view bytes) {
  const int variant = sodium_base64_VARIANT_ORIGINAL;
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), variant), '\0');
  sodium_bin2base64(out.data(), out.size(), Bytes(bytes), bytes.size(), variant);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

Result<std::string> FromBase64(std::string_view text, std::string_view what) {
  std::string out(text.size() / 4 * 3 + 3, '\0');
  size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(), text.size(), nullptr, &len,
                        nullptr, sodium_base64_VARIANT_ORIGINAL) != 0)
    return InvalidArgument(std::string(what) + " " + Quote(std::string(text.substr(0, 100))) + " is not base64");
  out.resize(len);
  return out;
}

}  // namespace silian::sync
