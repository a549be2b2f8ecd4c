// The unlocked session of an encrypted node ledger (docs/architecture.md, "Encrypted laptops"): after
// `silian-node unlock`, the ledger's data key lives until its expiry in a file of mode 0600 in a directory of
// mode 0700: $SILIAN_SESSION_DIR when set, else $XDG_RUNTIME_DIR/silian (a tmpfs cleared at logout and
// reboot on systemd machines); never in the ledger. The file is named by a hash of the ledger's real path
// and holds JSON {"format": "silian-session-v1", "ledger", "expires_ms", "key" (base64)}.
// Not thread-safe (CLI programs, one thread).
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"
#include "ledger/sealer.h"

namespace silian::console {

// Where the session of `db_path` is kept. kFailedPrecondition when neither variable is set.
Result<std::string> SessionFilePath(const std::string& db_path);

// Writes the session of `db_path` holding `data_key` until now + `minutes`; returns its expiry (ms).
Result<uint64_t> WriteSession(const std::string& db_path, const std::string& data_key, uint64_t minutes);

// Removes the session of `db_path`; whether there was one.
Result<bool> RemoveSession(const std::string& db_path);

// The data key of the live session of `db_path`; "" when there is none (or no session directory).
// kFailedPrecondition when it expired (the file is removed), naming the time and how to unlock again.
Result<std::string> SessionKey(const std::string& db_path);

// The sealer of the live session of `db_path`, for Ledger::Options::sealer; null when there is none. It lives
// until the process ends.
Result<const sync::Sealer*> SessionSealer(const std::string& db_path);

// Whether the ledger at `db_path` is encrypted (reads its meta only; works while locked). kNotFound when there
// is no file.
Result<bool> IsEncryptedLedger(const std::string& db_path);

// Unlocks the encrypted ledger at `db_path` with the passphrase of keyslot `slot` (a staff id) and starts a
// session of `minutes`; returns its expiry (ms). The one call a staff login makes. kPermissionDenied "wrong
// passphrase for keyslot ..." and kNotFound naming the slots there are (exit 2); the ledger is only read.
Result<uint64_t> UnlockSession(const std::string& db_path, const std::string& slot, const std::string& passphrase,
                               uint64_t minutes);

// How to unlock, for messages: "unlock it with `silian-node unlock STAFF_ID`".
inline constexpr const char* kUnlockHint =
    "unlock it with `silian-node unlock STAFF_ID` (passphrase from the terminal, or --passphrase-stdin)";

}  // namespace silian::console
