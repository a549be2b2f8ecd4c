#include "node/unlock.h"

#include <sqlite3.h>

#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>

#include "base/files.h"
#include "base/hlc.h"
#include "base/keys.h"
#include "base/text.h"
#include "console/session.h"
#include "console/unlock_session.h"
#include "console/support.h"
#include "ledger/keyslots.h"
#include "ledger/sealer.h"
#include "domain/local_time.h"

namespace silian::node {
namespace {

using console::GlobalOptions;

struct CloseDb {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using Db = std::unique_ptr<sqlite3, CloseDb>;

// A connection to the ledger file without the Ledger (which does not open while locked).
Result<Db> OpenRaw(const GlobalOptions& g, bool write) {
  if (g.db_path.empty()) return InvalidArgument("no ledger given: pass --db PATH or set SILIAN_DB");
  if (::access(g.db_path.c_str(), F_OK) != 0) return NotFound("no ledger at " + Quote(g.db_path));
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(g.db_path.c_str(), &raw, write ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY, nullptr);
  Db db(raw);
  if (rc != SQLITE_OK) return InvalidArgument("SQLite cannot open ledger " + Quote(g.db_path));
  sqlite3_busy_timeout(db.get(), 10000);
  return db;
}

// Runs `body` in one write transaction of `db`.
Status InTransaction(sqlite3* db, const std::function<Status()>& body) {
  SILIAN_RETURN_IF_ERROR(sync::Exec(db, "BEGIN IMMEDIATE"));
  Status s = body();
  if (s.ok()) s = sync::Exec(db, "COMMIT");
  if (!s.ok()) sync::Exec(db, "ROLLBACK").IgnoreError();
  return s;
}

// The data key of the live session, checked against the ledger. kFailedPrecondition naming how to unlock.
Result<std::string> UnlockedKey(const GlobalOptions& g, sqlite3* db) {
  SILIAN_ASSIGN_OR_RETURN(std::string key, console::SessionKey(g.db_path));
  if (key.empty()) return FailedPrecondition("ledger " + Quote(g.db_path) + " is locked; " + console::kUnlockHint);
  SILIAN_RETURN_IF_ERROR(sync::CheckDataKey(db, key));
  return key;
}

Status RequireSealed(const GlobalOptions& g, sqlite3* db) {
  SILIAN_ASSIGN_OR_RETURN(bool sealed, sync::IsSealedLedger(db));
  if (!sealed)
    return FailedPrecondition("ledger " + Quote(g.db_path) + " is not encrypted (encrypt it with `encrypt STAFF_ID`)");
  return Status::Ok();
}

void PrintUnlocked(const GlobalOptions& g, const std::string& slot, uint64_t expires_ms) {
  const std::string until = sync::HlcToIso(expires_ms << 16);
  if (g.json) {
    console::PrintJson({{"db", g.db_path}, {"slot", slot}, {"expires_ms", expires_ms}, {"expires", until}});
  } else {
    std::cout << console::Said(g, console::said::kUnlocked, g.db_path, slot, sync::CstDateTime(expires_ms)) << '\n';
  }
}

}  // namespace

Status RunEncrypt(const GlobalOptions& g, const UnlockOptions& o) {
  SILIAN_ASSIGN_OR_RETURN(auto store, console::OpenLedger(g));
  if (store->ledger().sealer() != nullptr) return FailedPrecondition("ledger " + Quote(g.db_path) + " is already encrypted");
  SILIAN_ASSIGN_OR_RETURN(std::string pass, console::ReadPassphrase(o.passphrase_stdin, "new passphrase for " + o.slot + ": "));
  const std::string key = sync::NewDataKey();
  SILIAN_ASSIGN_OR_RETURN(auto sealer, sync::MakeSealer(key));
  sqlite3* db = store->ledger().db();
  SILIAN_RETURN_IF_ERROR(store->ledger().Encrypt(*sealer, [&] { return sync::AddPassphraseSlot(db, o.slot, pass, key); }));
  store.reset();
  SILIAN_ASSIGN_OR_RETURN(uint64_t expires, console::WriteSession(g.db_path, key, o.minutes));
  SILIAN_ASSIGN_OR_RETURN(store, console::OpenLedger(g));  // re-projects every case sealed
  SILIAN_RETURN_IF_ERROR(store->ledger().Compact());
  PrintUnlocked(g, o.slot, expires);
  return Status::Ok();
}

Status RunUnlock(const GlobalOptions& g, const UnlockOptions& o) {
  {
    SILIAN_ASSIGN_OR_RETURN(Db db, OpenRaw(g, false));
    SILIAN_RETURN_IF_ERROR(RequireSealed(g, db.get()));
  }
  SILIAN_ASSIGN_OR_RETURN(std::string pass, console::ReadPassphrase(o.passphrase_stdin, "passphrase for " + o.slot + ": "));
  SILIAN_ASSIGN_OR_RETURN(uint64_t expires, console::UnlockSession(g.db_path, o.slot, pass, o.minutes));
  PrintUnlocked(g, o.slot, expires);
  return Status::Ok();
}

Status RunLock(const GlobalOptions& g) {
  if (g.db_path.empty()) return InvalidArgument("no ledger given: pass --db PATH or set SILIAN_DB");
  SILIAN_ASSIGN_OR_RETURN(bool removed, console::RemoveSession(g.db_path));
  std::cout << console::Said(g, removed ? console::said::kLocked : console::said::kWasNotUnlocked, g.db_path) << '\n';
  return Status::Ok();
}

Status RunKeyslotAdd(const GlobalOptions& g, const KeyslotOptions& o) {
  SILIAN_ASSIGN_OR_RETURN(Db db, OpenRaw(g, true));
  SILIAN_RETURN_IF_ERROR(RequireSealed(g, db.get()));
  std::string key;
  if (o.recovery_key_file) {
    SILIAN_ASSIGN_OR_RETURN(std::string file, ReadFileBounded(*o.recovery_key_file, "recovered-key file", 4096));
    SILIAN_ASSIGN_OR_RETURN(key, sync::ReadRecoveredKey(db.get(), file));
  } else {
    SILIAN_ASSIGN_OR_RETURN(key, UnlockedKey(g, db.get()));
  }
  SILIAN_ASSIGN_OR_RETURN(std::string pass, console::ReadPassphrase(o.passphrase_stdin, "new passphrase for " + o.slot + ": "));
  SILIAN_RETURN_IF_ERROR(InTransaction(db.get(), [&] { return sync::AddPassphraseSlot(db.get(), o.slot, pass, key); }));
  std::cout << console::Said(g, console::said::kKeyslotAdded, o.slot, g.db_path) << '\n';
  return Status::Ok();
}

Status RunKeyslotRemove(const GlobalOptions& g, const KeyslotOptions& o) {
  SILIAN_ASSIGN_OR_RETURN(Db db, OpenRaw(g, true));
  SILIAN_RETURN_IF_ERROR(RequireSealed(g, db.get()));
  SILIAN_RETURN_IF_ERROR(UnlockedKey(g, db.get()).status());
  SILIAN_RETURN_IF_ERROR(InTransaction(db.get(), [&] { return sync::RemoveKeyslot(db.get(), o.slot); }));
  std::cout << console::Said(g, console::said::kKeyslotRemoved, o.slot, g.db_path) << '\n';
  return Status::Ok();
}

Status RunKeyslotList(const GlobalOptions& g) {
  SILIAN_ASSIGN_OR_RETURN(Db db, OpenRaw(g, false));
  SILIAN_ASSIGN_OR_RETURN(auto slots, sync::ListKeyslots(db.get()));
  if (g.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& s : slots) out.push_back({{"name", s.name}, {"kind", s.kind}, {"added_ms", s.added_ms}});
    console::PrintJson(out);
    return Status::Ok();
  }
  for (const auto& s : slots) std::cout << s.name << "  " << s.kind << "\n";
  return Status::Ok();
}

// The Ed25519 key of hub `hub_id`: --hub-key when given, else its registration in this (unlocked) ledger.
Result<std::string> HubKey(const GlobalOptions& g, const KeyslotOptions& o) {
  SILIAN_RETURN_IF_ERROR(sync::ParseNodeId(o.hub_id).status());
  if (!o.hub_key.empty()) return sync::FromBase64(o.hub_key, "--hub-key");
  SILIAN_ASSIGN_OR_RETURN(auto store, console::OpenLedger(g));
  SILIAN_ASSIGN_OR_RETURN(auto registrations, store->Registrations());
  for (const auto& r : registrations)
    if (r.node_id.value == o.hub_id && !r.public_key.empty()) return r.public_key;
  return FailedPrecondition("this ledger holds no registered key of hub " + Quote(o.hub_id) +
                            " (sync with it first, or pass --hub-key as its init printed)");
}

Status RunKeyslotRecovery(const GlobalOptions& g, const KeyslotOptions& o) {
  SILIAN_ASSIGN_OR_RETURN(std::string hub_key, HubKey(g, o));
  SILIAN_ASSIGN_OR_RETURN(Db db, OpenRaw(g, true));
  SILIAN_RETURN_IF_ERROR(RequireSealed(g, db.get()));
  SILIAN_ASSIGN_OR_RETURN(std::string key, UnlockedKey(g, db.get()));
  SILIAN_RETURN_IF_ERROR(
      InTransaction(db.get(), [&] { return sync::AddRecoverySlot(db.get(), o.hub_id, hub_key, key); }));
  std::cout << "recovery keyslot for hub " << o.hub_id << " (key " << sync::KeyFingerprint(hub_key)
            << ") added to ledger " << g.db_path << "\n";
  return Status::Ok();
}

Status RunRecoveryRequest(const GlobalOptions& g, const KeyslotOptions& o) {
  SILIAN_ASSIGN_OR_RETURN(Db db, OpenRaw(g, false));
  SILIAN_RETURN_IF_ERROR(RequireSealed(g, db.get()));
  SILIAN_ASSIGN_OR_RETURN(std::string request, sync::RecoveryRequest(db.get()));
  SILIAN_RETURN_IF_ERROR(WriteFileAtomically(o.out, "recovery request", request));
  std::cout << "recovery request written to " << o.out
            << "; take it to the hub (`silian-hub recover-key`) and bring back the key file\n";
  return Status::Ok();
}

void AddUnlockCommands(console::Program& p) {
  static UnlockOptions unlock;
  static KeyslotOptions slot;
  auto unlock_flags = [](CLI::App* cmd) {
    cmd->add_option("SLOT", unlock.slot, "the staff id whose passphrase unlocks the ledger")->required();
    cmd->add_flag("--passphrase-stdin", unlock.passphrase_stdin, "read the passphrase as one line of stdin");
    cmd->add_option("--minutes", unlock.minutes, "how long the session lasts")->capture_default_str()->check(
        CLI::Range(1, 7 * 24 * 60));
  };
  CLI::App* cmd = p.app().add_subcommand("encrypt", "Encrypt this node's ledger; the passphrase of SLOT unlocks it");
  unlock_flags(cmd);
  p.OnRun(cmd, [&p] { return RunEncrypt(p.global(), unlock); });
  cmd = p.app().add_subcommand("unlock", "Unlock the encrypted ledger for a session with a staff passphrase");
  unlock_flags(cmd);
  p.OnRun(cmd, [&p] { return RunUnlock(p.global(), unlock); });
  cmd = p.app().add_subcommand("lock", "End the session: forget the unlocked key");
  p.OnRun(cmd, [&p] { return RunLock(p.global()); });

  CLI::App* group = p.app().add_subcommand("keyslot", "Who can unlock the encrypted ledger");
  group->require_subcommand(1);
  cmd = group->add_subcommand("add", "Wrap the data key for another staff passphrase (needs the ledger unlocked)");
  cmd->add_option("SLOT", slot.slot, "a staff id")->required();
  cmd->add_flag("--passphrase-stdin", slot.passphrase_stdin, "read the new passphrase as one line of stdin");
  cmd->add_option("--recovery-key", slot.recovery_key_file, "the key file `silian-hub recover-key` wrote");
  p.OnRun(cmd, [&p] { return RunKeyslotAdd(p.global(), slot); });
  cmd = group->add_subcommand("remove", "Remove a keyslot (needs the ledger unlocked; never the last passphrase)");
  cmd->add_option("SLOT", slot.slot, "the slot name")->required();
  p.OnRun(cmd, [&p] { return RunKeyslotRemove(p.global(), slot); });
  cmd = group->add_subcommand("list", "List the keyslots");
  p.OnRun(cmd, [&p] { return RunKeyslotList(p.global()); });
  cmd = group->add_subcommand("recovery", "Wrap the data key to this node's hub, for recovery (needs unlocked)");
  cmd->add_option("--hub-id", slot.hub_id, "the hub's node id")->required();
  cmd->add_option("--hub-key", slot.hub_key,
                  "the hub's public key (base64, as its init printed); default: its registration in this ledger");
  p.OnRun(cmd, [&p] { return RunKeyslotRecovery(p.global(), slot); });
  cmd = group->add_subcommand("recovery-request", "Write the request the hub's `recover-key` opens");
  cmd->add_option("--out", slot.out, "the file to write")->required();
  p.OnRun(cmd, [&p] { return RunRecoveryRequest(p.global(), slot); });
}

}  // namespace silian::node
