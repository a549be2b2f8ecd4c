// silian-hub: the county and city servers. This file maps the command line onto the hub's commands and
// owns the process edge: one-line errors on stderr, exit codes (0 success, 1 failure, 2 bad usage or
// input), signals. Library exceptions stop here.
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <ctime>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "console/cases.h"
#include "console/reference.h"
#include "console/render.h"
#include "console/support.h"
#include "console/views.h"
#include "hub/calendar_cache.h"
#include "hub/notifier.h"
#include "hub/relay.h"
#include "hub/server.h"
#include "hub/store_outbox.h"
#include "hub/supervision.h"
#include "http/curl_transport.h"
#include "domain/store.h"
#include "domain/workflow.h"

namespace silian::hub {
namespace {

using console::GlobalOptions;

struct CommandLine {
  GlobalOptions global;
  // init
  std::string node_id, level, division, parent;
  // serve
  std::string listen = "127.0.0.1:8700";
  double sync_interval_s = 10;
  double supervise_interval_s = 3600;
  // node add
  std::string peer_id, peer_level, peer_division;
  // case
  console::CaseCommands cases;
  std::optional<std::string> scope;
  // catalog, calendar
  bool all_versions = false;
  std::string code, date;
  std::optional<uint32_t> version;
  std::optional<int> year;
  // notices, config
  std::optional<std::string> notice_state;
  int64_t limit = 100;
  std::string config_key, config_value;
  // report, supervise
  std::string from, to, by, format = "text";
  std::optional<std::string> today;
  int warning_days = 1;
  std::optional<std::string> rectification_days;
  std::function<Status()> run;
};

Result<std::unique_ptr<sync::LedgerStore>> OpenHubLedger(const GlobalOptions& g) {
  SILIAN_ASSIGN_OR_RETURN(auto store, console::OpenLedger(g));
  if (store->config().level != sync::Level::kCounty && store->config().level != sync::Level::kCity)
    return InvalidArgument("ledger " + Quote(g.db_path) + " belongs to a " + sync::LevelName(store->config().level) +
                           " node; silian-hub serves county and city ledgers");
  return store;
}

// Settings a hub keeps in its ledger, with what each accepts.
const std::vector<std::pair<std::string, std::string>>& HubSettings() {
  static const std::vector<std::pair<std::string, std::string>> settings = {
      {"parent", "URL of the hub above"},
      {"notify", "on or off: create notices to applicants for case events (one hub per area should)"},
      {"notify-url", "http(s) URL of the SMS gateway notices are posted to (empty: write them to notify-log)"},
      {"notify-log", "file notices are appended to when no gateway is set (default: notices.log next to the ledger)"},
      {"rectification-days", "working days to rectify after a negative evaluation (default 15)"},
  };
  return settings;
}

Status RunConfigSet(const CommandLine& cl) {
  const auto& settings = HubSettings();
  auto it = std::find_if(settings.begin(), settings.end(), [&](const auto& s) { return s.first == cl.config_key; });
  if (it == settings.end()) {
    std::string names;
    for (const auto& s : settings) names += (names.empty() ? "" : ", ") + s.first;
    return InvalidArgument("setting " + Quote(cl.config_key) + " is not one of: " + names);
  }
  const std::string& v = cl.config_value;
  if (cl.config_key == "parent" && !v.empty()) SILIAN_RETURN_IF_ERROR(sync::ValidateHubUrl(v));
  if (cl.config_key == "notify" && v != "on" && v != "off")
    return InvalidArgument("notify " + Quote(v) + " must be on or off");
  if (cl.config_key == "notify-url" && !v.empty()) SILIAN_RETURN_IF_ERROR(ValidateGatewayUrl(v));
  if (cl.config_key == "rectification-days") SILIAN_RETURN_IF_ERROR(sync::ParseRectificationDays(cl.config_key, v).status());
  SILIAN_ASSIGN_OR_RETURN(auto store, OpenHubLedger(cl.global));
  SILIAN_RETURN_IF_ERROR(store->SetSetting(cl.config_key, v));
  if (!cl.global.json) std::cout << cl.config_key << " = " << v << "\n";
  return Status::Ok();
}

Status RunConfigShow(const CommandLine& cl) {
  SILIAN_ASSIGN_OR_RETURN(auto store, OpenHubLedger(cl.global));
  nlohmann::json out = nlohmann::json::object();
  std::vector<std::vector<std::string>> rows = {{"SETTING", "VALUE", "MEANING"}};
  for (const auto& [key, meaning] : HubSettings()) {
    SILIAN_ASSIGN_OR_RETURN(auto value, store->GetSetting(key));
    out[key] = value ? *value : "";
    rows.push_back({key, value ? *value : std::string("-"), meaning});
  }
  if (cl.global.json) {
    console::PrintJson(out);
  } else {
    std::cout << console::RenderTable(rows);
  }
  return Status::Ok();
}

Status RunNoticeList(const CommandLine& cl) {
  if (cl.limit < 1) return InvalidArgument("--limit " + std::to_string(cl.limit) + " must be 1 or more");
  static const std::vector<std::string> kStates = {"pending", "sent", "failed", "no_phone"};
  if (cl.notice_state && std::find(kStates.begin(), kStates.end(), *cl.notice_state) == kStates.end())
    return InvalidArgument("state " + Quote(*cl.notice_state) + " is not one of: pending, sent, failed, no_phone");
  SILIAN_ASSIGN_OR_RETURN(auto store, OpenHubLedger(cl.global));
  SILIAN_ASSIGN_OR_RETURN(auto notices, store->ListNotices(cl.notice_state, static_cast<size_t>(cl.limit)));
  nlohmann::json arr = nlohmann::json::array();
  std::vector<std::vector<std::string>> rows = {{"NOTICE", "CASE NUMBER", "KIND", "PHONE", "STATE", "ATTEMPTS", "SENT", "LAST ERROR"}};
  for (const auto& n : notices) {
    std::string sent = n.sent_ms ? sync::HlcToIso(n.sent_ms << 16) : "-";
    arr.push_back({{"id", n.id}, {"case_id", n.case_id}, {"case_number", n.case_number}, {"kind", n.kind},
                   {"phone", MaskPhone(n.phone)}, {"state", n.state}, {"attempts", n.attempts},
                   {"created", sync::HlcToIso(n.created_ms << 16)}, {"sent", sent}, {"last_error", n.last_error},
                   {"text", n.text}});
    rows.push_back({n.id, n.case_number, n.kind, MaskPhone(n.phone), n.state, std::to_string(n.attempts), sent,
                    n.last_error});
  }
  if (cl.global.json) {
    console::PrintJson(arr);
  } else if (notices.empty()) {
    SILIAN_ASSIGN_OR_RETURN(auto notify, store->GetSetting("notify"));
    std::cout << (notify && *notify == "on" ? "no notices yet\n"
                                            : "no notices (turn them on with `silian-hub config set notify on`)\n");
  } else {
    std::cout << console::RenderTable(rows);
  }
  return Status::Ok();
}

uint64_t NowMs() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
}

Result<sync::Date> TodayOr(const std::optional<std::string>& given) {
  if (given) return sync::ParseDate(*given);
  return sync::DateOfUnixMs(static_cast<uint64_t>(std::time(nullptr)) * 1000);
}

Status RunReport(const CommandLine& cl) {
  if (cl.format != "text" && cl.format != "csv" && cl.format != "json")
    return InvalidArgument("--format " + Quote(cl.format) + " is not one of: text, csv, json");
  if (cl.warning_days < 0 || cl.warning_days > 30)
    return InvalidArgument("--warning-days " + std::to_string(cl.warning_days) + " must be 0 to 30");
  sync::ReportOptions o;
  {
    auto from = sync::ParseDate(cl.from);
    if (!from.ok()) return InvalidArgument("--from: " + from.status().message());
    auto to = sync::ParseDate(cl.to);
    if (!to.ok()) return InvalidArgument("--to: " + to.status().message());
    o.from = *from;
    o.to = *to;
  }
  if (cl.scope) SILIAN_RETURN_IF_ERROR(sync::ParseScopePrefix(*cl.scope).status());
  o.division_prefix = cl.scope ? *cl.scope : "";
  o.by = cl.by;
  SILIAN_ASSIGN_OR_RETURN(o.today, TodayOr(cl.today));
  o.warning_wd = cl.warning_days;
  SILIAN_ASSIGN_OR_RETURN(auto store, OpenHubLedger(cl.global));
  SILIAN_ASSIGN_OR_RETURN(o.rectification_wd, RectificationDays(*store, cl.rectification_days));
  SILIAN_RETURN_IF_ERROR(sync::ValidateReportOptions(o));
  SILIAN_ASSIGN_OR_RETURN(auto layers, store->CalendarLayers());
  CalendarCache calendars(std::move(layers));
  sync::ReportBuilder report(o, [&](const std::string& division) -> const sync::WorkingCalendar& {
    return calendars.For(division);
  });
  std::string scope = o.division_prefix.empty() ? store->scope() : o.division_prefix;
  SILIAN_RETURN_IF_ERROR(store->ForEachCaseView(scope, [&](const nlohmann::json& view) {
    report.Add(view);
    return Status::Ok();
  }));
  auto rows = report.Rows();
  auto total = report.Total();
  if (cl.global.json || cl.format == "json") {
    console::PrintJson(sync::ReportToJson(o, rows, total));
  } else if (cl.format == "csv") {
    std::cout << sync::RenderReportCsv(rows, total);
  } else {
    std::cout << sync::RenderReportText(o, rows, total);
  }
  return Status::Ok();
}

Status RunSupervise(const CommandLine& cl) {
  if (cl.warning_days < 0 || cl.warning_days > 30)
    return InvalidArgument("--warning-days " + std::to_string(cl.warning_days) + " must be 0 to 30");
  if (cl.scope) SILIAN_RETURN_IF_ERROR(sync::ParseScopePrefix(*cl.scope).status());
  SILIAN_ASSIGN_OR_RETURN(sync::Date today, TodayOr(cl.today));
  SILIAN_ASSIGN_OR_RETURN(auto store, OpenHubLedger(cl.global));
  SILIAN_ASSIGN_OR_RETURN(int rectification_wd, RectificationDays(*store, cl.rectification_days));
  SILIAN_ASSIGN_OR_RETURN(Supervision result, SuperviseArea(*store, cl.scope ? *cl.scope : store->scope(), today,
                                                            cl.warning_days, rectification_wd));
  if (cl.global.json) {
    console::PrintJson(sync::SupervisionToJson(result.items));
  } else {
    std::cout << sync::RenderSupervisionText(result.items);
    if (result.apologies_queued > 0)
      std::cout << result.apologies_queued << " overdue apology notices queued for the applicants\n";
  }
  return Status::Ok();
}

Status RunInit(const CommandLine& cl) {
  if (cl.global.db_path.empty()) return InvalidArgument("no ledger given: pass --db PATH or set SILIAN_DB");
  SILIAN_ASSIGN_OR_RETURN(sync::NodeId id, sync::ParseNodeId(cl.node_id));
  SILIAN_ASSIGN_OR_RETURN(sync::Level level, sync::ParseLevel(cl.level));
  if (level != sync::Level::kCounty && level != sync::Level::kCity)
    return InvalidArgument("level " + Quote(cl.level) + " is not a hub level: use county or city");
  SILIAN_ASSIGN_OR_RETURN(sync::DivisionCode division, sync::ParseDivisionCode(cl.division));
  if (!cl.parent.empty()) SILIAN_RETURN_IF_ERROR(sync::ValidateHubUrl(cl.parent));
  sync::NodeConfig config{id, level, division, "01"};
  SILIAN_ASSIGN_OR_RETURN(auto store, sync::LedgerStore::Create(cl.global.db_path, config, sync::LedgerStore::Options()));
  if (!cl.parent.empty()) SILIAN_RETURN_IF_ERROR(store->SetSetting("parent", cl.parent));
  if (cl.global.json) {
    console::PrintJson({{"node", id.value}, {"level", cl.level}, {"division", division.value},
                        {"scope", store->scope()}, {"parent", cl.parent}, {"db", cl.global.db_path}});
  } else {
    std::cout << "created " << cl.level << " hub " << id.value << " for area " << store->scope() << " in "
              << cl.global.db_path << (cl.parent.empty() ? "" : ", parent " + cl.parent) << "\n";
  }
  return Status::Ok();
}

// A number of seconds as the user typed it: "0", "2.5".
std::string Seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", s);
  return buf;
}

// Blocks SIGINT and SIGTERM in every thread; the main thread then waits for them with sigwait.
sigset_t BlockStopSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

// The sender the hub's settings name: the SMS gateway at notify-url, else the file at notify-log (default:
// the ledger's path + ".notices.log").
Result<std::unique_ptr<NoticeSender>> SenderFromSettings(sync::LedgerStore& store, const std::string& db_path) {
  SILIAN_ASSIGN_OR_RETURN(auto url, store.GetSetting("notify-url"));
  if (url && !url->empty()) return MakeHttpSender(*url);
  SILIAN_ASSIGN_OR_RETURN(auto log, store.GetSetting("notify-log"));
  return MakeLogFileSender(log && !log->empty() ? *log : db_path + ".notices.log");
}

Status RunServe(const CommandLine& cl) {
  sigset_t stop_signals = BlockStopSignals();
  SILIAN_ASSIGN_OR_RETURN(auto store, OpenHubLedger(cl.global));
  SILIAN_RETURN_IF_ERROR(ParseListenAddress(cl.listen).status());
  if (cl.supervise_interval_s < 1 || cl.supervise_interval_s > 86400)
    return InvalidArgument("--supervise-interval " + Seconds(cl.supervise_interval_s) +
                           " must be between 1 and 86400 seconds");
  if (cl.sync_interval_s <= 0 || cl.sync_interval_s > 86400)
    return InvalidArgument("--sync-interval " + Seconds(cl.sync_interval_s) + " must be between 0 and 86400 seconds");
  std::string parent = cl.parent;
  if (parent.empty()) {
    SILIAN_ASSIGN_OR_RETURN(auto stored, store->GetSetting("parent"));
    if (stored) parent = *stored;
  }
  std::mutex store_mutex;
  std::unique_ptr<UpstreamRelay> relay;
  if (!parent.empty()) {
    SILIAN_RETURN_IF_ERROR(sync::ValidateHubUrl(parent));
    UpstreamRelay::Options options;
    options.parent_url = parent;
    options.interval_ms = static_cast<uint64_t>(cl.sync_interval_s * 1000);
    relay = std::make_unique<UpstreamRelay>(*store, store_mutex, options);
  }
  // Notices to applicants: delivered from the outbox when this hub creates them (setting notify = on).
  SILIAN_ASSIGN_OR_RETURN(auto notify, store->GetSetting("notify"));
  std::unique_ptr<NoticeSender> sender;
  std::unique_ptr<StoreOutbox> outbox;
  std::unique_ptr<NoticeDispatcher> dispatcher;
  if (notify && *notify == "on") {
    SILIAN_ASSIGN_OR_RETURN(sender, SenderFromSettings(*store, cl.global.db_path));
    outbox = std::make_unique<StoreOutbox>(*store, store_mutex);
    auto rng = std::make_shared<std::mt19937_64>(std::random_device{}());
    dispatcher = std::make_unique<NoticeDispatcher>(*outbox, *sender, NowMs, [rng] { return (*rng)(); });
  }
  HubServer server(*store, store_mutex, relay.get(), sync::SyncLimits());
  SILIAN_RETURN_IF_ERROR(server.Start(cl.listen));
  if (relay) relay->Start();
  std::unique_ptr<SupervisionLoop> supervision;
  if (dispatcher) {
    dispatcher->Start();
    spdlog::info("delivering notices to applicants through {}", sender->Describe());
    supervision = std::make_unique<SupervisionLoop>(*store, store_mutex,
                                                    static_cast<uint64_t>(cl.supervise_interval_s * 1000));
    supervision->Start();
  }
  spdlog::info("{} hub {} serving area {} on http://{}{}", sync::LevelName(store->config().level),
               store->config().node_id.value, store->scope(), cl.listen, parent.empty() ? "" : ", parent " + parent);
  int sig = 0;
  sigwait(&stop_signals, &sig);
  spdlog::info("received {}, stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
  server.Stop();  // no new requests; those in flight finish, each batch is one transaction
  if (relay) relay->Stop();
  if (supervision) supervision->Stop();
  if (dispatcher) dispatcher->Stop();
  std::lock_guard<std::mutex> lock(store_mutex);
  store.reset();
  spdlog::info("stopped");
  return Status::Ok();
}

Status RunNodeAdd(const CommandLine& cl) {
  SILIAN_ASSIGN_OR_RETURN(auto store, OpenHubLedger(cl.global));
  sync::LedgerStore::Peer peer;
  SILIAN_ASSIGN_OR_RETURN(peer.node_id, sync::ParseNodeId(cl.peer_id));
  SILIAN_ASSIGN_OR_RETURN(peer.level, sync::ParseLevel(cl.peer_level));
  SILIAN_ASSIGN_OR_RETURN(peer.division, sync::ParseDivisionCode(cl.peer_division));
  if (peer.level >= store->config().level)
    return InvalidArgument("a " + std::string(sync::LevelName(store->config().level)) + " hub registers nodes of a lower level, not " +
                           cl.peer_level);
  std::string peer_scope = sync::ScopeOf(peer.level, peer.division);
  if (!sync::InScope(peer_scope, store->scope()))
    return InvalidArgument("division " + Quote(peer.division.value) + " is outside this hub's area " + Quote(store->scope()));
  SILIAN_RETURN_IF_ERROR(store->AddPeer(peer));
  if (cl.global.json) {
    console::PrintJson({{"node", peer.node_id.value}, {"level", cl.peer_level}, {"division", peer.division.value}, {"scope", peer_scope}});
  } else {
    std::cout << "registered " << cl.peer_level << " node " << peer.node_id.value << " for area " << peer_scope << "\n";
  }
  return Status::Ok();
}

Status RunNodeList(const CommandLine& cl) {
  SILIAN_ASSIGN_OR_RETURN(auto store, OpenHubLedger(cl.global));
  SILIAN_ASSIGN_OR_RETURN(auto peers, store->ListPeers());
  nlohmann::json arr = nlohmann::json::array();
  std::vector<std::vector<std::string>> rows = {{"NODE", "LEVEL", "DIVISION", "LAST CONTACT", "OPS IN", "OPS OUT", "ERRORS"}};
  for (const auto& p : peers) {
    std::string contact = p.last_contact_ms ? sync::HlcToIso(p.last_contact_ms << 16) : "never";
    arr.push_back({{"node", p.node_id.value}, {"level", sync::LevelName(p.level)}, {"division", p.division.value},
                   {"last_contact", contact}, {"ops_received", p.ops_received}, {"ops_sent", p.ops_sent},
                   {"errors", p.errors}, {"last_error", p.last_error}});
    rows.push_back({p.node_id.value, sync::LevelName(p.level), p.division.value, contact,
                    std::to_string(p.ops_received), std::to_string(p.ops_sent), std::to_string(p.errors)});
  }
  if (cl.global.json) {
    console::PrintJson(arr);
  } else if (peers.empty()) {
    std::cout << "no nodes registered (silian-hub node add ID --level L --division CODE)\n";
  } else {
    std::cout << console::RenderTable(rows);
  }
  return Status::Ok();
}

Status RunNodeRemove(const CommandLine& cl) {
  SILIAN_ASSIGN_OR_RETURN(auto store, OpenHubLedger(cl.global));
  SILIAN_ASSIGN_OR_RETURN(sync::NodeId id, sync::ParseNodeId(cl.peer_id));
  SILIAN_RETURN_IF_ERROR(store->RemovePeer(id));
  if (!cl.global.json) std::cout << "removed node " << id.value << "\n";
  return Status::Ok();
}

void PrintError(const std::string& message) {
  std::string line = message;
  for (char& c : line)
    if (c == '\n' || c == '\r') c = ' ';
  std::cerr << "silian-hub: " << line << '\n';
}

int Main(int argc, char** argv) {
  CLI::App app{"silian-hub: the county and city servers of Silian"};
  app.require_subcommand(1);
  // Global options may come after the command too: `silian-hub supervise --json`.
  app.fallthrough();
  CommandLine cl;
  if (const char* env = std::getenv("SILIAN_DB")) cl.global.db_path = env;
  app.add_option("--db", cl.global.db_path, "the hub's ledger file (or SILIAN_DB)");
  app.add_flag("--json", cl.global.json, "print machine-readable JSON");

  CLI::App* init = app.add_subcommand("init", "Create a hub ledger (never overwrites one)");
  init->add_option("--node-id", cl.node_id, "this hub's node id")->required();
  init->add_option("--level", cl.level, "county or city")->required();
  init->add_option("--division", cl.division, "the hub's 12-digit division code")->required();
  init->add_option("--parent", cl.parent, "URL of the hub above (a county's city hub)");
  init->callback([&cl] { cl.run = [&cl] { return RunInit(cl); }; });

  CLI::App* serve = app.add_subcommand("serve", "Serve sync, status and metrics over HTTP until SIGTERM or SIGINT");
  serve->add_option("--listen", cl.listen, "HOST:PORT to listen on")->capture_default_str();
  serve->add_option("--sync-interval", cl.sync_interval_s, "seconds between upstream syncs")->capture_default_str();
  serve->add_option("--parent", cl.parent, "URL of the hub above (overrides the one given at init)");
  serve->add_option("--supervise-interval", cl.supervise_interval_s,
                    "seconds between supervision passes that queue overdue apologies (with notify on)")
      ->capture_default_str();
  serve->callback([&cl] { cl.run = [&cl] { return RunServe(cl); }; });

  CLI::App* node = app.add_subcommand("node", "The registry of nodes allowed to sync with this hub");
  node->require_subcommand(1);
  CLI::App* add = node->add_subcommand("add", "Allow a node to sync with this hub");
  add->add_option("ID", cl.peer_id, "the node's id")->required();
  add->add_option("--level", cl.peer_level, "village, township or county")->required();
  add->add_option("--division", cl.peer_division, "the node's 12-digit division code")->required();
  add->callback([&cl] { cl.run = [&cl] { return RunNodeAdd(cl); }; });
  node->add_subcommand("list", "List registered nodes and their last contact")->callback([&cl] {
    cl.run = [&cl] { return RunNodeList(cl); };
  });
  CLI::App* remove = node->add_subcommand("remove", "Stop allowing a node to sync");
  remove->add_option("ID", cl.peer_id, "the node's id")->required();
  remove->callback([&cl] { cl.run = [&cl] { return RunNodeRemove(cl); }; });

  // County and city clerks work cases here: an item of county or city exercise level is accepted and
  // decided at its hub. The commands are those of silian-node; they write to the hub's ledger, which a
  // running `serve` picks up (it notices another writer).
  CLI::App* cases = app.add_subcommand("case", "Register, list, show and work the cases of this hub's area");
  cases->require_subcommand(1);
  console::AddCaseCommands(cases, &cl.cases, &cl.global, &cl.run);

  CLI::App* digest = app.add_subcommand("digest", "Print ops=N ledger=HEX state=HEX for an area");
  digest->add_option("--scope", cl.scope, "a division prefix (default: the hub's area)");
  digest->callback([&cl] { cl.run = [&cl] { return console::RunDigest(cl.global, cl.scope); }; });

  app.add_subcommand("status", "The hub's ledger: ops, cases, frontier, conflicts")->callback([&cl] {
    cl.run = [&cl] { return console::RunStatus(cl.global); };
  });

  CLI::App* catalog = app.add_subcommand("catalog", "The item catalogue this hub holds (silian-admin publishes it)");
  catalog->require_subcommand(1);
  CLI::App* cmd = catalog->add_subcommand("list", "List the items: code, version, level, limits, kind");
  cmd->add_flag("--all-versions", cl.all_versions, "every version, not only the latest");
  cmd->callback([&cl] { cl.run = [&cl] { return console::RunCatalogList(cl.global, cl.all_versions); }; });
  cmd = catalog->add_subcommand("show", "Show one item");
  cmd->add_option("CODE", cl.code, "the item code")->required();
  cmd->add_option("--version", cl.version, "a version (default: the latest)");
  cmd->callback([&cl] { cl.run = [&cl] { return console::RunCatalogShow(cl.global, cl.code, cl.version); }; });

  CLI::App* calendar = app.add_subcommand("calendar", "The working-day calendars of this hub's area");
  calendar->require_subcommand(1);
  cmd = calendar->add_subcommand("check", "Say whether DATE is a working day, and why");
  cmd->add_option("DATE", cl.date, "YYYY-MM-DD")->required();
  cmd->add_option("--division", cl.scope, "whose calendar (default: the hub's division)");
  cmd->callback([&cl] { cl.run = [&cl] { return console::RunCalendarCheck(cl.global, cl.date, cl.scope); }; });
  cmd = calendar->add_subcommand("show", "List the rest days and make-up working days of a year");
  cmd->add_option("--year", cl.year, "the year (default: this year)");
  cmd->add_option("--division", cl.scope, "whose calendar (default: the hub's division)");
  cmd->callback([&cl] { cl.run = [&cl] { return console::RunCalendarShow(cl.global, cl.year, cl.scope); }; });

  CLI::App* report = app.add_subcommand("report", "Statistics of the cases of an area over a period (docs/report.md)");
  report->add_option("--from", cl.from, "first day of the period, YYYY-MM-DD")->required();
  report->add_option("--to", cl.to, "last day of the period, YYYY-MM-DD")->required();
  report->add_option("--division", cl.scope, "only cases whose division starts with this prefix");
  report->add_option("--by", cl.by, "group rows by node, level, item, department or staff");
  report->add_option("--format", cl.format, "text, csv or json")->capture_default_str();
  report->add_option("--today", cl.today, "count overdue and warning cases as of this day (default: today)");
  report->add_option("--warning-days", cl.warning_days, "working days left at which a clock warns")->capture_default_str();
  report->add_option("--rectification-days", cl.rectification_days,
                     "working days to rectify after a negative evaluation (default: setting rectification-days, else 15)");
  report->callback([&cl] { cl.run = [&cl] { return RunReport(cl); }; });

  CLI::App* supervise = app.add_subcommand("supervise", "Overdue and warning cases, owed materials, deemed acceptances, late rectifications");
  supervise->add_option("--division", cl.scope, "only cases whose division starts with this prefix");
  supervise->add_option("--today", cl.today, "as of this day (default: today)");
  supervise->add_option("--warning-days", cl.warning_days, "working days left at which a clock warns")->capture_default_str();
  supervise->add_option("--rectification-days", cl.rectification_days, "working days to rectify (default 15)");
  supervise->callback([&cl] { cl.run = [&cl] { return RunSupervise(cl); }; });

  CLI::App* notices = app.add_subcommand("notices", "The outbox of notices to applicants");
  notices->require_subcommand(1);
  cmd = notices->add_subcommand("list", "List notices, newest first, with their delivery state");
  cmd->add_option("--state", cl.notice_state, "pending, sent, failed or no_phone");
  cmd->add_option("--limit", cl.limit, "at most this many")->capture_default_str();
  cmd->callback([&cl] { cl.run = [&cl] { return RunNoticeList(cl); }; });

  CLI::App* config = app.add_subcommand("config", "Show or change the hub's settings");
  config->require_subcommand(1);
  cmd = config->add_subcommand("set", "Change a setting: parent, notify, notify-url, notify-log, rectification-days");
  cmd->add_option("KEY", cl.config_key, "the setting")->required();
  cmd->add_option("VALUE", cl.config_value, "its value")->required();
  cmd->callback([&cl] { cl.run = [&cl] { return RunConfigSet(cl); }; });
  config->add_subcommand("show", "Show the settings")->callback([&cl] { cl.run = [&cl] { return RunConfigShow(cl); }; });

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    PrintError(e.what());
    return 2;
  }
  try {
    Status s = cl.run();
    if (!s.ok()) {
      PrintError(s.message());
      return console::ExitCodeFor(s.code());
    }
    return 0;
  } catch (const std::exception& e) {
    PrintError(std::string("unexpected error: ") + e.what());
    return 1;
  }
}

}  // namespace
}  // namespace silian::hub

int main(int argc, char** argv) { return silian::hub::Main(argc, argv); }
