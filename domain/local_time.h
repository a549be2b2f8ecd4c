// Times as people in the service network read them: China Standard Time (UTC+8, no daylight saving).
// The ledger and every JSON output keep UTC ("2026-11-29T18:36:47.123Z", the "Z" stating the offset);
// text output and printed documents show these. Pure, thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace silian::sync {

// "2026-11-30 02:36 +08:00" for a Unix time in milliseconds.
std::string CstDateTime(uint64_t unix_ms);
// "2026-11-30" (the China Standard Time calendar day).
std::string CstDateText(uint64_t unix_ms);
// The Unix milliseconds of strict "YYYY-MM-DDTHH:MM:SS[.fff]Z" (what HlcToIso writes); nullopt otherwise.
std::optional<uint64_t> ParseUtcIso(std::string_view iso);
// CstDateTime of an ISO UTC text, or the text unchanged when it is not one (an older or foreign view).
std::string CstFromIso(std::string_view iso);

}  // namespace silian::sync
