#include "base/hlc.h"

#include <atomic>
#include <chrono>

#include "base/test_clock.h"

namespace silian::sync {

namespace {
// Set once before threads start (InstallSystemClockShift), read by every SystemWallClock.
std::atomic<SystemClockShift> g_shift{nullptr};
}  // namespace

void InstallSystemClockShift(SystemClockShift shift) { g_shift.store(shift); }

bool SystemClockShifted() { return g_shift.load() != nullptr; }

uint64_t SystemWallClock::NowMs() {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  int64_t ms = std::chrono::duration_cast<std::chrono::milliseconds>(now).count();
  if (SystemClockShift shift = g_shift.load(); shift != nullptr) ms += shift();
  return static_cast<uint64_t>(ms);
}

Hlc HybridClock::Now() {
  uint64_t wall_ms = wall_.NowMs();
  if (wall_ms > last_.physical_ms()) {
    last_ = Hlc::From(wall_ms, 0);
  } else if (last_.logical() < Hlc::kLogicalMax) {
    last_ = Hlc{last_.value + 1};
  } else {
    // The counter is full: borrow the next millisecond rather than wrap.
    last_ = Hlc::From(last_.physical_ms() + 1, 0);
  }
  return last_;
}

bool HybridClock::Observe(Hlc remote) {
  uint64_t wall_ms = wall_.NowMs();
  if (remote.physical_ms() > wall_ms + max_forward_skew_ms_) {
    uint64_t skew = remote.physical_ms() - wall_ms;
    if (skew > max_skew_seen_ms_) max_skew_seen_ms_ = skew;
    return false;
  }
  if (remote > last_) last_ = remote;
  return true;
}

}  // namespace silian::sync
