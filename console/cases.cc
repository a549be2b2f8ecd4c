#include "console/cases.h"

#include <iostream>

#include <CLI/CLI.hpp>

#include "console/reference.h"
#include "console/render.h"
#include "console/session.h"
#include "domain/case_model.h"
#include "domain/catalog.h"
#include "domain/notice_templates.h"
#include "domain/store.h"
#include "domain/view.h"

namespace silian::console {
namespace {

using nlohmann::json;

std::string ActionNames() {
  std::string names;
  for (int i = 0; i < sync::kActionCount; ++i)
    names += (names.empty() ? "" : ", ") + std::string(sync::ActionName(static_cast<sync::Action>(i)));
  return names;
}

// A case command of `group` whose first argument is the case: REF, a case id or case number, into `*ref`.
CLI::App* AddCaseCommand(CLI::App* group, const std::string& name, const std::string& help, std::string* ref) {
  CLI::App* cmd = group->add_subcommand(name, help);
  cmd->add_option("REF", *ref, "case id (origin:seq) or case number")->required();
  return cmd;
}

// new, list, show, set, act: the case record and its status.
void AddRecordCommands(CLI::App* group, CaseCommands* c, Program* p) {
  const GlobalOptions* g = &p->global();
  CLI::App* cmd = group->add_subcommand("new", "Register a new case; prints its case number and case id");
  NewCaseOptions& n = c->case_new;
  cmd->add_option("--item", n.item_code, "item code (事项编码)")->required();
  cmd->add_option("--applicant-name", n.applicant_name, "applicant's name")->required();
  cmd->add_option("--applicant-id", n.applicant_id, "applicant's ID number")->required();
  cmd->add_option("--applicant-id-type", n.applicant_id_type, "kind of ID number")->capture_default_str();
  cmd->add_option("--phone", n.phone, "applicant's phone");
  cmd->add_option("--address", n.address, "applicant's address");
  cmd->add_option("--summary", n.summary, "what is applied for");
  cmd->add_option("--channel", n.channel, "how the application came in: agent, window, ...");
  cmd->add_option("--division", n.division, "the case's 12-digit division code (default: this node's)");
  cmd->add_option("--lang", n.language,
                  "the applicant's language for notices and printed documents: zh (Chinese) or mn (Mongolian, "
                  "traditional script)")
      ->capture_default_str();
  AddActorOption(cmd, &n.actor);
  p->OnRun(cmd, [g, c] { return RunCaseNew(*g, c->case_new); });

  cmd = group->add_subcommand("list", "List cases, newest first");
  AddCaseListOptions(cmd, c->case_list);
  p->OnRun(cmd, [g, c] { return RunCaseList(*g, c->case_list); });

  cmd = AddCaseCommand(group, "show", "Show a case: status, fields, materials, notes, history, conflicts", &c->case_ref);
  p->OnRun(cmd, [g, c] { return RunCaseShow(*g, c->case_ref); });

  cmd = AddCaseCommand(group, "set", "Set fields of a case; prints the op id", &c->case_set.case_ref);
  cmd->add_option("FIELD=VALUE", c->case_set.assignments, "one or more assignments, split on the first '='")
      ->required();
  AddActorOption(cmd, &c->case_set.actor);
  p->OnRun(cmd, [g, c] { return RunCaseSet(*g, c->case_set); });

  cmd = AddCaseCommand(group, "act", "Take an action on a case (receive, accept, approve, ...); prints the op id",
                       &c->case_act.case_ref);
  cmd->add_option("ACTION", c->case_act.action, "one of: " + ActionNames())->required();
  cmd->add_option("--reason", c->case_act.reason, "why; required for not-accept, suspend, deny, withdraw, ...");
  cmd->add_option("--detail", c->case_act.details,
                  "KEY=VALUE, repeatable: certificate_name, certificate_number, valid_until (issue-certificate); "
                  "method=window|post|agent, tracking_number (deliver); days (extend); procedure (suspend); "
                  "owed, owed_due (accept, approve-tolerant)");
  AddActorOption(cmd, &c->case_act.actor);
  p->OnRun(cmd, [g, c] { return RunCaseAct(*g, c->case_act); });
}

// decide, fee, evaluate, rectify, notice: the service-centre workflow.
void AddWorkflowCommands(CLI::App* group, CaseCommands* c, Program* p) {
  const GlobalOptions* g = &p->global();
  CLI::App* cmd = AddCaseCommand(group, "decide", "Record a department's decision on its part of a parallel item",
                                 &c->case_decide.case_ref);
  cmd->add_option("DEPARTMENT", c->case_decide.department, "the deciding department, as in the catalogue")->required();
  cmd->add_option("DECISION", c->case_decide.decision, "approve or deny")->required();
  cmd->add_option("--opinion", c->case_decide.opinion, "the department's review opinion (required to deny)");
  AddActorOption(cmd, &c->case_decide.actor);
  p->OnRun(cmd, [g, c] { return RunCaseDecide(*g, c->case_decide); });

  cmd = AddCaseCommand(group, "fee", "Record a fee charged, a payment (bank receipt) or a refund", &c->case_fee.case_ref);
  cmd->add_option("KIND", c->case_fee.kind, "charge, payment or refund")->required();
  cmd->add_option("--amount", c->case_fee.amount,
                  "yuan, e.g. 80.00 (default: a charge takes the catalogue's fees, a payment what is owed)");
  cmd->add_option("--name", c->case_fee.name, "the fee's name");
  cmd->add_option("--bank-receipt", c->case_fee.bank_receipt, "the bank's receipt number (payments)");
  cmd->add_option("--reason", c->case_fee.reason, "why (refunds)");
  AddActorOption(cmd, &c->case_fee.actor);
  p->OnRun(cmd, [g, c] { return RunCaseFee(*g, c->case_fee); });

  EvaluateOptions& e = c->case_evaluate;
  cmd = AddCaseCommand(group, "evaluate", "Record the applicant's evaluation of the service (haochaping)", &e.case_ref);
  cmd->add_option("RATING", e.rating,
                  "very_satisfied, satisfied, basically_satisfied, dissatisfied or very_dissatisfied")->required();
  cmd->add_option("--channel", e.channel,
                  "the applicant's own: pc, mobile, qr_code, hall_tablet, hall_terminal, sms; typed by staff: phone, "
                  "paper (with --assisted)")->required();
  cmd->add_flag("--assisted", e.assisted, "typed by a staff member for the applicant (flagged in reports)");
  cmd->add_option("--staff", e.staff, "the staff member evaluated");
  cmd->add_option("--node", e.node, "the node evaluated");
  cmd->add_option("--stage", e.stage, "acceptance or completion")->capture_default_str();
  cmd->add_option("--comment", e.comment, "the applicant's words");
  cmd->add_flag("--real-name", e.real_name, "the evaluator gave their real name (call-back required)");
  AddActorOption(cmd, &e.actor);
  p->OnRun(cmd, [g, c] { return RunCaseEvaluate(*g, c->case_evaluate); });

  cmd = AddCaseCommand(group, "rectify", "Record a step of the rectification a negative evaluation opened",
                       &c->case_rectify.case_ref);
  cmd->add_option("EVALUATION", c->case_rectify.evaluation, "the evaluation's op id (origin:seq)")->required();
  cmd->add_option("STEP", c->case_rectify.step, "call_back, fix_now, fix_by_deadline, explain, appeal or close")
      ->required();
  cmd->add_option("--note", c->case_rectify.note, "what was done or said");
  cmd->add_option("--due", c->case_rectify.due, "YYYY-MM-DD, for fix_by_deadline");
  AddActorOption(cmd, &c->case_rectify.actor);
  p->OnRun(cmd, [g, c] { return RunCaseRectify(*g, c->case_rectify); });

  cmd = AddCaseCommand(group, "notice", "Print the one-time notice of every required material not yet received",
                       &c->case_ref);
  p->OnRun(cmd, [g, c] { return RunCaseNotice(*g, c->case_ref); });

  PrintOptions& pr = c->case_print;
  cmd = AddCaseCommand(group, "print", "Print a document of the case as HTML for a browser's print on A4", &pr.case_ref);
  cmd->add_option("--doc", pr.doc, "receipt, acceptance, not-accepted, one-time-notice or decision")->required();
  cmd->add_option("--lang", pr.lang, "zh or mn (default: the applicant's language recorded on the case)");
  cmd->add_option("--out", pr.out, "write the HTML to this file (default: standard output)");
  p->OnRun(cmd, [g, c] { return RunCasePrint(*g, c->case_print); });
}

// note, material: what is appended to a case.
void AddAppendCommands(CLI::App* group, CaseCommands* c, Program* p) {
  const GlobalOptions* g = &p->global();
  CLI::App* cmd = AddCaseCommand(group, "note", "Add a note to a case; prints the op id", &c->case_note.case_ref);
  cmd->add_option("TEXT", c->case_note.text, "the note")->required();
  AddActorOption(cmd, &c->case_note.actor);
  p->OnRun(cmd, [g, c] { return RunCaseNote(*g, c->case_note); });

  cmd = AddCaseCommand(group, "material", "Record a material handed in; prints the op id", &c->case_material.case_ref);
  cmd->add_option("NAME", c->case_material.name, "the material, e.g. household register")->required();
  cmd->add_option("--copies", c->case_material.copies, "number of copies")->capture_default_str();
  AddActorOption(cmd, &c->case_material.actor);
  p->OnRun(cmd, [g, c] { return RunCaseMaterial(*g, c->case_material); });
}

}  // namespace

// `written`, after the refused authoring call's one trace, its role refusal, is audited (a refusal for
// another reason writes nothing).
namespace {
template <typename T>
Result<T> Audited(sync::LedgerStore& store, Result<T> written) {
  if (written.ok()) return written;
  Status audit = store.AuditLastRefusal();
  if (!audit.ok())
    return Status(audit.code(), written.status().message() + " (and its audit record failed: " + audit.message() + ")");
  return written;
}
}  // namespace

// Opens the ledger, writes one op with `write` (given the store and the actor: ActingStaff) and prints the
// op's id.
Status AuthorOp(const GlobalOptions& g, const std::optional<std::string>& actor,
                const std::function<Result<sync::OpId>(sync::LedgerStore&, const std::string&)>& write) {
  SILIAN_ASSIGN_OR_RETURN(auto store, OpenLedger(g));
  SILIAN_ASSIGN_OR_RETURN(std::string who, ActingStaff(actor, *store));
  SILIAN_ASSIGN_OR_RETURN(sync::OpId op, Audited(*store, write(*store, who)));
  PrintOpId(g, op);
  return Status::Ok();
}

void AddActorOption(CLI::App* cmd, std::optional<std::string>* actor) {
  cmd->add_option("--actor", *actor,
                  "bootstrap only, at a node without staff accounts: the actor recorded on the op (default: "
                  "SILIAN_ACTOR, else the node id); a node with staff accounts records the staff member logged in");
}

void AddCaseCommands(CLI::App* group, CaseCommands* commands, Program* program) {
  AddRecordCommands(group, commands, program);
  AddWorkflowCommands(group, commands, program);
  AddAppendCommands(group, commands, program);
  AddCaseFactCommands(group, &commands->facts, program);
}

Status RunCaseNew(const GlobalOptions& g, const NewCaseOptions& o) {
  sync::NewCase c;
  c.item_code = o.item_code;
  c.applicant_name = o.applicant_name;
  c.applicant_id_type = o.applicant_id_type;
  c.applicant_id = o.applicant_id;
  c.phone = o.phone;
  c.address = o.address;
  c.summary = o.summary;
  c.channel = o.channel;
  SILIAN_RETURN_IF_ERROR(sync::ParseLanguage(o.language).status());
  c.language = o.language;
  if (o.division) {
    SILIAN_ASSIGN_OR_RETURN(c.division, sync::ParseDivisionCode(*o.division));
  }
  SILIAN_ASSIGN_OR_RETURN(auto store, OpenLedger(g));
  SILIAN_ASSIGN_OR_RETURN(c.actor, ActingStaff(o.actor, *store));
  SILIAN_ASSIGN_OR_RETURN(sync::CaseProjection created, Audited(*store, store->CreateCase(c)));
  if (g.json) {
    PrintJson({{"case_number", created.case_number}, {"case_id", created.case_id.value}});
  } else {
    std::cout << Said(g, said::kCaseNewNumber, created.case_number) << '\n'
              << Said(g, said::kCaseNewId, created.case_id.value) << '\n';
  }
  return Status::Ok();
}

Status RunCaseSet(const GlobalOptions& g, const SetFieldsOptions& o) {
  std::vector<std::pair<std::string, std::string>> values;
  for (const auto& a : o.assignments) {
    size_t eq = a.find('=');
    if (eq == std::string::npos || eq == 0) {
      std::string fields;
      for (const auto& f : sync::AllFieldNames()) fields += (fields.empty() ? "" : ", ") + f;
      return InvalidArgument("argument " + Quote(a) + " must look like FIELD=VALUE, FIELD one of: " + fields);
    }
    values.emplace_back(a.substr(0, eq), a.substr(eq + 1));
  }
  if (values.empty()) return InvalidArgument("case set needs at least one FIELD=VALUE");
  return AuthorOp(g, o.actor, [&](sync::LedgerStore& store, const std::string& actor) {
    return store.SetFields(o.case_ref, values, actor);
  });
}

Status RunCaseAct(const GlobalOptions& g, const ActOptions& o) {
  SILIAN_ASSIGN_OR_RETURN(sync::Action action, sync::ParseAction(o.action));
  return AuthorOp(g, o.actor, [&](sync::LedgerStore& store, const std::string& actor) -> Result<sync::OpId> {
    std::vector<std::pair<std::string, std::string>> details;
    for (const auto& d : o.details) {
      auto eq = d.find('=');
      if (eq == std::string::npos || eq == 0)
        return InvalidArgument("detail " + Quote(d) + " must be KEY=VALUE, e.g. days=10");
      details.emplace_back(d.substr(0, eq), d.substr(eq + 1));
    }
    return store.Act(o.case_ref, action, o.reason, actor, details);
  });
}

Status RunCaseNote(const GlobalOptions& g, const NoteOptions& o) {
  return AuthorOp(g, o.actor, [&](sync::LedgerStore& store, const std::string& actor) {
    return store.AddNote(o.case_ref, o.text, actor);
  });
}

Status RunCaseMaterial(const GlobalOptions& g, const MaterialOptions& o) {
  // The store checks the upper limit; this keeps the value inside uint32_t.
  if (o.copies < 1 || o.copies > int64_t{UINT32_MAX})
    return InvalidArgument("copies " + std::to_string(o.copies) + " must be 1 or more");
  return AuthorOp(g, o.actor, [&](sync::LedgerStore& store, const std::string& actor) {
    return store.AddMaterial(o.case_ref, o.name, static_cast<uint32_t>(o.copies), actor);
  });
}

Result<int64_t> ParseYuan(const std::string& text) {
  auto bad = [&] { return InvalidArgument("amount " + Quote(text) + " must be yuan with at most two decimals, e.g. 80 or 12.50"); };
  if (text.empty() || text.size() > 14) return bad();
  int64_t whole = 0, cents = 0;
  size_t i = 0;
  for (; i < text.size() && text[i] != '.'; ++i) {
    if (text[i] < '0' || text[i] > '9') return bad();
    whole = whole * 10 + (text[i] - '0');
  }
  if (i == 0) return bad();
  if (i < text.size()) {
    size_t decimals = text.size() - i - 1;
    if (decimals == 0 || decimals > 2) return bad();
    for (size_t k = i + 1; k < text.size(); ++k) {
      if (text[k] < '0' || text[k] > '9') return bad();
      cents = cents * 10 + (text[k] - '0');
    }
    if (decimals == 1) cents *= 10;
  }
  return whole * 100 + cents;
}

Status RunCaseDecide(const GlobalOptions& g, const DecideOptions& o) {
  return AuthorOp(g, o.actor, [&](sync::LedgerStore& store, const std::string& actor) {
    return store.DecideDepartment(o.case_ref, o.department, o.decision, o.opinion, actor);
  });
}

Status RunCaseFee(const GlobalOptions& g, const FeeOptions& o) {
  if (o.kind != "charge" && o.kind != "payment" && o.kind != "refund")
    return InvalidArgument("fee kind " + Quote(o.kind) + " is not one of: charge, payment, refund");
  SILIAN_ASSIGN_OR_RETURN(auto store, OpenLedger(g));
  silian::pb::FeeRecorded fee;
  fee.set_kind(o.kind);
  fee.set_name(o.name);
  fee.set_bank_receipt(o.bank_receipt);
  fee.set_reason(o.reason);
  if (o.amount) {
    SILIAN_ASSIGN_OR_RETURN(int64_t fen, ParseYuan(*o.amount));
    fee.set_amount_fen(fen);
  } else {
    // Without --amount: the catalogue's fees of the item the case was received under (charge), or what is
    // charged and not yet paid (payment).
    SILIAN_ASSIGN_OR_RETURN(nlohmann::json view, store->ShowCase(o.case_ref));
    if (o.kind == "refund") return InvalidArgument("a refund needs --amount");
    int64_t charged = view.contains("fees") ? view["fees"]["charged_fen"].get<int64_t>() : 0;
    int64_t paid = view.contains("fees") ? view["fees"]["paid_fen"].get<int64_t>() : 0;
    if (o.kind == "payment") {
      if (charged - paid <= 0) return FailedPrecondition("nothing is owed on this case; give --amount");
      fee.set_amount_fen(charged - paid);
    } else {
      if (!view.contains("item")) return FailedPrecondition("the case has no catalogue item; give --amount");
      SILIAN_ASSIGN_OR_RETURN(auto item, store->FindItem(sync::ViewFieldValue(view, "item_code").value_or(""),
                                                         view["item"]["version"].get<uint32_t>()));
      int64_t total = sync::TotalFeesFen(item);
      if (total == 0) return FailedPrecondition("item " + Quote(item.name()) + " is free of charge");
      fee.set_amount_fen(total);
      if (fee.name().empty()) {
        std::string names;
        for (const auto& f : item.fees()) names += std::string(names.empty() ? "" : " + ") + f.name();
        fee.set_name(names);
      }
    }
  }
  SILIAN_ASSIGN_OR_RETURN(std::string who, ActingStaff(o.actor, *store));
  SILIAN_ASSIGN_OR_RETURN(sync::OpId op, Audited(*store, store->RecordFee(o.case_ref, fee, who)));
  if (g.json) {
    PrintJson({{"op", op.ToString()}, {"kind", fee.kind()}, {"amount_fen", fee.amount_fen()}});
  } else {
    std::cout << op.ToString() << ' ' << fee.kind() << ' ' << sync::FormatFen(fee.amount_fen()) << " yuan\n";
  }
  return Status::Ok();
}

Status RunCaseEvaluate(const GlobalOptions& g, const EvaluateOptions& o) {
  if (o.staff.has_value() == o.node.has_value()) return InvalidArgument("give exactly one of --staff ID and --node ID");
  silian::pb::EvaluationGiven e;
  e.set_rating(o.rating);
  e.set_channel(o.channel);
  e.set_target_kind(o.staff ? "staff" : "node");
  e.set_target(o.staff ? *o.staff : *o.node);
  e.set_stage(o.stage);
  e.set_comment(o.comment);
  e.set_real_name(o.real_name);
  e.set_assisted(o.assisted);
  return AuthorOp(g, o.actor, [&](sync::LedgerStore& store, const std::string& actor) {
    return store.Evaluate(o.case_ref, e, actor);
  });
}

Status RunCaseRectify(const GlobalOptions& g, const RectifyOptions& o) {
  SILIAN_ASSIGN_OR_RETURN(sync::OpId evaluation, sync::ParseOpId(o.evaluation));
  return AuthorOp(g, o.actor, [&](sync::LedgerStore& store, const std::string& actor) {
    return store.Rectify(o.case_ref, evaluation, o.step, o.note, o.due, actor);
  });
}

}  // namespace silian::console
