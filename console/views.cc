#include "console/views.h"

#include <iostream>

#include "console/render.h"
#include "console/support.h"
#include "sync/case_model.h"

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
  filter.applicant_id = o.applicant_id;
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
    std::cout << RenderCaseList(cases);
  }
  return Status::Ok();
}

Status RunCaseShow(const GlobalOptions& g, const std::string& case_ref) {
  SILIAN_ASSIGN_OR_RETURN(auto store, OpenLedger(g));
  SILIAN_ASSIGN_OR_RETURN(json view, store->ShowCase(case_ref));
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
  if (g.json) {
    PrintJson(StatusJson(status));
  } else {
    std::cout << RenderStatus(status);
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
