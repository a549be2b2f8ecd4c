// The summary of a run: the replay command, JSON, and text.
#include <cstdio>
#include <sstream>

#include "sim/simulator.h"

namespace silian::sim {
namespace {

uint64_t Total(const std::map<std::string, uint64_t>& counts) {
  uint64_t n = 0;
  for (const auto& [kind, count] : counts) n += count;
  return n;
}

// "a=1, b=2" in key order, or "none".
std::string List(const std::map<std::string, uint64_t>& counts) {
  std::string out;
  for (const auto& [kind, count] : counts) out += (out.empty() ? "" : ", ") + kind + "=" + std::to_string(count);
  return out.empty() ? "none" : out;
}

// Quotes a shell word when it needs it.
std::string ShellWord(const std::string& s) {
  bool plain = !s.empty();
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '.' || c == '-' || c == '_' || c == '='))
      plain = false;
  if (plain) return s;
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

double OpsPerSecond(const RunResult& run) {
  return run.wall_seconds > 0 ? static_cast<double>(run.stats.ops_authored) / run.wall_seconds : 0;
}

}  // namespace

nlohmann::json SimStats::ToJson() const {
  return {{"replicas", replicas},
          {"cases", cases_created},
          {"ops_authored", ops_authored},
          {"authored", authored},
          {"refused", refused},
          {"refused_total", Total(refused)},
          {"step_waits", step_waits},
          {"sessions", sessions},
          {"sessions_failed", sessions_failed},
          {"requests", requests},
          {"ops_pushed", ops_pushed},
          {"ops_pulled", ops_pulled},
          {"failovers", failovers},
          {"bundles", bundles},
          {"bundle_ops", bundle_ops},
          {"faults", faults},
          {"faults_total", Total(faults)},
          {"conflicts_resolved", conflicts_resolved},
          {"open_conflicts_at_end", open_conflicts_at_end},
          {"settle_rounds", settle_rounds},
          {"settled", settled},
          {"city_digest", city_digest},
          {"final_status", final_status},
          {"city_report", city_report}};
}

std::string ReplayCommand(const SimOptions& o, uint64_t seed) {
  std::ostringstream cmd;
  cmd << ShellWord(o.program) << " --seed " << seed << " --counties " << o.topology.counties << " --townships "
      << o.topology.townships << " --villages " << o.topology.villages << " --second-laptops "
      << o.topology.second_laptops << " --days " << o.days << " --faults " << (o.faults ? "all" : "none")
      << " --cases-per-day " << ShellWord(o.cases_per_day_text);
  if (o.fault_scale_text != "1") cmd << " --fault-scale " << ShellWord(o.fault_scale_text);
  if (o.catalog_given) cmd << " --catalog " << ShellWord(o.catalog);
  if (o.calendar_given) cmd << " --calendar " << ShellWord(o.calendar);
  return cmd.str();
}

nlohmann::json SummaryJson(const SimOptions& o, const RunResult& run) {
  nlohmann::json j = run.stats.ToJson();
  j["seed"] = run.seed;
  j["days"] = o.days;
  j["faults_enabled"] = o.faults;
  j["network"] = {{"counties", o.topology.counties},
                  {"townships", o.topology.townships},
                  {"villages", o.topology.villages},
                  {"second_laptops", o.topology.second_laptops}};
  j["passed"] = run.passed();
  j["violations"] = run.violations.size();
  if (!run.error.ok()) j["error"] = run.error.ToString();
  if (!run.violations.empty()) {
    const Violation& v = run.violations.First();
    j["violation"] = {{"invariant", v.invariant}, {"name", v.name}, {"detail", v.detail}};
  }
  if (!run.passed()) j["replay"] = ReplayCommand(o, run.seed);
  if (!run.scratch.empty()) j["scratch"] = run.scratch;
  j["wall"] = {{"seconds", run.wall_seconds}, {"ops_per_second", OpsPerSecond(run)}};
  return j;
}

std::string SummaryText(const SimOptions& o, const RunResult& run) {
  const SimStats& s = run.stats;
  const Topology& t = o.topology;
  std::ostringstream out;
  char speed[96];
  std::snprintf(speed, sizeof speed, "%.0f simulated ops per wall second, wall %.2f s", OpsPerSecond(run),
                run.wall_seconds);
  out << "silian-sim seed " << run.seed << ": " << o.days << " days, faults " << (o.faults ? "all" : "none") << "\n"
      << "  replicas   " << s.replicas << " (1 city, " << t.counties << " counties, " << t.townships << " townships, "
      << t.villages << " village points, " << t.second_laptops << " second laptops)\n"
      << "  cases      " << s.cases_created << " created; ops authored " << s.ops_authored << "\n"
      << "  refused    " << Total(s.refused) << " (" << List(s.refused) << "); steps put off " << s.step_waits << "\n"
      << "  sync       " << s.sessions << " sessions (" << s.sessions_failed << " failed), " << s.requests
      << " requests, ops pushed " << s.ops_pushed << ", pulled " << s.ops_pulled << ", failovers " << s.failovers
      << ", USB bundles " << s.bundles << " (" << s.bundle_ops << " ops)\n"
      << "  faults     " << Total(s.faults) << " (" << List(s.faults) << ")\n"
      << "  conflicts  " << s.conflicts_resolved << " resolved, " << s.open_conflicts_at_end
      << " open at the city at the end\n"
      << "  settled    " << (s.settled ? "yes" : "no") << " after " << s.settle_rounds << " rounds\n"
      << "  statuses   " << List(s.final_status) << "\n"
      << "  report     " << (s.city_report.is_null() ? "-" : s.city_report.dump()) << "\n"
      << "  city       " << (s.city_digest.empty() ? "-" : s.city_digest) << "\n"
      << "  speed      " << speed << "\n";
  if (!run.error.ok()) {
    out << "FAIL seed " << run.seed << ": the run stopped: " << run.error.ToString() << "\n";
  } else if (!run.violations.empty()) {
    const Violation& v = run.violations.First();
    out << "FAIL seed " << run.seed << ": invariant " << v.invariant << " (" << v.name << ") violated: " << v.detail
        << "\n";
    if (run.violations.size() > 1) out << "  (" << run.violations.size() << " violations in all)\n";
  } else {
    out << "PASS seed " << run.seed << ": every invariant holds\n";
  }
  if (!run.passed()) out << "  replay: " << ReplayCommand(o, run.seed) << "\n";
  if (!run.scratch.empty()) out << "  ledgers kept in " << run.scratch << "\n";
  return out.str();
}

}  // namespace silian::sim
