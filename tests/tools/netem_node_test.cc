// silian-node sync --watch through silian-netem's proxy, against a real hub: a link that is slow, lossy and
// cut while the node pushes still gets every case to the hub, because the watch starts another session and
// the client resumes where the hub's receipt says.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "netem/proxy.h"
#include "support/files.h"
#include "support/hub_harness.h"
#include "support/ledger.h"
#include "support/process.h"
#include "support/programs.h"

namespace silian::test {
namespace {

constexpr const char* kItem = "11152222MB1234567X-1-001";

TEST_CASE("silian-node sync --watch gets its cases to the hub over a slow link cut during the push",
          "[netem][e2e]") {
  TempDir dir;
  const std::string hub_db = dir.File("county.db");
  InitHub(hub_db, "county-a", "county", kCounty, {{"vil-a1", "village", kVillage}});
  HubProcess hub("county hub", hub_db, dir.File("county.log"));
  hub.Start();
  const std::string node_db = dir.File("a1.db");
  RunOk(NodeBin(), {"--db", node_db, "init", "--node-id", "vil-a1", "--level", "village", "--division", kVillage,
                    "--hub", hub.url()});
  RegisterKey(hub_db, node_db);
  for (uint32_t n = 1; n <= 12; ++n)
    RunOk(NodeBin(), {"--db", node_db, "case", "new", "--item", kItem, "--applicant-name",
                      "Applicant " + std::to_string(n), "--applicant-id", ResidentId(n)});
  const uint64_t node_ops = RunJson(NodeBin(), {"--db", node_db, "--json", "status"}).at("op_count").get<uint64_t>();
  const uint64_t hub_before = hub.Status().at("op_count").get<uint64_t>();

  // 8 kbit/s, 100 ms, 2% loss: the first session takes seconds, so the first cut, 1 s in, hits it; the
  // next comes 8 s later, time enough for the session after it.
  netem::ProxyOptions o;
  o.target_port = hub.port();
  o.link.rate_bytes_per_s = 1000;
  o.link.one_way_delay_us = 50000;
  o.link.loss = 0.02;
  o.first_cut_s = 1;
  o.cut_every_s = 8;
  o.seed = 20261201;
  INFO("netem seed " << o.seed);
  auto proxy = netem::Proxy::Listen(o);
  REQUIRE(proxy.ok());
  std::atomic<bool> stop{false};
  std::thread serve([&] { (*proxy)->Run(stop, [](const std::string&) {}).IgnoreError(); });
  const int log = ::open(dir.File("watch.log").c_str(), O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0600);
  REQUIRE(log >= 0);
  auto pid = launch::Spawn({NodeBin(), "--db", node_db, "sync", "--watch", "--interval", "1", "--hub",
                            "http://127.0.0.1:" + std::to_string((*proxy)->port())},
                           ProgramEnv(), launch::ChildFds{-1, log, log});
  ::close(log);
  REQUIRE(pid.ok());
  // The node's cases and its registration's ops at the hub: every op of the node arrived.
  uint64_t held = 0;
  for (int i = 0; i < 600 && held < hub_before + node_ops - 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    held = hub.Status().at("op_count").get<uint64_t>();
  }
  ::kill(*pid, SIGTERM);
  launch::WaitForExit(*pid);
  stop = true;
  serve.join();
  INFO(ReadFile(dir.File("watch.log")));
  INFO("bytes up " << (*proxy)->stats().bytes_up << ", down " << (*proxy)->stats().bytes_down << ", connections "
                   << (*proxy)->stats().connections);
  CHECK((*proxy)->stats().connections_cut >= 1);  // the cut hit the node's connection
  CHECK(Trim(RunOk(NodeBin(), {"--db", node_db, "digest", "--scope", kVillage})) == HubDigest(hub_db, kVillage));
}

}  // namespace
}  // namespace silian::test
