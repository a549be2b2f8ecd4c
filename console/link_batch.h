// Push batch sizes that fit the link a node syncs over (issue 13, item 6). A batch lost to a cut is sent
// again in full, and every batch costs one round trip: on a slow link that drops every half minute, a
// batch should take long enough on the line that the round trip is a small share of it, and short enough
// that a cut wastes little. The sizer learns the link from what the node's sessions saw: the goodput and
// the bytes per op of push requests, the round trip of small requests, and how long the link stayed up
// between failures; it answers how many ops the next session's push batches should hold
// (sync::SyncOptions::push_batch_entries).
//
// The client fixes its batch size for a whole session (sync/net/client.h), so the sizer's answer takes
// effect from the next session, that is after the first failure on a bad link. Before any push has got
// through, the batch halves after each failed one (a link too short-lived for the default batch still
// moves). Pure logic; not
// thread-safe.
#pragma once

#include <cstdint>

namespace silian::console {

class PushBatchSizer {
 public:
  struct Options {
    uint32_t default_entries = 5000;  // until a push has been observed (the client's default)
    uint32_t min_entries = 100;
    uint32_t max_entries = 5000;
    double round_trip_share = 0.1;    // a batch lasts at least round trip / this
    double uptime_share = 0.25;       // and at most this share of the link's observed uptime
    double min_batch_s = 1;
    double max_batch_s = 10;
  };
  PushBatchSizer() : PushBatchSizer(Options()) {}
  explicit PushBatchSizer(const Options& options) : options_(options) {}

  // A push request of `entries` ops and `body_bytes` on the wire got its reply `seconds` after it was sent.
  void RecordPush(uint32_t entries, uint64_t body_bytes, double seconds);
  // A request with a small body (a pull or a frontier) took `seconds`: an upper bound of the round trip.
  void RecordSmallRequest(double seconds);
  // A push request of `entries` ops got no reply (the link failed under it): until a push gets through, the
  // next batches hold at most half as many.
  void RecordFailedPush(uint32_t entries);
  // The link failed `uptime_s` after it last came up (or after the first session started).
  void RecordFailure(double uptime_s);

  // How many ops the next session's push batches should hold.
  uint32_t NextBatchEntries() const;
  // The batch duration NextBatchEntries() aims at; 0 before any push was observed.
  double TargetBatchSeconds() const;

  double goodput_bytes_per_s() const { return goodput_; }
  double bytes_per_op() const { return bytes_per_op_; }
  double round_trip_s() const { return round_trip_s_; }
  double uptime_s() const { return uptime_s_; }

 private:
  Options options_;
  double goodput_ = 0;       // moving average of push body bytes per second (0: none seen)
  double bytes_per_op_ = 0;  // moving average of push body bytes per op
  double round_trip_s_ = 0;  // the shortest small request seen (0: none seen)
  double uptime_s_ = 0;      // the shortest uptime before a failure (0: no failure seen)
  uint32_t cap_entries_ = 0; // half the last batch that failed, until one gets through (0: no cap)
};

}  // namespace silian::console
