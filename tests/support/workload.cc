#include "support/workload.h"

#include <catch2/catch.hpp>

#include "support/status.h"

namespace silian::test {
namespace {

// Clock skew is reported but harmless here: the workloads skew clocks on purpose.
void CheckNoWarnings(const sync::ImportStats& s) {
  for (const auto& w : s.warnings) {
    INFO(w);
    REQUIRE(w.find("(clock skew)") != std::string::npos);
  }
  REQUIRE(s.equivocations == 0);
}

}  // namespace

const std::vector<std::string>& NamePool() {
  static const std::vector<std::string> v = {"Bayar", "Sarangerel", "Wang Fang", "Oyunaa"};
  return v;
}

const std::vector<std::string>& ItemPool() {
  static const std::vector<std::string> v = {"11152222MB1234567X-1-001", "11152222MB1234567X-1-002",
                                             "11152222MB7654321Y-2-010"};
  return v;
}

std::vector<sync::CaseSummary> WritableCases(sync::LedgerStore& s) {
  sync::CaseFilter all;
  all.limit = 100000;
  std::vector<sync::CaseSummary> out;
  for (auto& c : SILIAN_TAKE(s.ListCases(all)))
    if (!c.case_number.empty()) out.push_back(std::move(c));
  return out;
}

std::vector<nlohmann::json> ResolvableConflicts(sync::LedgerStore& s) {
  std::vector<nlohmann::json> out;
  for (auto& c : SILIAN_TAKE(s.ListConflicts()))
    if (!c.value("case_number", "").empty()) out.push_back(std::move(c));
  return out;
}

sync::Action PickAction(const std::vector<sync::Action>& allowed, Rng& rng, uint64_t any_percent) {
  std::vector<sync::Action> forward;
  for (sync::Action a : allowed)
    if (a != sync::Action::kWithdraw && a != sync::Action::kTerminate && a != sync::Action::kRevoke)
      forward.push_back(a);
  return (forward.empty() || rng.Percent(any_percent)) ? rng.Pick(allowed) : rng.Pick(forward);
}

void Workload::Step() {
  if (rng_.Percent(18)) {
    PartialExchange();
    return;
  }
  Replica& r = *replicas_[static_cast<size_t>(rng_.Below(replicas_.size()))];
  MoveClock(r);
  std::vector<sync::CaseSummary> cases = WritableCases(*r);
  if (cases.empty() || (cases.size() < 4 && rng_.Percent(15))) {
    Create(r);
    return;
  }
  const std::string case_id = rng_.Pick(cases).case_id;
  uint64_t what = rng_.Below(100);
  std::string actor = "staff-" + std::to_string(rng_.Below(3));
  if (what < 15) {
    static const std::vector<std::string> plain = {"phone", "address", "summary", "channel"};
    std::string field = rng_.Pick(plain);
    std::string value = field == "phone" ? "0482-555" + std::to_string(rng_.Between(1000, 1003))
                                         : field + " v" + std::to_string(rng_.Below(4));
    SILIAN_TAKE(r->SetFields(case_id, {{field, value}}, actor));
    ++counts_.fields;
  } else if (what < 30) {
    std::vector<std::pair<std::string, std::string>> values;
    uint64_t g = rng_.Below(3);
    if (g == 0) values.push_back({"applicant_name", rng_.Pick(NamePool())});
    if (g == 1) values.push_back({"applicant_id", ResidentId(static_cast<uint32_t>(rng_.Below(3)))});
    if (g == 2) values.push_back({"item_code", rng_.Pick(ItemPool())});
    if (rng_.Percent(30)) values.push_back({"summary", "with guarded " + std::to_string(rng_.Below(3))});
    SILIAN_TAKE(r->SetFields(case_id, values, actor));
    ++counts_.guarded;
  } else if (what < 60) {
    Transition(r, case_id, actor);
  } else if (what < 70) {
    SILIAN_TAKE(r->AddNote(case_id, "note " + std::to_string(rng_.Below(1000)), actor));
    ++counts_.notes;
  } else if (what < 78) {
    static const std::vector<std::string> names = {"ID card copy", "household register", "photo"};
    SILIAN_TAKE(r->AddMaterial(case_id, rng_.Pick(names), static_cast<uint32_t>(rng_.Between(1, 3)), actor));
    ++counts_.materials;
  } else if (what < 92) {
    Resolve(r, actor);
  } else {
    Create(r);
  }
}

void Workload::FullExchange() {
  for (size_t i = 1; i < replicas_.size(); ++i) CheckNoWarnings(Exchange(**replicas_[i], **replicas_[0]));
  for (size_t i = 1; i < replicas_.size(); ++i) CheckNoWarnings(Exchange(**replicas_[0], **replicas_[i]));
}

void Workload::MoveClock(Replica& r) {
  uint64_t now = r.wall->NowMs();
  if (rng_.Percent(8) && now > kT0Ms + 5000)
    r.wall->Set(now - rng_.Between(1, 5000));  // the wall clock steps back (NTP correction, bad battery)
  else
    r.wall->Set(now + rng_.Between(0, 3000));
}

void Workload::Create(Replica& r) {
  sync::NewCase c;
  uint32_t n = static_cast<uint32_t>(rng_.Below(3));
  c.item_code = rng_.Pick(ItemPool());
  c.applicant_name = rng_.Pick(NamePool());
  c.applicant_id = ResidentId(n);
  c.phone = "0482-555" + std::to_string(rng_.Between(1000, 1003));
  c.address = "Gacha road " + std::to_string(rng_.Below(20));
  c.summary = "application " + std::to_string(rng_.Below(100));
  c.channel = rng_.Percent(50) ? "agent" : "window";
  c.actor = "agent-" + std::to_string(rng_.Below(2));
  SILIAN_TAKE(r->CreateCase(c));
  ++counts_.created;
}

void Workload::Transition(Replica& r, const std::string& case_id, const std::string& actor) {
  nlohmann::json view = SILIAN_TAKE(r->ShowCase(case_id));
  auto status = sync::ParseCaseStatus(view.at("status").get<std::string>());
  REQUIRE(status.ok());
  std::vector<sync::Action> allowed = sync::AllowedActions(*status);
  if (allowed.empty()) return;
  sync::Action a = PickAction(allowed, rng_, 7);
  std::string reason = sync::ReasonRequired(a) || rng_.Percent(20) ? "reason " + std::to_string(rng_.Below(5)) : "";
  std::vector<std::pair<std::string, std::string>> details;
  // A case is extended once, by at most the item's limit (10 working days without terms).
  if (a == sync::Action::kExtend) details.emplace_back("days", std::to_string(rng_.Between(1, 10)));
  if (a == sync::Action::kExtend && view.contains("extensions")) return;
  if (a == sync::Action::kSuspend) details.emplace_back("procedure", "site_inspection");
  if (a == sync::Action::kIssueCertificate) {
    details.emplace_back("certificate_name", "licence");
    details.emplace_back("certificate_number", "N" + std::to_string(rng_.Below(1000)));
  }
  if (a == sync::Action::kDeliver) details.emplace_back("method", "window");
  SILIAN_TAKE(r->Act(case_id, a, reason, actor, details));
  ++counts_.transitions;
}

void Workload::Resolve(Replica& r, const std::string& actor) {
  std::vector<nlohmann::json> conflicts = ResolvableConflicts(*r);
  if (conflicts.empty()) return;
  const nlohmann::json& c = rng_.Pick(conflicts);
  const std::string id = c.at("id").get<std::string>();
  const nlohmann::json& candidates = c.at("candidates");
  Result<sync::OpId> done = Status(StatusCode::kInternal, "not tried");
  if (c.at("kind") == "field" && rng_.Percent(30)) {
    const std::string field = c.at("field").get<std::string>();
    std::string value = field == "applicant_name" ? rng_.Pick(NamePool())
                        : field == "item_code"    ? rng_.Pick(ItemPool())
                        : field == "applicant_id" ? ResidentId(static_cast<uint32_t>(rng_.Below(3)))
                                                  : "resident_id";
    done = r->ResolveConflict(id, std::nullopt, value, actor);
  } else {
    size_t k = static_cast<size_t>(rng_.Below(candidates.size()));
    auto keep = sync::ParseOpId(candidates.at(k).at("op").get<std::string>());
    REQUIRE(keep.ok());
    done = r->ResolveConflict(id, *keep, std::nullopt, actor);
  }
  INFO("resolving " << c.dump() << " -> " << done.status().ToString());
  REQUIRE(done.ok());
  ++counts_.resolutions;
}

// Sends a random part of what one replica holds beyond another's frontier: a random subset, so that some
// ops arrive ahead of their gaps and wait in the pending area.
void Workload::PartialExchange() {
  size_t a = static_cast<size_t>(rng_.Below(replicas_.size()));
  size_t b = static_cast<size_t>(rng_.Below(replicas_.size() - 1));
  if (b >= a) ++b;
  sync::LedgerStore& from = **replicas_[a];
  sync::LedgerStore& to = **replicas_[b];
  auto entries = ExportEntries(from, SILIAN_TAKE(to.GetFrontier()));
  std::vector<pb::Entry> part;
  uint64_t keep_percent = rng_.Percent(50) ? 100 : rng_.Between(30, 90);
  for (auto& e : entries)
    if (rng_.Percent(keep_percent)) part.push_back(std::move(e));
  if (rng_.Percent(30)) rng_.Shuffle(part);
  ImportEntries(to, part, static_cast<size_t>(rng_.Between(1, 50)));
  ++counts_.exchanges;
}

}  // namespace silian::test
