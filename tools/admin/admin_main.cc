// silian-admin: administration of a hub's reference data. `catalog import FILE` and `calendar import FILE`
// publish the item catalogue and working-day calendars (docs/catalog-format.md, docs/calendar-format.md)
// as reference ops of the hub's ledger, for its whole area; the hub's nodes receive them at their next
// sync. Safe next to a running `silian-hub serve` (the ledger notices the other writer) and safe to run
// again: unchanged items and calendars are not published twice.
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "base/files.h"
#include "console/program.h"
#include "console/reference.h"
#include "console/support.h"
#include "domain/calendar.h"
#include "domain/catalog.h"
#include "domain/json_input.h"
#include "domain/store.h"

namespace silian::admin {
namespace {

using console::GlobalOptions;
using console::PrintJson;

std::string BaseName(const std::string& path) {
  auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

Status RunCatalogImport(const GlobalOptions& g, const std::string& file, const std::string& actor, bool dry_run) {
  SILIAN_ASSIGN_OR_RETURN(std::string text, ReadFileBounded(file, "catalogue", sync::kMaxJsonInputBytes));
  SILIAN_ASSIGN_OR_RETURN(auto items, sync::ParseCatalogJson(text, BaseName(file)));
  SILIAN_ASSIGN_OR_RETURN(auto store, console::OpenLedger(g));
  if (dry_run) {
    if (g.json) {
      PrintJson({{"file", file}, {"items", items.size()}, {"dry_run", true}});
    } else {
      std::cout << file << ": " << items.size() << " items, all valid (not published: --dry-run)\n";
    }
    return Status::Ok();
  }
  if (store->config().level != sync::Level::kCounty && store->config().level != sync::Level::kCity)
    return FailedPrecondition(std::string("the catalogue is published at a county or city hub; ") + Quote(g.db_path) +
                              " is the ledger of a " + sync::LevelName(store->config().level) + " node");
  std::cerr << "publishing " << items.size() << " items from " << file << " ...\n";
  SILIAN_ASSIGN_OR_RETURN(auto result, store->PublishItems(std::move(items), actor));
  if (g.json) {
    nlohmann::json published = nlohmann::json::array();
    for (const auto& item : result.published) published.push_back({{"code", item.code()}, {"version", item.version()}});
    PrintJson({{"file", file}, {"published", published}, {"unchanged", result.unchanged}});
  } else {
    for (const auto& item : result.published)
      std::cout << "published " << item.code() << " version " << item.version() << "  " << item.name() << "\n";
    std::cout << result.published.size() << (result.published.size() == 1 ? " item" : " items") << " published, "
              << result.unchanged.size()
              << " unchanged; nodes receive them at their next sync\n";
  }
  return Status::Ok();
}

Status RunCalendarImport(const GlobalOptions& g, const std::string& file, const std::string& actor) {
  SILIAN_ASSIGN_OR_RETURN(std::string text, ReadFileBounded(file, "calendar", sync::kMaxJsonInputBytes));
  SILIAN_ASSIGN_OR_RETURN(auto calendar, sync::ParseCalendarJson(text, BaseName(file)));
  SILIAN_ASSIGN_OR_RETURN(auto store, console::OpenLedger(g));
  std::string name = calendar.name();
  SILIAN_ASSIGN_OR_RETURN(bool published, store->PublishCalendar(std::move(calendar), actor));
  if (g.json) {
    PrintJson({{"file", file}, {"calendar", name}, {"area", store->scope()}, {"published", published}});
  } else if (published) {
    std::cout << "published calendar " << name << " for area " << store->scope() << "\n";
  } else {
    std::cout << "calendar " << name << " for area " << store->scope() << " is unchanged; nothing published\n";
  }
  return Status::Ok();
}

// The options of silian-admin's commands, filled by the parser.
struct CommandLine {
  std::string file;
  std::string actor = "admin";
  bool dry_run = false;
  console::ReferenceCommands reference;
};

void AddCommands(console::Program& p, CommandLine& cl) {
  p.app().add_option("--actor", cl.actor, "who publishes, recorded on the ops")->capture_default_str();
  CLI::App* catalog = p.app().add_subcommand("catalog", "The item catalogue");
  catalog->require_subcommand(1);
  CLI::App* cmd = catalog->add_subcommand("import", "Check a catalogue file and publish the items that changed");
  cmd->add_option("FILE", cl.file, "the catalogue (JSON, docs/catalog-format.md)")->required();
  cmd->add_flag("--dry-run", cl.dry_run, "only check the file");
  p.OnRun(cmd, [&p, &cl] { return RunCatalogImport(p.global(), cl.file, cl.actor, cl.dry_run); });

  CLI::App* calendar = p.app().add_subcommand("calendar", "Working-day calendars");
  calendar->require_subcommand(1);
  cmd = calendar->add_subcommand("import", "Check a calendar file and publish it for the hub's area");
  cmd->add_option("FILE", cl.file, "the calendar (JSON, docs/calendar-format.md)")->required();
  p.OnRun(cmd, [&p, &cl] { return RunCalendarImport(p.global(), cl.file, cl.actor); });

  console::AddReferenceCommands(catalog, calendar, &cl.reference, &p);
}

}  // namespace
}  // namespace silian::admin

int main(int argc, char** argv) {
  silian::console::Program program(
      "silian-admin", "Silian admin: publish the item catalogue and working-day calendars from a county or city hub.",
      "the hub's ledger file");
  silian::admin::CommandLine cl;
  return program.Main(argc, argv, [&] { silian::admin::AddCommands(program, cl); });
}
