// Keyslots: who can unlock an encrypted ledger (docs/architecture.md, "Encrypted laptops"). The ledger's
// random data key (ledger/sealer.h) is stored only wrapped, in table `keyslots` of the ledger file:
//   - kind "passphrase", named by a staff id: nonce (24) | XChaCha20-Poly1305(data key) under a key derived
//     from the passphrase by Argon2id (crypto_pwhash, MODERATE limits, a random salt per slot), with
//     "silian-keyslot-v1\n" + ledger epoch + "\n" + slot name as associated data (a slot copied into
//     another ledger or renamed does not open);
//   - kind "recovery", named "recovery:" + hub id: crypto_box_seal of the data key to the hub's X25519 key,
//     converted from its Ed25519 signing key (crypto_sign_ed25519_pk_to_curve25519). Only that hub's
//     `silian-hub recover-key` can open it, so a forgotten passphrase does not lose the ledger.
// Meta "seal_check" (Sealer::KeyCheck) tells whether a key is this ledger's before anything is written.
// Every function works on a connection to the ledger file (no Ledger object: a locked ledger does not
// open) and changes nothing when it fails. Not thread-safe (one connection, one thread).
#pragma once

#include <sqlite3.h>

#include <string>
#include <string_view>
#include <vector>

#include "base/keys.h"
#include "base/status.h"

namespace silian::sync {

struct KeyslotEntry {
  std::string name;
  std::string kind;  // "passphrase" or "recovery"
  uint64_t added_ms = 0;
};

// Whether the ledger at `db` is encrypted (meta "seal").
Result<bool> IsSealedLedger(sqlite3* db);

// The data key unwrapped by `passphrase` from slot `slot`. kNotFound naming the slot when there is none
// (and the slots there are); kPermissionDenied "wrong passphrase for slot ..." when it does not open.
// Reads only. Costs one Argon2id derivation (about a second, 256 MiB).
Result<std::string> UnlockLedger(sqlite3* db, const std::string& slot, const std::string& passphrase);

// kPermissionDenied when `data_key` is not the key of this ledger (meta "seal_check").
Status CheckDataKey(sqlite3* db, std::string_view data_key);

// Adds (or replaces) passphrase slot `slot` wrapping `data_key`. kInvalidArgument for an empty slot name,
// a name with control characters or over 64 bytes, or a passphrase shorter than 8 characters.
// REQUIRES: `data_key` passed CheckDataKey (checked again here).
Status AddPassphraseSlot(sqlite3* db, const std::string& slot, const std::string& passphrase,
                         std::string_view data_key);
// Adds (or replaces) the recovery slot of hub `hub_id` whose Ed25519 public key is `hub_public_key`.
Status AddRecoverySlot(sqlite3* db, const std::string& hub_id, std::string_view hub_public_key,
                       std::string_view data_key);
// Removes slot `slot`. kNotFound when there is none; kFailedPrecondition when it is the last passphrase slot.
Status RemoveKeyslot(sqlite3* db, const std::string& slot);
Result<std::vector<KeyslotEntry>> ListKeyslots(sqlite3* db);

// The recovery request a node exports for its hub (JSON, format "silian-key-recovery-v1": node, epoch,
// hub, sealed key). kNotFound when the ledger has no recovery slot.
Result<std::string> RecoveryRequest(sqlite3* db);
// What a hub makes of a recovery request with its signing key: the recovered-key file (JSON, format
// "silian-recovered-key-v1": node, epoch, key in base64). kInvalidArgument naming what is wrong in the
// request; kPermissionDenied when it was not sealed to this hub's key.
Result<std::string> RecoverKeyFile(std::string_view request_json, const std::string& hub_id, const SigningKey& hub_key);
// The data key of a recovered-key file, checked against this ledger (epoch and CheckDataKey).
Result<std::string> ReadRecoveredKey(sqlite3* db, std::string_view key_file_json);

}  // namespace silian::sync
