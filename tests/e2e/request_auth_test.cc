// Signed requests and replies over real HTTP (issue 10, item 2; docs/protocol.md, "Signed requests"): a
// real silian-hub on loopback, registered silian-node ledgers, and hand-made requests for what a node never
// sends. Every refusal is asserted with its status and JSON reason, the hub's digest unchanged and the
// reason counted in /metrics; an honest node still syncs afterwards.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "base/keys.h"
#include "console/node_keys.h"
#include "http/curl_transport.h"
#include "net/client.h"
#include "net/request_auth.h"
#include "support/files.h"
#include "support/http_client.h"
#include "support/hub_harness.h"
#include "support/ledger.h"
#include "support/process.h"
#include "support/programs.h"
#include "support/status.h"
#include "support/sync_requests.h"

namespace silian::e2e {
namespace {

using namespace test;
using json = nlohmann::json;

constexpr const char* kItem = "11152222MB1234567X-1-001";

void RequireRefusal(const HttpReply& r, long status, const std::string& code) {
  INFO("HTTP " << r.status << " " << r.body.substr(0, 400));
  REQUIRE(r.status == status);
  json body = json::parse(r.body, nullptr, false);
  REQUIRE(body.is_object());
  CHECK(body.value("error", "") == code);
  CHECK(!body.value("message", "").empty());
  CHECK(r.body.size() < 2048);
}

// A county hub with two registered villages (keys registered as an administrator does); vil-a1 has
// authored a case and synced it.
struct AuthWorld {
  TempDir dir;
  std::string hub_db = dir.File("county.db");
  std::string a1 = dir.File("a1.db");
  std::string a2 = dir.File("a2.db");
  HubProcess hub{"county hub", hub_db, dir.File("county.log")};
  std::string digest_before;

  AuthWorld() {
    InitHub(hub_db, "county-a", "county", kCounty,
            {{"vil-a1", "village", kVillage}, {"vil-a2", "village", kOtherVillage}});
    hub.Start();
    RunOk(NodeBin(), {"--db", a1, "init", "--node-id", "vil-a1", "--level", "village", "--division", kVillage, "--hub",
                      hub.url()});
    RunOk(NodeBin(), {"--db", a2, "init", "--node-id", "vil-a2", "--level", "village", "--division", kOtherVillage,
                      "--hub", hub.url()});
    RegisterKey(hub_db, a1);
    RegisterKey(hub_db, a2);
    RunOk(NodeBin(), {"--db", a1, "case", "new", "--item", kItem, "--applicant-name", "Bayar", "--applicant-id",
                      ResidentId(1)});
    RunOk(NodeBin(), {"--db", a1, "sync"});
    digest_before = HubDigest(hub_db, kCounty);
  }

  // A pull request of vil-a1 as its ledger would send it.
  std::string PullBody() {
    auto node = OpenLedger(a1);
    pb::SyncRequest req = RequestFrom(*node);
    req.set_pull(true);
    return Encode(req);
  }

  void RequireUnchanged() { CHECK(HubDigest(hub_db, kCounty) == digest_before); }

  std::string Metrics() { return Http("GET", hub.url() + "/metrics").body; }
};

TEST_CASE("Signed requests: unsigned, protocol-1, wrongly signed, changed, stale and unknown requests are refused "
          "over HTTP with 401 or 426 and change nothing",
          "[e2e][auth]") {
  AuthWorld w;
  const std::string body = w.PullBody();
  const uint64_t now = sync::SystemWallClock().NowMs();
  RequireRefusal(PostSync(w.hub.url(), body, {}), 401, "missing_credentials");
  HttpReply old = PostSync(w.hub.url(), body, {"Authorization: Silian node=vil-a1"});
  RequireRefusal(old, 426, "upgrade");
  CHECK_THAT(old.body, Catch::Contains("version 1") && Catch::Contains("version 2"));
  RequireRefusal(PostSync(w.hub.url(), body,
                          {AuthHeaderWith(sync::SigningKey::Generate(), "vil-a1", body, now, sync::NewNonce())}),
                 401, "bad_signature");
  // vil-a2's own valid key cannot speak for vil-a1.
  sync::SigningKey a2_key = OpenLedger(w.a2)->ledger().signing_key();
  RequireRefusal(PostSync(w.hub.url(), body, {AuthHeaderWith(a2_key, "vil-a1", body, now, sync::NewNonce())}), 401,
                 "bad_signature");
  // Signed, then the body changed on the way.
  const std::string other = Encode(RequestFrom(*OpenLedger(w.a2)));
  RequireRefusal(PostSync(w.hub.url(), other, {AuthHeader("vil-a1", body)}), 401, "bad_signature");
  sync::SigningKey a1_key = OpenLedger(w.a1)->ledger().signing_key();
  RequireRefusal(PostSync(w.hub.url(), body,
                          {AuthHeaderWith(a1_key, "vil-a1", body, now - 10 * 60 * 1000, sync::NewNonce())}),
                 401, "stale_request");
  RequireRefusal(PostSync(w.hub.url(), body, {AuthHeader("vil-a9", body)}), 401, "unknown_node");
  RequireRefusal(PostSync(w.hub.url(), body, {"Authorization: Silian-Ed25519 node=vil-a1, ts=1"}), 401,
                 "bad_credentials");
  w.RequireUnchanged();
  const std::string metrics = w.Metrics();
  for (const char* reason : {"missing_credentials", "upgrade", "bad_signature", "stale_request", "unknown_node"})
    CHECK_THAT(metrics, Catch::Contains(std::string("reason=\"") + reason + "\""));
  RunOk(NodeBin(), {"--db", w.a1, "sync"});  // the honest node still syncs
}

TEST_CASE("Signed requests: a replayed request is refused with 401 replayed, also after the hub restarts",
          "[e2e][auth]") {
  AuthWorld w;
  const std::string body = w.PullBody();
  const std::string header = AuthHeader("vil-a1", body);
  REQUIRE(PostSync(w.hub.url(), body, {header}).status == 200);
  RequireRefusal(PostSync(w.hub.url(), body, {header}), 401, "replayed");
  REQUIRE(w.hub.Terminate() == 0);
  w.hub.Start();
  RequireRefusal(PostSync(w.hub.url(), body, {header}), 401, "replayed");
  w.RequireUnchanged();
  CHECK_THAT(w.Metrics(), Catch::Contains("reason=\"replayed\""));
}

TEST_CASE("Signed requests: a removed node is refused with 403 removed, even with its valid key", "[e2e][auth]") {
  AuthWorld w;
  REQUIRE(w.hub.Terminate() == 0);
  RunOk(HubBin(), {"--db", w.hub_db, "node", "remove", "vil-a2"});
  w.hub.Start();
  const std::string digest = HubDigest(w.hub_db, kCounty);
  ProcessResult refused = RunProgram(NodeBin(), {"--db", w.a2, "sync"});
  INFO(Describe(refused));
  CHECK(refused.exit_code != 0);
  CHECK_THAT(refused.err, Catch::Contains("403") && Catch::Contains("removed"));
  const std::string body = Encode(RequestFrom(*OpenLedger(w.a2)));
  RequireRefusal(PostSync(w.hub.url(), body, {AuthHeader("vil-a2", body)}), 403, "removed");
  CHECK(HubDigest(w.hub_db, kCounty) == digest);
}

// Forwards to the real hub and spoils the reply's signature on the way, as a man in the middle would.
class SpoilingTransport final : public sync::Transport {
 public:
  enum class How { kFlipSignature, kDropSignature, kChangeBody };
  SpoilingTransport(sync::Transport& inner, How how) : inner_(inner), how_(how) {}
  Result<Reply> Post(const std::string& path, const std::string& body, const std::string& authorization) override {
    SILIAN_ASSIGN_OR_RETURN(Reply r, inner_.Post(path, body, authorization));
    switch (how_) {
      case How::kFlipSignature: r.signature[3] = r.signature[3] == 'A' ? 'B' : 'A'; break;
      case How::kDropSignature: r.signature.clear(); break;
      case How::kChangeBody: {
        pb::SyncReply reply;
        REQUIRE(reply.ParseFromString(SILIAN_TAKE(sync::DecompressBody(r.body, 64u << 20))));
        reply.mutable_receipt()->clear_entries();  // a forged receipt
        r.body = sync::CompressBody(reply.SerializeAsString(), 3);
        break;
      }
    }
    return r;
  }

 private:
  sync::Transport& inner_;
  How how_;
};

TEST_CASE("Signed replies: a node refuses a reply whose signature was spoiled, dropped, or whose receipt was "
          "changed on the way, naming the hub, and applies nothing",
          "[e2e][auth]") {
  AuthWorld w;
  RunOk(NodeBin(), {"--db", w.a1, "case", "new", "--item", kItem, "--applicant-name", "Oyun", "--applicant-id",
                    ResidentId(2)});
  auto node = OpenLedger(w.a1);
  const std::string node_before = DigestOf(*node);
  for (auto how : {SpoilingTransport::How::kFlipSignature, SpoilingTransport::How::kDropSignature,
                   SpoilingTransport::How::kChangeBody}) {
    auto curl = SILIAN_TAKE(sync::CurlTransport::Create(w.hub.url(), sync::CurlTransport::Options()));
    SpoilingTransport spoiling(*curl, how);
    sync::SyncOptions options;
    options.node_keys = console::RegistryKeyLookup();
    auto session = sync::SyncClient(node->ledger(), spoiling, w.hub.url(), options).SyncOnce();
    REQUIRE(!session.ok());
    CHECK(session.status().code() == StatusCode::kPermissionDenied);
    CHECK_THAT(session.status().message(), Catch::Contains("county-a"));
    CHECK(DigestOf(*node) == node_before);
  }
  // The same client through an honest link syncs, verifying every reply.
  auto curl = SILIAN_TAKE(sync::CurlTransport::Create(w.hub.url(), sync::CurlTransport::Options()));
  sync::SyncOptions options;
  options.node_keys = console::RegistryKeyLookup();
  sync::SyncSummary s = SILIAN_TAKE(sync::SyncClient(node->ledger(), *curl, w.hub.url(), options).SyncOnce());
  CHECK(s.pushed == 1);
  CHECK(s.warnings.empty());
}

TEST_CASE("Operator endpoints: /v1/status and /metrics answer on loopback", "[e2e][auth]") {
  AuthWorld w;
  CHECK(Http("GET", w.hub.url() + "/v1/status").status == 200);
  CHECK(Http("GET", w.hub.url() + "/metrics").status == 200);
}

}  // namespace
}  // namespace silian::e2e
