// The service-centre workflow commands of silian-node: department decisions, fees, evaluations and
// rectification.
#include <iostream>

#include "console/render.h"
#include "node/commands.h"
#include "sync/catalog.h"
#include "sync/store.h"

namespace silian::node {
namespace {

using namespace console;  // NOLINT: the shared console helpers are this file's vocabulary

void PrintOp(const GlobalOptions& g, const sync::OpId& op) {
  if (g.json) {
    PrintJson({{"op", op.ToString()}});
  } else {
    std::cout << op.ToString() << '\n';
  }
}

}  // namespace

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
  SILIAN_ASSIGN_OR_RETURN(auto store, OpenLedger(g));
  SILIAN_ASSIGN_OR_RETURN(sync::OpId op, store->DecideDepartment(o.case_ref, o.department, o.decision, o.opinion,
                                                                 ActorFor(o.actor, *store)));
  PrintOp(g, op);
  return Status::Ok();
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
      SILIAN_ASSIGN_OR_RETURN(auto item, store->FindItem(view["fields"]["item_code"]["value"].get<std::string>(),
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
  SILIAN_ASSIGN_OR_RETURN(sync::OpId op, store->RecordFee(o.case_ref, fee, ActorFor(o.actor, *store)));
  if (g.json) {
    PrintJson({{"op", op.ToString()}, {"kind", fee.kind()}, {"amount_fen", fee.amount_fen()}});
  } else {
    std::cout << op.ToString() << ' ' << fee.kind() << ' ' << sync::FormatFen(fee.amount_fen()) << " yuan\n";
  }
  return Status::Ok();
}

Status RunCaseEvaluate(const GlobalOptions& g, const EvaluateOptions& o) {
  if (o.staff.has_value() == o.node.has_value()) return InvalidArgument("give exactly one of --staff ID and --node ID");
  SILIAN_ASSIGN_OR_RETURN(auto store, OpenLedger(g));
  silian::pb::EvaluationGiven e;
  e.set_rating(o.rating);
  e.set_channel(o.channel);
  e.set_target_kind(o.staff ? "staff" : "node");
  e.set_target(o.staff ? *o.staff : *o.node);
  e.set_stage(o.stage);
  e.set_comment(o.comment);
  e.set_real_name(o.real_name);
  SILIAN_ASSIGN_OR_RETURN(sync::OpId op, store->Evaluate(o.case_ref, e, ActorFor(o.actor, *store)));
  PrintOp(g, op);
  return Status::Ok();
}

Status RunCaseRectify(const GlobalOptions& g, const RectifyOptions& o) {
  SILIAN_ASSIGN_OR_RETURN(sync::OpId evaluation, sync::ParseOpId(o.evaluation));
  SILIAN_ASSIGN_OR_RETURN(auto store, OpenLedger(g));
  SILIAN_ASSIGN_OR_RETURN(sync::OpId op, store->Rectify(o.case_ref, evaluation, o.step, o.note, o.due,
                                                        ActorFor(o.actor, *store)));
  PrintOp(g, op);
  return Status::Ok();
}

}  // namespace silian::node
