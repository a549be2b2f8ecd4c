#include "sim/transport.h"

#include "base/text.h"
#include "net/protocol.h"

namespace silian::sim {
namespace {

constexpr size_t kStalePerHub = 8;
constexpr uint64_t kRequestMs = 40;  // virtual time one request takes


}  // namespace

Wire::Wire(Network& net, Faults& faults, Rng& rng, SimStats& stats, Acknowledgements& acks, Violations& violations)
    : net_(net), faults_(faults), rng_(rng), stats_(stats), acks_(acks), violations_(violations), stale_(net.size()) {}

sync::SyncOutcome Wire::Deliver(int hub, const std::string& authorization, const std::string& body) {
  net_.Advance(kRequestMs);
  net_.Tick(static_cast<size_t>(hub));
  Replica& r = net_.at(static_cast<size_t>(hub));
  // The hub's HTTP layer passes the raw Authorization header, as SyncClient signed it.
  sync::SyncOutcome out = r.service->Handle(authorization, body);
  // Refused by design: a replayed request (a nonce seen), a first request from a skewed clock (the client
  // then retries on the hub's clock), and a failover to the city before the node's registration, which its
  // county publishes, has reached the city (the city cannot verify the request yet; the node retries).
  const bool expected = out.error == "replayed" || out.error == "stale_request" ||
                        (hub == Network::kCity && out.error == "unknown_node" && out.http_status == 401);
  if (out.http_status != 200 && !expected)
    violations_.Add(7, "integrity",
                    "hub " + Quote(r.id()) + " answered HTTP " + std::to_string(out.http_status) + " to node " +
                        Quote(authorization.substr(0, 40)) + ": " + out.body.substr(0, 400));
  return out;
}

void Wire::Keep(int hub, const std::string& authorization, const std::string& body) {
  if (!faults_.enabled() || !rng_.Percent(5)) return;
  auto& q = stale_[static_cast<size_t>(hub)];
  q.push_back(Stale{authorization, body});
  if (q.size() > kStalePerHub) q.pop_front();
}

void Wire::MaybeReplay(int hub) {
  auto& q = stale_[static_cast<size_t>(hub)];
  if (q.empty() || !faults_.DrawReplay()) return;
  const Stale& old = q[static_cast<size_t>(rng_.Below(q.size()))];
  stats_.Fault("request_replayed");
  Deliver(hub, old.authorization, old.body);
}

void Wire::RecordReceipt(const std::string& reply_body) {
  auto plain = sync::DecompressBody(reply_body, sync::SyncLimits().max_decompressed_bytes);
  if (!plain.ok()) return;  // the client refuses it too; nothing was acknowledged
  pb::SyncReply reply;
  if (!reply.ParseFromString(*plain)) return;
  for (const auto& e : reply.receipt().entries()) acks_.Record(e.origin(), e.seq(), reply.hub_id());
}

void Wire::Clear() {
  for (auto& q : stale_) q.clear();
}

Result<sync::Transport::Reply> SimTransport::Post(const std::string& path, const std::string& body,
                                                  const std::string& authorization) {
  Network& net = wire_.net();
  ++wire_.stats().requests;
  if (path != sync::kSyncPath) return Internal("the simulated hub has no endpoint " + Quote(path));
  if (!wire_.faults().LinkUp(client_, hub_))
    return Unavailable("no route from " + Quote(net.at(static_cast<size_t>(client_)).id()) + " to " +
                       Quote(net.at(static_cast<size_t>(hub_)).id()));
  wire_.MaybeReplay(hub_);
  RequestFault fault = wire_.faults().Draw();
  if (fault != RequestFault::kNone) wire_.stats().Fault(RequestFaultName(fault));
  if (fault == RequestFault::kDropped) return Unavailable("request lost on the way");
  if (fault == RequestFault::kHubCrashMidImport) return CrashHubMidImport(body);

  sync::SyncOutcome out = wire_.Deliver(hub_, authorization, body);
  if (fault == RequestFault::kDuplicated) wire_.Deliver(hub_, authorization, body);  // refused: nonce seen
  wire_.Keep(hub_, authorization, body);
  switch (fault) {
    case RequestFault::kReplyLost: return Unavailable("reply lost on the way");
    case RequestFault::kHubCrashAfter: {
      Status s = net.Restart(static_cast<size_t>(hub_));
      if (!s.ok()) fatal_ = s;
      return Unavailable("hub crashed before replying");
    }
    case RequestFault::kClientCrash:
      if (out.http_status == 200) CrashClientWhileApplying(out.body);
      throw ClientCrashed{};
    default: break;
  }
  if (out.http_status == 200) wire_.RecordReceipt(out.body);
  return Reply{out.http_status, out.body, out.signature};
}

// The hub applies the push in an import it never commits, then crashes: the import must leave nothing.
Result<sync::Transport::Reply> SimTransport::CrashHubMidImport(const std::string& body) {
  Network& net = wire_.net();
  auto hub = static_cast<size_t>(hub_);
  auto plain = sync::DecompressBody(body, sync::SyncLimits().max_decompressed_bytes);
  pb::SyncRequest req;
  if (plain.ok() && req.ParseFromString(*plain) && req.push().entries_size() > 0) {
    net.Tick(hub);
    auto import = net.store(hub).BeginImport();
    if (import.ok()) (*import)->Add(req.push()).IgnoreError();  // whatever it applied dies uncommitted
  }
  Status s = net.Restart(hub);
  if (!s.ok()) fatal_ = s;
  return Unavailable("hub crashed while applying the request");
}

// The client starts applying the reply's pulled ops and crashes before committing.
void SimTransport::CrashClientWhileApplying(const std::string& reply_body) {
  auto plain = sync::DecompressBody(reply_body, sync::SyncLimits().max_decompressed_bytes);
  pb::SyncReply reply;
  if (!plain.ok() || !reply.ParseFromString(*plain) || reply.pulled().entries_size() == 0) return;
  auto import = wire_.net().store(static_cast<size_t>(client_)).BeginImport();
  if (import.ok()) (*import)->Add(reply.pulled()).IgnoreError();
}

}  // namespace silian::sim
