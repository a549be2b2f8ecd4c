// Human-readable text for the programs' outputs. Pure functions over the store's values and JSON views;
// they tolerate missing keys (an older or newer view shape prints what it has).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "domain/store.h"

namespace silian::console {

// Rows of cells as aligned columns (by base/text.h DisplayWidth, so CJK and "—" align) separated by two
// spaces; the first row is the heading. Trailing spaces are trimmed.
std::string RenderTable(const std::vector<std::vector<std::string>>& rows);

// `case list`.
std::string RenderCaseList(const std::vector<sync::CaseSummary>& cases);
nlohmann::json CaseSummaryJson(const sync::CaseSummary& c);

// `case show`: the case view of sync::CaseProjection::view.
std::string RenderCase(const nlohmann::json& view);

// One open conflict (an object of LedgerStore::ListConflicts or a case view's "conflicts").
std::string RenderConflict(const nlohmann::json& conflict);

// `status`.
std::string RenderStatus(const sync::StoreStatus& status);
nlohmann::json StatusJson(const sync::StoreStatus& status);

}  // namespace silian::console
