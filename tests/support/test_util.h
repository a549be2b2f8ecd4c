// Shared helpers of the replica-core tests: seeds and a portable random source, temporary directories,
// hand-made ops, stores on throwaway files, exchanges between stores, snapshots of a replica's visible
// state, and the random workload of the merge property and crash tests.
//
// Randomness: every random test draws from Rng (splitmix64), never from <random> distributions, whose
// output differs between standard libraries; a seed printed by one build replays on any other.
#pragma once

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "silian.pb.h"
#include "domain/case_model.h"
#include "base/hlc.h"
#include "base/ids.h"
#include "base/status.h"
#include "domain/store.h"

namespace silian::test {

// ---------------------------------------------------------------------------------------------------
// Status checks that print the message on failure.

inline std::string Describe(const Status& s) { return s.ToString(); }
template <typename T>
std::string Describe(const Result<T>& r) {
  return r.status().ToString();
}

// REQUIRE that a Status or Result is OK, printing its message otherwise.
#define SILIAN_REQUIRE_OK(expr)                                   \
  do {                                                            \
    const auto& silian_req_ = (expr);                             \
    INFO(#expr << " -> " << ::silian::test::Describe(silian_req_)); \
    REQUIRE(silian_req_.ok());                                    \
  } while (0)

template <typename T>
T TakeValue(Result<T> r, const char* expr) {
  INFO(expr << " -> " << r.status().ToString());
  REQUIRE(r.ok());
  return std::move(r).value();
}
// The value of a Result expression; REQUIREs it to be OK, printing the expression and status otherwise.
#define SILIAN_TAKE(expr) ::silian::test::TakeValue((expr), #expr)

// ---------------------------------------------------------------------------------------------------
// Seeds and randomness.

// The seed given in SILIAN_SEED, if any: random tests then run that seed only.
inline std::optional<uint64_t> SeedFromEnv() {
  const char* text = std::getenv("SILIAN_SEED");
  if (text == nullptr || *text == '\0') return std::nullopt;
  char* end = nullptr;
  unsigned long long v = std::strtoull(text, &end, 10);
  if (end == nullptr || *end != '\0') FAIL("SILIAN_SEED=\"" << text << "\" is not a decimal number");
  return static_cast<uint64_t>(v);
}

// `count` seeds starting at `first`, or only the one in SILIAN_SEED.
inline std::vector<uint64_t> Seeds(uint64_t first, size_t count) {
  if (auto env = SeedFromEnv()) return {*env};
  std::vector<uint64_t> out;
  for (size_t i = 0; i < count; ++i) out.push_back(first + i);
  return out;
}

// splitmix64: small, fast, identical everywhere.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed * 0x9E3779B97F4A7C15ull + 0x2545F4914F6CDD1Dull) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n); n > 0.
  uint64_t Below(uint64_t n) { return Next() % n; }
  // Uniform in [lo, hi].
  uint64_t Between(uint64_t lo, uint64_t hi) { return lo + Below(hi - lo + 1); }
  // True with probability percent/100.
  bool Percent(uint64_t percent) { return Below(100) < percent; }
  template <typename T>
  const T& Pick(const std::vector<T>& v) {
    return v[static_cast<size_t>(Below(v.size()))];
  }
  template <typename T>
  void Shuffle(std::vector<T>& v) {
    for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[static_cast<size_t>(Below(i))]);
  }

 private:
  uint64_t state_;
};

// ---------------------------------------------------------------------------------------------------
// Files.

// A fresh directory, removed with everything in it on destruction. On disk under the system temporary
// directory, or, for tests that create hundreds of throwaway stores, in memory (/dev/shm) where there is
// one: file creation there costs no disk journal.
class TempDir {
 public:
  enum class Where { kDisk, kMemory };
  explicit TempDir(Where where = Where::kDisk) {
    std::filesystem::path base = std::filesystem::temp_directory_path();
    std::error_code ec;
    if (where == Where::kMemory && std::filesystem::is_directory("/dev/shm", ec) && ::access("/dev/shm", W_OK) == 0)
      base = "/dev/shm";
    std::string pattern = (base / "silian-test-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// ---------------------------------------------------------------------------------------------------
// Identifiers and values.

inline constexpr const char* kVillage = "152222104200";       // a gacha in Horqin Right Middle Banner
inline constexpr const char* kOtherVillage = "152222104201";  // its neighbour in the same township
inline constexpr uint64_t kT0Ms = 1767225600000ull;          // 2026-01-01T00:00:00Z

inline uint64_t Stamp(uint64_t ms, uint64_t logical = 0) { return sync::Hlc::From(ms, logical).value; }

// A resident ID number with a correct GB 11643 check character; distinct for n in 0..999.
inline std::string ResidentId(uint32_t n) {
  std::string body = "15222219800101";
  body += std::to_string(100 + n % 900).substr(0, 3);
  static constexpr int kWeights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  static constexpr char kCheck[11] = {'1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'};
  int sum = 0;
  for (int i = 0; i < 17; ++i) sum += (body[static_cast<size_t>(i)] - '0') * kWeights[i];
  return body + kCheck[sum % 11];
}

inline sync::OpId Id(const std::string& text) {
  auto id = sync::ParseOpId(text);
  REQUIRE(id.ok());
  return *id;
}

// ---------------------------------------------------------------------------------------------------
// Hand-made ops for pure projection tests.

// The envelope of a hand-made op. `id` is "origin:seq"; `parents` are op ids.
struct Head {
  std::string id;
  uint64_t hlc = 0;
  std::vector<std::string> parents;
  std::string case_id = "n1:1";
  std::string actor = "staff-1";
};

inline pb::Op Envelope(const Head& h) {
  sync::OpId id = Id(h.id);
  pb::Op op;
  op.set_origin(id.origin);
  op.set_seq(id.seq);
  op.set_hlc(h.hlc);
  op.set_actor(h.actor);
  op.set_case_id(h.case_id);
  op.set_division(kVillage);
  for (const auto& p : h.parents) {
    sync::OpId pid = Id(p);
    auto* ref = op.add_parents();
    ref->set_origin(pid.origin);
    ref->set_seq(pid.seq);
  }
  return op;
}

inline pb::Op CreatedOp(const Head& h, const std::string& applicant_name = "Bayar",
                        const std::string& applicant_id = ResidentId(1), const std::string& item_code = "ITEM-1") {
  pb::Op op = Envelope(h);
  auto* c = op.mutable_case_created();
  c->set_case_number(kVillage + std::string("01202601010001"));
  c->set_item_code(item_code);
  c->set_applicant_name(applicant_name);
  c->set_applicant_id_type("resident_id");
  c->set_applicant_id(applicant_id);
  c->set_phone("0482-1234567");
  c->set_address("Gacha 3");
  c->set_summary("first application");
  c->set_channel("agent");
  return op;
}

inline pb::Op SetOp(const Head& h, const std::vector<std::pair<std::string, std::string>>& values) {
  pb::Op op = Envelope(h);
  for (const auto& [f, v] : values) {
    auto* fv = op.mutable_fields_set()->add_values();
    fv->set_field(f);
    fv->set_value(v);
  }
  return op;
}

inline pb::Op ActOp(const Head& h, const std::string& action, const std::string& reason = "") {
  pb::Op op = Envelope(h);
  op.mutable_transition()->set_action(action);
  op.mutable_transition()->set_reason(reason);
  return op;
}

inline pb::Op NoteOp(const Head& h, const std::string& text) {
  pb::Op op = Envelope(h);
  op.mutable_note_added()->set_text(text);
  return op;
}

inline pb::Op MaterialOp(const Head& h, const std::string& name, uint32_t copies) {
  pb::Op op = Envelope(h);
  op.mutable_material_received()->set_name(name);
  op.mutable_material_received()->set_copies(copies);
  return op;
}

inline pb::Op ResolveKeepOp(const Head& h, const std::string& conflict_id, const std::string& keep) {
  pb::Op op = Envelope(h);
  auto* r = op.mutable_conflict_resolved();
  r->set_conflict_id(conflict_id);
  sync::OpId k = Id(keep);
  r->mutable_keep()->set_origin(k.origin);
  r->mutable_keep()->set_seq(k.seq);
  return op;
}

inline pb::Op ResolveValueOp(const Head& h, const std::string& conflict_id, const std::string& value) {
  pb::Op op = Envelope(h);
  op.mutable_conflict_resolved()->set_conflict_id(conflict_id);
  op.mutable_conflict_resolved()->set_value(value);
  return op;
}

inline pb::Entry OpEntry(const pb::Op& op) {
  pb::Entry e;
  e.set_op(op.SerializeAsString());
  return e;
}

// The op id of an op entry, or "skip:origin:from-to" for a skip.
inline std::string EntryName(const pb::Entry& e) {
  if (e.has_skip())
    return "skip:" + e.skip().origin() + ":" + std::to_string(e.skip().from_seq()) + "-" +
           std::to_string(e.skip().to_seq());
  pb::Op op;
  REQUIRE(op.ParseFromString(e.op()));
  return sync::OpId{op.origin(), op.seq()}.ToString();
}

// ---------------------------------------------------------------------------------------------------
// Stores.

inline sync::NodeConfig NodeAt(const std::string& node_id, sync::Level level = sync::Level::kVillage,
                               const std::string& division = kVillage, const std::string& device = "01") {
  sync::NodeConfig c;
  c.node_id = sync::NodeId{node_id};
  c.level = level;
  c.division = sync::DivisionCode{division};
  c.device = device;
  return c;
}

// Options for a throwaway store: not durable, on a hand-set clock.
inline sync::LedgerStore::Options FastOptions(sync::WallClock* wall) {
  sync::LedgerStore::Options o;
  o.durable = false;
  o.wall = wall;
  return o;
}

// A store with its own hand-set wall clock. The clock outlives the store (declared first).
struct Replica {
  std::string path;
  std::unique_ptr<sync::ManualWallClock> wall;
  std::unique_ptr<sync::LedgerStore> store;

  sync::LedgerStore* operator->() { return store.get(); }
  sync::LedgerStore& operator*() { return *store; }
};

inline Replica MakeReplica(const TempDir& dir, const sync::NodeConfig& config, uint64_t now_ms = kT0Ms,
                           bool durable = false) {
  Replica r;
  r.path = dir.File(config.node_id.value + ".db");
  r.wall = std::make_unique<sync::ManualWallClock>(now_ms);
  sync::LedgerStore::Options o = FastOptions(r.wall.get());
  o.durable = durable;
  r.store = SILIAN_TAKE(sync::LedgerStore::Create(r.path, config, o));
  return r;
}

inline sync::NewCase SampleCase(uint32_t n, const std::string& actor = "agent-1") {
  sync::NewCase c;
  c.item_code = "11152222MB1234567X-1-001";
  c.applicant_name = "Applicant " + std::to_string(n);
  c.applicant_id = ResidentId(n);
  c.phone = "0482-55501" + std::to_string(10 + n % 90);
  c.address = "Gacha road " + std::to_string(n);
  c.summary = "pension certificate";
  c.channel = "agent";
  c.actor = actor;
  return c;
}

// Every entry `from` holds beyond `holder`.
inline std::vector<pb::Entry> ExportEntries(sync::LedgerStore& from, const pb::Frontier& holder) {
  std::vector<pb::Entry> out;
  SILIAN_REQUIRE_OK(from.Export(holder, [&](pb::Entry e) {
    out.push_back(std::move(e));
    return Status::Ok();
  }));
  return out;
}
inline std::vector<pb::Entry> ExportAll(sync::LedgerStore& from) { return ExportEntries(from, pb::Frontier()); }

// Imports `entries` in one transaction, `batch_entries` entries per batch.
inline sync::ImportStats ImportEntries(sync::LedgerStore& to, const std::vector<pb::Entry>& entries,
                                       size_t batch_entries = 1000, const pb::Frontier* sender = nullptr) {
  auto import = SILIAN_TAKE(to.BeginImport());
  for (size_t i = 0; i < entries.size(); i += batch_entries) {
    pb::Batch batch;
    for (size_t k = i; k < std::min(entries.size(), i + batch_entries); ++k) *batch.add_entries() = entries[k];
    SILIAN_REQUIRE_OK(import->Add(batch));
  }
  return SILIAN_TAKE(import->Commit(sender));
}

// Sends `to` everything `from` holds that `to` lacks, with `from`'s frontier for the divergence check.
inline sync::ImportStats Exchange(sync::LedgerStore& from, sync::LedgerStore& to) {
  pb::Frontier holder = SILIAN_TAKE(to.GetFrontier());
  pb::Frontier sender = SILIAN_TAKE(from.GetFrontier());
  return ImportEntries(to, ExportEntries(from, holder), 1000, &sender);
}

// What a person can see of a replica: the digest line, `case show --json` of every case, the conflicts.
struct Snapshot {
  std::string digest;
  std::map<std::string, std::string> cases;  // case id -> ShowCase JSON
  std::string conflicts;                    // ListConflicts as a JSON array

  bool operator==(const Snapshot&) const = default;
};

inline Snapshot TakeSnapshot(sync::LedgerStore& s, std::optional<std::string> scope = std::nullopt) {
  Snapshot snap;
  snap.digest = SILIAN_TAKE(s.Digest(scope)).ToLine();
  sync::CaseFilter all;
  all.limit = 100000;
  for (const auto& c : SILIAN_TAKE(s.ListCases(all)))
    snap.cases[c.case_id] = SILIAN_TAKE(s.ShowCase(c.case_id)).dump();
  nlohmann::json conflicts = nlohmann::json::array();
  for (auto& c : SILIAN_TAKE(s.ListConflicts())) conflicts.push_back(std::move(c));
  snap.conflicts = conflicts.dump();
  return snap;
}

// Reports the first difference between two snapshots (for INFO), or "" when equal.
inline std::string FirstDifference(const Snapshot& a, const Snapshot& b) {
  if (a.digest != b.digest) return "digest: " + a.digest + " vs " + b.digest;
  if (a.cases.size() != b.cases.size())
    return "case count: " + std::to_string(a.cases.size()) + " vs " + std::to_string(b.cases.size());
  for (const auto& [id, json] : a.cases) {
    auto it = b.cases.find(id);
    if (it == b.cases.end()) return "case " + id + " missing in the second";
    if (it->second != json) return "case " + id + ":\n  " + json + "\nvs\n  " + it->second;
  }
  if (a.conflicts != b.conflicts) return "conflicts:\n  " + a.conflicts + "\nvs\n  " + b.conflicts;
  return "";
}

// ---------------------------------------------------------------------------------------------------
// The random workload: origins authoring concurrent ops on shared cases, with partial exchanges.

// Values drawn from small pools so that concurrent writes sometimes agree and sometimes clash.
inline const std::vector<std::string>& NamePool() {
  static const std::vector<std::string> v = {"Bayar", "Sarangerel", "Wang Fang", "Oyunaa"};
  return v;
}
inline const std::vector<std::string>& ItemPool() {
  static const std::vector<std::string> v = {"11152222MB1234567X-1-001", "11152222MB1234567X-1-002",
                                             "11152222MB7654321Y-2-010"};
  return v;
}

class Workload {
 public:
  struct Counts {
    int created = 0, fields = 0, guarded = 0, transitions = 0, notes = 0, materials = 0, resolutions = 0;
    int exchanges = 0;
  };

  // `replicas` are borrowed; every replica must be in the same village division.
  Workload(Rng& rng, std::vector<Replica*> replicas) : rng_(rng), replicas_(std::move(replicas)) {}

  // One random step: an authoring op on a random origin (after moving its wall clock, sometimes back),
  // or a partial exchange between two origins.
  void Step() {
    if (rng_.Percent(18)) {
      PartialExchange();
      return;
    }
    Replica& r = *replicas_[static_cast<size_t>(rng_.Below(replicas_.size()))];
    MoveClock(r);
    sync::CaseFilter all;
    all.limit = 100000;
    std::vector<sync::CaseSummary> cases;
    // A case whose creation op has not arrived here yet (its other ops came first) cannot be written to.
    for (auto& c : SILIAN_TAKE(r->ListCases(all)))
      if (!c.case_number.empty()) cases.push_back(std::move(c));
    if (cases.empty() || (cases.size() < 4 && rng_.Percent(15))) {
      Create(r);
      return;
    }
    const std::string case_id = rng_.Pick(cases).case_id;
    uint64_t what = rng_.Below(100);
    std::string actor = "staff-" + std::to_string(rng_.Below(3));
    if (what < 15) {
      static const std::vector<std::string> plain = {"phone", "address", "summary", "channel"};
      std::string field = rng_.Pick(plain);
      std::string value = field == "phone" ? "0482-" + std::to_string(rng_.Between(1000, 1003))
                                           : field + " v" + std::to_string(rng_.Below(4));
      SILIAN_TAKE(r->SetFields(case_id, {{field, value}}, actor));
      ++counts_.fields;
    } else if (what < 30) {
      std::vector<std::pair<std::string, std::string>> values;
      uint64_t g = rng_.Below(3);
      if (g == 0) values.push_back({"applicant_name", rng_.Pick(NamePool())});
      if (g == 1) values.push_back({"applicant_id", ResidentId(static_cast<uint32_t>(rng_.Below(3)))});
      if (g == 2) values.push_back({"item_code", rng_.Pick(ItemPool())});
      if (rng_.Percent(30)) values.push_back({"summary", "with guarded " + std::to_string(rng_.Below(3))});
      SILIAN_TAKE(r->SetFields(case_id, values, actor));
      ++counts_.guarded;
    } else if (what < 60) {
      Transition(r, case_id, actor);
    } else if (what < 70) {
      SILIAN_TAKE(r->AddNote(case_id, "note " + std::to_string(rng_.Below(1000)), actor));
      ++counts_.notes;
    } else if (what < 78) {
      static const std::vector<std::string> names = {"ID card copy", "household register", "photo"};
      SILIAN_TAKE(r->AddMaterial(case_id, rng_.Pick(names), static_cast<uint32_t>(rng_.Between(1, 3)), actor));
      ++counts_.materials;
    } else if (what < 92) {
      Resolve(r, actor);
    } else {
      Create(r);
    }
  }

  // Exchanges until every replica holds everything: all to the first, then the first to all.
  void FullExchange() {
    for (size_t i = 1; i < replicas_.size(); ++i) CheckNoWarnings(Exchange(**replicas_[i], **replicas_[0]));
    for (size_t i = 1; i < replicas_.size(); ++i) CheckNoWarnings(Exchange(**replicas_[0], **replicas_[i]));
  }

  const Counts& counts() const { return counts_; }

 private:
  static void CheckNoWarnings(const sync::ImportStats& s) {
    INFO((s.warnings.empty() ? std::string() : s.warnings.front()));
    REQUIRE(s.warnings.empty());
    REQUIRE(s.equivocations == 0);
  }

  void MoveClock(Replica& r) {
    uint64_t now = r.wall->NowMs();
    if (rng_.Percent(8) && now > kT0Ms + 5000)
      r.wall->Set(now - rng_.Between(1, 5000));  // the wall clock steps back (NTP correction, bad battery)
    else
      r.wall->Set(now + rng_.Between(0, 3000));
  }

  void Create(Replica& r) {
    sync::NewCase c;
    uint32_t n = static_cast<uint32_t>(rng_.Below(3));
    c.item_code = rng_.Pick(ItemPool());
    c.applicant_name = rng_.Pick(NamePool());
    c.applicant_id = ResidentId(n);
    c.phone = "0482-" + std::to_string(rng_.Between(1000, 1003));
    c.address = "Gacha road " + std::to_string(rng_.Below(20));
    c.summary = "application " + std::to_string(rng_.Below(100));
    c.channel = rng_.Percent(50) ? "agent" : "window";
    c.actor = "agent-" + std::to_string(rng_.Below(2));
    SILIAN_TAKE(r->CreateCase(c));
    ++counts_.created;
  }

  void Transition(Replica& r, const std::string& case_id, const std::string& actor) {
    nlohmann::json view = SILIAN_TAKE(r->ShowCase(case_id));
    auto status = sync::ParseCaseStatus(view.at("status").get<std::string>());
    REQUIRE(status.ok());
    std::vector<sync::Action> allowed = sync::AllowedActions(*status);
    if (allowed.empty()) return;
    // Favour the forward path so cases reach decisions, where concurrent actions clash.
    std::vector<sync::Action> forward;
    for (sync::Action a : allowed)
      if (a != sync::Action::kWithdraw && a != sync::Action::kTerminate && a != sync::Action::kRevoke)
        forward.push_back(a);
    sync::Action a = (forward.empty() || rng_.Percent(7)) ? rng_.Pick(allowed) : rng_.Pick(forward);
    std::string reason = sync::ReasonRequired(a) || rng_.Percent(20) ? "reason " + std::to_string(rng_.Below(5)) : "";
    std::vector<std::pair<std::string, std::string>> details;
    if (a == sync::Action::kExtend) details.emplace_back("days", std::to_string(rng_.Between(1, 15)));
    if (a == sync::Action::kSuspend) details.emplace_back("procedure", "site_inspection");
    if (a == sync::Action::kIssueCertificate) {
      details.emplace_back("certificate_name", "licence");
      details.emplace_back("certificate_number", "N" + std::to_string(rng_.Below(1000)));
    }
    if (a == sync::Action::kDeliver) details.emplace_back("method", "window");
    SILIAN_TAKE(r->Act(case_id, a, reason, actor, details));
    ++counts_.transitions;
  }

  void Resolve(Replica& r, const std::string& actor) {
    std::vector<nlohmann::json> conflicts;
    // A conflict on a case whose creation op has not arrived here cannot be resolved here.
    for (auto& c : SILIAN_TAKE(r->ListConflicts()))
      if (!c.value("case_number", "").empty()) conflicts.push_back(std::move(c));
    if (conflicts.empty()) return;
    const nlohmann::json& c = rng_.Pick(conflicts);
    const std::string id = c.at("id").get<std::string>();
    const nlohmann::json& candidates = c.at("candidates");
    Result<sync::OpId> done = Status(StatusCode::kInternal, "not tried");
    if (c.at("kind") == "field" && rng_.Percent(30)) {
      const std::string field = c.at("field").get<std::string>();
      std::string value = field == "applicant_name" ? rng_.Pick(NamePool())
                          : field == "item_code"    ? rng_.Pick(ItemPool())
                          : field == "applicant_id" ? ResidentId(static_cast<uint32_t>(rng_.Below(3)))
                                                    : "resident_id";
      done = r->ResolveConflict(id, std::nullopt, value, actor);
    } else {
      size_t k = static_cast<size_t>(rng_.Below(candidates.size()));
      auto keep = sync::ParseOpId(candidates.at(k).at("op").get<std::string>());
      REQUIRE(keep.ok());
      done = r->ResolveConflict(id, *keep, std::nullopt, actor);
    }
    INFO("resolving " << c.dump() << " -> " << done.status().ToString());
    REQUIRE(done.ok());
    ++counts_.resolutions;
  }

  // Sends a random part of what one replica holds beyond another's frontier: a random subset, so that
  // some ops arrive ahead of their gaps and wait in the pending area.
  void PartialExchange() {
    size_t a = static_cast<size_t>(rng_.Below(replicas_.size()));
    size_t b = static_cast<size_t>(rng_.Below(replicas_.size() - 1));
    if (b >= a) ++b;
    sync::LedgerStore& from = **replicas_[a];
    sync::LedgerStore& to = **replicas_[b];
    auto entries = ExportEntries(from, SILIAN_TAKE(to.GetFrontier()));
    std::vector<pb::Entry> part;
    uint64_t keep_percent = rng_.Percent(50) ? 100 : rng_.Between(30, 90);
    for (auto& e : entries)
      if (rng_.Percent(keep_percent)) part.push_back(std::move(e));
    if (rng_.Percent(30)) rng_.Shuffle(part);
    ImportEntries(to, part, static_cast<size_t>(rng_.Between(1, 50)));
    ++counts_.exchanges;
  }

  Rng& rng_;
  std::vector<Replica*> replicas_;
  Counts counts_;
};

}  // namespace silian::test
