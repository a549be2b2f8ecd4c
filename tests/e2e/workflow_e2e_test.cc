// End to end, the service-centre workflow with real programs on loopback: silian-hub serving, silian-node
// and silian-admin run as an operator would, and a stand-in SMS gateway (a cpprestsdk listener in this
// process) that receives the hub's notices. A few requests a real node never sends are made in process
// with the client's own pieces (a village publishing reference data).
#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <cpprest/http_listener.h>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "e2e/hub_harness.h"
#include "node/process.h"
#include "domain/catalog.h"
#include "domain/store.h"
#include "net/protocol.h"
#include "support/test_util.h"

namespace silian::e2e {
namespace {

namespace http = web::http;
using nlohmann::json;
using sync::LedgerStore;
using sync::Level;
using test::TempDir;
using testing::ProcessResult;
using testing::RunProcess;
using Clock = std::chrono::steady_clock;

const std::string kAdminBin = SILIAN_ADMIN_BIN;
const std::string kCatalogFile = std::string(SILIAN_SOURCE_DIR) + "/reference/catalog.json";

constexpr const char* kCityDivision = "152200000000";
constexpr const char* kCountyA = "152222000000";
constexpr const char* kTownA = "152222104000";
constexpr const char* kVillageA1 = "152222104200";
// From reference/catalog.json.
constexpr const char* kTownshipItem = "1115222201158101515000139500100";  // 农村宅基地用地审批, township
constexpr const char* kCountyItem = "11152222MA0Q7K4C7F4000043300100";    // 个体工商户设立登记, county
constexpr const char* kPhone = "13912345678";

std::string Describe(const ProcessResult& r) {
  return "exit " + std::to_string(r.exit_code) + "\nstdout:\n" + r.out + "\nstderr:\n" + r.err;
}

std::string CommandText(const std::string& bin, const std::vector<std::string>& args) {
  std::string command = std::filesystem::path(bin).filename().string();
  for (const auto& a : args) command += " " + a;
  return command;
}

// Runs a program and REQUIREs exit 0; returns its stdout.
std::string Run(const std::string& bin, const std::vector<std::string>& args) {
  ProcessResult r = RunProcess(bin, args);
  INFO(CommandText(bin, args) << "\n" << Describe(r));
  REQUIRE(r.exit_code == 0);
  return r.out;
}

json RunJson(const std::string& bin, const std::vector<std::string>& args) {
  std::string out = Run(bin, args);
  INFO(CommandText(bin, args) << "\nstdout:\n" << out);
  json j = json::parse(out, nullptr, false);
  REQUIRE_FALSE(j.is_discarded());
  return j;
}

struct PeerSpec {
  std::string id;
  std::string level;
  std::string division;
};

// `silian-hub init` and `node add` for each peer, as an operator sets a hub up.
void InitHub(const std::string& db, const std::string& id, const std::string& level, const std::string& division,
             const std::vector<PeerSpec>& peers, const std::string& parent = "") {
  std::vector<std::string> args = {"--db", db, "init", "--node-id", id, "--level", level, "--division", division};
  if (!parent.empty()) args.insert(args.end(), {"--parent", parent});
  Run(kHubBin, args);
  for (const auto& p : peers)
    Run(kHubBin, {"--db", db, "node", "add", p.id, "--level", p.level, "--division", p.division});
}

void InitNode(const std::string& db, const std::string& id, const std::string& level, const std::string& division,
              const std::string& hub_url) {
  Run(kNodeBin, {"--db", db, "init", "--node-id", id, "--level", level, "--division", division, "--hub", hub_url});
}

// `silian-node sync --hub URL --json`.
json SyncWith(const std::string& db, const std::string& url) {
  return RunJson(kNodeBin, {"--db", db, "--json", "sync", "--hub", url});
}

size_t CatalogFileItems() {
  json file = json::parse(ReadFile(kCatalogFile));
  return file.at("items").size();
}

size_t NodeCatalogItems(const std::string& db) {
  return RunJson(kNodeBin, {"--db", db, "--json", "catalog", "list"}).at("items").size();
}

// Polls `done` every 20 ms until it is true; false after `limit`.
template <typename F>
bool WaitUntil(F done, std::chrono::milliseconds limit) {
  auto deadline = Clock::now() + limit;
  for (;;) {
    if (done()) return true;
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

// Waits until a hub's /v1/status counts at least `ops` ops.
void WaitForOps(const HubProcess& hub, uint64_t ops) {
  bool reached = WaitUntil([&] { return hub.Status().at("op_count").get<uint64_t>() >= ops; }, std::chrono::seconds(20));
  INFO(hub.name() << " status: " << hub.Status().dump() << "\nlog:\n" << hub.log());
  REQUIRE(reached);
}

// ---------------------------------------------------------------------------------------------------
// A stand-in SMS gateway on 127.0.0.1: records every request, answers 503 to the first `fail_first`,
// 200 to the rest.
class SmsGateway {
 public:
  struct Seen {
    std::string key;  // Idempotency-Key
    std::string content_type;
    std::string body;
    int answered = 0;
  };

  explicit SmsGateway(int fail_first) : fail_left_(fail_first) {
    for (int attempt = 1;; ++attempt) {
      url_ = "http://127.0.0.1:" + std::to_string(FreePort()) + "/sms";
      listener_ = std::make_unique<http::experimental::listener::http_listener>(url_);
      listener_->support([this](const http::http_request& request) { Handle(request); });
      try {
        listener_->open().wait();
        return;
      } catch (const std::exception& e) {
        INFO("cannot listen on " << url_ << ": " << e.what());
        REQUIRE(attempt < 8);
      }
    }
  }
  ~SmsGateway() {
    try {
      listener_->close().wait();
    } catch (const std::exception&) {
    }
  }
  SmsGateway(const SmsGateway&) = delete;
  SmsGateway& operator=(const SmsGateway&) = delete;

  const std::string& url() const { return url_; }

  std::vector<Seen> seen() const {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_;
  }
  // Per Idempotency-Key, how many requests were answered with a 2xx.
  std::map<std::string, int> Delivered() const {
    std::map<std::string, int> out;
    for (const Seen& s : seen())
      if (s.answered >= 200 && s.answered < 300) ++out[s.key];
    return out;
  }

 private:
  void Handle(const http::http_request& request) {
    Seen s;
    auto it = request.headers().find("Idempotency-Key");
    if (it != request.headers().end()) s.key = it->second;
    it = request.headers().find("Content-Type");
    if (it != request.headers().end()) s.content_type = it->second;
    try {
      auto raw = request.extract_vector().get();
      s.body.assign(raw.begin(), raw.end());
    } catch (const std::exception&) {
    }
    int status = 200;
    std::string body = "{\"ok\":true}";
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (fail_left_ > 0) {
        --fail_left_;
        status = 503;
        body = "busy";
      }
      s.answered = status;
      seen_.push_back(s);
    }
    http::http_response response(static_cast<http::status_code>(status));
    response.set_body(std::vector<unsigned char>(body.begin(), body.end()));
    request.reply(response).then([](pplx::task<void> t) {
      try {
        t.get();
      } catch (const std::exception&) {  // the client gave up
      }
    });
  }

  std::string url_;
  std::unique_ptr<http::experimental::listener::http_listener> listener_;
  mutable std::mutex mu_;
  int fail_left_ = 0;
  std::vector<Seen> seen_;
};

// ---- Raw sync requests, for what silian-node never sends.

std::unique_ptr<LedgerStore> OpenLedger(const std::string& path) {
  LedgerStore::Options o;
  o.durable = false;
  return SILIAN_TAKE(LedgerStore::Open(path, o));
}

HttpReply PostSync(const std::string& url, const pb::SyncRequest& req) {
  return Http("POST", url + sync::kSyncPath, sync::CompressBody(req.SerializeAsString(), 3),
              {"Authorization: " + sync::MakeAuthorization(req.node_id()),
               std::string("Content-Type: ") + sync::kSyncContentType});
}

// A push of `entries` as node `node_id` of `level` and `division`, with `frontier` as the sender's.
pb::SyncRequest PushRequest(const std::string& node_id, const std::string& level, const std::string& division,
                            const pb::Frontier& frontier, const std::vector<pb::Entry>& entries) {
  pb::SyncRequest req;
  req.set_protocol_version(sync::kSyncProtocolVersion);
  req.set_node_id(node_id);
  req.set_level(level);
  req.set_division(division);
  *req.mutable_frontier() = frontier;
  for (const auto& e : entries) *req.mutable_push()->add_entries() = e;
  return req;
}

// ===================================================================================================
// Notices.
//
// A city hub (notify on, an SMS gateway that is busy for its first two requests), a county hub below it,
// and a township node registered at both. The township takes a case of a township-level item through
// receive, request-correction, supply-correction, accept, approve, complete and issue-certificate, syncing
// its ops to the city directly and through the county (whose relay carries them up again), and at the end
// its whole chain is pushed to the city once more, as the county, so every event reaches the city twice.
// The gateway must answer each of the four notices 2xx exactly once.

TEST_CASE("E2E: notices reach the SMS gateway exactly once even when the event arrives twice by different paths",
          "[e2e][workflow_e2e][notices]") {
  TempDir dir;
  const std::string city_db = dir.File("city.db"), county_db = dir.File("county.db"), town = dir.File("town.db");
  InitHub(city_db, "city-1522", "city", kCityDivision,
          {{"county-a", "county", kCountyA}, {"town-a", "township", kTownA}});
  Run(kAdminBin, {"--db", city_db, "catalog", "import", kCatalogFile});
  SmsGateway gateway(2);
  Run(kHubBin, {"--db", city_db, "config", "set", "notify", "on"});
  Run(kHubBin, {"--db", city_db, "config", "set", "notify-url", gateway.url()});
  HubProcess city("city hub", city_db, dir.File("city.log"));
  city.Start();
  INFO("city log:\n" << city.log());
  REQUIRE_THAT(city.log(), Catch::Contains("delivering notices") && Catch::Contains(gateway.url()));

  InitHub(county_db, "county-a", "county", kCountyA, {{"town-a", "township", kTownA}}, city.url());
  HubProcess county("county hub", county_db, dir.File("county.log"));
  county.Start({"--sync-interval", "0.5"});

  InitNode(town, "town-a", "township", kTownA, county.url());
  json synced = SyncWith(town, city.url());  // the catalogue, straight from the city
  CHECK(synced.at("pulled") == CatalogFileItems());
  REQUIRE(NodeCatalogItems(town) == CatalogFileItems());

  json created = RunJson(kNodeBin, {"--db", town, "--json", "case", "new", "--item", kTownshipItem,
                                    "--applicant-name", "巴特尔", "--applicant-id", test::ResidentId(7), "--phone",
                                    kPhone});
  const std::string case_id = created.at("case_id"), case_number = created.at("case_number");
  auto act = [&](const std::vector<std::string>& args) {
    std::vector<std::string> full = {"--db", town, "--json", "case", "act", case_id};
    full.insert(full.end(), args.begin(), args.end());
    return RunJson(kNodeBin, full).at("op").get<std::string>();
  };

  // First leg: through the county (its relay carries the ops to the city), then to the city directly.
  act({"receive"});
  const std::string correction_op = act({"request-correction", "--reason", "缺少建房设计图"});
  SyncWith(town, county.url());
  SyncWith(town, city.url());
  // Second leg: to the city directly first, then through the county.
  act({"supply-correction"});
  const std::string accept_op = act({"accept"});
  SyncWith(town, city.url());
  SyncWith(town, county.url());
  // Third leg: through the county; wait until its relay has carried them up, then sync with the city.
  const std::string approve_op = act({"approve"});
  act({"complete"});
  const std::string certificate_op =
      act({"issue-certificate", "--detail", "certificate_name=农村宅基地批准书", "--detail", "certificate_number=KYZQ-2026-001"});
  SyncWith(town, county.url());
  const uint64_t town_ops = 8;  // created, receive, request-correction, supply, accept, approve, complete, certificate
  WaitForOps(city, CatalogFileItems() + town_ops);
  SyncWith(town, city.url());

  // Every op of the township once more, as the county would relay it: all already known at the city.
  {
    auto node = OpenLedger(town);
    std::vector<pb::Entry> entries = test::ExportAll(*node);
    std::vector<pb::Entry> own;
    for (const auto& e : entries) {
      pb::Op op;
      if (e.has_op() && op.ParseFromString(e.op()) && op.origin() == "town-a") own.push_back(e);
    }
    REQUIRE(own.size() == town_ops);
    pb::Frontier county_frontier;  // claims to hold only the township's chain
    const pb::Frontier node_frontier = SILIAN_TAKE(node->GetFrontier());
    for (const auto& f : node_frontier.entries())
      if (f.origin() == "town-a") *county_frontier.add_entries() = f;
    HttpReply r = PostSync(city.url(), PushRequest("county-a", "county", kCountyA, county_frontier, own));
    INFO("HTTP " << r.status << " " << r.error << " " << r.body.substr(0, 300));
    REQUIRE(r.status == 200);
    pb::SyncReply reply;
    REQUIRE(reply.ParseFromString(SILIAN_TAKE(sync::DecompressBody(r.body, 64 << 20))));
    CHECK(reply.pushed_new() == 0);
    CHECK(reply.pushed_known() == town_ops);
  }

  const std::map<std::string, std::string> expected = {
      {accept_op + "/accepted", "accepted"},
      {correction_op + "/correction_needed", "correction_needed"},
      {approve_op + "/decided", "decided"},
      {certificate_op + "/ready_for_collection", "ready_for_collection"},
  };
  auto all_delivered = [&] {
    auto delivered = gateway.Delivered();
    for (const auto& [id, kind] : expected)
      if (delivered.count(id) == 0) return false;
    return true;
  };
  bool delivered_all = WaitUntil(all_delivered, std::chrono::seconds(30));
  // Long enough for another dispatcher pass (1 s) to send a repeat, were there one to send.
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  const auto seen = gateway.seen();
  {
    std::string log;
    for (const auto& s : seen) log += std::to_string(s.answered) + " " + s.key + "\n";
    INFO("gateway requests:\n" << log << "city log:\n" << city.log());
    REQUIRE(delivered_all);
  }

  auto delivered = gateway.Delivered();
  CHECK(delivered.size() == expected.size());
  for (const auto& [id, count] : delivered) {
    INFO("notice " << id);
    CHECK(expected.count(id) == 1);
    CHECK(count == 1);
  }
  int busy = 0;
  for (const auto& s : seen) {
    INFO("request for " << s.key << " answered " << s.answered << ": " << s.body);
    CHECK(expected.count(s.key) == 1);
    CHECK_THAT(s.content_type, Catch::StartsWith("application/json"));
    if (s.answered == 503) ++busy;
    json body = json::parse(s.body, nullptr, false);
    REQUIRE(body.is_object());
    CHECK(body.value("id", "") == s.key);
    CHECK(body.value("case_number", "") == case_number);
    CHECK(body.value("phone", "") == kPhone);
    if (expected.count(s.key) == 1) CHECK(body.value("kind", "") == expected.at(s.key));
    CHECK_THAT(body.value("text", ""), Catch::Contains(case_number) && Catch::Contains("农村宅基地用地审批"));
    if (body.value("kind", "") == "correction_needed") CHECK_THAT(body.value("text", ""), Catch::Contains("建房设计图"));
  }
  CHECK(busy == 2);
  CHECK(seen.size() == expected.size() + 2);  // the two 503s were retried, nothing else was repeated

  // The city's outbox, read by a separate process while the hub serves: all four sent. The gateway's
  // 2xx comes a moment before the hub records it, so poll.
  json notices;
  bool all_sent = WaitUntil(
      [&] {
        notices = RunJson(kHubBin, {"--db", city_db, "--json", "notices", "list"});
        if (notices.size() != expected.size()) return false;
        for (const auto& n : notices)
          if (n.at("state") != "sent") return false;
        return true;
      },
      std::chrono::seconds(10));
  INFO("notices list: " << notices.dump(2));
  REQUIRE(all_sent);
  uint64_t attempts = 0;
  for (const auto& n : notices) {
    const std::string id = n.at("id");
    INFO("notice " << id);
    REQUIRE(expected.count(id) == 1);
    CHECK(n.at("kind") == expected.at(id));
    CHECK(n.at("case_number") == case_number);
    CHECK(n.at("case_id") == case_id);
    CHECK(n.at("phone") == "*******5678");
    CHECK(n.at("sent") != "-");
    CHECK_THAT(n.at("text").get<std::string>(), Catch::Contains(case_number));
    attempts += n.at("attempts").get<uint64_t>();
  }
  CHECK(attempts == expected.size() + 2);

  // Only the hub with notify on makes notices.
  CHECK(RunJson(kHubBin, {"--db", county_db, "--json", "notices", "list"}).empty());
  CHECK(county.Terminate() == 0);
  CHECK(city.Terminate() == 0);
}

// ===================================================================================================
// Authority over reference data.

TEST_CASE("E2E: a hub refuses reference data published by a village node with 422 no_authority and stores nothing",
          "[e2e][workflow_e2e][authority]") {
  TempDir dir;
  const std::string county_db = dir.File("county.db");
  InitHub(county_db, "county-a", "county", kCountyA,
          {{"vil-a1", "village", kVillageA1}, {"town-a", "township", kTownA}});
  HubProcess county("county hub", county_db, dir.File("county.log"));
  county.Start();
  const std::string digest_before = Run(kHubBin, {"--db", county_db, "digest"});

  // silian-admin refuses to publish into a village ledger in the first place.
  const std::string village_db = dir.File("village.db");
  InitNode(village_db, "vil-a1", "village", kVillageA1, county.url());
  ProcessResult admin = RunProcess(kAdminBin, {"--db", village_db, "catalog", "import", kCatalogFile});
  {
    INFO(Describe(admin));
    CHECK(admin.exit_code == 2);
    CHECK_THAT(admin.err, Catch::Contains("village"));
  }

  // A modified program could: ledgers that call themselves vil-a1 and town-a but publish as a county
  // would, with a case op of the village after the item in the same chain.
  const std::string item_json = R"({"format": 1, "items": [{"code": "54152222FORGED0000000000000000001",
      "name": "伪造事项", "exercise_level": "village", "legal_limit": {"value": 5, "unit": "working_days"},
      "promised_limit": {"value": 1, "unit": "working_days"}, "lead_department": "某嘎查村民委员会"}]})";
  auto items = SILIAN_TAKE(sync::ParseCatalogJson(item_json, "forged.json"));
  struct Forger {
    std::string id, level, division;
  };
  for (const Forger& f : {Forger{"vil-a1", "village", kVillageA1}, Forger{"town-a", "township", kTownA}}) {
    INFO("forged by " << f.id);
    auto forged = SILIAN_TAKE(LedgerStore::Create(dir.File(f.id + "-forged.db"),
                                                  test::NodeAt(f.id, Level::kCounty, kCountyA), LedgerStore::Options()));
    auto published = SILIAN_TAKE(forged->PublishItems(items, "forger"));
    REQUIRE(published.published.size() == 1);
    sync::NewCase c = test::SampleCase(1);
    c.item_code = items.front().code();
    c.division = sync::DivisionCode{kVillageA1};
    static_cast<void>(SILIAN_TAKE(forged->CreateCase(c)));
    std::vector<pb::Entry> entries = test::ExportAll(*forged);
    REQUIRE(entries.size() == 2);

    HttpReply r = PostSync(county.url(), PushRequest(f.id, f.level, f.division, SILIAN_TAKE(forged->GetFrontier()), entries));
    INFO("HTTP " << r.status << " " << r.error << " " << r.body.substr(0, 500));
    REQUIRE(r.status == 422);
    json body = json::parse(r.body, nullptr, false);
    REQUIRE(body.is_object());
    CHECK(body.value("error", "") == "no_authority");
    CHECK_THAT(body.value("message", ""), Catch::Contains(f.id + ":1") && Catch::Contains(f.level) &&
                                              Catch::Contains("only county and city hubs publish"));

    // Nothing of the push is stored, and the refusal is on record for the child.
    json status = county.Status();
    CHECK(status.at("op_count") == 0);
    bool recorded = false;
    for (const auto& child : status.at("children"))
      if (child.at("node") == f.id)
        recorded = child.at("errors").get<uint64_t>() >= 1 &&
                   child.at("last_error").get<std::string>().find("publishes reference data") != std::string::npos;
    CHECK(recorded);
  }
  CHECK(Run(kHubBin, {"--db", county_db, "digest"}) == digest_before);
  CHECK(RunJson(kHubBin, {"--db", county_db, "--json", "catalog", "list"}).at("items").empty());
  CHECK(RunJson(kHubBin, {"--db", county_db, "--json", "case", "list"}).empty());

  // The hub goes on serving: the real village syncs, and holds no catalogue.
  Run(kNodeBin, {"--db", village_db, "case", "new", "--item", kCountyItem, "--applicant-name", "Saran",
                 "--applicant-id", test::ResidentId(2)});
  json synced = SyncWith(village_db, county.url());
  CHECK(synced.at("pushed") == 1);
  CHECK(synced.at("pulled") == 0);
  CHECK(NodeCatalogItems(village_db) == 0);
  CHECK(county.Status().at("op_count") == 1);
  CHECK(county.Terminate() == 0);
}

// ===================================================================================================
// The catalogue travelling down.

TEST_CASE("E2E: the catalogue published at the city reaches a village node through its county, and the node then refuses an unknown item code",
          "[e2e][workflow_e2e][catalog]") {
  TempDir dir;
  const std::string city_db = dir.File("city.db"), county_db = dir.File("county.db"), village = dir.File("village.db");
  InitHub(city_db, "city-1522", "city", kCityDivision, {{"county-a", "county", kCountyA}});
  json imported = RunJson(kAdminBin, {"--db", city_db, "--json", "catalog", "import", kCatalogFile});
  CHECK(imported.at("published").size() == CatalogFileItems());
  HubProcess city("city hub", city_db, dir.File("city.log"));
  city.Start();
  InitHub(county_db, "county-a", "county", kCountyA, {{"vil-a1", "village", kVillageA1}}, city.url());
  HubProcess county("county hub", county_db, dir.File("county.log"));
  county.Start({"--sync-interval", "0.2"});
  WaitForOps(county, CatalogFileItems());  // the relay pulled the city's catalogue

  InitNode(village, "vil-a1", "village", kVillageA1, county.url());
  json synced = RunJson(kNodeBin, {"--db", village, "--json", "sync"});
  CHECK(synced.at("hub_id") == "county-a");
  CHECK(synced.at("pulled") == CatalogFileItems());
  CHECK(NodeCatalogItems(village) == CatalogFileItems());
  json item = RunJson(kNodeBin, {"--db", village, "--json", "catalog", "show", kTownshipItem});
  CHECK(item.at("exercise_level") == "township");
  CHECK(item.at("name") == "农村宅基地用地审批");

  // An unknown code is refused by name, and nothing is written.
  ProcessResult unknown = RunProcess(kNodeBin, {"--db", village, "case", "new", "--item", "NOPE", "--applicant-name",
                                                "Saran", "--applicant-id", test::ResidentId(3)});
  {
    INFO(Describe(unknown));
    CHECK(unknown.exit_code == 2);
    CHECK_THAT(unknown.err, Catch::Contains("NOPE"));
  }
  CHECK(RunJson(kNodeBin, {"--db", village, "--json", "case", "list"}).empty());

  // A county-level item: the village receives it, but may not accept it.
  json created = RunJson(kNodeBin, {"--db", village, "--json", "case", "new", "--item", kCountyItem,
                                    "--applicant-name", "Saran", "--applicant-id", test::ResidentId(4)});
  const std::string case_number = created.at("case_number");
  Run(kNodeBin, {"--db", village, "case", "act", case_number, "receive"});
  ProcessResult accept = RunProcess(kNodeBin, {"--db", village, "case", "act", case_number, "accept"});
  {
    INFO(Describe(accept));
    CHECK(accept.exit_code == 2);
    CHECK_THAT(accept.err, Catch::Contains("exercise level county") && Catch::Contains(kCountyItem));
  }
  json shown = RunJson(kNodeBin, {"--db", village, "--json", "case", "show", case_number});
  CHECK(shown.at("status") == "received");
  Run(kNodeBin, {"--db", village, "case", "act", case_number, "forward"});
  CHECK(county.Terminate() == 0);
  CHECK(city.Terminate() == 0);
}

// ===================================================================================================
// Publishing into a serving hub.

TEST_CASE("E2E: silian-admin publishes into a serving hub's ledger and the hub serves it at once",
          "[e2e][workflow_e2e][catalog]") {
  TempDir dir;
  const std::string city_db = dir.File("city.db"), town = dir.File("town.db");
  InitHub(city_db, "city-1522", "city", kCityDivision, {{"town-a", "township", kTownA}});
  Run(kAdminBin, {"--db", city_db, "catalog", "import", kCatalogFile});
  HubProcess city("city hub", city_db, dir.File("city.log"));
  city.Start();
  InitNode(town, "town-a", "township", kTownA, city.url());
  CHECK(RunJson(kNodeBin, {"--db", town, "--json", "sync"}).at("pulled") == CatalogFileItems());

  const std::string code = "1115222201158101515000199900100";
  const std::string extra = dir.File("extra.json");
  {
    std::ofstream out(extra);
    out << R"({"format": 1, "items": [{"code": ")" << code << R"(", "name": "农村饮水安全工程申请",
      "exercise_level": "township", "instant": false,
      "legal_limit": {"value": 10, "unit": "working_days"}, "promised_limit": {"value": 5, "unit": "working_days"},
      "lead_department": "代钦塔拉苏木人民政府",
      "materials": [{"name": "申请表", "form": "original", "count": 1, "optional": false}]}]})";
  }
  const uint64_t ops_before = city.Status().at("op_count");
  // The hub keeps serving meanwhile.
  json imported = RunJson(kAdminBin, {"--db", city_db, "--json", "catalog", "import", extra});
  REQUIRE(imported.at("published").size() == 1);
  CHECK(imported.at("published")[0].at("code") == code);
  CHECK(city.Status().at("op_count") == ops_before + 1);
  CHECK(RunJson(kHubBin, {"--db", city_db, "--json", "catalog", "show", code}).at("version") == 1);

  json synced = RunJson(kNodeBin, {"--db", town, "--json", "sync"});
  CHECK(synced.at("pulled") == 1);
  json item = RunJson(kNodeBin, {"--db", town, "--json", "catalog", "show", code});
  CHECK(item.at("name") == "农村饮水安全工程申请");
  CHECK(item.at("version") == 1);
  CHECK(NodeCatalogItems(town) == CatalogFileItems() + 1);

  // Importing the same file again publishes nothing, and the node has nothing new to pull.
  imported = RunJson(kAdminBin, {"--db", city_db, "--json", "catalog", "import", extra});
  CHECK(imported.at("published").empty());
  CHECK(imported.at("unchanged") == json::array({code}));
  CHECK(city.Status().at("op_count") == ops_before + 1);
  CHECK(RunJson(kNodeBin, {"--db", town, "--json", "sync"}).at("pulled") == 0);

  // The node registers a case of the new item with its terms.
  json created = RunJson(kNodeBin, {"--db", town, "--json", "case", "new", "--item", code, "--applicant-name",
                                    "Saran", "--applicant-id", test::ResidentId(5)});
  json shown = RunJson(kNodeBin, {"--db", town, "--json", "case", "show", created.at("case_id")});
  INFO(shown.dump());
  CHECK(shown.at("fields").at("item_code").at("value") == code);
  CHECK(shown.at("item").at("name") == "农村饮水安全工程申请");
  CHECK(shown.at("item").at("exercise_level") == "township");
  CHECK(city.Terminate() == 0);
}

}  // namespace
}  // namespace silian::e2e
