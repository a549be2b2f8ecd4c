// The model of a bad link that silian-netem puts between a client and a server: one LinkDirection per
// direction of each TCP connection. Pure logic: no I/O, time is passed in (microseconds on any monotonic
// clock), randomness comes from a seeded generator, so a test can replay it exactly.
//
// The model (docs/benchmarks.md, "A bad link"):
// - Bandwidth: the bytes a direction accepts are cut into segments of at most `segment_bytes` (a TCP MSS)
//   and sent one after another on a line of `rate_bytes_per_s`: a segment starts when the previous one has
//   left, and takes size / rate. That is a token bucket one segment deep: no burst above the rate.
// - Latency: a segment is delivered `one_way_delay_us` after it has left (half the round trip).
// - Loss: a TCP proxy receives an ordered, loss-free byte stream, so it cannot drop bytes without breaking
//   the stream. It plays what TCP does with a lost segment instead: each segment is lost with probability
//   `loss`; a lost segment is sent again after `retransmit_us` (TCP's fast retransmit or timeout) and takes
//   the line a second time, and because TCP delivers in order, every later segment waits behind it
//   (head-of-line blocking). The congestion window's shrinking after a loss is not modelled.
// - Back-pressure: a direction holds at most `max_queue_bytes`; the proxy stops reading from the sender
//   while it is full, so the sender's own socket fills and it waits as it would on a slow link.
// Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

#include "base/random.h"

namespace silian::netem {

struct LinkParams {
  double rate_bytes_per_s = 0;     // 0: no bandwidth limit
  int64_t one_way_delay_us = 0;    // half the round trip
  double loss = 0;                 // probability that a segment is lost (0 .. 1)
  int64_t retransmit_us = 200000;  // extra delay of a lost segment
  size_t segment_bytes = 1460;     // > 0
  size_t max_queue_bytes = 256 * 1024;
};

class LinkDirection {
 public:
  // REQUIRES: params.segment_bytes > 0, 0 <= params.loss <= 1, rate >= 0, delays >= 0.
  LinkDirection(const LinkParams& params, uint64_t seed);

  // Room for more bytes from the sender: max_queue_bytes minus what is queued (0 when full).
  size_t room() const;
  // Takes `data` that the sender wrote at `now_us`. REQUIRES: data.size() <= room().
  void Accept(std::string_view data, int64_t now_us);

  // The bytes that may be handed to the receiver at `now_us`: the head segment when it is due, else empty.
  std::string_view Due(int64_t now_us) const;
  // Removes `n` bytes of the head segment (what the receiver took). REQUIRES: n <= Due(now).size().
  void Consume(size_t n);
  // When the head segment is due; -1 when nothing is queued.
  int64_t next_due_us() const;
  bool empty() const { return queue_.empty(); }

  uint64_t bytes_accepted() const { return bytes_accepted_; }
  uint64_t bytes_delivered() const { return bytes_delivered_; }
  uint64_t segments() const { return segments_; }
  uint64_t segments_lost() const { return segments_lost_; }

 private:
  struct Segment {
    std::string bytes;
    size_t offset = 0;
    int64_t due_us = 0;
  };
  void AddSegment(std::string_view data, int64_t now_us);
  int64_t LineTimeUs(size_t bytes) const;

  LinkParams params_;
  Xoshiro256 rng_;
  std::deque<Segment> queue_;
  size_t queued_bytes_ = 0;
  int64_t line_free_us_ = 0;   // when the line has sent everything accepted so far
  int64_t last_due_us_ = 0;    // in-order delivery: no segment is due before the one ahead of it
  uint64_t bytes_accepted_ = 0;
  uint64_t bytes_delivered_ = 0;
  uint64_t segments_ = 0;
  uint64_t segments_lost_ = 0;
};

}  // namespace silian::netem
