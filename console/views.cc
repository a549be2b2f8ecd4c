#include "console/views.h"

#include <iostream>
#include <map>

#include <CLI/CLI.hpp>

#include "console/case_show.h"
#include "console/render.h"
#include "console/support.h"
#include "domain/case_model.h"
#include "domain/local_time.h"
#include "domain/validation.h"
#include "domain/workflow.h"

namespace silian::console {

using nlohmann::json;

void AddCaseListOptions(CLI::App* cmd, ListCasesOptions& o) {
  std::string statuses;
  for (int i = 0; i < sync::kCaseStatusCount; ++i)
    statuses += std::string(i ? ", " : "") + sync::CaseStatusName(static_cast<sync::CaseStatus>(i));
  cmd->add_option("--status", o.status, "only cases in this status: " + statuses);
  cmd->add_option("--applicant-id", o.applicant_id, "only cases of this applicant ID number");
  cmd->add_option("--division", o.scope, "only cases whose division code starts with this prefix");
  cmd->add_option("--limit", o.limit, "at most this many cases")->capture_default_str();
}

Status RunCaseList(const GlobalOptions& g, const ListCasesOptions& o) {
  sync::CaseFilter filter;
  if (o.status) {
    SILIAN_ASSIGN_OR_RETURN(sync::CaseStatus status, sync::ParseCaseStatus(*o.status));
    filter.status = sync::CaseStatusName(status);
  }
  if (o.applicant_id) {
    // Stored numbers are in normal form (domain/validation.h): trimmed, a resident ID's 'x' upper-cased.
    std::string id(sync::TrimText(*o.applicant_id));
    if (id.size() == 18 && id.back() == 'x') id.back() = 'X';
    filter.applicant_id = id;
  }
  if (o.scope) {
    SILIAN_ASSIGN_OR_RETURN(filter.scope, sync::ParseScopePrefix(*o.scope));
  }
  if (o.limit < 1) return InvalidArgument("--limit " + std::to_string(o.limit) + " must be 1 or more");
  filter.limit = static_cast<size_t>(o.limit);
  SILIAN_ASSIGN_OR_RETURN(auto store, OpenLedger(g));
  SILIAN_ASSIGN_OR_RETURN(std::vector<sync::CaseSummary> cases, store->ListCases(filter));
  if (g.json) {
    json out = json::array();
    for (const auto& c : cases) out.push_back(CaseSummaryJson(c));
    PrintJson(out);
  } else {
    std::map<std::string, std::string> names;
    for (const auto& c : cases) {
      if (c.item_code.empty() || names.contains(c.item_code)) continue;
      auto item = store->FindItem(c.item_code, std::nullopt);
      if (item.ok()) names[c.item_code] = item->name();
    }
    std::cout << RenderCaseList(cases, names);
  }
  return Status::Ok();
}

Status RunCaseShow(const GlobalOptions& g, const std::string& case_ref) {
  SILIAN_ASSIGN_OR_RETURN(auto store, OpenLedger(g));
  SILIAN_ASSIGN_OR_RETURN(json view, ShowCaseAsOf(*store, case_ref, Today()));
  if (g.json) {
    PrintJson(view);
  } else {
    std::cout << RenderCase(view);
  }
  return Status::Ok();
}

Status RunStatus(const GlobalOptions& g) {
  SILIAN_ASSIGN_OR_RETURN(auto store, OpenLedger(g));
  SILIAN_ASSIGN_OR_RETURN(sync::StoreStatus status, store->GetStatus());
  // Where this node's own ops have got to, per level above it, as the hubs' receipts said.
  SILIAN_ASSIGN_OR_RETURN(auto levels, store->LevelStatuses());
  SILIAN_ASSIGN_OR_RETURN(auto hub, store->GetSetting("hub"));
  uint64_t last_sync_ms = 0;
  if (hub) {
    SILIAN_ASSIGN_OR_RETURN(last_sync_ms, store->LastSyncMs(*hub));
  }
  auto when = [&g](uint64_t ms) {
    if (ms == 0) return std::string("never");
    return g.json ? sync::HlcToIso(ms << 16) : sync::CstDateTime(ms);
  };
  auto age = [](uint64_t ms) {
    if (ms == 0) return std::string("-");
    uint64_t s = ms / 1000;
    if (s < 120) return std::to_string(s) + " s";
    if (s < 7200) return std::to_string(s / 60) + " min";
    if (s < 172800) return std::to_string(s / 3600) + " h";
    return std::to_string(s / 86400) + " days";
  };
  if (g.json) {
    json j = StatusJson(status);
    json arr = json::array();
    for (const auto& l : levels)
      arr.push_back({{"level", l.level},
                     {"hub", l.hub_id},
                     {"own_ops_not_there", l.own_ops_missing},
                     {"oldest_not_there_age_ms", l.oldest_missing_age_ms},
                     {"heard_at", when(l.heard_ms)},
                     {"equivocation", l.equivocation}});
    j["levels"] = arr;
    j["hub_url"] = hub ? *hub : "";
    j["last_sync"] = when(last_sync_ms);
    PrintJson(j);
  } else {
    std::cout << RenderStatus(status);
    if (!levels.empty()) {
      std::vector<std::vector<std::string>> rows = {{"LEVEL", "HUB", "OWN OPS NOT THERE", "OLDEST OF THEM", "AS OF"}};
      for (const auto& l : levels)
        rows.push_back({l.level, l.hub_id.empty() ? "-" : l.hub_id, std::to_string(l.own_ops_missing),
                        age(l.oldest_missing_age_ms), when(l.heard_ms)});
      std::cout << "\nreached\n" << RenderTable(rows);
      std::cout << "last sync        " << when(last_sync_ms) << (hub ? " with " + *hub : "") << "\n";
      for (const auto& l : levels)
        if (!l.equivocation.empty()) std::cout << "EQUIVOCATION     " << l.equivocation << "\n";
    }
  }
  return Status::Ok();
}

Status RunDigest(const GlobalOptions& g, const std::optional<std::string>& scope_text) {
  std::optional<std::string> scope;
  if (scope_text) {
    SILIAN_ASSIGN_OR_RETURN(scope, sync::ParseScopePrefix(*scope_text));
  }
  SILIAN_ASSIGN_OR_RETURN(auto store, OpenLedger(g));
  SILIAN_ASSIGN_OR_RETURN(sync::LedgerDigest digest, store->Digest(scope));
  if (g.json) {
    PrintJson({{"ops", digest.ops}, {"ledger", digest.ledger_hex}, {"state", digest.state_hex}});
  } else {
    std::cout << digest.ToLine() << '\n';
  }
  return Status::Ok();
}

}  // namespace silian::console
