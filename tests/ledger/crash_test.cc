// Crash safety of the store: a forked copy of this test (no exec) calls LedgerStore directly, as the node
// and hub do, and is killed with SIGKILL in the middle of imports and writes (support/crash_harness.h
// states what must hold afterwards). It is fast, so a seeded delay lands the kill at many different
// points, often inside an import transaction of a few hundred ops, and the child reports each op id
// exactly as the API returned it. tests/node/crash_test.cc kills the silian-node program the same way.
//
// Replay one run: SILIAN_SEED=N silian_sync_tests "Crash: *"
#include <cstdint>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "support/crash_harness.h"
#include "support/test_util.h"

namespace silian::sync {
namespace {

using test::CrashSource;

// A kill the child inflicts on itself, inside an import: after `batches` batches of chunk `chunk`.
struct SelfKill {
  size_t chunk = SIZE_MAX;
  int batches = -1;
};

// The in-process child: never returns. No Catch2 macros here: this is a forked copy of the test process.
[[noreturn]] void StoreChild(const std::string& path, const CrashSource& src, uint64_t seed, SelfKill self_kill,
                             int fd) {
  try {
    LedgerStore::Options o;
    o.durable = true;
    auto opened = LedgerStore::Open(path, o);
    if (!opened.ok()) {
      test::Say(fd, "error " + opened.status().ToString());
      ::_exit(3);
    }
    LedgerStore& store = **opened;
    test::Rng rng(seed * 7919 + 1);
    std::vector<std::string> cases;
    size_t next_chunk = 0;
    for (uint32_t step = 0;; ++step) {
      // Imports are spread over the run, so the kill often lands inside one.
      if (next_chunk < src.chunk_files.size() && (step % 8 == 7 || rng.Percent(5))) {
        test::Say(fd, "begin import " + std::to_string(next_chunk));
        Status s = test::ImportBundleFile(store, src.chunk_files[next_chunk],
                                          next_chunk == self_kill.chunk ? self_kill.batches : -1);
        if (!s.ok()) {
          test::Say(fd, "error import: " + s.ToString());
          ::_exit(3);
        }
        test::Say(fd, "import " + std::to_string(next_chunk++));
        continue;
      }
      Result<OpId> done = Status(StatusCode::kInternal, "no op");
      if (cases.empty() || rng.Percent(20)) {
        auto c = store.CreateCase(test::SampleCase(step, "agent-v"));
        if (c.ok()) {
          cases.push_back(c->case_id.value);
          done = OpId{store.config().node_id.value, std::stoull(c->case_id.value.substr(c->case_id.value.find(':') + 1))};
        } else {
          done = c.status();
        }
      } else if (rng.Percent(60)) {
        done = store.AddNote(rng.Pick(cases), "note " + std::to_string(step), "agent-v");
      } else {
        done = store.AddMaterial(rng.Pick(cases), "photo", static_cast<uint32_t>(rng.Between(1, 3)), "agent-v");
      }
      if (!done.ok()) {
        test::Say(fd, "error write: " + done.status().ToString());
        ::_exit(3);
      }
      test::Say(fd, "op " + done->ToString());
    }
  } catch (const std::exception& e) {
    test::Say(fd, std::string("error exception: ") + e.what());
  } catch (...) {
    test::Say(fd, "error exception");
  }
  ::_exit(3);
}

TEST_CASE("Crash: a store killed with SIGKILL during imports and writes loses nothing it reported and converges",
          "[crash]") {
  test::TempDir dir;
  const CrashSource src = test::MakeCrashSource(dir, 16);
  REQUIRE(src.entries.size() >= 700);
  int kills_in_import = 0;
  for (uint64_t seed : test::Seeds(1, 16)) {
    test::Rng rng(seed);
    uint64_t run_ms = rng.Between(5, 300);
    // Some runs end by the child's own hand inside an import, between two batches: a kill point that a
    // timer hits only by luck, since imports are short. The timer is then only a safety net.
    SelfKill self_kill;
    if (rng.Percent(40)) {
      self_kill.chunk = static_cast<size_t>(rng.Below(src.chunk_files.size()));
      self_kill.batches = static_cast<int>(rng.Between(1, 4));
      run_ms = 30'000;
    }
    INFO(test::SeedNote(seed) << ", "
                              << (self_kill.batches > 0 ? "killed inside import " + std::to_string(self_kill.chunk) +
                                                              " after " + std::to_string(self_kill.batches) + " batches"
                                                        : "killed after " + std::to_string(run_ms) + " ms"));
    std::string path = dir.File("victim-" + std::to_string(seed) + ".db");
    // Durable, on the system clock: as the programs run it.
    SILIAN_TAKE(LedgerStore::Create(path, test::NodeAt(test::kVictim, Level::kVillage, test::kVillage, "05"),
                                    LedgerStore::Options()));
    test::CrashReport report =
        test::RunAndKill([&](int fd) { StoreChild(path, src, seed, self_kill, fd); }, seed, run_ms);
    if (self_kill.batches > 0) CHECK(report.killed_in_import);
    if (report.killed_in_import) ++kills_in_import;
    test::CheckAfterCrash(path, src, report, dir, seed);
  }
  if (!test::SeedFromEnv()) CHECK(kills_in_import >= 1);
}

}  // namespace
}  // namespace silian::sync
