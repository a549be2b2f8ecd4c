// The case commands shared by silian-node and silian-hub: registering, listing, showing and changing cases,
// the workflow (department decisions, fees, evaluations, rectification) and the one-time notice. Both
// programs register them with AddCaseCommands, so a county clerk at a hub and a village agent at a node type
// the same commands. Each Run* prints to stdout (text, or JSON with --json) and returns a Status naming the
// problem and the value.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>


#include "console/case_facts.h"
#include "console/program.h"
#include "console/support.h"
#include "console/views.h"
#include "base/status.h"

// CLI11 is declared, not included (console/program.h says why).
namespace CLI {
class App;
}  // namespace CLI

namespace silian::console {

struct NewCaseOptions {
  std::string item_code;
  std::string applicant_name;
  std::string applicant_id;
  std::string applicant_id_type = "resident_id";
  std::string phone;
  std::string address;
  std::string summary;
  std::string channel;
  std::string language = "zh";  // --lang
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
  bool assisted = false;  // typed by staff for the applicant (paper form, phone)
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

struct PrintOptions {
  std::string case_ref;
  std::string doc;                    // receipt, acceptance, not-accepted, one-time-notice, decision
  std::optional<std::string> lang;    // zh or mn; default the case's language
  std::optional<std::string> out;     // a file; default stdout
};

// The options of every case command, filled by the parser.
struct CaseCommands {
  NewCaseOptions case_new;
  ListCasesOptions case_list;
  std::string case_ref;
  SetFieldsOptions case_set;
  ActOptions case_act;
  DecideOptions case_decide;
  FeeOptions case_fee;
  EvaluateOptions case_evaluate;
  RectifyOptions case_rectify;
  NoteOptions case_note;
  MaterialOptions case_material;
  PrintOptions case_print;
  CaseFactCommands facts;  // step, lapse, subsidy (console/case_facts.h)
};

// Adds new, list, show, set, act, decide, fee, evaluate, rectify, notice, note and material to `group`;
// the chosen one becomes the command `program` runs. `commands` and `program` must outlive the parse and
// the run.
void AddCaseCommands(CLI::App* group, CaseCommands* commands, Program* program);

// Adds --actor, the staff or agent id recorded on the op, to a command that writes one.
void AddActorOption(CLI::App* cmd, std::optional<std::string>* actor);

// Opens the ledger of `g`, writes one op with `write`, given the store and the actor (ActingStaff in
// console/session.h: the staff member logged in, or at a node without staff the bootstrap actor), and
// prints the op's id (PrintOpId). A role refusal is audited (LedgerStore::AuditLastRefusal). The error of
// the open, of the actor or of `write` otherwise.
Status AuthorOp(const GlobalOptions& g, const std::optional<std::string>& actor,
                const std::function<Result<sync::OpId>(sync::LedgerStore&, const std::string&)>& write);

Status RunCaseNew(const GlobalOptions& g, const NewCaseOptions& o);
Status RunCaseSet(const GlobalOptions& g, const SetFieldsOptions& o);
Status RunCaseAct(const GlobalOptions& g, const ActOptions& o);
Status RunCaseNote(const GlobalOptions& g, const NoteOptions& o);
Status RunCaseMaterial(const GlobalOptions& g, const MaterialOptions& o);
Status RunCaseDecide(const GlobalOptions& g, const DecideOptions& o);
Status RunCaseFee(const GlobalOptions& g, const FeeOptions& o);
Status RunCaseEvaluate(const GlobalOptions& g, const EvaluateOptions& o);
Status RunCaseRectify(const GlobalOptions& g, const RectifyOptions& o);
// `case print` (console/print.cc): a printable HTML document of the case (domain/documents.h), to --out
// or stdout; with --json, {"case_number", "document", "language", "html"}.
Status RunCasePrint(const GlobalOptions& g, const PrintOptions& o);
// "12.50" yuan -> 1250 fen; kInvalidArgument naming the value.
Result<int64_t> ParseYuan(const std::string& text);

}  // namespace silian::console
