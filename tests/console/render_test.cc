// Terminal tables and the case view as `case show` prints them (console/render.h).
#include "console/render.h"

#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "base/text.h"

namespace silian::console {
namespace {

using nlohmann::json;

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The display column at which `needle` starts in `line`.
size_t ColumnOf(const std::string& line, const std::string& needle) {
  size_t at = line.find(needle);
  REQUIRE(at != std::string::npos);
  return DisplayWidth(line.substr(0, at));
}

TEST_CASE("Console: table columns align under CJK, dashes, arrows and combining marks", "[console]") {
  std::string table = RenderTable({{"ITEM", "STATE", "N"},
                                   {"居民身份证—换领", "sent", "1"},
                                   {"a→b", "pending", "22"},
                                   {"Cafe\xCC\x81", "failed", "333"},
                                   {"ᠮᠣᠩᠭᠣᠯ", "no_phone", "4"}});
  std::vector<std::string> lines = Lines(table);
  REQUIRE(lines.size() == 5);
  // "居民身份证—换领": 7 wide characters and a one-column dash, then two spaces.
  for (const auto& [line, state] : std::vector<std::pair<std::string, std::string>>{
           {lines[0], "STATE"}, {lines[1], "sent"}, {lines[2], "pending"}, {lines[3], "failed"}, {lines[4], "no_phone"}}) {
    INFO(line);
    CHECK(ColumnOf(line, state) == 17);
  }
  CHECK(ColumnOf(lines[0], "N") == 27);
  CHECK(ColumnOf(lines[3], "333") == 27);
  CHECK(lines[2].back() == '2');  // no trailing spaces
}

TEST_CASE("Console: case show lists materials from either shape of the view", "[console]") {
  json with_history = {{"case_number", "152222104200-01-20260302-0001"},
                       {"materials", json::array({{{"name", "户口簿"}, {"copies", 1}, {"op", "n1:2"},
                                                   {"actor", "agent-1"}, {"time", "2026-03-02T01:00:00.000Z"}}})}};
  json summary = {{"case_number", "152222104200-01-20260302-0001"},
                  {"materials", json::array({json::array({"n1:2", "户口簿", 1, "agent-1"})})}};
  for (const json* view : {&with_history, &summary}) {
    std::string text = RenderCase(*view);
    INFO(text);
    CHECK(text.find("\nmaterials\n  户口簿  copies 1  n1:2  agent-1") != std::string::npos);
  }
}

TEST_CASE("Console: case show quotes values so that quotes and line breaks stay visible", "[console]") {
  json view = {{"history", json::array({{{"op", "n1:3"}, {"kind", "note_added"}, {"text", "said \"no\"\nthen left"}}})}};
  std::string text = RenderCase(view);
  INFO(text);
  CHECK(text.find("\"said \\\"no\\\"\\nthen left\"") != std::string::npos);
}

}  // namespace
}  // namespace silian::console
