// A year of cases through the real programs under the test clock (issue 11: the independent check; docs/
// report.md; docs/architecture.md, "The test clock"). A city hub, a county hub relaying to it, a township
// hall and two village points (silian-*-testclock, every one on the same shifted clock) work cases across
// 2026: over the Spring Festival and its make-up Saturday, the make-up Sunday of 4 January, May Day with an
// extension, a correction that lapses over the Dragon Boat holiday, and a case left overdue across the
// National Day week. The city's report and supervision are then checked against figures computed here,
// from the 2026 notice of the State Council written out below and the definitions of docs/report.md, not by
// calling the project's calendar or clock code.
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "launch/hub_process.h"
#include "support/files.h"
#include "support/ledger.h"
#include "support/process.h"
#include "support/programs.h"
#include "support/test_clock.h"
#include "support/wait.h"

namespace {

using nlohmann::json;
using namespace silian::test;
namespace chr = std::chrono;

// ---- The 2026 calendar, from the State Council notice of 2025-11-04 (docs: domain.md), on its own. ----

const std::set<std::string>& Rest2026() {
  static const std::set<std::string> days = [] {
    std::set<std::string> out;
    auto range = [&](int month, int first, int last) {
      for (int d = first; d <= last; ++d) {
        char buf[16];
        std::snprintf(buf, sizeof buf, "2026-%02d-%02d", month, d);
        out.insert(buf);
      }
    };
    range(1, 1, 3);    // New Year
    range(2, 15, 23);  // Spring Festival
    range(4, 4, 6);    // Qingming
    range(5, 1, 5);    // May Day
    range(6, 19, 21);  // Dragon Boat
    range(9, 25, 27);  // Mid-Autumn
    range(10, 1, 7);   // National Day
    return out;
  }();
  return days;
}
const std::set<std::string> kMakeUp2026 = {"2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20",
                                           "2026-10-10"};

chr::sys_days Day(const std::string& text) {
  int y = 0, m = 0, d = 0;
  REQUIRE(std::sscanf(text.c_str(), "%d-%d-%d", &y, &m, &d) == 3);
  return chr::sys_days(chr::year(y) / m / d);
}

std::string Text(chr::sys_days day) {
  chr::year_month_day ymd(day);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()));
  return buf;
}

bool Working(chr::sys_days day) {
  const std::string t = Text(day);
  if (Rest2026().count(t)) return false;
  if (kMakeUp2026.count(t)) return true;
  const unsigned wd = chr::weekday(day).c_encoding();  // 0 Sunday .. 6 Saturday
  return wd != 0 && wd != 6;
}

// AddWD(a, n): the n-th working day after a.
std::string AddWD(const std::string& a, int n) {
  chr::sys_days d = Day(a);
  while (n > 0) {
    d += chr::days(1);
    if (Working(d)) --n;
  }
  return Text(d);
}

// WDB(a, b): working days d with a < d <= b (0 when b <= a).
int WDB(const std::string& a, const std::string& b) {
  int n = 0;
  for (chr::sys_days d = Day(a) + chr::days(1); d <= Day(b); d += chr::days(1)) n += Working(d) ? 1 : 0;
  return n;
}

// ---- The catalogue's limits, read from the file the city publishes. ----

const std::string kCatalog = SourceFile("reference/catalog.json");
const std::string kVillageItem = "54152222MEA0Q7K6766040172800100";   // 最低生活保障申请受理, village
const std::string kTownshipItem = "1115222201158101515040158000100";  // 高龄津贴申请, township

struct Limits {
  int legal = 0;
  int promised = 0;
};
Limits LimitsOf(const std::string& code) {
  const json catalog = json::parse(ReadFile(kCatalog));
  for (const auto& item : catalog.at("items"))
    if (item.at("code") == code) {
      REQUIRE(item.at("legal_limit").at("unit") == "working_days");
      REQUIRE(item.at("promised_limit").at("unit") == "working_days");
      return {item.at("legal_limit").at("value").get<int>(), item.at("promised_limit").at("value").get<int>()};
    }
  FAIL("no item " << code << " in " << kCatalog);
  return {};
}

// ---- The network, every program a test build on one clock. ----

// Sets SILIAN_TEST_CLOCK_FILE for this process and so for the hubs it starts (launch::HubProcess passes its
// environment on); removes it again at the end, so later tests run the programs on the system clock.
struct ClockEnvironment {
  explicit ClockEnvironment(const TestClock& clock) { ::setenv("SILIAN_TEST_CLOCK_FILE", clock.path().c_str(), 1); }
  ~ClockEnvironment() { ::unsetenv("SILIAN_TEST_CLOCK_FILE"); }
};

struct Network {
  TempDir dir;
  TestClock clock{dir.File("clock")};
  ClockEnvironment env{clock};
  LedgerCli city{HubTestClockBin(), dir.File("city.db")};
  LedgerCli county{HubTestClockBin(), dir.File("county.db")};
  LedgerCli town{NodeTestClockBin(), dir.File("town.db")};
  LedgerCli v1{NodeTestClockBin(), dir.File("v1.db")};
  LedgerCli v2{NodeTestClockBin(), dir.File("v2.db")};
  std::unique_ptr<silian::launch::HubProcess> city_hub, county_hub;

  Network() {
    clock.Set("2026-01-02", 9, 0);  // a holiday: the administrators set up
    city.Ok({"init", "--node-id", "city-1522", "--level", "city", "--division", kCity});
    LedgerCli(AdminTestClockBin(), city.db()).Ok({"catalog", "import", kCatalog});
    city_hub = Start("city hub", city.db(), {});
    county.Ok({"init", "--node-id", "county-a", "--level", "county", "--division", kCounty, "--parent",
               city_hub->url()});
    Register(city, county);
    county_hub = Start("county hub", county.db(), {"--sync-interval", "0.3"});
    Node(town, "town-a", "township", kTownship);
    Node(v1, "v1", "village", kVillage);
    Node(v2, "v2", "village", kOtherVillage);
  }

  std::unique_ptr<silian::launch::HubProcess> Start(const std::string& name, const std::string& db,
                                                    const std::vector<std::string>& extra) {
    auto hub = std::make_unique<silian::launch::HubProcess>(HubTestClockBin(), name, db, dir.File(name + ".log"));
    const silian::Status started = hub->Start(extra);
    INFO(hub->LogTail());
    REQUIRE(started.ok());
    return hub;
  }

  // `node add ... --public-key` of `ledger`'s key at `hub`, as RegisterKey does with the programs.
  static void Register(const LedgerCli& hub, const LedgerCli& ledger) {
    json id = ledger.Json({"identity"});
    hub.Ok({"node", "add", id.at("node"), "--level", id.at("level"), "--division", id.at("division"),
            "--public-key", id.at("public_key")});
  }

  void Node(const LedgerCli& node, const std::string& id, const std::string& level, const std::string& division) {
    node.Ok({"init", "--node-id", id, "--level", level, "--division", division, "--hub", county_hub->url()});
    Register(county, node);  // the county allocates its area's devices; the city learns them through it
    node.Ok({"sync"});
  }

  // Every node syncs with the county; then the city holds what the county holds (same digest of the county's
  // area), the relay having carried it up; then every node syncs again to learn what the others did.
  void SyncAll() {
    for (const LedgerCli* n : {&v1, &v2, &town}) n->Ok({"sync"});
    const std::string scope = std::string(kCounty).substr(0, 6);
    bool converged = WaitUntil([&] { return city.Ok({"digest", "--scope", scope}) == county.Ok({"digest", "--scope", scope}); },
                               std::chrono::seconds(30));
    INFO("county log:\n" << county_hub->LogTail());
    REQUIRE(converged);
    for (const LedgerCli* n : {&v1, &v2, &town}) n->Ok({"sync"});
  }
};

std::string NewCase(const LedgerCli& node, const std::string& item, const std::string& actor, int person) {
  json j = node.Json({"case", "new", "--item", item, "--applicant-name", "乌云其木格", "--applicant-id",
                      ResidentId(static_cast<uint32_t>(person) + 1),
                      "--phone", "1390482000" + std::to_string(person), "--actor", actor});
  return j.at("case_id").get<std::string>();
}

void Act(const LedgerCli& node, const std::string& id, std::vector<std::string> args, const std::string& actor) {
  std::vector<std::string> full = {"case", "act", id};
  full.insert(full.end(), args.begin(), args.end());
  full.insert(full.end(), {"--actor", actor});
  node.Ok(full);
}

// A refusal with exit 2 naming `rule`, and the ledger unchanged.
void Refused(const LedgerCli& node, const std::vector<std::string>& args, const std::string& rule) {
  const std::string before = node.Digest();
  ProcessResult r = node.Run(args);
  INFO(Describe(r));
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains(rule));
  CHECK(node.Digest() == before);
}

}  // namespace

TEST_CASE("Year 2026: the city's report and supervision match figures computed from the calendar and the definitions",
          "[year][e2e]") {
  const Limits village = LimitsOf(kVillageItem), township = LimitsOf(kTownshipItem);
  Network net;

  // A. The make-up Sunday 4 January: received and accepted at v2, decided and completed on Monday 5.
  net.clock.Set("2026-01-04");
  const std::string a = NewCase(net.v2, kVillageItem, "agent-2", 0);
  Act(net.v2, a, {"receive"}, "agent-2");
  Act(net.v2, a, {"accept"}, "agent-2");
  net.clock.Set("2026-01-05", 10, 0);
  Act(net.v2, a, {"start-review"}, "agent-2");
  Act(net.v2, a, {"approve"}, "approver-2");
  Act(net.v2, a, {"complete"}, "approver-2");

  // B. Accepted on Friday 13 February, before the Spring Festival; the make-up Saturday 14 counts; decided on
  // Tuesday 24, the first working day after the holiday.
  net.clock.Set("2026-02-13");
  const std::string b = NewCase(net.v1, kVillageItem, "agent-1", 1);
  Act(net.v1, b, {"receive"}, "agent-1");
  Act(net.v1, b, {"accept"}, "agent-1");
  net.clock.Set("2026-02-24", 15, 0);
  Act(net.v1, b, {"start-review"}, "agent-1");
  Act(net.v1, b, {"approve"}, "approver-1");
  Act(net.v1, b, {"complete"}, "approver-1");
  net.SyncAll();

  // C. A township item received at v2 on 30 April and forwarded; the hall accepts it after May Day (6 May),
  // extends it once by 3 working days on 7 May (a second extension is refused), decides it on 12 May and pays
  // the subsidy.
  net.clock.Set("2026-04-30");
  const std::string c = NewCase(net.v2, kTownshipItem, "agent-2", 2);
  Act(net.v2, c, {"receive"}, "agent-2");
  Act(net.v2, c, {"forward"}, "agent-2");
  net.SyncAll();
  net.clock.Set("2026-05-06");
  Act(net.town, c, {"accept"}, "clerk-t");
  Act(net.town, c, {"start-review"}, "clerk-t");
  net.clock.Set("2026-05-07");
  Act(net.town, c, {"extend", "--reason", "入户核查", "--detail", "days=3"}, "approver-t");
  Refused(net.town, {"case", "act", c, "extend", "--reason", "再延", "--detail", "days=2", "--actor", "approver-t"},
          "extended at most once");
  net.clock.Set("2026-05-12");
  Act(net.town, c, {"approve"}, "approver-t");
  net.town.Ok({"case", "subsidy", c, "--name", "高龄津贴", "--amount", "300.00", "--bank-transfer", "TX20260512001",
               "--actor", "clerk-t"});
  Act(net.town, c, {"complete"}, "approver-t");
  net.SyncAll();

  // D. A correction requested at v1 on 17 June (due 5 working days later, over the Dragon Boat holiday):
  // refused as not lapsed on its due day, listed by the city's supervision the day after, then withdrawn.
  net.clock.Set("2026-06-17");
  const std::string d = NewCase(net.v1, kVillageItem, "agent-1", 3);
  Act(net.v1, d, {"receive"}, "agent-1");
  Act(net.v1, d, {"request-correction", "--reason", "缺少家庭收入申报表"}, "agent-1");
  const std::string correction_due = AddWD("2026-06-17", 5);
  CHECK(net.v1.Json({"case", "show", d}).at("correction").at("due") == correction_due);
  net.clock.Set(correction_due, 16, 0);
  Refused(net.v1, {"case", "lapse", d, "withdraw", "--reason", "逾期未补正", "--actor", "approver-1"},
          "it has not lapsed today");
  net.clock.Set(Text(Day(correction_due) + chr::days(1)));
  net.SyncAll();
  {
    json problems = net.city.Json({"supervise"});  // today: the clock's
    INFO(problems.dump(1));
    std::vector<json> lapsed;
    for (const auto& p : problems)
      if (p.at("problem") == "correction_lapsed") lapsed.push_back(p);
    REQUIRE(lapsed.size() == 1);
    CHECK(lapsed[0].at("case_id") == d);
    CHECK(lapsed[0].at("due") == correction_due);
  }
  net.v1.Ok({"case", "lapse", d, "withdraw", "--reason", "逾期未补正", "--actor", "approver-1"});
  CHECK(net.v1.Json({"case", "show", d}).at("status") == "withdrawn");

  // E. A township item received and accepted at the hall on Thursday 24 September, before the Mid-Autumn and
  // National Day holidays, and never decided.
  net.clock.Set("2026-09-24");
  const std::string e = NewCase(net.town, kTownshipItem, "clerk-t", 4);
  Act(net.town, e, {"receive"}, "clerk-t");
  Act(net.town, e, {"accept"}, "clerk-t");

  // The report, on 20 October, for the whole year.
  const std::string today = "2026-10-20";
  net.clock.Set(today, 11, 0);
  net.SyncAll();
  for (const auto* problems : {&net.city}) {
    json p = problems->Json({"supervise"});
    INFO(p.dump(1));
    bool lapsed_left = false;
    for (const auto& item : p) lapsed_left = lapsed_left || item.at("problem") == "correction_lapsed";
    CHECK_FALSE(lapsed_left);  // the withdrawal settled it
  }
  json report = net.city.Json({"report", "--from", "2026-01-01", "--to", "2026-12-31", "--format", "json"});
  INFO(report.dump(1));
  CHECK(report.at("today") == today);
  const json& total = report.at("total");

  // Expected, from the definitions (docs/report.md) and the calendar above.
  struct Done {
    std::string start, stopped;
    Limits limits;
    int extension_wd;
  };
  const std::vector<Done> completed = {
      {"2026-01-04", "2026-01-05", village, 0},
      {"2026-02-13", "2026-02-24", village, 0},
      {"2026-05-06", "2026-05-12", township, 3},
  };
  int on_time = 0, ahead = 0, used = 0;
  for (const auto& c_ : completed) {
    const std::string promised_due = AddWD(c_.start, c_.limits.promised + c_.extension_wd);
    used += WDB(c_.start, c_.stopped);
    if (Day(c_.stopped) <= Day(promised_due)) {
      ++on_time;
      ahead += WDB(c_.stopped, promised_due);
    }
  }
  // Case E: overdue when today is past its promised or legal due day.
  const bool e_overdue = Day(today) > Day(AddWD("2026-09-24", township.promised)) ||
                         Day(today) > Day(AddWD("2026-09-24", township.legal));
  CHECK(total.at("received") == 5);
  CHECK(total.at("accepted") == 4);  // A, B, C (at the hall), E; D never was
  CHECK(total.at("completed") == 3);
  CHECK(total.at("completed_on_time") == on_time);
  CHECK(total.at("ahead_wd_total") == ahead);
  CHECK(total.at("average_handling_wd").get<double>() == Approx(static_cast<double>(used) / 3));
  CHECK(total.at("overdue_now") == (e_overdue ? 1 : 0));
  CHECK(total.at("warning_now") == 0);
  CHECK(total.at("subsidies") == 1);
  CHECK(total.at("subsidies_paid_fen") == 30000);
  // What these come to, so that a reader can check them by hand: A ahead 1 (due 6 Jan), B ahead 0 (due 24 Feb:
  // the 14th counts, the holiday does not), C ahead 7 (due 21 May with the extension, 18 May without).
  CHECK(on_time == 3);
  CHECK(ahead == 8);
  CHECK(e_overdue);
  CHECK(AddWD("2026-09-24", township.promised) == "2026-10-14");

  // The case view at the node agrees on the extension and E's due days.
  json clocks = net.town.Json({"case", "show", c}).at("clocks");
  CHECK(clocks.at("extension_wd") == 3);
  json e_clocks = net.town.Json({"case", "show", e}).at("clocks");
  INFO(e_clocks.dump(1));
  CHECK(e_clocks.at("promised").at("due") == AddWD("2026-09-24", township.promised));
  CHECK(e_clocks.at("legal").at("due") == AddWD("2026-09-24", township.legal));
  CHECK(e_clocks.at("promised").at("state") == "overdue");
}

TEST_CASE("The programs refuse to run under SILIAN_TEST_CLOCK_FILE: only their test builds move the clock",
          "[year]") {
  TempDir dir;
  TestClock clock(dir.File("clock"));
  clock.Set("2026-01-05");
  for (const std::string& bin : {NodeBin(), HubBin(), AdminBin()}) {
    ProcessResult r = RunProgram(bin, {"--db", dir.File("x.db"), "digest"}, clock.env());
    INFO(Describe(r));
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("SILIAN_TEST_CLOCK_FILE") && Catch::Contains("system clock"));
    CHECK_FALSE(std::filesystem::exists(dir.File("x.db")));
  }
  // The test build honours it: a case a hub's clerk takes under the clock is numbered with that day.
  LedgerCli hub(HubTestClockBin(), dir.File("hub.db"));
  REQUIRE(RunProgram(hub.program(), {"--db", hub.db(), "init", "--node-id", "c", "--level", "county", "--division",
                                     kCounty},
                     clock.env())
              .exit_code == 0);
  REQUIRE(RunProgram(AdminTestClockBin(), {"--db", hub.db(), "catalog", "import", kCatalog}, clock.env()).exit_code == 0);
  json created = hub.Json({"case", "new", "--item", kVillageItem, "--applicant-name", "乌云", "--applicant-id",
                           "152222198001010017", "--division", kVillage, "--actor", "clerk-1"},
                          clock.env());
  CHECK(created.at("case_number").get<std::string>().find("-20260105-") != std::string::npos);
}
