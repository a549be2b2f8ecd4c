#include "console/sizing_transport.h"

#include <chrono>

#include "net/protocol.h"

namespace silian::console {
namespace {

// A request body below this carries no batch; request headers are well below it too.
constexpr uint64_t kSmallRequestBytes = 4096;

}  // namespace

uint32_t SizingTransport::PushEntries(const std::string& body) {
  auto plain = sync::DecompressBody(body, sync::SyncLimits().max_decompressed_bytes);
  pb::SyncRequest request;
  if (!plain.ok() || !request.ParseFromString(*plain) || !request.has_push()) return 0;
  return static_cast<uint32_t>(request.push().entries_size());
}

Result<sync::Transport::Reply> SizingTransport::Post(const std::string& path, const std::string& body,
                                                     const std::string& authorization) {
  const uint32_t entries = PushEntries(body);
  const auto t0 = std::chrono::steady_clock::now();
  const uint64_t sent_before = inner_.wire_bytes_sent();
  auto reply = inner_.Post(path, body, authorization);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  // libcurl sends a request again, once, on a fresh connection when the reused one died under it: the body
  // then went over the link twice.
  if (entries > 0 && inner_.wire_bytes_sent() - sent_before > body.size() + kSmallRequestBytes)
    ++requests_.transport_resent_push_posts;
  ++requests_.posts;
  if (entries > 0) ++requests_.push_posts;
  if (!reply.ok()) {
    ++requests_.failed;
    if (entries > 0) {
      ++requests_.failed_push_posts;
      requests_.failed_push_entries += entries;
      sizer_.RecordFailedPush(entries);
    }
    return reply;
  }
  if (entries > 0) {
    sizer_.RecordPush(entries, body.size(), seconds);
  } else if (body.size() < kSmallRequestBytes) {
    sizer_.RecordSmallRequest(seconds);
  }
  return reply;
}

}  // namespace silian::console
