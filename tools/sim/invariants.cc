#include "sim/invariants.h"

#include <sqlite3.h>

#include <map>
#include <memory>
#include <set>

#include "base/text.h"
#include "base/ids.h"
#include "domain/workflow.h"

namespace silian::sim {
namespace {


std::map<std::string, uint64_t> FrontierSeqs(const pb::Frontier& f) {
  std::map<std::string, uint64_t> out;
  for (const auto& e : f.entries()) out[e.origin()] = e.seq();
  return out;
}

// 1: every replica's digest equals the city's over that replica's scope.
Status CheckDigests(Network& net, Violations& out) {
  for (size_t i = 1; i < net.size(); ++i) {
    sync::LedgerStore& store = net.store(i);
    SILIAN_ASSIGN_OR_RETURN(sync::LedgerDigest own, store.Digest(std::nullopt));
    SILIAN_ASSIGN_OR_RETURN(sync::LedgerDigest city, net.store(Network::kCity).Digest(store.scope()));
    if (own.ToLine() != city.ToLine()) {
      out.Add(1, "digest", "replica " + Quote(net.at(i).id()) + " (scope " + store.scope() + ") has digest " +
                               own.ToLine() + "; the city has " + city.ToLine() + " for that scope");
      return Status::Ok();
    }
  }
  return Status::Ok();
}

// 2 and 6: what a hub acknowledged, and what every replica authored, is at the city.
Status CheckAtCity(Network& net, const Acknowledgements& acks, Violations& out) {
  SILIAN_ASSIGN_OR_RETURN(pb::Frontier city_frontier, net.store(Network::kCity).GetFrontier());
  auto city = FrontierSeqs(city_frontier);
  for (const auto& [origin, ack] : acks.by_origin) {
    if (city[origin] >= ack.seq) continue;
    out.Add(2, "acknowledged", "hub " + Quote(ack.hub) + " acknowledged ops of " + Quote(origin) + " up to seq " +
                                   std::to_string(ack.seq) + ", but the city holds them only up to seq " +
                                   std::to_string(city[origin]));
    break;
  }
  for (size_t i = 1; i < net.size(); ++i) {
    SILIAN_ASSIGN_OR_RETURN(pb::Frontier f, net.store(i).GetFrontier());
    uint64_t own = FrontierSeqs(f)[net.at(i).id()];
    if (city[net.at(i).id()] >= own) continue;
    out.Add(6, "authored", "replica " + Quote(net.at(i).id()) + " authored ops up to seq " + std::to_string(own) +
                               ", but the city holds them only up to seq " + std::to_string(city[net.at(i).id()]));
    break;
  }
  return Status::Ok();
}

std::string Text(sqlite3_stmt* stmt, int column) {
  const unsigned char* text = sqlite3_column_text(stmt, column);
  return text == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(text));
}

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};

// 3: read straight from the ledger file, read-only: the store's API only shows what is in scope.
Status CheckScope(Network& net, Violations& out) {
  for (size_t i = 0; i < net.size(); ++i) {
    const std::string scope = net.store(i).scope();
    sqlite3* raw = nullptr;
    int rc = sqlite3_open_v2(net.at(i).path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
    std::unique_ptr<sqlite3, DbCloser> db(raw);
    if (rc != SQLITE_OK) return Internal("cannot read " + Quote(net.at(i).path));
    for (const char* sql : {"SELECT origin || ':' || seq, division FROM ops",
                            "SELECT case_id, division FROM cases"}) {
      sqlite3_stmt* stmt = nullptr;
      if (sqlite3_prepare_v2(db.get(), sql, -1, &stmt, nullptr) != SQLITE_OK)
        return Internal(std::string("cannot query ") + Quote(net.at(i).path) + ": " + sqlite3_errmsg(db.get()));
      bool is_ops = std::string(sql).find("FROM ops") != std::string::npos;
      std::string bad_id, bad_division;
      while (bad_id.empty() && sqlite3_step(stmt) == SQLITE_ROW) {
        std::string id = Text(stmt, 0);
        std::string division = Text(stmt, 1);
        bool in = is_ops ? sync::OpInScope(division, scope) : sync::InScope(division, scope);
        if (!in) {
          bad_id = id;
          bad_division = division;
        }
      }
      sqlite3_finalize(stmt);
      if (!bad_id.empty()) {
        out.Add(3, "scope", "replica " + Quote(net.at(i).id()) + " (scope " + scope + ") holds " +
                                (is_ops ? "op " : "case ") + Quote(bad_id) + " of division " + bad_division);
        return Status::Ok();
      }
    }
  }
  return Status::Ok();
}

// 4: case numbers are unique, and every case created is at the city under its number.
Status CheckCaseNumbers(Network& net, const std::vector<CaseRecord>& cases, Violations& out) {
  sync::CaseFilter all;
  all.limit = 100000000;
  SILIAN_ASSIGN_OR_RETURN(auto listed, net.store(Network::kCity).ListCases(all));
  std::map<std::string, std::string> by_number, number_of;
  for (const auto& c : listed) {
    auto [it, fresh] = by_number.emplace(c.case_number, c.case_id);
    if (!fresh) {
      out.Add(4, "case_numbers", "case number " + Quote(c.case_number) + " names both case " + Quote(it->second) +
                                     " and case " + Quote(c.case_id));
      return Status::Ok();
    }
    number_of[c.case_id] = c.case_number;
  }
  for (const auto& c : cases) {
    auto it = number_of.find(c.case_id);
    if (it != number_of.end() && it->second == c.number) continue;
    out.Add(4, "case_numbers", "case " + Quote(c.case_id) + " created at " + Quote(net.at(static_cast<size_t>(c.creator)).id()) +
                                   " with number " + Quote(c.number) + " is " +
                                   (it == number_of.end() ? "not at the city" : "at the city as " + Quote(it->second)));
    return Status::Ok();
  }
  return Status::Ok();
}

}  // namespace

Result<sync::ReportRow> ReportTotal(sync::LedgerStore& store, const std::string& prefix, const ReportPeriod& period) {
  sync::ReportOptions o;
  o.from = period.from;
  o.to = period.to;
  o.today = period.today;
  o.division_prefix = prefix;
  SILIAN_RETURN_IF_ERROR(sync::ValidateReportOptions(o));
  SILIAN_ASSIGN_OR_RETURN(auto layers, store.CalendarLayers());
  sync::CalendarSet calendars(std::move(layers));
  sync::ReportBuilder report(o, [&](const std::string& division) -> const sync::WorkingCalendar& {
    return calendars.For(division);
  });
  SILIAN_RETURN_IF_ERROR(store.ForEachCaseView(prefix, [&](const nlohmann::json& view) {
    report.Add(view);
    return Status::Ok();
  }));
  return report.Total();
}

namespace {

// The figures of a report row that add up over disjoint sets of cases.
const std::vector<std::pair<const char*, uint64_t sync::ReportRow::*>>& CountFields() {
  static const std::vector<std::pair<const char*, uint64_t sync::ReportRow::*>> v = {
      {"received", &sync::ReportRow::received},
      {"accepted", &sync::ReportRow::accepted},
      {"not_accepted", &sync::ReportRow::not_accepted},
      {"completed", &sync::ReportRow::completed},
      {"completed_on_time", &sync::ReportRow::completed_on_time},
      {"ahead_wd_total", &sync::ReportRow::ahead_wd_total},
      {"overdue_now", &sync::ReportRow::overdue_now},
      {"warning_now", &sync::ReportRow::warning_now},
      {"evaluations", &sync::ReportRow::evaluations},
      {"negative_evaluations", &sync::ReportRow::negative_evaluations},
      {"rectifications_open", &sync::ReportRow::rectifications_open},
      {"rectifications_closed", &sync::ReportRow::rectifications_closed},
      {"rectifications_overdue", &sync::ReportRow::rectifications_overdue},
  };
  return v;
}

const std::vector<std::pair<const char*, int64_t sync::ReportRow::*>>& FeeFields() {
  static const std::vector<std::pair<const char*, int64_t sync::ReportRow::*>> v = {
      {"fees_charged_fen", &sync::ReportRow::fees_charged_fen},
      {"fees_paid_fen", &sync::ReportRow::fees_paid_fen},
      {"fees_refunded_fen", &sync::ReportRow::fees_refunded_fen},
  };
  return v;
}

// The first figure that differs, as "name A vs B", or "".
std::string FirstDifference(const sync::ReportRow& a, const sync::ReportRow& b) {
  for (const auto& [name, field] : CountFields())
    if (a.*field != b.*field) return std::string(name) + " " + std::to_string(a.*field) + " vs " + std::to_string(b.*field);
  for (const auto& [name, field] : FeeFields())
    if (a.*field != b.*field) return std::string(name) + " " + std::to_string(a.*field) + " vs " + std::to_string(b.*field);
  return "";
}

// 5: the city's report over each county equals the county's own; the city's total is their sum.
Status CheckReports(Network& net, const ReportPeriod& period, Violations& out) {
  sync::LedgerStore& city = net.store(Network::kCity);
  sync::ReportRow sum;
  for (int county : net.counties()) {
    sync::LedgerStore& store = net.store(static_cast<size_t>(county));
    SILIAN_ASSIGN_OR_RETURN(sync::ReportRow own, ReportTotal(store, store.scope(), period));
    SILIAN_ASSIGN_OR_RETURN(sync::ReportRow at_city, ReportTotal(city, store.scope(), period));
    if (std::string d = FirstDifference(at_city, own); !d.empty()) {
      out.Add(5, "report", "the city's report over county " + store.scope() + " differs from the county's own: " + d);
      return Status::Ok();
    }
    for (const auto& [name, field] : CountFields()) sum.*field += own.*field;
    for (const auto& [name, field] : FeeFields()) sum.*field += own.*field;
  }
  SILIAN_ASSIGN_OR_RETURN(sync::ReportRow total, ReportTotal(city, city.scope(), period));
  if (std::string d = FirstDifference(total, sum); !d.empty())
    out.Add(5, "report", "the city's total differs from the sum of its counties' reports: " + d);
  return Status::Ok();
}

// 7: nothing equivocates and nothing still waits for a gap.
Status CheckIntegrity(Network& net, Violations& out) {
  for (size_t i = 0; i < net.size(); ++i) {
    SILIAN_ASSIGN_OR_RETURN(sync::StoreStatus st, net.store(i).GetStatus());
    if (st.equivocation_count == 0 && st.pending_count == 0) continue;
    out.Add(7, "integrity", "replica " + Quote(net.at(i).id()) + " holds " + std::to_string(st.equivocation_count) +
                                " equivocations and " + std::to_string(st.pending_count) +
                                " entries waiting for a gap after settling");
    return Status::Ok();
  }
  return Status::Ok();
}

// 8: a ledger rebuilt from everything the city exports folds every case from scratch to the same state.
Status CheckRebuild(Network& net, const std::string& scratch, Violations& out) {
  sync::LedgerStore& city = net.store(Network::kCity);
  sync::ManualWallClock wall(net.at(Network::kCity).wall.NowMs());
  sync::LedgerStore::Options options;
  options.durable = false;
  options.wall = &wall;
  sync::NodeConfig config = city.config();
  config.node_id = sync::NodeId{"auditor"};
  SILIAN_ASSIGN_OR_RETURN(auto auditor, sync::LedgerStore::Create(scratch + "/auditor.db", config, options));
  SILIAN_ASSIGN_OR_RETURN(auto import, auditor->BeginImport());
  pb::Frontier nothing;
  nothing.set_scope(city.scope());
  pb::Batch batch;
  auto flush = [&]() -> Status {
    SILIAN_RETURN_IF_ERROR(city.ledger().AttachHeads(&batch));
    Status s = import->Add(batch);
    batch.Clear();
    return s;
  };
  SILIAN_RETURN_IF_ERROR(city.Export(nothing, [&](pb::Entry e) -> Status {
    *batch.add_entries() = std::move(e);
    return batch.entries_size() >= 5000 ? flush() : Status::Ok();
  }));
  SILIAN_RETURN_IF_ERROR(flush());
  SILIAN_ASSIGN_OR_RETURN(pb::Frontier sender, city.GetFrontier());
  SILIAN_ASSIGN_OR_RETURN(sync::ImportStats stats, import->Commit(&sender));
  SILIAN_ASSIGN_OR_RETURN(sync::LedgerDigest rebuilt, auditor->Digest(std::nullopt));
  SILIAN_ASSIGN_OR_RETURN(sync::LedgerDigest kept, city.Digest(std::nullopt));
  // Clock skew is reported on import by design (the faults skew clocks by days); any other warning is not.
  std::string warning;
  for (const auto& w : stats.warnings)
    if (warning.empty() && w.find("(clock skew)") == std::string::npos) warning = w;
  if (rebuilt.ToLine() != kept.ToLine() || stats.pending != 0 || !warning.empty())
    out.Add(8, "rebuild", "a ledger rebuilt from the city's " + std::to_string(stats.new_ops) + " ops has digest " +
                              rebuilt.ToLine() + " (" + std::to_string(stats.pending) + " pending); the city has " +
                              kept.ToLine() + (warning.empty() ? "" : "; warning: " + warning));
  return Status::Ok();
}

// What a replica holds of the reference data: "item CODE vN" and "calendar AREA/NAME vN" lines.
Result<std::set<std::string>> ReferenceHeld(sync::LedgerStore& store, const std::string& scope) {
  std::set<std::string> out;
  SILIAN_ASSIGN_OR_RETURN(auto items, store.CatalogItems(true));
  for (const auto& item : items) out.insert("item " + item.code() + " v" + std::to_string(item.version()));
  SILIAN_ASSIGN_OR_RETURN(auto layers, store.CalendarLayers());
  for (const auto& layer : layers)
    if (sync::OpInScope(layer.area, scope))
      out.insert("calendar " + layer.area + "/" + layer.calendar.name() + " v" + std::to_string(layer.calendar.version()));
  return out;
}

// 9: every replica holds the reference data of its area that the city holds.
Status CheckReference(Network& net, Violations& out) {
  for (size_t i = 1; i < net.size(); ++i) {
    const std::string scope = net.store(i).scope();
    SILIAN_ASSIGN_OR_RETURN(auto expected, ReferenceHeld(net.store(Network::kCity), scope));
    SILIAN_ASSIGN_OR_RETURN(auto held, ReferenceHeld(net.store(i), scope));
    if (held == expected) continue;
    std::string missing, extra;
    for (const auto& e : expected)
      if (!held.count(e) && missing.empty()) missing = e;
    for (const auto& h : held)
      if (!expected.count(h) && extra.empty()) extra = h;
    out.Add(9, "reference", "replica " + Quote(net.at(i).id()) + " (scope " + scope + ") holds " +
                                std::to_string(held.size()) + " reference versions, the city " +
                                std::to_string(expected.size()) + " for that area" +
                                (missing.empty() ? "" : "; missing: " + missing) + (extra.empty() ? "" : "; extra: " + extra));
    return Status::Ok();
  }
  return Status::Ok();
}

}  // namespace

Status CheckInvariants(Network& net, const Acknowledgements& acks, const std::vector<CaseRecord>& cases,
                       const ReportPeriod& period, const std::string& scratch, Violations& out) {
  auto checked = [](const Status& s) -> Status {
    if (s.ok() || s.code() == StatusCode::kInternal) return s;
    return Internal("checking the invariants: " + s.ToString());
  };
  SILIAN_RETURN_IF_ERROR(checked(CheckDigests(net, out)));
  SILIAN_RETURN_IF_ERROR(checked(CheckAtCity(net, acks, out)));
  SILIAN_RETURN_IF_ERROR(checked(CheckScope(net, out)));
  SILIAN_RETURN_IF_ERROR(checked(CheckCaseNumbers(net, cases, out)));
  SILIAN_RETURN_IF_ERROR(checked(CheckReports(net, period, out)));
  SILIAN_RETURN_IF_ERROR(checked(CheckIntegrity(net, out)));
  SILIAN_RETURN_IF_ERROR(checked(CheckRebuild(net, scratch, out)));
  return checked(CheckReference(net, out));
}

}  // namespace silian::sim
