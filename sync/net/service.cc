#include "net/service.h"

#include <set>

#include <nlohmann/json.hpp>

#include "base/text.h"

namespace silian::sync {
namespace {

SyncOutcome FromStatus(const Status& s) {
  switch (s.code()) {
    case StatusCode::kResourceExhausted: return ErrorOutcome(413, "too_large", s.message());
    case StatusCode::kInvalidArgument:
    case StatusCode::kDataLoss: return ErrorOutcome(400, "malformed", s.message());
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

std::optional<SyncOutcome> SyncService::FindRegistered(const std::string& node_id, LedgerStore::Peer* peer) {
  auto found = store_.FindPeer(node_id);
  if (!found.ok()) return FromStatus(found.status());
  if (!found->has_value())
    return ErrorOutcome(403, "unknown_node",
                        "node " + Quote(node_id) + " is not registered at hub " + Quote(store_.config().node_id.value) +
                            " (silian-hub node add)");
  *peer = **found;
  return std::nullopt;
}

SyncOutcome SyncService::Handle(const std::string& authorization, const std::string& body) {
  if (authorization.empty())
    return ErrorOutcome(401, "missing_credentials", "the request has no Authorization header (\"Silian node=ID\")");
  auto node_id = ParseAuthorization(authorization);
  if (!node_id.ok()) return ErrorOutcome(401, "missing_credentials", node_id.status().message());
  if (body.size() > limits_.max_body_bytes)
    return ErrorOutcome(413, "too_large", "request body of " + std::to_string(body.size()) +
                                              " bytes exceeds the limit of " + std::to_string(limits_.max_body_bytes));
  {
    // Unknown senders are turned away before their body costs any decompression or parsing.
    std::lock_guard<std::mutex> lock(mutex_);
    LedgerStore::Peer unused;
    if (auto refused = FindRegistered(*node_id, &unused)) return *refused;
  }
  auto plain = DecompressBody(body, limits_.max_decompressed_bytes);
  if (!plain.ok()) return FromStatus(plain.status());
  pb::SyncRequest req;
  if (!req.ParseFromString(*plain)) return ErrorOutcome(400, "malformed", "request body is not a SyncRequest");
  if (req.protocol_version() != kSyncProtocolVersion)
    return ErrorOutcome(426, "version_mismatch",
                        "protocol version " + std::to_string(req.protocol_version()) +
                            " is not supported; this hub speaks version " + std::to_string(kSyncProtocolVersion));
  if (req.node_id() != *node_id)
    return ErrorOutcome(400, "malformed",
                        "node id " + Quote(req.node_id()) + " in the body differs from " + Quote(*node_id) +
                            " in the Authorization header");
  if (static_cast<uint64_t>(req.push().entries_size()) > limits_.max_push_entries)
    return ErrorOutcome(413, "too_large", "push of " + std::to_string(req.push().entries_size()) +
                                              " entries exceeds the limit of " + std::to_string(limits_.max_push_entries));

  // Validate the push outside the lock: every op must parse and lie in the sender's scope.
  std::set<std::string> origins;
  for (const auto& e : req.frontier().entries()) origins.insert(e.origin());
  std::vector<std::pair<std::string, std::string>> op_divisions;  // (op id, division)
  std::vector<std::string> own_reference_ops;  // reference data the sender itself authored
  for (int i = 0; i < req.push().entries_size(); ++i) {
    const pb::Entry& e = req.push().entries(i);
    if (e.has_op()) {
      pb::Op op;
      if (!op.ParseFromString(e.op()))
        return ErrorOutcome(400, "malformed", "push entry " + std::to_string(i) + " is not a valid op");
      op_divisions.emplace_back(op.origin() + ":" + std::to_string(op.seq()), op.division());
      if ((op.has_item_published() || op.has_calendar_published()) && op.origin() == *node_id)
        own_reference_ops.push_back(op_divisions.back().first);
      origins.insert(op.origin());
    } else if (e.has_skip()) {
      origins.insert(e.skip().origin());
    } else {
      return ErrorOutcome(400, "malformed", "push entry " + std::to_string(i) + " is neither an op nor a skip");
    }
  }

  pb::SyncReply reply;
  bool stored_new = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    LedgerStore::Peer p;
    if (auto refused = FindRegistered(*node_id, &p)) return *refused;
    std::string child_scope = ScopeOf(p.level, p.division);
    if (req.level() != LevelName(p.level) || req.division() != p.division.value) {
      store_.RecordContact(*node_id, 0, 0, "registration mismatch").IgnoreError();
      return ErrorOutcome(422, "out_of_scope",
                          "node " + Quote(*node_id) + " is registered as " + LevelName(p.level) + " " +
                              p.division.value + " but says it is " + req.level() + " " + req.division());
    }
    if (!InScope(child_scope, store_.scope())) {
      store_.RecordContact(*node_id, 0, 0, "outside the hub's area").IgnoreError();
      return ErrorOutcome(422, "out_of_scope",
                          "node " + Quote(*node_id) + " serves " + child_scope + ", outside this hub's area " +
                              store_.scope());
    }
    if (!own_reference_ops.empty() && p.level != Level::kCounty && p.level != Level::kCity) {
      std::string msg = "op " + Quote(own_reference_ops.front()) + " publishes reference data, but node " +
                        Quote(*node_id) + " is a " + LevelName(p.level) +
                        " node: only county and city hubs publish the catalogue and calendars";
      store_.RecordContact(*node_id, 0, 0, msg).IgnoreError();
      return ErrorOutcome(422, "no_authority", msg);
    }
    for (const auto& [id, division] : op_divisions) {
      if (!OpInScope(division, child_scope)) {
        std::string msg = "op " + Quote(id) + " is for division " + Quote(division) + ", outside the area " +
                          child_scope + " of node " + Quote(*node_id);
        store_.RecordContact(*node_id, 0, 0, msg).IgnoreError();
        return ErrorOutcome(422, "out_of_scope", msg);
      }
    }

    if (req.push().entries_size() > 0) {
      auto import = store_.BeginImport();
      if (!import.ok()) return FromStatus(import.status());
      Status added = (*import)->Add(req.push());
      if (!added.ok()) {
        (*import).reset();  // roll back first: recorded inside the import, the error would be rolled back too
        store_.RecordContact(*node_id, 0, 0, added.message()).IgnoreError();
        return FromStatus(added);
      }
      auto stats = (*import)->Commit(&req.frontier());
      if (!stats.ok()) return FromStatus(stats.status());
      reply.set_pushed_new(stats->new_ops);
      reply.set_pushed_known(stats->known);
      reply.set_pushed_pending(stats->pending);
      for (const auto& r : stats->refused) {
        auto* record = reply.add_refused();
        record->set_op(r.op);
        record->set_rule(r.rule);
      }
      stored_new = stats->new_ops > 0;
    }

    if (req.pull()) {
      uint64_t cursor = req.hub_epoch() == store_.epoch() ? req.cursor() : 0;
      size_t max_entries = std::min<size_t>(req.max_pull_entries() ? req.max_pull_entries() : limits_.max_pull_entries,
                                            limits_.max_pull_entries);
      size_t max_bytes = std::min<uint64_t>(req.max_pull_bytes() ? req.max_pull_bytes() : limits_.max_pull_bytes,
                                            limits_.max_pull_bytes);
      auto pulled = store_.Pull(child_scope, req.frontier(), cursor, max_entries, max_bytes);
      if (!pulled.ok()) return FromStatus(pulled.status());
      *reply.mutable_pulled() = std::move(pulled->batch);
      reply.set_next_cursor(pulled->next_cursor);
      reply.set_more(pulled->more);
    }

    std::vector<std::string> origin_list(origins.begin(), origins.end());
    auto receipt = store_.Receipt(origin_list);
    if (!receipt.ok()) return FromStatus(receipt.status());
    *reply.mutable_receipt() = std::move(*receipt);
    auto upstream = store_.Receipts(origin_list);
    if (!upstream.ok()) return FromStatus(upstream.status());
    for (auto& r : *upstream) *reply.add_upstream() = std::move(r);

    reply.set_protocol_version(kSyncProtocolVersion);
    reply.set_hub_id(store_.config().node_id.value);
    reply.set_hub_level(LevelName(store_.config().level));
    reply.set_hub_scope(store_.scope());
    reply.set_hub_epoch(store_.epoch());

    uint64_t ops_out = 0;
    for (const auto& e : reply.pulled().entries()) ops_out += e.has_op() ? 1 : 0;
    store_.RecordContact(*node_id, reply.pushed_new(), ops_out, "").IgnoreError();
  }

  SyncOutcome out;
  out.content_type = kSyncContentType;
  std::string plain_reply;
  reply.SerializeToString(&plain_reply);
  out.body = CompressBody(plain_reply, 3);
  out.ops_in = reply.pushed_new();
  for (const auto& e : reply.pulled().entries()) out.ops_out += e.has_op() ? 1 : 0;
  if (stored_new && on_new_ops_) on_new_ops_();
  return out;
}

}  // namespace silian::sync
