// The hub's ledger and the one lock that guards it. The HTTP handlers, the upstream relay, the notice
// sender and the supervision loop share one LedgerStore; they reach it only through this object, which
// holds the lock for the length of each call, so no mutex is handed around. Calls must be short: no
// network I/O, compression or parsing inside them (those happen outside, around With).
// Readers that need no write take WithReader (status: domain/store_reader.h) or WithReadStore (pulls,
// reports, supervision's reads, the dashboard: a read view of the whole store) instead: read-only
// connections that never wait for this lock nor for a write transaction in progress; they see the last
// commit.
// Thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>

#include <spdlog/spdlog.h>

#include "domain/store.h"
#include "ledger/access.h"
#include "ledger/read_view.h"

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
    auto read_store = sync::LedgerStore::Open(store_->ledger().path(), sync::LedgerStore::Options());
    Status view = read_store.ok() ? sync::MakeReadView((*read_store)->ledger()) : read_store.status();
    if (view.ok()) {
      read_store_ = std::move(*read_store);
    } else {
      spdlog::warn("the hub's read view did not open ({}): pulls, reports and the dashboard wait for the writer",
                   view.message());
    }
  }

  // Why the read path did not open (OK when it did): WithReader then refuses every call with it.
  const Status& reader_status() const { return reader_status_; }

  // The generic ledger, for sync sessions and the sync service. kUnavailable once closed.
  Status With(const std::function<Status(sync::Ledger&)>& fn) override {
    std::lock_guard<std::timed_mutex> lock(mu_);
    if (!store_) return Unavailable("the hub is stopping");
    return fn(store_->ledger());
  }
  // As With when the lock comes within `wait`; kUnavailable, without calling `fn`, when another call holds
  // it longer (an import).
  Status TryWith(const std::function<Status(sync::Ledger&)>& fn, std::chrono::milliseconds wait) {
    std::unique_lock<std::timed_mutex> lock(mu_, std::defer_lock);
    if (!lock.try_lock_for(wait)) return Unavailable("the hub's ledger is busy");
    if (!store_) return Unavailable("the hub is stopping");
    return fn(store_->ledger());
  }
  // The whole store (cases, notices, settings, reports), under the same lock. kUnavailable once closed.
  Status WithStore(const std::function<Status(sync::LedgerStore&)>& fn) {
    std::lock_guard<std::timed_mutex> lock(mu_);
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
  // The whole store as of the last commit, read without this object's write lock (pulls, reports,
  // supervision's and the dashboard's reads): a second LedgerStore on the file made a read view
  // (ledger/read_view.h), each call one read transaction. Calls are serialized among themselves, never
  // with the writer. `fn` must not write (a write fails: "readonly database"). When the view did not open,
  // the call runs on the writer under its lock instead. kUnavailable once closed.
  Status WithReadStore(const std::function<Status(sync::LedgerStore&)>& fn) {
    {
      std::lock_guard<std::mutex> lock(read_store_mu_);
      if (read_store_) return sync::RunRead(read_store_->ledger(), [&] { return fn(*read_store_); });
    }
    return WithStore(fn);
  }
  // The generic ledger of WithReadStore, as a LedgerAccess: the sync service's read path (its
  // authentication and pulls, SyncService::set_read_access).
  sync::LedgerAccess& read_access() { return read_access_; }
  // Waits for the calls in progress, then closes the ledger file; later calls are refused.
  void Close() {
    {
      std::unique_lock<std::shared_mutex> open(reader_mu_);
      reader_.reset();
    }
    {
      std::lock_guard<std::mutex> lock(read_store_mu_);
      read_store_.reset();
    }
    std::lock_guard<std::timed_mutex> lock(mu_);
    store_.reset();
  }

 private:
  std::timed_mutex mu_;
  std::shared_mutex reader_mu_;  // guards reader_ being closed, not its use (StoreReader is thread-safe)
  std::unique_ptr<sync::StoreReader> reader_;
  Status reader_status_ = Status::Ok();
  std::unique_ptr<sync::LedgerStore> store_;
  class ReadAccess final : public sync::LedgerAccess {
   public:
    explicit ReadAccess(HubLedger& owner) : owner_(owner) {}
    Status With(const std::function<Status(sync::Ledger&)>& fn) override {
      return owner_.WithReadStore([&](sync::LedgerStore& store) { return fn(store.ledger()); });
    }

   private:
    HubLedger& owner_;
  };
  std::mutex read_store_mu_;  // guards read_store_ and serializes its use (one connection)
  std::unique_ptr<sync::LedgerStore> read_store_;  // null when the read view did not open
  ReadAccess read_access_{*this};
};

}  // namespace silian::hub
