// The store's read path beside its writer: a LedgerStore::OpenReader() object holds its own read-only
// connection to the ledger file (ledger/reader.h) and the case tables attached to it. Each call is one
// read transaction: it sees the last commit and never waits for a write in progress (WAL), nor holds the
// writer up. A hub's status endpoint reads through it without the hub ledger's lock (hub/hub_ledger.h);
// reports, supervision and the dashboard can read the same way.
// Thread-safe: calls are serialized among themselves on the one connection, never with the writer.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/hlc.h"
#include "domain/case_model.h"
#include "domain/case_tables.h"
#include "ledger/ledger.h"
#include "ledger/peers.h"
#include "ledger/reader.h"

namespace silian::sync {

struct StoreStatus;

class StoreReader {
 public:
  // Made by LedgerStore::OpenReader; `cases` is attached to `reader`'s connection.
  StoreReader(NodeConfig config, std::string scope, std::unique_ptr<LedgerReader> reader,
              std::unique_ptr<CaseTables> cases);
  ~StoreReader();

  // As LedgerStore::GetStatus, from the last commit (max_skew_seen_ms, the writer's clock's, is 0).
  Result<StoreStatus> GetStatus();
  Result<std::vector<Peer>> ListPeers();
  // As the LedgerStore calls of the same names.
  Status ForEachCaseView(const std::string& scope, const std::function<Status(const nlohmann::json& view)>& fn);
  Result<std::vector<CaseSummary>> ListCases(const CaseFilter& filter);
  Result<std::vector<nlohmann::json>> ListConflicts();

 private:
  NodeConfig config_;
  std::string scope_;
  SystemWallClock wall_;  // the peer registry's; reads never use it
  std::unique_ptr<LedgerReader> reader_;
  std::unique_ptr<CaseTables> cases_;  // its statements belong to reader_'s connection
};

}  // namespace silian::sync
