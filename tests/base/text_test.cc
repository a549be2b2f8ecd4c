// Quoting values in messages and the terminal width of UTF-8 text (base/text.h).
#include "base/text.h"

#include <string>

#include <catch2/catch.hpp>

namespace silian {
namespace {

TEST_CASE("Text: Quote shows a value in double quotes, escaping what would hide or break it", "[text]") {
  CHECK(Quote("") == "\"\"");
  CHECK(Quote("1502") == "\"1502\"");
  CHECK(Quote("科右中旗") == "\"科右中旗\"");
  CHECK(Quote("say \"hi\"") == "\"say \\\"hi\\\"\"");
  CHECK(Quote("C:\\ledger") == "\"C:\\\\ledger\"");
  CHECK(Quote("two\nlines\tand\r") == "\"two\\nlines\\tand\\r\"");
  CHECK(Quote(std::string("nul\0bell\x07 del\x7f", 14)) == "\"nul\\u0000bell\\u0007 del\\u007f\"");
  // A message stays valid UTF-8 whatever the value held.
  CHECK(Quote("bad \xE4\xB8 end") == "\"bad \xEF\xBF\xBD\xEF\xBF\xBD end\"");
  CHECK(Quote("\xC0\xAF") == "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");  // overlong '/'
}

TEST_CASE("Text: NextCodePoint decodes UTF-8 and steps over invalid bytes one at a time", "[text]") {
  std::string s = "a中\xF0\x9F\x98\x80\xFF";
  size_t i = 0;
  CHECK(NextCodePoint(s, &i) == 'a');
  CHECK(i == 1);
  CHECK(NextCodePoint(s, &i) == 0x4E2D);
  CHECK(i == 4);
  CHECK(NextCodePoint(s, &i) == 0x1F600);
  CHECK(i == 8);
  CHECK(NextCodePoint(s, &i) == -1);
  CHECK(i == 9);
  std::string truncated = "\xE4\xB8";
  i = 0;
  CHECK(NextCodePoint(truncated, &i) == -1);
  CHECK(i == 1);
  std::string surrogate = "\xED\xA0\x80";
  i = 0;
  CHECK(NextCodePoint(surrogate, &i) == -1);
}

TEST_CASE("Text: DisplayWidth counts East Asian wide characters 2, combining marks 0, the rest 1", "[text]") {
  CHECK(DisplayWidth("") == 0);
  CHECK(DisplayWidth("status") == 6);
  CHECK(DisplayWidth("科右中旗") == 8);          // CJK ideographs
  CHECK(DisplayWidth("，。「」") == 8);          // CJK and fullwidth punctuation
  CHECK(DisplayWidth("ＡＢ１") == 6);            // fullwidth forms
  CHECK(DisplayWidth("한국어") == 6);            // Hangul
  CHECK(DisplayWidth("カタカナ") == 8);          // kana
  CHECK(DisplayWidth("—") == 1);                 // em dash: three bytes, one column
  CHECK(DisplayWidth("→") == 1);                 // arrow: three bytes, one column
  CHECK(DisplayWidth("a — b → c") == 9);
  CHECK(DisplayWidth("é") == 1);                 // precomposed
  CHECK(DisplayWidth("e\xCC\x81") == 1);         // e + combining acute accent
  CHECK(DisplayWidth("a\xE2\x80\x8B" "b") == 2);  // zero-width space
  CHECK(DisplayWidth("ᠮᠣᠩᠭᠣᠯ") == 6);            // Mongolian script is narrow
  CHECK(DisplayWidth("\xF0\x9F\x98\x80") == 2);  // emoji
  CHECK(DisplayWidth("\xFF\xFE") == 2);          // an invalid byte counts one column
}

TEST_CASE("Text: PadToWidth pads by columns, not bytes", "[text]") {
  CHECK(PadToWidth("ab", 4) == "ab  ");
  CHECK(PadToWidth("中", 4) == "中  ");
  CHECK(PadToWidth("—", 3) == "—  ");
  CHECK(PadToWidth("7", 3, Align::kRight) == "  7");
  CHECK(PadToWidth("科右中旗", 4) == "科右中旗");
  CHECK(PadToWidth("科右中旗", 2, Align::kRight) == "科右中旗");
}

}  // namespace
}  // namespace silian
