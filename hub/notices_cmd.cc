// `notices list`: the outbox of notices to applicants, newest first, with phone numbers masked.
#include <algorithm>
#include <iostream>
#include <vector>

#include "console/render.h"
#include "domain/local_time.h"
#include "domain/projection.h"
#include "hub/commands.h"
#include "hub/notifier.h"

namespace silian::hub {

Status RunNoticeList(const GlobalOptions& g, const NoticeListOptions& o) {
  if (o.limit < 1) return InvalidArgument("--limit " + std::to_string(o.limit) + " must be 1 or more");
  static const std::vector<std::string> kStates = {"pending", "sent", "failed", "no_phone"};
  if (o.state && std::find(kStates.begin(), kStates.end(), *o.state) == kStates.end())
    return InvalidArgument("state " + Quote(*o.state) + " is not one of: pending, sent, failed, no_phone");
  SILIAN_ASSIGN_OR_RETURN(auto store, OpenHubLedger(g));
  SILIAN_ASSIGN_OR_RETURN(auto notices, store->ListNotices(o.state, static_cast<size_t>(o.limit)));
  nlohmann::json arr = nlohmann::json::array();
  std::vector<std::vector<std::string>> rows = {
      {"NOTICE", "CASE NUMBER", "KIND", "PHONE", "STATE", "ATTEMPTS", "SENT (+08:00)", "LAST ERROR"}};
  for (const auto& n : notices) {
    std::string sent = n.sent_ms ? sync::HlcToIso(n.sent_ms << 16) : "-";
    arr.push_back({{"id", n.id}, {"case_id", n.case_id}, {"case_number", n.case_number}, {"kind", n.kind},
                   {"phone", MaskPhone(n.phone)}, {"state", n.state}, {"attempts", n.attempts},
                   {"created", sync::HlcToIso(n.created_ms << 16)}, {"sent", sent}, {"last_error", n.last_error},
                   {"text", n.text}});
    rows.push_back({n.id, n.case_number, n.kind, MaskPhone(n.phone), n.state, std::to_string(n.attempts),
                    n.sent_ms ? sync::CstDateTime(n.sent_ms) : "-",
                    n.last_error});
  }
  if (g.json) {
    console::PrintJson(arr);
  } else if (notices.empty()) {
    SILIAN_ASSIGN_OR_RETURN(auto notify, store->GetSetting("notify"));
    std::cout << (notify && *notify == "on" ? "no notices yet\n"
                                            : "no notices (turn them on with `silian-hub config set notify on`)\n");
  } else {
    std::cout << console::RenderTable(rows);
  }
  return Status::Ok();
}

}  // namespace silian::hub
