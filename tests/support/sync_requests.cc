#include "support/sync_requests.h"

#include <map>
#include <mutex>

#include "net/protocol.h"
#include "net/request_auth.h"
#include "support/ledger.h"
#include "support/status.h"

namespace silian::test {

pb::Entry SkipEntry(const std::string& origin, uint64_t from, uint64_t to, const std::string& scope) {
  pb::Entry e;
  e.mutable_skip()->set_origin(origin);
  e.mutable_skip()->set_from_seq(from);
  e.mutable_skip()->set_to_seq(to);
  e.mutable_skip()->set_hash(std::string(32, '\0'));
  e.mutable_skip()->set_scope(scope);
  return e;
}

pb::SyncRequest RequestAs(const std::string& node_id, const std::string& level, const std::string& division,
                          const pb::Frontier& frontier, const std::vector<pb::Entry>& entries) {
  pb::SyncRequest req;
  req.set_protocol_version(sync::kSyncProtocolVersion);
  req.set_node_id(node_id);
  req.set_level(level);
  req.set_division(division);
  *req.mutable_frontier() = frontier;
  for (const auto& e : entries) *req.mutable_push()->add_entries() = e;
  // The sender signs the head of its own entries (those of others it cannot sign).
  if (!entries.empty()) SignHeads(*req.mutable_push(), frontier, node_id);
  return req;
}

pb::SyncRequest RequestFrom(sync::LedgerStore& node) {
  const sync::NodeConfig& config = node.config();
  return RequestAs(config.node_id.value, sync::LevelName(config.level), config.division.value,
                   SILIAN_TAKE(node.GetFrontier()));
}

std::string Encode(const pb::SyncRequest& request) { return sync::CompressBody(request.SerializeAsString(), 3); }

namespace {

std::mutex keys_mu;
std::map<std::string, sync::SigningKey>& Keys() {
  static std::map<std::string, sync::SigningKey> keys;
  return keys;
}

}  // namespace

void RememberKey(const std::string& node_id, const sync::SigningKey& key) {
  std::lock_guard<std::mutex> lock(keys_mu);
  Keys().insert_or_assign(node_id, key);
}

std::string AuthHeaderWith(const sync::SigningKey& key, const std::string& node_id, const std::string& body,
                           uint64_t ts_ms, const std::string& nonce) {
  return "Authorization: " + sync::SignRequest(key, node_id, "POST", sync::kSyncPath, body, ts_ms, nonce);
}

std::string AuthHeader(const std::string& node_id, const std::string& body) {
  sync::SigningKey key = sync::SigningKey::Generate();
  {
    std::lock_guard<std::mutex> lock(keys_mu);
    auto found = Keys().find(node_id);
    if (found != Keys().end()) key = found->second;
  }
  return AuthHeaderWith(key, node_id, body, sync::SystemWallClock().NowMs(), sync::NewNonce());
}

HttpReply PostSync(const std::string& url, const std::string& body, std::vector<std::string> headers) {
  headers.push_back(std::string("Content-Type: ") + sync::kSyncContentType);
  return Http("POST", url + sync::kSyncPath, body, headers);
}

HttpReply PostSync(const std::string& url, const pb::SyncRequest& request) {
  const std::string body = Encode(request);
  return PostSync(url, body, {AuthHeader(request.node_id(), body)});
}

}  // namespace silian::test
