// Content attacks (issue 9, item 8) against real processes: ops written by hand from schema/silian.proto,
// pushed to a silian-hub over HTTP and carried to silian-node in a bundle file, and hostile values typed on
// silian-node's command line. Each refusal names the op, the field and the value, and changes no digest.
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "domain/store.h"
#include "ledger/bundle.h"
#include "support/files.h"
#include "support/hub_harness.h"
#include "support/ledger.h"
#include "support/ops.h"
#include "support/process.h"
#include "support/programs.h"
#include "support/status.h"
#include "support/sync_requests.h"

namespace silian::e2e {
namespace {

using nlohmann::json;
using namespace test;  // the support library: hubs, programs, replicas

constexpr const char* kItem = "11152222MB1234567X-1-001";

uint64_t NowMs() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
}

// Op `origin:seq` of a new case, as an honest silian-node writes one (stamped now).
pb::Op HonestCreation(const std::string& origin, uint64_t seq) {
  Head h;
  h.id = origin + ":" + std::to_string(seq);
  h.case_id = h.id;
  h.hlc = NowMs() << 16;
  h.actor = "agent-bao";
  pb::Op op = CreatedOp(h, "Bayar", ResidentId(3), kItem);
  return op;
}

// A note on case `case_id` as op `origin:seq`.
pb::Op Note(const std::string& origin, uint64_t seq, const std::string& case_id, const std::string& text) {
  Head h;
  h.id = origin + ":" + std::to_string(seq);
  h.case_id = case_id;
  h.parents = {origin + ":1"};
  h.hlc = NowMs() << 16;
  return NoteOp(h, text);
}

struct Attack {
  std::string name;
  std::function<void(pb::Op*)> spoil;  // applied to an honest creation
  std::string needle;                  // what the refusal must name
};

const std::vector<Attack>& Attacks() {
  static const std::vector<Attack> attacks = {
      {"ID number not an ID number", [](pb::Op* op) { op->mutable_case_created()->set_applicant_id("not-an-id"); },
       "\"not-an-id\""},
      {"birth date 1988-13-45",
       [](pb::Op* op) { op->mutable_case_created()->set_applicant_id(ResidentIdOf("15222219881345001")); },
       "19881345"},
      {"region code 99",
       [](pb::Op* op) { op->mutable_case_created()->set_applicant_id(ResidentIdOf("99222219800101001")); },
       "province"},
      {"lowercase x", [](pb::Op* op) { op->mutable_case_created()->set_applicant_id("11010519491231002x"); },
       "11010519491231002X"},
      {"ID type outside the list", [](pb::Op* op) { op->mutable_case_created()->set_applicant_id_type("residentid"); },
       "\"residentid\""},
      {"terminal escapes in the name",
       [](pb::Op* op) { op->mutable_case_created()->set_applicant_name("\x1b[2J\x1b]0;pwned\x07"); },
       "\\u001b[2J"},
      {"zero-width name", [](pb::Op* op) { op->mutable_case_created()->set_applicant_name("\xe2\x80\x8b"); },
       "applicant_name"},
      {"phone +-+-", [](pb::Op* op) { op->mutable_case_created()->set_phone("+-+-"); }, "\"+-+-\""},
      {"bidi override in the address",
       [](pb::Op* op) { op->mutable_case_created()->set_address("Gacha \xe2\x80\xae" "3"); }, "U+202E"},
      {"device 00 in the case number",
       [](pb::Op* op) { op->mutable_case_created()->set_case_number("152222104200-00-20260101-0001"); },
       "device"},
      {"actor with a carriage return", [](pb::Op* op) { op->set_actor("agent\rroot"); }, "actor"},
      {"applicant language outside zh, mn", [](pb::Op* op) { op->mutable_case_created()->set_language("en"); },
       "language \"en\""},
  };
  return attacks;
}

// ---------------------------------------------------------------------------------------------------
// Over HTTP.

TEST_CASE("Content attacks: hand-written ops with bad content pushed to a hub get 422 and change nothing",
          "[e2e][content]") {
  TempDir dir;
  const std::string hub_db = dir.File("county.db");
  InitHub(hub_db, "county-a", "county", kCounty, {{"vil-a1", "village", kVillage}});
  HubProcess hub("county hub", hub_db, dir.File("county.log"));
  hub.Start();
  const std::string a1 = dir.File("a1.db");
  RunOk(NodeBin(), {"--db", a1, "init", "--node-id", "vil-a1", "--level", "village", "--division", kVillage,
                    "--hub", hub.url()});
  RegisterKey(hub_db, a1);
  json created = RunJson(NodeBin(), {"--db", a1, "--json", "case", "new", "--item", kItem, "--applicant-name",
                                     "Bayar", "--applicant-id", ResidentId(1)});
  const std::string case_id = created.at("case_id");
  RunOk(NodeBin(), {"--db", a1, "sync"});
  const std::string before = HubDigest(hub_db, kVillage);
  REQUIRE(before.rfind("ops=", 0) == 0);

  auto push = [&](const pb::Op& op) {
    auto node = test::OpenLedger(a1);
    const pb::Frontier frontier = SILIAN_TAKE(node->GetFrontier());
    pb::SyncRequest req = RequestAs("vil-a1", "village", kVillage, frontier, {OpEntry(op)});
    req.mutable_push()->clear_heads();  // signed with the key the node made at init, as its program would
    test::SignHeads(*req.mutable_push(), frontier, "vil-a1", &node->ledger().signing_key());
    return PostSync(hub.url(), req);
  };
  auto refused = [&](const HttpReply& r, const std::string& needle) {
    INFO("HTTP " << r.status << " " << r.body.substr(0, 500));
    CHECK(r.status == 422);
    json body = json::parse(r.body, nullptr, false);
    REQUIRE(body.is_object());
    CHECK(body.value("error", "") == "invalid_op");
    CHECK_THAT(body.value("message", ""), Catch::Contains("vil-a1:2") && Catch::Contains(needle));
    CHECK(body.value("message", "").find('\x1b') == std::string::npos);
    CHECK(HubDigest(hub_db, kVillage) == before);
  };

  for (const auto& attack : Attacks()) {
    INFO(attack.name);
    pb::Op op = HonestCreation("vil-a1", 2);
    attack.spoil(&op);
    refused(push(op), attack.needle);
  }
  refused(push(Note("vil-a1", 2, case_id, "\x1b[2J\x1b[Hall clear\x07")), "U+001B");
  {
    // A case id that is not an op id fails the ledger's envelope check, before the content rules: 400.
    HttpReply r = push(Note("vil-a1", 2, case_id + "\x1b[31m", "hello"));
    INFO("HTTP " << r.status << " " << r.body.substr(0, 500));
    CHECK(r.status == 400);
    CHECK_THAT(r.body, Catch::Contains("case id"));
    CHECK(r.body.find('\x1b') == std::string::npos);
    CHECK(HubDigest(hub_db, kVillage) == before);
  }
  refused(push(Note("vil-a1", 2, case_id, std::string(8001, 'a'))), "8001 characters");

  // The hub goes on serving; the honest op of the same seq is accepted.
  HttpReply ok = push(HonestCreation("vil-a1", 2));
  INFO(ok.body.substr(0, 300));
  CHECK(ok.status == 200);
  CHECK(HubDigest(hub_db, kVillage) != before);
  CHECK(hub.Terminate() == 0);
}

// ---------------------------------------------------------------------------------------------------
// In a bundle file.

// Writes a bundle from node `sender` holding `ops` to `path`.
void WriteBundle(const std::string& path, const std::string& sender, const std::vector<pb::Op>& ops) {
  std::string bytes;
  pb::BundleHeader header;
  header.set_sender(sender);
  header.set_sender_scope(kVillage);
  header.mutable_sender_frontier()->set_node_id(sender);
  header.mutable_sender_frontier()->set_scope(kVillage);
  auto writer = SILIAN_TAKE(sync::BundleWriter::Start(sync::StringSink(&bytes), header));
  for (const auto& op : ops) REQUIRE(writer->Add(OpEntry(op)).ok());
  SILIAN_TAKE(writer->Finish());
  std::FILE* f = std::fopen(path.c_str(), "wb");
  REQUIRE(f != nullptr);
  REQUIRE(std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size());
  REQUIRE(std::fclose(f) == 0);
}

TEST_CASE("Content attacks: a bundle with a bad op is refused whole by silian-node, naming the op and the value",
          "[e2e][content]") {
  TempDir dir;
  const std::string a1 = dir.File("a1.db");
  RunOk(NodeBin(), {"--db", a1, "init", "--node-id", "vil-a1", "--level", "village", "--division", kVillage});
  RunOk(NodeBin(), {"--db", a1, "case", "new", "--item", kItem, "--applicant-name", "Bayar", "--applicant-id",
                    ResidentId(1)});
  const std::string before = Trim(RunOk(NodeBin(), {"--db", a1, "digest"}));

  for (const auto& attack : Attacks()) {
    INFO(attack.name);
    const std::string file = dir.File("stick.bundle");
    pb::Op bad = HonestCreation("vil-a9", 2);
    attack.spoil(&bad);
    // An honest op first: a refusal rolls back the whole import.
    WriteBundle(file, "vil-a9", {HonestCreation("vil-a9", 1), bad});
    launch::ProcessResult r = RunProgram(NodeBin(), {"--db", a1, "bundle", "import", file});
    INFO(Describe(r));
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("vil-a9:2") && Catch::Contains(attack.needle));
    CHECK(r.err.find('\x1b') == std::string::npos);
    CHECK(r.err.find('\r') == std::string::npos);
    CHECK(Trim(RunOk(NodeBin(), {"--db", a1, "digest"})) == before);
  }
  // The same bundle without the bad op imports.
  WriteBundle(dir.File("good.bundle"), "vil-a9", {HonestCreation("vil-a9", 1)});
  RunOk(NodeBin(), {"--db", a1, "bundle", "import", dir.File("good.bundle")});
  CHECK(Trim(RunOk(NodeBin(), {"--db", a1, "digest"})) != before);
}

// ---------------------------------------------------------------------------------------------------
// On the command line.

TEST_CASE("Content attacks: silian-node refuses hostile values on its command line and stores normal forms",
          "[e2e][content]") {
  TempDir dir;
  const std::string db = dir.File("a1.db");
  RequireRefused(RunProgram(NodeBin(), {"--db", db, "init", "--node-id", "vil-a1", "--level", "village",
                                        "--division", kVillage, "--device", "00"}),
                 "silian-node", {"device number \"00\"", "01 to 99"});
  RunOk(NodeBin(), {"--db", db, "init", "--node-id", "vil-a1", "--level", "village", "--division", kVillage});
  // `case new` with the options of an honest application, some replaced or added by `changes`.
  auto case_new = [&](const std::map<std::string, std::string>& changes) {
    std::map<std::string, std::string> options = {
        {"--item", kItem}, {"--applicant-name", "Bayar"}, {"--applicant-id", ResidentId(1)}};
    for (const auto& [k, v] : changes) options[k] = v;
    std::vector<std::string> args = {"--db", db, "case", "new"};
    for (const auto& [k, v] : options) {
      args.push_back(k);
      args.push_back(v);
    }
    return RunProgram(NodeBin(), args);
  };
  RequireRefused(case_new({{"--applicant-id-type", "resident-id"}}), "silian-node",
                 {"\"resident-id\"", "resident_id, passport, hk_macao_permit"});
  RequireRefused(case_new({{"--applicant-id", ResidentIdOf("15222219881345001")}}), "silian-node", {"19881345"});
  RequireRefused(case_new({{"--applicant-name", "\xe2\x80\x8b"}}), "silian-node", {"applicant_name", "empty"});
  RequireRefused(case_new({{"--applicant-name", "   "}}), "silian-node", {"applicant_name", "empty"});
  RequireRefused(case_new({{"--phone", "+-+-"}}), "silian-node", {"\"+-+-\""});
  RequireRefused(case_new({{"--summary", "ring\x07"}}), "silian-node", {"U+0007"});
  RequireRefused(case_new({{"--actor", "agent\x1b[31m"}}), "silian-node", {"actor", "\\u001b[31m"});
  CHECK(RunJson(NodeBin(), {"--db", db, "--json", "status"}).at("op_count") == 0);

  json created = RunJson(NodeBin(), {"--db", db, "--json", "case", "new", "--item", kItem, "--applicant-name",
                                     " Bayar ", "--applicant-id", " 11010519491231002x", "--phone",
                                     "+86 139-0482-1234"});
  const std::string id = created.at("case_id");
  RequireRefused(RunProgram(NodeBin(), {"--db", db, "case", "note", id, "\x1b[2J\x1b[Hall clear"}), "silian-node",
                 {"U+001B"});
  RequireRefused(RunProgram(NodeBin(), {"--db", db, "case", "set", id, "phone=0482/123"}), "silian-node",
                 {"\"0482/123\""});
  json view = RunJson(NodeBin(), {"--db", db, "--json", "case", "show", id});
  const json& fields = view.at("fields");
  CHECK(fields.at("applicant_name").at("value") == "Bayar");
  CHECK(fields.at("applicant_id").at("value") == "11010519491231002X");
  CHECK(fields.at("phone").at("value") == "13904821234");
  CHECK(RunJson(NodeBin(), {"--db", db, "--json", "status"}).at("op_count") == 1);
}

}  // namespace
}  // namespace silian::e2e
