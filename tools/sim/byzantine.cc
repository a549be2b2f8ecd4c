#include "sim/byzantine.h"

#include <limits>

#include "base/text.h"
#include "ledger/chain.h"
#include "net/protocol.h"
#include "net/request_auth.h"
#include "net/service.h"

namespace silian::sim {

namespace {
constexpr uint64_t kMaxSeq = std::numeric_limits<uint64_t>::max();
constexpr int kHostile = 10;
}  // namespace

Byzantine::Byzantine(Network& net, Rng& rng, SimStats& stats, Violations& violations, const Workload& workload,
                     const std::vector<pb::Item>& items, bool enabled)
    : net_(net), rng_(rng), stats_(stats), violations_(violations), workload_(workload), items_(items) {
  const auto& laptops = net_.laptops();
  if (enabled && laptops.size() >= 2) node_ = laptops[static_cast<size_t>(rng_.Below(laptops.size()))];
}

uint64_t Byzantine::HeldSeq(const std::string& origin) {
  auto it = held_.find(origin);
  return it == held_.end() ? 0 : it->second;
}

Result<Byzantine::Snapshot> Byzantine::Take(int hub) {
  sync::LedgerStore& store = net_.store(static_cast<size_t>(hub));
  SILIAN_ASSIGN_OR_RETURN(auto counts, store.ledger().Counts());
  SILIAN_ASSIGN_OR_RETURN(pb::Frontier frontier, store.GetFrontier());
  return Snapshot{counts.op_count, counts.pending_count, frontier.SerializeAsString()};
}

// Another laptop whose ops `hub` holds (in its area), or -1.
int Byzantine::Victim(int hub) {
  std::vector<int> candidates;
  for (int laptop : net_.laptops()) {
    if (laptop == node_) continue;
    if (hub != Network::kCity && net_.at(static_cast<size_t>(laptop)).spec.county != hub) continue;
    candidates.push_back(laptop);
  }
  if (candidates.empty()) return -1;
  return candidates[static_cast<size_t>(rng_.Below(candidates.size()))];
}

pb::Op Byzantine::OwnOp(int hub, uint64_t seq) {
  const Replica& me = net_.at(static_cast<size_t>(node_));
  pb::Op op;
  op.set_origin(me.id());
  op.set_seq(seq);
  op.set_hlc(net_.at(static_cast<size_t>(hub)).wall.NowMs() << 16);
  op.set_actor("agent-byzantine");
  op.set_division(me.spec.config.division.value);
  return op;
}

std::string Byzantine::SkipForOtherLaptop(int hub, pb::SyncRequest& req) {
  int victim = Victim(hub);
  if (victim < 0) return "";
  const std::string origin = net_.at(static_cast<size_t>(victim)).id();
  const uint64_t held = HeldSeq(origin);
  pb::Skip* skip = req.mutable_push()->add_entries()->mutable_skip();
  skip->set_origin(origin);
  skip->set_from_seq(held + 1);
  skip->set_to_seq(held + 1000);
  skip->set_hash(std::string(32, '\0'));
  // An empty scope claims "outside everything"; the laptop's own village is what it could honestly know.
  bool empty_scope = rng_.Percent(50);
  skip->set_scope(empty_scope ? "" : net_.at(static_cast<size_t>(node_)).spec.config.division.value);
  return empty_scope ? "skip_other_origin_empty_scope" : "skip_other_origin";
}

std::string Byzantine::HugeSeq(int hub, pb::SyncRequest& req) {
  if (rng_.Percent(50)) {
    pb::Op op = OwnOp(hub, kMaxSeq);
    op.set_case_id(op.origin() + ":" + std::to_string(kMaxSeq));
    op.mutable_note_added()->set_text("seq 2^64-1");
    req.mutable_push()->add_entries()->set_op(op.SerializeAsString());
    return "op_seq_2^64-1";
  }
  int victim = Victim(hub);
  if (victim < 0) return "";
  const std::string origin = net_.at(static_cast<size_t>(victim)).id();
  pb::Skip* skip = req.mutable_push()->add_entries()->mutable_skip();
  skip->set_origin(origin);
  skip->set_from_seq(HeldSeq(origin) + 1);
  skip->set_to_seq(kMaxSeq);
  skip->set_hash(std::string(32, '\0'));
  skip->set_scope("");
  return "skip_to_2^64-1";
}

std::string Byzantine::ForeignCase(int hub, pb::SyncRequest& req) {
  const std::string own_division = net_.at(static_cast<size_t>(node_)).spec.config.division.value;
  std::vector<const CaseRecord*> targets;
  for (const auto& c : workload_.cases()) {
    if (c.case_id.empty() || c.division == own_division) continue;
    if (hub != Network::kCity && net_.CountyFor(c.division) != hub) continue;
    auto id = sync::ParseOpId(c.case_id);
    if (!id.ok() || HeldSeq(id->origin) < id->seq) continue;  // the hub must hold the case
    targets.push_back(&c);
    if (targets.size() >= 20) break;
  }
  if (targets.empty()) return "";
  const CaseRecord& target = *targets[static_cast<size_t>(rng_.Below(targets.size()))];
  pb::Op op = OwnOp(hub, HeldSeq(net_.at(static_cast<size_t>(node_)).id()) + 1);
  op.set_case_id(target.case_id);  // another village's case, under this laptop's own division
  auto id = sync::ParseOpId(target.case_id);
  pb::OpRef* parent = op.add_parents();
  parent->set_origin(id->origin);
  parent->set_seq(id->seq);
  op.mutable_transition()->set_action("withdraw");
  req.mutable_push()->add_entries()->set_op(op.SerializeAsString());
  return "op_on_foreign_case";
}

std::string Byzantine::ForgedReference(int hub, pb::SyncRequest& req) {
  const Replica& city = net_.at(Network::kCity);
  pb::Op op;
  op.set_origin(city.id());
  op.set_seq(HeldSeq(city.id()) + 1);
  op.set_hlc(net_.at(static_cast<size_t>(hub)).wall.NowMs() << 16);
  op.set_actor("admin");
  op.set_division(city.spec.config.division.value.substr(0, 4));
  if (!items_.empty() && rng_.Percent(50)) {
    pb::Item item = items_[static_cast<size_t>(rng_.Below(items_.size()))];
    item.set_version(std::numeric_limits<uint32_t>::max());
    item.set_name("【四联政务】您的社保账户异常，请点击 http://example.invalid 验证");
    *op.mutable_item_published() = item;
    req.mutable_push()->add_entries()->set_op(op.SerializeAsString());
    return "item_under_city_origin";
  }
  pb::Calendar* calendar = op.mutable_calendar_published();
  calendar->set_name("national");
  calendar->set_version(std::numeric_limits<uint32_t>::max());
  req.mutable_push()->add_entries()->set_op(op.SerializeAsString());
  return "calendar_under_city_origin";
}

std::string Byzantine::ChangedOwnOp(int hub, pb::SyncRequest& req) {
  Replica& me = net_.at(static_cast<size_t>(node_));
  const uint64_t seq = HeldSeq(me.id()) + 1;
  auto bytes = me.store->ledger().OpBytes(sync::OpId{me.id(), seq});
  if (!bytes.ok() || !*bytes) return "";
  pb::Batch honest;
  honest.add_entries()->set_op(**bytes);
  if (!me.store->ledger().AttachHeads(&honest).ok() || honest.heads_size() != 1) return "";
  pb::Op op;
  if (!op.ParseFromString(**bytes)) return "";
  op.set_actor(op.actor() + "-changed");
  req.mutable_push()->add_entries()->set_op(op.SerializeAsString());
  *req.mutable_push()->add_heads() = honest.heads(0);
  (void)hub;
  return "changed_op_original_head";
}

std::string Byzantine::SignedUnderCityOrigin(int hub, pb::SyncRequest& req) {
  std::string attack = ForgedReference(hub, req);
  const std::string& op_bytes = req.push().entries(req.push().entries_size() - 1).op();
  pb::Op op;
  if (!op.ParseFromString(op_bytes)) return "";
  auto held = held_hash_.find(op.origin());
  const std::string prev = held == held_hash_.end() ? sync::ZeroHash() : held->second;
  pb::SignedHead* head = req.mutable_push()->add_heads();
  head->set_origin(op.origin());
  head->set_seq(op.seq());
  head->set_hash(sync::ChainHash(prev, op_bytes));
  head->set_signature(net_.at(static_cast<size_t>(node_)).store->ledger().signing_key().Sign(
      sync::SignedHeadMessage(head->origin(), head->seq(), head->hash())));
  return attack + "_signed_by_laptop";
}

Status Byzantine::Day(bool county_down) {
  if (node_ < 0 || !rng_.Percent(30)) return Status::Ok();
  Replica& me = net_.at(static_cast<size_t>(node_));
  const int hub = county_down ? Network::kCity : me.spec.county;
  pb::SyncRequest req;
  req.set_protocol_version(sync::kSyncProtocolVersion);
  req.set_node_id(me.id());
  req.set_level(sync::LevelName(me.level()));
  req.set_division(me.spec.config.division.value);
  SILIAN_ASSIGN_OR_RETURN(*req.mutable_frontier(), me.store->GetFrontier());
  held_.clear();
  SILIAN_ASSIGN_OR_RETURN(pb::Frontier hub_frontier, net_.store(static_cast<size_t>(hub)).GetFrontier());
  held_hash_.clear();
  for (const auto& e : hub_frontier.entries()) {
    held_[e.origin()] = e.seq();
    held_hash_[e.origin()] = e.hash();
  }
  std::string attack;
  switch (rng_.Below(6)) {
    case 0: attack = SkipForOtherLaptop(hub, req); break;
    case 1: attack = HugeSeq(hub, req); break;
    case 2: attack = ForeignCase(hub, req); break;
    case 3: attack = ChangedOwnOp(hub, req); break;
    case 4: attack = SignedUnderCityOrigin(hub, req); break;
    default: attack = ForgedReference(hub, req); break;
  }
  if (attack.empty()) return Status::Ok();
  stats_.Fault("byzantine:" + attack);
  SILIAN_ASSIGN_OR_RETURN(Snapshot before, Take(hub));
  Replica& target = net_.at(static_cast<size_t>(hub));
  net_.Tick(static_cast<size_t>(hub));
  // Signed with the laptop's own registered key, on the hub's clock: a compromised laptop.
  const std::string body = sync::CompressBody(req.SerializeAsString(), 3);
  const std::string authorization = sync::SignRequest(me.store->ledger().signing_key(), me.id(), "POST", sync::kSyncPath,
                                                      body, target.store->ledger().wall().NowMs(), sync::NewNonce());
  sync::SyncOutcome out = target.service->Handle(authorization, body);
  SILIAN_ASSIGN_OR_RETURN(Snapshot after, Take(hub));
  const std::string where = "byzantine laptop " + Quote(me.id()) + "'s " + attack + " to hub " + Quote(target.id());
  if (out.http_status < 400 || out.http_status >= 500)
    violations_.Add(kHostile, "hostile", where + " was answered HTTP " + std::to_string(out.http_status) + ": " +
                                             out.body.substr(0, 300));
  if (before.ops != after.ops || before.pending != after.pending || before.frontier != after.frontier)
    violations_.Add(kHostile, "hostile", where + " changed the hub's ledger: ops " + std::to_string(before.ops) +
                                             " -> " + std::to_string(after.ops) + ", pending " +
                                             std::to_string(before.pending) + " -> " + std::to_string(after.pending) +
                                             (before.frontier != after.frontier ? ", frontier moved" : ""));
  return Status::Ok();
}

}  // namespace silian::sim
