// libFuzzer target: the bundle reader (sync/ledger/bundle.h) over arbitrary bytes, every op parsed as
// silian_ledger would store it. Limits are small so that one input cannot take the fuzzer's memory.
#include <cstddef>
#include <cstdint>
#include <string>

#include "ledger/bundle.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  silian::sync::BundleLimits limits;
  limits.max_record_bytes = 1u << 20;
  limits.max_total_bytes = 16u << 20;
  limits.max_entries_per_batch = 10000;
  auto opened = silian::sync::BundleReader::Open(silian::sync::StringSource(&bytes), limits);
  if (!opened.ok()) return 0;
  silian::pb::Batch batch;
  for (int batches = 0; batches < 1000; ++batches) {
    batch.Clear();
    auto more = (*opened)->Next(&batch);
    if (!more.ok() || !*more) break;
    for (const silian::pb::Entry& e : batch.entries()) {
      if (e.has_op()) {
        silian::pb::Op op;
        (void)op.ParseFromString(e.op());
      }
    }
  }
  return 0;
}
