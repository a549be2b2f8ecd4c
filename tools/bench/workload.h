// The benchmark workload: a seeded, replayable imitation of what a township hall and its village agent
// points write into their ledgers.
//
// Two layers:
// - Pure generators (Rng, catalogue, names, resident ID numbers, phones, addresses, case scripts): no I/O,
//   deterministic for a seed with any standard library (the distributions are implemented here, not taken
//   from <random>, whose distributions differ between library implementations).
// - Drivers that author those scripts through LedgerStore, so every op is a real op with a real HLC stamp,
//   parents and hash chain: GenerateWorkload (several nodes, day by day, with USB-stick style exchanges
//   between them, ending in one bundle file) and WindowSession (one node, one op per call, for timing
//   single-op commits).
// Not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/random.h"
#include "domain/case_model.h"
#include "base/hlc.h"
#include "base/ids.h"
#include "base/status.h"
#include "domain/store.h"

namespace silian::bench {

// xoshiro256** seeded through splitmix64.
class Rng {
 public:
  explicit Rng(uint64_t seed);
  uint64_t Next();
  // Uniform in [0, n). REQUIRES: n > 0.
  uint64_t Below(uint64_t n);
  // Uniform in [lo, hi]. REQUIRES: lo <= hi.
  int Between(int lo, int hi);
  // True with probability `p` (0..1).
  bool Chance(double p);
  template <typename T>
  const T& Pick(const std::vector<T>& v) {
    return PickFrom(*this, v);
  }

 private:
  Xoshiro256 core_;
};

// ---- Reference data.

// The area the workload lives in: one township (乡镇/苏木) and its villages (嘎查).
inline constexpr const char* kCountyCode = "152222";          // 科尔沁右翼中旗
inline constexpr const char* kTownshipDivision = "152222104000";  // the township hall's own code
struct Village {
  std::string division;  // 12 digits
  std::string name;      // e.g. "五道井子嘎查"
};
// The villages of the township; the first ones host agent points.
const std::vector<Village>& Villages();
const char* TownshipName();

struct CatalogueItem {
  std::string code;   // 31 characters: body's unified social credit code (18) + level (1) + basic code (12)
  std::string name;   // e.g. "最低生活保障审核确认"
  bool instant = false;             // 即办件: accepted and decided on the spot
  bool certificate = false;         // a certificate is issued before delivery
  bool public_notice = false;       // usually suspended for a public notice or site inspection
  std::vector<std::string> materials;  // in the order a clerk asks for them
};
// About 40 items of a township hall's catalogue, with codes built from valid credit codes.
const std::vector<CatalogueItem>& Catalogue();

// The county that publishes the benchmark's catalogue: a county ledger created in `dir` (the root of trust
// of these standalone ledgers) registers `nodes` and publishes Catalogue() as township items; each node
// then imports the county's ops from a bundle, as a node set up from a USB stick would. Cases authored
// afterwards carry their item's terms, so authority is checked as in production.
// kInternal naming the step on failure.
Status InstallCatalogue(const std::vector<sync::LedgerStore*>& nodes, const std::string& dir);
// The same from an existing county ledger `county` (a hub's, already its registry's root or registered):
// registers `nodes`, publishes the catalogue, and hands its ops to each node.
Status PublishCatalogue(sync::LedgerStore& county, const std::vector<sync::LedgerStore*>& nodes);

// GB 32100 check character of an 18-character unified social credit code's first 17 characters.
char CreditCodeCheck(std::string_view first17);
// GB 11643 (ISO 7064 MOD 11-2) check character of a resident ID number's first 17 digits.
char ResidentIdCheck(std::string_view first17);

// Applicant details.
std::string MakeName(Rng& rng);               // Han or Mongolian personal name
std::string MakeResidentId(Rng& rng);         // 18 characters, valid check character
std::string MakePhone(Rng& rng);              // 11-digit mobile number
std::string MakeAddress(Rng& rng, const Village& village);

// ---- Case scripts.

// One authoring call.
struct Step {
  enum class Kind { kCreate, kAct, kMaterial, kNote, kSetFields };
  Kind kind = Kind::kNote;
  sync::Action action = sync::Action::kReceive;  // kAct
  std::string text;                              // reason (kAct), material name, note text
  uint32_t copies = 1;                           // kMaterial
  std::vector<std::pair<std::string, std::string>> fields;  // kSetFields
  sync::NewCase new_case;                        // kCreate
  std::string actor;
};

// Steps one node performs back to back, `delay_days` working days after the previous sitting.
struct Sitting {
  int node = 0;  // index into the workload's nodes: 0 is the township hall, 1.. the village points
  int delay_days = 0;
  std::vector<Step> steps;
};

// The whole life of one case as it will be authored. `home` is the node that creates it: a village point
// (代办: create, receive, collect materials, forward; the township accepts and decides; the agent delivers)
// or the township hall (window case, start to end at the hall).
std::vector<Sitting> MakeCaseScript(Rng& rng, int home, int village_index);

// ---- Drivers.

struct WorkloadOptions {
  uint64_t seed = 0;
  uint64_t ops = 0;         // exactly this many ops are authored, over all nodes
  int villages = 2;         // village agent points authoring, besides the township hall
  std::string dir;          // scratch directory for the authoring ledgers (must exist)
  std::string bundle_path;  // where the bundle of every op is written
  std::function<void(const std::string&)> progress;  // a line of progress, may be empty
};

struct WorkloadReport {
  uint64_t reference_ops = 0;  // catalogue items and registrations in the bundle besides the workload's ops
  uint64_t ops = 0;
  uint64_t cases = 0;
  int origins = 0;
  int village_origins = 0;
  int working_days = 0;
  std::string first_day;  // YYYY-MM-DD
  std::string last_day;
  std::map<std::string, uint64_t> ops_by_kind;    // case_created, transition, material_received, ...
  std::map<std::string, uint64_t> ops_by_origin;
  std::map<std::string, uint64_t> transitions_by_action;
  uint64_t exchanges = 0;         // bundle imports between nodes during generation
  uint64_t bundle_bytes = 0;      // the size of the final bundle file
  uint64_t op_bytes = 0;          // sum of serialized op sizes in the bundle
  uint64_t bundle_ops = 0;        // ops in the bundle (== ops)
  sync::NodeConfig exporter;      // the township hall that wrote the bundle
  std::string exporter_digest;    // its Digest() line, for checking an import
  double seconds = 0;
};

// Authors the workload on non-durable ledgers in `dir` (one per node, with a ManualWallClock per node
// advancing through working days), exchanges bundles between the township and each village at the end of
// every day, and finally exports everything the township holds into `bundle_path`.
// Errors: whatever the store or bundle codec reports (an authoring refusal here is a bug in the script).
Result<WorkloadReport> GenerateWorkload(const WorkloadOptions& options);

// One township hall working alone: window cases only (MakeCaseScript with home = township), so every sitting
// of every case happens at this node. Day by day from 2026-01-05 as GenerateWorkload runs the hall: 14 to 36
// walk-ins a day, interleaved with the follow-up sittings due that day, on `wall` (the store's wall clock,
// set to each working day's opening and moved on between steps). Stops after exactly `ops` ops.
struct HallWorkloadReport {
  uint64_t ops = 0;
  uint64_t cases = 0;
  int working_days = 0;
  std::string first_day;  // YYYY-MM-DD
  std::string last_day;
  std::map<std::string, uint64_t> ops_by_kind;  // case_created, transition, material_received, ...
};
// Errors: whatever the store reports (a refusal here is a bug in the script).
Result<HallWorkloadReport> AuthorHallWorkload(sync::LedgerStore& store, sync::ManualWallClock& wall, uint64_t seed,
                                              uint64_t ops);

// Authors window cases (MakeCaseScript with home = township) on `store`, one op per Next() call.
class WindowSession {
 public:
  WindowSession(sync::LedgerStore& store, uint64_t seed);
  // Authors the next op. Returns its kind ("case_created", "transition", ...).
  Result<std::string> Next();

 private:
  sync::LedgerStore& store_;
  Rng rng_;
  std::vector<Step> pending_;
  size_t pos_ = 0;
  std::string case_id_;
};

// Carries out one step on `store`. For kCreate, `*case_id` receives the new case's id; otherwise it names
// the case. Returns the op kind written.
Result<std::string> AuthorStep(sync::LedgerStore& store, const Step& step, std::string* case_id);

}  // namespace silian::bench
