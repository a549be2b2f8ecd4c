// Who uses the web app: a session token per browser tab, from a login with the program's own rules
// (console/session.h). At a node with staff accounts (LedgerStore::StaffRequired) the login is the staff
// login (LedgerStore::Login: the passphrase checked against the account's verifier, one audit op), and the
// session lives in the ledger as the command line's does (the hash of the token); the browser holds the
// token. At a node without staff accounts (bootstrap), the command line takes a free-text actor (--actor,
// else the node id); the app mirrors that: the login names an actor, and the session is held in memory by
// this process only. Such a session ends as soon as the node has staff accounts.
// Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "domain/store.h"

namespace silian::ui {

struct UiSession {
  std::string actor;       // the staff id, or the bootstrap actor
  bool staff = false;      // a staff login
  uint64_t expires_ms = 0;
};

class SessionBook {
 public:
  // Logs in with `body`: {"staff_id", "passphrase"} at a staffed node; {"actor"} (optional: the node id when
  // empty) otherwise. Returns the new token and the session. kInvalidArgument naming the value (a wrong
  // passphrase, an unknown account, a text the content rules refuse); kPermissionDenied for a disabled
  // account; LedgerStore::Login's errors.
  Result<std::pair<std::string, UiSession>> Login(sync::LedgerStore& store, const nlohmann::json& body,
                                                   uint64_t now_ms);
  // The session of `token`. kPermissionDenied (HTTP 401 in the API: see docs/api.md) when there is none,
  // it expired, or its kind no longer fits the node (a bootstrap session at a node that now has staff).
  Result<UiSession> Resolve(sync::LedgerStore& store, const std::string& token, uint64_t now_ms);
  // Ends the session of `token`; OK when there is none.
  Status Logout(sync::LedgerStore& store, const std::string& token);

 private:
  std::mutex mu_;
  std::map<std::string, UiSession> bootstrap_;  // by SessionTokenHash
};

// kUnauthenticated is not a StatusCode: the API maps this prefix of kPermissionDenied messages to 401.
inline constexpr std::string_view kLoginRequired = "login required: ";

}  // namespace silian::ui
