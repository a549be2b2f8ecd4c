// silian-hub: the county and city servers. This file maps the command line onto the commands of
// hub/commands.h; console/program.h owns the process edge (one-line errors, exit codes).
#include <malloc.h>

#include <algorithm>
#include <optional>
#include <string>
#include <thread>

#include <CLI/CLI.hpp>

#include "console/identity.h"
#include "console/cases.h"
#include "console/program.h"
#include "console/reference.h"
#include "console/session.h"
#include "console/views.h"
#include "hub/commands.h"
#include "hub/front/nginx_config.h"
#include "hub/tls/ca.h"
#include "hub/recover_key_cmd.h"

namespace silian::hub {
namespace {

// The parsed command line: each command's options.
struct CommandLine {
  InitOptions init;
  ServeOptions serve;
  PeerOptions peer;
  console::CaseCommands cases;
  console::ReferenceCommands reference;
  std::optional<std::string> digest_scope;
  NoticeListOptions notices;
  console::ConfigCommands config;
  ReportCommandOptions report;
  FrontOptions front;
  CaOptions ca;
  StaffOptions staff;
  std::string staff_id;
  console::LoginOptions login;
};

// front-config: the nginx front that takes the hub's HTTP edge (hub/front/nginx_config.h).
void AddFront(console::Program& p, CommandLine& cl) {
  CLI::App* cmd = p.app().add_subcommand(
      "front-config", "Write the nginx configuration of the front that a hub reachable by others runs behind");
  FrontOptions& f = cl.front;
  cmd->add_option("--listen", f.listen, "HOST:PORT where nodes and child hubs connect")->capture_default_str();
  cmd->add_option("--hub", f.hub, "the hub's serve --listen address (loopback)")->capture_default_str();
  cmd->add_option("--dir", f.dir, "absolute folder for nginx.conf, its pid, log and temporary files")->required();
  cmd->add_option("--user", f.user, "the user nginx runs its worker as when started by root (default: nobody)");
  cmd->add_option("--header-timeout", f.header_timeout_s, "seconds to send the request headers")->capture_default_str();
  cmd->add_option("--body-timeout", f.body_timeout_s, "seconds between two reads of a body")->capture_default_str();
  cmd->add_option("--idle-timeout", f.idle_timeout_s, "seconds a kept-alive connection may idle")->capture_default_str();
  cmd->add_option("--max-requests", f.max_requests, "requests in progress at once, in all")->capture_default_str();
  cmd->add_option("--max-requests-per-ip", f.max_requests_per_ip, "the same from one client address")
      ->capture_default_str();
  cmd->add_option("--max-sockets", f.max_sockets, "open client connections, idle ones included")
      ->capture_default_str();
  cmd->add_option("--tls-cert", f.tls_cert, "PEM certificate (chain) of this hub: the front serves HTTPS (ca issue)");
  cmd->add_option("--tls-key", f.tls_key, "PEM private key of --tls-cert");
  p.OnRun(cmd, [&cl] { return RunFrontConfig(cl.front); });
}

// ca: the private CA of a city's hubs (hub/tls/ca.h).
void AddCa(console::Program& p, CommandLine& cl) {
  CLI::App* group = p.app().add_subcommand("ca", "A private certificate authority for a city's hubs (offline)");
  group->require_subcommand(1);
  CaOptions& o = cl.ca;
  CLI::App* cmd = group->add_subcommand("init", "Make the CA: DIR/ca.key (0600) and DIR/ca.crt, valid 10 years");
  cmd->add_option("--dir", o.dir, "the CA's folder (made 0700 when new)")->required();
  cmd->add_option("--name", o.name, "the CA's name (certificate CN), e.g. \"Chifeng city hubs CA\"")->required();
  p.OnRun(cmd, [&p, &o] { return RunCaInit(p.global().json, o); });
  cmd = group->add_subcommand("issue", "Issue a hub's key (PREFIX.key, 0600) and certificate (PREFIX.crt), 2 years");
  cmd->add_option("--dir", o.dir, "the CA's folder (ca init)")->required();
  cmd->add_option("--host", o.hosts, "a DNS name of the hub (repeat)");
  cmd->add_option("--ip", o.ips, "an IP address of the hub (repeat)");
  cmd->add_option("--out", o.out, "path prefix of the files written (never overwritten)")->required();
  p.OnRun(cmd, [&p, &o] { return RunCaIssue(p.global().json, o); });
  cmd = group->add_subcommand("pin", "Print the public-key pin of a certificate, for the setting hub_pin");
  cmd->add_option("--cert", o.cert, "a PEM certificate")->required();
  p.OnRun(cmd, [&p, &o] { return RunCaPin(p.global().json, o); });
}

void AddServer(console::Program& p, CommandLine& cl) {
  CLI::App* cmd = p.app().add_subcommand("init", "Create a hub ledger (never overwrites one)");
  cmd->add_option("--node-id", cl.init.node_id, "this hub's node id")->required();
  cmd->add_option("--level", cl.init.level, "county or city")->required();
  cmd->add_option("--division", cl.init.division, "the hub's 12-digit division code")->required();
  cmd->add_option("--parent", cl.init.parent, "URL of the hub above (a county's city hub)");
  cmd->add_option("--hub-ca", cl.init.hub_ca, "PEM file of the CA that signed the parent's certificate (hub_ca)");
  cmd->add_option("--hub-pin", cl.init.hub_pin, "sha256//BASE64 pin of the parent's public key (hub_pin)");
  cmd->add_option("--enrol", cl.init.enrol, "the enrolment code the parent gave (node add): enrol there now");
  p.OnRun(cmd, [&p, &cl] { return RunInit(p.global(), cl.init); });

  cmd = p.app().add_subcommand("serve", "Serve sync, status and metrics over HTTP until SIGTERM or SIGINT");
  cmd->add_option("--listen", cl.serve.listen, "HOST:PORT to listen on")->capture_default_str();
  cmd->add_option("--sync-interval", cl.serve.sync_interval_s, "seconds between upstream syncs")->capture_default_str();
  cmd->add_option("--parent", cl.serve.parent, "URL of the hub above (overrides the one given at init)");
  cmd->add_option("--supervise-interval", cl.serve.supervise_interval_s,
                  "seconds between supervision passes that queue overdue apologies (with notify on)")
      ->capture_default_str();
  cmd->add_flag("--direct", cl.serve.direct,
               "allow a --listen address other than loopback, with no front (see front-config)");
  p.OnRun(cmd, [&p, &cl] { return RunServe(p.global(), cl.serve); });
  AddFront(p, cl);
  AddCa(p, cl);

  CLI::App* group = p.app().add_subcommand("node", "The registry of nodes allowed to sync with this hub");
  group->require_subcommand(1);
  cmd = group->add_subcommand("add", "Allow a node to sync with this hub");
  cmd->add_option("ID", cl.peer.id, "the node's id")->required();
  cmd->add_option("--level", cl.peer.level, "village, township or county")->required();
  cmd->add_option("--division", cl.peer.division, "the node's 12-digit division code")->required();
  cmd->add_option("--public-key", cl.peer.public_key,
                  "the node's public key (base64), as its `init` printed it; without it, an enrolment code is issued");
  cmd->add_option("--expires", cl.peer.expires, "how long the enrolment code is valid: Ns, Nm, Nh or Nd")
      ->capture_default_str();
  p.OnRun(cmd, [&p, &cl] { return RunNodeAdd(p.global(), cl.peer); });
  cmd = group->add_subcommand("revoke", "Revoke a node: its ops after --after-seq are refused everywhere");
  cmd->add_option("ID", cl.peer.id, "the node's id")->required();
  cmd->add_option("--after-seq", cl.peer.after_seq, "the node's ops up to this seq stand")->capture_default_str();
  p.OnRun(cmd, [&p, &cl] { return RunNodeRevoke(p.global(), cl.peer); });
  cmd = group->add_subcommand("enrol", "Answer an offline enrolment request file (silian-node init --enrol-request)");
  cmd->add_option("FILE", cl.peer.file, "the request file")->required();
  cmd->add_option("--out", cl.peer.out, "the answer file to write (never overwritten), for silian-node enrol")
      ->required();
  p.OnRun(cmd, [&p, &cl] { return RunNodeEnrol(p.global(), cl.peer); });
  cmd = group->add_subcommand("list", "List registered nodes: status, device, key fingerprint, last contact");
  p.OnRun(cmd, [&p] { return RunNodeList(p.global()); });
  cmd = group->add_subcommand("remove", "Stop allowing a node to sync");
  cmd->add_option("ID", cl.peer.id, "the node's id")->required();
  p.OnRun(cmd, [&p, &cl] { return RunNodeRemove(p.global(), cl.peer.id); });
}

void AddLedgerViews(console::Program& p, CommandLine& cl) {
  // County and city clerks work cases here: an item of county or city exercise level is accepted and
  // decided at its hub. The commands are those of silian-node; they write to the hub's ledger, which a
  // running `serve` picks up (it notices another writer).
  CLI::App* group = p.app().add_subcommand("case", "Register, list, show and work the cases of this hub's area");
  group->require_subcommand(1);
  console::AddCaseCommands(group, &cl.cases, &p);

  CLI::App* cmd = p.app().add_subcommand("digest", "Print ops=N ledger=HEX state=HEX for an area");
  cmd->add_option("--scope", cl.digest_scope, "a division prefix (default: the hub's area)");
  p.OnRun(cmd, [&p, &cl] { return console::RunDigest(p.global(), cl.digest_scope); });
  cmd = p.app().add_subcommand("status", "The hub's ledger: ops, cases, frontier, conflicts");
  p.OnRun(cmd, [&p] { return console::RunStatus(p.global()); });

  CLI::App* catalog =
      p.app().add_subcommand("catalog", "The item catalogue this hub holds (silian-admin publishes it)");
  catalog->require_subcommand(1);
  CLI::App* calendar = p.app().add_subcommand("calendar", "The working-day calendars of this hub's area");
  calendar->require_subcommand(1);
  console::AddReferenceCommands(catalog, calendar, &cl.reference, &p);
}

// --division, --today, --warning-days and --rectification-days of report and supervise.
void AddAreaOptions(CLI::App* cmd, ReportCommandOptions& o, const std::string& today_help) {
  cmd->add_option("--division", o.scope, "only cases whose division starts with this prefix");
  cmd->add_option("--today", o.today, today_help);
  cmd->add_option("--warning-days", o.warning_days, "working days left at which a clock warns")->capture_default_str();
  cmd->add_option("--rectification-days", o.rectification_days,
                  "working days to rectify after a negative evaluation (default: setting rectification-days, "
                  "else 15)");
}

void AddOversight(console::Program& p, CommandLine& cl) {
  CLI::App* cmd =
      p.app().add_subcommand("report", "Statistics of the cases of an area over a period (docs/report.md)");
  cmd->add_option("--from", cl.report.from, "first day of the period, YYYY-MM-DD")->required();
  cmd->add_option("--to", cl.report.to, "last day of the period, YYYY-MM-DD")->required();
  cmd->add_option("--by", cl.report.by, "group rows by node, level, item, department, staff, county, township or organ (the organ responsible now)");
  cmd->add_option("--format", cl.report.format, "text, csv or json")->capture_default_str();
  cmd->add_flag("--excel", cl.report.excel,
                "with --format csv: start with a UTF-8 byte-order mark, so that Excel shows the Chinese text");
  AddAreaOptions(cmd, cl.report, "count overdue and warning cases as of this day (default: today)");
  p.OnRun(cmd, [&p, &cl] { return RunReport(p.global(), cl.report); });

  cmd = p.app().add_subcommand(
      "supervise", "Overdue and warning cases, owed materials, deemed acceptances, late rectifications");
  AddAreaOptions(cmd, cl.report, "as of this day (default: today)");
  p.OnRun(cmd, [&p, &cl] { return RunSupervise(p.global(), cl.report); });

  CLI::App* group = p.app().add_subcommand("notices", "The outbox of notices to applicants");
  group->require_subcommand(1);
  cmd = group->add_subcommand("list", "List notices, newest first, with their delivery state");
  cmd->add_option("--state", cl.notices.state, "pending, sent, failed or no_phone");
  cmd->add_option("--limit", cl.notices.limit, "at most this many")->capture_default_str();
  p.OnRun(cmd, [&p, &cl] { return RunNoticeList(p.global(), cl.notices); });

  console::AddConfigCommands(&p, "Show or change the hub's settings",
                             "parent, hub_ca, hub_pin, notify, notify-url, notify-log, rectification-days, transit-days, "
                             "notice-template.ID.LANG (a notice text: silian-hub config set notice-template.accepted.zh TEXT)",
                             &cl.config, RunConfigSet,
                             RunConfigShow);
}

void AddStaff(console::Program& p, CommandLine& cl) {
  CLI::App* group = p.app().add_subcommand("staff", "Staff accounts this hub publishes to the nodes of its area");
  group->require_subcommand(1);
  CLI::App* cmd = group->add_subcommand("add", "Publish a new staff account (passphrase typed twice, or --passphrase-stdin)");
  cmd->add_option("ID", cl.staff.id, "the staff id: 1-64 of [A-Za-z0-9._-]")->required();
  cmd->add_option("--name", cl.staff.name, "the staff member's name")->required();
  cmd->add_option("--node", cl.staff.node, "the one node the account works at");
  cmd->add_option("--division", cl.staff.division, "or: any node of this 12-digit division");
  cmd->add_option("--role", cl.staff.roles, "agent, clerk, approver, supervisor or administrator (repeatable)");
  cmd->add_flag("--passphrase-stdin", cl.staff.passphrase_stdin, "read the passphrase from stdin (one line)");
  p.OnRun(cmd, [&p, &cl] { return RunStaffAdd(p.global(), cl.staff); });
  cmd = group->add_subcommand("bootstrap", "Publish the first account of a new hub: an administrator working at this "
                              "hub (refused once any staff account is held)");
  cmd->add_option("ID", cl.staff.id, "the staff id: 1-64 of [A-Za-z0-9._-]")->required();
  cmd->add_option("--name", cl.staff.name, "the administrator's name")->required();
  cmd->add_flag("--passphrase-stdin", cl.staff.passphrase_stdin, "read the passphrase from stdin (one line)");
  p.OnRun(cmd, [&p, &cl] { return RunStaffBootstrap(p.global(), cl.staff); });
  cmd = group->add_subcommand("list", "List the staff accounts held");
  p.OnRun(cmd, [&p] { return RunStaffList(p.global()); });
  cmd = group->add_subcommand("disable", "Disable a staff account everywhere (its later ops and logins are refused)");
  cmd->add_option("ID", cl.staff_id, "the staff id")->required();
  p.OnRun(cmd, [&p, &cl] { return RunStaffDisable(p.global(), cl.staff_id); });
  cmd = group->add_subcommand("passwd", "Set a new passphrase for a staff account");
  cmd->add_option("ID", cl.staff_id, "the staff id")->required();
  cmd->add_flag("--passphrase-stdin", cl.staff.passphrase_stdin, "read the passphrase from stdin (one line)");
  p.OnRun(cmd, [&p, &cl] { return RunStaffPasswd(p.global(), cl.staff_id, cl.staff.passphrase_stdin); });
  cmd = p.app().add_subcommand("audit", "Staff audit records held: logins, failed logins, logouts, role refusals");
  cmd->add_option("--limit", cl.staff.limit, "at most this many, newest first")->capture_default_str();
  p.OnRun(cmd, [&p, &cl] { return RunAudit(p.global(), cl.staff.limit); });
  console::AddSessionCommands(p, &cl.login);
}

}  // namespace
}  // namespace silian::hub

int main(int argc, char** argv) {
  using namespace silian::hub;  // NOLINT: the registration functions above
  // glibc gives each thread that allocates a heap arena of its own (up to 8 per core) and keeps what was
  // freed in it: a city serving a 300,000-op catch-up from the listener's thread pool grew to 276 MiB
  // resident, 70 MiB with two arenas (issue 13, item 7: a hub under 256 MiB). One arena per core.
  mallopt(M_ARENA_MAX, static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
  silian::console::Program program("silian-hub", "silian-hub: the county and city servers of Silian",
                                   "the hub's ledger file (or SILIAN_DB)");
  CommandLine cl;
  return program.Main(argc, argv, [&] {
    AddServer(program, cl);
    AddLedgerViews(program, cl);
    AddOversight(program, cl);
    silian::console::AddIdentityCommand(&program);
    silian::hub::AddRecoverKeyCommand(program);
    AddStaff(program, cl);
  });
}
