// The case commands of the workflow's second pass (issue 11): review steps, lapsed corrections and
// subsidies. Registered with the other case commands (AddCaseCommands calls AddCaseFactCommands).
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "console/program.h"

// CLI11 is declared, not included (console/program.h says why).
namespace CLI {
class App;
}  // namespace CLI

namespace silian::console {

struct StepOptions {
  std::string case_ref;
  std::string step;     // one of the item's steps: preliminary_review, review, approval
  std::string outcome;  // pass or return
  std::string opinion;
  std::optional<std::string> actor;
};

struct LapseOptions {
  std::string case_ref;
  std::string decision;  // withdraw or continue
  std::string reason;
  std::string due;       // the new deadline, for continue
  std::optional<std::string> actor;
};

struct SubsidyOptions {
  std::string case_ref;
  std::string name;
  std::string amount;  // yuan
  std::string bank_transfer;
  std::string note;
  std::optional<std::string> actor;
};

struct CaseFactCommands {
  StepOptions step;
  LapseOptions lapse;
  SubsidyOptions subsidy;
};

// Adds step, lapse and subsidy to `group`. `commands` and `program` must outlive the parse and the run.
void AddCaseFactCommands(CLI::App* group, CaseFactCommands* commands, Program* program);

// The sections of `case show` for these facts, from the case view (empty when it has none): review steps
// passed and pending with each step taken (reviewer, opinion), the departments of a parallel item not yet
// decided, the extension, the correction's deadline and what was decided after it, and subsidies paid.
std::string RenderCaseFacts(const nlohmann::json& view);

Status RunCaseStep(const GlobalOptions& g, const StepOptions& o);
Status RunCaseLapse(const GlobalOptions& g, const LapseOptions& o);
Status RunCaseSubsidy(const GlobalOptions& g, const SubsidyOptions& o);

}  // namespace silian::console
