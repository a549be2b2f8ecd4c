// silian-node sync and config: one sync session with a hub, or a loop of them (--watch), and the node's
// settings (the hub URL).
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <random>
#include <thread>

#include "console/support.h"
#include "node/commands.h"
#include "console/unlock_session.h"
#include "console/node_keys.h"
#include "console/sizing_transport.h"
#include "node/enrol.h"
#include "http/curl_transport.h"
#include "net/client.h"

namespace silian::node {
namespace {

using namespace console;  // NOLINT: the shared console helpers are this file's vocabulary

std::atomic<bool> g_stop{false};

void OnStopSignal(int) { g_stop = true; }

std::vector<std::string> SplitUrls(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    std::string part = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!part.empty()) out.push_back(part);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

Result<std::vector<std::string>> HubUrls(const SyncCommandOptions& o, sync::LedgerStore& store) {
  std::vector<std::string> urls;
  for (const auto& h : o.hubs)
    for (auto& u : SplitUrls(h)) urls.push_back(u);
  if (urls.empty()) {
    SILIAN_ASSIGN_OR_RETURN(auto stored, store.GetSetting("hub"));
    if (stored) urls = SplitUrls(*stored);
  }
  if (urls.empty())
    return InvalidArgument("no hub to sync with: pass --hub URL or set one with `silian-node config set hub URL`");
  for (const auto& u : urls) SILIAN_RETURN_IF_ERROR(sync::ValidateHubUrl(u));
  return urls;
}

struct SessionResult {
  std::string url;
  sync::SyncSummary summary;
  uint64_t wire_sent = 0;
  uint64_t wire_received = 0;
  double seconds = 0;
  uint64_t conflicts_raised = 0;  // open conflicts here after the session minus before
};

uint64_t OpenConflicts(sync::LedgerStore& store) {
  auto st = store.GetStatus();
  return st.ok() ? st->open_conflicts : 0;
}

// How the hub is verified: the settings hub_ca and hub_pin.
Result<sync::HubTrust> TrustOf(sync::LedgerStore& store) {
  sync::HubTrust trust;
  SILIAN_ASSIGN_OR_RETURN(auto ca, store.GetSetting(sync::kHubCaSetting));
  SILIAN_ASSIGN_OR_RETURN(auto pin, store.GetSetting(sync::kHubPinSetting));
  if (ca) trust.ca_file = *ca;
  if (pin) trust.pin = *pin;
  return trust;
}

// Tries each hub in turn (failover) until one session succeeds. With `sizer` (sync --watch), the push batch
// size fits the link the earlier sessions saw (console/link_batch.h), and this session's requests feed it.
Result<SessionResult> OneSession(sync::LedgerStore& store, const std::vector<std::string>& urls, bool show_progress,
                                 console::PushBatchSizer* sizer = nullptr) {
  sync::CurlTransport::Options transport_options;
  SILIAN_ASSIGN_OR_RETURN(transport_options.trust, TrustOf(store));
  Status last = Unavailable("no hub answered");
  const uint64_t conflicts_before = OpenConflicts(store);
  sync::DirectAccess ledger(store.ledger());
  for (const auto& url : urls) {
    SILIAN_ASSIGN_OR_RETURN(auto transport, sync::CurlTransport::Create(url, transport_options));
    sync::SyncOptions options;
    options.node_keys = console::RegistryKeyLookup();  // verifies the hub's signed replies
    console::LinkRequests requests;
    std::unique_ptr<sync::Transport> sizing;
    if (sizer != nullptr) {
      options.push_batch_entries = sizer->NextBatchEntries();
      sizing = std::make_unique<console::SizingTransport>(*transport, *sizer, requests);
    }
    auto start = std::chrono::steady_clock::now();
    auto last_print = start;
    if (show_progress) {
      options.progress = [&](const sync::SyncProgress& p) {
        auto now = std::chrono::steady_clock::now();
        if (now - start < std::chrono::seconds(1) || now - last_print < std::chrono::milliseconds(500)) return;
        last_print = now;
        std::cerr << "\r" << p.phase << ": " << p.done << " ops" << std::flush;
      };
    }
    sync::SyncClient client(ledger, sizing ? *sizing : *transport, url, options);
    auto summary = client.SyncOnce();
    if (show_progress && std::chrono::steady_clock::now() - start >= std::chrono::seconds(1)) std::cerr << "\r\033[K";
    if (summary.ok()) {
      SessionResult r{url, std::move(*summary), transport->wire_bytes_sent(), transport->wire_bytes_received(),
                      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()};
      const uint64_t after = OpenConflicts(store);
      r.conflicts_raised = after > conflicts_before ? after - conflicts_before : 0;
      return r;
    }
    last = summary.status();
    // A hub that refuses (unknown node, out of scope) is as final as one that is down is not: try the next
    // either way, and report the last reason.
    if (urls.size() > 1) std::cerr << "silian-node: " << url << ": " << Printable(last.message()) << "\n";
  }
  return last;
}

nlohmann::json SessionJson(const SessionResult& r) {
  return {{"hub_url", r.url},
          {"hub_id", r.summary.hub_id},
          {"hub_level", r.summary.hub_level},
          {"pushed", r.summary.pushed},
          {"already_at_hub", r.summary.push_known},
          {"pulled", r.summary.pulled},
          {"conflicts_raised", r.conflicts_raised},
          {"requests", r.summary.requests},
          {"bytes_sent", r.wire_sent},
          {"bytes_received", r.wire_received},
          {"seconds", r.seconds},
          {"warnings", r.summary.warnings}};
}

void PrintSession(const GlobalOptions& g, const SessionResult& r) {
  if (g.json) {
    PrintJson(SessionJson(r));
    return;
  }
  // The hub's level in the language asked ("county" in English, as before), or as the hub named it.
  std::cout << Said(g, said::kSynced, LevelSaid(g, r.summary.hub_level), r.summary.hub_id, r.url,
                    r.summary.pushed, r.summary.pulled, r.conflicts_raised, r.wire_sent, r.wire_received)
            << '\n';
  for (const auto& w : r.summary.warnings) std::cerr << "silian-node: warning: " << Printable(w) << "\n";
}

}  // namespace

Status RunSync(const GlobalOptions& g, const SyncCommandOptions& o) {
  if (!(o.interval_s > 0 && o.interval_s <= 86400)) {
    char given[32];
    std::snprintf(given, sizeof given, "%.10g", o.interval_s);  // as typed: "999999", not "999999.000000"
    return InvalidArgument("--interval " + std::string(given) + " must be between 0 and 86400 seconds");
  }
  SILIAN_ASSIGN_OR_RETURN(auto store, OpenLedger(g));
  SILIAN_ASSIGN_OR_RETURN(auto urls, HubUrls(o, *store));
  // A ledger restored from an older copy takes back its own ops the hub holds (node/enrol.h).
  SILIAN_ASSIGN_OR_RETURN(uint64_t sent, ReadSentMark(g.db_path, *store));
  SILIAN_RETURN_IF_ERROR(store->ledger().SetMeta("adopt_own_up_to", std::to_string(sent)));
  bool tty = isatty(STDERR_FILENO) != 0;
  if (!o.watch) {
    SILIAN_ASSIGN_OR_RETURN(SessionResult r, OneSession(*store, urls, tty));
    SILIAN_RETURN_IF_ERROR(store->RaiseCaseCounterToHeld());
    SILIAN_RETURN_IF_ERROR(RecordSent(g.db_path, *store));
    PrintSession(g, r);
    return Status::Ok();
  }
  struct sigaction sa {};
  sa.sa_handler = OnStopSignal;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  std::mt19937_64 rng(std::random_device{}());
  uint64_t failures = 0;
  console::PushBatchSizer sizer;
  auto up_since = std::chrono::steady_clock::now();
  while (!g_stop) {
    // An encrypted ledger's key lasts as long as its session: `lock` or expiry stops the watch.
    if (store->ledger().sealer() != nullptr) {
      auto key = console::SessionKey(g.db_path);
      if (!key.ok() || key->empty())
        return FailedPrecondition("the session of ledger " + Quote(g.db_path) +
                                  " ended (locked or expired): sync --watch stops; " + console::kUnlockHint);
    }
    auto r = OneSession(*store, urls, tty, &sizer);
    double wait_s = o.interval_s;
    if (r.ok()) {
      failures = 0;
      SILIAN_RETURN_IF_ERROR(store->RaiseCaseCounterToHeld());
      SILIAN_RETURN_IF_ERROR(RecordSent(g.db_path, *store));
      if (r->summary.pushed + r->summary.pulled + r->conflicts_raised > 0 || g.json) PrintSession(g, *r);
    } else {
      ++failures;
      sizer.RecordFailure(std::chrono::duration<double>(std::chrono::steady_clock::now() - up_since).count());
      // Exponential backoff with jitter while offline: 1 s, 2 s, 4 s ... up to 5 minutes.
      double backoff = std::min(300.0, static_cast<double>(1ull << std::min<uint64_t>(failures - 1, 9)));
      wait_s = backoff * std::uniform_real_distribution<double>(0.5, 1.5)(rng);
      std::cerr << "silian-node: " << Printable(r.status().message()) << " (retry in " << static_cast<int>(wait_s + 0.5)
                << " s)\n";
      if (r.status().code() != StatusCode::kUnavailable && failures > 3) return r.status();
    }
    for (double waited = 0; waited < wait_s && !g_stop; waited += 0.1)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (!r.ok()) up_since = std::chrono::steady_clock::now();
  }
  return Status::Ok();
}

Status RunConfigSet(const GlobalOptions& g, const std::string& key, const std::string& value) {
  std::string stored = value;
  if (key == "hub") {
    for (const auto& u : SplitUrls(value)) SILIAN_RETURN_IF_ERROR(sync::ValidateHubUrl(u));
    for (const auto& u : SplitUrls(value)) SILIAN_RETURN_IF_ERROR(sync::CheckPlainHttp(u));
    if (SplitUrls(value).empty()) return InvalidArgument("hub " + Quote(value) + " names no URL");
  } else if (key == sync::kHubCaSetting || key == sync::kHubPinSetting) {
    SILIAN_ASSIGN_OR_RETURN(stored, sync::HubTrustSettingValue(key, value));
  } else {
    return InvalidArgument("setting " + Quote(key) + " is not one of: hub, hub_ca, hub_pin");
  }
  SILIAN_ASSIGN_OR_RETURN(auto store, OpenLedger(g));
  SILIAN_RETURN_IF_ERROR(store->SetSetting(key, stored));
  if (g.json) {
    PrintJson({{key, stored}});
  } else {
    std::cout << key << " = " << stored << "\n";
  }
  return Status::Ok();
}

Status RunConfigShow(const GlobalOptions& g) {
  SILIAN_ASSIGN_OR_RETURN(auto store, OpenLedger(g));
  nlohmann::json out = nlohmann::json::object();
  for (const char* key : {"hub", sync::kHubCaSetting, sync::kHubPinSetting}) {
    SILIAN_ASSIGN_OR_RETURN(auto value, store->GetSetting(key));
    out[key] = value ? *value : "";
    if (!g.json) std::cout << key << " = " << (value && !value->empty() ? *value : "(not set)") << "\n";
  }
  if (g.json) PrintJson(out);
  return Status::Ok();
}

}  // namespace silian::node
