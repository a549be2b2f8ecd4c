#include "hub/store_outbox.h"

namespace silian::hub {

Result<std::vector<OutgoingNotice>> StoreOutbox::Due(uint64_t now_ms, size_t limit) {
  std::lock_guard<std::mutex> lock(mutex_);
  SILIAN_ASSIGN_OR_RETURN(auto due, store_.DueNotices(now_ms, limit));
  std::vector<OutgoingNotice> out;
  for (const auto& n : due)
    out.push_back(OutgoingNotice{n.id, n.case_id, n.case_number, n.kind, n.phone, n.text, n.attempts});
  return out;
}

Status StoreOutbox::MarkSent(const std::string& id, uint64_t now_ms) {
  std::lock_guard<std::mutex> lock(mutex_);
  return store_.MarkNoticeSent(id, now_ms);
}

Status StoreOutbox::MarkFailed(const std::string& id, const std::string& error, uint64_t next_attempt_ms,
                               bool give_up) {
  std::lock_guard<std::mutex> lock(mutex_);
  return store_.MarkNoticeFailed(id, error, next_attempt_ms, give_up);
}

}  // namespace silian::hub
