// The registry of peers allowed to sync with a replica (a hub's registered nodes), with what each did
// last: a collaborator of the Ledger, sharing its SQLite connection. Not thread-safe (as the Ledger).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/hlc.h"
#include "base/ids.h"
#include "base/status.h"

namespace silian::sync {

struct Peer {
  NodeId node_id;
  Level level = Level::kVillage;
  DivisionCode division;
  uint64_t added_ms = 0;
  uint64_t last_contact_ms = 0;
  uint64_t ops_received = 0;
  uint64_t ops_sent = 0;
  uint64_t errors = 0;
  std::string last_error;
};

class PeerRegistry {
 public:
  // `db` and `wall` are borrowed from the ledger that owns this registry.
  PeerRegistry(sqlite3* db, WallClock& wall) : db_(db), wall_(wall) {}

  // OK when the peer exists with the same level and division; kFailedPrecondition naming both when it
  // exists with another.
  Status Add(const Peer& peer);
  // kNotFound naming the node when absent.
  Status Remove(const NodeId& node_id);
  // Every peer, by node id.
  Result<std::vector<Peer>> List();
  Result<std::optional<Peer>> Find(const std::string& node_id);
  // Records a contact now: counters add up; `error` ("" for none) becomes the last error.
  Status RecordContact(const std::string& node_id, uint64_t ops_received, uint64_t ops_sent, const std::string& error);

 private:
  sqlite3* db_;
  WallClock& wall_;
};

}  // namespace silian::sync
