// `identity`: who this replica is and the public key it signs with, for the administrator who registers it
// (`silian-hub node add ID ... --public-key KEY`) and compares the fingerprint read out over the phone.
// Shared by silian-node and silian-hub.
#pragma once

#include "console/program.h"

namespace silian::console {

void AddIdentityCommand(Program* program);

}  // namespace silian::console
