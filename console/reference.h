// Views of the reference data a replica holds (item catalogue, working-day calendars) and the workflow
// commands that read it, shared by silian-node, silian-hub and silian-admin. Each prints to stdout (text,
// or one JSON document with --json) and returns a Status naming the problem and the value.
#pragma once

#include <cstdint>
#include <optional>
#include <string>


#include "console/program.h"
#include "console/support.h"
#include "base/status.h"

// CLI11 is declared, not included (console/program.h says why).
namespace CLI {
class App;
}  // namespace CLI

namespace silian::console {

// The options of the catalogue and calendar commands, filled by the parser.
struct ReferenceCommands {
  bool all_versions = false;
  std::string code;
  std::optional<uint32_t> version;
  std::string date;
  std::optional<std::string> division;
  std::optional<int> year;
};

// Adds `list` and `show` to the command group `catalog` and `check` and `show` to the group `calendar`:
// the one registration of these commands, which every program offers alike. `options` and `program` must
// outlive the parse and the run.
void AddReferenceCommands(CLI::App* catalog, CLI::App* calendar, ReferenceCommands* options, Program* program);

// `catalog list`: the latest version of every item (every version with all_versions).
Status RunCatalogList(const GlobalOptions& g, bool all_versions);
// `catalog show CODE [--version N]`.
Status RunCatalogShow(const GlobalOptions& g, const std::string& code, std::optional<uint32_t> version);
// `calendar check DATE [--division D]`: whether DATE is a working day in D's calendar (default: the
// replica's own division) and why.
Status RunCalendarCheck(const GlobalOptions& g, const std::string& date, const std::optional<std::string>& division);
// `calendar show [--year Y] [--division D]`: the layers in force and the listed days of the year.
Status RunCalendarShow(const GlobalOptions& g, std::optional<int> year, const std::optional<std::string>& division);
// `case notice REF`: the one-time notice (一次性告知书) of every required material not yet received.
Status RunCaseNotice(const GlobalOptions& g, const std::string& case_ref);

}  // namespace silian::console
