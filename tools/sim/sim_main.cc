// silian-sim: a deterministic simulator of the whole Silian network in one process (docs/simulator.md).
// Exit codes: 0 every seed passed, 1 a seed violated an invariant or could not run, 2 bad usage.
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "sim/simulator.h"

#ifndef SILIAN_SOURCE_DIR
#define SILIAN_SOURCE_DIR "."
#endif

namespace {

using silian::sim::SimOptions;

constexpr const char* kDescription =
    "silian-sim: runs the Silian network (city hub, county hubs, township halls, village laptops) in one "
    "process over the real ledger and sync code, with a seeded workload and faults (partitions, lost, "
    "duplicated and reordered requests, crashes, skewed clocks, failover to the city, USB bundles), then "
    "heals every fault, syncs until the network settles and checks its invariants. The same seed and flags "
    "give the same run. Exit 0: every invariant held for every seed; 1: one was violated (the first is "
    "printed with the command that replays it); 2: bad usage.";

void AddFlags(CLI::App& app, SimOptions& o, std::string& faults, std::string& calendar, int& second_laptops) {
  app.add_option("--seed", o.seed, "the seed of the run (the first one with --seed-count)")->capture_default_str();
  app.add_option("--seed-count", o.seed_count, "run seeds SEED .. SEED+K-1, each on a fresh network")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{1}, uint64_t{1000000}));
  app.add_option("--counties", o.topology.counties, "county hubs (152201, 152202, ...)")
      ->capture_default_str()
      ->check(CLI::Range(1, 99));
  app.add_option("--townships", o.topology.townships, "township halls, spread round-robin over the counties")
      ->capture_default_str()
      ->check(CLI::Range(1, 98901));
  app.add_option("--villages", o.topology.villages, "village points, spread round-robin over the townships")
      ->capture_default_str()
      ->check(CLI::Range(0, 1000000));
  app.add_option("--second-laptops", second_laptops,
                 "village points with a second laptop (device 02); default: one point in 25")
      ->check(CLI::Range(0, 1000000));
  app.add_option("--days", o.days, "simulated days of work before the faults are healed")
      ->capture_default_str()
      ->check(CLI::Range(1, 3650));
  app.add_option("--faults", faults, "all: inject every kind of fault; none: a clean network")
      ->capture_default_str()
      ->check(CLI::IsMember({"all", "none"}));
  app.add_option("--fault-scale", o.fault_scale_text,
                 "multiplies the chance of every fault (0 < X <= 10): more crashes, cuts and partitions")
      ->capture_default_str();
  app.add_option("--cases-per-day", o.cases_per_day_text,
                 "new cases per village laptop per day (halls x2, counties x4, the city x6 per working day)")
      ->capture_default_str();
  app.add_option("--catalog", o.catalog, "the item catalogue the city publishes (docs/catalog-format.md)")
      ->capture_default_str();
  app.add_option("--calendar", calendar,
                 "an overlay calendar the first county publishes for its area, or \"none\"")
      ->capture_default_str();
  app.add_option("--dir", o.dir, "where to make the scratch directory of ledgers (default /dev/shm, else /tmp)");
  app.add_flag("--keep", o.keep, "keep the scratch directory of ledgers");
  app.add_option("--settle-rounds", o.settle_rounds, "sync rounds allowed for the healed network to settle")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  app.add_flag("--json", o.json, "print the summary as one JSON object");
  app.add_flag_callback("--quiet", [&o] { o.progress = false; }, "no progress lines on stderr");
  app.add_flag("--verbose", o.verbose, "print every authoring call the rules refused on stderr");
}

// `text` as a number in [low, high] (above `low` when `open_low`), or nullopt.
std::optional<double> Number(const std::string& text, double low, double high, bool open_low) {
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (text.empty() || end == nullptr || *end != '\0' || !std::isfinite(v) || v < low || v > high) return std::nullopt;
  if (open_low && v == low) return std::nullopt;
  return v;
}

// Checks what CLI11 cannot. Returns a message naming the flag and value, or "".
std::string Finish(SimOptions& o, const std::string& faults, const std::string& calendar, int second_laptops,
                   const CLI::App& app) {
  auto cases = Number(o.cases_per_day_text, 0, 50, false);
  if (!cases) return "--cases-per-day \"" + o.cases_per_day_text + "\" must be a number from 0 to 50";
  o.cases_per_day = *cases;
  auto scale = Number(o.fault_scale_text, 0, 10, true);
  if (!scale) return "--fault-scale \"" + o.fault_scale_text + "\" must be a number above 0 and at most 10";
  o.fault_scale = *scale;
  o.faults = faults == "all";
  o.topology.second_laptops = app.count("--second-laptops") > 0 ? second_laptops : o.topology.villages / 25;
  o.catalog_given = app.count("--catalog") > 0;
  o.calendar_given = app.count("--calendar") > 0;
  o.calendar = calendar == "none" ? "" : calendar;
  if (o.seed_count > 1 && o.seed + (o.seed_count - 1) < o.seed)
    return "--seed " + std::to_string(o.seed) + " with --seed-count " + std::to_string(o.seed_count) +
           " runs past the largest seed";
  silian::Status valid = o.topology.Validate();
  return valid.ok() ? "" : valid.message();
}

int RunAll(const SimOptions& o) {
  nlohmann::json runs = nlohmann::json::array();
  uint64_t failed = 0, ops = 0;
  double wall = 0;
  nlohmann::json failed_seeds = nlohmann::json::array();
  for (uint64_t k = 0; k < o.seed_count; ++k) {
    silian::sim::RunResult run = silian::sim::RunSeed(o, o.seed + k, std::cerr);
    wall += run.wall_seconds;
    ops += run.stats.ops_authored;
    if (!run.passed()) {
      ++failed;
      failed_seeds.push_back(run.seed);
    }
    if (o.json) {
      runs.push_back(silian::sim::SummaryJson(o, run));
    } else if (o.seed_count == 1 || !run.passed()) {
      std::cout << silian::sim::SummaryText(o, run) << std::flush;
    } else {
      std::printf("seed %llu: PASS, %llu cases, %llu ops, %llu sessions, wall %.2f s\n",
                  static_cast<unsigned long long>(run.seed), static_cast<unsigned long long>(run.stats.cases_created),
                  static_cast<unsigned long long>(run.stats.ops_authored),
                  static_cast<unsigned long long>(run.stats.sessions), run.wall_seconds);
      std::fflush(stdout);
    }
  }
  double rate = wall > 0 ? static_cast<double>(ops) / wall : 0;
  if (o.json && o.seed_count == 1) {
    std::cout << runs[0].dump() << "\n";
  } else if (o.json) {
    nlohmann::json j = {{"seeds", o.seed_count},         {"passed", o.seed_count - failed}, {"failed", failed},
                        {"failed_seeds", failed_seeds},  {"runs", runs},
                        {"wall", {{"seconds", wall}, {"ops_per_second", rate}}}};
    std::cout << j.dump() << "\n";
  } else if (o.seed_count > 1) {
    std::printf("%llu seeds: %llu passed, %llu failed; %.0f simulated ops per wall second, wall %.2f s\n",
                static_cast<unsigned long long>(o.seed_count), static_cast<unsigned long long>(o.seed_count - failed),
                static_cast<unsigned long long>(failed), rate, wall);
  }
  return failed == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{kDescription};
  SimOptions o;
  o.program = argc > 0 ? argv[0] : "silian-sim";
  o.catalog = std::string(SILIAN_SOURCE_DIR) + "/reference/catalog.json";
  std::string faults = "all";
  std::string calendar = std::string(SILIAN_SOURCE_DIR) + "/reference/calendars/152222-naadam.json";
  int second_laptops = 0;
  AddFlags(app, o, faults, calendar, second_laptops);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  if (std::string bad = Finish(o, faults, calendar, second_laptops, app); !bad.empty()) {
    std::cerr << "silian-sim: " << bad << "\n";
    return 2;
  }
  silian::Status loaded = silian::sim::LoadReference(o);
  if (!loaded.ok()) {
    std::cerr << "silian-sim: " << loaded.message() << "\n";
    return 2;
  }
  return RunAll(o);
}
