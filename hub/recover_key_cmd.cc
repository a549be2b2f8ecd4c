#include "hub/recover_key_cmd.h"

#include <iostream>

#include <CLI/CLI.hpp>

#include "base/files.h"
#include "console/support.h"
#include "ledger/keyslots.h"

namespace silian::hub {

Status RunRecoverKey(const console::GlobalOptions& g, const std::string& request_file, const std::string& out) {
  SILIAN_ASSIGN_OR_RETURN(std::string request, ReadFileBounded(request_file, "recovery request", 16 * 1024));
  SILIAN_ASSIGN_OR_RETURN(auto store, console::OpenLedger(g));
  const sync::Ledger& ledger = store->ledger();
  auto key_file = sync::RecoverKeyFile(request, ledger.config().node_id.value, ledger.signing_key());
  if (!key_file.ok()) return console::WithContext(key_file.status(), request_file, "recovery request " + Quote(request_file));
  SILIAN_RETURN_IF_ERROR(WriteFileAtomically(out, "recovered-key file", *key_file));
  std::cerr << "wrote the recovered key to " << out
            << " (mode 0600): carry it to the node, run `silian-node keyslot add STAFF_ID --recovery-key " << out
            << "`, then destroy it\n";
  return Status::Ok();
}

void AddRecoverKeyCommand(console::Program& p) {
  static std::string request, out;
  CLI::App* cmd = p.app().add_subcommand(
      "recover-key", "Open a node's recovery request (sealed to this hub's key) and write its ledger key file");
  cmd->add_option("REQUEST", request, "the file `silian-node keyslot recovery-request` wrote")->required();
  cmd->add_option("--out", out, "the key file to write (mode 0600)")->required();
  p.OnRun(cmd, [&p] { return RunRecoverKey(p.global(), request, out); });
}

}  // namespace silian::hub
