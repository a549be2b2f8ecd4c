// silian-bench: performance figures of the replica core. Exit codes: 0 the measurement ran (whatever the
// figures), 1 an error while measuring, 2 bad usage.
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>

#include "bench/bench_local.h"

int main(int argc, char** argv) {
  CLI::App app{"silian-bench: performance figures of the Silian replica core"};
  app.require_subcommand(1);
  silian::bench::LocalOptions local;
  auto* cmd = app.add_subcommand(
      "local",
      "Authors a seeded township/village workload, then measures single-op durable commits, the import of a "
      "bundle of all its ops into an empty ledger, bundle bytes per op, and a plain-SQLite insert baseline");
  cmd->add_option("--seed", local.seed, "workload seed; the same seed gives the same ops")->capture_default_str();
  cmd->add_option("--ops", local.ops, "ops in the workload and its bundle")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{1}, uint64_t{10000000}));
  cmd->add_option("--durable-ops", local.durable_ops, "single-op durable commits to time")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{1}, uint64_t{1000000}));
  cmd->add_option("--villages", local.villages, "village agent points authoring besides the township hall")
      ->capture_default_str()
      ->check(CLI::Range(1, 8));
  cmd->add_option("--runs", local.runs, "import and baseline runs (alternating); medians are reported")
      ->capture_default_str()
      ->check(CLI::Range(1, 99));
  cmd->add_option("--dir", local.dir,
                  "directory for scratch files (a fresh subdirectory is made and kept); default: a temporary "
                  "directory under /tmp, removed at the end");
  cmd->add_flag("--keep", local.keep, "keep the scratch directory");
  cmd->add_flag("--json", local.json, "print the figures as one JSON object");
  bool no_breakdown = false;
  cmd->add_flag("--no-breakdown", no_breakdown, "skip timing the pieces of an import alone");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  local.breakdown = !no_breakdown;
  silian::Status s = silian::bench::RunLocal(local, std::cout, std::cerr);
  if (!s.ok()) {
    std::cerr << "silian-bench: " << s.message() << "\n";
    return s.code() == silian::StatusCode::kInvalidArgument ? 2 : 1;
  }
  return 0;
}
