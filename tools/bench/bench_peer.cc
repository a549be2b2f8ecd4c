#include "bench/bench_peer.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/bench_util.h"
#include "bench/workload.h"
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
constexpr uint64_t kFirstMs = 1767573000000;  // 2026-01-05 08:30 in Beijing
constexpr uint64_t kStepMs = 2000;
constexpr int kPeerTimeoutMs = 30 * 60 * 1000;
constexpr const char* kPackages = "pouchdb-node@9.0.0 pouchdb-adapter-memory@9.0.0 express-pouchdb@4.2.0 express";
// The status changes of a case, in order; update k is kStatusPath[k] plus a material (k even) or a note.
constexpr sync::Action kStatusPath[] = {sync::Action::kReceive, sync::Action::kAccept, sync::Action::kStartReview,
                                        sync::Action::kApprove, sync::Action::kComplete};
constexpr int kMaxUpdates = static_cast<int>(sizeof kStatusPath / sizeof kStatusPath[0]);

struct SilianSide {
  uint64_t ops = 0;
  double author_s = 0;
  double seconds = 0;
  uint64_t wire = 0;
  uint64_t requests = 0;
  std::vector<std::string> warnings;  // the session's (e.g. ops the hub stored but refused on their case)
};

// A case of a non-instant township item, as a window clerk creates it.
Step CreateStep(Rng& rng) {
  std::vector<const CatalogueItem*> items;
  for (const auto& item : Catalogue())
    if (!item.instant) items.push_back(&item);
  const CatalogueItem& item = *items[static_cast<size_t>(rng.Below(items.size()))];
  Step s;
  s.kind = Step::Kind::kCreate;
  s.actor = "窗口01";
  s.new_case.item_code = item.code;
  s.new_case.applicant_name = MakeName(rng);
  s.new_case.applicant_id = MakeResidentId(rng);
  s.new_case.phone = MakePhone(rng);
  s.new_case.address = MakeAddress(rng, Villages()[static_cast<size_t>(rng.Below(Villages().size()))]);
  s.new_case.summary = item.name;
  s.new_case.channel = "window";
  s.new_case.actor = s.actor;
  return s;
}

// The update steps of one case, as pouch_replicate.js makes them.
std::vector<Step> UpdateSteps(int updates) {
  std::vector<Step> steps;
  for (int k = 0; k < updates; ++k) {
    Step act;
    act.kind = Step::Kind::kAct;
    act.action = kStatusPath[k];
    act.actor = "窗口01";
    steps.push_back(act);
    Step extra;
    extra.kind = k % 2 == 0 ? Step::Kind::kMaterial : Step::Kind::kNote;
    extra.text = k % 2 == 0 ? "身份证复印件" : "补正材料已收到";
    extra.actor = "窗口01";
    steps.push_back(extra);
  }
  return steps;
}

// The county hub's ledger, and the node's cases authored on a non-durable ledger (then reopened on the
// system clock for the sync).
Result<std::unique_ptr<sync::LedgerStore>> AuthorCases(const PeerBenchOptions& o, const std::string& dir,
                                                       const std::string& hub_bin, const std::string& county_db,
                                                       SilianSide& side, const Progress& progress) {
  const auto t0 = Clock::now();
  SILIAN_ASSIGN_OR_RETURN(launch::ProcessResult init,
                          launch::RunProcess(hub_bin, {"--db", county_db, "init", "--node-id", kCountyHubId, "--level",
                                                       "county", "--division", kCountyDivision}));
  if (init.exit_code != 0) return Internal("silian-hub init failed: " + init.err);
  const std::string township = std::string(kCountyCode) + "104";
  const sync::NodeConfig config{sync::NodeId{"th-" + township}, sync::Level::kTownship,
                                sync::DivisionCode{township + "000"}, "01"};
  const std::string path = dir + "/" + config.node_id.value + ".db";
  {
    sync::ManualWallClock wall(kFirstMs);
    sync::LedgerStore::Options so;
    so.durable = false;
    so.wall = &wall;
    SILIAN_ASSIGN_OR_RETURN(auto store, sync::LedgerStore::Create(path, config, so));
    {
      SILIAN_ASSIGN_OR_RETURN(auto county, sync::LedgerStore::Open(county_db, sync::LedgerStore::Options()));
      SILIAN_RETURN_IF_ERROR(PublishCatalogue(*county, {store.get()}));
    }
    Rng rng(o.seed);
    const std::vector<Step> updates = UpdateSteps(o.updates);
    for (uint64_t i = 0; i < o.cases; ++i) {
      std::string case_id;
      wall.Set(wall.NowMs() + kStepMs);
      SILIAN_RETURN_IF_ERROR(AuthorStep(*store, CreateStep(rng), &case_id).status());
      for (const Step& step : updates) {
        wall.Set(wall.NowMs() + kStepMs);
        SILIAN_RETURN_IF_ERROR(AuthorStep(*store, step, &case_id).status());
      }
      side.ops += 1 + updates.size();
      if ((i + 1) % 5000 == 0) progress("      " + Grouped(i + 1) + " cases authored");
    }
  }
  side.author_s = Seconds(t0, Clock::now());
  return sync::LedgerStore::Open(path, sync::LedgerStore::Options());
}

// One session pushing everything to the county hub, timed.
Status PushOnce(sync::LedgerStore& store, const std::string& url, SilianSide& side) {
  SILIAN_ASSIGN_OR_RETURN(auto transport, sync::CurlTransport::Create(url));
  sync::SyncOptions options;
  options.node_keys = console::RegistryKeyLookup();
  sync::SyncClient client(store.ledger(), *transport, url, options);
  const auto t0 = Clock::now();
  SILIAN_ASSIGN_OR_RETURN(sync::SyncSummary summary, client.SyncOnce());
  side.seconds = Seconds(t0, Clock::now());
  side.wire = transport->wire_bytes_sent() + transport->wire_bytes_received();
  side.requests = summary.requests;
  side.warnings = summary.warnings;
  if (summary.pushed != side.ops)
    return Internal("the session pushed " + std::to_string(summary.pushed) + " new ops of the " +
                    std::to_string(side.ops) + " authored");
  return Status::Ok();
}

Status RunSilian(const PeerBenchOptions& o, const std::string& dir, const std::string& hub_bin, SilianSide& side,
                 const Progress& progress) {
  const std::string county_db = dir + "/county.db";
  progress("[1/3] Silian: authoring " + Grouped(o.cases) + " cases x (1 + 2 x " + std::to_string(o.updates) +
           ") ops at one township node (not timed)");
  SILIAN_ASSIGN_OR_RETURN(auto store, AuthorCases(o, dir, hub_bin, county_db, side, progress));
  progress("      " + Grouped(side.ops) + " ops in " + Fixed(side.author_s, 1) + " s");
  progress("[2/3] Silian: one session pushes them to a county hub on loopback");
  launch::HubProcess hub(hub_bin, "county hub", county_db, dir + "/county.log");
  SILIAN_RETURN_IF_ERROR(hub.Start({}));
  SILIAN_RETURN_IF_ERROR(PushOnce(*store, hub.url(), side));
  if (hub.Stop().code != 0) return Internal("the county hub did not stop cleanly: " + hub.LogTail(600));
  return Status::Ok();
}

std::string DefaultModules() {
  const char* home = std::getenv("HOME");
  return std::string(home ? home : "/root") + "/.cache/silian-bench/peers";
}

std::string DefaultScript() {
  return (std::filesystem::path(SILIAN_SOURCE_DIR) / ".." / "shared" / "peers" / "pouch_replicate.js")
      .lexically_normal()
      .string();
}

// What is missing to run PouchDB's side, or "" when nothing is.
std::string PeerMissing(const std::string& node, const std::string& script, const std::string& modules) {
  if (node.empty()) return "node is not on PATH (Debian: apt-get install nodejs npm)";
  if (::access(script.c_str(), R_OK) != 0) return "the peer script " + Quote(script) + " is not there (--peer-script)";
  for (const char* package : {"pouchdb-node", "pouchdb-adapter-memory", "express-pouchdb", "express"}) {
    const std::string where = modules + "/node_modules/" + package;
    if (!std::filesystem::is_directory(where))
      return std::string("the npm package ") + package + " is not in " + Quote(modules + "/node_modules") +
             "; install them with: npm install --prefix " + modules + " --no-audit --no-fund " + kPackages +
             "  (or run `make bench-peer`, which does)";
  }
  return "";
}

Result<json> RunPouch(const PeerBenchOptions& o, const std::string& node, const std::string& script,
                      const std::string& modules) {
  launch::RunOptions ro;
  ro.env["NODE_PATH"] = modules + "/node_modules";
  ro.timeout_ms = kPeerTimeoutMs;
  SILIAN_ASSIGN_OR_RETURN(launch::ProcessResult r,
                          launch::RunProcess(node, {script, std::to_string(o.cases), std::to_string(o.updates)}, ro));
  if (r.exit_code != 0 || r.timed_out)
    return Internal("`node " + script + "` exited with code " + std::to_string(r.exit_code) +
                    (r.timed_out ? " (timed out)" : "") + ": " + r.err.substr(0, 600));
  const size_t start = r.out.rfind("{");
  json j = start == std::string::npos ? json() : json::parse(r.out.substr(start), nullptr, false);
  if (!j.is_object() || !j.contains("replicate_s") || !j.contains("wire_bytes"))
    return Internal("the peer script printed no figures: " + Quote(r.out.substr(0, 300)));
  if (j.value("docs_at_target", uint64_t{0}) != o.cases)
    return Internal("PouchDB's target holds " + j["docs_at_target"].dump() + " documents, expected " +
                    std::to_string(o.cases));
  return j;
}

json PeerJson(const PeerBenchOptions& o, const SilianSide& s, const json& pouch, const std::string& skipped) {
  json j = {{"mode", "peer"},
            {"seed", o.seed},
            {"cases", o.cases},
            {"updates_per_case", o.updates},
            {"silian", {{"ops", s.ops}, {"seconds", s.seconds}, {"ops_per_s", static_cast<double>(s.ops) / s.seconds},
                        {"wire_bytes", s.wire}, {"requests", s.requests}, {"author_s", s.author_s},
                        {"warnings", s.warnings}}}};
  if (!skipped.empty()) {
    j["pouchdb"] = {{"skipped", skipped}};
    return j;
  }
  const double pouch_s = pouch["replicate_s"].get<double>();
  const uint64_t pouch_bytes = pouch["wire_bytes"].get<uint64_t>();
  const double logical = static_cast<double>(o.cases) * (1 + 2 * o.updates);
  j["pouchdb"] = pouch;
  j["pouchdb"]["ops_per_s"] = logical / pouch_s;
  j["rate_ratio"] = pouch_s / s.seconds;
  j["bytes_ratio"] = static_cast<double>(pouch_bytes) / static_cast<double>(s.wire);
  j["rate_pass"] = j["rate_ratio"].get<double>() >= kTargetPeerRateRatio;
  j["bytes_pass"] = j["bytes_ratio"].get<double>() >= kTargetPeerBytesRatio;
  return j;
}

std::string PeerText(const json& j) {
  std::string t = "silian-bench peer: " + Grouped(j["cases"].get<uint64_t>()) + " cases, each created and updated " +
                  std::to_string(j["updates_per_case"].get<int>()) + " times, pushed to a hub on loopback\n";
  const json& s = j["silian"];
  t += Row("Silian", Fixed(s["seconds"].get<double>(), 2) + " s, " + Rate(s["ops_per_s"].get<double>()) + " ops/s, " +
                         Grouped(s["wire_bytes"].get<uint64_t>()) + " bytes (" + Grouped(s["ops"].get<uint64_t>()) +
                         " ops, " + std::to_string(s["requests"].get<uint64_t>()) + " requests)");
  if (!s["warnings"].empty())
    t += Row("Silian session warnings", std::to_string(s["warnings"].size()) + ", the first: " +
                                            s["warnings"][0].get<std::string>());
  if (j["pouchdb"].contains("skipped")) {
    t += Row("PouchDB 9 + express-pouchdb", "SKIPPED: " + j["pouchdb"]["skipped"].get<std::string>());
    return t;
  }
  const json& p = j["pouchdb"];
  t += Row("PouchDB 9 + express-pouchdb", Fixed(p["replicate_s"].get<double>(), 2) + " s, " +
                                              Rate(p["ops_per_s"].get<double>()) + " logical ops/s, " +
                                              Grouped(p["wire_bytes"].get<uint64_t>()) + " bytes");
  t += Row("rate, Silian / PouchDB", Fixed(j["rate_ratio"].get<double>(), 2) + "x (target >= " +
                                         Fixed(kTargetPeerRateRatio, 0) + "x)  " + Verdict(j["rate_pass"].get<bool>()));
  t += Row("bytes, PouchDB / Silian", Fixed(j["bytes_ratio"].get<double>(), 2) + "x fewer (target >= " +
                                          Fixed(kTargetPeerBytesRatio, 0) + "x)  " + Verdict(j["bytes_pass"].get<bool>()));
  return t;
}

}  // namespace

void ApplyPeerSmoke(PeerBenchOptions& options) {
  options.cases = 50;
  options.updates = 5;
}

Status RunPeer(const PeerBenchOptions& o, std::ostream& out, std::ostream& err) {
  if (o.cases < 1) return InvalidArgument("--cases must be at least 1");
  if (o.updates < 0 || o.updates > kMaxUpdates)
    return InvalidArgument("--updates " + std::to_string(o.updates) + " must be 0 to " + std::to_string(kMaxUpdates));
  SILIAN_ASSIGN_OR_RETURN(std::string hub_bin, LocateProgram(o.hub_bin, "../hub/silian-hub", "--hub-bin"));
  ScratchDir scratch;
  SILIAN_RETURN_IF_ERROR(scratch.Make(o.dir, o.dir.empty() && !o.keep));
  Progress progress = [&](const std::string& line) { err << "silian-bench: " << line << "\n" << std::flush; };
  progress("seed " + std::to_string(o.seed) + ", scratch " + scratch.path());
  SilianSide side;
  SILIAN_RETURN_IF_ERROR(RunSilian(o, scratch.path(), hub_bin, side, progress));
  const std::string node = FindOnPath("node");
  const std::string script = o.script.empty() ? DefaultScript() : o.script;
  const std::string modules = o.modules.empty() ? DefaultModules() : o.modules;
  const std::string missing = PeerMissing(node, script, modules);
  json pouch;
  if (missing.empty()) {
    progress("[3/3] PouchDB: node " + script + " " + std::to_string(o.cases) + " " + std::to_string(o.updates));
    SILIAN_ASSIGN_OR_RETURN(pouch, RunPouch(o, node, script, modules));
  } else {
    progress("[3/3] PouchDB skipped: " + missing);
  }
  const json j = PeerJson(o, side, pouch, missing);
  out << (o.json ? j.dump(2) + "\n" : PeerText(j)) << std::flush;
  return Status::Ok();
}

}  // namespace silian::bench
