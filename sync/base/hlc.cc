#include "base/hlc.h"

#include <chrono>

namespace silian::sync {

uint64_t SystemWallClock::NowMs() {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(now).count());
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
