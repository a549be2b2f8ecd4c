// `silian-bench queue`: the window queue and supervision against the watch index (domain/case_watch.h).
//   1. a township hall's ledger authored day by day (AuthorHallWorkload: window cases, most of them closed
//      by the end, the latest still open), then `open_cases` more cases received and accepted on the last
//      day, so that the queue has work;
//   2. per run, the median of `runs`: the scan every stored case view (what the queue and supervision did
//      before the index), the queue's read through the index (WindowQueueQuery, its first 500 views, and
//      their clocks: what `GET api/queue` computes), and supervision over every case vs over the watched
//      ones (sync::Supervise on each view);
//   3. the index rebuilt when a ledger made before it opens (its tables dropped, then LedgerStore::Open).
// Target (issue 12): the queue within 300 ms at 10,000 cases. A missed target is a result, not an error.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

#include "base/status.h"

namespace silian::bench {

inline constexpr double kTargetQueueMs = 300.0;

struct QueueOptions {
  uint64_t seed = 20260105;
  uint64_t ops = 80000;      // ops of the hall's workload (about 8 per case)
  uint64_t open_cases = 2000;  // cases accepted on the last day besides the workload's
  int runs = 5;
  std::string dir;  // empty: a fresh directory under /tmp, removed at the end
  bool keep = false;
  bool json = false;
};

// Builds the ledger, measures, and prints the figures on `out`, progress on `err`. kInvalidArgument for bad
// options, the store's error otherwise; OK whatever the figures are.
Status RunQueue(const QueueOptions& options, std::ostream& out, std::ostream& err);

}  // namespace silian::bench
