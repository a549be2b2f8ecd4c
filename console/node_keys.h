// The registry's view of senders' keys for the sync protocol's signed requests and replies
// (net/request_auth.h): sync/net may not depend on domain/, so the programs inject this lookup into
// SyncService (the hub, checking requests) and into SyncClient (nodes and the hub's relay, checking replies).
#pragma once

#include "net/request_auth.h"

namespace silian::console {

// Looks a node up with domain::Registry::Find on the ledger it is given: its key, level, removed or
// revoked. Thread-safe (stateless); each call runs under the caller's ledger lock.
sync::NodeKeyLookup RegistryKeyLookup();

}  // namespace silian::console
