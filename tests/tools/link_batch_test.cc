// console/link_batch.h: push batch sizes that fit the link.
#include <catch2/catch.hpp>

#include "console/link_batch.h"

namespace silian::console {
namespace {

TEST_CASE("Push batch sizer: before any push it answers the client's default", "[link_batch]") {
  PushBatchSizer sizer;
  CHECK(sizer.NextBatchEntries() == 5000);
  CHECK(sizer.TargetBatchSeconds() == 0);
}

TEST_CASE("Push batch sizer: batches last about ten round trips on a slow link", "[link_batch]") {
  PushBatchSizer sizer;
  // 250 kB/s of goodput at 25 bytes an op, 300 ms round trip: 3 s batches of 30,000 ops, capped at 5,000.
  sizer.RecordPush(5000, 125000, 0.5);
  sizer.RecordSmallRequest(0.3);
  CHECK(sizer.TargetBatchSeconds() == Approx(3.0));
  CHECK(sizer.NextBatchEntries() == 5000);
  // At 10 kB/s the same 3 s hold 1,200 ops.
  PushBatchSizer slow;
  slow.RecordPush(1000, 25000, 2.5);
  slow.RecordSmallRequest(0.3);
  CHECK(slow.NextBatchEntries() == 1200);
}

TEST_CASE("Push batch sizer: a link that fails often gets batches of a quarter of its uptime", "[link_batch]") {
  PushBatchSizer sizer;
  sizer.RecordPush(1000, 25000, 2.5);  // 10 kB/s, 25 B/op
  sizer.RecordSmallRequest(0.3);
  sizer.RecordFailure(4.0);  // up 4 s between cuts: 1 s batches (the minimum), 400 ops
  CHECK(sizer.TargetBatchSeconds() == Approx(1.0));
  CHECK(sizer.NextBatchEntries() == 400);
}

TEST_CASE("Push batch sizer: failed pushes halve the batch until one gets through", "[link_batch]") {
  PushBatchSizer sizer;
  sizer.RecordFailedPush(5000);
  CHECK(sizer.NextBatchEntries() == 2500);
  sizer.RecordFailedPush(2500);
  CHECK(sizer.NextBatchEntries() == 1250);
  for (int i = 0; i < 10; ++i) sizer.RecordFailedPush(sizer.NextBatchEntries());
  CHECK(sizer.NextBatchEntries() == 100);  // the floor
  sizer.RecordPush(100, 2500, 0.25);       // through: the link model decides again
  sizer.RecordSmallRequest(0.3);
  CHECK(sizer.NextBatchEntries() == 1200);
}

}  // namespace
}  // namespace silian::console
