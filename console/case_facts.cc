#include "console/case_facts.h"

#include <CLI/CLI.hpp>

#include "console/cases.h"
#include "domain/catalog.h"
#include "domain/calendar.h"
#include "domain/store.h"
#include "base/text.h"

namespace silian::console {

void AddCaseFactCommands(CLI::App* group, CaseFactCommands* c, Program* p) {
  const GlobalOptions* g = &p->global();
  CLI::App* cmd = group->add_subcommand("step", "Record a review step of the case's item passed or returned; prints the op id");
  cmd->add_option("REF", c->step.case_ref, "case id (origin:seq) or case number")->required();
  cmd->add_option("STEP", c->step.step, "the pending step: preliminary_review, review or approval (as the item lists)")
      ->required();
  cmd->add_option("OUTCOME", c->step.outcome, "pass, or return (to the step before; needs --opinion)")->required();
  cmd->add_option("--opinion", c->step.opinion, "the reviewer's opinion");
  AddActorOption(cmd, &c->step.actor);
  p->OnRun(cmd, [g, c] { return RunCaseStep(*g, c->step); });

  cmd = group->add_subcommand("lapse", "Decide a case whose correction deadline passed: withdraw it or continue it");
  cmd->add_option("REF", c->lapse.case_ref, "case id (origin:seq) or case number")->required();
  cmd->add_option("DECISION", c->lapse.decision, "withdraw (deemed withdrawn) or continue (a new deadline)")->required();
  cmd->add_option("--reason", c->lapse.reason, "why (required)")->required();
  cmd->add_option("--due", c->lapse.due, "YYYY-MM-DD, the new deadline (continue)");
  AddActorOption(cmd, &c->lapse.actor);
  p->OnRun(cmd, [g, c] { return RunCaseLapse(*g, c->lapse); });

  cmd = group->add_subcommand("subsidy", "Record a subsidy paid to the applicant by bank transfer; prints the op id");
  cmd->add_option("REF", c->subsidy.case_ref, "case id (origin:seq) or case number")->required();
  cmd->add_option("--name", c->subsidy.name, "the subsidy, e.g. 高龄津贴")->required();
  cmd->add_option("--amount", c->subsidy.amount, "yuan, e.g. 300.00")->required();
  cmd->add_option("--bank-transfer", c->subsidy.bank_transfer, "the bank's transfer reference")->required();
  cmd->add_option("--note", c->subsidy.note, "a note");
  AddActorOption(cmd, &c->subsidy.actor);
  p->OnRun(cmd, [g, c] { return RunCaseSubsidy(*g, c->subsidy); });
}

namespace {

using nlohmann::json;

// A string member as text safe for a terminal; "" when absent or not a string.
std::string S(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? Printable(it->get<std::string>()) : std::string();
}

std::string Names(const json& list) {
  std::string out;
  if (list.is_array())
    for (const auto& n : list)
      if (n.is_string()) out += (out.empty() ? "" : ", ") + Printable(n.get<std::string>());
  return out.empty() ? "none" : out;
}

std::string DateOfMs(const json& ms) {
  return ms.is_number_unsigned() ? sync::FormatDate(sync::DateOfUnixMs(ms.get<uint64_t>())) : std::string("?");
}

std::string ReviewSection(const json& view) {
  auto it = view.find("review");
  if (it == view.end() || !it->is_object()) return "";
  const json& r = *it;
  std::string out = "\nreview steps\n  passed   " + Names(r.value("passed", json())) + "\n  pending  " +
                    Names(r.value("pending", json())) + "\n";
  for (const auto& t : r.value("taken", json::array()))
    out += "  " + DateOfMs(t.value("time", json())) + "  " + S(t, "step") + " " + S(t, "outcome") + " by " +
           S(t, "reviewer") + (S(t, "opinion").empty() ? "" : ": " + S(t, "opinion")) + "  (" + S(t, "op") + ")\n";
  return out;
}

std::string PendingDepartmentsSection(const json& view) {
  auto it = view.find("departments_pending");
  if (it == view.end() || !it->is_array()) return "";
  return "\ndepartments not yet decided: " + Names(*it) + "\n";
}

std::string ExtensionSection(const json& view) {
  auto it = view.find("extensions");
  if (it == view.end() || !it->is_array() || it->empty()) return "";
  const json& e = (*it)[0];
  std::string out = "\nextension\n  " + std::to_string(e.value("days", 0)) + " working days, decided " +
                    DateOfMs(e.value("time", json())) + ": " + S(e, "reason") + "  (" + S(e, "op") + ")\n";
  auto clocks = view.find("clocks");
  if (clocks != view.end() && clocks->is_object() && clocks->contains("extension_not_counted"))
    out += "  not counted: " + S(*clocks, "extension_not_counted") + "\n";
  return out;
}

std::string CorrectionSection(const json& view) {
  auto it = view.find("correction");
  if (it == view.end() || !it->is_object()) return "";
  const json& c = *it;
  std::string out = "\ncorrection\n  requested " + DateOfMs(c.value("requested", json())) + ", due " +
                    (S(c, "due").empty() ? "5 working days later" : S(c, "due")) + "\n";
  for (const auto& l : c.value("lapses", json::array()))
    out += "  after the deadline: " + S(l, "decision") + (S(l, "new_due").empty() ? "" : " to " + S(l, "new_due")) +
           " by " + S(l, "actor") + ": " + S(l, "reason") + "  (" + S(l, "op") + ")\n";
  return out;
}

std::string SubsidiesSection(const json& view) {
  auto it = view.find("subsidies");
  if (it == view.end() || !it->is_object()) return "";
  std::string out = "\nsubsidies paid: " + sync::FormatFen(it->value("paid_fen", int64_t{0})) + " yuan\n";
  for (const auto& e : it->value("entries", json::array()))
    out += "  " + DateOfMs(e.value("time", json())) + "  " + S(e, "name") + "  " +
           sync::FormatFen(e.value("amount_fen", int64_t{0})) + " yuan  transfer " + S(e, "bank_transfer") + "  (" +
           S(e, "op") + ")\n";
  return out;
}

}  // namespace

std::string RenderCaseFacts(const json& view) {
  if (!view.is_object()) return "";
  return ReviewSection(view) + PendingDepartmentsSection(view) + ExtensionSection(view) + CorrectionSection(view) +
         SubsidiesSection(view);
}

Status RunCaseStep(const GlobalOptions& g, const StepOptions& o) {
  return AuthorOp(g, o.actor, [&](sync::LedgerStore& store, const std::string& actor) {
    return store.RecordReviewStep(o.case_ref, o.step, o.outcome, o.opinion, actor);
  });
}

Status RunCaseLapse(const GlobalOptions& g, const LapseOptions& o) {
  return AuthorOp(g, o.actor, [&](sync::LedgerStore& store, const std::string& actor) {
    return store.DecideLapsedCorrection(o.case_ref, o.decision, o.reason, o.due, actor);
  });
}

Status RunCaseSubsidy(const GlobalOptions& g, const SubsidyOptions& o) {
  SILIAN_ASSIGN_OR_RETURN(int64_t fen, ParseYuan(o.amount));
  pb::SubsidyPaid subsidy;
  subsidy.set_name(o.name);
  subsidy.set_amount_fen(fen);
  subsidy.set_bank_transfer(o.bank_transfer);
  subsidy.set_note(o.note);
  return AuthorOp(g, o.actor, [&](sync::LedgerStore& store, const std::string& actor) {
    return store.RecordSubsidy(o.case_ref, subsidy, actor);
  });
}

}  // namespace silian::console
