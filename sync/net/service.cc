#include "net/service.h"

#include <algorithm>
#include <set>

#include <nlohmann/json.hpp>

#include "base/text.h"
#include "ledger/read_view.h"
#include "net/packed_entries.h"
#include "net/idle_service.h"

namespace silian::sync {
namespace {

// The number of ops (not skips) in `batch`.
uint64_t OpsIn(const pb::Batch& batch) {
  uint64_t n = 0;
  for (const auto& e : batch.entries()) n += e.has_op() || e.has_op_tail() ? 1 : 0;
  return n;
}

SyncOutcome FromStatus(const Status& s) {
  switch (s.code()) {
    case StatusCode::kResourceExhausted: return ErrorOutcome(413, "too_large", s.message());
    case StatusCode::kInvalidArgument:
    case StatusCode::kDataLoss: return ErrorOutcome(400, "malformed", s.message());
    case StatusCode::kPermissionDenied:
      // A head that does not match its chain or its signature (ledger/import.cc): 403 forged.
      return ErrorOutcome(403, s.message().rfind("forged:", 0) == 0 ? "forged" : "refused", s.message());
    default: return ErrorOutcome(500, "internal", s.message());
  }
}

}  // namespace

SyncOutcome ErrorOutcome(int http_status, const std::string& code, const std::string& message) {
  SyncOutcome o;
  o.http_status = http_status;
  o.content_type = "application/json";
  // Messages quote what the client sent, which need not be valid UTF-8.
  o.body = nlohmann::json{{"error", code}, {"message", message}}.dump(-1, ' ', false,
                                                                       nlohmann::json::error_handler_t::replace);
  o.error = code;
  return o;
}

std::optional<SyncOutcome> SyncService::FindRegistered(Ledger& ledger, const std::string& node_id, Peer* peer) {
  auto found = ledger.peers().Find(node_id);
  if (!found.ok()) return FromStatus(found.status());
  if (!found->has_value())
    return ErrorOutcome(403, "unknown_node",
                        "node " + Quote(node_id) + " is not registered at hub " + Quote(ledger.config().node_id.value) +
                            " (silian-hub node add)");
  *peer = **found;
  return std::nullopt;
}

// What a push holds, read before the lock is taken: every op must parse.
struct SyncService::PushSummary {
  std::set<std::string> origins;  // of the frontier and of every entry
  // Entry i's op, parsed once here, outside the writer's lock (an empty op for a skip); the import takes
  // them (Ledger::Import::AddParsed).
  std::vector<pb::Op> ops;
};

std::optional<SyncOutcome> SyncService::Summarise(const pb::SyncRequest& req, PushSummary* out) {
  for (const auto& e : req.frontier().entries()) {
    if (e.seq() > kMaxSeq)
      return ErrorOutcome(400, "malformed", "frontier entry of origin " + Quote(e.origin()) + " has seq " +
                                                std::to_string(e.seq()) + " beyond " + std::to_string(kMaxSeq));
    out->origins.insert(e.origin());
  }
  if (std::optional<int> bad = ParseEntryOps(req.push(), &out->ops))
    return ErrorOutcome(400, "malformed", "push entry " + std::to_string(*bad) + " is not a valid op");
  for (int i = 0; i < req.push().entries_size(); ++i) {
    const pb::Entry& e = req.push().entries(i);
    if (e.has_op()) {
      out->origins.insert(out->ops[static_cast<size_t>(i)].origin());
    } else if (e.has_skip()) {
      out->origins.insert(e.skip().origin());
    } else {
      return ErrorOutcome(400, "malformed", "push entry " + std::to_string(i) + " is neither an op nor a skip");
    }
  }
  return std::nullopt;
}

std::optional<SyncOutcome> SyncService::CheckScope(Ledger& ledger, const std::string& node_id, const Peer& p,
                                                   const pb::SyncRequest& req, const PushSummary& push,
                                                   std::vector<ContactNote>* contacts) {
  const std::string child_scope = ScopeOf(p.level, p.division);
  auto refuse = [&](const std::string& code, const std::string& msg, const std::string& note) {
    contacts->push_back(ContactNote{node_id, 0, 0, note.empty() ? msg : note});
    return ErrorOutcome(422, code, msg);
  };
  if (req.level() != LevelName(p.level) || req.division() != p.division.value)
    return refuse("out_of_scope",
                  "node " + Quote(node_id) + " is registered as " + LevelName(p.level) + " " + p.division.value +
                      " but says it is " + req.level() + " " + req.division(),
                  "registration mismatch");
  if (!InScope(child_scope, ledger.scope()))
    return refuse("out_of_scope",
                  "node " + Quote(node_id) + " serves " + child_scope + ", outside this hub's area " + ledger.scope(),
                  "outside the hub's area");
  auto op_name = [](const pb::Op& op) { return Quote(op.origin() + ":" + std::to_string(op.seq())); };
  // The ops of the push; a skip's place holds an empty op.
  std::vector<const pb::Op*> ops;
  for (int i = 0; i < req.push().entries_size(); ++i)
    if (req.push().entries(i).has_op()) ops.push_back(&push.ops[static_cast<size_t>(i)]);
  if (p.level != Level::kCounty && p.level != Level::kCity)
    for (const pb::Op* op : ops)
      // Staff audit records are the one reference data every node writes (its logins and refusals).
      if (op->origin() == node_id && ledger.IsReference(*op) && !op->has_staff_audit())
        return refuse("no_authority",
                      "op " + op_name(*op) + " publishes reference data, but node " + Quote(node_id) + " is a " +
                          LevelName(p.level) + " node: only county and city hubs publish the catalogue and calendars",
                      "");
  for (const pb::Op* op : ops)
    if (!OpInScope(op->division(), child_scope))
      return refuse("out_of_scope",
                    "op " + op_name(*op) + " is for division " + Quote(op->division()) + ", outside the area " +
                        child_scope + " of node " + Quote(node_id),
                    "");
  return std::nullopt;
}

std::optional<SyncOutcome> SyncService::ApplyPush(Ledger& ledger, const Peer& peer, const pb::SyncRequest& req,
                                                  std::vector<pb::Op> ops, pb::SyncReply* reply,
                                                  PushFindings* findings) {
  const std::string& node_id = peer.node_id.value;
  // The sender's scope is the registry's, never the request's: it bounds the skips the sender may vouch for.
  auto import = ledger.BeginImport(PushSender(peer, req.frontier()));
  if (!import.ok()) return FromStatus(import.status());
  Status added = (*import)->AddParsed(req.push(), std::move(ops));
  if (!added.ok()) {
    (*import).reset();  // roll back first: recorded inside the import, the error would be rolled back too
    ledger.peers().RecordContact(node_id, 0, 0, added.message()).IgnoreError();
    // An op whose content breaks the rules every author follows (Projector::CheckContent, Admit).
    if (added.code() == StatusCode::kInvalidArgument) return ErrorOutcome(422, "invalid_op", added.message());
    return FromStatus(added);
  }
  auto stats = (*import)->Commit(&req.frontier());
  if (!stats.ok()) return FromStatus(stats.status());
  reply->set_pushed_new(stats->new_ops);
  reply->set_pushed_known(stats->known);
  reply->set_pushed_pending(stats->pending);
  findings->equivocations += stats->equivocations;
  findings->skewed_ops += stats->skewed;
  for (const auto& r : stats->refused) {
    auto* record = reply->add_refused();
    record->set_op(r.op);
    record->set_rule(r.rule);
  }
  return std::nullopt;
}

std::optional<SyncOutcome> SyncService::AnswerPull(Ledger& ledger, const std::string& child_scope,
                                                   const pb::SyncRequest& req, pb::SyncReply* reply) {
  uint64_t cursor = req.hub_epoch() == ledger.epoch() ? req.cursor() : 0;
  size_t max_entries = std::min<size_t>(req.max_pull_entries() ? req.max_pull_entries() : limits_.max_pull_entries,
                                        limits_.max_pull_entries);
  size_t max_bytes = std::min<uint64_t>(req.max_pull_bytes() ? req.max_pull_bytes() : limits_.max_pull_bytes,
                                        limits_.max_pull_bytes);
  auto pulled = ledger.Pull(child_scope, req.frontier(), cursor, max_entries, max_bytes);
  if (!pulled.ok()) return FromStatus(pulled.status());
  *reply->mutable_pulled() = std::move(pulled->batch);
  reply->set_next_cursor(pulled->next_cursor);
  reply->set_more(pulled->more);
  return std::nullopt;
}

std::optional<SyncOutcome> SyncService::Serve(Ledger& ledger, const std::string& node_id, const pb::SyncRequest& req,
                                              PushSummary& push, pb::SyncReply* reply, PushFindings* findings,
                                              std::vector<ContactNote>* contacts) {
  Peer p;
  if (auto refused = FindRegistered(ledger, node_id, &p)) return refused;
  if (auto refused = CheckScope(ledger, node_id, p, req, push, contacts)) return refused;
  if (req.push().entries_size() > 0)
    if (auto failed = ApplyPush(ledger, p, req, std::move(push.ops), reply, findings)) return failed;
  if (req.pull())
    if (auto failed = AnswerPull(ledger, ScopeOf(p.level, p.division), req, reply)) return failed;

  // The receipt also covers the origins of what the pull sends: the child checks each skip against it.
  std::set<std::string> origins = push.origins;
  for (const auto& e : reply->pulled().entries())
    if (e.has_skip()) origins.insert(e.skip().origin());
  std::vector<std::string> origin_list(origins.begin(), origins.end());
  auto receipt = ledger.Receipt(origin_list);
  if (!receipt.ok()) return FromStatus(receipt.status());
  *reply->mutable_receipt() = std::move(*receipt);
  auto upstream = ledger.Receipts(origin_list);
  if (!upstream.ok()) return FromStatus(upstream.status());
  for (auto& r : *upstream) *reply->add_upstream() = std::move(r);

  reply->set_protocol_version(kSyncProtocolVersion);
  reply->set_hub_id(ledger.config().node_id.value);
  reply->set_hub_level(LevelName(ledger.config().level));
  reply->set_hub_scope(ledger.scope());
  reply->set_hub_epoch(ledger.epoch());
  contacts->push_back(ContactNote{node_id, reply->pushed_new(), OpsIn(reply->pulled()), ""});
  if (idle_ != nullptr) {
    reply->set_idle_probes(true);
    // A record that cannot be made is forgotten: the child's next probe is answered "changed".
    idle_->Record(ledger, p, req, *reply).IgnoreError();
  }
  return std::nullopt;
}

void SyncService::RecordContacts(Ledger& ledger, std::vector<ContactNote> contacts, bool wait) {
  {
    std::lock_guard<std::mutex> lock(contacts_mu_);
    contacts.insert(contacts.begin(), std::make_move_iterator(pending_contacts_.begin()),
                    std::make_move_iterator(pending_contacts_.end()));
    pending_contacts_.clear();
  }
  if (contacts.empty()) return;
  // One transaction for them all. The contact record is a note for `status`, not part of any reply: a
  // failure to write one is not the peer's.
  auto write = [&] {
    for (const ContactNote& c : contacts)
      ledger.peers().RecordContact(c.node_id, c.ops_received, c.ops_sent, c.error).IgnoreError();
    return Status::Ok();
  };
  Status s = wait ? ledger.RunTransaction(write) : TryTransaction(ledger, write, kContactWaitMs);
  if (s.ok()) return;
  std::lock_guard<std::mutex> lock(contacts_mu_);
  // Kept for the next try, the oldest first; bounded, so a file locked for hours cannot fill the memory.
  contacts.insert(contacts.end(), std::make_move_iterator(pending_contacts_.begin()),
                  std::make_move_iterator(pending_contacts_.end()));
  if (contacts.size() > kMaxPendingContacts)
    contacts.erase(contacts.begin(), contacts.end() - static_cast<std::ptrdiff_t>(kMaxPendingContacts));
  pending_contacts_ = std::move(contacts);
}

void SyncService::RecordPendingContacts(Ledger& writer) { RecordContacts(writer, {}, /*wait=*/false); }

void SyncService::DeferContact(const std::string& node_id) {
  std::lock_guard<std::mutex> lock(contacts_mu_);
  pending_contacts_.push_back(ContactNote{node_id, 0, 0, ""});
  if (pending_contacts_.size() > kMaxPendingContacts)
    pending_contacts_.erase(pending_contacts_.begin(),
                            pending_contacts_.end() - static_cast<std::ptrdiff_t>(kMaxPendingContacts));
}

bool SyncService::HasPendingContacts() {
  std::lock_guard<std::mutex> lock(contacts_mu_);
  return !pending_contacts_.empty();
}

std::optional<SyncOutcome> SyncService::ReadLocked(const std::function<std::optional<SyncOutcome>(Ledger&)>& fn) {
  std::optional<SyncOutcome> out;
  Status s = read_->With([&](Ledger& ledger) {
    out = fn(ledger);
    return Status::Ok();
  });
  if (!s.ok()) return FromStatus(s);
  return out;
}

// Runs `fn` under the owner's lock; its outcome, or a 500 when the lock holder failed otherwise.
std::optional<SyncOutcome> SyncService::Locked(const std::function<std::optional<SyncOutcome>(Ledger&)>& fn) {
  std::optional<SyncOutcome> out;
  Status s = ledger_.With([&](Ledger& ledger) {
    out = fn(ledger);
    return Status::Ok();
  });
  if (!s.ok()) return FromStatus(s);
  return out;
}

std::optional<SyncOutcome> SyncService::CheckSender(Ledger& ledger, const RequestCredentials& creds,
                                                    const std::string& body) {
  const std::string& id = creds.node_id;
  const std::string hub = Quote(ledger.config().node_id.value);
  auto key = keys_(ledger, id);
  if (!key.ok()) return FromStatus(key.status());
  if (!key->has_value())
    return ErrorOutcome(401, "unknown_node", "node " + Quote(id) + " has no registration at hub " + hub);
  if ((*key)->revoked) return ErrorOutcome(403, "revoked", "node " + Quote(id) + " is revoked");
  if ((*key)->removed) return ErrorOutcome(403, "removed", "node " + Quote(id) + " is removed from the registry");
  if ((*key)->public_key.empty())
    return ErrorOutcome(401, "not_enrolled", "node " + Quote(id) + " is registered at hub " + hub +
                                                 " without a key: enrol it (silian-hub node add --public-key)");
  const uint64_t now = ledger.wall().NowMs();
  const uint64_t skew = creds.ts_ms > now ? creds.ts_ms - now : now - creds.ts_ms;
  if (skew > kRequestWindowMs) {
    SyncOutcome stale = ErrorOutcome(401, "stale_request",
                        "request of node " + Quote(id) + " is stamped " + std::to_string(creds.ts_ms) + ", " +
                            std::to_string(skew / 1000) + " s away from hub " + hub + "'s clock " +
                            std::to_string(now) + "; at most " + std::to_string(kRequestWindowMs / 1000) +
                            " s are allowed (check the node's clock)");
    // The hub's clock, so that a client whose clock is off can sign again on it (SyncClient does, once).
    auto j = nlohmann::json::parse(stale.body);
    j["hub_ms"] = now;
    stale.body = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return stale;
  }
  if (!VerifySignature((*key)->public_key, RequestMessage("POST", kSyncPath, creds.ts_ms, creds.nonce, body),
                       creds.signature))
    return ErrorOutcome(401, "bad_signature",
                        "the request's signature does not verify with the key of node " + Quote(id) +
                            " (fingerprint " + KeyFingerprint((*key)->public_key) + ")");
  auto fresh = RecordNonce(ledger, id, creds.nonce, creds.ts_ms);
  if (!fresh.ok()) return FromStatus(fresh.status());
  if (!*fresh)
    return ErrorOutcome(401, "replayed", "nonce " + creds.nonce + " of node " + Quote(id) +
                                             " was already used: a request is accepted once");
  return std::nullopt;
}

std::optional<SyncOutcome> SyncService::Authenticate(const std::string& authorization, const std::string& body,
                                                     RequestCredentials* creds, SigningKey* hub_key) {
  if (authorization.empty())
    return ErrorOutcome(401, "missing_credentials",
                        "the request has no Authorization header (\"Silian-Ed25519 node=ID, ts=MS, nonce=HEX32, "
                        "sig=BASE64\")");
  auto parsed = ParseSignedAuthorization(authorization);
  if (!parsed.ok() && parsed.status().code() == StatusCode::kFailedPrecondition)
    return ErrorOutcome(426, "upgrade", parsed.status().message());
  if (!parsed.ok()) return ErrorOutcome(401, "bad_credentials", parsed.status().message());
  *creds = std::move(*parsed);
  if (body.size() > limits_.max_body_bytes)
    return ErrorOutcome(413, "too_large", "request body of " + std::to_string(body.size()) +
                                              " bytes exceeds the limit of " + std::to_string(limits_.max_body_bytes));
  return ReadLocked([&](Ledger& ledger) {
    *hub_key = ledger.signing_key();
    return CheckSender(ledger, *creds, body);
  });
}

SyncOutcome SyncService::Handle(const std::string& authorization, const std::string& body) {
  SyncOutcome out = HandleDeferringContacts(authorization, body);
  if (HasPendingContacts())
    ledger_.With([&](Ledger& writer) {
      RecordContacts(writer, {}, /*wait=*/true);
      return Status::Ok();
    }).IgnoreError();
  return out;
}

SyncOutcome SyncService::HandleDeferringContacts(const std::string& authorization, const std::string& body) {
  RequestCredentials creds;
  SigningKey hub_key;
  SyncOutcome out;
  if (auto refused = Authenticate(authorization, body, &creds, &hub_key))
    out = std::move(*refused);
  else
    out = HandleAuthenticated(creds.node_id, body);
  if (!creds.nonce.empty() && !hub_key.public_key().empty()) out.signature = SignReply(hub_key, creds.nonce, out.body);
  return out;
}

SyncOutcome SyncService::HandleAuthenticated(const std::string& node_id, const std::string& body) {
  // Unknown senders are turned away before their body costs any decompression or parsing.
  if (auto refused = ReadLocked([&](Ledger& ledger) {
        Peer unused;
        return FindRegistered(ledger, node_id, &unused);
      }))
    return *refused;
  auto plain = DecompressBody(body, limits_.max_decompressed_bytes);
  if (!plain.ok()) return FromStatus(plain.status());
  pb::SyncRequest req;
  if (!req.ParseFromString(*plain)) return ErrorOutcome(400, "malformed", "request body is not a SyncRequest");
  if (req.protocol_version() != kSyncProtocolVersion)
    return ErrorOutcome(426, "version_mismatch",
                        "sync protocol version " + std::to_string(req.protocol_version()) +
                            " is not supported; this hub speaks version " + std::to_string(kSyncProtocolVersion) +
                            ": upgrade the program");
  if (req.node_id() != node_id)
    return ErrorOutcome(400, "malformed",
                        "node id " + Quote(req.node_id()) + " in the body differs from " + Quote(node_id) +
                            " in the Authorization header");
  if (static_cast<uint64_t>(req.push().entries_size()) > limits_.max_push_entries)
    return ErrorOutcome(413, "too_large", "push of " + std::to_string(req.push().entries_size()) +
                                              " entries exceeds the limit of " + std::to_string(limits_.max_push_entries));
  if (Status unpacked = UnpackEntries(req.mutable_push()); !unpacked.ok())
    return ErrorOutcome(400, "malformed", "push: " + unpacked.message());
  PushSummary push;
  if (auto refused = Summarise(req, &push)) return *refused;

  pb::SyncReply reply;
  PushFindings findings;
  std::vector<ContactNote> contacts;
  auto serve = [&](Ledger& ledger) { return Serve(ledger, node_id, req, push, &reply, &findings, &contacts); };
  std::optional<SyncOutcome> failed;
  if (req.push().entries_size() > 0) {
    failed = Locked([&](Ledger& ledger) {
      auto served = serve(ledger);
      RecordContacts(ledger, std::move(contacts), /*wait=*/false);
      return served;
    });
  } else {
    // A pull changes nothing but the peer's contact record: it is answered through the read access, and
    // that record waits for the writer (RecordPendingContacts), so the reply never queues behind an import.
    failed = ReadLocked(serve);
    std::lock_guard<std::mutex> lock(contacts_mu_);
    for (ContactNote& c : contacts) pending_contacts_.push_back(std::move(c));
  }
  if (failed) return *failed;

  SyncOutcome out;
  out.content_type = kSyncContentType;
  reply.set_packed_entries(true);
  if (req.packed_entries()) PackEntries(reply.mutable_pulled());
  std::string plain_reply;
  reply.SerializeToString(&plain_reply);
  out.body = CompressBody(plain_reply, 3);
  out.ops_in = reply.pushed_new();
  out.ops_out = OpsIn(reply.pulled());
  out.equivocations = findings.equivocations;
  out.skewed_ops = findings.skewed_ops;
  if (reply.pushed_new() > 0 && on_new_ops_) on_new_ops_();
  return out;
}

}  // namespace silian::sync
