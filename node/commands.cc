// The ledger commands of silian-node: init, case ..., conflicts, status, digest.
#include <cstdint>
#include <iostream>

#include "node/commands.h"
#include "console/render.h"
#include "console/support.h"
#include "sync/case_model.h"
#include "sync/curl_transport.h"
#include "sync/ids.h"
#include "sync/store.h"

namespace silian::node {
namespace {

using namespace console;  // NOLINT: the shared console helpers are this file's vocabulary

using nlohmann::json;

// Prints the id of an op just written: the id alone, or {"op": "..."}.
void PrintOpId(const GlobalOptions& g, const sync::OpId& op) {
  if (g.json) {
    PrintJson({{"op", op.ToString()}});
  } else {
    std::cout << op.ToString() << '\n';
  }
}

}  // namespace

Status RunInit(const GlobalOptions& g, const InitOptions& o) {
  if (g.db_path.empty()) return InvalidArgument("no ledger given: pass --db PATH or set SILIAN_DB");
  SILIAN_ASSIGN_OR_RETURN(sync::NodeId node_id, sync::ParseNodeId(o.node_id));
  SILIAN_ASSIGN_OR_RETURN(sync::Level level, sync::ParseLevel(o.level));
  if (level != sync::Level::kVillage && level != sync::Level::kTownship)
    return InvalidArgument("level " + Quote(o.level) +
                           " is not for silian-node, which runs at village or township level (county and city run "
                           "silian-hub)");
  SILIAN_ASSIGN_OR_RETURN(sync::DivisionCode division, sync::ParseDivisionCode(o.division));
  if (!o.hub.empty()) SILIAN_RETURN_IF_ERROR(sync::ValidateHubUrl(o.hub));

  sync::NodeConfig config{node_id, level, division, o.device};
  auto store = sync::LedgerStore::Create(g.db_path, config, sync::LedgerStore::Options());
  if (!store.ok()) return WithContext(store.status(), g.db_path, "ledger " + Quote(g.db_path));
  if (!o.hub.empty()) SILIAN_RETURN_IF_ERROR((*store)->SetSetting("hub", o.hub));
  const std::string& scope = (*store)->scope();
  if (g.json) {
    PrintJson({{"db", g.db_path},
               {"node", node_id.value},
               {"level", sync::LevelName(level)},
               {"division", division.value},
               {"device", o.device},
               {"scope", scope}});
  } else {
    std::cout << "created ledger " << g.db_path << " for node " << node_id.value << " (" << sync::LevelName(level)
              << " " << division.value << ", scope " << scope << ")\n";
  }
  return Status::Ok();
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
  if (o.division) {
    SILIAN_ASSIGN_OR_RETURN(c.division, sync::ParseDivisionCode(*o.division));
  }
  SILIAN_ASSIGN_OR_RETURN(auto store, OpenLedger(g));
  c.actor = ActorFor(o.actor, *store);
  SILIAN_ASSIGN_OR_RETURN(sync::CaseProjection created, store->CreateCase(c));
  if (g.json) {
    PrintJson({{"case_number", created.case_number}, {"case_id", created.case_id.value}});
  } else {
    std::cout << "case number: " << created.case_number << "\ncase id: " << created.case_id.value << '\n';
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
  SILIAN_ASSIGN_OR_RETURN(auto store, OpenLedger(g));
  SILIAN_ASSIGN_OR_RETURN(sync::OpId op, store->SetFields(o.case_ref, values, ActorFor(o.actor, *store)));
  PrintOpId(g, op);
  return Status::Ok();
}

Status RunCaseAct(const GlobalOptions& g, const ActOptions& o) {
  SILIAN_ASSIGN_OR_RETURN(sync::Action action, sync::ParseAction(o.action));
  SILIAN_ASSIGN_OR_RETURN(auto store, OpenLedger(g));
  std::vector<std::pair<std::string, std::string>> details;
  for (const auto& d : o.details) {
    auto eq = d.find('=');
    if (eq == std::string::npos || eq == 0)
      return InvalidArgument("detail " + Quote(d) + " must be KEY=VALUE, e.g. days=10");
    details.emplace_back(d.substr(0, eq), d.substr(eq + 1));
  }
  SILIAN_ASSIGN_OR_RETURN(sync::OpId op,
                          store->Act(o.case_ref, action, o.reason, ActorFor(o.actor, *store), details));
  PrintOpId(g, op);
  return Status::Ok();
}

Status RunCaseNote(const GlobalOptions& g, const NoteOptions& o) {
  SILIAN_ASSIGN_OR_RETURN(auto store, OpenLedger(g));
  SILIAN_ASSIGN_OR_RETURN(sync::OpId op, store->AddNote(o.case_ref, o.text, ActorFor(o.actor, *store)));
  PrintOpId(g, op);
  return Status::Ok();
}

Status RunCaseMaterial(const GlobalOptions& g, const MaterialOptions& o) {
  // The store checks the upper limit; this keeps the value inside uint32_t.
  if (o.copies < 1 || o.copies > int64_t{UINT32_MAX})
    return InvalidArgument("copies " + std::to_string(o.copies) + " must be 1 or more");
  SILIAN_ASSIGN_OR_RETURN(auto store, OpenLedger(g));
  SILIAN_ASSIGN_OR_RETURN(sync::OpId op, store->AddMaterial(o.case_ref, o.name, static_cast<uint32_t>(o.copies),
                                                            ActorFor(o.actor, *store)));
  PrintOpId(g, op);
  return Status::Ok();
}

Status RunConflicts(const GlobalOptions& g) {
  SILIAN_ASSIGN_OR_RETURN(auto store, OpenLedger(g));
  SILIAN_ASSIGN_OR_RETURN(std::vector<json> conflicts, store->ListConflicts());
  if (g.json) {
    PrintJson(json(conflicts));
    return Status::Ok();
  }
  if (conflicts.empty()) {
    std::cout << "no open conflicts\n";
    return Status::Ok();
  }
  for (size_t i = 0; i < conflicts.size(); ++i) std::cout << (i == 0 ? "" : "\n") << RenderConflict(conflicts[i]);
  return Status::Ok();
}

Status RunConflictsResolve(const GlobalOptions& g, const ResolveOptions& o) {
  if (o.value.has_value() == o.keep.has_value())
    return InvalidArgument("conflicts resolve " + Quote(o.conflict_id) +
                           " needs exactly one of --value VALUE or --keep OPID");
  std::optional<sync::OpId> keep;
  if (o.keep) {
    SILIAN_ASSIGN_OR_RETURN(keep, sync::ParseOpId(*o.keep));
  }
  SILIAN_ASSIGN_OR_RETURN(auto store, OpenLedger(g));
  SILIAN_ASSIGN_OR_RETURN(sync::OpId op, store->ResolveConflict(o.conflict_id, keep, o.value, ActorFor(o.actor, *store)));
  PrintOpId(g, op);
  return Status::Ok();
}



}  // namespace silian::node
