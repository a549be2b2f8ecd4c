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

#include "console/sizing_transport.h"
#include "net/protocol.h"

namespace silian::console {
namespace {

// Answers every request with `fail` (kUnavailable) or a 200, and counts bodies as sent bytes.
class FakeTransport : public sync::Transport {
 public:
  bool fail = false;
  Result<Reply> Post(const std::string&, const std::string& body, const std::string&) override {
    sent_ += body.size();
    if (fail) return Unavailable("the link was cut");
    return Reply{200, "", ""};
  }
  uint64_t wire_bytes_sent() const override { return sent_; }

 private:
  uint64_t sent_ = 0;
};

std::string PushBody(int entries) {
  pb::SyncRequest request;
  for (int i = 0; i < entries; ++i) request.mutable_push()->add_entries()->set_op(std::string(40, 'x'));
  std::string plain;
  request.SerializeToString(&plain);
  return sync::CompressBody(plain, 3);
}

TEST_CASE("Sizing transport: a push that gets no reply is counted and halves the next batch", "[link_batch]") {
  FakeTransport inner;
  PushBatchSizer sizer;
  LinkRequests requests;
  SizingTransport transport(inner, sizer, requests);
  CHECK(SizingTransport::PushEntries(PushBody(800)) == 800);
  CHECK(SizingTransport::PushEntries("not zstd") == 0);
  inner.fail = true;
  CHECK(!transport.Post("/v1/sync", PushBody(800), "auth").ok());
  CHECK(requests.failed_push_posts == 1);
  CHECK(requests.failed_push_entries == 800);
  CHECK(sizer.NextBatchEntries() == 400);
  inner.fail = false;
  CHECK(transport.Post("/v1/sync", PushBody(400), "auth").ok());
  CHECK(transport.Post("/v1/sync", PushBody(0), "auth").ok());  // a pull: small
  CHECK(requests.posts == 3);
  CHECK(requests.push_posts == 2);
  CHECK(requests.transport_resent_push_posts == 0);
  CHECK(sizer.bytes_per_op() > 0);
}

}  // namespace
}  // namespace silian::console
