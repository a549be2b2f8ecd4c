// silian-hub: the county and city servers. This file maps the command line onto the hub's commands and
// owns the process edge: one-line errors on stderr, exit codes (0 success, 1 failure, 2 bad usage or
// input), signals. Library exceptions stop here.
#include <signal.h>

#include <cstdlib>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "console/render.h"
#include "console/support.h"
#include "console/views.h"
#include "hub/relay.h"
#include "hub/server.h"
#include "sync/curl_transport.h"
#include "sync/store.h"

namespace silian::hub {
namespace {

using console::GlobalOptions;
using console::Quote;

struct CommandLine {
  GlobalOptions global;
  // init
  std::string node_id, level, division, parent;
  // serve
  std::string listen = "127.0.0.1:8700";
  double sync_interval_s = 10;
  // node add
  std::string peer_id, peer_level, peer_division;
  // case
  console::ListCasesOptions case_list;
  std::string case_ref;
  std::optional<std::string> scope;
  std::function<Status()> run;
};

Result<std::unique_ptr<sync::LedgerStore>> OpenHubLedger(const GlobalOptions& g) {
  SILIAN_ASSIGN_OR_RETURN(auto store, console::OpenLedger(g));
  if (store->config().level != sync::Level::kCounty && store->config().level != sync::Level::kCity)
    return InvalidArgument("ledger " + Quote(g.db_path) + " belongs to a " + sync::LevelName(store->config().level) +
                           " node; silian-hub serves county and city ledgers");
  return store;
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

// Blocks SIGINT and SIGTERM in every thread; the main thread then waits for them with sigwait.
sigset_t BlockStopSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

Status RunServe(const CommandLine& cl) {
  sigset_t stop_signals = BlockStopSignals();
  SILIAN_ASSIGN_OR_RETURN(auto store, OpenHubLedger(cl.global));
  SILIAN_RETURN_IF_ERROR(ParseListenAddress(cl.listen).status());
  if (cl.sync_interval_s <= 0 || cl.sync_interval_s > 86400)
    return InvalidArgument("--sync-interval " + std::to_string(cl.sync_interval_s) + " must be between 0 and 86400 seconds");
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
  HubServer server(*store, store_mutex, relay.get(), sync::SyncLimits());
  SILIAN_RETURN_IF_ERROR(server.Start(cl.listen));
  if (relay) relay->Start();
  spdlog::info("{} hub {} serving area {} on http://{}{}", sync::LevelName(store->config().level),
               store->config().node_id.value, store->scope(), cl.listen, parent.empty() ? "" : ", parent " + parent);
  int sig = 0;
  sigwait(&stop_signals, &sig);
  spdlog::info("received {}, stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
  server.Stop();  // no new requests; those in flight finish, each batch is one transaction
  if (relay) relay->Stop();
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

  CLI::App* cases = app.add_subcommand("case", "Read-only views of the cases of this hub's area");
  cases->require_subcommand(1);
  CLI::App* list = cases->add_subcommand("list", "List cases, newest first");
  console::AddCaseListOptions(list, cl.case_list);
  list->callback([&cl] { cl.run = [&cl] { return console::RunCaseList(cl.global, cl.case_list); }; });
  CLI::App* show = cases->add_subcommand("show", "Show one case: fields, materials, notes, history, conflicts");
  show->add_option("REF", cl.case_ref, "case id or case number")->required();
  show->callback([&cl] { cl.run = [&cl] { return console::RunCaseShow(cl.global, cl.case_ref); }; });

  CLI::App* digest = app.add_subcommand("digest", "Print ops=N ledger=HEX state=HEX for an area");
  digest->add_option("--scope", cl.scope, "a division prefix (default: the hub's area)");
  digest->callback([&cl] { cl.run = [&cl] { return console::RunDigest(cl.global, cl.scope); }; });

  app.add_subcommand("status", "The hub's ledger: ops, cases, frontier, conflicts")->callback([&cl] {
    cl.run = [&cl] { return console::RunStatus(cl.global); };
  });

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
