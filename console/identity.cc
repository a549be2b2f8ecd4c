#include "console/identity.h"

#include <iostream>

#include <CLI/CLI.hpp>

#include "base/keys.h"
#include "console/support.h"

namespace silian::console {
namespace {

Status RunIdentity(const GlobalOptions& g) {
  SILIAN_ASSIGN_OR_RETURN(auto store, OpenLedger(g));
  const sync::NodeConfig& c = store->config();
  const std::string& key = store->ledger().signing_key().public_key();
  if (g.json) {
    PrintJson({{"node", c.node_id.value},
               {"level", sync::LevelName(c.level)},
               {"division", c.division.value},
               {"device", c.device},
               {"scope", store->scope()},
               {"public_key", sync::ToBase64(key)},
               {"key_fingerprint", sync::KeyFingerprint(key)}});
    return Status::Ok();
  }
  std::cout << "node        " << c.node_id.value << "\n"
            << "level       " << sync::LevelName(c.level) << "\n"
            << "division    " << c.division.value << " (scope " << store->scope() << ")\n"
            << "device      " << c.device << "\n"
            << "public key  " << sync::ToBase64(key) << "\n"
            << "fingerprint " << sync::KeyFingerprint(key) << "\n";
  return Status::Ok();
}

}  // namespace

void AddIdentityCommand(Program* program) {
  CLI::App* cmd = program->app().add_subcommand(
      "identity", "Show this replica's node id, area and public key (what its hub registers)");
  program->OnRun(cmd, [program] { return RunIdentity(program->global()); });
}

}  // namespace silian::console
