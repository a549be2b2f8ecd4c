// The hub ledger's outbox of notices as the NoticeDispatcher sees it (hub/notifier.h): the outbox rows of
// LedgerStore (DueNotices, MarkNoticeSent, MarkNoticeFailed) behind the NoticeOutbox interface.
//
// Thread-safe: every call takes `store_mutex`, the lock that guards the store for all of `serve` (the HTTP
// server, the relay and the supervision loop take it too), since the dispatcher runs on its own thread.
#pragma once

#include <mutex>

#include "domain/store.h"
#include "hub/notifier.h"

namespace silian::hub {

class StoreOutbox final : public NoticeOutbox {
 public:
  // `store` and `store_mutex` are borrowed and must outlive the outbox.
  StoreOutbox(sync::LedgerStore& store, std::mutex& store_mutex) : store_(store), mutex_(store_mutex) {}

  // The store's due notices, oldest first, as OutgoingNotice; the store's error otherwise.
  Result<std::vector<OutgoingNotice>> Due(uint64_t now_ms, size_t limit) override;
  Status MarkSent(const std::string& id, uint64_t now_ms) override;
  Status MarkFailed(const std::string& id, const std::string& error, uint64_t next_attempt_ms, bool give_up) override;

 private:
  sync::LedgerStore& store_;
  std::mutex& mutex_;
};

}  // namespace silian::hub
