#include "sim/workload.h"

#include <iostream>

#include "sim/faults.h"
#include "domain/catalog.h"
#include "domain/case_model.h"

namespace silian::sim {
namespace {

using nlohmann::json;

constexpr int kMaxAttempts = 400;

const std::vector<std::string>& Names() {
  static const std::vector<std::string> v = {"巴特尔", "其其格", "乌云",   "萨仁",   "阿拉坦", "斯琴",   "王芳",
                                             "张伟",   "李娜",   "刘洋",   "陈静",   "杨磊",   "图雅",   "娜仁",
                                             "额尔敦", "包金山", "孟和",   "赵敏",   "宝音",   "高娃"};
  return v;
}

}  // namespace

std::string ResidentId(const std::string& region, Rng& rng) {
  char body[18];
  std::snprintf(body, sizeof body, "%.6s19%02d%02d%02d%03d", region.c_str(), static_cast<int>(rng.Between(40, 99)),
                static_cast<int>(rng.Between(1, 12)), static_cast<int>(rng.Between(1, 28)),
                static_cast<int>(rng.Below(1000)));
  static constexpr int kWeights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  static constexpr char kCheck[11] = {'1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'};
  int sum = 0;
  for (int i = 0; i < 17; ++i) sum += (body[i] - '0') * kWeights[i];
  return std::string(body, 17) + kCheck[sum % 11];
}

Workload::Workload(Network& net, Rng& rng, SimStats& stats, std::vector<pb::Item> items, WorkloadOptions options)
    : net_(net), rng_(rng), stats_(stats), items_(std::move(items)), options_(options), villages_of_(net.size()) {
  for (size_t i = 0; i < items_.size(); ++i) {
    int rank = sync::LevelRank(items_[i].exercise_level());
    if (rank >= 0 && rank < 4) by_level_[rank].push_back(i);
  }
  for (const auto& division : net_.village_divisions()) {
    villages_of_[Network::kCity].push_back(division);
    int county = net_.CountyFor(division);
    int township = net_.TownshipFor(division);
    if (county >= 0) villages_of_[static_cast<size_t>(county)].push_back(division);
    if (township >= 0) villages_of_[static_cast<size_t>(township)].push_back(division);
  }
}

bool Workload::Working(int replica, int64_t hour) const {
  int64_t hour_of_day = hour % 24;
  int64_t weekday = (hour / 24) % 7;  // the run starts on a Monday
  if (net_.at(static_cast<size_t>(replica)).is_laptop()) return hour_of_day >= 7 && hour_of_day < 21;
  return weekday < 5 && hour_of_day >= 8 && hour_of_day < 18;
}

std::string Workload::Actor(int replica) {
  const Replica& r = net_.at(static_cast<size_t>(replica));
  const char* role = r.is_laptop() ? "agent" : r.level() == sync::Level::kTownship ? "window" : "clerk";
  return std::string(role) + "-" + std::to_string(rng_.Below(3) + 1);
}

bool Workload::Done(const Status& s, const std::string& what, int actor) {
  if (s.ok()) {
    ++stats_.ops_authored;
    ++stats_.authored[what];
    return true;
  }
  switch (s.code()) {
    case StatusCode::kFailedPrecondition:
      ++stats_.refused[s.message().find("node or above") != std::string::npos ? "authority" : "status"];
      break;
    case StatusCode::kNotFound: ++stats_.refused["not_visible"]; break;
    case StatusCode::kInvalidArgument: ++stats_.refused["invalid"]; break;
    default:
      if (fatal_.ok()) fatal_ = Status(s.code(), what + " at " + net_.at(static_cast<size_t>(actor)).id() + ": " + s.message());
      return false;
  }
  if (options_.verbose)
    std::cerr << "silian-sim: " << net_.at(static_cast<size_t>(actor)).id() << " " << what << " refused: " << s.ToString()
              << "\n";
  return false;
}

// Village agents take anything and forward it; halls, counties and the city mostly take their own items.
const pb::Item& Workload::PickItem(int creator) {
  static constexpr int kWeights[4][4] = {
      {30, 35, 30, 5},  // village laptop: village, township, county, city items
      {10, 50, 40, 0},  // township hall
      {0, 0, 90, 10},   // county centre
      {0, 0, 30, 70},   // city centre
  };
  int rank = sync::LevelRank(sync::LevelName(net_.at(static_cast<size_t>(creator)).level()));
  int total = 0;
  for (int l = 0; l < 4; ++l) total += by_level_[l].empty() ? 0 : kWeights[rank][l];
  if (total == 0) return items_[static_cast<size_t>(rng_.Below(items_.size()))];
  int64_t draw = rng_.Below(static_cast<uint64_t>(total));
  for (int l = 0; l < 4; ++l) {
    if (by_level_[l].empty()) continue;
    draw -= kWeights[rank][l];
    if (draw < 0) return items_[rng_.Pick(by_level_[l])];
  }
  return items_.back();  // not reached: the draws above cover `total`
}

// The applicant's home division: a village of the creator's area. Without villages, a hall or county
// registers under its own code; the city under a county's, so that every case lies in some county.
std::string Workload::PickDivision(int creator) {
  const Replica& r = net_.at(static_cast<size_t>(creator));
  const auto& villages = villages_of_[static_cast<size_t>(creator)];
  if (!r.is_laptop() && !villages.empty()) return rng_.Pick(villages);
  if (creator == Network::kCity) return net_.at(static_cast<size_t>(rng_.Pick(net_.counties()))).spec.config.division.value;
  return r.spec.config.division.value;
}

int Workload::Competent(int creator, const pb::Item& item, const std::string& division) const {
  int rank = sync::LevelRank(item.exercise_level());
  if (sync::LevelRank(sync::LevelName(net_.at(static_cast<size_t>(creator)).level())) >= rank) return creator;
  int found = rank == 1 ? net_.TownshipFor(division) : -1;
  if (found < 0 && rank <= 2) found = net_.CountyFor(division);
  return found < 0 ? Network::kCity : found;
}

uint32_t Workload::DrawPlan(const pb::Item& item, int competent) {
  uint32_t plan = 0;
  auto maybe = [&](uint64_t percent, uint32_t bit) {
    if (rng_.Percent(percent)) plan |= bit;
  };
  maybe(15, kCorrection);
  maybe(2, kNotAccept);
  maybe(8, kDeny);
  maybe(10, kSuspend);
  maybe(10, kExtend);
  maybe(5, kTolerant);
  maybe(3, kWithdraw);
  maybe(8, kGuardedEdit);
  maybe(10, kPlainEdit);
  maybe(85, kEvaluate);
  maybe(8, kNegative);
  maybe(20, kAcceptanceEval);
  if (item.departments_size() > 0) {
    if (net_.at(static_cast<size_t>(competent)).level() != sync::Level::kCity) maybe(40, kDelegate);
    maybe(10, kDeptConflict);
  }
  if (sync::TotalFeesFen(item) > 0) maybe(10, kRefund);
  return plan;
}

void Workload::Create(int creator, int64_t hour) {
  const pb::Item& item = PickItem(creator);
  std::string division = PickDivision(creator);
  sync::NewCase nc;
  nc.item_code = item.code();
  nc.applicant_name = rng_.Pick(Names());
  nc.applicant_id = ResidentId(division.substr(0, 6), rng_);
  nc.phone = "13" + std::to_string(rng_.Between(100000000, 999999999));
  nc.address = division + " 第" + std::to_string(rng_.Between(1, 99)) + "户";
  nc.summary = item.name();
  nc.channel = net_.at(static_cast<size_t>(creator)).is_laptop() ? "agent" : "window";
  nc.actor = Actor(creator);
  nc.division = sync::DivisionCode{division};
  net_.Advance(static_cast<uint64_t>(rng_.Between(1000, 60000)));
  net_.Tick(static_cast<size_t>(creator));
  auto created = net_.store(static_cast<size_t>(creator)).CreateCase(nc);
  if (!Done(created.status(), "create", creator)) return;
  ++stats_.cases_created;
  CaseRecord c;
  c.case_id = created->case_id.value;
  c.number = created->case_number;
  c.division = division;
  c.item = static_cast<size_t>(&item - items_.data());
  c.creator = creator;
  c.competent = Competent(creator, item, division);
  c.plan = DrawPlan(item, c.competent);
  if (c.plan & kWithdraw) c.withdraw_hour = hour + rng_.Between(2, 10 * 24);
  cases_.push_back(std::move(c));
  Schedule(cases_.size() - 1, hour + rng_.Between(0, 1));
}

void Workload::NewCases(int64_t hour) {
  const double r = options_.cases_per_day;
  // Per-hour chances: a laptop works 14 hours a day, halls and centres 10 on working days.
  auto chance = [&](int replica, double per_day, double hours) {
    if (!Working(replica, hour)) return;
    if (rng_.PerMillion(static_cast<uint64_t>(per_day / hours * 1e6))) Create(replica, hour);
  };
  for (int i : net_.laptops()) chance(i, r, 14);
  for (int i : net_.townships()) chance(i, 2 * r, 10);
  for (int i : net_.counties()) chance(i, 4 * r, 10);
  chance(Network::kCity, 6 * r, 10);
}

void Workload::Schedule(size_t index, int64_t hour) { due_.emplace(hour, index); }

void Workload::Advance(int64_t hour) {
  while (!due_.empty() && due_.top().first <= hour && fatal_.ok()) {
    size_t index = due_.top().second;
    due_.pop();
    Attempt(index, hour);
  }
}

int Workload::Responsible(const CaseRecord& c, const std::string& status) const {
  if (status == "draft" || status == "correction_pending" || status == "certificate_issued") return c.creator;
  if (status == "received") return c.creator == c.competent ? c.competent : c.creator;
  if (status == "forwarded" || status == "accepted" || status == "in_review" || status == "suspended" ||
      status.rfind("decided_", 0) == 0)
    return c.competent;
  if (status == "completed") return c.denied ? c.creator : c.competent;
  if (status == "delivered") {
    if ((c.plan & kEvaluate) && !(c.done & kEvaluate)) return c.creator;
    if ((c.plan & kNegative) && (c.done & kEvaluate) && !(c.done & kRectified)) return c.competent;
  }
  return -1;  // not_accepted, withdrawn, revoked, terminated, or delivered with nothing left to do
}

// The applicant withdraws at the agent or window where they applied, if the case is still undecided there.
bool Workload::TryWithdraw(CaseRecord& c) {
  c.done |= kWithdraw;
  auto view = net_.store(static_cast<size_t>(c.creator)).ShowCase(c.case_id);
  if (!view.ok()) return false;
  auto status = sync::ParseCaseStatus((*view)["status"].get<std::string>());
  if (!status.ok() || !sync::NextStatus(*status, sync::Action::kWithdraw)) return false;
  return Done(net_.store(static_cast<size_t>(c.creator))
                  .Act(c.case_id, sync::Action::kWithdraw, "申请人撤回申请", Actor(c.creator))
                  .status(),
              "act:withdraw", c.creator);
}

void Workload::Attempt(size_t index, int64_t hour) {
  CaseRecord& c = cases_[index];
  if (c.closed) return;
  if (++c.attempts > kMaxAttempts) {
    ++stats_.refused["case_abandoned"];
    c.closed = true;
    return;
  }
  if ((c.plan & kWithdraw) && !(c.done & kWithdraw) && hour >= c.withdraw_hour && Working(c.creator, hour)) {
    net_.Advance(static_cast<uint64_t>(rng_.Between(1000, 60000)));
    net_.Tick(static_cast<size_t>(c.creator));
    TryWithdraw(c);
    Schedule(index, hour + rng_.Between(1, 24));
    return;
  }
  int actor = Responsible(c, c.hint);
  if (actor < 0) {
    c.closed = true;
    return;
  }
  if (!Working(actor, hour)) {
    Schedule(index, hour + 1);
    return;
  }
  net_.Advance(static_cast<uint64_t>(rng_.Between(1000, 60000)));
  net_.Tick(static_cast<size_t>(actor));
  auto view = net_.store(static_cast<size_t>(actor)).ShowCase(c.case_id);
  if (!view.ok()) {
    if (view.status().code() != StatusCode::kNotFound) Done(view.status(), "show", actor);
    ++stats_.step_waits;  // the case has not reached this replica yet
    Schedule(index, hour + rng_.Between(2, 12));
    return;
  }
  std::string status = (*view)["status"].get<std::string>();
  c.hint = status;
  int now_responsible = Responsible(c, status);
  if (now_responsible != actor) {
    // This replica sees another stage: someone else's turn, or its copy is behind. Ask them next.
    ++stats_.step_waits;
    if (now_responsible < 0) c.closed = true;
    else Schedule(index, hour + rng_.Between(1, 6));
    return;
  }
  int64_t delay = Step(c, *view, status, actor);
  if (!c.closed) Schedule(index, hour + (delay < 1 ? 1 : delay));
}

void Workload::ResolveAt(int replica, uint64_t percent) {
  auto r = static_cast<size_t>(replica);
  net_.Advance(static_cast<uint64_t>(rng_.Between(1000, 60000)));
  net_.Tick(r);
  auto conflicts = net_.store(r).ListConflicts();
  if (!conflicts.ok()) {
    Done(conflicts.status(), "conflicts", replica);
    return;
  }
  for (const json& c : *conflicts) {
    if (c.value("case_number", "").empty() || !rng_.Percent(percent)) continue;
    const json& candidates = c.at("candidates");
    if (candidates.empty()) continue;
    const std::string id = c.at("id").get<std::string>();
    Result<sync::OpId> done = Status(StatusCode::kInternal, "not tried");
    if (c.at("kind") == "field" && rng_.Percent(30)) {
      done = net_.store(r).ResolveConflict(id, std::nullopt, c.value("provisional", ""), Actor(replica));
    } else {
      const json& pick = candidates.at(static_cast<size_t>(rng_.Below(candidates.size())));
      auto keep = sync::ParseOpId(pick.at("op").get<std::string>());
      if (!keep.ok()) continue;
      done = net_.store(r).ResolveConflict(id, *keep, std::nullopt, Actor(replica));
    }
    if (Done(done.status(), "resolve", replica)) ++stats_.conflicts_resolved;
  }
}

void Workload::ResolveConflicts(int64_t hour) {
  if (hour % 24 != 10 || !Working(Network::kCity, hour)) return;
  for (int i : net_.townships()) ResolveAt(i, 30);
  for (int i : net_.counties()) ResolveAt(i, 50);
  ResolveAt(Network::kCity, 15);
}

}  // namespace silian::sim
