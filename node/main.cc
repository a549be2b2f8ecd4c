// silian-node: the program of village agents and township staff. This file maps the command line onto the
// commands of node/commands.h and owns the process edge: the one-line error on stderr and the exit code
// (0 success, 1 failure, 2 bad usage or bad input). Library exceptions stop here.
#include <functional>
#include <iostream>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "console/cases.h"
#include "console/reference.h"
#include "node/commands.h"
#include "domain/case_model.h"

namespace silian::node {
namespace {

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

// Messages are one line; a newline from a library would split it.
void PrintError(const std::string& message) {
  std::string line = message;
  for (char& c : line)
    if (c == '\n' || c == '\r') c = ' ';
  std::cerr << "silian-node: " << line << '\n';
}

// The parsed command line: global options, each command's options, and the command to run.
struct CommandLine {
  GlobalOptions global;
  InitOptions init;
  console::CaseCommands cases;
  bool all_versions = false;
  std::string code;
  std::optional<uint32_t> version;
  std::string date;
  std::optional<std::string> division;
  std::optional<int> year;
  ResolveOptions resolve;
  BundleExportOptions bundle_export;
  std::string file;
  std::optional<std::string> digest_scope;
  SyncCommandOptions sync;
  std::string config_key;
  std::string config_value;
  std::function<Status()> run;
};

void AddActorOption(CLI::App* cmd, std::optional<std::string>* actor) {
  cmd->add_option("--actor", *actor, "staff or agent id recorded on the op (default: SILIAN_ACTOR, else the node id)");
}

void AddInit(CLI::App& app, CommandLine& cl) {
  CLI::App* cmd = app.add_subcommand("init", "Create a new ledger for this node (never overwrites one)");
  cmd->add_option("--node-id", cl.init.node_id, "this node's id: 1-64 of [A-Za-z0-9._-]")->required();
  cmd->add_option("--level", cl.init.level, "village or township")->required();
  cmd->add_option("--division", cl.init.division, "this node's 12-digit division code")->required();
  cmd->add_option("--device", cl.init.device, "two digits, unique among the devices of the division")
      ->capture_default_str();
  cmd->add_option("--hub", cl.init.hub, "URL of the hub to sync with (also: config set hub URL)");
  cmd->callback([&cl] { cl.run = [&cl] { return RunInit(cl.global, cl.init); }; });
}

void AddCase(CLI::App& app, CommandLine& cl) {
  CLI::App* group = app.add_subcommand("case", "Create, list, show and change cases");
  group->require_subcommand(1);
  console::AddCaseCommands(group, &cl.cases, &cl.global, &cl.run);
}

void AddReference(CLI::App& app, CommandLine& cl) {
  CLI::App* group = app.add_subcommand("catalog", "The item catalogue this node holds (published by the hubs)");
  group->require_subcommand(1);
  CLI::App* cmd = group->add_subcommand("list", "List the items: code, version, level, limits, kind");
  cmd->add_flag("--all-versions", cl.all_versions, "every version, not only the latest");
  cmd->callback([&cl] { cl.run = [&cl] { return console::RunCatalogList(cl.global, cl.all_versions); }; });
  cmd = group->add_subcommand("show", "Show one item: limits, departments, materials, fees");
  cmd->add_option("CODE", cl.code, "the item code")->required();
  cmd->add_option("--version", cl.version, "a version (default: the latest)");
  cmd->callback([&cl] { cl.run = [&cl] { return console::RunCatalogShow(cl.global, cl.code, cl.version); }; });

  group = app.add_subcommand("calendar", "The working-day calendar: national base and local overlays");
  group->require_subcommand(1);
  cmd = group->add_subcommand("check", "Say whether DATE is a working day here, and why");
  cmd->add_option("DATE", cl.date, "YYYY-MM-DD")->required();
  cmd->add_option("--division", cl.division, "whose calendar (default: this node's division)");
  cmd->callback([&cl] { cl.run = [&cl] { return console::RunCalendarCheck(cl.global, cl.date, cl.division); }; });
  cmd = group->add_subcommand("show", "List the rest days and make-up working days of a year");
  cmd->add_option("--year", cl.year, "the year (default: this year)");
  cmd->add_option("--division", cl.division, "whose calendar (default: this node's division)");
  cmd->callback([&cl] { cl.run = [&cl] { return console::RunCalendarShow(cl.global, cl.year, cl.division); }; });
}

void AddConflicts(CLI::App& app, CommandLine& cl) {
  CLI::App* group = app.add_subcommand("conflicts", "List open conflicts, or resolve one");
  group->require_subcommand(0, 1);
  group->callback([&cl] {
    if (!cl.run) cl.run = [&cl] { return RunConflicts(cl.global); };
  });

  CLI::App* cmd = group->add_subcommand("resolve", "Resolve a conflict with a new value or by keeping one op");
  cmd->add_option("ID", cl.resolve.conflict_id, "the conflict id, as `conflicts` lists it")->required();
  cmd->add_option("--value", cl.resolve.value, "the value that ends a field conflict");
  cmd->add_option("--keep", cl.resolve.keep, "the op id (origin:seq) whose value or action wins");
  AddActorOption(cmd, &cl.resolve.actor);
  cmd->callback([&cl] { cl.run = [&cl] { return RunConflictsResolve(cl.global, cl.resolve); }; });
}

void AddExchange(CLI::App& app, CommandLine& cl) {
  CLI::App* group = app.add_subcommand("bundle", "Carry ops between replicas in a file");
  group->require_subcommand(1);

  CLI::App* cmd = group->add_subcommand("export", "Write the ops in scope (or those a frontier lacks) to FILE");
  cmd->add_option("FILE", cl.bundle_export.file, "the bundle to write")->required();
  cmd->add_option("--for", cl.bundle_export.for_frontier_file,
                  "a frontier file of the receiving node: only the ops it lacks are written");
  cmd->callback([&cl] { cl.run = [&cl] { return RunBundleExport(cl.global, cl.bundle_export); }; });

  cmd = group->add_subcommand("import", "Apply the ops of a bundle file (idempotent; all or nothing)");
  cmd->add_option("FILE", cl.file, "the bundle to read")->required();
  cmd->callback([&cl] { cl.run = [&cl] { return RunBundleImport(cl.global, cl.file); }; });

  group = app.add_subcommand("frontier", "Describe what this node holds, for `bundle export --for`");
  group->require_subcommand(1);
  cmd = group->add_subcommand("export", "Write this node's frontier to FILE");
  cmd->add_option("FILE", cl.file, "the frontier file to write")->required();
  cmd->callback([&cl] { cl.run = [&cl] { return RunFrontierExport(cl.global, cl.file); }; });
}

void AddSync(CLI::App& app, CommandLine& cl) {
  CLI::App* cmd = app.add_subcommand("sync", "Sync with a hub: push what it lacks, pull what this node lacks");
  cmd->add_option("--hub", cl.sync.hubs,
                  "hub URL, e.g. http://127.0.0.1:8701; repeat (or separate with commas) to fail over in order "
                  "(default: the hub set at init or with `config set hub`)");
  cmd->add_flag("--watch", cl.sync.watch, "keep syncing until interrupted, backing off while offline");
  cmd->add_option("--interval", cl.sync.interval_s, "seconds between syncs with --watch")->capture_default_str();
  cmd->callback([&cl] { cl.run = [&cl] { return RunSync(cl.global, cl.sync); }; });

  CLI::App* config = app.add_subcommand("config", "Show or change this node's settings");
  config->require_subcommand(1);
  CLI::App* set = config->add_subcommand("set", "Change a setting: hub URL[,URL...]");
  set->add_option("KEY", cl.config_key, "the setting: hub")->required();
  set->add_option("VALUE", cl.config_value, "its value")->required();
  set->callback([&cl] { cl.run = [&cl] { return RunConfigSet(cl.global, cl.config_key, cl.config_value); }; });
  config->add_subcommand("show", "Show the settings")->callback([&cl] {
    cl.run = [&cl] { return RunConfigShow(cl.global); };
  });
}

void AddReports(CLI::App& app, CommandLine& cl) {
  CLI::App* cmd = app.add_subcommand("status", "Show the node, its counts, clock skew and frontier");
  cmd->callback([&cl] { cl.run = [&cl] { return RunStatus(cl.global); }; });

  cmd = app.add_subcommand("digest", "Print `ops=N ledger=HEX state=HEX`; equal on replicas holding equal ops");
  cmd->add_option("--scope", cl.digest_scope, "a division prefix of 4, 6, 9 or 12 digits (default: this node's)");
  cmd->callback([&cl] { cl.run = [&cl] { return RunDigest(cl.global, cl.digest_scope); }; });
}

// The most specific command named on the command line.
CLI::App* DeepestCommand(CLI::App* app) {
  for (std::vector<CLI::App*> selected = app->get_subcommands(); !selected.empty();
       selected = app->get_subcommands())
    app = selected.front();
  return app;
}

// The message for a parse error. CLI11 says only "A subcommand is required" when a command group such as
// `case` is given no command or an unknown one; name the group, the word, and the commands instead.
std::string ParseErrorMessage(CLI::App& app, const CLI::ParseError& e) {
  CLI::App* group = DeepestCommand(&app);
  std::vector<CLI::App*> commands = group->get_subcommands([](CLI::App*) { return true; });
  if (dynamic_cast<const CLI::RequiredError*>(&e) == nullptr || commands.empty())
    return std::string(e.what()) + " (see --help)";
  std::string path;
  for (CLI::App* a = group; a != nullptr; a = a->get_parent())
    path = a->get_name() + (path.empty() ? "" : " " + path);
  std::string names;
  for (CLI::App* c : commands) names += (names.empty() ? "" : ", ") + c->get_name();
  std::vector<std::string> rest = app.remaining(true);
  if (rest.empty()) return path + " needs a command, one of: " + names;
  return "unknown command \"" + rest.front() + "\" for " + path + "; commands: " + names;
}

int Main(int argc, char** argv) {
  CommandLine cl;
  CLI::App app("Silian node: an offline-first case ledger for village agent points and township halls.",
               "silian-node");
  // Global options may come after the command too: `silian-node case show X --json`.
  app.fallthrough();
  app.add_option("--db", cl.global.db_path, "the ledger file")->envname("SILIAN_DB");
  app.add_flag("--json", cl.global.json, "print one JSON document instead of text");
  AddInit(app, cl);
  AddCase(app, cl);
  AddConflicts(app, cl);
  AddReference(app, cl);
  AddExchange(app, cl);
  AddSync(app, cl);
  AddReports(app, cl);
  app.require_subcommand(1);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) return app.exit(e);  // --help
    PrintError(ParseErrorMessage(app, e));
    return kExitUsage;
  }
  if (!cl.run) {
    PrintError("no command given (see --help)");
    return kExitUsage;
  }
  Status status = cl.run();
  if (!status.ok()) {
    PrintError(status.message());
    return ExitCodeFor(status.code());
  }
  // Output that never reached its reader (a full disk, a closed pipe) is a failure, not a success.
  if (!std::cout.flush()) {
    PrintError("cannot write the output to stdout");
    return kExitFailure;
  }
  return 0;
}

}  // namespace
}  // namespace silian::node

int main(int argc, char** argv) {
  try {
    return silian::node::Main(argc, argv);
  } catch (const nlohmann::json::exception& e) {
    silian::node::PrintError(std::string("internal error in JSON handling: ") + e.what());
  } catch (const std::bad_alloc&) {
    silian::node::PrintError("out of memory");
  } catch (const std::exception& e) {
    silian::node::PrintError(std::string("internal error: ") + e.what());
  }
  return silian::node::kExitFailure;
}
