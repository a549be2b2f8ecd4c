// Terminal tables and the case view as `case show` prints them (console/render.h).
#include "console/render.h"

#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "base/text.h"
#include "domain/workflow.h"

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

// Whether `text` holds a byte a terminal acts on, other than the line feed that ends each line.
bool HasRawControl(const std::string& text) {
  for (size_t i = 0; i < text.size();) {
    int32_t cp = NextCodePoint(text, &i);
    if (cp < 0 || (cp != '\n' && IsUnsafeForTerminal(static_cast<char32_t>(cp)))) return true;
  }
  return false;
}

// What an attacker puts in a value: clear the screen, retitle the window, ring, overwrite the line,
// a C1 CSI, a right-to-left override, and a line of its own.
const std::string kHostile =
    "A\x1b[2J\x1b]0;pwned\x07" "B\rC\xc2\x9b" "31mD\xe2\x80\xae" "exe.txt\nstatus  approved";

TEST_CASE("Console: case list prints ledger values with their control characters made visible", "[console]") {
  sync::CaseSummary c;
  c.case_id = "n1:1\x1b[31m";
  c.case_number = "152222104200-01-20260101-0001";
  c.status = "received";
  c.applicant_name = kHostile;
  c.item_code = "ITEM\x07";
  std::string text = RenderCaseList({c});
  INFO(text);
  CHECK_FALSE(HasRawControl(text));
  CHECK(Lines(text).size() == 2);  // the heading and one row: the value's line feed is shown, not obeyed
  CHECK_THAT(text, Catch::Contains("A\\u001b[2J\\u001b]0;pwned\\u0007B\\u000dC\\u009b31mD\\u202eexe.txt\\u000astatus"));
  CHECK_THAT(text, Catch::Contains("n1:1\\u001b[31m"));
}

TEST_CASE("Console: case show and conflicts never print a control character from the ledger", "[console]") {
  json conflict = {{"id", "n1:1/field/applicant_name"}, {"case_id", "n1:1"}, {"kind", "field"},
                   {"field", "applicant_name"}, {"provisional", kHostile},
                   {"candidates", json::array({{{"op", "n2:2"}, {"actor", kHostile}, {"value", kHostile}}})}};
  json view = {{"case_number", kHostile},
               {"case_id", "n1:1"},
               {"status", kHostile},
               {"fields", {{"applicant_name", {{"value", kHostile}, {"op", "n1:1"}}}, {kHostile, {{"value", "x"}}}}},
               {"notes", json::array({{{"time", "t"}, {"op", "n1:2"}, {"actor", kHostile}, {"text", kHostile}}})},
               {"history", json::array({{{"op", "n1:2"}, {"actor", kHostile}, {"kind", "note_added"}, {"text", kHostile}},
                                         {{"op", "n1:3"}, {"kind", "transition"}, {"action", kHostile},
                                          {"reason", kHostile}, {"from", "received"}}})},
               {"certificate", {{"certificate_name", kHostile}}},
               {"departments", {{kHostile, {{"decision", kHostile}, {"opinion", kHostile}}}}},
               {"conflicts", json::array({conflict})}};
  for (const std::string& text : {RenderCase(view), RenderConflict(conflict)}) {
    INFO(text);
    CHECK_FALSE(HasRawControl(text));
    CHECK_THAT(text, Catch::Contains("\\u001b[2J"));
    for (const auto& line : Lines(text)) CHECK(line.rfind("status  approved", 0) == std::string::npos);
  }
}

TEST_CASE("Console: the output guard escapes what any command prints, keeping line ends and split characters",
          "[console]") {
  std::ostringstream out;
  {
    TerminalGuard guard(out);
    out << "ok\n" << "esc \x1b[31m red\n" << "csv,line\r\n" << "lone\rcr\n";
    out << "\xe7\x8e";  // 王 (U+738B) written in two parts
    out.flush();
    out << "\x8b \xe2\x80";
    out << "\xae" "x\n";
    out << "{\"name\": \"\xe2\x80\xae\"}\n";
    out << "tail\r";
  }
  CHECK(out.str() ==
        "ok\nesc \\u001b[31m red\ncsv,line\r\nlone\\u000dcr\n\xe7\x8e\x8b \\u202ex\n{\"name\": \"\\u202e\"}\ntail\\u000d");
  // JSON keeps its meaning: the escape is JSON's.
  CHECK(json::parse("{\"name\": \"\\u202e\"}")["name"] == "\xe2\x80\xae");
}

TEST_CASE("Console: CSV report cells that a spreadsheet would run as formulas are neutralised", "[console]") {
  std::vector<sync::ReportRow> rows(5);
  rows[0].group = "=cmd|' /C calc'!A0";
  rows[1].group = "+1+1";
  rows[2].group = "-2+3";
  rows[3].group = "@SUM(A1)";
  rows[4].group = "\tleading tab";
  sync::ReportRow total;
  std::string csv = sync::RenderReportCsv(rows, total);
  INFO(csv);
  CHECK_THAT(csv, Catch::Contains("\r\n'=cmd|' /C calc'!A0,"));
  CHECK_THAT(csv, Catch::Contains("\r\n'+1+1,"));
  CHECK_THAT(csv, Catch::Contains("\r\n'-2+3,"));
  CHECK_THAT(csv, Catch::Contains("\r\n'@SUM(A1),"));
  CHECK_THAT(csv, Catch::Contains("\r\n'\tleading tab,"));
  CHECK_THAT(csv, Catch::Contains("\r\ntotal,0,"));  // numbers and plain text unchanged
}

}  // namespace
}  // namespace silian::console

namespace silian::console {
namespace {

// 2026-03-02 01:30:00 UTC = 09:30 China Standard Time.
constexpr uint64_t kMarch2At0130Utc = 1772415000000ull;

json FinishedView() {
  return {{"case_number", "152222104200-01-20260302-0001"},
          {"last_update", "2026-03-02T01:30:00.000Z"},
          {"timeline", {{"received", kMarch2At0130Utc}, {"accepted", kMarch2At0130Utc}, {"decided", kMarch2At0130Utc + 86400000ull * 9}}},
          {"handled_by", {{"accepted", {{"node", "hall-1"}, {"actor", "clerk-7"}, {"level", "township"}}}}},
          {"suspensions", json::array({{{"start", kMarch2At0130Utc + 86400000ull}, {"end", kMarch2At0130Utc + 86400000ull * 3},
                                        {"procedure", "site_inspection"}, {"reason", "现场核查"}, {"op", "h:5"}}})},
          {"extensions", json::array({{{"days", 5}, {"reason", "情况复杂"}, {"op", "h:6"}}})},
          {"fees", {{"charged_fen", 9000}, {"paid_fen", 9000}, {"refunded_fen", 0},
                    {"entries", json::array({{{"kind", "charge"}, {"name", "登记费"}, {"amount_fen", 9000}, {"op", "h:7"},
                                              {"time", kMarch2At0130Utc}}})}}},
          {"delivery", {{"method", "window"}, {"op", "h:9"}, {"actor", "clerk-7"}, {"time", kMarch2At0130Utc}}},
          {"clocks", {{"stage", "stopped"}, {"started", true}, {"start", "2026-03-02"},
                      {"legal", {{"due", "2026-04-08"}, {"remaining_wd", 18}, {"used_wd", 7}, {"paused_wd", 2},
                                 {"ahead_wd", 18}, {"state", "met"}, {"provisional", false}}},
                      {"promised", {{"due", "2026-03-18"}, {"remaining_wd", 4}, {"used_wd", 7}, {"paused_wd", 2},
                                    {"ahead_wd", 4}, {"state", "met"}, {"provisional", false}}}}}};
}

TEST_CASE("Console: case show prints times in China Standard Time and money in yuan", "[console]") {
  std::string text = RenderCase(FinishedView());
  INFO(text);
  CHECK_THAT(text, Catch::Contains("last update  2026-03-02 09:30 +08:00"));
  CHECK_THAT(text, Catch::Contains("received  2026-03-02 09:30 +08:00"));
  CHECK_THAT(text, Catch::Contains("accepted  2026-03-02 09:30 +08:00  hall-1/clerk-7 (township)"));
  CHECK_THAT(text, Catch::Contains("fees (yuan)"));
  CHECK_THAT(text, Catch::Contains("charged   90.00"));
  CHECK_THAT(text, Catch::Contains("time    2026-03-02 09:30 +08:00"));  // the delivery, not milliseconds
  CHECK(text.find(std::to_string(kMarch2At0130Utc)) == std::string::npos);
  CHECK(text.find("01:30") == std::string::npos);
  CHECK(text.find("(fen)") == std::string::npos);
}

TEST_CASE("Console: case show of a finished case says when it finished and how far ahead, not days left",
          "[console]") {
  std::string text = RenderCase(FinishedView());
  INFO(text);
  CHECK_THAT(text, Catch::Contains("promised  due 2026-03-18, met: finished 2026-03-11, 4 working days ahead; used 7 "
                                   "working days; paused 2 working days; extended 5 days"));
  CHECK(text.find("left") == std::string::npos);
}

TEST_CASE("Console: case show lists special procedures with their dates and extensions with their days",
          "[console]") {
  std::string text = RenderCase(FinishedView());
  INFO(text);
  CHECK_THAT(text, Catch::Contains("suspensions and extensions"));
  CHECK_THAT(text, Catch::Contains("suspended  site_inspection  2026-03-03 09:30 +08:00  2026-03-05 09:30 +08:00  \"现场核查\""));
  CHECK_THAT(text, Catch::Contains("extended   +5 days"));
}

TEST_CASE("Console: a running clock says the working days left", "[console]") {
  json view = FinishedView();
  view["clocks"]["stage"] = "running";
  view["clocks"]["promised"]["state"] = "warning";
  view["clocks"]["promised"]["remaining_wd"] = 1;
  std::string text = RenderCase(view);
  INFO(text);
  CHECK_THAT(text, Catch::Contains("promised  due 2026-03-18, 1 working days left (warning); paused 2 working days"));
}

TEST_CASE("Console: case list names the item and prints the update time in China Standard Time", "[console]") {
  sync::CaseSummary c;
  c.case_id = "n1:1";
  c.case_number = "152222104200-01-20260101-0001";
  c.status = "received";
  c.item_code = "ITEM-1";
  c.last_update = "2026-03-02T16:30:00.000Z";
  std::string text = RenderCaseList({c}, {{"ITEM-1", "高龄津贴申请"}});
  INFO(text);
  CHECK_THAT(text, Catch::Contains("高龄津贴申请"));
  CHECK_THAT(text, Catch::Contains("2026-03-03 00:30"));
  CHECK(text.find("ITEM-1") == std::string::npos);
  CHECK_THAT(RenderCaseList({c}), Catch::Contains("ITEM-1"));  // an item the catalogue lacks: its code
}

}  // namespace
}  // namespace silian::console

namespace silian::console {
namespace {

TEST_CASE("Console: case show history names fees in yuan and department decisions", "[console]") {
  nlohmann::json view = {
      {"history", nlohmann::json::array({{{"op", "h:7"}, {"kind", "fee_recorded"}, {"fee", "charge"}, {"amount_fen", 9000}},
                                         {{"op", "h:8"}, {"kind", "department_decision"}, {"department", "公安局"},
                                          {"decision", "deny"}, {"opinion", "不符合"}}})}};
  std::string text = RenderCase(view);
  INFO(text);
  CHECK_THAT(text, Catch::Contains("charge 90.00 yuan"));
  CHECK_THAT(text, Catch::Contains("公安局: deny; opinion \"不符合\""));
}

}  // namespace
}  // namespace silian::console
