// Delivery of notices to applicants (accepted, correction needed, decided, ready for collection, overdue
// apology) from the hub's transactional outbox. The store creates one outbox row per case event; this
// module sends the rows that are due, through an SMS gateway over HTTP or to a log file, and records each
// outcome in the outbox: sent, retry later (with exponential backoff and jitter), or failed for good.
//
// Delivery is at least once: a reply can be lost after the gateway accepted a notice, and the notice is
// then sent again. Every request carries `Idempotency-Key: <notice id>` so that the gateway can drop the
// repeat.
//
// Personal data: the phone number and the text of a notice never appear in a Status message or a log line;
// logs name a notice by id, kind and case number only.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "base/status.h"

namespace silian::hub {

// A notice is given up (state "failed") after this many attempts, or at once on a permanent refusal.
inline constexpr uint32_t kMaxNoticeAttempts = 12;
// The retry delay starts here and doubles with each failed attempt ...
inline constexpr uint64_t kNoticeRetryMinMs = 1000;
// ... up to this cap (before jitter).
inline constexpr uint64_t kNoticeRetryMaxMs = 30ull * 60 * 1000;

struct OutgoingNotice {
  std::string id;  // unique per case event, e.g. "<case op id>/accepted"; the gateway's idempotency key
  std::string case_id;
  std::string case_number;
  std::string kind;   // "accepted", "correction_needed", "decided", "ready_for_collection", "overdue_apology"
  std::string phone;  // personal data
  std::string text;   // personal data
  uint32_t attempts = 0;  // attempts made before this one
};

// The delay before the next attempt of a notice whose `attempts`-th attempt just failed:
// base = min(kNoticeRetryMinMs * 2^(attempts - 1), kNoticeRetryMaxMs), then jittered uniformly into
// [0.75 * base, 1.25 * base] by `random` (any 64-bit value). `attempts` 0 counts as 1. Pure.
uint64_t RetryDelayMs(uint32_t attempts, uint64_t random);

// Where notices go.
class NoticeSender {
 public:
  virtual ~NoticeSender() = default;

  // Delivers one notice. Returns OK when it was delivered; kUnavailable for a failure worth retrying
  // (network, timeout, HTTP 5xx/408/429, a file that cannot be written now, a cancelled transfer);
  // kInvalidArgument for a permanent refusal (any other HTTP 4xx). Messages name the URL or file, the
  // HTTP status and the start of the reply body (at most 200 bytes, with the notice's phone and text cut
  // out should the gateway echo them), never the phone number or the text.
  virtual Status Send(const OutgoingNotice& notice) = 0;

  // A short description for logs, e.g. "HTTP gateway https://sms.example/notices" or "log file /x.log".
  virtual std::string Describe() const = 0;

  // While set, a Send in progress on another thread returns soon with kUnavailable, and later ones
  // return at once with kUnavailable. Thread-safe. The default does nothing (for senders that never
  // block for long).
  virtual void SetCancelled(bool cancelled) { static_cast<void>(cancelled); }
};

// `phone` as notices show it wherever it leaves the outbox (the log file, `notices list`): its last 4
// digits kept and every other character (digits, spaces, '+', '-') replaced by '*', so the length is kept;
// all of it '*' when it has 4 digits or fewer (a short number would otherwise be shown whole). Pure.
//   "13812345678" -> "*******5678", "1234" -> "****", "" -> ""
std::string MaskPhone(const std::string& phone);

// Appends one JSON line per notice to the file at `path`:
//   {"id":..,"case_number":..,"kind":..,"phone":"*******5678","text":..,"time":"2024-05-01T08:00:00.123Z"}
// The phone is masked by MaskPhone. The file is created with mode 0600 (an existing file keeps its mode); each line is
// written with one append and fdatasync'd before Send returns OK. A file that cannot be opened or written
// gives kUnavailable naming the path and the system error. `now_ms` (wall clock, ms since the epoch) dates
// the lines; empty means the system clock. Thread-safe.
std::unique_ptr<NoticeSender> MakeLogFileSender(std::string path, std::function<uint64_t()> now_ms = {});

struct HttpSenderOptions {
  long connect_timeout_ms = 5000;
  long total_timeout_ms = 15000;
  long low_speed_bytes_per_s = 32;  // a transfer slower than this ...
  long low_speed_time_s = 10;       // ... for this long is abandoned
  // A whole header line sent with every request when not empty, e.g. "Authorization: Bearer T".
  // Must not contain CR or LF. Never logged.
  std::string auth_header;
};

// Checks the form of a gateway URL: http:// or https://, a non-empty host, an optional port and path, no
// user:password@ (use auth_header), no spaces or control characters. kInvalidArgument naming the URL.
Status ValidateGatewayUrl(std::string_view url);

// POSTs each notice to `url` as JSON {"id","case_number","kind","phone","text"} with the headers
// Content-Type: application/json and Idempotency-Key: <id>, with libcurl: connect and total timeouts,
// low-speed abort, TCP_NODELAY, no signals, no redirects, one kept-alive connection. A 2xx reply is
// delivery; 408, 429, 5xx, 3xx and transport failures are kUnavailable; other 4xx are kInvalidArgument.
// Only the first 64 KiB of a reply body are kept (the rest is read and dropped, so the status is known).
// Returns kInvalidArgument for a URL that ValidateGatewayUrl refuses or an auth_header with CR or LF,
// kInternal when libcurl cannot start. The sender is thread-safe (Sends are serialized).
Result<std::unique_ptr<NoticeSender>> MakeHttpSender(std::string url, HttpSenderOptions options = {});

// The outbox as the dispatcher sees it; the hub's store implements it.
// The dispatcher calls it from its own thread: an implementation must be thread-safe, or be wrapped by the
// caller in one that takes the lock guarding the store.
class NoticeOutbox {
 public:
  virtual ~NoticeOutbox() = default;
  // Up to `limit` notices that are pending and whose next attempt is due at `now_ms` or earlier, oldest
  // first, with `attempts` set to the attempts made so far.
  virtual Result<std::vector<OutgoingNotice>> Due(uint64_t now_ms, size_t limit) = 0;
  // The notice was delivered; it leaves the pending set.
  virtual Status MarkSent(const std::string& id, uint64_t now_ms) = 0;
  // An attempt failed: count it, keep `error` (no personal data in it), and either retry at
  // `next_attempt_ms` or, with `give_up`, leave the pending set in state "failed".
  virtual Status MarkFailed(const std::string& id, const std::string& error, uint64_t next_attempt_ms,
                            bool give_up) = 0;
};

struct DispatchCounts {
  size_t sent = 0;
  size_t retry = 0;   // failed, to be retried
  size_t failed = 0;  // given up
};

// Sends due notices from an outbox, on a background thread (Start) or one pass at a time (RunOnce).
// Thread-safe. Logs with spdlog: info for a notice sent, warn for a failure.
class NoticeDispatcher {
 public:
  struct Options {
    uint64_t poll_interval_ms = 1000;
    size_t batch = 50;  // notices taken from the outbox per Due call
  };

  // `outbox` and `sender` are borrowed and must outlive the dispatcher; `outbox` must be thread-safe (see
  // NoticeOutbox). `now_ms` is the wall clock in ms since the epoch (the outbox's time base); `random`
  // gives the jitter of retry delays. Both are called only from the thread running a pass.
  NoticeDispatcher(NoticeOutbox& outbox, NoticeSender& sender, std::function<uint64_t()> now_ms,
                   std::function<uint64_t()> random, Options options);
  NoticeDispatcher(NoticeOutbox& outbox, NoticeSender& sender, std::function<uint64_t()> now_ms,
                   std::function<uint64_t()> random)
      : NoticeDispatcher(outbox, sender, std::move(now_ms), std::move(random), Options()) {}
  ~NoticeDispatcher();  // Stop()
  NoticeDispatcher(const NoticeDispatcher&) = delete;
  NoticeDispatcher& operator=(const NoticeDispatcher&) = delete;

  // One pass: takes due notices in batches (until a batch comes back short) and sends them one by one,
  // marking each in the outbox: sent; failed with a retry at now + RetryDelayMs(attempts made, random());
  // or given up (a permanent refusal, or the kMaxNoticeAttempts-th failure). Returns the counts, or the
  // outbox's error (the pass stops there; a notice sent but not marked is sent again later). Passes are
  // serialized: a call while the background thread runs one waits for it. A pass stops early, after the
  // notice in flight, once Stop() is called; after Stop() a pass does nothing.
  Result<DispatchCounts> RunOnce();

  // Starts the background thread: a pass at once, then one every poll interval, or sooner after Wake().
  // REQUIRES: not started before (a stopped dispatcher is not restarted).
  void Start();
  // Asks for a pass now (e.g. the store just queued a notice). Thread-safe; cheap.
  void Wake();
  // Stops the thread and joins it. A notice in flight is finished: its transfer is cancelled through
  // NoticeSender::SetCancelled, and it is marked for a retry due at once, without giving up (the gateway
  // may have it; the Idempotency-Key lets it drop the repeat). Returns within about a second of a slow or
  // dead gateway. Idempotent.
  void Stop();

 private:
  void Run();
  // Sends one notice and marks it; adds to `counts`.
  Status Dispatch(const OutgoingNotice& notice, DispatchCounts& counts);

  NoticeOutbox& outbox_;
  NoticeSender& sender_;
  std::function<uint64_t()> now_ms_;
  std::function<uint64_t()> random_;
  Options options_;
  std::mutex pass_mu_;  // serializes passes
  std::mutex mu_;       // guards woken_ and thread_
  std::condition_variable cv_;
  std::atomic<bool> stop_{false};
  bool woken_ = false;
  std::thread thread_;
};

}  // namespace silian::hub
