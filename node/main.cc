// silian-node: the program of village agents and township staff. This file maps the command line onto the
// commands of node/commands.h; console/program.h owns the process edge (one-line errors, exit codes).
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "console/cases.h"
#include "console/identity.h"
#include "console/program.h"
#include "console/reference.h"
#include "node/commands.h"
#include "node/unlock.h"
#include "console/session.h"
#include "node/enrol.h"

namespace silian::node {
namespace {

// The parsed command line: each command's options.
struct CommandLine {
  InitOptions init;
  console::CaseCommands cases;
  console::ReferenceCommands reference;
  ResolveOptions resolve;
  BundleExportOptions bundle_export;
  std::string file;
  std::optional<std::string> digest_scope;
  SyncCommandOptions sync;
  console::ConfigCommands config;
  console::LoginOptions login;
  UiOptions ui;
};

void AddInit(console::Program& p, CommandLine& cl) {
  CLI::App* cmd = p.app().add_subcommand("init", "Create a new ledger for this node (never overwrites one)");
  cmd->add_option("--node-id", cl.init.node_id, "this node's id: 1-64 of [A-Za-z0-9._-]")->required();
  cmd->add_option("--level", cl.init.level, "village or township")->required();
  cmd->add_option("--division", cl.init.division, "this node's 12-digit division code")->required();
  cmd->add_option("--device", cl.init.device, "two digits, unique among the devices of the division")
      ->capture_default_str();
  cmd->add_option("--hub", cl.init.hub, "URL of the hub to sync with (also: config set hub URL)");
  cmd->add_option("--hub-ca", cl.init.hub_ca, "PEM file of the CA that signed the hub's certificate (setting hub_ca)");
  cmd->add_option("--hub-pin", cl.init.hub_pin, "sha256//BASE64 pin of the hub's public key (setting hub_pin)");
  cmd->add_option("--enrol", cl.init.enrol, "the enrolment code the hub gave (node add): enrol with --hub now");
  cmd->add_option("--enrol-request", cl.init.enrol_request,
                  "with --enrol: write the enrolment request to FILE for the hub (offline), not to --hub");
  cmd->add_option("--hub-key", cl.init.hub_key,
                  "with --enrol: the hub's public key (base64, from the administrator with the code): its signed "
                  "enrolment answer must carry it");
  p.OnRun(cmd, [&p, &cl] { return RunInit(p.global(), cl.init); });
  cmd = p.app().add_subcommand("enrol", "Apply the hub's answer to an offline enrolment request (node enrol)");
  cmd->add_option("FILE", cl.file, "the answer file")->required();
  p.OnRun(cmd, [&p, &cl] { return RunEnrol(p.global(), cl.file); });
}

// Commands that author ops wait while the ledger looks restored from an older copy (node/enrol.h).
void GuardAuthoring(console::Program& p) {
  p.app().final_callback([&p] {
    for (CLI::App* group : p.app().get_subcommands()) {
      const std::string name = group->get_name();
      for (CLI::App* cmd : group->get_subcommands()) {
        const std::string sub = cmd->get_name();
        bool authors = (name == "case" && sub != "list" && sub != "show" && sub != "notice" && sub != "print") || (name == "conflicts" && sub == "resolve");
        if (!authors) continue;
        Status s = CheckBeforeAuthoring(p.global());
        if (!s.ok()) p.SetCommand([s] { return s; });
      }
    }
  });
}

void AddCase(console::Program& p, CommandLine& cl) {
  CLI::App* group = p.app().add_subcommand("case", "Create, list, show and change cases");
  group->require_subcommand(1);
  console::AddCaseCommands(group, &cl.cases, &p);
}

void AddReference(console::Program& p, CommandLine& cl) {
  CLI::App* catalog = p.app().add_subcommand("catalog", "The item catalogue this node holds (published by the hubs)");
  catalog->require_subcommand(1);
  CLI::App* calendar = p.app().add_subcommand("calendar", "The working-day calendar: national base and local overlays");
  calendar->require_subcommand(1);
  console::AddReferenceCommands(catalog, calendar, &cl.reference, &p);
}

void AddConflicts(console::Program& p, CommandLine& cl) {
  CLI::App* group = p.app().add_subcommand("conflicts", "List open conflicts, or resolve one");
  group->require_subcommand(0, 1);
  CLI::App* cmd = group->add_subcommand("resolve", "Resolve a conflict with a new value or by keeping one op");
  cmd->add_option("ID", cl.resolve.conflict_id, "the conflict id, as `conflicts` lists it")->required();
  cmd->add_option("--value", cl.resolve.value, "the value that ends a field conflict");
  cmd->add_option("--keep", cl.resolve.keep, "the op id (origin:seq) whose value or action wins");
  console::AddActorOption(cmd, &cl.resolve.actor);
  p.OnRun(cmd, [&p, &cl] { return RunConflictsResolve(p.global(), cl.resolve); });
  // `conflicts` alone lists them.
  group->callback([&p, group] {
    if (group->get_subcommands().empty()) p.SetCommand([&p] { return RunConflicts(p.global()); });
  });
}
void AddExchange(console::Program& p, CommandLine& cl) {
  CLI::App* group = p.app().add_subcommand("bundle", "Carry ops between replicas in a file");
  group->require_subcommand(1);

  CLI::App* cmd = group->add_subcommand("export", "Write the ops in scope (or those a frontier lacks) to FILE");
  cmd->add_option("FILE", cl.bundle_export.file, "the bundle to write")->required();
  cmd->add_option("--for", cl.bundle_export.for_frontier_file,
                  "a frontier file of the receiving node: only the ops it lacks are written");
  cmd->add_option("--holder-scope", cl.bundle_export.holder_scope,
                  "with --for: the division prefix the receiving node serves, when wider than one village "
                  "(the clerk vouches for it)");
  cmd->add_option("--to", cl.bundle_export.to,
                  "the node the stick is for: the bundle is sealed with its registered key, so only it can read "
                  "it (with --for, the frontier's node is the default)");
  p.OnRun(cmd, [&p, &cl] { return RunBundleExport(p.global(), cl.bundle_export); });

  cmd = group->add_subcommand("import", "Apply the ops of a bundle file (idempotent; all or nothing)");
  cmd->add_option("FILE", cl.file, "the bundle to read")->required();
  p.OnRun(cmd, [&p, &cl] { return RunBundleImport(p.global(), cl.file); });

  group = p.app().add_subcommand("frontier", "Describe what this node holds, for `bundle export --for`");
  group->require_subcommand(1);
  cmd = group->add_subcommand("export", "Write this node's frontier to FILE");
  cmd->add_option("FILE", cl.file, "the frontier file to write")->required();
  p.OnRun(cmd, [&p, &cl] { return RunFrontierExport(p.global(), cl.file); });
}

void AddSync(console::Program& p, CommandLine& cl) {
  CLI::App* cmd = p.app().add_subcommand("sync", "Sync with a hub: push what it lacks, pull what this node lacks");
  cmd->add_option("--hub", cl.sync.hubs,
                  "hub URL, e.g. https://county.example:8700; repeat (or separate with commas) to fail over in order "
                  "(default: the hub set at init or with `config set hub`)");
  cmd->add_flag("--watch", cl.sync.watch, "keep syncing until interrupted, backing off while offline");
  cmd->add_option("--interval", cl.sync.interval_s, "seconds between syncs with --watch")->capture_default_str();
  p.OnRun(cmd, [&p, &cl] { return RunSync(p.global(), cl.sync); });

  console::AddConfigCommands(&p, "Show or change this node's settings", "hub URL[,URL...], hub_ca FILE, hub_pin sha256//BASE64", &cl.config,
                             RunConfigSet, RunConfigShow);
}

void AddReports(console::Program& p, CommandLine& cl) {
  CLI::App* cmd = p.app().add_subcommand("status", "Show the node, its counts, clock skew and frontier");
  p.OnRun(cmd, [&p] { return RunStatus(p.global()); });

  cmd = p.app().add_subcommand("digest", "Print `ops=N ledger=HEX state=HEX`; equal on replicas holding equal ops");
  cmd->add_option("--scope", cl.digest_scope, "a division prefix of 4, 6, 9 or 12 digits (default: this node's)");
  p.OnRun(cmd, [&p, &cl] { return RunDigest(p.global(), cl.digest_scope); });
}

void AddUi(console::Program& p, CommandLine& cl) {
  CLI::App* cmd = p.app().add_subcommand("ui", "Serve the web app on http://127.0.0.1:PORT (this machine only)");
  cmd->add_option("--port", cl.ui.port, "the loopback port")->capture_default_str();
  cmd->add_flag("--open", cl.ui.open, "open the app in the desktop's browser");
  p.OnRun(cmd, [&p, &cl] { return RunUi(p.global(), cl.ui); });
}

}  // namespace
}  // namespace silian::node

int main(int argc, char** argv) {
  using namespace silian::node;  // NOLINT: the registration functions above
  silian::console::Program program(
      "silian-node", "Silian node: an offline-first case ledger for village agent points and township halls.",
      "the ledger file");
  CommandLine cl;
  return program.Main(argc, argv, [&] {
    AddInit(program, cl);
    AddCase(program, cl);
    AddConflicts(program, cl);
    AddReference(program, cl);
    AddExchange(program, cl);
    AddSync(program, cl);
    AddReports(program, cl);
    AddUi(program, cl);
    GuardAuthoring(program);
    silian::console::AddIdentityCommand(&program);
    AddUnlockCommands(program);
    silian::console::AddSessionCommands(program, &cl.login);
  });
}
