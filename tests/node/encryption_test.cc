// Encrypted laptops (docs/architecture.md, "Encrypted laptops"): what a thief reading the ledger file with
// SQLite sees, the passphrase refusal, recovery through the hub, and convergence with plain replicas.
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <catch2/catch.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/keys.h"
#include "domain/store.h"
#include "ledger/sealer.h"
#include "support/files.h"
#include "support/hub_harness.h"
#include "support/ledger.h"
#include "support/process.h"
#include "support/programs.h"
#include "support/status.h"

namespace {

using nlohmann::json;
using namespace silian;        // NOLINT
using namespace silian::test;  // NOLINT: the support library

constexpr const char* kPassphrase = "blue yurt at dawn";

// A case whose personal fields are easy to search for.
sync::NewCase PersonalCase(uint32_t n) {
  sync::NewCase c = SampleCase(n);
  c.applicant_name = "Bayar Tsetseg " + std::to_string(n);
  c.phone = "139047100" + std::to_string(10 + n);
  c.address = "Khuree street " + std::to_string(n);
  return c;
}

std::vector<std::string> PersonalValues(uint32_t cases) {
  std::vector<std::string> out;
  for (uint32_t n = 1; n <= cases; ++n) {
    sync::NewCase c = PersonalCase(n);
    out.insert(out.end(), {c.applicant_name, c.applicant_id, c.phone, c.address});
  }
  return out;
}

// Every byte of every row of every table, read with the plain sqlite3 library as a thief would.
std::string DumpAllTables(const std::string& path) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  std::vector<std::string> tables;
  sqlite3_stmt* s = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master WHERE type='table'", -1, &s, nullptr) == SQLITE_OK);
  while (sqlite3_step(s) == SQLITE_ROW) tables.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)));
  sqlite3_finalize(s);
  REQUIRE(tables.size() > 10);
  std::string all;
  for (const auto& t : tables) {
    REQUIRE(sqlite3_prepare_v2(db, ("SELECT * FROM \"" + t + "\"").c_str(), -1, &s, nullptr) == SQLITE_OK);
    while (sqlite3_step(s) == SQLITE_ROW)
      for (int i = 0; i < sqlite3_column_count(s); ++i) {
        const void* blob = sqlite3_column_blob(s, i);
        all.append(static_cast<const char*>(blob ? blob : ""), static_cast<size_t>(sqlite3_column_bytes(s, i)));
        all.push_back('\n');
      }
    sqlite3_finalize(s);
  }
  sqlite3_close(db);
  return all;
}

// The ledger file and its WAL as bytes.
std::string FileBytes(const std::string& path) {
  std::string bytes = ReadFile(path);
  if (std::filesystem::exists(path + "-wal")) bytes += ReadFile(path + "-wal");
  return bytes;
}

std::unique_ptr<sync::LedgerStore> CreateWith(const std::string& path, const sync::NodeConfig& config,
                                              const sync::Sealer* sealer) {
  sync::LedgerStore::Options options;
  options.durable = false;
  options.sealer = sealer;
  return SILIAN_TAKE(sync::LedgerStore::Create(path, config, options));
}

std::unique_ptr<sync::LedgerStore> OpenWith(const std::string& path, const sync::Sealer* sealer) {
  sync::LedgerStore::Options options;
  options.durable = false;
  options.sealer = sealer;
  return SILIAN_TAKE(sync::LedgerStore::Open(path, options));
}

}  // namespace

TEST_CASE("Encryption: raw SELECTs over every table of an encrypted ledger show no applicant name, ID or phone",
          "[encryption]") {
  TempDir dir;
  auto sealer = SILIAN_TAKE(sync::MakeSealer(sync::NewDataKey()));
  const std::string sealed_path = dir.File("sealed.db"), plain_path = dir.File("plain.db");
  std::string signing_secret;
  {
    auto sealed = CreateWith(sealed_path, NodeAt("v1"), sealer.get());
    signing_secret = sealed->ledger().signing_key().secret();
    auto plain = CreateWith(plain_path, NodeAt("v2", sync::Level::kVillage, kVillage, "02"), nullptr);
    for (uint32_t n = 1; n <= 5; ++n) {
      const std::string id = SILIAN_TAKE(sealed->CreateCase(PersonalCase(n))).case_id.value;
      SILIAN_TAKE(plain->CreateCase(PersonalCase(n)));
      SILIAN_TAKE(sealed->AddNote(id, "called " + PersonalCase(n).phone, "agent-1"));
    }
    // The encrypted replica still answers lookups by ID number (through the blind index) and shows plaintext.
    sync::CaseFilter by_id;
    by_id.applicant_id = PersonalCase(3).applicant_id;
    auto found = SILIAN_TAKE(sealed->ListCases(by_id));
    REQUIRE(found.size() == 1);
    CHECK(found[0].applicant_name == PersonalCase(3).applicant_name);
    CHECK(found[0].applicant_id == PersonalCase(3).applicant_id);
  }
  const std::string sealed_rows = DumpAllTables(sealed_path), plain_rows = DumpAllTables(plain_path);
  const std::string sealed_file = FileBytes(sealed_path);
  CHECK(sealed_file.find(signing_secret) == std::string::npos);
  CHECK(sealed_file.find(silian::sync::ToBase64(signing_secret)) == std::string::npos);
  for (const auto& value : PersonalValues(5)) {
    INFO(value);
    CHECK(plain_rows.find(value) != std::string::npos);  // the check can see what it looks for
    CHECK(sealed_rows.find(value) == std::string::npos);
    CHECK(sealed_file.find(value) == std::string::npos);
  }
}

TEST_CASE("Encryption: an encrypted ledger opens only with its key", "[encryption]") {
  TempDir dir;
  auto sealer = SILIAN_TAKE(sync::MakeSealer(sync::NewDataKey()));
  auto other = SILIAN_TAKE(sync::MakeSealer(sync::NewDataKey()));
  const std::string path = dir.File("v1.db");
  std::string digest;
  {
    auto store = CreateWith(path, NodeAt("v1"), sealer.get());
    SILIAN_TAKE(store->CreateCase(PersonalCase(1)));
    digest = DigestOf(*store);
  }
  sync::LedgerStore::Options options;
  auto locked = sync::LedgerStore::Open(path, options);
  REQUIRE(locked.status().code() == StatusCode::kFailedPrecondition);
  CHECK_THAT(locked.status().message(), Catch::Contains("encrypted and locked") && Catch::Contains("unlock"));
  options.sealer = other.get();
  CHECK(sync::LedgerStore::Open(path, options).status().code() == StatusCode::kPermissionDenied);
  CHECK(DigestOf(*OpenWith(path, sealer.get())) == digest);
}

TEST_CASE("Encryption: sync and bundles between encrypted and plain replicas converge to equal digests",
          "[encryption]") {
  TempDir dir;
  auto sealer = SILIAN_TAKE(sync::MakeSealer(sync::NewDataKey()));
  auto sealed = CreateWith(dir.File("a.db"), NodeAt("a", sync::Level::kVillage, kVillage, "01"), sealer.get());
  auto plain = CreateWith(dir.File("b.db"), NodeAt("b", sync::Level::kVillage, kVillage, "02"), nullptr);
  auto hall = CreateWith(dir.File("hall.db"), NodeAt("hall", sync::Level::kTownship, kTownship), sealer.get());
  for (uint32_t n = 1; n <= 4; ++n) {
    SILIAN_TAKE(sealed->CreateCase(PersonalCase(n)));
    SILIAN_TAKE(plain->CreateCase(PersonalCase(10 + n)));
  }
  Exchange(*sealed, *plain);
  Exchange(*plain, *sealed);
  Exchange(*sealed, *hall);
  Exchange(*plain, *hall);
  const std::string digest = DigestOf(*plain, std::string(kVillage));
  CHECK(DigestOf(*sealed, std::string(kVillage)) == digest);
  CHECK(DigestOf(*hall, std::string(kVillage)) == digest);
  // An encrypted replica serves pulls and single ops in plaintext.
  auto pulled = SILIAN_TAKE(hall->Pull(kVillage, pb::Frontier(), 0, 10000, 64u << 20));
  auto fresh = CreateWith(dir.File("d.db"), NodeAt("d", sync::Level::kVillage, kVillage, "04"), nullptr);
  ImportEntries(*fresh, {pulled.batch.entries().begin(), pulled.batch.entries().end()});
  CHECK(DigestOf(*fresh, std::string(kVillage)) == digest);
  const auto op = SILIAN_TAKE(hall->ledger().OpBytes(sync::OpId{"a", 1}));
  REQUIRE(op.has_value());
  pb::Op parsed;
  CHECK(parsed.ParseFromString(*op));
  // Known ops offered again are compared with the sealed copies: known, not equivocations.
  auto entries = ExportAll(*plain);
  const auto again = ImportEntries(*sealed, entries);
  CHECK(again.equivocations == 0);
  CHECK(again.new_ops == 0);
  // Entries arriving ahead of a gap wait in `pending` (sealed there) and apply when the gap fills.
  auto late = CreateWith(dir.File("c.db"), NodeAt("c", sync::Level::kVillage, kVillage, "03"), sealer.get());
  std::reverse(entries.begin(), entries.end());
  ImportEntries(*late, entries, 1);
  CHECK(DigestOf(*late, std::string(kVillage)) == digest);
}

namespace {

// silian-node on one ledger with its own session directory.
struct Laptop {
  explicit Laptop(const TempDir& dir)
      : db(dir.File("laptop.db")), env({{"XDG_RUNTIME_DIR", dir.File("run")}, {"SILIAN_SESSION_DIR", ""}}) {
    std::filesystem::create_directory(dir.File("run"));
    std::filesystem::permissions(dir.File("run"), std::filesystem::perms::owner_all);
  }
  ProcessResult Run(std::vector<std::string> args, const std::string& stdin_data = "") const {
    args.insert(args.begin(), {"--db", db});
    return RunProgram(NodeBin(), args, env, stdin_data);
  }
  std::string Ok(std::vector<std::string> args, const std::string& stdin_data = "") const {
    ProcessResult r = Run(std::move(args), stdin_data);
    INFO(Describe(r));
    REQUIRE(r.exit_code == 0);
    return r.out;
  }
  std::string db;
  Env env;
};

// A plain node ledger with `cases` cases, made in-process (no catalogue needed), then closed.
void MakeLedgerWithCases(const std::string& path, uint32_t cases) {
  auto store = CreateWith(path, NodeAt("laptop"), nullptr);
  for (uint32_t n = 1; n <= cases; ++n) SILIAN_TAKE(store->CreateCase(PersonalCase(n)));
}

std::string FileDigest(const std::string& path) { return sync::ToBase64(sync::Blake2b256(FileBytes(path))); }

}  // namespace

TEST_CASE("silian-node encrypt: the digest is unchanged, a locked ledger is refused with exit 2 naming unlock",
          "[encryption][cli]") {
  TempDir dir;
  Laptop laptop(dir);
  MakeLedgerWithCases(laptop.db, 3);
  const std::string digest = Trim(laptop.Ok({"digest"}));
  laptop.Ok({"encrypt", "agent-1", "--passphrase-stdin"}, std::string(kPassphrase) + "\n");
  CHECK(Trim(laptop.Ok({"digest"})) == digest);
  CHECK(FileBytes(laptop.db).find(PersonalCase(2).applicant_name) == std::string::npos);
  CHECK(laptop.Ok({"case", "list"}).find(PersonalCase(2).applicant_name) != std::string::npos);
  laptop.Ok({"lock"});
  RequireRefused(laptop.Run({"case", "list"}), "silian-node", {"encrypted and locked", "silian-node unlock"});
  laptop.Ok({"unlock", "agent-1", "--passphrase-stdin"}, std::string(kPassphrase) + "\n");
  CHECK(Trim(laptop.Ok({"digest"})) == digest);
}

TEST_CASE("silian-node unlock: a wrong passphrase is refused with exit 2 and the ledger file is unchanged",
          "[encryption][cli]") {
  TempDir dir;
  Laptop laptop(dir);
  MakeLedgerWithCases(laptop.db, 2);
  laptop.Ok({"encrypt", "agent-1", "--passphrase-stdin"}, std::string(kPassphrase) + "\n");
  laptop.Ok({"lock"});
  const std::string before = FileDigest(laptop.db);
  RequireRefused(laptop.Run({"unlock", "agent-1", "--passphrase-stdin"}, "not the passphrase\n"), "silian-node",
                 {"wrong passphrase", "agent-1"});
  RequireRefused(laptop.Run({"unlock", "clerk-9", "--passphrase-stdin"}, std::string(kPassphrase) + "\n"),
                 "silian-node", {"no passphrase keyslot", "clerk-9", "agent-1"});
  CHECK(FileDigest(laptop.db) == before);
  RequireRefused(laptop.Run({"case", "list"}), "silian-node", {"encrypted and locked"});
}

TEST_CASE("silian-hub recover-key: a forgotten passphrase is replaced through the node's hub", "[encryption][cli]") {
  TempDir dir;
  Laptop laptop(dir);
  MakeLedgerWithCases(laptop.db, 2);
  const std::string digest = Trim(laptop.Ok({"digest"}));
  const json hub = RunJson(HubBin(), {"--db", dir.File("county.db"), "init", "--node-id", "county", "--level",
                                      "county", "--division", kCounty, "--json"});
  const json stranger = RunJson(HubBin(), {"--db", dir.File("other.db"), "init", "--node-id", "county", "--level",
                                           "county", "--division", kCounty, "--json"});
  laptop.Ok({"encrypt", "agent-1", "--passphrase-stdin"}, std::string(kPassphrase) + "\n");
  laptop.Ok({"keyslot", "recovery", "--hub-id", "county", "--hub-key", hub.at("public_key").get<std::string>()});
  laptop.Ok({"lock"});
  // The passphrase is forgotten: the request goes to the hub, the key file comes back.
  laptop.Ok({"keyslot", "recovery-request", "--out", dir.File("request.json")});
  RequireRefused(RunProgram(HubBin(), {"--db", dir.File("other.db"), "recover-key", dir.File("request.json"), "--out",
                                       dir.File("stolen.json")}),
                 "silian-hub", {"not sealed to this hub's key"});
  CHECK_FALSE(std::filesystem::exists(dir.File("stolen.json")));
  RunOk(HubBin(), {"--db", dir.File("county.db"), "recover-key", dir.File("request.json"), "--out", dir.File("key.json")});
  CHECK((std::filesystem::status(dir.File("key.json")).permissions() & std::filesystem::perms::group_all) ==
        std::filesystem::perms::none);
  laptop.Ok({"keyslot", "add", "agent-2", "--recovery-key", dir.File("key.json"), "--passphrase-stdin"},
            "a new passphrase\n");
  laptop.Ok({"unlock", "agent-2", "--passphrase-stdin"}, "a new passphrase\n");
  CHECK(Trim(laptop.Ok({"digest"})) == digest);
  CHECK(stranger.at("public_key") != hub.at("public_key"));
}

TEST_CASE("silian-node bundles: an encrypted laptop and a plain replica exchange bundles to equal digests",
          "[encryption][cli]") {
  TempDir dir;
  Laptop laptop(dir);
  MakeLedgerWithCases(laptop.db, 3);
  const std::string other = dir.File("other.db");
  {
    auto store = CreateWith(other, NodeAt("other", sync::Level::kVillage, kVillage, "02"), nullptr);
    for (uint32_t n = 11; n <= 12; ++n) SILIAN_TAKE(store->CreateCase(PersonalCase(n)));
  }
  laptop.Ok({"encrypt", "agent-1", "--passphrase-stdin"}, std::string(kPassphrase) + "\n");
  laptop.Ok({"bundle", "export", dir.File("laptop.bundle")});
  RunOk(NodeBin(), {"--db", other, "bundle", "export", dir.File("other.bundle")});
  RunOk(NodeBin(), {"--db", other, "bundle", "import", dir.File("laptop.bundle")});
  laptop.Ok({"bundle", "import", dir.File("other.bundle")});
  const std::string plain_digest = Trim(RunOk(NodeBin(), {"--db", other, "digest", "--scope", kVillage}));
  CHECK(Trim(laptop.Ok({"digest", "--scope", kVillage})) == plain_digest);
  CHECK(FileBytes(laptop.db).find(PersonalCase(11).applicant_name) == std::string::npos);
}

TEST_CASE("silian-node sync: an encrypted laptop and a plain one converge through a real hub", "[encryption][cli]") {
  TempDir dir;
  Laptop laptop(dir);
  MakeLedgerWithCases(laptop.db, 3);
  const std::string other = dir.File("other.db");
  {
    auto store = CreateWith(other, NodeAt("other", sync::Level::kVillage, kVillage, "02"), nullptr);
    for (uint32_t n = 11; n <= 12; ++n) SILIAN_TAKE(store->CreateCase(PersonalCase(n)));
  }
  laptop.Ok({"encrypt", "agent-1", "--passphrase-stdin"}, std::string(kPassphrase) + "\n");
  const std::string county_db = dir.File("county.db");
  InitHub(county_db, "county", "county", kCounty, {{"laptop", "village", kVillage}, {"other", "village", kVillage}});
  RegisterKey(county_db, other);
  // The encrypted laptop shows its key only when unlocked: the administrator registers what it shows.
  const json identity = json::parse(laptop.Ok({"--json", "identity"}));
  RunOk(HubBin(), {"--db", county_db, "node", "add", "laptop", "--level", "village", "--division", kVillage,
                   "--public-key", identity.at("public_key").get<std::string>()});
  HubProcess county("county hub", county_db, dir.File("county.log"));
  county.Start();
  laptop.Ok({"sync", "--hub", county.url()});
  RunOk(NodeBin(), {"--db", other, "sync", "--hub", county.url()});
  laptop.Ok({"sync", "--hub", county.url()});
  const std::string plain_digest = Trim(RunOk(NodeBin(), {"--db", other, "digest", "--scope", kVillage}));
  CHECK(Trim(laptop.Ok({"digest", "--scope", kVillage})) == plain_digest);
  CHECK(county.Terminate() == 0);
  CHECK(HubDigest(county_db, kVillage) == plain_digest);
  CHECK(FileBytes(laptop.db).find(PersonalCase(12).applicant_name) == std::string::npos);
  // The hub's key came with its registration: the recovery slot needs no --hub-key.
  laptop.Ok({"keyslot", "recovery", "--hub-id", "county"});
  laptop.Ok({"keyslot", "recovery-request", "--out", dir.File("request.json")});
  RunOk(HubBin(), {"--db", county_db, "recover-key", dir.File("request.json"), "--out", dir.File("key.json")});
  RequireRefused(laptop.Run({"keyslot", "recovery", "--hub-id", "city-9"}), "silian-node",
                 {"no registered key of hub", "city-9"});
  // Locked, the laptop cannot sync (it reads and writes personal data): exit 2 naming unlock.
  laptop.Ok({"lock"});
  RequireRefused(laptop.Run({"sync", "--hub", county.url()}), "silian-node", {"encrypted and locked"});
}

TEST_CASE("Encryption: a sealed value opens only with its key and in its own row", "[encryption]") {
  const std::string key = sync::NewDataKey();
  auto sealer = SILIAN_TAKE(sync::MakeSealer(key));
  auto same = SILIAN_TAKE(sync::MakeSealer(key));
  auto other = SILIAN_TAKE(sync::MakeSealer(sync::NewDataKey()));
  const std::string sealed = sealer->Seal("Bayar Tsetseg", "case\nv1:1\nview");
  CHECK(sealed != sealer->Seal("Bayar Tsetseg", "case\nv1:1\nview"));  // a random nonce per value
  CHECK(SILIAN_TAKE(same->Open(sealed, "case\nv1:1\nview")) == "Bayar Tsetseg");
  CHECK(other->Open(sealed, "case\nv1:1\nview").status().code() == StatusCode::kDataLoss);
  CHECK(sealer->Open(sealed, "case\nv1:2\nview").status().code() == StatusCode::kDataLoss);
  std::string flipped = sealed;
  flipped[30] = static_cast<char>(flipped[30] ^ 1);
  CHECK(sealer->Open(flipped, "case\nv1:1\nview").status().code() == StatusCode::kDataLoss);
  CHECK(sealer->BlindIndex("applicant_id", "152222198001010017") == same->BlindIndex("applicant_id", "152222198001010017"));
  CHECK(sealer->BlindIndex("applicant_id", "152222198001010017") != other->BlindIndex("applicant_id", "152222198001010017"));
  CHECK(sealer->KeyCheck() == same->KeyCheck());
  CHECK(sealer->KeyCheck() != other->KeyCheck());
  CHECK(sync::MakeSealer("short").status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("silian-node: an expired session is refused and removed, and keyslot remove keeps the last passphrase",
          "[encryption][cli]") {
  TempDir dir;
  Laptop laptop(dir);
  MakeLedgerWithCases(laptop.db, 1);
  laptop.Ok({"encrypt", "agent-1", "--passphrase-stdin"}, std::string(kPassphrase) + "\n");
  RequireRefused(laptop.Run({"keyslot", "remove", "agent-1"}), "silian-node", {"last passphrase slot"});
  laptop.Ok({"keyslot", "add", "agent-2", "--passphrase-stdin"}, "second passphrase\n");
  laptop.Ok({"keyslot", "remove", "agent-1"});
  RequireRefused(laptop.Run({"unlock", "agent-1", "--passphrase-stdin"}, std::string(kPassphrase) + "\n"),
                 "silian-node", {"no passphrase keyslot", "agent-1"});
  // The session file, aged past its expiry.
  std::string session;
  for (const auto& e : std::filesystem::directory_iterator(dir.File("run") + "/silian")) session = e.path().string();
  REQUIRE(!session.empty());
  using std::filesystem::perms;
  CHECK((std::filesystem::status(session).permissions() & perms::all) == (perms::owner_read | perms::owner_write));
  CHECK((std::filesystem::status(dir.File("run") + "/silian").permissions() & perms::all) == perms::owner_all);
  json s = json::parse(ReadFile(session));
  s["expires_ms"] = 1000;
  WriteFile(session, s.dump());
  RequireRefused(laptop.Run({"case", "list"}), "silian-node", {"expired", "silian-node unlock"});
  CHECK_FALSE(std::filesystem::exists(session));
  laptop.Ok({"unlock", "agent-2", "--passphrase-stdin"}, "second passphrase\n");
  CHECK(laptop.Ok({"case", "list"}).find(PersonalCase(1).applicant_name) != std::string::npos);
}

TEST_CASE("silian-node sync --watch on an encrypted ledger stops with exit 2 once the session is locked",
          "[encryption][cli]") {
  TempDir dir;
  Laptop laptop(dir);
  MakeLedgerWithCases(laptop.db, 1);
  laptop.Ok({"encrypt", "agent-1", "--passphrase-stdin"}, std::string(kPassphrase) + "\n");
  const int log = ::open(dir.File("watch.log").c_str(), O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0600);
  REQUIRE(log >= 0);
  // No hub listens there: each round fails and the watch retries, until the session is gone.
  auto pid = launch::Spawn({NodeBin(), "--db", laptop.db, "sync", "--watch", "--interval", "1", "--hub",
                            "http://127.0.0.1:9"},
                           ProgramEnv(laptop.env), launch::ChildFds{-1, log, log});
  ::close(log);
  REQUIRE(pid.ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  int exit_code = -1;
  CHECK_FALSE(launch::TryReap(*pid, &exit_code));  // still watching while unlocked
  laptop.Ok({"lock"});
  for (int i = 0; i < 300 && !launch::TryReap(*pid, &exit_code); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  if (exit_code == -1) {
    ::kill(*pid, SIGKILL);
    launch::WaitForExit(*pid);
  }
  INFO(ReadFile(dir.File("watch.log")));
  CHECK(exit_code == 2);
  CHECK_THAT(ReadFile(dir.File("watch.log")), Catch::Contains("sync --watch stops"));
}
