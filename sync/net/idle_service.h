// The hub's side of the idle probe (docs/protocol.md, "Idle probe"): what it remembers of each child's last
// full session (IdleTable, filled by SyncService), and the handler of POST /v1/idle (IdleService).
//
// The table is in memory only: after a restart every probe is answered "changed" until the child's next
// full session records it again. Thread-safe.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "ledger/access.h"
#include "ledger/ledger.h"
#include "net/idle.h"
#include "net/request_auth.h"
#include "net/service.h"

namespace silian::sync {

// Per child, the state a full session left it in, as the hub computed it from the requests and replies.
struct IdleRecord {
  std::string scope;            // the child's registered scope (what its pulls cover)
  std::string digest;           // IdleDigest of the child's expected scope, pull state and frontier
  pb::Frontier frontier;        // the child's expected frontier (origin, seq)
  std::string epoch;            // this hub ledger's epoch when recorded
  uint64_t cursor = 0;          // the cursor the child holds
  uint64_t checked_to = 0;      // probes found nothing new for the child up to here (arrival order)
  std::string receipts_digest;  // ReceiptsDigest of the receipts for the frontier's origins
};

class IdleTable {
 public:
  // After a sync request of `peer` that succeeded with `reply`: records the state the child will be in once
  // it applied the reply (its frontier advanced by the pulled entries, its cursor as SyncClient keeps it).
  // A reply with `more` (another pull follows) records nothing. REQUIRES: the ledger's lock.
  Status Record(Ledger& ledger, const Peer& peer, const pb::SyncRequest& req, const pb::SyncReply& reply);
  // Forgets `node_id` (its state is no longer known).
  void Forget(const std::string& node_id);
  std::optional<IdleRecord> Find(const std::string& node_id) const;
  // Moves the record's checked_to, if it is still the one with `digest`.
  void Checked(const std::string& node_id, const std::string& digest, uint64_t checked_to);

 private:
  mutable std::mutex mu_;
  std::map<std::string, IdleRecord> records_;
};

class IdleService {
 public:
  // All borrowed. `keys` is the registry's view of senders' keys (as SyncService's).
  IdleService(LedgerAccess& ledger, NodeKeyLookup keys, IdleTable& table)
      : ledger_(ledger), keys_(std::move(keys)), table_(table) {}

  // Handles one POST /v1/idle with `body` (an IdleRequest). 200 with an IdleAnswer (no content type); 400
  // malformed; 401 unknown_node, not_enrolled, stale_request (with hub_ms), bad_mac, replayed; 403 revoked,
  // removed, unknown_node (not a child); 413 too_large; 500 internal. A refusal changes nothing stored; an
  // "unchanged" answer records the child's contact (silian-hub status), a "changed" one nothing.
  SyncOutcome Handle(const std::string& body);

  // Where the probe is checked (it writes nothing stored but a nonce, in its own file): an access on a read
  // view of the same ledger (hub/hub_ledger.h read_access), so a probe never waits for the writer's lock
  // behind an import. The "unchanged" contact is then left with `contacts` (SyncService's pending contacts,
  // recorded once the writer is free). Both borrowed; by default, the ledger given to the constructor, and
  // the contact recorded under its lock.
  void set_read_access(LedgerAccess& reader, SyncService& contacts) {
    read_ = &reader;
    contacts_ = &contacts;
  }

 private:
  std::optional<SyncOutcome> Authenticate(Ledger& ledger, const pb::IdleProbe& probe, const std::string& probe_bytes,
                                          const std::string& mac, IdleKeys* keys);
  // Whether a full session would move nothing for `node_id` whose state digest is `digest`.
  Result<bool> Unchanged(Ledger& ledger, const std::string& node_id, const std::string& digest);

  LedgerAccess& ledger_;
  LedgerAccess* read_ = nullptr;
  SyncService* contacts_ = nullptr;
  NodeKeyLookup keys_;
  IdleTable& table_;
};

}  // namespace silian::sync
