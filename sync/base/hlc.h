// Hybrid logical clock. A stamp is 64 bits: milliseconds since the Unix epoch in the high 48 bits and a
// logical counter in the low 16. Stamps issued by one clock strictly increase, even when the wall clock
// steps back; a remote stamp observed on import pulls the clock forward so that later local stamps sort
// after it, except when the remote stamp is further ahead of the wall clock than `max_forward_skew_ms`:
// then the clock is left alone and the skew is recorded for reporting.
//
// Not thread-safe: one clock per ledger writer.
#pragma once

#include <compare>
#include <cstdint>

namespace silian::sync {

struct Hlc {
  uint64_t value = 0;
  static constexpr uint64_t kLogicalBits = 16;
  static constexpr uint64_t kLogicalMax = (uint64_t{1} << kLogicalBits) - 1;
  static Hlc From(uint64_t physical_ms, uint64_t logical) { return Hlc{(physical_ms << kLogicalBits) | logical}; }
  uint64_t physical_ms() const { return value >> kLogicalBits; }
  uint64_t logical() const { return value & kLogicalMax; }
  auto operator<=>(const Hlc&) const = default;
};

// The source of wall-clock time, replaceable in tests and the simulator.
class WallClock {
 public:
  virtual ~WallClock() = default;
  virtual uint64_t NowMs() = 0;
};

class SystemWallClock final : public WallClock {
 public:
  uint64_t NowMs() override;
};

// A wall clock that tests set by hand.
class ManualWallClock final : public WallClock {
 public:
  explicit ManualWallClock(uint64_t now_ms) : now_ms_(now_ms) {}
  uint64_t NowMs() override { return now_ms_; }
  void Set(uint64_t now_ms) { now_ms_ = now_ms; }

 private:
  uint64_t now_ms_;
};

class HybridClock {
 public:
  static constexpr uint64_t kDefaultMaxForwardSkewMs = 24ull * 3600 * 1000;

  // `wall` is borrowed and must outlive the clock. `last` is the last stamp issued or observed before
  // (persisted by the store), so stamps stay monotonic across restarts.
  HybridClock(WallClock& wall, Hlc last, uint64_t max_forward_skew_ms = kDefaultMaxForwardSkewMs)
      : wall_(wall), last_(last), max_forward_skew_ms_(max_forward_skew_ms) {}

  // A stamp for a local event, greater than every stamp issued or merged before.
  Hlc Now();

  // Merges a stamp seen on a remote op. Returns false (and records the skew) when the stamp is more than
  // max_forward_skew_ms ahead of the wall clock; the clock is then not moved.
  bool Observe(Hlc remote);

  Hlc last() const { return last_; }
  // The largest amount by which an observed remote stamp was ahead of the wall clock beyond the limit.
  uint64_t max_skew_seen_ms() const { return max_skew_seen_ms_; }
  void set_max_skew_seen_ms(uint64_t ms) { max_skew_seen_ms_ = ms; }

 private:
  WallClock& wall_;
  Hlc last_;
  uint64_t max_forward_skew_ms_;
  uint64_t max_skew_seen_ms_ = 0;
};

}  // namespace silian::sync
