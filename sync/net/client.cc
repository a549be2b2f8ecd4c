#include "net/client.h"

#include <algorithm>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "base/keys.h"
#include "base/message_keys.h"
#include "base/text.h"
#include "net/packed_entries.h"
#include "net/idle.h"

namespace silian::sync {
namespace {

// A 4xx/5xx reply as a Status: the hub's JSON error code and message, or the raw status.
Status HubError(int http_status, const std::string& body) {
  std::string code = "http_" + std::to_string(http_status);
  std::string message = body.substr(0, 300);
  try {
    auto j = nlohmann::json::parse(body);
    code = j.value("error", code);
    message = j.value("message", message);
  } catch (const nlohmann::json::exception&) {
  }
  std::string text = "hub refused the request (HTTP " + std::to_string(http_status) + " " + code + "): " + message;
  if (http_status >= 500) return Unavailable(text);
  if (http_status == 413) return ResourceExhausted(text);
  // The refusals an agent can act on are said in their language (what to do differs); any other names the
  // hub's code for the administrator.
  if (code == "unknown_node" || code == "not_enrolled") return FailedPrecondition(text).With(msg::kSyncNotRegistered);
  if (code == "revoked" || code == "removed") return FailedPrecondition(text).With(msg::kSyncRevoked);
  if (code == "upgrade" || code == "version_mismatch") return FailedPrecondition(text).With(msg::kSyncUpgrade);
  return FailedPrecondition(text).With(msg::kSyncRefused, code);
}

// Whether every origin of `now` is among those of `asked`.
bool AskedAbout(const pb::Frontier& asked, const pb::Frontier& now) {
  std::set<std::string> origins;
  for (const auto& e : asked.entries()) origins.insert(e.origin());
  for (const auto& e : now.entries())
    if (!origins.count(e.origin())) return false;
  return true;
}


// Leaves out the entries of origins other than `self` that no head in `batch` covers: a hub refuses
// unsigned entries in a push, and it gets them from a replica that holds their heads.
void DropUnsigned(pb::Batch& batch, const std::string& self) {
  std::set<std::string> signed_origins{self};
  for (const auto& h : batch.heads()) signed_origins.insert(h.origin());
  pb::Batch kept;
  for (auto& e : *batch.mutable_entries()) {
    pb::Op op;
    const std::string origin = e.has_skip() ? e.skip().origin() : (op.ParseFromString(e.op()) ? op.origin() : self);
    if (signed_origins.count(origin)) *kept.add_entries() = std::move(e);
  }
  kept.mutable_heads()->Swap(batch.mutable_heads());
  batch.Swap(&kept);
}

// This replica's idle digest (net/idle.h) as of now, for hub `hub_key`.
Result<std::string> LocalDigest(Ledger& ledger, const std::string& hub_key) {
  SILIAN_ASSIGN_OR_RETURN(pb::Frontier frontier, ledger.GetFrontier());
  SILIAN_ASSIGN_OR_RETURN(auto pull_state, ledger.GetPullState(hub_key));
  return IdleDigest(LevelName(ledger.config().level), ledger.config().division.value, pull_state.epoch,
                    pull_state.cursor, frontier);
}

std::string IdleMetaKey(const std::string& hub_key) { return "idle/" + hub_key; }

}  // namespace

SyncClient::SyncClient(LedgerAccess& ledger, Transport& transport, std::string hub_key, SyncOptions options)
    : ledger_(ledger), transport_(transport), hub_key_(std::move(hub_key)), options_(std::move(options)) {}

SyncClient::SyncClient(Ledger& ledger, Transport& transport, std::string hub_key, SyncOptions options)
    : direct_(std::make_unique<DirectAccess>(ledger)),
      ledger_(*direct_),
      transport_(transport),
      hub_key_(std::move(hub_key)),
      options_(std::move(options)) {}

Result<pb::SyncRequest> SyncClient::BaseRequest() {
  pb::SyncRequest req;
  SILIAN_RETURN_IF_ERROR(ledger_.With([&](Ledger& ledger) -> Status {
    req.set_protocol_version(kSyncProtocolVersion);
    req.set_node_id(ledger.config().node_id.value);
    req.set_level(LevelName(ledger.config().level));
    req.set_division(ledger.config().division.value);
    SILIAN_ASSIGN_OR_RETURN(*req.mutable_frontier(), ledger.GetFrontier());
    // The hashes are for checking chains; a sync request only needs them for this node's own origin.
    for (auto& e : *req.mutable_frontier()->mutable_entries())
      if (e.origin() != ledger.config().node_id.value) e.clear_hash();
    SILIAN_ASSIGN_OR_RETURN(auto pull_state, ledger.GetPullState(hub_key_));
    req.set_hub_epoch(pull_state.epoch);
    req.set_cursor(pull_state.cursor);
    return Status::Ok();
  }));
  req.set_max_pull_entries(options_.pull_batch_entries);
  req.set_max_pull_bytes(options_.pull_batch_bytes);
  req.set_packed_entries(true);
  return req;
}

Result<Transport::Reply> SyncClient::Post(const std::string& node_id, const std::string& body, std::string* nonce) {
  for (int attempt = 0;; ++attempt) {
    *nonce = NewNonce();
    std::string authorization;
    int64_t local_ms = 0;
    SILIAN_RETURN_IF_ERROR(ledger_.With([&](Ledger& ledger) {
      local_ms = static_cast<int64_t>(ledger.wall().NowMs());
      const int64_t ts = std::max<int64_t>(0, local_ms + clock_offset_ms_);
      authorization = SignRequest(ledger.signing_key(), node_id, "POST", kSyncPath, body, static_cast<uint64_t>(ts), *nonce);
      return Status::Ok();
    }));
    SILIAN_ASSIGN_OR_RETURN(Transport::Reply reply, transport_.Post(kSyncPath, body, authorization));
    if (attempt > 0 || reply.http_status != 401) return reply;
    auto j = nlohmann::json::parse(reply.body, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return reply;
    // A connection cut after the hub took the request, and the transport sent the same bytes again (libcurl
    // re-sends on a dead reused connection): the hub saw that nonce already. The request is idempotent (a
    // push stores each op once); it goes again once, signed anew.
    if (j.value("error", "") == "replayed") continue;
    if (j.value("error", "") != "stale_request" || !j.contains("hub_ms") || !j["hub_ms"].is_number_unsigned())
      return reply;
    clock_offset_ms_ = static_cast<int64_t>(j["hub_ms"].get<uint64_t>()) - local_ms;
  }
}

Result<pb::SyncReply> SyncClient::Call(pb::SyncRequest request, SyncSummary& summary) {
  if (hub_reads_packed_) PackEntries(request.mutable_push());
  std::string plain;
  request.SerializeToString(&plain);
  std::string body = CompressBody(plain, options_.zstd_level);
  summary.body_bytes_sent += body.size();
  ++summary.requests;
  std::string nonce;
  SILIAN_ASSIGN_OR_RETURN(Transport::Reply reply, Post(request.node_id(), body, &nonce));
  summary.body_bytes_received += reply.body.size();
  if (reply.http_status != 200) return HubError(reply.http_status, reply.body);
  auto decoded = DecompressBody(reply.body, SyncLimits().max_decompressed_bytes);
  if (!decoded.ok()) return Unavailable("hub reply is unreadable: " + decoded.status().message());
  pb::SyncReply out;
  if (!out.ParseFromString(*decoded)) return Unavailable("hub reply is not a SyncReply");
  if (out.protocol_version() != kSyncProtocolVersion)
    return FailedPrecondition("hub speaks protocol version " + std::to_string(out.protocol_version()) +
                              "; this program speaks " + std::to_string(kSyncProtocolVersion))
        .With(msg::kSyncUpgrade);
  SILIAN_RETURN_IF_ERROR(VerifyHub(out, reply, nonce, summary));
  Status unpacked = UnpackEntries(out.mutable_pulled());
  if (!unpacked.ok()) return Unavailable("hub reply is malformed: " + unpacked.message());
  hub_reads_packed_ = out.packed_entries();
  hub_probes_ = out.idle_probes();
  summary.hub_id = out.hub_id();
  summary.hub_level = out.hub_level();
  return out;
}

// The hub's key: the pinned one, else the registry's for the hub the reply names, which must be a hub above
// this node (a compromised laptop's key cannot vouch for a reply).
Status SyncClient::VerifyHub(const pb::SyncReply& reply, const Transport::Reply& raw, const std::string& nonce,
                             SyncSummary& summary) {
  const std::string hub = "hub " + Quote(reply.hub_id()) + " at " + hub_key_;
  verified_key_.clear();
  if (raw.signature.empty())
    return PermissionDenied("the reply of " + hub + " is not signed (no " + kReplySignatureHeader +
                            "): refused, it may not come from the hub");
  std::string key;
  bool known = false;
  SILIAN_RETURN_IF_ERROR(ledger_.With([&](Ledger& ledger) -> Status {
    // The hub this node enrolled at, pinned then (settings hub_node, hub_public_key): its key is known
    // before any registration arrives. A reply naming another hub (a failover) goes by the registry.
    SILIAN_ASSIGN_OR_RETURN(auto pinned_node, ledger.GetSetting("hub_node"));
    SILIAN_ASSIGN_OR_RETURN(auto pinned, ledger.GetSetting("hub_public_key"));
    if (pinned_node && *pinned_node == reply.hub_id() && pinned && !pinned->empty()) {
      SILIAN_ASSIGN_OR_RETURN(key, FromBase64(*pinned, "setting hub_public_key"));
      known = true;
      return Status::Ok();
    }
    if (!options_.node_keys) return Status::Ok();
    SILIAN_ASSIGN_OR_RETURN(auto found, options_.node_keys(ledger, reply.hub_id()));
    if (!found || found->public_key.empty()) return Status::Ok();
    known = true;
    if (found->revoked || found->removed) return PermissionDenied(hub + " is revoked or removed in the registry");
    if (static_cast<int>(found->level) <= static_cast<int>(ledger.config().level))
      return PermissionDenied("the reply names " + hub + ", registered as a " + LevelName(found->level) +
                              " node, not a hub above this " + LevelName(ledger.config().level) + " node");
    key = found->public_key;
    return Status::Ok();
  }));
  if (!known) {
    summary.warnings.push_back("the reply of " + hub + " is signed, but this replica holds no key for it yet "
                               "(enrol with a code to pin it, or sync once its registration has arrived)");
    return Status::Ok();
  }
  if (!VerifyReply(key, nonce, raw.body, raw.signature))
    return PermissionDenied("the reply of " + hub + " has a signature that does not verify with its key (fingerprint " +
                            KeyFingerprint(key) + "): refused, it may have been changed on the way");
  verified_key_ = key;
  return Status::Ok();
}

// Stores the pulled ops, the new cursor and the receipts in one transaction.
Status SyncClient::Apply(const pb::SyncReply& reply, SyncSummary& summary, bool defer_projection) {
  // The pulled ops are parsed before the ledger's lock is taken: its readers wait for the import alone.
  std::vector<pb::Op> ops;
  if (std::optional<int> bad = ParseEntryOps(reply.pulled(), &ops))
    return DataLoss("the hub's reply carries an entry that is not a valid op (entry " + std::to_string(*bad + 1) + ")");
  return ledger_.With(
      [&](Ledger& ledger) { return Apply(ledger, reply, std::move(ops), summary, defer_projection); });
}

Status SyncClient::Apply(Ledger& ledger, const pb::SyncReply& reply, std::vector<pb::Op> ops, SyncSummary& summary,
                         bool defer_projection) {
  // The hub vouches for the skips it sends with its scope and its receipt (its frontier for their origins).
  SILIAN_ASSIGN_OR_RETURN(auto import, ledger.BeginImport(PullSender(reply.hub_id(), reply.hub_scope(), reply.receipt())));
  if (defer_projection) import->DeferProjection();
  if (reply.pulled().entries_size() > 0) SILIAN_RETURN_IF_ERROR(import->AddParsed(reply.pulled(), std::move(ops)));
  std::vector<pb::LevelReceipt> receipts;
  pb::LevelReceipt own;
  own.set_level(reply.hub_level());
  own.set_hub_id(reply.hub_id());
  own.set_as_of_ms(ledger.wall().NowMs());
  for (const auto& e : reply.receipt().entries()) *own.add_entries() = e;
  receipts.push_back(std::move(own));
  for (const auto& r : reply.upstream()) receipts.push_back(r);
  // A push-only reply carries no cursor: keep the one from the same hub ledger.
  uint64_t cursor = reply.next_cursor();
  SILIAN_ASSIGN_OR_RETURN(auto previous, ledger.GetPullState(hub_key_));
  if (reply.hub_epoch() == previous.epoch && cursor < previous.cursor) cursor = previous.cursor;
  SILIAN_RETURN_IF_ERROR(CheckReceipts(ledger, reply, summary));
  SILIAN_RETURN_IF_ERROR(import->RecordPull(hub_key_, reply.hub_epoch(), cursor, receipts));
  SILIAN_ASSIGN_OR_RETURN(ImportStats stats, import->Commit(nullptr));
  summary.pulled += stats.new_ops;
  for (auto& w : stats.warnings) summary.warnings.push_back(std::move(w));
  return Status::Ok();
}

Status SyncClient::CheckReceipts(Ledger& ledger, const pb::SyncReply& reply, SyncSummary& summary) {
  const std::string& self = ledger.config().node_id.value;
  auto check = [&](const std::string& level, const std::string& hub_id, const pb::Frontier& entries) -> Status {
    for (const auto& e : entries.entries()) {
      if (e.origin() != self) continue;
      SILIAN_ASSIGN_OR_RETURN(std::string problem, ledger.CheckReceipt(level, hub_id, e));
      if (!problem.empty()) {
        summary.equivocations.push_back(problem);
        if (disputed_seq_ == 0 || e.seq() < disputed_seq_) disputed_seq_ = e.seq();
      }
    }
    return Status::Ok();
  };
  SILIAN_RETURN_IF_ERROR(check(reply.hub_level(), reply.hub_id(), reply.receipt()));
  for (const auto& r : reply.upstream()) {
    pb::Frontier entries;
    *entries.mutable_entries() = r.entries();
    SILIAN_RETURN_IF_ERROR(check(r.level(), r.hub_id(), entries));
  }
  return Status::Ok();
}

Status SyncClient::PushOwnOp(uint64_t seq, SyncSummary& summary) {
  pb::Batch batch;
  SILIAN_RETURN_IF_ERROR(ledger_.With([&](Ledger& ledger) -> Status {
    SILIAN_ASSIGN_OR_RETURN(auto bytes, ledger.OpBytes(OpId{ledger.config().node_id.value, seq}));
    if (bytes) batch.add_entries()->set_op(std::move(*bytes));
    return ledger.AttachHeads(&batch);
  }));
  if (batch.entries_size() == 0) return Status::Ok();
  SILIAN_ASSIGN_OR_RETURN(pb::SyncRequest req, BaseRequest());
  *req.mutable_push() = std::move(batch);
  req.set_pull(false);
  return Call(std::move(req), summary).status();
}

Status SyncClient::Session(SyncSummary& summary) {
  disputed_seq_ = 0;
  settled_ = false;

  // Pull until the hub has nothing more for this scope. The first reply also carries the hub's receipt.
  pb::SyncReply last;
  for (;;) {
    SILIAN_ASSIGN_OR_RETURN(pb::SyncRequest req, BaseRequest());
    req.set_pull(true);
    auto reply = Call(req, summary);  // a copy: the frontier it asked with is read below
    Status applied = reply.ok() ? Apply(*reply, summary, reply->more()) : reply.status();
    if (reply.ok()) last = std::move(*reply);
    if (!applied.ok()) {
      // A cut session must not leave cases unprojected for readers until the next one.
      ledger_.With([](Ledger& ledger) { return ledger.RefreshStaleCases(); }).IgnoreError();
      return applied;
    }
    if (options_.progress && (last.more() || summary.pulled > 0))
      options_.progress(SyncProgress{"pull", summary.pulled, 0});
    if (last.more()) continue;
    // The receipt covers the origins of the request's frontier only. When the reply brought the first ops
    // of other origins, the push below would send them all back to the hub that just sent them: one more
    // pull (with nothing left to pull, a small reply) gets a receipt that covers them.
    pb::Frontier now;
    SILIAN_RETURN_IF_ERROR(ledger_.With([&](Ledger& ledger) -> Status {
      SILIAN_ASSIGN_OR_RETURN(now, ledger.GetFrontier());
      return Status::Ok();
    }));
    if (AskedAbout(req.frontier(), now)) break;
  }

  // Push what the hub's receipt shows it lacks, a bounded batch at a time.
  pb::Frontier holder = last.receipt();
  holder.set_scope(last.hub_scope());
  for (;;) {
    pb::Batch batch;
    {
      uint64_t bytes = 0;
      bool full = false;
      Status s = ledger_.With([&](Ledger& ledger) { return ledger.Export(holder, [&](pb::Entry e) -> Status {
        if (static_cast<uint32_t>(batch.entries_size()) >= options_.push_batch_entries ||
            bytes >= options_.push_batch_bytes) {
          full = true;
          return ResourceExhausted("batch full");
        }
        bytes += e.ByteSizeLong();
        *batch.add_entries() = std::move(e);
        return Status::Ok();
      }); });
      if (!s.ok() && !full) return s;
      Status attached = ledger_.With([&](Ledger& ledger) {
        Status heads = ledger.AttachHeads(&batch);
        if (heads.ok()) DropUnsigned(batch, ledger.config().node_id.value);
        return heads;
      });
      if (!attached.ok()) return attached;
    }
    if (batch.entries_size() == 0) {
      settled_ = true;
      break;
    }
    SILIAN_ASSIGN_OR_RETURN(pb::SyncRequest req, BaseRequest());
    *req.mutable_push() = std::move(batch);
    req.set_pull(false);
    SILIAN_ASSIGN_OR_RETURN(pb::SyncReply reply, Call(std::move(req), summary));
    SILIAN_RETURN_IF_ERROR(Apply(reply, summary, false));
    summary.pushed += reply.pushed_new();
    summary.push_known += reply.pushed_known();
    for (const auto& r : reply.refused())
      summary.warnings.push_back("the hub stored op " + r.op() + " but refused it on its case: " + r.rule());
    if (options_.progress) options_.progress(SyncProgress{"push", summary.pushed, 0});
    // Stop when the hub's frontier did not move: what is left waits for ops this replica cannot supply.
    std::map<std::string, uint64_t> before;
    for (const auto& e : holder.entries()) before[e.origin()] = e.seq();
    bool advanced = false;
    for (const auto& e : reply.receipt().entries())
      if (e.seq() > before[e.origin()]) advanced = true;
    holder = reply.receipt();
    holder.set_scope(reply.hub_scope());
    if (!advanced) {
      summary.warnings.push_back("the hub holds " + std::to_string(reply.pushed_pending()) +
                                 " pushed ops that wait for earlier ops of their origin");
      break;
    }
  }

  return ledger_.With([&](Ledger& ledger) { return ledger.RecordSyncDone(hub_key_); });
}

Result<SyncSummary> SyncClient::SyncOnce() {
  SyncSummary summary;
  if (options_.idle_probe) {
    SILIAN_ASSIGN_OR_RETURN(bool unchanged, Probe(summary));
    if (unchanged) return summary;
  }
  // What is remembered describes the state before this session; it holds again only once it completes.
  SILIAN_RETURN_IF_ERROR(ForgetIdle());
  SILIAN_RETURN_IF_ERROR(Session(summary));
  if (summary.equivocations.empty()) {
    if (settled_ && hub_probes_ && !verified_key_.empty()) SILIAN_RETURN_IF_ERROR(RememberIdle(summary));
    return summary;
  }
  // Hand the hub this node's own version of the disputed op: it keeps both as evidence and counts it.
  if (disputed_seq_ > 0) PushOwnOp(disputed_seq_, summary).IgnoreError();
  std::string text = "equivocation: " + summary.equivocations.front();
  if (summary.equivocations.size() > 1) text += " (and " + std::to_string(summary.equivocations.size() - 1) + " more)";
  return DataLoss(text);
}

Status SyncClient::RememberIdle(const SyncSummary& summary) {
  return ledger_.With([&](Ledger& ledger) -> Status {
    SILIAN_ASSIGN_OR_RETURN(std::string digest, LocalDigest(ledger, hub_key_));
    nlohmann::json j{{"hub", summary.hub_id}, {"level", summary.hub_level}, {"key", ToBase64(verified_key_)},
                     {"digest", ToHex(digest)}};
    return ledger.SetMeta(IdleMetaKey(hub_key_), j.dump());
  });
}

Status SyncClient::ForgetIdle() {
  return ledger_.With([&](Ledger& ledger) -> Status {
    SILIAN_ASSIGN_OR_RETURN(auto stored, ledger.GetMeta(IdleMetaKey(hub_key_)));
    if (!stored || stored->empty()) return Status::Ok();
    return ledger.SetMeta(IdleMetaKey(hub_key_), "");
  });
}

Result<bool> SyncClient::Probe(SyncSummary& summary) {
  std::string node_id, digest, hub_id, hub_level;
  IdleKeys keys;
  bool ready = false;
  SILIAN_RETURN_IF_ERROR(ledger_.With([&](Ledger& ledger) -> Status {
    SILIAN_ASSIGN_OR_RETURN(auto stored, ledger.GetMeta(IdleMetaKey(hub_key_)));
    if (!stored || stored->empty()) return Status::Ok();
    const auto j = nlohmann::json::parse(*stored, nullptr, false);
    if (!j.is_object() || !j.contains("digest") || !j["digest"].is_string() || !j.contains("key") ||
        !j["key"].is_string())
      return Status::Ok();
    SILIAN_ASSIGN_OR_RETURN(digest, LocalDigest(ledger, hub_key_));
    // Something changed here since the last full session (an op authored or imported): it has to go up.
    if (ToHex(digest) != j["digest"].get<std::string>()) return Status::Ok();
    auto hub_key = FromBase64(j["key"].get<std::string>(), "meta idle key");
    if (!hub_key.ok()) return Status::Ok();
    auto derived = NodeIdleKeys(ledger.signing_key(), *hub_key);
    if (!derived.ok()) return Status::Ok();
    keys = std::move(*derived);
    node_id = ledger.config().node_id.value;
    hub_id = j.value("hub", "");
    hub_level = j.value("level", "");
    ready = true;
    return Status::Ok();
  }));
  if (!ready) return false;
  const uint64_t sent_before = transport_.wire_bytes_sent(), received_before = transport_.wire_bytes_received();
  // A probe refused as stale goes once more on the hub's clock, as a signed request does.
  for (int attempt = 0; attempt < 2; ++attempt) {
    const int64_t offset_before = clock_offset_ms_;
    std::string body, nonce;
    SILIAN_RETURN_IF_ERROR(ledger_.With([&](Ledger& ledger) {
      pb::IdleProbe probe;
      probe.set_node_id(node_id);
      probe.set_digest(digest);
      probe.set_ts_ms(static_cast<uint64_t>(
          std::max<int64_t>(0, static_cast<int64_t>(ledger.wall().NowMs()) + clock_offset_ms_)));
      nonce = NewIdleNonce();
      probe.set_nonce(nonce);
      pb::IdleRequest request;
      request.set_probe(probe.SerializeAsString());
      request.set_mac(ProbeMac(keys.request, request.probe()));
      body = request.SerializeAsString();
      return Status::Ok();
    }));
    ++summary.requests;
    summary.body_bytes_sent += body.size();
    auto reply = transport_.Probe(kIdlePath, body);
    summary.probe_wire_bytes =
        transport_.wire_bytes_sent() - sent_before + transport_.wire_bytes_received() - received_before;
    if (!reply.ok()) {
      summary.probe = "no answer: " + reply.status().message();
      return false;
    }
    summary.body_bytes_received += reply->body.size();
    if (ReadAnswer(*reply, nonce, keys.reply, summary)) break;
    if (clock_offset_ms_ == offset_before || attempt > 0) return false;
  }
  summary.hub_id = hub_id;
  summary.hub_level = hub_level;
  SILIAN_RETURN_IF_ERROR(ledger_.With([&](Ledger& ledger) { return ledger.RecordSyncDone(hub_key_); }));
  return true;
}

bool SyncClient::ReadAnswer(const Transport::Reply& reply, const std::string& nonce, const std::string& reply_key,
                            SyncSummary& summary) {
  if (reply.http_status != 200) {
    Status refused = HubError(reply.http_status, reply.body);
    summary.probe = "refused: " + refused.message();
    // The hub's clock, as for a signed request: the full session that follows signs on it.
    auto j = nlohmann::json::parse(reply.body, nullptr, false);
    if (j.is_object() && j.value("error", "") == "stale_request" && j.contains("hub_ms") &&
        j["hub_ms"].is_number_unsigned()) {
      int64_t local_ms = 0;
      ledger_.With([&](Ledger& ledger) {
        local_ms = static_cast<int64_t>(ledger.wall().NowMs());
        return Status::Ok();
      }).IgnoreError();
      clock_offset_ms_ = static_cast<int64_t>(j["hub_ms"].get<uint64_t>()) - local_ms;
    }
    return false;
  }
  pb::IdleAnswer answer;
  if (!answer.ParseFromString(reply.body) || !IdleMacEqual(AnswerMac(reply_key, nonce, answer.unchanged()), answer.mac())) {
    summary.probe = "refused: the answer does not verify with the key shared with hub at " + hub_key_;
    summary.warnings.push_back("the idle answer of the hub at " + hub_key_ +
                               " does not verify with the key shared with it: ran the full session instead");
    return false;
  }
  summary.probe = answer.unchanged() ? "unchanged" : "changed";
  return answer.unchanged();
}

}  // namespace silian::sync
