#include "ledger/stick_seal.h"

#include <sodium.h>

#include <cstring>
#include <vector>

#include "base/message_keys.h"
#include "base/text.h"

namespace silian::sync {

namespace {

constexpr char kMagic[] = "SILIAN";
constexpr size_t kMagicBytes = 6;
constexpr size_t kPlainChunk = 64 * 1024;
constexpr size_t kAbytes = crypto_secretstream_xchacha20poly1305_ABYTES;
constexpr size_t kMaxSealedChunk = kPlainChunk + kAbytes;
constexpr size_t kSealedKeyBytes = crypto_secretstream_xchacha20poly1305_KEYBYTES + crypto_box_SEALBYTES;
constexpr size_t kMaxIdBytes = 64;

std::string LittleEndian32(uint32_t v) {
  std::string out(4, '\0');
  for (int i = 0; i < 4; ++i) out[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  return out;
}

const unsigned char* Bytes(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }
unsigned char* Bytes(std::string& s) { return reinterpret_cast<unsigned char*>(s.data()); }

// Reads exactly `size` bytes; false at a clean end of input before the first byte.
Result<bool> ReadExactly(const ByteSource& in, char* data, size_t size, const std::string& what) {
  size_t got = 0;
  while (got < size) {
    SILIAN_ASSIGN_OR_RETURN(size_t n, in(data + got, size - got));
    if (n == 0) {
      if (got == 0) return false;
      return DataLoss("sealed bundle is truncated in " + what);
    }
    got += n;
  }
  return true;
}

}  // namespace

bool IsSealedBundle(std::string_view first_bytes) {
  return first_bytes.size() >= kMagicBytes + 1 && first_bytes.substr(0, kMagicBytes) == kMagic &&
         first_bytes[kMagicBytes] == kSealedBundleKind;
}

// ---------------------------------------------------------------------------------------------- sealing

struct StickSealer::Impl {
  ByteSink out;
  std::string recipient;
  crypto_secretstream_xchacha20poly1305_state state{};
  std::string pending;  // plain bytes not yet encrypted
  bool finished = false;

  Status Push(const char* data, size_t size, unsigned char tag) {
    std::string chunk(size + kAbytes, '\0');
    unsigned long long written = 0;
    crypto_secretstream_xchacha20poly1305_push(&state, Bytes(chunk), &written, reinterpret_cast<const unsigned char*>(data),
                                               size, Bytes(recipient), recipient.size(), tag);
    chunk.resize(static_cast<size_t>(written));
    const std::string length = LittleEndian32(static_cast<uint32_t>(chunk.size()));
    SILIAN_RETURN_IF_ERROR(out(length.data(), length.size()));
    return out(chunk.data(), chunk.size());
  }
};

Result<std::unique_ptr<StickSealer>> StickSealer::Start(ByteSink out, const std::string& recipient_id,
                                                        std::string_view recipient_key) {
  if (sodium_init() < 0) return Internal("libsodium failed to initialise");
  if (recipient_id.empty() || recipient_id.size() > kMaxIdBytes)
    return InvalidArgument("recipient node id " + Quote(recipient_id) + " must have 1 to 64 characters");
  std::string x_pk(crypto_box_PUBLICKEYBYTES, '\0');
  if (recipient_key.size() != crypto_sign_PUBLICKEYBYTES ||
      crypto_sign_ed25519_pk_to_curve25519(Bytes(x_pk), Bytes(recipient_key)) != 0)
    return InvalidArgument("the registered key of node " + Quote(recipient_id) + " is not a valid Ed25519 public key");
  auto impl = std::make_unique<Impl>();
  impl->out = std::move(out);
  impl->recipient = recipient_id;
  std::string key(crypto_secretstream_xchacha20poly1305_KEYBYTES, '\0');
  crypto_secretstream_xchacha20poly1305_keygen(Bytes(key));
  std::string sealed_key(kSealedKeyBytes, '\0');
  crypto_box_seal(Bytes(sealed_key), Bytes(key), key.size(), Bytes(x_pk));
  std::string header(crypto_secretstream_xchacha20poly1305_HEADERBYTES, '\0');
  crypto_secretstream_xchacha20poly1305_init_push(&impl->state, Bytes(header), Bytes(key));
  sodium_memzero(key.data(), key.size());
  std::string start = std::string(kMagic, kMagicBytes) + kSealedBundleKind + static_cast<char>(kSealedBundleVersion) +
                      static_cast<char>(recipient_id.size()) + recipient_id + sealed_key + header;
  SILIAN_RETURN_IF_ERROR(impl->out(start.data(), start.size()));
  return std::unique_ptr<StickSealer>(new StickSealer(std::move(impl)));
}

StickSealer::StickSealer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
StickSealer::~StickSealer() { sodium_memzero(&impl_->state, sizeof impl_->state); }

ByteSink StickSealer::sink() {
  Impl* m = impl_.get();
  return [m](const char* data, size_t size) -> Status {
    if (m->finished) return Internal("sealed bundle written after its end");
    m->pending.append(data, size);
    size_t at = 0;
    while (m->pending.size() - at > kPlainChunk) {
      SILIAN_RETURN_IF_ERROR(m->Push(m->pending.data() + at, kPlainChunk, 0));
      at += kPlainChunk;
    }
    m->pending.erase(0, at);
    return Status::Ok();
  };
}

Status StickSealer::Finish() {
  if (impl_->finished) return Status::Ok();
  impl_->finished = true;
  Status pushed = impl_->Push(impl_->pending.data(), impl_->pending.size(),
                              crypto_secretstream_xchacha20poly1305_TAG_FINAL);
  sodium_memzero(impl_->pending.data(), impl_->pending.size());
  return pushed;
}

// ---------------------------------------------------------------------------------------------- opening

struct StickOpener::Impl {
  ByteSource in;
  std::string recipient;
  crypto_secretstream_xchacha20poly1305_state state{};
  std::string plain;  // decrypted bytes not yet handed out
  size_t at = 0;
  uint64_t chunks = 0;
  bool final_seen = false;

  // Decrypts the next chunk into `plain`; false at the end of the file.
  Result<bool> NextChunk() {
    char length_bytes[4];
    SILIAN_ASSIGN_OR_RETURN(bool more, ReadExactly(in, length_bytes, 4, "chunk " + std::to_string(chunks + 1)));
    if (!more) return false;
    uint32_t length = 0;
    for (int i = 0; i < 4; ++i) length |= static_cast<uint32_t>(static_cast<unsigned char>(length_bytes[i])) << (8 * i);
    const std::string name = "chunk " + std::to_string(chunks + 1);
    if (final_seen) return DataLoss("sealed bundle has data after its final chunk");
    if (length < kAbytes || length > kMaxSealedChunk)
      return DataLoss("sealed bundle " + name + " has a length of " + std::to_string(length) + " bytes, not " +
                      std::to_string(kAbytes) + ".." + std::to_string(kMaxSealedChunk));
    std::string cipher(length, '\0');
    SILIAN_ASSIGN_OR_RETURN(bool whole, ReadExactly(in, cipher.data(), length, name));
    if (!whole) return DataLoss("sealed bundle is truncated in " + name);
    plain.assign(length - kAbytes, '\0');
    unsigned long long plain_length = 0;
    unsigned char tag = 0;
    if (crypto_secretstream_xchacha20poly1305_pull(&state, Bytes(plain), &plain_length, &tag, Bytes(cipher), length,
                                                   Bytes(recipient), recipient.size()) != 0)
      return DataLoss("sealed bundle " + name + " does not open: the file was changed or its chunks reordered")
          .With(msg::kBundleChanged);
    plain.resize(static_cast<size_t>(plain_length));
    at = 0;
    ++chunks;
    final_seen = tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL;
    return true;
  }
};

Result<std::unique_ptr<StickOpener>> StickOpener::Open(ByteSource in, const std::string& own_id,
                                                       const SigningKey& own_key) {
  if (sodium_init() < 0) return Internal("libsodium failed to initialise");
  auto impl = std::make_unique<Impl>();
  impl->in = std::move(in);
  char fixed[kMagicBytes + 3];
  SILIAN_ASSIGN_OR_RETURN(bool any, ReadExactly(impl->in, fixed, sizeof fixed, "its header"));
  if (!any || !IsSealedBundle(std::string_view(fixed, sizeof fixed))) return InvalidArgument("not a sealed bundle");
  if (static_cast<uint8_t>(fixed[kMagicBytes + 1]) != kSealedBundleVersion)
    return InvalidArgument("the sealed bundle has format version " +
                           std::to_string(static_cast<uint8_t>(fixed[kMagicBytes + 1])) + "; this program reads version " +
                           std::to_string(kSealedBundleVersion));
  const size_t id_length = static_cast<uint8_t>(fixed[kMagicBytes + 2]);
  if (id_length == 0 || id_length > kMaxIdBytes)
    return DataLoss("sealed bundle names a recipient of " + std::to_string(id_length) + " bytes, not 1..64");
  impl->recipient.assign(id_length, '\0');
  SILIAN_ASSIGN_OR_RETURN(bool id_read, ReadExactly(impl->in, impl->recipient.data(), id_length, "its header"));
  if (!id_read) return DataLoss("sealed bundle is truncated in its header");
  if (impl->recipient != own_id)
    return PermissionDenied("this bundle is sealed for node " + Quote(impl->recipient) + ", not for this node " +
                            Quote(own_id) + ": only that node can read it")
        .With(msg::kBundleForOtherNode, impl->recipient, own_id);
  std::string sealed_key(kSealedKeyBytes, '\0');
  std::string header(crypto_secretstream_xchacha20poly1305_HEADERBYTES, '\0');
  SILIAN_ASSIGN_OR_RETURN(bool key_read, ReadExactly(impl->in, sealed_key.data(), sealed_key.size(), "its header"));
  SILIAN_ASSIGN_OR_RETURN(bool header_read, ReadExactly(impl->in, header.data(), header.size(), "its header"));
  if (!key_read || !header_read) return DataLoss("sealed bundle is truncated in its header");
  std::string x_pk(crypto_box_PUBLICKEYBYTES, '\0'), x_sk(crypto_box_SECRETKEYBYTES, '\0');
  if (crypto_sign_ed25519_pk_to_curve25519(Bytes(x_pk), Bytes(own_key.public_key())) != 0 ||
      own_key.secret().size() != crypto_sign_SECRETKEYBYTES)
    return Internal("this node's key cannot open sealed bundles");
  crypto_sign_ed25519_sk_to_curve25519(Bytes(x_sk), Bytes(own_key.secret()));
  std::string key(crypto_secretstream_xchacha20poly1305_KEYBYTES, '\0');
  const int opened = crypto_box_seal_open(Bytes(key), Bytes(sealed_key), sealed_key.size(), Bytes(x_pk), Bytes(x_sk));
  sodium_memzero(x_sk.data(), x_sk.size());
  if (opened != 0)
    return PermissionDenied("this bundle is sealed for node " + Quote(own_id) +
                            " but does not open with this node's key (another key of the same id, or a changed file)");
  const int started = crypto_secretstream_xchacha20poly1305_init_pull(&impl->state, Bytes(header), Bytes(key));
  sodium_memzero(key.data(), key.size());
  if (started != 0) return DataLoss("sealed bundle has an invalid stream header");
  return std::unique_ptr<StickOpener>(new StickOpener(std::move(impl)));
}

StickOpener::StickOpener(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
StickOpener::~StickOpener() {
  sodium_memzero(&impl_->state, sizeof impl_->state);
  sodium_memzero(impl_->plain.data(), impl_->plain.size());
}

const std::string& StickOpener::recipient() const { return impl_->recipient; }

ByteSource StickOpener::source() {
  Impl* m = impl_.get();
  return [m](char* data, size_t size) -> Result<size_t> {
    while (m->at == m->plain.size()) {
      if (m->final_seen) {
        char extra;
        SILIAN_ASSIGN_OR_RETURN(bool more, ReadExactly(m->in, &extra, 1, "its end"));
        if (more) return DataLoss("sealed bundle has data after its final chunk");
        return size_t{0};
      }
      SILIAN_ASSIGN_OR_RETURN(bool more, m->NextChunk());
      if (!more) return DataLoss("sealed bundle is truncated: its final chunk is missing");
    }
    const size_t n = std::min(size, m->plain.size() - m->at);
    std::memcpy(data, m->plain.data() + m->at, n);
    m->at += n;
    return n;
  };
}

}  // namespace silian::sync
