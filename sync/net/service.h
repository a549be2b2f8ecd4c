// The server side of the sync protocol: validates a request from a registered peer, applies its push in
// one transaction, and answers with a receipt and the ops the peer lacks. Transport-independent: the hub's
// HTTP layer hands it the authenticated node id and the raw body, and sends back what it returns.
// Thread-safe: every use of the store happens under `store_mutex`.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include "domain/store.h"
#include "net/protocol.h"

namespace silian::sync {

struct SyncOutcome {
  int http_status = 200;
  std::string content_type;  // kSyncContentType, or application/json for errors
  std::string body;
  std::string error;  // the error code for metrics ("" on success)
  uint64_t ops_in = 0;
  uint64_t ops_out = 0;
};

// A JSON error reply: {"error": code, "message": message}.
SyncOutcome ErrorOutcome(int http_status, const std::string& code, const std::string& message);

class SyncService {
 public:
  // `store` and `store_mutex` are borrowed and must outlive the service.
  SyncService(LedgerStore& store, std::mutex& store_mutex, SyncLimits limits)
      : store_(store), mutex_(store_mutex), limits_(limits) {}

  // Handles one POST /v1/sync. `authorization` is the raw Authorization header ("" when absent).
  // Replies: 200 with a compressed SyncReply; 400 malformed; 401 missing_credentials; 403 unknown_node;
  // 413 too_large; 422 out_of_scope; 426 version_mismatch; 500 internal. Errors change nothing stored.
  SyncOutcome Handle(const std::string& authorization, const std::string& body);

  // Called (outside the lock) after a push stored new ops, e.g. to wake the upstream relay.
  void set_on_new_ops(std::function<void()> fn) { on_new_ops_ = std::move(fn); }

  const SyncLimits& limits() const { return limits_; }

 private:
  // The registry entry of `node_id` into `peer`, or the 403 reply. REQUIRES: mutex_ held.
  std::optional<SyncOutcome> FindRegistered(const std::string& node_id, LedgerStore::Peer* peer);

  LedgerStore& store_;
  std::mutex& mutex_;
  SyncLimits limits_;
  std::function<void()> on_new_ops_;
};

}  // namespace silian::sync
