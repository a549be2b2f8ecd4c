// Helpers shared by the commands of silian-node and silian-hub: the global options, exit codes, opening the
// ledger, the acting person, error context, and JSON output.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "console/said_keys.h"
#include "base/text.h"
#include "domain/calendar.h"
#include "domain/store.h"
#include "i18n/catalogue.h"

namespace silian::console {

struct GlobalOptions {
  std::string db_path;  // --db or SILIAN_DB; empty when neither was given
  bool json = false;
  std::string lang_option;         // --lang or SILIAN_LANG as given; "" when neither
  i18n::Lang lang = i18n::Lang::kEn;  // the language the program speaks (Program resolves it after the parse)
};

// 0 for kOk; 2 for bad usage or bad input (kInvalidArgument, kNotFound, kFailedPrecondition, kDataLoss,
// kResourceExhausted); 1 for failures (kUnavailable, kInternal).
int ExitCodeFor(StatusCode code);

// Opens the ledger named by --db / SILIAN_DB. kInvalidArgument when neither was given; otherwise the
// store's error, with the path added when the message does not already name it.
Result<std::unique_ptr<sync::LedgerStore>> OpenLedger(const GlobalOptions& g);


// Returns `status` with "<context>: " in front of its message, unless the message already contains
// `subject` (a path or id the store's message names by itself). OK statuses pass through.
Status WithContext(const Status& status, std::string_view subject, const std::string& context);

// Today's date in China Standard Time, from the system clock: the day clocks and calendars count from.
sync::Date Today();

// Prints the id of an op just written: the id alone, or {"op": "..."} with --json.
void PrintOpId(const GlobalOptions& g, const sync::OpId& op);

// The catalogue's text of `key` in the chosen language with its {name} parameters (a success line); the
// English text when the catalogue has none in that language.
std::string Said(const GlobalOptions& g, std::string_view key,
                 const std::vector<std::pair<std::string, std::string>>& params);

// A level name ("county") in the language asked (the catalogue's level.<name>), or as given when the
// catalogue has no such entry.
std::string LevelSaid(const GlobalOptions& g, const std::string& level);

// A value as a catalogue parameter: text as it is, a number in decimal.
inline std::string SaidValue(std::string v) { return v; }
inline std::string SaidValue(const char* v) { return v; }
template <typename T, typename = std::enable_if_t<std::is_arithmetic_v<T>>>
std::string SaidValue(T v) { return std::to_string(v); }

// The line of `key` (console/said_keys.h) with `values` for its parameters, in their order.
template <size_t N, typename... V>
std::string Said(const GlobalOptions& g, const MessageKey<N>& key, V&&... values) {
  static_assert(sizeof...(V) == N, "one value per parameter of the key");
  std::vector<std::pair<std::string, std::string>> params;
  size_t i = 0;
  ((params.emplace_back(std::string(key.params[i++]), SaidValue(std::forward<V>(values)))), ...);
  return Said(g, key.id, params);
}

// Writes one JSON document to stdout: indented by 2, keys sorted, invalid UTF-8 replaced rather than
// thrown on, so the same value always prints the same bytes.
void PrintJson(const nlohmann::json& value);

}  // namespace silian::console
