// The node's side of enrolment (hub/enrol.h) and the guard against restored ledgers.
//
// Enrolment: `init --hub URL --enrol CODE` posts {node, level, division, public_key, code} to the hub's
// /v1/enrol before the ledger exists, then creates it with the key it sent and the device the hub
// allocated; `init --enrol CODE --enrol-request FILE` writes the same request, signed by the node's key,
// for the offline path, and `enrol FILE` applies the hub's answer. Either way the answer pins the registry
// root (settings registry_root, registry_root_key) and names the hub (settings hub_node, hub_public_key).
//
// Restored ledgers: after every successful sync the node records, in FILE.sent next to its ledger FILE
// (0600, base/files.h), the highest seq of its own ops the hub holds. Before a command authors an op,
// CheckNotRestored refuses when the ledger's own ops end below that mark: the ledger is an older copy, and
// a new op would reuse a seq already sent. A sync fetches the node's own ops back from the hub (they carry
// its own signatures), after which authoring resumes. Limit: a restore of the whole disk (ledger and mark)
// is caught only at the next sync, when the hub already holds the seq.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "base/keys.h"
#include "console/support.h"
#include "domain/store.h"
#include "console/enrol_client.h"

namespace silian::node {

// Set while an offline enrolment request is out: authoring waits for the answer (`enrol FILE`).
inline constexpr const char* kEnrolPendingSetting = "enrol_pending";

// `silian-node enrol FILE`: applies an offline answer to the ledger of --db.
Status RunEnrol(const console::GlobalOptions& g, const std::string& file);

// The restored-ledger mark: where it is kept, recording it after a sync, and the check before authoring.
std::string SentMarkPath(const std::string& db_path);
Status RecordSent(const std::string& db_path, sync::LedgerStore& store);
// The seq recorded in the mark; 0 when there is none. kDataLoss when it is another node's or malformed.
Result<uint64_t> ReadSentMark(const std::string& db_path, sync::LedgerStore& store);
Status CheckNotRestored(const std::string& db_path, sync::LedgerStore& store);
// The same for the ledger of --db (opens it); OK when there is no ledger.
Status CheckBeforeAuthoring(const console::GlobalOptions& g);

}  // namespace silian::node
