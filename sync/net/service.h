// The server side of the sync protocol: validates a request from a registered peer, applies its push in
// one transaction, and answers with a receipt and the ops the peer lacks. Transport-independent: the hub's
// HTTP layer hands it the authenticated node id and the raw body, and sends back what it returns.
// Thread-safe: it uses the ledger only inside LedgerAccess::With (the owner's lock), and never holds it
// across decompression, parsing or compression.
#pragma once

#include <cstdint>
#include <functional>
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

  // Called (outside the lock) after a push stored new ops, e.g. to wake the upstream relay.
  void set_on_new_ops(std::function<void()> fn) { on_new_ops_ = std::move(fn); }

  const SyncLimits& limits() const { return limits_; }

  // Records each child's state after every successful request in `table` (borrowed; null: none) and
  // tells clients the hub answers idle probes (SyncReply.idle_probes).
  void set_idle_table(IdleTable* table) { idle_ = table; }

 private:
  struct PushSummary;
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
  static std::optional<SyncOutcome> FindRegistered(Ledger& ledger, const std::string& node_id, Peer* peer);
  static std::optional<SyncOutcome> Summarise(const pb::SyncRequest& req, const std::string& node_id, PushSummary* out);
  static std::optional<SyncOutcome> CheckScope(Ledger& ledger, const std::string& node_id, const Peer& p,
                                               const pb::SyncRequest& req, const PushSummary& push);
  static std::optional<SyncOutcome> ApplyPush(Ledger& ledger, const Peer& peer, const pb::SyncRequest& req,
                                              pb::SyncReply* reply, PushFindings* findings);
  std::optional<SyncOutcome> AnswerPull(Ledger& ledger, const std::string& child_scope, const pb::SyncRequest& req,
                                        pb::SyncReply* reply);
  std::optional<SyncOutcome> Serve(Ledger& ledger, const std::string& node_id, const pb::SyncRequest& req,
                                   const PushSummary& push, pb::SyncReply* reply, PushFindings* findings);

  LedgerAccess& ledger_;
  SyncLimits limits_;
  NodeKeyLookup keys_;
  std::function<void()> on_new_ops_;
  IdleTable* idle_ = nullptr;
};

}  // namespace silian::sync
