// Crash safety of the program: a forked driver runs the real silian-node, command after command, as a
// user's script would, and is killed with SIGKILL together with the silian-node process it waits for (the
// kill hits the whole process group), so the program dies in the middle of its command. Beyond what
// support/crash_harness.h checks, this checks that the program reports success only after its write is
// durable. tests/ledger/crash_test.cc kills the store in process the same way.
//
// Replay one run: SILIAN_SEED=N silian_node_tests "Crash: *"
#include <unistd.h>

#include <cctype>
#include <cstdint>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "launch/child_process.h"
#include "support/crash_harness.h"
#include "support/files.h"
#include "support/ledger.h"
#include "support/process.h"
#include "support/programs.h"
#include "support/seeds.h"

namespace silian::test {
namespace {

// The first "victim:N" in `text`, or "".
std::string FindVictimOpId(const std::string& text) {
  const std::string origin = std::string(kVictim) + ":";
  size_t at = text.find(origin);
  if (at == std::string::npos) return "";
  size_t end = at + origin.size();
  while (end < text.size() && std::isdigit(static_cast<unsigned char>(text[end]))) ++end;
  return end > at + origin.size() ? text.substr(at, end - at) : "";
}

// Runs one silian-node command on the ledger at `path`; reports "error ..." and ends the driver when it
// fails. No Catch2 macros: this runs in the forked driver.
launch::ProcessResult NodeCommand(int fd, const std::string& path, const std::string& what,
                                  std::vector<std::string> args) {
  args.insert(args.begin(), {"--db", path});
  launch::RunOptions options;
  options.env = ProgramEnv();
  auto r = launch::RunProcess(NodeBin(), args, options);
  if (!r.ok()) {
    Say(fd, "error " + what + ": " + r.status().ToString());
    ::_exit(3);
  }
  if (r->exit_code != 0) {
    Say(fd, "error " + what + " exited " + std::to_string(r->exit_code) + ": " + r->out + r->err);
    ::_exit(3);
  }
  return std::move(r).value();
}

// The silian-node driver: never returns. It leads its own process group (RunAndKill), so that one kill
// stops it and the silian-node process it is waiting for.
[[noreturn]] void ProgramDriver(const std::string& path, const CrashSource& src, uint64_t seed, int fd) {
  try {
    Rng rng(seed * 7919 + 2);
    std::vector<std::string> cases;
    size_t next_chunk = 0;
    for (uint32_t step = 0;; ++step) {
      if (next_chunk < src.chunk_files.size() && (step % 4 == 3 || rng.Percent(5))) {
        Say(fd, "begin import " + std::to_string(next_chunk));
        NodeCommand(fd, path, "bundle import", {"bundle", "import", src.chunk_files[next_chunk]});
        Say(fd, "import " + std::to_string(next_chunk++));
        continue;
      }
      const bool create = cases.empty() || rng.Percent(25);
      const std::string what = create ? "case new" : "case note";
      const launch::ProcessResult r =
          create ? NodeCommand(fd, path, what,
                               {"case", "new", "--item", "11152222MB1234567X-1-001", "--applicant-name",
                                "Applicant " + std::to_string(step), "--applicant-id", ResidentId(step), "--actor",
                                "agent-v"})
                 : NodeCommand(fd, path, what,
                               {"case", "note", rng.Pick(cases), "note " + std::to_string(step), "--actor", "agent-v"});
      const std::string id = FindVictimOpId(r.out);
      if (id.empty()) {
        Say(fd, "error " + what + " printed no op id: " + r.out);
        ::_exit(3);
      }
      if (create) cases.push_back(id);
      Say(fd, "op " + id);
    }
  } catch (...) {
    Say(fd, "error exception");
  }
  ::_exit(3);
}

TEST_CASE("Crash: silian-node killed with SIGKILL during imports and writes loses nothing it reported and "
          "converges",
          "[crash]") {
  TempDir dir;
  const CrashSource src = MakeCrashSource(dir, 16);
  for (uint64_t seed : Seeds(101, 6)) {
    Rng rng(seed);
    const uint64_t run_ms = rng.Between(100, 1200);
    INFO(SeedNote(seed) << ", killed after " << run_ms << " ms");
    const std::string path = dir.File("victim-" + std::to_string(seed) + ".db");
    RunOk(NodeBin(), {"--db", path, "init", "--node-id", kVictim, "--level", "village", "--division", kVillage,
                      "--device", "05"});
    CrashReport report = RunAndKill([&](int fd) { ProgramDriver(path, src, seed, fd); }, seed, run_ms);
    CheckAfterCrash(path, src, report, dir, seed);
  }
}

}  // namespace
}  // namespace silian::test
