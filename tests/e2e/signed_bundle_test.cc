// Signed ops carried on a USB stick (issue 10, item 3), against real processes: a village laptop exports a
// bundle, someone decodes it, changes one field of one op, and encodes and compresses it again with the
// laptop's own signed head; the township hall's `bundle import` must refuse it as forged, store nothing
// of it, keep the evidence, and then take the genuine stick.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "ledger/bundle.h"
#include "support/files.h"
#include "support/hub_harness.h"
#include "support/process.h"
#include "support/programs.h"
#include "support/test_util.h"

namespace silian::e2e {
namespace {

using nlohmann::json;
using namespace test;

constexpr const char* kItem = "152222000000000001-1-00001";

// Rewrites the bundle at `from` into `to`, changing the applicant's name in every case-creation op and
// keeping every batch's signed heads as the exporter attached them.
void ChangeApplicantName(const std::string& from, const std::string& to, const std::string& name) {
  const std::string in = ReadFile(from);
  auto reader = SILIAN_TAKE(sync::BundleReader::Open(sync::StringSource(&in)));
  std::string out;
  pb::Batch batch;
  const pb::Batch* current = &batch;
  sync::BundleWriter::Options options;
  options.attach_heads = [&current](pb::Batch* b) {
    *b->mutable_heads() = current->heads();
    return Status::Ok();
  };
  auto writer = SILIAN_TAKE(sync::BundleWriter::Start(sync::StringSink(&out), reader->header(), options));
  int changed = 0;
  while (SILIAN_TAKE(reader->Next(&batch))) {
    for (pb::Entry entry : batch.entries()) {
      pb::Op op;
      if (entry.has_op() && op.ParseFromString(entry.op()) && op.has_case_created()) {
        op.mutable_case_created()->set_applicant_name(name);
        entry.set_op(op.SerializeAsString());
        ++changed;
      }
      SILIAN_REQUIRE_OK(writer->Add(std::move(entry)));
    }
  }
  SILIAN_TAKE(writer->Finish());
  REQUIRE(changed > 0);
  WriteFile(to, out);
}

TEST_CASE("Signed ops: a stick whose op was changed after export (decoded, edited, encoded again) is refused by "
          "`bundle import` as forged, nothing of it stored, the evidence counted, and the genuine stick then applies",
          "[e2e][heads]") {
  TempDir dir;
  HubProcess hub{"county hub", (dir.path() / "county.db").string(), (dir.path() / "county.log").string()};
  LedgerCli village{NodeBin(), (dir.path() / "village-b.db").string()};
  LedgerCli hall{NodeBin(), (dir.path() / "township.db").string()};
  InitHub(hub.db(), "county", "county", kCounty,
          {{"village-b", "village", kOtherVillage}, {"township", "township", kTownship}});
  hub.Start();
  village.Ok({"init", "--node-id", "village-b", "--level", "village", "--division", kOtherVillage, "--hub", hub.url()});
  hall.Ok({"init", "--node-id", "township", "--level", "township", "--division", kTownship, "--hub", hub.url()});
  RegisterKey(hub.db(), village.db());
  RegisterKey(hub.db(), hall.db());
  village.Ok({"sync"});
  hall.Ok({"sync"});  // the hall now holds the village's registration and key

  village.Json({"case", "new", "--item", kItem, "--applicant-name", "Wang Fang", "--applicant-id", ResidentId(3),
                "--phone", "13800000000"});
  const std::string genuine = (dir.path() / "genuine.bundle").string();
  const std::string edited = (dir.path() / "edited.bundle").string();
  village.Ok({"bundle", "export", genuine});
  ChangeApplicantName(genuine, edited, "Li Si");

  const std::string before = hall.Digest();
  ProcessResult refused = hall.Run({"bundle", "import", edited});
  CHECK(refused.exit_code != 0);
  CHECK_THAT(refused.err, Catch::Contains("forged") && Catch::Contains("village-b"));
  CHECK(hall.Digest() == before);
  json status = hall.Json({"status"});
  CHECK(status.at("forgeries") == 1);
  CHECK(status.at("pending") == 0);

  hall.Ok({"bundle", "import", genuine});
  json cases = hall.Json({"case", "list"});
  REQUIRE(cases.size() == 1);
  CHECK(cases[0].dump().find("Wang Fang") != std::string::npos);
}

}  // namespace
}  // namespace silian::e2e

namespace silian::e2e {
namespace {

// Flips one byte in the middle of the file at `path`.
void FlipMiddleByte(const std::string& path) {
  std::string bytes = ReadFile(path);
  bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x20);
  WriteFile(path, bytes);
}

TEST_CASE("Sealed sticks: a hall's stick for a village opens only at that village, and a changed byte or a "
          "stick for another node is refused with nothing stored",
          "[e2e][stick]") {
  TempDir dir;
  HubProcess hub{"county hub", (dir.path() / "county.db").string(), (dir.path() / "county.log").string()};
  LedgerCli village{NodeBin(), (dir.path() / "village-b.db").string()};
  LedgerCli neighbour{NodeBin(), (dir.path() / "village-a.db").string()};
  LedgerCli hall{NodeBin(), (dir.path() / "township.db").string()};
  InitHub(hub.db(), "county", "county", kCounty,
          {{"village-b", "village", kOtherVillage}, {"village-a", "village", kVillage},
           {"township", "township", kTownship}});
  hub.Start();
  village.Ok({"init", "--node-id", "village-b", "--level", "village", "--division", kOtherVillage, "--hub", hub.url()});
  neighbour.Ok({"init", "--node-id", "village-a", "--level", "village", "--division", kVillage, "--hub", hub.url()});
  hall.Ok({"init", "--node-id", "township", "--level", "township", "--division", kTownship, "--hub", hub.url()});
  for (LedgerCli* n : {&village, &neighbour, &hall}) RegisterKey(hub.db(), n->db());
  hall.Ok({"sync"});
  hall.Json({"case", "new", "--item", kItem, "--applicant-name", "Wang Fang", "--applicant-id", ResidentId(3),
             "--phone", "13800000000", "--division", kOtherVillage});
  hall.Ok({"sync"});  // the registrations of both villages, with their keys
  village.Ok({"sync"});
  neighbour.Ok({"sync"});

  const std::string frontier = (dir.path() / "village-b.frontier").string();
  const std::string stick = (dir.path() / "for-village-b.bundle").string();
  village.Ok({"frontier", "export", frontier});
  ProcessResult exported = hall.Run({"bundle", "export", stick, "--for", frontier});
  REQUIRE(exported.exit_code == 0);
  CHECK_THAT(exported.err, Catch::Contains("sealed for node \"village-b\""));
  CHECK(ReadFile(stick).substr(0, 7) == "SILIANS");

  const std::string neighbour_before = neighbour.Digest();
  ProcessResult other = neighbour.Run({"bundle", "import", stick});
  CHECK(other.exit_code != 0);
  CHECK_THAT(other.err, Catch::Contains("sealed for node \"village-b\"") && Catch::Contains("village-a"));
  CHECK(neighbour.Digest() == neighbour_before);

  const std::string changed = (dir.path() / "changed.bundle").string();
  WriteFile(changed, ReadFile(stick));
  FlipMiddleByte(changed);
  const std::string village_before = village.Digest();
  ProcessResult broken = village.Run({"bundle", "import", changed});
  CHECK(broken.exit_code != 0);
  CHECK_THAT(broken.err, Catch::Contains("does not open"));
  CHECK(village.Digest() == village_before);

  village.Ok({"bundle", "import", stick});
  CHECK(village.Digest() == hall.Ok({"digest", "--scope", kOtherVillage}));

  ProcessResult unknown = hall.Run({"bundle", "export", (dir.path() / "x.bundle").string(), "--to", "village-z"});
  CHECK(unknown.exit_code == 2);
  CHECK_THAT(unknown.err, Catch::Contains("\"village-z\" has no registered key"));
  ProcessResult empty_to = hall.Run({"bundle", "export", (dir.path() / "y.bundle").string(), "--to", ""});
  CHECK(empty_to.exit_code == 2);
  CHECK_THAT(empty_to.err, Catch::Contains("--to \"\""));
  ProcessResult plain = hall.Run({"bundle", "export", (dir.path() / "plain.bundle").string()});
  CHECK(plain.exit_code == 0);
  CHECK_THAT(plain.err, Catch::Contains("not sealed"));
}

}  // namespace
}  // namespace silian::e2e
