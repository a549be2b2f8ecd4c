#include "support/crash_harness.h"

#include <poll.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <sstream>

#include <catch2/catch.hpp>

#include "ledger/bundle.h"
#include "support/files.h"
#include "support/ledger.h"
#include "support/ops.h"
#include "support/status.h"

namespace silian::test {
namespace {

using sync::Level;

Status WriteBundle(const std::string& path, const std::vector<pb::Entry>& entries, const pb::Frontier& frontier) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return Internal("cannot write " + path);
  pb::BundleHeader header;
  header.set_sender("source");
  header.set_sender_scope(kVillage);
  *header.mutable_sender_frontier() = frontier;
  Status s;
  {
    sync::BundleWriter::Options options;
    options.max_batch_entries = 10;
    auto writer = sync::BundleWriter::Start(sync::FileSink(f), header, options);
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

CrashReport Parse(const std::string& text) {
  CrashReport r;
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

// Appends what is there on `fd` to `said`; false at end of file.
bool ReadSome(int fd, std::string& said) {
  char buf[4096];
  ssize_t n = ::read(fd, buf, sizeof buf);
  if (n <= 0) return false;
  said.append(buf, static_cast<size_t>(n));
  return true;
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

}  // namespace

CrashSource MakeCrashSource(const TempDir& dir, size_t chunks) {
  Replica a = MakeReplica(dir, NodeAt("src-a", Level::kVillage, kVillage, "11"));
  Replica b = MakeReplica(dir, NodeAt("src-b", Level::kVillage, kVillage, "12"));
  std::vector<std::string> cases;
  for (uint32_t i = 0; i < 100; ++i) {
    std::string id = SILIAN_TAKE(a->CreateCase(SampleCase(i))).case_id.value;
    cases.push_back(id);
    SILIAN_TAKE(a->Act(id, sync::Action::kReceive, "", "agent-a"));
    SILIAN_TAKE(a->AddMaterial(id, "ID card copy", 1, "agent-a"));
    SILIAN_TAKE(a->AddMaterial(id, "household register", 1, "agent-a"));
    SILIAN_TAKE(a->AddNote(id, "visited the applicant at home, case " + std::to_string(i), "agent-a"));
    a.wall->Set(a.wall->NowMs() + 1000);
  }
  Exchange(*a.store, *b.store);
  for (size_t i = 0; i < cases.size(); ++i) {
    SILIAN_TAKE(b->AddNote(cases[i], "checked the materials", "clerk-b"));
    SILIAN_TAKE(b->Act(cases[i], sync::Action::kForward, "", "clerk-b"));
    if (i % 3 == 0) SILIAN_TAKE(b->SetFields(cases[i], {{"phone", "0482-777777" + std::to_string(i % 10)}}, "clerk-b"));
    b.wall->Set(b.wall->NowMs() + 1000);
  }
  Exchange(*b.store, *a.store);

  CrashSource src;
  src.entries = ExportAll(*a.store);
  pb::Frontier frontier = SILIAN_TAKE(a->GetFrontier());
  size_t per = (src.entries.size() + chunks - 1) / chunks;
  for (size_t k = 0; k * per < src.entries.size(); ++k) {
    std::vector<pb::Entry> part(src.entries.begin() + static_cast<long>(k * per),
                                src.entries.begin() + static_cast<long>(std::min(src.entries.size(), (k + 1) * per)));
    std::string path = dir.File("chunk" + std::to_string(k) + ".silian");
    SILIAN_REQUIRE_OK(WriteBundle(path, part, frontier));
    src.chunk_files.push_back(path);
    std::vector<std::string> ids;
    for (const auto& e : part) ids.push_back(EntryName(e));
    src.chunk_ops.push_back(ids);
  }
  return src;
}

Status ImportBundleFile(sync::LedgerStore& store, const std::string& path, int kill_after_batches) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return Internal("cannot open " + path);
  Status s;
  {
    auto reader = sync::BundleReader::Open(sync::FileSource(f));
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

void Say(int fd, const std::string& text) {
  std::string line = text + "\n";
  size_t off = 0;
  while (off < line.size()) {
    ssize_t n = ::write(fd, line.data() + off, line.size() - off);
    if (n <= 0) ::_exit(4);
    off += static_cast<size_t>(n);
  }
}

CrashReport RunAndKill(const std::function<void(int fd)>& child, uint64_t seed, uint64_t run_ms) {
  int p[2];
  REQUIRE(::pipe(p) == 0);
  std::fflush(nullptr);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::setpgid(0, 0);
    ::close(p[0]);
    child(p[1]);
    ::_exit(3);
  }
  ::setpgid(pid, pid);  // also here, so the group exists before the kill whoever runs first
  ::close(p[1]);
  std::string said;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(run_ms);
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd pfd{p[0], POLLIN, 0};
    int ready = ::poll(&pfd, 1, static_cast<int>(left.count()));
    if (ready <= 0) continue;
    if (!ReadSome(p[0], said)) break;  // the child exited on its own: an error it has reported
  }
  ::kill(-pid, SIGKILL);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  while (ReadSome(p[0], said)) {
  }
  ::close(p[0]);
  CrashReport r = Parse(said);
  if (std::getenv("SILIAN_CRASH_VERBOSE"))
    std::fprintf(stderr, "seed %llu: killed after %llu ms, %zu ops and %zu imports reported%s\n",
                 static_cast<unsigned long long>(seed), static_cast<unsigned long long>(run_ms), r.ops.size(),
                 r.imports.size(), r.killed_in_import ? ", killed during an import" : "");
  INFO("child output ends with: " << r.raw_tail);
  CHECK(r.error.empty());
  CHECK((WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL));
  return r;
}

void CheckAfterCrash(const std::string& path, const CrashSource& src, const CrashReport& report, const TempDir& dir,
                     uint64_t seed) {
  CHECK(IntegrityCheck(path) == "ok;");

  sync::ManualWallClock wall(kT0Ms + 365ull * 24 * 3600 * 1000);
  auto store = SILIAN_TAKE(sync::LedgerStore::Open(path, FastOptions(&wall)));
  std::set<std::string> present;
  for (const auto& e : ExportAll(*store)) present.insert(EntryName(e));
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
    if (id.rfind(std::string(kVictim) + ":", 0) == 0) ++own;
  const uint64_t frontier_seq = FrontierSeq(*store, kVictim);
  CHECK(own == frontier_seq);

  // Convergence: the recovered ledger plus every source op equals a fresh replica given the same ops.
  std::vector<pb::Entry> own_ops = ExportEntries(*store, [] {
    pb::Frontier f;  // everything but the source's origins
    for (const char* origin : {"src-a", "src-b"}) {
      auto* e = f.add_entries();
      e->set_origin(origin);
      e->set_seq(1u << 30);
    }
    return f;
  }());
  sync::ImportStats again = ImportEntries(*store, src.entries, 500);
  CHECK(again.equivocations == 0);
  CHECK(SILIAN_TAKE(store->GetStatus()).pending_count == 0);

  Replica reference = MakeReplica(dir, NodeAt("reference-" + std::to_string(seed), Level::kVillage, kVillage, "09"));
  ImportEntries(*reference.store, src.entries, 500);
  ImportEntries(*reference.store, own_ops, 500);
  Snapshot want = TakeSnapshot(*reference.store);
  Snapshot got = TakeSnapshot(*store);
  INFO(FirstDifference(want, got));
  CHECK(got == want);

  // The recovered ledger keeps working: the next op continues the sequence.
  auto next = store->AddNote(SILIAN_TAKE(store->ListCases({})).front().case_id, "after the crash", "agent-v");
  SILIAN_REQUIRE_OK(next.status());
  CHECK(next->ToString() == std::string(kVictim) + ":" + std::to_string(frontier_seq + 1));
}

}  // namespace silian::test
