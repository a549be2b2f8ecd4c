#include "domain/store_reader.h"

#include "domain/store.h"

namespace silian::sync {

StoreReader::StoreReader(NodeConfig config, std::string scope, std::unique_ptr<LedgerReader> reader,
                         std::unique_ptr<CaseTables> cases)
    : config_(std::move(config)), scope_(std::move(scope)), reader_(std::move(reader)), cases_(std::move(cases)) {}

// The case tables' statements are finalized before the connection closes (reader_).
StoreReader::~StoreReader() { cases_.reset(); }

Result<StoreStatus> StoreReader::GetStatus() {
  StoreStatus st;
  st.config = config_;
  st.scope = scope_;
  SILIAN_RETURN_IF_ERROR(reader_->Read([&](sqlite3* db) -> Status {
    SILIAN_ASSIGN_OR_RETURN(LedgerCounts counts, ReadLedgerCounts(db));
    st.op_count = counts.op_count;
    st.pending_count = counts.pending_count;
    st.equivocation_count = counts.equivocation_count;
    st.forgery_count = counts.forgery_count;
    SILIAN_ASSIGN_OR_RETURN(st.case_count, cases_->CaseCount());
    SILIAN_ASSIGN_OR_RETURN(st.open_conflicts, cases_->OpenConflictCount());
    SILIAN_ASSIGN_OR_RETURN(st.frontier, ReadFrontier(db, config_.node_id.value, scope_));
    return Status::Ok();
  }));
  return st;
}

Result<std::vector<Peer>> StoreReader::ListPeers() {
  std::vector<Peer> out;
  SILIAN_RETURN_IF_ERROR(reader_->Read([&](sqlite3* db) -> Status {
    SILIAN_ASSIGN_OR_RETURN(out, PeerRegistry(db, wall_).List());
    return Status::Ok();
  }));
  return out;
}

Status StoreReader::ForEachCaseView(const std::string& scope,
                                    const std::function<Status(const nlohmann::json&)>& fn) {
  return reader_->Read([&](sqlite3*) { return cases_->ForEachView(scope, fn); });
}

Result<std::vector<CaseSummary>> StoreReader::ListCases(const CaseFilter& filter) {
  std::vector<CaseSummary> out;
  SILIAN_RETURN_IF_ERROR(reader_->Read([&](sqlite3*) -> Status {
    SILIAN_ASSIGN_OR_RETURN(out, cases_->List(filter));
    return Status::Ok();
  }));
  return out;
}

Result<std::vector<nlohmann::json>> StoreReader::ListConflicts() {
  std::vector<nlohmann::json> out;
  SILIAN_RETURN_IF_ERROR(reader_->Read([&](sqlite3*) -> Status {
    SILIAN_ASSIGN_OR_RETURN(out, cases_->ListConflicts());
    return Status::Ok();
  }));
  return out;
}

}  // namespace silian::sync
