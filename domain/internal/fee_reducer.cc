#include "domain/internal/fee_reducer.h"

namespace silian::sync::fold {

void FeeReducer::Apply(const CaseOps& ops, size_t i, History& h) {
  const auto& f = ops.op(i).fee_recorded();
  h.Set("fee", f.kind());
  h.Set("amount_fen", f.amount_fen());
  auto kind = ParseFeeKind(f.kind());
  if (!kind.ok()) return h.Ignore("fee kind unknown to this version");
  switch (*kind) {
    case FeeKind::kCharge: facts_.charged_fen += f.amount_fen(); break;
    case FeeKind::kPayment: facts_.paid_fen += f.amount_fen(); break;
    case FeeKind::kRefund: facts_.refunded_fen += f.amount_fen(); break;
  }
  facts_.entries.push_back({ops.id_text(i), *kind, f.name(), f.amount_fen(), ops.actor(i), ops.ms(i),
                            f.bank_receipt(), f.reason()});
}

}  // namespace silian::sync::fold
