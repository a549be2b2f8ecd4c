// The server side of the sync protocol: validates a request from a registered peer, applies its push in
// one transaction, and answers with a receipt and the ops the peer lacks. Transport-independent: the hub's
// HTTP layer hands it the authenticated node id and the raw body, and sends back what it returns.
// Thread-safe: it writes the ledger only inside LedgerAccess::With (the owner's lock), reads it for
// authentication and pulls through its read access (set_read_access: a hub's read view, no lock shared
// with the writer), and never holds either across decompression, parsing or compression.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "ledger/access.h"
#include "ledger/ledger.h"
#include "net/protocol.h"
#include "net/request_auth.h"

namespace silian::sync {

class IdleTable;  // net/idle_service.h

struct SyncOutcome {
  int http_status = 200;
  std::string content_type;  // kSyncContentType, or application/json for errors
  std::string body;
  std::string error;  // the error code for metrics ("" on success)
  std::string signature;  // X-Silian-Signature: the hub's signature of the body ("" before the nonce is known)
  uint64_t ops_in = 0;
  uint64_t ops_out = 0;
  uint64_t equivocations = 0;  // pushed ops that contradict ops the hub holds (kept as evidence)
  uint64_t skewed_ops = 0;     // pushed ops stamped too far ahead of the hub's clock
};

// A JSON error reply: {"error": code, "message": message}.
SyncOutcome ErrorOutcome(int http_status, const std::string& code, const std::string& message);

class SyncService {
 public:
  // `ledger` is borrowed and must outlive the service. `keys` is the registry's view of senders' keys.
  SyncService(LedgerAccess& ledger, SyncLimits limits, NodeKeyLookup keys)
      : ledger_(ledger), limits_(limits), keys_(std::move(keys)) {}

  // Handles one POST /v1/sync. `authorization` is the raw Authorization header ("" when absent). The
  // request is authenticated (net/request_auth.h) before its body is decompressed: 401 missing_credentials,
  // bad_credentials, unknown_node, not_enrolled, stale_request, bad_signature, replayed; 403 removed,
  // revoked; 426 upgrade (a protocol-1 Authorization). Every reply to a request whose nonce could be read is
  // signed (SyncOutcome::signature).
  // Replies: 200 with a compressed SyncReply; 400 malformed; 403 unknown_node (not a child of this hub);
  // 403 refused (a skip the sender may not vouch for, an op that lies about its case or its author);
  // 413 too_large; 422 out_of_scope, invalid_op; 426 version_mismatch; 500 internal. Errors change nothing
  // stored.
  SyncOutcome Handle(const std::string& authorization, const std::string& body);
  // As Handle, but the contact record (Peer::last_contact_ms and counters) of a request answered through
  // the read access (a pull) is left pending, for RecordPendingContacts once the writer is free: a pull's
  // reply never waits for the writer's lock. A push records its own, and those pending, under the writer's
  // lock it holds anyway (when SQLite's write lock is free then; else they stay pending).
  SyncOutcome HandleDeferringContacts(const std::string& authorization, const std::string& body);
  // Records the pending contacts on `writer` in one transaction when the file's write lock comes within
  // kContactWaitMs; else leaves them pending (at most kMaxPendingContacts, the newest). REQUIRES: inside the ledger's
  // LedgerAccess::With (the writer, under its owner's lock).
  void RecordPendingContacts(Ledger& writer);
  bool HasPendingContacts();
  // Leaves a contact of `node_id` that moved nothing (an idle probe answered "unchanged") pending, for
  // RecordPendingContacts.
  void DeferContact(const std::string& node_id);

  // Where authentication and pulls read (they write nothing stored but a nonce, in its own file, and the
  // peer's contact record, left for the writer): an access whose With runs on a read view of the same
  // ledger (hub/hub_ledger.h read_access), so they never wait for the writer's lock. Borrowed; outlives the
  // service. By default, the ledger given to the constructor.
  void set_read_access(LedgerAccess& reader) { read_ = &reader; }

  // Called (outside the lock) after a push stored new ops, e.g. to wake the upstream relay.
  void set_on_new_ops(std::function<void()> fn) { on_new_ops_ = std::move(fn); }

  const SyncLimits& limits() const { return limits_; }

  // Records each child's state after every successful request in `table` (borrowed; null: none) and
  // tells clients the hub answers idle probes (SyncReply.idle_probes).
  void set_idle_table(IdleTable* table) { idle_ = table; }

 private:
  struct PushSummary;
  // A peer's contact to record (PeerRegistry::RecordContact), written by the ledger's writer.
  struct ContactNote {
    std::string node_id;
    uint64_t ops_received = 0;
    uint64_t ops_sent = 0;
    std::string error;
  };
  struct PushFindings {
    uint64_t equivocations = 0;
    uint64_t skewed_ops = 0;
  };
  // Each returns the error reply, or nullopt to go on. Those taking a Ledger run under the owner's lock.
  // The request's credentials, checked in the order of the design note; fills `creds` and `hub_key`.
  std::optional<SyncOutcome> Authenticate(const std::string& authorization, const std::string& body,
                                          RequestCredentials* creds, SigningKey* hub_key);
  std::optional<SyncOutcome> CheckSender(Ledger& ledger, const RequestCredentials& creds, const std::string& body);
  SyncOutcome HandleAuthenticated(const std::string& node_id, const std::string& body);
  std::optional<SyncOutcome> Locked(const std::function<std::optional<SyncOutcome>(Ledger&)>& fn);
  // As Locked, through the read access (set_read_access): reads only.
  std::optional<SyncOutcome> ReadLocked(const std::function<std::optional<SyncOutcome>(Ledger&)>& fn);
  // Records those pending and `contacts`, waiting for the write lock when `wait`, else keeping them pending
  // when it is taken. REQUIRES: `ledger` is the writer, under its lock, outside a transaction.
  void RecordContacts(Ledger& ledger, std::vector<ContactNote> contacts, bool wait);
  static constexpr size_t kMaxPendingContacts = 10000;
  // How long a contact record may wait for SQLite's write lock (another process's brief write) before it
  // is left pending for a later request.
  static constexpr int kContactWaitMs = 200;
  static std::optional<SyncOutcome> FindRegistered(Ledger& ledger, const std::string& node_id, Peer* peer);
  static std::optional<SyncOutcome> Summarise(const pb::SyncRequest& req, PushSummary* out);
  static std::optional<SyncOutcome> CheckScope(Ledger& ledger, const std::string& node_id, const Peer& p,
                                               const pb::SyncRequest& req, const PushSummary& push,
                                               std::vector<ContactNote>* contacts);
  // `ops` are the push's entries parsed by Summarise (PushSummary::ops), taken by the import.
  static std::optional<SyncOutcome> ApplyPush(Ledger& ledger, const Peer& peer, const pb::SyncRequest& req,
                                              std::vector<pb::Op> ops, pb::SyncReply* reply, PushFindings* findings);
  std::optional<SyncOutcome> AnswerPull(Ledger& ledger, const std::string& child_scope, const pb::SyncRequest& req,
                                        pb::SyncReply* reply);
  std::optional<SyncOutcome> Serve(Ledger& ledger, const std::string& node_id, const pb::SyncRequest& req,
                                   PushSummary& push, pb::SyncReply* reply, PushFindings* findings,
                                   std::vector<ContactNote>* contacts);

  LedgerAccess& ledger_;
  LedgerAccess* read_ = &ledger_;
  SyncLimits limits_;
  NodeKeyLookup keys_;
  std::function<void()> on_new_ops_;
  std::mutex contacts_mu_;
  std::vector<ContactNote> pending_contacts_;  // left by requests answered from the read view
  IdleTable* idle_ = nullptr;
};

}  // namespace silian::sync
