// silian-hub recover-key REQUEST --out KEYFILE: opens the recovery slot a node's encrypted ledger sealed to
// this hub's key (ledger/keyslots.h) and writes the node's data key to KEYFILE (mode 0600), which the node
// turns into a new passphrase slot with `silian-node keyslot add SLOT --recovery-key KEYFILE`.
#pragma once

#include <string>

#include "base/status.h"
#include "console/program.h"

namespace silian::hub {

Status RunRecoverKey(const console::GlobalOptions& g, const std::string& request_file, const std::string& out);

// Registers `recover-key` on `p`.
void AddRecoverKeyCommand(console::Program& p);

}  // namespace silian::hub
