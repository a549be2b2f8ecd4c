// Pieces shared by the silian-bench subcommands: the scratch directory, number formatting for the report,
// and the plain-SQLite insert baseline that every ledger write figure is compared with.
// Not thread-safe unless stated.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "base/text.h"

namespace silian::bench {

// Receives one line of progress for the user (stderr).
using Progress = std::function<void(const std::string&)>;

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point from, Clock::time_point to);
std::string Fixed(double v, int decimals);
// 1234567 -> "1,234,567"
std::string Grouped(uint64_t v);
// A rate rounded to a whole number and grouped.
std::string Rate(double per_s);
// "ext4", "tmpfs", ... or the magic number in hex; "unknown" when statfs fails.
std::string FileSystemName(const std::string& path);

// Report layout: "PASS"/"MISS", a percentage, a label padded to a column (counting characters, not bytes),
// and a two-column row of the report.
std::string Verdict(bool pass);
std::string Percent(uint64_t part, uint64_t whole);
std::string Cell(const std::string& text, size_t width);
std::string Row(const std::string& label, const std::string& value);

// A program silian-bench runs: `given` when not empty, else `relative` to the directory of silian-bench.
// kInvalidArgument naming the path and `option` (the flag that overrides it) when it is not executable.
Result<std::string> LocateProgram(const std::string& given, const std::string& relative, const std::string& option);
// The first executable `name` on $PATH; "" when there is none.
std::string FindOnPath(const std::string& name);

struct Latencies {
  double p50_ms = 0, p90_ms = 0, p99_ms = 0, max_ms = 0;
};
Latencies Summarize(std::vector<double> ms);

// The scratch directory: made with mkdtemp, removed with everything in it at destruction unless kept.
class ScratchDir {
 public:
  ScratchDir() = default;
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  ~ScratchDir();
  // Makes PARENT/silian-bench-XXXXXX (PARENT "" means /tmp). kInvalidArgument naming the parent on failure.
  Status Make(const std::string& parent, bool remove);
  const std::string& path() const { return path_; }
  bool removed_at_end() const { return remove_; }

 private:
  std::string path_;
  bool remove_ = false;
};

// ---- The plain-SQLite baseline.

// One row of a ledger's ops table.
struct OpRow {
  std::string origin;
  int64_t seq = 0;
  int64_t hlc = 0;
  std::string case_id;
  std::string division;
  std::string chain_hash;
  std::string bytes;
};

// The rows of a ledger's ops table, in arrival order. kInternal on an SQLite error.
Result<std::vector<OpRow>> ReadOpRows(const std::string& ledger_path);

struct BaselineFigures {
  uint64_t rows = 0;
  double seconds = 0;      // BEGIN .. COMMIT returned
  double insert_s = 0;     // the INSERT loop
  double commit_s = 0;     // COMMIT alone
  uint64_t file_bytes = 0;  // the database file after a checkpoint
};

// Inserts `rows` into a new database at `path` as plain SQLite would: the ops table and its index exactly
// as the ledger declares them (OpsTableDdl), WAL, synchronous=FULL, one transaction, one prepared statement.
// kInternal on an SQLite error.
Result<BaselineFigures> RunBaseline(const std::string& path, const std::vector<OpRow>& rows);

// "a 40.0%, b 35.0%, ...": each key with show(its count), largest count first.
std::string Mix(const std::map<std::string, uint64_t>& counts, const std::function<std::string(uint64_t)>& show);

}  // namespace silian::bench
