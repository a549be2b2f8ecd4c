// Crash safety, the harness: a child process killed with SIGKILL in the middle of imports and writes must
// leave a ledger that opens, passes SQLite's integrity check, holds every op whose call had reported
// success, and converges after the bundles are imported again.
//
// The test supplies the child: code that runs in a forked copy of the test process (no exec) and writes
// on a pipe, one line at a time, "op ID" after an op was written, "begin import K" / "import K" around an
// import of bundle file K, and "error ..." when something failed. A child reports only after the call (or
// the command) returned success; a kill between the return and the report is harmless, since the checks
// are that reported ops are present, not that present ops were reported. The child writes into the ledger
// of node kVictim, which the test made at `path`.
//
// The source the children import: ops of two other laptops of the village, cut into bundle files.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "silian.pb.h"
#include "base/status.h"
#include "domain/store.h"

namespace silian::test {

class TempDir;

inline constexpr const char* kVictim = "victim";

struct CrashSource {
  std::vector<pb::Entry> entries;                   // every source op, in export order
  std::vector<std::string> chunk_files;             // bundle files, in order
  std::vector<std::vector<std::string>> chunk_ops;  // op ids in each chunk
};

// Two laptops of the village (src-a, src-b): one takes 100 applications (cases with materials and notes),
// the other adds notes and transitions to the same cases. Their ops, cut into `chunks` bundle files in
// `dir`, with small batches so that an import has several batches to be killed between.
CrashSource MakeCrashSource(const TempDir& dir, size_t chunks);

// Imports the bundle file at `path` in one transaction. With `kill_after_batches` > 0, the process kills
// itself with SIGKILL after that many batches were added, before the commit. For children: no Catch2.
Status ImportBundleFile(sync::LedgerStore& store, const std::string& path, int kill_after_batches = -1);

// Writes `text` and a newline to the pipe `fd`; the child ends (_exit(4)) when the parent is gone.
void Say(int fd, const std::string& text);

// What a child reported before the kill.
struct CrashReport {
  std::vector<std::string> ops;
  std::vector<size_t> imports;
  bool killed_in_import = false;  // the last import began and did not report its end
  std::string error;
  std::string raw_tail;
};

// Forks a child that runs `child(fd)` in a process group of its own and reports on `fd`; `child` must
// not return (a child that does ends with _exit(3)) and must use no Catch2 macros. Lets it run for
// `run_ms`, or until it exits on its own, then kills its whole group with SIGKILL, so that a program the
// child waits for dies too. Returns what the child reported; CHECKs that it reported no error and died of
// the SIGKILL. SILIAN_CRASH_VERBOSE in the environment prints a line per run.
CrashReport RunAndKill(const std::function<void(int fd)>& child, uint64_t seed, uint64_t run_ms);

// Everything the checks after a crash need: opens the ledger at `path`, checks its integrity, checks that
// every op and import `report` names is there and that kVictim's ops have no gap, imports the source again
// and compares the result with a fresh replica (made in `dir`) given the same ops, and writes one more op.
void CheckAfterCrash(const std::string& path, const CrashSource& src, const CrashReport& report,
                     const TempDir& dir, uint64_t seed);

}  // namespace silian::test
