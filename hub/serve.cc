// `serve`: the hub's HTTP server with, as the hub's settings ask, the upstream relay, the delivery of
// notices to applicants and the periodic supervision, until SIGTERM or SIGINT.
#include <signal.h>

#include <cstdio>
#include <memory>
#include <random>

#include <spdlog/spdlog.h>

#include "base/hlc.h"
#include "http/curl_transport.h"
#include "hub/commands.h"
#include "hub/front/nginx_config.h"
#include "hub/notifier.h"
#include "hub/relay.h"
#include "hub/hub_ledger.h"
#include "hub/server.h"
#include "hub/store_outbox.h"
#include "hub/supervision.h"

namespace silian::hub {
namespace {

// A number of seconds as the user typed it: "0", "2.5".
std::string Seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", s);
  return buf;
}

Status CheckIntervals(const ServeOptions& o) {
  if (o.supervise_interval_s < 1 || o.supervise_interval_s > 86400)
    return InvalidArgument("--supervise-interval " + Seconds(o.supervise_interval_s) +
                           " must be between 1 and 86400 seconds");
  if (o.sync_interval_s <= 0 || o.sync_interval_s > 86400)
    return InvalidArgument("--sync-interval " + Seconds(o.sync_interval_s) + " must be between 0 and 86400 seconds");
  return Status::Ok();
}

// The hub answers on loopback, behind its front (hub/front/nginx_config.h), unless told --direct.
Status CheckListen(const ServeOptions& o) {
  SILIAN_ASSIGN_OR_RETURN(auto address, ParseListenAddress(o.listen));
  if (!o.direct && !IsLoopbackHost(address.first))
    return InvalidArgument("--listen \"" + o.listen +
                           "\" is not a loopback address: a hub others reach runs behind its front (silian-hub "
                           "front-config) and listens on 127.0.0.1; add --direct to serve this address anyway");
  if (o.direct && !IsLoopbackHost(address.first))
    spdlog::warn("serving {} directly, with no front: no header, body or idle timeouts and no connection cap",
                 o.listen);
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

// The sender the hub's settings name: the SMS gateway at notify-url, else the file at notify-log (default:
// the ledger's path + ".notices.log").
Result<std::unique_ptr<NoticeSender>> SenderFromSettings(sync::LedgerStore& store, const std::string& db_path) {
  SILIAN_ASSIGN_OR_RETURN(auto url, store.GetSetting("notify-url"));
  if (url && !url->empty()) return MakeHttpSender(*url);
  SILIAN_ASSIGN_OR_RETURN(auto log, store.GetSetting("notify-log"));
  return MakeLogFileSender(log && !log->empty() ? *log : db_path + ".notices.log");
}

// The parent to relay to: --parent, else the setting parent; "" for none.
Result<std::string> ParentOf(const ServeOptions& o, sync::LedgerStore& store) {
  if (!o.parent.empty()) return o.parent;
  SILIAN_ASSIGN_OR_RETURN(auto stored, store.GetSetting("parent"));
  return stored ? *stored : std::string();
}

// Notices to applicants, delivered from the outbox when this hub creates them (setting notify = on), and
// the supervision that queues overdue apologies. All null with notices off.
struct NoticeDelivery {
  std::unique_ptr<NoticeSender> sender;
  std::unique_ptr<StoreOutbox> outbox;
  std::unique_ptr<NoticeDispatcher> dispatcher;
  std::unique_ptr<SupervisionLoop> supervision;
};

Result<NoticeDelivery> PrepareNotices(const GlobalOptions& g, const ServeOptions& o, HubLedger& ledger) {
  NoticeDelivery d;
  SILIAN_RETURN_IF_ERROR(ledger.WithStore([&](sync::LedgerStore& store) -> Status {
    SILIAN_ASSIGN_OR_RETURN(auto notify, store.GetSetting("notify"));
    if (notify && *notify == "on") {
      SILIAN_ASSIGN_OR_RETURN(d.sender, SenderFromSettings(store, g.db_path));
    }
    return Status::Ok();
  }));
  if (!d.sender) return d;
  d.outbox = std::make_unique<StoreOutbox>(ledger);
  auto rng = std::make_shared<std::mt19937_64>(std::random_device{}());
  d.dispatcher = std::make_unique<NoticeDispatcher>(
      *d.outbox, *d.sender, [] { return sync::SystemWallClock().NowMs(); }, [rng] { return (*rng)(); });
  d.supervision = std::make_unique<SupervisionLoop>(ledger, static_cast<uint64_t>(o.supervise_interval_s * 1000));
  return d;
}

}  // namespace

Status RunServe(const GlobalOptions& g, const ServeOptions& o) {
  sigset_t stop_signals = BlockStopSignals();
  SILIAN_ASSIGN_OR_RETURN(auto store, OpenHubLedger(g));
  SILIAN_RETURN_IF_ERROR(CheckListen(o));
  SILIAN_RETURN_IF_ERROR(CheckIntervals(o));
  SILIAN_ASSIGN_OR_RETURN(std::string parent, ParentOf(o, *store));
  SILIAN_ASSIGN_OR_RETURN(auto parent_ca, store->GetSetting(sync::kHubCaSetting));
  SILIAN_ASSIGN_OR_RETURN(auto parent_pin, store->GetSetting(sync::kHubPinSetting));
  const std::string level = sync::LevelName(store->config().level);
  const std::string node_id = store->config().node_id.value;
  const std::string scope = store->scope();
  HubLedger ledger(std::move(store));  // from here on, the ledger is reached only through its owner
  SILIAN_RETURN_IF_ERROR(ledger.reader_status());
  std::unique_ptr<UpstreamRelay> relay;
  if (!parent.empty()) {
    SILIAN_RETURN_IF_ERROR(sync::ValidateHubUrl(parent));
    SILIAN_RETURN_IF_ERROR(sync::CheckPlainHttp(parent));
    UpstreamRelay::Options options;
    options.parent_url = parent;
    options.parent_ca_file = parent_ca.value_or("");
    options.parent_pin = parent_pin.value_or("");
    options.interval_ms = static_cast<uint64_t>(o.sync_interval_s * 1000);
    relay = std::make_unique<UpstreamRelay>(ledger, options);
  }
  SILIAN_ASSIGN_OR_RETURN(NoticeDelivery notices, PrepareNotices(g, o, ledger));
  HubServer server(ledger, relay.get(), sync::SyncLimits());
  SILIAN_RETURN_IF_ERROR(server.Start(o.listen));
  if (relay) relay->Start();
  if (notices.dispatcher) {
    notices.dispatcher->Start();
    spdlog::info("delivering notices to applicants through {}", notices.sender->Describe());
    notices.supervision->Start();
  }
  spdlog::info("{} hub {} serving area {} on http://{}{}", level, node_id, scope, o.listen,
               parent.empty() ? "" : ", parent " + parent);
  int sig = 0;
  sigwait(&stop_signals, &sig);
  spdlog::info("received {}, stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
  server.Stop();  // no new requests; those in flight finish, each batch is one transaction
  if (relay) relay->Stop();
  if (notices.supervision) notices.supervision->Stop();
  if (notices.dispatcher) notices.dispatcher->Stop();
  ledger.Close();  // after the request in flight, if any: its batch is one transaction
  spdlog::info("stopped");
  return Status::Ok();
}

}  // namespace silian::hub
