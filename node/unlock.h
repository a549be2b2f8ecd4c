// The commands of an encrypted node ledger (docs/architecture.md, "Encrypted laptops"): encrypt, unlock,
// lock, keyslot add|remove|list|recovery|recovery-request. The data key lives in the session file
// (console/session.h) between unlock and lock or expiry; every other command that opens the ledger reads it
// from there and, without it, fails with exit 2 naming how to unlock.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/status.h"
#include "console/program.h"

namespace silian::node {

struct UnlockOptions {
  std::string slot;
  bool passphrase_stdin = false;
  uint64_t minutes = 8 * 60;  // a working day
};

struct KeyslotOptions {
  std::string slot;
  bool passphrase_stdin = false;
  std::optional<std::string> recovery_key_file;  // keyslot add: the key `silian-hub recover-key` wrote
  std::string hub_id;                            // keyslot recovery
  std::string hub_key;  // keyslot recovery: the hub's Ed25519 public key, base64; "": from the registry held
  std::string out;                               // keyslot recovery-request
};

// Encrypts the ledger (a new or an existing one) with a new random data key wrapped for `o.slot`, and
// leaves it unlocked for `o.minutes`. kFailedPrecondition when it already is encrypted.
Status RunEncrypt(const console::GlobalOptions& g, const UnlockOptions& o);
// Unwraps the data key with the passphrase of `o.slot` into the session file. kPermissionDenied (exit 2) for a
// wrong passphrase; the ledger is only read.
Status RunUnlock(const console::GlobalOptions& g, const UnlockOptions& o);
Status RunLock(const console::GlobalOptions& g);
Status RunKeyslotAdd(const console::GlobalOptions& g, const KeyslotOptions& o);
Status RunKeyslotRemove(const console::GlobalOptions& g, const KeyslotOptions& o);
Status RunKeyslotList(const console::GlobalOptions& g);
Status RunKeyslotRecovery(const console::GlobalOptions& g, const KeyslotOptions& o);
Status RunRecoveryRequest(const console::GlobalOptions& g, const KeyslotOptions& o);

// Registers the commands above on `p`.
void AddUnlockCommands(console::Program& p);

}  // namespace silian::node
