// Attacks by file (issue 9, "Files"), each against the real programs: silian-node and silian-admin run as
// processes on ledgers in a temporary directory, given files written by hand from the formats
// (docs/protocol.md, docs/catalog-format.md, docs/calendar-format.md). Each asserts the refusal, its
// message, and that nothing stored changed (the digest), and, for writers, what reached the disk.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ledger/bundle.h"
#include "support/files.h"
#include "support/ledger.h"
#include "support/process.h"
#include "support/programs.h"

namespace silian::test {
namespace {

using nlohmann::json;

const std::string kCatalog = SourceFile("reference/catalog.json");
const std::string kNaadam = SourceFile("reference/calendars/152222-naadam.json");

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// Permission bits of the file at `path` (not following a link).
unsigned ModeOf(const std::string& path) {
  struct stat st {};
  REQUIRE(::lstat(path.c_str(), &st) == 0);
  return static_cast<unsigned>(st.st_mode) & 0777u;
}

// The names in `dir`, for "nothing else was left behind".
std::vector<std::string> Names(const TempDir& dir) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

class Node : public LedgerCli {
 public:
  Node(const TempDir& dir, std::string name) : LedgerCli(NodeBin(), dir.File(name + ".db")), name_(std::move(name)) {}
  const std::string& name() const { return name_; }

  void Init(const std::string& level, const std::string& division, const std::string& device = "01") const {
    Ok({"init", "--node-id", name_, "--level", level, "--division", division, "--device", device});
  }
  void NewCase(const std::string& applicant, const std::string& phone) const {
    Ok({"case", "new", "--item", "152222000000000001-1-00001", "--applicant-name", applicant, "--applicant-id",
        ResidentIdOf("15222219800101001"), "--phone", phone, "--channel", "agent"});
  }

 private:
  std::string name_;
};

// A township hall laptop holding the cases of two villages, as after both carried their bundles to it.
struct Township {
  TempDir dir;
  Node hall{dir, "hall"};
  Node a{dir, "village-a"};
  Node b{dir, "village-b"};
  Township() {
    hall.Init("township", kTownship);
    a.Init("village", kVillage);
    b.Init("village", kOtherVillage);
    a.NewCase("Bayar", "13800000001");
    b.NewCase("Sarnai", "13800000002");
    a.Ok({"bundle", "export", dir.File("a.bundle")});
    b.Ok({"bundle", "export", dir.File("b.bundle")});
    hall.Ok({"bundle", "import", dir.File("a.bundle")});
    hall.Ok({"bundle", "import", dir.File("b.bundle")});
  }

  // A frontier file of village-b whose holder scope is `scope`, written by hand.
  std::string ForgedFrontier(const std::string& scope, const std::string& name = "forged.frontier") const {
    pb::Frontier f;
    f.set_node_id(b.name());
    f.set_scope(scope);
    WriteFile(dir.File(name), sync::EncodeFrontierFile(f));
    return dir.File(name);
  }
};

TEST_CASE("File attacks: a frontier file cannot widen the holder's scope beyond one village", "[file_attacks]") {
  Township t;
  const std::string digest = t.hall.Digest();
  struct Attack {
    std::string scope;
    std::vector<std::string> needles;
  };
  const std::vector<Attack> attacks = {
      {"", {"claims holder scope \"\"", "must be a division prefix of 4, 6, 9 or 12 digits"}},
      {"1522", {"claims holder scope \"1522\"", "not within this node's scope \"152222104\""}},
      {"152222104", {"claims holder scope \"152222104\"", "unknown holder is taken as a village laptop",
                     "--holder-scope 152222104"}},
      {"15222210", {"claims holder scope \"15222210\"", "must be a division prefix"}},
      {"152222105300", {"claims holder scope \"152222105300\"", "not within this node's scope"}},
  };
  for (const Attack& attack : attacks) {
    INFO("holder scope " << attack.scope);
    const std::string forged = t.ForgedFrontier(attack.scope);
    const std::vector<std::string> before = Names(t.dir);
    ProcessResult r = t.hall.Run({"bundle", "export", t.dir.File("stick.bundle"), "--for", forged});
    std::vector<std::string> needles = attack.needles;
    needles.push_back("forged.frontier");
    RequireRefused(r, "silian-node", needles);
    CHECK(Names(t.dir) == before);  // no bundle, no temporary file
    CHECK(t.hall.Digest() == digest);
  }
}

TEST_CASE("File attacks: an honest frontier gets its own village only, and the export names the scope first",
          "[file_attacks]") {
  Township t;
  // A second laptop of village-b, new, asks the hall for everything it may hold.
  Node fresh(t.dir, "village-b2");
  fresh.Init("village", kOtherVillage, "02");
  fresh.Ok({"frontier", "export", t.dir.File("b2.frontier")});
  ProcessResult r = RunProgram(NodeBin(), {"--db", t.hall.db(), "--json", "bundle", "export",
                                           t.dir.File("for-b.bundle"), "--for", t.dir.File("b2.frontier")});
  INFO(Describe(r));
  REQUIRE(r.exit_code == 0);
  CHECK(Contains(r.err, "exporting scope \"" + std::string(kOtherVillage) + "\" (1 case) for node \"village-b2\""));
  json out = json::parse(r.out);
  CHECK(out.at("scope") == kOtherVillage);
  CHECK(out.at("cases") == 1);
  CHECK(ModeOf(t.dir.File("for-b.bundle")) == 0600u);

  // What reached the stick: village-b's case, nothing of village-a.
  fresh.Ok({"bundle", "import", t.dir.File("for-b.bundle")});
  std::string list = fresh.Ok({"case", "list"});
  CHECK(Contains(list, "Sarnai"));
  CHECK_FALSE(Contains(list, "Bayar"));
}

TEST_CASE("File attacks: a holder wider than a village needs the clerk's --holder-scope, within the exporter's",
          "[file_attacks]") {
  Township t;
  Node hall2(t.dir, "hall-2");
  hall2.Init("township", kTownship, "02");
  hall2.Ok({"frontier", "export", t.dir.File("hall2.frontier")});
  const std::string digest = t.hall.Digest();

  RequireRefused(t.hall.Run({"bundle", "export", t.dir.File("x.bundle"), "--for", t.dir.File("hall2.frontier")}),
                 "silian-node", {"\"152222104\"", "--holder-scope 152222104"});
  RequireRefused(t.hall.Run({"bundle", "export", t.dir.File("x.bundle"), "--for", t.dir.File("hall2.frontier"),
                             "--holder-scope", "1522"}),
                 "silian-node", {"--holder-scope \"1522\" is not within this node's scope \"152222104\""});
  RequireRefused(t.hall.Run({"bundle", "export", t.dir.File("x.bundle"), "--for", t.dir.File("hall2.frontier"),
                             "--holder-scope", kOtherVillage}),
                 "silian-node", {"wider than --holder-scope \"" + std::string(kOtherVillage) + "\""});
  RequireRefused(t.hall.Run({"bundle", "export", t.dir.File("x.bundle"), "--holder-scope", kTownship}),
                 "silian-node", {"needs --for"});
  CHECK_FALSE(std::filesystem::exists(t.dir.File("x.bundle")));
  CHECK(t.hall.Digest() == digest);

  json out = t.hall.Json({"bundle", "export", t.dir.File("x.bundle"), "--for", t.dir.File("hall2.frontier"),
                          "--holder-scope", "152222104"});
  CHECK(out.at("scope") == "152222104");
  CHECK(out.at("cases") == 2);
}

TEST_CASE("File attacks: bundles, frontier files and ledgers are written 0600 whatever the umask",
          "[file_attacks]") {
  TempDir dir;
  Node a(dir, "village-a");
  const mode_t old = ::umask(0);  // the programs inherit a careless umask
  a.Init("village", kVillage);
  a.NewCase("Bayar", "13800000001");
  a.Ok({"bundle", "export", dir.File("a.bundle")});
  a.Ok({"frontier", "export", dir.File("a.frontier")});
  ::umask(old);
  CHECK(ModeOf(dir.File("a.bundle")) == 0600u);
  CHECK(ModeOf(dir.File("a.frontier")) == 0600u);
  CHECK(ModeOf(a.db()) == 0600u);
  // An export over an existing file leaves it 0600 too, and leaves no temporary file.
  ::chmod(dir.File("a.bundle").c_str(), 0644);
  a.Ok({"bundle", "export", dir.File("a.bundle")});
  CHECK(ModeOf(dir.File("a.bundle")) == 0600u);
  for (const std::string& name : Names(dir)) CHECK_FALSE(Contains(name, ".tmp"));
}

TEST_CASE("File attacks: a planted symbolic link is never followed by a writer", "[file_attacks]") {
  TempDir dir;
  Node a(dir, "village-a");
  a.Init("village", kVillage);
  a.NewCase("Bayar", "13800000001");
  const std::string victim = dir.File("victim.txt");
  WriteFile(victim, "precious\n");

  SECTION("at the old temporary name FILE.tmp") {
    REQUIRE(::symlink(victim.c_str(), dir.File("out.bundle.tmp").c_str()) == 0);
    a.Ok({"bundle", "export", dir.File("out.bundle")});
    CHECK(ReadFile(victim) == "precious\n");
    CHECK(ModeOf(dir.File("out.bundle")) == 0600u);
    REQUIRE(::symlink(victim.c_str(), dir.File("out.frontier.tmp").c_str()) == 0);
    a.Ok({"frontier", "export", dir.File("out.frontier")});
    CHECK(ReadFile(victim) == "precious\n");
  }
  SECTION("at the target itself") {
    REQUIRE(::symlink(victim.c_str(), dir.File("out.bundle").c_str()) == 0);
    RequireRefused(a.Run({"bundle", "export", dir.File("out.bundle")}), "silian-node",
                   {"out.bundle", "is a symbolic link"});
    REQUIRE(::symlink(victim.c_str(), dir.File("out.frontier").c_str()) == 0);
    RequireRefused(a.Run({"frontier", "export", dir.File("out.frontier")}), "silian-node",
                   {"out.frontier", "is a symbolic link"});
    CHECK(ReadFile(victim) == "precious\n");
    CHECK(std::filesystem::is_symlink(dir.File("out.bundle")));
  }
}

// A county hub and silian-admin on its ledger.
struct County {
  TempDir dir;
  LedgerCli hub{HubBin(), dir.File("county.db")};
  LedgerCli admin{AdminBin(), hub.db()};
  County() { hub.Ok({"init", "--node-id", "c", "--level", "county", "--division", kCounty}); }

  // Refused with exit 2 naming every needle; the ledger unchanged.
  void RequireImportRefused(const std::string& what, const std::string& text,
                            const std::vector<std::string>& needles) const {
    const std::string digest = hub.Digest();
    const std::string file = dir.File(what == "catalog" ? "bad-catalog.json" : "bad-calendar.json");
    WriteFile(file, text);
    RequireRefused(admin.Run({what, "import", file}), "silian-admin", needles);
    CHECK(hub.Digest() == digest);
  }
};

std::string Nested(size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

TEST_CASE("File attacks: catalogue and calendar JSON nested 100,000 deep is refused, not a crash",
          "[file_attacks]") {
  County county;
  const std::string deep = Nested(100000);
  county.RequireImportRefused("catalog", deep, {"bad-catalog.json", "nested deeper than 16 levels"});
  county.RequireImportRefused("calendar", deep, {"bad-calendar.json", "nested deeper than 16 levels"});
  county.RequireImportRefused("catalog", "{\"format\": 1, \"items\": " + Nested(40) + "}",
                              {"nested deeper than 16 levels"});
}

TEST_CASE("File attacks: an oversize catalogue is refused by its size before it is read", "[file_attacks]") {
  County county;
  std::string big = "{\"format\": 1, \"items\": []}";
  big.append((16u << 20) + 1 - big.size(), ' ');
  county.RequireImportRefused("catalog", big, {"catalogue", "has 16777217 bytes; the limit is 16777216"});
}

TEST_CASE("File attacks: control and bidirectional characters in catalogue and calendar text are refused by "
          "field and code point",
          "[file_attacks]") {
  County county;
  json catalog = json::parse(ReadFile(kCatalog));
  const std::string code = catalog["items"][0]["code"];
  struct Bad {
    std::string field;
    std::string value;
    std::string needle;
  };
  const std::vector<Bad> bad = {
      {"name", "Birth \xE2\x80\xAE" "gnirts", "name holds U+202E (right-to-left override) at character 7"},
      {"name", "\xE2\x81\xA6x\xE2\x81\xA9", "name holds U+2066 (left-to-right isolate) at character 1"},
      {"name", "a\xE2\x80\x8F", "name holds U+200F (right-to-left mark) at character 2"},
      {"name", "a\xD8\x9C", "name holds U+061C (arabic letter mark)"},
      {"lead_department", "x\x1B[2J", "lead_department holds U+001B (a control character) at character 2"},
      {"name", "x\xC2\x85", "name holds U+0085 (a control character)"},
      {"name", "x\xEF\xBB\xBF", "name holds U+FEFF (byte-order mark)"},
  };
  for (const Bad& b : bad) {
    INFO(b.needle);
    json doc = catalog;
    doc["items"][0][b.field] = b.value;
    county.RequireImportRefused("catalog", doc.dump(1), {"items[0] (\"" + code + "\")", b.needle});
  }
  json calendar = json::parse(ReadFile(kNaadam));
  calendar["days"][0]["reason"] = "Naadam\xE2\x80\xAE";
  county.RequireImportRefused("calendar", calendar.dump(1),
                              {"days[0].reason holds U+202E (right-to-left override) at character 7"});
}

TEST_CASE("File attacks: a UTF-8 byte-order mark is accepted and stripped, any other refused by name",
          "[file_attacks]") {
  County county;
  const std::string text = ReadFile(kCatalog);
  WriteFile(county.dir.File("bom.json"), "\xEF\xBB\xBF" + text);
  json dry = RunJson(AdminBin(), {"--db", county.hub.db(), "--json", "catalog", "import",
                                  county.dir.File("bom.json"), "--dry-run"});
  CHECK(dry.at("items") == json::parse(text).at("items").size());

  county.RequireImportRefused("catalog", "\xEF\xBB\xBF\xEF\xBB\xBF" + text, {"two byte-order marks"});
  county.RequireImportRefused("catalog", "\xFF\xFE{", {"UTF-16 (little-endian) byte-order mark", "save the file as UTF-8"});
  county.RequireImportRefused("calendar", "\xFE\xFF{", {"UTF-16 (big-endian) byte-order mark"});
}

}  // namespace
}  // namespace silian::test
