// The hub's ledger and the one lock that guards it. The HTTP handlers, the upstream relay, the notice
// sender and the supervision loop share one LedgerStore; they reach it only through this object, which
// holds the lock for the length of each call, so no mutex is handed around. Calls must be short: no
// network I/O, compression or parsing inside them (those happen outside, around With).
// Readers that need no write (status, and reports or the dashboard when they move to it) take WithReader
// instead: a second, read-only connection (domain/store_reader.h) that never waits for this lock nor for
// a write transaction in progress; it sees the last commit.
// Thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>

#include "domain/store.h"
#include "ledger/access.h"

namespace silian::hub {

class HubLedger final : public sync::LedgerAccess {
 public:
  // Opens the store's read path too (reader_status() says whether it opened).
  explicit HubLedger(std::unique_ptr<sync::LedgerStore> store) : store_(std::move(store)) {
    auto reader = store_->OpenReader();
    if (reader.ok()) {
      reader_ = std::move(*reader);
    } else {
      reader_status_ = reader.status();
    }
  }

  // Why the read path did not open (OK when it did): WithReader then refuses every call with it.
  const Status& reader_status() const { return reader_status_; }

  // The generic ledger, for sync sessions and the sync service. kUnavailable once closed.
  Status With(const std::function<Status(sync::Ledger&)>& fn) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!store_) return Unavailable("the hub is stopping");
    return fn(store_->ledger());
  }
  // The whole store (cases, notices, settings, reports), under the same lock. kUnavailable once closed.
  Status WithStore(const std::function<Status(sync::LedgerStore&)>& fn) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!store_) return Unavailable("the hub is stopping");
    return fn(*store_);
  }
  // The last committed state, read without this object's write lock (see above). kUnavailable once
  // closed; reader_status() when the read path did not open.
  Status WithReader(const std::function<Status(sync::StoreReader&)>& fn) {
    std::shared_lock<std::shared_mutex> open(reader_mu_);
    if (!reader_status_.ok()) return reader_status_;
    if (!reader_) return Unavailable("the hub is stopping");
    return fn(*reader_);
  }
  // Waits for the calls in progress, then closes the ledger file; later calls are refused.
  void Close() {
    {
      std::unique_lock<std::shared_mutex> open(reader_mu_);
      reader_.reset();
    }
    std::lock_guard<std::mutex> lock(mu_);
    store_.reset();
  }

 private:
  std::mutex mu_;
  std::shared_mutex reader_mu_;  // guards reader_ being closed, not its use (StoreReader is thread-safe)
  std::unique_ptr<sync::StoreReader> reader_;
  Status reader_status_ = Status::Ok();
  std::unique_ptr<sync::LedgerStore> store_;
};

}  // namespace silian::hub
