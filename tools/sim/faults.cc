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

Faults::Faults(Network& net, Rng& rng, SimStats& stats, bool enabled)
    : net_(net), rng_(rng), stats_(stats), enabled_(enabled), down_until_hour_(net.size(), 0) {}

Status Faults::StartOfDay() {
  if (!enabled()) return Status::Ok();
  StartPartitions();
  MoveClocks();
  return CrashIdleNodes();
}

void Faults::StartPartitions() {
  auto cut = [this](int i, int64_t hours, const char* kind) {
    auto& until = down_until_hour_[static_cast<size_t>(i)];
    if (until > hour_) return;
    until = hour_ + hours;
    stats_.Fault(kind);
  };
  const auto& counties = net_.counties();
  if (rng_.Percent(8)) cut(rng_.Pick(counties), rng_.Between(24, 4 * 24), "partition_county");
  const auto& townships = net_.townships();
  if (rng_.Percent(10)) cut(rng_.Pick(townships), rng_.Between(12, 3 * 24), "partition_township");
  const auto& laptops = net_.laptops();
  if (!laptops.empty()) {
    if (rng_.Percent(25)) cut(rng_.Pick(laptops), rng_.Between(7 * 24, 28 * 24), "partition_village");
    for (int i : laptops)
      if (rng_.PerMillion(2000)) cut(i, rng_.Between(7 * 24, 28 * 24), "partition_village");
  }
  if (rng_.Percent(3)) cut(Network::kCity, rng_.Between(1, 6), "partition_city");
}

void Faults::MoveClocks() {
  if (rng_.Percent(20)) {
    size_t i = static_cast<size_t>(rng_.Below(net_.size()));
    net_.at(i).skew_ms = rng_.Between(-kMaxSkewMs, kMaxSkewMs);
    net_.Tick(i);
    stats_.Fault("clock_skew");
  }
  if (rng_.Percent(10)) {
    size_t i = static_cast<size_t>(rng_.Below(net_.size()));
    if (net_.at(i).skew_ms > 5 * 60 * 1000 || net_.at(i).skew_ms < -5 * 60 * 1000) {
      net_.at(i).skew_ms = rng_.Between(-60 * 1000, 60 * 1000);
      net_.Tick(i);
      stats_.Fault("clock_corrected");
    }
  }
}

Status Faults::CrashIdleNodes() {
  if (!rng_.Percent(15)) return Status::Ok();
  size_t i = static_cast<size_t>(rng_.Below(net_.size()));
  stats_.Fault("crash_idle");
  return net_.Restart(i);
}

RequestFault Faults::Draw() {
  if (!enabled()) return RequestFault::kNone;
  uint64_t r = rng_.Below(10000);
  if (r < 150) return RequestFault::kDropped;
  if (r < 300) return RequestFault::kReplyLost;
  if (r < 450) return RequestFault::kDuplicated;
  if (r < 480) return RequestFault::kHubCrashAfter;
  if (r < 530) return RequestFault::kHubCrashMidImport;
  if (r < 570) return RequestFault::kClientCrash;
  return RequestFault::kNone;
}

bool Faults::DrawReplay() { return enabled() && rng_.Percent(2); }

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
