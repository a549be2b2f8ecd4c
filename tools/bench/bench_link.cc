#include "bench/bench_link.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <regex>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/bench_util.h"
#include "bench/workload.h"
#include "console/link_batch.h"
#include "console/sizing_transport.h"
#include "console/node_keys.h"
#include "domain/store.h"
#include "http/curl_transport.h"
#include "launch/child_process.h"
#include "launch/hub_process.h"
#include "net/client.h"

namespace silian::bench {
namespace {

using nlohmann::json;

constexpr const char* kCountyHubId = "county-152222";
constexpr const char* kCountyDivision = "152222000000";
constexpr double kRetryS = 1.0;               // the node's first backoff after a failed session
constexpr double kGiveUpFactor = 5;          // a run this many times its bound has failed

void ApplySmokeDefaults(LinkBenchOptions& o) {
  o.ops = 300;
  o.rate_kbit = 48;
  o.rtt_ms = 40;
  o.loss_percent = 1;
  o.cut_every_s = 2;
  o.first_cut_s = 1;
}

// ---------------------------------------------------------------------------------------------- the proxy

// A silian-netem process, stopped (SIGTERM) when it goes away. Its stderr goes to a log file, in which it
// announces its port.
class Netem {
 public:
  Netem(std::string bin, std::string log_path, std::string stats_path)
      : bin_(std::move(bin)), log_path_(std::move(log_path)), stats_path_(std::move(stats_path)) {}
  ~Netem() {
    if (pid_ > 0) Stop().status().IgnoreError();
  }
  Netem(const Netem&) = delete;
  Netem& operator=(const Netem&) = delete;

  Status Start(const LinkBenchOptions& o, int target_port) {
    const int log_fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (log_fd < 0) return Internal("cannot open " + Quote(log_path_));
    std::vector<std::string> argv = {bin_, "--listen", "127.0.0.1:0", "--to", "127.0.0.1:" + std::to_string(target_port),
                                     "--rate-kbit", Fixed(o.rate_kbit, 3), "--rtt-ms", Fixed(o.rtt_ms, 3),
                                     "--loss-percent", Fixed(o.loss_percent, 4), "--cut-every-s", Fixed(o.cut_every_s, 3), "--first-cut-s", Fixed(o.first_cut_s, 3),
                                     "--seed", std::to_string(o.seed), "--stats-file", stats_path_};
    auto pid = launch::Spawn(argv, {}, launch::ChildFds{-1, log_fd, log_fd});
    ::close(log_fd);
    if (!pid.ok()) return pid.status();
    pid_ = *pid;
    // "silian-netem: listening on 127.0.0.1:PORT, ..."
    static const std::regex kListening("listening on 127\\.0\\.0\\.1:([0-9]+)");
    for (int i = 0; i < 200; ++i) {
      std::smatch m;
      const std::string log = launch::ReadWholeFile(log_path_);
      if (std::regex_search(log, m, kListening)) {
        port_ = std::stoi(m[1].str());
        return Status::Ok();
      }
      int code = 0;
      if (launch::TryReap(pid_, &code)) {
        pid_ = -1;
        return Internal("silian-netem exited with code " + std::to_string(code) + " at start: " +
                        launch::ReadTail(log_path_, 600));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return Internal("silian-netem did not announce its port within 10 s: " + launch::ReadTail(log_path_, 600));
  }

  // Stops it and reads the totals it wrote. kInternal when it failed or wrote none.
  Result<json> Stop() {
    if (pid_ <= 0) return Internal("silian-netem is not running");
    ::kill(pid_, SIGTERM);
    const int code = launch::WaitForExit(pid_);
    pid_ = -1;
    if (code != 0)
      return Internal("silian-netem exited with code " + std::to_string(code) + ": " + launch::ReadTail(log_path_, 600));
    json stats = json::parse(launch::ReadWholeFile(stats_path_), nullptr, false);
    if (!stats.is_object()) return Internal("silian-netem wrote no totals to " + Quote(stats_path_));
    return stats;
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  std::string bin_, log_path_, stats_path_;
  pid_t pid_ = -1;
  int port_ = 0;
};

// ---------------------------------------------------------------------------------------------- the node's side

struct LinkRun {
  std::string dir, hub_bin, netem_bin;
  uint64_t ops = 0;
  uint64_t hub_own = 0;
  double author_s = 0;
  double seconds = 0;  // the first session's start .. the successful session's end
  uint64_t sessions = 0, failed_sessions = 0;
  uint64_t refusals = 0;  // failed sessions that the hub refused (not the link)
  uint64_t pushed = 0, push_known = 0;
  uint64_t wire_sent = 0, wire_received = 0;
  std::vector<uint32_t> batch_entries;  // per session
  std::vector<std::string> failures;    // the first few failure messages
  console::LinkRequests requests;
  console::PushBatchSizer sizer;
  json netem;
};

sync::NodeConfig LinkNodeConfig() {
  const std::string township = std::string(kCountyCode) + "104";
  return {sync::NodeId{"th-" + township}, sync::Level::kTownship, sync::DivisionCode{township + "000"}, "01"};
}

// The county hub's ledger and the node's ops, authored on a non-durable ledger.
Result<std::unique_ptr<sync::LedgerStore>> AuthorNode(const LinkBenchOptions& o, const std::string& county_db,
                                                      LinkRun& r) {
  const auto t0 = Clock::now();
  SILIAN_ASSIGN_OR_RETURN(launch::ProcessResult init,
                          launch::RunProcess(r.hub_bin, {"--db", county_db, "init", "--node-id", kCountyHubId, "--level",
                                                         "county", "--division", kCountyDivision}));
  if (init.exit_code != 0) return Internal("silian-hub init failed: " + init.err);
  auto wall = std::make_unique<sync::ManualWallClock>(0);
  sync::LedgerStore::Options so;
  so.durable = false;
  so.wall = wall.get();
  const sync::NodeConfig config = LinkNodeConfig();
  SILIAN_ASSIGN_OR_RETURN(auto store, sync::LedgerStore::Create(r.dir + "/" + config.node_id.value + ".db", config, so));
  {
    SILIAN_ASSIGN_OR_RETURN(auto county, sync::LedgerStore::Open(county_db, sync::LedgerStore::Options()));
    SILIAN_RETURN_IF_ERROR(PublishCatalogue(*county, {store.get()}));
  }
  SILIAN_ASSIGN_OR_RETURN(HallWorkloadReport report, AuthorHallWorkload(*store, *wall, o.seed, o.ops));
  r.ops = report.ops;
  r.author_s = Seconds(t0, Clock::now());
  // The store keeps a pointer to its wall clock: reopen it on the system clock for the sync.
  store.reset();
  SILIAN_ASSIGN_OR_RETURN(store, sync::LedgerStore::Open(r.dir + "/" + config.node_id.value + ".db",
                                                         sync::LedgerStore::Options()));
  return store;
}

// Sessions through the link until one pushes the rest, as `silian-node sync --watch` retries.
Status PushThroughLink(const LinkBenchOptions& o, sync::LedgerStore& store, const std::string& url, double bound_s,
                       LinkRun& r, const Progress& progress) {
  const auto start = Clock::now();
  auto up_since = start;
  int refusals_in_a_row = 0;
  for (;;) {
    SILIAN_ASSIGN_OR_RETURN(auto curl, sync::CurlTransport::Create(url));
    console::SizingTransport transport(*curl, r.sizer, r.requests);
    sync::SyncOptions options;
    options.node_keys = console::RegistryKeyLookup();
    if (!o.fixed_batches) options.push_batch_entries = r.sizer.NextBatchEntries();
    r.batch_entries.push_back(options.push_batch_entries);
    sync::SyncClient client(store.ledger(), transport, url, options);
    auto summary = client.SyncOnce();
    ++r.sessions;
    r.wire_sent += transport.wire_bytes_sent();
    r.wire_received += transport.wire_bytes_received();
    if (summary.ok()) {
      r.pushed += summary->pushed;
      r.push_known += summary->push_known;
      r.seconds = Seconds(start, Clock::now());
      return Status::Ok();
    }
    // As `silian-node sync --watch`: a refusal ends the watch only when it repeats; one can follow a cut
    // (libcurl re-sends a request whose reused connection died, with the same nonce, and the hub that got
    // the first copy answers 401 replayed).
    if (summary.status().code() != StatusCode::kUnavailable) {
      ++r.refusals;
      if (++refusals_in_a_row > 3) return summary.status();
    } else {
      refusals_in_a_row = 0;
    }
    ++r.failed_sessions;
    if (r.failures.size() < 5) r.failures.push_back(summary.status().message());
    r.sizer.RecordFailure(Seconds(up_since, Clock::now()));
    progress("      session " + std::to_string(r.sessions) + " failed after " + Fixed(Seconds(start, Clock::now()), 1) +
             " s (" + summary.status().message() + "); next batch " + std::to_string(r.sizer.NextBatchEntries()) +
             " ops");
    if (Seconds(start, Clock::now()) > kGiveUpFactor * bound_s)
      return Internal("the node did not get its ops through in " + Fixed(kGiveUpFactor, 0) + " times the bound (" +
                      Fixed(bound_s, 1) + " s): " + summary.status().message());
    std::this_thread::sleep_for(std::chrono::duration<double>(kRetryS));
    up_since = Clock::now();
  }
}

json LinkJson(const LinkBenchOptions& o, const LinkRun& r, double bound_s, uint64_t link_bytes) {
  // The node holds one connection at a time, so each connection a cut reset is a cut that hit it.
  const uint64_t cuts_hit = r.netem.value("connections_cut", uint64_t{0});
  return {{"mode", "link"},
          {"seed", o.seed},
          {"ops", r.ops},
          {"link", {{"rate_kbit", o.rate_kbit}, {"rtt_ms", o.rtt_ms}, {"loss_percent", o.loss_percent},
                    {"cut_every_s", o.cut_every_s}, {"first_cut_s", o.first_cut_s}}},
          {"seconds", r.seconds},
          {"bound_s", bound_s},
          {"within_bound", r.seconds <= bound_s},
          {"link_bytes_up", r.netem.value("bytes_up", uint64_t{0})},
          {"link_bytes_down", r.netem.value("bytes_down", uint64_t{0})},
          {"link_bytes_bound", link_bytes},
          {"client_wire_bytes", r.wire_sent + r.wire_received},
          {"sessions", r.sessions},
          {"failed_sessions", r.failed_sessions},
          {"refused_sessions", r.refusals},
          {"cuts", r.netem.value("cuts", uint64_t{0})},
          {"connections_cut", r.netem.value("connections_cut", uint64_t{0})},
          {"cuts_hit", cuts_hit},
          {"segments_lost", r.netem.value("segments_lost", uint64_t{0})},
          {"requests", r.requests.posts},
          {"push_requests", r.requests.push_posts},
          {"batches_resent", r.requests.failed_push_posts + r.requests.transport_resent_push_posts},
          {"batches_lost", r.requests.failed_push_posts},
          {"batches_resent_by_libcurl", r.requests.transport_resent_push_posts},
          {"ops_in_lost_batches", r.requests.failed_push_entries},
          {"ops_resent_known", r.push_known},
          {"batch_entries", r.batch_entries},
          {"goodput_bytes_per_s", r.sizer.goodput_bytes_per_s()},
          {"bytes_per_op", r.sizer.bytes_per_op()},
          {"round_trip_s", r.sizer.round_trip_s()},
          {"failures", r.failures}};
}

std::string LinkText(const LinkBenchOptions& o, const json& j) {
  std::string s;
  s += "silian-bench link: " + Grouped(j["ops"].get<uint64_t>()) + " ops of one node to a county hub through silian-netem\n";
  s += Row("link", Fixed(o.rate_kbit, 0) + " kbit/s each way, " + Fixed(o.rtt_ms, 0) + " ms round trip, " +
                       Fixed(o.loss_percent, 1) + "% segments lost, a cut every " + Fixed(o.cut_every_s, 0) + " s from " + Fixed(o.first_cut_s, 1) + " s");
  const double seconds = j["seconds"].get<double>();
  const double bound = j["bound_s"].get<double>();
  s += Row("time", Fixed(seconds, 1) + " s");
  s += Row("bytes through the link", Grouped(j["link_bytes_up"].get<uint64_t>()) + " up, " +
                                         Grouped(j["link_bytes_down"].get<uint64_t>()) + " down");
  s += Row("bound 1.2 x bytes/bw + 10 s", Fixed(bound, 1) + " s  " + Verdict(seconds <= bound));
  const uint64_t cuts = j["cuts_hit"].get<uint64_t>();
  const uint64_t resent = j["batches_resent"].get<uint64_t>();
  s += Row("sessions", std::to_string(j["sessions"].get<uint64_t>()) + " (" +
                           std::to_string(j["failed_sessions"].get<uint64_t>()) + " cut short, " +
                           std::to_string(j["refused_sessions"].get<uint64_t>()) + " of them refused by the hub; " +
                           std::to_string(j["cuts"].get<uint64_t>()) + " cuts in all)");
  s += Row("batches re-sent per cut", (cuts == 0 ? std::string("no cut hit a session")
                                                 : Fixed(static_cast<double>(resent) / static_cast<double>(cuts), 2) +
                                                       " (" + std::to_string(resent) + " batches over " +
                                                       std::to_string(cuts) + " cuts that hit the node; " +
                                                       std::to_string(j["batches_resent_by_libcurl"].get<uint64_t>()) +
                                                       " of them re-sent by libcurl itself)  " + Verdict(resent <= cuts)));
  s += Row("ops the hub got twice", Grouped(j["ops_resent_known"].get<uint64_t>()));
  std::string sizes;
  for (const auto& n : j["batch_entries"]) sizes += (sizes.empty() ? "" : ", ") + std::to_string(n.get<uint32_t>());
  s += Row("batch ops per session", sizes + (o.fixed_batches ? " (fixed)" : " (adapted between sessions)"));
  s += Row("link as the node saw it", Grouped(static_cast<uint64_t>(j["goodput_bytes_per_s"].get<double>())) +
                                          " B/s goodput, " + Fixed(j["bytes_per_op"].get<double>(), 1) + " B/op, " +
                                          Fixed(j["round_trip_s"].get<double>() * 1000, 0) + " ms shortest request");
  return s;
}

}  // namespace

void ApplyLinkSmoke(LinkBenchOptions& options) { ApplySmokeDefaults(options); }

Status RunLink(const LinkBenchOptions& o, std::ostream& out, std::ostream& err) {
  if (o.ops < 1) return InvalidArgument("--ops must be at least 1");
  if (o.rate_kbit <= 0) return InvalidArgument("--rate-kbit " + Fixed(o.rate_kbit, 1) + " must be above 0");
  LinkRun r;
  SILIAN_ASSIGN_OR_RETURN(r.hub_bin, LocateProgram(o.hub_bin, "../hub/silian-hub", "--hub-bin"));
  SILIAN_ASSIGN_OR_RETURN(r.netem_bin, LocateProgram(o.netem_bin, "netem/silian-netem", "--netem-bin"));
  ScratchDir scratch;
  SILIAN_RETURN_IF_ERROR(scratch.Make(o.dir, o.dir.empty() && !o.keep));
  r.dir = scratch.path();
  Progress progress = [&](const std::string& line) { err << "silian-bench: " << line << "\n" << std::flush; };
  progress("seed " + std::to_string(o.seed) + ", scratch " + r.dir);
  const std::string county_db = r.dir + "/county.db";
  progress("[1/3] authoring " + Grouped(o.ops) + " ops at one node");
  SILIAN_ASSIGN_OR_RETURN(auto store, AuthorNode(o, county_db, r));
  progress("[2/3] county hub and silian-netem in front of it");
  launch::HubProcess hub(r.hub_bin, "county hub", county_db, r.dir + "/county.log");
  SILIAN_RETURN_IF_ERROR(hub.Start({}));
  SILIAN_ASSIGN_OR_RETURN(json before, hub.StatusJson());
  r.hub_own = before.value("op_count", uint64_t{0});
  Netem netem(r.netem_bin, r.dir + "/netem.log", r.dir + "/netem-stats.json");
  SILIAN_RETURN_IF_ERROR(netem.Start(o, hub.port()));
  progress("[3/3] the node syncs through the link until everything is pushed");
  // The bound, for giving up: from the bytes a clean session would move (estimated until measured).
  const double rate_bytes = o.rate_kbit * 1000 / 8;
  const double rough_bound_s = 1.2 * static_cast<double>(r.ops) * 60 / rate_bytes + 10;
  SILIAN_RETURN_IF_ERROR(PushThroughLink(o, *store, netem.url(), rough_bound_s, r, progress));
  SILIAN_ASSIGN_OR_RETURN(r.netem, netem.Stop());
  SILIAN_ASSIGN_OR_RETURN(json after, hub.StatusJson());
  if (after.value("op_count", uint64_t{0}) < r.hub_own + r.ops)
    return Internal("the county hub holds " + after.value("op_count", json()).dump() + " ops after the sync, expected " +
                    std::to_string(r.hub_own + r.ops));
  if (hub.Stop().code != 0) return Internal("the county hub did not stop cleanly: " + hub.LogTail(600));
  const uint64_t link_bytes = std::max(r.netem.value("bytes_up", uint64_t{0}), r.netem.value("bytes_down", uint64_t{0}));
  const double bound_s = 1.2 * static_cast<double>(link_bytes) / rate_bytes + 10;
  const json j = LinkJson(o, r, bound_s, link_bytes);
  out << (o.json ? j.dump(2) + "\n" : LinkText(o, j)) << std::flush;
  return Status::Ok();
}

}  // namespace silian::bench
