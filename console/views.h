// Read-only views of a ledger, shared by silian-node and silian-hub so that both print the same thing for
// the same cases: case list, case show, status, digest. Each prints to stdout (text, or one JSON document
// with --json) and returns a Status whose message names the problem and the value.
#pragma once

#include <cstdint>
#include <optional>
#include <string>


#include "console/support.h"
#include "base/status.h"

// CLI11 is declared, not included (console/program.h says why).
namespace CLI {
class App;
}  // namespace CLI

namespace silian::console {

struct ListCasesOptions {
  std::optional<std::string> status;
  std::optional<std::string> applicant_id;
  std::optional<std::string> scope;  // a division prefix
  int64_t limit = 1000;
};
// Adds --status, --applicant-id, --division and --limit to `cmd`.
void AddCaseListOptions(CLI::App* cmd, ListCasesOptions& o);

Status RunCaseList(const GlobalOptions& g, const ListCasesOptions& o);
Status RunCaseShow(const GlobalOptions& g, const std::string& case_ref);
Status RunStatus(const GlobalOptions& g);
// `scope`: a division prefix, default the ledger's own scope.
Status RunDigest(const GlobalOptions& g, const std::optional<std::string>& scope);

}  // namespace silian::console
