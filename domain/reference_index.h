// The reference index: the catalogue items and working-day calendar layers a replica holds, indexed from
// the reference ops in its ledger (the ops stay the truth). A collaborator of the case projector sharing
// the ledger's SQLite connection. Not thread-safe (as the Ledger).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "silian.pb.h"
#include "base/status.h"
#include "domain/calendar.h"

namespace silian::sync {

class ReferenceIndex {
 public:
  // The DDL schema version `version` of the ledger file adds for these tables ("" for none).
  static std::string SchemaStep(int version);
  // `db` is borrowed from the ledger.
  explicit ReferenceIndex(sqlite3* db) : db_(db) {}

  // Indexes one stored reference op. Of two publications of the same (code, version) or (area, name,
  // version), the one with the greater (hlc, origin) stands. An item or calendar that breaks the content
  // rules is kept in the log but not indexed. REQUIRES: inside a write transaction.
  Status Index(const pb::Op& op);

  // The item of `code` at `version` (the latest when absent); nullopt when not held.
  Result<std::optional<pb::Item>> Item(const std::string& code, std::optional<uint32_t> version = std::nullopt);
  // The latest version of every item code, sorted by code (every version with all_versions).
  Result<std::vector<pb::Item>> Items(bool all_versions);
  // The terms a new case (or a change of item code) records: those of the latest version of the item.
  // nullopt when this replica holds no catalogue at all (a laptop that has not synced yet);
  // kInvalidArgument when the catalogue lacks the code or it is withdrawn.
  Result<std::optional<pb::ItemTerms>> TermsForNewCase(const std::string& code);

  // The latest version of every calendar layer held, with its area.
  Result<std::vector<CalendarLayer>> CalendarLayers();
  // The latest version of calendar layer `name` published for `area`; nullopt when none.
  Result<std::optional<pb::Calendar>> LatestCalendar(const std::string& area, const std::string& name);

 private:
  sqlite3* db_;
};

}  // namespace silian::sync
