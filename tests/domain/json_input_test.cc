// domain/json_input.h: the bounded parser of catalogue and calendar files and the plain-text rule.
#include "domain/json_input.h"

#include <catch2/catch.hpp>
#include <string>

namespace silian::sync {
namespace {

std::string Refusal(std::string_view text) {
  auto r = ParseJsonInput(text, "f.json");
  REQUIRE_FALSE(r.ok());
  return r.status().message();
}

TEST_CASE("JSON input: nesting stops at the depth limit without recursion", "[json_input]") {
  CHECK(ParseJsonInput(std::string(kMaxJsonDepth, '[') + std::string(kMaxJsonDepth, ']'), "f.json").ok());
  const std::string one_more = std::string(kMaxJsonDepth + 1, '[') + std::string(kMaxJsonDepth + 1, ']');
  CHECK(Refusal(one_more) == "f.json: JSON nested deeper than 16 levels");
  CHECK(Refusal(std::string(1000000, '[')) == "f.json: JSON nested deeper than 16 levels");
  CHECK(Refusal(std::string(100, '{') ) == "f.json:1: JSON syntax error: syntax error while parsing object key - "
                                          "unexpected '{'; expected string literal");
}

TEST_CASE("JSON input: byte-order marks, size and repeated keys", "[json_input]") {
  auto bom = ParseJsonInput("\xEF\xBB\xBF{\"a\": 1}", "f.json");
  REQUIRE(bom.ok());
  CHECK(bom->at("a") == 1);
  CHECK_THAT(Refusal("\xEF\xBB\xBF\xEF\xBB\xBF{}"), Catch::Contains("two byte-order marks"));
  CHECK_THAT(Refusal(std::string("\x00\x00\xFE\xFF", 4)), Catch::Contains("UTF-32 (big-endian) byte-order mark"));
  CHECK_THAT(Refusal("{\"a\": 1, \"a\": 2}"), Catch::Contains("key \"a\" appears twice in one object"));
  CHECK_THAT(Refusal("{\"a\": \"\xFF\"}"), Catch::StartsWith("f.json:1: JSON syntax error"));
  std::string big(kMaxJsonInputBytes + 1, ' ');
  auto r = ParseJsonInput(big, "f.json");
  CHECK(r.status().code() == StatusCode::kResourceExhausted);
}

TEST_CASE("JSON input: plain text refuses control, bidirectional and BOM characters by code point",
          "[json_input]") {
  CHECK(CheckPlainText("name", "科右中旗 Horqin (ok)").ok());
  CHECK(CheckPlainText("name", "a\tb").message() == "name holds U+0009 (a control character) at character 2");
  CHECK(CheckPlainText("name", "\x7F").message() == "name holds U+007F (a control character) at character 1");
  CHECK(CheckPlainText("name", "登记\xE2\x80\xAD").message() ==
        "name holds U+202D (left-to-right override) at character 3");
  for (const char* bidi : {"\xD8\x9C", "\xE2\x80\x8E", "\xE2\x80\x8F", "\xE2\x80\xAA", "\xE2\x80\xAB", "\xE2\x80\xAC",
                           "\xE2\x80\xAE", "\xE2\x81\xA6", "\xE2\x81\xA7", "\xE2\x81\xA8", "\xE2\x81\xA9",
                           "\xEF\xBB\xBF"}) {
    INFO(bidi);
    CHECK_FALSE(CheckPlainText("name", bidi).ok());
  }
  CHECK(CheckPlainText("name", "\xC0\x80").message() == "name is not valid UTF-8 (byte 1)");
}

}  // namespace
}  // namespace silian::sync
