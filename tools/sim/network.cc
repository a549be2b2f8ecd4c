#include "sim/network.h"

#include <cstdio>

#include "base/text.h"
#include "console/node_keys.h"

namespace silian::sim {
namespace {

constexpr const char* kCityPrefix = "1522";

std::string Digits(int value, int width) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%0*d", width, value);
  return buf;
}


NodeSpec Spec(const std::string& id, sync::Level level, const std::string& division, const std::string& device) {
  NodeSpec s;
  s.config.node_id = sync::NodeId{id};
  s.config.level = level;
  s.config.division = sync::DivisionCode{division};
  s.config.device = device;
  return s;
}

// How many of `total` items spread round-robin over `buckets` land in the fullest bucket.
sync::LedgerStore::Peer PeerOf(const Replica& node) {
  sync::LedgerStore::Peer p;
  p.node_id = node.spec.config.node_id;
  p.level = node.level();
  p.division = node.spec.config.division;
  return p;
}

int Fullest(int total, int buckets) { return buckets == 0 ? 0 : (total + buckets - 1) / buckets; }

}  // namespace

Status Topology::Validate() const {
  if (counties < 1 || counties > 99)
    return InvalidArgument("--counties " + std::to_string(counties) + " must be 1 to 99");
  if (townships < 1 || Fullest(townships, counties) > 999)
    return InvalidArgument("--townships " + std::to_string(townships) + " must be 1 to " +
                           std::to_string(999 * counties) + " (at most 999 per county)");
  if (villages < 0 || Fullest(villages, townships) > 999)
    return InvalidArgument("--villages " + std::to_string(villages) + " must be 0 to " +
                           std::to_string(999 * townships) + " (at most 999 per township)");
  if (second_laptops < 0 || second_laptops > villages)
    return InvalidArgument("--second-laptops " + std::to_string(second_laptops) + " must be 0 to " +
                           std::to_string(villages) + " (the number of village points)");
  return Status::Ok();
}

sync::LedgerStore::Options StoreOptions(Replica& replica) {
  sync::LedgerStore::Options o;
  o.durable = false;
  o.wall = &replica.wall;
  return o;
}

Network::~Network() { CloseAll(); }

Status Network::AddReplica(const NodeSpec& spec, const std::string& dir) {
  auto r = std::make_unique<Replica>();
  r->spec = spec;
  r->path = dir + "/" + spec.config.node_id.value + ".db";
  r->wall.Set(now_ms_);
  sync::LedgerStore::Options options = StoreOptions(*r);
  options.signing_key = sync::SigningKey::FromSeed(sync::Blake2b256("silian-sim key " + spec.config.node_id.value));
  SILIAN_ASSIGN_OR_RETURN(r->store, sync::LedgerStore::Create(r->path, spec.config, options));
  r->access = std::make_unique<sync::DirectAccess>(r->store->ledger());
  if (r->is_hub()) r->service = std::make_unique<sync::SyncService>(*r->access, sync::SyncLimits(), console::RegistryKeyLookup());
  replicas_.push_back(std::move(r));
  return Status::Ok();
}

Result<std::unique_ptr<Network>> Network::Create(const Topology& t, const std::string& dir, uint64_t start_ms) {
  SILIAN_RETURN_IF_ERROR(t.Validate());
  std::unique_ptr<Network> net(new Network());
  net->now_ms_ = start_ms;
  net->hour_end_ms_ = start_ms + 3600 * 1000 - 1;
  SILIAN_RETURN_IF_ERROR(net->AddReplica(Spec("city", sync::Level::kCity, std::string(kCityPrefix) + "00000000", "01"), dir));
  for (int c = 0; c < t.counties; ++c) {
    std::string scope = kCityPrefix + Digits(c + 1, 2);
    NodeSpec s = Spec("county-" + scope, sync::Level::kCounty, scope + "000000", "01");
    s.county = static_cast<int>(net->replicas_.size());
    net->county_by_scope_[scope] = s.county;
    net->counties_.push_back(s.county);
    SILIAN_RETURN_IF_ERROR(net->AddReplica(s, dir));
  }
  std::vector<int> per_county(static_cast<size_t>(t.counties), 0);
  for (int k = 0; k < t.townships; ++k) {
    int county = net->counties_[static_cast<size_t>(k % t.counties)];
    std::string scope = net->replicas_[static_cast<size_t>(county)]->spec.config.division.value.substr(0, 6) +
                        Digits(++per_county[static_cast<size_t>(k % t.counties)], 3);
    NodeSpec s = Spec("hall-" + scope, sync::Level::kTownship, scope + "000", "01");
    s.county = county;
    s.township = static_cast<int>(net->replicas_.size());
    net->township_by_scope_[scope] = s.township;
    net->townships_.push_back(s.township);
    SILIAN_RETURN_IF_ERROR(net->AddReplica(s, dir));
  }
  std::vector<int> per_township(static_cast<size_t>(t.townships), 0);
  for (int v = 0; v < t.villages; ++v) {
    const Replica& hall = *net->replicas_[static_cast<size_t>(net->townships_[static_cast<size_t>(v % t.townships)])];
    std::string division = hall.spec.config.division.value.substr(0, 9) +
                           Digits(++per_township[static_cast<size_t>(v % t.townships)], 3);
    net->village_divisions_.push_back(division);
    net->points_.emplace_back();
    // The second laptops are spread evenly over the points.
    bool second = t.second_laptops > 0 &&
                  (static_cast<int64_t>(v) * t.second_laptops / t.villages) !=
                      (static_cast<int64_t>(v + 1) * t.second_laptops / t.villages);
    for (int device = 1; device <= (second ? 2 : 1); ++device) {
      std::string dev = Digits(device, 2);
      NodeSpec s = Spec("agent-" + division + "-" + dev, sync::Level::kVillage, division, dev);
      s.county = hall.spec.county;
      s.township = hall.spec.township;
      net->points_.back().push_back(static_cast<int>(net->replicas_.size()));
      net->laptops_.push_back(static_cast<int>(net->replicas_.size()));
      SILIAN_RETURN_IF_ERROR(net->AddReplica(s, dir));
    }
  }
  SILIAN_RETURN_IF_ERROR(net->RegisterPeers());
  return net;
}

// As `silian-hub init` and `node add` do: the city is the registry's root and registers the counties;
// it also lets every other node sync with it (failover) without publishing their registrations, which
// their counties publish (RegisterCountyNodes, once each county holds its own registration).
Status Network::RegisterPeers() {
  SILIAN_RETURN_IF_ERROR(replicas_[kCity]->store->RegisterSelfAsRoot("admin"));
  for (size_t i = 1; i < replicas_.size(); ++i) {
    const Replica& node = *replicas_[i];
    Status s = node.level() == sync::Level::kCounty
                   ? replicas_[kCity]->store->RegisterNode(PeerOf(node), "", "admin", node.store->ledger().signing_key().public_key()).status()
                   : replicas_[kCity]->store->AddPeer(PeerOf(node));
    if (!s.ok()) return Internal("the city cannot register " + Quote(node.id()) + ": " + s.message());
  }
  return Status::Ok();
}

Status Network::RegisterCountyNodes() {
  for (size_t i = 1; i < replicas_.size(); ++i) {
    const Replica& node = *replicas_[i];
    if (node.level() == sync::Level::kCounty) continue;
    const Replica& county = *replicas_[static_cast<size_t>(node.spec.county)];
    Status s = county.store->RegisterNode(PeerOf(node), node.spec.config.device, "admin",
                                            node.store->ledger().signing_key().public_key())
                   .status();
    if (!s.ok()) return Internal("hub " + Quote(county.id()) + " cannot register " + Quote(node.id()) + ": " + s.message());
  }
  return Status::Ok();
}

int Network::CountyFor(const std::string& division) const {
  auto it = county_by_scope_.find(division.substr(0, 6));
  return it == county_by_scope_.end() ? -1 : it->second;
}

int Network::TownshipFor(const std::string& division) const {
  auto it = township_by_scope_.find(division.substr(0, 9));
  return it == township_by_scope_.end() ? -1 : it->second;
}

void Network::SetAll(uint64_t ms) {
  if (ms > now_ms_) now_ms_ = ms;
  hour_end_ms_ = now_ms_ + 3600 * 1000 - 1;
  for (size_t i = 0; i < replicas_.size(); ++i) Tick(i);
}

void Network::Tick(size_t i) {
  Replica& r = *replicas_[i];
  int64_t t = static_cast<int64_t>(now_ms_) + r.skew_ms;
  r.wall.Set(t < 0 ? 0 : static_cast<uint64_t>(t));
}

Status Network::Restart(size_t i) {
  Replica& r = *replicas_[i];
  r.service.reset();
  r.access.reset();
  r.store.reset();
  Tick(i);
  auto opened = sync::LedgerStore::Open(r.path, StoreOptions(r));
  if (!opened.ok()) return Internal("replica " + Quote(r.id()) + " cannot restart: " + opened.status().ToString());
  r.store = std::move(opened).value();
  r.access = std::make_unique<sync::DirectAccess>(r.store->ledger());
  if (r.is_hub()) r.service = std::make_unique<sync::SyncService>(*r.access, sync::SyncLimits(), console::RegistryKeyLookup());
  return Status::Ok();
}

void Network::CloseAll() {
  for (auto& r : replicas_) {
    r->service.reset();
    r->access.reset();
    r->store.reset();
  }
}

}  // namespace silian::sim
