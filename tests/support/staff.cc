#include "support/staff.h"

#include <catch2/catch.hpp>

#include "support/programs.h"
#include "support/status.h"

namespace silian::test {

void PublishStaff(sync::LedgerStore& hub, const std::string& staff_id, const std::string& node,
                  const std::vector<sync::Role>& roles) {
  sync::StaffAccount a;
  a.staff_id = staff_id;
  a.name = "staff " + staff_id;
  a.node_id = node;
  a.roles = roles;
  a.verifier = SILIAN_TAKE(sync::MakeVerifier(kStaffPassphrase));
  REQUIRE(SILIAN_TAKE(hub.PublishStaff(a, hub.config().node_id.value)));
}

Env StaffEnv(const std::string& session_dir) { return {{"SILIAN_SESSION_DIR", session_dir}}; }

void AddStaffAtHub(const std::string& hub_db, const std::string& staff_id, const std::string& node,
                   const std::vector<std::string>& roles) {
  std::vector<std::string> args = {"--db", hub_db, "staff", "add", staff_id, "--name", "staff " + staff_id, "--node", node,
                                   "--passphrase-stdin"};
  for (const auto& r : roles) {
    args.push_back("--role");
    args.push_back(r);
  }
  ProcessResult r = RunProgram(HubBin(), args, {}, std::string(kStaffPassphrase) + "\n");
  INFO(Describe(r));
  REQUIRE(r.exit_code == 0);
}

ProcessResult LoginAtNode(const std::string& program, const std::string& db, const std::string& staff_id,
                          const std::string& session_dir, const std::string& passphrase,
                          const std::vector<std::string>& extra) {
  std::vector<std::string> args = {"--db", db, "login", staff_id, "--passphrase-stdin"};
  args.insert(args.end(), extra.begin(), extra.end());
  return RunProgram(program, args, StaffEnv(session_dir), passphrase + "\n");
}

}  // namespace silian::test
