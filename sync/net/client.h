// The client side of the sync protocol: one session with one hub. Pulls what the hub has for this
// replica's scope, then pushes what the hub lacks in bounded batches, recording the hub's receipts (and
// those of the levels above it) as it goes. Every request is idempotent and every reply is applied in one
// transaction, so a session cut at any point resumes at the last acknowledged batch.
// Not thread-safe itself; it uses the ledger only inside LedgerAccess::With (the owner's lock), never
// across network I/O.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "ledger/access.h"
#include "ledger/ledger.h"
#include "net/protocol.h"
#include "net/request_auth.h"

namespace silian::sync {

// Carries one request to a hub. Tests and the simulator replace it.
class Transport {
 public:
  struct Reply {
    int http_status = 0;
    std::string body;
    std::string signature;  // the reply's X-Silian-Signature header, "" when absent
  };
  virtual ~Transport() = default;
  // POSTs `body` to `path` with the header "Authorization: <authorization>" (a signed request, made by
  // SyncClient). kUnavailable when the hub cannot be reached or the link fails mid-way; an HTTP error
  // status is a reply, not an error.
  virtual Result<Reply> Post(const std::string& path, const std::string& body, const std::string& authorization) = 0;
  // POSTs an idle probe (`body`, a serialized IdleRequest; net/idle.h) to `path` with no Authorization,
  // Content-Type, Accept or User-Agent header: the probe authenticates itself. kNotFound when this transport
  // carries no probes (SyncClient then runs the full session); otherwise as Post.
  virtual Result<Reply> Probe(const std::string& path, const std::string& /*body*/) {
    return NotFound("this transport carries no idle probe to " + path);
  }
  // Bytes sent and received on the wire so far, headers included, when the transport can tell.
  virtual uint64_t wire_bytes_sent() const { return 0; }
  virtual uint64_t wire_bytes_received() const { return 0; }
};

struct SyncProgress {
  std::string phase;  // "pull" or "push"
  uint64_t done = 0;  // ops moved so far in this phase
  uint64_t total = 0; // ops known to remain at the start of the phase, 0 if unknown
};

struct SyncOptions {
  uint32_t push_batch_entries = 5000;
  uint64_t push_batch_bytes = 2u << 20;
  uint32_t pull_batch_entries = 10000;
  uint64_t pull_batch_bytes = 8u << 20;
  // Requests (pushes, mostly) are compressed harder than the hub's replies (level 3): the link is the
  // node's scarce resource: level 6 makes a packed push about a tenth smaller than level 3 for about 15 ms
  // more per 5,000-op batch (measured on the window workload, 2-core development machine).
  int zstd_level = 6;
  std::function<void(const SyncProgress&)> progress;
  // The registry's keys, to verify the hub's reply signatures with (console/node_keys.h RegistryKeyLookup).
  // The key pinned at enrolment (settings "hub_node", "hub_public_key") comes first for that hub; with neither, a signed reply is taken
  // with a warning (the hub is not known yet).
  NodeKeyLookup node_keys;
  // Before the full session, send an idle probe (docs/protocol.md "Idle probe") when the last full session
  // with this hub completed with nothing left to push, the hub said it answers probes, and nothing changed
  // here since.
  bool idle_probe = true;
};

struct SyncSummary {
  std::string hub_id;
  std::string hub_level;
  uint64_t pushed = 0;        // ops the hub stored from this session
  uint64_t push_known = 0;    // ops the hub already had
  uint64_t pulled = 0;        // new ops stored here
  uint64_t requests = 0;
  uint64_t body_bytes_sent = 0;
  uint64_t body_bytes_received = 0;
  std::vector<std::string> warnings;
  // What the hubs' receipts showed of this node's own origin that contradicts its own chain (CheckReceipt).
  std::vector<std::string> equivocations;
  // The idle probe: "" when none was sent, else "unchanged" (the whole sync was that probe), "changed",
  // or why it led to the full session ("refused (HTTP 401 bad_mac): ...", "no answer: ...").
  std::string probe;
  uint64_t probe_wire_bytes = 0;  // the probe and its answer on the wire, headers included (when known)
};

class SyncClient {
 public:
  // `hub_key` names the hub in this ledger's records (its URL). All references are borrowed.
  SyncClient(LedgerAccess& ledger, Transport& transport, std::string hub_key, SyncOptions options);
  // For a ledger that no other thread uses.
  SyncClient(Ledger& ledger, Transport& transport, std::string hub_key, SyncOptions options);
  // One session. Errors: kUnavailable (retry later), kFailedPrecondition / kInvalidArgument carrying the
  // hub's refusal ("unknown_node: ..."), kPermissionDenied / kDataLoss for a reply that breaks the envelope
  // rules, kInternal; kDataLoss naming the origin, the seq and both chain hashes when a receipt shows that
  // a hub holds an op of this node's origin that this node did not write (an equivocation; after the
  // session has pushed its own version of that op, so that the hub keeps both as evidence).
  Result<SyncSummary> SyncOnce();

 private:
  Status Session(SyncSummary& summary);
  // The idle probe: true when the hub answered "unchanged" (the sync is done). Fills summary.probe. Only a
  // ledger failure is an error; a probe that fails or is refused leads to the full session.
  Result<bool> Probe(SyncSummary& summary);
  // Interprets the hub's answer to the probe with `nonce`; true for a verified "unchanged".
  bool ReadAnswer(const Transport::Reply& reply, const std::string& nonce, const std::string& reply_key,
                  SyncSummary& summary);
  // After a full session that left nothing to push, with a hub that answers probes and whose reply
  // verified with a known key: remembers the hub and this replica's state digest (ledger meta "idle/URL").
  Status RememberIdle(const SyncSummary& summary);
  Status ForgetIdle();
  Result<pb::SyncReply> Call(pb::SyncRequest request, SyncSummary& summary);
  // Signs and posts `body`; signs again once on the hub's clock when the hub finds the timestamp stale.
  Result<Transport::Reply> Post(const std::string& node_id, const std::string& body, std::string* nonce);
  // Checks the reply's X-Silian-Signature with the hub's key. kPermissionDenied naming the hub otherwise.
  Status VerifyHub(const pb::SyncReply& reply, const Transport::Reply& raw, const std::string& nonce,
                   SyncSummary& summary);
  Result<pb::SyncRequest> BaseRequest();
  // `defer_projection`: more pull replies follow; their cases are re-projected once, with the last.
  Status Apply(const pb::SyncReply& reply, SyncSummary& summary, bool defer_projection);
  // `ops`: the pulled entries' ops, parsed by the caller before it took the ledger's lock.
  Status Apply(Ledger& ledger, const pb::SyncReply& reply, std::vector<pb::Op> ops, SyncSummary& summary,
               bool defer_projection);
  // Compares the reply's receipts for this node's own origin with its own chain. REQUIRES: in an import.
  Status CheckReceipts(Ledger& ledger, const pb::SyncReply& reply, SyncSummary& summary);
  // Pushes this node's own op at `seq`, so that a hub holding another version records the equivocation.
  Status PushOwnOp(uint64_t seq, SyncSummary& summary);

  std::unique_ptr<DirectAccess> direct_;  // set by the Ledger& constructor; declared before ledger_
  LedgerAccess& ledger_;
  Transport& transport_;
  std::string hub_key_;
  SyncOptions options_;
  bool hub_reads_packed_ = false;  // the hub's last reply said it reads packed pushes
  uint64_t disputed_seq_ = 0;
  // The hub's clock minus this replica's, learnt from a stale_request refusal: requests are stamped on the
  // hub's clock, so a laptop whose clock is off still syncs (the window guards against replays, not skew).
  int64_t clock_offset_ms_ = 0;  // the lowest own seq a receipt of this session contradicted, 0 if none
  // Of the last reply: the key it verified with ("" when the hub's key is not known), and whether the hub
  // answers idle probes.
  std::string verified_key_;
  bool hub_probes_ = false;
  bool settled_ = false;  // the push phase of this session ended with nothing left to push
};

}  // namespace silian::sync
