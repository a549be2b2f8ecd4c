#include "ledger/chain.h"

#include <sodium.h>

namespace silian::sync {

const std::string& ZeroHash() {
  static const std::string zero(kHashBytes, '\0');
  return zero;
}

std::string ChainHash(const std::string& prev, const std::string& op_bytes) {
  crypto_generichash_state st;
  crypto_generichash_init(&st, nullptr, 0, kHashBytes);
  crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(prev.data()), prev.size());
  crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(op_bytes.data()), op_bytes.size());
  std::string out(kHashBytes, '\0');
  crypto_generichash_final(&st, reinterpret_cast<unsigned char*>(out.data()), kHashBytes);
  return out;
}

std::string SignedHeadMessage(const std::string& origin, uint64_t seq, const std::string& hash) {
  return "silian-head-v1\n" + origin + "\n" + std::to_string(seq) + "\n" + hash;
}

std::string ToHex(const std::string& bytes) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

}  // namespace silian::sync
