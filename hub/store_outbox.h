// The hub ledger's outbox of notices as the NoticeDispatcher sees it (hub/notifier.h): the outbox rows of
// LedgerStore (DueNotices, MarkNoticeSent, MarkNoticeFailed) behind the NoticeOutbox interface.
//
// Thread-safe: every call goes through the HubLedger, which holds the one lock of `serve` (the HTTP server,
// the relay and the supervision loop go through it too), since the dispatcher runs on its own thread.
#pragma once

#include "hub/hub_ledger.h"
#include "hub/notifier.h"

namespace silian::hub {

class StoreOutbox final : public NoticeOutbox {
 public:
  // `ledger` is borrowed and must outlive the outbox.
  explicit StoreOutbox(HubLedger& ledger) : ledger_(ledger) {}

  // The store's due notices, oldest first, as OutgoingNotice; the store's error otherwise.
  Result<std::vector<OutgoingNotice>> Due(uint64_t now_ms, size_t limit) override;
  Status MarkSent(const std::string& id, uint64_t now_ms) override;
  Status MarkFailed(const std::string& id, const std::string& error, uint64_t next_attempt_ms, bool give_up) override;

 private:
  HubLedger& ledger_;
};

}  // namespace silian::hub
