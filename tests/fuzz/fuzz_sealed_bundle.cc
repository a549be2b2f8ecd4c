// libFuzzer target: the sealed bundle opener (sync/ledger/stick_seal.h), then the bundle reader inside it,
// for a fixed recipient key. Input: byte 0 odd: the rest is the file as it lies on the stick; even: the rest
// is sealed for the recipient by the target first (so that mutations reach the chunking and the inner reader
// instead of dying in the stream cipher), and then byte 1 of the result, if any, is flipped when byte 0 is 2.
#include <cstddef>
#include <cstdint>
#include <string>

#include "quiet_protobuf.h"

#include "ledger/bundle.h"
#include "ledger/chain.h"
#include "ledger/stick_seal.h"

namespace {

const silian::sync::SigningKey& Key() {
  static const silian::sync::SigningKey key =
      silian::sync::SigningKey::FromSeed(silian::sync::ChainHash(silian::sync::ZeroHash(), "fuzz recipient"));
  return key;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  if ((data[0] & 1) == 0) {
    std::string sealed;
    auto sealer = silian::sync::StickSealer::Start(silian::sync::StringSink(&sealed), "village-b", Key().public_key());
    if (!sealer.ok()) return 0;
    if (!(*sealer)->sink()(bytes.data(), bytes.size()).ok() || !(*sealer)->Finish().ok()) return 0;
    if (data[0] == 2 && sealed.size() > 120) sealed[120] ^= 1;
    bytes = std::move(sealed);
  }
  auto opener = silian::sync::StickOpener::Open(silian::sync::StringSource(&bytes), "village-b", Key());
  if (!opener.ok()) return 0;
  silian::sync::BundleLimits limits;
  limits.max_record_bytes = 1u << 20;
  limits.max_total_bytes = 16u << 20;
  limits.max_entries_per_batch = 10000;
  auto reader = silian::sync::BundleReader::Open((*opener)->source(), limits);
  if (!reader.ok()) return 0;
  silian::pb::Batch batch;
  for (int batches = 0; batches < 1000; ++batches) {
    batch.Clear();
    auto more = (*reader)->Next(&batch);
    if (!more.ok() || !*more) break;
  }
  return 0;
}
