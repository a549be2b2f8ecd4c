#include "support/ops.h"

#include <catch2/catch.hpp>

#include "base/ids.h"
#include "support/ledger.h"

namespace silian::test {

pb::Op Envelope(const Head& h) {
  sync::OpId id = Id(h.id);
  pb::Op op;
  op.set_origin(id.origin);
  op.set_seq(id.seq);
  op.set_hlc(h.hlc);
  op.set_actor(h.actor);
  op.set_case_id(h.case_id);
  op.set_division(kVillage);
  for (const auto& p : h.parents) {
    sync::OpId pid = Id(p);
    auto* ref = op.add_parents();
    ref->set_origin(pid.origin);
    ref->set_seq(pid.seq);
  }
  return op;
}

pb::Op CreatedOp(const Head& h, const std::string& applicant_name, const std::string& applicant_id,
                 const std::string& item_code) {
  pb::Op op = Envelope(h);
  auto* c = op.mutable_case_created();
  c->set_case_number(kVillage + std::string("-01-20260101-0001"));
  c->set_item_code(item_code);
  c->set_applicant_name(applicant_name);
  c->set_applicant_id_type("resident_id");
  c->set_applicant_id(applicant_id);
  c->set_phone("0482-1234567");
  c->set_address("Gacha 3");
  c->set_summary("first application");
  c->set_channel("agent");
  return op;
}

pb::Op CreatedOp(const Head& h, const std::string& applicant_name) {
  return CreatedOp(h, applicant_name, ResidentId(1));
}

pb::Op SetOp(const Head& h, const std::vector<std::pair<std::string, std::string>>& values) {
  pb::Op op = Envelope(h);
  for (const auto& [f, v] : values) {
    auto* fv = op.mutable_fields_set()->add_values();
    fv->set_field(f);
    fv->set_value(v);
  }
  return op;
}

pb::Op ActOp(const Head& h, const std::string& action, const std::string& reason) {
  pb::Op op = Envelope(h);
  op.mutable_transition()->set_action(action);
  op.mutable_transition()->set_reason(reason);
  return op;
}

pb::Op NoteOp(const Head& h, const std::string& text) {
  pb::Op op = Envelope(h);
  op.mutable_note_added()->set_text(text);
  return op;
}

pb::Op MaterialOp(const Head& h, const std::string& name, uint32_t copies) {
  pb::Op op = Envelope(h);
  op.mutable_material_received()->set_name(name);
  op.mutable_material_received()->set_copies(copies);
  return op;
}

pb::Op ResolveKeepOp(const Head& h, const std::string& conflict_id, const std::string& keep) {
  pb::Op op = Envelope(h);
  auto* r = op.mutable_conflict_resolved();
  r->set_conflict_id(conflict_id);
  sync::OpId k = Id(keep);
  r->mutable_keep()->set_origin(k.origin);
  r->mutable_keep()->set_seq(k.seq);
  return op;
}

pb::Op ResolveValueOp(const Head& h, const std::string& conflict_id, const std::string& value) {
  pb::Op op = Envelope(h);
  op.mutable_conflict_resolved()->set_conflict_id(conflict_id);
  op.mutable_conflict_resolved()->set_value(value);
  return op;
}

pb::Entry OpEntry(const pb::Op& op) {
  pb::Entry e;
  e.set_op(op.SerializeAsString());
  return e;
}

std::string EntryName(const pb::Entry& e) {
  if (e.has_skip())
    return "skip:" + e.skip().origin() + ":" + std::to_string(e.skip().from_seq()) + "-" +
           std::to_string(e.skip().to_seq());
  pb::Op op;
  REQUIRE(op.ParseFromString(e.op()));
  return sync::OpId{op.origin(), op.seq()}.ToString();
}

std::vector<std::string> EntryNames(const std::vector<pb::Entry>& entries) {
  std::vector<std::string> out;
  for (const auto& e : entries) out.push_back(EntryName(e));
  return out;
}

}  // namespace silian::test
