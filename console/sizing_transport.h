// A sync::Transport that watches the requests a node sends over its link and feeds a PushBatchSizer
// (link_batch.h): each push request's ops, body bytes and time to the reply, each small request's time,
// and each push that got no reply. It counts them too, for the benchmark's report. It tells a push from
// another request by decoding the request body (zstd, SyncRequest), the way the hub reads it.
//
// How a node uses it (`silian-node sync --watch`): keep one PushBatchSizer for the watch; for each session
// wrap the session's transport in a SizingTransport, set SyncOptions::push_batch_entries to
// sizer.NextBatchEntries(), and after a failed session call sizer.RecordFailure(seconds the link was up).
// Not thread-safe: one session at a time.
#pragma once

#include <cstdint>
#include <string>

#include "console/link_batch.h"
#include "net/client.h"

namespace silian::console {

// What the requests through one or more SizingTransports saw.
struct LinkRequests {
  uint64_t posts = 0;
  uint64_t failed = 0;                  // no reply (the link was cut, or timed out)
  uint64_t push_posts = 0;              // requests that carried a batch
  uint64_t failed_push_posts = 0;       // batches sent (in part) whose reply never came: sent again later
  uint64_t failed_push_entries = 0;
  uint64_t transport_resent_push_posts = 0;  // batches the transport itself sent twice (libcurl's retry)
};

class SizingTransport : public sync::Transport {
 public:
  // Borrows all three; they must outlive it.
  SizingTransport(sync::Transport& inner, PushBatchSizer& sizer, LinkRequests& requests)
      : inner_(inner), sizer_(sizer), requests_(requests) {}

  Result<Reply> Post(const std::string& path, const std::string& body, const std::string& authorization) override;
  // Idle probes go through unwatched: they carry no batch.
  Result<Reply> Probe(const std::string& path, const std::string& body) override { return inner_.Probe(path, body); }
  uint64_t wire_bytes_sent() const override { return inner_.wire_bytes_sent(); }
  uint64_t wire_bytes_received() const override { return inner_.wire_bytes_received(); }

  // The number of ops a sync request body pushes; 0 for a body that is not a push (or not readable).
  static uint32_t PushEntries(const std::string& body);

 private:
  sync::Transport& inner_;
  PushBatchSizer& sizer_;
  LinkRequests& requests_;
};

}  // namespace silian::console
