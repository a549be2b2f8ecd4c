// The hub's read paths (hub/hub_ledger.h WithReader and WithReadStore) against a real silian-hub process
// over HTTP: GET /v1/status, a pull and the dashboard's report answer from the last commit while the hub's
// writer is stuck in a push, instead of queueing behind the writer's lock.
#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <future>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "console/node_keys.h"
#include "domain/store.h"
#include "http/curl_transport.h"
#include "net/client.h"
#include "support/files.h"
#include "support/http_client.h"
#include "support/hub_harness.h"
#include "support/ledger.h"
#include "support/status.h"

namespace silian::e2e {
namespace {

using nlohmann::json;
using sync::Level;
using namespace test;

// One sync session of `store` with the hub at `url`. Runs on another thread: no Catch2 assertion here.
Result<sync::SyncSummary> SessionWith(sync::LedgerStore& store, const std::string& url) {
  sync::CurlTransport::Options t;
  t.connect_timeout_ms = 2000;
  SILIAN_ASSIGN_OR_RETURN(auto transport, sync::CurlTransport::Create(url, t));
  return sync::SyncClient(store.ledger(), *transport, url, sync::SyncOptions()).SyncOnce();
}

// As SessionWith, verifying the hub's replies with the registry's keys as silian-node does (what lets the
// client remember an idle hub and probe it next time).
Result<sync::SyncSummary> VerifiedSessionWith(sync::LedgerStore& store, const std::string& url) {
  SILIAN_ASSIGN_OR_RETURN(auto transport, sync::CurlTransport::Create(url, sync::CurlTransport::Options()));
  sync::SyncOptions options;
  options.node_keys = console::RegistryKeyLookup();
  return sync::SyncClient(store.ledger(), *transport, url, options).SyncOnce();
}

// Another process's connection to the hub's ledger that holds SQLite's write lock (BEGIN IMMEDIATE) with
// an uncommitted row, so that the hub's own writer waits (its busy timeout) for as long as it is held.
class HeldWrite {
 public:
  explicit HeldWrite(const std::string& db) {
    REQUIRE(sqlite3_open(db.c_str(), &db_) == SQLITE_OK);
    sqlite3_busy_timeout(db_, 5000);  // the hub may be writing a contact record just then
    Run("BEGIN IMMEDIATE");
    Run("INSERT INTO peers(node_id, level, division, added_ms) VALUES('vil-uncommitted', 'village', '152222104201', 0)");
  }
  ~HeldWrite() {
    Release();
    sqlite3_close(db_);
  }
  void Release() {
    if (held_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    held_ = false;
  }

 private:
  void Run(const char* sql) {
    char* err = nullptr;
    int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
    INFO(sql << ": " << (err ? err : ""));
    sqlite3_free(err);
    REQUIRE(rc == SQLITE_OK);
  }
  sqlite3* db_ = nullptr;
  bool held_ = true;
};

bool ListsChild(const json& status, const std::string& node) {
  for (const auto& c : status.at("children"))
    if (c.at("node") == node) return true;
  return false;
}

TEST_CASE("Hub status: GET /v1/status answers with the last committed state while a push waits for the write lock",
          "[e2e][status]") {
  TempDir dir;
  const std::string hub_db = dir.File("county.db");
  InitHub(hub_db, "county-a", "county", kCounty, {{"vil-a1", "village", kVillage}});
  auto node = CreateLedger(dir.File("vil-a1.db"), NodeAt("vil-a1", Level::kVillage, kVillage));
  RegisterKey(hub_db, dir.File("vil-a1.db"));
  HubProcess hub("county hub", hub_db, dir.File("county.log"));
  hub.Start();
  SILIAN_TAKE(node->CreateCase(SampleCase(1)));
  REQUIRE(SessionWith(*node, hub.url()).ok());
  SILIAN_TAKE(node->CreateCase(SampleCase(2)));
  const json before = hub.Status();
  const uint64_t ops_before = before.at("op_count").get<uint64_t>();

  HeldWrite held(hub_db);
  // The hub's writer takes its lock for the push and then waits for SQLite's (busy timeout 10 s).
  std::future<Result<sync::SyncSummary>> push =
      std::async(std::launch::async, [&] { return SessionWith(*node, hub.url()); });
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  // The old hub queued this behind the push (up to the 10 s busy timeout): the reply would not come in time.
  const HttpReply during = Http("GET", hub.url() + "/v1/status", "", {}, /*timeout_ms=*/5000);
  const bool push_still_waiting = push.wait_for(std::chrono::seconds(0)) != std::future_status::ready;
  held.Release();
  Result<sync::SyncSummary> pushed = push.get();

  INFO("status during the push: HTTP " << during.status << " " << during.error << " " << during.body.substr(0, 300));
  REQUIRE(during.status == 200);
  CHECK(push_still_waiting);  // the status really was asked while the write was stuck
  const json j = json::parse(during.body);
  CHECK(j.at("op_count").get<uint64_t>() == ops_before);  // the last commit: not the push in progress
  CHECK_FALSE(ListsChild(j, "vil-uncommitted"));           // nor another connection's uncommitted row
  CHECK(ListsChild(j, "vil-a1"));

  INFO("push: " << (pushed.ok() ? std::string("ok") : pushed.status().message()));
  REQUIRE(pushed.ok());
  CHECK(pushed->pushed == 1);
  const json after = hub.Status();
  CHECK(after.at("op_count").get<uint64_t>() == ops_before + 1);
  CHECK_FALSE(ListsChild(after, "vil-uncommitted"));
  CHECK(hub.Terminate() == 0);
}

uint64_t ContactOf(const json& status, const std::string& node) {
  for (const auto& c : status.at("children"))
    if (c.at("node") == node) return c.at("last_contact_ms").get<uint64_t>();
  return 0;
}

// The hub's status once the last contact of `node` is later than `before`, or after 5 s.
json StatusOnceContacted(HubProcess& hub, const std::string& node, uint64_t before) {
  json status;
  for (int i = 0; i < 50; ++i) {
    status = hub.Status();
    if (ContactOf(status, node) > before) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return status;
}

// A county hub serving, and two laptops of one village registered there with their keys.
struct CountyWithTwoVillages {
  TempDir dir;
  std::string hub_db = dir.File("county.db");
  std::unique_ptr<sync::LedgerStore> a1, a2;
  std::unique_ptr<HubProcess> hub;

  CountyWithTwoVillages() {
    InitHub(hub_db, "county-a", "county", kCounty, {{"vil-a1", "village", kVillage}, {"vil-a2", "village", kVillage}});
    a1 = CreateLedger(dir.File("vil-a1.db"), NodeAt("vil-a1", Level::kVillage, kVillage));
    a2 = CreateLedger(dir.File("vil-a2.db"), NodeAt("vil-a2", Level::kVillage, kVillage));
    RegisterKey(hub_db, dir.File("vil-a1.db"));
    RegisterKey(hub_db, dir.File("vil-a2.db"));
    hub = std::make_unique<HubProcess>("county hub", hub_db, dir.File("county.log"));
    hub->Start();
  }
};

TEST_CASE("Hub reads: a pull and the dashboard's report answer from the last commit while a push waits for the "
          "write lock, and the pull's contact is recorded once the writer is free",
          "[e2e][status][read_view]") {
  CountyWithTwoVillages w;
  const std::string& hub_db = w.hub_db;
  sync::LedgerStore* writer = w.a1.get();
  sync::LedgerStore* reader = w.a2.get();
  HubProcess& hub = *w.hub;
  SILIAN_TAKE(writer->CreateCase(SampleCase(1)));
  REQUIRE(SessionWith(*writer, hub.url()).ok());
  SILIAN_TAKE(writer->CreateCase(SampleCase(2)));
  // A change needs the page's own Origin (ui/web.h OriginGuard), as a browser sends it.
  const HttpReply login = Http("POST", hub.url() + "/ui/api/login", R"({"actor": "督查员"})",
                               {"Content-Type: application/json", "Origin: " + hub.url()});
  INFO("login: HTTP " << login.status << " " << login.body);
  REQUIRE(login.status == 200);
  const std::string session = "X-Silian-Session: " + json::parse(login.body).at("token").get<std::string>();
  const std::string report_url = hub.url() + "/ui/api/report?from=2026-01-01&to=2026-12-31";
  const HttpReply report_before = Http("GET", report_url, "", {session});
  REQUIRE(report_before.status == 200);
  const uint64_t a2_contact_before = ContactOf(hub.Status(), "vil-a2");

  HeldWrite held(hub_db);
  std::future<Result<sync::SyncSummary>> push =
      std::async(std::launch::async, [&] { return SessionWith(*writer, hub.url()); });
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  // The old hub took the writer's lock for the request's nonce and the pull: it answered only after the
  // push gave up or went through (the 10 s busy timeout).
  const auto started = std::chrono::steady_clock::now();
  Result<sync::SyncSummary> pulled = SessionWith(*reader, hub.url());
  const auto pull_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  const HttpReply report = Http("GET", report_url, "", {session}, /*timeout_ms=*/5000);
  const bool push_still_waiting = push.wait_for(std::chrono::seconds(0)) != std::future_status::ready;
  held.Release();
  Result<sync::SyncSummary> pushed = push.get();

  INFO("pull: " << (pulled.ok() ? std::string("ok") : pulled.status().message()) << " in " << pull_ms << " ms");
  REQUIRE(pulled.ok());
  CHECK(push_still_waiting);  // both really were asked while the write was stuck
  INFO("hub log: " << ReadFile(w.dir.File("county.log")));
  CHECK(pull_ms < 5000);
  // Case 1, the last commit: not case 2, whose push is still waiting.
  CHECK(reader->ListCases(sync::CaseFilter{}).value().size() == 1);
  INFO("report during the push: HTTP " << report.status << " " << report.error << " " << report.body.substr(0, 300));
  REQUIRE(report.status == 200);
  CHECK(json::parse(report.body).at("total") == json::parse(report_before.body).at("total"));

  INFO("push: " << (pushed.ok() ? std::string("ok") : pushed.status().message()));
  REQUIRE(pushed.ok());
  CHECK(pushed->pushed == 1);
  // The pull's contact record waited for the writer, then was written.
  CHECK(ContactOf(StatusOnceContacted(hub, "vil-a2", a2_contact_before), "vil-a2") > a2_contact_before);
  REQUIRE(SessionWith(*reader, hub.url()).ok());
  CHECK(reader->ListCases(sync::CaseFilter{}).value().size() == 2);
  CHECK(hub.Terminate() == 0);
}

TEST_CASE("Hub reads: an idle probe is answered from the last commit while a push waits for the write lock, "
          "and its contact is recorded once the writer is free",
          "[e2e][status][read_view][idle]") {
  CountyWithTwoVillages w;
  const std::string& hub_db = w.hub_db;
  sync::LedgerStore* writer = w.a1.get();
  sync::LedgerStore* prober = w.a2.get();
  HubProcess& hub = *w.hub;
  // Two full sessions: the first brings the hub's registration (its key), the second leaves nothing to
  // move, so the hub records the prober's state and the prober remembers the hub.
  REQUIRE(VerifiedSessionWith(*prober, hub.url()).ok());
  REQUIRE(VerifiedSessionWith(*prober, hub.url()).ok());
  const uint64_t contact_before = ContactOf(hub.Status(), "vil-a2");
  SILIAN_TAKE(writer->CreateCase(SampleCase(1)));

  HeldWrite held(hub_db);
  std::future<Result<sync::SyncSummary>> push =
      std::async(std::launch::async, [&] { return SessionWith(*writer, hub.url()); });
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  // The probe took the writer's lock before: it was answered only once the push went through or gave up.
  const auto started = std::chrono::steady_clock::now();
  Result<sync::SyncSummary> probed = VerifiedSessionWith(*prober, hub.url());
  const auto probe_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  const bool push_still_waiting = push.wait_for(std::chrono::seconds(0)) != std::future_status::ready;
  held.Release();
  Result<sync::SyncSummary> pushed = push.get();

  INFO("probe: " << (probed.ok() ? probed->probe : probed.status().message()) << " in " << probe_ms << " ms");
  INFO("hub log: " << ReadFile(w.dir.File("county.log")));
  REQUIRE(probed.ok());
  CHECK(probed->probe == "unchanged");
  CHECK(push_still_waiting);
  CHECK(probe_ms < 1000);
  REQUIRE(pushed.ok());
  CHECK(pushed->pushed == 1);
  // The probe's contact record waited for the writer, then was written.
  CHECK(ContactOf(StatusOnceContacted(hub, "vil-a2", contact_before), "vil-a2") > contact_before);
  CHECK(hub.Terminate() == 0);
}

}  // namespace
}  // namespace silian::e2e
