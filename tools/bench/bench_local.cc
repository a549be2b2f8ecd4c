#include "bench/bench_local.h"

#include <sqlite3.h>
#include <fcntl.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <cerrno>
#include <filesystem>
#include <functional>
#include <map>
#include <vector>

#include <google/protobuf/stubs/common.h>
#include <nlohmann/json.hpp>

#include "bench/bench_util.h"
#include "bench/workload.h"
#include "ledger/bundle.h"
#include "ledger/chain.h"
#include "ledger/sealer.h"
#include "domain/projection.h"
#include "domain/store.h"

namespace silian::bench {
namespace {

using nlohmann::json;

// ---------------------------------------------------------------------------------------------- phases

struct DurableFigures {
  uint64_t ops = 0;
  double seconds = 0;
  Latencies latency;
  Latencies fdatasync;  // the disk alone: a 4 KiB write and fdatasync, as a WAL commit needs at least once
  std::map<std::string, uint64_t> by_kind;
};

// What one flush costs on the scratch file system, to read the durable figure against.
Result<Latencies> TimeFdatasync(const std::string& path, int n) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Internal("cannot create " + Quote(path) + ": " + std::strerror(errno));
  std::vector<char> page(4096, 'x');
  std::vector<double> ms;
  for (int i = 0; i < n; ++i) {
    if (::pwrite(fd, page.data(), page.size(), static_cast<off_t>(i % 64) * 4096) != static_cast<ssize_t>(page.size())) {
      ::close(fd);
      return Internal("cannot write " + Quote(path) + ": " + std::strerror(errno));
    }
    auto a = Clock::now();
    if (::fdatasync(fd) != 0) {
      ::close(fd);
      return Internal("fdatasync of " + Quote(path) + " failed: " + std::strerror(errno));
    }
    ms.push_back(Seconds(a, Clock::now()) * 1000);
  }
  ::close(fd);
  ::unlink(path.c_str());
  return Summarize(std::move(ms));
}

// `sealer` null: a plain ledger; else an encrypted one (docs/architecture.md, "Encrypted laptops").
Result<DurableFigures> RunDurable(const std::string& path, uint64_t n, uint64_t seed, const sync::Sealer* sealer) {
  sync::NodeConfig config{sync::NodeId{"th-152222104-d"}, sync::Level::kTownship,
                          sync::DivisionCode{kTownshipDivision}, "03"};
  sync::LedgerStore::Options options;  // durable, system clock: as silian-node runs
  options.sealer = sealer;
  SILIAN_ASSIGN_OR_RETURN(auto store, sync::LedgerStore::Create(path, config, options));
  SILIAN_RETURN_IF_ERROR(InstallCatalogue({store.get()}, std::filesystem::path(path).parent_path().string()));
  WindowSession session(*store, seed ^ 0xD00AB1Eull);
  DurableFigures f;
  std::vector<double> latencies;
  latencies.reserve(n);
  auto t0 = Clock::now();
  for (uint64_t i = 0; i < n; ++i) {
    auto a = Clock::now();
    SILIAN_ASSIGN_OR_RETURN(std::string kind, session.Next());
    latencies.push_back(Seconds(a, Clock::now()) * 1000);
    ++f.by_kind[kind];
  }
  f.seconds = Seconds(t0, Clock::now());
  f.ops = n;
  f.latency = Summarize(std::move(latencies));
  SILIAN_ASSIGN_OR_RETURN(f.fdatasync, TimeFdatasync(path + ".fsync-probe", 200));
  return f;
}

struct ImportFigures {
  double seconds = 0;     // opening the bundle file .. Commit() returned
  double open_s = 0;      // fopen, BundleReader::Open (magic, header), BeginImport
  double next_s = 0;      // BundleReader::Next: read, zstd, record parse, limit checks
  double add_s = 0;       // Import::Add: op parse, checks, chain hash, INSERT
  double commit_s = 0;    // Import::Commit: reproject touched cases, frontier, COMMIT
  uint64_t batches = 0;
  uint64_t decompressed_bytes = 0;
  sync::ImportStats stats;
  std::string digest;
};

Result<ImportFigures> RunImport(sync::LedgerStore& store, const std::string& bundle_path) {
  ImportFigures f;
  auto t0 = Clock::now();
  std::FILE* file = std::fopen(bundle_path.c_str(), "rb");
  if (file == nullptr) return Internal("cannot open bundle " + Quote(bundle_path) + ": " + std::strerror(errno));
  Status s = [&]() -> Status {
    SILIAN_ASSIGN_OR_RETURN(auto reader, sync::BundleReader::Open(sync::FileSource(file)));
    SILIAN_ASSIGN_OR_RETURN(auto import, store.BeginImport());
    auto t1 = Clock::now();
    f.open_s = Seconds(t0, t1);
    pb::Batch batch;
    for (;;) {
      auto a = Clock::now();
      SILIAN_ASSIGN_OR_RETURN(bool more, reader->Next(&batch));
      auto b = Clock::now();
      f.next_s += Seconds(a, b);
      if (!more) break;
      ++f.batches;
      SILIAN_RETURN_IF_ERROR(import->Add(batch));
      f.add_s += Seconds(b, Clock::now());
    }
    auto c = Clock::now();
    SILIAN_ASSIGN_OR_RETURN(f.stats, import->Commit(&reader->header().sender_frontier()));
    f.commit_s = Seconds(c, Clock::now());
    f.decompressed_bytes = reader->decompressed_bytes();
    return Status::Ok();
  }();
  std::fclose(file);
  f.seconds = Seconds(t0, Clock::now());
  SILIAN_RETURN_IF_ERROR(s);
  return f;
}

// The pieces of an import, each timed alone over the same ops.
struct Breakdown {
  double decode_s = 0;       // reading the bundle: zstd + record parse (== what Next() does)
  double parse_s = 0;        // pb::Op::ParseFromString of every op once
  double hash_s = 0;         // ChainHash of every op
  double project_s = 0;      // ProjectCase of every case
  double dump_s = 0;         // view.dump() and heads JSON of every case
  uint64_t cases = 0;
  uint64_t max_case_ops = 0;
  uint64_t view_bytes = 0;   // total bytes of case views written into `cases`
};

Result<Breakdown> RunBreakdown(const std::string& bundle_path) {
  Breakdown b;
  std::vector<std::string> op_bytes;
  auto t0 = Clock::now();
  std::FILE* file = std::fopen(bundle_path.c_str(), "rb");
  if (file == nullptr) return Internal("cannot open bundle " + Quote(bundle_path));
  Status read = [&]() -> Status {
    SILIAN_ASSIGN_OR_RETURN(auto reader, sync::BundleReader::Open(sync::FileSource(file)));
    pb::Batch batch;
    for (;;) {
      SILIAN_ASSIGN_OR_RETURN(bool more, reader->Next(&batch));
      if (!more) break;
      for (auto& e : *batch.mutable_entries())
        if (e.has_op()) op_bytes.push_back(std::move(*e.mutable_op()));
    }
    return Status::Ok();
  }();
  std::fclose(file);
  SILIAN_RETURN_IF_ERROR(read);
  auto t1 = Clock::now();
  b.decode_s = Seconds(t0, t1);

  std::vector<pb::Op> ops(op_bytes.size());
  for (size_t i = 0; i < op_bytes.size(); ++i)
    if (!ops[i].ParseFromString(op_bytes[i])) return Internal("bundle op does not parse");
  auto t2 = Clock::now();
  b.parse_s = Seconds(t1, t2);

  std::map<std::string, std::string> chain;
  for (size_t i = 0; i < op_bytes.size(); ++i) {
    auto [it, fresh] = chain.try_emplace(ops[i].origin(), std::string(32, '\0'));
    it->second = sync::ChainHash(it->second, op_bytes[i]);
  }
  auto t3 = Clock::now();
  b.hash_s = Seconds(t2, t3);

  std::map<std::string, std::vector<pb::Op>> by_case;
  for (auto& op : ops) by_case[op.case_id()].push_back(std::move(op));
  b.cases = by_case.size();
  std::vector<sync::CaseProjection> projections;
  projections.reserve(by_case.size());
  auto t4 = Clock::now();
  for (auto& [case_id, case_ops] : by_case) {
    b.max_case_ops = std::max<uint64_t>(b.max_case_ops, case_ops.size());
    projections.push_back(sync::ProjectCase(sync::CaseId{case_id}, std::move(case_ops)));
  }
  auto t5 = Clock::now();
  b.project_s = Seconds(t4, t5);
  for (const auto& p : projections) {
    json heads = json::array();
    for (const auto& h : p.heads) heads.push_back(h.ToString());
    b.view_bytes += p.view.dump().size() + heads.dump().size();
  }
  b.dump_s = Seconds(t5, Clock::now());
  return b;
}

// ---------------------------------------------------------------------------------------------- output

template <typename T>
const T& MedianBy(const std::vector<T>& runs, double T::*field) {
  std::vector<const T*> sorted;
  for (const auto& r : runs) sorted.push_back(&r);
  std::sort(sorted.begin(), sorted.end(), [&](const T* a, const T* b) { return a->*field < b->*field; });
  return *sorted[(sorted.size() - 1) / 2];
}

// Everything one `silian-bench local` run measured, and the figures derived from it.
struct LocalRun {
  std::string dir, fs;
  bool removed_at_end = false;
  WorkloadReport w;
  DurableFigures d;
  DurableFigures d_sealed;                    // the same commits into an encrypted ledger
  std::vector<ImportFigures> imports;
  std::vector<ImportFigures> sealed_imports;  // the same bundle into an encrypted ledger, alternating
  std::vector<ImportFigures> unchecked_imports;  // the same bundle, signed heads not checked (their cost)
  uint64_t sealed_ledger_bytes = 0;
  std::vector<BaselineFigures> baselines;
  uint64_t ledger_bytes = 0;
  uint64_t row_bytes = 0;
  Breakdown bd;
  // The median runs, and what is computed from them (Derive).
  const ImportFigures* imp = nullptr;
  const ImportFigures* sealed_imp = nullptr;
  double sealed_durable_rate = 0, sealed_import_rate = 0, unchecked_import_rate = 0;
  const BaselineFigures* base = nullptr;
  double durable_rate = 0, import_rate = 0, base_rate = 0, ratio = 0, bytes_per_op = 0;
  bool ratio_pass = false, bytes_pass = false;
  std::vector<double> import_s, base_s;
  std::string build, versions;
};

Status CheckOptions(const LocalOptions& options) {
  if (options.ops == 0) return InvalidArgument("--ops must be at least 1");
  if (options.durable_ops == 0) return InvalidArgument("--durable-ops must be at least 1");
  if (options.runs < 1) return InvalidArgument("--runs must be at least 1");
  if (!options.dir.empty() && !std::filesystem::is_directory(options.dir))
    return InvalidArgument("--dir " + Quote(options.dir) + " is not a directory");
  return Status::Ok();
}

// Phase 3: imports into an empty, durable ledger of the same area, and the plain-SQLite baseline, alternating.
// One import of the bundle into a new durable township ledger at `ledger` (encrypted when `sealer` is set),
// checked: every op stored, and the digest (over plaintext) equal to the exporter's.
Result<ImportFigures> ImportInto(const std::string& ledger, const std::string& bundle_path, uint64_t expected,
                                 const std::string& exporter_digest, const sync::Sealer* sealer,
                                 bool check_heads = true) {
  sync::NodeConfig importer{sync::NodeId{"th-152222104-b"}, sync::Level::kTownship,
                            sync::DivisionCode{kTownshipDivision}, "02"};
  sync::LedgerStore::Options options;
  options.sealer = sealer;
  options.skip_head_verification_for_benchmark = !check_heads;
  SILIAN_ASSIGN_OR_RETURN(auto store, sync::LedgerStore::Create(ledger, importer, options));
  SILIAN_ASSIGN_OR_RETURN(ImportFigures imp, RunImport(*store, bundle_path));
  if (imp.stats.new_ops != expected || imp.stats.pending != 0 || imp.stats.equivocations != 0)
    return Internal("the import stored " + std::to_string(imp.stats.new_ops) + " new ops (" +
                    std::to_string(imp.stats.pending) + " pending), expected " + std::to_string(expected));
  SILIAN_ASSIGN_OR_RETURN(sync::LedgerDigest digest, store->Digest(std::nullopt));
  imp.digest = digest.ToLine();
  if (imp.digest != exporter_digest)
    return Internal("the imported ledger's digest " + Quote(imp.digest) + " differs from the exporter's " +
                    Quote(exporter_digest));
  return imp;
}

Status MeasureImports(const LocalOptions& options, const std::string& bundle_path, const Progress& progress,
                      const sync::Sealer& sealer, LocalRun& r) {
  std::vector<OpRow> rows;
  for (int run = 1; run <= options.runs; ++run) {
    const std::string tag = std::to_string(run);
    progress("[3/4] run " + tag + "/" + std::to_string(options.runs) +
             ": importing the bundle into an empty durable township ledger");
    const std::string ledger = r.dir + "/import-" + tag + ".db";
    const uint64_t expected = options.ops + r.w.reference_ops;
    // Closing the store (end of ImportInto) checkpoints the WAL into the ledger file.
    SILIAN_ASSIGN_OR_RETURN(ImportFigures imp, ImportInto(ledger, bundle_path, expected, r.w.exporter_digest, nullptr));
    progress("      " + Fixed(imp.seconds, 2) + " s; the same into an empty encrypted ledger");
    const std::string sealed_ledger = r.dir + "/import-sealed-" + tag + ".db";
    SILIAN_ASSIGN_OR_RETURN(ImportFigures sealed,
                            ImportInto(sealed_ledger, bundle_path, expected, r.w.exporter_digest, &sealer));
    r.sealed_imports.push_back(std::move(sealed));
    if (run == 1) {
      std::error_code ec;
      r.sealed_ledger_bytes = std::filesystem::file_size(sealed_ledger, ec);
    }
    if (run == 1) {
      std::error_code ec;
      r.ledger_bytes = std::filesystem::file_size(ledger, ec);
      SILIAN_ASSIGN_OR_RETURN(rows, ReadOpRows(ledger));
      for (const auto& row : rows) r.row_bytes += row.bytes.size();
    }
    progress("      " + Fixed(r.sealed_imports.back().seconds, 2) +
             " s; the same with signed heads not checked (what the checks cost)");
    SILIAN_ASSIGN_OR_RETURN(ImportFigures unchecked, ImportInto(r.dir + "/import-unchecked-" + tag + ".db", bundle_path,
                                                                expected, r.w.exporter_digest, nullptr, false));
    r.unchecked_imports.push_back(std::move(unchecked));
    progress("      " + Fixed(r.unchecked_imports.back().seconds, 2) +
             " s; plain SQLite baseline: the same rows into a fresh file");
    SILIAN_ASSIGN_OR_RETURN(BaselineFigures base, RunBaseline(r.dir + "/baseline-" + tag + ".db", rows));
    progress("      " + Fixed(base.seconds, 2) + " s");
    r.imports.push_back(std::move(imp));
    r.baselines.push_back(base);
  }
  return Status::Ok();
}

void Derive(const LocalOptions& options, LocalRun& r) {
  r.imp = &MedianBy(r.imports, &ImportFigures::seconds);
  r.base = &MedianBy(r.baselines, &BaselineFigures::seconds);
  const double ops = static_cast<double>(options.ops);
  r.durable_rate = static_cast<double>(r.d.ops) / r.d.seconds;
  r.import_rate = ops / r.imp->seconds;
  r.sealed_imp = &MedianBy(r.sealed_imports, &ImportFigures::seconds);
  r.sealed_import_rate = ops / r.sealed_imp->seconds;
  r.sealed_durable_rate = static_cast<double>(r.d_sealed.ops) / r.d_sealed.seconds;
  r.unchecked_import_rate = ops / MedianBy(r.unchecked_imports, &ImportFigures::seconds).seconds;
  r.base_rate = static_cast<double>(r.base->rows) / r.base->seconds;
  r.ratio = r.import_rate / r.base_rate;
  r.bytes_per_op = static_cast<double>(r.w.bundle_bytes) / ops;
  r.ratio_pass = r.ratio >= kTargetImportRatio;
  r.bytes_pass = r.bytes_per_op <= kTargetBundleBytesPerOp;
  for (const auto& x : r.imports) r.import_s.push_back(x.seconds);
  for (const auto& x : r.baselines) r.base_s.push_back(x.seconds);
#ifdef __OPTIMIZE__
  r.build = "optimized";
#else
  r.build = "NOT optimized: the figures are not representative";
#endif
  r.versions = std::string("SQLite ") + sqlite3_libversion() + ", zstd " + ZSTD_versionString() + ", protobuf " +
               google::protobuf::internal::VersionString(GOOGLE_PROTOBUF_VERSION);
}

json WorkloadJson(const WorkloadReport& w, const ImportFigures& imp, double bytes_per_op, double ops,
                  json* bundle) {
  *bundle = {{"bytes", w.bundle_bytes},
             {"ops", w.bundle_ops},
             {"bytes_per_op", bytes_per_op},
             {"op_bytes_per_op", static_cast<double>(w.op_bytes) / ops},
             {"decompressed_bytes", imp.decompressed_bytes},
             {"batches", imp.batches}};
  return {{"origins", w.origins},
          {"village_origins", w.village_origins},
          {"cases", w.cases},
          {"ops", w.ops},
          {"working_days", w.working_days},
          {"first_day", w.first_day},
          {"last_day", w.last_day},
          {"ops_by_kind", w.ops_by_kind},
          {"ops_by_origin", w.ops_by_origin},
          {"transitions_by_action", w.transitions_by_action},
          {"exchanges", w.exchanges},
          {"seconds", w.seconds}};
}

json LocalJson(const LocalOptions& options, const LocalRun& r) {
  const ImportFigures& imp = *r.imp;
  const BaselineFigures& base = *r.base;
  const DurableFigures& d = r.d;
  json j;
  j["seed"] = options.seed;
  j["ops"] = options.ops;
  j["durable_ops"] = options.durable_ops;
  j["villages"] = options.villages;
  j["runs"] = options.runs;
  j["scratch"] = {{"dir", r.dir}, {"filesystem", r.fs}, {"removed", r.removed_at_end}};
  j["build"] = r.build;
  j["versions"] = r.versions;
  json bundle;
  j["workload"] = WorkloadJson(r.w, imp, r.bytes_per_op, static_cast<double>(options.ops), &bundle);
  j["bundle"] = bundle;
  j["durable"] = {{"ops", d.ops},
                  {"seconds", d.seconds},
                  {"ops_per_s", r.durable_rate},
                  {"p50_ms", d.latency.p50_ms},
                  {"p90_ms", d.latency.p90_ms},
                  {"p99_ms", d.latency.p99_ms},
                  {"max_ms", d.latency.max_ms},
                  {"fdatasync_p50_ms", d.fdatasync.p50_ms},
                  {"fdatasync_p99_ms", d.fdatasync.p99_ms},
                  {"ops_by_kind", d.by_kind}};
  j["import"] = {{"ops", imp.stats.new_ops},
                 {"cases", imp.stats.cases_touched},
                 {"seconds", imp.seconds},
                 {"ops_per_s", r.import_rate},
                 {"runs_s", r.import_s},
                 {"phases_s", {{"open", imp.open_s}, {"next", imp.next_s}, {"add", imp.add_s}, {"commit", imp.commit_s}}},
                 {"ledger_bytes", r.ledger_bytes},
                 {"digest", imp.digest},
                 {"digest_matches_exporter", true}};
  j["baseline"] = {{"rows", base.rows},         {"seconds", base.seconds},   {"rows_per_s", r.base_rate},
                   {"runs_s", r.base_s},        {"insert_s", base.insert_s}, {"commit_s", base.commit_s},
                   {"file_bytes", base.file_bytes}};
  j["targets"] = {
      {"import_ratio", {{"value", r.ratio}, {"target_min", kTargetImportRatio}, {"verdict", Verdict(r.ratio_pass)}}},
      {"bundle_bytes_per_op",
       {{"value", r.bytes_per_op}, {"target_max", kTargetBundleBytesPerOp}, {"verdict", Verdict(r.bytes_pass)}}}};
  j["encryption"] = {{"durable_ops_per_s", r.sealed_durable_rate},
                     {"durable_ratio", r.sealed_durable_rate / r.durable_rate},
                     {"durable_p50_ms", r.d_sealed.latency.p50_ms},
                     {"import_ops_per_s", r.sealed_import_rate},
                     {"import_ratio", r.sealed_import_rate / r.import_rate},
                     {"import_seconds", r.sealed_imp->seconds},
                     {"ledger_bytes", r.sealed_ledger_bytes},
                     {"ledger_bytes_ratio",
                      static_cast<double>(r.sealed_ledger_bytes) / static_cast<double>(std::max<uint64_t>(r.ledger_bytes, 1))},
                     {"digest_matches_exporter", true}};
  j["signatures"] = {{"import_ops_per_s_heads_checked", r.import_rate},
                     {"import_ops_per_s_heads_not_checked", r.unchecked_import_rate},
                     {"checked_vs_not", r.import_rate / r.unchecked_import_rate}};
  if (options.breakdown)
    j["breakdown"] = {{"decode_s", r.bd.decode_s},   {"parse_s", r.bd.parse_s},     {"hash_s", r.bd.hash_s},
                      {"project_s", r.bd.project_s}, {"json_dump_s", r.bd.dump_s}, {"cases", r.bd.cases},
                      {"max_case_ops", r.bd.max_case_ops}, {"view_bytes", r.bd.view_bytes}};
  return j;
}

std::string WorkloadText(const WorkloadReport& w, double ops) {
  std::string o = "\nworkload: authored through LedgerStore on non-durable ledgers, then exported by the hall\n";
  o += Row("origins", std::to_string(w.origins) + ": township hall " + w.exporter.node_id.value + " + " +
                          std::to_string(w.village_origins) + " village agent points");
  o += Row("cases", Grouped(w.cases) + " over " + std::to_string(w.working_days) + " working days (" + w.first_day +
                        " .. " + w.last_day + ")");
  o += Row("ops", Grouped(w.ops) + ", " + Fixed(ops / static_cast<double>(std::max<uint64_t>(w.cases, 1)), 1) +
                      " per case");
  o += Row("op mix", Mix(w.ops_by_kind, [&](uint64_t n) { return Percent(n, w.ops); }));
  std::string by_origin;
  for (const auto& [origin, n] : w.ops_by_origin)
    by_origin += (by_origin.empty() ? "" : ", ") + origin + " " + Grouped(n);
  o += Row("ops by origin", by_origin);
  o += Row("transitions", Mix(w.transitions_by_action, [](uint64_t n) { return Grouped(n); }));
  o += Row("exchanges", Grouped(w.exchanges) + " bundle imports between the hall and the agent points");
  o += Row("authoring time", Fixed(w.seconds, 1) + " s");
  return o;
}

std::string FiguresText(const LocalRun& r) {
  std::string o = "\n  " + Cell("figure", 40) + Cell("measured", 26) + Cell("target", 10) + "verdict\n";
  o += Row("single-op durable commits", Rate(r.durable_rate) + " ops/s");
  o += Row("import into an empty ledger", Rate(r.import_rate) + " ops/s");
  o += Row("durable commits, encrypted ledger", Rate(r.sealed_durable_rate) + " ops/s (" +
                                                    Fixed(100 * r.sealed_durable_rate / r.durable_rate, 1) +
                                                    "% of plain)");
  o += Row("import, encrypted ledger", Rate(r.sealed_import_rate) + " ops/s (" +
                                           Fixed(100 * r.sealed_import_rate / r.import_rate, 1) + "% of plain)");
  o += Row("import, signed heads not checked", Rate(r.unchecked_import_rate) + " ops/s (checked: " +
                                                  Fixed(100 * r.import_rate / r.unchecked_import_rate, 1) +
                                                  "% of this)");
  o += Row("plain SQLite, same rows", Rate(r.base_rate) + " rows/s");
  o += Row("import / plain SQLite", Cell(Fixed(r.ratio * 100, 1) + "%", 26) +
                                        Cell(">= " + Fixed(kTargetImportRatio * 100, 0) + "%", 10) +
                                        Verdict(r.ratio_pass));
  o += Row("bundle bytes per op", Cell(Fixed(r.bytes_per_op, 1), 26) +
                                      Cell("<= " + Fixed(kTargetBundleBytesPerOp, 0), 10) + Verdict(r.bytes_pass));
  return o;
}

std::string DetailsText(const LocalOptions& options, const LocalRun& r) {
  const ImportFigures& imp = *r.imp;
  const BaselineFigures& base = *r.base;
  const DurableFigures& d = r.d;
  const double ops = static_cast<double>(options.ops);
  auto list = [](const std::vector<double>& v) {
    std::string s;
    for (double x : v) s += (s.empty() ? "" : ", ") + Fixed(x, 3);
    return s;
  };
  std::string o = "\ndetails\n";
  o += Row("durable commits", Grouped(d.ops) + " authoring calls in " + Fixed(d.seconds, 2) + " s, one " +
                                  "synchronous=FULL transaction each; latency p50 " + Fixed(d.latency.p50_ms, 2) +
                                  " ms, p90 " + Fixed(d.latency.p90_ms, 2) + " ms, p99 " +
                                  Fixed(d.latency.p99_ms, 2) + " ms, max " + Fixed(d.latency.max_ms, 2) + " ms");
  o += Row("the disk alone", "fdatasync after a 4 KiB write: p50 " + Fixed(d.fdatasync.p50_ms, 2) + " ms, p99 " +
                                 Fixed(d.fdatasync.p99_ms, 2) + " ms (a WAL commit needs one)");
  o += Row("import", Grouped(imp.stats.new_ops) + " ops, " + Grouped(imp.stats.cases_touched) + " cases; median of " +
                         std::to_string(options.runs) + " runs: " + Fixed(imp.seconds, 3) + " s (runs: " +
                         list(r.import_s) + " s), file open to Commit returned");
  o += Row("plain SQLite", Grouped(base.rows) + " rows; median of " + std::to_string(options.runs) + " runs: " +
                               Fixed(base.seconds, 3) + " s (runs: " + list(r.base_s) +
                               " s), BEGIN to COMMIT returned; WAL, synchronous=FULL");
  o += Row("bundle", Grouped(r.w.bundle_bytes) + " bytes for " + Grouped(r.w.bundle_ops) + " ops in " +
                         Grouped(imp.batches) + " batches; " + Fixed(static_cast<double>(r.w.op_bytes) / ops, 1) +
                         " bytes/op serialized, " + Grouped(imp.decompressed_bytes) + " bytes decompressed (zstd " +
                         Fixed(static_cast<double>(imp.decompressed_bytes) /
                                   static_cast<double>(std::max<uint64_t>(r.w.bundle_bytes, 1)), 1) + "x)");
  o += Row("ledger after import", Grouped(r.ledger_bytes) + " bytes (plain SQLite file " +
                                      Grouped(base.file_bytes) + " bytes; op bytes alone " + Grouped(r.row_bytes) + ")");
  o += Row("encrypted ledger after import",
           Grouped(r.sealed_ledger_bytes) + " bytes (" +
               Fixed(100.0 * static_cast<double>(r.sealed_ledger_bytes) /
                         static_cast<double>(std::max<uint64_t>(r.ledger_bytes, 1)),
                     1) +
               "% of plain); durable commits p50 " + Fixed(r.d_sealed.latency.p50_ms, 2) + " ms");
  o += Row("digest check", "every imported ledger, plain or encrypted, equals the exporter's: " +
                               imp.digest.substr(0, 30) + "...");
  return o;
}

std::string PhasesText(const LocalOptions& options, const LocalRun& r) {
  const ImportFigures& imp = *r.imp;
  const Breakdown& bd = r.bd;
  auto share = [&](double s) { return Cell(Fixed(s, 3) + " s", 10) + Fixed(100 * s / imp.seconds, 1) + "%"; };
  std::string o = "\nimport phases (the median run, timed inside it)\n";
  o += Row("open file, header, BeginImport", share(imp.open_s));
  o += Row("BundleReader::Next: zstd, records", share(imp.next_s));
  o += Row("Import::Add: parse, check, hash, INSERT", share(imp.add_s));
  o += Row("Import::Commit: reproject, COMMIT", share(imp.commit_s));
  o += Row("plain SQLite (median run)",
           "INSERT loop " + Fixed(r.base->insert_s, 3) + " s, COMMIT " + Fixed(r.base->commit_s, 3) + " s");
  if (!options.breakdown) return o;
  o += "\npieces of the import, each timed alone over the same ops\n";
  o += Row("decode the bundle", Cell(Fixed(bd.decode_s, 3) + " s", 10) + "zstd and batch records");
  o += Row("pb::Op parse of every op", Cell(Fixed(bd.parse_s, 3) + " s", 10) +
                                           "Add parses each op, Commit's reprojection again");
  o += Row("ChainHash of every op", Cell(Fixed(bd.hash_s, 3) + " s", 10) + "BLAKE2b");
  o += Row("ProjectCase of every case", Cell(Fixed(bd.project_s, 3) + " s", 10) + Grouped(bd.cases) +
                                            " cases, up to " + std::to_string(bd.max_case_ops) + " ops each");
  o += Row("JSON dump of views and heads", Cell(Fixed(bd.dump_s, 3) + " s", 10) + Grouped(bd.view_bytes) +
                                               " bytes, written into the cases table");
  o += Row("=> rest of Add", Cell(Fixed(imp.add_s - bd.parse_s - bd.hash_s, 3) + " s", 10) +
                                 "checks and INSERT (plain SQLite INSERT loop " + Fixed(r.base->insert_s, 3) + " s)");
  o += Row("=> rest of Commit", Cell(Fixed(imp.commit_s - bd.parse_s - bd.project_s - bd.dump_s, 3) + " s", 10) +
                                    "SELECT of case ops, cases/conflicts rows, COMMIT");
  return o;
}

std::string LocalText(const LocalOptions& options, const LocalRun& r) {
  std::string o = "silian-bench local\n";
  o += Row("seed", std::to_string(options.seed) + " (replay with --seed " + std::to_string(options.seed) + ")");
  o += Row("scratch", r.dir + " (" + r.fs + ")" + (r.removed_at_end ? ", removed at the end" : ", kept"));
  o += Row("build", r.build + "; " + r.versions);
  o += WorkloadText(r.w, static_cast<double>(options.ops));
  o += FiguresText(r);
  o += DetailsText(options, r);
  o += PhasesText(options, r);
  return o;
}

}  // namespace

Status RunLocal(const LocalOptions& options, std::ostream& out, std::ostream& err) {
  SILIAN_RETURN_IF_ERROR(CheckOptions(options));
  ScratchDir scratch;
  SILIAN_RETURN_IF_ERROR(scratch.Make(options.dir, options.dir.empty() && !options.keep));
  LocalRun r;
  r.dir = scratch.path();
  r.fs = FileSystemName(r.dir);
  Progress progress = [&](const std::string& line) { err << "silian-bench: " << line << "\n" << std::flush; };
  progress("seed " + std::to_string(options.seed) + ", scratch " + r.dir + " (" + r.fs + ")");
  if (r.fs == "tmpfs") progress("warning: the scratch directory is on tmpfs, where fsync costs nothing");

  progress("[1/4] authoring the workload: " + Grouped(options.ops) + " ops by 1 township hall and " +
           std::to_string(options.villages) + " village agent points");
  WorkloadOptions wo;
  wo.seed = options.seed;
  wo.ops = options.ops;
  wo.villages = options.villages;
  wo.dir = r.dir;
  wo.bundle_path = r.dir + "/workload.bundle";
  wo.progress = progress;
  SILIAN_ASSIGN_OR_RETURN(r.w, GenerateWorkload(wo));
  progress("      done in " + Fixed(r.w.seconds, 1) + " s: " + Grouped(r.w.cases) + " cases, bundle " +
           Grouped(r.w.bundle_bytes) + " bytes");
  if (r.w.bundle_ops != options.ops)
    return Internal("the bundle holds " + std::to_string(r.w.bundle_ops) + " ops, expected " +
                    std::to_string(options.ops));

  progress("[2/4] timing " + Grouped(options.durable_ops) + " single-op durable commits");
  SILIAN_ASSIGN_OR_RETURN(r.d, RunDurable(r.dir + "/durable.db", options.durable_ops, options.seed, nullptr));
  progress("      done in " + Fixed(r.d.seconds, 1) + " s; the same into an encrypted ledger");
  SILIAN_ASSIGN_OR_RETURN(auto sealer, sync::MakeSealer(sync::NewDataKey()));
  std::error_code ec;
  std::filesystem::create_directory(r.dir + "/sealed", ec);  // its own catalogue ledger, as the first run's
  SILIAN_ASSIGN_OR_RETURN(r.d_sealed, RunDurable(r.dir + "/sealed/durable.db", options.durable_ops, options.seed,
                                                 sealer.get()));
  progress("      done in " + Fixed(r.d_sealed.seconds, 1) + " s");

  SILIAN_RETURN_IF_ERROR(MeasureImports(options, wo.bundle_path, progress, *sealer, r));
  if (options.breakdown) {
    progress("[4/4] timing the pieces of an import alone");
    SILIAN_ASSIGN_OR_RETURN(r.bd, RunBreakdown(wo.bundle_path));
  } else {
    progress("[4/4] skipped (--no-breakdown)");
  }
  r.removed_at_end = scratch.removed_at_end();
  Derive(options, r);
  out << (options.json ? LocalJson(options, r).dump(2) + "\n" : LocalText(options, r)) << std::flush;
  return Status::Ok();
}

}  // namespace silian::bench
