#include "net/idle_service.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "base/keys.h"
#include "base/text.h"

namespace silian::sync {
namespace {

// Pull steps of a probe's check: small, since an idle child has nothing waiting.
constexpr size_t kCheckEntries = 1000;
constexpr size_t kCheckBytes = 1u << 20;

std::vector<std::string> Origins(const pb::Frontier& frontier) {
  std::vector<std::string> out;
  for (const auto& e : frontier.entries()) out.push_back(e.origin());
  return out;
}

Result<std::string> CurrentReceiptsDigest(Ledger& ledger, const std::vector<std::string>& origins) {
  SILIAN_ASSIGN_OR_RETURN(pb::Frontier receipt, ledger.Receipt(origins));
  SILIAN_ASSIGN_OR_RETURN(std::vector<pb::LevelReceipt> upstream, ledger.Receipts(origins));
  return ReceiptsDigest(receipt, upstream);
}

// A field of a fixed size, checked before anything else is done with the probe.
std::optional<SyncOutcome> CheckSize(const std::string& field, const std::string& value, size_t size) {
  if (value.size() == size) return std::nullopt;
  return ErrorOutcome(400, "malformed", "idle probe field " + field + " has " + std::to_string(value.size()) +
                                            " bytes; it must have " + std::to_string(size));
}

}  // namespace

Status IdleTable::Record(Ledger& ledger, const Peer& peer, const pb::SyncRequest& req, const pb::SyncReply& reply) {
  if (reply.more()) return Status::Ok();  // another pull follows; the last reply of the session records
  std::map<std::string, uint64_t> held;
  for (const auto& e : req.frontier().entries()) held[e.origin()] = std::max(held[e.origin()], e.seq());
  for (const auto& e : reply.pulled().entries()) {
    if (e.has_skip()) {
      held[e.skip().origin()] = std::max(held[e.skip().origin()], e.skip().to_seq());
      continue;
    }
    pb::Op op;
    if (!op.ParseFromString(e.op())) {
      Forget(peer.node_id.value);
      return DataLoss("a pulled op for " + Quote(peer.node_id.value) + " does not parse");
    }
    held[op.origin()] = std::max(held[op.origin()], op.seq());
  }
  IdleRecord r;
  r.scope = ScopeOf(peer.level, peer.division);
  r.epoch = ledger.epoch();
  // As SyncClient keeps it: the reply's cursor, or the one it held of the same hub ledger when larger.
  r.cursor = reply.next_cursor();
  if (req.hub_epoch() == r.epoch) r.cursor = std::max(r.cursor, req.cursor());
  for (const auto& [origin, seq] : held) {
    auto* e = r.frontier.add_entries();
    e->set_origin(origin);
    e->set_seq(seq);
  }
  r.digest = IdleDigest(LevelName(peer.level), peer.division.value, r.epoch, r.cursor, r.frontier);
  auto receipts = CurrentReceiptsDigest(ledger, Origins(r.frontier));
  if (!receipts.ok()) {
    Forget(peer.node_id.value);
    return receipts.status();
  }
  r.receipts_digest = std::move(*receipts);
  std::lock_guard<std::mutex> lock(mu_);
  records_[peer.node_id.value] = std::move(r);
  return Status::Ok();
}

void IdleTable::Forget(const std::string& node_id) {
  std::lock_guard<std::mutex> lock(mu_);
  records_.erase(node_id);
}

std::optional<IdleRecord> IdleTable::Find(const std::string& node_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = records_.find(node_id);
  if (it == records_.end()) return std::nullopt;
  return it->second;
}

void IdleTable::Checked(const std::string& node_id, const std::string& digest, uint64_t checked_to) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = records_.find(node_id);
  if (it != records_.end() && it->second.digest == digest)
    it->second.checked_to = std::max(it->second.checked_to, checked_to);
}

// The same checks, in the same order and with the same replies, as a signed request's (SyncService::
// CheckSender), with the MAC in place of the signature.
std::optional<SyncOutcome> IdleService::Authenticate(Ledger& ledger, const pb::IdleProbe& probe,
                                                     const std::string& probe_bytes, const std::string& mac,
                                                     IdleKeys* keys) {
  const std::string& id = probe.node_id();
  const std::string hub = Quote(ledger.config().node_id.value);
  auto key = keys_(ledger, id);
  if (!key.ok()) return ErrorOutcome(500, "internal", key.status().message());
  if (!key->has_value()) return ErrorOutcome(401, "unknown_node", "node " + Quote(id) + " has no registration at hub " + hub);
  if ((*key)->revoked) return ErrorOutcome(403, "revoked", "node " + Quote(id) + " is revoked");
  if ((*key)->removed) return ErrorOutcome(403, "removed", "node " + Quote(id) + " is removed from the registry");
  if ((*key)->public_key.empty())
    return ErrorOutcome(401, "not_enrolled", "node " + Quote(id) + " is registered at hub " + hub + " without a key");
  const uint64_t now = ledger.wall().NowMs();
  const uint64_t skew = probe.ts_ms() > now ? probe.ts_ms() - now : now - probe.ts_ms();
  if (skew > kRequestWindowMs) {
    SyncOutcome stale = ErrorOutcome(401, "stale_request",
                                     "idle probe of node " + Quote(id) + " is stamped " + std::to_string(probe.ts_ms()) +
                                         ", " + std::to_string(skew / 1000) + " s away from hub " + hub + "'s clock " +
                                         std::to_string(now) + "; at most " +
                                         std::to_string(kRequestWindowMs / 1000) + " s are allowed");
    auto j = nlohmann::json::parse(stale.body);
    j["hub_ms"] = now;
    stale.body = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return stale;
  }
  auto derived = HubIdleKeys(ledger.signing_key(), (*key)->public_key);
  if (!derived.ok()) return ErrorOutcome(401, "bad_mac", derived.status().message());
  if (!IdleMacEqual(ProbeMac(derived->request, probe_bytes), mac))
    return ErrorOutcome(401, "bad_mac",
                        "the idle probe's MAC does not verify with the key shared with node " + Quote(id) +
                            " (its key's fingerprint " + KeyFingerprint((*key)->public_key) + ")");
  const std::string nonce = ToHex(probe.nonce());
  auto fresh = RecordNonce(ledger, id, nonce, probe.ts_ms());
  if (!fresh.ok()) return ErrorOutcome(500, "internal", fresh.status().message());
  if (!*fresh)
    return ErrorOutcome(401, "replayed", "nonce " + nonce + " of node " + Quote(id) +
                                             " was already used: a probe is accepted once");
  *keys = std::move(*derived);
  return std::nullopt;
}

Result<bool> IdleService::Unchanged(Ledger& ledger, const std::string& node_id, const std::string& digest) {
  std::optional<IdleRecord> r = table_.Find(node_id);
  // No full session since this hub started, or the child's state is not the one that session left.
  if (!r || r->digest != digest || r->epoch != ledger.epoch()) return false;
  SILIAN_ASSIGN_OR_RETURN(std::string receipts, CurrentReceiptsDigest(ledger, Origins(r->frontier)));
  if (receipts != r->receipts_digest) return false;
  uint64_t cursor = std::max(r->cursor, r->checked_to);
  for (;;) {
    SILIAN_ASSIGN_OR_RETURN(Ledger::PullResult pulled, ledger.Pull(r->scope, r->frontier, cursor, kCheckEntries, kCheckBytes));
    if (pulled.batch.entries_size() > 0) return false;
    cursor = std::max(cursor, pulled.next_cursor);
    if (!pulled.more) break;
  }
  table_.Checked(node_id, digest, cursor);
  return true;
}

SyncOutcome IdleService::Handle(const std::string& body) {
  if (body.size() > kMaxIdleBodyBytes)
    return ErrorOutcome(413, "too_large", "idle probe of " + std::to_string(body.size()) +
                                              " bytes exceeds the limit of " + std::to_string(kMaxIdleBodyBytes));
  pb::IdleRequest request;
  pb::IdleProbe probe;
  if (!request.ParseFromString(body) || !probe.ParseFromString(request.probe()))
    return ErrorOutcome(400, "malformed", "the idle probe body (" + std::to_string(body.size()) +
                                              " bytes) is not an IdleRequest holding an IdleProbe");
  if (auto bad = CheckSize("mac", request.mac(), kIdleMacBytes)) return *bad;
  if (auto bad = CheckSize("digest", probe.digest(), kIdleDigestBytes)) return *bad;
  if (auto bad = CheckSize("nonce", probe.nonce(), kIdleNonceBytes)) return *bad;
  auto node = ParseNodeId(probe.node_id());
  if (!node.ok()) return ErrorOutcome(400, "malformed", "idle probe node_id: " + node.status().message());

  std::optional<SyncOutcome> refused;
  IdleKeys keys;
  bool unchanged = false;
  LedgerAccess& access = read_ != nullptr ? *read_ : ledger_;
  Status s = access.With([&](Ledger& ledger) -> Status {
    refused = Authenticate(ledger, probe, request.probe(), request.mac(), &keys);
    if (refused) return Status::Ok();
    SILIAN_ASSIGN_OR_RETURN(auto peer, ledger.peers().Find(probe.node_id()));
    if (!peer) {
      refused = ErrorOutcome(403, "unknown_node", "node " + Quote(probe.node_id()) + " is not registered at hub " +
                                                      Quote(ledger.config().node_id.value) + " (silian-hub node add)");
      return Status::Ok();
    }
    SILIAN_ASSIGN_OR_RETURN(unchanged, Unchanged(ledger, probe.node_id(), probe.digest()));
    if (!unchanged) return Status::Ok();
    if (contacts_ == nullptr) return ledger.peers().RecordContact(probe.node_id(), 0, 0, "");
    contacts_->DeferContact(probe.node_id());
    return Status::Ok();
  });
  if (!s.ok()) return ErrorOutcome(500, "internal", s.message());
  if (refused) return *refused;
  pb::IdleAnswer answer;
  answer.set_unchanged(unchanged);
  answer.set_mac(AnswerMac(keys.reply, probe.nonce(), unchanged));
  SyncOutcome out;
  out.body = answer.SerializeAsString();
  return out;
}

}  // namespace silian::sync
