// Crash safety: a process killed with SIGKILL in the middle of imports and writes leaves a ledger that
// opens, passes SQLite's integrity check, holds every op whose call had reported success, and converges
// after the bundles are imported again.
//
// Two children, because each catches what the other cannot:
// - "in-process": a forked copy of this test (no exec) calls LedgerStore directly, as the node and hub do.
//   It is fast, so a seeded delay lands the kill at many different points, often inside an import
//   transaction of a few hundred ops, and the child reports each op id exactly as the API returned it.
// - "silian-node": a forked driver runs the real program, command after command, as a user's script would;
//   the kill hits the whole process group, so a silian-node process dies in the middle of its command. This
//   also checks that the program reports success only after its write is durable.
// A child writes "op ID" or "import K" to a pipe only after the call (or the command) returned success; a
// kill between the return and the write is harmless: the test checks that reported ops are present, not
// that present ops were reported.
//
// Replay one run: SILIAN_SEED=N silian_sync_tests "Crash: *"
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "ledger/bundle.h"
#include "support/test_util.h"

namespace silian::sync {
namespace {

using test::Replica;

// ---- The source: ops of two other laptops of the village, cut into bundle files.

struct Source {
  std::vector<pb::Entry> entries;           // every source op, in export order
  std::vector<std::string> chunk_files;     // bundle files, in order
  std::vector<std::vector<std::string>> chunk_ops;  // op ids in each chunk
};

// Small batches, so that an import has several Add() calls to be killed between.
Status WriteBundle(const std::string& path, const std::vector<pb::Entry>& entries, const pb::Frontier& frontier) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return Internal("cannot write " + path);
  pb::BundleHeader header;
  header.set_sender("source");
  header.set_sender_scope(test::kVillage);
  *header.mutable_sender_frontier() = frontier;
  Status s;
  {
    BundleWriter::Options options;
    options.max_batch_entries = 10;
    auto writer = BundleWriter::Start(FileSink(f), header, options);
    if (!writer.ok()) {
      s = writer.status();
    } else {
      for (const auto& e : entries)
        if (s.ok()) s = (*writer)->Add(e);
      if (s.ok()) s = (*writer)->Finish().status();
    }
  }
  if (std::fclose(f) != 0 && s.ok()) s = Internal("cannot close " + path);
  return s;
}

// Two laptops of the village: one takes applications (cases with materials and notes), the other adds
// notes and transitions to the same cases.
Source MakeSource(const test::TempDir& dir, size_t chunks) {
  Replica a = test::MakeReplica(dir, test::NodeAt("src-a", Level::kVillage, test::kVillage, "11"));
  Replica b = test::MakeReplica(dir, test::NodeAt("src-b", Level::kVillage, test::kVillage, "12"));
  std::vector<std::string> cases;
  for (uint32_t i = 0; i < 100; ++i) {
    std::string id = SILIAN_TAKE(a->CreateCase(test::SampleCase(i))).case_id.value;
    cases.push_back(id);
    SILIAN_TAKE(a->Act(id, Action::kReceive, "", "agent-a"));
    SILIAN_TAKE(a->AddMaterial(id, "ID card copy", 1, "agent-a"));
    SILIAN_TAKE(a->AddMaterial(id, "household register", 1, "agent-a"));
    SILIAN_TAKE(a->AddNote(id, "visited the applicant at home, case " + std::to_string(i), "agent-a"));
    a.wall->Set(a.wall->NowMs() + 1000);
  }
  test::Exchange(*a.store, *b.store);
  for (size_t i = 0; i < cases.size(); ++i) {
    SILIAN_TAKE(b->AddNote(cases[i], "checked the materials", "clerk-b"));
    SILIAN_TAKE(b->Act(cases[i], Action::kForward, "", "clerk-b"));
    if (i % 3 == 0) SILIAN_TAKE(b->SetFields(cases[i], {{"phone", "0482-7777" + std::to_string(i % 10)}}, "clerk-b"));
    b.wall->Set(b.wall->NowMs() + 1000);
  }
  test::Exchange(*b.store, *a.store);

  Source src;
  src.entries = test::ExportAll(*a.store);
  pb::Frontier frontier = SILIAN_TAKE(a->GetFrontier());
  size_t per = (src.entries.size() + chunks - 1) / chunks;
  for (size_t k = 0; k * per < src.entries.size(); ++k) {
    std::vector<pb::Entry> part(src.entries.begin() + static_cast<long>(k * per),
                                src.entries.begin() + static_cast<long>(std::min(src.entries.size(), (k + 1) * per)));
    std::string path = dir.File("chunk" + std::to_string(k) + ".silian");
    SILIAN_REQUIRE_OK(WriteBundle(path, part, frontier));
    src.chunk_files.push_back(path);
    std::vector<std::string> ids;
    for (const auto& e : part) ids.push_back(test::EntryName(e));
    src.chunk_ops.push_back(ids);
  }
  return src;
}

// Imports a bundle file in one transaction. With `kill_after_batches`, the process kills itself with SIGKILL
// after that many batches were added, before the commit.
Status ImportBundleFile(LedgerStore& store, const std::string& path, int kill_after_batches = -1) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return Internal("cannot open " + path);
  Status s;
  {
    auto reader = BundleReader::Open(FileSource(f));
    auto import = store.BeginImport();
    if (!reader.ok()) s = reader.status();
    if (s.ok() && !import.ok()) s = import.status();
    while (s.ok()) {
      pb::Batch batch;
      auto more = (*reader)->Next(&batch);
      if (!more.ok()) s = more.status();
      if (!s.ok() || !*more) break;
      s = (*import)->Add(batch);
      if (--kill_after_batches == 0) ::kill(::getpid(), SIGKILL);
    }
    if (s.ok()) s = (*import)->Commit(&(*reader)->header().sender_frontier()).status();
  }
  std::fclose(f);
  return s;
}

// ---- Children.

// Writes one line to the pipe; the child gives up if the parent is gone.
void Say(int fd, const std::string& text) {
  std::string line = text + "\n";
  size_t off = 0;
  while (off < line.size()) {
    ssize_t n = ::write(fd, line.data() + off, line.size() - off);
    if (n <= 0) ::_exit(4);
    off += static_cast<size_t>(n);
  }
}

// The in-process child: never returns. No Catch2 macros here: this is a forked copy of the test process.
// A kill the child inflicts on itself, inside an import: after `batches` batches of chunk `chunk`.
struct SelfKill {
  size_t chunk = SIZE_MAX;
  int batches = -1;
};

[[noreturn]] void StoreChild(const std::string& path, const Source& src, uint64_t seed, SelfKill self_kill, int fd) {
  try {
    LedgerStore::Options o;
    o.durable = true;
    auto opened = LedgerStore::Open(path, o);
    if (!opened.ok()) {
      Say(fd, "error " + opened.status().ToString());
      ::_exit(3);
    }
    LedgerStore& store = **opened;
    test::Rng rng(seed * 7919 + 1);
    std::vector<std::string> cases;
    size_t next_chunk = 0;
    for (uint32_t step = 0;; ++step) {
      // Imports are spread over the run, so the kill often lands inside one.
      if (next_chunk < src.chunk_files.size() && (step % 8 == 7 || rng.Percent(5))) {
        Say(fd, "begin import " + std::to_string(next_chunk));
        Status s = ImportBundleFile(store, src.chunk_files[next_chunk],
                                    next_chunk == self_kill.chunk ? self_kill.batches : -1);
        if (!s.ok()) {
          Say(fd, "error import: " + s.ToString());
          ::_exit(3);
        }
        Say(fd, "import " + std::to_string(next_chunk++));
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
        Say(fd, "error write: " + done.status().ToString());
        ::_exit(3);
      }
      Say(fd, "op " + done->ToString());
    }
  } catch (const std::exception& e) {
    Say(fd, std::string("error exception: ") + e.what());
  } catch (...) {
    Say(fd, "error exception");
  }
  ::_exit(3);
}

// Runs argv in a child of this process and returns its exit code and stdout. Used by the driver only.
int RunCommand(const std::vector<std::string>& args, std::string* out) {
  int p[2];
  if (::pipe(p) != 0) return -1;
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(p[1], 1);
    int devnull = ::open("/dev/null", O_RDWR);
    ::dup2(devnull, 0);
    ::dup2(devnull, 2);
    ::close(p[0]);
    ::close(p[1]);
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(p[1]);
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(p[0], buf, sizeof buf);
    if (n <= 0) break;
    out->append(buf, static_cast<size_t>(n));
  }
  ::close(p[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// The first "victim:N" in `text`, or "".
std::string FindOpId(const std::string& text, const std::string& origin) {
  size_t at = text.find(origin + ":");
  if (at == std::string::npos) return "";
  size_t end = at + origin.size() + 1;
  while (end < text.size() && std::isdigit(static_cast<unsigned char>(text[end]))) ++end;
  return end > at + origin.size() + 1 ? text.substr(at, end - at) : "";
}

// The silian-node driver: never returns. It leads its own process group so that one kill stops it and the
// silian-node process it is waiting for.
[[noreturn]] void ProgramDriver(const std::string& path, const Source& src, uint64_t seed, int fd) {
  try {
    const std::string bin = SILIAN_NODE_BIN;
    test::Rng rng(seed * 7919 + 2);
    std::vector<std::string> cases;
    size_t next_chunk = 0;
    for (uint32_t step = 0;; ++step) {
      std::string out;
      if (next_chunk < src.chunk_files.size() && (step % 4 == 3 || rng.Percent(5))) {
        Say(fd, "begin import " + std::to_string(next_chunk));
        int rc = RunCommand({bin, "--db", path, "bundle", "import", src.chunk_files[next_chunk]}, &out);
        if (rc != 0) {
          Say(fd, "error bundle import exited " + std::to_string(rc) + ": " + out);
          ::_exit(3);
        }
        Say(fd, "import " + std::to_string(next_chunk++));
        continue;
      }
      if (cases.empty() || rng.Percent(25)) {
        int rc = RunCommand({bin, "--db", path, "case", "new", "--item", "11152222MB1234567X-1-001",
                             "--applicant-name", "Applicant " + std::to_string(step), "--applicant-id",
                             test::ResidentId(step), "--actor", "agent-v"},
                            &out);
        std::string id = FindOpId(out, "victim");
        if (rc != 0 || id.empty()) {
          Say(fd, "error case new exited " + std::to_string(rc) + ": " + out);
          ::_exit(3);
        }
        cases.push_back(id);
        Say(fd, "op " + id);
      } else {
        int rc = RunCommand({bin, "--db", path, "case", "note", rng.Pick(cases), "note " + std::to_string(step),
                             "--actor", "agent-v"},
                            &out);
        std::string id = FindOpId(out, "victim");
        if (rc != 0 || id.empty()) {
          Say(fd, "error case note exited " + std::to_string(rc) + ": " + out);
          ::_exit(3);
        }
        Say(fd, "op " + id);
      }
    }
  } catch (...) {
    Say(fd, "error exception");
  }
  ::_exit(3);
}

// ---- The parent.

struct Report {
  std::vector<std::string> ops;
  std::vector<size_t> imports;
  bool killed_in_import = false;  // the last import began and did not report its end
  std::string error;
  std::string raw_tail;
};

Report Parse(const std::string& text) {
  Report r;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (in.eof()) break;  // a line without its newline was cut by the kill: not reported
    if (line.rfind("op ", 0) == 0) {
      r.ops.push_back(line.substr(3));
    } else if (line.rfind("begin import ", 0) == 0) {
      r.killed_in_import = true;
    } else if (line.rfind("import ", 0) == 0) {
      r.imports.push_back(std::stoul(line.substr(7)));
      r.killed_in_import = false;
    } else if (line.rfind("error", 0) == 0 && r.error.empty()) {
      r.error = line;
    }
  }
  r.raw_tail = text.size() > 400 ? text.substr(text.size() - 400) : text;
  return r;
}

enum class ChildKind { kInProcess, kProgram };

// Forks the child, lets it run for `run_ms`, kills it (its whole group) with SIGKILL, returns what it said.
Report RunAndKill(ChildKind kind, const std::string& path, const Source& src, uint64_t seed, uint64_t run_ms,
                  SelfKill self_kill = {}) {
  int p[2];
  REQUIRE(::pipe(p) == 0);
  std::fflush(nullptr);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::setpgid(0, 0);
    ::close(p[0]);
    if (kind == ChildKind::kInProcess) StoreChild(path, src, seed, self_kill, p[1]);
    ProgramDriver(path, src, seed, p[1]);
  }
  ::setpgid(pid, pid);  // also here, so the group exists before the kill whoever runs first
  ::close(p[1]);
  std::string said;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(run_ms);
  char buf[4096];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd pfd{p[0], POLLIN, 0};
    int ready = ::poll(&pfd, 1, static_cast<int>(left.count()));
    if (ready <= 0) continue;
    ssize_t n = ::read(p[0], buf, sizeof buf);
    if (n <= 0) break;  // the child exited on its own: an error it has reported
    said.append(buf, static_cast<size_t>(n));
  }
  ::kill(-pid, SIGKILL);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  for (;;) {
    ssize_t n = ::read(p[0], buf, sizeof buf);
    if (n <= 0) break;
    said.append(buf, static_cast<size_t>(n));
  }
  ::close(p[0]);
  Report r = Parse(said);
  if (std::getenv("SILIAN_CRASH_VERBOSE"))
    std::fprintf(stderr, "seed %llu: killed after %llu ms, %zu ops and %zu imports reported%s\n",
                 static_cast<unsigned long long>(seed), static_cast<unsigned long long>(run_ms), r.ops.size(),
                 r.imports.size(), r.killed_in_import ? ", killed during an import" : "");
  INFO("child output ends with: " << r.raw_tail);
  CHECK(r.error.empty());
  CHECK((WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL));
  return r;
}

std::string IntegrityCheck(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    std::string e = db ? sqlite3_errmsg(db) : "cannot open";
    sqlite3_close(db);
    return e;
  }
  std::string result;
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, nullptr) == SQLITE_OK) {
    while (sqlite3_step(st) == SQLITE_ROW)
      result += std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, 0))) + ";";
  } else {
    result = sqlite3_errmsg(db);
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return result;
}

// Everything the checks after a crash need: opens the ledger, checks it, converges it.
void CheckAfterCrash(const std::string& path, const Source& src, const Report& report, const test::TempDir& dir,
                     uint64_t seed) {
  CHECK(IntegrityCheck(path) == "ok;");

  ManualWallClock wall(test::kT0Ms + 365ull * 24 * 3600 * 1000);
  auto store = SILIAN_TAKE(LedgerStore::Open(path, test::FastOptions(&wall)));
  std::set<std::string> present;
  for (const auto& e : test::ExportAll(*store)) present.insert(test::EntryName(e));
  for (const auto& op : report.ops) {
    INFO("op " << op << " was reported done but is missing after the crash");
    CHECK(present.count(op) == 1);
  }
  for (size_t k : report.imports) {
    for (const auto& op : src.chunk_ops.at(k)) {
      INFO("import " << k << " was reported done but its op " << op << " is missing after the crash");
      CHECK(present.count(op) == 1);
    }
  }
  // The victim's own ops have no gap.
  uint64_t own = 0;
  for (const auto& id : present)
    if (id.rfind("victim:", 0) == 0) ++own;
  uint64_t frontier_seq = 0;
  const pb::Frontier frontier = SILIAN_TAKE(store->GetFrontier());
  for (const auto& e : frontier.entries())
    if (e.origin() == "victim") frontier_seq = e.seq();
  CHECK(own == frontier_seq);

  // Convergence: the recovered ledger plus every source op equals a fresh replica given the same ops.
  std::vector<pb::Entry> own_ops = test::ExportEntries(*store, [] {
    pb::Frontier f;  // everything but the source's origins
    for (const char* origin : {"src-a", "src-b"}) {
      auto* e = f.add_entries();
      e->set_origin(origin);
      e->set_seq(1u << 30);
    }
    return f;
  }());
  sync::ImportStats again = test::ImportEntries(*store, src.entries, 500);
  CHECK(again.equivocations == 0);
  CHECK(SILIAN_TAKE(store->GetStatus()).pending_count == 0);

  Replica reference =
      test::MakeReplica(dir, test::NodeAt("reference-" + std::to_string(seed), Level::kVillage, test::kVillage, "09"));
  test::ImportEntries(*reference.store, src.entries, 500);
  test::ImportEntries(*reference.store, own_ops, 500);
  test::Snapshot want = test::TakeSnapshot(*reference.store);
  test::Snapshot got = test::TakeSnapshot(*store);
  INFO(test::FirstDifference(want, got));
  CHECK(got == want);

  // The recovered ledger keeps working: the next op continues the sequence.
  auto next = store->AddNote(SILIAN_TAKE(store->ListCases({})).front().case_id, "after the crash", "agent-v");
  SILIAN_REQUIRE_OK(next.status());
  CHECK(next->ToString() == "victim:" + std::to_string(frontier_seq + 1));
}

void CreateVictim(const std::string& path) {
  LedgerStore::Options o;  // durable, system clock: as the program runs it
  SILIAN_TAKE(LedgerStore::Create(path, test::NodeAt("victim", Level::kVillage, test::kVillage, "05"), o));
}

TEST_CASE("Crash: a store killed with SIGKILL during imports and writes loses nothing it reported and converges",
          "[crash]") {
  test::TempDir dir;
  const Source src = MakeSource(dir, 16);
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
    INFO("seed " << seed << " (replay with SILIAN_SEED=" << seed << "), "
                 << (self_kill.batches > 0 ? "killed inside import " + std::to_string(self_kill.chunk) + " after " +
                                                 std::to_string(self_kill.batches) + " batches"
                                           : "killed after " + std::to_string(run_ms) + " ms"));
    std::string path = dir.File("victim-" + std::to_string(seed) + ".db");
    CreateVictim(path);
    Report report = RunAndKill(ChildKind::kInProcess, path, src, seed, run_ms, self_kill);
    if (self_kill.batches > 0) CHECK(report.killed_in_import);
    if (report.killed_in_import) ++kills_in_import;
    CheckAfterCrash(path, src, report, dir, seed);
  }
  if (!test::SeedFromEnv()) CHECK(kills_in_import >= 1);
}

TEST_CASE("Crash: silian-node killed with SIGKILL during imports and writes loses nothing it reported and "
          "converges",
          "[crash]") {
  test::TempDir dir;
  const Source src = MakeSource(dir, 16);
  for (uint64_t seed : test::Seeds(101, 6)) {
    test::Rng rng(seed);
    const uint64_t run_ms = rng.Between(100, 1200);
    INFO("seed " << seed << " (replay with SILIAN_SEED=" << seed << "), killed after " << run_ms << " ms");
    std::string path = dir.File("victim-" + std::to_string(seed) + ".db");
    std::string out;
    int rc = RunCommand({SILIAN_NODE_BIN, "--db", path, "init", "--node-id", "victim", "--level", "village",
                         "--division", test::kVillage, "--device", "05"},
                        &out);
    INFO("init: " << out);
    REQUIRE(rc == 0);
    Report report = RunAndKill(ChildKind::kProgram, path, src, seed, run_ms);
    CheckAfterCrash(path, src, report, dir, seed);
  }
}

}  // namespace
}  // namespace silian::sync
