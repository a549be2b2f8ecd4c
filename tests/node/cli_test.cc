// silian-node run as a user runs it: real processes, real ledger and bundle files in a temporary directory.
#include <zstd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "ledger/bundle.h"
#include "support/files.h"
#include "support/ledger.h"
#include "support/process.h"
#include "support/programs.h"

namespace {

using nlohmann::json;
using namespace silian::test;  // the support library: programs, files, the tests' divisions

// "origin:seq" with a plausible origin and a sequence number.
bool IsOpId(const std::string& text) {
  size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) return false;
  for (size_t i = colon + 1; i < text.size(); ++i)
    if (text[i] < '0' || text[i] > '9') return false;
  return text.find_first_of(" \t") == std::string::npos;
}

bool IsHex(const std::string& text) {
  return !text.empty() && text.find_first_not_of("0123456789abcdef") == std::string::npos;
}

// The shape every error must have (RequireRefused), naming `needle`.
void RequireUsageError(const ProcessResult& r, const std::string& needle) {
  RequireRefused(r, "silian-node", {needle});
}

// One replica: a ledger file, driven through the real silian-node.
class Node : public LedgerCli {
 public:
  Node(const TempDir& dir, const std::string& name) : LedgerCli(NodeBin(), dir.File(name + ".db")), name_(name) {}

  const std::string& name() const { return name_; }

  // silian-node without a ledger.
  static ProcessResult RunRaw(std::vector<std::string> args, const Env& env = {}) {
    return RunProgram(NodeBin(), args, env);
  }

  void Init(const std::string& division, const std::string& device = "01", const std::string& level = "village") const {
    Ok({"init", "--node-id", name_, "--level", level, "--division", division, "--device", device});
  }

  // Creates a case; returns its case id.
  std::string NewCase(const std::string& applicant, const std::string& id17 = "15222219800101001") const {
    json j = Json({"case", "new", "--item", "152222000000000001-1-00001", "--applicant-name", applicant,
                   "--applicant-id", ResidentIdOf(id17), "--phone", "13800000000", "--channel", "agent"});
    return j.at("case_id").get<std::string>();
  }

  std::string Show(const std::string& ref) const { return Ok({"--json", "case", "show", ref}); }
  json Status() const { return Json({"status"}); }
  json Conflicts() const { return Json({"conflicts"}); }

  // Exports a bundle (to the holder of `frontier_file` when given); returns the export's JSON.
  json Export(const std::string& file, const std::string& frontier_file = "") const {
    std::vector<std::string> args = {"bundle", "export", file};
    if (!frontier_file.empty()) args.insert(args.end(), {"--for", frontier_file});
    return Json(args);
  }
  json Import(const std::string& file) const { return Json({"bundle", "import", file}); }

 private:
  std::string name_;
};

// A node with one case that has been received, has a material and a note: 4 ops.
std::string SeedCase(const Node& n, const std::string& applicant = "Wang Fang") {
  std::string id = n.NewCase(applicant);
  n.Ok({"case", "act", id, "receive"});
  n.Ok({"case", "material", id, "household register", "--copies", "2"});
  n.Ok({"case", "note", id, "applicant asked for a call back"});
  return id;
}

// A fresh directory and one village node in it, initialised as device 01.
struct OneNode {
  TempDir dir;
  Node a{dir, "agent-a"};
  OneNode() { a.Init(kVillage); }
};

// A fresh directory and two nodes of one village in it, devices 01 and 02.
struct TwoNodes {
  TempDir dir;
  Node a{dir, "agent-a"};
  Node b{dir, "agent-b"};
  TwoNodes() {
    a.Init(kVillage, "01");
    b.Init(kVillage, "02");
  }
  // Each node exports a bundle ("a<tag>.bundle", "b<tag>.bundle") and imports the other's.
  void ExchangeBundles(const std::string& tag) const {
    a.Export(dir.File("a" + tag + ".bundle"));
    b.Export(dir.File("b" + tag + ".bundle"));
    a.Import(dir.File("b" + tag + ".bundle"));
    b.Import(dir.File("a" + tag + ".bundle"));
  }
};

}  // namespace

TEST_CASE_METHOD(OneNode, "CLI: init, case new, case show and case list round-trip") {

  std::string id_number = ResidentIdOf("15222219800101001");
  ProcessResult created = a.Run({"case", "new", "--item", "ITEM-001", "--applicant-name", "Wang Fang",
                                 "--applicant-id", id_number, "--phone", "13800000000", "--summary", "pension",
                                 "--channel", "agent", "--actor", "agent-wang"});
  INFO(Describe(created));
  REQUIRE(created.exit_code == 0);
  std::vector<std::string> lines = Lines(created.out);
  REQUIRE(lines.size() == 2);
  REQUIRE(lines[0].rfind("case number: ", 0) == 0);
  REQUIRE(lines[1].rfind("case id: ", 0) == 0);
  std::string number = lines[0].substr(13);
  std::string case_id = lines[1].substr(9);
  CHECK(IsOpId(case_id));
  CHECK(number.rfind(kVillage, 0) == 0);

  // Authoring commands print the new op id.
  for (std::vector<std::string> args : std::vector<std::vector<std::string>>{
           {"case", "act", number, "receive"},
           {"case", "material", case_id, "household register", "--copies", "2"},
           {"case", "note", case_id, "applicant asked for a call back"},
           {"case", "set", number, "phone=13900000000", "address=Group 3, Bayan village"}}) {
    std::string out = a.Ok(args);
    lines = Lines(out);
    REQUIRE(lines.size() == 1);
    CHECK(IsOpId(lines[0]));
  }

  std::string by_number = a.Show(number);
  std::string by_id = a.Show(case_id);
  CHECK(by_number == by_id);
  CHECK(a.Show(case_id) == by_id);  // deterministic output
  json view = json::parse(by_id);
  CHECK(view.at("case_number") == number);
  CHECK(view.at("case_id") == case_id);
  CHECK(view.at("status") == "received");
  CHECK(view.at("fields").at("applicant_name").at("value") == "Wang Fang");
  CHECK(view.at("fields").at("phone").at("value") == "13900000000");
  CHECK(view.at("fields").at("address").at("value") == "Group 3, Bayan village");
  REQUIRE(view.at("materials").size() == 1);
  CHECK(view.at("materials")[0].at("copies") == 2);
  REQUIRE(view.at("notes").size() == 1);
  REQUIRE(view.at("history").size() == 5);

  std::string text = a.Ok({"case", "show", number});
  for (const char* expected : {"received", "Wang Fang", "13900000000", "household register",
                               "applicant asked for a call back", "history", "open conflicts", "agent-wang"})
    CHECK(text.find(expected) != std::string::npos);
  CHECK(text.find(number) != std::string::npos);
  for (const auto& h : view.at("history")) CHECK(text.find(h.at("op").get<std::string>()) != std::string::npos);

  std::string list = a.Ok({"case", "list"});
  CHECK(list.find(number) != std::string::npos);
  CHECK(list.find("received") != std::string::npos);
  CHECK(a.Json({"case", "list", "--status", "received"}).size() == 1);
  CHECK(a.Json({"case", "list", "--status", "draft"}).empty());
  CHECK(a.Json({"case", "list", "--applicant-id", id_number}).size() == 1);
  CHECK(a.Json({"case", "list", "--applicant-id", ResidentIdOf("15222219900101002")}).empty());
}

TEST_CASE("CLI: --json makes every data command print one JSON document") {
  TempDir dir;
  Node a(dir, "agent-a");
  json init = a.Json({"init", "--node-id", "agent-a", "--level", "village", "--division", kVillage});
  CHECK(init.at("scope") == kVillage);

  json created = a.Json({"case", "new", "--item", "ITEM-001", "--applicant-name", "Wang Fang", "--applicant-id",
                         ResidentIdOf("15222219800101001")});
  std::string id = created.at("case_id");
  CHECK(created.at("case_number").is_string());
  CHECK(a.Json({"case", "act", id, "receive"}).at("op").is_string());
  CHECK(a.Json({"case", "note", id, "called"}).at("op").is_string());
  CHECK(a.Json({"case", "material", id, "photo"}).at("op").is_string());
  CHECK(a.Json({"case", "set", id, "summary=pension"}).at("op").is_string());

  json list = a.Json({"case", "list"});
  REQUIRE(list.is_array());
  REQUIRE(list.size() == 1);
  CHECK(list[0].at("case_id") == id);
  CHECK(list[0].at("status") == "received");

  json status = a.Json({"status"});
  CHECK(status.at("node") == "agent-a");
  CHECK(status.at("level") == "village");
  CHECK(status.at("op_count") == 5);
  CHECK(status.at("case_count") == 1);
  REQUIRE(status.at("frontier").size() == 1);
  CHECK(status.at("frontier")[0].at("origin") == "agent-a");
  CHECK(status.at("frontier")[0].at("seq") == 5);

  std::string status_text = a.Ok({"status"});
  for (const char* expected : {"agent-a", "village", kVillage, "frontier", "clock skew seen", "open conflicts"})
    CHECK(status_text.find(expected) != std::string::npos);

  json digest = a.Json({"digest"});
  CHECK(digest.at("ops") == 5);
  std::string line = a.Digest();
  CHECK(IsHex(digest.at("ledger").get<std::string>()));
  CHECK(IsHex(digest.at("state").get<std::string>()));
  CHECK(line == "ops=5 ledger=" + digest.at("ledger").get<std::string>() + " state=" +
                    digest.at("state").get<std::string>() + "\n");
  CHECK(a.Ok({"digest", "--scope", "152222"}) == line);

  CHECK(a.Json({"conflicts"}) == json::array());
  json frontier = a.Json({"frontier", "export", dir.File("a.frontier")});
  CHECK(frontier.at("origins") == 1);
  json exported = a.Export(dir.File("a.bundle"));
  CHECK(exported.at("ops") == 5);
  CHECK(exported.at("bytes").get<uint64_t>() == ReadFile(dir.File("a.bundle")).size());
  json imported = a.Import(dir.File("a.bundle"));
  CHECK(imported.at("new") == 0);
  CHECK(imported.at("known") == 5);
}

TEST_CASE_METHOD(OneNode, "CLI: usage errors exit 2 with one line naming the problem") {
  std::string id = a.NewCase("Wang Fang");

  SECTION("no ledger given") { RequireUsageError(Node::RunRaw({"status"}), "--db"); }
  SECTION("the ledger from SILIAN_DB") {
    ProcessResult r = Node::RunRaw({"status"}, {{"SILIAN_DB", a.db()}});
    INFO(Describe(r));
    CHECK(r.exit_code == 0);
  }
  SECTION("a ledger that does not exist") {
    RequireUsageError(Node::RunRaw({"--db", dir.File("missing.db"), "status"}), dir.File("missing.db"));
  }
  SECTION("a file that is not a ledger") {
    WriteFile(dir.File("junk.db"), "this is not a ledger\n");
    RequireUsageError(Node::RunRaw({"--db", dir.File("junk.db"), "status"}), dir.File("junk.db"));
  }
  SECTION("an unknown option") { RequireUsageError(a.Run({"status", "--bogus"}), "--bogus"); }
  SECTION("an unknown command") { RequireUsageError(a.Run({"frobnicate"}), "frobnicate"); }
  SECTION("no command") { RequireUsageError(a.Run({}), "needs a command"); }
  SECTION("a command group without its command") { RequireUsageError(a.Run({"case"}), "show"); }
  SECTION("an unknown command in a group") { RequireUsageError(a.Run({"case", "shwo", id}), "\"shwo\""); }
  SECTION("a missing required option") {
    RequireUsageError(a.Run({"case", "new", "--item", "X", "--applicant-id", "1"}), "--applicant-name");
  }
  SECTION("case set with an argument lacking '='") {
    RequireUsageError(a.Run({"case", "set", id, "phone13900000000"}), "\"phone13900000000\"");
  }
  SECTION("case set of an unknown field") { RequireUsageError(a.Run({"case", "set", id, "colour=red"}), "colour"); }
  SECTION("case set of an invalid value") {
    RequireUsageError(a.Run({"case", "set", id, "applicant_id=123"}), "\"123\"");
  }
  SECTION("an unknown action") { RequireUsageError(a.Run({"case", "act", id, "fly"}), "\"fly\""); }
  SECTION("an unknown status filter") { RequireUsageError(a.Run({"case", "list", "--status", "lost"}), "\"lost\""); }
  SECTION("zero copies") { RequireUsageError(a.Run({"case", "material", id, "photo", "--copies", "0"}), "0"); }
  SECTION("copies that are not a number") {
    RequireUsageError(a.Run({"case", "material", id, "photo", "--copies", "two"}), "two");
  }
  SECTION("a malformed digest scope") { RequireUsageError(a.Run({"digest", "--scope", "15"}), "\"15\""); }
  SECTION("conflicts resolve with neither --value nor --keep") {
    RequireUsageError(a.Run({"conflicts", "resolve", id + "/field/applicant_name"}), "--value");
  }
  SECTION("conflicts resolve with both --value and --keep") {
    RequireUsageError(a.Run({"conflicts", "resolve", id + "/field/applicant_name", "--value", "X", "--keep", id}),
                      "--keep");
  }
  SECTION("conflicts resolve of a conflict that is not open") {
    RequireUsageError(a.Run({"conflicts", "resolve", id + "/field/applicant_name", "--value", "X"}),
                      id + "/field/applicant_name");
  }
  SECTION("a frontier file that does not exist") {
    RequireUsageError(a.Run({"bundle", "export", dir.File("x.bundle"), "--for", dir.File("missing.frontier")}),
                      dir.File("missing.frontier"));
  }
  SECTION("--help everywhere exits 0 with usage on stdout") {
    for (std::vector<std::string> args : std::vector<std::vector<std::string>>{
             {"--help"}, {"init", "--help"}, {"case", "--help"}, {"case", "show", "--help"},
             {"case", "act", "--help"}, {"conflicts", "--help"}, {"conflicts", "resolve", "--help"},
             {"bundle", "export", "--help"}, {"bundle", "import", "--help"}, {"frontier", "export", "--help"},
             {"status", "--help"}, {"digest", "--help"}}) {
      ProcessResult r = Node::RunRaw(args);
      INFO(Describe(r));
      CHECK(r.exit_code == 0);
      CHECK(r.out.find("Usage") != std::string::npos);
    }
  }
}

TEST_CASE_METHOD(OneNode, "CLI: init refuses to overwrite an existing ledger") {
  SeedCase(a);
  std::string before = a.Digest();
  RequireUsageError(a.Run({"init", "--node-id", "agent-z", "--level", "village", "--division", kVillage}), a.db());
  CHECK(a.Digest() == before);
  CHECK(a.Status().at("node") == "agent-a");
}

TEST_CASE("CLI: a malformed division code is refused with exit 2") {
  TempDir dir;
  Node a(dir, "agent-a");
  RequireUsageError(a.Run({"init", "--node-id", "agent-a", "--level", "village", "--division", "1502"}), "\"1502\"");
  RequireUsageError(a.Run({"init", "--node-id", "agent-a", "--level", "village", "--division", "15222210420X"}),
                    "\"15222210420X\"");
  RequireUsageError(a.Run({"init", "--node-id", "agent a", "--level", "village", "--division", kVillage}),
                    "\"agent a\"");
  RequireUsageError(a.Run({"init", "--node-id", "agent-a", "--level", "county", "--division", kVillage}),
                    "\"county\"");
  RequireUsageError(a.Run({"init", "--node-id", "agent-a", "--level", "village", "--division", kVillage, "--device",
                           "1"}),
                    "\"1\"");
  CHECK_FALSE(std::filesystem::exists(a.db()));

  a.Init(kVillage);
  SeedCase(a);
  std::string before = a.Digest();
  RequireUsageError(a.Run({"case", "new", "--item", "X", "--applicant-name", "Li", "--applicant-id",
                           ResidentIdOf("15222219800101001"), "--division", "1522221042"}),
                    "\"1522221042\"");
  // A well-formed code outside this node's area is refused too.
  RequireUsageError(a.Run({"case", "new", "--item", "X", "--applicant-name", "Li", "--applicant-id",
                           ResidentIdOf("15222219800101001"), "--division", "150102001001"}),
                    "\"150102001001\"");
  CHECK(a.Digest() == before);
}

TEST_CASE_METHOD(OneNode, "CLI: an unknown case reference is refused with exit 2") {
  SeedCase(a);
  std::string before = a.Digest();
  for (const std::string ref : {"no-such-case", "agent-a:99", "152222104200-01-20990101-9999"}) {
    RequireUsageError(a.Run({"case", "show", ref}), "\"" + ref + "\"");
    RequireUsageError(a.Run({"case", "set", ref, "phone=1"}), "\"" + ref + "\"");
    RequireUsageError(a.Run({"case", "act", ref, "accept"}), "\"" + ref + "\"");
    RequireUsageError(a.Run({"case", "note", ref, "text"}), "\"" + ref + "\"");
    RequireUsageError(a.Run({"case", "material", ref, "photo"}), "\"" + ref + "\"");
  }
  CHECK(a.Digest() == before);
}

TEST_CASE_METHOD(OneNode,
                 "CLI: an action the status does not allow is refused naming the status and the allowed actions") {
  std::string id = a.NewCase("Wang Fang");
  std::string before = a.Digest();
  ProcessResult r = a.Run({"case", "act", id, "approve"});
  RequireUsageError(r, "\"draft\"");
  CHECK(r.err.find("approve") != std::string::npos);
  CHECK(r.err.find("receive") != std::string::npos);
  CHECK(a.Digest() == before);

  a.Ok({"case", "act", id, "receive"});
  before = a.Digest();
  r = a.Run({"case", "act", id, "complete"});
  RequireUsageError(r, "\"received\"");
  for (const char* allowed : {"forward", "accept", "request-correction", "withdraw"})
    CHECK(r.err.find(allowed) != std::string::npos);
  CHECK(a.Digest() == before);
  CHECK(json::parse(a.Show(id)).at("status") == "received");
}

TEST_CASE_METHOD(OneNode, "CLI: an action that needs a reason is refused without --reason") {
  std::string id = a.NewCase("Wang Fang");
  a.Ok({"case", "act", id, "receive"});
  std::string before = a.Digest();
  RequireUsageError(a.Run({"case", "act", id, "withdraw"}), "--reason");
  RequireUsageError(a.Run({"case", "act", id, "not-accept"}), "--reason");
  CHECK(a.Digest() == before);
  a.Ok({"case", "act", id, "withdraw", "--reason", "applicant moved away"});
  json view = json::parse(a.Show(id));
  CHECK(view.at("status") == "withdrawn");
  CHECK(a.Ok({"case", "show", id}).find("applicant moved away") != std::string::npos);
}

TEST_CASE_METHOD(TwoNodes, "CLI: bad bundle files are refused with exit 2 and leave the ledger unchanged") {
  SeedCase(a, "Wang Fang");
  SeedCase(a, "Li Si");
  const std::string good_path = dir.File("good.bundle");
  a.Export(good_path);
  const std::string good = ReadFile(good_path);
  REQUIRE(good.size() > 16);
  SeedCase(b, "Zhao Liu");
  const std::string before = b.Digest();
  const std::string bad = dir.File("bad.bundle");

  auto require_refused = [&](const std::string& path, const std::string& needle,
                             const std::string& key = "err.bundle.damaged") {
    ProcessResult r = b.Run({"bundle", "import", path});
    RequireUsageError(r, path);
    INFO(Describe(r));
    CHECK(r.err.find(needle) != std::string::npos);
    // The key the app says it by (err.bundle.*: missing, unreadable or damaged), naming the file.
    ProcessResult keyed = b.Run({"--json", "bundle", "import", path});
    INFO(Describe(keyed));
    json said = json::parse(keyed.out);
    CHECK(said.at("key") == key);
    CHECK(said.at("params").at("file") == path);
    CHECK(b.Digest() == before);
    json status = b.Status();
    CHECK(status.at("pending") == 0);
    CHECK(status.at("op_count") == 4);
  };

  SECTION("a file that does not exist") {
    require_refused(dir.File("missing.bundle"), "No such file", "err.bundle.missing");
  }
  SECTION("a directory") { require_refused(dir.path().string(), "not a regular file", "err.bundle.unreadable"); }
  SECTION("an empty file") {
    WriteFile(bad, "");
    require_refused(bad, "empty", "err.bundle.unreadable");
  }
  SECTION("a file that is not a bundle") {
    WriteFile(bad, "name,phone\nWang Fang,13800000000\n");
    require_refused(bad, "not a Silian", "err.bundle.unreadable");
  }
  SECTION("a bundle cut in half") {
    WriteFile(bad, good.substr(0, good.size() / 2));
    require_refused(bad, "truncated");
  }
  SECTION("a bundle missing its last byte") {
    WriteFile(bad, good.substr(0, good.size() - 1));
    require_refused(bad, "truncated");
  }
  SECTION("a bundle with garbage after the magic") {
    WriteFile(bad, good.substr(0, 8) + std::string(200, '\x5a'));
    require_refused(bad, "corrupt");
  }
  SECTION("a bundle whose byte 7 says format version 2") {
    std::string v2 = good;
    v2[7] = 2;
    WriteFile(bad, v2);
    require_refused(bad, "version 2", "err.bundle.unreadable");
  }
  SECTION("a bundle whose first record is larger than the limit") {
    const uint64_t length = silian::sync::BundleLimits().max_record_bytes + 1;
    std::string records(4 + 64, '\0');
    for (int i = 0; i < 4; ++i) records[static_cast<size_t>(i)] = static_cast<char>((length >> (8 * i)) & 0xFF);
    std::string compressed(ZSTD_compressBound(records.size()), '\0');
    size_t n = ZSTD_compress(compressed.data(), compressed.size(), records.data(), records.size(), 3);
    REQUIRE_FALSE(ZSTD_isError(n));
    compressed.resize(n);
    std::string file = "SILIAN";
    file += 'B';
    file += static_cast<char>(silian::sync::kBundleFormatVersion);
    WriteFile(bad, file + compressed);
    require_refused(bad, std::to_string(length));
  }
  SECTION("and a good bundle still imports afterwards") {
    WriteFile(bad, good.substr(0, good.size() / 2));
    require_refused(bad, "truncated");
    json imported = b.Import(good_path);
    CHECK(imported.at("new") == 8);
  }
}

TEST_CASE_METHOD(TwoNodes, "CLI: two nodes exchange bundles both ways, in full and by frontier, and converge") {
  std::string c1 = SeedCase(a, "Wang Fang");
  std::string c2 = SeedCase(a, "Li Si");

  // Full, a -> b.
  json exported = a.Export(dir.File("a1.bundle"));
  CHECK(exported.at("ops") == 8);
  std::string report = b.Ok({"bundle", "import", dir.File("a1.bundle")});
  CHECK(report == "new 8, already known 0, out of scope 0, pending 0, equivocations 0, cases touched 2\n");

  // Full, b -> a: a already holds its own ops.
  b.Ok({"case", "note", c1, "visited the applicant"});
  std::string c3 = SeedCase(b, "Zhao Liu");
  b.Export(dir.File("b1.bundle"));
  json imported = a.Import(dir.File("b1.bundle"));
  CHECK(imported.at("new") == 5);
  CHECK(imported.at("known") == 8);
  CHECK(imported.at("cases_touched") == 2);
  CHECK(a.Digest() == b.Digest());

  // By frontier, a -> b: only what b lacks.
  a.Ok({"case", "act", c3, "forward"});
  a.Ok({"case", "material", c2, "photo", "--copies", "1"});
  b.Ok({"frontier", "export", dir.File("b.frontier")});
  exported = a.Export(dir.File("a2.bundle"), dir.File("b.frontier"));
  CHECK(exported.at("ops") == 2);
  CHECK(exported.at("for_node") == "agent-b");
  imported = b.Import(dir.File("a2.bundle"));
  CHECK(imported.at("new") == 2);
  CHECK(imported.at("known") == 0);

  // By frontier, b -> a.
  b.Ok({"case", "set", c2, "address=Group 5"});
  a.Ok({"frontier", "export", dir.File("a.frontier")});
  exported = b.Export(dir.File("b2.bundle"), dir.File("a.frontier"));
  CHECK(exported.at("ops") == 1);
  imported = a.Import(dir.File("b2.bundle"));
  CHECK(imported.at("new") == 1);
  CHECK(imported.at("known") == 0);

  CHECK(a.Digest() == b.Digest());
  for (const auto& id : {c1, c2, c3}) CHECK(a.Show(id) == b.Show(id));
  CHECK(a.Json({"case", "list"}) == b.Json({"case", "list"}));
  CHECK(a.Status().at("op_count") == 16);
  CHECK(b.Status().at("op_count") == 16);
  CHECK(a.Status().at("frontier") == b.Status().at("frontier"));
}

TEST_CASE_METHOD(TwoNodes, "CLI: importing the same bundle twice reports everything already known") {
  SeedCase(a);
  a.Export(dir.File("a.bundle"));
  CHECK(b.Ok({"bundle", "import", dir.File("a.bundle")}) ==
        "new 4, already known 0, out of scope 0, pending 0, equivocations 0, cases touched 1\n");
  std::string after_first = b.Digest();
  CHECK(b.Ok({"bundle", "import", dir.File("a.bundle")}) ==
        "new 0, already known 4, out of scope 0, pending 0, equivocations 0, cases touched 0\n");
  CHECK(b.Digest() == after_first);
  CHECK(b.Digest() == a.Digest());
}

TEST_CASE_METHOD(TwoNodes,
                 "CLI: concurrent applicant_name edits raise a conflict that resolving on one node closes on both") {
  std::string id = SeedCase(a, "Wang Fang");
  a.Export(dir.File("a0.bundle"));
  b.Import(dir.File("a0.bundle"));

  std::string op_a = a.Json({"case", "set", id, "applicant_name=Wang Fang2", "--actor", "clerk-a"}).at("op");
  std::string op_b = b.Json({"case", "set", id, "applicant_name=Wang Fangg"}, {{"SILIAN_ACTOR", "clerk-b"}}).at("op");
  ExchangeBundles("1");

  const std::string conflict_id = id + "/field/applicant_name";
  for (const Node* n : {&a, &b}) {
    json conflicts = n->Conflicts();
    INFO(n->name() << ": " << conflicts.dump(2));
    REQUIRE(conflicts.size() == 1);
    CHECK(conflicts[0].at("id") == conflict_id);
    std::map<std::string, std::pair<std::string, std::string>> by_op;
    for (const auto& c : conflicts[0].at("candidates")) by_op[c.at("op")] = {c.at("value"), c.at("actor")};
    CHECK(by_op[op_a] == std::make_pair(std::string("Wang Fang2"), std::string("clerk-a")));
    CHECK(by_op[op_b] == std::make_pair(std::string("Wang Fangg"), std::string("clerk-b")));

    std::string text = n->Ok({"conflicts"});
    for (const std::string& expected : {conflict_id, op_a, op_b, std::string("Wang Fang2"), std::string("Wang Fangg"),
                                        std::string("clerk-a"), std::string("clerk-b"), std::string("applicant_name")})
      CHECK(text.find(expected) != std::string::npos);
    CHECK(n->Ok({"case", "show", id}).find("CONFLICT") != std::string::npos);
    CHECK(n->Status().at("open_conflicts") == 1);
  }
  CHECK(a.Digest() == b.Digest());
  CHECK(a.Show(id) == b.Show(id));

  a.Ok({"conflicts", "resolve", conflict_id, "--value", "Wang Fang"});
  CHECK(a.Conflicts().empty());
  CHECK(b.Conflicts().size() == 1);
  a.Export(dir.File("a2.bundle"));
  b.Import(dir.File("a2.bundle"));
  CHECK(b.Conflicts().empty());
  CHECK(b.Ok({"conflicts"}) == "no open conflicts\n");
  CHECK(a.Digest() == b.Digest());
  CHECK(a.Show(id) == b.Show(id));
  CHECK(json::parse(b.Show(id)).at("fields").at("applicant_name").at("value") == "Wang Fang");
  CHECK(b.Status().at("open_conflicts") == 0);
}

TEST_CASE_METHOD(TwoNodes, "CLI: concurrent decisions raise a transition conflict that --keep resolves on both nodes") {
  // Actions a village point may take (accepting and deciding need the registry and the catalogue).
  std::string id = SeedCase(a);
  a.Export(dir.File("a0.bundle"));
  b.Import(dir.File("a0.bundle"));

  b.Ok({"case", "act", id, "withdraw", "--reason", "applicant withdrew"});
  a.Ok({"case", "act", id, "forward"});  // later: folded after the withdrawal, so rejected
  ExchangeBundles("1");

  json conflicts = a.Conflicts();
  REQUIRE(conflicts.size() == 1);
  CHECK(conflicts == b.Conflicts());
  CHECK(conflicts[0].at("kind") == "transition");
  std::string rejected;
  for (const auto& c : conflicts[0].at("candidates"))
    if (c.at("outcome") == "rejected") rejected = c.at("op");
  REQUIRE_FALSE(rejected.empty());
  std::string conflict_id = conflicts[0].at("id");
  RequireUsageError(b.Run({"conflicts", "resolve", conflict_id, "--value", "approve"}), "--keep");

  b.Ok({"conflicts", "resolve", conflict_id, "--keep", rejected});
  b.Export(dir.File("b2.bundle"));
  a.Import(dir.File("b2.bundle"));
  CHECK(a.Conflicts().empty());
  CHECK(b.Conflicts().empty());
  CHECK(a.Show(id) == b.Show(id));
  CHECK(a.Digest() == b.Digest());
}

TEST_CASE("CLI: a node of another village counts the ops of a bundle as out of scope") {
  TempDir dir;
  Node a(dir, "agent-a");
  Node c(dir, "agent-c");
  Node t(dir, "hall-t");
  a.Init(kVillage, "01");
  c.Init(kOtherVillage, "01");
  t.Init(kTownship, "01", "township");
  SeedCase(a);
  SeedCase(a, "Li Si");
  a.Export(dir.File("a.bundle"));

  std::string before = c.Digest();
  json imported = c.Import(dir.File("a.bundle"));
  CHECK(imported.at("out_of_scope") == 8);
  CHECK(imported.at("new") == 0);
  CHECK(c.Digest() == before);
  CHECK(c.Json({"case", "list"}).empty());
  // Again: nothing new, the ledger unchanged.
  imported = c.Import(dir.File("a.bundle"));
  CHECK(imported.at("new") == 0);
  CHECK(imported.at("known").get<uint64_t>() + imported.at("out_of_scope").get<uint64_t>() == 8);
  CHECK(c.Digest() == before);

  // The township hall above both villages holds them in full.
  imported = t.Import(dir.File("a.bundle"));
  CHECK(imported.at("new") == 8);
  CHECK(imported.at("out_of_scope") == 0);
  CHECK(t.Ok({"digest", "--scope", kVillage}) == a.Digest());
}
