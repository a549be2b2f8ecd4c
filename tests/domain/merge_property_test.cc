// The merge property: replicas that hold the same ops show the same thing, whatever order the ops came in.
//
// For each seed, 3 to 5 origins (stores of one village) author random concurrent ops on shared cases, with
// random partial exchanges between them; then every origin gets everything, and all ops are delivered in
// several random permutations, in random import and batch splits, to fresh stores. Every store must end with
// the same digest line, the same `case show --json` of every case, and the same conflict list.
//
// Replay one seed: SILIAN_SEED=N silian_sync_tests "Merge: *"
#include <chrono>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "support/test_util.h"

namespace silian::sync {
namespace {

using test::Replica;

struct Tally {
  int seeds = 0;
  int field_conflicts = 0;
  int transition_conflicts = 0;
  int resolutions = 0;
  int pending_seen = 0;
  int ops = 0;
};

// Delivers `entries` to `to` in imports of random size, each split into random batches; sometimes sends a
// chunk again. Records whether anything had to wait in the pending area.
void DeliverShuffled(test::Rng& rng, std::vector<pb::Entry> entries, sync::LedgerStore& to, Tally& tally) {
  rng.Shuffle(entries);
  size_t i = 0;
  bool waited = false;
  while (i < entries.size()) {
    size_t take = 1 + static_cast<size_t>(rng.Below(std::min<size_t>(entries.size() - i, 40)));
    std::vector<pb::Entry> chunk(entries.begin() + static_cast<long>(i), entries.begin() + static_cast<long>(i + take));
    sync::ImportStats s = test::ImportEntries(to, chunk, static_cast<size_t>(rng.Between(1, 12)));
    REQUIRE(s.equivocations == 0);
    if (s.pending > 0) waited = true;
    if (rng.Percent(15)) {
      sync::ImportStats again = test::ImportEntries(to, chunk, static_cast<size_t>(rng.Between(1, 12)));
      REQUIRE(again.new_ops == 0);
      REQUIRE(again.equivocations == 0);
    }
    i += take;
  }
  if (waited) ++tally.pending_seen;
}

void CheckSame(const test::Snapshot& reference, const test::Snapshot& got, const std::string& who) {
  std::string diff = test::FirstDifference(reference, got);
  INFO(who << " differs from the first origin: " << diff);
  REQUIRE(diff.empty());
}

void RunSeed(uint64_t seed, Tally& tally) {
  test::TempDir dir(test::TempDir::Where::kMemory);
  test::Rng rng(seed);
  const size_t n_origins = static_cast<size_t>(rng.Between(3, 5));
  // Sometimes one laptop's date is two days ahead: beyond the skew limit, so its stamps are not merged
  // and the others' later ops can carry smaller stamps than the ops they saw.
  const bool far_ahead = rng.Percent(10);
  std::vector<Replica> origins;
  for (size_t i = 0; i < n_origins; ++i) {
    std::string device = "0" + std::to_string(i + 1);
    uint64_t start_ms = test::kT0Ms + rng.Below(4000) + (far_ahead && i == 0 ? 2 * 24 * 3600 * 1000ull : 0);
    origins.push_back(test::MakeReplica(
        dir, test::NodeAt("o" + std::to_string(i + 1), Level::kVillage, test::kVillage, device), start_ms));
  }
  std::vector<Replica*> ptrs;
  for (auto& r : origins) ptrs.push_back(&r);
  // The county registers the laptops and publishes the items (authority is judged from both).
  std::vector<sync::LedgerStore*> stores;
  for (auto& r : origins) stores.push_back(r.store.get());
  Replica county = test::MakeCountyFor(dir, stores);

  test::Workload workload(rng, ptrs);
  // Two rounds of work, often with a full exchange between them, so that conflicts are seen everywhere
  // and resolved concurrently in the second round (resolutions can clash too).
  for (int round = 0; round < 2; ++round) {
    const int steps = static_cast<int>(rng.Between(15, 30));
    for (int s = 0; s < steps; ++s) {
      CAPTURE(round, s);
      workload.Step();
    }
    if (round == 0 && rng.Percent(60)) workload.FullExchange();
  }
  workload.FullExchange();

  // Every origin now holds every op; gather them from the first.
  uint64_t total = 0;
  for (auto& r : origins) {
    const pb::Frontier frontier = SILIAN_TAKE(r->GetFrontier());
    for (const auto& e : frontier.entries())
      if (e.origin() == r->config().node_id.value) total += e.seq();
  }
  std::vector<pb::Entry> all = test::ExportAll(*origins[0].store);
  // The county's ops: its root registration, the items, and one registration per laptop (the village's scope).
  const uint64_t county_ops = test::FrontierSeq(*origins[0].store, "county");
  REQUIRE(all.size() == total + county_ops);
  total += n_origins;
  tally.ops += static_cast<int>(total);

  const test::Snapshot reference = test::TakeSnapshot(*origins[0].store, std::string(test::kVillage));
  REQUIRE_THAT(reference.digest, Catch::StartsWith("ops=" + std::to_string(total) + " "));
  for (size_t i = 1; i < origins.size(); ++i) {
    REQUIRE(SILIAN_TAKE(origins[i]->GetStatus()).pending_count == 0);
    CheckSame(reference, test::TakeSnapshot(*origins[i].store, std::string(test::kVillage)),
              origins[i]->config().node_id.value);
  }

  for (const auto& c : SILIAN_TAKE(origins[0]->ListConflicts()))
    (c.at("kind") == "field" ? tally.field_conflicts : tally.transition_conflicts)++;
  tally.resolutions += workload.counts().resolutions;

  // Fresh stores, each fed a different permutation. The last one is the township hall, whose scope holds
  // the village: it must show the village exactly as the village's own replicas do.
  const int permutations = 3;
  for (int p = 0; p < permutations; ++p) {
    CAPTURE(p);
    bool township = p == permutations - 1;
    Replica fresh = test::MakeReplica(
        dir,
        township ? test::NodeAt("hall", Level::kTownship, "152222104000")
                 : test::NodeAt("fresh" + std::to_string(p), Level::kVillage, test::kVillage, "0" + std::to_string(6 + p)),
        test::kT0Ms);
    test::Exchange(*county, *fresh.store);  // the registry first: publishers are admitted from it
    DeliverShuffled(rng, all, *fresh.store, tally);
    REQUIRE(SILIAN_TAKE(fresh->GetStatus()).pending_count == 0);
    CheckSame(reference, test::TakeSnapshot(*fresh.store, std::string(test::kVillage)), fresh->config().node_id.value);
  }
  ++tally.seeds;
}

TEST_CASE("Merge: replicas given the same ops in any order show the same cases, conflicts and digest",
          "[merge][random][slow]") {
  Tally tally;
  const auto seeds = test::Seeds(1, 500);
  auto start = std::chrono::steady_clock::now();
  for (uint64_t seed : seeds) {
    INFO(test::SeedNote(seed));
    RunSeed(seed, tally);
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // Show what the workload exercised, so a weakened generator cannot pass unnoticed.
  WARN(tally.seeds << " seeds, " << tally.ops << " ops, " << tally.field_conflicts
                            << " open field conflicts, " << tally.transition_conflicts
                            << " open transition conflicts, " << tally.resolutions << " resolutions, "
                            << tally.pending_seen << " deliveries that used the pending area, in " << seconds
                            << " s");
  if (seeds.size() > 1) {
    CHECK(tally.field_conflicts > 0);
    CHECK(tally.transition_conflicts > 0);
    CHECK(tally.resolutions > 0);
    CHECK(tally.pending_seen > 0);
  }
  CHECK(tally.seeds == static_cast<int>(seeds.size()));
}

}  // namespace
}  // namespace silian::sync
