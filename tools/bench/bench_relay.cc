#include "bench/bench_relay.h"

#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/bench_util.h"
#include "bench/hub_probe.h"
#include "bench/workload.h"
#include "console/node_keys.h"
#include "http/curl_transport.h"
#include "net/client.h"
#include "domain/store.h"
#include "launch/child_process.h"
#include "launch/hub_process.h"

namespace silian::bench {
namespace {

using nlohmann::json;

constexpr const char* kCityHubId = "city-1522";
constexpr const char* kCityDivision = "152200000000";
constexpr int kMaxCounties = 40;
constexpr double kRelayTimeoutS = 600;
constexpr uint64_t kPeakTargetBytes = 256ull << 20;

struct County {
  std::string code;  // 6 digits
  std::string id;
  std::string db;
  uint64_t ops = 0;        // ops of its hall
  uint64_t own_ops = 0;    // everything the county holds before it starts (hall, catalogue, registrations)
  uint64_t start_ms = 0;   // wall clock at its start
  double session_s = 0;    // its start .. its relay's first session ended
  std::unique_ptr<launch::HubProcess> hub;
};

Result<std::string> Hub(const std::string& bin, const std::vector<std::string>& args, const std::string& log) {
  SILIAN_ASSIGN_OR_RETURN(launch::ProcessResult r, launch::RunProcess(bin, args));
  if (r.exit_code != 0)
    return Internal("`silian-hub" + launch::CommandLine("", args) + "` exited with code " +
                    std::to_string(r.exit_code) + ": " + r.err.substr(0, 600) + " (log " + log + ")");
  return r.out;
}

// County `c`: init with the city as parent, registered at the city with its key, its hall's ops imported.
Status MakeCounty(const RelayBenchOptions& o, const std::string& dir, const std::string& hub_bin,
                  const std::string& city_db, const std::string& city_url, int index, County& c) {
  const std::string log = dir + "/commands.log";
  SILIAN_RETURN_IF_ERROR(Hub(hub_bin, {"--db", c.db, "init", "--node-id", c.id, "--level", "county", "--division",
                                       c.code + "000000", "--parent", city_url}, log).status());
  SILIAN_ASSIGN_OR_RETURN(std::string identity, Hub(hub_bin, {"--db", c.db, "--json", "identity"}, log));
  const json id = json::parse(identity, nullptr, false);
  if (!id.is_object() || !id.contains("public_key")) return Internal("silian-hub identity printed no public key");
  SILIAN_RETURN_IF_ERROR(Hub(hub_bin, {"--db", city_db, "node", "add", c.id, "--level", "county", "--division",
                                       c.code + "000000", "--public-key", id["public_key"].get<std::string>()}, log)
                             .status());
  const std::string township = c.code + "101";
  const sync::NodeConfig config{sync::NodeId{"th-" + township}, sync::Level::kTownship,
                                sync::DivisionCode{township + "000"}, "01"};
  sync::ManualWallClock wall(0);
  sync::LedgerStore::Options so;
  so.durable = false;
  so.wall = &wall;
  SILIAN_ASSIGN_OR_RETURN(auto hall, sync::LedgerStore::Create(dir + "/" + config.node_id.value + ".db", config, so));
  SILIAN_ASSIGN_OR_RETURN(auto county, sync::LedgerStore::Open(c.db, sync::LedgerStore::Options()));
  {
    // The county's first session, in-process: the city's registry (its root, the county's registration),
    // without which the county's own registrations and catalogue wait for their authority.
    SILIAN_ASSIGN_OR_RETURN(auto transport, sync::CurlTransport::Create(city_url));
    sync::SyncOptions options;
    options.node_keys = console::RegistryKeyLookup();
    sync::SyncClient client(county->ledger(), *transport, city_url, options);
    SILIAN_RETURN_IF_ERROR(client.SyncOnce().status());
  }
  SILIAN_RETURN_IF_ERROR(PublishCatalogue(*county, {hall.get()}));
  SILIAN_ASSIGN_OR_RETURN(HallWorkloadReport report,
                          AuthorHallWorkload(*hall, wall, o.seed + static_cast<uint64_t>(index), o.ops_per_county));
  c.ops = report.ops;
  SILIAN_ASSIGN_OR_RETURN(auto import, county->BeginImport());
  pb::Batch batch;
  const Status exported = hall->Export(pb::Frontier(), [&](pb::Entry e) -> Status {
    *batch.add_entries() = std::move(e);
    if (batch.entries_size() < 5000) return Status::Ok();
    SILIAN_RETURN_IF_ERROR(hall->ledger().AttachHeads(&batch));  // signed as a push from the hall would be
    Status added = import->Add(batch);
    batch.Clear();
    return added;
  });
  SILIAN_RETURN_IF_ERROR(exported);
  SILIAN_RETURN_IF_ERROR(hall->ledger().AttachHeads(&batch));
  SILIAN_RETURN_IF_ERROR(import->Add(batch));
  SILIAN_ASSIGN_OR_RETURN(sync::ImportStats stats, import->Commit(nullptr));
  if (stats.pending != 0 || stats.equivocations != 0)
    return Internal("county " + c.code + " imported its hall's ops with " + std::to_string(stats.pending) +
                    " pending and " + std::to_string(stats.equivocations) + " equivocations");
  SILIAN_ASSIGN_OR_RETURN(sync::StoreStatus st, county->GetStatus());
  c.own_ops = st.op_count;
  return Status::Ok();
}

// Starts every county, then waits until each relay's first session has ended.
Status RelayAll(std::vector<County>& counties, const std::string& hub_bin, const std::string& dir,
                const Progress& progress) {
  for (County& c : counties) {
    c.hub = std::make_unique<launch::HubProcess>(hub_bin, "county hub " + c.code, c.db, dir + "/" + c.id + ".log");
    c.start_ms = sync::SystemWallClock().NowMs();
    SILIAN_RETURN_IF_ERROR(c.hub->Start({"--sync-interval", "3600"}));
  }
  progress("      " + std::to_string(counties.size()) + " county hubs started; waiting for their relays");
  const auto t0 = Clock::now();
  size_t done = 0;
  while (done < counties.size()) {
    if (Seconds(t0, Clock::now()) > kRelayTimeoutS)
      return Internal(std::to_string(counties.size() - done) + " relays did not finish within " +
                      Fixed(kRelayTimeoutS, 0) + " s");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    done = 0;
    for (County& c : counties) {
      if (c.session_s > 0) {
        ++done;
        continue;
      }
      SILIAN_ASSIGN_OR_RETURN(json st, c.hub->StatusJson());
      const uint64_t ms = st["upstream"].value("last_success_ms", uint64_t{0});
      if (ms > c.start_ms) {
        c.session_s = static_cast<double>(ms - c.start_ms) / 1000;
        ++done;
      }
    }
  }
  return Status::Ok();
}

}  // namespace

void ApplyRelaySmoke(RelayBenchOptions& options) {
  options.counties = 3;
  options.ops_per_county = 200;
}

Status RunRelay(const RelayBenchOptions& o, std::ostream& out, std::ostream& err) {
  if (o.counties < 1 || o.counties > kMaxCounties)
    return InvalidArgument("--counties " + std::to_string(o.counties) + " must be 1 to " + std::to_string(kMaxCounties));
  SILIAN_ASSIGN_OR_RETURN(std::string hub_bin, LocateProgram(o.hub_bin, "../hub/silian-hub", "--hub-bin"));
  ScratchDir scratch;
  SILIAN_RETURN_IF_ERROR(scratch.Make(o.dir, o.dir.empty() && !o.keep));
  const std::string dir = scratch.path();
  Progress progress = [&](const std::string& line) { err << "silian-bench: " << line << "\n" << std::flush; };
  progress("seed " + std::to_string(o.seed) + ", scratch " + dir);
  const std::string city_db = dir + "/city.db";
  SILIAN_RETURN_IF_ERROR(Hub(hub_bin, {"--db", city_db, "init", "--node-id", kCityHubId, "--level", "city",
                                       "--division", kCityDivision}, dir).status());
  launch::HubProcess city(hub_bin, "city hub", city_db, dir + "/city.log");
  SILIAN_RETURN_IF_ERROR(city.Start({}));
  progress("[1/2] " + std::to_string(o.counties) + " county hubs, each with " + Grouped(o.ops_per_county) +
           " ops of a hall of its own");
  std::vector<County> counties(static_cast<size_t>(o.counties));
  uint64_t expected = 0;
  for (int i = 0; i < o.counties; ++i) {
    County& c = counties[static_cast<size_t>(i)];
    c.code = "1522" + std::string(i + 31 < 10 ? "0" : "") + std::to_string(i + 31);  // 152231, 152232, ...
    c.id = "county-" + c.code;
    c.db = dir + "/" + c.id + ".db";
    SILIAN_RETURN_IF_ERROR(MakeCounty(o, dir, hub_bin, city_db, city.url(), i, c));
    expected += c.ops;
  }
  SILIAN_ASSIGN_OR_RETURN(json before, city.StatusJson());
  const uint64_t city_before = before.value("op_count", uint64_t{0});
  progress("[2/2] every county hub starts; each relay pushes its ops to the city");
  const auto t0 = Clock::now();
  SILIAN_RETURN_IF_ERROR(RelayAll(counties, hub_bin, dir, progress));
  const double all_s = Seconds(t0, Clock::now());
  SILIAN_ASSIGN_OR_RETURN(json after, city.StatusJson());
  const uint64_t city_after = after.value("op_count", uint64_t{0});
  if (city_after < city_before + expected)
    return Internal("the city holds " + std::to_string(city_after) + " ops after the relays, expected at least " +
                    std::to_string(city_before + expected));
  SILIAN_ASSIGN_OR_RETURN(uint64_t city_peak, PeakResidentBytes(city.pid()));
  std::vector<double> ms;
  for (County& c : counties) {
    ms.push_back(c.session_s * 1000);
    if (c.hub->Stop().code != 0) return Internal(c.hub->name() + " did not stop cleanly: " + c.hub->LogTail(600));
  }
  if (city.Stop().code != 0) return Internal("the city hub did not stop cleanly: " + city.LogTail(600));
  const Latencies l = Summarize(ms);
  json j = {{"mode", "relay"},         {"seed", o.seed},
            {"counties", o.counties},  {"ops_per_county", o.ops_per_county},
            {"ops", expected},         {"all_relayed_s", all_s},
            {"session_p50_s", l.p50_ms / 1000}, {"session_p99_s", l.p99_ms / 1000}, {"session_max_s", l.max_ms / 1000},
            {"city_peak_rss_bytes", city_peak}};
  if (o.json) {
    out << j.dump(2) << "\n";
    return Status::Ok();
  }
  std::string t = "silian-bench relay: " + std::to_string(o.counties) + " county hubs relaying to one city at once\n";
  t += Row("ops relayed", Grouped(expected) + " (" + Grouped(o.ops_per_county) + " a county)");
  t += Row("relay first sessions", "p50 " + Fixed(l.p50_ms / 1000, 2) + " s, p99 " + Fixed(l.p99_ms / 1000, 2) +
                                       " s, max " + Fixed(l.max_ms / 1000, 2) + " s (from each hub's start)");
  t += Row("all relayed after", Fixed(all_s, 2) + " s");
  t += Row("city peak resident (VmHWM)", Fixed(static_cast<double>(city_peak) / (1 << 20), 1) +
                                             " MiB; target < 256 MiB  " + Verdict(city_peak < kPeakTargetBytes));
  out << t << std::flush;
  return Status::Ok();
}

}  // namespace silian::bench
