#include "console/link_batch.h"

#include <algorithm>
#include <cmath>

namespace silian::console {
namespace {

constexpr double kAverageWeight = 0.5;  // of the newest observation in the moving averages

double Blend(double average, double value) {
  return average == 0 ? value : average * (1 - kAverageWeight) + value * kAverageWeight;
}

}  // namespace

void PushBatchSizer::RecordPush(uint32_t entries, uint64_t body_bytes, double seconds) {
  if (entries == 0 || body_bytes == 0 || seconds <= 0) return;
  // The round trip is part of the push's time; the goodput counts it, as a batch pays it every time.
  goodput_ = Blend(goodput_, static_cast<double>(body_bytes) / seconds);
  bytes_per_op_ = Blend(bytes_per_op_, static_cast<double>(body_bytes) / entries);
  cap_entries_ = 0;
}

void PushBatchSizer::RecordFailedPush(uint32_t entries) {
  if (entries == 0) return;
  const uint32_t current = cap_entries_ == 0 ? entries : std::min(cap_entries_, entries);
  cap_entries_ = std::max(options_.min_entries, current / 2);
}

void PushBatchSizer::RecordSmallRequest(double seconds) {
  if (seconds <= 0) return;
  round_trip_s_ = round_trip_s_ == 0 ? seconds : std::min(round_trip_s_, seconds);
}

void PushBatchSizer::RecordFailure(double uptime_s) {
  if (uptime_s <= 0) return;
  uptime_s_ = uptime_s_ == 0 ? uptime_s : std::min(uptime_s_, uptime_s);
}

double PushBatchSizer::TargetBatchSeconds() const {
  if (goodput_ == 0) return 0;
  double target = options_.max_batch_s;
  if (round_trip_s_ > 0) target = std::max(options_.min_batch_s, round_trip_s_ / options_.round_trip_share);
  target = std::min(target, options_.max_batch_s);
  // Losing little to a cut comes before saving round trips.
  if (uptime_s_ > 0) target = std::min(target, uptime_s_ * options_.uptime_share);
  return std::max(target, options_.min_batch_s);
}

uint32_t PushBatchSizer::NextBatchEntries() const {
  uint32_t entries = options_.default_entries;
  if (goodput_ > 0 && bytes_per_op_ > 0) {
    const double model = std::round(TargetBatchSeconds() * goodput_ / bytes_per_op_);
    entries = static_cast<uint32_t>(std::clamp(model, static_cast<double>(options_.min_entries),
                                               static_cast<double>(options_.max_entries)));
  }
  if (cap_entries_ > 0) entries = std::min(entries, cap_entries_);
  return entries;
}

}  // namespace silian::console
