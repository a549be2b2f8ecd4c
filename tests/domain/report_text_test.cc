// The report's text table and its rectification-days option (domain/workflow.h), as a clerk reads them.
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "base/text.h"
#include "domain/workflow.h"

namespace silian::sync {
namespace {

Date D(const char* text) {
  Result<Date> d = ParseDate(text);
  REQUIRE(d.ok());
  return *d;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST_CASE("Report: text columns align when groups hold CJK, \"—\" and \"→\"", "[report]") {
  ReportOptions o;
  o.from = D("2026-03-01");
  o.to = D("2026-03-31");
  o.today = D("2026-03-31");
  o.by = "node";
  std::vector<ReportRow> rows(4);
  rows[0].group = "科右中旗—巴彦呼舒镇";
  rows[1].group = "township→county";
  rows[2].group = "a";
  rows[3].group = "ᠬᠣᠷᠴᠢᠨ";  // Mongolian script: narrow
  rows[0].received = 12345;
  rows[1].fees_charged_fen = 800000;
  ReportRow total;
  total.received = 12345;
  std::vector<std::string> lines = Lines(RenderReportText(o, rows, total));
  REQUIRE(lines.size() == 1 + 1 + rows.size() + 1);  // title, header, rows, total
  // Every column but the first is right-aligned, so aligned columns make every line equally wide.
  const size_t width = DisplayWidth(lines[1]);
  for (size_t i = 2; i < lines.size(); ++i) {
    INFO(lines[1] << "\n" << lines[i]);
    CHECK(DisplayWidth(lines[i]) == width);
  }
  // The second column starts where the widest group ends, plus the two spaces between columns.
  CHECK(lines[2].find("科右中旗—巴彦呼舒镇  ") == 0);
  CHECK(lines[4].find("a                    ") == 0);
}

TEST_CASE("Report: rectification days are 1 to 365 working days, and a wrong value is named", "[report]") {
  CHECK(kDefaultRectificationWd == 15);
  CHECK(*ParseRectificationDays("rectification-days", "1") == 1);
  CHECK(*ParseRectificationDays("rectification-days", "15") == 15);
  CHECK(*ParseRectificationDays("rectification-days", "365") == 365);
  for (const char* bad : {"0", "366", "", "-1", "15 ", "1e2", "abc", "0015"}) {
    INFO(bad);
    Result<int> r = ParseRectificationDays("setting rectification-days", bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == StatusCode::kInvalidArgument);
    CHECK(r.status().message() == "setting rectification-days " + Quote(bad) +
                                      " must be a number of working days, 1 to 365");
  }
}

}  // namespace
}  // namespace silian::sync
