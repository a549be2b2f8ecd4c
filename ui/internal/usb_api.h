// USB sticks from the app (docs/api.md, "USB"): the user names a directory on this machine (the stick's
// mount point); the app lists the bundles and frontier files in it, writes a bundle there and imports one
// from it. Writing and reading go through this program's own `bundle export`, `frontier export` and `bundle
// import` (run by the hook, as the sync button runs `sync`), so a stick from the app is exactly a stick
// from the command line: the same scope checks, the same all-or-nothing import.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace silian::ui::internal {

// Runs this program on the node's ledger with `--json` and `args` (e.g. {"bundle", "import", FILE}): its
// JSON with "warnings" (the lines it printed as warnings). kInvalidArgument (exit 2) or kFailedPrecondition
// (another failure) with the program's own message.
using RunSelf = std::function<Result<nlohmann::json>(const std::vector<std::string>& args)>;

// The bundle files (*.bundle) and frontier files (*.frontier) in directory `dir`, newest first:
// {dir, bundles: [{name, bytes, modified_ms}], frontiers: [...]}. kInvalidArgument naming the value when
// `dir` is not an absolute path of an existing directory.
Result<nlohmann::json> ListStick(const std::string& dir);

// Writes a bundle of this node's ops into {"dir"} as silian-NODE-YYYYMMDD-HHMMSS.bundle (only what the
// other side lacks with {"for": a frontier file's name in dir}) and this node's frontier as NODE.frontier
// beside it: the export's JSON with "frontier_file".
Result<nlohmann::json> ExportToStick(const RunSelf& run, const nlohmann::json& body, const std::string& node,
                                     uint64_t now_ms);

// Imports bundle {"name"} of directory {"dir"}: the import's JSON (new, known, cases_touched, ...).
Result<nlohmann::json> ImportFromStick(const RunSelf& run, const nlohmann::json& body);

}  // namespace silian::ui::internal
