// The idle probe over real HTTP (issue 13, item 4; docs/protocol.md, "Idle probe"): a real silian-hub on
// loopback and node ledgers syncing in this process with SyncClient and CurlTransport (what silian-node
// runs). An idle node's sync is one small probe; every change leads to the full session and converges; a
// bad, replayed, revoked or garbled probe is refused and changes nothing.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include "base/keys.h"
#include "console/node_keys.h"
#include "http/curl_transport.h"
#include "net/client.h"
#include "net/idle.h"
#include "support/files.h"
#include "support/http_client.h"
#include "support/hub_harness.h"
#include "support/ledger.h"
#include "support/process.h"
#include "support/programs.h"
#include "support/status.h"

namespace silian::e2e {
namespace {

using namespace test;
using json = nlohmann::json;

constexpr const char* kItem = "11152222MB1234567X-1-001";
constexpr uint64_t kIdleTargetBytes = 300;

struct Synced {
  sync::SyncSummary summary;
  uint64_t wire = 0;  // bytes on the wire both ways, headers included
};

// One sync of the ledger at `db` with the hub at `url`, verifying the hub's replies as silian-node does.
Synced SyncNow(const std::string& db, const std::string& url) {
  auto node = OpenLedger(db);
  auto curl = SILIAN_TAKE(sync::CurlTransport::Create(url, sync::CurlTransport::Options()));
  sync::SyncOptions options;
  options.node_keys = console::RegistryKeyLookup();
  Synced out;
  out.summary = SILIAN_TAKE(sync::SyncClient(node->ledger(), *curl, url, options).SyncOnce());
  out.wire = curl->wire_bytes_sent() + curl->wire_bytes_received();
  return out;
}

void NewCase(const std::string& db, uint32_t n) {
  RunOk(NodeBin(), {"--db", db, "case", "new", "--item", kItem, "--applicant-name", "Bayar", "--applicant-id",
                    ResidentId(n)});
}

uint64_t LastContactMs(const HubProcess& hub, const std::string& node) {
  const json status = hub.Status();
  for (const auto& c : status["children"])
    if (c.value("node", "") == node) return c.value("last_contact_ms", uint64_t{0});
  FAIL("no child " << node << " in the hub's status");
  return 0;
}

void RequireRefusal(const HttpReply& r, long status, const std::string& code, const std::string& names) {
  INFO("HTTP " << r.status << " " << r.body.substr(0, 400));
  REQUIRE(r.status == status);
  json body = json::parse(r.body, nullptr, false);
  REQUIRE(body.is_object());
  CHECK(body.value("error", "") == code);
  CHECK_THAT(body.value("message", ""), Catch::Contains(names));
}

// A county hub with two laptops of one village, both registered with their keys; a1 has synced a case.
struct IdleWorld {
  TempDir dir;
  std::string hub_db = dir.File("county.db");
  std::string a1 = dir.File("a1.db");
  std::string a1b = dir.File("a1b.db");
  HubProcess hub{"county hub", hub_db, dir.File("county.log")};

  // `before_start` runs once the ledgers exist, before the hub serves (e.g. registering it at a parent).
  explicit IdleWorld(const std::vector<std::string>& serve_args = {},
                     const std::function<void(IdleWorld&)>& before_start = nullptr) {
    InitHub(hub_db, "county-a", "county", kCounty,
            {{"vil-a1", "village", kVillage}, {"vil-a1b", "village", kVillage}});
    for (const auto& [db, id] : {std::pair{a1, "vil-a1"}, std::pair{a1b, "vil-a1b"}}) {
      RunOk(NodeBin(), {"--db", db, "init", "--node-id", id, "--level", "village", "--division", kVillage,
                        "--device", db == a1 ? "01" : "02"});
      RegisterKey(hub_db, db);
    }
    if (before_start) before_start(*this);
    hub.Start(serve_args);
    NewCase(a1, 1);
    SyncNow(a1, hub.url());
    SyncNow(a1b, hub.url());
  }

  // Syncs `db` until its sync is one "unchanged" probe (a change takes one full session; a relaying hub
  // may still be bringing its parent's ops down).
  Synced Settle(const std::string& db) {
    for (int i = 0; i < 10; ++i) {
      Synced s = SyncNow(db, hub.url());
      if (s.summary.probe == "unchanged") return s;
      std::this_thread::sleep_for(std::chrono::milliseconds(100 * i));
    }
    FAIL("the sync of " << db << " never became an unchanged probe");
    return {};
  }

  void RequireConverged() {
    CHECK(DigestOf(*OpenLedger(a1), std::string(kVillage)) == HubDigest(hub_db, kVillage));
    CHECK(DigestOf(*OpenLedger(a1b), std::string(kVillage)) == HubDigest(hub_db, kVillage));
  }

  std::string HubKey() {
    json id = RunJson(HubBin(), {"--db", hub_db, "--json", "identity"});
    return SILIAN_TAKE(sync::FromBase64(id["public_key"].get<std::string>(), "hub key"));
  }
};

// A probe of the ledger at `db` made by hand, as SyncClient makes it (for what it never sends).
struct HandProbe {
  pb::IdleProbe probe;
  sync::IdleKeys keys;

  HandProbe(const std::string& db, const std::string& hub_key, const std::string& digest) {
    auto node = OpenLedger(db);
    keys = SILIAN_TAKE(sync::NodeIdleKeys(node->ledger().signing_key(), hub_key));
    probe.set_node_id(node->config().node_id.value);
    probe.set_digest(digest);
    probe.set_ts_ms(sync::SystemWallClock().NowMs());
    probe.set_nonce(sync::NewIdleNonce());
  }
  std::string Body(const std::string& mac_key) const {
    pb::IdleRequest r;
    r.set_probe(probe.SerializeAsString());
    r.set_mac(sync::ProbeMac(mac_key, r.probe()));
    return r.SerializeAsString();
  }
  std::string Body() const { return Body(keys.request); }
};

HttpReply PostIdle(const std::string& url, const std::string& body) {
  return Http("POST", url + sync::kIdlePath, body, {"Content-Type:"});
}

TEST_CASE("Idle probe: an idle node's sync is one probe answered unchanged within 300 bytes, moves nothing, "
          "and the hub's status shows the contact",
          "[e2e][idle]") {
  IdleWorld w;
  w.Settle(w.a1);
  const std::string hub_digest = HubDigest(w.hub_db, kCounty);
  const uint64_t contact_before = LastContactMs(w.hub, "vil-a1");
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  Synced s = SyncNow(w.a1, w.hub.url());
  CHECK(s.summary.probe == "unchanged");
  CHECK(s.summary.requests == 1);
  CHECK(s.summary.pushed + s.summary.pulled + s.summary.push_known == 0);
  CHECK(s.summary.hub_id == "county-a");
  INFO("idle probe: " << s.wire << " bytes on the wire");
  CHECK(s.wire <= kIdleTargetBytes);
  CHECK(s.summary.probe_wire_bytes == s.wire);
  CHECK(HubDigest(w.hub_db, kCounty) == hub_digest);
  CHECK(LastContactMs(w.hub, "vil-a1") > contact_before);
  // silian-node status still shows when this node last synced with the hub.
  CHECK(SILIAN_TAKE(OpenLedger(w.a1)->ledger().LastSyncMs(w.hub.url())) > 0);
}

TEST_CASE("Idle probe: an op arriving in the node's scope, an op to push and a restarted hub each lead to the "
          "full session, and the replicas converge",
          "[e2e][idle]") {
  IdleWorld w;
  w.Settle(w.a1);
  w.Settle(w.a1b);
  // vil-a1b's new case reaches the hub: vil-a1's probe is answered "changed" and its session pulls the case.
  NewCase(w.a1b, 2);
  Synced pushed = SyncNow(w.a1b, w.hub.url());
  CHECK(pushed.summary.probe.empty());  // its own new op: no probe, straight to the full session
  CHECK(pushed.summary.pushed == 1);
  Synced pulled = SyncNow(w.a1, w.hub.url());
  CHECK(pulled.summary.probe == "changed");
  CHECK(pulled.summary.pulled == 1);
  w.RequireConverged();
  w.Settle(w.a1);
  w.Settle(w.a1b);  // its receipts and cursor move once more after its own push

  // A restarted hub has forgotten every child's state: "changed", then the full session, then idle again.
  REQUIRE(w.hub.Terminate() == 0);
  w.hub.Start();
  Synced restarted = SyncNow(w.a1, w.hub.url());
  CHECK(restarted.summary.probe == "changed");
  CHECK(restarted.summary.requests > 1);
  CHECK(SyncNow(w.a1, w.hub.url()).summary.probe == "unchanged");
  w.RequireConverged();
}

TEST_CASE("Idle probe: a county whose upstream receipt advanced answers changed, and the node then learns that "
          "its op is at the city",
          "[e2e][idle]") {
  TempDir dir;
  const std::string city_db = dir.File("city.db");
  InitHub(city_db, "city-1522", "city", kCity, {{"county-a", "county", kCounty}});
  HubProcess city("city hub", city_db, dir.File("city.log"));
  city.Start();
  IdleWorld w({"--parent", city.url(), "--sync-interval", "0.2"}, [&](IdleWorld& world) { RegisterKey(city_db, world.hub_db); });
  w.Settle(w.a1);
  // The county relays vil-a1's op up; the city's receipt comes back down only in a full session.
  NewCase(w.a1, 3);
  CHECK(SyncNow(w.a1, w.hub.url()).summary.pushed == 1);
  // Until the relay has run, the node's probes are answered "unchanged"; the probe after it, "changed".
  bool at_city = false;
  std::string verdict;
  for (int i = 0; i < 100 && !at_city; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    verdict = SyncNow(w.a1, w.hub.url()).summary.probe;
    at_city = MissingAt(*OpenLedger(w.a1), "city") == std::optional<uint64_t>(0);
    if (!at_city) CHECK(verdict == "unchanged");
  }
  REQUIRE(at_city);
  CHECK(verdict == "changed");
  CHECK(w.Settle(w.a1).summary.probe == "unchanged");
}

TEST_CASE("Idle probe: a probe with a bad MAC, a replayed, garbled or too large probe and one from a revoked node "
          "are refused naming what is wrong, and change nothing",
          "[e2e][idle]") {
  IdleWorld w;
  w.Settle(w.a1);
  const std::string hub_key = w.HubKey();
  std::string digest;
  {
    auto node = OpenLedger(w.a1);
    json idle = json::parse(SILIAN_TAKE(node->ledger().GetMeta("idle/" + w.hub.url())).value_or("{}"));
    REQUIRE(idle.contains("digest"));
    std::string hex = idle["digest"].get<std::string>();
    for (size_t i = 0; i < hex.size(); i += 2) digest.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  const std::string hub_digest = HubDigest(w.hub_db, kCounty);
  const uint64_t contact = LastContactMs(w.hub, "vil-a1");

  HandProbe good(w.a1, hub_key, digest);
  // vil-a1b's own shared key cannot speak for vil-a1.
  HandProbe other(w.a1b, hub_key, digest);
  RequireRefusal(PostIdle(w.hub.url(), good.Body(other.keys.request)), 401, "bad_mac", "vil-a1");
  HandProbe changed = good;
  changed.probe.set_ts_ms(changed.probe.ts_ms() + 1);  // a field changed after the MAC was made
  pb::IdleRequest tampered;
  tampered.ParseFromString(good.Body());
  tampered.set_probe(changed.probe.SerializeAsString());
  RequireRefusal(PostIdle(w.hub.url(), tampered.SerializeAsString()), 401, "bad_mac", "MAC");
  RequireRefusal(PostIdle(w.hub.url(), "not a probe at all"), 400, "malformed", "IdleRequest");
  pb::IdleRequest short_mac;
  short_mac.ParseFromString(good.Body());
  short_mac.set_mac("1234");
  RequireRefusal(PostIdle(w.hub.url(), short_mac.SerializeAsString()), 400, "malformed", "mac has 4 bytes");
  RequireRefusal(PostIdle(w.hub.url(), std::string(600, 'x')), 413, "too_large", "600");
  HandProbe stale = good;
  stale.probe.set_ts_ms(stale.probe.ts_ms() - 10 * 60 * 1000);
  RequireRefusal(PostIdle(w.hub.url(), stale.Body()), 401, "stale_request", "vil-a1");
  CHECK(HubDigest(w.hub_db, kCounty) == hub_digest);
  CHECK(LastContactMs(w.hub, "vil-a1") == contact);  // a refused probe is no contact

  // The honest probe is answered, and its verdict verifies; the same bytes again are a replay.
  HttpReply first = PostIdle(w.hub.url(), good.Body());
  REQUIRE(first.status == 200);
  pb::IdleAnswer answer;
  REQUIRE(answer.ParseFromString(first.body));
  CHECK(answer.unchanged());
  CHECK(sync::IdleMacEqual(answer.mac(), sync::AnswerMac(good.keys.reply, good.probe.nonce(), true)));
  RequireRefusal(PostIdle(w.hub.url(), good.Body()), 401, "replayed", "vil-a1");

  // A revoked node is refused as its signed requests are.
  REQUIRE(w.hub.Terminate() == 0);
  RunOk(HubBin(), {"--db", w.hub_db, "node", "revoke", "vil-a1"});
  w.hub.Start();
  const std::string revoked_digest = HubDigest(w.hub_db, kCounty);
  const uint64_t revoked_contact = LastContactMs(w.hub, "vil-a1");
  HandProbe revoked(w.a1, hub_key, digest);
  RequireRefusal(PostIdle(w.hub.url(), revoked.Body()), 403, "revoked", "vil-a1");
  CHECK(HubDigest(w.hub_db, kCounty) == revoked_digest);
  CHECK(LastContactMs(w.hub, "vil-a1") == revoked_contact);
  const std::string metrics = Http("GET", w.hub.url() + "/metrics").body;
  for (const char* reason : {"revoked"})
    CHECK_THAT(metrics, Catch::Contains(std::string("reason=\"") + reason + "\""));
}

}  // namespace
}  // namespace silian::e2e
