// The commands of silian-hub, independent of the command-line parser: main.cc maps arguments onto these
// option structs and calls one Run* function. Each writes its requested output to stdout (text, or one
// JSON document with --json), logs to stderr, and returns a Status whose message names the problem and
// the value; console::Program turns that into the one-line error and the exit code.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "console/support.h"
#include "domain/store.h"

namespace silian::hub {

using console::GlobalOptions;

// Opens the ledger of --db and checks that it is a hub's (county or city): kInvalidArgument naming the
// path and its level otherwise.
Result<std::unique_ptr<sync::LedgerStore>> OpenHubLedger(const GlobalOptions& g);

// init_cmd.cc
struct InitOptions {
  std::string node_id, level, division;
  std::string parent;  // optional URL of the hub above
  std::string hub_ca, hub_pin;  // optional: how the parent is verified (settings hub_ca, hub_pin)
  std::string enrol;  // optional: the enrolment code the parent gave (node add): enrol there at init
};
Status RunInit(const GlobalOptions& g, const InitOptions& o);

// serve.cc
struct ServeOptions {
  std::string listen = "127.0.0.1:8701";  // behind the front, which takes port 8700 (front-config)
  double sync_interval_s = 10;
  double supervise_interval_s = 3600;
  std::string parent;  // overrides the setting parent when given
  bool direct = false;  // allows a listen address other than loopback (no front: hub/front/nginx_config.h)
};
// Serves until SIGTERM or SIGINT (hub/server.h), with the upstream relay when the hub has a parent and,
// with notices on, the notice dispatcher and the supervision loop.
Status RunServe(const GlobalOptions& g, const ServeOptions& o);

// peers_cmd.cc: the registry of nodes allowed to sync with this hub.
struct PeerOptions {
  std::string id, level, division;
  std::string public_key;  // base64, as `init` printed it; "" issues an enrolment code (hub/enrol.h)
  std::string expires = "72h";  // how long the enrolment code stays valid: Ns, Nm, Nh or Nd
  uint64_t after_seq = 0;       // node revoke: ops up to this seq stand
  std::string file, out;        // node enrol: the request file read, the answer file written
};
Status RunNodeAdd(const GlobalOptions& g, const PeerOptions& o);
Status RunNodeList(const GlobalOptions& g);
Status RunNodeRemove(const GlobalOptions& g, const std::string& id);
Status RunNodeRevoke(const GlobalOptions& g, const PeerOptions& o);
Status RunNodeEnrol(const GlobalOptions& g, const PeerOptions& o);

// config_cmd.cc: the settings a hub keeps in its ledger.
Status RunConfigSet(const GlobalOptions& g, const std::string& key, const std::string& value);
Status RunConfigShow(const GlobalOptions& g);

// notices_cmd.cc: the outbox of notices to applicants.
struct NoticeListOptions {
  std::optional<std::string> state;
  int64_t limit = 100;
};
Status RunNoticeList(const GlobalOptions& g, const NoticeListOptions& o);

// report_cmd.cc: the statistics report and supervision.
struct ReportCommandOptions {
  std::string from, to, by, format = "text";
  std::optional<std::string> scope;  // a division prefix
  std::optional<std::string> today;  // YYYY-MM-DD; default today
  int warning_days = 1;
  std::optional<std::string> rectification_days;  // default: the hub's setting, else 15
  bool excel = false;  // --excel: CSV begins with a UTF-8 byte-order mark
};
Status RunReport(const GlobalOptions& g, const ReportCommandOptions& o);
// Uses scope, today, warning_days and rectification_days of `o`.
Status RunSupervise(const GlobalOptions& g, const ReportCommandOptions& o);

// staff_cmd.cc: staff accounts published by this hub, and the staff audit it holds.
struct StaffOptions {
  std::string id, name;
  std::string node, division;  // exactly one
  std::vector<std::string> roles;
  bool passphrase_stdin = false;
  int64_t limit = 200;  // audit
};
// The passphrase is read from the terminal without echo (typed twice), or one line of stdin with
// passphrase_stdin; one under sync::kMinPassphraseChars characters is refused.
Status RunStaffAdd(const GlobalOptions& g, const StaffOptions& o);
// `staff bootstrap ID --name N [--passphrase-stdin]`: the first administrator of this hub's area, working at
// the hub itself (docs/architecture.md, "Staff and roles: the first administrator"). Run on the hub's own
// ledger file; refused (kFailedPrecondition, naming an account held) once the hub holds any staff account.
Status RunStaffBootstrap(const GlobalOptions& g, const StaffOptions& o);
Status RunStaffList(const GlobalOptions& g);
Status RunStaffDisable(const GlobalOptions& g, const std::string& id);
Status RunStaffPasswd(const GlobalOptions& g, const std::string& id, bool passphrase_stdin);
// The audit records held (logins, failed logins, logouts, role refusals), newest first.
Status RunAudit(const GlobalOptions& g, int64_t limit);

}  // namespace silian::hub
