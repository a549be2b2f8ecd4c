// silian-bench's modes end to end on tiny workloads (--smoke), against the real programs: they run, they
// check what they must (every op arrived), and they print their figures. The figures are not asserted.
#include <string>

#include <catch2/catch.hpp>

#include "support/files.h"
#include "support/process.h"
#include "support/programs.h"

namespace silian::bench {
namespace {

bool Has(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

TEST_CASE("silian-bench seed fills a node ledger with received cases, and refuses a bad item or ledger naming it, "
          "storing nothing", "[bench]") {
  test::TempDir dir;
  const std::string db = dir.File("village.db");
  REQUIRE(test::RunProgram(test::NodeBin(), {"--db", db, "init", "--node-id", "gacha200", "--level", "village",
                                             "--division", "152222104200", "--device", "01"})
              .exit_code == 0);
  auto listed = [&] {
    const test::ProcessResult r = test::RunProgram(test::NodeBin(), {"--db", db, "--json", "case", "list"});
    REQUIRE(r.exit_code == 0);
    return nlohmann::json::parse(r.out);
  };
  const test::ProcessResult bad_item =
      test::RunProgram(SILIAN_BENCH_BIN, {"seed", "--db", db, "--item", "NO SUCH ITEM", "--cases", "3"});
  INFO(test::Describe(bad_item));
  CHECK(bad_item.exit_code != 0);
  CHECK(Has(bad_item.err, "NO SUCH ITEM"));
  CHECK(listed().empty());
  const test::ProcessResult no_ledger =
      test::RunProgram(SILIAN_BENCH_BIN, {"seed", "--db", dir.File("missing.db"), "--item", "ITEM-001"});
  CHECK(no_ledger.exit_code != 0);
  CHECK(Has(no_ledger.err, "missing.db"));
  const test::ProcessResult zero = test::RunProgram(SILIAN_BENCH_BIN, {"seed", "--db", db, "--item", "ITEM-001", "--cases", "0"});
  CHECK(zero.exit_code == 2);
  CHECK(Has(zero.err, "--cases"));

  const test::ProcessResult r =
      test::RunProgram(SILIAN_BENCH_BIN, {"seed", "--db", db, "--item", "ITEM-001", "--cases", "3", "--json"});
  INFO(test::Describe(r));
  REQUIRE(r.exit_code == 0);
  const nlohmann::json j = nlohmann::json::parse(r.out, nullptr, false);
  REQUIRE(j.is_object());
  CHECK(j["cases"] == 3);
  const nlohmann::json cases = listed();
  REQUIRE(cases.size() == 3);
  for (const auto& c : cases) CHECK(c.at("status") == "received");
}

TEST_CASE("silian-bench link --smoke pushes a node's ops through silian-netem and prints the bound", "[bench]") {
  const test::ProcessResult r = test::RunProgram(SILIAN_BENCH_BIN, {"link", "--smoke"});
  INFO(test::Describe(r));
  REQUIRE(r.exit_code == 0);
  CHECK(Has(r.out, "300 ops of one node"));
  CHECK(Has(r.out, "bound 1.2 x bytes/bw + 10 s"));
  CHECK(Has(r.out, "batches re-sent per cut"));
  CHECK(Has(r.out, "48 kbit/s each way"));
}

TEST_CASE("silian-bench link --json prints the figures as one JSON object", "[bench]") {
  const test::ProcessResult r = test::RunProgram(SILIAN_BENCH_BIN, {"link", "--smoke", "--json", "--cut-every-s", "0"});
  INFO(test::Describe(r));
  REQUIRE(r.exit_code == 0);
  const nlohmann::json j = nlohmann::json::parse(r.out, nullptr, false);
  REQUIRE(j.is_object());
  CHECK(j["ops"] == 300);
  CHECK(j["cuts"] == 0);
  CHECK(j["link_bytes_up"].get<uint64_t>() > 300);
}

TEST_CASE("silian-bench link refuses a bandwidth of zero with exit 2", "[bench]") {
  const test::ProcessResult r = test::RunProgram(SILIAN_BENCH_BIN, {"link", "--rate-kbit", "0"});
  INFO(test::Describe(r));
  CHECK(r.exit_code == 2);
  CHECK(Has(r.err, "--rate-kbit"));
}

TEST_CASE("silian-bench peer --smoke without the npm packages prints Silian's figures and how to install them",
          "[bench]") {
  // A script of its own, so that the missing packages (not a checkout without ../shared) are what is skipped.
  test::TempDir dir;
  const std::string script = (dir.path() / "pouch_replicate.js").string();
  test::WriteFile(script, "// stands in for ../shared/peers/pouch_replicate.js\n");
  const test::ProcessResult r = test::RunProgram(
      SILIAN_BENCH_BIN, {"peer", "--smoke", "--peer-script", script, "--peer-modules", "/nonexistent-silian-peers"});
  INFO(test::Describe(r));
  REQUIRE(r.exit_code == 0);
  CHECK(Has(r.out, "550 ops"));
  CHECK(Has(r.out, "SKIPPED"));
  CHECK(Has(r.out, "npm install --prefix /nonexistent-silian-peers"));
  CHECK(Has(r.out, "pouchdb-node@9.0.0"));
}

TEST_CASE("silian-bench peer refuses more updates than the status path has with exit 2", "[bench]") {
  const test::ProcessResult r = test::RunProgram(SILIAN_BENCH_BIN, {"peer", "--updates", "9"});
  INFO(test::Describe(r));
  CHECK(r.exit_code == 2);
  CHECK(Has(r.err, "--updates"));
}

}  // namespace
}  // namespace silian::bench

namespace silian::bench {
namespace {

TEST_CASE("silian-bench relay --smoke relays every county's ops to the city and prints session times", "[bench]") {
  const test::ProcessResult r = test::RunProgram(SILIAN_BENCH_BIN, {"relay", "--smoke", "--json"});
  INFO(test::Describe(r));
  REQUIRE(r.exit_code == 0);
  const nlohmann::json j = nlohmann::json::parse(r.out, nullptr, false);
  REQUIRE(j.is_object());
  CHECK(j["counties"] == 3);
  CHECK(j["ops"] == 600);
  CHECK(j["session_p99_s"].get<double>() >= j["session_p50_s"].get<double>());
  CHECK(j["city_peak_rss_bytes"].get<uint64_t>() > 0);
}

TEST_CASE("silian-bench relay refuses zero counties with exit 2", "[bench]") {
  const test::ProcessResult r = test::RunProgram(SILIAN_BENCH_BIN, {"relay", "--counties", "0"});
  INFO(test::Describe(r));
  CHECK(r.exit_code == 2);
  CHECK(Has(r.err, "--counties"));
}

}  // namespace
}  // namespace silian::bench
