// `staff add | list | disable | passwd` and `audit`: staff accounts published by this hub as reference
// data (domain/staff.h), and the staff audit records the hub holds (logins, failed logins, role refusals
// synced up from the nodes of its area).
#include <algorithm>
#include <iostream>

#include "console/render.h"
#include "console/session.h"
#include "domain/local_time.h"
#include "domain/projection.h"
#include "hub/commands.h"

namespace silian::hub {
namespace {

// A new passphrase for `staff_id` (from stdin, else typed twice at the terminal) and checked for strength, as its Argon2id verifier.
Result<std::string> NewVerifier(const std::string& staff_id, bool from_stdin) {
  SILIAN_ASSIGN_OR_RETURN(std::string pass, console::ReadPassphrase(from_stdin, "new passphrase of staff " + staff_id + ": "));
  SILIAN_RETURN_IF_ERROR(sync::CheckPassphraseStrength(staff_id, pass));
  if (!from_stdin) {
    SILIAN_ASSIGN_OR_RETURN(std::string again, console::ReadPassphrase(false, "again: "));
    if (again != pass) return InvalidArgument("the two passphrases typed for staff " + Quote(staff_id) + " differ");
  }
  return sync::MakeVerifier(pass);
}

Result<sync::StaffAccount> HeldAccount(sync::LedgerStore& store, const std::string& staff_id) {
  SILIAN_ASSIGN_OR_RETURN(std::optional<sync::StaffAccount> a, store.FindStaff(staff_id));
  if (!a) return NotFound("no staff account " + Quote(staff_id) + " is held by this hub");
  return *a;
}

nlohmann::json AccountJson(const sync::StaffAccount& a) {
  nlohmann::json roles = nlohmann::json::array();
  for (sync::Role r : a.roles) roles.push_back(sync::RoleName(r));
  return {{"staff_id", a.staff_id}, {"name", a.name}, {"node", a.node_id}, {"division", a.division},
          {"roles", roles}, {"status", a.active ? "active" : "disabled"}, {"op", a.op.ToString()}};
}

Status Publish(const GlobalOptions& g, sync::LedgerStore& store, const sync::StaffAccount& a, const char* verb) {
  SILIAN_ASSIGN_OR_RETURN(bool published, store.PublishStaff(a, store.config().node_id.value));
  if (g.json) {
    nlohmann::json out = AccountJson(a);
    out["published"] = published;
    console::PrintJson(out);
  } else {
    std::cout << (published ? verb : "unchanged") << " staff " << a.staff_id << "\n";
  }
  return Status::Ok();
}

}  // namespace

Status RunStaffAdd(const GlobalOptions& g, const StaffOptions& o) {
  sync::StaffAccount a;
  SILIAN_ASSIGN_OR_RETURN(sync::NodeId id, sync::ParseNodeId(o.id));
  a.staff_id = id.value;
  a.name = o.name;
  if (o.node.empty() == o.division.empty()) return InvalidArgument("give exactly one of --node ID and --division CODE");
  if (!o.node.empty()) {
    SILIAN_ASSIGN_OR_RETURN(sync::NodeId node, sync::ParseNodeId(o.node));
    a.node_id = node.value;
  }
  if (!o.division.empty()) {
    SILIAN_ASSIGN_OR_RETURN(sync::DivisionCode division, sync::ParseDivisionCode(o.division));
    a.division = division.value;
  }
  if (o.roles.empty()) return InvalidArgument("give at least one --role (agent, clerk, approver, supervisor, administrator)");
  for (const auto& r : o.roles) {
    SILIAN_ASSIGN_OR_RETURN(sync::Role role, sync::ParseRole(r));
    if (std::find(a.roles.begin(), a.roles.end(), role) != a.roles.end()) return InvalidArgument("role " + Quote(r) + " is given twice");
    a.roles.push_back(role);
  }
  SILIAN_ASSIGN_OR_RETURN(auto store, OpenHubLedger(g));
  SILIAN_ASSIGN_OR_RETURN(std::optional<sync::StaffAccount> held, store->FindStaff(a.staff_id));
  if (held) return FailedPrecondition("staff " + Quote(a.staff_id) + " exists already (staff passwd / disable change it)");
  SILIAN_ASSIGN_OR_RETURN(a.verifier, NewVerifier(a.staff_id, o.passphrase_stdin));
  return Publish(g, *store, a, "added");
}

Status RunStaffBootstrap(const GlobalOptions& g, const StaffOptions& o) {
  SILIAN_ASSIGN_OR_RETURN(sync::NodeId id, sync::ParseNodeId(o.id));
  SILIAN_ASSIGN_OR_RETURN(auto store, OpenHubLedger(g));
  SILIAN_ASSIGN_OR_RETURN(auto accounts, store->StaffAccounts());
  if (!accounts.empty())
    return FailedPrecondition("staff bootstrap makes only the first account, and this hub holds " +
                              std::to_string(accounts.size()) + " already (" + Quote(accounts.front().staff_id) +
                              ", ...): an administrator adds staff with staff add");
  sync::StaffAccount a;
  a.staff_id = id.value;
  a.name = o.name;
  a.node_id = store->config().node_id.value;
  a.division = store->config().division.value;
  a.roles = {sync::Role::kAdministrator};
  SILIAN_ASSIGN_OR_RETURN(a.verifier, NewVerifier(a.staff_id, o.passphrase_stdin));
  SILIAN_RETURN_IF_ERROR(Publish(g, *store, a, "bootstrapped administrator"));
  if (!g.json)
    std::cout << "it works at " << a.node_id << " (division " << a.division << "); log in with: silian-hub login "
              << a.staff_id << "\n";
  return Status::Ok();
}

Status RunStaffList(const GlobalOptions& g) {
  SILIAN_ASSIGN_OR_RETURN(auto store, OpenHubLedger(g));
  SILIAN_ASSIGN_OR_RETURN(auto accounts, store->StaffAccounts());
  nlohmann::json arr = nlohmann::json::array();
  std::vector<std::vector<std::string>> rows = {{"STAFF", "NAME", "NODE", "DIVISION", "ROLES", "STATUS"}};
  for (const auto& a : accounts) {
    arr.push_back(AccountJson(a));
    rows.push_back({a.staff_id, a.name, a.node_id.empty() ? "-" : a.node_id, a.division, a.RolesText(),
                    a.active ? "active" : "disabled"});
  }
  if (g.json) {
    console::PrintJson(arr);
  } else if (accounts.empty()) {
    std::cout << "no staff accounts (silian-hub staff add ID --name N --node ID --role R)\n";
  } else {
    std::cout << console::RenderTable(rows);
  }
  return Status::Ok();
}

Status RunStaffDisable(const GlobalOptions& g, const std::string& id) {
  SILIAN_ASSIGN_OR_RETURN(auto store, OpenHubLedger(g));
  SILIAN_ASSIGN_OR_RETURN(sync::StaffAccount a, HeldAccount(*store, id));
  a.active = false;
  return Publish(g, *store, a, "disabled");
}

Status RunStaffPasswd(const GlobalOptions& g, const std::string& id, bool passphrase_stdin) {
  SILIAN_ASSIGN_OR_RETURN(auto store, OpenHubLedger(g));
  SILIAN_ASSIGN_OR_RETURN(sync::StaffAccount a, HeldAccount(*store, id));
  SILIAN_ASSIGN_OR_RETURN(a.verifier, NewVerifier(a.staff_id, passphrase_stdin));
  return Publish(g, *store, a, "changed the passphrase of");
}

Status RunAudit(const GlobalOptions& g, int64_t limit) {
  if (limit < 1 || limit > 100'000) return InvalidArgument("--limit " + std::to_string(limit) + " must be 1 to 100000");
  SILIAN_ASSIGN_OR_RETURN(auto store, OpenHubLedger(g));
  SILIAN_ASSIGN_OR_RETURN(auto records, store->AuditRecords(static_cast<size_t>(limit)));
  nlohmann::json arr = nlohmann::json::array();
  std::vector<std::vector<std::string>> rows = {{"TIME", "OP", "DIVISION", "EVENT", "STAFF", "ACTION", "DETAIL"}};
  for (const auto& r : records) {
    std::string time = sync::HlcToIso(r.hlc);
    arr.push_back({{"time", time}, {"op", r.op.ToString()}, {"node", r.op.origin}, {"division", r.division},
                   {"event", r.event}, {"staff_id", r.staff_id}, {"action", r.action}, {"detail", r.detail}});
    rows.push_back({sync::CstFromIso(time), r.op.ToString(), r.division, r.event, r.staff_id, r.action, r.detail});
  }
  if (g.json) {
    console::PrintJson(arr);
  } else if (records.empty()) {
    std::cout << "no audit records\n";
  } else {
    std::cout << console::RenderTable(rows);
  }
  return Status::Ok();
}

}  // namespace silian::hub
