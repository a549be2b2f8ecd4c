// The report of `silian-bench sync`: the figures derived from a run, as JSON and as text tables.
#include <algorithm>
#include <chrono>

#include "base/keys.h"
#include "base/text.h"
#include "bench/sync_run.h"
#include "ledger/chain.h"

namespace silian::bench {

using nlohmann::json;

namespace {

// Microseconds per call of `f`, over `n` calls.
template <typename F>
double MicrosEach(int n, F f) {
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) f(i);
  return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count() / n;
}

// What the trust path adds to the hub's ingest: a request signature and a head signature per push request,
// and one more chain hash per op (the walk that checks the head).
void DeriveTrustCost(const SyncRun& r, SyncFigures& f) {
  const sync::SigningKey key = sync::SigningKey::Generate();
  const std::string message = sync::SignedHeadMessage("village-152222104200-01", 4711, std::string(32, 'h'));
  const std::string signature = key.Sign(message);
  bool all_ok = true;
  f.verify_us = MicrosEach(2000, [&](int) { all_ok = sync::VerifySignature(key.public_key(), message, signature) && all_ok; });
  const std::string op(512, 'o');  // above a typical op (about 200 to 400 bytes): an upper bound
  std::string hash(32, '\0');
  f.chain_hash_us = MicrosEach(20000, [&](int) { hash = sync::ChainHash(hash, op); });
  if (!all_ok) f.verify_us = -1;  // never: the signature was made for this message
  f.trust_s = (2.0 * static_cast<double>(r.ingest.requests) * f.verify_us +
               static_cast<double>(r.ingest.pushed) * f.chain_hash_us) / 1e6;
  f.trust_share = r.ingest_hub_cpu_s > 0 ? f.trust_s / r.ingest_hub_cpu_s : 0;
  f.trust_pass = f.verify_us > 0 && f.trust_share <= 0.2;
}

}  // namespace

SyncFigures Derive(const SyncRun& r) {
  SyncFigures f;
  f.ingest_rate = static_cast<double>(r.ingest.pushed) / r.ingest.seconds;
  f.base_rate = static_cast<double>(r.base.rows) / r.base.seconds;
  f.push_bpo = static_cast<double>(r.ingest.wire) / static_cast<double>(r.ingest.pushed);
  f.pull_bpo = static_cast<double>(r.pull.wire()) / static_cast<double>(r.pull.summary.pulled);
  f.catchup_rate = static_cast<double>(r.catchup.ops) / r.catchup.seconds;
  f.catchup_body_bpo = static_cast<double>(r.catchup.city.bytes_in + r.catchup.city.bytes_out) /
                       static_cast<double>(r.catchup.ops);
  f.ingest_ratio = f.ingest_rate / f.base_rate;
  f.catchup_ratio = f.catchup_rate / f.base_rate;
  f.ingest_pass = f.ingest_ratio >= kTargetIngestRatio;
  f.push_pass = f.push_bpo <= kTargetWireBytesPerOp;
  f.pull_pass = f.pull_bpo <= kTargetWireBytesPerOp;
  f.idle_pass = static_cast<double>(r.idle.wire()) <= kTargetIdleSyncBytes;
  f.county_idle_pass = static_cast<double>(r.county_idle.wire()) <= kTargetIdleSyncBytes;
  f.catchup_pass = f.catchup_ratio >= kTargetCatchupRatio;
  for (const auto& s : r.ingest.sessions) f.session_s.push_back(s.seconds);
  std::sort(f.session_s.begin(), f.session_s.end());
  f.ingest_hub_s = r.ingest_after.batch_seconds - r.ingest_before.batch_seconds;
  f.ingest_hub_batches = r.ingest_after.batches - r.ingest_before.batches;
  DeriveTrustCost(r, f);
#ifdef __OPTIMIZE__
  f.build = "optimized";
#else
  f.build = "NOT optimized: the figures are not representative";
#endif
  return f;
}

namespace {

constexpr uint64_t kTargetPeakRssBytes = 256ull << 20;

json LatencyJson(const std::vector<double>& ms) {
  const Latencies l = Summarize(ms);
  return {{"probes", ms.size()}, {"p50_ms", l.p50_ms}, {"p99_ms", l.p99_ms}, {"max_ms", l.max_ms}};
}

json ReadersJson(const ProbeFigures& p) {
  return {{"status", LatencyJson(p.status_ms)}, {"small_pull", LatencyJson(p.pull_ms)},
          {"small_pull_round_trips", LatencyJson(p.round_trip_ms)}, {"errors", p.errors},
          {"first_error", p.first_error}};
}

std::string MiB(uint64_t bytes) { return Fixed(static_cast<double>(bytes) / (1 << 20), 1) + " MiB"; }

// Readers beside the writer (item 1), peak memory (item 7) and session times (item 8).
std::string LoadDetails(const SyncBenchOptions& o, const SyncRun& r, const SyncFigures& f) {
  std::string t;
  const Latencies sessions = Summarize([&] {
    std::vector<double> ms;
    for (double s : f.session_s) ms.push_back(s * 1000);
    return ms;
  }());
  t += Row("push sessions, " + std::to_string(o.nodes) + " at once", "p50 " + Fixed(sessions.p50_ms / 1000, 2) +
                                                                         " s, p99 " + Fixed(sessions.p99_ms / 1000, 2) +
                                                                         " s");
  if (r.ingest.retries > 0)
    t += Row("push sessions run again", std::to_string(r.ingest.retries) + " (the hub refused them: " +
                                            r.ingest.first_retry_reason + ")");
  t += Row("during ingest: GET /v1/status", LatencyText(r.ingest_probe.status_ms));
  t += Row("during ingest: small pull", LatencyText(r.ingest_probe.pull_ms));
  t += Row("  its HTTP round trips", LatencyText(r.ingest_probe.round_trip_ms));
  t += Row("during catch-up: GET /v1/status", LatencyText(r.catchup_probe.status_ms));
  t += Row("during catch-up: small pull", LatencyText(r.catchup_probe.pull_ms));
  t += Row("  its HTTP round trips", LatencyText(r.catchup_probe.round_trip_ms));
  const uint64_t errors = r.ingest_probe.errors + r.catchup_probe.errors;
  if (errors > 0) {
    const std::string& first =
        r.ingest_probe.first_error.empty() ? r.catchup_probe.first_error : r.ingest_probe.first_error;
    t += Row("reader probes that failed", std::to_string(errors) + ", the first: " + first);
  }
  // Every hub counts (issue 13, item 7): the city serves the whole catch-up.
  const uint64_t peak = std::max({r.ingest_peak_rss, r.catchup_peak_rss, r.city_peak_rss});
  t += Row("hub peak resident (VmHWM)", "ingest county " + MiB(r.ingest_peak_rss) + " (" + std::to_string(o.nodes) +
                                            " sessions at once), catch-up county " + MiB(r.catchup_peak_rss) +
                                            ", city " + MiB(r.city_peak_rss) + "; target < 256 MiB  " +
                                            Verdict(peak < kTargetPeakRssBytes));
  return t;
}

json TransfersJson(const SyncRun& r, const SyncFigures& f) {
  json j;
  j["ingest"] = {{"ops", r.ingest.pushed},
                 {"seconds", r.ingest.seconds},
                 {"ops_per_s", f.ingest_rate},
                 {"session_seconds", f.session_s},
                 {"requests", r.ingest.requests},
                 {"wire_bytes", r.ingest.wire},
                 {"body_bytes", r.ingest.body},
                 {"wire_bytes_per_op", f.push_bpo},
                 {"hub_cpu_seconds", r.ingest_hub_cpu_s},
                 {"hub_batch_seconds", f.ingest_hub_s},
                 {"hub_batches", f.ingest_hub_batches},
                 {"trust", {{"ed25519_verify_us", f.verify_us},
                            {"chain_hash_us_per_op", f.chain_hash_us},
                            {"hub_seconds", f.trust_s},
                            {"share_of_hub_cpu", f.trust_share},
                            {"ingest_with_vs_without", 1.0 - f.trust_share},
                            {"target_met", f.trust_pass}}},
                 {"readers", ReadersJson(r.ingest_probe)},
                 {"sessions_run_again", r.ingest.retries},
                 {"hub_peak_rss_bytes", r.ingest_peak_rss}};
  j["pull"] = {{"ops", r.pull.summary.pulled},   {"seconds", r.pull.seconds},  {"requests", r.pull.summary.requests},
               {"pushed_back_known", r.pull.summary.push_known},
               {"wire_bytes", r.pull.wire()},     {"body_bytes", r.pull.body()}, {"wire_bytes_per_op", f.pull_bpo}};
  const Session& idle = r.idle;
  const Session& county_idle = r.county_idle;
  const Session& changed = r.changed;
  j["idle"] = {{"township", {{"wire_sent", idle.wire_sent}, {"wire_received", idle.wire_received},
                             {"wire_bytes", idle.wire()}, {"body_bytes", idle.body()}, {"requests", idle.summary.requests},
                             {"probe", idle.summary.probe}, {"settling_session_wire_bytes", r.settle.wire()}}},
               {"county", {{"wire_sent", county_idle.wire_sent}, {"wire_received", county_idle.wire_received},
                           {"wire_bytes", county_idle.wire()}, {"body_bytes", county_idle.body()},
                           {"requests", county_idle.summary.requests}, {"probe", county_idle.summary.probe},
                           {"origins", r.catchup.origins}}},
               {"changed_probe", {{"probe_wire_bytes", changed.summary.probe_wire_bytes},
                                  {"session_wire_bytes", changed.wire()}, {"requests", changed.summary.requests},
                                  {"seconds", changed.seconds}}}};
  return j;
}

json CatchupJson(const SyncBenchOptions& o, const SyncRun& r, const SyncFigures& f) {
  const Catchup& c = r.catchup;
  json j;
  j["city_load"] = {{"ops", r.city_load.ops},         {"county_ops", o.catchup_ops}, {"other_county_ops", r.other_ops},
                    {"origins", r.city_load.origins}, {"county_origins", r.county_clones}, {"cases", r.city_load.cases},
                    {"transactions", r.city_load.transactions}, {"clone_s", r.city_load.clone_s},
                    {"import_s", r.city_load.import_s}, {"seconds", r.city_load.seconds}};
  j["catchup"] = {{"ops", c.ops},
                  {"seconds", c.seconds},
                  {"ops_per_s", f.catchup_rate},
                  {"relay_session_s", c.relay_s},
                  {"healthy_s", c.healthy_s},
                  {"county_cpu_seconds", c.county_cpu_s},
                  {"city_cpu_seconds", c.city_cpu_s},
                  {"status_polls", c.polls},
                  {"status_poll_max_s", c.poll_max_s},
                  {"status_poll_sum_s", c.poll_sum_s},
                  {"city_batches", c.city.batches},
                  {"city_batch_seconds", c.city.batch_seconds},
                  {"city_body_bytes_in", c.city.bytes_in},
                  {"city_body_bytes_out", c.city.bytes_out},
                  {"body_bytes_per_op", f.catchup_body_bpo},
                  {"digest", c.county_digest},
                  {"digests_match", true}};
  return j;
}

std::string WorkloadText(const SyncBenchOptions& o, const SyncRun& r, const SyncFigures& f) {
  std::string t = "silian-bench sync\n";
  t += Row("seed", std::to_string(o.seed) + " (replay with --seed " + std::to_string(o.seed) + ")");
  t += Row("scratch", r.dir + " (" + r.fs + ")" + (r.removed_at_end ? ", removed at the end" : ", kept"));
  t += Row("build", f.build + "; hubs: " + r.hub_bin + ", loopback, durable ledgers");
  t += "\nworkload: township halls of county " + std::string(kCountyCode) +
       ", window cases authored through LedgerStore on non-durable ledgers\n";
  const std::string mix = Mix(r.ops_by_kind, [&](uint64_t n) { return Percent(n, r.ingest_ops); });
  t += Row("halls", std::to_string(o.nodes) + " (" + r.halls.front().config.node_id.value + " .. " +
                        r.halls.back().config.node_id.value + "), " + Grouped(o.ops_per_node) + " ops each");
  t += Row("ops", Grouped(r.ingest_ops) + " in " + Grouped(r.hall_cases) + " cases; " + mix);
  t += Row("authoring time", Fixed(r.author_s, 1) + " s, " + std::to_string(r.author_threads) + " halls at a time");
  t += Row("catch-up set at the city", Grouped(o.catchup_ops) + " ops of county " + kCountyCode + " (" +
                                           std::to_string(r.county_clones) + " origins) + " + Grouped(r.other_ops) +
                                           " of county " + kNeighbourCountyCode + "; " + Grouped(r.city_load.cases) +
                                           " cases; loaded in " + Fixed(r.city_load.seconds, 1) + " s");
  return t;
}

std::string FiguresTable(const SyncBenchOptions& o, const SyncRun& r, const SyncFigures& f) {
  auto figure = [](const std::string& label, const std::string& measured, const std::string& target, bool pass) {
    return "  " + Cell(label, 44) + Cell(measured, 22) + Cell(target, 12) + Verdict(pass) + "\n";
  };
  const std::string wire_target = "<= " + Fixed(kTargetWireBytesPerOp, 0);
  std::string t = "\n  " + Cell("figure", 44) + Cell("measured", 22) + Cell("target", 12) + "verdict\n";
  const auto ratio_target = [](double ratio) { return ">= " + Fixed(100 * ratio, 0) + "%"; };
  t += "  " + Cell("plain SQLite insert, same rows", 44) + Rate(f.base_rate) + " rows/s\n";
  t += "  " + Cell("hub ingest, " + std::to_string(o.nodes) + " nodes pushing at once", 44) + Rate(f.ingest_rate) +
       " ops/s\n";
  t += figure("  / plain SQLite", Fixed(100 * f.ingest_ratio, 1) + "%", ratio_target(kTargetIngestRatio),
              f.ingest_pass);
  t += "  " + Cell("catch-up of " + Grouped(o.catchup_ops) + " ops, fresh county", 44) + Fixed(r.catchup.seconds, 1) +
       " s (" + Rate(f.catchup_rate) + " ops/s)\n";
  t += figure("  / plain SQLite", Fixed(100 * f.catchup_ratio, 1) + "%", ratio_target(kTargetCatchupRatio),
              f.catchup_pass);
  t += figure("wire bytes per op, batched push", Fixed(f.push_bpo, 1), wire_target, f.push_pass);
  t += figure("wire bytes per op, catch-up pull", Fixed(f.pull_bpo, 1), wire_target, f.pull_pass);
  t += figure("idle sync, township node", Grouped(r.idle.wire()) + " bytes", "<= " + Rate(kTargetIdleSyncBytes),
              f.idle_pass);
  t += figure("idle sync, county hub (" + Grouped(r.catchup.origins) + " origins)",
              Grouped(r.county_idle.wire()) + " bytes", "<= " + Rate(kTargetIdleSyncBytes), f.county_idle_pass);
  return t;
}

std::string TransferDetails(const SyncRun& r, const SyncFigures& f) {
  const Ingest& in = r.ingest;
  const Session& pull = r.pull;
  std::string t = "\ndetails\n";
  t += Row("ingest", Grouped(in.pushed) + " ops, " + Grouped(in.requests) + " requests in " + Fixed(in.seconds, 3) +
                         " s; sessions ended after " + Fixed(f.session_s.front(), 2) + " .. " +
                         Fixed(f.session_s.back(), 2) + " s (median " +
                         Fixed(f.session_s[f.session_s.size() / 2], 2) + ")");
  t += Row("ingest at the hub", Grouped(f.ingest_hub_batches) + " sync requests; hub CPU " +
                                    Fixed(r.ingest_hub_cpu_s, 2) + " s (" +
                                    Rate(static_cast<double>(in.pushed) / r.ingest_hub_cpu_s) +
                                    " ops per CPU second); request latencies at the hub add up to " +
                                    Fixed(f.ingest_hub_s, 2) + " s (they overlap: waiting for the store lock counts)");
  t += Row("signatures at the hub", Grouped(2 * in.requests) + " Ed25519 checks (request and head of each push) at " +
                                       Fixed(f.verify_us, 1) + " us, one more chain hash per op at " +
                                       Fixed(f.chain_hash_us, 2) + " us: " + Fixed(f.trust_s, 3) + " s, " +
                                       Fixed(100 * f.trust_share, 2) + "% of the hub's CPU; ingest with them " +
                                       Fixed(100 * (1 - f.trust_share), 1) + "% of without, target >= 80%  " +
                                       Verdict(f.trust_pass));
  t += Row("push bytes", Grouped(in.wire) + " on the wire, " + Grouped(in.body) + " of them bodies (" +
                             Fixed(static_cast<double>(in.wire - in.body) / static_cast<double>(in.requests), 0) +
                             " bytes of headers per request)");
  t += Row("catch-up pull", Grouped(pull.summary.pulled) + " ops of township " + r.replica.division.value.substr(0, 9) +
                                " to " + r.replica.node_id.value + " in " + std::to_string(pull.summary.requests) +
                                " requests, " + Fixed(pull.seconds, 2) + " s, " + Grouped(pull.wire()) +
                                " bytes on the wire" +
                                (pull.summary.push_known > 0 ? "; it pushed back " + Grouped(pull.summary.push_known) +
                                                                   " ops the hub already had"
                                                             : ""));
  t += Row("idle sync, township node", Grouped(r.idle.wire_sent) + " sent + " + Grouped(r.idle.wire_received) +
                                           " received, " + std::to_string(r.idle.summary.requests) +
                                           " request; the session before it (right after the push) " +
                                           Grouped(r.settle.wire()) + " bytes");
  t += Row("idle sync, county hub", Grouped(r.county_idle.wire_sent) + " sent + " +
                                        Grouped(r.county_idle.wire_received) + " received, " +
                                        std::to_string(r.county_idle.summary.requests) + " request (probe: " +
                                        (r.county_idle.summary.probe.empty() ? "none" : r.county_idle.summary.probe) +
                                        "); the digest stands for its " + Grouped(r.catchup.origins) + " origins");
  const Session& changed = r.changed;
  t += Row("a \"changed\" probe", "verdict " + Quote(changed.summary.probe) + ": " +
                                     Grouped(changed.summary.probe_wire_bytes) + " bytes and one round trip before the full "
                                     "session (township, hub restarted): " + Grouped(changed.wire()) + " bytes, " +
                                     std::to_string(changed.summary.requests) + " requests, " +
                                     Fixed(changed.seconds * 1000, 1) + " ms in all");
  return t;
}

std::string CatchupDetails(const SyncRun& r, const SyncFigures& f) {
  const Catchup& c = r.catchup;
  const BaselineFigures& base = r.base;
  auto ms = [](double s) { return static_cast<uint64_t>(s * 1000); };
  std::string t;
  t += Row("catch-up", "county hub answering after " + Fixed(c.healthy_s, 2) +
                           " s; its relay's first session ended after " + Fixed(c.relay_s, 1) + " s; " +
                           std::to_string(c.polls) + " status polls (" + Fixed(kCatchupPollS, 0) +
                           " s apart, slowest " + Fixed(c.poll_max_s, 3) + " s)");
  t += Row("catch-up CPU", "county hub " + Fixed(c.county_cpu_s, 1) + " s (" + Percent(ms(c.county_cpu_s), ms(c.seconds)) +
                               " of the wall time), city hub " + Fixed(c.city_cpu_s, 1) + " s");
  t += Row("catch-up at the city", Grouped(c.city.batches) + " pull requests served in " +
                                       Fixed(c.city.batch_seconds, 1) + " s in total (" +
                                       Percent(ms(c.city.batch_seconds), ms(c.seconds)) +
                                       " of the catch-up); bodies " + Fixed(f.catchup_body_bpo, 1) + " bytes/op");
  t += Row("digests", "county = city for " + std::string(kCountyCode) + ": " + c.county_digest.substr(0, 40) + "...");
  t += Row("plain SQLite", Grouped(base.rows) + " rows; median of " + std::to_string(kBaselineRuns) + " runs " +
                               Fixed(base.seconds, 3) + " s (INSERT loop " + Fixed(base.insert_s, 3) + " s, COMMIT " +
                               Fixed(base.commit_s, 3) + " s); WAL, synchronous=FULL, one transaction");
  return t;
}

}  // namespace

json SyncJson(const SyncBenchOptions& o, const SyncRun& r, const SyncFigures& f) {
  json j;
  j["seed"] = o.seed;
  j["nodes"] = o.nodes;
  j["ops_per_node"] = o.ops_per_node;
  j["catchup_ops"] = o.catchup_ops;
  j["scratch"] = {{"dir", r.dir}, {"filesystem", r.fs}, {"removed", r.removed_at_end}};
  j["hub_bin"] = r.hub_bin;
  j["build"] = f.build;
  j["workload"] = {{"halls", o.nodes},        {"ops", r.ingest_ops},    {"cases", r.hall_cases},
                   {"ops_by_kind", r.ops_by_kind}, {"seconds", r.author_s}, {"threads", r.author_threads}};
  j.update(TransfersJson(r, f));
  j.update(CatchupJson(o, r, f));
  const BaselineFigures& base = r.base;
  j["baseline"] = {{"rows", base.rows}, {"seconds", base.seconds}, {"rows_per_s", f.base_rate},
                   {"insert_s", base.insert_s}, {"commit_s", base.commit_s}};
  auto target = [](double value, const char* bound, double limit, bool pass) {
    return json{{"value", value}, {bound, limit}, {"verdict", Verdict(pass)}};
  };
  j["targets"] = {
      {"ingest_ratio", target(f.ingest_ratio, "target_min", kTargetIngestRatio, f.ingest_pass)},
      {"push_wire_bytes_per_op", target(f.push_bpo, "target_max", kTargetWireBytesPerOp, f.push_pass)},
      {"pull_wire_bytes_per_op", target(f.pull_bpo, "target_max", kTargetWireBytesPerOp, f.pull_pass)},
      {"idle_sync_bytes_township",
       target(static_cast<double>(r.idle.wire()), "target_max", kTargetIdleSyncBytes, f.idle_pass)},
      {"idle_sync_bytes_county",
       target(static_cast<double>(r.county_idle.wire()), "target_max", kTargetIdleSyncBytes, f.county_idle_pass)},
      {"catchup_ratio", target(f.catchup_ratio, "target_min", kTargetCatchupRatio, f.catchup_pass)}};
  j["catchup"]["readers"] = ReadersJson(r.catchup_probe);
  j["catchup"]["county_peak_rss_bytes"] = r.catchup_peak_rss;
  j["catchup"]["city_peak_rss_bytes"] = r.city_peak_rss;
  j["ratios"] = {{"ingest_to_baseline", f.ingest_ratio}, {"catchup_to_baseline", f.catchup_ratio}};
  return j;
}

std::string SyncText(const SyncBenchOptions& o, const SyncRun& r, const SyncFigures& f) {
  return WorkloadText(o, r, f) + FiguresTable(o, r, f) + TransferDetails(r, f) + CatchupDetails(r, f) +
         LoadDetails(o, r, f);
}

}  // namespace silian::bench
