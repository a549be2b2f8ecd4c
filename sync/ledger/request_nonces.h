// The nonces of accepted signed requests (net/request_auth.h), kept in a small SQLite file of their own
// beside the ledger: LEDGER-nonces (with its -wal and -shm). Recording a nonce is a write, and a write to
// the ledger file would wait behind the ledger's writer (a push, a county re-projecting a million ops):
// in a file of its own it waits only for another nonce being recorded (microseconds), so a pull or a status
// read never queues behind an import. The file survives a restart, so a restart does not reopen replays.
// docs/protocol.md ("Signed requests", "Replay") describes the rule.
// Durability: WAL with synchronous=NORMAL: a crashed process loses nothing; a power cut may forget the
// nonces of the last moments (a replay of those requests is then taken once more; pushes are idempotent).
// Thread-safe: one connection per nonce file in a process (RequestNonces::ForLedger), calls serialized on it.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "base/status.h"
#include "ledger/db.h"

namespace silian::sync {

class RequestNonces {
 public:
  // The nonce file of the ledger at `ledger_path`, opened (created when absent) at the first call in this
  // process and kept open. kInternal naming the file and SQLite's message.
  static Result<RequestNonces*> ForLedger(const std::string& ledger_path);
  // Opens (creating when absent) the nonce file at `path`. kInternal naming the file and SQLite's message.
  static Result<std::unique_ptr<RequestNonces>> Open(const std::string& path);
  ~RequestNonces();
  RequestNonces(const RequestNonces&) = delete;
  RequestNonces& operator=(const RequestNonces&) = delete;

  // Records (`node_id`, `nonce`) stamped `ts_ms`; returns false when the pair was already recorded (a
  // replay). Forgets, at most every few seconds, the nonces stamped before `forget_before_ms` (they can
  // only come back with a timestamp the window refuses).
  Result<bool> Record(const std::string& node_id, const std::string& nonce, uint64_t ts_ms, uint64_t forget_before_ms);

  // The nonce file of the ledger at `ledger_path`.
  static std::string PathFor(const std::string& ledger_path) { return ledger_path + "-nonces"; }

 private:
  explicit RequestNonces(sqlite3* db) : db_(db) {}
  std::mutex mu_;
  sqlite3* db_;
  Stmt insert_, purge_;
  uint64_t last_purge_ms_ = 0;
};

}  // namespace silian::sync
