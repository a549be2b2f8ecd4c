#include "console/unlock_session.h"

#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>

#include <nlohmann/json.hpp>

#include "base/files.h"
#include "base/keys.h"
#include "base/text.h"
#include "ledger/chain.h"
#include "ledger/keyslots.h"

namespace silian::console {
namespace {

using nlohmann::json;

uint64_t NowMs() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
}

Result<std::string> KeySessionDir() {
  if (const char* dir = std::getenv("SILIAN_SESSION_DIR"); dir != nullptr && *dir != '\0') return std::string(dir);
  if (const char* run = std::getenv("XDG_RUNTIME_DIR"); run != nullptr && *run != '\0')
    return std::string(run) + "/silian";
  return FailedPrecondition(
      "no place for the unlocked key: set XDG_RUNTIME_DIR (a per-user tmpfs) or SILIAN_SESSION_DIR");
}

std::string RealPath(const std::string& path) {
  std::error_code ec;
  auto real = std::filesystem::weakly_canonical(path, ec);
  return ec ? path : real.string();
}

}  // namespace

Result<std::string> SessionFilePath(const std::string& db_path) {
  SILIAN_ASSIGN_OR_RETURN(std::string dir, KeySessionDir());
  return dir + "/unlocked-" + sync::ToHex(sync::Blake2b256(RealPath(db_path))).substr(0, 32) + ".key";
}

Result<uint64_t> WriteSession(const std::string& db_path, const std::string& data_key, uint64_t minutes) {
  SILIAN_ASSIGN_OR_RETURN(std::string dir, KeySessionDir());
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    return InvalidArgument("cannot make the session directory " + Quote(dir));
  struct stat st{};
  if (::lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != ::getuid() || (st.st_mode & 077) != 0)
    return FailedPrecondition("session directory " + Quote(dir) +
                              " must be a directory of this user with mode 0700 (no access for others)");
  SILIAN_ASSIGN_OR_RETURN(std::string path, SessionFilePath(db_path));
  const uint64_t expires = NowMs() + minutes * 60 * 1000;
  const std::string body = json{{"format", "silian-session-v1"}, {"ledger", RealPath(db_path)},
                                {"expires_ms", expires}, {"key", sync::ToBase64(data_key)}}
                               .dump();
  SILIAN_RETURN_IF_ERROR(WriteFileAtomically(path, "session key", body));
  return expires;
}

Result<bool> RemoveSession(const std::string& db_path) {
  SILIAN_ASSIGN_OR_RETURN(std::string path, SessionFilePath(db_path));
  return ::unlink(path.c_str()) == 0;
}

Result<std::string> SessionKey(const std::string& db_path) {
  auto path = SessionFilePath(db_path);
  if (!path.ok()) return std::string();
  auto body = ReadFileBounded(*path, "session key", 4096);
  if (!body.ok()) return body.status().code() == StatusCode::kNotFound ? Result<std::string>(std::string()) : body.status();
  json s = json::parse(*body, nullptr, false);
  if (s.is_discarded() || !s.is_object() || s.value("format", "") != "silian-session-v1" ||
      !s.contains("expires_ms") || !s["expires_ms"].is_number_unsigned() || !s.contains("key") || !s["key"].is_string())
    return DataLoss("session file " + Quote(*path) + " is not a silian-session-v1 file; remove it and unlock again");
  if (s["expires_ms"].get<uint64_t>() <= NowMs()) {
    ::unlink(path->c_str());
    return FailedPrecondition("the unlocked session of ledger " + Quote(db_path) + " has expired; " + kUnlockHint);
  }
  return sync::FromBase64(s["key"].get<std::string>(), "the session key");
}

namespace {

struct CloseDb {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};

// A read-only connection to the ledger file without the Ledger (which does not open while locked).
Result<std::unique_ptr<sqlite3, CloseDb>> OpenReadOnly(const std::string& db_path) {
  if (::access(db_path.c_str(), F_OK) != 0) return NotFound("no ledger at " + Quote(db_path));
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(db_path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
  std::unique_ptr<sqlite3, CloseDb> db(raw);
  if (rc != SQLITE_OK) return InvalidArgument("SQLite cannot open ledger " + Quote(db_path));
  sqlite3_busy_timeout(db.get(), 10000);
  return db;
}

}  // namespace

Result<bool> IsEncryptedLedger(const std::string& db_path) {
  SILIAN_ASSIGN_OR_RETURN(auto db, OpenReadOnly(db_path));
  return sync::IsSealedLedger(db.get());
}

Result<uint64_t> UnlockSession(const std::string& db_path, const std::string& slot, const std::string& passphrase,
                               uint64_t minutes) {
  SILIAN_ASSIGN_OR_RETURN(auto db, OpenReadOnly(db_path));
  SILIAN_ASSIGN_OR_RETURN(std::string key, sync::UnlockLedger(db.get(), slot, passphrase));
  db.reset();
  return WriteSession(db_path, key, minutes);
}

Result<const sync::Sealer*> SessionSealer(const std::string& db_path) {
  static std::unique_ptr<sync::Sealer> sealer;  // lives as long as the process: the ledger borrows it
  SILIAN_ASSIGN_OR_RETURN(std::string key, SessionKey(db_path));
  if (key.empty()) return static_cast<const sync::Sealer*>(nullptr);
  SILIAN_ASSIGN_OR_RETURN(sealer, sync::MakeSealer(key));
  return static_cast<const sync::Sealer*>(sealer.get());
}

}  // namespace silian::console
