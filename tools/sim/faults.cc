#include "sim/faults.h"

namespace silian::sim {

const char* RequestFaultName(RequestFault fault) {
  switch (fault) {
    case RequestFault::kNone: return "none";
    case RequestFault::kDropped: return "request_dropped";
    case RequestFault::kReplyLost: return "reply_lost";
    case RequestFault::kDuplicated: return "request_duplicated";
    case RequestFault::kHubCrashAfter: return "hub_crash_after_request";
    case RequestFault::kHubCrashMidImport: return "hub_crash_mid_import";
    case RequestFault::kClientCrash: return "client_crash_mid_session";
  }
  return "unknown";
}

Faults::Faults(Network& net, Rng& rng, SimStats& stats, bool enabled, double scale)
    : net_(net), rng_(rng), stats_(stats), enabled_(enabled), scale_(scale), down_until_hour_(net.size(), 0) {}

bool Faults::Chance(uint64_t per_million) {
  double scaled = static_cast<double>(per_million) * scale_;
  return rng_.PerMillion(scaled >= 1e6 ? 1000000 : static_cast<uint64_t>(scaled));
}

Status Faults::StartOfDay() {
  if (!enabled()) return Status::Ok();
  StartPartitions();
  MoveClocks();
  return CrashIdleNodes();
}

// Each kind of fault strikes every replica of its kind with a small daily chance, so a big network sees
// them often, and one random replica of the kind with a larger one, so a small network sees them too.
void Faults::StartPartitions() {
  auto cut = [this](int i, int64_t hours, const char* kind) {
    auto& until = down_until_hour_[static_cast<size_t>(i)];
    if (until > hour_) return;
    until = hour_ + hours;
    stats_.Fault(kind);
  };
  auto county_hours = [this] { return rng_.Between(24, 4 * 24); };
  auto township_hours = [this] { return rng_.Between(12, 3 * 24); };
  auto village_hours = [this] { return rng_.Between(7 * 24, 28 * 24); };
  if (Chance(50000)) cut(rng_.Pick(net_.counties()), county_hours(), "partition_county");
  for (int i : net_.counties())
    if (Chance(25000)) cut(i, county_hours(), "partition_county");
  if (Chance(50000)) cut(rng_.Pick(net_.townships()), township_hours(), "partition_township");
  for (int i : net_.townships())
    if (Chance(15000)) cut(i, township_hours(), "partition_township");
  if (!net_.laptops().empty() && Chance(200000)) cut(rng_.Pick(net_.laptops()), village_hours(), "partition_village");
  for (int i : net_.laptops())
    if (Chance(3000)) cut(i, village_hours(), "partition_village");
  if (Chance(30000)) cut(Network::kCity, rng_.Between(1, 6), "partition_city");
}

// Clocks jump by up to +-3 days; a jumped clock is set right again after ten days or so.
void Faults::MoveClocks() {
  auto jump = [this](size_t i) {
    net_.at(i).skew_ms = rng_.Between(-kMaxSkewMs, kMaxSkewMs);
    net_.Tick(i);
    stats_.Fault("clock_skew");
  };
  for (size_t i = 0; i < net_.size(); ++i) {
    Replica& r = net_.at(i);
    if ((r.skew_ms > 5 * 60 * 1000 || r.skew_ms < -5 * 60 * 1000) && rng_.Percent(10)) {
      r.skew_ms = rng_.Between(-60 * 1000, 60 * 1000);
      net_.Tick(i);
      stats_.Fault("clock_corrected");
    }
    if (Chance(500)) jump(i);
  }
  if (Chance(150000)) jump(static_cast<size_t>(rng_.Below(net_.size())));
}

Status Faults::CrashIdleNodes() {
  auto crash = [this](size_t i) {
    stats_.Fault("crash_idle");
    return net_.Restart(i);
  };
  for (size_t i = 0; i < net_.size(); ++i)
    if (Chance(500)) SILIAN_RETURN_IF_ERROR(crash(i));
  if (Chance(100000)) return crash(static_cast<size_t>(rng_.Below(net_.size())));
  return Status::Ok();
}

RequestFault Faults::Draw() {
  if (!enabled()) return RequestFault::kNone;
  // Chances per million requests at scale 1; at the largest scale (10) they add up to 57%.
  static constexpr std::pair<RequestFault, uint64_t> kChances[] = {
      {RequestFault::kDropped, 15000},      {RequestFault::kReplyLost, 15000},
      {RequestFault::kDuplicated, 15000},   {RequestFault::kHubCrashAfter, 3000},
      {RequestFault::kHubCrashMidImport, 5000}, {RequestFault::kClientCrash, 4000},
  };
  double r = static_cast<double>(rng_.Below(1000000));
  double bound = 0;
  for (const auto& [fault, per_million] : kChances) {
    bound += static_cast<double>(per_million) * scale_;
    if (r < bound) return fault;
  }
  return RequestFault::kNone;
}

bool Faults::DrawReplay() { return enabled() && Chance(20000); }

uint32_t Faults::DrawBatchEntries(uint32_t normal) {
  if (!enabled() || !rng_.Percent(30)) return normal;
  return static_cast<uint32_t>(rng_.Between(1, 50));
}

void Faults::HealAll() {
  healed_ = true;
  for (auto& until : down_until_hour_) until = 0;
  for (size_t i = 0; i < net_.size(); ++i) {
    net_.at(i).skew_ms = 0;
    net_.Tick(i);
  }
}

}  // namespace silian::sim
