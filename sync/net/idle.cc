#include "net/idle.h"

#include <sodium.h>

#include <algorithm>
#include <tuple>

namespace silian::sync {
namespace {

const unsigned char* Bytes(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }
unsigned char* Bytes(std::string& s) { return reinterpret_cast<unsigned char*>(s.data()); }

constexpr char kKdfContext[crypto_kdf_CONTEXTBYTES + 1] = "silidle1";
constexpr uint64_t kRequestSubkey = 1;
constexpr uint64_t kReplySubkey = 2;

// An Ed25519 key pair and a peer's Ed25519 public key, converted to X25519 for crypto_kx.
struct CurveKeys {
  unsigned char own_pk[crypto_kx_PUBLICKEYBYTES];
  unsigned char own_sk[crypto_kx_SECRETKEYBYTES];
  unsigned char peer_pk[crypto_kx_PUBLICKEYBYTES];
  ~CurveKeys() { sodium_memzero(own_sk, sizeof own_sk); }
};

Status Convert(const SigningKey& own, const std::string& peer_public_key, const char* whose, CurveKeys* out) {
  if (sodium_init() < 0) return Internal("libsodium could not start");
  if (peer_public_key.size() != crypto_sign_PUBLICKEYBYTES ||
      crypto_sign_ed25519_pk_to_curve25519(out->peer_pk, Bytes(peer_public_key)) != 0)
    return InvalidArgument(std::string("the ") + whose + "'s public key (" + std::to_string(peer_public_key.size()) +
                           " bytes) is not a usable Ed25519 key");
  if (own.secret().size() != crypto_sign_SECRETKEYBYTES ||
      crypto_sign_ed25519_pk_to_curve25519(out->own_pk, Bytes(own.public_key())) != 0 ||
      crypto_sign_ed25519_sk_to_curve25519(out->own_sk, Bytes(own.secret())) != 0)
    return InvalidArgument("this replica's own key is not a usable Ed25519 key");
  return Status::Ok();
}

// The MAC keys from the two crypto_kx session keys: `to_hub` is the node's tx (the hub's rx).
IdleKeys Derive(const unsigned char* to_hub, const unsigned char* to_node) {
  IdleKeys keys;
  keys.request.resize(32);
  keys.reply.resize(32);
  crypto_kdf_derive_from_key(Bytes(keys.request), keys.request.size(), kRequestSubkey, kKdfContext, to_hub);
  crypto_kdf_derive_from_key(Bytes(keys.reply), keys.reply.size(), kReplySubkey, kKdfContext, to_node);
  return keys;
}

// A length-prefixed field, so that no two field sequences hash alike.
void Field(crypto_generichash_state* state, std::string_view value) {
  const std::string length = std::to_string(value.size()) + ":";
  crypto_generichash_update(state, Bytes(length), length.size());
  crypto_generichash_update(state, Bytes(value), value.size());
}

std::string Finish(crypto_generichash_state* state) {
  std::string out(kIdleDigestBytes, '\0');
  crypto_generichash_final(state, Bytes(out), out.size());
  return out;
}

std::vector<const pb::FrontierEntry*> Sorted(const google::protobuf::RepeatedPtrField<pb::FrontierEntry>& entries) {
  std::vector<const pb::FrontierEntry*> out;
  for (const auto& e : entries) out.push_back(&e);
  std::sort(out.begin(), out.end(), [](const auto* a, const auto* b) { return a->origin() < b->origin(); });
  return out;
}

void Entries(crypto_generichash_state* state, const google::protobuf::RepeatedPtrField<pb::FrontierEntry>& entries,
             bool with_hash) {
  for (const pb::FrontierEntry* e : Sorted(entries)) {
    if (e->seq() == 0 && !with_hash) continue;
    Field(state, e->origin());
    Field(state, std::to_string(e->seq()));
    if (with_hash) Field(state, e->hash());
  }
}

std::string KeyedMac(const std::string& key, const std::string& message) {
  std::string out(kIdleMacBytes, '\0');
  crypto_generichash(Bytes(out), out.size(), Bytes(message), message.size(), Bytes(key), key.size());
  return out;
}

}  // namespace

Result<IdleKeys> NodeIdleKeys(const SigningKey& node, const std::string& hub_public_key) {
  CurveKeys c;
  SILIAN_RETURN_IF_ERROR(Convert(node, hub_public_key, "hub", &c));
  unsigned char rx[crypto_kx_SESSIONKEYBYTES], tx[crypto_kx_SESSIONKEYBYTES];
  if (crypto_kx_client_session_keys(rx, tx, c.own_pk, c.own_sk, c.peer_pk) != 0)
    return InvalidArgument("the hub's public key gives no shared key (a low-order point)");
  IdleKeys keys = Derive(tx, rx);
  sodium_memzero(rx, sizeof rx);
  sodium_memzero(tx, sizeof tx);
  return keys;
}

Result<IdleKeys> HubIdleKeys(const SigningKey& hub, const std::string& node_public_key) {
  CurveKeys c;
  SILIAN_RETURN_IF_ERROR(Convert(hub, node_public_key, "node", &c));
  unsigned char rx[crypto_kx_SESSIONKEYBYTES], tx[crypto_kx_SESSIONKEYBYTES];
  if (crypto_kx_server_session_keys(rx, tx, c.own_pk, c.own_sk, c.peer_pk) != 0)
    return InvalidArgument("the node's public key gives no shared key (a low-order point)");
  IdleKeys keys = Derive(rx, tx);
  sodium_memzero(rx, sizeof rx);
  sodium_memzero(tx, sizeof tx);
  return keys;
}

std::string IdleDigest(const std::string& level, const std::string& division, const std::string& epoch,
                       uint64_t cursor, const pb::Frontier& frontier) {
  crypto_generichash_state state;
  crypto_generichash_init(&state, nullptr, 0, kIdleDigestBytes);
  Field(&state, "silian-idle-state-v1");
  Field(&state, level);
  Field(&state, division);
  Field(&state, epoch);
  Field(&state, std::to_string(cursor));
  Entries(&state, frontier.entries(), false);
  return Finish(&state);
}

std::string ReceiptsDigest(const pb::Frontier& receipt, const std::vector<pb::LevelReceipt>& upstream) {
  crypto_generichash_state state;
  crypto_generichash_init(&state, nullptr, 0, kIdleDigestBytes);
  Field(&state, "silian-idle-receipts-v1");
  Entries(&state, receipt.entries(), true);
  std::vector<const pb::LevelReceipt*> levels;
  for (const auto& r : upstream) levels.push_back(&r);
  std::sort(levels.begin(), levels.end(), [](const auto* a, const auto* b) {
    return std::tie(a->level(), a->hub_id()) < std::tie(b->level(), b->hub_id());
  });
  for (const pb::LevelReceipt* r : levels) {
    Field(&state, "level");
    Field(&state, r->level());
    Field(&state, r->hub_id());
    Entries(&state, r->entries(), true);
  }
  return Finish(&state);
}

std::string ProbeMac(const std::string& request_key, const std::string& probe_bytes) {
  return KeyedMac(request_key, std::string("silian-idle-v1\nPOST\n") + kIdlePath + "\n" + probe_bytes);
}

std::string AnswerMac(const std::string& reply_key, const std::string& nonce, bool unchanged) {
  return KeyedMac(reply_key, "silian-idle-answer-v1\n" + nonce + "\n" + (unchanged ? "unchanged" : "changed"));
}

bool IdleMacEqual(const std::string& a, const std::string& b) {
  return a.size() == kIdleMacBytes && b.size() == kIdleMacBytes && crypto_verify_16(Bytes(a), Bytes(b)) == 0;
}

std::string NewIdleNonce() {
  SILIAN_CHECK(sodium_init() >= 0);
  std::string out(kIdleNonceBytes, '\0');
  randombytes_buf(Bytes(out), out.size());
  return out;
}

}  // namespace silian::sync
