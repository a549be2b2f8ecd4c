// libFuzzer target: the bundle reader (sync/ledger/bundle.h) over a file's bytes, every op parsed as
// silian_ledger would store it. Limits are small so that one input cannot take the fuzzer's memory.
// Input: byte 0 odd: the rest is the file as it lies on the stick; even: the rest is the decompressed record
// stream, which the target puts behind the magic and compresses (so that mutations reach the record parser
// instead of dying in zstd).
#include <cstddef>
#include <cstdint>
#include <string>

#include "quiet_protobuf.h"

#include "ledger/bundle.h"
#include "net/protocol.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::string bytes = (data[0] & 1) ? rest : std::string("SILIANB\x01", 8) + silian::sync::CompressBody(rest, 1);
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
