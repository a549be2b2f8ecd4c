// The hub's ledger and the one lock that guards it. The HTTP handlers, the upstream relay, the notice
// sender and the supervision loop share one LedgerStore; they reach it only through this object, which
// holds the lock for the length of each call, so no mutex is handed around. Calls must be short: no
// network I/O, compression or parsing inside them (those happen outside, around With).
// Thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <mutex>

#include "domain/store.h"
#include "ledger/access.h"

namespace silian::hub {

class HubLedger final : public sync::LedgerAccess {
 public:
  explicit HubLedger(std::unique_ptr<sync::LedgerStore> store) : store_(std::move(store)) {}

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
  // Waits for the call in progress, then closes the ledger file; later calls are refused.
  void Close() {
    std::lock_guard<std::mutex> lock(mu_);
    store_.reset();
  }

 private:
  std::mutex mu_;
  std::unique_ptr<sync::LedgerStore> store_;
};

}  // namespace silian::hub
