// Human-readable text for the programs' outputs. Pure functions over the store's values and JSON views;
// they tolerate missing keys (an older or newer view shape prints what it has).
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <ostream>
#include <streambuf>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "domain/store.h"
#include "domain/workflow.h"

namespace silian::console {

// While it lives, every byte written to `stream` (the programs' stdout) passes through base/text.h
// Printable, except line ends ("\n", and "\r\n" as CSV writes them): a last guard, so that nothing a
// command prints from the ledger can drive the terminal (ESC sequences, BEL, a lone CR, C1 controls,
// bidirectional overrides), whatever command printed it. JSON output keeps its meaning (the escape is
// JSON's). UTF-8 sequences split across writes are joined first. The destructor flushes and puts the
// stream's own buffer back. Not thread-safe (neither is the stream).
class TerminalGuard {
 public:
  explicit TerminalGuard(std::ostream& stream);
  ~TerminalGuard();
  TerminalGuard(const TerminalGuard&) = delete;
  TerminalGuard& operator=(const TerminalGuard&) = delete;

 private:
  class Filter;
  std::ostream& stream_;
  std::unique_ptr<Filter> filter_;
  std::streambuf* original_;
};

// Rows of cells as aligned columns (by base/text.h DisplayWidth, so CJK and "—" align) separated by two
// spaces; the first row is the heading. Trailing spaces are trimmed. Every cell is printed through
// Printable, so a value with a control character cannot break the table or the terminal.
std::string RenderTable(const std::vector<std::vector<std::string>>& rows);

// `case list`: the item column shows the catalogue name of each case's item code (`item_names`, code to
// name; the code itself when absent), times in China Standard Time.
std::string RenderCaseList(const std::vector<sync::CaseSummary>& cases,
                           const std::map<std::string, std::string>& item_names = {});
nlohmann::json CaseSummaryJson(const sync::CaseSummary& c);

// `case show`: the case view of sync::CaseProjection::view. Times in China Standard Time (+08:00), money in
// yuan; the timeline, special procedures and extensions; the clocks of a stopped case say when it finished
// and how many working days ahead, not days "left".
std::string RenderCase(const nlohmann::json& view);

// One open conflict (an object of LedgerStore::ListConflicts or a case view's "conflicts").
std::string RenderConflict(const nlohmann::json& conflict);

// `supervise`: one row per problem, with the case's division and the organ responsible (the node and the
// staff member who accepted the case, else who received it: SupervisionItem::responsible_*).
std::string RenderSupervision(const std::vector<sync::SupervisionItem>& items);

// Writes the UTF-8 byte-order mark to stdout, ahead of CSV meant for Excel (`--excel`): Excel on a Chinese
// Windows desktop reads a CSV without it as GBK. It goes past TerminalGuard, which escapes U+FEFF in
// everything else (a value from the ledger must not hide one). REQUIRES: nothing written to std::cout yet.
void WriteUtf8Bom();

// `status`.
std::string RenderStatus(const sync::StoreStatus& status);
nlohmann::json StatusJson(const sync::StoreStatus& status);

}  // namespace silian::console
