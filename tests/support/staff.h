// Staff accounts and logins for tests (domain/staff.h): an account published at the test's hub and a staff
// member logged in at a node, in process or through the programs as an operator and a clerk would.
#pragma once

#include <string>
#include <vector>

#include "domain/staff.h"
#include "domain/store.h"
#include "support/process.h"

namespace silian::test {

// The passphrase of every account these helpers make (long enough for CheckPassphraseStrength).
inline constexpr const char* kStaffPassphrase = "correct horse battery";

// Publishes an active account at `hub` (in process) for `node` with `roles`; REQUIREs it was published.
void PublishStaff(sync::LedgerStore& hub, const std::string& staff_id, const std::string& node,
                  const std::vector<sync::Role>& roles);

// The environment of a program run by a staff member: their session token files in `session_dir`.
Env StaffEnv(const std::string& session_dir);

// `silian-hub --db HUB staff add ID --name ID --node NODE --role R... --passphrase-stdin`; REQUIREs exit 0.
void AddStaffAtHub(const std::string& hub_db, const std::string& staff_id, const std::string& node,
                   const std::vector<std::string>& roles);
// `silian-node --db DB login ID --passphrase-stdin` with the session in `session_dir`; the result.
ProcessResult LoginAtNode(const std::string& program, const std::string& db, const std::string& staff_id,
                          const std::string& session_dir, const std::string& passphrase = kStaffPassphrase,
                          const std::vector<std::string>& extra = {});

}  // namespace silian::test
