// Who is acting at this program: the staff member logged in on this ledger (domain/staff.h, sessions), or,
// at a node without staff accounts yet, the bootstrap actor (--actor, SILIAN_ACTOR, the node id).
//
// A session is two halves. The ledger keeps the hash of a random token with the staff id and the expiry
// (LedgerStore::Login); the token itself is in a file only the user who logged in can read:
// $SILIAN_SESSION_DIR, else $XDG_RUNTIME_DIR/silian, else $HOME/.silian/sessions, named after the ledger's
// epoch ("<epoch>.session", mode 0600, directory 0700, owned by the user; anything else is refused). The
// ledger alone (a copied file, another user of the laptop) holds no token, and the token alone names no
// staff: forging a session needs both, and a session is refused after its expiry or once the account is
// disabled.
#pragma once

#include <optional>
#include <string>

#include "base/status.h"
#include "console/program.h"
#include "console/support.h"
#include "domain/store.h"

namespace silian::console {

// The path of this user's session token file for `store`'s ledger. kInvalidArgument when no directory can
// be chosen (none of the variables is set).
Result<std::string> SessionTokenPath(const sync::LedgerStore& store);
// The token of this user's session for `store`, nullopt when there is none. kInvalidArgument naming the
// file when it is not a regular file of this user with mode 0600.
Result<std::optional<std::string>> ReadSessionToken(const sync::LedgerStore& store);
// Writes (replaces) this user's token file for `store`.
Status WriteSessionToken(const sync::LedgerStore& store, const std::string& token);
// Removes it; OK when absent.
Status RemoveSessionToken(const sync::LedgerStore& store);

// The staff member of this user's session in force on `store`. kFailedPrecondition naming the staff id
// when expired or disabled, kNotFound when not logged in.
Result<sync::Session> CurrentSession(sync::LedgerStore& store);

// The actor of ops authored now on `store`. At a node with staff accounts (LedgerStore::StaffRequired):
// the staff id of the session in force; `flag` (--actor) or SILIAN_ACTOR are refused there
// (kInvalidArgument). At a node without any (bootstrap): `flag`, else SILIAN_ACTOR, else the node id.
Result<std::string> ActingStaff(const std::optional<std::string>& flag, sync::LedgerStore& store);

// A passphrase: one line of stdin when `from_stdin` (scripts), else typed at the terminal (/dev/tty)
// without echo after `prompt`. The trailing newline is dropped. kInvalidArgument when there is no terminal
// or the input ends first.
Result<std::string> ReadPassphrase(bool from_stdin, const std::string& prompt);

// Checks `passphrase` for `staff_id` on `store` and starts a session of `ttl_ms`, writing this user's token
// file. The one place a staff passphrase is checked by the programs: the hook for unlocking an encrypted
// ledger with it later (the passphrase is at hand here, once the account's verifier accepted it). Errors
// as LedgerStore::Login (a failed login leaves only its audit op).
Result<sync::Session> LoginWithPassphrase(sync::LedgerStore& store, const std::string& staff_id,
                                          const std::string& passphrase, uint64_t ttl_ms);

struct LoginOptions {
  std::string staff_id;
  bool passphrase_stdin = false;
  double hours = 8;  // session length
};
// login STAFF [--passphrase-stdin] [--hours H], logout, whoami (silian-node; silian-hub for its clerks).
Status RunLogin(const GlobalOptions& g, const LoginOptions& o);
Status RunLogout(const GlobalOptions& g);
Status RunWhoami(const GlobalOptions& g);
// Adds login, logout and whoami to `program`; `options` outlives it.
void AddSessionCommands(Program& program, LoginOptions* options);

}  // namespace silian::console
