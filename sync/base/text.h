// Text utilities every layer uses: quoting a value in a message, and the terminal width of UTF-8 text.
// All functions are pure, thread-safe and never throw; any byte string is accepted (invalid UTF-8 too).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace silian {

// `text` in double quotes, as messages show a value, so that an empty or odd value is visible:
// `"` and `\` are escaped with a backslash, \n \r \t as themselves, every other character a terminal
// would act on or that hides text (IsUnsafeForTerminal) as \uXXXX; invalid UTF-8 becomes U+FFFD. Other
// characters, CJK included, are kept as they are: Quote("科右中旗") is "\"科右中旗\"".
std::string Quote(std::string_view text);

// Characters that must never reach a terminal raw from data: C0 controls (U+0000..U+001F: ESC, BEL, CR,
// LF, TAB, ...), DEL, C1 controls (U+0080..U+009F, which some terminals take as CSI and friends), the
// bidirectional controls (U+061C, U+200E, U+200F, U+202A..U+202E, U+2066..U+2069), the line and paragraph
// separators (U+2028, U+2029) and the byte-order mark (U+FEFF).
bool IsUnsafeForTerminal(char32_t cp);

// `text` made safe to print as one value: each IsUnsafeForTerminal character as the six characters
// \uXXXX (ESC is "\u001b"), invalid UTF-8 as U+FFFD; everything else, backslashes included, as it is.
// Idempotent: Printable(Printable(t)) == Printable(t). The same escape as JSON's, so applying it to a
// JSON document leaves a valid document with the same meaning.
std::string Printable(std::string_view text);

// Decodes the UTF-8 sequence at text[*pos] and advances *pos past it. Returns the code point, or -1 for
// an invalid, overlong, surrogate or truncated sequence, after advancing *pos by one byte.
// REQUIRES: *pos < text.size().
int32_t NextCodePoint(std::string_view text, size_t* pos);

// Terminal columns of one code point, by the East Asian Width rule terminals follow: 2 for wide and
// fullwidth characters (CJK ideographs and punctuation, kana, Hangul, fullwidth forms, wide emoji);
// 0 for combining marks, zero-width spaces and joiners and variation selectors; 1 for everything else,
// ambiguous-width characters such as "—" (U+2014) and "→" (U+2192) included.
int CodePointWidth(char32_t cp);

// Terminal columns `text` takes: the sum of CodePointWidth, an invalid byte counting 1.
size_t DisplayWidth(std::string_view text);

enum class Align { kLeft, kRight };

// `text` padded with spaces to `width` columns (by DisplayWidth): after it for kLeft, before it for
// kRight. Text as wide as `width` or wider is returned unchanged.
std::string PadToWidth(std::string_view text, size_t width, Align align = Align::kLeft);

}  // namespace silian
