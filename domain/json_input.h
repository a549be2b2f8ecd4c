// JSON files given to the programs (the catalogue, calendars): the one bounded parser, and the rule for the
// text such files may hold. A file is input from outside and is checked as strictly as anything the
// programs author themselves (docs/catalog-format.md, "Limits and text").
//
// Pure (no I/O) and thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace silian::sync {

// Largest catalogue or calendar file read (checked before the file is read: base/files.h ReadFileBounded).
inline constexpr uint64_t kMaxJsonInputBytes = 16ull << 20;
// Deepest nesting of arrays and objects in such a file (the formats need 4).
inline constexpr int kMaxJsonDepth = 16;

// Parses `text`, the content of the file named `source` in messages. Refuses, with kInvalidArgument
// (kResourceExhausted for the size) naming the source:
//   - more than kMaxJsonInputBytes bytes:         "catalog.json has 20000000 bytes; the limit is 16777216"
//   - nesting deeper than kMaxJsonDepth:          "catalog.json:1: JSON nested deeper than 16 levels"
//   - a syntax error, invalid UTF-8 included:     "catalog.json:12: JSON syntax error: ..."
//   - a key repeated in one object:               "catalog.json: key \"format\" appears twice in one object"
//   - a UTF-16 or UTF-32 byte-order mark:         "catalog.json starts with a UTF-16 (little-endian) byte-order
//                                                  mark; save the file as UTF-8"
// A UTF-8 byte-order mark (EF BB BF) at the very start is accepted and stripped (editors on Windows write
// one); a second one, or U+FEFF anywhere else, is refused like any other character out of place.
Result<nlohmann::json> ParseJsonInput(std::string_view text, std::string_view source);

// The rule for human text in catalogues and calendars (names, departments, materials, fee bases,
// reasons): valid UTF-8 with no control character (U+0000..U+001F, U+007F..U+009F), no bidirectional
// formatting character (U+061C, U+200E, U+200F, U+202A..U+202E, U+2066..U+2069) and no U+FEFF. Such
// characters can make a name display as another or hide text on a terminal or a printed notice.
// kInvalidArgument naming `field`, the code point and its position (1-based, in characters); the value
// itself is not echoed, since it is what would mislead:
//   catalog.json: items[0] ("C1") name holds U+202E (right-to-left override) at character 3
Status CheckPlainText(const std::string& field, std::string_view value);

}  // namespace silian::sync
