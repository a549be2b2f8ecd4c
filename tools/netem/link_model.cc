#include "netem/link_model.h"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace silian::netem {

LinkDirection::LinkDirection(const LinkParams& params, uint64_t seed) : params_(params), rng_(seed) {
  assert(params_.segment_bytes > 0);
  assert(params_.loss >= 0 && params_.loss <= 1);
  assert(params_.rate_bytes_per_s >= 0 && params_.one_way_delay_us >= 0 && params_.retransmit_us >= 0);
}

size_t LinkDirection::room() const {
  return queued_bytes_ >= params_.max_queue_bytes ? 0 : params_.max_queue_bytes - queued_bytes_;
}

int64_t LinkDirection::LineTimeUs(size_t bytes) const {
  if (params_.rate_bytes_per_s <= 0) return 0;
  return static_cast<int64_t>(std::ceil(static_cast<double>(bytes) * 1e6 / params_.rate_bytes_per_s));
}

void LinkDirection::AddSegment(std::string_view data, int64_t now_us) {
  const int64_t start_us = std::max(now_us, line_free_us_);
  line_free_us_ = start_us + LineTimeUs(data.size());
  int64_t due_us = line_free_us_ + params_.one_way_delay_us;
  // 53 random bits, uniform in [0, 1): the segment is lost when below `loss`.
  const double draw = static_cast<double>(rng_.Next() >> 11) * 0x1.0p-53;
  if (params_.loss > 0 && draw < params_.loss) {
    ++segments_lost_;
    line_free_us_ += LineTimeUs(data.size());  // the retransmission takes the line again
    due_us += params_.retransmit_us + LineTimeUs(data.size());
  }
  due_us = std::max(due_us, last_due_us_);
  last_due_us_ = due_us;
  queue_.push_back(Segment{std::string(data), 0, due_us});
  ++segments_;
}

void LinkDirection::Accept(std::string_view data, int64_t now_us) {
  assert(data.size() <= room());
  queued_bytes_ += data.size();
  bytes_accepted_ += data.size();
  while (!data.empty()) {
    const size_t n = std::min(data.size(), params_.segment_bytes);
    AddSegment(data.substr(0, n), now_us);
    data.remove_prefix(n);
  }
}

std::string_view LinkDirection::Due(int64_t now_us) const {
  if (queue_.empty() || queue_.front().due_us > now_us) return {};
  const Segment& head = queue_.front();
  return std::string_view(head.bytes).substr(head.offset);
}

void LinkDirection::Consume(size_t n) {
  assert(!queue_.empty() && n <= queue_.front().bytes.size() - queue_.front().offset);
  Segment& head = queue_.front();
  head.offset += n;
  queued_bytes_ -= n;
  bytes_delivered_ += n;
  if (head.offset == head.bytes.size()) queue_.pop_front();
}

int64_t LinkDirection::next_due_us() const { return queue_.empty() ? -1 : queue_.front().due_us; }

}  // namespace silian::netem
