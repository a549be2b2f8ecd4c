#include "hub/store_outbox.h"

namespace silian::hub {

Result<std::vector<OutgoingNotice>> StoreOutbox::Due(uint64_t now_ms, size_t limit) {
  std::vector<OutgoingNotice> out;
  SILIAN_RETURN_IF_ERROR(ledger_.WithStore([&](sync::LedgerStore& store) -> Status {
    SILIAN_ASSIGN_OR_RETURN(auto due, store.DueNotices(now_ms, limit));
    for (const auto& n : due)
      out.push_back(OutgoingNotice{n.id, n.case_id, n.case_number, n.kind, n.phone, n.text, n.attempts});
    return Status::Ok();
  }));
  return out;
}

Status StoreOutbox::MarkSent(const std::string& id, uint64_t now_ms) {
  return ledger_.WithStore([&](sync::LedgerStore& store) { return store.MarkNoticeSent(id, now_ms); });
}

Status StoreOutbox::MarkFailed(const std::string& id, const std::string& error, uint64_t next_attempt_ms,
                               bool give_up) {
  return ledger_.WithStore(
      [&](sync::LedgerStore& store) { return store.MarkNoticeFailed(id, error, next_attempt_ms, give_up); });
}

}  // namespace silian::hub
