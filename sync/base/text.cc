#include "base/text.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <iterator>

namespace silian {
namespace {

struct Range {
  char32_t first;
  char32_t last;
};

// Combining marks (general category Mn/Me in the blocks text here uses), zero-width spaces, joiners and
// marks, Mongolian free variation selectors, variation selectors and the byte order mark. Sorted.
constexpr std::array<Range, 26> kZeroWidth = {{
    {0x0300, 0x036F}, {0x0483, 0x0489}, {0x0591, 0x05BD}, {0x0610, 0x061A}, {0x064B, 0x065F},
    {0x0670, 0x0670}, {0x06D6, 0x06DC}, {0x06DF, 0x06E4}, {0x06E7, 0x06E8}, {0x06EA, 0x06ED},
    {0x180B, 0x180F}, {0x1885, 0x1886}, {0x18A9, 0x18A9}, {0x1AB0, 0x1AFF}, {0x1DC0, 0x1DFF},
    {0x200B, 0x200F}, {0x2060, 0x2064}, {0x20D0, 0x20FF}, {0x302A, 0x302D}, {0x3099, 0x309A},
    {0xFE00, 0xFE0F}, {0xFE20, 0xFE2F}, {0xFEFF, 0xFEFF}, {0x1D167, 0x1D169}, {0xE0001, 0xE007F},
    {0xE0100, 0xE01EF},
}};

// East Asian Width W and F (Unicode 15): Hangul Jamo, CJK radicals, symbols and punctuation, kana,
// Bopomofo, CJK ideographs, Yi, Hangul syllables, compatibility and fullwidth forms, Tangut and kana
// supplements, and the emoji that terminals show two columns wide. Sorted.
constexpr std::array<Range, 70> kWide = {{
    {0x1100, 0x115F},   {0x231A, 0x231B},   {0x2329, 0x232A},   {0x23E9, 0x23EC},   {0x23F0, 0x23F0},
    {0x23F3, 0x23F3},   {0x25FD, 0x25FE},   {0x2614, 0x2615},   {0x2648, 0x2653},   {0x267F, 0x267F},
    {0x2693, 0x2693},   {0x26A1, 0x26A1},   {0x26AA, 0x26AB},   {0x26BD, 0x26BE},   {0x26C4, 0x26C5},
    {0x26CE, 0x26CE},   {0x26D4, 0x26D4},   {0x26EA, 0x26EA},   {0x26F2, 0x26F3},   {0x26F5, 0x26F5},
    {0x26FA, 0x26FA},   {0x26FD, 0x26FD},   {0x2705, 0x2705},   {0x270A, 0x270B},   {0x2728, 0x2728},
    {0x274C, 0x274C},   {0x274E, 0x274E},   {0x2753, 0x2755},   {0x2757, 0x2757},   {0x2795, 0x2797},
    {0x27B0, 0x27B0},   {0x27BF, 0x27BF},   {0x2B1B, 0x2B1C},   {0x2B50, 0x2B50},   {0x2B55, 0x2B55},
    {0x2E80, 0x303E},   {0x3041, 0x33FF},   {0x3400, 0x4DBF},   {0x4E00, 0x9FFF},   {0xA000, 0xA4CF},
    {0xA960, 0xA97F},   {0xAC00, 0xD7A3},   {0xF900, 0xFAFF},   {0xFE10, 0xFE19},   {0xFE30, 0xFE6F},
    {0xFF00, 0xFF60},   {0xFFE0, 0xFFE6},   {0x16FE0, 0x16FE4}, {0x17000, 0x18CFF}, {0x1B000, 0x1B2FF},
    {0x1F004, 0x1F004}, {0x1F0CF, 0x1F0CF}, {0x1F18E, 0x1F18E}, {0x1F191, 0x1F19A}, {0x1F200, 0x1F251},
    {0x1F300, 0x1F320}, {0x1F32D, 0x1F335}, {0x1F337, 0x1F37C}, {0x1F37E, 0x1F393}, {0x1F3A0, 0x1F3CA},
    {0x1F3CF, 0x1F3D3}, {0x1F3E0, 0x1F3F0}, {0x1F3F4, 0x1F3F4}, {0x1F3F8, 0x1F64F}, {0x1F680, 0x1F6FF},
    {0x1F7E0, 0x1F7EB}, {0x1F90C, 0x1F9FF}, {0x1FA70, 0x1FAFF}, {0x20000, 0x2FFFD}, {0x30000, 0x3FFFD},
}};

template <size_t N>
bool InRanges(const std::array<Range, N>& ranges, char32_t cp) {
  auto it = std::upper_bound(ranges.begin(), ranges.end(), cp, [](char32_t c, const Range& r) { return c < r.first; });
  return it != ranges.begin() && cp <= std::prev(it)->last;
}

}  // namespace

int32_t NextCodePoint(std::string_view text, size_t* pos) {
  auto byte = [&](size_t k) { return static_cast<uint8_t>(text[k]); };
  const size_t start = *pos;
  const uint8_t b0 = byte(start);
  ++*pos;
  if (b0 < 0x80) return b0;
  size_t extra;
  int32_t cp;
  int32_t min;
  if ((b0 & 0xE0) == 0xC0) {
    extra = 1, cp = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    extra = 2, cp = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    extra = 3, cp = b0 & 0x07, min = 0x10000;
  } else {
    return -1;
  }
  if (start + extra >= text.size()) return -1;
  for (size_t k = 1; k <= extra; ++k) {
    if ((byte(start + k) & 0xC0) != 0x80) return -1;
    cp = (cp << 6) | (byte(start + k) & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return -1;
  *pos = start + extra + 1;
  return cp;
}

int CodePointWidth(char32_t cp) {
  if (cp < 0x300) return 1;
  if (InRanges(kZeroWidth, cp)) return 0;
  return InRanges(kWide, cp) ? 2 : 1;
}

size_t DisplayWidth(std::string_view text) {
  size_t width = 0;
  for (size_t i = 0; i < text.size();) {
    int32_t cp = NextCodePoint(text, &i);
    width += cp < 0 ? 1 : static_cast<size_t>(CodePointWidth(static_cast<char32_t>(cp)));
  }
  return width;
}

std::string PadToWidth(std::string_view text, size_t width, Align align) {
  size_t w = DisplayWidth(text);
  std::string fill(w < width ? width - w : 0, ' ');
  return align == Align::kRight ? fill + std::string(text) : std::string(text) + fill;
}

bool IsUnsafeForTerminal(char32_t cp) {
  return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x061C || cp == 0x200E || cp == 0x200F ||
         (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x2028 || cp == 0x2029 ||
         cp == 0xFEFF;
}

namespace {

void AppendEscape(std::string* out, char32_t cp) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(cp));
  *out += buf;
}

}  // namespace

std::string Printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    size_t start = i;
    int32_t cp = NextCodePoint(text, &i);
    if (cp < 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD
    } else if (IsUnsafeForTerminal(static_cast<char32_t>(cp))) {
      AppendEscape(&out, static_cast<char32_t>(cp));
    } else {
      out.append(text.substr(start, i - start));
    }
  }
  return out;
}

std::string Quote(std::string_view text) {
  std::string out = "\"";
  out.reserve(text.size() + 2);
  for (size_t i = 0; i < text.size();) {
    size_t start = i;
    int32_t cp = NextCodePoint(text, &i);
    if (cp < 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD
    } else if (cp == '"' || cp == '\\') {
      out += '\\';
      out += static_cast<char>(cp);
    } else if (cp == '\n') {
      out += "\\n";
    } else if (cp == '\r') {
      out += "\\r";
    } else if (cp == '\t') {
      out += "\\t";
    } else if (IsUnsafeForTerminal(static_cast<char32_t>(cp))) {
      AppendEscape(&out, static_cast<char32_t>(cp));
    } else {
      out.append(text.substr(start, i - start));
    }
  }
  return out + "\"";
}

}  // namespace silian
