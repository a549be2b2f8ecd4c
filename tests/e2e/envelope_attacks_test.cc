// The envelope attacks of issue 9 against real processes: a silian-hub on loopback, silian-node processes
// on their own ledger files, and an attacker that writes sync requests and bundles by hand from the schema.
// Each test asserts the refusal, its message, and that the hub's digest (and the victim's) is unchanged.
#include <catch2/catch.hpp>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ledger/bundle.h"
#include "support/http_client.h"
#include "support/hub_harness.h"
#include "support/process.h"
#include "support/programs.h"
#include "support/sync_requests.h"
#include "support/test_util.h"

namespace silian::e2e {
namespace {

using nlohmann::json;
using namespace test;  // the support library: hubs, programs, requests

constexpr const char* kItem = "152222000000000001-1-00001";

pb::Frontier Claim(const std::string& origin, uint64_t seq) {
  pb::Frontier f;
  auto* e = f.add_entries();
  e->set_origin(origin);
  e->set_seq(seq);
  return f;
}

std::string ErrorCode(const HttpReply& r) { return json::parse(r.body, nullptr, false).value("error", ""); }
std::string ErrorMessage(const HttpReply& r) { return json::parse(r.body, nullptr, false).value("message", ""); }

// A county hub with two villages registered: the victim "village-b" (a silian-node process on its own
// ledger, with one case synced) and the attacker "village-a", whose requests are written by hand.
struct CountyUnderAttack {
  TempDir dir;
  HubProcess hub{"county hub", (dir.path() / "county.db").string(), (dir.path() / "county.log").string()};
  LedgerCli victim{NodeBin(), (dir.path() / "village-b.db").string()};
  std::string victim_case;

  CountyUnderAttack() {
    InitHub(hub.db(), "county", "county", kCounty,
            {{"village-a", "village", kVillage}, {"village-b", "village", kOtherVillage}});
    RegisterTestKey(hub.db(), "village-a", "village", kVillage);  // the attacker holds valid keys
    hub.Start();
    victim.Ok({"init", "--node-id", "village-b", "--level", "village", "--division", kOtherVillage, "--hub", hub.url()});
    RegisterKey(hub.db(), victim.db());
    json created = victim.Json({"case", "new", "--item", kItem, "--applicant-name", "Wang Fang", "--applicant-id",
                                ResidentId(3), "--phone", "13800000000"});
    victim_case = created.at("case_id").get<std::string>();
    victim.Ok({"sync"});
  }

  std::string HubDigest() const { return Trim(RunOk(HubBin(), {"--db", hub.db(), "digest", "--scope", kCounty})); }
  json HubStatus() const { return hub.Status(); }

  // POSTs a push of `entries` as village-a with `frontier` as its claimed frontier.
  HttpReply AttackerPush(const std::vector<pb::Entry>& entries, const pb::Frontier& frontier = pb::Frontier()) {
    return PostSync(hub.url(), RequestAs("village-a", "village", kVillage, frontier, entries));
  }

  // The victim goes on working: a new note, synced, and all of its ops at the county.
  void RequireVictimUnharmed() {
    victim.Ok({"case", "note", victim_case, "still here"});
    victim.Ok({"sync"});
    json status = victim.Json({"status"});
    bool at_county = false;
    for (const auto& l : status.at("levels"))
      if (l.at("level") == "county") at_county = l.at("own_ops_not_there") == 0 && l.at("equivocation") == "";
    CHECK(at_county);
    CHECK(Trim(victim.Digest()) == Trim(RunOk(HubBin(), {"--db", hub.db(), "digest", "--scope", kOtherVillage})));
  }
};

TEST_CASE_METHOD(CountyUnderAttack,
                 "Envelope attack: a village's skip over another village's future is refused with 403 and moves "
                 "no frontier",
                 "[e2e][envelope]") {
  const std::string before = HubDigest();
  for (const std::string& scope : {std::string(), std::string("152222"), std::string(kVillage)}) {
    HttpReply r = AttackerPush({SkipEntry("village-b", 2, 1000, scope)}, Claim("village-b", 1000));
    INFO(r.status << " " << r.body);
    CHECK(r.status == 403);
    CHECK(ErrorCode(r) == "refused");
    CHECK_THAT(ErrorMessage(r), Catch::Contains("skip of \"village-b\" seq 2..1000"));
  }
  CHECK(HubDigest() == before);
  RequireVictimUnharmed();
}

TEST_CASE_METHOD(CountyUnderAttack, "Envelope attack: a skip to 2^64-1 is refused with 400 and the hub serves on",
                 "[e2e][envelope]") {
  const std::string before = HubDigest();
  HttpReply r = AttackerPush({SkipEntry("village-a", 1, ~uint64_t{0}, "152222")});
  CHECK(r.status == 400);
  CHECK_THAT(ErrorMessage(r), Catch::Contains("invalid range"));
  pb::Op op;
  op.set_origin("village-a");
  op.set_seq(~uint64_t{0});
  op.set_case_id("village-a:" + std::to_string(~uint64_t{0}));
  op.set_division(kVillage);
  op.mutable_note_added()->set_text("x");
  pb::Entry e;
  e.set_op(op.SerializeAsString());
  r = AttackerPush({e});
  CHECK(r.status == 400);
  CHECK_THAT(ErrorMessage(r), Catch::Contains("seq 18446744073709551615"));
  CHECK(HubDigest() == before);
  RequireVictimUnharmed();
}

TEST_CASE_METHOD(CountyUnderAttack,
                 "Envelope attack: an op on another village's case under the attacker's own division is refused",
                 "[e2e][envelope]") {
  const std::string before = HubDigest();
  pb::Op op;
  op.set_origin("village-a");
  op.set_seq(1);
  op.set_hlc(Stamp(kT0Ms));
  op.set_actor("x");
  op.set_case_id(victim_case);
  op.set_division(kVillage);
  op.mutable_transition()->set_action("withdraw");
  op.mutable_transition()->set_reason("applicant asked");
  pb::Entry e;
  e.set_op(op.SerializeAsString());
  HttpReply r = AttackerPush({e});
  INFO(r.body);
  CHECK(r.status == 403);
  CHECK_THAT(ErrorMessage(r), Catch::Contains("its case \"" + victim_case + "\" is in division \"" + kOtherVillage + "\""));
  CHECK(HubDigest() == before);
  json shown = victim.Json({"case", "show", victim_case});
  CHECK(shown.at("status") != "withdrawn");
  RequireVictimUnharmed();
}

TEST_CASE_METHOD(CountyUnderAttack,
                 "Envelope attack: made-up origins ahead of a gap are refused, and the hub's pending area stays empty",
                 "[e2e][envelope]") {
  const std::string before = HubDigest();
  std::vector<pb::Entry> entries;
  for (int i = 0; i < 200; ++i) {
    pb::Op op;
    op.set_origin("ghost-" + std::to_string(i));
    op.set_seq(1000);
    op.set_hlc(Stamp(kT0Ms));
    op.set_actor("x");
    op.set_case_id("village-a:1");
    op.set_division(kVillage);
    op.mutable_note_added()->set_text(std::string(1000, 'x'));
    pb::Entry e;
    e.set_op(op.SerializeAsString());
    entries.push_back(e);
  }
  HttpReply r = AttackerPush(entries);
  CHECK(r.status == 403);
  // Entries of origins the attacker cannot sign for: refused as unsigned before anything could wait.
  CHECK_THAT(ErrorMessage(r), Catch::Contains("ghost-0") && Catch::Contains("unsigned entries"));
  CHECK(HubStatus().at("pending") == 0);
  CHECK(HubDigest() == before);
}

TEST_CASE_METHOD(CountyUnderAttack,
                 "Envelope attack: an op forged in the victim's name makes its sync fail naming origin, seq and both "
                 "hashes, and status and the hub's metrics show the equivocation",
                 "[e2e][envelope][receipts]") {
  // village-a pushes "village-b:2" (a new case in village-a's own division) before village-b writes it.
  pb::Op op;
  op.set_origin("village-b");
  op.set_seq(2);
  op.set_hlc(Stamp(kT0Ms));
  op.set_actor("x");
  op.set_case_id("village-b:2");
  op.set_division(kVillage);
  auto* c = op.mutable_case_created();
  c->set_case_number(std::string(kVillage) + "01202601010009");
  c->set_item_code(kItem);
  c->set_applicant_name("Forged");
  c->set_applicant_id_type("resident_id");
  c->set_applicant_id(ResidentId(9));
  pb::Entry e;
  e.set_op(op.SerializeAsString());
  HttpReply r = AttackerPush({e});
  INFO(r.body);
  if (r.status != 200) {
    // A hub whose Admit checks the origin's registration stops the forgery at the door: as good.
    WARN("the hub refused the forged op: " << r.body);
    RequireVictimUnharmed();
    return;
  }

  victim.Ok({"case", "note", victim_case, "my genuine second op"});
  ProcessResult sync = victim.Run({"sync"});
  CHECK(sync.exit_code != 0);
  CHECK_THAT(sync.err, Catch::Contains("equivocation") && Catch::Contains("\"village-b\" up to seq 2") &&
                           Catch::Contains("own chain has"));
  std::string status = victim.Ok({"status"});
  CHECK_THAT(status, Catch::Contains("EQUIVOCATION") && Catch::Contains("seq 2"));
  HttpReply metrics = Http("GET", hub.url() + "/metrics");
  CHECK_THAT(metrics.body, Catch::Contains("silian_equivocations_total 1"));
  CHECK(HubStatus().at("equivocations") == 1);
}

TEST_CASE("Envelope attack: a bundle with a skip to 2^64-1 or over the laptop's own origin is refused by "
          "`bundle import` and changes nothing",
          "[e2e][envelope]") {
  TempDir dir;
  LedgerCli laptop{NodeBin(), (dir.path() / "village-a.db").string()};
  laptop.Ok({"init", "--node-id", "village-a", "--level", "village", "--division", kVillage});
  laptop.Json({"case", "new", "--item", kItem, "--applicant-name", "Wang Fang", "--applicant-id", ResidentId(3)});
  const std::string before = laptop.Digest();
  auto write = [&](const std::string& name, const pb::Entry& entry) {
    std::string bytes;
    pb::BundleHeader header;
    header.set_sender("city");
    header.set_sender_scope("1522");
    *header.mutable_sender_frontier() = Claim(entry.skip().origin(), entry.skip().to_seq());
    auto writer = SILIAN_TAKE(sync::BundleWriter::Start(sync::StringSink(&bytes), header));
    SILIAN_REQUIRE_OK(writer->Add(entry));
    SILIAN_TAKE(writer->Finish());
    std::string path = (dir.path() / name).string();
    std::FILE* f = std::fopen(path.c_str(), "wb");
    std::fwrite(bytes.data(), 1, bytes.size(), f);
    std::fclose(f);
    return path;
  };
  ProcessResult huge = laptop.Run({"bundle", "import", write("huge.bundle", SkipEntry("village-c", 1, ~uint64_t{0}, kVillage))});
  CHECK(huge.exit_code == 2);
  CHECK_THAT(huge.err, Catch::Contains("invalid range"));
  ProcessResult own = laptop.Run({"bundle", "import", write("own.bundle", SkipEntry("village-a", 2, 1000, kVillage))});
  CHECK(own.exit_code != 0);
  CHECK_THAT(own.err, Catch::Contains("own origin"));
  CHECK(laptop.Digest() == before);
  // The laptop still writes its next op as seq 2.
  laptop.Json({"case", "new", "--item", kItem, "--applicant-name", "Li Lei", "--applicant-id", ResidentId(4)});
  json status = laptop.Json({"status"});
  bool own_seq_two = false;
  for (const auto& f : status.at("frontier"))
    if (f.at("origin") == "village-a") own_seq_two = f.at("seq") == 2;
  CHECK(own_seq_two);
}

}  // namespace
}  // namespace silian::e2e
