#include "ledger/keyslots.h"

#include <sodium.h>

#include <chrono>

#include <nlohmann/json.hpp>

#include "base/text.h"
#include "ledger/db.h"
#include "ledger/sealer.h"

namespace silian::sync {
namespace {

using nlohmann::json;

constexpr const char* kTableDdl =
    "CREATE TABLE IF NOT EXISTS keyslots(name TEXT PRIMARY KEY, kind TEXT NOT NULL, salt BLOB NOT NULL, "
    "opslimit INTEGER NOT NULL, memlimit INTEGER NOT NULL, wrapped BLOB NOT NULL, added_ms INTEGER NOT NULL) "
    "WITHOUT ROWID";
constexpr const char* kRecoveryPrefix = "recovery:";
constexpr size_t kMinPassphraseChars = 8;
// Bounds on a slot's stored limits: a slot edited to ask for more is refused rather than obeyed.
constexpr uint64_t kMaxOpsLimit = 16;
constexpr uint64_t kMaxMemLimit = 1ull << 30;

const unsigned char* U(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }
unsigned char* W(std::string& s) { return reinterpret_cast<unsigned char*>(s.data()); }

uint64_t NowMs() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
}

Result<std::string> Meta(sqlite3* db, const std::string& key) {
  Stmt s;
  SILIAN_RETURN_IF_ERROR(s.Prepare(db, "SELECT value FROM meta WHERE key=?"));
  s.Bind(1, key);
  SILIAN_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return NotFound("the ledger has no meta " + Quote(key));
  return s.Text(0);
}

std::string SlotAd(const std::string& epoch, const std::string& slot) {
  return "silian-keyslot-v1\n" + epoch + "\n" + slot;
}

Status CheckSlotName(const std::string& slot) {
  if (slot.empty() || slot.size() > 64) return InvalidArgument("keyslot name " + Quote(slot) + " must have 1 to 64 bytes");
  for (unsigned char c : slot)
    if (c < 0x21 || c == 0x7f) return InvalidArgument("keyslot name " + Quote(slot) + " has a space or control character");
  if (slot.rfind(kRecoveryPrefix, 0) == 0)
    return InvalidArgument("keyslot name " + Quote(slot) + " is reserved for hub recovery slots");
  return Status::Ok();
}

// The key-encryption key of a passphrase slot. kInternal when Argon2id cannot get its memory.
Result<std::string> DeriveSlotKey(const std::string& passphrase, std::string_view salt, uint64_t opslimit,
                                  uint64_t memlimit) {
  std::string kek(crypto_aead_xchacha20poly1305_ietf_KEYBYTES, '\0');
  if (crypto_pwhash(W(kek), kek.size(), passphrase.data(), passphrase.size(), U(salt), opslimit,
                    static_cast<size_t>(memlimit), crypto_pwhash_ALG_ARGON2ID13) != 0)
    return Internal("Argon2id could not derive a key (out of memory? it needs " + std::to_string(memlimit >> 20) +
                    " MiB)");
  return kek;
}

Status WriteSlot(sqlite3* db, const std::string& name, const std::string& kind, std::string_view salt,
                 uint64_t opslimit, uint64_t memlimit, std::string_view wrapped) {
  SILIAN_RETURN_IF_ERROR(Exec(db, kTableDdl));
  Stmt s;
  SILIAN_RETURN_IF_ERROR(s.Prepare(db,
                                   "INSERT OR REPLACE INTO keyslots(name, kind, salt, opslimit, memlimit, wrapped, "
                                   "added_ms) VALUES(?,?,?,?,?,?,?)"));
  return s.Bind(1, name).Bind(2, kind).BindBlob(3, salt).Bind(4, opslimit).Bind(5, memlimit).BindBlob(6, wrapped)
      .Bind(7, NowMs())
      .Run();
}

Result<bool> HasTable(sqlite3* db) {
  SILIAN_ASSIGN_OR_RETURN(uint64_t n, QueryCount(db, "SELECT count(*) FROM sqlite_master WHERE name='keyslots'"));
  return n > 0;
}

std::string SlotNames(const std::vector<KeyslotEntry>& slots) {
  std::string names;
  for (const auto& s : slots) names += (names.empty() ? "" : ", ") + s.name;
  return names.empty() ? "none" : names;
}

}  // namespace

Result<bool> IsSealedLedger(sqlite3* db) {
  auto seal = Meta(db, "seal");
  if (!seal.ok()) return seal.status().code() == StatusCode::kNotFound ? Result<bool>(false) : seal.status();
  if (*seal != kSealScheme)
    return DataLoss("the ledger is sealed with " + Quote(*seal) + ", which this program does not know; upgrade Silian");
  return true;
}

Status CheckDataKey(sqlite3* db, std::string_view data_key) {
  SILIAN_ASSIGN_OR_RETURN(std::string check, Meta(db, "seal_check"));
  SILIAN_ASSIGN_OR_RETURN(auto sealer, MakeSealer(data_key));
  if (sealer->KeyCheck() != check) return PermissionDenied("the key given is not this ledger's data key");
  return Status::Ok();
}

Result<std::vector<KeyslotEntry>> ListKeyslots(sqlite3* db) {
  SILIAN_ASSIGN_OR_RETURN(bool table, HasTable(db));
  if (!table) return std::vector<KeyslotEntry>{};
  Stmt s;
  SILIAN_RETURN_IF_ERROR(s.Prepare(db, "SELECT name, kind, added_ms FROM keyslots ORDER BY name"));
  return CollectRows<KeyslotEntry>(
      s, [](const Stmt& r) { return KeyslotEntry{r.Text(0), r.Text(1), static_cast<uint64_t>(r.Int(2))}; });
}

Result<std::string> UnlockLedger(sqlite3* db, const std::string& slot, const std::string& passphrase) {
  SILIAN_ASSIGN_OR_RETURN(bool sealed, IsSealedLedger(db));
  if (!sealed) return FailedPrecondition("the ledger is not encrypted: there is nothing to unlock");
  SILIAN_ASSIGN_OR_RETURN(auto slots, ListKeyslots(db));
  Stmt s;
  SILIAN_RETURN_IF_ERROR(
      s.Prepare(db, "SELECT salt, opslimit, memlimit, wrapped FROM keyslots WHERE name=? AND kind='passphrase'"));
  s.Bind(1, slot);
  SILIAN_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return NotFound("no passphrase keyslot " + Quote(slot) + " in this ledger (its slots: " + SlotNames(slots) + ")");
  const std::string salt = s.Text(0), wrapped = s.Text(3);
  const auto opslimit = static_cast<uint64_t>(s.Int(1)), memlimit = static_cast<uint64_t>(s.Int(2));
  s.Reset();
  const size_t nonce = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, tag = crypto_aead_xchacha20poly1305_ietf_ABYTES;
  if (salt.size() != crypto_pwhash_SALTBYTES || wrapped.size() != nonce + kDataKeyBytes + tag ||
      opslimit < crypto_pwhash_OPSLIMIT_MIN || opslimit > kMaxOpsLimit || memlimit < crypto_pwhash_MEMLIMIT_MIN ||
      memlimit > kMaxMemLimit)
    return DataLoss("keyslot " + Quote(slot) + " is malformed (salt, limits or wrapped key out of range)");
  SILIAN_ASSIGN_OR_RETURN(std::string epoch, Meta(db, "epoch"));
  SILIAN_ASSIGN_OR_RETURN(std::string kek, DeriveSlotKey(passphrase, salt, opslimit, memlimit));
  const std::string ad = SlotAd(epoch, slot);
  std::string key(kDataKeyBytes, '\0');
  unsigned long long written = 0;
  int rc = crypto_aead_xchacha20poly1305_ietf_decrypt(W(key), &written, nullptr, U(wrapped) + nonce,
                                                      wrapped.size() - nonce, U(ad), ad.size(), U(wrapped), U(kek));
  sodium_memzero(kek.data(), kek.size());
  if (rc != 0) return PermissionDenied("wrong passphrase for keyslot " + Quote(slot));
  SILIAN_RETURN_IF_ERROR(CheckDataKey(db, key));
  return key;
}

Status AddPassphraseSlot(sqlite3* db, const std::string& slot, const std::string& passphrase,
                         std::string_view data_key) {
  SILIAN_RETURN_IF_ERROR(CheckSlotName(slot));
  if (passphrase.size() < kMinPassphraseChars)
    return InvalidArgument("the passphrase for keyslot " + Quote(slot) + " has " + std::to_string(passphrase.size()) +
                           " bytes; it needs at least " + std::to_string(kMinPassphraseChars));
  SILIAN_RETURN_IF_ERROR(CheckDataKey(db, data_key));
  SILIAN_ASSIGN_OR_RETURN(std::string epoch, Meta(db, "epoch"));
  std::string salt(crypto_pwhash_SALTBYTES, '\0');
  randombytes_buf(salt.data(), salt.size());
  const uint64_t opslimit = crypto_pwhash_OPSLIMIT_MODERATE, memlimit = crypto_pwhash_MEMLIMIT_MODERATE;
  SILIAN_ASSIGN_OR_RETURN(std::string kek, DeriveSlotKey(passphrase, salt, opslimit, memlimit));
  const size_t nonce = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
  std::string wrapped(nonce + data_key.size() + crypto_aead_xchacha20poly1305_ietf_ABYTES, '\0');
  randombytes_buf(wrapped.data(), nonce);
  const std::string ad = SlotAd(epoch, slot);
  unsigned long long written = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(W(wrapped) + nonce, &written, U(data_key), data_key.size(), U(ad),
                                             ad.size(), nullptr, U(wrapped), U(kek));
  sodium_memzero(kek.data(), kek.size());
  return WriteSlot(db, slot, "passphrase", salt, opslimit, memlimit, wrapped);
}

Status AddRecoverySlot(sqlite3* db, const std::string& hub_id, std::string_view hub_public_key,
                       std::string_view data_key) {
  if (hub_public_key.size() != kPublicKeyBytes)
    return InvalidArgument("the public key of hub " + Quote(hub_id) + " has " + std::to_string(hub_public_key.size()) +
                           " bytes, not " + std::to_string(kPublicKeyBytes));
  SILIAN_RETURN_IF_ERROR(CheckDataKey(db, data_key));
  std::string x25519(crypto_box_PUBLICKEYBYTES, '\0');
  if (crypto_sign_ed25519_pk_to_curve25519(W(x25519), U(hub_public_key)) != 0)
    return InvalidArgument("the public key of hub " + Quote(hub_id) + " is not a valid Ed25519 key");
  std::string sealed(crypto_box_SEALBYTES + data_key.size(), '\0');
  crypto_box_seal(W(sealed), U(data_key), data_key.size(), U(x25519));
  return WriteSlot(db, kRecoveryPrefix + hub_id, "recovery", "", 0, 0, sealed);
}

Status RemoveKeyslot(sqlite3* db, const std::string& slot) {
  SILIAN_ASSIGN_OR_RETURN(auto slots, ListKeyslots(db));
  size_t passphrase_slots = 0;
  const KeyslotEntry* found = nullptr;
  for (const auto& s : slots) {
    if (s.kind == "passphrase") ++passphrase_slots;
    if (s.name == slot) found = &s;
  }
  if (found == nullptr) return NotFound("no keyslot " + Quote(slot) + " in this ledger (its slots: " + SlotNames(slots) + ")");
  if (found->kind == "passphrase" && passphrase_slots == 1)
    return FailedPrecondition("keyslot " + Quote(slot) +
                              " is the last passphrase slot: add another (keyslot add) before removing it");
  Stmt s;
  SILIAN_RETURN_IF_ERROR(s.Prepare(db, "DELETE FROM keyslots WHERE name=?"));
  return s.Bind(1, slot).Run();
}

Result<std::string> RecoveryRequest(sqlite3* db) {
  SILIAN_ASSIGN_OR_RETURN(bool table, HasTable(db));
  if (!table) return NotFound("the ledger has no recovery keyslot (add one with `keyslot recovery --hub-key`)");
  Stmt s;
  SILIAN_RETURN_IF_ERROR(s.Prepare(db, "SELECT name, wrapped FROM keyslots WHERE kind='recovery' ORDER BY name LIMIT 1"));
  SILIAN_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return NotFound("the ledger has no recovery keyslot (add one with `keyslot recovery --hub-key`)");
  const std::string hub = s.Text(0).substr(std::string(kRecoveryPrefix).size()), wrapped = s.Text(1);
  s.Reset();
  SILIAN_ASSIGN_OR_RETURN(std::string node, Meta(db, "node_id"));
  SILIAN_ASSIGN_OR_RETURN(std::string epoch, Meta(db, "epoch"));
  return json{{"format", "silian-key-recovery-v1"}, {"node", node}, {"epoch", epoch}, {"hub", hub},
              {"sealed_key", ToBase64(wrapped)}}
             .dump(2) +
         "\n";
}

Result<std::string> RecoverKeyFile(std::string_view request_json, const std::string& hub_id, const SigningKey& hub_key) {
  json req = json::parse(request_json, nullptr, false);
  if (req.is_discarded() || !req.is_object()) return InvalidArgument("the recovery request is not a JSON object");
  for (const char* field : {"format", "node", "epoch", "hub", "sealed_key"})
    if (!req.contains(field) || !req[field].is_string())
      return InvalidArgument(std::string("the recovery request lacks the text field ") + Quote(field));
  if (req["format"] != "silian-key-recovery-v1")
    return InvalidArgument("the recovery request has format " + Quote(req["format"].get<std::string>()) +
                           ", not \"silian-key-recovery-v1\"");
  const std::string hub = req["hub"].get<std::string>();
  if (hub != hub_id)
    return PermissionDenied("the recovery request is for hub " + Quote(hub) + ", not this hub " + Quote(hub_id));
  SILIAN_ASSIGN_OR_RETURN(std::string sealed, FromBase64(req["sealed_key"].get<std::string>(), "sealed_key"));
  if (sealed.size() != crypto_box_SEALBYTES + kDataKeyBytes)
    return InvalidArgument("the sealed key of the recovery request has " + std::to_string(sealed.size()) +
                           " bytes, not " + std::to_string(crypto_box_SEALBYTES + kDataKeyBytes));
  std::string pk(crypto_box_PUBLICKEYBYTES, '\0'), sk(crypto_box_SECRETKEYBYTES, '\0');
  if (crypto_sign_ed25519_pk_to_curve25519(W(pk), U(hub_key.public_key())) != 0 ||
      crypto_sign_ed25519_sk_to_curve25519(W(sk), U(hub_key.secret())) != 0)
    return Internal("cannot convert this hub's signing key to X25519");
  std::string key(kDataKeyBytes, '\0');
  int rc = crypto_box_seal_open(W(key), U(sealed), sealed.size(), U(pk), U(sk));
  sodium_memzero(sk.data(), sk.size());
  if (rc != 0)
    return PermissionDenied("the recovery request of node " + Quote(req["node"].get<std::string>()) +
                            " was not sealed to this hub's key");
  return json{{"format", "silian-recovered-key-v1"}, {"node", req["node"]}, {"epoch", req["epoch"]},
              {"key", ToBase64(key)}}
             .dump(2) +
         "\n";
}

Result<std::string> ReadRecoveredKey(sqlite3* db, std::string_view key_file_json) {
  json f = json::parse(key_file_json, nullptr, false);
  if (f.is_discarded() || !f.is_object() || f.value("format", "") != "silian-recovered-key-v1" ||
      !f.contains("epoch") || !f["epoch"].is_string() || !f.contains("key") || !f["key"].is_string())
    return InvalidArgument("the recovered-key file is not a \"silian-recovered-key-v1\" JSON object");
  SILIAN_ASSIGN_OR_RETURN(std::string epoch, Meta(db, "epoch"));
  if (f["epoch"].get<std::string>() != epoch)
    return PermissionDenied("the recovered key is for ledger epoch " + Quote(f["epoch"].get<std::string>()) +
                            ", not this ledger's " + Quote(epoch));
  SILIAN_ASSIGN_OR_RETURN(std::string key, FromBase64(f["key"].get<std::string>(), "key"));
  SILIAN_RETURN_IF_ERROR(CheckDataKey(db, key));
  return key;
}

}  // namespace silian::sync
