// The commands of silian-node, independent of the command-line parser: main.cc maps arguments onto these
// option structs and calls one Run* function. Each writes its requested output to stdout (text, or one
// JSON document with --json), warnings and progress to stderr, and returns a Status whose message names
// the problem and the value; main.cc turns that into the one-line error and the exit code.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "console/support.h"
#include "console/views.h"
#include "sync/status.h"

namespace silian::node {

using console::ExitCodeFor;
using console::GlobalOptions;
using console::ListCasesOptions;
using console::RunCaseList;
using console::RunCaseShow;
using console::RunDigest;
using console::RunStatus;

struct InitOptions {
  std::string node_id;
  std::string level;
  std::string division;
  std::string device = "01";
  std::string hub;  // optional hub URL
};

struct NewCaseOptions {
  std::string item_code;
  std::string applicant_name;
  std::string applicant_id;
  std::string applicant_id_type = "resident_id";
  std::string phone;
  std::string address;
  std::string summary;
  std::string channel;
  std::optional<std::string> division;
  std::optional<std::string> actor;  // default: SILIAN_ACTOR, else the node id
};

struct SetFieldsOptions {
  std::string case_ref;
  std::vector<std::string> assignments;  // "FIELD=VALUE", split on the first '='
  std::optional<std::string> actor;
};

struct ActOptions {
  std::string case_ref;
  std::string action;
  std::string reason;
  std::vector<std::string> details;  // "KEY=VALUE"
  std::optional<std::string> actor;
};

struct DecideOptions {
  std::string case_ref;
  std::string department;
  std::string decision;
  std::string opinion;
  std::optional<std::string> actor;
};

struct FeeOptions {
  std::string case_ref;
  std::string kind;                   // charge, payment, refund
  std::optional<std::string> amount;  // yuan, e.g. "80.00"; a charge defaults to the catalogue's fees
  std::string name;
  std::string bank_receipt;
  std::string reason;
  std::optional<std::string> actor;
};

struct EvaluateOptions {
  std::string case_ref;
  std::string rating;
  std::string channel;
  std::optional<std::string> staff;
  std::optional<std::string> node;
  std::string stage = "completion";
  std::string comment;
  bool real_name = false;
  std::optional<std::string> actor;
};

struct RectifyOptions {
  std::string case_ref;
  std::string evaluation;  // the evaluation's op id
  std::string step;
  std::string note;
  std::string due;
  std::optional<std::string> actor;
};

struct NoteOptions {
  std::string case_ref;
  std::string text;
  std::optional<std::string> actor;
};

struct MaterialOptions {
  std::string case_ref;
  std::string name;
  int64_t copies = 1;
  std::optional<std::string> actor;
};

struct ResolveOptions {
  std::string conflict_id;
  std::optional<std::string> value;
  std::optional<std::string> keep;  // an op id
  std::optional<std::string> actor;
};

struct BundleExportOptions {
  std::string file;
  std::optional<std::string> for_frontier_file;
};

struct SyncCommandOptions {
  std::vector<std::string> hubs;  // --hub URL (repeatable, or comma-separated): tried in order
  bool watch = false;
  double interval_s = 30;
};

// sync.cc
Status RunSync(const GlobalOptions& g, const SyncCommandOptions& o);
Status RunConfigSet(const GlobalOptions& g, const std::string& key, const std::string& value);
Status RunConfigShow(const GlobalOptions& g);

// commands.cc
Status RunInit(const GlobalOptions& g, const InitOptions& o);
Status RunCaseNew(const GlobalOptions& g, const NewCaseOptions& o);
Status RunCaseSet(const GlobalOptions& g, const SetFieldsOptions& o);
Status RunCaseAct(const GlobalOptions& g, const ActOptions& o);
Status RunCaseNote(const GlobalOptions& g, const NoteOptions& o);
Status RunCaseMaterial(const GlobalOptions& g, const MaterialOptions& o);
Status RunConflicts(const GlobalOptions& g);
Status RunConflictsResolve(const GlobalOptions& g, const ResolveOptions& o);

// workflow.cc
Status RunCaseDecide(const GlobalOptions& g, const DecideOptions& o);
Status RunCaseFee(const GlobalOptions& g, const FeeOptions& o);
Status RunCaseEvaluate(const GlobalOptions& g, const EvaluateOptions& o);
Status RunCaseRectify(const GlobalOptions& g, const RectifyOptions& o);
// "12.50" yuan -> 1250 fen; kInvalidArgument naming the value.
Result<int64_t> ParseYuan(const std::string& text);

// exchange.cc
Status RunBundleExport(const GlobalOptions& g, const BundleExportOptions& o);
Status RunBundleImport(const GlobalOptions& g, const std::string& file);
Status RunFrontierExport(const GlobalOptions& g, const std::string& file);

}  // namespace silian::node
