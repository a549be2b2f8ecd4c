#include "domain/json_input.h"

#include <algorithm>
#include <cstdio>
#include <set>
#include <vector>

#include "base/text.h"

namespace silian::sync {
namespace {

using nlohmann::json;

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

// Thrown by the parse callback to stop at once; caught in ParseJsonInput.
struct TooDeep {};

// The name of a byte-order mark other than UTF-8's at the start of `text`, or nullptr.
const char* ForeignBom(std::string_view text) {
  if (text.starts_with(std::string_view("\x00\x00\xFE\xFF", 4))) return "UTF-32 (big-endian)";
  if (text.starts_with(std::string_view("\xFF\xFE\x00\x00", 4))) return "UTF-32 (little-endian)";
  if (text.starts_with("\xFE\xFF")) return "UTF-16 (big-endian)";
  if (text.starts_with("\xFF\xFE")) return "UTF-16 (little-endian)";
  return nullptr;
}

// 1-based line of the byte nlohmann names (1-based, the byte just read).
size_t LineOf(std::string_view text, size_t byte) {
  const size_t end = std::min(byte == 0 ? 0 : byte - 1, text.size());
  return 1 + static_cast<size_t>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(end), '\n'));
}

// nlohmann's message without its "[json.exception.parse_error.101] parse error at line 1, column 2: " lead-in.
std::string SyntaxDetail(const json::parse_error& e) {
  std::string what = e.what();
  size_t pe = what.find("parse error");
  size_t colon = pe == std::string::npos ? std::string::npos : what.find(": ", pe);
  return colon == std::string::npos ? what : what.substr(colon + 2);
}

// What a refused code point is, or nullptr when text may hold it.
// The name of a character no text may hold (base/text.h IsUnsafeForTerminal: the one definition of the set),
// or nullptr for any other.
const char* RefusedKind(int32_t cp) {
  if (!IsUnsafeForTerminal(static_cast<char32_t>(cp))) return nullptr;
  switch (cp) {
    case 0x061C: return "arabic letter mark";
    case 0x200E: return "left-to-right mark";
    case 0x200F: return "right-to-left mark";
    case 0x202A: return "left-to-right embedding";
    case 0x202B: return "right-to-left embedding";
    case 0x202C: return "pop directional formatting";
    case 0x202D: return "left-to-right override";
    case 0x202E: return "right-to-left override";
    case 0x2066: return "left-to-right isolate";
    case 0x2067: return "right-to-left isolate";
    case 0x2068: return "first strong isolate";
    case 0x2069: return "pop directional isolate";
    case 0x2028: return "line separator";
    case 0x2029: return "paragraph separator";
    case 0xFEFF: return "byte-order mark";
    default: return "a control character";
  }
}

std::string CodePointName(int32_t cp) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(cp));
  return buf;
}

}  // namespace

Result<json> ParseJsonInput(std::string_view text, std::string_view source) {
  const std::string src(source);
  if (text.size() > kMaxJsonInputBytes)
    return ResourceExhausted(src + " has " + std::to_string(text.size()) + " bytes; the limit is " +
                             std::to_string(kMaxJsonInputBytes));
  if (const char* bom = ForeignBom(text))
    return InvalidArgument(src + " starts with a " + bom + " byte-order mark; save the file as UTF-8");
  if (text.starts_with(kUtf8Bom)) text.remove_prefix(kUtf8Bom.size());
  // nlohmann would skip a UTF-8 mark silently; one is accepted above, a second is not.
  if (text.starts_with(kUtf8Bom))
    return InvalidArgument(src + " starts with two byte-order marks (U+FEFF); save the file as UTF-8 with at most one");

  // nlohmann keeps the last of repeated keys; a repeated key is as likely a mistake as a typo, so the parse
  // callback records the first one and the file is refused. It also stops the parse at kMaxJsonDepth.
  std::vector<std::set<std::string>> open_objects;
  std::string repeated_key;
  auto callback = [&](int depth, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::object_start || event == json::parse_event_t::array_start) {
      if (depth >= kMaxJsonDepth) throw TooDeep{};
      if (event == json::parse_event_t::object_start) open_objects.emplace_back();
    } else if (event == json::parse_event_t::object_end) {
      if (!open_objects.empty()) open_objects.pop_back();
    } else if (event == json::parse_event_t::key && !open_objects.empty()) {
      std::string key = parsed.get<std::string>();
      if (!open_objects.back().insert(key).second && repeated_key.empty()) repeated_key = key;
    }
    return true;
  };
  json doc;
  try {
    doc = json::parse(text.begin(), text.end(), callback);
  } catch (const TooDeep&) {
    return InvalidArgument(src + ": JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  } catch (const json::parse_error& e) {
    return InvalidArgument(src + ":" + std::to_string(LineOf(text, e.byte)) + ": JSON syntax error: " +
                           SyntaxDetail(e));
  } catch (const json::exception& e) {
    return InvalidArgument(src + ": JSON error: " + e.what());
  }
  if (!repeated_key.empty())
    return InvalidArgument(src + ": key " + Quote(repeated_key) + " appears twice in one object");
  return doc;
}

Status CheckPlainText(const std::string& field, std::string_view value) {
  size_t chars = 0;
  for (size_t i = 0; i < value.size();) {
    const size_t at = i;
    int32_t cp = NextCodePoint(value, &i);
    ++chars;
    if (cp < 0)
      return InvalidArgument(field + " is not valid UTF-8 (byte " + std::to_string(at + 1) + ")");
    if (const char* kind = RefusedKind(cp))
      return InvalidArgument(field + " holds " + CodePointName(cp) + " (" + kind + ") at character " +
                             std::to_string(chars));
  }
  return Status::Ok();
}

}  // namespace silian::sync
