#include "console/support.h"

#include <cstdlib>
#include <iostream>

#include "base/hlc.h"
#include "console/unlock_session.h"

namespace silian::console {

std::string Said(const GlobalOptions& g, std::string_view key,
                 const std::vector<std::pair<std::string, std::string>>& params) {
  const i18n::Catalogue& c = i18n::Catalogue::Embedded();
  if (auto text = c.Say(key, g.lang, params, i18n::Catalogue::Values::kWhole)) return *text;
  if (auto text = c.Say(key, i18n::Lang::kEn, params, i18n::Catalogue::Values::kWhole)) return *text;
  return std::string(key);  // tests/i18n check that every key the programs say is in the catalogue
}

std::string LevelSaid(const GlobalOptions& g, const std::string& level) {
  const i18n::Catalogue& c = i18n::Catalogue::Embedded();
  if (auto text = c.Find("level." + level, g.lang)) return *text;
  return level;
}

int ExitCodeFor(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return 0;
    case StatusCode::kInvalidArgument:
    case StatusCode::kNotFound:
    case StatusCode::kFailedPrecondition:
    case StatusCode::kPermissionDenied:
    case StatusCode::kDataLoss:
    case StatusCode::kResourceExhausted:
      return 2;
    case StatusCode::kUnavailable:
    case StatusCode::kInternal:
      return 1;
  }
  return 1;
}

sync::Date Today() { return sync::DateOfUnixMs(sync::SystemWallClock().NowMs()); }

Status WithContext(const Status& status, std::string_view subject, const std::string& context) {
  if (status.ok()) return status;
  if (!subject.empty() && status.message().find(subject) != std::string::npos) return status;
  return status.WithMessage(context + ": " + status.message());
}

Result<std::unique_ptr<sync::LedgerStore>> OpenLedger(const GlobalOptions& g) {
  if (g.db_path.empty()) return InvalidArgument("no ledger given: pass --db PATH or set SILIAN_DB");
  sync::LedgerStore::Options options;
  SILIAN_ASSIGN_OR_RETURN(options.sealer, SessionSealer(g.db_path));  // an encrypted ledger needs its key
  auto store = sync::LedgerStore::Open(g.db_path, options);
  if (!store.ok()) return WithContext(store.status(), g.db_path, "ledger " + Quote(g.db_path));
  return store;
}

void PrintJson(const nlohmann::json& value) {
  std::cout << value.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
}

void PrintOpId(const GlobalOptions& g, const sync::OpId& op) {
  if (g.json) {
    PrintJson({{"op", op.ToString()}});
  } else {
    std::cout << op.ToString() << '\n';
  }
}

}  // namespace silian::console
